//===- DecomposePads.cpp - padded buffers filled by their producers -------===//
//
// A `tensor.pad` bufferizes into a new buffer, a fill of the padding value
// and a strided copy of the source into its interior: one more pass over
// every padded activation. Rewritten as fills of the border and an
// insert_slice of the source, the copy can vanish: eliminate-empty-tensors
// then lets the op producing the source write straight into the interior of
// the padded buffer, and only the border is filled.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"
#include "compiler/Codegen/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_DECOMPOSEPADSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// A pad with a constant padding value and static sizes: the border slabs
/// are filled one by one, then the source is inserted into the interior.
/// Slab d covers the padding of dimension d, restricted to the interior in
/// the dimensions before d, so every padding element is written once and no
/// interior element is written twice. (The columns of an NHWC activation
/// that only the pad reads are filled after the interior instead, row by
/// row: see columnsByRows.) The source may have other uses (a
/// residual block's input, padded for its first convolution and added to
/// its output; an Inception block's output, padded for a pool and read by
/// the next block's convolutions): computed into the interior, it is a view
/// of the padded buffer that they read in place. Not a source that is
/// returned or a function argument, which would then become a view of the
/// padded buffer: the buffer passes expect those to be buffers of their own.
/// And only a zero border then: LLVM turns its fills into memsets, but
/// unrolls the scalar loops of other fills (a max pool's -inf) into blocks
/// whose scheduling doubled GoogLeNet's compile time (16 -> 33 s).
struct DecomposePad final : OpRewritePattern<tensor::PadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::PadOp pad,
                                PatternRewriter &rewriter) const override {
    Value source = pad.getSource();
    Value padValue = pad.getConstantPaddingValue();
    RankedTensorType type = pad.getResultType();
    if (!padValue || !type.hasStaticShape() ||
        ShapedType::isDynamicShape(pad.getStaticLow()) ||
        ShapedType::isDynamicShape(pad.getStaticHigh()))
      return rewriter.notifyMatchFailure(pad, "not a static constant pad");
    if (!source.hasOneUse() &&
        (isa<BlockArgument>(source) ||
         !matchPattern(padValue, m_AnyZeroFloat()) ||
         llvm::any_of(source.getUsers(), llvm::IsaPred<func::ReturnOp>)))
      return rewriter.notifyMatchFailure(
          pad, "the source escapes or the border is not zero");
    ArrayRef<int64_t> low = pad.getStaticLow(), high = pad.getStaticHigh();
    ArrayRef<int64_t> inner = pad.getSourceType().getShape();
    ArrayRef<int64_t> outer = type.getShape();
    int64_t rank = type.getRank();
    Location loc = pad.getLoc();
    auto indices = [&](ArrayRef<int64_t> values) {
      return getAsIndexOpFoldResult(rewriter.getContext(), values);
    };
    SmallVector<OpFoldResult> ones(rank, rewriter.getIndexAttr(1));

    // The border (but for columns filled by rows) is filled before the
    // source's first part is computed (see firstPartOf), with a constant of
    // its own there.
    TypedAttr padAttr;
    if (!matchPattern(padValue, m_Constant(&padAttr)))
      return rewriter.notifyMatchFailure(pad, "padding value not a constant");
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(firstPartOf(pad));
    padValue = arith::ConstantOp::create(rewriter, loc, padAttr);
    Value dest =
        tensor::EmptyOp::create(rewriter, loc, outer, type.getElementType());
    // An NHWC activation of two rows or more, padded alike left and right,
    // that only the pad reads: the columns' slabs are filled row by row, in
    // parallel (see columnsByRows). (A source that others read after the pad
    // would see the loop write the padded buffer, of which it is a view:
    // one-shot bufferization copied the whole buffer, 4 copies in
    // Inception-v3. A single row has nothing to split.)
    bool byRows = rank == 4 && !low[0] && !high[0] && !low[3] && !high[3] &&
                  low[2] && low[2] == high[2] && inner[1] >= 2 &&
                  source.hasOneUse();
    for (int64_t d = 0; d < rank; ++d) {
      if (d == 2 && byRows)
        continue;
      for (bool before : {true, false}) {
        int64_t width = before ? low[d] : high[d];
        if (width == 0)
          continue;
        SmallVector<int64_t> offsets(rank, 0), sizes(outer);
        for (int64_t e = 0; e < d; ++e) {
          offsets[e] = low[e];
          sizes[e] = inner[e];
        }
        offsets[d] = before ? 0 : low[d] + inner[d];
        sizes[d] = width;
        Value slab = tensor::EmptyOp::create(rewriter, loc, sizes,
                                             type.getElementType());
        slab =
            linalg::FillOp::create(rewriter, loc, padValue, slab).getResult(0);
        dest = tensor::InsertSliceOp::create(
            rewriter, loc, slab, dest, indices(offsets), indices(sizes), ones);
      }
    }
    // A concatenation into an empty tensor is built in the interior.
    if (tensor::InsertSliceOp base = concatBase(source)) {
      Value interior = tensor::ExtractSliceOp::create(
          rewriter, loc, dest, indices(low), indices(inner), ones);
      rewriter.modifyOpInPlace(base,
                               [&] { base.getDestMutable().set(interior); });
    }
    rewriter.setInsertionPoint(pad);
    Value padded = tensor::InsertSliceOp::create(
        rewriter, loc, source, dest, indices(low), indices(inner), ones);
    // The columns after the interior (a loop before the source's ops would
    // keep them from computing it into the padded buffer).
    if (byRows)
      padded =
          columnsByRows(rewriter, loc, padded, padValue, low[1], low[2], inner);
    rewriter.replaceOp(pad, padded);
    return success();
  }

  /// Fills the padding columns left and right of each interior row of the
  /// padded NHWC tensor `dest`, `width` pixels each, in an scf.forall over
  /// (sample, row, side), which runs on the thread pool split as the layers'
  /// loops over rows are: each thread fills the border of the rows it
  /// computes and reads. Filled on the calling thread, the border of the
  /// other thread's rows (a line per 16 channels of each padding pixel)
  /// moved to the caller's cache and back. (One slice per iteration: with
  /// two, one-shot bufferization filled one of them in a buffer of its own.)
  static Value columnsByRows(PatternRewriter &rewriter, Location loc,
                             Value dest, Value padValue, int64_t top,
                             int64_t width, ArrayRef<int64_t> inner) {
    MLIRContext *context = rewriter.getContext();
    auto type = cast<RankedTensorType>(dest.getType());
    auto forall = scf::ForallOp::create(
        rewriter, loc, getAsIndexOpFoldResult(context, {inner[0], inner[1], 2}),
        ValueRange{dest}, /*mapping=*/std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    Block *body = forall.getBody();
    rewriter.setInsertionPointToStart(body);
    Value row = cnn::affineIndex(rewriter, loc, body->getArgument(1), 1, top);
    Value column = cnn::affineIndex(rewriter, loc, body->getArgument(2),
                                    width + inner[2], 0);
    SmallVector<OpFoldResult> offsets = {body->getArgument(0), row, column,
                                         rewriter.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes =
        getAsIndexOpFoldResult(context, {1, 1, width, inner[3]});
    SmallVector<OpFoldResult> ones(4, rewriter.getIndexAttr(1));
    // The fill updates its slice of the loop's tensor, in place.
    Value slab = tensor::ExtractSliceOp::create(
        rewriter, loc,
        RankedTensorType::get({1, 1, width, inner[3]}, type.getElementType()),
        body->getArgument(3), offsets, sizes, ones);
    Value fill =
        linalg::FillOp::create(rewriter, loc, padValue, slab).getResult(0);
    rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(
        rewriter, loc, fill, body->getArgument(3), offsets, sizes, ones);
    return forall.getResult(0);
  }

  /// The first insert_slice of the concatenation `value` (a chain of
  /// insert_slices, each into the last) when it inserts into an empty
  /// tensor, or null. (Other users of that empty tensor, which CSE may have
  /// merged with others of its shape, keep it: it has no values to share.)
  static tensor::InsertSliceOp concatBase(Value value) {
    tensor::InsertSliceOp base;
    while (auto insert = value.getDefiningOp<tensor::InsertSliceOp>()) {
      if (!insert->hasOneUse() && base)
        return {};
      base = insert;
      value = insert.getDest();
    }
    if (!base || !value.getDefiningOp<tensor::EmptyOp>())
      return {};
    return base;
  }

  /// The op before which `pad`'s border is filled: the first, in `pad`'s
  /// block, of the ops that compute its source, the parts of a
  /// concatenation (a chain of insert_slices) included, or `pad` itself.
  /// eliminate-empty-tensors can then compute every part into the padded
  /// buffer: it places a part there only where the padded buffer already
  /// exists, and with the border filled at the pad, a concatenation's first
  /// part (computed before the others) went into the concatenation's own
  /// buffer and was copied (an Inception block's first branch: seven copies
  /// in GoogLeNet).
  static Operation *firstPartOf(tensor::PadOp pad) {
    Operation *first = pad;
    auto consider = [&](Value part) {
      Operation *def = part.getDefiningOp();
      if (def && !isa<tensor::EmptyOp>(def) &&
          def->getBlock() == pad->getBlock() && def->isBeforeInBlock(first))
        first = def;
    };
    Value value = pad.getSource();
    while (auto insert = value.getDefiningOp<tensor::InsertSliceOp>()) {
      consider(insert.getSource());
      value = insert.getDest();
    }
    consider(value);
    return first;
  }
};

struct DecomposePadsPass final
    : cnn::impl::DecomposePadsPassBase<DecomposePadsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposePad>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

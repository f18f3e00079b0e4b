//===- BlockConvFilters.cpp - filters in [F/tf][kh][kw][C][tf] blocks -----===//
//
// An HWCF filter read tf output channels at a time strides by F floats per
// input channel: for F = 512 that is 2 KiB, so the rows of one filter tile
// fall into a handful of cache sets and evict each other. Blocking the
// filter as [F/tf, kh, kw, C, tf] makes each tile one contiguous run. The
// convolution becomes a loop (scf.forall, one iteration per block, which is
// also the parallel dimension) over convolutions of tf filters; the blocking
// is weight-only work that cnn-hoist-weight-packing moves to load time.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_BLOCKCONVFILTERSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

struct BlockConvFiltersPass final
    : cnn::impl::BlockConvFiltersPassBase<BlockConvFiltersPass> {
  using BlockConvFiltersPassBase::BlockConvFiltersPassBase;

  void runOnOperation() override {
    SmallVector<linalg::Conv2DNhwcHwcfOp> convs;
    getOperation().walk([&](linalg::Conv2DNhwcHwcfOp op) {
      if (op.hasPureTensorSemantics() && !op.hasDynamicShape())
        convs.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::Conv2DNhwcHwcfOp op : convs)
      block(rewriter, op);
  }

  void block(IRRewriter &b, linalg::Conv2DNhwcHwcfOp op) {
    Value filter = op.getInputs()[1];
    Value init = op.getOutputs()[0];
    auto filterType = cast<RankedTensorType>(filter.getType());
    auto outType = cast<RankedTensorType>(init.getType());
    ArrayRef<int64_t> w = filterType.getShape(); // kh, kw, c, f
    ArrayRef<int64_t> y = outType.getShape();    // n, oh, ow, f
    int64_t tile = 2 * vectorWidth;
    if (w[3] % tile != 0)
      tile = vectorWidth;
    if (w[3] % tile != 0 || w[3] == tile)
      return;
    int64_t blocks = w[3] / tile;
    Type elem = filterType.getElementType();
    Location loc = op.getLoc();
    b.setInsertionPoint(op);

    // [kh, kw, c, f] -> [kh, kw, c, F/tf, tf] -> [F/tf, kh, kw, c, tf].
    auto split = RankedTensorType::get({w[0], w[1], w[2], blocks, tile}, elem);
    Value expanded = tensor::ExpandShapeOp::create(
        b, loc, split, filter,
        SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
    Value blockedInit = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{blocks, w[0], w[1], w[2], tile}, elem);
    Value blocked =
        linalg::TransposeOp::create(b, loc, expanded, blockedInit,
                                    ArrayRef<int64_t>{3, 0, 1, 2, 4})
            .getResult()[0];

    auto tileFilterType =
        RankedTensorType::get({w[0], w[1], w[2], tile}, elem);
    auto tileOutType = RankedTensorType::get({y[0], y[1], y[2], tile}, elem);
    auto forall = scf::ForallOp::create(
        b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(blocks)},
        ValueRange{init}, /*mapping=*/std::nullopt);
    Block *body = forall.getBody();
    b.setInsertionPointToStart(body);
    Value index = body->getArgument(0);
    Value shared = body->getArgument(1);
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    Value channel = arith::MulIOp::create(
        b, loc, index, arith::ConstantIndexOp::create(b, loc, tile));
    Value tileFilter = tensor::ExtractSliceOp::create(
        b, loc, tileFilterType, blocked,
        ArrayRef<OpFoldResult>{index, zero, zero, zero, zero},
        getAsIndexOpFoldResult(b.getContext(),
                               ArrayRef<int64_t>{1, w[0], w[1], w[2], tile}),
        SmallVector<OpFoldResult>(5, one));
    SmallVector<OpFoldResult> outOffsets = {zero, zero, zero, channel};
    SmallVector<OpFoldResult> outSizes =
        getAsIndexOpFoldResult(b.getContext(), tileOutType.getShape());
    SmallVector<OpFoldResult> outStrides(4, one);
    Value tileInit = tensor::ExtractSliceOp::create(
        b, loc, tileOutType, shared, outOffsets, outSizes, outStrides);
    Value tileOut =
        linalg::Conv2DNhwcHwcfOp::create(
            b, loc, TypeRange{tileOutType},
            ValueRange{op.getInputs()[0], tileFilter}, ValueRange{tileInit},
            op.getStrides(), op.getDilations())
            .getResult(0);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, tileOut, shared, outOffsets,
                                          outSizes, outStrides);
    b.replaceOp(op, forall.getResults());
  }
};

} // namespace

//===- FuseRowBands.cpp - layers around a depthwise one by bands of rows --===//
//
// A 1x1 convolution that expands an activation into many channels, followed
// by a depthwise convolution of stride 2 or more of the result (MobileNet's
// inverted residual blocks that halve the resolution), writes the whole
// expanded activation and the depthwise layer reads it back: at
// 112x112x96, 4.8 MB each way, four times the L2. This pass computes the
// pair by bands of output rows instead. The output rows are split into
// chunks, one iteration of an scf.forall each; a chunk walks its bands in
// order, and for each band computes the expanded rows that the band reads
// and the bands before it did not (a band of R output rows at stride s:
// R * s new rows), then the band's depthwise rows, which read those rows
// while they are in L2. A chunk's first band also computes the rows it
// shares with the chunk above (k - s for a k-row window): only they are
// computed twice.
//
// A band's rows go into one of two small buffers, in turn, laid out as the
// padded activation the depthwise convolution reads: the k - s rows it
// shares with the band before, copied from the other buffer, then its new
// rows. The buffers stay in L2, so the expansion's stores hit it too (with
// one buffer per chunk, all of the chunk's rows, the pair ran no faster).
// Their pad columns are zero-filled once; pad rows (above the first chunk,
// below the last) are filled where they fall. Every op of a band is a
// static slice of the original op (the 1x1 convolution, its bias and
// activation; the depthwise convolution, its bias and activation), tiled
// and vectorized later as the originals would have been. A 1x1 convolution
// that alone reads a large depthwise result (the block's projection) takes
// each band's depthwise rows as they are computed.
//
// A depthwise convolution whose result, after an optional activation, only a
// 1x1 convolution reads (MobileNet's projections) likewise writes a whole
// activation that the next layer reads back: 1.8 MB at 56x56x144. Where the
// pair above did not take it, the depthwise layer and the 1x1 convolution
// (with its bias, and an elementwise op after it such as a residual add)
// are computed by bands of rows too. A band needs no rows of another: its
// depthwise rows, computed into one small buffer that every band reuses,
// are the 1x1 convolution's input rows, read while they are in L1.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"
#include "compiler/Codegen/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_FUSEROWBANDSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// A 1x1 convolution (stride 1) that alone reads a depthwise layer's result,
/// its initial value, and the elementwise op after it, if any.
struct Projection {
  linalg::LinalgOp init;
  linalg::Conv2DNhwcHwcfOp conv;
  linalg::GenericOp epilogue; // residual add, activation, or null

  Operation *last() {
    return epilogue ? epilogue.getOperation() : conv.getOperation();
  }
};

/// The ops of one expansion and depthwise pair, and of the projection after
/// it if any, in program order.
struct Chain {
  linalg::LinalgOp expandInit;      // bias broadcast or fill
  linalg::Conv2DNhwcHwcfOp expand;  // 1x1, stride 1
  linalg::GenericOp expandEpilogue; // activation, or null
  tensor::PadOp pad;                // zero rows and columns around it
  linalg::LinalgOp depthwiseInit;
  linalg::DepthwiseConv2DNhwcHwcOp depthwise;
  linalg::GenericOp depthwiseEpilogue;
  std::optional<Projection> project;

  Operation *last() {
    if (project)
      return project->last();
    return depthwiseEpilogue ? depthwiseEpilogue.getOperation()
                             : depthwise.getOperation();
  }
};

/// The ops of a depthwise convolution and the 1x1 convolution that reads
/// its result, in program order.
struct PointwiseChain {
  linalg::LinalgOp depthwiseInit;
  linalg::DepthwiseConv2DNhwcHwcOp depthwise;
  linalg::GenericOp depthwiseEpilogue; // activation, or null
  Projection project;

  Operation *last() { return project.last(); }
};

/// The sole user of `value` when it is an elementwise op of `value` alone
/// that can update it in place (an activation), else null.
linalg::GenericOp unaryEpilogue(Value value) {
  if (!value.hasOneUse())
    return {};
  auto op = dyn_cast<linalg::GenericOp>(*value.getUsers().begin());
  if (!op || op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getDpsInputs()[0] != value || !cnn::isInPlaceEpilogue(op, value) ||
      op.payloadUsesValueFromOperand(op.getDpsInitOperand(0)))
    return {};
  return op;
}

/// The initial value of `op` when a fill or broadcast that reads nothing
/// per pixel or per sample (a bias), not even its own destination, and that
/// only `op` uses: it can be recomputed for any slice of the output.
linalg::LinalgOp sliceableInit(linalg::LinalgOp op) {
  auto init = op.getDpsInits()[0].getDefiningOp<linalg::LinalgOp>();
  if (!init || !init->hasOneUse() || !cnn::isElementwiseInit(init))
    return {};
  OpOperand *dest = init.getDpsInitOperand(0);
  if (init.payloadUsesValueFromOperand(dest) ||
      !init.getMatchingIndexingMap(dest).isIdentity())
    return {};
  for (OpOperand *input : init.getDpsInputOperands()) {
    AffineMap map = init.getMatchingIndexingMap(input);
    if (map.isFunctionOfDim(0) || map.isFunctionOfDim(1) ||
        map.isFunctionOfDim(2))
      return {};
  }
  return init;
}

/// The static strides or dilations of a 2-D window op.
SmallVector<int64_t> values(DenseIntElementsAttr attr) {
  return llvm::to_vector(attr.getValues<int64_t>());
}

/// Whether `conv` is a static 1x1 convolution of stride 1 on tensors.
bool isStaticPointwise(linalg::Conv2DNhwcHwcfOp conv) {
  if (!conv || !conv.hasPureTensorSemantics() || conv.hasDynamicShape())
    return false;
  auto filter = cast<RankedTensorType>(conv.getDpsInputs()[1].getType());
  return filter.getDimSize(0) == 1 && filter.getDimSize(1) == 1 &&
         llvm::all_of(values(conv.getStrides()),
                      [](int64_t s) { return s == 1; });
}

/// Builds the ops of a band: static slices of 4-D tensors of one element
/// type, and the layers' ops cloned onto them.
struct BandBuilder {
  BandBuilder(RewriterBase &b, Location loc, Type elem)
      : b(b), loc(loc), elem(elem), ones(4, b.getIndexAttr(1)) {}

  OpFoldResult index(int64_t v) { return b.getIndexAttr(v); }
  Value constant(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  /// `v * scale + offset`.
  Value affine(Value v, int64_t scale, int64_t offset) {
    Value r = arith::MulIOp::create(b, loc, v, constant(scale));
    return arith::AddIOp::create(b, loc, r, constant(offset));
  }
  RankedTensorType sliceType(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, elem);
  }
  Value extract(Value from, ArrayRef<OpFoldResult> offsets,
                ArrayRef<int64_t> shape) {
    return tensor::ExtractSliceOp::create(
        b, loc, sliceType(shape), from, offsets,
        getAsIndexOpFoldResult(b.getContext(), shape), ones);
  }
  Value insert(Value what, Value into, ArrayRef<OpFoldResult> offsets) {
    auto shape = cast<RankedTensorType>(what.getType()).getShape();
    return tensor::InsertSliceOp::create(
        b, loc, what, into, offsets,
        getAsIndexOpFoldResult(b.getContext(), shape), ones);
  }
  /// `op` on new operands, in the shape of its new init (the last).
  Value cloneOn(Operation *op, ValueRange operands) {
    Type type = operands.back().getType();
    Operation *clone = mlir::clone(b, op, TypeRange{type}, operands);
    clone->setLoc(op->getLoc());
    return clone->getResult(0);
  }
  /// The initial value `init` (a bias) computed into `dest`.
  Value bias(linalg::LinalgOp init, Value dest) {
    SmallVector<Value> operands = init.getDpsInputs();
    operands.push_back(dest);
    return cloneOn(init, operands);
  }
  /// `epilogue` on `value`, the band at `offsets` of `whole` (by default the
  /// epilogue's first input), updating it in place; the epilogue's other
  /// inputs are sliced likewise.
  Value finish(linalg::GenericOp epilogue, Value value, Value whole = {},
               ArrayRef<OpFoldResult> offsets = {}) {
    if (!epilogue)
      return value;
    if (!whole)
      whole = epilogue.getDpsInputs()[0];
    auto shape = cast<RankedTensorType>(value.getType()).getShape();
    SmallVector<Value> operands;
    // The first operand that reads `whole` (inputs come first, in order).
    std::optional<unsigned> updated;
    for (OpOperand *in : epilogue.getDpsInputOperands()) {
      if (in->get() == whole && !updated)
        updated = in->getOperandNumber();
      operands.push_back(
          in->get() == whole ? value : extract(in->get(), offsets, shape));
    }
    Value empty = tensor::EmptyOp::create(b, loc, shape, elem);
    operands.push_back(empty);
    auto op =
        cast<linalg::GenericOp>(cloneOn(epilogue, operands).getDefiningOp());
    linalg::GenericOp inPlace;
    {
      OpBuilder::InsertionGuard guard(b);
      inPlace = cnn::updateInPlace(b, op, &op->getOpOperand(*updated));
    }
    if (empty.use_empty())
      b.eraseOp(empty.getDefiningOp());
    return inPlace->getResult(0);
  }

  /// The scf.forall over (sample, chunk of output rows) that replaces the
  /// layers, writing a tensor of `type`; the insertion point moves into it.
  scf::ForallOp bandsLoop(int64_t samples, int64_t chunks,
                          RankedTensorType type) {
    Value init = tensor::EmptyOp::create(b, loc, type.getShape(), elem);
    auto forall = scf::ForallOp::create(
        b, loc, getAsIndexOpFoldResult(b.getContext(), {samples, chunks}),
        ValueRange{init}, /*mapping=*/std::nullopt);
    forall->setAttr(cnn::kRowBandsAttr, b.getUnitAttr());
    b.setInsertionPointToStart(forall.getBody());
    return forall;
  }
  /// Ends `forall` (of bandsLoop) with its chunk's rows, `rows`, written from
  /// output row `row` of its sample on.
  void yieldChunk(scf::ForallOp forall, Value rows, Value row) {
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    auto shape = cast<RankedTensorType>(rows.getType()).getShape();
    tensor::ParallelInsertSliceOp::create(
        b, loc, rows, forall.getRegionIterArgs()[0],
        ArrayRef<OpFoldResult>{forall.getInductionVar(0), row, index(0),
                               index(0)},
        getAsIndexOpFoldResult(b.getContext(), shape), ones);
  }
  /// Replaces `last`, the last layer, with `forall`, and erases the layers.
  void replaceLayers(Operation *last, scf::ForallOp forall,
                     ArrayRef<Operation *> layers) {
    b.replaceAllUsesWith(last->getResult(0), forall.getResult(0));
    SetVector<Operation *> dead;
    for (Operation *op : layers)
      if (op)
        dead.insert(op);
    for (Operation *op : dead)
      if (op->use_empty())
        b.eraseOp(op);
  }

  RewriterBase &b;
  Location loc;
  Type elem;
  SmallVector<OpFoldResult> ones;
};

struct FuseRowBandsPass final
    : cnn::impl::FuseRowBandsPassBase<FuseRowBandsPass> {
  using FuseRowBandsPassBase::FuseRowBandsPassBase;

  void runOnOperation() override {
    // The depthwise layers at the function's top level (not in a band yet).
    auto candidates = [&] {
      SmallVector<linalg::DepthwiseConv2DNhwcHwcOp> ops;
      getOperation().walk([&](linalg::DepthwiseConv2DNhwcHwcOp op) {
        if (isa<func::FuncOp>(op->getParentOp()))
          ops.push_back(op);
      });
      return ops;
    };
    IRRewriter rewriter(&getContext());
    for (linalg::DepthwiseConv2DNhwcHwcOp op : candidates())
      if (std::optional<Chain> chain = match(rewriter, op))
        rewrite(rewriter, *chain);
    // Then those the pairs above did not take.
    for (linalg::DepthwiseConv2DNhwcHwcOp op : candidates())
      if (std::optional<PointwiseChain> chain = matchPointwise(rewriter, op))
        rewritePointwise(rewriter, *chain);
  }

  /// The chunks of `rows` output rows: `numChunks`, or one where they do
  /// not divide the rows.
  int64_t chunksOf(int64_t rows) const {
    return numChunks > 1 && rows % numChunks == 0 ? int64_t(numChunks) : 1;
  }

  /// The most rows of a band that divide a chunk's `rows` and `fit`; one
  /// when none does.
  static int64_t bandOf(int64_t rows, function_ref<bool(int64_t)> fit) {
    for (int64_t r = rows; r > 1; --r)
      if (rows % r == 0 && fit(r))
        return r;
    return 1;
  }

  /// The 1x1 convolution that alone reads `activation`, a depthwise
  /// layer's result (after its activation) of at least `minBytes` per
  /// sample, with a sliceable initial value, and the elementwise op after
  /// it when that can update its result in place and reads other values
  /// only pixel by pixel (a residual add), computed band by band too.
  std::optional<Projection> matchProjection(IRRewriter &rewriter,
                                            Value activation) {
    Projection project;
    if (!activation.hasOneUse())
      return std::nullopt;
    project.conv =
        dyn_cast<linalg::Conv2DNhwcHwcfOp>(*activation.getUsers().begin());
    if (!isStaticPointwise(project.conv) ||
        project.conv.getDpsInputs()[0] != activation)
      return std::nullopt;
    auto filter =
        cast<RankedTensorType>(project.conv.getDpsInputs()[1].getType());
    auto type = cast<RankedTensorType>(activation.getType());
    if (cnn::staticByteSize(type) / type.getDimSize(0) < minBytes)
      return std::nullopt;
    Type elem = type.getElementType();
    if (filter.getElementType() != elem ||
        getElementTypeOrSelf(project.conv->getResult(0)) != elem)
      return std::nullopt;
    cnn::collapseGroupedInit(rewriter, project.conv.getDpsInits()[0]);
    project.init = sliceableInit(project.conv);
    if (!project.init)
      return std::nullopt;
    Value result = project.conv->getResult(0);
    if (result.hasOneUse()) {
      auto epilogue = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
      if (epilogue && epilogue.getNumDpsInits() == 1 &&
          llvm::is_contained(epilogue.getDpsInputs(), result) &&
          cnn::isInPlaceEpilogue(epilogue, result) &&
          !epilogue.payloadUsesValueFromOperand(
              epilogue.getDpsInitOperand(0)) &&
          llvm::all_of(epilogue.getDpsInputOperands(), [&](OpOperand *in) {
            return in->get().getType() == result.getType() &&
                   epilogue.getMatchingIndexingMap(in).isIdentity();
          }))
        project.epilogue = epilogue;
    }
    return project;
  }

  std::optional<PointwiseChain>
  matchPointwise(IRRewriter &rewriter,
                 linalg::DepthwiseConv2DNhwcHwcOp depthwise) {
    PointwiseChain chain;
    chain.depthwise = depthwise;
    if (!depthwise.hasPureTensorSemantics() || depthwise.hasDynamicShape() ||
        llvm::any_of(values(depthwise.getDilations()),
                     [](int64_t d) { return d != 1; }))
      return std::nullopt;
    chain.depthwiseEpilogue = unaryEpilogue(depthwise->getResult(0));
    Value activation = chain.depthwiseEpilogue
                           ? chain.depthwiseEpilogue->getResult(0)
                           : depthwise->getResult(0);
    auto type = cast<RankedTensorType>(activation.getType());
    Type elem = type.getElementType();
    if (type.getDimSize(1) < 2 ||
        getElementTypeOrSelf(depthwise.getDpsInputs()[0]) != elem ||
        getElementTypeOrSelf(depthwise.getDpsInputs()[1]) != elem)
      return std::nullopt;
    std::optional<Projection> project = matchProjection(rewriter, activation);
    if (!project)
      return std::nullopt;
    chain.project = *project;
    cnn::collapseGroupedInit(rewriter, depthwise.getDpsInits()[0]);
    chain.depthwiseInit = sliceableInit(depthwise);
    if (!chain.depthwiseInit)
      return std::nullopt;
    return chain;
  }

  void rewritePointwise(IRRewriter &b, PointwiseChain &chain) {
    Value input = chain.depthwise.getDpsInputs()[0];
    Value depthwiseFilter = chain.depthwise.getDpsInputs()[1];
    Value projectFilter = chain.project.conv.getDpsInputs()[1];
    auto inputType = cast<RankedTensorType>(input.getType());
    auto middleType =
        cast<RankedTensorType>(chain.depthwise->getResult(0).getType());
    auto resultType =
        cast<RankedTensorType>(chain.last()->getResult(0).getType());
    Type elem = middleType.getElementType();
    int64_t n = middleType.getDimSize(0), rows = middleType.getDimSize(1),
            cols = middleType.getDimSize(2), c = middleType.getDimSize(3);
    int64_t f = resultType.getDimSize(3);
    int64_t inCols = inputType.getDimSize(2);
    int64_t kh =
        cast<RankedTensorType>(depthwiseFilter.getType()).getDimSize(0);
    int64_t stride = values(chain.depthwise.getStrides())[0];
    int64_t chunks = chunksOf(rows), chunkRows = rows / chunks;
    int64_t rowBytes = cols * c * elem.getIntOrFloatBitWidth() / 8;
    int64_t band = bandOf(chunkRows, [&](int64_t r) {
      return r * rowBytes <= pointwiseBandBytes;
    });
    int64_t bands = chunkRows / band;
    int64_t inRows = (band - 1) * stride + kh;

    Location loc =
        b.getFusedLoc({chain.depthwise.getLoc(), chain.last()->getLoc()});
    b.setInsertionPoint(chain.last());
    BandBuilder bb(b, loc, elem);

    scf::ForallOp forall = bb.bandsLoop(n, chunks, resultType);
    Value sample = forall.getInductionVar(0), chunk = forall.getInductionVar(1);
    Value out = forall.getRegionIterArgs()[0];
    OpFoldResult zeroIndex = bb.index(0);
    Value chunkRow = bb.affine(chunk, chunkRows, 0);
    // One band's depthwise rows, written by each band in turn.
    Value buffer = bufferization::AllocTensorOp::create(
        b, loc, bb.sliceType({1, band, cols, c}), ValueRange{});
    Value chunkOut = bb.extract(out, {sample, chunkRow, zeroIndex, zeroIndex},
                                {1, chunkRows, cols, f});
    auto loop =
        scf::ForOp::create(b, loc, bb.constant(0), bb.constant(bands),
                           bb.constant(1), ValueRange{buffer, chunkOut});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value j = loop.getInductionVar();
      Value into = loop.getRegionIterArgs()[0];
      Value bandOut = loop.getRegionIterArgs()[1];
      Value at = bb.affine(j, band, 0);
      Value row = arith::AddIOp::create(b, loc, chunkRow, at);
      Value rowsIn = bb.extract(
          input, {sample, bb.affine(row, stride, 0), zeroIndex, zeroIndex},
          {1, inRows, inCols, c});
      Value middle =
          bb.cloneOn(chain.depthwise, {rowsIn, depthwiseFilter,
                                       bb.bias(chain.depthwiseInit, into)});
      SmallVector<OpFoldResult> offsets = {sample, row, zeroIndex, zeroIndex};
      middle = bb.finish(chain.depthwiseEpilogue, middle,
                         chain.depthwise->getResult(0), offsets);
      Value dest = bb.extract(bandOut, {zeroIndex, at, zeroIndex, zeroIndex},
                              {1, band, cols, f});
      Value sums =
          bb.cloneOn(chain.project.conv, {middle, projectFilter,
                                          bb.bias(chain.project.init, dest)});
      sums = bb.finish(chain.project.epilogue, sums,
                       chain.project.conv->getResult(0), offsets);
      Value written =
          bb.insert(sums, bandOut, {zeroIndex, at, zeroIndex, zeroIndex});
      scf::YieldOp::create(b, loc, ValueRange{middle, written});
    }
    bb.yieldChunk(forall, loop.getResult(1), chunkRow);
    bb.replaceLayers(chain.last(), forall,
                     {chain.last(), chain.project.conv, chain.project.init,
                      chain.depthwiseEpilogue, chain.depthwise,
                      chain.depthwiseInit});
  }

  std::optional<Chain> match(IRRewriter &rewriter,
                             linalg::DepthwiseConv2DNhwcHwcOp depthwise) {
    Chain chain;
    chain.depthwise = depthwise;
    // Stride 1 pairs measured no faster fused (the 56x56 pair of
    // MobileNet-v2): their depthwise layer reads each expanded row three
    // times, from L2 already, and each band copies two rows.
    if (!depthwise.hasPureTensorSemantics() || depthwise.hasDynamicShape() ||
        values(depthwise.getStrides())[0] < 2 ||
        llvm::any_of(values(depthwise.getDilations()),
                     [](int64_t d) { return d != 1; }))
      return std::nullopt;
    chain.pad = depthwise.getDpsInputs()[0].getDefiningOp<tensor::PadOp>();
    if (!chain.pad || !chain.pad->hasOneUse() ||
        !chain.pad.getConstantPaddingValue() ||
        !matchPattern(chain.pad.getConstantPaddingValue(), m_AnyZeroFloat()))
      return std::nullopt;
    std::optional<SmallVector<int64_t>> low =
        getConstantIntValues(chain.pad.getMixedLowPad());
    std::optional<SmallVector<int64_t>> high =
        getConstantIntValues(chain.pad.getMixedHighPad());
    if (!low || !high || (*low)[0] || (*high)[0] || (*low)[3] || (*high)[3])
      return std::nullopt;

    Value expanded = chain.pad.getSource();
    if (!expanded.hasOneUse())
      return std::nullopt;
    if (auto epilogue = expanded.getDefiningOp<linalg::GenericOp>()) {
      if (epilogue.getNumDpsInputs() != 1 ||
          unaryEpilogue(epilogue.getDpsInputs()[0]) != epilogue)
        return std::nullopt;
      chain.expandEpilogue = epilogue;
      expanded = epilogue.getDpsInputs()[0];
    }
    chain.expand = expanded.getDefiningOp<linalg::Conv2DNhwcHwcfOp>();
    if (!isStaticPointwise(chain.expand) || !expanded.hasOneUse())
      return std::nullopt;
    auto type = cast<RankedTensorType>(expanded.getType());
    if (cnn::staticByteSize(type) / type.getDimSize(0) < minBytes)
      return std::nullopt;
    // One element type throughout: the band's slices are built in it.
    Type elem = type.getElementType();
    Value operands[] = {chain.expand.getDpsInputs()[0],
                        chain.expand.getDpsInputs()[1],
                        depthwise.getDpsInputs()[1], depthwise->getResult(0)};
    for (Value v : operands)
      if (getElementTypeOrSelf(v.getType()) != elem)
        return std::nullopt;

    // Bias broadcasts built in a grouped shape become plain broadcasts,
    // which can be sliced.
    cnn::collapseGroupedInit(rewriter, chain.expand.getDpsInits()[0]);
    cnn::collapseGroupedInit(rewriter, depthwise.getDpsInits()[0]);
    chain.expandInit = sliceableInit(chain.expand);
    chain.depthwiseInit = sliceableInit(depthwise);
    chain.depthwiseEpilogue = unaryEpilogue(depthwise->getResult(0));
    if (!chain.expandInit || !chain.depthwiseInit)
      return std::nullopt;
    // A 1x1 convolution after the depthwise layer takes each band's rows too.
    chain.project =
        matchProjection(rewriter, chain.depthwiseEpilogue
                                      ? chain.depthwiseEpilogue->getResult(0)
                                      : depthwise->getResult(0));
    return chain;
  }

  void rewrite(IRRewriter &b, Chain &chain) {
    Value input = chain.expand.getDpsInputs()[0];
    Value expandFilter = chain.expand.getDpsInputs()[1];
    Value depthwiseFilter = chain.depthwise.getDpsInputs()[1];
    auto expandedType = cast<RankedTensorType>(chain.pad.getSourceType());
    auto resultType =
        cast<RankedTensorType>(chain.last()->getResult(0).getType());
    Type elem = expandedType.getElementType();
    int64_t n = expandedType.getDimSize(0), h = expandedType.getDimSize(1),
            w = expandedType.getDimSize(2), c = expandedType.getDimSize(3);
    int64_t cin = cast<RankedTensorType>(input.getType()).getDimSize(3);
    SmallVector<int64_t> low =
        *getConstantIntValues(chain.pad.getMixedLowPad());
    SmallVector<int64_t> high =
        *getConstantIntValues(chain.pad.getMixedHighPad());
    int64_t top = low[1], left = low[2], right = high[2];
    int64_t paddedWidth = left + w + right;
    int64_t kh =
        cast<RankedTensorType>(depthwiseFilter.getType()).getDimSize(0);
    int64_t stride = values(chain.depthwise.getStrides())[0];
    int64_t outRows = resultType.getDimSize(1),
            outCols = resultType.getDimSize(2),
            outChannels = resultType.getDimSize(3);
    // Rows a band shares with the band before it, and the padding rows
    // past the input's last that the last band reads.
    int64_t halo = kh - stride;
    int64_t bottom =
        std::max<int64_t>(0, (outRows - 1) * stride + kh - top - h);
    if (halo < top || outRows < 2)
      return;

    int64_t chunks = chunksOf(outRows), chunkRows = outRows / chunks;
    int64_t rowBytes = paddedWidth * c * elem.getIntOrFloatBitWidth() / 8;
    int64_t band = bandOf(chunkRows, [&](int64_t r) {
      return ((r - 1) * stride + kh) * rowBytes <= bandBytes;
    });
    int64_t bands = chunkRows / band, newRows = band * stride;
    // The buffer holds the rows one band reads: the halo it shares with the
    // band above, then its new rows.
    int64_t bufferRows = halo + newRows;
    if (bottom > newRows)
      return;

    Location loc =
        b.getFusedLoc({chain.expand.getLoc(), chain.last()->getLoc()});
    b.setInsertionPoint(chain.last());
    BandBuilder bb(b, loc, elem);
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
    auto fill = [&](Value into, ArrayRef<OpFoldResult> offsets,
                    ArrayRef<int64_t> shape) -> Value {
      Value slice = bb.extract(into, offsets, shape);
      Value filled = linalg::FillOp::create(b, loc, zero, slice).getResult(0);
      return bb.insert(filled, into, offsets);
    };

    scf::ForallOp forall = bb.bandsLoop(n, chunks, resultType);
    Value sample = forall.getInductionVar(0), chunk = forall.getInductionVar(1);
    Value out = forall.getRegionIterArgs()[0];
    OpFoldResult zeroIndex = bb.index(0);

    // The first expanded row the chunk reads (negative: padding above the
    // input), and its first output row.
    Value first = bb.affine(chunk, chunkRows * stride, -top);
    Value chunkRow = bb.affine(chunk, chunkRows, 0);

    // Rows [at, at + count) of the chunk's buffer: expanded input rows from
    // `from` on.
    auto expandRows = [&](Value buffer, OpFoldResult at, OpFoldResult from,
                          int64_t count) -> Value {
      if (count == 0)
        return buffer;
      Value rows = bb.extract(input, {sample, from, zeroIndex, zeroIndex},
                              {1, count, w, cin});
      Value dest = bb.extract(
          buffer, {zeroIndex, at, bb.index(left), zeroIndex}, {1, count, w, c});
      Value sums = bb.cloneOn(
          chain.expand, {rows, expandFilter, bb.bias(chain.expandInit, dest)});
      return bb.insert(bb.finish(chain.expandEpilogue, sums), buffer,
                       {zeroIndex, at, bb.index(left), zeroIndex});
    };
    auto zeroRows = [&](Value buffer, OpFoldResult at, int64_t count) -> Value {
      if (count == 0)
        return buffer;
      return fill(buffer, {zeroIndex, at, zeroIndex, zeroIndex},
                  {1, count, paddedWidth, c});
    };
    // Band `j` of the chunk's output rows, from the padded `rows` it reads;
    // with a projection, its depthwise rows go into `middle` (one band's,
    // which every band reuses) and its 1x1 rows into the chunk's output.
    auto depthwiseBand = [&](Value rows, Value chunkOut, Value &middle,
                             Value j) -> Value {
      OpFoldResult at = bb.affine(j, band, 0);
      Value dest =
          chain.project
              ? middle
              : bb.extract(chunkOut, {zeroIndex, at, zeroIndex, zeroIndex},
                           {1, band, outCols, c});
      Value sums =
          bb.cloneOn(chain.depthwise, {rows, depthwiseFilter,
                                       bb.bias(chain.depthwiseInit, dest)});
      sums = bb.finish(chain.depthwiseEpilogue, sums);
      if (chain.project) {
        Projection &project = *chain.project;
        middle = sums;
        Value projected =
            bb.extract(chunkOut, {zeroIndex, at, zeroIndex, zeroIndex},
                       {1, band, outCols, outChannels});
        sums = bb.cloneOn(project.conv, {middle, project.conv.getDpsInputs()[1],
                                         bb.bias(project.init, projected)});
        Value row = arith::AddIOp::create(
            b, loc, chunkRow, getValueOrCreateConstantIndexOp(b, loc, at));
        sums = bb.finish(project.epilogue, sums, project.conv->getResult(0),
                         {sample, row, zeroIndex, zeroIndex});
      }
      return bb.insert(sums, chunkOut, {zeroIndex, at, zeroIndex, zeroIndex});
    };
    auto ifChunk = [&](int64_t which, Value buffer, function_ref<Value()> then,
                       function_ref<Value()> otherwise) -> Value {
      if (chunks == 1)
        return then();
      Value cond = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         chunk, bb.constant(which));
      auto op = scf::IfOp::create(b, loc, TypeRange{buffer.getType()}, cond,
                                  /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&op.getThenRegion().front());
      scf::YieldOp::create(b, loc, then());
      b.setInsertionPointToStart(&op.getElseRegion().front());
      scf::YieldOp::create(b, loc, otherwise());
      return op.getResult(0);
    };

    // Two buffers of the rows one band reads, in turn: each band copies the
    // rows it shares with the band before from the other buffer (so that
    // the copy reads and writes different tensors, in place), computes its
    // new rows, then its depthwise rows. Zero columns left and right.
    auto newBuffer = [&]() {
      // An allocation, not an empty tensor: CSE would merge two of those.
      Value buffer = bufferization::AllocTensorOp::create(
          b, loc, bb.sliceType({1, bufferRows, paddedWidth, c}), ValueRange{});
      if (left)
        buffer = fill(buffer, {zeroIndex, zeroIndex, zeroIndex, zeroIndex},
                      {1, bufferRows, left, c});
      if (right)
        buffer =
            fill(buffer, {zeroIndex, zeroIndex, bb.index(left + w), zeroIndex},
                 {1, bufferRows, right, c});
      return buffer;
    };
    Value current = newBuffer(), next = newBuffer();
    Value middle =
        chain.project
            ? bufferization::AllocTensorOp::create(
                  b, loc, bb.sliceType({1, band, outCols, c}), ValueRange{})
                  .getResult()
            : Value();
    Value chunkOut = bb.extract(out, {sample, chunkRow, zeroIndex, zeroIndex},
                                {1, chunkRows, outCols, outChannels});
    // The rows the first band shares with the chunk above, where a band
    // before it would have left them.
    current = ifChunk(
        0, current,
        [&] {
          Value v = zeroRows(current, bb.index(newRows), top);
          return expandRows(v, bb.index(newRows + top), zeroIndex, halo - top);
        },
        [&] { return expandRows(current, bb.index(newRows), first, halo); });
    // Band `j` into `into`, its shared rows from `from`; `bottom` padding
    // rows below the input end its new rows when `last`.
    auto step = [&](Value into, Value from, Value chunkOut, Value &middle,
                    Value j, bool last) -> std::pair<Value, Value> {
      if (halo) {
        Value shared = bb.extract(
            from, {zeroIndex, bb.index(newRows), bb.index(left), zeroIndex},
            {1, halo, w, c});
        Value dest =
            bb.extract(into, {zeroIndex, zeroIndex, bb.index(left), zeroIndex},
                       {1, halo, w, c});
        Value copied =
            linalg::CopyOp::create(b, loc, shared, dest).getResult(0);
        into = bb.insert(copied, into,
                         {zeroIndex, zeroIndex, bb.index(left), zeroIndex});
      }
      Value row =
          arith::AddIOp::create(b, loc, first, bb.affine(j, newRows, halo));
      if (last && bottom)
        into = ifChunk(
            chunks - 1, into,
            [&] {
              Value v = expandRows(into, bb.index(halo), row, newRows - bottom);
              return zeroRows(v, bb.index(halo + newRows - bottom), bottom);
            },
            [&] { return expandRows(into, bb.index(halo), row, newRows); });
      else
        into = expandRows(into, bb.index(halo), row, newRows);
      return {into, depthwiseBand(into, chunkOut, middle, j)};
    };
    // Bands in pairs (each buffer keeps its role across an iteration), then
    // the one left over and the last band, which may read padding rows.
    int64_t uniform = bottom ? bands - 1 : bands;
    if (uniform >= 2) {
      SmallVector<Value> inits = {next, current, chunkOut};
      if (middle)
        inits.push_back(middle);
      auto loop =
          scf::ForOp::create(b, loc, bb.constant(0), bb.constant(uniform / 2),
                             bb.constant(1), inits);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value i = loop.getInductionVar();
      auto args = loop.getRegionIterArgs();
      Value bandRows = middle ? args[3] : Value();
      auto [a, out1] =
          step(args[0], args[1], args[2], bandRows, bb.affine(i, 2, 0), false);
      auto [second, out2] =
          step(args[1], a, out1, bandRows, bb.affine(i, 2, 1), false);
      SmallVector<Value> yields = {a, second, out2};
      if (middle)
        yields.push_back(bandRows);
      scf::YieldOp::create(b, loc, yields);
      next = loop.getResult(0);
      current = loop.getResult(1);
      chunkOut = loop.getResult(2);
      if (middle)
        middle = loop.getResult(3);
    }
    for (int64_t j = uniform - uniform % 2; j < bands; ++j) {
      Value written;
      std::tie(written, chunkOut) =
          step(next, current, chunkOut, middle, bb.constant(j), j == bands - 1);
      next = current;
      current = written;
    }

    bb.yieldChunk(forall, chunkOut, chunkRow);
    SmallVector<Operation *> layers = {chain.last()};
    if (chain.project)
      layers.append({chain.project->conv, chain.project->init});
    layers.append({chain.depthwiseEpilogue, chain.depthwise,
                   chain.depthwiseInit, chain.pad, chain.expandEpilogue,
                   chain.expand, chain.expandInit});
    bb.replaceLayers(chain.last(), forall, layers);
  }
};

} // namespace

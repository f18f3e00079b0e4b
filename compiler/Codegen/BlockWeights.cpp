//===- BlockWeights.cpp - weights in output-channel blocks ----------------===//
//
// An HWCF filter (or a [K, N] dense weight) read tf output channels at a
// time strides by F floats per input channel: for F = 512 that is 2 KiB, so
// the rows of one tile fall into a handful of cache sets and evict each
// other. Blocking the weight as [F/tf, kh, kw, C, tf] ([N/tf, K, tf]) makes
// each tile one contiguous run. The op becomes a loop (scf.forall, one
// iteration per block, which is also the parallel dimension) over ops on tf
// output channels; the blocking is weight-only work that
// cnn-hoist-weight-packing moves to load time. A convolution with a small
// filter and a larger input (or a small 1x1 filter) loops over output rows
// outside the blocks, so that each row of input is read once for all
// blocks. The op's initial value (bias) and its elementwise epilogue are
// fused into the same loop, block by block. A convolution of nearly whole
// vectors of filters (255) is first padded with zero filters to whole
// vectors.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"
#include "compiler/Codegen/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_BLOCKWEIGHTSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// The largest filter whose convolution loops over output rows outside its
/// filter blocks: the size of a 1 MiB L2 (this machine's, per core; 2 MiB
/// on newer cores). Half of it, tried on Inception-v3, measured the same.
constexpr int64_t kRowsOuterMaxFilterBytes = 1 << 20;

/// The largest 1x1 filter whose convolution loops over output rows outside
/// its filter blocks even where its input is smaller than the filter. The
/// threads then share its rows as they share the layers' before and after
/// (a 1x1 convolution's output row reads its own input row), and each
/// thread reads what it wrote. MobileNet-v2's 14x14 expansions (64 -> 384,
/// 96 -> 576) split their blocks, that is their channels, between the
/// threads, so half of each depthwise layer's input (split by rows) was in
/// the other core's caches. Re-reading a filter this small from L2 for
/// every row cost nothing measurable on one thread; 1 MiB cost 4% there.
constexpr int64_t kRowsOuterPointwiseFilterBytes = 256 << 10;

/// The fewest filter blocks that split between two threads as they come,
/// an odd count included (see BlockWeightsPass::block).
constexpr int64_t kMinOddBlocks = 16;

struct BlockWeightsPass final
    : cnn::impl::BlockWeightsPassBase<BlockWeightsPass> {
  using BlockWeightsPassBase::BlockWeightsPassBase;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops, depthwise;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics() || op.hasDynamicShape())
        return;
      // A band's slice of a layer (cnn-fuse-row-bands) keeps its filter:
      // its register tiles run over the band's few rows, whose inputs stay
      // in cache while every block of filters reads them.
      if (auto forall = op->getParentOfType<scf::ForallOp>();
          forall && forall->hasAttr(cnn::kRowBandsAttr))
        return;
      if (isa<linalg::Conv2DNhwcHwcfOp, linalg::MatmulOp>(op))
        ops.push_back(op);
      else if (isa<linalg::DepthwiseConv2DNhwcHwcOp>(op))
        depthwise.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops)
      block(rewriter, op);
    // Depthwise filters stay as they are, but their bias is fused likewise.
    for (linalg::LinalgOp op : depthwise)
      cnn::collapseGroupedInit(rewriter, op.getDpsInits()[0]);
  }

  /// `value` with its last dimension padded with zeros to `size`.
  static Value padLast(OpBuilder &b, Location loc, Value value, int64_t size) {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape.back() = size;
    Type elem = type.getElementType();
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
    return tensor::createPadHighOp(RankedTensorType::get(shape, elem), value,
                                   zero, /*nofold=*/false, loc, b);
  }

  /// The initial value `init` of a convolution with its channels padded to
  /// `size`: a fill or a bias broadcast (every input read along the channels
  /// alone) is rebuilt in the padded shape, from padded biases, so that it
  /// can still be fused into the blocks; any other value is padded.
  static Value padInit(OpBuilder &b, Location loc, Value init, int64_t size) {
    auto type = cast<RankedTensorType>(init.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape.back() = size;
    Operation *producer = init.getDefiningOp();
    auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(producer);
    if (!linalgOp || !cnn::isElementwiseInit(producer) ||
        !linalgOp.getIndexingMapsArray().back().isIdentity() ||
        linalgOp.payloadUsesValueFromOperand(linalgOp.getDpsInitOperand(0)))
      return padLast(b, loc, init, size);
    Value empty = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
    if (auto fill = dyn_cast<linalg::FillOp>(producer))
      return linalg::FillOp::create(b, loc, fill.getInputs(), empty)
          .getResult(0);
    auto generic = cast<linalg::GenericOp>(producer);
    AffineMap channel = AffineMap::get(
        shape.size(), 0, b.getAffineDimExpr(shape.size() - 1), b.getContext());
    SmallVector<Value> inputs;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      if (generic.getMatchingIndexingMap(input) != channel)
        return padLast(b, loc, init, size);
      inputs.push_back(padLast(b, loc, input->get(), size));
    }
    inputs.push_back(empty);
    return mlir::clone(b, generic, TypeRange{empty.getType()}, inputs)
        ->getResult(0);
  }

  /// A convolution of more filters than a vector's lanes, not whole vectors
  /// of them but nearly (YOLO's heads: 255), has no block width that
  /// divides them, and its register tiles would be odd vectors (17 lanes:
  /// 2.5 GFLOP/s). It is computed with zero filters added up to whole
  /// vectors, and the extra channels sliced off its result. The slice
  /// keeps its epilogue (activation, residual add) out of its blocks, so
  /// only counts within an eighth of whole vectors are padded: a few odd
  /// lanes (20 filters: a vector and 4 lanes) cost no more FMAs than the
  /// padded vector. Returns the padded convolution, or null.
  linalg::LinalgOp padFilters(IRRewriter &b, linalg::Conv2DNhwcHwcfOp conv) {
    Value weight = conv.getDpsInputs()[1], init = conv.getDpsInits()[0];
    auto outType = cast<RankedTensorType>(init.getType());
    int64_t filters = outType.getShape().back();
    int64_t padded = llvm::alignTo(filters, vectorWidth);
    if (filters <= vectorWidth || filters == padded ||
        8 * (padded - filters) > padded)
      return nullptr;
    Location loc = conv.getLoc();
    b.setInsertionPoint(conv);
    Value paddedInit = padInit(b, loc, init, padded);
    Value paddedWeight = padLast(b, loc, weight, padded);
    Operation *paddedConv = mlir::clone(
        b, conv, TypeRange{paddedInit.getType()},
        ValueRange{conv.getDpsInputs()[0], paddedWeight, paddedInit});
    int64_t rank = outType.getRank();
    Value sliced = tensor::ExtractSliceOp::create(
        b, loc, outType, paddedConv->getResult(0),
        SmallVector<OpFoldResult>(rank, b.getIndexAttr(0)),
        getAsIndexOpFoldResult(b.getContext(), outType.getShape()),
        SmallVector<OpFoldResult>(rank, b.getIndexAttr(1)));
    b.replaceOp(conv, sliced);
    if (Operation *oldInit = init.getDefiningOp();
        oldInit && oldInit->use_empty())
      b.eraseOp(oldInit);
    return cast<linalg::LinalgOp>(paddedConv);
  }

  /// Splits the output channels (the last dimension of both the weight,
  /// operand 1, and the result) into blocks of `tile`.
  void block(IRRewriter &b, linalg::LinalgOp op) {
    cnn::collapseGroupedInit(b, op.getDpsInits()[0]);
    if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op.getOperation()))
      if (linalg::LinalgOp padded = padFilters(b, conv))
        op = padded;
    // A zero fill that CSE shared between convolutions of one shape
    // (training's, which have no bias) is fused into each one's blocks.
    cnn::unshareFill(b, op);
    Value weight = op.getDpsInputs()[1];
    Value init = op.getDpsInits()[0];
    auto weightType = cast<RankedTensorType>(weight.getType());
    auto outType = cast<RankedTensorType>(init.getType());
    ArrayRef<int64_t> w = weightType.getShape();
    ArrayRef<int64_t> y = outType.getShape();
    int64_t rank = w.size(), channels = w.back();
    auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op.getOperation());
    // Which loop is outermost: the filter blocks, each streaming the whole
    // input, or the output rows, each streaming the whole (blocked) filter
    // (see also kRowsOuterPointwiseFilterBytes).
    // A small filter stays in L2 while every row reuses it, and each row of
    // input is read once for all blocks instead of once per block: a 1x1
    // convolution of 64 to 256 channels at 56x56 otherwise reads its input
    // from memory eight times.
    auto inputType = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
    int64_t weightBytes = cnn::staticByteSize(weightType);
    bool pointwise = conv && w[0] == 1 && w[1] == 1;
    bool rowsOuter =
        conv && weightBytes <= kRowsOuterMaxFilterBytes &&
        (cnn::staticByteSize(inputType) > weightBytes ||
         (pointwise && weightBytes <= kRowsOuterPointwiseFilterBytes));
    // Two vectors, one, or half of one (1000 classes): the widest that
    // divides the channels; four for the wide register tiles of
    // hasWideConvTiles (but see the odd counts below). A convolution of a
    // vector and a half (24 channels with AVX-512) stays whole:
    // cnn-cpu-tile-and-vectorize tiles it as one vector and the last half,
    // each tile reading its input pixels once, where blocks of half a vector
    // ran half-width FMAs and read them three times.
    int64_t tile = 2 * vectorWidth;
    if (conv && cnn::hasWideConvTiles(conv, vectorWidth) &&
        channels % (4 * vectorWidth) == 0)
      tile = 4 * vectorWidth;
    if (conv && cnn::hasVectorAndHalfLanes(channels, vectorWidth))
      return;
    while (tile >= vectorWidth / 2 && channels % tile != 0)
      tile /= 2;
    if (tile < vectorWidth / 2 || channels == tile)
      return;
    // Where the blocks alone are the parallel loop, an odd few of them
    // leave one thread of two a block more than the other: 5 blocks of two
    // vectors run as 3 and 2 (MobileNet-v2's 7x7 layers of 160 filters, 83%
    // of the two-thread peak where the other layers reach 95%). Halved
    // blocks, still whole vectors, split evenly. Counts under 16 are
    // halved: the thread with the extra block then takes 7% longer than an
    // even split or more (8 of 15 blocks against 7.5). Blocks of four
    // vectors whose input pixels alias in L1 stay whole: their 7-pixel
    // tiles are what avoids the aliasing (see cnn::hasWideConvTiles).
    bool aliased = conv && cnn::hasSetAliasedPixels(conv);
    if (!rowsOuter && (channels / tile) % 2 == 1 &&
        channels / tile < kMinOddBlocks && tile > vectorWidth &&
        !(tile == 4 * vectorWidth && aliased))
      tile /= 2;
    int64_t blocks = channels / tile;
    Type elem = weightType.getElementType();
    Location loc = op.getLoc();
    MLIRContext *context = b.getContext();
    b.setInsertionPoint(op);

    // [..., F] -> [..., F/t, t] -> [F/t, ..., t].
    SmallVector<int64_t> split(w.drop_back());
    split.append({blocks, tile});
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t d = 0; d < rank - 1; ++d)
      reassociation.push_back({d});
    reassociation.push_back({rank - 1, rank});
    Value expanded = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(split, elem), weight, reassociation);
    SmallVector<int64_t> perm = {rank - 1};
    for (int64_t d = 0; d < rank - 1; ++d)
      perm.push_back(d);
    perm.push_back(rank);
    SmallVector<int64_t> blockedShape = {blocks};
    blockedShape.append(w.begin(), w.end() - 1);
    blockedShape.push_back(tile);
    Value blockedInit = tensor::EmptyOp::create(b, loc, blockedShape, elem);
    Value blocked =
        linalg::TransposeOp::create(b, loc, expanded, blockedInit, perm)
            .getResult()[0];

    SmallVector<int64_t> tileWeightShape(w.drop_back());
    tileWeightShape.push_back(tile);
    SmallVector<int64_t> tileOutShape(y.drop_back());
    tileOutShape.push_back(tile);
    auto tileWeightType = RankedTensorType::get(tileWeightShape, elem);
    auto tileOutType = RankedTensorType::get(tileOutShape, elem);
    SmallVector<OpFoldResult> counts = {b.getIndexAttr(blocks)};
    if (rowsOuter)
      counts = {b.getIndexAttr(y[0]), b.getIndexAttr(y[1]),
                b.getIndexAttr(blocks)};
    auto forall = scf::ForallOp::create(b, loc, counts, ValueRange{init},
                                        /*mapping=*/std::nullopt);
    Block *body = forall.getBody();
    b.setInsertionPointToStart(body);
    Value index = body->getArgument(counts.size() - 1);
    Value shared = body->getArgument(counts.size());
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    Value channel = arith::MulIOp::create(
        b, loc, index, arith::ConstantIndexOp::create(b, loc, tile));

    SmallVector<OpFoldResult> weightOffsets(rank + 1, zero);
    weightOffsets[0] = index;
    SmallVector<int64_t> weightSizes = {1};
    weightSizes.append(tileWeightShape);
    Value tileWeight = tensor::ExtractSliceOp::create(
        b, loc, tileWeightType, blocked, weightOffsets,
        getAsIndexOpFoldResult(context, weightSizes),
        SmallVector<OpFoldResult>(rank + 1, one));
    SmallVector<OpFoldResult> outOffsets(y.size(), zero);
    outOffsets.back() = channel;
    SmallVector<OpFoldResult> outStrides(y.size(), one);
    Value input = op.getDpsInputs()[0];
    if (rowsOuter) {
      // Output row (n, oh) reads input rows oh * stride + kh * dilation.
      Value n = body->getArgument(0), row = body->getArgument(1);
      int64_t stride = conv.getStrides().getValues<int64_t>()[0];
      int64_t dilation = conv.getDilations().getValues<int64_t>()[0];
      ArrayRef<int64_t> x = inputType.getShape();
      SmallVector<int64_t> rowsShape = {1, (w[0] - 1) * dilation + 1, x[2],
                                        x[3]};
      Value first = arith::MulIOp::create(
          b, loc, row, arith::ConstantIndexOp::create(b, loc, stride));
      input = tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get(rowsShape, elem), input,
          ArrayRef<OpFoldResult>{n, first, zero, zero},
          getAsIndexOpFoldResult(context, rowsShape),
          SmallVector<OpFoldResult>(4, one));
      outOffsets[0] = n;
      outOffsets[1] = row;
      tileOutShape[0] = tileOutShape[1] = 1;
      tileOutType = RankedTensorType::get(tileOutShape, elem);
    }
    SmallVector<OpFoldResult> outSizes =
        getAsIndexOpFoldResult(context, tileOutShape);
    Value tileInit = tensor::ExtractSliceOp::create(
        b, loc, tileOutType, shared, outOffsets, outSizes, outStrides);
    Operation *tileOp =
        mlir::clone(b, op, TypeRange{tileOutType},
              ValueRange{input, tileWeight, tileInit});
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, tileOp->getResult(0), shared,
                                          outOffsets, outSizes, outStrides);
    b.replaceOp(op, forall.getResults());
    fuseIntoBlocks(b, forall, tileInit.getDefiningOp<tensor::ExtractSliceOp>());
  }

  /// Computes the op's initial value (a fill or a broadcast bias) and its
  /// elementwise consumer (the epilogue: activation, residual add) block by
  /// block inside the forall, so that each block of the output is still in
  /// cache when it is initialized, accumulated and finished, instead of three
  /// passes over the whole activation.
  void fuseIntoBlocks(IRRewriter &b, scf::ForallOp forall,
                      tensor::ExtractSliceOp initSlice) {
    SmallVector<LoopLikeOpInterface> loops = {forall};
    Operation *init = forall.getOutputs()[0].getDefiningOp();
    if (initSlice && cnn::isElementwiseInit(init) && init->hasOneUse())
      (void)scf::tileAndFuseProducerOfSlice(b, initSlice, loops);
    // The block's result moves into the consumer's buffer below, so the
    // forall's own initial value must be one that nothing reads.
    Value result = forall.getResult(0);
    if (!result.hasOneUse() ||
        !forall.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
      return;
    auto consumer = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
    if (!consumer || !cnn::isInPlaceEpilogue(consumer, result))
      return;
    if (failed(scf::tileAndFuseConsumer(b, consumer, loops)))
      return;
    // The forall now also yields the consumer's result, last. Each block
    // is accumulated in the consumer's buffer, which the consumer then
    // updates in place: the op's own result is no longer yielded.
    auto fused = cast<scf::ForallOp>(loops.front().getOperation());
    BlockArgument own = fused.getRegionIterArgs().front();
    BlockArgument epilogue = fused.getRegionIterArgs().back();
    for (OpOperand &use : llvm::make_early_inc_range(own.getUses())) {
      if (isa<tensor::ParallelInsertSliceOp>(use.getOwner()))
        b.eraseOp(use.getOwner());
      else
        use.set(epilogue);
    }
    // The tiled consumer updates the block's result in place (when its
    // payload does not read its own initial value): the result becomes its
    // init, read through the payload's output argument. One buffer, and
    // tiling it later keeps it in place.
    for (Operation *user : llvm::to_vector(epilogue.getUsers())) {
      auto insert = dyn_cast<tensor::ParallelInsertSliceOp>(user);
      auto tiled = insert ? insert.getSource().getDefiningOp<linalg::GenericOp>()
                          : linalg::GenericOp();
      if (!tiled)
        continue;
      for (OpOperand *input : tiled.getDpsInputOperands())
        if (isa_and_nonnull<linalg::Conv2DNhwcHwcfOp, linalg::MatmulOp>(
                input->get().getDefiningOp())) {
          (void)cnn::updateInPlace(b, tiled, input);
          break;
        }
    }
    b.replaceOp(consumer, fused.getResults().back());
    // The slices the fusion went through are dead now; later passes match
    // the op's sole use.
    (void)runRegionDCE(b, fused->getRegions());
  }
};

} // namespace

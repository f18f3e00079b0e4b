//===- TileAndVectorize.cpp - register tiles and vectors for the CPU ------===//
//
// Tiles each compute-heavy linalg op so that one tile is a register block,
// then vectorizes the tile:
//
//  * NHWC convolution (n, oh, ow, f, kh, kw, c) and depthwise convolution
//    (n, oh, ow, c, kh, kw): register tiles of tw pixels x tf channels
//    [1, 1, tw, tf], threads over output rows unless the op already runs in
//    a filter block's loop (where a narrow output's tiles take two rows,
//    [1, 2, tw, tf]: see tileRows; and where tf is four vectors for inputs
//    whose pixels alias in L1, and 1x1 convolutions: see hasWideConvTiles).
//    The tile is computed whole: the op's initial value (bias) and its
//    elementwise epilogue (activation, residual add) are fused into it, the
//    epilogue updating the op's result in place, and the op reduces over its
//    window one position (and input channel) at a time. With kh = 1 the tile is
//    a 1-D convolution; its vector form is tw x tf outer products (or FMAs) per
//    step, kept in registers across the window loops once
//    loop-invariant-subset-hoisting has run. The initial value and the sums
//    reach the next step through the tile's tensor, which
//    cnn-forward-tile-writes then turns into registers, so that only the
//    epilogue's result is stored.
//  * NHWC pooling (n, oh, ow, c, kh, kw): [1, 1, tw, tc, 1, 1], channels in
//    the lanes.
//  * matmul (m, n, k): [tm, tn, 1].
//  * parallel generics: one vector along the innermost dimension (threads
//    alone where an operand is read at a fixed index).
//  * reduction generics with one parallel dimension innermost in every
//    operand (a global pool's sum): one vector of it, one step per
//    reduction iteration.
//
// Tile sizes divide the op's static sizes, so every tile has the same static
// shape and no masks are needed; an output width without a good divisor is
// first split into two parts of near-equal tiles, and the channel loop of a
// convolution of a vector and a half is peeled into its whole vectors and
// its last half. The vector width comes
// from the target: 16 floats with AVX-512, 8 with AVX2.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"
#include "compiler/Codegen/Utils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SmallBitVector.h"

#include <numeric>

namespace mlir::cnn {
#define GEN_PASS_DEF_TILEANDVECTORIZEPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// Marks the ops this pass tiled and will vectorize.
constexpr llvm::StringLiteral kVectorizeMarker = "cnn.vectorize";

/// The largest divisor of `n` that is at most `limit` (at least 1).
int64_t divisorAtMost(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, limit); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// A lane-dimension tile: two vectors where they divide `n`, else one, else
/// the largest divisor that fits in two.
int64_t laneTile(int64_t n, int64_t width) {
  if (n % (2 * width) == 0)
    return 2 * width;
  if (n % width == 0)
    return width;
  // Lanes that are not whole vectors lower to shuffles: prefer a narrower
  // vector that divides `n`.
  for (int64_t narrow = width / 2; narrow >= 4; narrow /= 2)
    if (n % narrow == 0)
      return narrow;
  return divisorAtMost(n, 2 * width);
}

/// The lane tile of `op`'s register tiles over `n` channels: four vectors
/// for a convolution with wide tiles (see hasWideConvTiles), whose filter
/// blocks cnn-block-weights made four vectors wide.
int64_t opLaneTile(linalg::LinalgOp op, int64_t n, int64_t width) {
  auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op.getOperation());
  if (conv && n % (4 * width) == 0 && cnn::hasWideConvTiles(conv, width))
    return 4 * width;
  // A vector and a half (24 channels): tiles of one vector, whose loop over
  // the channels is peeled into the whole vector and the last half (step
  // 3b of the pass).
  if (conv && cnn::hasVectorAndHalfLanes(n, width))
    return width;
  return laneTile(n, width);
}

/// One level of tiling: sizes per loop (0: not tiled) and the loop order
/// (outermost first; empty keeps the op's order).
struct TileLevel {
  SmallVector<int64_t> sizes;
  SmallVector<int64_t> interchange = {};
  /// An scf.forall whose iterations run on the thread pool (only parallel
  /// dimensions), instead of scf.for.
  bool threads = false;
};

/// The tiling of one op, outer levels first; each level tiles the tile the
/// previous one produced. Empty when the op is left alone.
using TilePlan = SmallVector<TileLevel, 2>;

/// Registers for accumulators with AVX-512: 16 of its 32 vector registers
/// leaves room for operands.
constexpr int64_t kAccumulators = 16;
/// A convolution's register tile takes 28 of the 32 AVX-512 registers:
/// per input channel it loads the tile's filter vectors once and
/// broadcasts each pixel from memory into its FMAs, so only the filter
/// vectors need registers besides the accumulators. (A tile of 7 pixels x 4
/// vectors, see hasWideConvTiles, gets each pixel broadcast into a register
/// for its four FMAs: 33 registers, and LLVM spills one accumulator; the
/// library's functions realign their frames for it.) 14 pixels x 2 vectors
/// load 16 values per 28 FMAs where 8 x 2 load 10 per 16: ResNet-18,
/// Inception-v3 and VGG-16 at batch 1 ran 6-8% faster. (Depthwise
/// convolutions, whose tiles load an input vector per FMA, ran slower with
/// the larger tile.)
constexpr int64_t kConvAccumulators = 28;

/// The vector registers of AVX2 (and SSE): 16, where AVX-512 has 32.
constexpr int64_t kAvx2Registers = 16;
/// The most accumulators of an AVX2 register tile.
constexpr int64_t kAvx2Accumulators = 12;

/// The most pixels of a register tile whose rows hold `lanes` channels,
/// given `accumulators` vector registers for it. With AVX2 the whole tile
/// must fit in its 16 registers: beside the accumulators, the row's vectors
/// of filter (or of a depthwise tap's weights) and one more, the broadcast
/// pixel that AVX2 cannot fold into an FMA. A 1x1 convolution's tile of 7
/// pixels x 2 vectors (14 accumulators) spilled two accumulators to the
/// stack in its inner loop and ran at half the FMA peak; 6 x 2 is the tile
/// of AVX2's GEMM kernels. (A depthwise tile's FMAs can read its input
/// vectors from memory, so it needs no broadcast register, but tiles of
/// 7 x 2 ran slower than 4 x 2: MobileNet-v2's 28x28 layers took 52 us
/// against 35.)
int64_t pixelsPerTile(int64_t lanes, int64_t width,
                      int64_t accumulators = kAccumulators) {
  int64_t vectorsPerRow = (lanes + width - 1) / width;
  if (width < 16)
    accumulators = std::min(
        {accumulators, kAvx2Accumulators, kAvx2Registers - vectorsPerRow - 1});
  return std::max<int64_t>(1, accumulators / vectorsPerRow);
}

/// The most pixels of `op`'s register tile (a convolution's, a depthwise
/// convolution's or a pool's) whose rows hold `lanes` channels.
int64_t opPixelsPerTile(linalg::LinalgOp op, int64_t lanes, int64_t width) {
  bool conv = isa<linalg::Conv2DNhwcHwcfOp>(op);
  return pixelsPerTile(lanes, width,
                       conv && width >= 16 ? kConvAccumulators : kAccumulators);
}

/// Output rows of `op`'s register tile, given `rows` of them: two where
/// one row's tile of `pixels` x `lanes` fills at most half the accumulators
/// (a convolution with a 7-pixel-wide output: 7 x 2 vectors), so that each
/// filter vector loaded serves twice the pixels. Only convolutions (a
/// depthwise tile loads an input vector per FMA, and gains nothing), only
/// in a parallel loop already, a filter block's (whose threads run over the
/// blocks: other convolutions thread over the rows, and fewer row tiles
/// would balance worse) or a band's (cnn-fuse-row-bands), only with AVX-512,
/// and not where the input pixels alias in L1 (see hasSetAliasedPixels: two
/// rows' pixels would all share one set).
int64_t tileRows(linalg::LinalgOp op, int64_t rows, int64_t pixels,
                 int64_t lanes, int64_t width) {
  int64_t vectors = (lanes + width - 1) / width;
  auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op.getOperation());
  if (!conv || width < 16 || !op->getParentOfType<scf::ForallOp>() ||
      2 * pixels * vectors > kConvAccumulators || rows % 2 != 0 ||
      cnn::hasSetAliasedPixels(conv))
    return 1;
  return 2;
}

/// Gives each part of a split op its own slice of `init`, a broadcast
/// (a bias) in the op's shape that the parts' register tiles can then fuse,
/// instead of reading slices of one materialized whole (which would also
/// need a buffer of its own next to the tiles' fused copies).
void splitInit(IRRewriter &rewriter, linalg::LinalgOp init,
               ArrayRef<TilingInterface> parts) {
  // A fill stays whole: it is as cheap as the slices, and a split one would
  // keep eliminate-empty-tensors from placing the op's result straight in
  // a concatenation.
  if (!isa<linalg::GenericOp>(init) || !cnn::isElementwiseInit(init) ||
      !init.getIndexingMapMatchingResult(init->getResult(0)).isIdentity())
    return;
  // Every part must take its slice, or the whole is still read.
  SmallVector<tensor::ExtractSliceOp> slices;
  for (TilingInterface part : parts) {
    auto slice = cast<DestinationStyleOpInterface>(part.getOperation())
                     .getDpsInits()[0]
                     .getDefiningOp<tensor::ExtractSliceOp>();
    if (!slice || !slice.hasUnitStride())
      return;
    slices.push_back(slice);
  }
  for (auto [i, slice] : llvm::enumerate(slices)) {
    Operation *part = parts[i];
    rewriter.setInsertionPoint(part);
    FailureOr<TilingResult> tiled =
        cast<TilingInterface>(init.getOperation())
            .getTiledImplementation(rewriter, slice.getMixedOffsets(),
                                    slice.getMixedSizes());
    // Parts updated before a failure read their own tiles; the whole
    // broadcast stays for the rest, so the IR is correct either way.
    if (failed(tiled))
      return;
    // The tile writes into the part's slice of the destination chain (which
    // the parts are inserted into in turn), not into a slice of the whole
    // destination taken before the first insertion: that would read the
    // destination after it was overwritten, and bufferize to a copy.
    Operation *tile = tiled->tiledOps.front();
    tensor::ExtractSliceOp partSlice = slice;
    rewriter.modifyOpInPlace(tile, [&] {
      cast<DestinationStyleOpInterface>(tile).getDpsInitsMutable()[0].set(
          partSlice);
    });
    OpOperand &partInit =
        cast<DestinationStyleOpInterface>(part).getDpsInitsMutable()[0];
    rewriter.modifyOpInPlace(
        part, [&] { partInit.set(tiled->tiledValues.front()); });
  }
  // The whole broadcast is now only the destination the parts are inserted
  // into, which needs no values.
  rewriter.replaceOp(init, init.getDpsInits()[0]);
}

/// Gives each part of an op that `fill` initialized (split along one
/// dimension by linalg::splitOp: `head`, then `tail`) a fill of its own, and
/// the parts' results an empty tensor to be inserted into: the parts cover
/// the op, so nothing reads the whole fill any more. Each part's fill is
/// then taken into its tiles (its fusion group, see tileFusionGroup), and the
/// empty tensor can become a slice of a concatenation
/// (eliminate-empty-tensors). Otherwise the whole fill is a pass of its own,
/// and copied where CSE merged it with another op's (Inception-v3's 17x17
/// average pools: 6 MB per inference).
void splitFill(RewriterBase &rewriter, linalg::FillOp fill,
               TilingInterface head, TilingInterface tail) {
  Location loc = fill.getLoc();
  for (TilingInterface part : {head, tail}) {
    OpOperand &partInit = cast<DestinationStyleOpInterface>(part.getOperation())
                              .getDpsInitsMutable()[0];
    auto type = cast<RankedTensorType>(partInit.get().getType());
    rewriter.setInsertionPoint(part);
    Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                          type.getElementType());
    Value partFill =
        linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], empty)
            .getResult(0);
    rewriter.modifyOpInPlace(part, [&] { partInit.set(partFill); });
  }
  // The head's result is inserted into the whole fill first.
  for (OpOperand &use : head->getResult(0).getUses()) {
    auto insert = dyn_cast<tensor::InsertSliceOp>(use.getOwner());
    if (!insert || insert.getDest() != fill.getResult(0))
      continue;
    rewriter.setInsertionPoint(insert);
    Value whole =
        tensor::EmptyOp::create(rewriter, loc, insert.getDestType().getShape(),
                                insert.getDestType().getElementType());
    rewriter.modifyOpInPlace(insert,
                             [&] { insert.getDestMutable().set(whole); });
  }
}

/// Splits `op` along `dimension` at `at` (linalg::splitOp), and its
/// initial value with it when that is a fill (see splitFill) or a bias
/// broadcast only `op` reads (see splitInit).
void splitWithInit(IRRewriter &rewriter, linalg::LinalgOp op,
                   unsigned dimension, int64_t at) {
  rewriter.setInsertionPoint(op);
  auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  auto init = op.getDpsInits()[0].getDefiningOp<linalg::LinalgOp>();
  if (init && !init->hasOneUse())
    init = {};
  auto [head, tail] =
      linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()),
                      dimension, rewriter.getIndexAttr(at));
  if (!head || !tail)
    return;
  if (fill)
    splitFill(rewriter, fill, head, tail);
  else if (init)
    splitInit(rewriter, init, {head, tail});
}

/// Convolutions and pools whose output width has no divisor near a register
/// tile's pixels (17, 71, 73 and 149 are prime) would get tiles of one
/// pixel: two accumulators, bound by the FMA latency. Such an op is split
/// along the output width into two parts whose tiles are as wide as the
/// fewest tiles that cover a row allow, one pixel apart: with a convolution's
/// 14-pixel tiles, 17 columns become tiles of 9 and 8 pixels, 73 one of 13
/// and five of 12 (each part's divisorAtMost then gives those widths, as
/// narrow > pixels (tiles - 1) / tiles). Both parts are
/// tiled as usual. Whole tiles of 14 and a tail (14 and 3) take as many
/// tiles, each streaming the filter block once, but the tail's 6
/// accumulators wait on the FMA latency: Inception-v3, whose 17x17 layers
/// all had such tails, ran 1.6-4% faster (paired runs, batch 1).
void splitRaggedWidths(func::FuncOp func, int64_t width) {
  SmallVector<linalg::LinalgOp> ops;
  func.walk([&](linalg::LinalgOp op) {
    if (isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcOp,
            linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>(op) &&
        op.hasPureTensorSemantics() && !op.hasDynamicShape())
      ops.push_back(op);
  });
  IRRewriter rewriter(func.getContext());
  for (linalg::LinalgOp op : ops) {
    // Every op here has (n, oh, ow, channels, ...) loops; channels in lanes.
    SmallVector<int64_t> sizes = op.getStaticLoopRanges();
    int64_t pixels =
        opPixelsPerTile(op, opLaneTile(op, sizes[3], width), width);
    int64_t ow = sizes[2];
    if (ow <= pixels || 2 * divisorAtMost(ow, pixels) > pixels)
      continue;
    int64_t tiles = llvm::divideCeil(ow, pixels);
    int64_t narrowWidth = ow / tiles, wideTiles = ow % tiles;
    // A width that `tiles` tiles divide has a divisor above pixels / 2.
    assert(wideTiles != 0 && "width with a good divisor was split");
    splitWithInit(rewriter, op, /*dimension=*/2, wideTiles * (narrowWidth + 1));
  }
}

/// A convolution whose register tiles could take two output rows (see
/// tileRows) but that has an odd number of rows (7 for a 7x7 output) is
/// split into its last row and the rest, whose tiles take two rows; a bias
/// broadcast that initializes it is split with it (see splitInit).
void splitOddRows(func::FuncOp func, int64_t width) {
  SmallVector<linalg::LinalgOp> ops;
  func.walk([&](linalg::Conv2DNhwcHwcfOp op) {
    if (op.hasPureTensorSemantics() && !op.hasDynamicShape())
      ops.push_back(op);
  });
  IRRewriter rewriter(func.getContext());
  for (linalg::LinalgOp op : ops) {
    SmallVector<int64_t> sizes = op.getStaticLoopRanges();
    int64_t lanes = opLaneTile(op, sizes[3], width);
    int64_t tw = divisorAtMost(sizes[2], opPixelsPerTile(op, lanes, width));
    if (sizes[1] < 3 || sizes[1] % 2 == 0 ||
        tileRows(op, sizes[1] - 1, tw, lanes, width) != 2)
      continue;
    splitWithInit(rewriter, op, /*dimension=*/1, sizes[1] - 1);
  }
}

/// A reduction generic whose operands all have the same parallel dimension
/// innermost (a global pool over NHWC, with the epilogue of the layer
/// before it fused in): threads over the parallel dimensions, one vector of
/// the innermost, then one step per reduction iteration with the vector
/// accumulator in registers. Other reductions are left alone.
TilePlan reductionPlan(linalg::GenericOp op, ArrayRef<int64_t> sizes,
                       int64_t width, bool threads) {
  std::optional<unsigned> lanes;
  for (AffineMap map : op.getIndexingMapsArray()) {
    if (map.getNumResults() == 0)
      return {};
    auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
    if (!last || (lanes && *lanes != last.getPosition()))
      return {};
    lanes = last.getPosition();
  }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (!linalg::isParallelIterator(iterators[*lanes]))
    return {};
  int64_t vector = divisorAtMost(sizes[*lanes], 4 * width);
  SmallVector<int64_t> outer(sizes.size()), inner(sizes.size());
  for (auto [d, iterator] : llvm::enumerate(iterators)) {
    bool parallel = linalg::isParallelIterator(iterator);
    outer[d] = parallel ? 1 : 0;
    inner[d] = parallel ? (threads ? 0 : 1) : 1;
  }
  outer[*lanes] = vector;
  if (!threads)
    inner[*lanes] = vector;
  TilePlan plan;
  if (threads)
    plan.push_back({outer, {}, true});
  plan.push_back({inner});
  return plan;
}

/// The tiles for `op`.
TilePlan tilePlanFor(linalg::LinalgOp op, int64_t width) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape())
    return {};
  SmallVector<int64_t> sizes = op.getStaticLoopRanges();
  auto rowTile = [&](int64_t rows, int64_t lanes) {
    return divisorAtMost(rows, pixelsPerTile(lanes, width));
  };
  // Ops not already inside a parallel loop (cnn-block-weights) get one
  // over their outer dimensions.
  bool threads = !op->getParentOfType<scf::ForallOp>();
  TilePlan plan;
  if (isa<linalg::MatmulOp>(op)) {
    int64_t tn = laneTile(sizes[1], width);
    if (threads)
      plan.push_back({{0, tn, 0}, {}, true});
    plan.push_back({{rowTile(sizes[0], tn), tn, 1}, {1, 0, 2}});
    return plan;
  }
  // A transpose: threads over the dimensions outside its tile, tiles of up
  // to a vector of the input's innermost dimension by up to a vector of the
  // output's, read a vector at a time along the input's innermost and
  // shuffled (cnn-cpu-lower-vectors). Layout changes between NCHW and NHWC
  // (an input's or an output's at the model's boundary, an activation's
  // before a flatten): an RGB image takes tiles of 16 pixels by its 3
  // channels, written as one contiguous run; YOLO's heads (255 channels at
  // 26x26) tiles of 15 channels by 13 pixels. A filter's (FCHW -> HWCF at
  // load time, and on every training step, collapsed to (F, C, HW) by
  // collapseTransposes) 9 taps by 16 filters. A transpose that keeps the
  // innermost dimension (a filter's blocking) copies vectors of it.
  if (auto transpose = dyn_cast<linalg::TransposeOp>(op.getOperation())) {
    ArrayRef<int64_t> perm = transpose.getPermutation();
    int64_t rank = perm.size();
    if (rank == 0)
      return {};
    // The output dimension that is the input's innermost.
    int64_t k = llvm::find(perm, rank - 1) - perm.begin();
    SmallVector<int64_t> outer(rank, 1), inner(rank, threads ? 0 : 1);
    outer[k] = outer[rank - 1] = 0;
    inner[k] = divisorAtMost(sizes[k], width);
    inner[rank - 1] = divisorAtMost(sizes.back(), width);
    // A transpose of two dimensions (after collapseTransposes): threads
    // over blocks of the output's rows.
    if (llvm::all_of(outer, [](int64_t size) { return size == 0; }))
      outer[0] = inner[0];
    if (threads)
      plan.push_back({outer, {}, true});
    plan.push_back({inner});
    return plan;
  }
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || generic.getNumResults() == 0 ||
      generic.hasIndexSemantics() || sizes.empty())
    return {};
  // Several results (an optimizer's update: the parameter and its state)
  // only for elementwise ops.
  bool oneResult = generic.getNumResults() == 1;
  if (llvm::any_of(generic.getIndexingMapsArray(), [](AffineMap map) {
        return !map.isProjectedPermutation(/*allowZeroInResults=*/true);
      })) {
    // Operands read at fixed indices (Winograd's filter transform, which
    // runs at load time, reads its coefficients so): no vector tile, but
    // threads over all but the innermost dimension, whose loop bodies are
    // outlined and optimized (and vectorized) by LLVM as a layer's are.
    // Other index expressions (sums, products) are left alone.
    auto dimsOrConstants = [](AffineMap map) {
      llvm::SmallBitVector seen(map.getNumDims());
      for (AffineExpr e : map.getResults()) {
        if (isa<AffineConstantExpr>(e))
          continue;
        auto dim = dyn_cast<AffineDimExpr>(e);
        if (!dim || seen.test(dim.getPosition()))
          return false;
        seen.set(dim.getPosition());
      }
      return true;
    };
    if (!oneResult || !threads || generic.getNumReductionLoops() != 0 ||
        !llvm::all_of(generic.getIndexingMapsArray(), dimsOrConstants))
      return {};
    SmallVector<int64_t> outer(sizes.size(), 1);
    outer.back() = 0;
    return {{outer, {}, true}};
  }
  if (generic.getNumReductionLoops() != 0)
    return oneResult ? reductionPlan(generic, sizes, width, threads)
                     : TilePlan();
  // Threads over all but the innermost dimension (or over vectors of a 1-D
  // op), then one vector along the innermost.
  int64_t vector = divisorAtMost(sizes.back(), 4 * width);
  SmallVector<int64_t> outer(sizes.size(), 1);
  outer.back() = sizes.size() == 1 ? vector : 0;
  SmallVector<int64_t> inner(sizes.size(), threads ? 0 : 1);
  inner.back() = vector;
  if (threads)
    plan.push_back({outer, {}, true});
  plan.push_back({inner});
  return plan;
}

/// The elementwise op that finishes `op`'s result (activation, residual
/// add) on `op`'s register tiles: the sole user of the result, computing
/// it in place (see isInPlaceEpilogue).
linalg::GenericOp epilogueOf(linalg::LinalgOp op) {
  Value result = op->getResult(0);
  if (!result.hasOneUse())
    return {};
  auto generic = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
  if (!generic || !cnn::isInPlaceEpilogue(generic, result))
    return {};
  return generic;
}

/// The largest input of a depthwise convolution whose tiles run over the
/// channel blocks outside the pixels of a row: the size of a 1 MiB L2.
constexpr int64_t kChannelsOuterMaxDepthwiseInputBytes = 1 << 20;

/// Whether the register tiles of depthwise `op` run over a row's pixels
/// inside each block of channels. A block's three input rows then stay in
/// L1 while the row's tiles reuse them (each tile shares two pixels of each
/// row with the next); pixels inside the channel blocks read each tile's
/// rows, all channels, from L2 instead. Only for an input that fits in L2,
/// as the layer before leaves it: one read from memory in blocks of a
/// pixel's channels defeats the prefetchers (MobileNet-v2's 112x112x96
/// stride-2 layer took 0.17 -> 0.29 ms).
bool depthwiseChannelsOuter(linalg::LinalgOp op) {
  return isa<linalg::DepthwiseConv2DNhwcHwcOp>(op) &&
         cnn::staticByteSize(
             cast<ShapedType>(op.getDpsInputs()[0].getType())) <=
             kChannelsOuterMaxDepthwiseInputBytes;
}

/// The fusion group of a convolution, depthwise convolution or pool: its
/// register tiles computed whole, the initial value (a fill or broadcast
/// bias) written into the accumulators, every input channel and window
/// position accumulated, and the epilogue (activation, residual add, an
/// average pool's division) applied while the tile is in L1. Returns the tiling
/// of the group's parallel (n, oh, ow, channel) loops, outer levels first, and
/// sets `reduction` to the tile sizes of the op's window loops; an empty plan
/// for other ops.
///
/// A convolution in a filter block (cnn-block-weights) runs its block's
/// register tiles, filters outermost; other ops first get threads over
/// output rows. Each tile's reduction runs over all input channels in one
/// go, the [kh, kw, C, tf] filter block streaming from L2, rather than in
/// L1-sized channel blocks with the partial sums stored between them: on
/// 3x3 layers of 128 to 512 channels the whole reduction was as fast or
/// faster, and only it lets the epilogue act on finished sums.
TilePlan fusionGroupPlan(linalg::LinalgOp op, int64_t width,
                         SmallVector<int64_t> &reduction) {
  if (!isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcOp,
           linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>(op) ||
      !op.hasPureTensorSemantics() || op.hasDynamicShape())
    return {};
  SmallVector<int64_t> sizes = op.getStaticLoopRanges();
  int64_t lanes = opLaneTile(op, sizes[3], width);
  int64_t tw = divisorAtMost(sizes[2], opPixelsPerTile(op, lanes, width));
  bool conv = isa<linalg::Conv2DNhwcHwcfOp>(op);
  reduction.assign(sizes.size(), 1);
  std::fill_n(reduction.begin(), 4, 0);
  int64_t th = tileRows(op, sizes[1], tw, lanes, width);
  TilePlan plan;
  if (!op->getParentOfType<scf::ForallOp>())
    plan.push_back({{1, 1, 0, 0}, {}, true});
  if (conv || depthwiseChannelsOuter(op))
    plan.push_back({{1, th, tw, lanes}, {3, 0, 1, 2}});
  else
    plan.push_back({{1, th, tw, lanes}});
  return plan;
}

/// Tiles `op` by `sizes` into scf.for loops, replaces it with their result
/// and marks its tile for vectorization.
FailureOr<scf::SCFTilingResult> tileForVectors(RewriterBase &rewriter,
                                               Operation *op,
                                               ArrayRef<int64_t> sizes) {
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), options);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  tiled->tiledOps.back()->setAttr(kVectorizeMarker, rewriter.getUnitAttr());
  return tiled;
}

/// Tiles `target` by `sizes` with `level`'s loop order and loop type,
/// fusing into the tiles the producers that `control` accepts.
FailureOr<scf::SCFTileAndFuseResult>
tileAndFuseLevel(RewriterBase &rewriter, Operation *target,
                 const TileLevel &level, ArrayRef<int64_t> sizes,
                 scf::SCFTileAndFuseOptions::ControlFnTy control) {
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  tiling.setInterchange(level.interchange);
  if (level.threads)
    tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  options.setFusionControlFn(std::move(control));
  rewriter.setInsertionPoint(target);
  return scf::tileConsumerAndFuseProducersUsingSCF(
      rewriter, cast<TilingInterface>(target), options);
}

/// Tiles the fusion group of `op` (see fusionGroupPlan) by tiling its
/// epilogue, or `op` itself when it has none, and fusing `op` and its
/// initial value into each tile. Marks the tiles for vectorization.
LogicalResult tileFusionGroup(RewriterBase &rewriter, linalg::LinalgOp op,
                              const TilePlan &plan,
                              ArrayRef<int64_t> reductionSizes) {
  Operation *init = op.getDpsInits()[0].getDefiningOp();
  if (!cnn::isElementwiseInit(init) || !init->hasOneUse())
    init = nullptr;
  // The epilogue updates the op's result in place, so that the op's tiles
  // (and their initial value) are computed in the epilogue's output tiles.
  linalg::GenericOp epilogue = epilogueOf(op);
  if (epilogue) {
    OpOperand &use = *op->getResult(0).getUses().begin();
    if (epilogue.isDpsInput(&use))
      epilogue = cnn::updateInPlace(rewriter, epilogue, &use);
  }
  bool hasEpilogue = static_cast<bool>(epilogue);
  Operation *root = epilogue ? epilogue.getOperation() : op.getOperation();
  Operation *windowOp = op;
  auto control = [&](tensor::ExtractSliceOp, OpResult producer, bool)
      -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
    if (producer.getOwner() == windowOp || producer.getOwner() == init)
      return scf::SCFTileAndFuseOptions::ControlFnResult{};
    return std::nullopt;
  };
  // The group's loops carry the convolution's location first, so that its
  // outlined loop bodies are named after the convolution's layer rather
  // than its activation's.
  Location groupLoc = rewriter.getFusedLoc({op.getLoc(), root->getLoc()});
  Operation *target = root;
  SetVector<Operation *> tiles;
  for (const TileLevel &level : plan) {
    SmallVector<int64_t> sizes = level.sizes;
    sizes.resize(cast<linalg::LinalgOp>(target).getNumLoops(), 0);
    FailureOr<scf::SCFTileAndFuseResult> fused =
        tileAndFuseLevel(rewriter, target, level, sizes, control);
    if (failed(fused))
      return failure();
    for (LoopLikeOpInterface loop : fused->loops)
      loop->setLoc(groupLoc);
    for (OpResult result : target->getResults())
      rewriter.replaceAllUsesWith(result, fused->replacements.lookup(result));
    // The untiled ops, now dead, in use order (the root is the window op
    // itself when there is no epilogue).
    SetVector<Operation *> untiled;
    for (Operation *untiledOp : {root, windowOp, init})
      if (untiledOp)
        untiled.insert(untiledOp);
    for (Operation *dead : untiled)
      if (dead->use_empty())
        rewriter.eraseOp(dead);
    tiles = fused->tiledAndFusedOps;
    root = target = tiles.front();
    windowOp = init = nullptr;
    for (Operation *tile : tiles) {
      if (isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcOp,
              linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>(tile))
        windowOp = tile;
      else if (tile != target)
        init = tile;
    }
    if (!hasEpilogue)
      windowOp = target;
    if (!windowOp)
      return failure();
  }
  // The tiled window op still reduces over the whole window: one step per
  // window position (and input channel), the accumulators in registers.
  for (Operation *tile : tiles)
    if (tile != windowOp)
      tile->setAttr(kVectorizeMarker, rewriter.getUnitAttr());
  FailureOr<scf::SCFTilingResult> tiled =
      tileForVectors(rewriter, windowOp, reductionSizes);
  if (failed(tiled))
    return failure();
  // A tile of two output rows: one 1-D convolution per row, unrolled, both
  // reading the same filter vectors.
  Operation *window = tiled->tiledOps.back();
  auto rows = cast<RankedTensorType>(window->getResult(0).getType());
  if (rows.getDimSize(1) == 1)
    return success();
  SmallVector<int64_t> perRow(cast<linalg::LinalgOp>(window).getNumLoops(), 0);
  perRow[1] = 1;
  FailureOr<scf::SCFTilingResult> split =
      tileForVectors(rewriter, window, perRow);
  if (failed(split))
    return failure();
  return loopUnrollFull(cast<scf::ForOp>(split->loops.front().getOperation()));
}

/// Whether `value` is contiguous in the buffer it bufferizes to, as far as
/// its producers show: not a slice of a larger tensor's interior (a padded
/// activation's), whose runs of dimensions a reshape could only collapse
/// into a copy.
bool contiguousSource(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def)) {
      value = def->getOperand(0);
      continue;
    }
    auto slice = dyn_cast<tensor::ExtractSliceOp>(def);
    if (!slice)
      return true;
    if (!slice.hasUnitStride() || !slice.getSourceType().hasStaticShape())
      return false;
    // Unit sizes outside the first dimension taken in part, whole
    // dimensions inside it.
    ArrayRef<int64_t> sizes = slice.getStaticSizes();
    ArrayRef<int64_t> full = slice.getSourceType().getShape();
    int64_t d = 0, rank = sizes.size();
    while (d < rank && sizes[d] == 1)
      ++d;
    for (int64_t i = d + 1; i < rank; ++i)
      if (sizes[i] != full[i])
        return false;
    value = slice.getSource();
  }
  return true;
}

/// Rewrites each transpose that keeps runs of adjacent dimensions together,
/// in order, as a transpose of the runs between reshapes: OIHW -> HWCF is
/// (O, I, HW) -> (HW, I, O), and a filter gradient's (I, H, W, O) -> OIHW is
/// (IHW, O) -> (O, IHW). Its tiles then read and write contiguous runs of
/// a vector, where 3-float rows (a 3x3 filter's) went to 16 cache lines.
void collapseTransposes(RewriterBase &rewriter, func::FuncOp func,
                        int64_t width) {
  SmallVector<linalg::TransposeOp> transposes;
  func.walk([&](linalg::TransposeOp op) {
    auto in = cast<ShapedType>(op.getInput().getType());
    auto out = cast<ShapedType>(op.getInit().getType());
    // Only where a tile would be narrower than a vector (a filter's 3
    // columns) and the outermost dimension moves: layout changes of
    // activations (NCHW <-> NHWC, the batch outermost) keep their threads
    // over rows, and an activation that is padded next keeps the transpose
    // that writes into the padded tensor (cnn-decompose-pads).
    if (op.hasPureTensorSemantics() && in.hasStaticShape() &&
        in.getRank() > 1 && op.getPermutation().front() != 0 &&
        (in.getShape().back() < width || out.getShape().back() < width) &&
        llvm::none_of(op->getUsers(),
                      [](Operation *user) { return isa<tensor::PadOp>(user); }) &&
        contiguousSource(op.getInput()) && contiguousSource(op.getInit()))
      transposes.push_back(op);
  });
  for (linalg::TransposeOp op : transposes) {
    ArrayRef<int64_t> perm = op.getPermutation();
    // Output dimensions i and i + 1 join when they are adjacent inputs.
    SmallVector<ReassociationIndices> outRuns;
    for (int64_t i = 0, e = perm.size(); i < e; ++i) {
      if (i > 0 && perm[i] == perm[i - 1] + 1)
        outRuns.back().push_back(i);
      else
        outRuns.push_back({i});
    }
    if (outRuns.size() == perm.size())
      continue;
    // The runs in the input's order; run r of the output is input run
    // inputRun[r].
    SmallVector<int64_t> order(outRuns.size());
    std::iota(order.begin(), order.end(), 0);
    llvm::sort(order, [&](int64_t a, int64_t b) {
      return perm[outRuns[a].front()] < perm[outRuns[b].front()];
    });
    SmallVector<ReassociationIndices> inRuns;
    SmallVector<int64_t> inputRun(outRuns.size());
    for (auto [position, r] : llvm::enumerate(order)) {
      ReassociationIndices run;
      for (int64_t i : outRuns[r])
        run.push_back(perm[i]);
      inRuns.push_back(run);
      inputRun[r] = position;
    }
    rewriter.setInsertionPoint(op);
    Location loc = op.getLoc();
    Value input =
        tensor::CollapseShapeOp::create(rewriter, loc, op.getInput(), inRuns);
    Value init =
        tensor::CollapseShapeOp::create(rewriter, loc, op.getInit(), outRuns);
    Value collapsed =
        linalg::TransposeOp::create(rewriter, loc, input, init, inputRun)
            ->getResult(0);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        op, op->getResult(0).getType(), collapsed, outRuns);
  }
}

/// Makes each elementwise op that finishes a pool (an average pool's
/// division) update the pool's result in place: it used to write a buffer
/// that CSE had merged with the pool's (an empty tensor of the same shape),
/// so the pool's result was copied out first.
void finishPoolsInPlace(RewriterBase &rewriter, func::FuncOp func) {
  SmallVector<std::pair<linalg::GenericOp, OpOperand *>> finishes;
  func.walk([&](linalg::GenericOp op) {
    for (OpOperand *input : op.getDpsInputOperands()) {
      Value value = input->get();
      if (value.hasOneUse() &&
          isa_and_nonnull<linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>(
              value.getDefiningOp()) &&
          cnn::isInPlaceEpilogue(op, value)) {
        finishes.emplace_back(op, input);
        return;
      }
    }
  });
  for (auto [op, input] : finishes)
    (void)cnn::updateInPlace(rewriter, op, input);
}

struct TileAndVectorizePass final
    : cnn::impl::TileAndVectorizePassBase<TileAndVectorizePass> {
  using TileAndVectorizePassBase::TileAndVectorizePassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *context = &getContext();
    IRRewriter rewriter(context);

    // 1. Split widths that no good tile divides; transposes over runs of
    // dimensions.
    finishPoolsInPlace(rewriter, func);
    collapseTransposes(rewriter, func, vectorWidth);
    splitRaggedWidths(func, vectorWidth);
    splitOddRows(func, vectorWidth);
    // 2. Convolutions: register tiles fused with their initial value and
    // epilogue.
    std::vector<std::tuple<linalg::LinalgOp, TilePlan, SmallVector<int64_t>>>
        groups;
    func.walk([&](linalg::LinalgOp op) {
      SmallVector<int64_t> reduction;
      TilePlan plan = fusionGroupPlan(op, vectorWidth, reduction);
      if (!plan.empty())
        groups.emplace_back(op, std::move(plan), std::move(reduction));
    });
    for (auto &[op, plan, reduction] : groups) {
      cnn::unshareFill(rewriter, op);
      if (failed(tileFusionGroup(rewriter, op, plan, reduction))) {
        op->emitError("cnn-cpu-tile-and-vectorize: tiling failed");
        return signalPassFailure();
      }
    }
    // 3. Other ops: their own tiles.
    std::vector<std::pair<linalg::LinalgOp, TilePlan>> work;
    func.walk([&](linalg::LinalgOp op) {
      if (op->hasAttr(kVectorizeMarker))
        return;
      TilePlan plan = tilePlanFor(op, vectorWidth);
      if (!plan.empty())
        work.emplace_back(op, std::move(plan));
    });
    for (auto &[op, plan] : work) {
      Operation *target = op;
      for (const TileLevel &level : plan) {
        rewriter.setInsertionPoint(target);
        scf::SCFTilingOptions options;
        options.setTileSizes(getAsIndexOpFoldResult(context, level.sizes));
        options.setInterchange(level.interchange);
        if (level.threads)
          options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
        FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
            rewriter, cast<TilingInterface>(target), options);
        if (failed(tiled)) {
          target->emitError("cnn-cpu-tile-and-vectorize: tiling failed");
          return signalPassFailure();
        }
        rewriter.replaceOp(target, tiled->replacements);
        target = tiled->tiledOps.back();
      }
      target->setAttr(kVectorizeMarker, rewriter.getUnitAttr());
    }

    // 3b. Loops whose step does not divide their range (the channels of a
    // convolution of a vector and a half) become a loop of whole steps and
    // a last, partial iteration, each with static tiles.
    SmallVector<scf::ForOp> ragged;
    func.walk([&](scf::ForOp loop) {
      std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
      std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
      std::optional<int64_t> step = getConstantIntValue(loop.getStep());
      if (lb && ub && step && *step > 0 && (*ub - *lb) % *step != 0)
        ragged.push_back(loop);
    });
    for (scf::ForOp loop : ragged) {
      scf::ForOp partial;
      rewriter.setInsertionPoint(loop);
      (void)scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial);
    }
    if (!ragged.empty()) {
      RewritePatternSet canonical(context);
      for (Dialect *dialect : context->getLoadedDialects())
        dialect->getCanonicalizationPatterns(canonical);
      for (RegisteredOperationName op : context->getRegisteredOperations())
        op.getCanonicalizationPatterns(canonical, context);
      if (failed(applyPatternsGreedily(func, std::move(canonical))))
        return signalPassFailure();
    }

    // 4. Tiles of 2-D windows with one row become 1-D windows.
    RewritePatternSet decompose(context);
    linalg::populateDecomposeConvolutionPatterns(decompose);
    if (failed(applyPatternsGreedily(func, std::move(decompose))))
      return signalPassFailure();

    // 5. Vectorize the tiles (the decomposition drops the marker, so 1-D
    // windows are recognised by their op).
    SmallVector<linalg::LinalgOp> toVectorize;
    func.walk([&](linalg::LinalgOp op) {
      if (op->hasAttr(kVectorizeMarker) ||
          isa<linalg::Conv1DNwcWcfOp, linalg::DepthwiseConv1DNwcWcOp,
              linalg::PoolingNwcMaxOp, linalg::PoolingNwcSumOp>(op))
        toVectorize.push_back(op);
    });
    for (linalg::LinalgOp op : toVectorize) {
      op->removeAttr(kVectorizeMarker);
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
          rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
          /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
          /*assumeDynamicDimsMatchVecSizes=*/false,
          /*createNamedContraction=*/true);
      if (failed(result))
        continue; // Stays a scalar loop nest: correct, only slower.
      if (op->getNumResults())
        rewriter.replaceOp(op, result->replacements);
      else
        rewriter.eraseOp(op);
    }
  }
};

} // namespace

//===- Utils.h - helpers shared by the codegen passes -----------*- C++ -*-===//

#ifndef CNN_CODEGEN_UTILS_H
#define CNN_CODEGEN_UTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir {
class RewriterBase;
namespace scf {
class ForallOp;
} // namespace scf
} // namespace mlir

namespace mlir::cnn {

/// Marks the scf.forall of cnn-fuse-row-bands: its ops are slices of
/// layers computed band by band, which later passes leave in that form.
constexpr llvm::StringLiteral kRowBandsAttr = "cnn.row_bands";

/// Rewrites the elementwise `op` to take `input`, one of its inputs, as its
/// init, read through the payload's output argument, so that it updates that
/// value in place: one buffer, and tiling keeps it in place. Applies when the
/// payload does not read `op`'s own init and `input` has the init's type and
/// indexing map. Returns the new op, or null when it does not apply.
linalg::GenericOp updateInPlace(RewriterBase &rewriter, linalg::GenericOp op,
                                OpOperand *input);

/// Whether `op` is a fill or an all-parallel generic with one result (a
/// bias broadcast over an output): an initial value that can be computed
/// tile by tile with the op it initializes.
bool isElementwiseInit(Operation *op);

/// Makes the fill that initializes `op` (a pool's -inf or 0, a convolution's
/// 0) `op`'s alone, cloned with its empty tensor where CSE merged the fills
/// of two ops of one shape, so that `op`'s tiles can compute it (a pool's
/// tiles then start from the constant in registers, instead of reading a
/// whole filled buffer, written in a pass of its own and copied where two
/// ops shared it).
void unshareFill(RewriterBase &rewriter, linalg::LinalgOp op);

/// Whether `op` can finish `value` in place, tile by tile: all-parallel,
/// one result of `value`'s type, projected-permutation maps, and identity
/// maps for `value` and for its init.
bool isInPlaceEpilogue(linalg::GenericOp op, Value value);

/// Rewrites a bias broadcast built in a grouped shape (`[..., 1, F]`,
/// collapsed to `[..., F]`), the initial value `init` of a convolution, as a
/// broadcast in the convolution's shape: one generic from the bias that can
/// be fused into the convolution's blocks or register tiles, or read as a
/// bias vector. Leaves any other value alone.
void collapseGroupedInit(RewriterBase &rewriter, Value init);

/// The constant bounds of an scf.forall: per dimension its lower bound,
/// step and trip count, and the iterations in all.
struct StaticLoopBounds {
  SmallVector<int64_t> lowerBounds, steps, counts;
  int64_t iterations = 1;
};

/// `loop`'s bounds, or nullopt when a bound or step is not a constant.
std::optional<StaticLoopBounds> getStaticLoopBounds(scf::ForallOp loop);

/// The bytes of a statically shaped tensor of integers or floats.
int64_t staticByteSize(ShapedType type);

/// Whether consecutive output pixels of `op` read input pixels a multiple of
/// 4 KiB apart (input channels times the stride a multiple of 1024 floats):
/// then all the pixels of a register tile map to the same set of an L1 with
/// 4 KiB ways (8 of them on this machine), and more pixels than it has ways
/// evict each other between input channels.
bool hasSetAliasedPixels(linalg::Conv2DNhwcHwcfOp op);

/// Whether the register tiles of `op` take four vectors of output channels (7
/// pixels x 4 vectors) instead of two (14 x 2), on a target with `width`-float
/// vectors: for pixels that alias (see hasSetAliasedPixels), and for every 1x1
/// convolution, whose 7 x 4 tiles ran faster than 14 x 2 even where the pixels
/// do not alias (bench/paired.c at batch 1, one thread: MobileNet-v2 3.3%,
/// ResNet-50 1.6%, GoogLeNet 1.3%; ResNet-50 at batch 8 3.0%; per-layer fastest
/// times of Inception-v3 1.4%). Larger filters whose pixels do not alias keep
/// 14 x 2: with 7 x 4 they gained nothing measurable (paired, whole models:
/// 0.990 to 1.019). Only with AVX-512 (32 registers), only for an output width
/// that 7 divides (the tiles are 7 x 4 vectors, 28 accumulators, or none: a
/// width of 8 already has tiles of 8 x 2, which fit the 8 ways), and only while
/// a tile's filter block of 4 vectors fits in half of a 1 MiB L2: a larger one
/// streams from L3 once per tile. cnn-block-weights halves an odd few blocks
/// of 4 vectors of a 1x1 convolution whose pixels do not alias, for the
/// threads' sake: those take tiles of 2 vectors.
bool hasWideConvTiles(linalg::Conv2DNhwcHwcfOp op, int64_t width);

/// Whether `channels` output channels of a convolution are a vector and a
/// half of `width` floats (24 with AVX-512): such a convolution is tiled as
/// one vector and the last half (cnn-cpu-tile-and-vectorize) instead of in
/// blocks of half a vector (cnn-block-weights).
bool hasVectorAndHalfLanes(int64_t channels, int64_t width);

/// `scale * index + offset` as arith ops on indices, without a multiply by
/// 1 or an add of 0.
Value affineIndex(OpBuilder &b, Location loc, Value index, int64_t scale,
                  int64_t offset);

} // namespace mlir::cnn

#endif // CNN_CODEGEN_UTILS_H

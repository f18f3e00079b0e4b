//===- ForwardTileWrites.cpp - a tile's values stay in registers ----------===//
//
// cnn-cpu-tile-and-vectorize computes a fusion group's register tile whole:
// its initial value, the sums and the epilogue each go through the tile's
// tensor. After loop-invariant-subset-hoisting, what one step writes the
// next reads back, in a shape that differs only in unit dimensions, which
// vector.transfer_read's own folding does not match. Forwarding the vector
// leaves those writes without readers: only the epilogue's result is
// stored.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_FORWARDTILEWRITESPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// The dimensions of `shape` other than 1.
SmallVector<int64_t> nonUnitDims(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> dims;
  llvm::copy_if(shape, std::back_inserter(dims),
                [](int64_t d) { return d != 1; });
  return dims;
}

/// Whether `op` transfers all of its static tensor from index 0 in order:
/// no mask, a minor identity map, zero indices, and as many elements as
/// the tensor.
bool transfersWholeTensor(VectorTransferOpInterface op) {
  auto tensor = dyn_cast<RankedTensorType>(op.getBase().getType());
  return tensor && tensor.hasStaticShape() && !op.getMask() &&
         op.getPermutationMap().isMinorIdentity() &&
         tensor.getNumElements() == op.getVectorType().getNumElements() &&
         llvm::all_of(op.getIndices(),
                      [](Value index) { return isZeroInteger(index); });
}

/// transfer_read(transfer_write(v, t)), both of the whole tensor, in shapes
/// equal but for unit dimensions -> shape_cast(v).
struct ForwardTileWrite final : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto write = read.getBase().getDefiningOp<vector::TransferWriteOp>();
    if (!write || !transfersWholeTensor(write) || !transfersWholeTensor(read))
      return failure();
    VectorType written = write.getVectorType(), type = read.getVectorType();
    if (written.getElementType() != type.getElementType() ||
        nonUnitDims(written.getShape()) != nonUnitDims(type.getShape()))
      return failure();
    rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(read, type,
                                                     write.getVector());
    return success();
  }
};

struct ForwardTileWritesPass final
    : cnn::impl::ForwardTileWritesPassBase<ForwardTileWritesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ForwardTileWrite>(&getContext());
    // Drops the tile's tensor from the reduction loops' iteration
    // arguments once nothing reads it, so that the writes feeding it die.
    scf::ForOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

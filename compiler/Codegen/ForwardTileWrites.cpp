//===- ForwardTileWrites.cpp - a tile's values stay in registers ----------===//
//
// cnn-cpu-tile-and-vectorize computes a fusion group's register tile whole:
// its initial value, the sums and the epilogue each go through the tile's
// tensor. After loop-invariant-subset-hoisting, what one step writes the
// next reads back, in a shape that differs only in leading unit
// dimensions, which vector.transfer_read's own folding does not match.
// Forwarding the vector leaves those writes without readers: only the
// epilogue's result is stored.
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

/// Whether `op` transfers all of its static tensor, in order: no mask, a
/// minor identity map, zero indices, and a vector shaped as the tensor but
/// for leading unit dimensions of the tensor.
bool transfersWholeTensor(VectorTransferOpInterface op) {
  auto tensor = dyn_cast<RankedTensorType>(op.getBase().getType());
  if (!tensor || !tensor.hasStaticShape() || op.getMask() ||
      !op.getPermutationMap().isMinorIdentity() ||
      !llvm::all_of(op.getIndices(),
                    [](Value index) { return isZeroInteger(index); }))
    return false;
  ArrayRef<int64_t> shape = tensor.getShape();
  ArrayRef<int64_t> vector = op.getVectorType().getShape();
  if (vector.size() > shape.size())
    return false;
  size_t leading = shape.size() - vector.size();
  return llvm::all_of(shape.take_front(leading),
                      [](int64_t d) { return d == 1; }) &&
         shape.drop_front(leading) == vector;
}

/// transfer_read(transfer_write(v, t)), both of the whole tensor (so their
/// shapes differ only in leading unit dimensions) -> shape_cast(v).
struct ForwardTileWrite final : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto write = read.getBase().getDefiningOp<vector::TransferWriteOp>();
    if (!write || !transfersWholeTensor(write) || !transfersWholeTensor(read))
      return failure();
    VectorType type = read.getVectorType();
    if (write.getVectorType().getElementType() != type.getElementType())
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

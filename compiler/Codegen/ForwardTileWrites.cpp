//===- ForwardTileWrites.cpp - a tile's values stay in registers ----------===//
//
// cnn-cpu-tile-and-vectorize computes a fusion group's register tile whole:
// its initial value, the sums and the epilogue each go through the tile's
// tensor. After loop-invariant-subset-hoisting, what one step writes the
// next reads back, in a shape that differs only in leading unit
// dimensions, so vector.transfer_read's read-after-write folding, which
// needs equal types, does not apply. Casting the unit dimensions away
// (upstream's patterns) lets it forward the vector; the writes are then
// left without readers, and only the epilogue's result is stored.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_FORWARDTILEWRITESPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

struct ForwardTileWritesPass final
    : cnn::impl::ForwardTileWritesPassBase<ForwardTileWritesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // With the leading unit dimensions gone, the write and the read have
    // the same type, and vector.transfer_read's folder forwards the value.
    vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
    // Drops the tile's tensor from the reduction loops' iteration
    // arguments once nothing reads it, so that the writes feeding it die.
    scf::ForOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

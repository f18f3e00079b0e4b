//===- FuseElementwise.cpp - fuse elementwise chains, keep contractions ---===//
//
// Upstream's elementwise fusion, with two differences:
//  * a reshape folds into (or out of) an elementwise generic of more than
//    one dimension only. Folding the flatten before a dense layer into its
//    matmul turns the matmul into a generic contraction over the flattened
//    dimensions, which the tiling and blocking passes do not recognise, so
//    it would run as scalar loops; an optimizer's update over one dimension
//    would take its parameter's shape back;
//  * a producer never fuses into a consumer that broadcasts it, which would
//    recompute it once per broadcast element.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_FUSEELEMENTWISEPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

struct FuseElementwisePass final
    : cnn::impl::FuseElementwisePassBase<FuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    // A producer is fused into its consumer when this is its only use.
    linalg::ControlFusionFn singleUse = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse();
    };
    // A reshape folds only where the linalg op on the other side is
    // elementwise, and not over one dimension: `fused` is either a linalg
    // op's operand produced by a reshape, or a reshape's operand produced by
    // a linalg op. An optimizer's update is lowered over the parameter's
    // elements in one dimension, for whole vectors; folding the reshapes
    // would give it the filter's shape back, whose innermost dimension is
    // 3 for a 3x3 filter.
    linalg::ControlFusionFn reshapeIntoElementwise =
        [singleUse](OpOperand *fused) {
          auto linalgSide = dyn_cast_if_present<linalg::LinalgOp>(
              isa<linalg::LinalgOp>(fused->getOwner())
                  ? fused->getOwner()
                  : fused->get().getDefiningOp());
          return linalgSide && linalg::isElementwise(linalgSide) &&
                 linalgSide.getNumLoops() != 1 && singleUse(fused);
        };
    // A producer does not fuse into a consumer that broadcasts it: the
    // fused op would recompute the producer once per broadcast element.
    // Per-channel work such as a folded batch norm's bias stays a small op
    // on the weights, which cnn-hoist-weight-packing moves to load time,
    // instead of running sqrt and div over every output element.
    linalg::ControlFusionFn withoutRecompute = [singleUse](OpOperand *fused) {
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      return singleUse(fused) && consumer &&
             consumer.getMatchingIndexingMap(fused).isPermutation();
    };
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, withoutRecompute);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns,
                                                      reshapeIntoElementwise);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, singleUse);
    if (failed(applyPatternsGreedily(
            getOperation(), std::move(patterns),
            GreedyRewriteConfig().setUseTopDownTraversal())))
      return signalPassFailure();
  }
};

} // namespace

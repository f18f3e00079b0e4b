//===- FoldBatchNorm.cpp - batch norm folded into conv and dense ----------===//
//
// An inference batch norm after a convolution or dense layer (its only user)
// is an affine map per output channel, so it folds into that layer:
//
//   s  = gamma / sqrt(var + eps)
//   W' = W * s       (per output channel)
//   b' = (b - mean) * s + beta
//
// Both are written with cnn.batch_norm itself, on the weights: W' is the
// batch norm (mean 0, beta 0) of W with its first two dimensions swapped,
// b' the batch norm of b as a [1, F] tensor. They depend on weights only, so
// the codegen pipeline computes them once at load time.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_FOLDBATCHNORMPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;
using namespace mlir::cnn;

namespace {

/// A constant f32 tensor of `shape` filled with `value`.
Value splat(PatternRewriter &b, Location loc, ArrayRef<int64_t> shape,
            float value) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, value));
}

/// W with dimensions 0 and 1 swapped (so that the output channel is the
/// batch norm's channel dimension), or back.
Value swapLeading(PatternRewriter &b, Location loc, Value w) {
  auto type = cast<RankedTensorType>(w.getType());
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  std::swap(perm[0], perm[1]);
  SmallVector<int64_t> shape;
  for (int64_t d : perm)
    shape.push_back(type.getDimSize(d));
  return TransposeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), w,
      b.getDenseI64ArrayAttr(perm));
}

template <typename LayerOp>
struct FoldIntoLayer final : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern<BatchNormOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto layer = bn.getInput().template getDefiningOp<LayerOp>();
    if (!layer || !layer->hasOneUse())
      return failure();
    Value weight = getWeight(layer);
    auto wType = dyn_cast<RankedTensorType>(weight.getType());
    if (!wType || !wType.hasStaticShape() || wType.getRank() < 2)
      return failure();
    Location loc = bn.getLoc();
    int64_t channels = wType.getDimSize(0);
    Value zeros = splat(rewriter, loc, {channels}, 0.0f);
    FloatAttr eps = bn.getEpsilonAttr();

    // W' = swap(batch_norm(swap(W), gamma, 0, 0, var)).
    Value swapped = swapLeading(rewriter, loc, weight);
    Value scaled = BatchNormOp::create(rewriter, loc, swapped.getType(),
                                       swapped, bn.getScale(), zeros, zeros,
                                       bn.getVariance(), eps);
    Value newWeight = swapLeading(rewriter, loc, scaled);

    // b' = batch_norm([1, F] b, gamma, beta, mean, var).
    Value bias = layer.getBias();
    auto rowType = RankedTensorType::get({1, channels}, rewriter.getF32Type());
    Value row = bias ? Value(ReshapeOp::create(rewriter, loc, rowType, bias,
                                               rewriter.getDenseI64ArrayAttr(
                                                   {1, channels})))
                     : splat(rewriter, loc, {1, channels}, 0.0f);
    Value normalized = BatchNormOp::create(rewriter, loc, rowType, row,
                                           bn.getScale(), bn.getBias(),
                                           bn.getMean(), bn.getVariance(), eps);
    auto vecType = RankedTensorType::get({channels}, rewriter.getF32Type());
    Value newBias = ReshapeOp::create(rewriter, loc, vecType, normalized,
                                      rewriter.getDenseI64ArrayAttr({channels}));

    // The new weights are built at the batch norm, where its parameters are
    // defined; the layer (used only by the batch norm) moves down to them.
    rewriter.moveOpBefore(layer, bn);
    rewriter.modifyOpInPlace(layer, [&] {
      layer->setOperand(1, newWeight);
      if (bias)
        layer.getBiasMutable().assign(newBias);
      else
        layer.getBiasMutable().append(newBias);
      layer->setLoc(rewriter.getFusedLoc({layer.getLoc(), bn.getLoc()}));
    });
    rewriter.replaceOp(bn, layer->getResult(0));
    return success();
  }

  static Value getWeight(LayerOp op) { return op->getOperand(1); }
};

struct FoldBatchNormPass final
    : cnn::impl::FoldBatchNormPassBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoLayer<Conv2DOp>, FoldIntoLayer<DenseOp>>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

//===- Norm.cpp - lower normalization ops and dropout to linalg -----------===//

#include "compiler/Conversion/CnnToLinalg/Utils.h"
#include "compiler/Conversion/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::cnn;

namespace {

/// Reads a per-channel vector along dimension 1 of a rank-`rank` space.
AffineMap channelMap(MLIRContext *context, int64_t rank) {
  return AffineMap::get(rank, 0, getAffineDimExpr(1, context), context);
}

/// y = (x - mean) * (scale / sqrt(var + eps)) + bias, per channel.
struct BatchNormPattern final : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    MLIRContext *context = getContext();
    double eps = op.getEpsilon().convertToDouble();
    AffineMap channel = channelMap(context, type.getRank());
    Value result = elementwise(
        rewriter, op.getLoc(), type,
        {adaptor.getInput(), adaptor.getScale(), adaptor.getBias(),
         adaptor.getMean(), adaptor.getVariance()},
        {rewriter.getMultiDimIdentityMap(type.getRank()), channel, channel,
         channel, channel},
        [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          Value var = arith::AddFOp::create(
              b, loc, a[4], constantFloat(b, loc, a[4].getType(), eps));
          Value inv = math::RsqrtOp::create(b, loc, var);
          Value centered = arith::SubFOp::create(b, loc, a[0], a[3]);
          Value normed = arith::MulFOp::create(
              b, loc, centered, arith::MulFOp::create(b, loc, inv, a[1]));
          return arith::AddFOp::create(b, loc, normed, a[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// y = x / (k + alpha / size * sum of x^2 over the channel window)^beta,
/// the window [c - size/2, c + (size-1)/2] (PyTorch's) zero-padded at the
/// edges.
struct LrnPattern final : OpConversionPattern<LrnOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LrnOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    MLIRContext *context = getContext();
    int64_t rank = type.getRank(), size = op.getSize();
    Value x = adaptor.getInput();
    Value squares = broadcastElementwise(
        rewriter, loc, type, {x},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          return arith::MulFOp::create(b, l, a[0], a[0]);
        });
    SmallVector<int64_t> low(rank, 0), high(rank, 0);
    low[1] = size / 2;
    high[1] = (size - 1) / 2;
    Value padded = padConstant(rewriter, loc, squares, low, high, 0.0);
    // sum[n, c, ...] = sum_j padded[n, c + j, ...], j in [0, size).
    SmallVector<AffineExpr> in, out;
    for (int64_t d = 0; d < rank; ++d) {
      AffineExpr e = getAffineDimExpr(d, context);
      out.push_back(e);
      in.push_back(d == 1 ? e + getAffineDimExpr(rank, context) : e);
    }
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank + 1, 0, in, context),
        AffineMap::get(rank + 1, 0, {getAffineDimExpr(rank, context)}, context),
        AffineMap::get(rank + 1, 0, out, context)};
    SmallVector<utils::IteratorType> iterators(rank + 1,
                                               utils::IteratorType::parallel);
    iterators[rank] = utils::IteratorType::reduction;
    auto window = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{size}, type.getElementType());
    Value sum =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{type}, ValueRange{padded, window},
            ValueRange{filled(rewriter, loc, type, 0.0)}, maps, iterators,
            [](OpBuilder &b, Location l, ValueRange a) {
              linalg::YieldOp::create(
                  b, l, Value(arith::AddFOp::create(b, l, a[0], a[2])));
            })
            .getResult(0);
    double alpha = op.getAlpha().convertToDouble() / size;
    double beta = op.getBeta().convertToDouble();
    double k = op.getBias().convertToDouble();
    Value result = broadcastElementwise(
        rewriter, loc, type, {x, sum},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Type t = a[0].getType();
          Value base = arith::AddFOp::create(
              b, l, constantFloat(b, l, t, k),
              arith::MulFOp::create(b, l, a[1], constantFloat(b, l, t, alpha)));
          Value denom =
              math::PowFOp::create(b, l, base, constantFloat(b, l, t, beta));
          return arith::DivFOp::create(b, l, a[0], denom);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// y = x / max(sqrt(sum x^2 along axis), eps).
struct L2NormalizePattern final : OpConversionPattern<L2NormalizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(L2NormalizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t axis =
        normalizeAxis(op.getAxis(), type.getRank());
    double eps = op.getEpsilon().convertToDouble();
    Value x = adaptor.getInput();
    Value sumSq =
        reduceAxis(rewriter, loc, x, axis, 0.0,
                   [](OpBuilder &b, Location l, ValueRange a) -> Value {
                     return arith::AddFOp::create(
                         b, l, arith::MulFOp::create(b, l, a[0], a[0]), a[1]);
                   });
    Value result = broadcastElementwise(
        rewriter, loc, type, {x, sumSq},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value norm = math::SqrtOp::create(b, l, a[1]);
          Value clamped = arith::MaximumFOp::create(
              b, l, norm, constantFloat(b, l, norm.getType(), eps));
          return arith::DivFOp::create(b, l, a[0], clamped);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Dropout at inference is the identity; training dropout is lowered by the
/// training pipeline, not here.
struct DropoutPattern final : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getTraining())
      return rewriter.notifyMatchFailure(op, "training dropout");
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

} // namespace

void mlir::cnn::populateNormToLinalgPatterns(RewritePatternSet &patterns) {
  patterns
      .add<BatchNormPattern, LrnPattern, L2NormalizePattern, DropoutPattern>(
          patterns.getContext());
}

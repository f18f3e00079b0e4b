//===- Activation.cpp - lower cnn activations to linalg -------------------===//
//
// Pointwise activations become one parallel linalg.generic each; softmax and
// log-softmax reduce along their axis (max, then sum of exponentials) and
// normalize with a broadcast.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/CnnToLinalg/Utils.h"
#include "compiler/Conversion/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::cnn;

namespace {

/// Lowers a pointwise activation through a scalar formula.
template <typename OpTy>
struct PointwisePattern final : OpConversionPattern<OpTy> {
  using Formula = Value (*)(OpTy op, OpBuilder &b, Location loc, Value x);
  PointwisePattern(MLIRContext *context, Formula formula)
      : OpConversionPattern<OpTy>(context), formula(formula) {}

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value result =
        broadcastElementwise(rewriter, op.getLoc(), type, {adaptor.getInput()},
                             [&](OpBuilder &b, Location loc, ValueRange args) {
                               return formula(op, b, loc, args[0]);
                             });
    rewriter.replaceOp(op, result);
    return success();
  }

  Formula formula;
};

Value cst(OpBuilder &b, Location loc, Value like, double v) {
  return constantFloat(b, loc, like.getType(), v);
}

/// max(x, lo) and min(x, hi) for ReLU and clip. They propagate NaN, but the
/// sign of a zero result is left open (`nsz`): LLVM then lowers each to one
/// vmaxps / vminps with the constant first, where maximum(x, 0.0) would
/// otherwise take three instructions (a compare for NaN and a blend) on every
/// vector of a convolution's epilogue.
Value lowerBound(OpBuilder &b, Location loc, Value x, double lo) {
  return arith::MaximumFOp::create(b, loc, x, cst(b, loc, x, lo),
                                   arith::FastMathFlags::nsz);
}

Value clamp(OpBuilder &b, Location loc, Value x, double lo, double hi) {
  return arith::MinimumFOp::create(b, loc, lowerBound(b, loc, x, lo),
                                   cst(b, loc, x, hi),
                                   arith::FastMathFlags::nsz);
}

/// softmax / log-softmax along an axis.
template <typename OpTy, bool Log>
struct SoftmaxPattern final : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t axis =
        normalizeAxis(op.getAxis(), type.getRank());
    Value x = adaptor.getInput();
    Value max = reduceAxis(rewriter, loc, x, axis, -INFINITY,
                           [](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return arith::MaximumFOp::create(b, l, a[0], a[1]);
                           });
    Value shifted = broadcastElementwise(
        rewriter, loc, type, {x, max},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          return arith::SubFOp::create(b, l, a[0], a[1]);
        });
    Value sum = reduceAxis(rewriter, loc, shifted, axis, 0.0,
                           [](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return arith::AddFOp::create(
                                 b, l, math::ExpOp::create(b, l, a[0]), a[1]);
                           });
    Value result = broadcastElementwise(
        rewriter, loc, type, {shifted, sum},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          if (Log)
            return arith::SubFOp::create(b, l, a[0],
                                         math::LogOp::create(b, l, a[1]));
          return arith::DivFOp::create(b, l, math::ExpOp::create(b, l, a[0]),
                                       a[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::cnn::populateActivationToLinalgPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns.add<PointwisePattern<ReluOp>>(
      context, [](ReluOp, OpBuilder &b, Location loc, Value x) -> Value {
        return lowerBound(b, loc, x, 0.0);
      });
  patterns.add<PointwisePattern<LeakyReluOp>>(
      context,
      [](LeakyReluOp op, OpBuilder &b, Location loc, Value x) -> Value {
        Value scaled = arith::MulFOp::create(
            b, loc, x, cst(b, loc, x, op.getAlpha().convertToDouble()));
        Value positive = arith::CmpFOp::create(
            b, loc, arith::CmpFPredicate::OGT, x, cst(b, loc, x, 0.0));
        return arith::SelectOp::create(b, loc, positive, x, scaled);
      });
  patterns.add<PointwisePattern<ClipOp>>(
      context, [](ClipOp op, OpBuilder &b, Location loc, Value x) -> Value {
        return clamp(b, loc, x, op.getMin().convertToDouble(),
                     op.getMax().convertToDouble());
      });
  patterns.add<PointwisePattern<SigmoidOp>>(
      context, [](SigmoidOp, OpBuilder &b, Location loc, Value x) -> Value {
        return sigmoid(b, loc, x);
      });
  patterns.add<PointwisePattern<TanhOp>>(
      context, [](TanhOp, OpBuilder &b, Location loc, Value x) -> Value {
        return math::TanhOp::create(b, loc, x);
      });
  patterns.add<PointwisePattern<SiluOp>>(
      context, [](SiluOp, OpBuilder &b, Location loc, Value x) -> Value {
        return arith::MulFOp::create(b, loc, x, sigmoid(b, loc, x));
      });
  patterns.add<PointwisePattern<HardSwishOp>>(
      context, [](HardSwishOp, OpBuilder &b, Location loc, Value x) -> Value {
        Value shifted = arith::AddFOp::create(b, loc, x, cst(b, loc, x, 3.0));
        Value gate = arith::DivFOp::create(
            b, loc, clamp(b, loc, shifted, 0.0, 6.0), cst(b, loc, x, 6.0));
        return arith::MulFOp::create(b, loc, x, gate);
      });
  patterns.add<PointwisePattern<HardSigmoidOp>>(
      context,
      [](HardSigmoidOp op, OpBuilder &b, Location loc, Value x) -> Value {
        Value scaled = arith::MulFOp::create(
            b, loc, x, cst(b, loc, x, op.getAlpha().convertToDouble()));
        Value shifted = arith::AddFOp::create(
            b, loc, scaled, cst(b, loc, x, op.getBeta().convertToDouble()));
        return clamp(b, loc, shifted, 0.0, 1.0);
      });
  patterns.add<PointwisePattern<GeluOp>>(
      context, [](GeluOp op, OpBuilder &b, Location loc, Value x) -> Value {
        Value half = arith::MulFOp::create(b, loc, x, cst(b, loc, x, 0.5));
        Value one = cst(b, loc, x, 1.0);
        if (op.getApproximate() == GeluApproximation::Tanh) {
          // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
          Value cube = arith::MulFOp::create(
              b, loc, x, arith::MulFOp::create(b, loc, x, x));
          Value inner = arith::AddFOp::create(
              b, loc, x,
              arith::MulFOp::create(b, loc, cube, cst(b, loc, x, 0.044715)));
          Value t = math::TanhOp::create(
              b, loc,
              arith::MulFOp::create(b, loc, inner,
                                    cst(b, loc, x, std::sqrt(2.0 / M_PI))));
          return arith::MulFOp::create(b, loc, half,
                                       arith::AddFOp::create(b, loc, one, t));
        }
        Value scaled =
            arith::MulFOp::create(b, loc, x, cst(b, loc, x, M_SQRT1_2));
        Value erf = math::ErfOp::create(b, loc, scaled);
        return arith::MulFOp::create(b, loc, half,
                                     arith::AddFOp::create(b, loc, one, erf));
      });
  patterns.add<SoftmaxPattern<SoftmaxOp, false>,
               SoftmaxPattern<LogSoftmaxOp, true>>(context);
}

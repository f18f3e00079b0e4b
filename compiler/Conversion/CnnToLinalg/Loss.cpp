//===- Loss.cpp - lower loss ops to linalg --------------------------------===//

#include "compiler/Conversion/CnnToLinalg/Utils.h"
#include "compiler/Conversion/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::cnn;

namespace {

/// Sums a tensor of any rank into a rank-0 tensor, divided by its element
/// count for the mean.
Value total(OpBuilder &b, Location loc, Value input, bool mean) {
  auto type = cast<RankedTensorType>(input.getType());
  auto scalarType = RankedTensorType::get({}, type.getElementType());
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, {}, b.getContext())};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  Value sum = linalg::GenericOp::create(
                  b, loc, TypeRange{scalarType}, ValueRange{input},
                  ValueRange{filled(b, loc, scalarType, 0.0)}, maps, iterators,
                  [](OpBuilder &nb, Location l, ValueRange a) {
                    linalg::YieldOp::create(
                        nb, l, Value(arith::AddFOp::create(nb, l, a[0], a[1])));
                  })
                  .getResult(0);
  if (!mean)
    return sum;
  double count = type.getNumElements();
  return broadcastElementwise(
      b, loc, scalarType, {sum},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return arith::DivFOp::create(
            nb, l, a[0], constantFloat(nb, l, a[0].getType(), count));
      });
}

/// loss[n] = logsumexp(logits[n]) - logits[n, label[n]], then reduced.
struct CrossEntropyPattern final : OpConversionPattern<CrossEntropyOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CrossEntropyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value logits = adaptor.getLogits();
    auto type = cast<RankedTensorType>(logits.getType());
    Value max = reduceAxis(rewriter, loc, logits, 1, -INFINITY,
                           [](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return arith::MaximumFOp::create(b, l, a[0], a[1]);
                           });
    Value sumExp =
        reduceAxis(rewriter, loc,
                   broadcastElementwise(
                       rewriter, loc, type, {logits, max},
                       [](OpBuilder &b, Location l, ValueRange a) -> Value {
                         return math::ExpOp::create(
                             b, l, arith::SubFOp::create(b, l, a[0], a[1]));
                       }),
                   1, 0.0, [](OpBuilder &b, Location l, ValueRange a) -> Value {
                     return arith::AddFOp::create(b, l, a[0], a[1]);
                   });
    auto perSampleType =
        RankedTensorType::get({type.getDimSize(0)}, type.getElementType());
    MLIRContext *context = getContext();
    AffineMap row = AffineMap::get(
        1, 0, {getAffineDimExpr(0, context), getAffineConstantExpr(0, context)},
        context);
    AffineMap id = rewriter.getMultiDimIdentityMap(1);
    Value perSample = elementwise(
        rewriter, loc, perSampleType, {max, sumExp, adaptor.getLabels()},
        {row, row, id}, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value n = linalg::IndexOp::create(b, l, 0);
          Value label =
              arith::IndexCastOp::create(b, l, b.getIndexType(), a[2]);
          Value picked =
              tensor::ExtractOp::create(b, l, logits, ValueRange{n, label});
          Value lse = arith::AddFOp::create(b, l, a[0],
                                            math::LogOp::create(b, l, a[1]));
          return arith::SubFOp::create(b, l, lse, picked);
        });
    rewriter.replaceOp(op, total(rewriter, loc, perSample,
                                 op.getReduction() == Reduction::Mean));
    return success();
  }
};

struct MsePattern final : OpConversionPattern<MseOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MseOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    Value squares = broadcastElementwise(
        rewriter, loc, type, {adaptor.getInput(), adaptor.getTarget()},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value diff = arith::SubFOp::create(b, l, a[0], a[1]);
          return arith::MulFOp::create(b, l, diff, diff);
        });
    rewriter.replaceOp(op, total(rewriter, loc, squares,
                                 op.getReduction() == Reduction::Mean));
    return success();
  }
};

/// loss = mean over triplets of max(d(a, p) - d(a, n) + margin, 0).
struct TripletLossPattern final : OpConversionPattern<TripletLossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TripletLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value e = adaptor.getEmbeddings();
    double margin = op.getMargin().convertToDouble();
    SmallVector<Value> distances;
    for (int64_t other : {1, 2})
      distances.push_back(tripletDistance(rewriter, loc, rowBlock(rewriter, loc, e, 0),
                                          rowBlock(rewriter, loc, e, other),
                                          op.getEpsilon().convertToDouble()));
    auto rowType = cast<RankedTensorType>(distances[0].getType());
    Value hinge = broadcastElementwise(
        rewriter, loc, rowType, distances,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value v = arith::AddFOp::create(
              b, l, arith::SubFOp::create(b, l, a[0], a[1]),
              constantFloat(b, l, a[0].getType(), margin));
          return arith::MaximumFOp::create(
              b, l, v, constantFloat(b, l, a[0].getType(), 0.0));
        });
    rewriter.replaceOp(op, total(rewriter, loc, hinge, /*mean=*/true));
    return success();
  }
};

} // namespace

/// ||x - y + eps|| per row, as [n, 1].
Value mlir::cnn::tripletDistance(OpBuilder &b, Location loc, Value x, Value y,
                                 double eps) {
  auto type = cast<RankedTensorType>(x.getType());
  Value squares = broadcastElementwise(
      b, loc, type, {x, y}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value diff = arith::AddFOp::create(
            nb, l, arith::SubFOp::create(nb, l, a[0], a[1]),
            constantFloat(nb, l, a[0].getType(), eps));
        return arith::MulFOp::create(nb, l, diff, diff);
      });
  Value sum = reduceAxis(b, loc, squares, 1, 0.0,
                         [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                           return arith::AddFOp::create(nb, l, a[0], a[1]);
                         });
  return broadcastElementwise(
      b, loc, cast<RankedTensorType>(sum.getType()), {sum},
      [](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return math::SqrtOp::create(nb, l, a[0]);
      });
}

void mlir::cnn::populateLossToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<CrossEntropyPattern, MsePattern, TripletLossPattern>(
      patterns.getContext());
}

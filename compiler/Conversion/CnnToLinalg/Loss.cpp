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

} // namespace

void mlir::cnn::populateLossToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<CrossEntropyPattern, MsePattern>(patterns.getContext());
}

//===- Elementwise.cpp - lower broadcasting binary ops to linalg ----------===//
//
// One linalg.generic per op; operands reach the result's iteration space
// through NumPy broadcasting maps (size-1 dimensions read index 0).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/CnnToLinalg/Utils.h"
#include "compiler/Conversion/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::cnn;

namespace {
template <typename OpTy, typename ArithOp>
struct BinaryPattern final : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = broadcastElementwise(
        rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
        {adaptor.getLhs(), adaptor.getRhs()},
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return ArithOp::create(b, loc, args[0], args[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void mlir::cnn::populateElementwiseToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<
      BinaryPattern<AddOp, arith::AddFOp>, BinaryPattern<SubOp, arith::SubFOp>,
      BinaryPattern<MulOp, arith::MulFOp>, BinaryPattern<DivOp, arith::DivFOp>>(
      patterns.getContext());
}

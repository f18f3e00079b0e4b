//===- Activation.cpp - cnn activation ops: shape inference ---------------===//

#include "dialects/cnn/IR/InferUtils.h"

using namespace mlir;
using namespace mlir::cnn;
using namespace mlir::cnn::detail;

namespace {
/// An activation's result has its input's type.
LogicalResult inferUnary(const InferDiag &diag, Value input,
                         SmallVectorImpl<Type> &results) {
  FailureOr<RankedTensorType> type =
      diag.tensorOfRankAtLeast(input, "input", 0);
  if (failed(type))
    return failure();
  results.push_back(*type);
  return success();
}
} // namespace

#define CNN_UNARY_INFER(OP)                                                    \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> l, \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    return inferUnary(InferDiag(l, getOperationName()), adaptor.getInput(),    \
                      results);                                                \
  }

CNN_UNARY_INFER(ReluOp)
CNN_UNARY_INFER(SigmoidOp)
CNN_UNARY_INFER(TanhOp)
CNN_UNARY_INFER(SiluOp)
CNN_UNARY_INFER(HardSwishOp)
CNN_UNARY_INFER(LeakyReluOp)
CNN_UNARY_INFER(HardSigmoidOp)
CNN_UNARY_INFER(GeluOp)
#undef CNN_UNARY_INFER

LogicalResult ClipOp::inferReturnTypes(MLIRContext *context,
                                       std::optional<Location> location,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  float min = adaptor.getMin().convertToFloat();
  float max = adaptor.getMax().convertToFloat();
  if (!(min <= max))
    return diag.error("'min' (", floatString(min), ") must not exceed 'max' (",
                      floatString(max), ")");
  return inferUnary(diag, adaptor.getInput(), results);
}

namespace {
LogicalResult inferSoftmaxLike(const InferDiag &diag, Value input, int64_t axis,
                               SmallVectorImpl<Type> &results) {
  FailureOr<RankedTensorType> type =
      diag.tensorOfRankAtLeast(input, "input", 1);
  if (failed(type) || failed(diag.axis("axis", axis, type->getRank())))
    return failure();
  results.push_back(*type);
  return success();
}
} // namespace

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  return inferSoftmaxLike(InferDiag(location, getOperationName()),
                          adaptor.getInput(), adaptor.getAxis(), results);
}

LogicalResult LogSoftmaxOp::inferReturnTypes(MLIRContext *context,
                                             std::optional<Location> location,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  return inferSoftmaxLike(InferDiag(location, getOperationName()),
                          adaptor.getInput(), adaptor.getAxis(), results);
}

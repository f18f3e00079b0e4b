//===- Training.cpp - cnn gradient and optimizer ops: shape inference -----===//

#include "dialects/cnn/IR/InferUtils.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::cnn;
using namespace mlir::cnn::detail;

namespace {

/// The result has the type of operand `name`, which every other operand in
/// `same` must share.
LogicalResult sameAs(const InferDiag &diag, Value value, StringRef name,
                     ArrayRef<std::pair<Value, StringRef>> same,
                     SmallVectorImpl<Type> &results, int64_t minRank = 0) {
  FailureOr<RankedTensorType> type =
      diag.tensorOfRankAtLeast(value, name, minRank);
  if (failed(type))
    return failure();
  for (auto [other, otherName] : same) {
    FailureOr<RankedTensorType> t =
        diag.tensorOfRankAtLeast(other, otherName, 0);
    if (failed(t))
      return failure();
    if (failed(verifyCompatibleShape(*t, *type)) ||
        t->getElementType() != type->getElementType())
      return diag.error("expects '", otherName, "' of type ", *type, ", got ",
                        *t);
  }
  results.push_back(*type);
  return success();
}

/// Checks a window op's attributes and that output_grad has the shape the
/// forward op gives: a pool's (with its ceil_mode), or a convolution's.
LogicalResult checkWindowGrad(const InferDiag &diag, RankedTensorType input,
                              RankedTensorType outputGrad,
                              ArrayRef<int64_t> kernel,
                              ArrayRef<int64_t> stride,
                              ArrayRef<int64_t> padding,
                              ArrayRef<int64_t> dilation,
                              std::optional<bool> ceilMode,
                              int64_t channels) {
  if (failed(diag.array("kernel", kernel, 2, 1)) ||
      failed(diag.array("stride", stride, 2, 1)) ||
      failed(diag.array("padding", padding, 4, 0)) ||
      failed(diag.array("dilation", dilation, 2, 1)))
    return failure();
  SmallVector<int64_t, 4> expected = {input.getDimSize(0), channels};
  for (int i = 0; i < 2; ++i)
    expected.push_back(
        !ceilMode
            ? shape::convOutputSize(input.getDimSize(2 + i), kernel[i],
                                    stride[i], padding[i], padding[i + 2],
                                    dilation[i])
            : shape::poolOutputSize(input.getDimSize(2 + i), kernel[i],
                                    stride[i], padding[i], padding[i + 2],
                                    dilation[i], *ceilMode));
  for (int i = 0; i < 4; ++i)
    if (!compatibleSize(expected[i], outputGrad.getDimSize(i)) ||
        (i >= 2 && !shape::isDynamic(expected[i]) && expected[i] < 1))
      return diag.error("expects 'output_grad' of shape ",
                        shapeString(expected), " (the forward output), got ",
                        outputGrad);
  return success();
}

} // namespace

LogicalResult Conv2DFilterGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> x = diag.tensor(adaptor.getInput(), "input", 4);
  FailureOr<RankedTensorType> dy =
      diag.tensor(adaptor.getOutputGrad(), "output_grad", 4);
  if (failed(x) || failed(dy))
    return failure();
  int64_t groups = adaptor.getGroups();
  int64_t c = x->getDimSize(1), f = dy->getDimSize(1);
  if (groups < 1 || (!shape::isDynamic(c) && c % groups) ||
      (!shape::isDynamic(f) && f % groups))
    return diag.error("groups ", groups, " must divide the ", c,
                      " input and ", f, " output channels");
  if (failed(checkWindowGrad(diag, *x, *dy, adaptor.getKernel(),
                             adaptor.getStride(), adaptor.getPadding(),
                             adaptor.getDilation(), std::nullopt, f)))
    return failure();
  ArrayRef<int64_t> k = adaptor.getKernel();
  results.push_back(RankedTensorType::get(
      {f, shape::isDynamic(c) ? c : c / groups, k[0], k[1]},
      x->getElementType()));
  return success();
}

LogicalResult ActivationGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  StringRef kind = adaptor.getActivation();
  bool known = llvm::StringSwitch<bool>(kind)
                   .Cases({"relu", "leaky_relu", "clip", "sigmoid", "tanh",
                           "silu", "hardswish", "hardsigmoid", "gelu"},
                          true)
                   .Default(false);
  if (!known)
    return diag.error("has no gradient for activation '", kind, "'");
  return sameAs(diag, adaptor.getInput(), "input",
                {{adaptor.getOutputGrad(), "output_grad"}}, results);
}

LogicalResult MaxPool2DGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> x = diag.tensor(adaptor.getInput(), "input", 4);
  FailureOr<RankedTensorType> dy =
      diag.tensor(adaptor.getOutputGrad(), "output_grad", 4);
  if (failed(x) || failed(dy) ||
      failed(checkWindowGrad(diag, *x, *dy, adaptor.getKernel(),
                             adaptor.getStride(), adaptor.getPadding(),
                             adaptor.getDilation(), adaptor.getCeilMode(),
                             x->getDimSize(1))))
    return failure();
  results.push_back(*x);
  return success();
}

LogicalResult AvgPool2DGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  static const int64_t kNoDilation[2] = {1, 1};
  FailureOr<RankedTensorType> x = diag.tensor(adaptor.getInput(), "input", 4);
  FailureOr<RankedTensorType> dy =
      diag.tensor(adaptor.getOutputGrad(), "output_grad", 4);
  if (failed(x) || failed(dy) ||
      failed(checkWindowGrad(diag, *x, *dy, adaptor.getKernel(),
                             adaptor.getStride(), adaptor.getPadding(),
                             kNoDilation, adaptor.getCeilMode(),
                             x->getDimSize(1))))
    return failure();
  results.push_back(*x);
  return success();
}

LogicalResult ReduceSumOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> x =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 0);
  if (failed(x))
    return failure();
  llvm::SmallBitVector reduced(x->getRank());
  for (int64_t d : adaptor.getDims()) {
    if (d < 0 || d >= x->getRank() || reduced.test(d))
      return diag.error("'dims' must be distinct dimensions of the rank-",
                        x->getRank(), " input, got [", adaptor.getDims(), "]");
    reduced.set(d);
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < x->getRank(); ++d)
    if (!reduced.test(d))
      shape.push_back(x->getDimSize(d));
  results.push_back(RankedTensorType::get(shape, x->getElementType()));
  return success();
}

namespace {
/// Checks [C] statistics against the channels of a rank >= 2 input.
LogicalResult checkChannels(const InferDiag &diag, RankedTensorType input,
                            Value stat, StringRef name) {
  FailureOr<RankedTensorType> t = diag.tensor(stat, name, 1);
  if (failed(t))
    return failure();
  if (!compatibleSize(t->getDimSize(0), input.getDimSize(1)) ||
      t->getElementType() != input.getElementType())
    return diag.error("expects '", name, "' of ", input.getDimSize(1),
                      " channels, got ", *t);
  return success();
}
} // namespace

LogicalResult BatchNormTrainOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> x =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 2);
  if (failed(x) || failed(checkChannels(diag, *x, adaptor.getScale(), "scale")) ||
      failed(checkChannels(diag, *x, adaptor.getBias(), "bias")) ||
      failed(checkChannels(diag, *x, adaptor.getRunningMean(),
                           "running_mean")) ||
      failed(checkChannels(diag, *x, adaptor.getRunningVar(), "running_var")))
    return failure();
  float momentum = adaptor.getMomentum().convertToFloat();
  if (!(momentum >= 0.0f && momentum <= 1.0f))
    return diag.error("momentum ", floatString(momentum),
                      " must lie in [0, 1]");
  Type stat = adaptor.getScale().getType();
  results.append({*x, stat, stat, stat, stat});
  return success();
}

LogicalResult BatchNormGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> x =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 2);
  if (failed(x) || failed(checkChannels(diag, *x, adaptor.getScale(), "scale")) ||
      failed(checkChannels(diag, *x, adaptor.getBatchMean(), "batch_mean")) ||
      failed(checkChannels(diag, *x, adaptor.getBatchInvstd(),
                           "batch_invstd")))
    return failure();
  SmallVector<Type> first;
  if (failed(sameAs(diag, adaptor.getInput(), "input",
                    {{adaptor.getOutputGrad(), "output_grad"}}, first)))
    return failure();
  Type stat = adaptor.getScale().getType();
  results.append({*x, stat, stat});
  return success();
}

LogicalResult CrossEntropyGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> logits =
      diag.tensor(adaptor.getLogits(), "logits", 2);
  FailureOr<RankedTensorType> labels =
      diag.tensor(adaptor.getLabels(), "labels", 1);
  if (failed(logits) || failed(labels) ||
      failed(diag.tensor(adaptor.getLossGrad(), "loss_grad", 0)))
    return failure();
  if (!compatibleSize(logits->getDimSize(0), labels->getDimSize(0)))
    return diag.error("has ", labels->getDimSize(0), " labels for a batch of ",
                      logits->getDimSize(0));
  results.push_back(*logits);
  return success();
}

LogicalResult MseGradOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  if (failed(diag.tensor(adaptor.getLossGrad(), "loss_grad", 0)))
    return failure();
  return sameAs(diag, adaptor.getInput(), "input",
                {{adaptor.getTarget(), "target"}}, results);
}

LogicalResult SgdUpdateOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  if (failed(diag.tensor(adaptor.getLr(), "lr", 0)) ||
      failed(sameAs(diag, adaptor.getParam(), "param",
                    {{adaptor.getGrad(), "grad"},
                     {adaptor.getMomentumBuffer(), "momentum_buffer"}},
                    results)))
    return failure();
  results.push_back(results.front());
  return success();
}

LogicalResult AdamUpdateOp::inferReturnTypes(MLIRContext *context,
                                             std::optional<Location> location,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  if (failed(diag.tensor(adaptor.getLr(), "lr", 0)) ||
      failed(diag.tensor(adaptor.getStep(), "step", 0)) ||
      failed(sameAs(diag, adaptor.getParam(), "param",
                    {{adaptor.getGrad(), "grad"},
                     {adaptor.getExpAvg(), "exp_avg"},
                     {adaptor.getExpAvgSq(), "exp_avg_sq"}},
                    results)))
    return failure();
  results.append({results.front(), results.front()});
  return success();
}

LogicalResult DropoutTrainOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> x =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 0);
  if (failed(x) || failed(diag.tensor(adaptor.getStep(), "step", 0)))
    return failure();
  float rate = adaptor.getRate().convertToFloat();
  if (!(rate >= 0.0f && rate < 1.0f))
    return diag.error("rate ", floatString(rate), " must lie in [0, 1)");
  results.append({*x, *x});
  return success();
}

LogicalResult TripletLossGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> e =
      diag.tensor(adaptor.getEmbeddings(), "embeddings", 2);
  if (failed(e) || failed(diag.tensor(adaptor.getLossGrad(), "loss_grad", 0)))
    return failure();
  if (!shape::isDynamic(e->getDimSize(0)) && e->getDimSize(0) % 3)
    return diag.error("expects a multiple of 3 rows, got ", e->getDimSize(0));
  results.push_back(*e);
  return success();
}

LogicalResult L2NormalizeGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> x =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 1);
  if (failed(x) ||
      failed(diag.axis("axis", static_cast<int64_t>(adaptor.getAxis()),
                       x->getRank())))
    return failure();
  return sameAs(diag, adaptor.getInput(), "input",
                {{adaptor.getOutputGrad(), "output_grad"}}, results);
}

//===- Norm.cpp - cnn normalization and dropout ops -----------------------===//

#include "dialects/cnn/IR/InferUtils.h"

using namespace mlir;
using namespace mlir::cnn;
using namespace mlir::cnn::detail;

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 2);
  if (failed(input))
    return failure();
  int64_t channels = input->getDimSize(1);
  std::pair<Value, StringRef> params[] = {{adaptor.getScale(), "scale"},
                                          {adaptor.getBias(), "bias"},
                                          {adaptor.getMean(), "mean"},
                                          {adaptor.getVariance(), "variance"}};
  for (auto [value, name] : params) {
    FailureOr<RankedTensorType> param = diag.tensor(value, name, 1);
    if (failed(param) || failed(diag.sameElementType({*input, *param})))
      return failure();
    if (!compatibleSize(param->getDimSize(0), channels))
      return diag.error("'", name, "' has ", param->getDimSize(0),
                        " elements but the input has ", channels, " channels");
  }
  if (!(adaptor.getEpsilon().convertToFloat() >= 0.0f))
    return diag.error("'epsilon' must be non-negative");
  results.push_back(*input);
  return success();
}

LogicalResult LrnOp::inferReturnTypes(MLIRContext *context,
                                      std::optional<Location> location,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 3);
  if (failed(input))
    return failure();
  // I64Attr reads back unsigned; negative sizes must not wrap around.
  int64_t size = static_cast<int64_t>(adaptor.getSize());
  if (size < 1)
    return diag.error("'size' must be positive, got ", size);
  results.push_back(*input);
  return success();
}

LogicalResult L2NormalizeOp::inferReturnTypes(MLIRContext *context,
                                              std::optional<Location> location,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 1);
  if (failed(input) ||
      failed(diag.axis("axis", adaptor.getAxis(), input->getRank())))
    return failure();
  if (!(adaptor.getEpsilon().convertToFloat() >= 0.0f))
    return diag.error("'epsilon' must be non-negative");
  results.push_back(*input);
  return success();
}

LogicalResult DropoutOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 0);
  if (failed(input))
    return failure();
  float rate = adaptor.getRate().convertToFloat();
  if (!(rate >= 0.0f && rate < 1.0f))
    return diag.error("'rate' must lie in [0, 1), got ", floatString(rate));
  results.push_back(*input);
  return success();
}

OpFoldResult DropoutOp::fold(FoldAdaptor adaptor) {
  // Identity at inference, and in training when nothing is dropped.
  if (!getTraining() || getRate().convertToFloat() == 0.0f)
    return getInput();
  return {};
}

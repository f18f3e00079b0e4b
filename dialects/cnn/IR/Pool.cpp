//===- Pool.cpp - cnn pooling ops: shape inference ------------------------===//

#include "dialects/cnn/IR/InferUtils.h"

using namespace mlir;
using namespace mlir::cnn;
using namespace mlir::cnn::detail;

namespace {
const char *const kSpatialName[2] = {"height", "width"};

/// Shape inference shared by max and average pooling.
LogicalResult inferWindowPool(const InferDiag &diag, Value inputValue,
                              ArrayRef<int64_t> kernel,
                              ArrayRef<int64_t> stride,
                              ArrayRef<int64_t> padding,
                              ArrayRef<int64_t> dilation, bool ceilMode,
                              SmallVectorImpl<Type> &results) {
  FailureOr<RankedTensorType> input = diag.tensor(inputValue, "input", 4);
  if (failed(input) || failed(diag.array("kernel", kernel, 2, 1)) ||
      failed(diag.array("stride", stride, 2, 1)) ||
      failed(diag.array("padding", padding, 4, 0)) ||
      failed(diag.array("dilation", dilation, 2, 1)))
    return failure();
  ArrayRef<int64_t> x = input->getShape();
  SmallVector<int64_t, 4> shape = {x[0], x[1]};
  for (int i = 0; i < 2; ++i) {
    int64_t window = shape::effectiveKernel(kernel[i], dilation[i]);
    // PyTorch's rule: a window must never lie entirely in the padding.
    if (padding[i] > window / 2 || padding[i + 2] > window / 2)
      return diag.error("padding [", padding[i], ", ", padding[i + 2], "] in ",
                        kSpatialName[i], " exceeds half the window (", window,
                        ")");
    int64_t out =
        shape::poolOutputSize(x[2 + i], kernel[i], stride[i], padding[i],
                              padding[i + 2], dilation[i], ceilMode);
    if (!shape::isDynamic(out) && out < 1)
      return diag.error("window ", kSpatialName[i], " ", window,
                        " exceeds the padded input ", kSpatialName[i], " ",
                        x[2 + i] + padding[i] + padding[i + 2]);
    shape.push_back(out);
  }
  results.push_back(RankedTensorType::get(shape, input->getElementType()));
  return success();
}

/// [N, C, H, W] -> [N, C, 1, 1].
LogicalResult inferGlobalPool(const InferDiag &diag, Value inputValue,
                              SmallVectorImpl<Type> &results) {
  FailureOr<RankedTensorType> input = diag.tensor(inputValue, "input", 4);
  if (failed(input))
    return failure();
  results.push_back(
      RankedTensorType::get({input->getDimSize(0), input->getDimSize(1), 1, 1},
                            input->getElementType()));
  return success();
}
} // namespace

LogicalResult MaxPool2DOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferWindowPool(InferDiag(location, getOperationName()),
                         adaptor.getInput(), adaptor.getKernel(),
                         adaptor.getStride(), adaptor.getPadding(),
                         adaptor.getDilation(), adaptor.getCeilMode(), results);
}

LogicalResult AvgPool2DOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  static const int64_t kNoDilation[2] = {1, 1};
  return inferWindowPool(InferDiag(location, getOperationName()),
                         adaptor.getInput(), adaptor.getKernel(),
                         adaptor.getStride(), adaptor.getPadding(), kNoDilation,
                         adaptor.getCeilMode(), results);
}

LogicalResult GlobalAvgPool2DOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  return inferGlobalPool(InferDiag(location, getOperationName()),
                         adaptor.getInput(), results);
}

LogicalResult GlobalMaxPool2DOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  return inferGlobalPool(InferDiag(location, getOperationName()),
                         adaptor.getInput(), results);
}

LogicalResult AdaptiveAvgPool2DOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensor(adaptor.getInput(), "input", 4);
  ArrayRef<int64_t> size = adaptor.getOutputSize();
  if (failed(input) || failed(diag.array("output_size", size, 2, 1)))
    return failure();
  results.push_back(RankedTensorType::get(
      {input->getDimSize(0), input->getDimSize(1), size[0], size[1]},
      input->getElementType()));
  return success();
}

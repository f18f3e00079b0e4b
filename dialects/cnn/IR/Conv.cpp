//===- Conv.cpp - cnn convolution ops: shape inference --------------------===//

#include "dialects/cnn/IR/InferUtils.h"

using namespace mlir;
using namespace mlir::cnn;
using namespace mlir::cnn::detail;

namespace {
const char *const kSpatialName[2] = {"height", "width"};

/// Checks the bias operand against the number of output channels.
LogicalResult checkBias(const InferDiag &diag, Value bias, int64_t channels,
                        Type elementType) {
  if (!bias)
    return success();
  FailureOr<RankedTensorType> type = diag.tensor(bias, "bias", 1);
  if (failed(type))
    return failure();
  if (type->getElementType() != elementType)
    return diag.error("expects a bias of element type ", elementType, ", got ",
                      type->getElementType());
  if (!compatibleSize(type->getDimSize(0), channels))
    return diag.error("bias has ", type->getDimSize(0),
                      " elements but the op has ", channels,
                      " output channels");
  return success();
}

/// The attributes shared by conv2d and conv_transpose2d.
LogicalResult checkConvAttrs(const InferDiag &diag, ArrayRef<int64_t> stride,
                             ArrayRef<int64_t> padding,
                             ArrayRef<int64_t> dilation, int64_t groups) {
  if (failed(diag.array("stride", stride, 2, 1)) ||
      failed(diag.array("padding", padding, 4, 0)) ||
      failed(diag.array("dilation", dilation, 2, 1)))
    return failure();
  if (groups < 1)
    return diag.error("'groups' must be positive, got ", groups);
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

LogicalResult Conv2DOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensor(adaptor.getInput(), "input", 4);
  FailureOr<RankedTensorType> filter =
      diag.tensor(adaptor.getFilter(), "filter", 4);
  if (failed(input) || failed(filter) ||
      failed(diag.sameElementType({*input, *filter})))
    return failure();
  ArrayRef<int64_t> stride = adaptor.getStride();
  ArrayRef<int64_t> padding = adaptor.getPadding();
  ArrayRef<int64_t> dilation = adaptor.getDilation();
  int64_t groups = adaptor.getGroups();
  if (failed(checkConvAttrs(diag, stride, padding, dilation, groups)))
    return failure();

  ArrayRef<int64_t> x = input->getShape();
  ArrayRef<int64_t> w = filter->getShape();
  int64_t channels = x[1], filters = w[0], groupChannels = w[1];
  if (!shape::isDynamic(channels) && channels % groups != 0)
    return diag.error("input channels (", channels,
                      ") are not divisible by groups (", groups, ")");
  if (!shape::isDynamic(filters) && filters % groups != 0)
    return diag.error("output channels (", filters,
                      ") are not divisible by groups (", groups, ")");
  if (!shape::isDynamic(channels) && !shape::isDynamic(groupChannels) &&
      channels / groups != groupChannels)
    return diag.error("filter expects ", groupChannels,
                      " input channels per group, but the input has ", channels,
                      " channels in ", groups, " group(s)");
  if (failed(
          checkBias(diag, adaptor.getBias(), filters, input->getElementType())))
    return failure();

  SmallVector<int64_t, 4> shape = {x[0], filters};
  for (int i = 0; i < 2; ++i) {
    int64_t out = shape::convOutputSize(
        x[2 + i], w[2 + i], stride[i], padding[i], padding[i + 2], dilation[i]);
    if (!shape::isDynamic(out) && out < 1)
      return diag.error("kernel ", kSpatialName[i], " ",
                        shape::effectiveKernel(w[2 + i], dilation[i]),
                        " (dilated) exceeds the padded input ", kSpatialName[i],
                        " ", x[2 + i] + padding[i] + padding[i + 2]);
    shape.push_back(out);
  }
  results.push_back(RankedTensorType::get(shape, input->getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// ConvTranspose2DOp
//===----------------------------------------------------------------------===//

LogicalResult ConvTranspose2DOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensor(adaptor.getInput(), "input", 4);
  FailureOr<RankedTensorType> filter =
      diag.tensor(adaptor.getFilter(), "filter", 4);
  if (failed(input) || failed(filter) ||
      failed(diag.sameElementType({*input, *filter})))
    return failure();
  ArrayRef<int64_t> stride = adaptor.getStride();
  ArrayRef<int64_t> padding = adaptor.getPadding();
  ArrayRef<int64_t> outputPadding = adaptor.getOutputPadding();
  ArrayRef<int64_t> dilation = adaptor.getDilation();
  int64_t groups = adaptor.getGroups();
  if (failed(checkConvAttrs(diag, stride, padding, dilation, groups)) ||
      failed(diag.array("output_padding", outputPadding, 2, 0)))
    return failure();
  for (int i = 0; i < 2; ++i)
    if (outputPadding[i] >= stride[i] && outputPadding[i] >= dilation[i])
      return diag.error("output_padding ", outputPadding[i], " in ",
                        kSpatialName[i], " must be smaller than the stride (",
                        stride[i], ") or the dilation (", dilation[i], ")");

  ArrayRef<int64_t> x = input->getShape();
  ArrayRef<int64_t> w = filter->getShape();
  int64_t channels = x[1];
  if (!compatibleSize(channels, w[0]))
    return diag.error("filter expects ", w[0], " input channels, got ",
                      channels);
  if (!shape::isDynamic(w[0]) && w[0] % groups != 0)
    return diag.error("input channels (", w[0],
                      ") are not divisible by groups (", groups, ")");
  int64_t filters =
      shape::isDynamic(w[1]) ? shape::kDynamicSize : w[1] * groups;
  if (failed(
          checkBias(diag, adaptor.getBias(), filters, input->getElementType())))
    return failure();

  SmallVector<int64_t, 4> shape = {x[0], filters};
  for (int i = 0; i < 2; ++i) {
    int64_t out = shape::convTransposeOutputSize(x[2 + i], w[2 + i], stride[i],
                                                 padding[i], padding[i + 2],
                                                 dilation[i], outputPadding[i]);
    if (!shape::isDynamic(out) && out < 1)
      return diag.error("padding removes the whole output ", kSpatialName[i],
                        " (", out, ")");
    shape.push_back(out);
  }
  results.push_back(RankedTensorType::get(shape, input->getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// DenseOp
//===----------------------------------------------------------------------===//

LogicalResult DenseOp::inferReturnTypes(MLIRContext *context,
                                        std::optional<Location> location,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensor(adaptor.getInput(), "input", 2);
  FailureOr<RankedTensorType> weight =
      diag.tensor(adaptor.getWeight(), "weight", 2);
  if (failed(input) || failed(weight) ||
      failed(diag.sameElementType({*input, *weight})))
    return failure();
  int64_t inFeatures = input->getDimSize(1);
  int64_t outFeatures = weight->getDimSize(0);
  if (!compatibleSize(inFeatures, weight->getDimSize(1)))
    return diag.error("weight expects ", weight->getDimSize(1),
                      " input features, got ", inFeatures);
  if (failed(checkBias(diag, adaptor.getBias(), outFeatures,
                       input->getElementType())))
    return failure();
  results.push_back(RankedTensorType::get({input->getDimSize(0), outFeatures},
                                          input->getElementType()));
  return success();
}

int64_t mlir::cnn::multiplyAccumulates(Operation *op) {
  // Elements of `v` (the output, or the input of a transposed convolution)
  // times the weights that each one meets: all but the weight's first
  // dimension (output channels, or input channels when transposed).
  auto count = [](Value v, Value weight) -> int64_t {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    auto weightType = dyn_cast<RankedTensorType>(weight.getType());
    if (!type || !weightType || !type.hasStaticShape() ||
        !weightType.hasStaticShape())
      return 0;
    int64_t macs = type.getNumElements();
    for (int64_t d : weightType.getShape().drop_front())
      macs *= d;
    return macs;
  };
  if (auto conv = dyn_cast<Conv2DOp>(op))
    return count(conv.getOutput(), conv.getFilter());
  if (auto conv = dyn_cast<ConvTranspose2DOp>(op))
    return count(conv.getInput(), conv.getFilter());
  if (auto dense = dyn_cast<DenseOp>(op))
    return count(dense.getOutput(), dense.getWeight());
  return 0;
}

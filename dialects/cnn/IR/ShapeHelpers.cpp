//===- ShapeHelpers.cpp - output-size formulas of the cnn ops -------------===//

#include "dialects/cnn/IR/ShapeHelpers.h"

#include <cmath>

namespace mlir::cnn::shape {

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return q;
}

int64_t effectiveKernel(int64_t kernel, int64_t dilation) {
  return dilation * (kernel - 1) + 1;
}

int64_t convOutputSize(int64_t in, int64_t kernel, int64_t stride,
                       int64_t padBegin, int64_t padEnd, int64_t dilation) {
  if (isDynamic(in) || isDynamic(kernel))
    return kDynamicSize;
  return floorDiv(in + padBegin + padEnd - effectiveKernel(kernel, dilation),
                  stride) +
         1;
}

int64_t convTransposeOutputSize(int64_t in, int64_t kernel, int64_t stride,
                                int64_t padBegin, int64_t padEnd,
                                int64_t dilation, int64_t outputPadding) {
  if (isDynamic(in) || isDynamic(kernel))
    return kDynamicSize;
  return (in - 1) * stride - padBegin - padEnd + dilation * (kernel - 1) +
         outputPadding + 1;
}

int64_t poolOutputSize(int64_t in, int64_t kernel, int64_t stride,
                       int64_t padBegin, int64_t padEnd, int64_t dilation,
                       bool ceilMode) {
  if (isDynamic(in))
    return kDynamicSize;
  int64_t out =
      floorDiv(in + padBegin + padEnd - effectiveKernel(kernel, dilation) +
                   (ceilMode ? stride - 1 : 0),
               stride) +
      1;
  // The last window must start inside the input or the leading padding.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

int64_t upsampleOutputSize(int64_t in, double scale) {
  if (isDynamic(in))
    return kDynamicSize;
  return static_cast<int64_t>(std::floor(static_cast<double>(in) * scale));
}

int64_t adaptiveWindowStart(int64_t index, int64_t inSize, int64_t outSize) {
  return (index * inSize) / outSize;
}

int64_t adaptiveWindowEnd(int64_t index, int64_t inSize, int64_t outSize) {
  return ((index + 1) * inSize + outSize - 1) / outSize;
}

} // namespace mlir::cnn::shape

//===- ShapeHelpers.h - output-size formulas of the cnn ops -----*- C++ -*-===//
//
// The output-size arithmetic of convolution, pooling and resizing, written
// once and used by shape inference, by lowering and by the unit tests. The
// formulas are PyTorch's (aten/src/ATen/native/Pool.h, ConvUtils.h), so that
// every cnn op gives the shape PyTorch gives.
//
// A size of kDynamicSize (MLIR's ShapedType::kDynamic) means "unknown";
// results depending on an unknown size are unknown too. A result below 1 means
// the configuration is invalid; callers report it.
//
//===----------------------------------------------------------------------===//

#ifndef CNN_IR_SHAPEHELPERS_H
#define CNN_IR_SHAPEHELPERS_H

#include <cstdint>
#include <limits>

namespace mlir::cnn::shape {

/// Same value as mlir::ShapedType::kDynamic (checked where both are visible).
inline constexpr int64_t kDynamicSize = std::numeric_limits<int64_t>::min();

inline bool isDynamic(int64_t size) { return size == kDynamicSize; }

/// Floor division for a positive divisor (rounds towards negative infinity).
int64_t floorDiv(int64_t a, int64_t b);

/// Kernel extent once dilated: dilation * (kernel - 1) + 1.
int64_t effectiveKernel(int64_t kernel, int64_t dilation);

/// conv2d: floor((in + padBegin + padEnd - dilation*(kernel-1) - 1) / stride)
/// + 1.
int64_t convOutputSize(int64_t in, int64_t kernel, int64_t stride,
                       int64_t padBegin, int64_t padEnd, int64_t dilation);

/// conv_transpose2d:
/// (in - 1) * stride - padBegin - padEnd + dilation*(kernel-1) + outputPadding
/// + 1.
int64_t convTransposeOutputSize(int64_t in, int64_t kernel, int64_t stride,
                                int64_t padBegin, int64_t padEnd,
                                int64_t dilation, int64_t outputPadding);

/// max/avg pooling, including PyTorch's ceil_mode rule that drops a last
/// window starting inside the trailing padding.
int64_t poolOutputSize(int64_t in, int64_t kernel, int64_t stride,
                       int64_t padBegin, int64_t padEnd, int64_t dilation,
                       bool ceilMode);

/// Upsampling by a scale factor: floor(in * scale), computed in double as
/// PyTorch does.
int64_t upsampleOutputSize(int64_t in, double scale);

/// Adaptive pooling window of output cell `index` among `outSize` cells over
/// an input of `inSize`: [floor(index*in/out), ceil((index+1)*in/out)).
int64_t adaptiveWindowStart(int64_t index, int64_t inSize, int64_t outSize);
int64_t adaptiveWindowEnd(int64_t index, int64_t inSize, int64_t outSize);

} // namespace mlir::cnn::shape

#endif // CNN_IR_SHAPEHELPERS_H

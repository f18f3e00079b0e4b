//===- Utils.h - helpers shared by the cnn-to-linalg patterns ---*- C++ -*-===//

#ifndef CNN_CONVERSION_CNNTOLINALG_UTILS_H
#define CNN_CONVERSION_CNNTOLINALG_UTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::cnn {

/// Computes one element of a generic's result from the block arguments (the
/// input elements, then the output element).
using ElementFn =
    function_ref<Value(OpBuilder &b, Location loc, ValueRange args)>;

/// tensor.empty of `type`.
Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type);

/// A tensor of `type` filled with `value`.
Value filled(OpBuilder &b, Location loc, RankedTensorType type, double value);

/// An f32 (or the element type's) constant.
Value constantFloat(OpBuilder &b, Location loc, Type type, double value);

/// The map reading an operand of `shape` broadcast (NumPy rules) into an
/// iteration space of `resultRank` dimensions.
AffineMap broadcastMap(MLIRContext *context, ArrayRef<int64_t> shape,
                       ArrayRef<int64_t> resultShape);

/// A parallel linalg.generic producing `resultType` from `inputs` read
/// through `inputMaps` (the output uses the identity map).
Value elementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                  ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                  ElementFn fn);

/// An elementwise op over inputs broadcast to `resultType`.
Value broadcastElementwise(OpBuilder &b, Location loc,
                           RankedTensorType resultType, ValueRange inputs,
                           ElementFn fn);

/// Reduces `input` along `axis` (kept with size 1) starting from `init`.
Value reduceAxis(OpBuilder &b, Location loc, Value input, int64_t axis,
                 double init, ElementFn combine);

/// Pads with `value`: `low`/`high` per dimension.
Value padConstant(OpBuilder &b, Location loc, Value input,
                  ArrayRef<int64_t> low, ArrayRef<int64_t> high, double value);

/// Permutations between NCHW and NHWC.
inline constexpr int64_t kNchwToNhwc[] = {0, 2, 3, 1};
inline constexpr int64_t kNhwcToNchw[] = {0, 3, 1, 2};

/// linalg.transpose of `input`: result dimension i is input dimension
/// perm[i].
Value transpose(OpBuilder &b, Location loc, Value input,
                ArrayRef<int64_t> perm);

/// Reshapes to `type` through a rank-1 collapse (row-major order).
Value reshapeTo(OpBuilder &b, Location loc, Value input, RankedTensorType type);

/// Rank-1 constants: index tables (i32) and weight tables (f32) computed at
/// compile time, read by generics through a map on one dimension.
Value indexTable(OpBuilder &b, Location loc, ArrayRef<int32_t> values);
Value floatTable(OpBuilder &b, Location loc, ArrayRef<float> values);

/// Index arithmetic on `index` values inside generic bodies.
Value indexConstant(OpBuilder &b, Location loc, int64_t value);

/// An axis attribute (I64Attr reads back as uint64_t) in [0, rank).
inline int64_t normalizeAxis(uint64_t axis, int64_t rank) {
  int64_t a = static_cast<int64_t>(axis);
  return a < 0 ? a + rank : a;
}

/// PyTorch's average-pool divisor of each [oh, ow] output cell, row-major:
/// the window clipped to input + padding, or, without count_include_pad, to
/// the input alone. Shared by avg_pool2d and its gradient.
SmallVector<float> avgPoolDivisors(ArrayRef<int64_t> inShape,
                                   ArrayRef<int64_t> outShape,
                                   ArrayRef<int64_t> kernel,
                                   ArrayRef<int64_t> stride,
                                   ArrayRef<int64_t> padding,
                                   bool countIncludePad);

/// Rows [block * n, (block + 1) * n) of a [3n, d] tensor (the triplet loss's
/// anchors, positives or negatives).
Value rowBlock(OpBuilder &b, Location loc, Value embeddings, int64_t block);

/// The triplet loss's distance ||x - y + eps||_2 of each row of two [n, d]
/// tensors, as [n, 1].
Value tripletDistance(OpBuilder &b, Location loc, Value x, Value y, double eps);

/// sigmoid(x) = 1 / (1 + exp(-x)).
Value sigmoid(OpBuilder &b, Location loc, Value x);

} // namespace mlir::cnn

#endif // CNN_CONVERSION_CNNTOLINALG_UTILS_H

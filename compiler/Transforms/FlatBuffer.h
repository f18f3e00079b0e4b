//===- FlatBuffer.h - tensors viewed in one flat buffer ---------*- C++ -*-===//
//
// The weights buffer (cnn-outline-weights), the packed weights
// (cnn-hoist-weight-packing) and the optimizer state (cnn-build-train-step)
// are each one flat tensor; each value in them is a view at an offset.
//
//===----------------------------------------------------------------------===//

#ifndef CNN_TRANSFORMS_FLATBUFFER_H
#define CNN_TRANSFORMS_FLATBUFFER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::cnn {

/// The `type.getNumElements()` elements of the rank-1 tensor `buffer` from
/// `offset`, shaped as `type` (a tensor.extract_slice, then a
/// tensor.expand_shape unless `type` has rank 1).
Value viewOfFlat(OpBuilder &b, Location loc, Value buffer, int64_t offset,
                 RankedTensorType type);

} // namespace mlir::cnn

#endif // CNN_TRANSFORMS_FLATBUFFER_H

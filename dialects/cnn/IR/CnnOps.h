//===- CnnOps.h - operations of the cnn dialect -----------------*- C++ -*-===//

#ifndef CNN_IR_CNNOPS_H
#define CNN_IR_CNNOPS_H

#include "dialects/cnn/IR/CnnDialect.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::cnn {
/// Declared result types are compatible with inferred ones when element types
/// agree and every dimension is equal or dynamic on one side.
bool areCompatibleResultTypes(TypeRange inferred, TypeRange declared);

/// Reports an error on `op` unless its result types are compatible with the
/// inferred ones.
LogicalResult verifyResultTypes(Operation *op, TypeRange inferred);
} // namespace mlir::cnn

#include "dialects/cnn/IR/CnnInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/cnn/IR/CnnOps.h.inc"

namespace mlir::cnn {
/// The multiply-accumulates of a convolution, transposed convolution or
/// dense layer (0 for any other op, and for unranked or dynamic shapes).
int64_t multiplyAccumulates(Operation *op);
} // namespace mlir::cnn

#endif // CNN_IR_CNNOPS_H

//===- CnnOps.td - all cnn ops -----------------------------*- tablegen -*-===//
//
// The ops grouped by family; each family has its own .td, its own C++ file
// with verification and shape inference, and its own lowering and tests.
//
//===----------------------------------------------------------------------===//

#ifndef CNN_OPS_TD
#define CNN_OPS_TD

include "dialects/cnn/IR/CnnBase.td"
include "dialects/cnn/IR/CnnEnums.td"
include "dialects/cnn/IR/ConvOps.td"
include "dialects/cnn/IR/PoolOps.td"
include "dialects/cnn/IR/NormOps.td"
include "dialects/cnn/IR/ActivationOps.td"
include "dialects/cnn/IR/ElementwiseOps.td"
include "dialects/cnn/IR/ShapeOps.td"
include "dialects/cnn/IR/LossOps.td"
include "dialects/cnn/IR/TrainingOps.td"

#endif // CNN_OPS_TD

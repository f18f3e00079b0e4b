//===- Passes.td - cnn dialect conversions -----------------*- tablegen -*-===//

#ifndef CNN_CONVERSION_PASSES_TD
#define CNN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertCnnToLinalgPass : Pass<"convert-cnn-to-linalg"> {
  let summary = "Lower cnn ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Rewrites every cnn op into structured ops on tensors: convolutions and
    pooling into linalg's named conv/pooling ops over padded inputs,
    everything else into `linalg.generic`s, with shapes and index arithmetic
    taken from the same helpers as shape inference. When some ops cannot be
    lowered, one error lists all of them with their layers.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // CNN_CONVERSION_PASSES_TD

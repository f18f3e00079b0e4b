//===- Passes.td - cnn graph-level passes ------------------*- tablegen -*-===//

#ifndef CNN_TRANSFORMS_PASSES_TD
#define CNN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Shape passes
//===----------------------------------------------------------------------===//

def InferShapesPass : Pass<"cnn-infer-shapes", "::mlir::ModuleOp"> {
  let summary = "Refine dynamic result types of cnn ops to their inferred types";
  let description = [{
    Walks every function in order and replaces the result type of each `cnn`
    op with the type its shape inference computes from the (already refined)
    operand types, where that type is more precise. Function result types
    follow the values they return; any other non-cnn user keeps the type it
    had through a `tensor.cast`.

    ```mlir
    %y = cnn.relu %x : tensor<1x3x8x8xf32>
    %z = cnn.max_pool2d %y kernel [2, 2] stride [2, 2]
        : tensor<1x3x8x8xf32> -> tensor<?x?x?x?xf32>
    ```
    becomes `... -> tensor<1x3x4x4xf32>`.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

#endif // CNN_TRANSFORMS_PASSES_TD

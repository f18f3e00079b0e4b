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

//===----------------------------------------------------------------------===//
// Graph optimizations
//===----------------------------------------------------------------------===//

def FoldBatchNormPass : Pass<"cnn-fold-batch-norm", "::mlir::func::FuncOp"> {
  let summary = "Fold inference batch norm into the preceding conv or dense";
  let description = [{
    A `cnn.batch_norm` whose input is a `cnn.conv2d` or `cnn.dense` used
    only by it is a per-output-channel scale and shift, so it folds into
    that layer's weights and bias:

    * `s = gamma / sqrt(var + eps)`, `W' = W * s` per output channel,
    * `b' = (b - mean) * s + beta` (`b` = 0 without a bias).

    Both are expressed with `cnn.batch_norm` on the weights (W with its two
    leading dimensions swapped, with zero mean and shift; b as a `[1, F]`
    tensor), so no new op is needed; they depend on weights only, and the
    CPU pipeline computes them once when a model instance is created.

    ```mlir
    %c = cnn.conv2d %x, %w, %b : ...
    %y = cnn.batch_norm %c, %gamma, %beta, %mean, %var : ...
    ```
    becomes
    ```mlir
    %ws = cnn.transpose %w perm [1, 0, 2, 3]
    %wn = cnn.batch_norm %ws, %gamma, %zeros, %zeros, %var
    %w2 = cnn.transpose %wn perm [1, 0, 2, 3]
    %b2 = ... cnn.batch_norm (reshape %b to [1, F]), %gamma, %beta, %mean, %var
    %y = cnn.conv2d %x, %w2, %b2 : ...
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

//===----------------------------------------------------------------------===//
// Weight passes
//===----------------------------------------------------------------------===//

def OutlineWeightsPass : Pass<"cnn-outline-weights", "::mlir::ModuleOp"> {
  let summary = "Turn weight constants into slices of one weights argument";
  let description = [{
    Replaces every `dense_resource` constant of the model function `forward`
    (its weights) by a slice of a new first argument holding all weights in
    one flat f32 buffer, each at an offset aligned to 16 elements (64 bytes).
    The module's `cnn.weights` attribute records each weight's name, offset
    and shape, and `cnn.weights_size` the buffer's length, so that the
    generated library can load the weights file at run time instead of
    embedding the values.

    ```mlir
    %w = arith.constant dense_resource<conv1.weight> : tensor<6x1x5x5xf32>
    ```
    becomes
    ```mlir
    func.func @forward(%weights: tensor<176xf32>, ...)
      %s = tensor.extract_slice %weights[0] [150] [1]
      %w = tensor.expand_shape %s [[0, 1, 2, 3]] output_shape [6, 1, 5, 5]
    ```
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

#endif // CNN_TRANSFORMS_PASSES_TD

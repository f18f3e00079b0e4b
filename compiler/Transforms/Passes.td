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


//===----------------------------------------------------------------------===//
// cnn-build-train-step
//===----------------------------------------------------------------------===//

def BuildTrainStepPass : Pass<"cnn-build-train-step", "::mlir::ModuleOp"> {
  let summary = "Build a training step from the model function: forward, "
                "loss, backward and optimizer update";
  let description = [{
    Runs after cnn-outline-weights, on a module whose `forward` takes the
    weights buffer and one input and returns one output. Adds

    ```mlir
    func.func @train_step(%weights: tensor<Wxf32>, %state: tensor<SxF32>,
                          %input: ..., %target: ..., %hyper: tensor<2xf32>)
        -> (tensor<f32>, tensor<Wxf32>, tensor<Sxf32>)
    ```

    returning the loss, the updated weights buffer and the updated optimizer
    state. `%target` is `[N]` integer labels for `cross_entropy`, a tensor
    of the output's type for `mse` (unused by `triplet`, whose output
    rows are anchors, positives and negatives); `%hyper` holds the learning rate and the
    step number (1 for the first step).

    The body is the forward graph with batch norms in training form
    (`cnn.batch_norm_train`: batch statistics, running statistics updated
    into the new weights buffer) and dropouts dropping
    (`cnn.dropout_train`, masks from the seed, the dropout's index and the
    step number), the loss, and the backward graph, built in
    reverse order through each op's `DifferentiableOpInterface`; gradients
    of values used several times are summed. Each parameter the loss
    depends on gets one fused update (`cnn.sgd_update` or
    `cnn.adam_update`); its optimizer state lives in `%state` at the
    parameter's offset in the weights buffer, once per state slot (one for
    SGD, two for Adam). The module gets a `cnn.train` dictionary (loss,
    optimizer, learning rate, state size) for the library generator.
  }];
  let options = [
    Option<"loss", "loss", "std::string", "\"cross_entropy\"",
           "cross_entropy (integer labels), mse or triplet (the output's "
           "rows: anchors, positives, negatives)">,
    Option<"optimizer", "optimizer", "std::string", "\"sgd\"",
           "sgd, sgd-momentum, adam or adamw">,
    Option<"learningRate", "lr", "double", "0.01",
           "default learning rate (the library can change it)">,
    Option<"momentum", "momentum", "double", "0.9",
           "SGD momentum (sgd-momentum only)">,
    Option<"nesterov", "nesterov", "bool", "false", "Nesterov momentum">,
    Option<"weightDecay", "weight-decay", "double", "0.0",
           "L2 penalty (decoupled for adamw)">,
    Option<"beta1", "beta1", "double", "0.9", "Adam's beta1">,
    Option<"beta2", "beta2", "double", "0.999", "Adam's beta2">,
    Option<"epsilon", "epsilon", "double", "1e-8", "Adam's epsilon">,
    Option<"seed", "seed", "uint64_t", "0",
           "seed of the dropout masks (Philox keys)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // CNN_TRANSFORMS_PASSES_TD

//===- TrainingOps.td - cnn gradient and optimizer ops -----*- tablegen -*-===//
//
// The ops that only training graphs contain: gradients that no forward op
// expresses (cnn-build-train-step builds them through each op's
// DifferentiableOpInterface), batch normalization with batch statistics, and
// the fused optimizer updates. Each lowers to linalg like the forward ops.
//
//===----------------------------------------------------------------------===//

#ifndef CNN_TRAINING_OPS_TD
#define CNN_TRAINING_OPS_TD

include "dialects/cnn/IR/CnnBase.td"
include "dialects/cnn/IR/CnnEnums.td"

//===----------------------------------------------------------------------===//
// Gradients
//===----------------------------------------------------------------------===//

def Cnn_Conv2DFilterGradOp : Cnn_Op<"conv2d_filter_grad"> {
  let summary = "gradient of cnn.conv2d with respect to its filter";
  let description = [{
    `dW[f, c, i, j] = sum over n, y, x of output_grad[n, f, y, x] *
    input[n, g * C/groups + c, y * sh + i * dh - top, x * sw + j * dw - left]`
    (zero outside the input), where `g` is the group of filter `f`. The
    attributes are the forward convolution's; the result is
    `[F, C / groups, kh, kw]`.

    ```mlir
    %dw = cnn.conv2d_filter_grad %x, %dy kernel [3, 3] padding [1, 1, 1, 1]
        : tensor<8x16x32x32xf32>, tensor<8x32x32x32xf32> -> tensor<32x16x3x3xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, Cnn_Tensor4D:$output_grad,
                       DenseI64ArrayAttr:$kernel,
                       Cnn_I64ArrayDefault<"{1, 1}">:$stride,
                       Cnn_I64ArrayDefault<"{0, 0, 0, 0}">:$padding,
                       Cnn_I64ArrayDefault<"{1, 1}">:$dilation,
                       DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Cnn_Tensor4D:$filter_grad);
  let assemblyFormat = [{
    $input `,` $output_grad `kernel` $kernel (`stride` $stride^)?
    (`padding` $padding^)? (`dilation` $dilation^)? (`groups` $groups^)?
    attr-dict `:` type($input) `,` type($output_grad) `->` type($filter_grad)
  }];
}

def Cnn_ActivationGradOp : Cnn_Op<"activation_grad",
    [AllTypesMatch<["input", "output_grad"]>]> {
  let summary = "gradient of an elementwise activation";
  let description = [{
    `output_grad * f'(input)` for the activation named by `activation` (the
    forward op's mnemonic: `relu`, `leaky_relu`, `clip`, `sigmoid`, `tanh`,
    `silu`, `hardswish`, `hardsigmoid`, `gelu`). `alpha`, `beta`, `min`, `max` and
    `tanh_approximation` carry the forward op's attributes. Where `f` has a
    kink the derivative of the side PyTorch picks is used (relu'(0) = 0).

    ```mlir
    %dx = cnn.activation_grad "relu" %x, %dy : tensor<8x64xf32>
    ```
  }];
  let arguments = (ins StrAttr:$activation, Cnn_Tensor:$input,
                       Cnn_Tensor:$output_grad,
                       DefaultValuedAttr<F32Attr, "0.0f">:$alpha,
                       DefaultValuedAttr<F32Attr, "0.0f">:$beta,
                       DefaultValuedAttr<F32Attr, "0.0f">:$min,
                       DefaultValuedAttr<F32Attr, "0.0f">:$max,
                       UnitAttr:$tanh_approximation);
  let results = (outs Cnn_Tensor:$input_grad);
  let assemblyFormat = [{
    $activation $input `,` $output_grad attr-dict `:` type($input)
  }];
}

def Cnn_MaxPool2DGradOp : Cnn_Op<"max_pool2d_grad"> {
  let summary = "gradient of cnn.max_pool2d";
  let description = [{
    Routes each window's `output_grad` to the window's maximum: the first
    one in row-major window order on ties, as PyTorch does. The attributes
    are the forward op's.

    ```mlir
    %dx = cnn.max_pool2d_grad %x, %dy kernel [2, 2] stride [2, 2]
        : tensor<8x16x8x8xf32>, tensor<8x16x4x4xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, Cnn_Tensor4D:$output_grad,
                       DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride,
                       Cnn_I64ArrayDefault<"{0, 0, 0, 0}">:$padding,
                       Cnn_I64ArrayDefault<"{1, 1}">:$dilation,
                       UnitAttr:$ceil_mode);
  let results = (outs Cnn_Tensor4D:$input_grad);
  let assemblyFormat = [{
    $input `,` $output_grad `kernel` $kernel `stride` $stride
    (`padding` $padding^)? (`dilation` $dilation^)? (`ceil_mode` $ceil_mode^)?
    attr-dict `:` type($input) `,` type($output_grad)
  }];
}

def Cnn_AvgPool2DGradOp : Cnn_Op<"avg_pool2d_grad"> {
  let summary = "gradient of cnn.avg_pool2d";
  let description = [{
    Spreads each window's `output_grad`, divided by the forward divisor,
    over the window's input positions. `input` gives the shape only. The
    attributes are the forward op's.

    ```mlir
    %dx = cnn.avg_pool2d_grad %x, %dy kernel [2, 2] stride [2, 2]
        : tensor<8x16x8x8xf32>, tensor<8x16x4x4xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, Cnn_Tensor4D:$output_grad,
                       DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride,
                       Cnn_I64ArrayDefault<"{0, 0, 0, 0}">:$padding,
                       UnitAttr:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "true">:$count_include_pad);
  let results = (outs Cnn_Tensor4D:$input_grad);
  let assemblyFormat = [{
    $input `,` $output_grad `kernel` $kernel `stride` $stride
    (`padding` $padding^)? (`ceil_mode` $ceil_mode^)?
    (`count_include_pad` `=` $count_include_pad^)?
    attr-dict `:` type($input) `,` type($output_grad)
  }];
}

def Cnn_ReduceSumOp : Cnn_Op<"reduce_sum",
    [SameOperandsAndResultElementType]> {
  let summary = "sum over dimensions";
  let description = [{
    Sums `input` over the distinct dimensions `dims`, which disappear from
    the result (bias gradients, and gradients of broadcast operands).

    ```mlir
    %db = cnn.reduce_sum %dy dims [0, 2, 3]
        : tensor<8x64x32x32xf32> -> tensor<64xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `dims` $dims attr-dict `:` type($input) `->` type($output)
  }];
}

//===----------------------------------------------------------------------===//
// Batch normalization in training mode
//===----------------------------------------------------------------------===//

def Cnn_BatchNormTrainOp : Cnn_Op<"batch_norm_train",
    [AllTypesMatch<["scale", "bias", "running_mean", "running_var"]>]> {
  let summary = "batch normalization with batch statistics (training form)";
  let description = [{
    Normalizes with the mean and biased variance of each channel
    (dimension 1) over the batch and the other dimensions, then scales and
    shifts. Also returns the updated running statistics,
    `(1 - momentum) * running + momentum * batch` (the variance unbiased, as
    PyTorch's `BatchNorm2d`), and the batch mean and `1 / sqrt(var + eps)`
    that the gradient needs.

    ```mlir
    %y, %rm, %rv, %mean, %invstd = cnn.batch_norm_train %x, %g, %b, %m, %v
        epsilon 1.000000e-05 momentum 1.000000e-01
        : tensor<8x64x32x32xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, Cnn_Tensor1D:$scale,
                       Cnn_Tensor1D:$bias, Cnn_Tensor1D:$running_mean,
                       Cnn_Tensor1D:$running_var,
                       DefaultValuedAttr<F32Attr, "1.0e-5f">:$epsilon,
                       DefaultValuedAttr<F32Attr, "0.1f">:$momentum);
  let results = (outs Cnn_Tensor:$output, Cnn_Tensor1D:$new_running_mean,
                      Cnn_Tensor1D:$new_running_var, Cnn_Tensor1D:$batch_mean,
                      Cnn_Tensor1D:$batch_invstd);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $running_mean `,` $running_var
    (`epsilon` $epsilon^)? (`momentum` $momentum^)? attr-dict
    `:` type($input) `,` type($scale)
  }];
}

def Cnn_BatchNormGradOp : Cnn_Op<"batch_norm_grad", [AllTypesMatch<["input", "output_grad"]>,
    AllTypesMatch<["scale", "batch_mean", "batch_invstd"]>]> {
  let summary = "gradient of cnn.batch_norm_train";
  let description = [{
    With `xhat = (x - mean) * invstd` and `M` elements per channel:
    `bias_grad = sum(dy)`, `scale_grad = sum(dy * xhat)` and
    `input_grad = scale * invstd / M * (M * dy - bias_grad - xhat * scale_grad)`.

    ```mlir
    %dx, %dg, %db = cnn.batch_norm_grad %x, %dy, %g, %mean, %invstd
        : tensor<8x64x32x32xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, Cnn_Tensor:$output_grad,
                       Cnn_Tensor1D:$scale, Cnn_Tensor1D:$batch_mean,
                       Cnn_Tensor1D:$batch_invstd);
  let results = (outs Cnn_Tensor:$input_grad, Cnn_Tensor1D:$scale_grad,
                      Cnn_Tensor1D:$bias_grad);
  let assemblyFormat = [{
    $input `,` $output_grad `,` $scale `,` $batch_mean `,` $batch_invstd
    attr-dict `:` type($input) `,` type($scale)
  }];
}

//===----------------------------------------------------------------------===//
// Dropout in training mode
//===----------------------------------------------------------------------===//

def Cnn_DropoutTrainOp : Cnn_Op<"dropout_train"> {
  let summary = "dropout with a counter-based random mask (training form)";
  let description = [{
    `output = input * mask`, where `mask` is `1 / (1 - rate)` for kept
    elements and 0 for dropped ones. Element `i` at training step `step` is
    dropped when the first word of Philox-4x32-10 with counter
    `(i, step)` and key `seed`, read as a fraction of 2^32, is below `rate`:
    the mask depends only on the seed, the step and the position, so runs
    are reproducible and need no random state. `mask` is also a result: the
    gradient is `output_grad * mask`.

    ```mlir
    %y, %mask = cnn.dropout_train %x, %step rate 5.000000e-01 seed 7
        : tensor<8x4096xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, Cnn_Scalar:$step, F32Attr:$rate,
                       I64Attr:$seed);
  let results = (outs Cnn_Tensor:$output, Cnn_Tensor:$mask);
  let assemblyFormat = [{
    $input `,` $step `rate` $rate `seed` $seed attr-dict
    `:` type($input) `,` type($step)
  }];
}

//===----------------------------------------------------------------------===//
// Loss gradients
//===----------------------------------------------------------------------===//

def Cnn_CrossEntropyGradOp : Cnn_Op<"cross_entropy_grad"> {
  let summary = "gradient of cnn.cross_entropy";
  let description = [{
    `(softmax(logits) - onehot(labels)) * loss_grad`, divided by the batch
    size for the `mean` reduction.

    ```mlir
    %dl = cnn.cross_entropy_grad %logits, %labels, %one
        : tensor<64x10xf32>, tensor<64xi64>, tensor<f32>
    ```
  }];
  let arguments = (ins Cnn_Tensor2D:$logits, Cnn_LabelTensor:$labels,
                       Cnn_Scalar:$loss_grad,
                       DefaultValuedAttr<Cnn_Reduction,
                           "::mlir::cnn::Reduction::Mean">:$reduction);
  let results = (outs Cnn_Tensor2D:$logits_grad);
  let assemblyFormat = [{
    $logits `,` $labels `,` $loss_grad (`reduction` $reduction^)? attr-dict
    `:` type($logits) `,` type($labels) `,` type($loss_grad)
  }];
}

def Cnn_MseGradOp : Cnn_Op<"mse_grad", [AllTypesMatch<["input", "target"]>]> {
  let summary = "gradient of cnn.mse with respect to its input";
  let description = [{
    `2 * (input - target) * loss_grad`, divided by the element count for the
    `mean` reduction.

    ```mlir
    %dy = cnn.mse_grad %y, %t, %one : tensor<8x1xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, Cnn_Tensor:$target,
                       Cnn_Scalar:$loss_grad,
                       DefaultValuedAttr<Cnn_Reduction,
                           "::mlir::cnn::Reduction::Mean">:$reduction);
  let results = (outs Cnn_Tensor:$input_grad);
  let assemblyFormat = [{
    $input `,` $target `,` $loss_grad (`reduction` $reduction^)? attr-dict
    `:` type($input) `,` type($loss_grad)
  }];
}

def Cnn_TripletLossGradOp : Cnn_Op<"triplet_loss_grad"> {
  let summary = "gradient of cnn.triplet_loss";
  let description = [{
    For each triplet with a positive hinge, `u = (a - p + eps) / d(a, p)` and
    `v = (a - n + eps) / d(a, n)` give `da = u - v`, `dp = -u`, `dn = v`,
    times `loss_grad / N`; zero elsewhere. The attributes are the forward
    op's.

    ```mlir
    %de = cnn.triplet_loss_grad %e, %one : tensor<48x128xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Cnn_Tensor2D:$embeddings, Cnn_Scalar:$loss_grad,
                       DefaultValuedAttr<F32Attr, "1.0f">:$margin,
                       DefaultValuedAttr<F32Attr, "1.0e-6f">:$epsilon);
  let results = (outs Cnn_Tensor2D:$embeddings_grad);
  let assemblyFormat = [{
    $embeddings `,` $loss_grad (`margin` $margin^)? (`epsilon` $epsilon^)?
    attr-dict `:` type($embeddings) `,` type($loss_grad)
  }];
}

def Cnn_L2NormalizeGradOp : Cnn_Op<"l2_normalize_grad",
    [AllTypesMatch<["input", "output_grad"]>]> {
  let summary = "gradient of cnn.l2_normalize";
  let description = [{
    With `n = max(||x||, epsilon)` along `axis`:
    `dx = dy / n - x * sum(dy * x) / n^3` where the norm exceeds epsilon, and
    `dy / epsilon` where it does not. The attributes are the forward op's.

    ```mlir
    %dx = cnn.l2_normalize_grad %x, %dy axis 1 : tensor<8x128xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, Cnn_Tensor:$output_grad,
                       I64Attr:$axis,
                       DefaultValuedAttr<F32Attr, "1.0e-12f">:$epsilon);
  let results = (outs Cnn_Tensor:$input_grad);
  let assemblyFormat = [{
    $input `,` $output_grad `axis` $axis (`epsilon` $epsilon^)? attr-dict
    `:` type($input)
  }];
}

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

def Cnn_SgdUpdateOp : Cnn_Op<"sgd_update",
    [AllTypesMatch<["param", "grad", "momentum_buffer"]>]> {
  let summary = "one SGD step on a parameter (momentum, Nesterov, L2)";
  let description = [{
    PyTorch's `torch.optim.SGD` without dampening, on one parameter:
    `g = grad + weight_decay * param`; `buf = momentum * buf + g` (`buf = g`
    when `momentum` is 0); `d = nesterov ? g + momentum * buf : buf`;
    `param - lr * d`. `lr` is a rank-0 tensor so that it can change between
    steps.

    ```mlir
    %p2, %b2 = cnn.sgd_update %p, %g, %b, %lr momentum 9.000000e-01
        : tensor<64x3x3x3xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$param, Cnn_Tensor:$grad,
                       Cnn_Tensor:$momentum_buffer, Cnn_Scalar:$lr,
                       DefaultValuedAttr<F32Attr, "0.0f">:$momentum,
                       UnitAttr:$nesterov,
                       DefaultValuedAttr<F32Attr, "0.0f">:$weight_decay);
  let results = (outs Cnn_Tensor:$new_param, Cnn_Tensor:$new_momentum_buffer);
  let assemblyFormat = [{
    $param `,` $grad `,` $momentum_buffer `,` $lr
    (`momentum` $momentum^)? (`nesterov` $nesterov^)?
    (`weight_decay` $weight_decay^)? attr-dict
    `:` type($param) `,` type($lr)
  }];
}

def Cnn_AdamUpdateOp : Cnn_Op<"adam_update", [
    AllTypesMatch<["param", "grad", "exp_avg", "exp_avg_sq"]>,
    AllTypesMatch<["lr", "step"]>]> {
  let summary = "one Adam or AdamW step on a parameter";
  let description = [{
    PyTorch's `torch.optim.Adam` (`decoupled` unset: weight decay added to
    the gradient) or `AdamW` (`decoupled`: the parameter is first scaled by
    `1 - lr * weight_decay`), at step `step` (1 for the first):
    `m = beta1 * m + (1 - beta1) * g`, `v = beta2 * v + (1 - beta2) * g^2`,
    `param - lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + epsilon)`.

    ```mlir
    %p2, %m2, %v2 = cnn.adam_update %p, %g, %m, %v, %lr, %step
        : tensor<10x64xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$param, Cnn_Tensor:$grad, Cnn_Tensor:$exp_avg,
                       Cnn_Tensor:$exp_avg_sq, Cnn_Scalar:$lr,
                       Cnn_Scalar:$step,
                       DefaultValuedAttr<F32Attr, "0.9f">:$beta1,
                       DefaultValuedAttr<F32Attr, "0.999f">:$beta2,
                       DefaultValuedAttr<F32Attr, "1.0e-8f">:$epsilon,
                       DefaultValuedAttr<F32Attr, "0.0f">:$weight_decay,
                       UnitAttr:$decoupled);
  let results = (outs Cnn_Tensor:$new_param, Cnn_Tensor:$new_exp_avg,
                      Cnn_Tensor:$new_exp_avg_sq);
  let assemblyFormat = [{
    $param `,` $grad `,` $exp_avg `,` $exp_avg_sq `,` $lr `,` $step
    (`beta1` $beta1^)? (`beta2` $beta2^)? (`epsilon` $epsilon^)?
    (`weight_decay` $weight_decay^)? (`decoupled` $decoupled^)? attr-dict
    `:` type($param) `,` type($lr)
  }];
}

#endif // CNN_TRAINING_OPS_TD

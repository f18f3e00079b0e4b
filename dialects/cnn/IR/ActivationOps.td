//===- ActivationOps.td - cnn activation ops ---------------*- tablegen -*-===//

#ifndef CNN_ACTIVATION_OPS_TD
#define CNN_ACTIVATION_OPS_TD

include "dialects/cnn/IR/CnnBase.td"
include "dialects/cnn/IR/CnnEnums.td"

// An elementwise activation: the result has the input's type.
class Cnn_ActivationOp<string mnemonic, string formula, list<Trait> traits = []>
    : Cnn_Op<mnemonic, traits> {
  let summary = "elementwise " # mnemonic # ": " # formula;
  let results = (outs Cnn_Tensor:$output);
}

class Cnn_SimpleActivationOp<string mnemonic, string formula>
    : Cnn_ActivationOp<mnemonic, formula> {
  let description = [{
    Applies `}] # formula # [{` to every element.

    ```mlir
    %y = cnn.}] # mnemonic # [{ %x : tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Cnn_ReluOp : Cnn_SimpleActivationOp<"relu", "max(x, 0)">;
def Cnn_SigmoidOp : Cnn_SimpleActivationOp<"sigmoid", "1 / (1 + exp(-x))">;
def Cnn_TanhOp : Cnn_SimpleActivationOp<"tanh", "tanh(x)">;
def Cnn_SiluOp : Cnn_SimpleActivationOp<"silu", "x * sigmoid(x)">;
def Cnn_HardSwishOp
    : Cnn_SimpleActivationOp<"hardswish", "x * min(max(x + 3, 0), 6) / 6">;

def Cnn_LeakyReluOp : Cnn_ActivationOp<"leaky_relu", "x >= 0 ? x : alpha * x"> {
  let description = [{
    `x` where `x >= 0`, `alpha * x` elsewhere. `alpha` defaults to 0.01 as in
    PyTorch.

    ```mlir
    %y = cnn.leaky_relu %x alpha 1.000000e-01 : tensor<1x32x52x52xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input,
                       DefaultValuedAttr<F32Attr, "0.01f">:$alpha);
  let assemblyFormat = "$input (`alpha` $alpha^)? attr-dict `:` type($input)";
}

def Cnn_ClipOp : Cnn_ActivationOp<"clip", "min(max(x, min), max)"> {
  let description = [{
    Clamps every element to `[min, max]`; `min <= max` is required. ReLU6 is
    `cnn.clip %x min 0.0 max 6.0`.

    ```mlir
    %y = cnn.clip %x min 0.000000e+00 max 6.000000e+00 : tensor<1x32x112x112xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, F32Attr:$min, F32Attr:$max);
  let assemblyFormat = "$input `min` $min `max` $max attr-dict `:` type($input)";
}

def Cnn_HardSigmoidOp
    : Cnn_ActivationOp<"hardsigmoid", "min(max(alpha * x + beta, 0), 1)"> {
  let description = [{
    A piecewise-linear sigmoid. The defaults `alpha = 1/6`, `beta = 0.5` are
    PyTorch's `nn.Hardsigmoid`; ONNX's HardSigmoid uses `alpha = 0.2`.

    ```mlir
    %y = cnn.hardsigmoid %x : tensor<1x16x1x1xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input,
                       DefaultValuedAttr<F32Attr, "1.0f / 6.0f">:$alpha,
                       DefaultValuedAttr<F32Attr, "0.5f">:$beta);
  let assemblyFormat = [{
    $input (`alpha` $alpha^)? (`beta` $beta^)? attr-dict `:` type($input)
  }];
}

def Cnn_GeluOp : Cnn_ActivationOp<"gelu", "x * Phi(x)"> {
  let description = [{
    Gaussian error linear unit. `approximate = none` uses the exact normal
    CDF (`0.5 * x * (1 + erf(x / sqrt(2)))`); `tanh` uses PyTorch's tanh
    approximation.

    ```mlir
    %y = cnn.gelu %x approximate tanh : tensor<1x768xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input,
                       DefaultValuedAttr<Cnn_GeluApproximation,
                           "::mlir::cnn::GeluApproximation::None">:$approximate);
  let assemblyFormat = [{
    $input (`approximate` $approximate^)? attr-dict `:` type($input)
  }];
}

class Cnn_SoftmaxLikeOp<string mnemonic, string formula>
    : Cnn_ActivationOp<mnemonic, formula> {
  let description = [{
    Computes `}] # formula # [{` along `axis` (negative values count from the
    end, as in PyTorch's `dim`).

    ```mlir
    %y = cnn.}] # mnemonic # [{ %x axis 1 : tensor<1x1000xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, I64Attr:$axis);
  let assemblyFormat = "$input `axis` $axis attr-dict `:` type($input)";
}

def Cnn_SoftmaxOp : Cnn_SoftmaxLikeOp<"softmax", "exp(x) / sum(exp(x))">;
def Cnn_LogSoftmaxOp
    : Cnn_SoftmaxLikeOp<"log_softmax", "x - log(sum(exp(x)))">;

#endif // CNN_ACTIVATION_OPS_TD

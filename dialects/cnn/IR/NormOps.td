//===- NormOps.td - cnn normalization and dropout ops ------*- tablegen -*-===//

#ifndef CNN_NORM_OPS_TD
#define CNN_NORM_OPS_TD

include "dialects/cnn/IR/CnnBase.td"

//===----------------------------------------------------------------------===//
// batch_norm
//===----------------------------------------------------------------------===//

def Cnn_BatchNormOp : Cnn_Op<"batch_norm", [
    AllTypesMatch<["scale", "bias", "mean", "variance"]>]> {
  let summary = "batch normalization (inference form)";
  let description = [{
    `(x - mean) / sqrt(variance + epsilon) * scale + bias`, per channel
    (dimension 1), with fixed statistics. The input has rank 2 or more and
    `scale`, `bias`, `mean`, `variance` all have shape `[C]`.

    ```mlir
    %y = cnn.batch_norm %x, %gamma, %beta, %mean, %var epsilon 1.000000e-03
        : tensor<1x64x56x56xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, Cnn_Tensor1D:$scale,
                       Cnn_Tensor1D:$bias, Cnn_Tensor1D:$mean,
                       Cnn_Tensor1D:$variance,
                       DefaultValuedAttr<F32Attr, "1.0e-5f">:$epsilon);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance
    (`epsilon` $epsilon^)? attr-dict `:` type($input) `,` type($scale)
  }];
}

//===----------------------------------------------------------------------===//
// lrn
//===----------------------------------------------------------------------===//

def Cnn_LrnOp : Cnn_Op<"lrn"> {
  let summary = "local response normalization across channels";
  let description = [{
    As PyTorch's `nn.LocalResponseNorm`:
    `y = x / (bias + alpha / size * sum(x^2 over size neighbouring channels))^beta`,
    the window centred on each channel (`size / 2` channels before,
    `(size - 1) / 2` after, as PyTorch), zero beyond the edges. Input rank
    is 3 or more.

    ```mlir
    %y = cnn.lrn %x size 5 alpha 1.000000e-04 beta 7.500000e-01 bias 2.000000e+00
        : tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, I64Attr:$size,
                       DefaultValuedAttr<F32Attr, "1.0e-4f">:$alpha,
                       DefaultValuedAttr<F32Attr, "0.75f">:$beta,
                       DefaultValuedAttr<F32Attr, "1.0f">:$bias);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `size` $size (`alpha` $alpha^)? (`beta` $beta^)? (`bias` $bias^)?
    attr-dict `:` type($input)
  }];
}

//===----------------------------------------------------------------------===//
// l2_normalize
//===----------------------------------------------------------------------===//

def Cnn_L2NormalizeOp : Cnn_Op<"l2_normalize"> {
  let summary = "divide by the L2 norm along an axis";
  let description = [{
    `x / max(||x||_2, epsilon)` along `axis`, as PyTorch's `F.normalize`
    (default `epsilon = 1e-12`). FaceNet normalizes its embedding this way.

    ```mlir
    %e = cnn.l2_normalize %x axis 1 : tensor<1x512xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<F32Attr, "1.0e-12f">:$epsilon);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `axis` $axis (`epsilon` $epsilon^)? attr-dict `:` type($input)
  }];
}

//===----------------------------------------------------------------------===//
// dropout
//===----------------------------------------------------------------------===//

def Cnn_DropoutOp : Cnn_Op<"dropout"> {
  let summary = "dropout: identity at inference";
  let description = [{
    At inference (no `training` flag) the op is the identity and folds away.
    With `training`, the training pipeline zeroes each element with
    probability `rate` and scales the others by `1 / (1 - rate)`.
    `rate` must lie in `[0, 1)`.

    ```mlir
    %y = cnn.dropout %x rate 5.000000e-01 : tensor<1x4096xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, F32Attr:$rate, UnitAttr:$training);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `rate` $rate (`training` $training^)? attr-dict `:` type($input)
  }];
  let hasFolder = 1;
}

#endif // CNN_NORM_OPS_TD

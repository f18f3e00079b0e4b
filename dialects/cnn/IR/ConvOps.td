//===- ConvOps.td - cnn convolution ops --------------------*- tablegen -*-===//

#ifndef CNN_CONV_OPS_TD
#define CNN_CONV_OPS_TD

include "dialects/cnn/IR/CnnBase.td"

//===----------------------------------------------------------------------===//
// conv2d
//===----------------------------------------------------------------------===//

def Cnn_Conv2DOp : Cnn_Op<"conv2d"> {
  let summary = "2-D convolution (stride, padding, dilation, groups, bias)";
  let description = [{
    Cross-correlation of an NCHW `input` with an FCHW `filter`
    (`[out_channels, in_channels / groups, kh, kw]`, PyTorch's layout) plus an
    optional per-output-channel `bias`.

    - `stride`: `[sh, sw]`, positive, default `[1, 1]`.
    - `padding`: `[top, left, bottom, right]`, non-negative, zero-filled,
      default `[0, 0, 0, 0]`.
    - `dilation`: `[dh, dw]`, positive, default `[1, 1]`.
    - `groups`: input and output channels are split into `groups` groups;
      `groups == in_channels` with one filter channel is a depthwise
      convolution.

    The output height is
    `floor((H + top + bottom - dh * (kh - 1) - 1) / sh) + 1`, and the width
    likewise, as in PyTorch.

    ```mlir
    %y = cnn.conv2d %x, %w, %b stride [2, 2] padding [3, 3, 3, 3]
        : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>)
        -> tensor<1x64x112x112xf32>
    %d = cnn.conv2d %y, %dw padding [1, 1, 1, 1] groups 64
        : (tensor<1x64x112x112xf32>, tensor<64x1x3x3xf32>)
        -> tensor<1x64x112x112xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, Cnn_Tensor4D:$filter,
                       Optional<Cnn_Tensor1D>:$bias,
                       Cnn_I64ArrayDefault<"{1, 1}">:$stride,
                       Cnn_I64ArrayDefault<"{0, 0, 0, 0}">:$padding,
                       Cnn_I64ArrayDefault<"{1, 1}">:$dilation,
                       DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Cnn_Tensor4D:$output);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)?
    (`stride` $stride^)? (`padding` $padding^)? (`dilation` $dilation^)?
    (`groups` $groups^)?
    attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// conv_transpose2d
//===----------------------------------------------------------------------===//

def Cnn_ConvTranspose2DOp : Cnn_Op<"conv_transpose2d"> {
  let summary = "2-D transposed convolution (fractionally strided convolution)";
  let description = [{
    The gradient of `cnn.conv2d` with respect to its input, used for learned
    upsampling. The filter has PyTorch's ConvTranspose2d layout
    `[in_channels, out_channels / groups, kh, kw]`.

    - `stride`: `[sh, sw]`, positive, default `[1, 1]`.
    - `padding`: `[top, left, bottom, right]`, non-negative: rows and columns
      removed from the full output, default zero.
    - `output_padding`: `[oh, ow]` extra rows/columns added at the bottom and
      right; each must be smaller than the stride or the dilation of its
      dimension. Default `[0, 0]`.
    - `dilation`: `[dh, dw]`, positive, default `[1, 1]`.
    - `groups`: divides input and output channels.

    The output height is
    `(H - 1) * sh - top - bottom + dh * (kh - 1) + oh + 1`, as in PyTorch.

    ```mlir
    %y = cnn.conv_transpose2d %x, %w, %b stride [2, 2]
        : (tensor<1x64x28x28xf32>, tensor<64x32x2x2xf32>, tensor<32xf32>)
        -> tensor<1x32x56x56xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, Cnn_Tensor4D:$filter,
                       Optional<Cnn_Tensor1D>:$bias,
                       Cnn_I64ArrayDefault<"{1, 1}">:$stride,
                       Cnn_I64ArrayDefault<"{0, 0, 0, 0}">:$padding,
                       Cnn_I64ArrayDefault<"{0, 0}">:$output_padding,
                       Cnn_I64ArrayDefault<"{1, 1}">:$dilation,
                       DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Cnn_Tensor4D:$output);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)?
    (`stride` $stride^)? (`padding` $padding^)?
    (`output_padding` $output_padding^)? (`dilation` $dilation^)?
    (`groups` $groups^)?
    attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// dense
//===----------------------------------------------------------------------===//

def Cnn_DenseOp : Cnn_Op<"dense"> {
  let summary = "fully connected layer: y = x * W^T + b";
  let description = [{
    A fully connected layer on a `[batch, in_features]` input with a
    `[out_features, in_features]` weight (PyTorch's `nn.Linear` layout) and
    an optional `[out_features]` bias. The result is
    `[batch, out_features]`.

    ```mlir
    %y = cnn.dense %x, %w, %b
        : (tensor<1x512xf32>, tensor<1000x512xf32>, tensor<1000xf32>)
        -> tensor<1x1000xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor2D:$input, Cnn_Tensor2D:$weight,
                       Optional<Cnn_Tensor1D>:$bias);
  let results = (outs Cnn_Tensor2D:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

#endif // CNN_CONV_OPS_TD

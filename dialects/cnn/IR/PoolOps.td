//===- PoolOps.td - cnn pooling ops ------------------------*- tablegen -*-===//

#ifndef CNN_POOL_OPS_TD
#define CNN_POOL_OPS_TD

include "dialects/cnn/IR/CnnBase.td"

//===----------------------------------------------------------------------===//
// max_pool2d
//===----------------------------------------------------------------------===//

def Cnn_MaxPool2DOp : Cnn_Op<"max_pool2d"> {
  let summary = "2-D max pooling";
  let description = [{
    Maximum over `kernel` windows of an NCHW input. Padded positions never
    win (they act as negative infinity).

    - `kernel`: `[kh, kw]`, positive. `stride`: `[sh, sw]`, positive.
    - `padding`: `[top, left, bottom, right]`, each at most half its kernel
      side (PyTorch's rule), default zero.
    - `dilation`: `[dh, dw]`, positive, default `[1, 1]`.
    - `ceil_mode`: round the output size up instead of down; a last window
      that would start inside the right/bottom padding is dropped, as in
      PyTorch.

    ```mlir
    %y = cnn.max_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1]
        : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input,
                       DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride,
                       Cnn_I64ArrayDefault<"{0, 0, 0, 0}">:$padding,
                       Cnn_I64ArrayDefault<"{1, 1}">:$dilation,
                       UnitAttr:$ceil_mode);
  let results = (outs Cnn_Tensor4D:$output);
  let assemblyFormat = [{
    $input `kernel` $kernel `stride` $stride (`padding` $padding^)?
    (`dilation` $dilation^)? (`ceil_mode` $ceil_mode^)?
    attr-dict `:` type($input) `->` type($output)
  }];
}

//===----------------------------------------------------------------------===//
// avg_pool2d
//===----------------------------------------------------------------------===//

def Cnn_AvgPool2DOp : Cnn_Op<"avg_pool2d"> {
  let summary = "2-D average pooling";
  let description = [{
    Mean over `kernel` windows of an NCHW input.

    - `kernel`, `stride`, `padding`, `ceil_mode`: as in `cnn.max_pool2d`.
    - `count_include_pad` (default `true`, as in PyTorch): whether the
      explicit padding counts in the divisor. Positions of a `ceil_mode`
      window that fall past the padding never count.

    ```mlir
    %y = cnn.avg_pool2d %x kernel [3, 3] stride [1, 1] padding [1, 1, 1, 1]
        count_include_pad = false
        : tensor<1x192x28x28xf32> -> tensor<1x192x28x28xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input,
                       DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride,
                       Cnn_I64ArrayDefault<"{0, 0, 0, 0}">:$padding,
                       UnitAttr:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "true">:$count_include_pad);
  let results = (outs Cnn_Tensor4D:$output);
  let assemblyFormat = [{
    $input `kernel` $kernel `stride` $stride (`padding` $padding^)?
    (`ceil_mode` $ceil_mode^)?
    (`count_include_pad` `=` $count_include_pad^)?
    attr-dict `:` type($input) `->` type($output)
  }];
}

//===----------------------------------------------------------------------===//
// global pools
//===----------------------------------------------------------------------===//

class Cnn_GlobalPoolOp<string mnemonic, string what> : Cnn_Op<mnemonic> {
  let summary = "global " # what # " pooling over height and width";
  let description = [{
    Reduces each channel of an NCHW input over its whole spatial extent,
    keeping the reduced dimensions: `[N, C, H, W] -> [N, C, 1, 1]`.

    ```mlir
    %y = cnn.}] # mnemonic # [{ %x : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input);
  let results = (outs Cnn_Tensor4D:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Cnn_GlobalAvgPool2DOp : Cnn_GlobalPoolOp<"global_avg_pool2d", "average">;
def Cnn_GlobalMaxPool2DOp : Cnn_GlobalPoolOp<"global_max_pool2d", "max">;

//===----------------------------------------------------------------------===//
// adaptive_avg_pool2d
//===----------------------------------------------------------------------===//

def Cnn_AdaptiveAvgPool2DOp : Cnn_Op<"adaptive_avg_pool2d"> {
  let summary = "2-D adaptive average pooling to a fixed output size";
  let description = [{
    Averages an NCHW input into an `output_size = [oh, ow]` grid. Output cell
    `i` covers rows `floor(i * H / oh)` to `ceil((i + 1) * H / oh)`
    (exclusive), as in PyTorch; the windows may overlap or differ in size.

    ```mlir
    %y = cnn.adaptive_avg_pool2d %x output_size [7, 7]
        : tensor<1x512x14x14xf32> -> tensor<1x512x7x7xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, DenseI64ArrayAttr:$output_size);
  let results = (outs Cnn_Tensor4D:$output);
  let assemblyFormat = [{
    $input `output_size` $output_size attr-dict `:` type($input) `->` type($output)
  }];
}

#endif // CNN_POOL_OPS_TD

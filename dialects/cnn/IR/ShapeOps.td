//===- ShapeOps.td - cnn data movement ops -----------------*- tablegen -*-===//

#ifndef CNN_SHAPE_OPS_TD
#define CNN_SHAPE_OPS_TD

include "dialects/cnn/IR/CnnBase.td"
include "dialects/cnn/IR/CnnEnums.td"

//===----------------------------------------------------------------------===//
// concat
//===----------------------------------------------------------------------===//

def Cnn_ConcatOp : Cnn_Op<"concat", [SameOperandsAndResultElementType]> {
  let summary = "concatenate tensors along an axis";
  let description = [{
    Joins one or more tensors of equal rank along `axis` (negative counts
    from the end); all other dimensions must agree. Inception blocks join
    their branches along channels this way.

    ```mlir
    %y = cnn.concat %a, %b, %c axis 1
        : (tensor<1x64x28x28xf32>, tensor<1x128x28x28xf32>, tensor<1x32x28x28xf32>)
        -> tensor<1x224x28x28xf32>
    ```
  }];
  let arguments = (ins Variadic<Cnn_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $inputs `axis` $axis attr-dict `:` functional-type($inputs, results)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// flatten
//===----------------------------------------------------------------------===//

def Cnn_FlattenOp : Cnn_Op<"flatten", [SameOperandsAndResultElementType]> {
  let summary = "merge a range of dimensions into one";
  let description = [{
    Merges dimensions `start_dim` to `end_dim` (inclusive; negative values
    count from the end) into one, as `torch.flatten`. The defaults
    (`start_dim = 1`, `end_dim = -1`) are `nn.Flatten`'s: `[N, C, H, W]`
    becomes `[N, C * H * W]`.

    ```mlir
    %y = cnn.flatten %x : tensor<1x512x1x1xf32> -> tensor<1x512xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input,
                       DefaultValuedAttr<I64Attr, "1">:$start_dim,
                       DefaultValuedAttr<I64Attr, "-1">:$end_dim);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input (`start_dim` $start_dim^)? (`end_dim` $end_dim^)?
    attr-dict `:` type($input) `->` type($output)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

def Cnn_ReshapeOp : Cnn_Op<"reshape", [SameOperandsAndResultElementType]> {
  let summary = "reinterpret a tensor with a new shape";
  let description = [{
    Gives the elements (in row-major order) a new `shape`. One entry may be
    `-1`: it is inferred so that the element count is unchanged, as in
    `torch.reshape`.

    ```mlir
    %y = cnn.reshape %x to [1, -1] : tensor<1x256x6x6xf32> -> tensor<1x9216xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `to` $shape attr-dict `:` type($input) `->` type($output)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

def Cnn_TransposeOp : Cnn_Op<"transpose", [SameOperandsAndResultElementType]> {
  let summary = "permute dimensions";
  let description = [{
    Result dimension `i` is input dimension `perm[i]`; `perm` is a
    permutation of `[0, rank)`.

    ```mlir
    %y = cnn.transpose %x perm [0, 2, 3, 1]
        : tensor<1x64x56x56xf32> -> tensor<1x56x56x64xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `perm` $perm attr-dict `:` type($input) `->` type($output)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// pad
//===----------------------------------------------------------------------===//

def Cnn_PadOp : Cnn_Op<"pad", [SameOperandsAndResultElementType]> {
  let summary = "pad a tensor with a constant or by reflection";
  let description = [{
    `pads` holds `2 * rank` non-negative sizes in ONNX's order: the leading
    pads of every dimension, then the trailing ones
    (`[d0_begin, d1_begin, ..., d0_end, d1_end, ...]`).
    `mode = constant` fills with `value` (default 0); `reflect` mirrors the
    input without repeating the edge, so each pad must be smaller than its
    dimension.

    ```mlir
    %y = cnn.pad %x pads [0, 0, 3, 3, 0, 0, 3, 3] mode reflect
        : tensor<1x3x256x256xf32> -> tensor<1x3x262x262xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<Cnn_PadMode,
                           "::mlir::cnn::PadMode::Constant">:$mode,
                       DefaultValuedAttr<F32Attr, "0.0f">:$value);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $input `pads` $pads (`mode` $mode^)? (`value` $value^)?
    attr-dict `:` type($input) `->` type($output)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// upsample
//===----------------------------------------------------------------------===//

def Cnn_UpsampleOp : Cnn_Op<"upsample", [SameOperandsAndResultElementType]> {
  let summary = "nearest or bilinear upsampling of an NCHW tensor";
  let description = [{
    Resizes height and width, as PyTorch's `nn.Upsample`, given exactly one
    of `scale = [sh, sw]` (positive; output `floor(H * sh)`) or
    `size = [oh, ow]`. `align_corners` (bilinear only) maps the corner
    pixels of input and output onto each other.

    ```mlir
    %y = cnn.upsample %x nearest scale [2.0, 2.0]
        : tensor<1x256x13x13xf32> -> tensor<1x256x26x26xf32>
    %z = cnn.upsample %x bilinear size [64, 64] align_corners
        : tensor<1x256x13x13xf32> -> tensor<1x256x64x64xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor4D:$input, Cnn_UpsampleMode:$mode,
                       OptionalAttr<DenseF32ArrayAttr>:$scale,
                       OptionalAttr<DenseI64ArrayAttr>:$size,
                       UnitAttr:$align_corners);
  let results = (outs Cnn_Tensor4D:$output);
  let assemblyFormat = [{
    $input $mode (`scale` $scale^)? (`size` $size^)?
    (`align_corners` $align_corners^)?
    attr-dict `:` type($input) `->` type($output)
  }];
}

#endif // CNN_SHAPE_OPS_TD

//===- LossOps.td - cnn loss ops ---------------------------*- tablegen -*-===//

#ifndef CNN_LOSS_OPS_TD
#define CNN_LOSS_OPS_TD

include "dialects/cnn/IR/CnnBase.td"
include "dialects/cnn/IR/CnnEnums.td"

def Cnn_CrossEntropyOp : Cnn_Op<"cross_entropy"> {
  let summary = "softmax cross-entropy with integer class labels";
  let description = [{
    `-log(softmax(logits)[n, labels[n]])` for each sample of `[N, C]` logits
    and `[N]` integer labels in `[0, C)`, reduced over the batch by `mean`
    (default) or `sum` into a rank-0 tensor. Equal to PyTorch's
    `F.cross_entropy`.

    ```mlir
    %l = cnn.cross_entropy %logits, %labels
        : tensor<64x10xf32>, tensor<64xi64> -> tensor<f32>
    ```
  }];
  let arguments = (ins Cnn_Tensor2D:$logits, Cnn_LabelTensor:$labels,
                       DefaultValuedAttr<Cnn_Reduction,
                           "::mlir::cnn::Reduction::Mean">:$reduction);
  let results = (outs Cnn_Scalar:$loss);
  let assemblyFormat = [{
    $logits `,` $labels (`reduction` $reduction^)? attr-dict
    `:` type($logits) `,` type($labels) `->` type($loss)
  }];
}

def Cnn_MseOp : Cnn_Op<"mse", [AllTypesMatch<["input", "target"]>]> {
  let summary = "mean squared error";
  let description = [{
    `(input - target)^2` summed over all elements, divided by the element
    count for `mean` (default), as PyTorch's `F.mse_loss`. The result is a
    rank-0 tensor.

    ```mlir
    %l = cnn.mse %y, %t : tensor<8x1xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$input, Cnn_Tensor:$target,
                       DefaultValuedAttr<Cnn_Reduction,
                           "::mlir::cnn::Reduction::Mean">:$reduction);
  let results = (outs Cnn_Scalar:$loss);
  let assemblyFormat = [{
    $input `,` $target (`reduction` $reduction^)? attr-dict
    `:` type($input) `->` type($loss)
  }];
}

def Cnn_TripletLossOp : Cnn_Op<"triplet_loss"> {
  let summary = "triplet margin loss (FaceNet)";
  let description = [{
    The rows of `embeddings` are three equal blocks: anchors `a`, positives
    `p` and negatives `n`. The loss is the mean over triplets of
    `max(d(a, p) - d(a, n) + margin, 0)` with
    `d(x, y) = ||x - y + epsilon||_2`, as PyTorch's `TripletMarginLoss`
    (default margin 1, epsilon 1e-6).

    ```mlir
    %l = cnn.triplet_loss %e margin 2.000000e-01 : tensor<48x128xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Cnn_Tensor2D:$embeddings,
                       DefaultValuedAttr<F32Attr, "1.0f">:$margin,
                       DefaultValuedAttr<F32Attr, "1.0e-6f">:$epsilon);
  let results = (outs Cnn_Scalar:$loss);
  let assemblyFormat = [{
    $embeddings (`margin` $margin^)? (`epsilon` $epsilon^)? attr-dict
    `:` type($embeddings) `->` type($loss)
  }];
}

#endif // CNN_LOSS_OPS_TD

//===- ElementwiseOps.td - cnn binary elementwise ops ------*- tablegen -*-===//

#ifndef CNN_ELEMENTWISE_OPS_TD
#define CNN_ELEMENTWISE_OPS_TD

include "dialects/cnn/IR/CnnBase.td"

// A binary op with NumPy broadcasting: shapes are aligned at the trailing
// dimension and a dimension of size 1 stretches to the other's size.
class Cnn_BinaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : Cnn_Op<mnemonic, traits # [SameOperandsAndResultElementType]> {
  let summary = "elementwise " # formula # " with NumPy broadcasting";
  let description = [{
    Computes `}] # formula # [{` elementwise. The operand shapes broadcast as
    in NumPy: aligned at the trailing dimension, a size-1 dimension stretches,
    a missing leading dimension counts as 1.

    ```mlir
    %y = cnn.}] # mnemonic # [{ %a, %b
        : (tensor<1x64x56x56xf32>, tensor<1x64x1x1xf32>) -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins Cnn_Tensor:$lhs, Cnn_Tensor:$rhs);
  let results = (outs Cnn_Tensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Cnn_AddOp : Cnn_BinaryOp<"add", "lhs + rhs", [Commutative]>;
def Cnn_SubOp : Cnn_BinaryOp<"sub", "lhs - rhs">;
def Cnn_MulOp : Cnn_BinaryOp<"mul", "lhs * rhs", [Commutative]>;
def Cnn_DivOp : Cnn_BinaryOp<"div", "lhs / rhs">;

#endif // CNN_ELEMENTWISE_OPS_TD

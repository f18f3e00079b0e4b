//===- CnnInterfaces.td - cnn op interfaces ----------------*- tablegen -*-===//

#ifndef CNN_INTERFACES_TD
#define CNN_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Cnn_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::mlir::cnn";
  let description = [{
    An op that knows its gradient: given the gradients of the loss with
    respect to its results, it builds (with cnn ops, at the builder's
    insertion point) the gradients with respect to its operands.
    cnn-build-train-step runs it on every op of the forward graph in reverse
    order.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds the operand gradients from `resultGrads` (one per result, null
        for a result the loss does not depend on). Fills `operandGrads` with
        one value per operand, null for an operand that gets no gradient
        (integer labels, or an operand the gradient does not reach). Fails
        with a diagnostic when the op's configuration has no gradient yet.
      }],
      "::llvm::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ValueRange":$resultGrads,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>
  ];
}

#endif // CNN_INTERFACES_TD

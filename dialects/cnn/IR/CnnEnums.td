//===- CnnEnums.td - cnn dialect enums ---------------------*- tablegen -*-===//

#ifndef CNN_ENUMS_TD
#define CNN_ENUMS_TD

include "dialects/cnn/IR/CnnBase.td"

// Enums are integer attributes printed as keywords (`reflect`, `bilinear`).

def Cnn_PadMode : I32EnumAttr<"PadMode", "how cnn.pad fills the border", [
    I32EnumAttrCase<"Constant", 0, "constant">,
    I32EnumAttrCase<"Reflect", 1, "reflect">,
  ]> {
  let cppNamespace = "::mlir::cnn";
}

def Cnn_UpsampleMode : I32EnumAttr<"UpsampleMode", "interpolation of cnn.upsample", [
    I32EnumAttrCase<"Nearest", 0, "nearest">,
    I32EnumAttrCase<"Bilinear", 1, "bilinear">,
  ]> {
  let cppNamespace = "::mlir::cnn";
}

def Cnn_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "formula used by cnn.gelu", [
    I32EnumAttrCase<"None", 0, "none">,
    I32EnumAttrCase<"Tanh", 1, "tanh">,
  ]> {
  let cppNamespace = "::mlir::cnn";
}

def Cnn_Reduction : I32EnumAttr<"Reduction", "how a loss reduces over the batch", [
    I32EnumAttrCase<"Mean", 0, "mean">,
    I32EnumAttrCase<"Sum", 1, "sum">,
  ]> {
  let cppNamespace = "::mlir::cnn";
}

#endif // CNN_ENUMS_TD

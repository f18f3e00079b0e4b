//===- CnnBase.td - cnn dialect definition and shared constraints -*- tablegen -*-===//
//
// The `cnn` dialect describes convolutional networks at graph level: ops have
// value semantics on ranked tensors, image tensors are NCHW, and every op
// infers its result type from its operands and attributes.
//
//===----------------------------------------------------------------------===//

#ifndef CNN_BASE_TD
#define CNN_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Dialect
//===----------------------------------------------------------------------===//

def Cnn_Dialect : Dialect {
  let name = "cnn";
  let cppNamespace = "::mlir::cnn";
  let summary = "Graph-level operations of convolutional neural networks";
  let description = [{
    The `cnn` dialect is the graph-level representation of cnnc. Every op
    works on ranked tensors with value semantics. Image tensors are laid out
    NCHW (batch, channels, height, width); convolution filters are
    FCHW (PyTorch's `[out_channels, in_channels / groups, kh, kw]`).
    Element types are floating point (`f32` today; `f16` and `bf16` are
    accepted by the type constraints so that later precision work needs no
    new ops).

    Result types are inferred from operands and attributes: every op
    implements `InferTypeOpInterface`, with output-size formulas equal to
    PyTorch's. A result type may be less precise than the inferred one
    (dynamic dimensions); `cnn-infer-shapes` refines such types.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Cnn_Float : AnyTypeOf<[F32, F16, BF16]>;
def Cnn_Tensor : RankedTensorOf<[Cnn_Float]>;
def Cnn_Tensor1D : TensorRankOf<[Cnn_Float], [1]>;
def Cnn_Tensor2D : TensorRankOf<[Cnn_Float], [2]>;
def Cnn_Tensor4D : TensorRankOf<[Cnn_Float], [4]>;
def Cnn_Scalar : TensorRankOf<[Cnn_Float], [0]>;
def Cnn_LabelTensor : TensorRankOf<[I64, I32], [1]>;

//===----------------------------------------------------------------------===//
// Attribute shorthands
//===----------------------------------------------------------------------===//

// Attributes are plain dense arrays; their lengths and ranges are checked by
// each op's shape inference so that ops built in C++ get the same diagnostics
// as parsed ones.
class Cnn_I64ArrayDefault<string value> : DefaultValuedAttr<DenseI64ArrayAttr, value>;

//===----------------------------------------------------------------------===//
// Base op class
//===----------------------------------------------------------------------===//

// Every cnn op is side-effect free and infers its result types. Inferred
// types may be more precise than the declared ones (a declared dynamic
// dimension is compatible with any inferred size).
class Cnn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Cnn_Dialect, mnemonic,
         traits # [Pure, InferTypeOpAdaptorWithIsCompatible]> {
  let extraClassDefinition = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange lhs,
                                            ::mlir::TypeRange rhs) {
      return ::mlir::cnn::areCompatibleResultTypes(lhs, rhs);
    }
  }];
}

#endif // CNN_BASE_TD

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

// InferTypeOpAdaptor with two differences: inherent attributes are taken
// from the attribute dictionary when no properties are given (generic
// builders) and default-valued ones are filled in (parsers infer before the
// op exists, when they are still absent); and declared result types may be
// less precise than the inferred ones (a dynamic dimension is compatible with
// any size).
def Cnn_InferTypeOpAdaptor : TraitList<[
  DeclareOpInterfaceMethods<InferTypeOpInterface>,
  NativeOpTrait<"InferTypeOpAdaptor", [], [{
    static ::llvm::LogicalResult
    inferReturnTypes(::mlir::MLIRContext *context,
                     std::optional<::mlir::Location> location, Adaptor adaptor,
                     ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes);
    static bool isCompatibleReturnTypes(::mlir::TypeRange lhs,
                                        ::mlir::TypeRange rhs) {
      return ::mlir::cnn::areCompatibleResultTypes(lhs, rhs);
    }
  }], [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> location,
        ::mlir::ValueRange operands, ::mlir::DictionaryAttr attributes,
        ::mlir::OpaqueProperties properties, ::mlir::RegionRange regions,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes) {
      Properties props;
      ::mlir::OperationName name(getOperationName(), context);
      if (properties) {
        props = *properties.as<Properties *>();
      } else if (attributes && name.getOpPropertyByteSize() != 0 &&
                 ::mlir::failed(name.setOpPropertiesFromAttribute(
                     name, ::mlir::OpaqueProperties(&props), attributes,
                     [&] {
                       return ::mlir::emitError(location.value_or(
                           ::mlir::UnknownLoc::get(context)));
                     }))) {
        return ::mlir::failure();
      }
      populateDefaultProperties(
          name, props);
      $cppClass::Adaptor adaptor(operands, attributes, props, regions);
      return $cppClass::inferReturnTypes(context, location, adaptor,
                                         inferredReturnTypes);
    }
  }]>
]>;

// Every cnn op is side-effect free and infers its result types.
//
// The op's checks live in its inferReturnTypes, so that ops built in C++ and
// parsed ops are held to the same rules; the verifier runs that inference
// with the op's location, which reports the first problem as one error, then
// checks the declared result types against the inferred ones.
class Cnn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Cnn_Dialect, mnemonic, traits # [Pure, Cnn_InferTypeOpAdaptor]> {
  let hasVerifier = 1;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::verify() {
      ::llvm::SmallVector<::mlir::Type> inferred;
      if (::mlir::failed(inferReturnTypes(getContext(), getLoc(),
                                          Adaptor(*this), inferred)))
        return ::mlir::failure();
      return ::mlir::cnn::verifyResultTypes(getOperation(), inferred);
    }
  }];
}

#endif // CNN_BASE_TD

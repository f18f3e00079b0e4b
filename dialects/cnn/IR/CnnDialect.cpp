//===- CnnDialect.cpp - the cnn dialect -----------------------------------===//
//
// Dialect registration, the generated op, enum and attribute definitions, and
// the inference helpers shared by the op family files (Conv.cpp, Pool.cpp,
// ...).
//
//===----------------------------------------------------------------------===//

#include "dialects/cnn/IR/CnnDialect.h"
#include "dialects/cnn/IR/CnnOps.h"
#include "dialects/cnn/IR/InferUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/Format.h"

using namespace mlir;
using namespace mlir::cnn;

static_assert(shape::kDynamicSize == ShapedType::kDynamic,
              "shape helpers and MLIR disagree on the dynamic size marker");

#include "dialects/cnn/IR/CnnDialect.cpp.inc"
#include "dialects/cnn/IR/CnnEnums.cpp.inc"
#include "dialects/cnn/IR/CnnInterfaces.cpp.inc"

void CnnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/cnn/IR/CnnOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Inference helpers
//===----------------------------------------------------------------------===//

bool mlir::cnn::areCompatibleResultTypes(TypeRange inferred,
                                         TypeRange declared) {
  if (inferred.size() != declared.size())
    return false;
  for (auto [lhs, rhs] : llvm::zip_equal(inferred, declared)) {
    if (getElementTypeOrSelf(lhs) != getElementTypeOrSelf(rhs) ||
        failed(verifyCompatibleShape(lhs, rhs)))
      return false;
  }
  return true;
}

LogicalResult mlir::cnn::verifyResultTypes(Operation *op, TypeRange inferred) {
  if (areCompatibleResultTypes(inferred, op->getResultTypes()))
    return success();
  InFlightDiagnostic diag = op->emitOpError("result type ");
  llvm::interleaveComma(op->getResultTypes(), diag);
  diag << " does not match the inferred ";
  llvm::interleaveComma(inferred, diag);
  return diag;
}

namespace mlir::cnn::detail {

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string result;
  llvm::raw_string_ostream os(result);
  llvm::interleave(
      shape, os,
      [&](int64_t size) {
        if (shape::isDynamic(size))
          os << '?';
        else
          os << size;
      },
      "x");
  return result;
}

std::string floatString(double value) {
  std::string result;
  llvm::raw_string_ostream(result) << llvm::format("%g", value);
  return result;
}

FailureOr<RankedTensorType>
InferDiag::tensorOfRankAtLeast(Value value, StringRef name,
                               int64_t minRank) const {
  auto type =
      dyn_cast_or_null<RankedTensorType>(value ? value.getType() : Type());
  if (!type) {
    (void)error("expects '", name, "' to be a ranked tensor");
    return failure();
  }
  if (type.getRank() < minRank) {
    (void)error("expects '", name, "' of rank ", minRank, " or more, got ",
                type);
    return failure();
  }
  return type;
}

FailureOr<RankedTensorType> InferDiag::tensor(Value value, StringRef name,
                                              int64_t rank) const {
  FailureOr<RankedTensorType> type = tensorOfRankAtLeast(value, name, 0);
  if (succeeded(type) && type->getRank() != rank) {
    (void)error("expects '", name, "' of rank ", rank, ", got ", *type);
    return failure();
  }
  return type;
}

LogicalResult InferDiag::array(StringRef name, ArrayRef<int64_t> values,
                               size_t size, int64_t minValue) const {
  if (values.size() != size)
    return error("'", name, "' must have ", size, " elements, got ",
                 values.size());
  if (llvm::any_of(values, [&](int64_t v) { return v < minValue; }))
    return error("'", name, "' must be ",
                 minValue > 0 ? "positive" : "non-negative", ", got [", values,
                 "]");
  return success();
}

FailureOr<int64_t> InferDiag::axis(StringRef name, int64_t axis,
                                   int64_t rank) const {
  if (axis < -rank || axis >= rank) {
    (void)error("'", name, "' ", axis, " is out of range for rank ", rank);
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

LogicalResult
InferDiag::sameElementType(ArrayRef<RankedTensorType> types) const {
  for (RankedTensorType type : types.drop_front())
    if (type.getElementType() != types.front().getElementType())
      return error("expects operands of one element type, got ",
                   types.front().getElementType(), " and ",
                   type.getElementType());
  return success();
}

} // namespace mlir::cnn::detail

#define GET_OP_CLASSES
#include "dialects/cnn/IR/CnnOps.cpp.inc"

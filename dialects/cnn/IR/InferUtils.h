//===- InferUtils.h - helpers for cnn op shape inference --------*- C++ -*-===//
//
// Private to the dialect's op files: diagnostics and attribute checks shared
// by the inferReturnTypes implementations. Every check reports through the
// optional location so that builders (no location) fail quietly and the
// verifier (a location) gets one clear message naming the op.
//
//===----------------------------------------------------------------------===//

#ifndef CNN_IR_INFERUTILS_H
#define CNN_IR_INFERUTILS_H

#include "dialects/cnn/IR/CnnOps.h"
#include "dialects/cnn/IR/ShapeHelpers.h"

#include "mlir/IR/Diagnostics.h"

namespace mlir::cnn::detail {

class InferDiag {
public:
  InferDiag(std::optional<Location> loc, StringRef opName)
      : loc(loc), opName(opName) {}

  /// Reports "'cnn.<op>' op <args...>" at the location, if any.
  template <typename... Args> LogicalResult error(Args &&...args) const {
    return emitOptionalError(loc, "'", opName, "' op ",
                             std::forward<Args>(args)...);
  }

  /// The operand as a ranked tensor of exactly `rank` dimensions.
  FailureOr<RankedTensorType> tensor(Value value, StringRef name,
                                     int64_t rank) const;
  /// The operand as a ranked tensor of at least `minRank` dimensions.
  FailureOr<RankedTensorType> tensorOfRankAtLeast(Value value, StringRef name,
                                                  int64_t minRank) const;

  /// Checks an integer-array attribute: its length and that every element is
  /// at least `minValue`.
  LogicalResult array(StringRef name, ArrayRef<int64_t> values, size_t size,
                      int64_t minValue) const;

  /// Normalizes a possibly negative axis into [0, rank).
  FailureOr<int64_t> axis(StringRef name, int64_t axis, int64_t rank) const;

  /// Checks that the operands' element types match the first one's.
  LogicalResult sameElementType(ArrayRef<RankedTensorType> types) const;

private:
  std::optional<Location> loc;
  StringRef opName;
};

/// Renders a shape as "AxBx?" for diagnostics.
std::string shapeString(ArrayRef<int64_t> shape);

/// Renders a float attribute value as printf's %g does ("6", "-0.1").
std::string floatString(double value);

/// Two sizes are compatible when equal or when either is dynamic.
inline bool compatibleSize(int64_t a, int64_t b) {
  return a == b || shape::isDynamic(a) || shape::isDynamic(b);
}

} // namespace mlir::cnn::detail

#endif // CNN_IR_INFERUTILS_H

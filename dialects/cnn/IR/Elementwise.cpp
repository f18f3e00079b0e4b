//===- Elementwise.cpp - cnn binary ops: broadcasting and folds -----------===//

#include "dialects/cnn/IR/InferUtils.h"

#include "mlir/Dialect/Traits.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::cnn;
using namespace mlir::cnn::detail;

namespace {
/// NumPy broadcasting of the two operand shapes.
LogicalResult inferBroadcast(const InferDiag &diag, Value lhsValue,
                             Value rhsValue, SmallVectorImpl<Type> &results) {
  FailureOr<RankedTensorType> lhs =
      diag.tensorOfRankAtLeast(lhsValue, "lhs", 0);
  FailureOr<RankedTensorType> rhs =
      diag.tensorOfRankAtLeast(rhsValue, "rhs", 0);
  if (failed(lhs) || failed(rhs) || failed(diag.sameElementType({*lhs, *rhs})))
    return failure();
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(lhs->getShape(), rhs->getShape(),
                                          shape))
    return diag.error("operand shapes ", shapeString(lhs->getShape()), " and ",
                      shapeString(rhs->getShape()), " do not broadcast");
  results.push_back(RankedTensorType::get(shape, lhs->getElementType()));
  return success();
}

/// x op c -> x when c is the op's right identity and x already has the
/// result type (no broadcasting happens).
template <typename OpTy, typename Matcher>
OpFoldResult foldRightIdentity(OpTy op, Matcher identity) {
  if (op.getLhs().getType() == op.getType() &&
      matchPattern(op.getRhs(), identity))
    return op.getLhs();
  return {};
}
} // namespace

#define CNN_BINARY_INFER(OP)                                                   \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> l, \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    return inferBroadcast(InferDiag(l, getOperationName()), adaptor.getLhs(),  \
                          adaptor.getRhs(), results);                          \
  }

CNN_BINARY_INFER(AddOp)
CNN_BINARY_INFER(SubOp)
CNN_BINARY_INFER(MulOp)
CNN_BINARY_INFER(DivOp)
#undef CNN_BINARY_INFER

// Commutative ops have their constants moved to the right by the folder
// driver, so only the right operand needs matching.
OpFoldResult AddOp::fold(FoldAdaptor) {
  return foldRightIdentity(*this, m_AnyZeroFloat());
}
OpFoldResult SubOp::fold(FoldAdaptor) {
  return foldRightIdentity(*this, m_AnyZeroFloat());
}
OpFoldResult MulOp::fold(FoldAdaptor) {
  return foldRightIdentity(*this, m_OneFloat());
}
OpFoldResult DivOp::fold(FoldAdaptor) {
  return foldRightIdentity(*this, m_OneFloat());
}

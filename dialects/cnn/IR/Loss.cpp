//===- Loss.cpp - cnn loss ops: shape inference ---------------------------===//

#include "dialects/cnn/IR/InferUtils.h"

using namespace mlir;
using namespace mlir::cnn;
using namespace mlir::cnn::detail;

LogicalResult CrossEntropyOp::inferReturnTypes(MLIRContext *context,
                                               std::optional<Location> location,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> logits =
      diag.tensor(adaptor.getLogits(), "logits", 2);
  FailureOr<RankedTensorType> labels =
      diag.tensor(adaptor.getLabels(), "labels", 1);
  if (failed(logits) || failed(labels))
    return failure();
  if (!labels->getElementType().isSignlessInteger())
    return diag.error("expects integer labels, got ", labels->getElementType());
  if (!compatibleSize(logits->getDimSize(0), labels->getDimSize(0)))
    return diag.error("has ", labels->getDimSize(0), " labels for a batch of ",
                      logits->getDimSize(0));
  results.push_back(RankedTensorType::get({}, logits->getElementType()));
  return success();
}

LogicalResult MseOp::inferReturnTypes(MLIRContext *context,
                                      std::optional<Location> location,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 0);
  FailureOr<RankedTensorType> target =
      diag.tensorOfRankAtLeast(adaptor.getTarget(), "target", 0);
  if (failed(input) || failed(target))
    return failure();
  if (*input != *target)
    return diag.error("expects input and target of one type, got ", *input,
                      " and ", *target);
  results.push_back(RankedTensorType::get({}, input->getElementType()));
  return success();
}

LogicalResult TripletLossOp::inferReturnTypes(MLIRContext *context,
                                              std::optional<Location> location,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> e =
      diag.tensor(adaptor.getEmbeddings(), "embeddings", 2);
  if (failed(e))
    return failure();
  if (!shape::isDynamic(e->getDimSize(0)) && e->getDimSize(0) % 3)
    return diag.error("expects anchors, positives and negatives: a multiple "
                      "of 3 rows, got ",
                      e->getDimSize(0));
  results.push_back(RankedTensorType::get({}, e->getElementType()));
  return success();
}

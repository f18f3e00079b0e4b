//===- Shape.cpp - cnn data movement ops: inference, folds, patterns ------===//

#include "dialects/cnn/IR/InferUtils.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::cnn;
using namespace mlir::cnn::detail;

/// Product of sizes, dynamic if any is.
static int64_t product(ArrayRef<int64_t> sizes) {
  int64_t result = 1;
  for (int64_t size : sizes) {
    if (shape::isDynamic(size))
      return shape::kDynamicSize;
    result *= size;
  }
  return result;
}

//===----------------------------------------------------------------------===//
// ConcatOp
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return diag.error("expects at least one input");
  SmallVector<RankedTensorType> types;
  for (Value input : inputs) {
    FailureOr<RankedTensorType> type =
        diag.tensorOfRankAtLeast(input, "inputs", 1);
    if (failed(type))
      return failure();
    types.push_back(*type);
  }
  if (failed(diag.sameElementType(types)))
    return failure();
  int64_t rank = types.front().getRank();
  FailureOr<int64_t> axis = diag.axis("axis", adaptor.getAxis(), rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(types.front().getShape());
  shape[*axis] = 0;
  for (auto [index, type] : llvm::enumerate(types)) {
    if (type.getRank() != rank)
      return diag.error("input #", index, " has rank ", type.getRank(),
                        ", expected ", rank);
    for (int64_t d = 0; d < rank; ++d) {
      int64_t size = type.getDimSize(d);
      if (d == *axis) {
        shape[d] = (shape::isDynamic(size) || shape::isDynamic(shape[d]))
                       ? shape::kDynamicSize
                       : shape[d] + size;
        continue;
      }
      if (!compatibleSize(shape[d], size))
        return diag.error(
            "input #", index, " has shape ", shapeString(type.getShape()),
            ", which differs from input #0 (",
            shapeString(types.front().getShape()), ") in dimension ", d,
            " outside the concat axis ", *axis);
      if (shape::isDynamic(shape[d]))
        shape[d] = size;
    }
  }
  results.push_back(
      RankedTensorType::get(shape, types.front().getElementType()));
  return success();
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 && getInputs().front().getType() == getType())
    return getInputs().front();
  return {};
}

//===----------------------------------------------------------------------===//
// FlattenOp
//===----------------------------------------------------------------------===//

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 1);
  if (failed(input))
    return failure();
  int64_t rank = input->getRank();
  FailureOr<int64_t> start =
      diag.axis("start_dim", adaptor.getStartDim(), rank);
  FailureOr<int64_t> end = diag.axis("end_dim", adaptor.getEndDim(), rank);
  if (failed(start) || failed(end))
    return failure();
  if (*start > *end)
    return diag.error("'start_dim' (", *start, ") comes after 'end_dim' (",
                      *end, ")");
  ArrayRef<int64_t> in = input->getShape();
  SmallVector<int64_t> shape(in.take_front(*start));
  shape.push_back(product(in.slice(*start, *end - *start + 1)));
  llvm::append_range(shape, in.drop_front(*end + 1));
  results.push_back(RankedTensorType::get(shape, input->getElementType()));
  return success();
}

OpFoldResult FlattenOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 0);
  if (failed(input))
    return failure();
  ArrayRef<int64_t> target = adaptor.getShape();
  int64_t inferred = -1, known = 1;
  for (auto [index, size] : llvm::enumerate(target)) {
    if (size == -1) {
      if (inferred >= 0)
        return diag.error("'shape' may contain -1 only once, got [", target,
                          "]");
      inferred = index;
      continue;
    }
    if (size < 1)
      return diag.error("'shape' entries must be positive or -1, got [", target,
                        "]");
    known *= size;
  }
  int64_t count = product(input->getShape());
  SmallVector<int64_t> shape(target);
  if (inferred >= 0) {
    if (shape::isDynamic(count)) {
      shape[inferred] = shape::kDynamicSize;
    } else if (count % known != 0) {
      return diag.error("cannot reshape ", count, " elements into [", target,
                        "]");
    } else {
      shape[inferred] = count / known;
    }
  } else if (!shape::isDynamic(count) && count != known) {
    return diag.error("cannot reshape ", count, " elements into [", target,
                      "] (", known, " elements)");
  }
  results.push_back(RankedTensorType::get(shape, input->getElementType()));
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType() && getType().hasStaticShape())
    return getInput();
  return {};
}

namespace {
/// reshape(reshape(x)) and reshape(flatten(x)) -> reshape(x): the inner op
/// only reinterprets the shape, which the outer op replaces anyway.
struct ReshapeOfReshape final : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    Operation *producer = op.getInput().getDefiningOp();
    if (!isa_and_nonnull<ReshapeOp, FlattenOp>(producer))
      return rewriter.notifyMatchFailure(op, "input is not a reshape");
    rewriter.replaceOpWithNewOp<ReshapeOp>(
        op, op.getType(), producer->getOperand(0), op.getShapeAttr());
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<ReshapeOfReshape>(context);
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 0);
  if (failed(input))
    return failure();
  ArrayRef<int64_t> perm = adaptor.getPerm();
  int64_t rank = input->getRank();
  SmallVector<bool> seen(rank, false);
  bool valid = static_cast<int64_t>(perm.size()) == rank;
  for (int64_t p : perm) {
    if (!valid || p < 0 || p >= rank || seen[p]) {
      valid = false;
      break;
    }
    seen[p] = true;
  }
  if (!valid)
    return diag.error("'perm' [", perm, "] is not a permutation of the ", rank,
                      " input dimensions");
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(input->getDimSize(p));
  results.push_back(RankedTensorType::get(shape, input->getElementType()));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPerm();
  for (auto [index, p] : llvm::enumerate(perm))
    if (p != static_cast<int64_t>(index))
      return {};
  if (getInput().getType() != getType())
    return {};
  return getInput();
}

//===----------------------------------------------------------------------===//
// PadOp
//===----------------------------------------------------------------------===//

LogicalResult PadOp::inferReturnTypes(MLIRContext *context,
                                      std::optional<Location> location,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensorOfRankAtLeast(adaptor.getInput(), "input", 1);
  if (failed(input))
    return failure();
  int64_t rank = input->getRank();
  ArrayRef<int64_t> pads = adaptor.getPads();
  if (failed(diag.array("pads", pads, 2 * rank, 0)))
    return failure();
  bool reflect = adaptor.getMode() == PadMode::Reflect;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = input->getDimSize(d);
    int64_t before = pads[d], after = pads[d + rank];
    if (reflect && !shape::isDynamic(size) && (before >= size || after >= size))
      return diag.error("reflect padding [", before, ", ", after,
                        "] of dimension ", d, " must be smaller than its size ",
                        size);
    shape.push_back(shape::isDynamic(size) ? size : size + before + after);
  }
  results.push_back(RankedTensorType::get(shape, input->getElementType()));
  return success();
}

OpFoldResult PadOp::fold(FoldAdaptor) {
  if (llvm::all_of(getPads(), [](int64_t p) { return p == 0; }) &&
      getInput().getType() == getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// UpsampleOp
//===----------------------------------------------------------------------===//

LogicalResult UpsampleOp::inferReturnTypes(MLIRContext *context,
                                           std::optional<Location> location,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  InferDiag diag(location, getOperationName());
  FailureOr<RankedTensorType> input =
      diag.tensor(adaptor.getInput(), "input", 4);
  if (failed(input))
    return failure();
  std::optional<ArrayRef<float>> scale = adaptor.getScale();
  std::optional<ArrayRef<int64_t>> size = adaptor.getSize();
  if (scale.has_value() == size.has_value())
    return diag.error("expects exactly one of 'scale' and 'size'");
  if (adaptor.getAlignCorners() && adaptor.getMode() != UpsampleMode::Bilinear)
    return diag.error("'align_corners' applies to bilinear mode only");
  ArrayRef<int64_t> x = input->getShape();
  SmallVector<int64_t, 4> shape = {x[0], x[1]};
  if (size) {
    if (failed(diag.array("size", *size, 2, 1)))
      return failure();
    llvm::append_range(shape, *size);
  } else {
    if (scale->size() != 2)
      return diag.error("'scale' must have 2 elements, got ", scale->size());
    for (int i = 0; i < 2; ++i) {
      if (!((*scale)[i] > 0.0f))
        return diag.error("'scale' must be positive, got [",
                          floatString((*scale)[0]), ", ",
                          floatString((*scale)[1]), "]");
      int64_t out = shape::upsampleOutputSize(x[2 + i], (*scale)[i]);
      if (!shape::isDynamic(out) && out < 1)
        return diag.error("scale ", floatString((*scale)[i]),
                          " leaves an empty output");
      shape.push_back(out);
    }
  }
  results.push_back(RankedTensorType::get(shape, input->getElementType()));
  return success();
}

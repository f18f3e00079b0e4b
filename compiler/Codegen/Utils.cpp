//===- Utils.cpp - helpers shared by the codegen passes -------------------===//

#include "compiler/Codegen/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

linalg::GenericOp mlir::cnn::updateInPlace(RewriterBase &rewriter,
                                           linalg::GenericOp op,
                                           OpOperand *input) {
  OpOperand *init = op.getDpsInitOperand(0);
  if (op.getNumDpsInits() != 1 || op.payloadUsesValueFromOperand(init) ||
      input->get().getType() != init->get().getType() ||
      op.getMatchingIndexingMap(input) != op.getMatchingIndexingMap(init))
    return {};
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *other : op.getDpsInputOperands())
    if (other != input) {
      inputs.push_back(other->get());
      maps.push_back(op.getMatchingIndexingMap(other));
    }
  maps.push_back(op.getMatchingIndexingMap(init));
  rewriter.setInsertionPoint(op);
  auto updated = linalg::GenericOp::create(
      rewriter, op.getLoc(), op->getResultTypes(), inputs,
      ValueRange{input->get()}, maps, op.getIteratorTypesArray());
  Block &body = op.getRegion().front();
  SmallVector<Type> argTypes;
  for (Value v : inputs)
    argTypes.push_back(getElementTypeOrSelf(v.getType()));
  argTypes.push_back(getElementTypeOrSelf(input->get().getType()));
  SmallVector<Location> argLocs(argTypes.size(), op.getLoc());
  Block *newBody =
      rewriter.createBlock(&updated.getRegion(), {}, argTypes, argLocs);
  IRMapping mapping;
  unsigned next = 0;
  for (OpOperand *other : op.getDpsInputOperands())
    mapping.map(body.getArgument(other->getOperandNumber()),
                other == input ? newBody->getArguments().back()
                               : newBody->getArgument(next++));
  mapping.map(body.getArguments().back(), newBody->getArguments().back());
  rewriter.setInsertionPointToStart(newBody);
  for (Operation &inner : body)
    rewriter.clone(inner, mapping);
  rewriter.replaceOp(op, updated->getResults());
  return updated;
}

bool mlir::cnn::isElementwiseInit(Operation *op) {
  if (!isa_and_nonnull<linalg::FillOp, linalg::GenericOp>(op))
    return false;
  auto linalgOp = cast<linalg::LinalgOp>(op);
  return linalgOp.getNumLoops() == linalgOp.getNumParallelLoops() &&
         op->getNumResults() == 1 && !linalgOp.hasIndexSemantics();
}

bool mlir::cnn::isInPlaceEpilogue(linalg::GenericOp op, Value value) {
  if (op.getNumReductionLoops() != 0 || op.getNumResults() != 1 ||
      op.hasIndexSemantics() || op->getResult(0).getType() != value.getType())
    return false;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/true) ||
        ((operand.get() == value || op.isDpsInit(&operand)) &&
         !map.isIdentity()))
      return false;
  }
  return true;
}

void mlir::cnn::collapseGroupedInit(RewriterBase &b, Value init) {
  auto collapse = init.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || !collapse->hasOneUse())
    return;
  auto producer = collapse.getSrc().getDefiningOp<linalg::GenericOp>();
  if (!producer || !producer->hasOneUse() || !isElementwiseInit(producer) ||
      !producer.getIndexingMapsArray().back().isIdentity())
    return;
  SmallVector<ReassociationIndices> dims = collapse.getReassociationIndices();
  b.setInsertionPoint(producer);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(producer, dims, b);
  if (failed(collapsed))
    return;
  linalg::LinalgOp op = collapsed->collapsedOp;
  b.replaceOp(collapse, op->getResults());
  b.replaceOp(producer, collapsed->results);
  for (Value v : collapsed->results)
    if (Operation *reshape = v.getDefiningOp(); reshape && v.use_empty())
      b.eraseOp(reshape);
  // Its destination, a collapsed empty tensor, is an empty tensor.
  OpOperand *dest = op.getDpsInitOperand(0);
  if (auto reshape = dest->get().getDefiningOp<tensor::CollapseShapeOp>();
      reshape && reshape.getSrc().getDefiningOp<tensor::EmptyOp>()) {
    auto type = cast<RankedTensorType>(reshape.getType());
    b.setInsertionPoint(op);
    Value empty = tensor::EmptyOp::create(b, op.getLoc(), type.getShape(),
                                          type.getElementType());
    b.modifyOpInPlace(op, [&] { dest->set(empty); });
    Operation *source = reshape.getSrc().getDefiningOp();
    if (reshape->use_empty())
      b.eraseOp(reshape);
    if (source->use_empty())
      b.eraseOp(source);
  }
}

std::optional<mlir::cnn::StaticLoopBounds>
mlir::cnn::getStaticLoopBounds(scf::ForallOp loop) {
  std::optional<SmallVector<int64_t>> lbs =
      getConstantIntValues(loop.getMixedLowerBound());
  std::optional<SmallVector<int64_t>> ubs =
      getConstantIntValues(loop.getMixedUpperBound());
  std::optional<SmallVector<int64_t>> steps =
      getConstantIntValues(loop.getMixedStep());
  if (!lbs || !ubs || !steps)
    return std::nullopt;
  StaticLoopBounds bounds;
  bounds.lowerBounds = *lbs;
  bounds.steps = *steps;
  for (auto [lb, ub, step] : llvm::zip_equal(*lbs, *ubs, *steps)) {
    bounds.counts.push_back(
        std::max<int64_t>(0, llvm::divideCeilSigned(ub - lb, step)));
    bounds.iterations *= bounds.counts.back();
  }
  return bounds;
}

int64_t mlir::cnn::staticByteSize(ShapedType type) {
  return type.getNumElements() * type.getElementTypeBitWidth() / 8;
}

bool mlir::cnn::hasSetAliasedPixels(linalg::Conv2DNhwcHwcfOp op) {
  constexpr int64_t kL1WayBytes = 4096;
  auto input = cast<ShapedType>(op.getDpsInputs()[0].getType());
  if (input.isDynamicDim(3) || !input.getElementType().isIntOrFloat())
    return false;
  int64_t elemBytes = input.getElementType().getIntOrFloatBitWidth() / 8;
  if (elemBytes == 0)
    return false;
  int64_t stride = op.getStrides().getValues<int64_t>()[1];
  return input.getDimSize(3) * stride * elemBytes % kL1WayBytes == 0;
}

bool mlir::cnn::hasWideConvTiles(linalg::Conv2DNhwcHwcfOp op, int64_t width) {
  constexpr int64_t kMaxFilterBlockBytes = 512 * 1024;
  auto filter = cast<ShapedType>(op.getDpsInputs()[1].getType());
  auto output = cast<ShapedType>(op.getDpsInits()[0].getType());
  if (width < 16 || !filter.hasStaticShape() || output.isDynamicDim(2) ||
      output.getDimSize(2) % 7 != 0)
    return false;
  bool pointwise = filter.getDimSize(0) == 1 && filter.getDimSize(1) == 1;
  if (!pointwise && !hasSetAliasedPixels(op))
    return false;
  int64_t elemBytes = filter.getElementType().getIntOrFloatBitWidth() / 8;
  ArrayRef<int64_t> hwcf = filter.getShape();
  return hwcf[0] * hwcf[1] * hwcf[2] * 4 * width * elemBytes <=
         kMaxFilterBlockBytes;
}

bool mlir::cnn::hasVectorAndHalfLanes(int64_t channels, int64_t width) {
  return width >= 16 && 2 * channels == 3 * width;
}

Value mlir::cnn::affineIndex(OpBuilder &b, Location loc, Value index,
                             int64_t scale, int64_t offset) {
  Value v = index;
  if (scale != 1)
    v = arith::MulIOp::create(b, loc, v,
                              arith::ConstantIndexOp::create(b, loc, scale));
  if (offset != 0)
    v = arith::AddIOp::create(b, loc, v,
                              arith::ConstantIndexOp::create(b, loc, offset));
  return v;
}

void mlir::cnn::unshareFill(RewriterBase &rewriter, linalg::LinalgOp op) {
  OpOperand &init = op.getDpsInitsMutable()[0];
  auto fill = init.get().getDefiningOp<linalg::FillOp>();
  if (!fill || fill->hasOneUse())
    return;
  rewriter.setInsertionPoint(op);
  IRMapping mapping;
  if (Operation *empty = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
    mapping.map(empty->getResult(0), rewriter.clone(*empty)->getResult(0));
  Operation *clone = rewriter.clone(*fill, mapping);
  rewriter.modifyOpInPlace(op, [&] { init.set(clone->getResult(0)); });
}

//===- PropagateTransposes.cpp - cancel layout transposes -----------------===//
//
// Convolutions and pools are lowered in NHWC between transposes; this pass
// moves those transposes into the indexing maps of the elementwise generics
// around them, so that chains of layers stay in NHWC. Two rewrites do most
// of it: a transpose feeding a generic becomes a permuted input map, and a
// transpose to NHWC of a parallel generic's result becomes the generic
// computing NHWC directly. Concatenations and constant pads move a
// transpose to NHWC to their operands. Only transposes to NHWC are pulled
// into their producers, which keeps the rewrites from undoing each other.
// Last, a result that an elementwise layer gathers from NHWC into NCHW is
// computed in NHWC and transposed once (see returnFromNhwc).
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_PROPAGATETRANSPOSESPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// The map from a transpose's input indices to its result indices.
AffineMap transposeMap(linalg::TransposeOp op) {
  return AffineMap::getPermutationMap(op.getPermutation(), op.getContext());
}

/// `value` transposed by `perm` (result dimension i is `value`'s perm[i]),
/// into a new empty tensor.
Value transposed(OpBuilder &b, Location loc, Value value,
                 ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(value.getType());
  Value init = tensor::EmptyOp::create(
      b, loc, applyPermutation(type.getShape(), perm), type.getElementType());
  return linalg::TransposeOp::create(b, loc, value, init, perm).getResult()[0];
}

/// Whether `op` transposes NCHW to NHWC.
bool isToNhwc(linalg::TransposeOp op) {
  return op.getPermutation() == ArrayRef<int64_t>{0, 2, 3, 1};
}

/// A transpose feeding a generic: the generic reads the transpose's input
/// through the composed map instead.
struct FoldTransposeIntoGenericInput final
    : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<Value> inputs = op.getInputs();
    bool changed = false;
    for (auto [i, input] : llvm::enumerate(inputs)) {
      auto transpose = input.getDefiningOp<linalg::TransposeOp>();
      if (!transpose)
        continue;
      // Reading t at M(d), with t = P(x), reads x at P^-1(M(d)).
      maps[i] = inversePermutation(transposeMap(transpose)).compose(maps[i]);
      input = transpose.getInput();
      changed = true;
    }
    if (!changed)
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputsMutable().assign(inputs);
      op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    });
    return success();
  }
};

/// A transpose to NHWC of a parallel generic's only result: the generic
/// computes the transposed result, iterating in its order; other users read
/// the new result through the inverse transpose.
struct FoldNhwcTransposeIntoProducer final
    : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    if (!isToNhwc(op))
      return failure();
    auto producer = op.getInput().getDefiningOp<linalg::GenericOp>();
    if (!producer || producer.getNumResults() != 1 ||
        producer.getNumReductionLoops() != 0 || producer.hasIndexSemantics())
      return failure();
    OpOperand *init = producer.getDpsInitOperand(0);
    AffineMap outMap = producer.getMatchingIndexingMap(init);
    if (!outMap.isPermutation() || producer.payloadUsesValueFromOperand(init))
      return failure();

    // New iteration e = P(O(d)), so d = (P o O)^-1 (e).
    AffineMap toNew = transposeMap(op).compose(outMap);
    AffineMap fromNew = inversePermutation(toNew);
    SmallVector<AffineMap> maps;
    for (OpOperand *input : producer.getDpsInputOperands())
      maps.push_back(producer.getMatchingIndexingMap(input).compose(fromNew));
    auto type = cast<RankedTensorType>(op.getResult()[0].getType());
    maps.push_back(rewriter.getMultiDimIdentityMap(type.getRank()));

    // At the producer: its other users, which may come before the
    // transpose, read the new result.
    Location loc = producer.getLoc();
    rewriter.setInsertionPointAfter(producer);
    Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                          type.getElementType());
    SmallVector<utils::IteratorType> iterators(type.getRank(),
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(rewriter, loc, TypeRange{type},
                                             producer.getInputs(),
                                             ValueRange{empty}, maps, iterators);
    rewriter.inlineRegionBefore(producer.getRegion(), generic.getRegion(),
                                generic.getRegion().begin());
    Value result = generic.getResult(0);
    rewriter.replaceOp(op, result);
    if (!producer->use_empty()) {
      Value restored = transposed(rewriter, loc, result,
                                  invertPermutationVector(op.getPermutation()));
      rewriter.replaceOp(producer, restored);
    } else {
      rewriter.eraseOp(producer);
    }
    return success();
  }
};

/// A transpose to NHWC of a concatenation (a chain of insert_slices into an
/// empty tensor, as concat lowers): the concatenation is built in NHWC from
/// the transposed parts. Those transposes then fold into the parts'
/// producers, so an inception block's branches write NHWC straight into
/// their channel range and the consumers of the concatenation read it
/// without a transpose.
struct ConcatInNhwc final : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    if (!isToNhwc(op))
      return failure();
    ArrayRef<int64_t> perm = op.getPermutation();
    // The chain, last insert first; every link but the last has no other
    // use.
    SmallVector<tensor::InsertSliceOp> chain;
    Value value = op.getInput();
    while (auto insert = value.getDefiningOp<tensor::InsertSliceOp>()) {
      if (!chain.empty() && !value.hasOneUse())
        return failure();
      if (insert.getSourceType().getRank() != 4 ||
          !insert.hasUnitStride() ||
          ShapedType::isDynamicShape(insert.getStaticOffsets()) ||
          ShapedType::isDynamicShape(insert.getStaticSizes()))
        return failure();
      chain.push_back(insert);
      value = insert.getDest();
    }
    if (chain.empty() || !value.getDefiningOp<tensor::EmptyOp>())
      return failure();

    Location loc = op.getLoc();
    auto permuted = [&](ArrayRef<int64_t> v) {
      return applyPermutation(v, perm);
    };
    auto type = cast<RankedTensorType>(op.getResult()[0].getType());
    Value dest = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                         type.getElementType());
    SmallVector<OpFoldResult> ones(4, rewriter.getIndexAttr(1));
    for (tensor::InsertSliceOp insert : llvm::reverse(chain)) {
      Value source = transposed(rewriter, loc, insert.getSource(), perm);
      dest = tensor::InsertSliceOp::create(
          rewriter, loc, source, dest,
          getAsIndexOpFoldResult(getContext(),
                                 permuted(insert.getStaticOffsets())),
          getAsIndexOpFoldResult(getContext(),
                                 permuted(insert.getStaticSizes())),
          ones);
    }
    rewriter.replaceOp(op, dest);
    return success();
  }
};

/// A transpose to NHWC of a constant pad (an explicit padding layer, as in
/// TensorFlow's 'same' padding at stride 2): the pad runs in NHWC, its low
/// and high amounts permuted, on the transposed source, whose transpose then
/// folds into the source's producer. The layer before and the convolution
/// after it then meet in NHWC, with no transpose of the padded activation
/// either way.
struct PadInNhwc final : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    if (!isToNhwc(op))
      return failure();
    ArrayRef<int64_t> perm = op.getPermutation();
    auto pad = op.getInput().getDefiningOp<tensor::PadOp>();
    if (!pad || !pad->hasOneUse() || !pad.getConstantPaddingValue() ||
        !pad.getSourceType().hasStaticShape())
      return failure();
    Value source = transposed(rewriter, pad.getLoc(), pad.getSource(), perm);
    rewriter.replaceOpWithNewOp<tensor::PadOp>(
        op, op.getResult()[0].getType(), source,
        applyPermutation(pad.getMixedLowPad(), perm),
        applyPermutation(pad.getMixedHighPad(), perm),
        pad.getConstantPaddingValue(), pad.getNofold());
    return success();
  }
};

/// transpose(transpose(x)) is one transpose, or x.
struct ComposeTransposes final : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<linalg::TransposeOp>();
    if (!inner)
      return failure();
    // Result dim i is inner's dim perm[i], which is x's dim
    // innerPerm[perm[i]].
    SmallVector<int64_t> perm;
    for (int64_t d : op.getPermutation())
      perm.push_back(inner.getPermutation()[d]);
    if (isIdentityPermutation(perm)) {
      rewriter.replaceOp(op, inner.getInput());
      return success();
    }
    rewriter.replaceOpWithNewOp<linalg::TransposeOp>(op, inner.getInput(),
                                                     op.getInit(), perm);
    return success();
  }
};

/// Whether `op` is a parallel generic with one rank-4 result in its own
/// (NCHW) order that reads every operand of its rank in NHWC, at
/// (d0, d2, d3, d1), and any others along fewer dimensions (a bias along
/// the channels): an elementwise layer (an activation) that gathers NHWC
/// inputs into an NCHW result. One that also reads an operand in order (a
/// residual add of an NCHW input) would only move the gather to that
/// operand.
bool gathersIntoNchw(linalg::GenericOp op) {
  if (op.getNumResults() != 1 || op.getNumReductionLoops() != 0 ||
      op.hasIndexSemantics() || op.getNumLoops() != 4 ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() ||
      op.payloadUsesValueFromOperand(op.getDpsInitOperand(0)))
    return false;
  AffineMap nhwc = AffineMap::getPermutationMap(ArrayRef<unsigned>{0, 2, 3, 1},
                                                op.getContext());
  bool gathers = false;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (map.getNumResults() != 4)
      continue;
    if (map != nhwc)
      return false;
    gathers = true;
  }
  return gathers;
}

/// A model's NCHW result computed by an elementwise layer that gathers its
/// NHWC input (an activation after the last convolution) is computed in
/// NHWC instead, and transposed to NCHW once, by a `linalg.transpose` that
/// cnn-cpu-tile-and-vectorize tiles and threads. The layer then reads its
/// input in order, so it can become the convolution's epilogue, where it
/// gathered every element from its own cache line (1.66 ms for a 56x56x256
/// ReLU, against 0.93 ms for the 64 -> 256 convolution before it). Only
/// the returned layer itself: in a chain of activations (ReLU6, then
/// hardswish) the first still gathers, as cnn-fuse-elementwise merges the
/// chain only later. Returns whether it rewrote anything.
bool returnFromNhwc(func::FuncOp func) {
  bool changed = false;
  // A value returned twice gets one pair of transposes.
  llvm::DenseMap<Value, Value> rewritten;
  func.walk([&](func::ReturnOp ret) {
    for (OpOperand &operand : ret->getOpOperands()) {
      if (Value done = rewritten.lookup(operand.get())) {
        operand.set(done);
        continue;
      }
      auto producer = operand.get().getDefiningOp<linalg::GenericOp>();
      if (!producer || !gathersIntoNchw(producer))
        continue;
      OpBuilder b(ret);
      Location loc = producer.getLoc();
      Value nhwc = transposed(b, loc, operand.get(), {0, 2, 3, 1});
      Value nchw = transposed(b, loc, nhwc, {0, 3, 1, 2});
      rewritten[operand.get()] = nchw;
      operand.set(nchw);
      changed = true;
    }
  });
  return changed;
}

struct PropagateTransposesPass final
    : cnn::impl::PropagateTransposesPassBase<PropagateTransposesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldTransposeIntoGenericInput, FoldNhwcTransposeIntoProducer,
                 ConcatInNhwc, PadInNhwc, ComposeTransposes>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // The NHWC transposes added before the results fold into their
    // producers alone: composed with the NCHW ones after them first, they
    // would cancel.
    if (!returnFromNhwc(getOperation()))
      return;
    RewritePatternSet fold(&getContext());
    fold.add<FoldNhwcTransposeIntoProducer>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(fold))))
      return signalPassFailure();
  }
};

} // namespace

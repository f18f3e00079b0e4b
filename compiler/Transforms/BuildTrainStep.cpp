//===- BuildTrainStep.cpp - forward, loss, backward and update ------------===//
//
// Builds @train_step from @forward (after cnn-outline-weights): the forward
// graph in training form, the loss, the backward graph through each op's
// DifferentiableOpInterface, and one fused optimizer update per parameter.
// The weights and the optimizer state are flat buffers in and out, so that
// the whole model state is two arrays the library owns.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/FlatBuffer.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_BUILDTRAINSTEPPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;
using namespace mlir::cnn;

namespace {

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// The layer an op came from, for diagnostics.
std::string layerOf(Operation *op) {
  if (auto named = dyn_cast<NameLoc>(op->getLoc()))
    return " in layer '" + named.getName().str() + "'";
  return "";
}

/// A 1-D slice [offset, offset + size) of a flat buffer.
Value flatSlice(OpBuilder &b, Location loc, Value buffer, int64_t offset,
                int64_t size) {
  return viewOfFlat(
      b, loc, buffer, offset,
      RankedTensorType::get({size}, tensorType(buffer).getElementType()));
}

/// `v` collapsed to one dimension (rank 0 and 1 included).
Value flatten(OpBuilder &b, Location loc, Value v) {
  RankedTensorType type = tensorType(v);
  if (type.getRank() == 1)
    return v;
  auto flat =
      RankedTensorType::get({type.getNumElements()}, type.getElementType());
  if (type.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, flat, v,
                                         ArrayRef<ReassociationIndices>{});
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  return tensor::CollapseShapeOp::create(b, loc, flat, v,
                                         ArrayRef<ReassociationIndices>{all});
}

/// The rank-0 tensor holding element `index` of a rank-1 tensor.
Value element(OpBuilder &b, Location loc, Value vector, int64_t index) {
  Value one = flatSlice(b, loc, vector, index, 1);
  auto scalar = RankedTensorType::get({}, tensorType(one).getElementType());
  return tensor::CollapseShapeOp::create(b, loc, scalar, one,
                                         ArrayRef<ReassociationIndices>{});
}

/// The weight a value views: the offset of its extract_slice of the weights
/// argument, through an optional expand_shape.
std::optional<int64_t> weightOffset(Value v, Value weights) {
  if (auto expand = v.getDefiningOp<tensor::ExpandShapeOp>())
    v = expand.getSrc();
  auto slice = v.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || slice.getSource() != weights)
    return std::nullopt;
  return slice.getStaticOffsets()[0];
}

struct BuildTrainStepPass final
    : cnn::impl::BuildTrainStepPassBase<BuildTrainStepPass> {
  using BuildTrainStepPassBase::BuildTrainStepPassBase;

  void runOnOperation() override {
    if (failed(build()))
      signalPassFailure();
  }

  LogicalResult build();
};

LogicalResult BuildTrainStepPass::build() {
  ModuleOp module = getOperation();
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  auto layout = module->getAttrOfType<ArrayAttr>("cnn.weights");
  auto weightsSize = module->getAttrOfType<IntegerAttr>("cnn.weights_size");
  if (!forward || forward.isExternal() || !layout || !weightsSize)
    return module.emitError("cnn-build-train-step needs a 'forward' function "
                            "with outlined weights (cnn-outline-weights)");
  if (forward.getNumArguments() != 2 || forward.getNumResults() != 1)
    return forward.emitError("training needs a model with one input and one "
                             "output, this one has ")
           << forward.getNumArguments() - 1 << " and "
           << forward.getNumResults();
  if (loss != "cross_entropy" && loss != "mse" && loss != "triplet")
    return module.emitError("unknown loss '")
           << loss << "' (expected cross_entropy, mse or triplet)";
  bool adam = optimizer == "adam" || optimizer == "adamw";
  if (!adam && optimizer != "sgd" && optimizer != "sgd-momentum")
    return module.emitError("unknown optimizer '")
           << optimizer << "' (expected sgd, sgd-momentum, adam or adamw)";

  MLIRContext *context = &getContext();
  OpBuilder b(context);
  Location loc = forward.getLoc();
  auto output = cast<RankedTensorType>(forward.getResultTypes()[0]);
  if (loss == "cross_entropy" && output.getRank() != 2)
    return forward.emitError("cross_entropy needs [N, classes] logits, the "
                             "model's output is ")
           << output;
  if (loss == "triplet" &&
      (output.getRank() != 2 || output.getDimSize(0) % 3 != 0))
    return forward.emitError("triplet needs [3N, D] embeddings (anchors, "
                             "positives, negatives), the model's output is ")
           << output;
  Type f32 = b.getF32Type();
  int64_t slots = adam ? 2 : 1;
  auto wType = cast<RankedTensorType>(forward.getArgumentTypes()[0]);
  auto stateType = RankedTensorType::get({wType.getDimSize(0) * slots}, f32);
  Type targetType =
      loss == "mse" ? Type(output)
                    : RankedTensorType::get({output.getDimSize(0)},
                                            b.getI64Type());
  auto hyperType = RankedTensorType::get({2}, f32);
  auto scalarType = RankedTensorType::get({}, f32);

  b.setInsertionPointAfter(forward);
  auto step = func::FuncOp::create(
      b, loc, "train_step",
      b.getFunctionType({wType, stateType, forward.getArgumentTypes()[1],
                         targetType, hyperType},
                        {scalarType, wType, stateType}));
  Block *body = step.addEntryBlock();
  Value weights = body->getArgument(0), state = body->getArgument(1);
  b.setInsertionPointToStart(body);

  Value lr = element(b, loc, body->getArgument(4), 0);
  Value stepNumber = element(b, loc, body->getArgument(4), 1);

  // The forward graph, with batch norms computing batch statistics and
  // dropout dropping.
  IRMapping mapping;
  int64_t dropouts = 0;
  mapping.map(forward.getArgument(0), weights);
  mapping.map(forward.getArgument(1), body->getArgument(2));
  llvm::MapVector<int64_t, Value> newStatistics;
  for (Operation &op : forward.getBody().front().without_terminator()) {
    if (auto dropout = dyn_cast<DropoutOp>(op)) {
      if (dropout.getRate().convertToFloat() == 0.0f) {
        mapping.map(dropout.getResult(), mapping.lookup(dropout.getInput()));
        continue;
      }
      // Each dropout gets its own stream: the seed and its index.
      auto train = DropoutTrainOp::create(
          b, dropout.getLoc(),
          ValueRange{mapping.lookup(dropout.getInput()), stepNumber},
          {b.getNamedAttr("rate", dropout.getRateAttr()),
           b.getNamedAttr("seed",
                          b.getI64IntegerAttr(static_cast<int64_t>(
                              seed * 0x9E3779B97F4A7C15ull + dropouts++)))});
      mapping.map(dropout.getResult(), train.getOutput());
      continue;
    }
    auto bn = dyn_cast<BatchNormOp>(op);
    if (!bn) {
      b.clone(op, mapping);
      continue;
    }
    float momentum = 0.1f;
    if (auto attr = bn->getAttrOfType<FloatAttr>("momentum"))
      momentum = attr.getValueAsDouble();
    auto train = BatchNormTrainOp::create(
        b, bn.getLoc(),
        ValueRange{mapping.lookup(bn.getInput()), mapping.lookup(bn.getScale()),
                   mapping.lookup(bn.getBias()), mapping.lookup(bn.getMean()),
                   mapping.lookup(bn.getVariance())},
        {b.getNamedAttr("epsilon", bn.getEpsilonAttr()),
         b.getNamedAttr("momentum", b.getF32FloatAttr(momentum))});
    mapping.map(bn.getResult(), train.getOutput());
    std::optional<int64_t> mean =
        weightOffset(mapping.lookup(bn.getMean()), weights);
    std::optional<int64_t> var =
        weightOffset(mapping.lookup(bn.getVariance()), weights);
    if (mean)
      newStatistics[*mean] = train.getNewRunningMean();
    if (var)
      newStatistics[*var] = train.getNewRunningVar();
  }
  Value prediction = mapping.lookup(
      forward.getBody().front().getTerminator()->getOperand(0));
  Value target = body->getArgument(3);
  Value lossValue;
  if (loss == "mse")
    lossValue = MseOp::create(b, loc, ValueRange{prediction, target});
  else if (loss == "triplet")
    lossValue = TripletLossOp::create(b, loc, ValueRange{prediction});
  else
    lossValue = CrossEntropyOp::create(b, loc, ValueRange{prediction, target});

  // The backward graph: every op in reverse order, once all of its results'
  // uses have contributed their gradients.
  SmallVector<Operation *> ops;
  for (Operation &op : *body)
    ops.push_back(&op);
  DenseMap<Value, Value> grads;
  auto accumulate = [&](Value value, Value grad) {
    auto [it, inserted] = grads.try_emplace(value, grad);
    if (!inserted)
      it->second = AddOp::create(b, grad.getLoc(), ValueRange{it->second, grad});
  };
  grads[lossValue] = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(scalarType, b.getF32FloatAttr(1.0f)));
  llvm::MapVector<int64_t, Value> weightGrads;
  for (Operation *op : llvm::reverse(ops)) {
    SmallVector<Value> resultGrads;
    bool any = false;
    for (Value r : op->getResults()) {
      resultGrads.push_back(grads.lookup(r));
      any |= bool(resultGrads.back());
    }
    // Constants (scalar operands of elementwise ops) are not trained.
    if (!any || op->hasTrait<OpTrait::ConstantLike>())
      continue;
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op);
        slice && slice.getSource() == weights) {
      weightGrads[slice.getStaticOffsets()[0]] = resultGrads[0];
      continue;
    }
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
      accumulate(expand.getSrc(),
                 tensor::CollapseShapeOp::create(
                     b, expand.getLoc(), expand.getSrcType(), resultGrads[0],
                     expand.getReassociationIndices()));
      continue;
    }
    auto differentiable = dyn_cast<DifferentiableOpInterface>(op);
    if (!differentiable)
      return op->emitError("'") << op->getName() << "'" << layerOf(op)
                                << " has no gradient";
    // Results the loss does not reach get a zero gradient only where the op
    // needs one (none of today's ops do: they ignore null result gradients
    // of statistics).
    SmallVector<Value> operandGrads;
    if (failed(differentiable.buildGradients(b, resultGrads, operandGrads)))
      return failure();
    for (auto [operand, grad] : llvm::zip_equal(op->getOperands(),
                                                operandGrads))
      if (grad)
        accumulate(operand, grad);
  }

  // The updates: parameters with a gradient through the optimizer, running
  // statistics replaced, everything else kept.
  Value newWeights = weights, newState = state;
  auto insert = [&](Value into, Value flat, int64_t offset) -> Value {
    int64_t size = tensorType(flat).getDimSize(0);
    return tensor::InsertSliceOp::create(
        b, loc, flat, into, ArrayRef<OpFoldResult>{b.getIndexAttr(offset)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(size)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  };
  int64_t trainable = 0;
  for (Attribute entry : layout) {
    auto dict = cast<DictionaryAttr>(entry);
    int64_t offset = cast<IntegerAttr>(dict.get("offset")).getInt();
    ArrayRef<int64_t> shape =
        cast<DenseI64ArrayAttr>(dict.get("shape")).asArrayRef();
    int64_t size = 1;
    for (int64_t d : shape)
      size *= d;
    if (Value stat = newStatistics.lookup(offset)) {
      newWeights = insert(newWeights, flatten(b, loc, stat), offset);
      continue;
    }
    Value grad = weightGrads.lookup(offset);
    if (!grad)
      continue;
    trainable += size;
    Value param = flatSlice(b, loc, weights, offset, size);
    grad = flatten(b, loc, grad);
    Value first = flatSlice(b, loc, state, offset, size);
    if (adam) {
      Value second = flatSlice(b, loc, state, wType.getDimSize(0) + offset, size);
      SmallVector<NamedAttribute> attrs = {
          b.getNamedAttr("beta1", b.getF32FloatAttr(beta1)),
          b.getNamedAttr("beta2", b.getF32FloatAttr(beta2)),
          b.getNamedAttr("epsilon", b.getF32FloatAttr(epsilon)),
          b.getNamedAttr("weight_decay", b.getF32FloatAttr(weightDecay))};
      if (optimizer == "adamw")
        attrs.push_back(b.getNamedAttr("decoupled", b.getUnitAttr()));
      auto update = AdamUpdateOp::create(
          b, loc, ValueRange{param, grad, first, second, lr, stepNumber},
          attrs);
      newWeights = insert(newWeights, update.getNewParam(), offset);
      newState = insert(newState, update.getNewExpAvg(), offset);
      newState = insert(newState, update.getNewExpAvgSq(),
                        wType.getDimSize(0) + offset);
      continue;
    }
    SmallVector<NamedAttribute> attrs = {
        b.getNamedAttr("momentum", b.getF32FloatAttr(
                                       optimizer == "sgd" ? 0.0 : momentum)),
        b.getNamedAttr("weight_decay", b.getF32FloatAttr(weightDecay))};
    if (nesterov)
      attrs.push_back(b.getNamedAttr("nesterov", b.getUnitAttr()));
    auto update = SgdUpdateOp::create(b, loc, ValueRange{param, grad, first, lr},
                                      attrs);
    newWeights = insert(newWeights, update.getNewParam(), offset);
    newState = insert(newState, update.getNewMomentumBuffer(), offset);
  }
  func::ReturnOp::create(b, loc, ValueRange{lossValue, newWeights, newState});

  module->setAttr(
      "cnn.train",
      b.getDictionaryAttr(
          {b.getNamedAttr("loss", b.getStringAttr(loss)),
           b.getNamedAttr("optimizer", b.getStringAttr(optimizer)),
           b.getNamedAttr("lr", b.getF32FloatAttr(learningRate)),
           b.getNamedAttr("state_size",
                          b.getI64IntegerAttr(stateType.getDimSize(0))),
           b.getNamedAttr("parameters", b.getI64IntegerAttr(trainable))}));
  return success();
}

} // namespace

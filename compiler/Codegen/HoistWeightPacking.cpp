//===- HoistWeightPacking.cpp - weight-only work runs once, at load -------===//
//
// After lowering, `forward` rearranges its weights on every call: filters
// transposed into the layout the convolution kernels read, batch norm
// folded into them. That work depends on the weights alone, so it moves to
// a function `forward_prepare(weights) -> (packed values...)` that the
// library calls once when an instance is created, with each result in place
// in one packed buffer; `forward` then reads every weight from that buffer
// (its new first argument), and the raw buffer can be freed.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"
#include "compiler/Transforms/FlatBuffer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_HOISTWEIGHTPACKINGPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// Packed weights start at multiples of 16 floats (64 bytes).
constexpr int64_t kAlignment = 16;

/// The elements of the statically shaped tensors among `values`.
int64_t numElements(ValueRange values) {
  int64_t n = 0;
  for (Value v : values)
    if (auto type = dyn_cast<RankedTensorType>(v.getType());
        type && type.hasStaticShape())
      n += type.getNumElements();
  return n;
}

/// Whether `op` only spreads its inputs over a larger result, computing
/// nothing: a fill, or a bias broadcast over a layer's output, which the
/// layer's register tiles then take as their initial value at no cost. An
/// op that computes while it expands, such as cnn-winograd's filter
/// transform (25 positions from a stride-2 layer's 4 taps), is packed: at
/// run time it was a pass of its own on every call.
bool onlyBroadcasts(linalg::LinalgOp op) {
  if (numElements(op->getResults()) <= numElements(op.getDpsInputs()))
    return false;
  // The body yields its inputs' elements as they are.
  Block *body = op.getBlock();
  Operation *yield = body->getTerminator();
  return &body->front() == yield &&
         llvm::all_of(yield->getOperands(), [&](Value v) {
           auto arg = dyn_cast<BlockArgument>(v);
           return arg && arg.getOwner() == body &&
                  arg.getArgNumber() < op.getNumDpsInputs();
         });
}

struct HoistWeightPackingPass final
    : cnn::impl::HoistWeightPackingPassBase<HoistWeightPackingPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>("forward");
    if (!func || func.isExternal() || !module->hasAttr("cnn.weights") ||
        func.getNumArguments() == 0)
      return;
    Value weights = func.getArgument(0);
    Block &body = func.getBody().front();

    // Values computable from the weights and constants alone, and among
    // them those that depend on the weights.
    DenseSet<Value> weightOnly, derived;
    DenseSet<Operation *> weightOnlyOps;
    weightOnly.insert(weights);
    derived.insert(weights);
    for (Operation &op : body.without_terminator()) {
      bool movable = isMemoryEffectFree(&op) ||
                     (isa<linalg::LinalgOp>(op) &&
                      cast<linalg::LinalgOp>(op).hasPureTensorSemantics());
      if (!movable)
        continue;
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(op.getRegions(), captured);
      SmallVector<Value> inputs(op.getOperands());
      inputs.append(captured.begin(), captured.end());
      if (!llvm::all_of(inputs, [&](Value v) { return weightOnly.count(v); }))
        continue;
      // Broadcasts (a bias spread over an output) stay at run time: packed,
      // they would cost more memory than they save work.
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
          linalgOp && onlyBroadcasts(linalgOp))
        continue;
      weightOnlyOps.insert(&op);
      bool fromWeights =
          llvm::any_of(inputs, [&](Value v) { return derived.count(v); });
      for (Value r : op.getResults()) {
        weightOnly.insert(r);
        if (fromWeights)
          derived.insert(r);
      }
    }

    // Leaves: weight-derived values that run-time work uses.
    SmallVector<Value> leaves;
    auto usedAtRunTime = [&](Value v) {
      return llvm::any_of(v.getUsers(), [&](Operation *user) {
        return !weightOnlyOps.count(user);
      });
    };
    if (usedAtRunTime(weights))
      leaves.push_back(weights);
    for (Operation &op : body.without_terminator())
      if (weightOnlyOps.count(&op))
        for (Value r : op.getResults())
          if (derived.count(r) && usedAtRunTime(r))
            leaves.push_back(r);
    for (Value leaf : leaves) {
      auto type = dyn_cast<RankedTensorType>(leaf.getType());
      if (!type || !type.hasStaticShape() || !type.getElementType().isF32()) {
        func.emitError("cnn-hoist-weight-packing: a weight value of type ")
            << leaf.getType() << " cannot be packed";
        return signalPassFailure();
      }
    }

    // The packed layout.
    SmallVector<int64_t> offsets;
    int64_t size = 0;
    for (Value leaf : leaves) {
      int64_t offset = llvm::alignTo(size, kAlignment);
      offsets.push_back(offset);
      size = offset + cast<RankedTensorType>(leaf.getType()).getNumElements();
    }
    size = std::max<int64_t>(size, 1);
    MLIRContext *context = &getContext();
    OpBuilder b(context);
    auto packedType = RankedTensorType::get({size}, b.getF32Type());

    // forward_prepare: the weight-only ops the leaves need, then the leaves
    // copied into the packed buffer.
    DenseSet<Operation *> needed;
    SmallVector<Operation *> worklist;
    for (Value leaf : leaves)
      if (Operation *def = leaf.getDefiningOp())
        worklist.push_back(def);
    while (!worklist.empty()) {
      Operation *op = worklist.pop_back_val();
      if (!weightOnlyOps.count(op) || !needed.insert(op).second)
        continue;
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(op->getRegions(), captured);
      for (Value v : llvm::concat<Value>(op->getOperands(), captured))
        if (Operation *def = v.getDefiningOp())
          worklist.push_back(def);
    }
    // One result per leaf (the library passes pointers into the packed
    // buffer): no chain of inserts for bufferization to analyse.
    Location loc = func.getLoc();
    b.setInsertionPoint(func);
    SmallVector<Type> leafTypes =
        llvm::map_to_vector(leaves, [](Value v) { return v.getType(); });
    auto prepare = func::FuncOp::create(
        b, loc, "forward_prepare",
        b.getFunctionType({weights.getType()}, leafTypes));
    Block *entry = prepare.addEntryBlock();
    b.setInsertionPointToStart(entry);
    IRMapping mapping;
    mapping.map(weights, entry->getArgument(0));
    for (Operation &op : body.without_terminator())
      if (needed.count(&op))
        b.clone(op, mapping);
    SmallVector<Value> results;
    for (Value leaf : leaves) {
      Value value = mapping.lookup(leaf);
      // A view of the argument cannot be returned in place: copy it.
      if (!value.getDefiningOp<linalg::LinalgOp>()) {
        auto type = cast<RankedTensorType>(leaf.getType());
        Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                             type.getElementType());
        value = linalg::CopyOp::create(b, loc, value, init).getResult(0);
      }
      results.push_back(value);
    }
    func::ReturnOp::create(b, loc, results);

    // forward reads the packed buffer, its new first argument.
    // It keeps the raw buffer's argument attributes (read-only for
    // bufferization: every inference shares it).
    if (failed(func.insertArgument(0, packedType, func.getArgAttrDict(0),
                                   loc)))
      return signalPassFailure();
    Value packedArg = func.getArgument(0);
    b.setInsertionPointToStart(&body);
    for (auto [leaf, offset] : llvm::zip_equal(leaves, offsets)) {
      Value view = cnn::viewOfFlat(b, leaf.getLoc(), packedArg, offset,
                                   cast<RankedTensorType>(leaf.getType()));
      leaf.replaceUsesWithIf(view, [&](OpOperand &use) {
        return !weightOnlyOps.count(use.getOwner());
      });
    }
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
      if (weightOnlyOps.count(&op) && op.use_empty())
        op.erase();
    if (!func.getArgument(1).use_empty()) {
      func.emitError("cnn-hoist-weight-packing: weights still in use");
      return signalPassFailure();
    }
    if (failed(func.eraseArgument(1)))
      return signalPassFailure();
    module->setAttr("cnn.packed_weights_size", b.getI64IntegerAttr(size));
    module->setAttr("cnn.packed_weights", b.getDenseI64ArrayAttr(offsets));
  }
};

} // namespace

//===- InferShapes.cpp - refine cnn result types --------------------------===//
//
// Shape inference over a whole module: each cnn op's result type is replaced
// by the type its InferTypeOpInterface computes from its operands, in program
// order, so refinements flow from the model inputs to its outputs. Builders
// already give precise types; this pass serves IR written with dynamic
// dimensions (hand-written tests, or importers that leave sizes open).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_INFERSHAPESPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;
using namespace mlir::cnn;

namespace {

/// Re-infers the result types of `op` from its current operands. Returns
/// failure when inference rejects the operands (already reported).
LogicalResult refineOp(InferTypeOpInterface op) {
  SmallVector<Type> inferred;
  Operation *operation = op.getOperation();
  if (failed(op.inferReturnTypes(operation->getContext(), operation->getLoc(),
                                 operation->getOperands(),
                                 operation->getAttrDictionary(),
                                 operation->getPropertiesStorage(),
                                 operation->getRegions(), inferred)))
    return failure();

  OpBuilder builder(operation->getContext());
  for (auto [result, type] :
       llvm::zip_equal(operation->getResults(), inferred)) {
    Type old = result.getType();
    if (old == type)
      continue;
    result.setType(type);
    // Users outside the cnn dialect (other than func.return, handled per
    // function) keep seeing the old type.
    for (OpOperand &use : llvm::make_early_inc_range(result.getUses())) {
      Operation *user = use.getOwner();
      if (isa<CnnDialect>(user->getDialect()) || isa<func::ReturnOp>(user))
        continue;
      builder.setInsertionPoint(user);
      auto cast = tensor::CastOp::create(builder, user->getLoc(), old, result);
      use.set(cast);
    }
  }
  return success();
}

struct InferShapesPass final : cnn::impl::InferShapesPassBase<InferShapesPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      WalkResult walk = func.walk([](Operation *op) {
        auto infer = dyn_cast<InferTypeOpInterface>(op);
        if (!infer || !isa<CnnDialect>(op->getDialect()))
          return WalkResult::advance();
        return failed(refineOp(infer)) ? WalkResult::interrupt()
                                       : WalkResult::advance();
      });
      if (walk.wasInterrupted())
        return signalPassFailure();

      // Functions return what their bodies now compute.
      if (func.isExternal())
        continue;
      auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
      auto type = func.getFunctionType();
      func.setType(FunctionType::get(&getContext(), type.getInputs(),
                                     ret.getOperandTypes()));
    }
  }
};

} // namespace

//===- OutlineWeights.cpp - weights as one runtime buffer -----------------===//
//
// A model library should not carry its weights in its code: they are loaded
// from the safetensors file when an instance is created. This pass gives the
// model function one leading argument, the flat weights buffer, and replaces
// each weight constant by a view of it; the layout (name, offset, shape per
// weight) goes on the module for the library generator.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "compiler/Transforms/FlatBuffer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_OUTLINEWEIGHTSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;
using namespace mlir::cnn;

namespace {

/// Weights start at multiples of 16 floats: 64-byte aligned for vector loads.
constexpr int64_t kAlignment = 16;

struct OutlineWeightsPass final
    : cnn::impl::OutlineWeightsPassBase<OutlineWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>("forward");
    if (!func || func.isExternal())
      return;

    SmallVector<arith::ConstantOp> weights;
    func.walk([&](arith::ConstantOp op) {
      auto attr = dyn_cast<DenseResourceElementsAttr>(op.getValue());
      if (attr && attr.getElementType().isF32())
        weights.push_back(op);
    });

    MLIRContext *context = &getContext();
    OpBuilder b(context);
    SmallVector<Attribute> layout;
    int64_t size = 0;
    SmallVector<std::pair<arith::ConstantOp, int64_t>> placed;
    for (arith::ConstantOp op : weights) {
      auto attr = cast<DenseResourceElementsAttr>(op.getValue());
      auto type = cast<RankedTensorType>(attr.getType());
      int64_t offset = llvm::alignTo(size, kAlignment);
      size = offset + type.getNumElements();
      placed.emplace_back(op, offset);
      layout.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("name", b.getStringAttr(attr.getRawHandle().getKey())),
           b.getNamedAttr("offset", b.getI64IntegerAttr(offset)),
           b.getNamedAttr("shape", b.getDenseI64ArrayAttr(type.getShape()))}));
    }
    module->setAttr("cnn.weights", b.getArrayAttr(layout));
    module->setAttr("cnn.weights_size", b.getI64IntegerAttr(size));

    // The buffer is the first argument (at least one element, so that the
    // signature does not depend on whether the model has weights).
    auto bufferType =
        RankedTensorType::get({std::max<int64_t>(size, 1)}, b.getF32Type());
    if (failed(func.insertArgument(0, bufferType, {}, func.getLoc())))
      return signalPassFailure();
    Value buffer = func.getArgument(0);
    for (auto [op, offset] : placed) {
      auto type = cast<RankedTensorType>(op.getType());
      b.setInsertionPoint(op);
      Value view = viewOfFlat(b, op.getLoc(), buffer, offset, type);
      op.replaceAllUsesWith(view);
      op.erase();
    }
  }
};

} // namespace

Value mlir::cnn::viewOfFlat(OpBuilder &b, Location loc, Value buffer,
                            int64_t offset, RankedTensorType type) {
  Value flat = tensor::ExtractSliceOp::create(
      b, loc, buffer, ArrayRef<OpFoldResult>{b.getIndexAttr(offset)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(type.getNumElements())},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  if (type.getRank() == 1)
    return flat;
  SmallVector<ReassociationIndices> all;
  if (type.getRank() > 0)
    all.emplace_back(llvm::to_vector(llvm::seq<int64_t>(0, type.getRank())));
  return tensor::ExpandShapeOp::create(b, loc, type, flat, all);
}

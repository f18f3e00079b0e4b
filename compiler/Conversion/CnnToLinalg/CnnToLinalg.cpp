//===- CnnToLinalg.cpp - the convert-cnn-to-linalg pass -------------------===//

#include "compiler/Conversion/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_CONVERTCNNTOLINALGPASS
#include "compiler/Conversion/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;
using namespace mlir::cnn;

namespace {

/// Why `op` cannot be lowered, or nothing. The patterns need static shapes
/// (checked here once, not in each pattern);
/// training-mode dropout belongs to the training pipeline.
std::optional<std::string> unsupportedReason(Operation *op) {
  auto isStatic = [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return !shaped || shaped.hasStaticShape();
  };
  if (!llvm::all_of(op->getOperandTypes(), isStatic) ||
      !llvm::all_of(op->getResultTypes(), isStatic))
    return std::string("dynamic shapes are not supported");
  if (auto dropout = dyn_cast<DropoutOp>(op); dropout && dropout.getTraining())
    return std::string("training-mode dropout needs the training pipeline");
  return std::nullopt;
}

struct ConvertCnnToLinalgPass final
    : cnn::impl::ConvertCnnToLinalgPassBase<ConvertCnnToLinalgPass> {
  void runOnOperation() override {
    // Report every op that cannot be lowered at once, with its layer.
    SmallVector<std::pair<Operation *, std::string>> unsupported;
    getOperation()->walk([&](Operation *op) {
      if (isa<CnnDialect>(op->getDialect()))
        if (std::optional<std::string> reason = unsupportedReason(op))
          unsupported.emplace_back(op, *reason);
    });
    if (!unsupported.empty()) {
      InFlightDiagnostic diag = emitError(getOperation()->getLoc())
                                << unsupported.size()
                                << " op(s) cannot be lowered to code:";
      for (auto &[op, reason] : unsupported) {
        std::string layer;
        if (auto named = dyn_cast<NameLoc>(op->getLoc()))
          layer = " in layer '" + named.getName().str() + "'";
        diag << "\n  " << op->getName() << layer << ": " << reason;
      }
      return signalPassFailure();
    }

    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    populateConvToLinalgPatterns(patterns);
    populatePoolToLinalgPatterns(patterns);
    populateNormToLinalgPatterns(patterns);
    populateActivationToLinalgPatterns(patterns);
    populateElementwiseToLinalgPatterns(patterns);
    populateShapeToLinalgPatterns(patterns);
    populateLossToLinalgPatterns(patterns);
    populateTrainingToLinalgPatterns(patterns);
    populateConvGradientAsConvPatterns(patterns);

    ConversionTarget target(*context);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    target.addIllegalDialect<CnnDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

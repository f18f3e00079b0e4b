//===- LowerVectors.cpp - vector ops to FMAs, loads and stores ------------===//
//
// The lowering that follows cnn-cpu-tile-and-vectorize once buffers exist:
// contractions become outer products and FMAs, unit dimensions go, and
// transfers become unrolled 1-D loads and stores.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_LOWERVECTORSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

struct LowerVectorsPass final
    : cnn::impl::LowerVectorsPassBase<LowerVectorsPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    Operation *func = getOperation();

    RewritePatternSet contract(context);
    vector::populateVectorContractLoweringPatterns(
        contract, vector::VectorContractLowering::OuterProduct);
    vector::populateVectorOuterProductLoweringPatterns(contract);
    vector::populateCastAwayVectorLeadingOneDimPatterns(contract);
    if (failed(applyPatternsGreedily(func, std::move(contract))))
      return signalPassFailure();

    RewritePatternSet transfers(context);
    vector::populateVectorTransferPermutationMapLoweringPatterns(transfers);
    vector::populateVectorTransferLoweringPatterns(transfers,
                                                   /*maxTransferRank=*/1);
    populateVectorToSCFConversionPatterns(
        transfers,
        VectorTransferToSCFOptions().enableFullUnroll().setTargetRank(1));
    for (RegisteredOperationName name : context->getRegisteredOperations())
      name.getCanonicalizationPatterns(transfers, context);
    if (failed(applyPatternsGreedily(func, std::move(transfers))))
      return signalPassFailure();
  }
};

} // namespace

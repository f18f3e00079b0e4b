//===- LowerVectors.cpp - vector ops to FMAs, loads and stores ------------===//
//
// The lowering that follows cnn-cpu-tile-and-vectorize once buffers exist:
// contractions become outer products and FMAs, unit dimensions go, and
// transfers become unrolled 1-D loads and stores. Fills left outside the
// register tiles (a padded buffer's border) become loops of stores of whole
// rows.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_LOWERVECTORSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// Rows of at most this many elements are stored as one vector.
constexpr int64_t kMaxRowElements = 4096;

/// A fill of a static memref whose innermost dimension is contiguous: loops
/// over the outer dimensions around one vector store of a whole row.
/// convert-linalg-to-loops would store scalars, and LLVM, unrolling the
/// short innermost loop (a pixel's channels), would then vectorize the loop
/// over pixels into scatters.
struct FillToRowStores final : OpRewritePattern<linalg::FillOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::FillOp fill,
                                PatternRewriter &rewriter) const override {
    if (!fill.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(fill, "not on a buffer");
    Value dest = fill.getOutputs()[0];
    auto type = cast<MemRefType>(dest.getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    if (type.getRank() == 0 || !type.hasStaticShape() ||
        failed(type.getStridesAndOffset(strides, offset)) ||
        strides.back() != 1 || type.getShape().back() > kMaxRowElements ||
        !VectorType::isValidElementType(type.getElementType()))
      return rewriter.notifyMatchFailure(fill, "not static rows");
    Location loc = fill.getLoc();
    Value row = vector::BroadcastOp::create(
        rewriter, loc,
        VectorType::get({type.getShape().back()}, type.getElementType()),
        fill.getInputs()[0]);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    SmallVector<Value> lower, upper, steps;
    for (int64_t size : type.getShape().drop_back()) {
      lower.push_back(zero);
      upper.push_back(arith::ConstantIndexOp::create(rewriter, loc, size));
      steps.push_back(one);
    }
    scf::buildLoopNest(rewriter, loc, lower, upper, steps,
                       [&](OpBuilder &b, Location loc, ValueRange ivs) {
                         SmallVector<Value> indices(ivs);
                         indices.push_back(zero);
                         vector::StoreOp::create(b, loc, row, dest, indices);
                       });
    rewriter.eraseOp(fill);
    return success();
  }
};

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
    transfers.add<FillToRowStores>(context);
    for (RegisteredOperationName name : context->getRegisteredOperations())
      name.getCanonicalizationPatterns(transfers, context);
    if (failed(applyPatternsGreedily(func, std::move(transfers))))
      return signalPassFailure();
  }
};

} // namespace

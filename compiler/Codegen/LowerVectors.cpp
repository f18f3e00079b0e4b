//===- LowerVectors.cpp - vector ops to FMAs, loads and stores ------------===//
//
// The lowering that follows cnn-cpu-tile-and-vectorize once buffers exist:
// contractions become outer products and FMAs, unit dimensions go, and
// transfers become unrolled 1-D loads and stores. A read that transposes
// (a tile of linalg.transpose) becomes a read in the memory's order, whole
// vectors along the innermost dimension, and one shuffle. A max pool's
// vector maximum becomes a compare and select that keeps NaNs.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <numeric>

namespace mlir::cnn {
#define GEN_PASS_DEF_LOWERVECTORSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// A transfer_read whose vector dimensions are memory dimensions out of
/// order, `(d0, d1, d2, d3) -> (d3, d1)` into vector<16x3xf32>, becomes a
/// read in memory order, `(d1, d3)` into vector<3x16xf32> (one load per
/// row when d3 is the innermost dimension), and a vector.transpose.
/// Upstream's permutation lowering only takes permutations of the innermost
/// dimensions, and the 1-D unrolling that follows would read such a tile
/// one element at a time.
struct ReadInMemoryOrder final : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    AffineMap map = read.getPermutationMap();
    if (read.getMask() || !map.isProjectedPermutation() ||
        llvm::any_of(read.getInBoundsValues(), [](bool b) { return !b; }))
      return failure();
    SmallVector<unsigned> dims;
    for (AffineExpr e : map.getResults())
      dims.push_back(cast<AffineDimExpr>(e).getPosition());
    if (llvm::is_sorted(dims))
      return failure();
    // order[i]: the vector dimension that holds the i-th dimension read.
    SmallVector<int64_t> order(dims.size());
    std::iota(order.begin(), order.end(), 0);
    llvm::sort(order, [&](int64_t a, int64_t b) { return dims[a] < dims[b]; });
    VectorType type = read.getVectorType();
    SmallVector<int64_t> shape;
    SmallVector<AffineExpr> sorted;
    for (int64_t i : order) {
      shape.push_back(type.getDimSize(i));
      sorted.push_back(map.getResult(i));
    }
    auto inOrderType = VectorType::get(shape, type.getElementType());
    Value inOrder = vector::TransferReadOp::create(
        rewriter, read.getLoc(), inOrderType, read.getBase(), read.getIndices(),
        AffineMapAttr::get(
            AffineMap::get(map.getNumDims(), 0, sorted, read.getContext())),
        read.getPadding(), /*mask=*/Value(),
        rewriter.getBoolArrayAttr(SmallVector<bool>(shape.size(), true)));
    // Vector dimension j of the result is dimension position(j) read.
    SmallVector<int64_t> permutation(order.size());
    for (auto [position, i] : llvm::enumerate(order))
      permutation[i] = position;
    rewriter.replaceOpWithNewOp<vector::TransposeOp>(read, inOrder,
                                                     permutation);
    return success();
  }
};

/// `arith.maximumf` of two vectors neither of which is a constant (a max
/// pool's window) becomes a compare and select, and a second compare that
/// puts back a NaN of either operand (their sum): three instructions per
/// vector on x86 (LLVM makes the compare and select one `vmaxps`; then
/// `vcmpunordps` and a masked `vaddps`), where it expands maximumf into
/// six, two of them to order +0 above -0. Only the sign of a zero maximum may
/// differ (max(+0, -0) is -0), as it does in PyTorch's pooling. A maximum with
/// a constant (ReLU's 0, a clip's bound) stays: LLVM makes it one `vmaxps`.
struct MaximumAsSelect final : OpRewritePattern<arith::MaximumFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::MaximumFOp op,
                                PatternRewriter &rewriter) const override {
    Value a = op.getLhs(), b = op.getRhs();
    if (!isa<VectorType>(op.getType()) || matchPattern(a, m_Constant()) ||
        matchPattern(b, m_Constant()))
      return failure();
    Location loc = op.getLoc();
    Value greater =
        arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGT, a, b);
    Value larger = arith::SelectOp::create(rewriter, loc, greater, a, b);
    Value unordered =
        arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::UNO, a, b);
    Value nan = arith::AddFOp::create(rewriter, loc, a, b);
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, unordered, nan, larger);
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

    RewritePatternSet transposes(context);
    transposes.add<ReadInMemoryOrder>(context);
    // Its tile is then written whole where memory is contiguous: 16 pixels
    // x 3 channels as one vector<48xf32>, not 16 stores of 3. Only rows
    // narrower than a 128-bit vector: besides such transposes, only the
    // register tiles of layers with fewer than four output channels (a
    // segmentation head of two classes) have them.
    vector::populateFlattenVectorTransferPatterns(transposes,
                                                  /*targetVectorBitwidth=*/127);
    vector::populateVectorTransposeLoweringPatterns(
        transposes, vector::VectorTransposeLowering::Shuffle1D);
    if (failed(applyPatternsGreedily(func, std::move(transposes))))
      return signalPassFailure();

    RewritePatternSet transfers(context);
    vector::populateVectorTransferPermutationMapLoweringPatterns(transfers);
    vector::populateVectorTransferLoweringPatterns(transfers,
                                                   /*maxTransferRank=*/1);
    populateVectorToSCFConversionPatterns(
        transfers,
        VectorTransferToSCFOptions().enableFullUnroll().setTargetRank(1));
    transfers.add<MaximumAsSelect>(context);
    for (RegisteredOperationName name : context->getRegisteredOperations())
      name.getCanonicalizationPatterns(transfers, context);
    if (failed(applyPatternsGreedily(func, std::move(transfers))))
      return signalPassFailure();
  }
};

} // namespace

//===- DecomposePads.cpp - padded buffers filled by their producers -------===//
//
// A `tensor.pad` bufferizes into a new buffer, a fill of the padding value
// and a strided copy of the source into its interior: one more pass over
// every padded activation. Rewritten as a fill of the padded tensor and an
// insert_slice of the source, the copy can vanish: eliminate-empty-tensors
// then lets the op producing the source write straight into the interior of
// the padded buffer.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_DECOMPOSEPADSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// Upstream's decomposition, for pads whose source has no other use. A
/// source used elsewhere as well (a model output, say) would become a view
/// of the padded buffer, and the buffer passes expect returned buffers to
/// be allocations of their own.
struct DecomposeSoleUsePad final : linalg::DecomposePadOpPattern {
  using DecomposePadOpPattern::DecomposePadOpPattern;
  LogicalResult matchAndRewrite(tensor::PadOp pad,
                                PatternRewriter &rewriter) const override {
    if (!pad.getSource().hasOneUse())
      return rewriter.notifyMatchFailure(pad, "the source has other uses");
    return DecomposePadOpPattern::matchAndRewrite(pad, rewriter);
  }
};

struct DecomposePadsPass final
    : cnn::impl::DecomposePadsPassBase<DecomposePadsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeSoleUsePad>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

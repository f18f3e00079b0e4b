//===- PerSample.cpp - whether a batch runs one sample at a time ----------===//
//
// An inference model whose layers never mix the samples of a batch can run
// a batch of N as N runs of its batch-1 code. Each layer's activations are
// then an Nth of the batch's, so a block of layers works in cache where the
// whole batch's activations stream through memory; but every weight is read
// once per sample instead of once per batch. At batch 8 on one thread
// (alternating runs of the two libraries): MobileNet-v2 (14 MB of weights)
// ran 14% faster one sample at a time, GoogLeNet (27 MB) 5%, Inception-v3
// (95 MB) 6%, ResNet-18 (47 MB) the same, ResNet-50 (102 MB) 7% slower.
// Models of at most 32 MiB of weights run one sample at a time.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/Pipelines.h"

#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace mlir::cnn;

namespace {

/// Above this many bytes of weights, reading them once per sample can cost
/// more than the batch's activations do.
constexpr int64_t kMaxWeightBytes = 32 << 20;

bool leadingDimIs(Type type, int64_t n) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  return ranked && ranked.getRank() >= 1 && ranked.getDimSize(0) == n;
}

/// Whether `axis` (negative counts from the end) of `value` may be its
/// first (an unranked value may be).
bool isLeading(int64_t axis, Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return !type || (axis < 0 ? axis + type.getRank() : axis) == 0;
}

/// Whether `op` computes each sample of its result from the same sample of
/// its operands (weights aside), given that they all lead with the batch.
bool isPerSample(Operation *op) {
  if (auto softmax = dyn_cast<SoftmaxOp>(op))
    return !isLeading(softmax.getAxis(), softmax.getInput());
  if (auto softmax = dyn_cast<LogSoftmaxOp>(op))
    return !isLeading(softmax.getAxis(), softmax.getInput());
  if (auto normalize = dyn_cast<L2NormalizeOp>(op))
    return !isLeading(normalize.getAxis(), normalize.getInput());
  if (auto transpose = dyn_cast<TransposeOp>(op))
    return !transpose.getPerm().empty() && transpose.getPerm()[0] == 0;
  // Concatenation, padding and reshapes that keep the batch leading in
  // every operand and the result (checked by the caller) keep each sample
  // whole.
  return isa<ReluOp, SigmoidOp, TanhOp, SiluOp, HardSwishOp, LeakyReluOp,
             ClipOp, HardSigmoidOp, GeluOp, Conv2DOp, ConvTranspose2DOp,
             DenseOp, AddOp, SubOp, MulOp, DivOp, BatchNormOp, LrnOp,
             DropoutOp, MaxPool2DOp, AvgPool2DOp, GlobalAvgPool2DOp,
             GlobalMaxPool2DOp, AdaptiveAvgPool2DOp, ConcatOp, FlattenOp,
             ReshapeOp, PadOp, UpsampleOp>(op);
}

} // namespace

std::optional<int64_t> mlir::cnn::perSampleBatch(ModuleOp module) {
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  if (!forward || forward.isExternal() || forward.getNumArguments() != 1)
    return std::nullopt;
  auto input = dyn_cast<RankedTensorType>(forward.getArgument(0).getType());
  if (!input || input.getRank() < 2 || !input.hasStaticShape())
    return std::nullopt;
  int64_t n = input.getDimSize(0);
  if (n < 2 || !llvm::all_of(forward.getResultTypes(), [&](Type type) {
        return leadingDimIs(type, n);
      }))
    return std::nullopt;
  int64_t weightBytes = 0;
  WalkResult walk = forward.walk([&](Operation *op) {
    if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
      if (auto type = dyn_cast<RankedTensorType>(constant.getType()))
        weightBytes += type.getNumElements() *
                       type.getElementType().getIntOrFloatBitWidth() / 8;
      return WalkResult::advance();
    }
    if (isa<func::FuncOp, func::ReturnOp>(op))
      return WalkResult::advance();
    if (!isPerSample(op))
      return WalkResult::interrupt();
    // Every value computed from the input keeps the samples leading.
    for (Value operand : op->getOperands())
      if (!operand.getDefiningOp<arith::ConstantOp>() &&
          !leadingDimIs(operand.getType(), n))
        return WalkResult::interrupt();
    if (!llvm::all_of(op->getResultTypes(),
                      [&](Type type) { return leadingDimIs(type, n); }))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (walk.wasInterrupted() || weightBytes > kMaxWeightBytes)
    return std::nullopt;
  return n;
}

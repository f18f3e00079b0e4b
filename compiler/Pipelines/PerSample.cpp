//===- PerSample.cpp - whether a batch runs one sample at a time ----------===//
//
// An inference model whose layers never mix the samples of a batch can run
// a batch of N as N runs of its batch-1 code. Each layer's activations are
// then an Nth of the batch's, so a block of layers works in cache where the
// whole batch's activations stream through memory, and on T threads the
// runtime runs T samples at once, one per thread, with no synchronization
// between layers; but every weight is read once per sample instead of once
// per batch. That costs little where the weights are few, or where each
// weight byte feeds enough arithmetic. Batch 8, alternating runs of the
// libraries of the two ways (docs/cpu-codegen.md has the table):
//   MobileNet-v2 (14 MB of weights, 21 multiply-accumulates per weight
//   byte), GoogLeNet (27 MB, 55), ResNet-18 (47 MB, 39), Inception-v3
//   (95 MB, 60) and ResNet-50 (102 MB, 40) ran 1-23% faster one sample at
//   a time, on one thread and on two; VGG-16 (553 MB, 28) 2-4% slower.
// That was on AMD Zen 4 cores. There, models of at most 64 MiB of weights,
// or of at least 32 multiply-accumulates per weight byte, run one sample
// at a time.
//
// An Intel Xeon core (Emerald Rapids) does twice the multiply-adds per
// cycle and streams weights from its mesh L3 more slowly, so reading them
// again per sample costs relatively more. Fastest of each library's runs
// per round, batch 8, 3-4 alternating rounds, ms (one sample at a time ->
// whole batch):
//   ResNet-18: one thread 188-245 -> 139-186, two threads 99-118 -> 72-88;
//   ResNet-50: one thread 479-490 -> 421-554, two threads 263-324 ->
//   246-270; Inception-v3: one thread 567-600 -> 650-667, two threads
//   303-387 -> 343-419; GoogLeNet (146-207 and 80-118 either way) and
//   MobileNet-v2 (49-70 and 30-32) measured within the noise.
// So on a Xeon, models of at most 16 MiB of weights, or of at least 48
// multiply-accumulates per weight byte, run one sample at a time.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/Pipelines.h"

#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace mlir::cnn;

namespace {

/// When reading the weights once per sample pays, on one kind of core.
struct Limits {
  /// Up to this many bytes of weights, reading them once per sample costs
  /// less than streaming the batch's activations does.
  int64_t maxWeightBytes;
  /// With at least this many multiply-accumulates per byte of weights, a
  /// sample's arithmetic hides reading its weights again.
  int64_t minMacsPerWeightByte;
};
constexpr Limits kDefaultLimits = {64 << 20, 32};
constexpr Limits kXeonLimits = {16 << 20, 48};

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

std::optional<int64_t> mlir::cnn::perSampleBatch(ModuleOp module,
                                                 const CpuTarget &target) {
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
  int64_t weightBytes = 0, macs = 0;
  WalkResult walk = forward.walk([&](Operation *op) {
    macs += multiplyAccumulates(op);
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
  // A sample's share of the batch's arithmetic.
  int64_t sampleMacs = macs / n;
  const Limits &limits = target.xeonAvx512 ? kXeonLimits : kDefaultLimits;
  if (walk.wasInterrupted() ||
      (weightBytes > limits.maxWeightBytes &&
       sampleMacs < limits.minMacsPerWeightByte * weightBytes))
    return std::nullopt;
  return n;
}

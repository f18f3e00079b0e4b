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
#include "llvm/ADT/BitVector.h"

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

//===----------------------------------------------------------------------===//
// A batched tail
//===----------------------------------------------------------------------===//
//
// One sample at a time pays where a sample's activations are large: the
// first layers, whose activations stream through memory when a whole batch
// is computed. Late layers have small activations and most of the weights,
// which each sample reads again: the last 7x7 stages and the classifier.
// So a model whose batch runs one sample at a time runs its layers from
// the first point after which every activation of a sample is small on the
// whole batch instead: the runtime computes the head per sample into a
// batch of features, and the tail on that batch. Batch 8, the tails as
// libraries of their own, per sample -> whole (ms, medians of paired runs):
//   MobileNet-v2 from its 14x14 blocks (features.11 on): one thread
//   32.7 -> 25.2 ms, two threads 21.7 -> 19.4; from features.14: 23.8 ->
//   17.1 and 15.6 -> 13.2; from its last 1x1 convolution: 6.6 -> 4.2 and
//   4.6 -> 3.2;
//   GoogLeNet from its 7x7 blocks: 31.3 -> 18.7 and 18.8 -> 15.1; from
//   its 14x14 blocks (activations of 652 KB a sample) the same either way;
//   Inception-v3 from its 8x8 blocks (524 KB a sample) the same either way
//   (paired ratios 0.994 and 0.991); its classifier alone 6.1 -> 3.4 and
//   4.6 -> 2.6.
// MobileNet-v2 split with a 512 KiB bound (from features.7) ran no faster
// than with 256 KiB (from features.14): 0.889 and 0.916 against 0.875 and
// 0.897 of the time per sample, one and two threads, in one paired run.

namespace {

/// A tail's activations, per sample, are at most this many bytes.
constexpr int64_t kMaxTailActivationBytes = 256 * 1024;

int64_t byteSize(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked || !ranked.hasStaticShape() ||
      !ranked.getElementType().isIntOrFloat())
    return -1;
  return ranked.getNumElements() *
         ranked.getElementType().getIntOrFloatBitWidth() / 8;
}

/// forward's ops other than constants and the return, in order.
SmallVector<Operation *> layerOps(func::FuncOp forward) {
  SmallVector<Operation *> ops;
  for (Operation &op : forward.getBody().front().without_terminator())
    if (!isa<arith::ConstantOp>(op))
      ops.push_back(&op);
  return ops;
}

/// The one value that ops before `start` compute and later ops (or the
/// return) use, or null when there are several, or when a later op reads a
/// model input.
Value crossingValue(func::FuncOp forward, ArrayRef<Operation *> ops,
                    int64_t start) {
  DenseMap<Operation *, int64_t> index;
  for (auto [i, op] : llvm::enumerate(ops))
    index[op] = i;
  auto usedFrom = [&](Value value) {
    return llvm::any_of(value.getUsers(), [&](Operation *user) {
      auto it = index.find(user);
      return it == index.end() ? isa<func::ReturnOp>(user)
                               : it->second >= start;
    });
  };
  for (BlockArgument argument : forward.getArguments())
    if (usedFrom(argument))
      return {};
  Value crossing;
  for (Operation *op : ArrayRef<Operation *>(ops).take_front(start))
    for (Value result : op->getResults())
      if (usedFrom(result)) {
        if (crossing)
          return {};
        crossing = result;
      }
  return crossing;
}

} // namespace

std::optional<int64_t> mlir::cnn::perSampleTailStart(ModuleOp single) {
  auto forward = single.lookupSymbol<func::FuncOp>("forward");
  if (!forward || forward.isExternal() || !forward.getBody().hasOneBlock())
    return std::nullopt;
  SmallVector<Operation *> ops = layerOps(forward);
  // From the back: the tail may start at `start` while every value from
  // there on (and the one it reads) is small, and starts at the earliest
  // such point where one value alone crosses into it and it has weights.
  std::optional<int64_t> best;
  bool weighted = false;
  for (int64_t start = static_cast<int64_t>(ops.size()) - 1; start >= 1;
       --start) {
    Operation *op = ops[start];
    if (llvm::any_of(op->getResultTypes(), [](Type type) {
          int64_t bytes = byteSize(type);
          return bytes < 0 || bytes > kMaxTailActivationBytes;
        }))
      break;
    weighted |= llvm::any_of(op->getOperands(), [](Value operand) {
      return static_cast<bool>(operand.getDefiningOp<arith::ConstantOp>());
    });
    Value crossing = crossingValue(forward, ops, start);
    if (!crossing)
      continue;
    int64_t bytes = byteSize(crossing.getType());
    auto type = cast<RankedTensorType>(crossing.getType());
    if (bytes < 0 || bytes > kMaxTailActivationBytes || type.getRank() < 1 ||
        type.getDimSize(0) != 1)
      continue;
    if (weighted)
      best = start;
  }
  // A batch norm or activation that finishes the head's last layer stays
  // with it, as that layer's epilogue (a batch norm folds into its
  // convolution only in the same part).
  while (
      best && *best + 1 < static_cast<int64_t>(ops.size()) &&
      isa<BatchNormOp, ReluOp, ClipOp, SigmoidOp, TanhOp, SiluOp, HardSwishOp,
          HardSigmoidOp, LeakyReluOp, GeluOp, DropoutOp>(ops[*best]) &&
      crossingValue(forward, ops, *best + 1))
    ++*best;
  return best;
}

LogicalResult mlir::cnn::splitForward(ModuleOp module, int64_t start,
                                      bool keepHead) {
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  if (!forward || forward.isExternal() || !forward.getBody().hasOneBlock())
    return failure();
  SmallVector<Operation *> ops = layerOps(forward);
  if (start < 1 || start >= static_cast<int64_t>(ops.size()))
    return failure();
  Value crossing = crossingValue(forward, ops, start);
  if (!crossing)
    return failure();
  Block &body = forward.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  MLIRContext *context = module.getContext();
  if (keepHead) {
    ret->setOperands(crossing);
    forward.setType(FunctionType::get(context, forward.getArgumentTypes(),
                                      {crossing.getType()}));
    forward.removeResAttrsAttr();
    for (Operation *op :
         llvm::reverse(ArrayRef<Operation *>(ops).drop_front(start))) {
      op->dropAllUses();
      op->erase();
    }
  } else {
    unsigned inputs = forward.getNumArguments();
    if (failed(forward.insertArgument(inputs, crossing.getType(), {},
                                      crossing.getLoc())))
      return failure();
    crossing.replaceAllUsesWith(forward.getArgument(inputs));
    for (Operation *op :
         llvm::reverse(ArrayRef<Operation *>(ops).take_front(start)))
      op->erase();
    llvm::BitVector old(inputs + 1);
    old.set(0, inputs);
    if (failed(forward.eraseArguments(old)))
      return failure();
  }
  for (Operation &op : llvm::make_early_inc_range(body))
    if (isa<arith::ConstantOp>(op) && op.use_empty())
      op.erase();
  return success();
}

//===- Pipelines.h - cnnc's named compilation phases ------------*- C++ -*-===//
//
// The CPU pipeline in phases, each printable (cnnc --emit):
//   cnn     the imported model
//   linalg  cnn ops lowered to linalg/tensor/arith/math on tensors
//   llvm    bufferized, lowered to the LLVM dialect (bare-pointer ABI: the
//           model function takes one pointer per input, then per output)
//
//===----------------------------------------------------------------------===//

#ifndef CNN_PIPELINES_PIPELINES_H
#define CNN_PIPELINES_PIPELINES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Support/Timing.h"

namespace mlir::cnn {

enum class Phase { Cnn, Linalg, Llvm };

/// What the code generator needs to know about the target CPU.
struct CpuTarget {
  /// f32 lanes of one vector register: 16 with AVX-512, 8 with AVX2.
  int64_t vectorWidth = 16;
  /// Move weight-only work (filter blocking) to load time. Off for libraries
  /// that train: their weights change after every step.
  bool hoistWeightPacking = true;
  /// Compute convolutions of stride 1 with Winograd's minimal filtering
  /// where that pays (cnn-winograd). lowerModule applies it only with the
  /// weights in a
  /// buffer and weight packing hoisted: otherwise (training, embedded
  /// weights) the filters would be transformed on every call.
  bool winograd = true;
  /// The target is an Intel Xeon core with AVX-512 (TargetCpu::xeonAvx512):
  /// reading the weights once per sample costs relatively more there, so
  /// perSampleBatch asks more of a model before it splits the batch.
  bool xeonAvx512 = false;
  /// The target does half the vector multiply-adds per cycle of a core with
  /// two full-width FMA pipes (TargetCpu::halfRateAvx512, AMD Zen 4):
  /// cnn-winograd then counts reading a float of transformed filter as
  /// half a vector of multiply-adds, and may take F(6x6, 3x3) on large
  /// layers (large-blocks).
  bool halfRateAvx512 = false;
};

/// Runs the CPU pipeline on `module` (at the cnn phase) up to `to`, with
/// MLIR's pass manager command-line options (IR printing, statistics)
/// applied. With `timing`, each pass is timed in a scope nested under it
/// (one scope per part of the pipeline).
LogicalResult lowerModule(ModuleOp module, Phase to,
                          const CpuTarget &target = {},
                          TimingScope *timing = nullptr);

/// The batch size N when the inference model `module` (at the cnn phase)
/// should run a batch as N runs of its batch-1 code: one input whose first
/// dimension is the batch, ops that never mix samples (every value computed
/// from the input keeps the batch as its first dimension; softmax and
/// normalization along other axes), and weights that are few (at most
/// 64 MiB; 16 MiB on a Xeon) or that each sample's arithmetic hides (at
/// least 32 multiply-accumulates per weight byte; 48 on a Xeon), since
/// each sample reads them again. Otherwise nullopt. See PerSample.cpp for
/// the measurements behind it.
std::optional<int64_t> perSampleBatch(ModuleOp module,
                                      const CpuTarget &target = {});

/// For a model whose batch runs one sample at a time (perSampleBatch),
/// `single` being its batch-1 module at the cnn phase: the index, among
/// forward's ops other than constants, of the first op of a tail that
/// should run on the whole batch instead, or nullopt. The tail starts at the
/// earliest op after which every value, and the one value the tail reads
/// from the ops before it, takes at most 256 KiB per sample, and it has
/// weights (the last stages and the classifier, whose weights each sample
/// would read again). See PerSample.cpp for the measurements behind it.
std::optional<int64_t> perSampleTailStart(ModuleOp single);

/// Splits forward at its op `start` (counted as perSampleTailStart counts):
/// with `keepHead`, forward keeps the ops before it and returns the one
/// value they give the tail; otherwise forward takes that value as its only
/// argument and keeps the ops from `start` on. Unused constants go. Fails,
/// leaving the module as it was, when more than one value (or a model
/// input) crosses the split.
LogicalResult splitForward(ModuleOp module, int64_t start, bool keepHead);

/// Registers the pipeline's passes (once), so that pass names parse: in
/// pipelines, and in --mlir-print-ir-after=<pass> before the command line
/// is read.
void registerCpuPipelinePasses();

/// Registers what the pipeline needs in `registry` (dialects, interfaces,
/// translations).
void registerCpuPipelineDependencies(DialectRegistry &registry);

} // namespace mlir::cnn

#endif // CNN_PIPELINES_PIPELINES_H

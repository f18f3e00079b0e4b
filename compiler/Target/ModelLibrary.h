//===- ModelLibrary.h - model libraries: object, archive, .so, header -*- C++
//-*-===//
//
// Turns a model lowered to the LLVM dialect into what users link:
// OUTDIR/lib<name>.so, lib<name>.a and <name>.h. The object is produced in
// process through LLVM's TargetMachine, in parts on several threads; the C
// API functions (cnn_<name>_create/_infer/_destroy) are generated as LLVM IR
// around the model function, and they alone are exported. Files appear only
// once all of them are written.
//
//===----------------------------------------------------------------------===//

#ifndef CNN_TARGET_MODELLIBRARY_H
#define CNN_TARGET_MODELLIBRARY_H

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir::cnn {

/// A model input or output as the C API sees it.
struct TensorInterface {
  std::string name;
  std::vector<int64_t> shape;
};

/// Where a weight lives in the model's flat weights buffer.
struct WeightEntry {
  std::string name;
  int64_t offset = 0;
  std::vector<int64_t> shape;
};

/// What the generated API exposes, read from the cnn-level function before
/// lowering.
struct ModelInterface {
  std::string name; ///< C identifier
  std::vector<TensorInterface> inputs, outputs;
  /// Set when the weights were outlined (cnn-outline-weights): the model
  /// function takes the weights buffer first, and create() loads it.
  bool outlinedWeights = false;
  std::vector<WeightEntry> weights;
  int64_t weightsSize = 0;
  /// The length of the packed buffer forward_prepare fills at create time
  /// (cnn-hoist-weight-packing), when the module has one.
  int64_t packedWeightsSize = 0;
  /// Activation memory of one inference (cnn-plan-memory): the arena's
  /// bytes, the liveness lower bound and the alignment the arena needs. With
  /// arenaBytes 0 the model function takes no arena.
  int64_t arenaBytes = 0;
  int64_t arenaLowerBound = 0;
  int64_t arenaAlignment = 64;
  /// Above 1: the model function computes one sample, and the entry points
  /// run it this many times, one sample of every input and output after the
  /// other, in the same arena (see perSampleBatch). The inputs and outputs
  /// keep the batch's shapes.
  int64_t sampleRuns = 1;
  /// With sampleRuns > 1: the model function computes the model's first
  /// layers for one sample, and a second part the rest on the whole batch
  /// (ModelPart). The header describes the arena of both.
  bool batchedTail = false;
  /// Where forward_prepare's results go in the packed buffer (in floats).
  std::vector<int64_t> packedWeightOffsets;
  /// The file create(NULL) loads.
  std::string weightsPath;
  /// Set when the module has a train_step (cnn-build-train-step): the
  /// library also exports _train_step, _set_learning_rate and
  /// _save_weights.
  bool train = false;
  std::string loss;      ///< cross_entropy or mse
  std::string optimizer; ///< sgd, sgd-momentum, adam or adamw
  float learningRate = 0;
  int64_t stateSize = 0; ///< floats of optimizer state
};

/// What the code generator asks of a target CPU.
struct TargetCpu {
  /// The f32 lanes of one vector register: 16 with AVX-512, 8 with AVX2 +
  /// FMA, else 4.
  int64_t vectorWidth = 4;
  /// An Intel Xeon core with AVX-512 (Skylake-SP and later server cores):
  /// two 512-bit FMA pipes per core, twice the multiply-adds per cycle of
  /// an AMD Zen 4 core, and a last-level cache on a mesh, from which one
  /// core streams weights more slowly than a Zen 4 core reads its CCD's L3.
  /// cnnc tunes when a batch runs one sample at a time by it
  /// (PerSample.cpp).
  bool xeonAvx512 = false;
  /// An AMD Zen 4 core: AVX-512 on 256-bit units, one 512-bit FMA per
  /// cycle, half a Xeon's multiply-adds per cycle, while it streams memory
  /// as fast. cnnc weighs reading Winograd's transformed filters against
  /// multiply-adds by it (cnn-winograd's filter-float-cost).
  bool halfRateAvx512 = false;
};

/// Describes `cpu` ("" or "host": this machine), from one LLVM target
/// machine for it.
TargetCpu describeTargetCpu(llvm::StringRef cpu);

/// Why `cpu` cannot be a target CPU (a name LLVM does not know for this
/// machine's target, with the nearest known names), or "" where it can.
/// "" and "host" always can.
std::string checkTargetCpu(llvm::StringRef cpu);

/// Reads the layout cnn-outline-weights left on `module` into `interface`.
void readWeightsLayout(ModuleOp module, ModelInterface &interface);

/// Reads the training step cnn-build-train-step left on `module`, if any.
void readTrainingLayout(ModuleOp module, ModelInterface &interface);

/// Reads what lowering left on `module`: the packed weights
/// (cnn-hoist-weight-packing) and the activation arena (cnn-plan-memory).
void readLoweredLayout(ModuleOp module, ModelInterface &interface);

/// Reads the interface of the model function `forward` of a cnn module.
FailureOr<ModelInterface> readModelInterface(ModuleOp module);

/// The model name made a C identifier ("resnet-18" -> "resnet_18").
std::string toCIdentifier(llvm::StringRef name);

struct LibraryOptions {
  std::string outputDir;
  /// Target CPU ("" or "host": this machine's CPU and features).
  std::string cpu;
  /// Threads for LLVM's optimization and code generation, each on a part of
  /// the module (0: one per hardware thread, at most 8). The object is
  /// then as many files, all of them in the archive.
  unsigned jobs = 0;
  /// libcnnrt.a to link into the shared library.
  std::string runtimeLibrary;
  /// Weights to write as OUTDIR/<name>.safetensors (models initialised by
  /// cnnc have no weights file of their own).
  std::vector<std::pair<std::string, std::vector<int64_t>>> seededShapes;
  std::vector<std::vector<float>> seededData;
};

/// The tail of a model whose head runs one sample at a time and whose last
/// layers run on the whole batch (perSampleTailStart): its module, and its
/// interface (inputs: the head's output for the whole batch; outputs: the
/// model's).
struct ModelPart {
  ModuleOp module;
  ModelInterface interface;
};

/// The activation arena of a model split into a head and a batched tail,
/// from their lowered interfaces: the batch's features that the head
/// computes for the tail, then one region that the head (one sample at a
/// time) and then the tail use.
struct SplitArena {
  int64_t featureBytes = 0;
  int64_t bytes = 0;
  int64_t lowerBound = 0;
  int64_t alignment = 64;
};
SplitArena splitArena(const ModelInterface &head, const ModelInterface &tail);

/// Writes lib<name>.so, lib<name>.a and <name>.h for `llvmModule` (a module
/// in the LLVM dialect whose model function is `forward`). With `tail`,
/// `llvmModule` computes the model's head one sample at a time (its outputs
/// are the tail's inputs) and `interface` describes the whole model: the
/// library runs the head, then the tail on the batch.
LogicalResult writeModelLibrary(ModuleOp llvmModule,
                                const ModelInterface &interface,
                                const LibraryOptions &options,
                                const ModelPart *tail = nullptr);

/// Translates, optimizes and writes only the object file.
LogicalResult writeModelObject(ModuleOp llvmModule,
                               const ModelInterface &interface,
                               llvm::StringRef cpu, llvm::StringRef path,
                               const ModelPart *tail = nullptr);

/// The C header of the model's API.
std::string generateHeader(const ModelInterface &interface);

} // namespace mlir::cnn

#endif // CNN_TARGET_MODELLIBRARY_H

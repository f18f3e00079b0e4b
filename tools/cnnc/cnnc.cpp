//===- cnnc.cpp - the cnnc command-line driver ----------------------------===//
//
//   cnnc compile MODEL [--emit cnn|linalg|llvm|obj|lib] [-o FILE|OUTDIR]
//   cnnc run MODEL --input x.npy ... --output y.npy ...
//   cnnc train MODEL --x X.npy --y Y.npy [--val-x X.npy --val-y Y.npy] ...
//   cnnc inspect MODEL
//
// MODEL is a JSON model description (docs/model-format.md). Every problem is
// reported as one diagnostic naming the file, the line and the layer, the
// exit code is non-zero, and no output file is left behind.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Target/ModelLibrary.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/cnn/IR/CnnDialect.h"
#include "frontends/json/ModelImporter.h"
#include "tools/cnnc/Diagnostics.h"
#include "tools/cnnc/Inspect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

#include "cnnrt.h"

using namespace mlir;
using namespace mlir::cnn;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory commonCategory("Options of every command");
cl::OptionCategory compileCategory("Options of 'cnnc compile'");

cl::opt<std::string> modelPath(cl::Positional, cl::desc("MODEL"),
                               cl::value_desc("model.json"),
                               cl::cat(commonCategory));
cl::opt<int64_t> batchOpt("batch",
                          cl::desc("Batch size (replaces the first dimension "
                                   "of every model input)"),
                          cl::value_desc("N"), cl::cat(commonCategory));
cl::opt<bool> perSampleOpt(
    "per-sample",
    cl::desc("Run a batch one sample at a time where that is faster "
             "(inference models whose layers never mix samples, unless "
             "their weights are many for their arithmetic; threads then "
             "run samples side by side); default true, false keeps the "
             "batch in every layer"),
    cl::init(true), cl::cat(commonCategory));
cl::opt<bool> batchedTailOpt(
    "batched-tail",
    cl::desc("When a batch runs one sample at a time, run its last layers "
             "(from where every activation of a sample is small: the last "
             "stages and the classifier) on the whole batch, whose weights "
             "each sample would otherwise read again; default true"),
    cl::init(true), cl::cat(commonCategory));
cl::opt<bool> winogradOpt(
    "winograd",
    cl::desc("Compute convolutions of stride 1 (3x3, 5x5, 1x7, ...) with "
             "Winograd's minimal filtering where that pays (inference "
             "libraries); default true, false keeps every convolution "
             "direct"),
    cl::init(true), cl::cat(commonCategory));
cl::opt<std::string>
    weightsOpt("weights",
               cl::desc("Weights file to use instead of the description's"),
               cl::value_desc("file.safetensors"), cl::cat(commonCategory));
cl::opt<uint64_t> seedOpt("seed",
                          cl::desc("Seed of the initialisation used when the "
                                   "model has no weights file, of dropout "
                                   "masks and of cnnc train's shuffling "
                                   "(default 0)"),
                          cl::init(0), cl::cat(commonCategory));

cl::OptionCategory runCategory("Options of 'cnnc run'");
cl::OptionCategory inspectCategory("Options of 'cnnc inspect'");
cl::opt<bool> memoryOpt(
    "memory",
    cl::desc("Also lower the model as 'cnnc compile' does and print its "
             "activation memory: the arena's bytes and the liveness lower "
             "bound (takes about as long as a compile)"),
    cl::init(false), cl::cat(inspectCategory));
cl::OptionCategory trainLoopCategory("Options of 'cnnc train'");

enum class Emit { Cnn, Linalg, Llvm, Obj, Lib };
cl::opt<Emit> emitOpt(
    "emit", cl::desc("What 'cnnc compile' writes (default: lib)"),
    cl::init(Emit::Lib),
    cl::values(clEnumValN(Emit::Cnn, "cnn",
                          "the imported model in the cnn dialect"),
               clEnumValN(Emit::Linalg, "linalg",
                          "lowered to linalg, tensor, arith and math"),
               clEnumValN(Emit::Llvm, "llvm",
                          "bufferized and lowered to the LLVM "
                          "dialect"),
               clEnumValN(Emit::Obj, "obj", "an object file"),
               clEnumValN(Emit::Lib, "lib",
                          "OUTDIR/lib<name>.so, lib<name>.a and <name>.h")),
    cl::cat(compileCategory));
cl::alias compileToOpt("compile-to",
                       cl::desc("Alias for --emit: stop at a phase"),
                       cl::aliasopt(emitOpt), cl::cat(compileCategory));
cl::opt<std::string>
    cpuOpt("cpu",
           cl::desc("Target CPU, e.g. x86-64-v3 or x86-64-v4 (default: this "
                    "machine's CPU and its features)"),
           cl::value_desc("name"), cl::init("host"), cl::cat(compileCategory),
           cl::cat(runCategory), cl::cat(inspectCategory));
cl::opt<unsigned> jobsOpt(
    "jobs",
    cl::desc("Threads that generate the library's machine code, each for a "
             "part of its functions (default 0: one per hardware thread, at "
             "most 8)"),
    cl::value_desc("N"), cl::init(0), cl::cat(compileCategory),
    cl::cat(runCategory), cl::cat(trainLoopCategory));
cl::opt<bool> embedWeightsOpt(
    "embed-weights",
    cl::desc("Embed the weights in the library (default: the library loads "
             "the weights file when an instance is created)"),
    cl::init(false), cl::cat(compileCategory), cl::cat(runCategory));
cl::OptionCategory trainCategory(
    "Training options (cnnc compile --train, cnnc train); defaults come from "
    "the description's training block");
cl::opt<bool> trainOpt("train",
                       cl::desc("Also export _train_step, "
                                "_set_learning_rate and _save_weights"),
                       cl::init(false), cl::cat(compileCategory));
cl::opt<std::string> lossOpt("loss",
                             cl::desc("cross_entropy, mse or triplet"),
                             cl::value_desc("loss"), cl::cat(trainCategory));
cl::opt<std::string>
    optimizerOpt("optimizer", cl::desc("sgd, sgd-momentum, adam or adamw"),
                 cl::value_desc("name"), cl::cat(trainCategory));
cl::opt<double> lrOpt("lr", cl::desc("Learning rate"), cl::value_desc("rate"),
                      cl::cat(trainCategory));
cl::opt<double> momentumOpt("momentum",
                            cl::desc("SGD momentum (default 0.9)"),
                            cl::cat(trainCategory));
cl::opt<bool> nesterovOpt("nesterov", cl::desc("Nesterov momentum"),
                          cl::cat(trainCategory));
cl::opt<double> weightDecayOpt("weight-decay",
                               cl::desc("L2 penalty (decoupled for adamw)"),
                               cl::cat(trainCategory));

cl::opt<std::string> trainXOpt("x", cl::desc("Training inputs (.npy, float32, "
                                             "[samples, ...input shape])"),
                               cl::value_desc("X.npy"),
                               cl::cat(trainLoopCategory));
cl::opt<std::string> trainYOpt("y",
                               cl::desc("Training labels (.npy, int64 class "
                                        "indices; float32 targets for mse)"),
                               cl::value_desc("Y.npy"),
                               cl::cat(trainLoopCategory));
cl::opt<std::string> valXOpt("val-x", cl::desc("Validation inputs"),
                             cl::value_desc("X.npy"),
                             cl::cat(trainLoopCategory));
cl::opt<std::string> valYOpt("val-y", cl::desc("Validation labels"),
                             cl::value_desc("Y.npy"),
                             cl::cat(trainLoopCategory));
cl::opt<int64_t> epochsOpt("epochs",
                           cl::desc("Passes over the training set (default: "
                                    "the training block's, else 10)"),
                           cl::cat(trainLoopCategory));

cl::list<std::string> inputOpts("input",
                                cl::desc("An input as a float32 .npy file, in "
                                         "the order of the model's inputs"),
                                cl::value_desc("x.npy"), cl::cat(runCategory));
cl::list<std::string> outputOpts("output",
                                 cl::desc("Where to write an output (.npy), in "
                                          "the order of the model's outputs"),
                                 cl::value_desc("y.npy"), cl::cat(runCategory));
cl::opt<std::string> outputOpt("o",
                               cl::desc("Output file ('-' for stdout), or "
                                        "folder for --emit lib"),
                               cl::value_desc("file"), cl::init("-"),
                               cl::cat(compileCategory),
                               cl::cat(trainLoopCategory));
cl::opt<bool> printWeightsOpt(
    "print-weights",
    cl::desc("Print weight values in emitted IR (default: elided)"),
    cl::init(false), cl::cat(compileCategory));

const char *const kOverview =
    R"(cnnc - a compiler for convolutional neural networks

USAGE: cnnc <command> MODEL [options]

Commands:
  compile   Compile MODEL into OUTDIR/lib<name>.so, lib<name>.a and <name>.h
            (-o OUTDIR), or print an intermediate phase (--emit cnn|linalg|llvm)
            or write an object file (--emit obj -o FILE)
  run       Compile MODEL and run it on .npy inputs, writing .npy outputs
  train     Compile MODEL with its training step and train it on .npy data
            (--x X.npy --y Y.npy [--val-x --val-y] --epochs N --batch B
            --seed S -o weights.safetensors)
  inspect   Print MODEL's layers with output shapes, parameters and MACs,
            and their totals (--memory: and its planned activation memory)

MODEL is a JSON model description with its weights in safetensors
(docs/model-format.md). 'cnnc <command> --help' lists a command's options.
)";

/// Options given on the command line that `command` does not take.
LogicalResult rejectForeignOptions(StringRef command,
                                   ArrayRef<cl::OptionCategory *> allowed) {
  for (auto &entry : cl::getRegisteredOptions()) {
    cl::Option *option = entry.second;
    if (option->getNumOccurrences() == 0)
      continue;
    bool isCnncOption = llvm::any_of(
        std::initializer_list<cl::OptionCategory *>{
            &commonCategory, &compileCategory, &runCategory, &trainCategory,
            &trainLoopCategory, &inspectCategory},
        [&](cl::OptionCategory *c) {
          return llvm::is_contained(option->Categories, c);
        });
    if (!isCnncOption)
      continue;
    if (llvm::any_of(option->Categories, [&](cl::OptionCategory *c) {
          return llvm::is_contained(allowed, c);
        }))
      continue;
    llvm::errs() << "cnnc " << command << ": option '-" << entry.first
                 << "' is not an option of this command\n";
    return failure();
  }
  return success();
}

OwningOpRef<ModuleOp>
importFromOptions(MLIRContext &context, bool shapesOnly = false,
                  std::optional<int64_t> defaultBatch = std::nullopt,
                  std::optional<int64_t> forcedBatch = std::nullopt) {
  ImportOptions options;
  options.shapesOnly = shapesOnly;
  options.batch = defaultBatch;
  if (forcedBatch) {
    options.batch = forcedBatch;
  } else if (batchOpt.getNumOccurrences()) {
    if (batchOpt < 1) {
      llvm::errs() << "cnnc: --batch must be positive, got " << batchOpt
                   << "\n";
      return nullptr;
    }
    options.batch = batchOpt;
  }
  if (weightsOpt.getNumOccurrences())
    options.weightsPath = weightsOpt;
  options.seed = seedOpt;
  OwningOpRef<ModuleOp> module = importModel(&context, modelPath, options);
  if (!module || failed(verify(*module)))
    return nullptr;
  return module;
}

/// Whether `single`'s tensors are `batched`'s with a first dimension of 1.
bool isOneSampleOf(const std::vector<TensorInterface> &single,
                   const std::vector<TensorInterface> &batched) {
  if (single.size() != batched.size())
    return false;
  for (auto [one, all] : llvm::zip_equal(single, batched))
    if (one.shape.empty() || one.shape.size() != all.shape.size() ||
        one.shape[0] != 1 ||
        !llvm::equal(ArrayRef<int64_t>(one.shape).drop_front(),
                     ArrayRef<int64_t>(all.shape).drop_front()))
      return false;
  return true;
}

/// The code generator's target: the CPU's vector width; weight packing at
/// load time for libraries that do not train (and with it, Winograd
/// convolutions unless --winograd=false: see CpuTarget::winograd).
CpuTarget cpuTarget(StringRef cpu, bool train = false) {
  TargetCpu described = describeTargetCpu(cpu);
  CpuTarget target{described.vectorWidth};
  target.hoistWeightPacking = !train;
  target.winograd = winogradOpt;
  target.xeonAvx512 = described.xeonAvx512;
  target.halfRateAvx512 = described.halfRateAvx512;
  return target;
}

/// The batch size and the batch's interface when the model should run its
/// batch one sample at a time (perSampleBatch) and its batch-1 import has
/// the batch's inputs and outputs with a first dimension of 1. Decided on
/// shapes-only imports (no weights are read), whose warnings and remarks
/// the real import repeats; errors are reported, and `probeFailed` set.
std::optional<std::pair<int64_t, ModelInterface>>
probePerSample(MLIRContext &context, bool &probeFailed) {
  probeFailed = false;
  if (!perSampleOpt)
    return std::nullopt;
  OwningOpRef<ModuleOp> batched;
  {
    ScopedDiagnosticHandler quiet(&context, [](Diagnostic &diagnostic) {
      return success(diagnostic.getSeverity() != DiagnosticSeverity::Error);
    });
    batched = importFromOptions(context, /*shapesOnly=*/true);
  }
  if (!batched) {
    probeFailed = true;
    return std::nullopt;
  }
  std::optional<int64_t> batch = perSampleBatch(*batched, cpuTarget(cpuOpt));
  if (!batch)
    return std::nullopt;
  OwningOpRef<ModuleOp> single;
  FailureOr<ModelInterface> all = failure(), one = failure();
  {
    // A model that does not import at batch 1 keeps its batch.
    ScopedDiagnosticHandler quiet(&context,
                                  [](Diagnostic &) { return success(); });
    single = importFromOptions(context, /*shapesOnly=*/true, std::nullopt,
                               /*forcedBatch=*/1);
    all = readModelInterface(*batched);
    if (single)
      one = readModelInterface(*single);
  }
  if (failed(all) || failed(one) ||
      !isOneSampleOf(one->inputs, all->inputs) ||
      !isOneSampleOf(one->outputs, all->outputs))
    return std::nullopt;
  return std::make_pair(*batch, *all);
}

/// The name of the first layer of `module`'s forward (its location's).
std::string firstLayerName(ModuleOp module) {
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  if (!forward)
    return "";
  for (Operation &op : forward.getBody().front()) {
    if (isa<arith::ConstantOp>(op))
      continue;
    Location loc = op.getLoc();
    if (auto fused = dyn_cast<FusedLoc>(loc))
      if (!fused.getLocations().empty())
        loc = fused.getLocations().front();
    if (auto name = dyn_cast<NameLoc>(loc))
      return name.getName().str();
    return "";
  }
  return "";
}

/// Splits a model whose batch runs one sample at a time into `single`, its
/// batch-1 import, which keeps the head, and its tail on the whole batch,
/// returned (see perSampleTailStart); null where it has no such tail or
/// --batched-tail=false.
OwningOpRef<ModuleOp> splitBatchedTail(MLIRContext &context, ModuleOp single) {
  if (!batchedTailOpt)
    return nullptr;
  std::optional<int64_t> start = perSampleTailStart(single);
  if (!start)
    return nullptr;
  OwningOpRef<ModuleOp> whole;
  {
    // The batch's import repeats the batch-1 import's warnings and remarks.
    ScopedDiagnosticHandler quiet(&context, [](Diagnostic &diagnostic) {
      return success(diagnostic.getSeverity() != DiagnosticSeverity::Error);
    });
    whole = importFromOptions(context);
  }
  if (!whole)
    return nullptr;
  // The batch's import put its weights in blobs of its own, whose keys got
  // a suffix (the batch-1 import's hold the weights' names): its constants
  // take the batch-1 import's blobs, whose keys name the weights in the
  // weights file.
  auto weightsOf = [](ModuleOp module) {
    SmallVector<arith::ConstantOp> weights;
    module.walk([&](arith::ConstantOp op) {
      if (isa<DenseResourceElementsAttr>(op.getValue()))
        weights.push_back(op);
    });
    return weights;
  };
  SmallVector<arith::ConstantOp> ones = weightsOf(single),
                                 alls = weightsOf(*whole);
  if (ones.size() != alls.size())
    return nullptr;
  for (auto [one, all] : llvm::zip_equal(ones, alls)) {
    if (one.getType() != all.getType())
      return nullptr;
    all.setValueAttr(one.getValue());
  }
  if (failed(splitForward(*whole, *start, /*keepHead=*/false)) ||
      failed(splitForward(single, *start, /*keepHead=*/true)))
    return nullptr;
  return whole;
}


/// Imports the model for an inference library: at batch 1 when its batch
/// runs one sample at a time (probePerSample), with `interface` then
/// holding the batch's inputs and outputs and the number of runs. The
/// returned module then computes the head of the model, and `tail` holds
/// the rest on the whole batch, where it has one (splitBatchedTail).
OwningOpRef<ModuleOp> importForInference(MLIRContext &context,
                                         ModelInterface &interface,
                                         OwningOpRef<ModuleOp> &tail) {
  bool probeFailed = false;
  auto perSample = probePerSample(context, probeFailed);
  if (probeFailed)
    return nullptr;
  OwningOpRef<ModuleOp> module =
      importFromOptions(context, /*shapesOnly=*/false, std::nullopt,
                        perSample ? std::optional<int64_t>(1) : std::nullopt);
  if (!module)
    return nullptr;
  FailureOr<ModelInterface> read = readModelInterface(*module);
  if (failed(read))
    return nullptr;
  interface = *read;
  if (perSample) {
    interface.inputs = perSample->second.inputs;
    interface.outputs = perSample->second.outputs;
    interface.sampleRuns = perSample->first;
    tail = splitBatchedTail(context, *module);
  }
  return module;
}

/// Prints `module` to the -o file.
int printModule(ModuleOp module) {
  std::string error;
  auto output = openOutputFile(outputOpt, &error);
  if (!output) {
    llvm::errs() << "cnnc compile: " << error << "\n";
    return 1;
  }
  OpPrintingFlags flags;
  if (!printWeightsOpt)
    flags.elideLargeResourceString(64);
  module->print(output->os(), flags);
  output->os() << "\n";
  output->keep();
  return 0;
}

/// The names of inputs and outputs are only for the interface (read before
/// lowering); LLVM has no use for them.
void stripInterfaceNames(ModuleOp module) {
  module.walk([](func::FuncOp func) {
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      func.removeArgAttr(i, kValueNameAttr);
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      func.removeResultAttr(i,
                            StringAttr::get(func.getContext(), kValueNameAttr));
  });
}

/// The training configuration: the description's training block, then the
/// command line's flags over it.
FailureOr<BuildTrainStepPassOptions> trainingOptions(ModuleOp module) {
  BuildTrainStepPassOptions options;
  bool haveBlock = false;
  if (auto block = module->getAttrOfType<DictionaryAttr>(kTrainingAttr)) {
    haveBlock = true;
    options.loss = cast<StringAttr>(block.get("loss")).str();
    options.optimizer = cast<StringAttr>(block.get("optimizer")).str();
    options.learningRate = cast<FloatAttr>(block.get("lr")).getValueAsDouble();
    options.momentum =
        cast<FloatAttr>(block.get("momentum")).getValueAsDouble();
    options.nesterov = cast<BoolAttr>(block.get("nesterov")).getValue();
    options.weightDecay =
        cast<FloatAttr>(block.get("weight_decay")).getValueAsDouble();
    options.beta1 = cast<FloatAttr>(block.get("beta1")).getValueAsDouble();
    options.beta2 = cast<FloatAttr>(block.get("beta2")).getValueAsDouble();
    options.epsilon = cast<FloatAttr>(block.get("epsilon")).getValueAsDouble();
  }
  options.seed = seedOpt;
  if (lossOpt.getNumOccurrences())
    options.loss = lossOpt;
  if (optimizerOpt.getNumOccurrences())
    options.optimizer = optimizerOpt;
  if (lrOpt.getNumOccurrences())
    options.learningRate = lrOpt;
  if (momentumOpt.getNumOccurrences())
    options.momentum = momentumOpt;
  if (nesterovOpt.getNumOccurrences())
    options.nesterov = nesterovOpt;
  if (weightDecayOpt.getNumOccurrences())
    options.weightDecay = weightDecayOpt;
  if (!haveBlock && !lrOpt.getNumOccurrences()) {
    llvm::errs() << "cnnc: training needs a learning rate: give --lr or a "
                    "\"training\" block in the description\n";
    return failure();
  }
  if (options.loss != "cross_entropy" && options.loss != "mse" &&
      options.loss != "triplet") {
    llvm::errs() << "cnnc: --loss must be cross_entropy, mse or triplet, got '"
                 << options.loss << "'\n";
    return failure();
  }
  if (!llvm::is_contained({"sgd", "sgd-momentum", "adam", "adamw"},
                          options.optimizer)) {
    llvm::errs() << "cnnc: --optimizer must be sgd, sgd-momentum, adam or "
                    "adamw, got '"
                 << options.optimizer << "'\n";
    return failure();
  }
  if (!(options.learningRate >= 0) || !(options.momentum >= 0) ||
      !(options.weightDecay >= 0)) {
    llvm::errs() << "cnnc: --lr, --momentum and --weight-decay must be "
                    "non-negative\n";
    return failure();
  }
  return options;
}

/// The tail's part of the library: its interface (read before its weights
/// become an argument) under the model's name, and its module without the
/// interface names.
FailureOr<ModelPart> describeTail(ModuleOp tail, StringRef name) {
  FailureOr<ModelInterface> interface = readModelInterface(tail);
  if (failed(interface))
    return failure();
  interface->name = name.str();
  stripInterfaceNames(tail);
  return ModelPart{tail, *interface};
}

/// Lowers `module` to LLVM and writes the model library into `outputDir`.
/// Unless the weights are embedded, they move into one buffer that the
/// library loads at create time: from the description's weights file, or
/// from OUTDIR/<name>.safetensors written here for models cnnc initialised.
LogicalResult buildLibrary(ModuleOp module, ModelInterface interface,
                           StringRef outputDir, TimingScope &timing,
                           bool train = false, ModuleOp tail = {}) {
  stripInterfaceNames(module);
  SmallVector<ModuleOp, 2> parts = {module};
  std::optional<ModelPart> batchedTail;
  if (tail) {
    FailureOr<ModelPart> part = describeTail(tail, interface.name);
    if (failed(part))
      return failure();
    parts.push_back(tail);
    batchedTail = *part;
  }
  LibraryOptions options;
  options.outputDir = outputDir.str();
  options.cpu = cpuOpt;
  options.jobs = jobsOpt;
  options.runtimeLibrary = CNNC_RUNTIME_LIBRARY;
  if (!embedWeightsOpt) {
    if (auto file = module->getAttrOfType<StringAttr>(kWeightsFileAttr)) {
      interface.weightsPath = file.str();
    } else {
      for (ModuleOp part : parts)
        part.walk([&](arith::ConstantOp op) {
          auto attr = dyn_cast<DenseResourceElementsAttr>(op.getValue());
          if (!attr)
            return;
          auto data =
              cast<DenseF32ResourceElementsAttr>(attr).tryGetAsArrayRef();
          if (!data)
            return;
          options.seededShapes.emplace_back(
              attr.getRawHandle().getKey().str(),
              std::vector<int64_t>(attr.getType().getShape()));
          options.seededData.emplace_back(data->begin(), data->end());
        });
      SmallString<256> path(outputDir);
      (void)llvm::sys::fs::make_absolute(path);
      llvm::sys::path::append(path, interface.name + ".safetensors");
      interface.weightsPath = path.str().str();
    }
    PassManager pm(module->getContext());
    pm.addPass(createOutlineWeightsPass());
    if (train) {
      FailureOr<BuildTrainStepPassOptions> trainOptions =
          trainingOptions(module);
      if (failed(trainOptions))
        return failure();
      pm.addPass(createBuildTrainStepPass(*trainOptions));
    }
    TimingScope outline = timing.nest("weights outlining");
    pm.enableTiming(outline);
    for (ModuleOp part : parts)
      if (failed(pm.run(part)))
        return failure();
    outline.stop();
    readWeightsLayout(module, interface);
    readTrainingLayout(module, interface);
    if (batchedTail) {
      readWeightsLayout(tail, batchedTail->interface);
      batchedTail->interface.weightsPath = interface.weightsPath;
    }
  } else if (train) {
    llvm::errs() << "cnnc: --train needs the weights in a buffer; drop "
                    "--embed-weights\n";
    return failure();
  }
  CpuTarget target = cpuTarget(options.cpu, train);
  for (ModuleOp part : parts)
    if (failed(lowerModule(part, Phase::Llvm, target, &timing)))
      return failure();
  TimingScope write = timing.nest("LLVM code generation and linking");
  return writeModelLibrary(module, interface, options,
                           batchedTail ? &*batchedTail : nullptr);
}

int runCompile(MLIRContext &context, TimingScope &timing) {
  // A library for inference may run its batch one sample at a time.
  ModelInterface inference;
  OwningOpRef<ModuleOp> tail;
  bool library = (emitOpt == Emit::Lib || emitOpt == Emit::Obj) && !trainOpt;
  TimingScope import = timing.nest("import");
  OwningOpRef<ModuleOp> module =
      library ? importForInference(context, inference, tail)
              : importFromOptions(context);
  import.stop();
  if (!module)
    return 1;
  switch (emitOpt) {
  case Emit::Cnn:
    return printModule(*module);
  case Emit::Linalg:
  case Emit::Llvm:
    if (failed(lowerModule(
            *module, emitOpt == Emit::Linalg ? Phase::Linalg : Phase::Llvm,
            cpuTarget(cpuOpt), &timing)))
      return 1;
    return printModule(*module);
  case Emit::Obj:
  case Emit::Lib: {
    if (outputOpt == "-") {
      llvm::errs() << "cnnc compile: --emit "
                   << (emitOpt == Emit::Obj ? "obj needs -o FILE"
                                            : "lib needs -o OUTDIR")
                   << "\n";
      return 1;
    }
    FailureOr<ModelInterface> interface =
        library ? FailureOr<ModelInterface>(inference)
                : readModelInterface(*module);
    if (failed(interface))
      return 1;
    if (emitOpt == Emit::Lib)
      return failed(buildLibrary(*module, *interface, outputOpt, timing,
                                 trainOpt, tail ? *tail : ModuleOp()))
                 ? 1
                 : 0;
    std::optional<ModelPart> batchedTail;
    if (tail) {
      FailureOr<ModelPart> part = describeTail(*tail, interface->name);
      if (failed(part) ||
          failed(lowerModule(*tail, Phase::Llvm, cpuTarget(cpuOpt), &timing)))
        return 1;
      batchedTail = *part;
    }
    stripInterfaceNames(*module);
    if (failed(lowerModule(*module, Phase::Llvm, cpuTarget(cpuOpt), &timing)))
      return 1;
    TimingScope write = timing.nest("LLVM code generation");
    return failed(writeModelObject(*module, *interface, cpuOpt, outputOpt,
                                   batchedTail ? &*batchedTail : nullptr))
               ? 1
               : 0;
  }
  }
  return 1;
}

/// Reads one .npy input and checks it against the model's input.
bool readInput(const std::string &path, const TensorInterface &expected,
               cnnrt_array &array) {
  if (cnnrt_npy_read(path.c_str(), &array) != 0) {
    llvm::errs() << "cnnc run: input '" << expected.name
                 << "': " << cnnrt_last_error() << "\n";
    return false;
  }
  std::vector<int64_t> shape(array.shape, array.shape + array.ndim);
  auto render = [](ArrayRef<int64_t> s) {
    std::string r;
    for (auto [i, d] : llvm::enumerate(s))
      r += (i ? "x" : "") + std::to_string(d);
    return r;
  };
  if (StringRef(array.dtype) != "f4" || shape != expected.shape) {
    llvm::errs() << "cnnc run: input '" << expected.name << "' (" << path
                 << ") is " << array.dtype << " " << render(shape)
                 << ", but the model takes float32 (f4) "
                 << render(expected.shape) << "\n";
    return false;
  }
  return true;
}

/// A model library that cnnc built into a temporary folder for `cnnc run`
/// or `cnnc train`, loaded, with its common API resolved and one instance
/// created (destroyed with it).
struct LoadedModel {
  llvm::sys::DynamicLibrary lib;
  std::string path, prefix;
  void *(*create)(const char *) = nullptr;
  int (*infer)(void *, void **) = nullptr;
  void (*destroy)(void *) = nullptr;
  /// The library carries its own copy of libcnnrt: its errors are there.
  const char *(*lastError)() = nullptr;
  void *instance = nullptr;

  LoadedModel() = default;
  LoadedModel(const LoadedModel &) = delete;
  LoadedModel &operator=(const LoadedModel &) = delete;
  ~LoadedModel() {
    if (instance)
      destroy(instance);
  }

  /// The library's `cnn_<name><suffix>` as a `Fn`, or null.
  template <typename Fn> Fn get(StringRef suffix) {
    return reinterpret_cast<Fn>(
        lib.getAddressOfSymbol((prefix + suffix).str().c_str()));
  }
};

/// Builds `module` into `dir` (a temporary folder), loads the library and
/// creates an instance; on failure prints one error prefixed with
/// `command` ("cnnc run") and returns null.
std::unique_ptr<LoadedModel> loadModel(ModuleOp module,
                                       const ModelInterface &interface,
                                       StringRef dir, bool train,
                                       StringRef command, TimingScope &timing,
                                       ModuleOp tail = {}) {
  if (failed(buildLibrary(module, interface, dir, timing, train, tail)))
    return nullptr;
  auto model = std::make_unique<LoadedModel>();
  model->path = (dir + "/lib" + interface.name + ".so").str();
  std::string error;
  model->lib = llvm::sys::DynamicLibrary::getPermanentLibrary(
      model->path.c_str(), &error);
  if (!model->lib.isValid()) {
    llvm::errs() << command << ": cannot load " << model->path << ": " << error
                 << "\n";
    return nullptr;
  }
  model->prefix = "cnn_" + interface.name;
  model->create = model->get<void *(*)(const char *)>("_create");
  model->infer = model->get<int (*)(void *, void **)>("_infer_packed");
  model->destroy = model->get<void (*)(void *)>("_destroy");
  model->lastError = reinterpret_cast<const char *(*)()>(
      model->lib.getAddressOfSymbol("cnnrt_last_error"));
  if (!model->create || !model->infer || !model->destroy || !model->lastError) {
    llvm::errs() << command << ": " << model->path
                 << " lacks the model's API\n";
    return nullptr;
  }
  model->instance = model->create(nullptr);
  if (!model->instance) {
    llvm::errs() << command << ": " << model->lastError() << "\n";
    return nullptr;
  }
  return model;
}

int runRun(MLIRContext &context, TimingScope &timing) {
  FailureOr<ModelInterface> interface = ModelInterface();
  TimingScope import = timing.nest("import");
  OwningOpRef<ModuleOp> tail;
  OwningOpRef<ModuleOp> module = importForInference(context, *interface, tail);
  import.stop();
  if (!module)
    return 1;
  if (inputOpts.size() != interface->inputs.size() ||
      outputOpts.size() != interface->outputs.size()) {
    llvm::errs() << "cnnc run: model '" << interface->name << "' takes "
                 << interface->inputs.size() << " input(s) and gives "
                 << interface->outputs.size() << " output(s); got "
                 << inputOpts.size() << " --input and " << outputOpts.size()
                 << " --output\n";
    return 1;
  }
  // Read the inputs first: bad data should not cost a compilation.
  std::vector<cnnrt_array> inputs(inputOpts.size());
  llvm::scope_exit freeInputs([&] {
    for (cnnrt_array &a : inputs)
      cnnrt_array_free(&a);
  });
  for (auto [path, expected, array] :
       llvm::zip_equal(inputOpts, interface->inputs, inputs))
    if (!readInput(path, expected, array))
      return 1;

  SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("cnnc-run", dir)) {
    llvm::errs() << "cnnc run: cannot create a temporary folder\n";
    return 1;
  }
  llvm::scope_exit removeDir([&] { llvm::sys::fs::remove_directories(dir); });
  std::unique_ptr<LoadedModel> model =
      loadModel(*module, *interface, dir, /*train=*/false, "cnnc run", timing,
                tail ? *tail : ModuleOp());
  if (!model)
    return 1;

  std::vector<std::vector<float>> outputs;
  std::vector<void *> args;
  for (cnnrt_array &a : inputs)
    args.push_back(a.data);
  for (const TensorInterface &t : interface->outputs) {
    int64_t count = 1;
    for (int64_t d : t.shape)
      count *= d;
    outputs.emplace_back(count);
    args.push_back(outputs.back().data());
  }
  if (model->infer(model->instance, args.data()) != 0) {
    llvm::errs() << "cnnc run: " << model->lastError() << "\n";
    return 1;
  }

  for (auto [path, t, data] :
       llvm::zip_equal(outputOpts, interface->outputs, outputs)) {
    cnnrt_array array = {};
    std::strcpy(array.dtype, "f4");
    array.ndim = t.shape.size();
    std::copy(t.shape.begin(), t.shape.end(), array.shape);
    array.data = data.data();
    array.nbytes = data.size() * sizeof(float);
    if (cnnrt_npy_write(path.c_str(), &array) != 0) {
      llvm::errs() << "cnnc run: output '" << t.name
                   << "': " << cnnrt_last_error() << "\n";
      return 1;
    }
  }
  return 0;
}

/// A dataset in memory: inputs [samples, ...] and labels (int64) or
/// targets (float32).
struct Dataset {
  cnnrt_array x = {}, y = {};
  int64_t samples = 0;
  ~Dataset() {
    cnnrt_array_free(&x);
    cnnrt_array_free(&y);
  }
};

/// Reads X and Y and checks them against the model: each sample of X has
/// the input's shape past the batch, Y has one int64 label per sample
/// (cross_entropy) or one output-shaped float32 target.
bool readDataset(const std::string &xPath, const std::string &yPath,
                 const TensorInterface &input, const TensorInterface &output,
                 bool labels, Dataset &data) {
  if (cnnrt_npy_read(xPath.c_str(), &data.x) != 0 ||
      cnnrt_npy_read(yPath.c_str(), &data.y) != 0) {
    llvm::errs() << "cnnc train: " << cnnrt_last_error() << "\n";
    return false;
  }
  auto shapeText = [](ArrayRef<int64_t> shape) {
    return "[" + llvm::join(llvm::map_range(shape, [](int64_t d) {
                              return std::to_string(d);
                            }),
                            ", ") +
           "]";
  };
  ArrayRef<int64_t> sample = ArrayRef<int64_t>(input.shape).drop_front();
  ArrayRef<int64_t> xShape(data.x.shape, data.x.ndim);
  if (std::strcmp(data.x.dtype, "f4") != 0 || xShape.empty() ||
      xShape.drop_front() != sample || xShape[0] < 1) {
    llvm::errs() << "cnnc train: " << xPath << ": expected float32 samples "
                 << "of shape " << shapeText(sample) << " ([samples, "
                 << shapeText(sample).substr(1) << "), got " << data.x.dtype
                 << " " << shapeText(xShape) << "\n";
    return false;
  }
  data.samples = xShape[0];
  ArrayRef<int64_t> yShape(data.y.shape, data.y.ndim);
  ArrayRef<int64_t> target = ArrayRef<int64_t>(output.shape).drop_front();
  bool ok = labels ? std::strcmp(data.y.dtype, "i8") == 0 &&
                         yShape.size() == 1 && yShape[0] == data.samples
                   : std::strcmp(data.y.dtype, "f4") == 0 &&
                         !yShape.empty() && yShape[0] == data.samples &&
                         yShape.drop_front() == target;
  if (!ok) {
    llvm::errs() << "cnnc train: " << yPath << ": expected "
                 << (labels ? "int64 labels of shape [" +
                                  std::to_string(data.samples) + "]"
                            : "float32 targets of shape [" +
                                  std::to_string(data.samples) + ", " +
                                  shapeText(target).substr(1))
                 << ", got " << data.y.dtype << " " << shapeText(yShape)
                 << "\n";
    return false;
  }
  if (labels) {
    const auto *l = static_cast<const int64_t *>(data.y.data);
    for (int64_t i = 0; i < data.samples; ++i)
      if (l[i] < 0 || l[i] >= output.shape.back()) {
        llvm::errs() << "cnnc train: " << yPath << ": label " << l[i]
                     << " of sample " << i << " is not a class index in [0, "
                     << output.shape.back() << ")\n";
        return false;
      }
  }
  return true;
}

/// cnnc train: compiles MODEL with its training step and runs epochs of
/// shuffled mini-batches (the last incomplete batch of an epoch is
/// dropped), evaluating on the validation set after each epoch.
int runTrain(MLIRContext &context, TimingScope &timing) {
  if (trainXOpt.empty() || trainYOpt.empty() || outputOpt == "-") {
    llvm::errs() << "cnnc train: needs --x X.npy --y Y.npy and -o "
                    "weights.safetensors\n";
    return 1;
  }
  if (valXOpt.empty() != valYOpt.empty()) {
    llvm::errs() << "cnnc train: give both --val-x and --val-y, or neither\n";
    return 1;
  }
  OwningOpRef<ModuleOp> module = importFromOptions(context);
  if (!module)
    return 1;
  // The training block's batch size unless --batch gives one.
  if (auto block = (*module)->getAttrOfType<DictionaryAttr>(kTrainingAttr);
      block && !batchOpt.getNumOccurrences())
    if (auto b = block.getAs<IntegerAttr>("batch");
        b && b.getInt() != cast<RankedTensorType>(
                               (*module).lookupSymbol<func::FuncOp>("forward")
                                   .getArgumentTypes()[0])
                               .getDimSize(0))
      module = importFromOptions(context, false, b.getInt());
  if (!module)
    return 1;
  FailureOr<ModelInterface> interface = readModelInterface(*module);
  if (failed(interface))
    return 1;
  FailureOr<BuildTrainStepPassOptions> options = trainingOptions(*module);
  if (failed(options))
    return 1;
  if (interface->inputs.size() != 1 || interface->outputs.size() != 1) {
    llvm::errs() << "cnnc train: the model needs one input and one output\n";
    return 1;
  }
  if (options->loss == "triplet") {
    llvm::errs() << "cnnc train: the triplet loss needs batches of "
                    "(anchor, positive, negative) triplets, which cnnc train "
                    "does not form; call cnn_<name>_train_step from your own "
                    "loop\n";
    return 1;
  }
  const TensorInterface &input = interface->inputs[0];
  const TensorInterface &output = interface->outputs[0];
  bool labels = options->loss == "cross_entropy";
  Dataset train, val;
  if (!readDataset(trainXOpt, trainYOpt, input, output, labels, train) ||
      (!valXOpt.empty() &&
       !readDataset(valXOpt, valYOpt, input, output, labels, val)))
    return 1;
  int64_t batch = input.shape[0];
  if (train.samples < batch) {
    llvm::errs() << "cnnc train: " << train.samples
                 << " training samples are fewer than one batch of " << batch
                 << " (set --batch)\n";
    return 1;
  }
  int64_t epochs = 10;
  if (auto block = (*module)->getAttrOfType<DictionaryAttr>(kTrainingAttr))
    if (auto e = block.getAs<IntegerAttr>("epochs"))
      epochs = e.getInt();
  if (epochsOpt.getNumOccurrences())
    epochs = epochsOpt;
  if (epochs < 1) {
    llvm::errs() << "cnnc train: --epochs must be positive\n";
    return 1;
  }

  SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("cnnc-train", dir)) {
    llvm::errs() << "cnnc train: cannot create a temporary folder\n";
    return 1;
  }
  llvm::scope_exit removeDir([&] { llvm::sys::fs::remove_directories(dir); });
  std::unique_ptr<LoadedModel> library =
      loadModel(*module, *interface, dir, /*train=*/true, "cnnc train", timing);
  if (!library)
    return 1;
  auto step =
      library->get<int (*)(void *, const float *, const void *, float *)>(
          "_train_step");
  auto save = library->get<int (*)(void *, const char *)>("_save_weights");
  if (!step || !save) {
    llvm::errs() << "cnnc train: " << library->path
                 << " lacks the training API\n";
    return 1;
  }
  void *model = library->instance;
  auto infer = library->infer;
  auto libraryError = library->lastError;

  int64_t sampleSize = 1, targetSize = 1;
  for (int64_t d : ArrayRef<int64_t>(input.shape).drop_front())
    sampleSize *= d;
  int64_t outputSize = 1;
  for (int64_t d : ArrayRef<int64_t>(output.shape).drop_front())
    outputSize *= d;
  if (!labels)
    targetSize = outputSize;
  size_t labelBytes = labels ? sizeof(int64_t) : sizeof(float) * targetSize;
  std::vector<float> xBatch(batch * sampleSize);
  std::vector<char> yBatch(batch * labelBytes);
  std::vector<float> outBatch(batch * outputSize);
  auto gather = [&](const Dataset &data, ArrayRef<int64_t> indices) {
    const auto *x = static_cast<const float *>(data.x.data);
    const auto *y = static_cast<const char *>(data.y.data);
    for (auto [i, index] : llvm::enumerate(indices)) {
      std::memcpy(&xBatch[i * sampleSize], x + index * sampleSize,
                  sampleSize * sizeof(float));
      std::memcpy(&yBatch[i * labelBytes], y + index * labelBytes, labelBytes);
    }
  };
  // Correct predictions (argmax == label) among the first `count` rows.
  auto correct = [&](int64_t count) {
    int64_t hits = 0;
    const auto *l = reinterpret_cast<const int64_t *>(yBatch.data());
    for (int64_t i = 0; i < count; ++i) {
      const float *row = &outBatch[i * outputSize];
      hits += std::max_element(row, row + outputSize) - row == l[i];
    }
    return hits;
  };
  // Validation: batches in order, the last one padded with its first
  // sample.
  auto evaluate = [&](const Dataset &data, double &lossSum, int64_t &hits) {
    lossSum = 0;
    hits = 0;
    for (int64_t start = 0; start < data.samples; start += batch) {
      int64_t count = std::min(batch, data.samples - start);
      SmallVector<int64_t> indices;
      for (int64_t i = 0; i < batch; ++i)
        indices.push_back(start + (i < count ? i : 0));
      gather(data, indices);
      void *args[] = {xBatch.data(), outBatch.data()};
      if (infer(model, args) != 0)
        return false;
      if (labels) {
        hits += correct(count);
        const auto *l = reinterpret_cast<const int64_t *>(yBatch.data());
        for (int64_t i = 0; i < count; ++i) {
          const float *row = &outBatch[i * outputSize];
          float max = *std::max_element(row, row + outputSize);
          double sum = 0;
          for (int64_t c = 0; c < outputSize; ++c)
            sum += std::exp(double(row[c]) - max);
          lossSum += std::log(sum) + max - row[l[i]];
        }
      } else {
        const auto *t = reinterpret_cast<const float *>(yBatch.data());
        for (int64_t i = 0; i < count * outputSize; ++i)
          lossSum += double(outBatch[i] - t[i]) * (outBatch[i] - t[i]) /
                     outputSize;
      }
    }
    return true;
  };

  llvm::errs() << "training " << interface->name << ": " << train.samples
               << " samples, batch " << batch << ", " << epochs
               << " epochs, " << options->optimizer << " lr "
               << options->learningRate << ", loss " << options->loss
               << ", seed " << seedOpt << "\n";
  // A progress bar on a terminal; one line per epoch on stdout always.
  bool progress = llvm::errs().is_displayed();
  std::mt19937_64 rng(seedOpt);
  std::vector<int64_t> order(train.samples);
  int64_t steps = train.samples / batch;
  double lastAccuracy = -1;
  for (int64_t epoch = 1; epoch <= epochs; ++epoch) {
    std::iota(order.begin(), order.end(), 0);
    // Fisher-Yates with the seeded generator: the same on every platform.
    for (int64_t i = train.samples - 1; i > 0; --i)
      std::swap(order[i], order[rng() % (i + 1)]);
    double lossSum = 0;
    for (int64_t s = 0; s < steps; ++s) {
      gather(train, ArrayRef<int64_t>(order).slice(s * batch, batch));
      float loss = 0;
      if (step(model, xBatch.data(), yBatch.data(), &loss) != 0) {
        llvm::errs() << "\ncnnc train: epoch " << epoch << ", step " << s + 1
                     << ": " << libraryError() << "\n";
        return 1;
      }
      lossSum += loss;
      if (!progress)
        continue;
      int width = 30, done = int(width * (s + 1) / steps);
      llvm::errs() << llvm::formatv("\repoch {0}/{1} [{2}{3}] loss {4:F4}",
                                    epoch, epochs, std::string(done, '='),
                                    std::string(width - done, ' '),
                                    lossSum / (s + 1));
    }
    if (progress)
      llvm::errs() << "\n";
    llvm::outs() << llvm::formatv("epoch {0} train_loss {1:F4}", epoch,
                                  lossSum / steps);
    if (val.samples) {
      double valLoss;
      int64_t hits;
      if (!evaluate(val, valLoss, hits)) {
        llvm::errs() << "cnnc train: " << libraryError() << "\n";
        return 1;
      }
      lastAccuracy = double(hits) / val.samples;
      llvm::outs() << llvm::formatv(" val_loss {0:F4}", valLoss / val.samples);
      if (labels)
        llvm::outs() << llvm::formatv(" val_accuracy {0:F4}", lastAccuracy);
    }
    llvm::outs() << "\n";
    llvm::outs().flush();
  }
  if (save(model, outputOpt.c_str()) != 0) {
    llvm::errs() << "cnnc train: " << libraryError() << "\n";
    return 1;
  }
  llvm::errs() << "wrote " << outputOpt << "\n";
  if (val.samples && labels)
    llvm::outs() << llvm::formatv("val_accuracy {0:F4}\n", lastAccuracy);
  return 0;
}

int runInspect(MLIRContext &context, TimingScope &timing) {
  // Statistics need shapes, not weight values; planning memory lowers the
  // model, whose weights fold like a compile's.
  OwningOpRef<ModuleOp> module = importFromOptions(
      context,
      /*shapesOnly=*/!memoryOpt && !weightsOpt.getNumOccurrences());
  if (!module)
    return 1;
  auto name = (*module)->getAttrOfType<StringAttr>(kModelNameAttr);
  printLayerTable(llvm::outs(), name ? name.getValue() : "model",
                  collectLayerStats(*module));
  if (!memoryOpt)
    return 0;
  // As cnnc compile lowers it: one sample at a time where it runs so,
  // weights in one buffer, packed at load time.
  bool probeFailed = false;
  auto perSample = probePerSample(context, probeFailed);
  if (probeFailed)
    return 1;
  OwningOpRef<ModuleOp> tail;
  std::string tailLayer;
  if (perSample) {
    ScopedDiagnosticHandler quiet(&context,
                                  [](Diagnostic &) { return success(); });
    module = importFromOptions(context, /*shapesOnly=*/false, std::nullopt,
                               /*forcedBatch=*/1);
    if (!module)
      return 1;
    tail = splitBatchedTail(context, *module);
  }
  ModelInterface lowered, tailLowered;
  if (tail) {
    FailureOr<ModelInterface> read = readModelInterface(*tail);
    if (failed(read))
      return 1;
    tailLowered = *read;
    tailLayer = firstLayerName(*tail);
  }
  for (ModuleOp part : {*module, tail ? *tail : ModuleOp()}) {
    if (!part)
      continue;
    stripInterfaceNames(part);
    PassManager pm(&context);
    pm.addPass(createOutlineWeightsPass());
    if (failed(pm.run(part)) ||
        failed(lowerModule(part, Phase::Llvm, cpuTarget(cpuOpt), &timing)))
      return 1;
    readLoweredLayout(part, part == *module ? lowered : tailLowered);
  }
  if (tail) {
    SplitArena arena = splitArena(lowered, tailLowered);
    printActivationMemory(llvm::outs(), arena.bytes, arena.lowerBound);
    llvm::outs() << llvm::formatv(
        "the library runs the batch of {0} one sample at a time up to layer "
        "'{1}', and the layers from there on on the whole batch: the arena "
        "holds the batch's {2} bytes of features between them, then one "
        "sample's activations or the batch's of those layers; _infer on T "
        "threads runs T samples side by side in T arenas "
        "(--batched-tail=false runs every layer one sample at a time, "
        "--per-sample=false keeps the batch)\n",
        perSample->first, tailLayer, arena.featureBytes);
    return 0;
  }
  printActivationMemory(llvm::outs(), lowered.arenaBytes,
                        lowered.arenaLowerBound);
  if (perSample)
    llvm::outs() << llvm::formatv(
        "the library runs the batch of {0} one sample at a time: the arena "
        "holds one sample's activations, and _infer on T threads runs T "
        "samples side by side in T such arenas (--per-sample=false keeps "
        "the batch)\n",
        perSample->first);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  StringRef command = argc > 1 ? StringRef(argv[1]) : StringRef();
  if (command.empty() || command == "--help" || command == "-help" ||
      command == "-h" || command == "help") {
    llvm::outs() << kOverview;
    return command.empty() ? 1 : 0;
  }
  if (command == "--version") {
    llvm::outs() << "cnnc 0.1 (LLVM/MLIR " << LLVM_VERSION_STRING << ")\n";
    return 0;
  }

  std::vector<cl::OptionCategory *> categories = {&commonCategory};
  if (command == "compile" || command == "train")
    categories.push_back(&trainCategory);
  if (command == "compile")
    categories.push_back(&compileCategory);
  else if (command == "run")
    categories.push_back(&runCategory);
  else if (command == "train")
    categories.push_back(&trainLoopCategory);
  else if (command == "inspect")
    categories.push_back(&inspectCategory);
  else {
    llvm::errs() << "cnnc: unknown command '" << command
                 << "' (commands: compile, run, train, inspect; see cnnc --help)\n";
    return 1;
  }
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  // First: --mlir-print-ir-after=<pass> and its kin take the names of the
  // passes registered when they are.
  registerCpuPipelinePasses();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::HideUnrelatedOptions(categories);

  std::string toolName = ("cnnc " + command).str();
  std::vector<const char *> args = {toolName.c_str()};
  args.insert(args.end(), argv + 2, argv + argc);
  cl::ParseCommandLineOptions(static_cast<int>(args.size()), args.data(),
                              kOverview);
  if (failed(rejectForeignOptions(command, categories)))
    return 1;
  if (std::string error = checkTargetCpu(cpuOpt); !error.empty()) {
    llvm::errs() << toolName << ": --cpu: " << error << "\n";
    return 1;
  }
  if (modelPath.empty()) {
    llvm::errs() << toolName << ": missing MODEL (a .json model description)\n";
    return 1;
  }

  DialectRegistry registry;
  registerCpuPipelineDependencies(registry);
  MLIRContext context(registry);
  CnncDiagnostics diagnostics(&context);
  // --mlir-timing: the time of each phase (import, each part of the pass
  // pipeline pass by pass, LLVM's code generation), reported at exit.
  DefaultTimingManager timingManager;
  applyDefaultTimingManagerCLOptions(timingManager);
  TimingScope timing = timingManager.getRootScope();
  int status = command == "compile" ? runCompile(context, timing)
               : command == "run"   ? runRun(context, timing)
               : command == "train" ? runTrain(context, timing)
                                    : runInspect(context, timing);
  return status != 0 || diagnostics.errorCount() ? 1 : 0;
}

//===- cnnc.cpp - the cnnc command-line driver ----------------------------===//
//
//   cnnc compile MODEL [--emit cnn|linalg|llvm|obj|lib] [-o FILE|OUTDIR]
//   cnnc run MODEL --input x.npy ... --output y.npy ...
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
#include "llvm/Support/Path.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

#include <cstring>

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
cl::opt<std::string>
    weightsOpt("weights",
               cl::desc("Weights file to use instead of the description's"),
               cl::value_desc("file.safetensors"), cl::cat(commonCategory));
cl::opt<uint64_t> seedOpt("seed",
                          cl::desc("Seed of the initialisation used when the "
                                   "model has no weights file (default 0)"),
                          cl::init(0), cl::cat(commonCategory));

cl::OptionCategory runCategory("Options of 'cnnc run'");

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
           cl::cat(runCategory));
cl::opt<bool> embedWeightsOpt(
    "embed-weights",
    cl::desc("Embed the weights in the library (default: the library loads "
             "the weights file when an instance is created)"),
    cl::init(false), cl::cat(compileCategory), cl::cat(runCategory));
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
                               cl::cat(compileCategory));
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
  inspect   Print MODEL's layers with output shapes, parameters and MACs,
            and their totals

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
    bool isCnncOption =
        llvm::is_contained(option->Categories, &commonCategory) ||
        llvm::is_contained(option->Categories, &compileCategory);
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

OwningOpRef<ModuleOp> importFromOptions(MLIRContext &context,
                                        bool shapesOnly = false) {
  ImportOptions options;
  options.shapesOnly = shapesOnly;
  if (batchOpt.getNumOccurrences()) {
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

/// Lowers `module` to LLVM and writes the model library into `outputDir`.
/// Unless the weights are embedded, they move into one buffer that the
/// library loads at create time: from the description's weights file, or
/// from OUTDIR/<name>.safetensors written here for models cnnc initialised.
LogicalResult buildLibrary(ModuleOp module, ModelInterface interface,
                           StringRef outputDir) {
  stripInterfaceNames(module);
  LibraryOptions options;
  options.outputDir = outputDir.str();
  options.cpu = cpuOpt;
  options.runtimeLibrary = CNNC_RUNTIME_LIBRARY;
  if (!embedWeightsOpt) {
    if (auto file = module->getAttrOfType<StringAttr>(kWeightsFileAttr)) {
      interface.weightsPath = file.str();
    } else {
      module.walk([&](arith::ConstantOp op) {
        auto attr = dyn_cast<DenseResourceElementsAttr>(op.getValue());
        if (!attr)
          return;
        auto data = cast<DenseF32ResourceElementsAttr>(attr).tryGetAsArrayRef();
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
    if (failed(pm.run(module)))
      return failure();
    readWeightsLayout(module, interface);
  }
  if (failed(lowerModule(module, Phase::Llvm,
                         CpuTarget{targetVectorWidth(options.cpu)})))
    return failure();
  return writeModelLibrary(module, interface, options);
}

int runCompile(MLIRContext &context) {
  OwningOpRef<ModuleOp> module = importFromOptions(context);
  if (!module)
    return 1;
  switch (emitOpt) {
  case Emit::Cnn:
    return printModule(*module);
  case Emit::Linalg:
  case Emit::Llvm:
    if (failed(lowerModule(*module,
                           emitOpt == Emit::Linalg ? Phase::Linalg
                                                   : Phase::Llvm,
                           CpuTarget{targetVectorWidth(cpuOpt)})))
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
    FailureOr<ModelInterface> interface = readModelInterface(*module);
    if (failed(interface))
      return 1;
    if (emitOpt == Emit::Lib)
      return failed(buildLibrary(*module, *interface, outputOpt)) ? 1 : 0;
    stripInterfaceNames(*module);
    if (failed(lowerModule(*module, Phase::Llvm,
                           CpuTarget{targetVectorWidth(cpuOpt)})))
      return 1;
    return failed(writeModelObject(*module, *interface, cpuOpt, outputOpt)) ? 1
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

int runRun(MLIRContext &context) {
  OwningOpRef<ModuleOp> module = importFromOptions(context);
  if (!module)
    return 1;
  FailureOr<ModelInterface> interface = readModelInterface(*module);
  if (failed(interface))
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
  if (failed(buildLibrary(*module, *interface, dir)))
    return 1;

  std::string library = (dir + "/lib" + interface->name + ".so").str();
  std::string error;
  auto lib =
      llvm::sys::DynamicLibrary::getPermanentLibrary(library.c_str(), &error);
  if (!lib.isValid()) {
    llvm::errs() << "cnnc run: cannot load " << library << ": " << error
                 << "\n";
    return 1;
  }
  std::string prefix = "cnn_" + interface->name;
  using CreateFn = void *(*)(const char *);
  using InferFn = int (*)(void *, void **);
  using DestroyFn = void (*)(void *);
  auto create = reinterpret_cast<CreateFn>(
      lib.getAddressOfSymbol((prefix + "_create").c_str()));
  auto infer = reinterpret_cast<InferFn>(
      lib.getAddressOfSymbol((prefix + "_infer_packed").c_str()));
  auto destroy = reinterpret_cast<DestroyFn>(
      lib.getAddressOfSymbol((prefix + "_destroy").c_str()));
  // The library carries its own copy of libcnnrt: ask it for its errors.
  using ErrorFn = const char *(*)();
  auto libraryError = reinterpret_cast<ErrorFn>(
      lib.getAddressOfSymbol("cnnrt_last_error"));
  if (!create || !infer || !destroy || !libraryError) {
    llvm::errs() << "cnnc run: " << library << " lacks the model's API\n";
    return 1;
  }

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
  void *model = create(nullptr);
  if (!model || infer(model, args.data()) != 0) {
    llvm::errs() << "cnnc run: " << libraryError() << "\n";
    if (model)
      destroy(model);
    return 1;
  }
  destroy(model);

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

int runInspect(MLIRContext &context) {
  // Statistics need shapes, not weight values.
  OwningOpRef<ModuleOp> module = importFromOptions(
      context, /*shapesOnly=*/!weightsOpt.getNumOccurrences());
  if (!module)
    return 1;
  auto name = (*module)->getAttrOfType<StringAttr>(kModelNameAttr);
  printLayerTable(llvm::outs(), name ? name.getValue() : "model",
                  collectLayerStats(*module));
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
  if (command == "compile")
    categories.push_back(&compileCategory);
  else if (command == "run")
    categories.push_back(&runCategory);
  else if (command != "inspect") {
    llvm::errs() << "cnnc: unknown command '" << command
                 << "' (commands: compile, run, inspect; see cnnc --help)\n";
    return 1;
  }
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
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
  if (modelPath.empty()) {
    llvm::errs() << toolName << ": missing MODEL (a .json model description)\n";
    return 1;
  }

  DialectRegistry registry;
  registerCpuPipelineDependencies(registry);
  MLIRContext context(registry);
  CnncDiagnostics diagnostics(&context);
  int status = command == "compile" ? runCompile(context)
               : command == "run"   ? runRun(context)
                                    : runInspect(context);
  return status != 0 || diagnostics.errorCount() ? 1 : 0;
}

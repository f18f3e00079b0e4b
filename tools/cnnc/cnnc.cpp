//===- cnnc.cpp - the cnnc command-line driver ----------------------------===//
//
//   cnnc compile MODEL [--emit cnn] [-o FILE] [--batch N] [--weights FILE]
//   cnnc inspect MODEL [--batch N] [--weights FILE]
//
// MODEL is a JSON model description (docs/model-format.md). Every problem is
// reported as one diagnostic naming the file, the line and the layer, the
// exit code is non-zero, and no output file is left behind.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialects/cnn/IR/CnnDialect.h"
#include "frontends/json/ModelImporter.h"
#include "tools/cnnc/Diagnostics.h"
#include "tools/cnnc/Inspect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

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

enum class Emit { Cnn };
cl::opt<Emit>
    emitOpt("emit", cl::desc("What 'cnnc compile' writes"), cl::init(Emit::Cnn),
            cl::values(clEnumValN(Emit::Cnn, "cnn",
                                  "the imported model in the cnn dialect")),
            cl::cat(compileCategory));
cl::opt<std::string> outputOpt("o", cl::desc("Output file ('-' for stdout)"),
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
  compile   Import MODEL and write it in the cnn dialect (--emit cnn)
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

int runCompile(MLIRContext &context) {
  OwningOpRef<ModuleOp> module = importFromOptions(context);
  if (!module)
    return 1;
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
  else if (command != "inspect") {
    llvm::errs() << "cnnc: unknown command '" << command
                 << "' (commands: compile, inspect; see cnnc --help)\n";
    return 1;
  }
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
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
  registry.insert<CnnDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect>();
  MLIRContext context(registry);
  CnncDiagnostics diagnostics(&context);
  int status = command == "compile" ? runCompile(context) : runInspect(context);
  return status != 0 || diagnostics.errorCount() ? 1 : 0;
}

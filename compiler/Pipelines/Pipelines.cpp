//===- Pipelines.cpp - cnnc's named compilation phases --------------------===//

#include "compiler/Pipelines/Pipelines.h"

#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/cnn/IR/CnnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

using namespace mlir;
using namespace mlir::cnn;

namespace {
/// cnn -> linalg on tensors.
const char *const kToLinalg =
    "func.func(convert-cnn-to-linalg),canonicalize,cse";

/// linalg on tensors -> LLVM dialect. Buffers: one-shot bufferization with
/// identity layouts at the function boundary, results turned into
/// caller-provided output buffers, temporaries freed by the ownership-based
/// deallocation pipeline. Code: plain loops for now.
const char *const kToLlvm =
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-results-to-out-params{hoist-static-allocs=true "
    "modify-public-functions=true},"
    "canonicalize,cse,"
    "buffer-deallocation-pipeline,"
    "convert-bufferization-to-memref,"
    "func.func(convert-linalg-to-loops),"
    "convert-scf-to-cf,expand-strided-metadata,lower-affine,"
    "finalize-memref-to-llvm,convert-math-to-llvm,convert-math-to-libm,"
    "convert-arith-to-llvm,convert-cf-to-llvm,"
    "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
    "convert-index-to-llvm,convert-ub-to-llvm,reconcile-unrealized-casts";
} // namespace

LogicalResult mlir::cnn::buildCpuPipeline(OpPassManager &pm, Phase from,
                                          Phase to) {
  static bool registered = [] {
    registerAllPasses();
    registerCnnTransformsPasses();
    registerCnnConversionPasses();
    return true;
  }();
  (void)registered;
  std::string pipeline;
  if (from < Phase::Linalg && to >= Phase::Linalg)
    pipeline += kToLinalg;
  if (from < Phase::Llvm && to >= Phase::Llvm)
    pipeline += std::string(pipeline.empty() ? "" : ",") + kToLlvm;
  if (pipeline.empty())
    return success();
  return parsePassPipeline(pipeline, pm);
}

/// Gives every returned tensor its own value: a function returning one value
/// twice (two outputs naming the same layer, or identical layers merged by
/// CSE) would otherwise need one buffer to be two output buffers.
static void makeResultsDistinct(ModuleOp module) {
  module.walk([](func::ReturnOp ret) {
    llvm::SmallPtrSet<Value, 8> seen;
    OpBuilder b(ret);
    for (OpOperand &operand : ret->getOpOperands()) {
      Value v = operand.get();
      auto type = dyn_cast<RankedTensorType>(v.getType());
      if (!type || seen.insert(v).second)
        continue;
      Value init = tensor::EmptyOp::create(b, ret.getLoc(), type.getShape(),
                                           type.getElementType());
      operand.set(
          linalg::CopyOp::create(b, ret.getLoc(), v, init).getResult(0));
    }
  });
}

static LogicalResult runPipeline(ModuleOp module, Phase from, Phase to) {
  PassManager pm(module->getContext());
  if (failed(applyPassManagerCLOptions(pm)) ||
      failed(buildCpuPipeline(pm, from, to)))
    return failure();
  return pm.run(module);
}

LogicalResult mlir::cnn::lowerModule(ModuleOp module, Phase to) {
  if (failed(runPipeline(module, Phase::Cnn, std::min(to, Phase::Linalg))))
    return failure();
  if (to == Phase::Linalg)
    return success();
  makeResultsDistinct(module);
  return runPipeline(module, Phase::Linalg, to);
}

void mlir::cnn::registerCpuPipelineDependencies(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<CnnDialect>();
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

//===- Pipelines.cpp - cnnc's named compilation phases --------------------===//

#include "compiler/Pipelines/Pipelines.h"

#include "compiler/Codegen/Passes.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/Gradients.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/cnn/IR/CnnDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

using namespace mlir;
using namespace mlir::cnn;

namespace {
/// cnn -> linalg on tensors: batch norm folded into convolutions, which with
/// pools run in NHWC, the layout transposes between them cancelled,
/// elementwise chains fused.
const char *const kToLinalg =
    "func.func(cnn-fold-batch-norm),canonicalize,"
    "func.func(convert-cnn-to-linalg),canonicalize,cse,"
    "func.func(cnn-propagate-transposes,cnn-fuse-elementwise),"
    "canonicalize,cse";

/// Convolutions of stride 1 (and 3x3 ones of stride 2) as Winograd products
/// where that pays: the first pass of kTileAndVectorize where the target
/// takes Winograd (CpuTarget::winograd). @W is the target's vector width,
/// @F the multiply-adds reading a float of the transformed filter costs
/// there, @L whether it may take F(6x6, 3x3).
const char *const kWinograd =
    "func.func(cnn-winograd{vector-width=@W filter-float-cost=@F "
    "large-blocks=@L}),";

/// linalg on tensors -> LLVM dialect, first part (on tensors), after
/// kWinograd: filters blocked,
/// weight-only work moved to load time, register tiles vectorized (accumulators
/// hoisted out of the reduction loops; fold-tensor-subset-ops then turns the
/// transfers of a two-row tile's rows, slices of the tile, into transfers of
/// the tile, which bufferize in place; cnn-forward-tile-writes keeps a tile's
/// initial value and sums in registers), everything else plain loops; producers
/// of padded tensors compute into the padded tensor. @W is the target's vector
/// width. It ends before lowerModule makes the returned tensors distinct:
/// eliminate-empty-tensors would undo those copies.
const char *const kTileAndVectorize =
    "func.func(cnn-fuse-row-bands),"
    "func.func(cnn-block-weights{vector-width=@W}),"
    "cnn-hoist-weight-packing,"
    "func.func(cnn-cpu-tile-and-vectorize{vector-width=@W}),canonicalize,cse,"
    "loop-invariant-subset-hoisting,fold-tensor-subset-ops,canonicalize,cse,"
    "func.func(cnn-forward-tile-writes,cnn-decompose-pads),"
    "eliminate-empty-tensors";

/// The rest of linalg -> LLVM. Buffers: one-shot bufferization with identity
/// layouts at the function boundary, results turned into caller-provided
/// output buffers, the model's temporaries placed in one arena by liveness,
/// the rest freed by the ownership-based deallocation
/// pipeline; the next filter block prefetched where blocks are streamed;
/// outermost parallel loops on the runtime's threads. lowerModule
/// makes the returned tensors distinct just before it (canonicalization
/// would fold the copies that takes).
const char *const kBufferizeToLlvm =
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-results-to-out-params{hoist-static-allocs=true "
    "modify-public-functions=true},"
    "cse,canonicalize,cnn-plan-memory,"
    "buffer-deallocation-pipeline,"
    "convert-bufferization-to-memref,"
    "func.func(cnn-cpu-lower-vectors,cnn-prefetch-weights,"
    "convert-linalg-to-loops),"
    "cnn-cpu-parallel-loops,func.func(scf-forall-to-for),"
    "convert-scf-to-cf,expand-strided-metadata,lower-affine,"
    "convert-math-to-llvm,convert-math-to-libm,convert-vector-to-llvm,"
    "finalize-memref-to-llvm{use-generic-functions=true},"
    "convert-arith-to-llvm,convert-cf-to-llvm,"
    "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
    "convert-index-to-llvm,convert-ub-to-llvm,reconcile-unrealized-casts";
} // namespace

/// kTileAndVectorize for `target`.
static std::string tileAndVectorizePipeline(const CpuTarget &target) {
  std::string pipeline = kTileAndVectorize;
  if (target.winograd)
    pipeline = kWinograd + pipeline;
  for (size_t at; (at = pipeline.find("@W")) != std::string::npos;)
    pipeline.replace(at, 2, std::to_string(target.vectorWidth));
  int64_t filterFloatCost =
      target.halfRateAvx512 ? target.vectorWidth / 2 : target.vectorWidth;
  if (size_t at = pipeline.find("@F"); at != std::string::npos)
    pipeline.replace(at, 2, std::to_string(filterFloatCost));
  if (size_t at = pipeline.find("@L"); at != std::string::npos)
    pipeline.replace(at, 2, target.halfRateAvx512 ? "true" : "false");
  if (!target.hoistWeightPacking) {
    StringRef hoist = "cnn-hoist-weight-packing,";
    pipeline.erase(pipeline.find(hoist), hoist.size());
  }
  return pipeline;
}

/// Parses `pipeline` and runs it on `module`, with MLIR's pass manager
/// command-line options (IR printing, statistics) applied and its passes
/// timed under `timing`, in a scope named `name`, when given.
static LogicalResult runPasses(ModuleOp module, StringRef pipeline,
                               StringRef name, TimingScope *timing) {
  registerCpuPipelinePasses();
  PassManager pm(module->getContext());
  if (failed(applyPassManagerCLOptions(pm)) ||
      failed(parsePassPipeline(pipeline, pm)))
    return failure();
  // An empty scope (no `timing`) leaves the pass manager untimed.
  TimingScope part = timing ? timing->nest(name) : TimingScope();
  pm.enableTiming(part);
  return pm.run(module);
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

/// Marks every function argument read-only for bufferization: model inputs
/// are the caller's (`const float *` in the C API) and the weights buffer is
/// shared by every inference, so writes into either must go to a copy.
static void makeArgumentsReadOnly(ModuleOp module) {
  Builder b(module.getContext());
  module.walk([&](func::FuncOp func) {
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
      if (isa<TensorType>(func.getArgument(i).getType()))
        func.setArgAttr(i, "bufferization.writable", b.getBoolAttr(false));
  });
}

LogicalResult mlir::cnn::lowerModule(ModuleOp module, Phase to,
                                     const CpuTarget &target,
                                     TimingScope *timing) {
  if (to == Phase::Cnn)
    return success();
  if (failed(runPasses(module, kToLinalg, "cnn to linalg", timing)))
    return failure();
  if (to == Phase::Linalg)
    return success();
  // Up to bufferization, then the rest once every returned tensor has its
  // own value and arguments are read-only.
  // Winograd's filter transform pays only where it runs once, at load time:
  // with the weights in a buffer (cnn-outline-weights) and hoisted.
  CpuTarget lowering = target;
  lowering.winograd = target.winograd && target.hoistWeightPacking &&
                      module->hasAttr("cnn.weights");
  if (failed(runPasses(module, tileAndVectorizePipeline(lowering),
                       "tile and vectorize", timing)))
    return failure();
  makeResultsDistinct(module);
  makeArgumentsReadOnly(module);
  return runPasses(module, kBufferizeToLlvm, "bufferize and lower to LLVM",
                   timing);
}

void mlir::cnn::registerCpuPipelinePasses() {
  static bool registered = [] {
    registerAllPasses();
    registerCnnTransformsPasses();
    registerCnnConversionPasses();
    registerCnnCodegenPasses();
    return true;
  }();
  (void)registered;
}

void mlir::cnn::registerCpuPipelineDependencies(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<CnnDialect>();
  registerGradientModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

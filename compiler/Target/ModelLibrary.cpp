//===- ModelLibrary.cpp - model libraries: object, archive, .so, header ---===//

#include "compiler/Target/ModelLibrary.h"

#include "frontends/json/ModelImporter.h"
#include "frontends/json/Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <algorithm>
#include <thread>

using namespace mlir;
using namespace mlir::cnn;

std::string mlir::cnn::toCIdentifier(StringRef name) {
  std::string id;
  for (char c : name)
    id += llvm::isAlnum(c) ? c : '_';
  if (id.empty() || llvm::isDigit(id[0]))
    id = "m" + id;
  return id;
}

FailureOr<ModelInterface> mlir::cnn::readModelInterface(ModuleOp module) {
  auto func = module.lookupSymbol<func::FuncOp>("forward");
  if (!func)
    return module.emitError("the module has no model function 'forward'");
  ModelInterface interface;
  auto modelName = module->getAttrOfType<StringAttr>(kModelNameAttr);
  interface.name = toCIdentifier(modelName ? modelName.getValue() : "model");
  auto collect = [&](TypeRange types, auto nameOf,
                     std::vector<TensorInterface> &into, StringRef prefix) {
    for (auto [index, type] : llvm::enumerate(types)) {
      auto tensor = dyn_cast<RankedTensorType>(type);
      if (!tensor || !tensor.hasStaticShape())
        return failure();
      StringAttr name = nameOf(index);
      into.push_back({toCIdentifier(name ? name.getValue()
                                         : (prefix + Twine(index)).str()),
                      std::vector<int64_t>(tensor.getShape())});
    }
    return success();
  };
  if (failed(collect(
          func.getArgumentTypes(),
          [&](unsigned i) {
            return func.getArgAttrOfType<StringAttr>(i, kValueNameAttr);
          },
          interface.inputs, "input")) ||
      failed(collect(
          func.getResultTypes(),
          [&](unsigned i) {
            return func.getResultAttrOfType<StringAttr>(i, kValueNameAttr);
          },
          interface.outputs, "output")))
    return func.emitError("model inputs and outputs need static shapes");
  return interface;
}

void mlir::cnn::readWeightsLayout(ModuleOp module, ModelInterface &interface) {
  auto layout = module->getAttrOfType<ArrayAttr>("cnn.weights");
  auto size = module->getAttrOfType<IntegerAttr>("cnn.weights_size");
  if (!layout || !size)
    return;
  interface.outlinedWeights = true;
  interface.weightsSize = size.getInt();
  for (auto entry : layout.getAsRange<DictionaryAttr>()) {
    WeightEntry w;
    w.name = cast<StringAttr>(entry.get("name")).str();
    w.offset = cast<IntegerAttr>(entry.get("offset")).getInt();
    auto shape = cast<DenseI64ArrayAttr>(entry.get("shape")).asArrayRef();
    w.shape.assign(shape.begin(), shape.end());
    interface.weights.push_back(std::move(w));
  }
}

void mlir::cnn::readTrainingLayout(ModuleOp module,
                                   ModelInterface &interface) {
  auto train = module->getAttrOfType<DictionaryAttr>("cnn.train");
  if (!train || !module.lookupSymbol("train_step"))
    return;
  interface.train = true;
  interface.loss = cast<StringAttr>(train.get("loss")).str();
  interface.optimizer = cast<StringAttr>(train.get("optimizer")).str();
  interface.learningRate =
      cast<FloatAttr>(train.get("lr")).getValueAsDouble();
  interface.stateSize = cast<IntegerAttr>(train.get("state_size")).getInt();
}

void mlir::cnn::readLoweredLayout(ModuleOp module,
                                  ModelInterface &interface) {
  if (auto packed = module->getAttrOfType<IntegerAttr>("cnn.packed_weights_size"))
    interface.packedWeightsSize = packed.getInt();
  if (auto offsets =
          module->getAttrOfType<DenseI64ArrayAttr>("cnn.packed_weights"))
    interface.packedWeightOffsets.assign(offsets.asArrayRef().begin(),
                                         offsets.asArrayRef().end());
  if (auto bytes = module->getAttrOfType<IntegerAttr>("cnn.arena_bytes"))
    interface.arenaBytes = bytes.getInt();
  if (auto bound = module->getAttrOfType<IntegerAttr>("cnn.arena_lower_bound"))
    interface.arenaLowerBound = bound.getInt();
  if (auto alignment =
          module->getAttrOfType<IntegerAttr>("cnn.arena_alignment"))
    interface.arenaAlignment = alignment.getInt();
}

std::string mlir::cnn::generateHeader(const ModelInterface &m) {
  std::string upper = llvm::StringRef(m.name).upper();
  std::string h;
  llvm::raw_string_ostream os(h);
  os << "/* Generated by cnnc: the C API of model '" << m.name << "'. */\n"
     << "#ifndef CNN_" << upper << "_H\n#define CNN_" << upper << "_H\n\n"
     << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "/** An instance of the model (its weights); safe to use for inference "
        "from several threads at once. */\n"
     << "typedef struct cnn_" << m.name << " cnn_" << m.name << ";\n\n";
  os << "/** Activation memory of one inference, in bytes: one arena planned "
        "by liveness\n    (the most bytes live at once is "
     << m.arenaLowerBound
     << "), and the alignment _infer_with_arena needs "
        "of it. */\n"
     << (m.batchedTail
             ? llvm::formatv(
                   "/** A batch of {0} runs its first layers one sample at a "
                   "time (their activations\n    then stay in cache) and its "
                   "last layers, whose activations are small and\n    whose "
                   "weights many, on the whole batch. The arena holds the "
                   "batch's\n    features between them, then one sample's "
                   "activations or the last layers'.\n    _infer runs as "
                   "many samples side by side as it has threads (see\n    "
                   "cnnrt_set_num_threads), each thread in an arena of its "
                   "own; _infer_with_arena\n    runs them one after the "
                   "other in the one given. */\n",
                   m.sampleRuns)
                   .str()
         : m.sampleRuns > 1
             ? llvm::formatv(
                   "/** A batch of {0} runs one sample at a time (each "
                   "layer's activations then stay\n    in cache); the arena "
                   "holds one sample's. _infer runs as many\n    "
                   "samples side by side as it has threads (see "
                   "cnnrt_set_num_threads), each\n    thread in an arena of "
                   "its own; _infer_with_arena runs them one after the\n"
                   "    other in the one given. */\n",
                   m.sampleRuns)
                   .str()
             : std::string())
     << "#define CNN_" << upper << "_ARENA_BYTES " << m.arenaBytes << "\n"
     << "#define CNN_" << upper << "_ARENA_ALIGNMENT " << m.arenaAlignment
     << "\n\n";
  auto describe = [&](const std::vector<TensorInterface> &tensors,
                      StringRef kind) {
    os << "#define CNN_" << upper << "_NUM_" << StringRef(kind).upper() << "S "
       << tensors.size() << "\n";
    for (auto [i, t] : llvm::enumerate(tensors)) {
      std::string prefix =
          llvm::formatv("CNN_{0}_{1}{2}", upper, StringRef(kind).upper(), i);
      int64_t count = 1;
      for (int64_t d : t.shape)
        count *= d;
      os << "#define " << prefix << "_NAME \"" << t.name << "\"\n"
         << "#define " << prefix << "_RANK " << t.shape.size() << "\n"
         << "#define " << prefix << "_SHAPE {"
         << llvm::join(
                llvm::map_range(t.shape,
                                [](int64_t d) { return std::to_string(d); }),
                ", ")
         << "}\n"
         << "#define " << prefix << "_SIZE " << count << " /* elements */\n";
    }
  };
  describe(m.inputs, "input");
  describe(m.outputs, "output");
  if (m.outlinedWeights)
    os << "\n/** Creates an instance, loading its weights from weights_path "
          "(a safetensors file), or with NULL from\n    " << m.weightsPath
       << "\n    Returns NULL on error (see cnnrt_last_error). */\n";
  else
    os << "\n/** Creates an instance. weights_path must be NULL: this library "
          "embeds the weights it was compiled with. Returns NULL on error "
          "(see cnnrt_last_error). */\n";
  // ", const float *x, float *y": the inputs, then the outputs.
  std::string tensorParams;
  for (const TensorInterface &t : m.inputs)
    tensorParams += ", const float *" + t.name;
  for (const TensorInterface &t : m.outputs)
    tensorParams += ", float *" + t.name;
  os
     << "cnn_" << m.name << " *cnn_" << m.name
     << "_create(const char *weights_path);\n\n"
     << "/** Runs the model: inputs, then outputs, as dense row-major float "
        "arrays of the sizes above. Returns 0 on success. */\n"
     << "int cnn_" << m.name << "_infer(cnn_" << m.name << " *model"
     << tensorParams << ");\n\n"
     << "/** The same in caller-owned activation memory: arena holds "
        "CNN_" << upper << "_ARENA_BYTES bytes\n    aligned to CNN_" << upper
     << "_ARENA_ALIGNMENT (NULL when that size is 0). The library allocates "
        "no\n    activation memory for the call. One arena serves one "
        "inference at a time. */\n"
     << "int cnn_" << m.name << "_infer_with_arena(cnn_" << m.name
     << " *model, void *arena" << tensorParams << ");\n\n"
     << "/** _infer with the input and output pointers in one array. */\n"
     << "int cnn_" << m.name << "_infer_packed(cnn_" << m.name
     << " *model, void **inputs_then_outputs);\n\n"
     << "void cnn_" << m.name << "_destroy(cnn_" << m.name << " *model);\n\n";
  if (m.train && m.inputs.size() == 1) {
    bool labels = m.loss != "mse";
    os << "/* Training (compiled with --train): loss " << m.loss
       << ", optimizer " << m.optimizer << ". */\n"
       << "#define CNN_" << upper << "_TRAIN_LOSS \"" << m.loss << "\"\n"
       << "#define CNN_" << upper << "_TRAIN_OPTIMIZER \"" << m.optimizer
       << "\"\n\n"
       << "/** One optimizer step on a batch: " << m.inputs[0].name << " as in "
       << "_infer, "
       << (m.loss == "triplet"
               ? std::string("labels unused (may be NULL): the output's rows "
                             "are anchors, positives and negatives")
           : labels ? "labels the batch's class indices (CNN_" + upper +
                          "_INPUT0_SHAPE[0] of them)"
                    : std::string("target an output-shaped array"))
       << ". Updates the weights (and batch-norm running statistics) in "
          "place and stores the batch's loss, before the step, in *loss "
          "unless loss is NULL. Returns 0, or non-zero with an error when a "
          "pointer is NULL or the loss is not finite (the step is applied "
          "anyway). */\n"
       << "int cnn_" << m.name << "_train_step(cnn_" << m.name
       << " *model, const float *" << m.inputs[0].name << ", "
       << (labels ? "const int64_t *labels" : "const float *target")
       << ", float *loss);\n\n"
       << "/** The learning rate of the next steps (initially "
       << llvm::formatv("{0}", m.learningRate).str()
       << "). Returns non-zero for a negative or non-finite rate. */\n"
       << "int cnn_" << m.name << "_set_learning_rate(cnn_" << m.name
       << " *model, float lr);\n\n"
       << "/** Writes the current weights as a safetensors file that "
          "_create (of this library or of an inference one) loads; "
          "atomically. Returns 0 on success. */\n"
       << "int cnn_" << m.name << "_save_weights(cnn_" << m.name
       << " *model, const char *path);\n\n";
  }
  os
     << "/** Why the last call on this thread failed. */\n"
     << "const char *cnnrt_last_error(void);\n\n"
     << "/** Threads an inference uses (for every model in the process): n, or "
        "with n <= 0\n    CNNC_NUM_THREADS if set, else one per CPU the "
        "process may run on. */\n"
     << "void cnnrt_set_num_threads(int n);\n\n"
     << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return h;
}

namespace {

/// A training instance holds, at these byte offsets of its handle: the
/// current weights (what _infer reads) and the spare buffer train_step
/// writes into, likewise for the optimizer state, the learning rate and step
/// count, and the two allocations to free.
enum TrainHandle : uint64_t {
  kWeights = 0,
  kSpareWeights = 8,
  kState = 16,
  kSpareState = 24,
  kLearningRate = 32,
  kStep = 36,
  kLoaded = 40,
  kBlock = 48,
  kTrainHandleBytes = 56
};

/// Adds cnn_<name>_train_step, _set_learning_rate and _save_weights around
/// the train_step function (see addApi for the handle's layout).
LogicalResult addTrainingApi(llvm::Module &module, const ModelInterface &m,
                             llvm::GlobalVariable *weightTable) {
  llvm::Function *step = module.getFunction("train_step");
  if (!step)
    return failure();
  std::string prefix = "cnn_" + m.name;
  step->setName(prefix + "_train_step_impl");
  step->setLinkage(llvm::GlobalValue::InternalLinkage);
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::Type *ptr = b.getPtrTy(), *i32 = b.getInt32Ty(), *f32 = b.getFloatTy();
  auto declare = [&](StringRef name, llvm::Type *ret,
                     ArrayRef<llvm::Type *> params, bool vararg = false) {
    return module.getOrInsertFunction(
        name, llvm::FunctionType::get(ret, params, vararg));
  };
  llvm::FunctionCallee setError =
      declare("cnnrt_set_error", b.getVoidTy(), {ptr}, /*vararg=*/true);
  llvm::FunctionCallee clearError =
      declare("cnnrt_clear_error", b.getVoidTy(), {});
  auto define = [&](StringRef name, ArrayRef<llvm::Type *> params) {
    auto *f = llvm::Function::Create(llvm::FunctionType::get(i32, params, false),
                                     llvm::GlobalValue::ExternalLinkage, name,
                                     module);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));
    return f;
  };
  auto failIf = [&](llvm::Function *f, llvm::Value *condition,
                    const std::string &message) {
    llvm::BasicBlock *error = llvm::BasicBlock::Create(ctx, "error", f);
    llvm::BasicBlock *ok = llvm::BasicBlock::Create(ctx, "ok", f);
    b.CreateCondBr(condition, error, ok);
    b.SetInsertPoint(error);
    b.CreateCall(setError,
                 {b.CreateGlobalString("%s"), b.CreateGlobalString(message)});
    b.CreateRet(b.getInt32(1));
    b.SetInsertPoint(ok);
  };
  auto field = [&](llvm::Value *handle, uint64_t offset) {
    return b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), handle, offset);
  };
  auto isFinite = [&](llvm::Value *v) {
    return b.CreateFCmpOLT(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v),
                           llvm::ConstantFP::getInfinity(f32));
  };

  // train_step: one step from the current buffers into the spare ones, which
  // then become current.
  llvm::Function *trainStep =
      define(prefix + "_train_step", {ptr, ptr, ptr, ptr});
  {
    llvm::Value *h = trainStep->getArg(0);
    // The triplet loss reads no labels: they may be NULL.
    llvm::Value *labelsMissing = m.loss == "triplet"
                                     ? b.getFalse()
                                     : b.CreateIsNull(trainStep->getArg(2));
    failIf(trainStep,
           b.CreateOr(b.CreateIsNull(h),
                      b.CreateOr(b.CreateIsNull(trainStep->getArg(1)),
                                 labelsMissing)),
           prefix + "_train_step: a model, input or " +
               (m.loss == "cross_entropy" ? "labels" : "target") +
               " pointer is NULL");
    b.CreateCall(clearError);
    llvm::Value *stepNumber = b.CreateFAdd(
        b.CreateLoad(f32, field(h, kStep)), llvm::ConstantFP::get(f32, 1.0));
    b.CreateStore(stepNumber, field(h, kStep));
    llvm::Value *hyper = b.CreateAlloca(llvm::ArrayType::get(f32, 2));
    b.CreateStore(b.CreateLoad(f32, field(h, kLearningRate)), hyper);
    b.CreateStore(stepNumber, b.CreateConstInBoundsGEP1_64(f32, hyper, 1));
    llvm::Value *loss = b.CreateAlloca(f32);
    llvm::Value *weights = b.CreateLoad(ptr, field(h, kWeights));
    llvm::Value *spareWeights = b.CreateLoad(ptr, field(h, kSpareWeights));
    llvm::Value *state = b.CreateLoad(ptr, field(h, kState));
    llvm::Value *spareState = b.CreateLoad(ptr, field(h, kSpareState));
    b.CreateCall(step, {weights, state, trainStep->getArg(1),
                        trainStep->getArg(2), hyper, loss, spareWeights,
                        spareState});
    b.CreateStore(spareWeights, field(h, kWeights));
    b.CreateStore(weights, field(h, kSpareWeights));
    b.CreateStore(spareState, field(h, kState));
    b.CreateStore(state, field(h, kSpareState));
    llvm::Value *value = b.CreateLoad(f32, loss);
    llvm::BasicBlock *store = llvm::BasicBlock::Create(ctx, "store", trainStep);
    llvm::BasicBlock *check = llvm::BasicBlock::Create(ctx, "check", trainStep);
    b.CreateCondBr(b.CreateIsNull(trainStep->getArg(3)), check, store);
    b.SetInsertPoint(store);
    b.CreateStore(value, trainStep->getArg(3));
    b.CreateBr(check);
    b.SetInsertPoint(check);
    failIf(trainStep, b.CreateNot(isFinite(value)),
           prefix + "_train_step: the loss is not finite (the training "
                    "diverged: lower the learning rate)");
    b.CreateRet(b.getInt32(0));
  }

  llvm::Function *setRate =
      define(prefix + "_set_learning_rate", {ptr, f32});
  {
    llvm::Value *lr = setRate->getArg(1);
    failIf(setRate,
           b.CreateOr(b.CreateIsNull(setRate->getArg(0)),
                      b.CreateOr(b.CreateNot(isFinite(lr)),
                                 b.CreateFCmpOLT(
                                     lr, llvm::ConstantFP::get(f32, 0.0)))),
           prefix + "_set_learning_rate: the model is NULL or the rate is "
                    "negative or not finite");
    b.CreateStore(lr, field(setRate->getArg(0), kLearningRate));
    b.CreateRet(b.getInt32(0));
  }

  llvm::Function *save = define(prefix + "_save_weights", {ptr, ptr});
  {
    failIf(save,
           b.CreateOr(b.CreateIsNull(save->getArg(0)),
                      b.CreateIsNull(save->getArg(1))),
           prefix + "_save_weights: the model or path is NULL");
    llvm::FunctionCallee write = declare(
        "cnnrt_save_weights", i32, {ptr, ptr, b.getInt64Ty(), ptr});
    auto *tableType = cast<llvm::ArrayType>(weightTable->getValueType());
    b.CreateRet(b.CreateCall(
        write, {save->getArg(1), weightTable,
                b.getInt64(tableType->getNumElements()),
                b.CreateLoad(ptr, field(save->getArg(0), kWeights))}));
  }
  return success();
}

/// What the generated C API functions are built with: an IR builder for
/// `module`, its common types, and declarations and definitions of
/// functions (definitions exported, with the builder at their entry).
struct ApiBuilder {
  llvm::Module &module;
  llvm::LLVMContext &ctx;
  llvm::IRBuilder<> b;
  llvm::Type *ptr, *i32, *i64;
  llvm::FunctionCallee malloc, free, setError;

  explicit ApiBuilder(llvm::Module &module)
      : module(module), ctx(module.getContext()), b(ctx), ptr(b.getPtrTy()),
        i32(b.getInt32Ty()), i64(b.getInt64Ty()),
        malloc(declare("malloc", ptr, {i64})),
        free(declare("free", b.getVoidTy(), {ptr})),
        setError(declare("cnnrt_set_error", b.getVoidTy(), {ptr},
                         /*vararg=*/true)) {}

  llvm::FunctionCallee declare(StringRef name, llvm::Type *ret,
                               ArrayRef<llvm::Type *> params,
                               bool vararg = false) {
    return module.getOrInsertFunction(
        name, llvm::FunctionType::get(ret, params, vararg));
  }

  llvm::Function *define(StringRef name, llvm::Type *ret,
                         ArrayRef<llvm::Type *> params) {
    auto *f = llvm::Function::Create(
        llvm::FunctionType::get(ret, params, false),
        llvm::GlobalValue::ExternalLinkage, name, module);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));
    return f;
  }

  /// <prefix>_infer_packed(model, pointers): unpacks an array of the
  /// `args` input and output pointers and calls `infer` with them.
  void definePacked(const std::string &prefix, llvm::Function *infer,
                    size_t args) {
    llvm::Function *packed = define(prefix + "_infer_packed", i32, {ptr, ptr});
    llvm::BasicBlock *error = llvm::BasicBlock::Create(ctx, "error", packed);
    llvm::BasicBlock *ok = llvm::BasicBlock::Create(ctx, "ok", packed);
    b.CreateCondBr(b.CreateIsNull(packed->getArg(1)), error, ok);
    b.SetInsertPoint(error);
    b.CreateCall(setError,
                 {b.CreateGlobalString("%s"),
                  b.CreateGlobalString(
                      prefix + "_infer_packed: the pointer array is NULL")});
    b.CreateRet(b.getInt32(1));
    b.SetInsertPoint(ok);
    SmallVector<llvm::Value *> values = {packed->getArg(0)};
    for (size_t i = 0; i < args; ++i)
      values.push_back(
          b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, packed->getArg(1), i)));
    b.CreateRet(b.CreateCall(infer, values));
  }
};

/// Adds cnn_<name>_create/_infer/_infer_packed/_destroy around the model
/// function, which is renamed and hidden.
LogicalResult addApi(llvm::Module &module, const ModelInterface &m) {
  llvm::Function *forward = module.getFunction("forward");
  if (!forward)
    return failure();
  forward->setName("cnn_" + m.name + "_forward");
  forward->setLinkage(llvm::GlobalValue::InternalLinkage);
  // Its layers run in outlined parallel loops (-O3); what stays here is glue:
  // the padding borders' fills, with constant trip counts. At -O3 LLVM fully
  // unrolled those at batch 8 (ResNet-18: 64,512 straight stores, 740 KB of
  // code, 44 s to compile instead of 7) and stored the max pools' -inf
  // borders with scatters. Optimized for size, the fills stay loops of
  // vector stores: 7 s, and GoogLeNet's share of run time in this function
  // fell from 2.8% to 1.7%. (MinSize, as for _prepare, made it 6.9%.)
  forward->addFnAttr(llvm::Attribute::OptimizeForSize);

  ApiBuilder api(module);
  llvm::LLVMContext &ctx = api.ctx;
  llvm::IRBuilder<> &b = api.b;
  llvm::Type *ptr = api.ptr, *i32 = api.i32, *i64 = api.i64;
  llvm::FunctionCallee malloc = api.malloc, free = api.free,
                       setError = api.setError;
  llvm::FunctionCallee clearError =
      api.declare("cnnrt_clear_error", b.getVoidTy(), {});
  auto fail = [&](llvm::Function *f, const std::string &message,
                  llvm::Value *result) {
    llvm::BasicBlock *block = llvm::BasicBlock::Create(ctx, "error", f);
    llvm::IRBuilder<> eb(block);
    eb.CreateCall(setError, {eb.CreateGlobalString("%s"),
                             eb.CreateGlobalString(message)});
    eb.CreateRet(result);
    return block;
  };
  std::string prefix = "cnn_" + m.name;

  int64_t weightFloats = std::max<int64_t>(m.weightsSize, 1);
  auto field = [&](llvm::Value *handle, uint64_t offset) {
    return b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), handle, offset);
  };
  auto createTrainingState = [&](llvm::Value *weights) {
    llvm::Function *f = b.GetInsertBlock()->getParent();
    llvm::FunctionCallee alloc = api.declare("cnnrt_alloc", ptr, {i64, i64});
    llvm::FunctionCallee freeBuffer =
        api.declare("cnnrt_free", b.getVoidTy(), {ptr});
    int64_t blockFloats = weightFloats + 2 * m.stateSize;
    llvm::Value *block =
        b.CreateCall(alloc, {b.getInt64(blockFloats * 4), b.getInt64(64)});
    llvm::Value *handle =
        b.CreateCall(malloc, {b.getInt64(kTrainHandleBytes)});
    llvm::BasicBlock *noMemory = llvm::BasicBlock::Create(ctx, "no_memory", f);
    llvm::BasicBlock *ready = llvm::BasicBlock::Create(ctx, "ready", f);
    b.CreateCondBr(b.CreateOr(b.CreateIsNull(block), b.CreateIsNull(handle)),
                   noMemory, ready);
    b.SetInsertPoint(noMemory);
    b.CreateCall(freeBuffer, {weights});
    b.CreateCall(freeBuffer, {block});
    b.CreateCall(free, {handle});
    llvm::Value *null = llvm::ConstantPointerNull::get(b.getPtrTy());
    b.CreateCall(setError,
                 {b.CreateGlobalString("%s"),
                  b.CreateGlobalString(prefix + "_create: out of memory for "
                                                "the training state")});
    b.CreateRet(null);
    b.SetInsertPoint(ready);
    // Optimizer state starts at zero, as PyTorch's.
    b.CreateMemSet(block, b.getInt8(0), b.getInt64(blockFloats * 4),
                   llvm::MaybeAlign(64));
    auto at = [&](int64_t floats) {
      return b.CreateConstInBoundsGEP1_64(b.getFloatTy(), block, floats);
    };
    b.CreateStore(weights, field(handle, kWeights));
    b.CreateStore(block, field(handle, kSpareWeights));
    b.CreateStore(at(weightFloats), field(handle, kState));
    b.CreateStore(at(weightFloats + m.stateSize), field(handle, kSpareState));
    b.CreateStore(llvm::ConstantFP::get(b.getFloatTy(), m.learningRate),
                  field(handle, kLearningRate));
    b.CreateStore(llvm::ConstantFP::get(b.getFloatTy(), 0.0),
                  field(handle, kStep));
    b.CreateStore(weights, field(handle, kLoaded));
    b.CreateStore(block, field(handle, kBlock));
    b.CreateRet(handle);
  };
  llvm::GlobalVariable *weightTable = nullptr;

  // create: a handle holding the weights buffer (or nothing when the
  // weights are embedded in the library).
  llvm::Function *create = api.define(prefix + "_create", ptr, {ptr});
  llvm::Value *null = llvm::ConstantPointerNull::get(b.getPtrTy());
  if (m.outlinedWeights) {
    // The layout table: {name, offset, ndim, shape[8]} per weight.
    llvm::ArrayType *shapeType = llvm::ArrayType::get(i64, 8);
    llvm::StructType *entryType =
        llvm::StructType::get(ctx, {ptr, i64, i64, shapeType});
    SmallVector<llvm::Constant *> entries;
    for (const WeightEntry &w : m.weights) {
      SmallVector<llvm::Constant *> dims;
      for (size_t d = 0; d < 8; ++d)
        dims.push_back(b.getInt64(d < w.shape.size() ? w.shape[d] : 0));
      auto *name = new llvm::GlobalVariable(
          module, llvm::ArrayType::get(b.getInt8Ty(), w.name.size() + 1), true,
          llvm::GlobalValue::PrivateLinkage,
          llvm::ConstantDataArray::getString(ctx, w.name));
      entries.push_back(llvm::ConstantStruct::get(
          entryType, {name, b.getInt64(w.offset), b.getInt64(w.shape.size()),
                      llvm::ConstantArray::get(shapeType, dims)}));
    }
    llvm::ArrayType *tableType = llvm::ArrayType::get(entryType, entries.size());
    auto *table = new llvm::GlobalVariable(
        module, tableType, true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(tableType, entries), prefix + "_weight_table");
    weightTable = table;
    auto *defaultPath = new llvm::GlobalVariable(
        module, llvm::ArrayType::get(b.getInt8Ty(), m.weightsPath.size() + 1),
        true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantDataArray::getString(ctx, m.weightsPath));
    llvm::FunctionCallee load =
        api.declare("cnnrt_load_weights", ptr, {ptr, ptr, i64, i64});
    llvm::Value *path = b.CreateSelect(b.CreateIsNull(create->getArg(0)),
                                       defaultPath, create->getArg(0));
    b.CreateCall(clearError);
    llvm::Value *weights =
        b.CreateCall(load, {path, table, b.getInt64(entries.size()),
                            b.getInt64(m.weightsSize)});
    llvm::BasicBlock *failed = llvm::BasicBlock::Create(ctx, "failed", create);
    llvm::BasicBlock *ok = llvm::BasicBlock::Create(ctx, "ok", create);
    b.CreateCondBr(b.CreateIsNull(weights), failed, ok);
    b.SetInsertPoint(failed);
    b.CreateRet(null);
    b.SetInsertPoint(ok);
    // Weight-only work (cnn-hoist-weight-packing) runs once, here: the
    // instance keeps the packed buffer and the raw one is freed.
    if (llvm::Function *prepare = module.getFunction("forward_prepare")) {
      prepare->setName(prefix + "_prepare");
      prepare->setLinkage(llvm::GlobalValue::InternalLinkage);
      // It runs once, and mostly calls its outlined parallel loops (-O3):
      // optimized for size, its own loops (hundreds of small ones) cost LLVM
      // a tenth of the time (MobileNet-v2's: 5.5 -> 0.5 s; 620 -> 67 KB).
      // Winograd's filter transforms, which ran slower so (ResNet-50's
      // create: 0.30-0.44 -> 0.42-0.54 s), are parallel loops of their own
      // (cnn-cpu-tile-and-vectorize): 0.25-0.34 s.
      prepare->addFnAttr(llvm::Attribute::MinSize);
      prepare->addFnAttr(llvm::Attribute::OptimizeForSize);
      llvm::FunctionCallee alloc = api.declare("cnnrt_alloc", ptr, {i64, i64});
      llvm::FunctionCallee freeBuffer =
          api.declare("cnnrt_free", b.getVoidTy(), {ptr});
      llvm::Value *packed = b.CreateCall(
          alloc, {b.getInt64(m.packedWeightsSize * 4), b.getInt64(64)});
      llvm::BasicBlock *noMemory =
          llvm::BasicBlock::Create(ctx, "no_memory", create);
      llvm::BasicBlock *pack = llvm::BasicBlock::Create(ctx, "pack", create);
      b.CreateCondBr(b.CreateIsNull(packed), noMemory, pack);
      b.SetInsertPoint(noMemory);
      b.CreateCall(freeBuffer, {weights});
      b.CreateRet(null);
      b.SetInsertPoint(pack);
      SmallVector<llvm::Value *> prepareArgs = {weights};
      for (int64_t offset : m.packedWeightOffsets)
        prepareArgs.push_back(
            b.CreateConstInBoundsGEP1_64(b.getFloatTy(), packed, offset));
      b.CreateCall(prepare, prepareArgs);
      b.CreateCall(freeBuffer, {weights});
      weights = packed;
    }
    if (m.train) {
      createTrainingState(weights);
    } else {
      llvm::Value *handle = b.CreateCall(malloc, {b.getInt64(16)});
      b.CreateStore(weights, handle);
      b.CreateRet(handle);
    }
  } else {
    llvm::BasicBlock *error =
        fail(create,
             prefix + "_create: this library embeds its weights; pass NULL "
                      "as weights_path",
             null);
    llvm::BasicBlock *ok = llvm::BasicBlock::Create(ctx, "ok", create);
    b.CreateCondBr(b.CreateIsNull(create->getArg(0)), ok, error);
    b.SetInsertPoint(ok);
    b.CreateCall(clearError);
    llvm::Value *handle = b.CreateCall(malloc, {b.getInt64(16)});
    b.CreateStore(null, handle);
    b.CreateRet(handle);
  }

  // infer: checks every pointer, then runs the model in an activation arena
  // of the runtime's (a cached block: no fresh pages after the first call).
  // infer_with_arena: the same in the caller's arena.
  size_t numArgs = m.inputs.size() + m.outputs.size();
  // With sampleRuns > 1, the runtime runs the samples (cnnrt_run_samples:
  // several at once on threads, each in its own arena) through `sampleFn`,
  // which steps each input and output pointer by one sample's bytes and
  // calls the model. Its context is the weights and tensor pointers.
  llvm::Function *sampleFn = nullptr;
  if (m.sampleRuns > 1) {
    sampleFn = llvm::Function::Create(
        llvm::FunctionType::get(b.getVoidTy(), {ptr, i64, ptr}, false),
        llvm::GlobalValue::InternalLinkage, prefix + "_sample", module);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", sampleFn));
    llvm::Value *context = sampleFn->getArg(0);
    llvm::Value *sample = sampleFn->getArg(1);
    unsigned slot = 0;
    SmallVector<llvm::Value *> args;
    if (m.outlinedWeights)
      args.push_back(
          b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, context, slot++)));
    for (size_t i = 0; i < numArgs; ++i) {
      const TensorInterface &t =
          i < m.inputs.size() ? m.inputs[i] : m.outputs[i - m.inputs.size()];
      int64_t sampleFloats = 1;
      for (int64_t d : ArrayRef<int64_t>(t.shape).drop_front())
        sampleFloats *= d;
      llvm::Value *tensor =
          b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, context, slot++));
      args.push_back(b.CreateInBoundsGEP(
          b.getFloatTy(), tensor,
          b.CreateMul(sample, b.getInt64(sampleFloats))));
    }
    if (m.arenaBytes)
      args.push_back(sampleFn->getArg(2));
    b.CreateCall(forward, args);
    b.CreateRetVoid();
  }
  // Runs the model on the tensors of `f` from argument `firstTensor` on, in
  // `arena` (null: the runtime's arenas, one per thread, for samples run
  // one at a time); returns the status to return.
  auto callForward = [&](llvm::Function *f, unsigned firstTensor,
                         llvm::Value *arena) -> llvm::Value * {
    llvm::Value *weights =
        m.outlinedWeights ? b.CreateLoad(ptr, f->getArg(0)) : nullptr;
    if (sampleFn) {
      unsigned slots = numArgs + (weights ? 1 : 0);
      llvm::IRBuilder<> entry(&f->getEntryBlock(),
                              f->getEntryBlock().begin());
      llvm::Value *context = entry.CreateAlloca(
          llvm::ArrayType::get(ptr, slots), nullptr, "context");
      unsigned slot = 0;
      if (weights)
        b.CreateStore(weights, b.CreateConstGEP1_64(ptr, context, slot++));
      for (size_t i = 0; i < numArgs; ++i)
        b.CreateStore(f->getArg(firstTensor + i),
                      b.CreateConstGEP1_64(ptr, context, slot++));
      llvm::FunctionCallee runSamples =
          api.declare("cnnrt_run_samples", i32, {ptr, ptr, i64, i64, ptr});
      llvm::Value *status = b.CreateCall(
          runSamples, {sampleFn, context, b.getInt64(m.sampleRuns),
                       b.getInt64(m.arenaBytes),
                       arena ? arena : null});
      // The runtime's error, with the entry point's name in front.
      llvm::BasicBlock *failed = llvm::BasicBlock::Create(ctx, "failed", f);
      llvm::BasicBlock *ran = llvm::BasicBlock::Create(ctx, "ran", f);
      b.CreateCondBr(b.CreateIsNotNull(status), failed, ran);
      b.SetInsertPoint(failed);
      b.CreateCall(setError,
                   {b.CreateGlobalString("%s: %s"),
                    b.CreateGlobalString(f->getName()),
                    b.CreateCall(api.declare("cnnrt_last_error", ptr, {}))});
      b.CreateRet(status);
      b.SetInsertPoint(ran);
      return status;
    }
    SmallVector<llvm::Value *> args;
    if (weights)
      args.push_back(weights);
    for (size_t i = 0; i < numArgs; ++i)
      args.push_back(f->getArg(firstTensor + i));
    if (m.arenaBytes)
      args.push_back(arena);
    b.CreateCall(forward, args);
    return b.getInt32(0);
  };
  auto checkPointers = [&](llvm::Function *f, ArrayRef<llvm::Value *> values,
                           const std::string &message) {
    llvm::BasicBlock *error = fail(f, message, b.getInt32(1));
    llvm::Value *anyNull = b.getFalse();
    for (llvm::Value *v : values)
      anyNull = b.CreateOr(anyNull, b.CreateIsNull(v));
    llvm::BasicBlock *ok = llvm::BasicBlock::Create(ctx, "ok", f);
    b.CreateCondBr(anyNull, error, ok);
    b.SetInsertPoint(ok);
  };
  auto tensorArgs = [&](llvm::Function *f, unsigned first) {
    SmallVector<llvm::Value *> values = {f->getArg(0)};
    for (size_t i = 0; i < numArgs; ++i)
      values.push_back(f->getArg(first + i));
    return values;
  };
  const std::string nullMessage = ": a model, input or output pointer is NULL";

  SmallVector<llvm::Type *> inferParams(numArgs + 1, ptr);
  llvm::Function *infer = api.define(prefix + "_infer", i32, inferParams);
  {
    checkPointers(infer, tensorArgs(infer, 1), prefix + "_infer" + nullMessage);
    llvm::Value *arena = nullptr;
    if (m.arenaBytes && !sampleFn) {
      llvm::FunctionCallee acquire =
          api.declare("_mlir_memref_to_llvm_alloc", ptr, {i64});
      arena = b.CreateCall(acquire, {b.getInt64(m.arenaBytes)});
      checkPointers(infer, {arena},
                    llvm::formatv("{0}_infer: out of memory for the "
                                  "activation arena ({1} bytes)",
                                  prefix, m.arenaBytes)
                        .str());
    }
    llvm::Value *status = callForward(infer, 1, arena);
    if (arena)
      b.CreateCall(
          api.declare("_mlir_memref_to_llvm_free", b.getVoidTy(), {ptr}),
          {arena});
    b.CreateRet(status);
  }

  SmallVector<llvm::Type *> arenaParams(numArgs + 2, ptr);
  llvm::Function *withArena =
      api.define(prefix + "_infer_with_arena", i32, arenaParams);
  {
    checkPointers(withArena, tensorArgs(withArena, 2),
                  prefix + "_infer_with_arena" + nullMessage);
    llvm::Value *arena = withArena->getArg(1);
    if (m.arenaBytes) {
      llvm::Value *misaligned = b.CreateICmpNE(
          b.CreateAnd(b.CreatePtrToInt(arena, i64),
                      b.getInt64(m.arenaAlignment - 1)),
          b.getInt64(0));
      llvm::BasicBlock *error = fail(
          withArena,
          llvm::formatv("{0}_infer_with_arena: the arena is NULL or not "
                        "aligned to {1} bytes",
                        prefix, m.arenaAlignment)
              .str(),
          b.getInt32(1));
      llvm::BasicBlock *ok = llvm::BasicBlock::Create(ctx, "aligned", withArena);
      b.CreateCondBr(b.CreateOr(b.CreateIsNull(arena), misaligned), error, ok);
      b.SetInsertPoint(ok);
    }
    b.CreateRet(callForward(withArena, 2, arena));
  }

  api.definePacked(prefix, infer, numArgs);

  // destroy: frees the weights buffer (if any) and the handle.
  llvm::Function *destroy =
      api.define(prefix + "_destroy", b.getVoidTy(), {ptr});
  {
    llvm::FunctionCallee freeBuffer =
        api.declare("cnnrt_free", b.getVoidTy(), {ptr});
    llvm::BasicBlock *done = llvm::BasicBlock::Create(ctx, "done", destroy);
    llvm::BasicBlock *release = llvm::BasicBlock::Create(ctx, "release", destroy);
    b.CreateCondBr(b.CreateIsNull(destroy->getArg(0)), done, release);
    b.SetInsertPoint(release);
    if (m.train) {
      b.CreateCall(freeBuffer,
                   {b.CreateLoad(ptr, field(destroy->getArg(0), kLoaded))});
      b.CreateCall(freeBuffer,
                   {b.CreateLoad(ptr, field(destroy->getArg(0), kBlock))});
    } else {
      b.CreateCall(freeBuffer, {b.CreateLoad(ptr, destroy->getArg(0))});
    }
    b.CreateCall(free, {destroy->getArg(0)});
    b.CreateRetVoid();
    b.SetInsertPoint(done);
    b.CreateRetVoid();
  }
  if (m.train && m.outlinedWeights && weightTable)
    return addTrainingApi(module, m, weightTable);
  return success();
}

/// Gives every definition in `module` the prefix `tag`, so that two parts
/// of a model, each with its C API (addApi), link into one module whose API
/// calls theirs. (Their linkage stays until internalizeAllButApi: the
/// linker would leave out a source module's internal functions that nothing
/// calls yet.)
void hidePart(llvm::Module &module, StringRef tag) {
  auto hide = [&](llvm::GlobalValue &value) {
    if (value.isDeclaration() || value.getName().starts_with("llvm."))
      return;
    value.setName(tag + (value.hasName() ? value.getName() : "constant"));
  };
  for (llvm::Function &f : module)
    hide(f);
  for (llvm::GlobalVariable &g : module.globals())
    hide(g);
}

/// Adds the C API of a model split into a head, run one sample at a time,
/// and a tail run on the whole batch (ModelPart), around the two parts' own
/// APIs (hidePart, with tags "head_" and "tail_", which internalizeAllButApi
/// then hides): create makes both parts'
/// instances; infer runs the head into the batch's features (a block of the
/// runtime's) and the tail from them; infer_with_arena places the features
/// at the start of the caller's arena and gives both parts the rest.
LogicalResult addSplitApi(llvm::Module &module, const ModelInterface &m,
                          const SplitArena &arena) {
  std::string prefix = "cnn_" + m.name;
  auto part = [&](StringRef tag, StringRef suffix) {
    return module.getFunction((tag + prefix + suffix).str());
  };
  llvm::Function *headCreate = part("head_", "_create"),
                 *tailCreate = part("tail_", "_create"),
                 *headInfer = part("head_", "_infer"),
                 *tailInfer = part("tail_", "_infer"),
                 *headWithArena = part("head_", "_infer_with_arena"),
                 *tailWithArena = part("tail_", "_infer_with_arena"),
                 *headDestroy = part("head_", "_destroy"),
                 *tailDestroy = part("tail_", "_destroy");
  if (!headCreate || !tailCreate || !headInfer || !tailInfer ||
      !headWithArena || !tailWithArena || !headDestroy || !tailDestroy)
    return failure();

  ApiBuilder api(module);
  llvm::LLVMContext &ctx = api.ctx;
  llvm::IRBuilder<> &b = api.b;
  llvm::Type *ptr = api.ptr, *i32 = api.i32, *i64 = api.i64;
  llvm::FunctionCallee malloc = api.malloc, free = api.free,
                       setError = api.setError;
  llvm::FunctionCallee acquire =
      api.declare("_mlir_memref_to_llvm_alloc", ptr, {i64});
  llvm::FunctionCallee release =
      api.declare("_mlir_memref_to_llvm_free", b.getVoidTy(), {ptr});
  // Branches to an error return (setting `message`) where `bad` holds.
  auto failIf = [&](llvm::Value *bad, const std::string &message,
                    llvm::Value *result) {
    llvm::Function *f = b.GetInsertBlock()->getParent();
    llvm::BasicBlock *error = llvm::BasicBlock::Create(ctx, "error", f);
    llvm::BasicBlock *ok = llvm::BasicBlock::Create(ctx, "ok", f);
    b.CreateCondBr(bad, error, ok);
    b.SetInsertPoint(error);
    b.CreateCall(setError,
                 {b.CreateGlobalString("%s"), b.CreateGlobalString(message)});
    b.CreateRet(result);
    b.SetInsertPoint(ok);
  };
  auto anyNull = [&](ArrayRef<llvm::Value *> values) {
    llvm::Value *any = b.getFalse();
    for (llvm::Value *v : values)
      any = b.CreateOr(any, b.CreateIsNull(v));
    return any;
  };
  // Returns `status` when it is not 0, after `cleanup`.
  auto returnIfFailed = [&](llvm::Value *status,
                            llvm::function_ref<void()> cleanup) {
    llvm::Function *f = b.GetInsertBlock()->getParent();
    llvm::BasicBlock *failed = llvm::BasicBlock::Create(ctx, "failed", f);
    llvm::BasicBlock *ok = llvm::BasicBlock::Create(ctx, "ran", f);
    b.CreateCondBr(b.CreateICmpNE(status, b.getInt32(0)), failed, ok);
    b.SetInsertPoint(failed);
    cleanup();
    b.CreateRet(status);
    b.SetInsertPoint(ok);
  };
  llvm::Value *null = llvm::ConstantPointerNull::get(b.getPtrTy());
  size_t inputs = m.inputs.size(), outputs = m.outputs.size();
  size_t numArgs = inputs + outputs;
  const std::string nullMessage = ": a model, input or output pointer is NULL";

  // create: the handle holds the head's instance, then the tail's.
  llvm::Function *create = api.define(prefix + "_create", ptr, {ptr});
  {
    llvm::Value *handle = b.CreateCall(malloc, {b.getInt64(16)});
    failIf(b.CreateIsNull(handle), prefix + "_create: out of memory", null);
    llvm::Value *head = b.CreateCall(headCreate, {create->getArg(0)});
    llvm::BasicBlock *headFailed =
        llvm::BasicBlock::Create(ctx, "head_failed", create);
    llvm::BasicBlock *headMade =
        llvm::BasicBlock::Create(ctx, "head_made", create);
    b.CreateCondBr(b.CreateIsNull(head), headFailed, headMade);
    b.SetInsertPoint(headFailed);
    b.CreateCall(free, {handle});
    b.CreateRet(null);
    b.SetInsertPoint(headMade);
    llvm::Value *tail = b.CreateCall(tailCreate, {create->getArg(0)});
    llvm::BasicBlock *tailFailed =
        llvm::BasicBlock::Create(ctx, "tail_failed", create);
    llvm::BasicBlock *made = llvm::BasicBlock::Create(ctx, "made", create);
    b.CreateCondBr(b.CreateIsNull(tail), tailFailed, made);
    b.SetInsertPoint(tailFailed);
    b.CreateCall(headDestroy, {head});
    b.CreateCall(free, {handle});
    b.CreateRet(null);
    b.SetInsertPoint(made);
    b.CreateStore(head, handle);
    b.CreateStore(tail, b.CreateConstGEP1_64(ptr, handle, 1));
    b.CreateRet(handle);
  }
  auto headOf = [&](llvm::Value *handle) { return b.CreateLoad(ptr, handle); };
  auto tailOf = [&](llvm::Value *handle) {
    return b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, handle, 1));
  };
  auto tensorArgs = [&](llvm::Function *f, unsigned first) {
    SmallVector<llvm::Value *> values;
    for (size_t i = 0; i < numArgs; ++i)
      values.push_back(f->getArg(first + i));
    return values;
  };

  // infer: the head into the features, then the tail from them.
  SmallVector<llvm::Type *> inferParams(numArgs + 1, ptr);
  llvm::Function *infer = api.define(prefix + "_infer", i32, inferParams);
  {
    SmallVector<llvm::Value *> tensors = tensorArgs(infer, 1);
    SmallVector<llvm::Value *> checked = {infer->getArg(0)};
    checked.append(tensors);
    failIf(anyNull(checked), prefix + "_infer" + nullMessage, b.getInt32(1));
    llvm::Value *features =
        b.CreateCall(acquire, {b.getInt64(arena.featureBytes)});
    failIf(b.CreateIsNull(features),
           llvm::formatv("{0}_infer: out of memory for the batch's features "
                         "({1} bytes)",
                         prefix, arena.featureBytes)
               .str(),
           b.getInt32(1));
    SmallVector<llvm::Value *> headArgs = {headOf(infer->getArg(0))};
    headArgs.append(tensors.begin(), tensors.begin() + inputs);
    headArgs.push_back(features);
    llvm::Value *status = b.CreateCall(headInfer, headArgs);
    returnIfFailed(status, [&] { b.CreateCall(release, {features}); });
    SmallVector<llvm::Value *> tailArgs = {tailOf(infer->getArg(0)), features};
    tailArgs.append(tensors.begin() + inputs, tensors.end());
    status = b.CreateCall(tailInfer, tailArgs);
    b.CreateCall(release, {features});
    b.CreateRet(status);
  }

  // infer_with_arena: the features first in the arena, then both parts'
  // activations in the rest.
  SmallVector<llvm::Type *> arenaParams(numArgs + 2, ptr);
  llvm::Function *withArena =
      api.define(prefix + "_infer_with_arena", i32, arenaParams);
  {
    SmallVector<llvm::Value *> tensors = tensorArgs(withArena, 2);
    SmallVector<llvm::Value *> checked = {withArena->getArg(0)};
    checked.append(tensors);
    failIf(anyNull(checked), prefix + "_infer_with_arena" + nullMessage,
           b.getInt32(1));
    llvm::Value *features = withArena->getArg(1);
    llvm::Value *misaligned =
        b.CreateICmpNE(b.CreateAnd(b.CreatePtrToInt(features, i64),
                                   b.getInt64(arena.alignment - 1)),
                       b.getInt64(0));
    failIf(b.CreateOr(b.CreateIsNull(features), misaligned),
           llvm::formatv("{0}_infer_with_arena: the arena is NULL or not "
                         "aligned to {1} bytes",
                         prefix, arena.alignment)
               .str(),
           b.getInt32(1));
    llvm::Value *rest = b.CreateConstInBoundsGEP1_64(
        b.getInt8Ty(), features,
        llvm::alignTo(arena.featureBytes, arena.alignment));
    SmallVector<llvm::Value *> headArgs = {headOf(withArena->getArg(0)), rest};
    headArgs.append(tensors.begin(), tensors.begin() + inputs);
    headArgs.push_back(features);
    llvm::Value *status = b.CreateCall(headWithArena, headArgs);
    returnIfFailed(status, [] {});
    SmallVector<llvm::Value *> tailArgs = {tailOf(withArena->getArg(0)), rest,
                                           features};
    tailArgs.append(tensors.begin() + inputs, tensors.end());
    b.CreateRet(b.CreateCall(tailWithArena, tailArgs));
  }

  api.definePacked(prefix, infer, numArgs);

  // destroy: both parts' instances, then the handle.
  llvm::Function *destroy =
      api.define(prefix + "_destroy", b.getVoidTy(), {ptr});
  {
    llvm::BasicBlock *done = llvm::BasicBlock::Create(ctx, "done", destroy);
    llvm::BasicBlock *free_ = llvm::BasicBlock::Create(ctx, "free", destroy);
    b.CreateCondBr(b.CreateIsNull(destroy->getArg(0)), done, free_);
    b.SetInsertPoint(free_);
    b.CreateCall(headDestroy, {headOf(destroy->getArg(0))});
    b.CreateCall(tailDestroy, {tailOf(destroy->getArg(0))});
    b.CreateCall(free, {destroy->getArg(0)});
    b.CreateRetVoid();
    b.SetInsertPoint(done);
    b.CreateRetVoid();
  }
  return success();
}

/// This machine's target triple, and LLVM's target for it (null, with
/// `error` set, where LLVM has none).
const llvm::Target *nativeTarget(llvm::Triple &triple, std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  triple = llvm::Triple(llvm::sys::getDefaultTargetTriple());
  return llvm::TargetRegistry::lookupTarget(triple, error);
}

std::unique_ptr<llvm::TargetMachine> createTargetMachine(StringRef cpu) {
  std::string error;
  llvm::Triple triple;
  const llvm::Target *target = nativeTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpuName = cpu.str(), features;
  if (cpu.empty() || cpu == "host") {
    cpuName = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures f;
    for (auto &feature : llvm::sys::getHostCPUFeatures())
      f.AddFeature(feature.first(), feature.second);
    features = f.getString();
  }
  llvm::TargetOptions options;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, cpuName, features, options, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
}

} // namespace

std::string mlir::cnn::checkTargetCpu(StringRef cpu) {
  if (cpu.empty() || cpu == "host")
    return "";
  std::string error;
  llvm::Triple triple;
  const llvm::Target *target = nativeTarget(triple, error);
  if (!target)
    return error;
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!info || info->isCPUStringValid(cpu))
    return "";
  // The known names nearest to `cpu` (a misspelling, a missing dash), at
  // most two edits away.
  unsigned limit = std::min<unsigned>(2, cpu.size() / 3), best = limit + 1;
  SmallVector<StringRef> nearest;
  for (const llvm::SubtargetSubTypeKV &kv :
       info->getAllProcessorDescriptions()) {
    unsigned distance = cpu.edit_distance_insensitive(kv.Key, true, limit);
    if (distance > limit || distance > best)
      continue;
    if (distance < best)
      nearest.clear(), best = distance;
    nearest.push_back(kv.Key);
  }
  std::string message =
      llvm::formatv("unknown target CPU '{0}' for {1}", cpu, triple.str());
  if (!nearest.empty())
    message += "; did you mean " + llvm::join(nearest, ", ") + "?";
  return message + " (x86-64-v3 is any AVX2 CPU, x86-64-v4 any AVX-512 one)";
}

TargetCpu mlir::cnn::describeTargetCpu(StringRef cpu) {
  TargetCpu result;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(cpu);
  if (!machine)
    return result;
  const llvm::MCSubtargetInfo *info = machine->getMCSubtargetInfo();
  if (info->checkFeatures("+avx512f"))
    result.vectorWidth = 16;
  else if (info->checkFeatures("+avx2,+fma"))
    result.vectorWidth = 8;
  result.xeonAvx512 =
      llvm::is_contained({"skylake-avx512", "cascadelake", "cooperlake",
                          "icelake-server", "sapphirerapids", "emeraldrapids",
                          "graniterapids", "graniterapids-d", "diamondrapids"},
                         machine->getTargetCPU());
  result.halfRateAvx512 =
      result.vectorWidth == 16 && machine->getTargetCPU() == "znver4";
  return result;
}

namespace {

/// Writes `text` to `path` or reports why not.
LogicalResult writeFile(Location loc, StringRef path, StringRef text) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return emitError(loc) << "cannot write " << path << ": " << ec.message();
  os << text;
  return success();
}

} // namespace

namespace {

/// Gives every function and variable that the model object defines, other
/// than the C API (`cnn_<name>_...`), internal linkage, and its name that
/// prefix (`forward_parallel0_conv1` -> `cnn_<name>_forward_parallel0_conv1`;
/// unnamed constants `cnn_<name>_constant`, numbered).
/// The lowering names its outlined loop bodies after the layers, so two
/// models with a layer of the same name would otherwise both define that
/// symbol: their static libraries would not link into one program, and with
/// both shared libraries loaded, one model's loops would run the other's
/// bodies. The prefix keeps the names distinct where the object is emitted
/// in parts, which refer to each other's symbols as hidden globals.
/// (Local symbols keep their names in the symbol table, for profilers.)
void internalizeAllButApi(llvm::Module &module, const ModelInterface &m) {
  std::string api = "cnn_" + m.name + "_";
  auto hide = [&](llvm::GlobalValue &value) {
    if (value.isDeclaration() || value.getName().starts_with(api))
      return;
    value.setLinkage(llvm::GlobalValue::InternalLinkage);
    // Unnamed constants (strings) get the prefix too (LLVM numbers them).
    value.setName(api + (value.hasName() ? value.getName() : "constant"));
  };
  for (llvm::Function &f : module)
    hide(f);
  for (llvm::GlobalVariable &g : module.globals())
    hide(g);
}

/// Optimizes `module` (-O3) and writes it as an object file to `path`;
/// returns the error, or "".
std::string optimizeAndEmit(llvm::Module &module, llvm::TargetMachine &machine,
                            StringRef path) {
  // A register tile of 7 pixels x 64 channels holds 28 accumulators and 4
  // filter vectors, and LLVM broadcasts each pixel into a register for its
  // 4 FMAs: 33 AVX-512 registers, so it spills one accumulator per input
  // channel (ResNet-50's library has about 500 such 512-bit spills). In a
  // frame aligned to 16 bytes a spill slot is aligned to a cache line one
  // time in four; realigned frames put every slot on one line. Measured in
  // paired runs (each library's inferences interleaved) on one thread: a
  // 1x1 convolution of 1024 to 256 channels at 14x14 3-4% faster, ResNet-50
  // 1-10%, GoogLeNet 7%, Inception-v3 2%, MobileNet-v2 (few spills) the same.
  for (llvm::Function &f : module)
    if (!f.isDeclaration())
      f.addFnAttr("stackrealign");
  if (llvm::Error err = makeOptimizingTransformer(3, 0, &machine)(&module))
    return "LLVM optimization failed: " + llvm::toString(std::move(err));
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return ("cannot write " + path + ": " + ec.message()).str();
  llvm::legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, out.os(), nullptr,
                                  llvm::CodeGenFileType::ObjectFile))
    return "the target cannot emit object files";
  pm.run(module);
  out.keep();
  return "";
}

/// Writes the model as object files, one per path: the module is split into
/// that many parts (llvm::SplitModule, functions dealt out by size), each
/// optimized and compiled on a thread of its own in a context of its own.
/// The outlined loop bodies call nothing but the runtime, so a part loses
/// nothing to the functions it cannot inline from the others.
LogicalResult writeModelObjects(ModuleOp llvmModule,
                                const ModelInterface &interface, StringRef cpu,
                                ArrayRef<std::string> paths,
                                const ModelPart *tail) {
  Location loc = llvmModule.getLoc();
  // Target machines are made here, one per part: target registration is
  // not for several threads at once.
  std::vector<std::unique_ptr<llvm::TargetMachine>> machines;
  for (size_t i = 0; i < paths.size(); ++i) {
    machines.push_back(createTargetMachine(cpu));
    if (!machines.back())
      return emitError(loc) << "no LLVM target for CPU '" << cpu << "'";
  }
  llvm::TargetMachine &machine = *machines.front();
  llvm::LLVMContext context;
  // One part of the model, translated, with its C API.
  auto translate = [&](ModuleOp part, ModelInterface lowered,
                       std::unique_ptr<llvm::Module> &into) -> LogicalResult {
    into = translateModuleToLLVMIR(part, context, interface.name);
    if (!into)
      return emitError(loc) << "translation to LLVM IR failed";
    into->setTargetTriple(machine.getTargetTriple());
    into->setDataLayout(machine.createDataLayout());
    readLoweredLayout(part, lowered);
    if (failed(addApi(*into, lowered)))
      return emitError(loc) << "the lowered module has no function 'forward'";
    return success();
  };
  std::unique_ptr<llvm::Module> module;
  if (!tail) {
    if (failed(translate(llvmModule, interface, module)))
      return failure();
  } else {
    // The head's outputs are the tail's inputs, for the whole batch.
    ModelInterface head = interface;
    head.outputs = tail->interface.inputs;
    std::unique_ptr<llvm::Module> tailModule;
    if (failed(translate(llvmModule, head, module)) ||
        failed(translate(tail->module, tail->interface, tailModule)))
      return failure();
    hidePart(*module, "head_");
    hidePart(*tailModule, "tail_");
    if (llvm::Linker::linkModules(*module, std::move(tailModule)))
      return emitError(loc) << "linking the model's head and tail failed";
    ModelInterface headLowered = head, tailLowered = tail->interface;
    readLoweredLayout(llvmModule, headLowered);
    readLoweredLayout(tail->module, tailLowered);
    if (failed(addSplitApi(*module, interface,
                           splitArena(headLowered, tailLowered))))
      return emitError(loc) << "the model's head or tail lacks its C API";
  }
  internalizeAllButApi(*module, interface);

  if (paths.size() == 1) {
    std::string error = optimizeAndEmit(*module, machine, paths.front());
    if (!error.empty())
      return emitError(loc) << error;
    return success();
  }
  // The parts travel to their threads as bitcode: an LLVM context is not
  // shared between threads.
  std::vector<SmallString<0>> parts;
  llvm::SplitModule(
      *module, paths.size(),
      [&](std::unique_ptr<llvm::Module> part) {
        llvm::raw_svector_ostream os(parts.emplace_back());
        llvm::WriteBitcodeToFile(*part, os);
      },
      /*PreserveLocals=*/false, /*RoundRobin=*/true);
  std::vector<std::string> errors(parts.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < parts.size(); ++i)
    threads.emplace_back([&, i] {
      llvm::LLVMContext partContext;
      llvm::Expected<std::unique_ptr<llvm::Module>> part =
          llvm::parseBitcodeFile(
              llvm::MemoryBufferRef(StringRef(parts[i].data(), parts[i].size()),
                                    interface.name),
              partContext);
      if (!part) {
        errors[i] = llvm::toString(part.takeError());
        return;
      }
      errors[i] = optimizeAndEmit(**part, *machines[i], paths[i]);
    });
  for (std::thread &thread : threads)
    thread.join();
  for (const std::string &error : errors)
    if (!error.empty())
      return emitError(loc) << error;
  return success();
}

/// Parts of a model library's object: `jobs`, or one per hardware thread,
/// at most 8.
size_t objectParts(unsigned jobs) {
  if (jobs)
    return jobs;
  return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
}

} // namespace

SplitArena mlir::cnn::splitArena(const ModelInterface &head,
                                 const ModelInterface &tail) {
  SplitArena arena;
  int64_t floats = 1;
  if (!tail.inputs.empty())
    for (int64_t d : tail.inputs.front().shape)
      floats *= d;
  arena.featureBytes = floats * 4;
  arena.alignment = std::max<int64_t>(
      {arena.alignment, head.arenaAlignment, tail.arenaAlignment});
  arena.bytes = llvm::alignTo(arena.featureBytes, arena.alignment) +
                std::max(head.arenaBytes, tail.arenaBytes);
  arena.lowerBound =
      arena.featureBytes + std::max(head.arenaLowerBound, tail.arenaLowerBound);
  return arena;
}

LogicalResult mlir::cnn::writeModelObject(ModuleOp llvmModule,
                                          const ModelInterface &interface,
                                          StringRef cpu, StringRef path,
                                          const ModelPart *tail) {
  return writeModelObjects(llvmModule, interface, cpu, {path.str()}, tail);
}

LogicalResult mlir::cnn::writeModelLibrary(ModuleOp llvmModule,
                                           const ModelInterface &interface,
                                           const LibraryOptions &options,
                                           const ModelPart *tail) {
  Location loc = llvmModule.getLoc();
  if (std::error_code ec = llvm::sys::fs::create_directories(options.outputDir))
    return emitError(loc) << "cannot create " << options.outputDir << ": "
                          << ec.message();
  // Build everything in a scratch folder inside the output folder, then
  // move the finished files in: no half-written library is ever visible.
  // createUniqueDirectory puts a relative prefix under the system's
  // temporary folder: anchor it here.
  SmallString<256> prefix(options.outputDir);
  llvm::sys::path::append(prefix, ".cnnc");
  (void)llvm::sys::fs::make_absolute(prefix);
  SmallString<256> scratch;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory(prefix, scratch))
    return emitError(loc) << "cannot create a scratch folder in "
                          << options.outputDir << ": " << ec.message();
  llvm::scope_exit cleanup([&] { llvm::sys::fs::remove_directories(scratch); });
  auto in = [&](StringRef file) { return (scratch + "/" + file).str(); };

  std::vector<std::string> objects;
  for (size_t i = 0, e = objectParts(options.jobs); i < e; ++i)
    objects.push_back(
        in(interface.name + (e == 1 ? "" : "-" + std::to_string(i)) + ".o"));
  if (failed(
          writeModelObjects(llvmModule, interface, options.cpu, objects, tail)))
    return failure();

  std::string archive = "lib" + interface.name + ".a";
  std::vector<llvm::NewArchiveMember> members;
  for (const std::string &object : objects) {
    auto member =
        llvm::NewArchiveMember::getFile(object, /*Deterministic=*/true);
    if (!member)
      return emitError(loc) << "cannot archive " << object << ": "
                            << llvm::toString(member.takeError());
    // Named by the file alone, not the scratch folder's random name.
    member->MemberName = llvm::sys::path::filename(object);
    members.push_back(std::move(*member));
  }
  if (llvm::Error err = llvm::writeArchive(
          in(archive), members, llvm::SymtabWritingMode::NormalSymtab,
          llvm::object::Archive::K_GNU, /*Deterministic=*/true,
          /*Thin=*/false))
    return emitError(loc) << "cannot write " << archive << ": "
                          << llvm::toString(std::move(err));

  // The shared library is linked by the system's C compiler driver.
  std::string shared = "lib" + interface.name + ".so";
  llvm::ErrorOr<std::string> cc = llvm::sys::findProgramByName("cc");
  if (!cc)
    cc = llvm::sys::findProgramByName("clang-22");
  if (!cc)
    return emitError(loc) << "no C compiler driver (cc) found to link "
                          << shared;
  std::string sharedPath = in(shared);
  SmallVector<StringRef> args = {*cc, "-shared", "-Wl,-z,defs", "-o",
                                 sharedPath};
  args.append(objects.begin(), objects.end());
  args.append({options.runtimeLibrary, "-lm", "-pthread"});
  std::string linkError;
  if (llvm::sys::ExecuteAndWait(*cc, args, std::nullopt, {}, 0, 0,
                                &linkError) != 0)
    return emitError(loc) << "linking " << shared << " failed"
                          << (linkError.empty() ? "" : ": " + linkError);

  std::string header = interface.name + ".h";
  ModelInterface lowered = interface;
  readLoweredLayout(llvmModule, lowered);
  if (tail) {
    ModelInterface head = lowered, tailLowered = tail->interface;
    head.outputs = tail->interface.inputs;
    readLoweredLayout(tail->module, tailLowered);
    SplitArena arena = splitArena(head, tailLowered);
    lowered.arenaBytes = arena.bytes;
    lowered.arenaLowerBound = arena.lowerBound;
    lowered.arenaAlignment = arena.alignment;
    lowered.batchedTail = true;
  }
  if (failed(writeFile(loc, in(header), generateHeader(lowered))))
    return failure();

  std::vector<std::string> files = {archive, shared, header};
  if (!options.seededShapes.empty()) {
    std::string weightsFile = interface.name + ".safetensors";
    std::vector<TensorToWrite> tensors;
    for (auto [shape, data] :
         llvm::zip_equal(options.seededShapes, options.seededData))
      tensors.push_back({shape.first, shape.second, data});
    if (llvm::Error err = writeSafetensors(in(weightsFile), tensors))
      return emitError(loc) << "cannot write " << weightsFile << ": "
                            << llvm::toString(std::move(err));
    files.push_back(weightsFile);
  }

  for (const std::string &file : files) {
    std::string target = options.outputDir + "/" + file;
    if (std::error_code ec = llvm::sys::fs::rename(in(file), target))
      return emitError(loc)
             << "cannot write " << target << ": " << ec.message();
  }
  return success();
}

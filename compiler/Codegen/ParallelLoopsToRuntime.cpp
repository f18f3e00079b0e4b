//===- ParallelLoopsToRuntime.cpp - scf.forall on libcnnrt's threads ------===//
//
// Each outermost scf.forall (on buffers) becomes a call
//
//   cnnrt_parallel_for(@body, %ctx, trip_count)
//
// where @body(%ctx, %begin, %end) runs iterations [begin, end) of the
// linearized iteration space, and %ctx is a stack struct holding the values
// the loop uses from outside: memref descriptors (passed through
// unrealized casts that the LLVM lowering reconciles), index values as i64,
// and other scalars as they are. Nested foralls stay in their body and run
// sequentially there.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"
#include "compiler/Codegen/Utils.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_PARALLELLOOPSTORUNTIMEPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kRuntimeFunction = "cnnrt_parallel_for";

struct ParallelLoopsToRuntimePass final
    : cnn::impl::ParallelLoopsToRuntimePassBase<ParallelLoopsToRuntimePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    SmallVector<scf::ForallOp> loops;
    module.walk([&](scf::ForallOp loop) {
      if (!loop->getParentOfType<scf::ForallOp>() && loop.getNumResults() == 0)
        loops.push_back(loop);
    });
    if (loops.empty())
      return;

    OpBuilder b(context);
    Type ptr = LLVM::LLVMPointerType::get(context);
    Type i64 = b.getI64Type();
    auto bodyType = b.getFunctionType({ptr, i64, i64}, {});
    b.setInsertionPointToStart(module.getBody());
    auto runtime = module.lookupSymbol<func::FuncOp>(kRuntimeFunction);
    if (!runtime) {
      runtime = func::FuncOp::create(
          b, module.getLoc(), kRuntimeFunction,
          b.getFunctionType({bodyType, ptr, i64}, {}));
      runtime.setPrivate();
    }

    LLVMTypeConverter converter(context);
    DenseMap<func::FuncOp, unsigned> counts;
    for (scf::ForallOp loop : loops) {
      auto parent = loop->getParentOfType<func::FuncOp>();
      if (failed(outline(loop, parent, counts[parent]++, bodyType, converter)))
        return signalPassFailure();
    }
  }

  /// The first layer name (NameLoc) in `loc`, as a symbol-safe suffix.
  static std::optional<std::string> layerName(Location loc) {
    auto named = LocationAttr(loc).findInstanceOf<NameLoc>();
    if (!named)
      return std::nullopt;
    std::string name = named.getName().str();
    for (char &c : name)
      if (!llvm::isAlnum(c))
        c = '_';
    return name;
  }

  LogicalResult outline(scf::ForallOp loop, func::FuncOp parent,
                        unsigned index, FunctionType bodyType,
                        const LLVMTypeConverter &converter) {
    MLIRContext *context = &getContext();
    Location loc = loop.getLoc();
    std::optional<cnn::StaticLoopBounds> bounds =
        cnn::getStaticLoopBounds(loop);
    if (!bounds)
      return success(); // Dynamic bounds: stays a sequential loop.
    ArrayRef<int64_t> counts = bounds->counts;
    int64_t total = bounds->iterations;

    // The context: one field per captured value.
    // Constants are cloned into the body, everything else goes through the
    // context.
    SetVector<Value> used;
    getUsedValuesDefinedAbove(loop.getRegion(), used);
    SmallVector<Value> captured, constants;
    for (Value v : used) {
      Operation *def = v.getDefiningOp();
      (def && def->hasTrait<OpTrait::ConstantLike>() ? constants : captured)
          .push_back(v);
    }
    SmallVector<Type> fields;
    for (Value v : captured) {
      Type type = v.getType();
      if (isa<IndexType>(type))
        type = IntegerType::get(context, 64);
      else if (isa<MemRefType>(type))
        type = converter.convertType(type);
      else if (auto vector = dyn_cast<VectorType>(type);
               vector && vector.getRank() == 1 && !vector.isScalable())
        ; // 1-D vectors (values hoisted out of the loop) are LLVM types.
      else if (!type.isIntOrFloat())
        return loop.emitError("cnn-cpu-parallel-loops: cannot pass a value of "
                              "type ")
               << v.getType() << " to a parallel loop body";
      fields.push_back(type);
    }
    auto contextType = LLVM::LLVMStructType::getLiteral(context, fields);
    Type ptr = LLVM::LLVMPointerType::get(context);
    auto field = [&](OpBuilder &b, Value base, unsigned i) {
      return LLVM::GEPOp::create(
          b, loc, ptr, contextType, base,
          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    };

    // The body function, named after the layer the loop computes where its
    // location names one, so that profiles (perf) read per layer.
    OpBuilder b(parent);
    std::string name = (parent.getName() + "_parallel" + Twine(index)).str();
    if (std::optional<std::string> layer = layerName(loc))
      name += "_" + *layer;
    auto body = func::FuncOp::create(b, loc, name, bodyType);
    body.setPrivate();
    Block *entry = body.addEntryBlock();
    b.setInsertionPointToStart(entry);
    IRMapping mapping;
    for (Value v : constants)
      b.clone(*v.getDefiningOp(), mapping);
    for (auto [i, v] : llvm::enumerate(captured)) {
      Value loaded =
          LLVM::LoadOp::create(b, loc, fields[i], field(b, entry->getArgument(0), i));
      if (isa<IndexType>(v.getType()))
        loaded = arith::IndexCastOp::create(b, loc, v.getType(), loaded);
      else if (isa<MemRefType>(v.getType()))
        loaded = UnrealizedConversionCastOp::create(b, loc, v.getType(), loaded)
                     .getResult(0);
      mapping.map(v, loaded);
    }
    Type indexType = b.getIndexType();
    Value begin =
        arith::IndexCastOp::create(b, loc, indexType, entry->getArgument(1));
    Value end =
        arith::IndexCastOp::create(b, loc, indexType, entry->getArgument(2));
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto linear = scf::ForOp::create(b, loc, begin, end, one);
    b.setInsertionPointToStart(linear.getBody());
    // Delinearize, innermost dimension fastest.
    Value rest = linear.getInductionVar();
    SmallVector<Value> ivs(counts.size());
    for (int64_t d = counts.size() - 1; d >= 0; --d) {
      Value count = arith::ConstantIndexOp::create(b, loc, counts[d]);
      Value position = d == 0 ? rest : arith::RemUIOp::create(b, loc, rest, count);
      if (d > 0)
        rest = arith::DivUIOp::create(b, loc, rest, count);
      Value scaled = arith::MulIOp::create(
          b, loc, position,
          arith::ConstantIndexOp::create(b, loc, bounds->steps[d]));
      ivs[d] = arith::AddIOp::create(
          b, loc, scaled,
          arith::ConstantIndexOp::create(b, loc, bounds->lowerBounds[d]));
    }
    for (auto [iv, value] : llvm::zip_equal(loop.getInductionVars(), ivs))
      mapping.map(iv, value);
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, mapping);
    b.setInsertionPointToEnd(entry);
    func::ReturnOp::create(b, loc);

    // The call: the context lives in the caller's frame.
    b.setInsertionPointToStart(&parent.getBody().front());
    Value one64 = LLVM::ConstantOp::create(b, loc, b.getI64Type(),
                                           b.getI64IntegerAttr(1));
    Value ctx = LLVM::AllocaOp::create(b, loc, ptr, contextType, one64);
    b.setInsertionPoint(loop);
    for (auto [i, v] : llvm::enumerate(captured)) {
      Value stored = v;
      if (isa<IndexType>(v.getType()))
        stored = arith::IndexCastOp::create(b, loc, fields[i], v);
      else if (isa<MemRefType>(v.getType()))
        stored = UnrealizedConversionCastOp::create(b, loc, fields[i], v)
                     .getResult(0);
      LLVM::StoreOp::create(b, loc, stored, field(b, ctx, i));
    }
    Value fn = func::ConstantOp::create(b, loc, bodyType, name);
    Value n = arith::ConstantIntOp::create(b, loc, total, 64);
    func::CallOp::create(b, loc, kRuntimeFunction, TypeRange{},
                         ValueRange{fn, ctx, n});
    loop.erase();
    return success();
  }
};

} // namespace

//===- PrefetchWeights.cpp - the next filter block, fetched ahead ---------===//
//
// A convolution or matmul whose weight cnn-block-weights blocked by output
// channels (and Winograd's products, by position and block) runs one filter
// block per iteration of a parallel loop; each block's register tiles read
// the block once per pass over the output (rows, pixel tiles), from L2,
// except the first time: then it comes from memory (at batch 1 a model's
// weights are not in the caches), and the tile waits on it. This pass
// prefetches the next iteration's block into L2 beside the loads of the
// current one, so that the memory traffic overlaps the current block's FMAs:
// on every pass where a block is used by few multiply-adds, on the first
// pass only (a version of the pass loop's body) where it is used by many
// and the prefetches on the other passes would only cost time.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_PREFETCHWEIGHTSPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// Bytes per cache line.
constexpr int64_t kLineBytes = 64;
/// The largest block prefetched: half of a 2 MiB L2. A block of VGG-16's
/// first classifier layer (25088 x 32 floats, 3 MiB, each read once) streamed
/// slower with its successor prefetched (15.7 -> 21.9 ms, two threads).
constexpr int64_t kMaxBlockBytes = 1 << 20;
/// memref.prefetch's locality for L2 (x86 `prefetcht1`): the next block
/// should not evict the current one's L1 lines.
constexpr uint32_t kL2Locality = 2;

/// The memrefs that the ops in `op`'s region write (the values their write
/// effects name). A prefetch never changes what a program computes: a
/// memref written through another view only gets a useless prefetch.
llvm::DenseSet<Value> writtenIn(Operation *op) {
  llvm::DenseSet<Value> written;
  op->walk([&](MemoryEffectOpInterface inner) {
    SmallVector<MemoryEffects::EffectInstance> effects;
    inner.getEffects(effects);
    for (const MemoryEffects::EffectInstance &effect : effects)
      if (isa<MemoryEffects::Write>(effect.getEffect()) && effect.getValue())
        written.insert(effect.getValue());
  });
  return written;
}

/// How many multiply-adds use each value `load` reads: its users (the
/// register tile's FMAs) times the trip counts of the loops between it and
/// `forall` that it does not depend on (the passes over the block: output
/// rows, pixel tiles), which it adds to `passes`. 0 where a trip count is
/// not static.
int64_t reuseOf(vector::LoadOp load, scf::ForallOp forall,
                llvm::SetVector<Operation *> &passes) {
  int64_t reuse =
      std::distance(load->getUsers().begin(), load->getUsers().end());
  // The loops whose induction variables the indices use, through index
  // arithmetic.
  llvm::SmallPtrSet<Value, 8> used;
  SmallVector<Value> work(load.getIndices());
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!used.insert(v).second)
      continue;
    if (Operation *def = v.getDefiningOp())
      work.append(def->operand_begin(), def->operand_end());
  }
  for (auto loop = load->getParentOfType<scf::ForOp>();
       loop && forall->isProperAncestor(loop);
       loop = loop->getParentOfType<scf::ForOp>()) {
    if (used.contains(loop.getInductionVar()))
      continue;
    std::optional<APInt> trips = loop.getStaticTripCount();
    if (!trips)
      return 0;
    reuse *= trips->getSExtValue();
    passes.insert(loop);
  }
  return reuse;
}

struct PrefetchWeightsPass final
    : cnn::impl::PrefetchWeightsPassBase<PrefetchWeightsPass> {
  using PrefetchWeightsPassBase::PrefetchWeightsPassBase;

  void runOnOperation() override {
    getOperation().walk([&](scf::ForallOp forall) { prefetch(forall); });
  }

  /// Prefetches, for each load in `forall` of a read-only memref indexed
  /// first by the loop's induction variables, in order, over all of its
  /// leading dimensions, the same data one iteration ahead (in the order of
  /// the iterations linearized, row-major).
  void prefetch(scf::ForallOp forall) {
    ArrayRef<int64_t> lower = forall.getStaticLowerBound();
    ArrayRef<int64_t> upper = forall.getStaticUpperBound();
    ArrayRef<int64_t> step = forall.getStaticStep();
    int64_t rank = forall.getRank();
    for (int64_t d = 0; d < rank; ++d)
      if (lower[d] != 0 || step[d] != 1 || ShapedType::isDynamic(upper[d]))
        return;
    if (computeProduct(upper) < 2)
      return;
    SmallVector<Value> ivs(forall.getInductionVars());
    llvm::DenseSet<Value> written = writtenIn(forall);
    // Loads prefetched on every pass, and those prefetched on the first pass
    // only, by the innermost pass loop (see innermostPass).
    SmallVector<vector::LoadOp> everyPass;
    llvm::MapVector<scf::ForOp, SmallVector<vector::LoadOp>> firstPass;
    llvm::DenseMap<Operation *, llvm::SetVector<Operation *>> passesOf;
    forall.walk([&](vector::LoadOp load) {
      MemRefType type = load.getMemRefType();
      // A filter vector: multiplied as it is, in FMAs (an input pixel is
      // loaded as one element and broadcast).
      if (load->use_empty() || load.getVectorType().getNumElements() < 2 ||
          !llvm::all_of(load->getUsers(), [](Operation *user) {
            return isa<vector::FMAOp>(user);
          }))
        return;
      if (type.getRank() <= rank || load.getVectorType().getRank() != 1 ||
          !type.areTrailingDimsContiguous(1) ||
          !type.getElementType().isIntOrFloat() ||
          type.getElementTypeBitWidth() % 8 != 0 ||
          written.contains(load.getBase()))
        return;
      for (int64_t d = 0; d < rank; ++d)
        if (load.getIndices()[d] != ivs[d] || type.getDimSize(d) != upper[d])
          return;
      int64_t blockBytes = computeProduct(type.getShape().drop_front(rank)) *
                           type.getElementTypeBitWidth() / 8;
      if (blockBytes > kMaxBlockBytes)
        return;
      llvm::SetVector<Operation *> passes;
      int64_t reuse = reuseOf(load, forall, passes);
      if (reuse < 1)
        return;
      if (reuse <= maxReuse) {
        everyPass.push_back(load);
        return;
      }
      scf::ForOp loop = innermostPass(load, passes);
      if (!loop || loop.getNumRegionIterArgs() != 0)
        return;
      auto [it, added] = passesOf.try_emplace(loop, passes);
      if (!added && it->second != passes)
        return;
      firstPass[loop].push_back(load);
    });
    if (everyPass.empty() && firstPass.empty())
      return;
    OpBuilder b = OpBuilder::atBlockBegin(forall.getBody());
    Location loc = forall.getLoc();
    // The next iteration in row-major order, or the last one again.
    Value linear = affine::AffineLinearizeIndexOp::create(b, loc, ivs, upper,
                                                          /*disjoint=*/true);
    Value bumped = arith::AddIOp::create(
        b, loc, linear, arith::ConstantIndexOp::create(b, loc, 1));
    Value clamped = arith::MinSIOp::create(
        b, loc, bumped,
        arith::ConstantIndexOp::create(b, loc, computeProduct(upper) - 1));
    ValueRange next =
        affine::AffineDelinearizeIndexOp::create(b, loc, clamped, upper)
            .getResults();
    // Line offsets within a vector, as constants at the top of the body.
    auto offsetConstant = [&, top = b.saveInsertionPoint()](int64_t at) {
      OpBuilder::InsertionGuard guard(b);
      b.restoreInsertionPoint(top);
      return arith::ConstantIndexOp::create(b, loc, at);
    };
    // Prefetches each line of `load`'s vector in the next block.
    auto prefetchNext = [&](vector::LoadOp load) {
      int64_t elementBytes = load.getMemRefType().getElementTypeBitWidth() / 8;
      int64_t lanes = load.getVectorType().getNumElements();
      int64_t perLine = std::max<int64_t>(1, kLineBytes / elementBytes);
      b.setInsertionPoint(load);
      SmallVector<Value> indices(load.getIndices());
      llvm::copy(next, indices.begin());
      Value innermost = indices.back();
      for (int64_t at = 0; at < lanes; at += perLine) {
        if (at > 0)
          indices.back() =
              arith::AddIOp::create(b, loc, innermost, offsetConstant(at));
        memref::PrefetchOp::create(b, load.getLoc(), load.getBase(), indices,
                                   /*isWrite=*/false, kL2Locality,
                                   /*isDataCache=*/true);
      }
    };
    for (vector::LoadOp load : everyPass)
      prefetchNext(load);
    for (auto &[loop, loads] : firstPass) {
      // The pass's body becomes
      //   if (every pass at its first iteration) { the body, prefetching }
      //   else { the body }
      // (whole, so that a register tile's accumulators live in one branch).
      Block *body = loop.getBody();
      b.setInsertionPointToStart(body);
      Value first;
      for (Operation *pass : passesOf.lookup(loop)) {
        auto outer = cast<scf::ForOp>(pass);
        Value at = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         outer.getInductionVar(),
                                         outer.getLowerBound());
        first = first ? arith::AndIOp::create(b, loc, first, at) : at;
      }
      auto versions = scf::IfOp::create(b, loc, TypeRange{}, first,
                                        /*withElseRegion=*/true);
      Block *otherwise = versions.elseBlock();
      otherwise->getOperations().splice(
          otherwise->begin(), body->getOperations(),
          std::next(Block::iterator(versions)), std::prev(body->end()));
      b.setInsertionPointToStart(versions.thenBlock());
      IRMapping mapping;
      for (Operation &op : otherwise->without_terminator())
        b.clone(op, mapping);
      for (vector::LoadOp load : loads)
        prefetchNext(cast<vector::LoadOp>(mapping.lookup(load.getOperation())));
    }
  }

  /// The innermost of `passes` (loops around `load`).
  static scf::ForOp innermostPass(vector::LoadOp load,
                                  const llvm::SetVector<Operation *> &passes) {
    for (Operation *parent = load->getParentOp(); parent;
         parent = parent->getParentOp())
      if (passes.contains(parent))
        return dyn_cast<scf::ForOp>(parent);
    return {};
  }
};

} // namespace

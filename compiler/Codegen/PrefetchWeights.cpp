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
// spread over the passes where a block is used by few multiply-adds, on the
// first pass only (a version of the pass loop's body) where it is used by
// many and prefetches on the other passes would only cost time.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"

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
/// rows, pixel tiles), which it appends to `passes`, innermost first. 0
/// where a trip count is not static.
int64_t reuseOf(vector::LoadOp load, scf::ForallOp forall,
                SmallVectorImpl<scf::ForOp> &passes) {
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
    if (!trips || !loop.getInductionVar().getType().isIndex())
      return 0;
    reuse *= trips->getSExtValue();
    passes.push_back(loop);
  }
  return reuse;
}

/// The passes over a block: the product of its pass loops' trip counts.
int64_t passCountOf(ArrayRef<scf::ForOp> passes) {
  int64_t count = 1;
  for (scf::ForOp pass : passes)
    count *= pass.getStaticTripCount()->getSExtValue();
  return count;
}

/// A filter load and the loops of its passes over the block (see reuseOf).
struct FilterLoad {
  vector::LoadOp load;
  SmallVector<scf::ForOp> passes;
};

/// The loads whose next block is prefetched on the first pass only, by the
/// innermost loop of their passes (the same passes for all of them).
struct FirstPassGroup {
  SmallVector<scf::ForOp> passes;
  SmallVector<vector::LoadOp> loads;
};

/// The prefetches of the next iteration's block in one parallel loop.
class NextBlock {
public:
  explicit NextBlock(scf::ForallOp forall)
      : b(OpBuilder::atBlockBegin(forall.getBody())), loc(forall.getLoc()),
        rank(forall.getRank()) {
    ArrayRef<int64_t> upper = forall.getStaticUpperBound();
    // The next iteration in row-major order, or the last one again.
    Value linear = affine::AffineLinearizeIndexOp::create(
        b, loc, forall.getInductionVars(), upper, /*disjoint=*/true);
    Value bumped = arith::AddIOp::create(
        b, loc, linear, arith::ConstantIndexOp::create(b, loc, 1));
    Value clamped = arith::MinSIOp::create(
        b, loc, bumped,
        arith::ConstantIndexOp::create(b, loc, computeProduct(upper) - 1));
    llvm::append_range(
        next, affine::AffineDelinearizeIndexOp::create(b, loc, clamped, upper)
                  .getResults());
    top = b.saveInsertionPoint();
  }

  /// Beside `load`, the same vector in the next block.
  void sameRow(vector::LoadOp load) {
    b.setInsertionPoint(load);
    row(load, load.getIndices().drop_front(rank).drop_back());
  }

  /// Beside `filter`'s load, its vector in the next block, spread over the
  /// passes: on pass p of P (the pass loops' iterations linearized), where
  /// the load reads row q of the block's R rows (its dimensions between the
  /// loop's and the vector's), row p ceil(R / 2^s) + q / 2^s, 2^s <= P the
  /// largest power of two (the passes from 2^s on clamp to the last row).
  /// The passes together prefetch the block once, evenly over most of its
  /// run: the same row on every pass asks for all of it on the first pass,
  /// as fast as that runs, and only hits L2 after. (A shift, where a
  /// division by P made LLVM shuffle a register tile's accumulators between
  /// registers on every input channel.)
  void spread(const FilterLoad &filter) {
    vector::LoadOp load = filter.load;
    ArrayRef<int64_t> rowShape =
        load.getMemRefType().getShape().drop_front(rank).drop_back();
    int64_t passCount = passCountOf(filter.passes);
    if (passCount == 1 || rowShape.empty()) {
      sameRow(load);
      return;
    }
    Location here = load.getLoc();
    b.setInsertionPoint(load);
    // The pass index p, outer loops first: (iv - lb) / step of each.
    Value p;
    for (scf::ForOp pass : llvm::reverse(filter.passes)) {
      Value index = pass.getInductionVar();
      if (!isConstantIntValue(pass.getLowerBound(), 0))
        index = arith::SubIOp::create(b, here, index, pass.getLowerBound());
      if (!isConstantIntValue(pass.getStep(), 1))
        index = arith::DivUIOp::create(b, here, index, pass.getStep());
      if (p) {
        Value outer = arith::MulIOp::create(
            b, here, p, constant(pass.getStaticTripCount()->getSExtValue()));
        index = arith::AddIOp::create(b, here, outer, index);
      }
      p = index;
    }
    Value q = affine::AffineLinearizeIndexOp::create(
        b, here, load.getIndices().drop_front(rank).drop_back(), rowShape,
        /*disjoint=*/true);
    int64_t shift = llvm::Log2_64(passCount);
    int64_t rows = computeProduct(rowShape);
    int64_t bandRows = llvm::divideCeil(rows, int64_t(1) << shift);
    Value band = arith::MulIOp::create(b, here, p, constant(bandRows));
    Value inBand = arith::ShRUIOp::create(b, here, q, constant(shift));
    Value sum = arith::AddIOp::create(b, here, band, inBand);
    Value clamped = arith::MinUIOp::create(b, here, sum, constant(rows - 1));
    row(load,
        affine::AffineDelinearizeIndexOp::create(b, here, clamped, rowShape)
            .getResults());
  }

  /// Versions the body of `loop`, the innermost of `group`'s passes:
  ///   if (every pass at its first iteration) { the body, prefetching }
  ///   else { the body }
  /// where the body's copy of each of `group`'s loads prefetches the same
  /// vector in the next block. The whole body, so that a register tile's
  /// accumulators live in one branch.
  void onFirstPass(scf::ForOp loop, const FirstPassGroup &group) {
    Location here = loop.getLoc();
    Block *body = loop.getBody();
    b.setInsertionPointToStart(body);
    Value first;
    for (scf::ForOp pass : group.passes) {
      Value start =
          arith::CmpIOp::create(b, here, arith::CmpIPredicate::eq,
                                pass.getInductionVar(), pass.getLowerBound());
      first = first ? arith::AndIOp::create(b, here, first, start) : start;
    }
    auto versions = scf::IfOp::create(b, here, TypeRange{}, first,
                                      /*withElseRegion=*/true);
    Block *otherwise = versions.elseBlock();
    otherwise->getOperations().splice(otherwise->begin(), body->getOperations(),
                                      std::next(Block::iterator(versions)),
                                      std::prev(body->end()));
    b.setInsertionPointToStart(versions.thenBlock());
    IRMapping mapping;
    for (Operation &inner : otherwise->without_terminator())
      b.clone(inner, mapping);
    for (vector::LoadOp load : group.loads)
      sameRow(cast<vector::LoadOp>(mapping.lookup(load.getOperation())));
  }

private:
  /// An index constant at the top of the loop's body.
  Value constant(int64_t value) {
    OpBuilder::InsertionGuard guard(b);
    b.restoreInsertionPoint(top);
    return arith::ConstantIndexOp::create(b, loc, value);
  }

  /// At the insertion point, prefetches each line of `load`'s vector at
  /// the block's row `rowIndices` of the next block.
  void row(vector::LoadOp load, ValueRange rowIndices) {
    int64_t elementBytes = load.getMemRefType().getElementTypeBitWidth() / 8;
    int64_t lanes = load.getVectorType().getNumElements();
    int64_t perLine = std::max<int64_t>(1, kLineBytes / elementBytes);
    SmallVector<Value> indices(next);
    llvm::append_range(indices, rowIndices);
    Value first = load.getIndices().back();
    indices.push_back(first);
    for (int64_t at = 0; at < lanes; at += perLine) {
      if (at > 0)
        indices.back() =
            arith::AddIOp::create(b, load.getLoc(), first, constant(at));
      memref::PrefetchOp::create(b, load.getLoc(), load.getBase(), indices,
                                 /*isWrite=*/false, kL2Locality,
                                 /*isDataCache=*/true);
    }
  }

  OpBuilder b;
  Location loc;
  int64_t rank;
  /// The next iteration's induction variables.
  SmallVector<Value> next;
  /// The top of the loop's body, after `next`.
  OpBuilder::InsertPoint top;
};

struct PrefetchWeightsPass final
    : cnn::impl::PrefetchWeightsPassBase<PrefetchWeightsPass> {
  using PrefetchWeightsPassBase::PrefetchWeightsPassBase;

  void runOnOperation() override {
    getOperation().walk([&](scf::ForallOp forall) { prefetch(forall); });
  }

  /// Prefetches, for each filter load in `forall` of a read-only memref
  /// indexed first by the loop's induction variables, in order, over all of
  /// its leading dimensions, the same vector one iteration ahead (in the
  /// order of the iterations linearized, row-major): spread over the passes
  /// where each loaded value feeds at most max-reuse multiply-adds, on the
  /// first pass only (a version of the passes' body) where it feeds more.
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
    SmallVector<FilterLoad> everyPass;
    llvm::MapVector<scf::ForOp, FirstPassGroup> firstPass;
    forall.walk([&](vector::LoadOp load) {
      MemRefType type = load.getMemRefType();
      // A filter vector: multiplied as it is, in FMAs (an input pixel is
      // loaded as one element and broadcast).
      if (load->use_empty() || load.getVectorType().getNumElements() < 2 ||
          !llvm::all_of(load->getUsers(), [](Operation *user) {
            return isa<vector::FMAOp>(user);
          }))
        return;
      if (type.getRank() <= rank || !type.hasStaticShape() ||
          load.getVectorType().getRank() != 1 ||
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
      FilterLoad filter{load, {}};
      int64_t reuse = reuseOf(load, forall, filter.passes);
      if (reuse < 1)
        return;
      // A block read on one pass only is prefetched on it in any case.
      if (reuse <= maxReuse || passCountOf(filter.passes) == 1) {
        everyPass.push_back(std::move(filter));
        return;
      }
      // The innermost pass's body is versioned: it must yield nothing, and
      // its loads must all have the same passes.
      scf::ForOp innermost = filter.passes.front();
      if (innermost.getNumRegionIterArgs() != 0)
        return;
      auto [it, added] = firstPass.try_emplace(innermost);
      if (added)
        it->second.passes = filter.passes;
      else if (it->second.passes != filter.passes)
        return;
      it->second.loads.push_back(load);
    });
    // A versioned body holding (or inside) another one would clone that one
    // whole into its first-pass version: left alone.
    llvm::SmallPtrSet<Operation *, 4> nested;
    for (auto &[loop, group] : firstPass)
      for (auto &[other, otherGroup] : firstPass)
        if (loop != other && loop->isAncestor(other))
          nested.insert({loop, other});
    firstPass.remove_if(
        [&](auto &entry) { return nested.contains(entry.first); });
    if (everyPass.empty() && firstPass.empty())
      return;

    NextBlock nextBlock(forall);
    for (FilterLoad &filter : everyPass)
      nextBlock.spread(filter);
    for (auto &[loop, group] : firstPass)
      nextBlock.onFirstPass(loop, group);
  }
};

} // namespace

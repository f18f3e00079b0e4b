//===- Winograd.cpp - convolutions as Winograd's minimal filtering --------===//
//
// A 3x3 convolution of stride 1 computes each 2x2 block of output pixels
// from a 4x4 block of input with 36 multiply-adds per input channel and
// filter. Winograd's minimal filtering algorithm F(2x2, 3x3) computes the
// same block with 16 (F(4x4, 3x3): a 4x4 block from 6x6 with 36 instead of
// 144): the input block and the filter are each transformed into the
// "Winograd domain" of P positions, multiplied elementwise there, which for
// all channels at once is P independent matrix products of [blocks, C] by
// [C, F], and transformed back. With the convolution kernels already close
// to the machine's FMA peak, this is what makes these layers faster. Each
// filter axis gets its own F(m, r) (see Axis), so 1x7, 7x1 and 5x5 filters
// are covered too, and a 3x3 convolution of stride 2 is first split into
// four of stride 1, one per phase of its input (see splitPhases).
//
//   U[p] = G_h g G_w^T     (per filter and channel; weight-only, at load time)
//   V[p] = B_h^T d B_w     (per input block and channel)
//   M[p] = V[p] x U[p]     (P matrix products, each a 1x1 convolution)
//   Y    = A_h^T M A_w + bias (per output block and filter)
//
// The products run as 1x1 convolutions of one filter block each, in one
// scf.forall over (p, filter block), so they use the convolution kernels
// (register tiles, threads) of the other layers. The input and output
// transforms are vector code in parallel loops, the input transform's over
// (group of positions, sample, row of blocks), the output transform's over
// (sample, row of blocks); the output transform also applies the layer's
// activation or residual add.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"
#include "compiler/Codegen/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>
#include <optional>

namespace mlir::cnn {
#define GEN_PASS_DEF_WINOGRADPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// The least output size along an axis for F(6, 3) (large-blocks): F(6x6,
/// 3x3) takes 64 multiply-adds per 6x6 block where F(4x4, 3x3) takes 36 per
/// 4x4 (1.78 against 2.25 per output), but its transforms handle 64
/// positions per block. On a Zen 4 core VGG-16's 224x224 and 112x112
/// layers ran faster so (docs/cpu-codegen.md); with F(6x6, 3x3) from 24
/// outputs up, ResNet-50's 56x56 layers ran slower (the model 1.007-1.012
/// of its time, paired, one thread) and ResNet-18's the same (0.998-1.001).
constexpr int64_t kMinLargeBlockOutputs = 96;

/// Winograd's F(m, r) along one axis of the filter: `m` outputs of an
/// `r`-tap correlation from `alpha = m + r - 1` inputs, as
///   y = A^T [(G g) . (B^T d)]
/// with A^T [m][alpha], G [alpha][r] and B^T [alpha][alpha] (row-major).
/// An axis of one tap is F(1, 1), the identity. The matrices are Toom-Cook's
/// for the points 0, 1, -1, 1/2, -2, 2, -1/2 (the first alpha - 1 of them)
/// and infinity. With V_n the [alpha][n] evaluation of polynomials of
/// degree n - 1 at those points (at infinity: the leading coefficient), the
/// correlation is the transpose of Toom-Cook's linear convolution
///   s = V_alpha^-1 [(V_r g) . (V_m h)],
/// so A^T = V_m^T, G = V_r and B^T = V_alpha^-T. Position j's row of G is
/// divided and its row of B^T multiplied by |prod_{l != j} (a_j - a_l)|,
/// which for F(2, 3) gives Lavin and Gray's matrices (B^T of 0 and +-1, G
/// of halves), up to the sign of the last position.
struct Axis {
  int64_t m = 1, r = 1, alpha = 1;
  SmallVector<double> at{1.0}, g{1.0}, bt{1.0};

  double gAt(int64_t j, int64_t k) const { return g[j * r + k]; }
  /// Row `i` of A^T and row `j` of B^T.
  ArrayRef<double> atRow(int64_t i) const {
    return ArrayRef<double>(at).slice(i * alpha, alpha);
  }
  ArrayRef<double> btRow(int64_t j) const {
    return ArrayRef<double>(bt).slice(j * alpha, alpha);
  }

  /// The first input index of a block past the input, in the last block
  /// along an axis of `outputs` outputs (alpha where there is none).
  int64_t firstPastInput(int64_t outputs) const {
    int64_t remainder = outputs % m;
    return remainder == 0 ? alpha : alpha - (m - remainder);
  }

  /// The outputs per block an axis of `taps` taps and `outputs` outputs may
  /// take, larger first: F(4, 3) with at least 12 outputs (a product of 4x4
  /// blocks of an 8x8 output would be 2 pixels long) and F(2, 3) for 3
  /// taps, and F(6, 3) first with at least 96 outputs where `largeBlocks`;
  /// likewise F(4, 2) and F(2, 2) for 2 (the phases of a stride-2
  /// convolution, see splitPhases); F(2, r) for 5 or 7; F(1, 1) for 1; none
  /// otherwise.
  static SmallVector<int64_t, 3> blockSizes(int64_t taps, int64_t outputs,
                                            bool largeBlocks) {
    if (taps == 1)
      return {1};
    if (taps == 3 && largeBlocks && outputs >= kMinLargeBlockOutputs)
      return {6, 4, 2};
    if (taps == 3 && outputs >= 12)
      return {4, 2};
    if (taps == 2 && outputs >= 12)
      return {4, 2};
    if (taps == 2 || taps == 3 || taps == 5 || taps == 7)
      return {2};
    return {};
  }

  /// F(m, taps) along one axis (m of blockSizes).
  static Axis forTaps(int64_t taps, int64_t m) {
    Axis axis;
    if (taps == 1)
      return axis;
    axis.m = m;
    axis.r = taps;
    int64_t alpha = axis.alpha = axis.m + taps - 1;
    // In this order, F(4, 3) takes 0, 1, -1, 1/2, -2, whose f32 error on
    // 3x3 convolutions of 64 channels was 2.8x lower than with 0, +-1, +-2
    // (Barabasz et al., "Error analysis and improving the accuracy of
    // Winograd convolution").
    const double kPoints[] = {0.0, 1.0, -1.0, 0.5, -2.0, 2.0, -0.5};
    ArrayRef<double> points(kPoints, alpha - 1);
    // Rows of V_n: the powers 0 .. n-1 of each point; infinity last.
    auto evaluation = [&](int64_t n) {
      SmallVector<double> v(alpha * n, 0.0);
      for (int64_t j = 0; j < alpha - 1; ++j)
        for (int64_t p = 0; p < n; ++p)
          v[j * n + p] = std::pow(points[j], static_cast<double>(p));
      v[(alpha - 1) * n + n - 1] = 1.0;
      return v;
    };
    SmallVector<double> scale(alpha, 1.0);
    for (int64_t j = 0; j < alpha - 1; ++j)
      for (int64_t l = 0; l < alpha - 1; ++l)
        if (l != j)
          scale[j] *= points[j] - points[l];
    for (double &f : scale)
      f = std::abs(f);
    SmallVector<double> vm = evaluation(axis.m), vr = evaluation(taps);
    axis.at.assign(axis.m * alpha, 0.0);
    for (int64_t i = 0; i < axis.m; ++i)
      for (int64_t j = 0; j < alpha; ++j)
        axis.at[i * alpha + j] = vm[j * axis.m + i];
    axis.g.assign(alpha * taps, 0.0);
    for (int64_t j = 0; j < alpha; ++j)
      for (int64_t k = 0; k < taps; ++k)
        axis.g[j * taps + k] = vr[j * taps + k] / scale[j];
    // B^T = V^-T: invert V by Gauss-Jordan elimination with partial
    // pivoting (V is invertible: the points are distinct).
    SmallVector<double> v = evaluation(alpha), inverse(alpha * alpha, 0.0);
    for (int64_t i = 0; i < alpha; ++i)
      inverse[i * alpha + i] = 1.0;
    for (int64_t col = 0; col < alpha; ++col) {
      int64_t pivot = col;
      for (int64_t row = col + 1; row < alpha; ++row)
        if (std::abs(v[row * alpha + col]) > std::abs(v[pivot * alpha + col]))
          pivot = row;
      for (int64_t k = 0; k < alpha; ++k) {
        std::swap(v[col * alpha + k], v[pivot * alpha + k]);
        std::swap(inverse[col * alpha + k], inverse[pivot * alpha + k]);
      }
      double d = v[col * alpha + col];
      for (int64_t k = 0; k < alpha; ++k) {
        v[col * alpha + k] /= d;
        inverse[col * alpha + k] /= d;
      }
      for (int64_t row = 0; row < alpha; ++row) {
        double factor = v[row * alpha + col];
        if (row == col || factor == 0.0)
          continue;
        for (int64_t k = 0; k < alpha; ++k) {
          v[row * alpha + k] -= factor * v[col * alpha + k];
          inverse[row * alpha + k] -= factor * inverse[col * alpha + k];
        }
      }
    }
    axis.bt.assign(alpha * alpha, 0.0);
    for (int64_t j = 0; j < alpha; ++j)
      for (int64_t l = 0; l < alpha; ++l)
        axis.bt[j * alpha + l] = inverse[l * alpha + j] * scale[j];
    return axis;
  }
};

/// sum_k coefficients[k] * values[k] over the non-zero coefficients, with
/// coefficients of +-1 as additions and subtractions. Coefficients are
/// rounded to f32.
Value combine(OpBuilder &b, Location loc, ArrayRef<double> coefficients,
              ArrayRef<Value> values) {
  Value sum;
  // A term of +1 first, so that a row of +-1 needs no negation.
  SmallVector<int64_t> order;
  for (int64_t k = 0, e = coefficients.size(); k < e; ++k)
    if (static_cast<float>(coefficients[k]) == 1.0f)
      order.push_back(k);
  for (int64_t k = 0, e = coefficients.size(); k < e; ++k)
    if (static_cast<float>(coefficients[k]) != 1.0f)
      order.push_back(k);
  for (int64_t k : order) {
    float c = static_cast<float>(coefficients[k]);
    if (c == 0.0f)
      continue;
    Value x = values[k];
    if (sum && (c == 1.0f || c == -1.0f)) {
      sum = c > 0 ? arith::AddFOp::create(b, loc, sum, x).getResult()
                  : arith::SubFOp::create(b, loc, sum, x).getResult();
      continue;
    }
    if (c == 1.0f) {
      sum = x;
      continue;
    }
    Value scale = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(cast<ShapedType>(x.getType()), c));
    sum = sum ? vector::FMAOp::create(b, loc, scale, x, sum).getResult()
              : arith::MulFOp::create(b, loc, scale, x).getResult();
  }
  if (!sum)
    sum = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(cast<ShapedType>(values[0].getType()), 0.0f));
  return sum;
}

/// `row` applied to each column of `grid` (rows of values): for each
/// column j, sum_i row[i] * grid[i][j] (see combine).
SmallVector<Value> combineColumns(OpBuilder &b, Location loc,
                                  ArrayRef<double> row,
                                  ArrayRef<SmallVector<Value>> grid) {
  SmallVector<Value> result;
  for (int64_t j = 0, e = grid.front().size(); j < e; ++j) {
    SmallVector<Value> column;
    for (const SmallVector<Value> &gridRow : grid)
      column.push_back(gridRow[j]);
    result.push_back(combine(b, loc, row, column));
  }
  return result;
}

/// Loops over `blocks` blocks of a row from `firstBlock` and over `channels` in
/// steps of `step`, threading `init` through; `body`, given (block, channel)
/// and the value so far, returns the next.
Value overBlocksAndChannels(
    OpBuilder &b, Location loc, int64_t firstBlock, int64_t blocks,
    int64_t channels, int64_t step, Value init,
    function_ref<Value(OpBuilder &, Value, Value, Value)> body) {
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  return scf::buildLoopNest(b, loc, {index(firstBlock), index(0)},
                            {index(firstBlock + blocks), index(channels)},
                            {index(1), index(step)}, ValueRange{init},
                            [&](OpBuilder &nb, Location, ValueRange ivs,
                                ValueRange args) -> scf::ValueVector {
                              return {body(nb, ivs[0], ivs[1], args[0])};
                            })
      .results.front();
}

/// `index`, or `last` where `index` is past it.
Value lastOr(OpBuilder &b, Location loc, Value index, int64_t last) {
  return arith::MinSIOp::create(b, loc, index,
                                arith::ConstantIndexOp::create(b, loc, last));
}

/// What one iteration of a row loop computes: `value`, the slice of the
/// loop's output at `offsets`, `sizes`, `strides`.
struct RowPart {
  Value value;
  SmallVector<OpFoldResult> offsets, sizes, strides;
};

/// An scf.forall over (group, n, row) in (`groups`, `n`, `rows`) into
/// `dest` (over (n, row) for one group): `body`, given (group, n, `firstRow` +
/// row) and the loop's output, returns the slice of the output it computes,
/// which it extracted from the output itself, so that it bufferizes in
/// place. The loop runs on the runtime's threads, which split its
/// iterations in order: with two threads and two groups, one group each.
Value rowLoop(
    OpBuilder &b, Location loc, Value dest, int64_t groups, int64_t n,
    int64_t firstRow, int64_t rows,
    function_ref<RowPart(OpBuilder &, Value, Value, Value, Value)> body) {
  SmallVector<OpFoldResult> counts = {b.getIndexAttr(n), b.getIndexAttr(rows)};
  if (groups > 1)
    counts.insert(counts.begin(), b.getIndexAttr(groups));
  auto forall = scf::ForallOp::create(b, loc, counts, ValueRange{dest},
                                      /*mapping=*/std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  Block *block = forall.getBody();
  b.setInsertionPointToStart(block);
  SmallVector<Value> ivs = forall.getInductionVars();
  Value group = groups > 1
                    ? ivs[0]
                    : arith::ConstantIndexOp::create(b, loc, 0).getResult();
  RowPart part = body(b, group, ivs[ivs.size() - 2],
                      cnn::affineIndex(b, loc, ivs.back(), 1, firstRow),
                      forall.getRegionIterArgs()[0]);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, part.value,
                                        forall.getRegionIterArgs()[0],
                                        part.offsets, part.sizes, part.strides);
  return forall.getResult(0);
}

/// Static sizes of a candidate convolution.
struct Shape {
  int64_t n, h, w, c, f; // output rows and columns, channels in and out
};

/// The two axes' F(m, r) of a convolution, and the sizes that follow.
struct Plan {
  Axis rows, columns;
  Shape s;
  /// Positions of the Winograd domain: products per block.
  int64_t positions() const { return rows.alpha * columns.alpha; }
  /// Blocks of output along each axis; where m does not divide the size,
  /// the last block has fewer than m outputs.
  int64_t blockRows() const { return llvm::divideCeil(s.h, rows.m); }
  int64_t blockColumns() const { return llvm::divideCeil(s.w, columns.m); }
};

/// The elementwise op that finishes `conv`'s result (an activation, a
/// residual add), when the output transform can apply it to its vectors
/// instead of a pass of its own over the output: the result's sole user, a
/// generic of identity maps over operands of the result's type whose body
/// is constants and elementwise-mappable ops (arith, math: the same op
/// applies to vectors lane by lane) on the values it reads (not its
/// output's).
linalg::GenericOp vectorEpilogueOf(linalg::Conv2DNhwcHwcfOp conv) {
  Value result = conv->getResult(0);
  if (!result.hasOneUse())
    return {};
  auto generic = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
  if (!generic || generic.getNumResults() != 1 ||
      generic.getNumDpsInits() != 1 || generic.hasIndexSemantics() ||
      generic.getNumReductionLoops() != 0 ||
      generic.payloadUsesValueFromOperand(generic.getDpsInitOperand(0)))
    return {};
  for (OpOperand &operand : generic->getOpOperands())
    if (operand.get().getType() != result.getType() ||
        !generic.getMatchingIndexingMap(&operand).isIdentity())
      return {};
  for (Operation &op : generic.getBody()->without_terminator())
    if ((!isa<arith::ConstantOp>(op) &&
         !OpTrait::hasElementwiseMappableTraits(&op)) ||
        llvm::any_of(op.getResultTypes(),
                     [](Type t) { return !t.isIntOrFloat(); }))
      return {};
  return generic;
}

/// `epilogue`'s body (see vectorEpilogueOf) on vectors of `width` lanes:
/// `operandValue` gives the vector of each input operand.
Value applyVectorEpilogue(OpBuilder &b, Location loc,
                          linalg::GenericOp epilogue, int64_t width,
                          function_ref<Value(OpOperand &)> operandValue) {
  Block &body = epilogue.getRegion().front();
  IRMapping mapping;
  for (OpOperand *input : epilogue.getDpsInputOperands())
    mapping.map(body.getArgument(input->getOperandNumber()),
                operandValue(*input));
  // Scalars (constants, values from outside the body) become splats.
  auto vectorOf = [&](Value v) -> Value {
    Value mapped = mapping.lookupOrDefault(v);
    if (isa<VectorType>(mapped.getType()))
      return mapped;
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({width}, mapped.getType()), mapped);
  };
  for (Operation &op : body.without_terminator()) {
    if (isa<arith::ConstantOp>(op)) {
      b.clone(op, mapping);
      continue;
    }
    OperationState state(loc, op.getName());
    for (Value operand : op.getOperands())
      state.addOperands(vectorOf(operand));
    for (Type type : op.getResultTypes())
      state.addTypes(VectorType::get({width}, type));
    state.addAttributes(op.getAttrs());
    Operation *vectorOp = b.create(state);
    mapping.map(op.getResults(), vectorOp->getResults());
  }
  return vectorOf(body.getTerminator()->getOperand(0));
}

struct WinogradPass final : cnn::impl::WinogradPassBase<WinogradPass> {
  using WinogradPassBase::WinogradPassBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::Conv2DNhwcHwcfOp> strided;
    getOperation().walk([&](linalg::Conv2DNhwcHwcfOp op) {
      if (isStrideTwo3x3(op))
        strided.push_back(op);
    });
    for (linalg::Conv2DNhwcHwcfOp op : strided)
      splitPhases(rewriter, op);
    std::vector<std::pair<linalg::Conv2DNhwcHwcfOp, Plan>> convs;
    getOperation().walk([&](linalg::Conv2DNhwcHwcfOp op) {
      if (std::optional<Plan> plan = planFor(op))
        convs.emplace_back(op, *plan);
    });
    for (auto &[op, plan] : convs)
      rewrite(rewriter, op, plan);
  }

  /// Whether `op` is a static f32 3x3 convolution of stride 2 and dilation
  /// 1 (see splitPhases).
  static bool isStrideTwo3x3(linalg::Conv2DNhwcHwcfOp op) {
    auto filter = cast<RankedTensorType>(op.getDpsInputs()[1].getType());
    return op.hasPureTensorSemantics() && !op.hasDynamicShape() &&
           filter.getElementType().isF32() && filter.getDimSize(0) == 3 &&
           filter.getDimSize(1) == 3 &&
           llvm::all_of(op.getStrides().getValues<int64_t>(),
                        [](int64_t s) { return s == 2; }) &&
           llvm::all_of(op.getDilations().getValues<int64_t>(),
                        [](int64_t d) { return d == 1; });
  }

  /// A 3x3 convolution of stride 2 as the sum of four convolutions of
  /// stride 1, one per phase (a, b) of its input: output pixel (i, j) reads
  /// input pixel (2 i + kh, 2 j + kw), so the taps of even kh and kw (a 2x2
  /// filter) read the even rows and columns, x[2 i' + 0][2 j' + 0], those
  /// of even kh and kw = 1 (2x1) the even rows and odd columns, and so on
  /// to the one tap (1, 1), a 1x1 convolution of the odd rows and columns.
  /// Each phase convolves a strided slice of the input with a strided slice
  /// of the filter, accumulating into the previous phase's result, and the
  /// phases of two taps along an axis become Winograd convolutions below:
  /// F(4, 2) computes 4 outputs of a 2-tap filter with 5 multiply-adds
  /// instead of 8. The four phases take 25 / 16 + 2 (5 / 4) + 1 = 5.06
  /// multiply-adds per output, input channel and filter (6.56 with the 2x1
  /// and 1x2 phases direct, which too few channels leave them) where the
  /// direct convolution takes 9. Applies where the 2x2 phase has a plan; the
  /// 1x1 phase comes last, so that the convolution's activation or residual add
  /// stays its epilogue.
  void splitPhases(IRRewriter &b, linalg::Conv2DNhwcHwcfOp op) const {
    Location loc = op.getLoc();
    Value input = op.getDpsInputs()[0], filter = op.getDpsInputs()[1];
    Value init = op.getDpsInits()[0];
    auto in = cast<RankedTensorType>(input.getType());
    auto w = cast<RankedTensorType>(filter.getType());
    auto out = cast<RankedTensorType>(init.getType());
    int64_t n = out.getDimSize(0), oh = out.getDimSize(1),
            ow = out.getDimSize(2), c = in.getDimSize(3), f = out.getDimSize(3);
    b.setInsertionPoint(op);
    // The phase whose taps are kh = a, a + 2 .. and kw = b, b + 2 ..:
    // input rows a, a + 2 .. and columns b, b + 2 .., accumulated into
    // `acc`.
    auto phase = [&](int64_t a, int64_t bb, Value acc) {
      int64_t rows = a == 0 ? 2 : 1, columns = bb == 0 ? 2 : 1;
      Value x = tensor::ExtractSliceOp::create(
          b, loc,
          RankedTensorType::get({n, oh + rows - 1, ow + columns - 1, c},
                                in.getElementType()),
          input, getAsIndexOpFoldResult(b.getContext(), {0, a, bb, 0}),
          getAsIndexOpFoldResult(b.getContext(),
                                 {n, oh + rows - 1, ow + columns - 1, c}),
          getAsIndexOpFoldResult(b.getContext(), {1, 2, 2, 1}));
      Value g = tensor::ExtractSliceOp::create(
          b, loc,
          RankedTensorType::get({rows, columns, c, f}, w.getElementType()),
          filter, getAsIndexOpFoldResult(b.getContext(), {a, bb, 0, 0}),
          getAsIndexOpFoldResult(b.getContext(), {rows, columns, c, f}),
          getAsIndexOpFoldResult(b.getContext(), {2, 2, 1, 1}));
      return linalg::Conv2DNhwcHwcfOp::create(
          b, loc, TypeRange{out}, ValueRange{x, g}, ValueRange{acc},
          b.getI64VectorAttr({1, 1}), b.getI64VectorAttr({1, 1}));
    };
    linalg::Conv2DNhwcHwcfOp first = phase(0, 0, init);
    if (!planFor(first)) {
      Operation *x = first.getDpsInputs()[0].getDefiningOp();
      Operation *g = first.getDpsInputs()[1].getDefiningOp();
      b.eraseOp(first);
      b.eraseOp(x);
      b.eraseOp(g);
      return;
    }
    Value acc = first.getResult(0);
    for (auto [a, bb] : {std::pair<int64_t, int64_t>{0, 1}, {1, 0}, {1, 1}})
      acc = phase(a, bb, acc).getResult(0);
    b.replaceOp(op, acc);
  }

  /// Blocks of output channels: the filter blocks of cnn-block-weights.
  int64_t filterBlock() const { return 2 * vectorWidth; }

  /// The plan for a static convolution of stride and dilation 1 with 1, 2,
  /// 3, 5 or 7 taps along each axis (not 1x1), input channels in whole
  /// vectors, output channels in whole filter blocks (at least two: a
  /// single block's convolution is small), enough channels in and out that
  /// the multiply-adds saved outweigh the transforms' memory traffic, and
  /// transformed tensors within `maxTransformBytes`.
  std::optional<Plan> planFor(linalg::Conv2DNhwcHwcfOp op) const {
    if (!op.hasPureTensorSemantics() || op.hasDynamicShape() ||
        !llvm::all_of(op.getStrides().getValues<int64_t>(),
                      [](int64_t s) { return s == 1; }) ||
        !llvm::all_of(op.getDilations().getValues<int64_t>(),
                      [](int64_t d) { return d == 1; }))
      return std::nullopt;
    auto filter = cast<RankedTensorType>(op.getDpsInputs()[1].getType());
    if (!filter.getElementType().isF32())
      return std::nullopt;
    // Of the block sizes, the plan with the least multiply-adds plus
    // streaming of the transformed filter, per input channel and filter:
    // P (blocks + vectorWidth). The products multiply-add each of the P C F
    // floats of U into every block, and reading a float of U from memory
    // takes about as long as vectorWidth multiply-adds do (a core does two
    // vectors of them per cycle, and streamed about 20 GB/s, 5 Gfloat/s,
    // against 75 G multiply-adds/s), on a Xeon. `filterFloatCost`, where
    // set, replaces vectorWidth there: an AMD Zen 4 core does one vector
    // per cycle, and cnnc sets half (there F(4x4, 3x3) ran faster on the
    // 14x14 layers at batch 1: ResNet-50 0.980, ResNet-18 0.962-0.965,
    // GoogLeNet 0.962-0.966 of the time with F(2x2, 3x3), paired, one
    // thread). On a Xeon, where few blocks share U, the larger F(4x4, 3x3)
    // (P = 36, against 16) costs more than the multiply-adds it saves: at
    // batch 1, the 14x14 layers of ResNet-18, ResNet-50 and
    // GoogLeNet ran faster as F(2x2, 3x3), while a batch of 8 (ResNet-18
    // and ResNet-50 run theirs whole) ran faster as F(4x4, 3x3). Of equal
    // costs, the first (the larger blocks: fewer multiply-adds) is kept.
    Shape shape = shapeOf(op);
    int64_t taps[2] = {filter.getDimSize(0), filter.getDimSize(1)};
    std::optional<Plan> best;
    int64_t bestCost = 0;
    for (int64_t mh : Axis::blockSizes(taps[0], shape.h, largeBlocks)) {
      for (int64_t mw : Axis::blockSizes(taps[1], shape.w, largeBlocks)) {
        Plan candidate{Axis::forTaps(taps[0], mh), Axis::forTaps(taps[1], mw),
                       shape};
        int64_t cost =
            candidate.positions() *
            (shape.n * candidate.blockRows() * candidate.blockColumns() +
             (filterFloatCost > 0 ? filterFloatCost : vectorWidth));
        if (!best || cost < bestCost) {
          best = std::move(candidate);
          bestCost = cost;
        }
      }
    }
    if (!best)
      return std::nullopt;
    Plan plan = std::move(*best);
    const Shape &s = plan.s;
    if (s.f % filterBlock() != 0 || s.f < 2 * filterBlock() ||
        s.c % vectorWidth != 0)
      return std::nullopt;
    // Per block of output, the transforms store and load C + F floats of V
    // and M at each of the P positions, and the products save
    // (m_h m_w r_h r_w - P) C F multiply-adds against the direct
    // convolution. Below 40 multiply-adds saved per float moved, the saving
    // did not pay for the traffic: Inception-v3's 3x3 layer of 32 to 64
    // channels (27 per float) took 8.7 ms as Winograd and 7.8 ms direct.
    int64_t p = plan.positions();
    int64_t direct =
        plan.rows.m * plan.columns.m * plan.rows.r * plan.columns.r;
    if ((direct - p) * s.c * s.f < 40 * p * (s.c + s.f))
      return std::nullopt;
    int64_t blocks = s.n * plan.blockRows() * plan.blockColumns();
    int64_t bytes = p * blocks * std::max(s.c, s.f) * 4;
    if (bytes > maxTransformBytes)
      return std::nullopt;
    return plan;
  }

  static Shape shapeOf(linalg::Conv2DNhwcHwcfOp op) {
    auto in = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
    auto out = cast<RankedTensorType>(op.getDpsInits()[0].getType());
    return {out.getDimSize(0), out.getDimSize(1), out.getDimSize(2),
            in.getDimSize(3), out.getDimSize(3)};
  }

  void rewrite(IRRewriter &b, linalg::Conv2DNhwcHwcfOp op, const Plan &plan) {
    const Shape &s = plan.s;
    const Axis &ah = plan.rows, &aw = plan.columns;
    int64_t positions = plan.positions();
    int64_t th = plan.blockRows(), tw = plan.blockColumns(), tf = filterBlock();
    Location loc = op.getLoc();
    MLIRContext *context = b.getContext();
    Type f32 = b.getF32Type();
    cnn::collapseGroupedInit(b, op.getDpsInits()[0]);
    b.setInsertionPoint(op);
    Value input = op.getDpsInputs()[0];
    Value filter = op.getDpsInputs()[1];
    Value init = op.getDpsInits()[0];
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    auto indices = [&](ArrayRef<int64_t> v) {
      return getAsIndexOpFoldResult(context, v);
    };
    auto parallel = [](int64_t n) {
      return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
    };

    // U = G_h g G_w^T as [P, F/tf, 1, 1, C, tf]: the filter blocks of the P
    // products, in cnn-block-weights' layout. Weight-only, so
    // cnn-hoist-weight-packing moves it to load time.
    Value u;
    {
      int64_t taps = ah.r * aw.r;
      SmallVector<Attribute> coefficients;
      for (int64_t a = 0; a < ah.alpha; ++a)
        for (int64_t c = 0; c < aw.alpha; ++c)
          for (int64_t kh = 0; kh < ah.r; ++kh)
            for (int64_t kw = 0; kw < aw.r; ++kw)
              coefficients.push_back(b.getF32FloatAttr(
                  static_cast<float>(ah.gAt(a, kh) * aw.gAt(c, kw))));
      auto coefType = RankedTensorType::get({positions, taps}, f32);
      Value coef = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(coefType, coefficients));
      Value blocked = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({ah.r, aw.r, s.c, s.f / tf, tf}, f32),
          filter, SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
      // Loops (p, fb, 1, 1, c, l).
      SmallVector<Value> inputs;
      SmallVector<AffineMap> maps;
      AffineExpr p = b.getAffineDimExpr(0), fb = b.getAffineDimExpr(1),
                 c = b.getAffineDimExpr(4), l = b.getAffineDimExpr(5);
      for (int64_t k = 0; k < taps; ++k) {
        inputs.push_back(coef);
        maps.push_back(
            AffineMap::get(6, 0, {p, b.getAffineConstantExpr(k)}, context));
      }
      for (int64_t k = 0; k < taps; ++k) {
        inputs.push_back(blocked);
        maps.push_back(
            AffineMap::get(6, 0,
                           {b.getAffineConstantExpr(k / aw.r),
                            b.getAffineConstantExpr(k % aw.r), c, fb, l},
                           context));
      }
      maps.push_back(b.getMultiDimIdentityMap(6));
      Value empty = tensor::EmptyOp::create(
          b, loc, ArrayRef<int64_t>{positions, s.f / tf, 1, 1, s.c, tf}, f32);
      u = linalg::GenericOp::create(
              b, loc, empty.getType(), inputs, ValueRange{empty}, maps,
              parallel(6),
              [&](OpBuilder &nb, Location nloc, ValueRange args) {
                Value sum;
                for (int64_t k = 0; k < taps; ++k) {
                  Value term =
                      arith::MulFOp::create(nb, nloc, args[k], args[taps + k]);
                  sum = sum ? arith::AddFOp::create(nb, nloc, sum, term) : term;
                }
                linalg::YieldOp::create(nb, nloc, sum);
              })
              .getResult(0);
    }

    // V = B_h^T d B_w for every alpha_h x alpha_w input block d (blocks m
    // apart), a row of blocks per iteration of a parallel loop, a vector of
    // channels at a time, the P positions stored into V's row. Written as
    // vector code rather than as generics: one generic with P results would
    // be copied into V, and P generics of one result each cost twice the
    // compile time for the same speed.
    //
    // With an odd output size along an axis of m = 2, the last block's last
    // input row (column) lies past the input: it reads the last row
    // (column) instead. Only the block's second output row (column)
    // depends on it, in exact arithmetic (for F(2, 3) also in floating
    // point: row 3 of B^T is the only one that reads it, and row 1 of A^T
    // the only one that reads that), and the output transform does not
    // write that row (column).
    auto vectorType = VectorType::get({vectorWidth}, f32);
    Value padding = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    auto read = [&](OpBuilder &rb, Value source, ValueRange at) {
      return vector::TransferReadOp::create(rb, loc, vectorType, source, at,
                                            padding, ArrayRef<bool>{true})
          .getResult();
    };
    auto write = [&](OpBuilder &rb, Value value, Value dest, ValueRange at) {
      return vector::TransferWriteOp::create(rb, loc, value, dest, at,
                                             ArrayRef<bool>{true})
          .getResult();
    };
    // The positions in two groups of ceil(P / 2), in B^T's row-major order
    // (for F(2x2, 3x3) the first and the last two rows of B_h^T), each group
    // in iterations of its own, outermost: with two threads each writes the
    // half of V that it reads in the products below (whose loop runs over
    // positions first). Split by rows of blocks instead, each thread wrote
    // part of every position, and every line of V the other core had read
    // since the arena last held it was fetched back to be written:
    // ResNet-50's 14x14 input transforms took 110-200 us on two threads
    // against 18-33 on one. Each group loads the input values its rows of
    // B_h^T use and computes only its positions. With P odd (F(4x4, 2x2)'s
    // 25), V has one position more, which the second group leaves unwritten
    // and no product reads.
    int64_t groups = 2;
    int64_t groupPositions = llvm::divideCeil(positions, groups);
    Value v = bufferization::AllocTensorOp::create(
        b, loc,
        RankedTensorType::get({groups * groupPositions, s.n, 1, th * tw, s.c},
                              f32),
        ValueRange{});
    v = rowLoop(
        b, loc, v, groups, s.n, 0, th,
        [&](OpBuilder &rb, Value group, Value n, Value row, Value out) {
          RowPart part{{},
                       {cnn::affineIndex(rb, loc, group, groupPositions, 0), n,
                        zero, cnn::affineIndex(rb, loc, row, tw, 0), zero},
                       indices({groupPositions, 1, 1, tw, s.c}),
                       SmallVector<OpFoldResult>(5, one)};
          Value rowOut = tensor::ExtractSliceOp::create(
              rb, loc, RankedTensorType::get({groupPositions, tw, s.c}, f32),
              out, part.offsets, part.sizes, part.strides);
          // Input rows m row .. m row + alpha - 1.
          SmallVector<Value> inRows;
          for (int64_t i = 0; i < ah.alpha; ++i) {
            inRows.push_back(cnn::affineIndex(rb, loc, row, ah.m, i));
            if (i >= ah.firstPastInput(s.h))
              inRows.back() = lastOr(rb, loc, inRows.back(), s.h + ah.r - 2);
          }
          // Group g's positions: [first, last) of the P, position
          // a alpha_w + bb from row a of B_h^T and row bb of B_w^T.
          auto transform = [&](OpBuilder &gb, int64_t g) {
            int64_t first = g * groupPositions;
            int64_t last = std::min(first + groupPositions, positions);
            return overBlocksAndChannels(
                gb, loc, 0, tw, s.c, vectorWidth, rowOut,
                [&](OpBuilder &cb, Value t, Value c, Value dest) {
                  // x[i][j], then t = B_h^T x (per column), then V = t B_w.
                  SmallVector<SmallVector<Value>> x(ah.alpha);
                  for (int64_t j = 0; j < aw.alpha; ++j) {
                    Value column = cnn::affineIndex(cb, loc, t, aw.m, j);
                    if (j >= aw.firstPastInput(s.w))
                      column = lastOr(cb, loc, column, s.w + aw.r - 2);
                    for (int64_t i = 0; i < ah.alpha; ++i)
                      x[i].push_back(
                          read(cb, input, {n, inRows[i], column, c}));
                  }
                  for (int64_t a = first / aw.alpha;
                       a < ah.alpha && a * aw.alpha < last; ++a) {
                    SmallVector<Value> tRow =
                        combineColumns(cb, loc, ah.btRow(a), x);
                    for (int64_t bb =
                             std::max<int64_t>(first - a * aw.alpha, 0);
                         bb < aw.alpha && a * aw.alpha + bb < last; ++bb) {
                      Value value = combine(cb, loc, aw.btRow(bb), tRow);
                      int64_t position = a * aw.alpha + bb - first;
                      dest = write(
                          cb, value, dest,
                          {arith::ConstantIndexOp::create(cb, loc, position), t,
                           c});
                    }
                  }
                  return dest;
                });
          };
          // One region per group: the last one the default.
          SmallVector<int64_t> cases =
              llvm::to_vector(llvm::seq<int64_t>(0, groups - 1));
          auto byGroup = scf::IndexSwitchOp::create(
              rb, loc, TypeRange{rowOut.getType()}, group, cases, cases.size());
          OpBuilder::InsertionGuard regionGuard(rb);
          for (int64_t g = 0; g < groups; ++g) {
            Region &region = g == groups - 1 ? byGroup.getDefaultRegion()
                                             : byGroup.getCaseRegions()[g];
            rb.setInsertionPointToStart(&region.emplaceBlock());
            scf::YieldOp::create(rb, loc, transform(rb, g));
          }
          part.value = byGroup.getResult(0);
          return part;
        });

    // M[p] = V[p] x U[p]: one 1x1 convolution per (p, filter block).
    auto tileType = [&](int64_t channels) {
      return RankedTensorType::get({s.n, 1, th * tw, channels}, f32);
    };
    SmallVector<OpFoldResult> unitStrides(5, one);
    Value m = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{positions, s.n, 1, th * tw, s.f}, f32);
    auto forall =
        scf::ForallOp::create(b, loc,
                              ArrayRef<OpFoldResult>{b.getIndexAttr(positions),
                                                     b.getIndexAttr(s.f / tf)},
                              ValueRange{m}, /*mapping=*/std::nullopt);
    {
      OpBuilder::InsertionGuard guard(b);
      Block *body = forall.getBody();
      b.setInsertionPointToStart(body);
      Value position = body->getArgument(0), block = body->getArgument(1);
      Value shared = body->getArgument(2);
      Value channel = arith::MulIOp::create(
          b, loc, block, arith::ConstantIndexOp::create(b, loc, tf));
      Value vSlice = tensor::ExtractSliceOp::create(
          b, loc, tileType(s.c), v,
          ArrayRef<OpFoldResult>{position, zero, zero, zero, zero},
          indices({1, s.n, 1, th * tw, s.c}), unitStrides);
      Value uSlice = tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get({1, 1, s.c, tf}, f32), u,
          ArrayRef<OpFoldResult>{position, block, zero, zero, zero, zero},
          indices({1, 1, 1, 1, s.c, tf}), SmallVector<OpFoldResult>(6, one));
      SmallVector<OpFoldResult> outOffsets = {position, zero, zero, zero,
                                              channel};
      SmallVector<OpFoldResult> outSizes = indices({1, s.n, 1, th * tw, tf});
      Value outSlice = tensor::ExtractSliceOp::create(
          b, loc, tileType(tf), shared, outOffsets, outSizes, unitStrides);
      Value zeroValue =
          arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
      Value filled =
          linalg::FillOp::create(b, loc, zeroValue, outSlice).getResult(0);
      Value product =
          linalg::Conv2DNhwcHwcfOp::create(
              b, loc, TypeRange{tileType(tf)}, ValueRange{vSlice, uSlice},
              ValueRange{filled}, b.getI64VectorAttr({1, 1}),
              b.getI64VectorAttr({1, 1}))
              .getResult(0);
      b.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(b, loc, product, shared, outOffsets,
                                            outSizes, unitStrides);
    }

    // Y = A_h^T M A_w, plus the convolution's initial value (its bias when
    // it is a broadcast of one, otherwise its value at each output pixel):
    // a row of blocks (m_h rows of output) per iteration of a parallel
    // loop, from the P products. With an odd output height and m_h = 2,
    // the last row of blocks writes one row, in a loop of its own; with an
    // odd width and m_w = 2, the last block of each row writes one column.
    Value products = forall.getResult(0);
    Value bias = biasOf(init);
    // The activation or residual add after the convolution, applied to each
    // output vector before it is stored: no pass of its own over the output.
    linalg::GenericOp epilogue = vectorEpilogueOf(op);
    // The `rows` x `columns` output pixels of block (n, row, t), channels
    // [f, f + vectorWidth), written into `dest` (output rows m_h row ..).
    auto outputBlock = [&](OpBuilder &fb, Value n, Value row, Value t, Value f,
                           Value dest, int64_t rows, int64_t columns) {
      // Blocks are numbered along rows: row tw + t.
      Value blockIndex = arith::AddIOp::create(
          fb, loc, cnn::affineIndex(fb, loc, row, tw, 0), t);
      Value zeroIndex = arith::ConstantIndexOp::create(fb, loc, 0);
      SmallVector<SmallVector<Value>> mv(ah.alpha);
      for (int64_t a = 0; a < ah.alpha; ++a)
        for (int64_t c = 0; c < aw.alpha; ++c)
          mv[a].push_back(
              read(fb, products,
                   {arith::ConstantIndexOp::create(fb, loc, a * aw.alpha + c),
                    n, zeroIndex, blockIndex, f}));
      Value biasVector = bias ? read(fb, bias, {f}) : Value();
      // Rows, then columns: s = A_h^T m, Y = s A_w.
      for (int64_t i = 0; i < rows; ++i) {
        SmallVector<Value> sum = combineColumns(fb, loc, ah.atRow(i), mv);
        Value outRow = cnn::affineIndex(fb, loc, row, ah.m, i);
        for (int64_t j = 0; j < columns; ++j) {
          Value pixel = combine(fb, loc, aw.atRow(j), sum);
          Value column = cnn::affineIndex(fb, loc, t, aw.m, j);
          Value initial =
              bias ? biasVector : read(fb, init, {n, outRow, column, f});
          pixel = arith::AddFOp::create(fb, loc, pixel, initial);
          if (epilogue)
            pixel = applyVectorEpilogue(
                fb, loc, epilogue, vectorWidth,
                [&](OpOperand &operand) -> Value {
                  if (operand.get() == op->getResult(0))
                    return pixel;
                  return read(fb, operand.get(), {n, outRow, column, f});
                });
          dest = write(fb, pixel, dest,
                       {arith::ConstantIndexOp::create(fb, loc, i), column, f});
        }
      }
      return dest;
    };
    // `count` rows of blocks from `firstRow`, `rows` output rows each.
    auto outputRows = [&](Value y, int64_t firstRow, int64_t count,
                          int64_t rows) {
      return rowLoop(
          b, loc, y, /*groups=*/1, s.n, firstRow, count,
          [&](OpBuilder &rb, Value, Value n, Value row, Value out) {
            RowPart part{
                {},
                {n, cnn::affineIndex(rb, loc, row, ah.m, 0), zero, zero},
                indices({1, rows, s.w, s.f}),
                SmallVector<OpFoldResult>(4, one)};
            Value dest = tensor::ExtractSliceOp::create(
                rb, loc, RankedTensorType::get({rows, s.w, s.f}, f32), out,
                part.offsets, part.sizes, part.strides);
            auto blocks = [&](int64_t first, int64_t blockCount,
                              int64_t columns) {
              dest = overBlocksAndChannels(
                  rb, loc, first, blockCount, s.f, vectorWidth, dest,
                  [&](OpBuilder &fb, Value t, Value f, Value blockDest) {
                    return outputBlock(fb, n, row, t, f, blockDest, rows,
                                       columns);
                  });
            };
            if (s.w / aw.m > 0)
              blocks(0, s.w / aw.m, aw.m);
            if (s.w % aw.m != 0)
              blocks(s.w / aw.m, 1, s.w % aw.m);
            part.value = dest;
            return part;
          });
    };
    // With an epilogue, the output goes where the epilogue's would: an
    // empty tensor that eliminate-empty-tensors can place in a padded
    // buffer or a concatenation.
    // It is built where the epilogue is, after the values it reads (a
    // residual computed after the convolution).
    Value y;
    if (epilogue)
      b.setInsertionPoint(epilogue);
    if (epilogue && epilogue.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>())
      y = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{s.n, s.h, s.w, s.f},
                                  f32);
    else
      y = bufferization::AllocTensorOp::create(
          b, loc, RankedTensorType::get({s.n, s.h, s.w, s.f}, f32),
          ValueRange{});
    if (s.h / ah.m > 0)
      y = outputRows(y, 0, s.h / ah.m, ah.m);
    if (s.h % ah.m != 0)
      y = outputRows(y, s.h / ah.m, 1, s.h % ah.m);
    if (epilogue) {
      b.replaceOp(epilogue, y);
      b.eraseOp(op);
    } else {
      b.replaceOp(op, y);
    }
  }

  /// The [F] bias that `init` broadcasts over the output, when a generic
  /// computes it so (a grouped broadcast is first rebuilt in the output's
  /// shape by collapseGroupedInit).
  static Value biasOf(Value init) {
    auto generic = init.getDefiningOp<linalg::GenericOp>();
    if (!generic || !cnn::isElementwiseInit(generic) ||
        generic.getNumDpsInputs() != 1 ||
        !generic.getIndexingMapsArray().back().isIdentity())
      return {};
    Block &body = generic.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    if (yield.getNumOperands() != 1 ||
        yield.getOperand(0) != body.getArgument(0))
      return {};
    OpOperand *in = generic.getDpsInputOperand(0);
    auto type = dyn_cast<RankedTensorType>(in->get().getType());
    AffineMap map = generic.getMatchingIndexingMap(in);
    if (!type || type.getRank() != 1 || map.getNumResults() != 1 ||
        map.getResult(0) != getAffineDimExpr(3, generic.getContext()))
      return {};
    return in->get();
  }
};

} // namespace

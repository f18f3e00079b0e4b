//===- Winograd.cpp - 3x3 convolutions as Winograd F(2x2, 3x3) ------------===//
//
// A 3x3 convolution of stride 1 computes each 2x2 block of output pixels
// from a 4x4 block of input with 36 multiply-adds per input channel and
// filter. Winograd's minimal filtering algorithm F(2x2, 3x3) computes the
// same block with 16: the input block and the filter are each transformed
// into a 4x4 "Winograd domain" (additions only, for the input), multiplied
// elementwise there, which for all channels at once is 16 independent
// matrix products of [tiles, C] by [C, F], and transformed back (additions
// only). With the convolution kernels already close to the machine's FMA
// peak, this is what makes 3x3 layers faster: 2.25x fewer multiply-adds.
//
//   U[ab] = G g G^T     (per filter and channel; weight-only, at load time)
//   V[ab] = B^T d B     (per 4x4 input block and channel)
//   M[ab] = V[ab] x U[ab]  (16 matrix products, each a 1x1 convolution)
//   Y     = A^T M A + bias (per 2x2 output block and filter)
//
// The products run as 1x1 convolutions of one filter block each, in one
// scf.forall over (ab, filter block), so they use the convolution kernels
// (register tiles, threads) of the other layers. The input and output
// transforms are vector code in parallel loops over rows of blocks.
//
//===----------------------------------------------------------------------===//

#include "compiler/Codegen/Passes.h"
#include "compiler/Codegen/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace mlir::cnn {
#define GEN_PASS_DEF_WINOGRADPASS
#include "compiler/Codegen/Passes.h.inc"
} // namespace mlir::cnn

using namespace mlir;

namespace {

/// The filter transform G (4x3) of F(2x2, 3x3).
constexpr float kG[4][3] = {{1.0f, 0.0f, 0.0f},
                            {0.5f, 0.5f, 0.5f},
                            {0.5f, -0.5f, 0.5f},
                            {0.0f, 0.0f, 1.0f}};

/// A row of the input transform B^T (4x4): +x[plus] + sign * x[other],
/// zeros elsewhere.
struct Row {
  int64_t plus, other;
  float sign;
};
constexpr Row kBT[4] = {
    {0, 2, -1.0f}, {1, 2, 1.0f}, {2, 1, -1.0f}, {1, 3, -1.0f}};

/// The output transform A^T (2x4).
constexpr float kAT[2][4] = {{1.0f, 1.0f, 1.0f, 0.0f},
                             {0.0f, 1.0f, -1.0f, -1.0f}};

/// x + y or x - y.
Value plusOrMinus(OpBuilder &b, Location loc, Value x, Value y, float sign) {
  if (sign > 0)
    return arith::AddFOp::create(b, loc, x, y);
  return arith::SubFOp::create(b, loc, x, y);
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

/// `scale * index + offset`.
Value affineIndex(OpBuilder &b, Location loc, Value index, int64_t scale,
                  int64_t offset) {
  Value v = index;
  if (scale != 1)
    v = arith::MulIOp::create(b, loc, v,
                              arith::ConstantIndexOp::create(b, loc, scale));
  if (offset != 0)
    v = arith::AddIOp::create(b, loc, v,
                              arith::ConstantIndexOp::create(b, loc, offset));
  return v;
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

/// An scf.forall over (n, row) in (`n`, `rows`) into `dest`: `body`, given
/// (n, row) and the loop's output, returns the slice of the output it
/// computes, which it extracted from the output itself, so that it
/// bufferizes in place. The loop runs on the runtime's threads.
Value rowLoop(OpBuilder &b, Location loc, Value dest, int64_t n, int64_t rows,
              function_ref<RowPart(OpBuilder &, Value, Value, Value)> body) {
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(n), b.getIndexAttr(rows)},
      ValueRange{dest}, /*mapping=*/std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  Block *block = forall.getBody();
  b.setInsertionPointToStart(block);
  RowPart part = body(b, block->getArgument(0), block->getArgument(1),
                      block->getArgument(2));
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, part.value,
                                        block->getArgument(2), part.offsets,
                                        part.sizes, part.strides);
  return forall.getResult(0);
}

/// Static sizes of a candidate convolution.
struct Shape {
  int64_t n, h, w, c, f; // output rows and columns, channels in and out
};

struct WinogradPass final : cnn::impl::WinogradPassBase<WinogradPass> {
  using WinogradPassBase::WinogradPassBase;

  void runOnOperation() override {
    SmallVector<linalg::Conv2DNhwcHwcfOp> convs;
    getOperation().walk([&](linalg::Conv2DNhwcHwcfOp op) {
      if (applies(op))
        convs.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::Conv2DNhwcHwcfOp op : convs)
      rewrite(rewriter, op);
  }

  /// Blocks of output channels: the filter blocks of cnn-block-weights.
  int64_t filterBlock() const { return 2 * vectorWidth; }

  /// A static 3x3 convolution of stride and dilation 1, input channels in
  /// whole vectors, output channels in whole filter blocks (at least two: a
  /// single block's convolution is small), enough channels in and out that
  /// the multiply-adds saved outweigh the transforms' memory traffic, and
  /// transformed tensors within `maxTransformBytes`.
  bool applies(linalg::Conv2DNhwcHwcfOp op) const {
    if (!op.hasPureTensorSemantics() || op.hasDynamicShape() ||
        !llvm::all_of(op.getStrides().getValues<int64_t>(),
                      [](int64_t s) { return s == 1; }) ||
        !llvm::all_of(op.getDilations().getValues<int64_t>(),
                      [](int64_t d) { return d == 1; }))
      return false;
    auto filter = cast<RankedTensorType>(op.getDpsInputs()[1].getType());
    if (!filter.getElementType().isF32() || filter.getDimSize(0) != 3 ||
        filter.getDimSize(1) != 3)
      return false;
    Shape s = shapeOf(op);
    if (s.f % filterBlock() != 0 || s.f < 2 * filterBlock() ||
        s.c % vectorWidth != 0)
      return false;
    // Per block of output and position, the transforms store and load C + F
    // floats of V and M; the products save 20/16 of their C x F
    // multiply-adds against the direct convolution. Below C F / (C + F) =
    // 32 (e.g. 32 channels to 64) the saving did not pay for the traffic:
    // Inception-v3's 147x147 layer of 32 to 64 channels took 8.7 ms as
    // Winograd and 7.8 ms direct.
    if (s.c * s.f < 32 * (s.c + s.f))
      return false;
    // V is 4x the input's interior, M 4x the output (rounded up to blocks).
    int64_t tiles = s.n * llvm::divideCeil(s.h, 2) * llvm::divideCeil(s.w, 2);
    int64_t bytes = 16 * tiles * std::max(s.c, s.f) * 4;
    return bytes <= maxTransformBytes;
  }

  static Shape shapeOf(linalg::Conv2DNhwcHwcfOp op) {
    auto in = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
    auto out = cast<RankedTensorType>(op.getDpsInits()[0].getType());
    return {out.getDimSize(0), out.getDimSize(1), out.getDimSize(2),
            in.getDimSize(3), out.getDimSize(3)};
  }

  void rewrite(IRRewriter &b, linalg::Conv2DNhwcHwcfOp op) {
    Shape s = shapeOf(op);
    // Blocks of 2x2 output pixels; with an odd size, the last block of a
    // row or column has one pixel of output (see the transforms).
    int64_t th = llvm::divideCeil(s.h, 2), tw = llvm::divideCeil(s.w, 2),
            tf = filterBlock();
    Location loc = op.getLoc();
    MLIRContext *context = b.getContext();
    Type f32 = b.getF32Type();
    cnn::collapseGroupedInit(b, op.getDpsInits()[0]);
    b.setInsertionPoint(op);
    Value input = op.getDpsInputs()[0];
    Value filter = op.getDpsInputs()[1];
    Value init = op.getDpsInits()[0];
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1),
                 two = b.getIndexAttr(2);
    auto indices = [&](ArrayRef<int64_t> v) {
      return getAsIndexOpFoldResult(context, v);
    };
    auto parallel = [](int64_t n) {
      return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
    };

    // U = G g G^T as [16, F/tf, 1, 1, C, tf]: the filter blocks of the 16
    // products, in cnn-block-weights' layout. Weight-only, so
    // cnn-hoist-weight-packing moves it to load time.
    Value u;
    {
      SmallVector<Attribute> coefficients;
      for (int a = 0; a < 4; ++a)
        for (int bb = 0; bb < 4; ++bb)
          for (int kh = 0; kh < 3; ++kh)
            for (int kw = 0; kw < 3; ++kw)
              coefficients.push_back(b.getF32FloatAttr(kG[a][kh] * kG[bb][kw]));
      auto coefType = RankedTensorType::get({16, 9}, f32);
      Value coef = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(coefType, coefficients));
      Value blocked = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({3, 3, s.c, s.f / tf, tf}, f32), filter,
          SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
      // Loops (ab, fb, 1, 1, c, l).
      SmallVector<Value> inputs;
      SmallVector<AffineMap> maps;
      AffineExpr ab = b.getAffineDimExpr(0), fb = b.getAffineDimExpr(1),
                 c = b.getAffineDimExpr(4), l = b.getAffineDimExpr(5);
      for (int k = 0; k < 9; ++k) {
        inputs.push_back(coef);
        maps.push_back(
            AffineMap::get(6, 0, {ab, b.getAffineConstantExpr(k)}, context));
      }
      for (int k = 0; k < 9; ++k) {
        inputs.push_back(blocked);
        maps.push_back(
            AffineMap::get(6, 0,
                           {b.getAffineConstantExpr(k / 3),
                            b.getAffineConstantExpr(k % 3), c, fb, l},
                           context));
      }
      maps.push_back(b.getMultiDimIdentityMap(6));
      Value empty = tensor::EmptyOp::create(
          b, loc, ArrayRef<int64_t>{16, s.f / tf, 1, 1, s.c, tf}, f32);
      u = linalg::GenericOp::create(
              b, loc, empty.getType(), inputs, ValueRange{empty}, maps,
              parallel(6),
              [](OpBuilder &nb, Location nloc, ValueRange args) {
                Value sum;
                for (int k = 0; k < 9; ++k) {
                  Value term =
                      arith::MulFOp::create(nb, nloc, args[k], args[9 + k]);
                  sum = sum ? arith::AddFOp::create(nb, nloc, sum, term) : term;
                }
                linalg::YieldOp::create(nb, nloc, sum);
              })
              .getResult(0);
    }

    // V = B^T d B for every 4x4 input block d (the blocks overlap by two
    // pixels), additions only: a row of blocks per iteration of a parallel
    // loop, a vector of channels at a time, the 16 positions stored into
    // V's row. Written as vector code rather than as generics: one generic
    // with 16 results would be copied into V, and 16 generics of one result
    // each cost twice the compile time for the same speed.
    //
    // With an odd output size, the last block's fourth input row (column)
    // lies past the input: it reads the last row (column) instead. Only the
    // block's second output row (column) depends on it (row 3 of B^T is the
    // only one that reads it, and row 1 of A^T the only one that reads
    // that), and the output transform does not write that row (column).
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
    Value v = bufferization::AllocTensorOp::create(
        b, loc, RankedTensorType::get({16, s.n, th, tw, s.c}, f32),
        ValueRange{});
    v = rowLoop(
        b, loc, v, s.n, th, [&](OpBuilder &rb, Value n, Value row, Value out) {
          RowPart part{{},
                       {zero, n, row, zero, zero},
                       indices({16, 1, 1, tw, s.c}),
                       SmallVector<OpFoldResult>(5, one)};
          Value rowOut = tensor::ExtractSliceOp::create(
              rb, loc, RankedTensorType::get({16, tw, s.c}, f32), out,
              part.offsets, part.sizes, part.strides);
          // Input rows 2 row .. 2 row + 3.
          Value inRows[4];
          for (int64_t i = 0; i < 4; ++i)
            inRows[i] = affineIndex(rb, loc, row, 2, i);
          if (s.h % 2 != 0)
            inRows[3] = lastOr(rb, loc, inRows[3], s.h + 1);
          part.value = overBlocksAndChannels(
              rb, loc, 0, tw, s.c, vectorWidth, rowOut,
              [&](OpBuilder &cb, Value t, Value c, Value dest) {
                Value x[4][4];
                for (int64_t j = 0; j < 4; ++j) {
                  Value column = affineIndex(cb, loc, t, 2, j);
                  if (j == 3 && s.w % 2 != 0)
                    column = lastOr(cb, loc, column, s.w + 1);
                  for (int64_t i = 0; i < 4; ++i)
                    x[i][j] = read(cb, input, {n, inRows[i], column, c});
                }
                // Columns, then rows: t = B^T x, V = t B.
                Value tt[4][4];
                for (int64_t j = 0; j < 4; ++j)
                  for (int64_t a = 0; a < 4; ++a) {
                    const Row &r = kBT[a];
                    tt[a][j] = plusOrMinus(cb, loc, x[r.plus][j], x[r.other][j],
                                           r.sign);
                  }
                for (int64_t a = 0; a < 4; ++a)
                  for (int64_t bb = 0; bb < 4; ++bb) {
                    const Row &r = kBT[bb];
                    Value value = plusOrMinus(cb, loc, tt[a][r.plus],
                                              tt[a][r.other], r.sign);
                    dest = write(
                        cb, value, dest,
                        {arith::ConstantIndexOp::create(cb, loc, 4 * a + bb), t,
                         c});
                  }
                return dest;
              });
          return part;
        });

    // M[ab] = V[ab] x U[ab]: one 1x1 convolution per (ab, filter block).
    auto tileType = [&](int64_t channels) {
      return RankedTensorType::get({s.n, th, tw, channels}, f32);
    };
    SmallVector<OpFoldResult> unitStrides(5, one);
    Value m = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{16, s.n, th, tw, s.f}, f32);
    auto forall = scf::ForallOp::create(
        b, loc,
        ArrayRef<OpFoldResult>{b.getIndexAttr(16), b.getIndexAttr(s.f / tf)},
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
          indices({1, s.n, th, tw, s.c}), unitStrides);
      Value uSlice = tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get({1, 1, s.c, tf}, f32), u,
          ArrayRef<OpFoldResult>{position, block, zero, zero, zero, zero},
          indices({1, 1, 1, 1, s.c, tf}), SmallVector<OpFoldResult>(6, one));
      SmallVector<OpFoldResult> outOffsets = {position, zero, zero, zero,
                                              channel};
      SmallVector<OpFoldResult> outSizes = indices({1, s.n, th, tw, tf});
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

    // Y = A^T M A, plus the convolution's initial value (its bias when it
    // is a broadcast of one, otherwise its value at each output pixel): a
    // row of 2x2 output blocks (two rows of output) per iteration of a
    // parallel loop, from the 16 products. With an odd output height, the
    // last row of blocks writes one row, in a loop of its own; with an odd
    // width, the last block of each row writes one column.
    Value products = forall.getResult(0);
    Value bias = biasOf(init);
    // The `rows` x `columns` output pixels of block (n, row, t), channels
    // [f, f + vectorWidth), written into `dest` (output rows 2 row ..).
    auto outputBlock = [&](OpBuilder &fb, Value n, Value row, Value t, Value f,
                           Value dest, int64_t rows, int64_t columns) {
      Value m[4][4];
      for (int64_t a = 0; a < 4; ++a)
        for (int64_t c = 0; c < 4; ++c)
          m[a][c] = read(fb, products,
                         {arith::ConstantIndexOp::create(fb, loc, 4 * a + c), n,
                          row, t, f});
      Value biasVector = bias ? read(fb, bias, {f}) : Value();
      // Rows, then columns: s = A^T m, Y = s A.
      for (int64_t i = 0; i < rows; ++i) {
        Value sum[4];
        for (int64_t c = 0; c < 4; ++c)
          for (int64_t a = 0; a < 4; ++a)
            if (kAT[i][a] != 0.0f)
              sum[c] = sum[c] ? plusOrMinus(fb, loc, sum[c], m[a][c], kAT[i][a])
                              : m[a][c];
        for (int64_t j = 0; j < columns; ++j) {
          Value pixel;
          for (int64_t c = 0; c < 4; ++c)
            if (kAT[j][c] != 0.0f)
              pixel = pixel ? plusOrMinus(fb, loc, pixel, sum[c], kAT[j][c])
                            : sum[c];
          Value column = affineIndex(fb, loc, t, 2, j);
          Value initial =
              bias ? biasVector
                   : read(fb, init,
                          {n, affineIndex(fb, loc, row, 2, i), column, f});
          pixel = arith::AddFOp::create(fb, loc, pixel, initial);
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
          b, loc, y, s.n, count,
          [&](OpBuilder &rb, Value n, Value r, Value out) {
            Value row = affineIndex(rb, loc, r, 1, firstRow);
            RowPart part{{},
                         {n, affineIndex(rb, loc, row, 2, 0), zero, zero},
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
            if (s.w / 2 > 0)
              blocks(0, s.w / 2, 2);
            if (s.w % 2 != 0)
              blocks(s.w / 2, 1, 1);
            part.value = dest;
            return part;
          });
    };
    Value y = bufferization::AllocTensorOp::create(
        b, loc, RankedTensorType::get({s.n, s.h, s.w, s.f}, f32), ValueRange{});
    if (s.h / 2 > 0)
      y = outputRows(y, 0, s.h / 2, 2);
    if (s.h % 2 != 0)
      y = outputRows(y, s.h / 2, 1, 1);
    b.replaceOp(op, y);
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

//===- Training.cpp - lower gradient and optimizer ops to linalg ----------===//
//
// The filter gradient is one generic reducing over batch and output pixels.
// Pool gradients are gathers: each input position sums the output gradients
// of the windows that cover it (max pooling: only where the window's first
// maximum is that position, found by a first generic). Batch norm, loss
// gradients and the optimizer updates are reductions to per-channel vectors
// and parallel generics.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/CnnToLinalg/Utils.h"
#include "compiler/Conversion/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::cnn;

namespace {

using utils::IteratorType;

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

Value cst(OpBuilder &b, Location loc, Value like, double v) {
  return constantFloat(b, loc, like.getType(), v);
}

Value idx(OpBuilder &b, Location loc, int64_t v) {
  return indexConstant(b, loc, v);
}

/// The rank-0 tensor's element.
Value scalarOf(OpBuilder &b, Location loc, Value tensor) {
  return tensor::ExtractOp::create(b, loc, tensor, ValueRange{});
}

/// A map reading dimension `d` of a `rank`-dimensional iteration space.
AffineMap dimMap(MLIRContext *context, int64_t rank, int64_t d) {
  return AffineMap::get(rank, 0, {getAffineDimExpr(d, context)}, context);
}

AffineMap scalarMap(MLIRContext *context, int64_t rank) {
  return AffineMap::get(rank, 0, {}, context);
}

//===----------------------------------------------------------------------===//
// Filter gradient
//===----------------------------------------------------------------------===//

struct Conv2DFilterGradPattern final : OpConversionPattern<Conv2DFilterGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(Conv2DFilterGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = getContext();
    ArrayRef<int64_t> s = op.getStride(), p = op.getPadding(),
                      d = op.getDilation();
    int64_t g = op.getGroups();
    Value x = padConstant(rewriter, loc, adaptor.getInput(), {0, 0, p[0], p[1]},
                          {0, 0, p[2], p[3]}, 0.0);
    Value dy = adaptor.getOutputGrad();
    RankedTensorType xt = tensorType(x), dyt = tensorType(dy);
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elt = resultType.getElementType();
    int64_t cg = xt.getDimSize(1) / g, fg = dyt.getDimSize(1) / g;
    int64_t kh = resultType.getDimSize(2), kw = resultType.getDimSize(3);
    // Split the channels into groups: x [N, G, Cg, H, W], dy [N, G, Fg, Y, X].
    SmallVector<ReassociationIndices> split = {{0}, {1, 2}, {3}, {4}};
    x = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({xt.getDimSize(0), g, cg, xt.getDimSize(2),
                               xt.getDimSize(3)},
                              elt),
        x, split);
    dy = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({dyt.getDimSize(0), g, fg, dyt.getDimSize(2),
                               dyt.getDimSize(3)},
                              elt),
        dy, split);
    auto groupedType = RankedTensorType::get({g, fg, cg, kh, kw}, elt);
    // Dimensions: g f c i j | n y x (reduced).
    auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
    AffineMap xMap = AffineMap::get(
        8, 0,
        {dim(5), dim(0), dim(2), dim(6) * s[0] + dim(3) * d[0],
         dim(7) * s[1] + dim(4) * d[1]},
        context);
    AffineMap dyMap =
        AffineMap::get(8, 0, {dim(5), dim(0), dim(1), dim(6), dim(7)}, context);
    AffineMap outMap = AffineMap::get(
        8, 0, {dim(0), dim(1), dim(2), dim(3), dim(4)}, context);
    SmallVector<IteratorType> iterators(5, IteratorType::parallel);
    iterators.append(3, IteratorType::reduction);
    Value grouped =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{groupedType}, ValueRange{x, dy},
            ValueRange{filled(rewriter, loc, groupedType, 0.0)},
            ArrayRef<AffineMap>{xMap, dyMap, outMap}, iterators,
            [](OpBuilder &b, Location l, ValueRange a) {
              Value prod = arith::MulFOp::create(b, l, a[0], a[1]);
              linalg::YieldOp::create(
                  b, l, Value(arith::AddFOp::create(b, l, a[2], prod)));
            })
            .getResult(0);
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, resultType, grouped,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}, {4}});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Activation gradients
//===----------------------------------------------------------------------===//

Value derivative(ActivationGradOp op, OpBuilder &b, Location loc, Value x) {
  StringRef kind = op.getActivation();
  auto one = [&] { return cst(b, loc, x, 1.0); };
  auto zero = [&] { return cst(b, loc, x, 0.0); };
  auto cmp = [&](arith::CmpFPredicate pred, Value l, double r) -> Value {
    return arith::CmpFOp::create(b, loc, pred, l, cst(b, loc, x, r));
  };
  auto mulf = [&](Value l, Value r) -> Value {
    return arith::MulFOp::create(b, loc, l, r);
  };
  auto addf = [&](Value l, Value r) -> Value {
    return arith::AddFOp::create(b, loc, l, r);
  };
  auto subf = [&](Value l, Value r) -> Value {
    return arith::SubFOp::create(b, loc, l, r);
  };
  auto select = [&](Value c, Value t, Value f) -> Value {
    return arith::SelectOp::create(b, loc, c, t, f);
  };
  if (kind == "relu")
    return select(cmp(arith::CmpFPredicate::OGT, x, 0.0), one(), zero());
  if (kind == "leaky_relu")
    return select(cmp(arith::CmpFPredicate::OGT, x, 0.0), one(),
                  cst(b, loc, x, op.getAlpha().convertToDouble()));
  if (kind == "clip") {
    // PyTorch's hardtanh: the gradient passes strictly inside [min, max].
    Value inside = arith::AndIOp::create(
        b, loc,
        cmp(arith::CmpFPredicate::OGT, x, op.getMin().convertToDouble()),
        cmp(arith::CmpFPredicate::OLT, x, op.getMax().convertToDouble()));
    return select(inside, one(), zero());
  }
  if (kind == "sigmoid") {
    Value s = sigmoid(b, loc, x);
    return mulf(s, subf(one(), s));
  }
  if (kind == "tanh") {
    Value t = math::TanhOp::create(b, loc, x);
    return subf(one(), mulf(t, t));
  }
  if (kind == "silu") {
    Value s = sigmoid(b, loc, x);
    return mulf(s, addf(one(), mulf(x, subf(one(), s))));
  }
  if (kind == "hardswish") {
    // 0 below -3, x / 3 + 1/2 up to 3, 1 above (PyTorch's choice at the kinks).
    Value middle = addf(mulf(x, cst(b, loc, x, 1.0 / 3.0)), cst(b, loc, x, 0.5));
    return select(cmp(arith::CmpFPredicate::OLT, x, -3.0), zero(),
                  select(cmp(arith::CmpFPredicate::OLE, x, 3.0), middle, one()));
  }
  if (kind == "hardsigmoid") {
    double alpha = op.getAlpha().convertToDouble(),
           beta = op.getBeta().convertToDouble();
    Value linear = addf(mulf(x, cst(b, loc, x, alpha)), cst(b, loc, x, beta));
    Value inside = arith::AndIOp::create(
        b, loc, cmp(arith::CmpFPredicate::OGT, linear, 0.0),
        cmp(arith::CmpFPredicate::OLT, linear, 1.0));
    return select(inside, cst(b, loc, x, alpha), zero());
  }
  // gelu
  if (op.getTanhApproximation()) {
    const double beta = std::sqrt(2.0 / M_PI), kappa = 0.044715;
    Value x2 = mulf(x, x);
    Value inner = mulf(cst(b, loc, x, beta),
                       addf(x, mulf(cst(b, loc, x, kappa), mulf(x2, x))));
    Value t = math::TanhOp::create(b, loc, inner);
    Value left = mulf(cst(b, loc, x, 0.5), addf(one(), t));
    Value right =
        mulf(mulf(mulf(cst(b, loc, x, 0.5), x), subf(one(), mulf(t, t))),
             mulf(cst(b, loc, x, beta),
                  addf(one(), mulf(cst(b, loc, x, 3.0 * kappa), x2))));
    return addf(left, right);
  }
  Value cdf = mulf(cst(b, loc, x, 0.5),
                   addf(one(), math::ErfOp::create(
                                   b, loc, mulf(x, cst(b, loc, x, M_SQRT1_2)))));
  Value pdf = mulf(cst(b, loc, x, 1.0 / std::sqrt(2.0 * M_PI)),
                   math::ExpOp::create(
                       b, loc, mulf(cst(b, loc, x, -0.5), mulf(x, x))));
  return addf(cdf, mulf(x, pdf));
}

struct ActivationGradPattern final : OpConversionPattern<ActivationGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ActivationGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    rewriter.replaceOp(
        op, broadcastElementwise(
                rewriter, op.getLoc(), type,
                {adaptor.getInput(), adaptor.getOutputGrad()},
                [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
                  return arith::MulFOp::create(b, loc, a[1],
                                               derivative(op, b, loc, a[0]));
                }));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Pool gradients
//===----------------------------------------------------------------------===//

/// Trailing padding so that every window of an output of `out` cells fits:
/// ceil_mode windows may reach past the declared padding.
int64_t trailingPad(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                    int64_t dilation, int64_t lead) {
  return std::max<int64_t>(0, (out - 1) * stride + dilation * (kernel - 1) + 1 -
                                  in - lead);
}

/// dx[n, c, h, w] = sum over window offsets (i, j) of the window (y, x) with
/// y * sh - top + i * dh = h (when such a window exists) of
/// `contribution(n, c, y, x, i * kw + j)`: a gather per input cell, for
/// windows of many cells (global pools), where scatterWindows would take a
/// generic per cell.
Value gatherWindows(
    OpBuilder &b, Location loc, RankedTensorType inputType,
    ArrayRef<int64_t> outShape, ArrayRef<int64_t> k, ArrayRef<int64_t> s,
    ArrayRef<int64_t> p, ArrayRef<int64_t> d,
    function_ref<Value(OpBuilder &, Location, ValueRange nc, Value y, Value x,
                       Value offset)>
        contribution) {
  MLIRContext *context = b.getContext();
  Type elt = inputType.getElementType();
  // A zero [kh, kw] operand gives the reduction dimensions their extent.
  auto windowType = RankedTensorType::get({k[0], k[1]}, elt);
  Value window = emptyLike(b, loc, windowType);
  auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
  AffineMap windowMap = AffineMap::get(6, 0, {dim(4), dim(5)}, context);
  AffineMap outMap =
      AffineMap::get(6, 0, {dim(0), dim(1), dim(2), dim(3)}, context);
  SmallVector<IteratorType> iterators(4, IteratorType::parallel);
  iterators.append(2, IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{inputType}, ValueRange{window},
             ValueRange{filled(b, loc, inputType, 0.0)},
             ArrayRef<AffineMap>{windowMap, outMap}, iterators,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               Value n = linalg::IndexOp::create(nb, l, 0);
               Value c = linalg::IndexOp::create(nb, l, 1);
               Value h = linalg::IndexOp::create(nb, l, 2);
               Value w = linalg::IndexOp::create(nb, l, 3);
               Value i = linalg::IndexOp::create(nb, l, 4);
               Value j = linalg::IndexOp::create(nb, l, 5);
               Value valid = arith::ConstantIntOp::create(nb, l, 1, 1);
               SmallVector<Value, 2> cells;
               Value pos[2] = {h, w}, off[2] = {i, j};
               for (int e = 0; e < 2; ++e) {
                 // numerator = pos + pad - off * dilation
                 Value num = arith::SubIOp::create(
                     nb, l,
                     arith::AddIOp::create(nb, l, pos[e], idx(nb, l, p[e])),
                     arith::MulIOp::create(nb, l, off[e], idx(nb, l, d[e])));
                 Value cell = arith::DivSIOp::create(nb, l, num,
                                                     idx(nb, l, s[e]));
                 Value exact = arith::CmpIOp::create(
                     nb, l, arith::CmpIPredicate::eq,
                     arith::RemSIOp::create(nb, l, num, idx(nb, l, s[e])),
                     idx(nb, l, 0));
                 Value nonNegative = arith::CmpIOp::create(
                     nb, l, arith::CmpIPredicate::sge, num, idx(nb, l, 0));
                 Value inRange = arith::CmpIOp::create(
                     nb, l, arith::CmpIPredicate::slt, cell,
                     idx(nb, l, outShape[2 + e]));
                 valid = arith::AndIOp::create(
                     nb, l, valid,
                     arith::AndIOp::create(
                         nb, l, exact,
                         arith::AndIOp::create(nb, l, nonNegative, inRange)));
                 cells.push_back(cell);
               }
               // Clamp so that the (discarded) read stays in bounds.
               for (Value &cell : cells)
                 cell = arith::SelectOp::create(nb, l, valid, cell,
                                                idx(nb, l, 0));
               Value offset = arith::AddIOp::create(
                   nb, l, arith::MulIOp::create(nb, l, i, idx(nb, l, k[1])), j);
               Value value = contribution(nb, l, ValueRange{n, c}, cells[0],
                                          cells[1], offset);
               Value added = arith::AddFOp::create(nb, l, a[1], value);
               linalg::YieldOp::create(
                   nb, l,
                   Value(arith::SelectOp::create(nb, l, valid, added, a[1])));
             })
      .getResult(0);
}

/// dx[n, c, h, w] = the sum over window offsets (i, j) and windows (y, x)
/// with y * sh - top + i * dh = h (and likewise for w) of
/// `contribution(operands at (n, c, y, x), i * kw + j)`. Each offset's
/// windows reach a strided slice of dx, padded to hold every window: one
/// elementwise generic over the windows per offset adds into it, in the
/// order of the offsets, and dx is the padded tensor's interior. (A gather
/// per input cell over every offset instead tests each offset with
/// divisions, and runs as scalar loops on the calling thread.)
Value scatterWindows(
    OpBuilder &b, Location loc, RankedTensorType inputType,
    ArrayRef<int64_t> outShape, ArrayRef<int64_t> k, ArrayRef<int64_t> s,
    ArrayRef<int64_t> p, ArrayRef<int64_t> d, ValueRange operands,
    function_ref<Value(OpBuilder &, Location, ValueRange, int64_t offset)>
        contribution) {
  SmallVector<int64_t> padded(inputType.getShape());
  for (int e = 0; e < 2; ++e)
    padded[2 + e] = std::max((outShape[2 + e] - 1) * s[e] +
                                 (k[e] - 1) * d[e] + 1,
                             p[e] + inputType.getDimSize(2 + e));
  Type elt = inputType.getElementType();
  auto windowsType = RankedTensorType::get(outShape, elt);
  Value sum = filled(b, loc, RankedTensorType::get(padded, elt), 0.0);
  SmallVector<OpFoldResult> sizes, strides = {b.getIndexAttr(1),
                                              b.getIndexAttr(1),
                                              b.getIndexAttr(s[0]),
                                              b.getIndexAttr(s[1])};
  for (int64_t size : outShape)
    sizes.push_back(b.getIndexAttr(size));
  SmallVector<AffineMap> maps(operands.size() + 1,
                              b.getMultiDimIdentityMap(4));
  for (int64_t i = 0; i < k[0]; ++i) {
    for (int64_t j = 0; j < k[1]; ++j) {
      SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                           b.getIndexAttr(i * d[0]),
                                           b.getIndexAttr(j * d[1])};
      Value cells = tensor::ExtractSliceOp::create(b, loc, windowsType, sum,
                                                   offsets, sizes, strides);
      Value added =
          linalg::GenericOp::create(
              b, loc, TypeRange{windowsType}, operands, ValueRange{cells},
              maps, SmallVector<IteratorType>(4, IteratorType::parallel),
              [&](OpBuilder &nb, Location l, ValueRange a) {
                Value value =
                    contribution(nb, l, a.drop_back(), i * k[1] + j);
                linalg::YieldOp::create(
                    nb, l, Value(arith::AddFOp::create(nb, l, a.back(), value)));
              })
              .getResult(0);
      sum = tensor::InsertSliceOp::create(b, loc, added, sum, offsets, sizes,
                                          strides);
    }
  }
  SmallVector<OpFoldResult> corner = {b.getIndexAttr(0), b.getIndexAttr(0),
                                      b.getIndexAttr(p[0]),
                                      b.getIndexAttr(p[1])},
                            whole, ones(4, b.getIndexAttr(1));
  for (int64_t size : inputType.getShape())
    whole.push_back(b.getIndexAttr(size));
  return tensor::ExtractSliceOp::create(b, loc, inputType, sum, corner, whole,
                                       ones);
}

/// Windows of at most this many cells take scatterWindows.
constexpr int64_t kMaxScatterWindowCells = 16;

struct MaxPoolGradPattern final : OpConversionPattern<MaxPool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MaxPool2DGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = getContext();
    RankedTensorType xt = tensorType(adaptor.getInput());
    RankedTensorType dyt = tensorType(adaptor.getOutputGrad());
    ArrayRef<int64_t> k = op.getKernel(), s = op.getStride(),
                      p = op.getPadding(), d = op.getDilation();
    int64_t w = xt.getDimSize(3);
    Value x = padConstant(
        rewriter, loc, adaptor.getInput(), {0, 0, p[0], p[1]},
        {0, 0, trailingPad(xt.getDimSize(2), dyt.getDimSize(2), k[0], s[0], d[0], p[0]),
         trailingPad(w, dyt.getDimSize(3), k[1], s[1], d[1], p[1])},
        -INFINITY);

    // The first maximum of each window, as its offset i * kw + j.
    auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
    auto indexType = RankedTensorType::get(dyt.getShape(), rewriter.getI64Type());
    Value initIndex = linalg::FillOp::create(
                          rewriter, loc,
                          ValueRange{arith::ConstantIntOp::create(
                              rewriter, loc, rewriter.getI64Type(), -1)},
                          ValueRange{emptyLike(rewriter, loc, indexType)})
                          .getResult(0);
    Value window = emptyLike(
        rewriter, loc, RankedTensorType::get({k[0], k[1]}, xt.getElementType()));
    AffineMap xMap = AffineMap::get(
        6, 0,
        {dim(0), dim(1), dim(2) * s[0] + dim(4) * d[0],
         dim(3) * s[1] + dim(5) * d[1]},
        context);
    AffineMap windowMap = AffineMap::get(6, 0, {dim(4), dim(5)}, context);
    AffineMap outMap =
        AffineMap::get(6, 0, {dim(0), dim(1), dim(2), dim(3)}, context);
    SmallVector<IteratorType> iterators(4, IteratorType::parallel);
    iterators.append(2, IteratorType::reduction);
    Value argmax =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{dyt, indexType}, ValueRange{x, window},
            ValueRange{filled(rewriter, loc, dyt, -INFINITY), initIndex},
            ArrayRef<AffineMap>{xMap, windowMap, outMap, outMap}, iterators,
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value offset = arith::IndexCastOp::create(
                  b, l, b.getI64Type(),
                  arith::AddIOp::create(
                      b, l,
                      arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, 4),
                                            idx(b, l, k[1])),
                      linalg::IndexOp::create(b, l, 5)));
              // Strictly greater (or NaN): the first maximum wins, as in
              // PyTorch.
              Value better = arith::CmpFOp::create(
                  b, l, arith::CmpFPredicate::UGT, a[0], a[2]);
              linalg::YieldOp::create(
                  b, l,
                  ValueRange{arith::SelectOp::create(b, l, better, a[0], a[2]),
                             arith::SelectOp::create(b, l, better, offset, a[3])});
            })
            .getResult(1);

    // Each window's gradient goes to the cell of its first maximum.
    Value dy = adaptor.getOutputGrad();
    auto mine = [](OpBuilder &b, Location l, Value winner, Value offset,
                   Value g) -> Value {
      Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                        winner, offset);
      return arith::SelectOp::create(b, l, hit, g, cst(b, l, g, 0.0));
    };
    Value result =
        k[0] * k[1] <= kMaxScatterWindowCells
            ? scatterWindows(
                  rewriter, loc, xt, dyt.getShape(), k, s, p, d, {dy, argmax},
                  [&](OpBuilder &b, Location l, ValueRange a,
                      int64_t offset) -> Value {
                    return mine(b, l, a[1],
                                arith::ConstantIntOp::create(
                                    b, l, b.getI64Type(), offset),
                                a[0]);
                  })
            : gatherWindows(
                  rewriter, loc, xt, dyt.getShape(), k, s, p, d,
                  [&](OpBuilder &b, Location l, ValueRange nc, Value y,
                      Value xcell, Value offset) -> Value {
                    SmallVector<Value> pos = {nc[0], nc[1], y, xcell};
                    return mine(
                        b, l, tensor::ExtractOp::create(b, l, argmax, pos),
                        arith::IndexCastOp::create(b, l, b.getI64Type(), offset),
                        tensor::ExtractOp::create(b, l, dy, pos));
                  });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct AvgPoolGradPattern final : OpConversionPattern<AvgPool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AvgPool2DGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType xt = tensorType(adaptor.getInput());
    RankedTensorType dyt = tensorType(adaptor.getOutputGrad());
    ArrayRef<int64_t> k = op.getKernel(), s = op.getStride(),
                      p = op.getPadding();
    int64_t one[2] = {1, 1};
    // The forward divisors (PyTorch's rule), applied to the output gradient.
    int64_t oh = dyt.getDimSize(2), ow = dyt.getDimSize(3);
    SmallVector<float> inverse;
    for (float divisor : avgPoolDivisors(xt.getShape(), dyt.getShape(), k, s,
                                         p, op.getCountIncludePad()))
      inverse.push_back(1.0f / divisor);
    MLIRContext *context = getContext();
    auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
    Value table = reshapeTo(
        rewriter, loc, floatTable(rewriter, loc, inverse),
        RankedTensorType::get({oh, ow}, dyt.getElementType()));
    Value scaled = elementwise(
        rewriter, loc, dyt, {adaptor.getOutputGrad(), table},
        {rewriter.getMultiDimIdentityMap(4),
         AffineMap::get(4, 0, {dim(2), dim(3)}, context)},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          return arith::MulFOp::create(b, l, a[0], a[1]);
        });
    Value result =
        k[0] * k[1] <= kMaxScatterWindowCells
            ? scatterWindows(
                  rewriter, loc, xt, dyt.getShape(), k, s, p, one, {scaled},
                  [](OpBuilder &, Location, ValueRange a, int64_t) {
                    return a[0];
                  })
            : gatherWindows(
                  rewriter, loc, xt, dyt.getShape(), k, s, p, one,
                  [&](OpBuilder &b, Location l, ValueRange nc, Value y,
                      Value x, Value) -> Value {
                    return tensor::ExtractOp::create(
                        b, l, scaled, ValueRange{nc[0], nc[1], y, x});
                  });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// reduce_sum
//===----------------------------------------------------------------------===//

struct ReduceSumPattern final : OpConversionPattern<ReduceSumOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReduceSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = tensorType(adaptor.getInput()).getRank();
    SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
    SmallVector<AffineExpr> kept;
    for (int64_t d = 0; d < rank; ++d) {
      if (llvm::is_contained(op.getDims(), d))
        iterators[d] = IteratorType::reduction;
      else
        kept.push_back(rewriter.getAffineDimExpr(d));
    }
    SmallVector<AffineMap> maps = {
        rewriter.getMultiDimIdentityMap(rank),
        AffineMap::get(rank, 0, kept, getContext())};
    rewriter.replaceOp(
        op, linalg::GenericOp::create(
                rewriter, loc, TypeRange{type}, ValueRange{adaptor.getInput()},
                ValueRange{filled(rewriter, loc, type, 0.0)}, maps, iterators,
                [](OpBuilder &b, Location l, ValueRange a) {
                  linalg::YieldOp::create(
                      b, l, Value(arith::AddFOp::create(b, l, a[0], a[1])));
                })
                .getResults());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Batch norm
//===----------------------------------------------------------------------===//

/// Sums fn(inputs) per channel (dimension 1) of same-shaped inputs, and
/// inputs read per channel through `channelInputs`.
Value channelSum(OpBuilder &b, Location loc, ValueRange inputs,
                 ValueRange channelInputs, ElementFn fn) {
  RankedTensorType type = tensorType(inputs[0]);
  int64_t rank = type.getRank();
  MLIRContext *context = b.getContext();
  auto resultType =
      RankedTensorType::get({type.getDimSize(1)}, type.getElementType());
  SmallVector<AffineMap> maps(inputs.size(), b.getMultiDimIdentityMap(rank));
  maps.append(channelInputs.size() + 1, dimMap(context, rank, 1));
  SmallVector<IteratorType> iterators(rank, IteratorType::reduction);
  iterators[1] = IteratorType::parallel;
  SmallVector<Value> all(inputs);
  all.append(channelInputs.begin(), channelInputs.end());
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, all,
             ValueRange{filled(b, loc, resultType, 0.0)}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               Value v = fn(nb, l, a.drop_back());
               linalg::YieldOp::create(
                   nb, l, Value(arith::AddFOp::create(nb, l, a.back(), v)));
             })
      .getResult(0);
}

/// A per-element generic over `inputs` (full shape) and `channelInputs`
/// (read per channel).
Value channelElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                         ValueRange channelInputs, ElementFn fn) {
  RankedTensorType type = tensorType(inputs[0]);
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(inputs.size(), b.getMultiDimIdentityMap(rank));
  maps.append(channelInputs.size(), dimMap(b.getContext(), rank, 1));
  SmallVector<Value> all(inputs);
  all.append(channelInputs.begin(), channelInputs.end());
  return elementwise(b, loc, type, all, maps, fn);
}

struct BatchNormTrainPattern final : OpConversionPattern<BatchNormTrainOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BatchNormTrainOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    RankedTensorType type = tensorType(x);
    double count = type.getNumElements() / type.getDimSize(1);
    double eps = op.getEpsilon().convertToDouble();
    double momentum = op.getMomentum().convertToDouble();
    RankedTensorType statType = tensorType(adaptor.getScale());
    auto vec = [&](ValueRange in, ElementFn fn) {
      return elementwise(rewriter, loc, statType, in,
                         SmallVector<AffineMap>(in.size(),
                                                rewriter.getMultiDimIdentityMap(1)),
                         fn);
    };
    Value sum = channelSum(rewriter, loc, {x}, {},
                           [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    Value mean = vec({sum}, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      return arith::DivFOp::create(b, l, a[0], cst(b, l, a[0], count));
    });
    Value squares = channelSum(
        rewriter, loc, {x}, {mean},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value diff = arith::SubFOp::create(b, l, a[0], a[1]);
          return arith::MulFOp::create(b, l, diff, diff);
        });
    Value var = vec({squares}, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      return arith::DivFOp::create(b, l, a[0], cst(b, l, a[0], count));
    });
    Value invstd = vec({var}, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      return math::RsqrtOp::create(
          b, l, arith::AddFOp::create(b, l, a[0], cst(b, l, a[0], eps)));
    });
    Value y = channelElementwise(
        rewriter, loc, {x},
        {mean, invstd, adaptor.getScale(), adaptor.getBias()},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value xhat = arith::MulFOp::create(
              b, l, arith::SubFOp::create(b, l, a[0], a[1]), a[2]);
          return arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, xhat, a[3]), a[4]);
        });
    auto running = [&](Value old, Value batch, double scale) {
      return vec({old, batch}, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value kept = arith::MulFOp::create(b, l, a[0],
                                           cst(b, l, a[0], 1.0 - momentum));
        Value added = arith::MulFOp::create(
            b, l, a[1], cst(b, l, a[1], momentum * scale));
        return arith::AddFOp::create(b, l, kept, added);
      });
    };
    Value newMean = running(adaptor.getRunningMean(), mean, 1.0);
    Value newVar = running(adaptor.getRunningVar(), var,
                           count > 1 ? count / (count - 1) : 1.0);
    rewriter.replaceOp(op, {y, newMean, newVar, mean, invstd});
    return success();
  }
};

struct BatchNormGradPattern final : OpConversionPattern<BatchNormGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BatchNormGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), dy = adaptor.getOutputGrad();
    RankedTensorType type = tensorType(x);
    double count = type.getNumElements() / type.getDimSize(1);
    Value mean = adaptor.getBatchMean(), invstd = adaptor.getBatchInvstd();
    Value dbias = channelSum(
        rewriter, loc, {dy}, {},
        [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    Value dscale = channelSum(
        rewriter, loc, {x, dy}, {mean, invstd},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value xhat = arith::MulFOp::create(
              b, l, arith::SubFOp::create(b, l, a[0], a[2]), a[3]);
          return arith::MulFOp::create(b, l, a[1], xhat);
        });
    Value dx = channelElementwise(
        rewriter, loc, {x, dy},
        {mean, invstd, adaptor.getScale(), dbias, dscale},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value xhat = arith::MulFOp::create(
              b, l, arith::SubFOp::create(b, l, a[0], a[2]), a[3]);
          Value m = cst(b, l, a[0], count);
          Value inner = arith::SubFOp::create(
              b, l,
              arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, m, a[1]),
                                    a[5]),
              arith::MulFOp::create(b, l, xhat, a[6]));
          Value factor = arith::DivFOp::create(
              b, l, arith::MulFOp::create(b, l, a[4], a[3]), m);
          return arith::MulFOp::create(b, l, factor, inner);
        });
    rewriter.replaceOp(op, {dx, dscale, dbias});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Dropout
//===----------------------------------------------------------------------===//

/// A parallel generic over same-shaped `tensors` and rank-0 `scalars`,
/// producing `numResults` tensors of the first one's type.
ValueRange updateGeneric(
    OpBuilder &b, Location loc, ValueRange tensors, ValueRange scalars,
    unsigned numResults,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> fn) {
  RankedTensorType type = tensorType(tensors[0]);
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(tensors.size(), b.getMultiDimIdentityMap(rank));
  maps.append(scalars.size(), scalarMap(b.getContext(), rank));
  maps.append(numResults, b.getMultiDimIdentityMap(rank));
  SmallVector<Value> inputs(tensors);
  inputs.append(scalars.begin(), scalars.end());
  SmallVector<Value> inits;
  SmallVector<Type> types(numResults, type);
  for (unsigned i = 0; i < numResults; ++i)
    inits.push_back(emptyLike(b, loc, type));
  return linalg::GenericOp::create(
             b, loc, types, inputs, inits, maps,
             SmallVector<IteratorType>(rank, IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange a) {
               linalg::YieldOp::create(nb, l, fn(nb, l, a));
             })
      .getResults();
}

/// updateGeneric over the tensors collapsed to one dimension, its results
/// reshaped back: an optimizer's update is elementwise, and in one dimension
/// cnn-cpu-tile-and-vectorize gives it threads and whole vectors, where a
/// filter's innermost dimension (3) would make vectors of 3.
SmallVector<Value> flatUpdateGeneric(
    OpBuilder &b, Location loc, ValueRange tensors, ValueRange scalars,
    unsigned numResults,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> fn) {
  RankedTensorType type = tensorType(tensors[0]);
  auto flatType =
      RankedTensorType::get({type.getNumElements()}, type.getElementType());
  SmallVector<Value> flat;
  for (Value t : tensors)
    flat.push_back(reshapeTo(b, loc, t, flatType));
  SmallVector<Value> results;
  for (Value r : updateGeneric(b, loc, flat, scalars, numResults, fn))
    results.push_back(reshapeTo(b, loc, r, type));
  return results;
}


/// The first word of Philox-4x32-10 (Salmon et al., SC'11) for counter
/// (c0, c1, c2, c3) and a constant key, built from i32/i64 arithmetic.
Value philox(OpBuilder &b, Location loc, Value c0, Value c1, Value c2, Value c3,
             uint64_t key) {
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  auto constant32 = [&](uint32_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, i32, static_cast<int32_t>(v));
  };
  // (hi, lo) of the 64-bit product of a constant and a 32-bit word.
  auto mulhilo = [&](uint32_t m, Value w) -> std::pair<Value, Value> {
    Value wide = arith::MulIOp::create(
        b, loc, arith::ExtUIOp::create(b, loc, i64, w),
        arith::ConstantIntOp::create(b, loc, i64, static_cast<int64_t>(m)));
    Value hi = arith::TruncIOp::create(
        b, loc, i32,
        arith::ShRUIOp::create(b, loc, wide,
                               arith::ConstantIntOp::create(b, loc, i64, 32)));
    return {hi, arith::TruncIOp::create(b, loc, i32, wide)};
  };
  Value c[4] = {c0, c1, c2, c3};
  for (int round = 0; round < 10; ++round) {
    auto [hi0, lo0] = mulhilo(0xD2511F53u, c[0]);
    auto [hi1, lo1] = mulhilo(0xCD9E8D57u, c[2]);
    Value n0 = arith::XOrIOp::create(
        b, loc, arith::XOrIOp::create(b, loc, hi1, c[1]), constant32(k0));
    Value n2 = arith::XOrIOp::create(
        b, loc, arith::XOrIOp::create(b, loc, hi0, c[3]), constant32(k1));
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return c[0];
}

struct DropoutTrainPattern final : OpConversionPattern<DropoutTrainOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DropoutTrainOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = tensorType(adaptor.getInput());
    int64_t rank = type.getRank();
    double rate = op.getRate().convertToDouble();
    double scale = 1.0 / (1.0 - rate);
    // Dropped when the word is below rate * 2^32.
    uint32_t threshold = static_cast<uint32_t>(
        std::min(std::floor(rate * 4294967296.0), 4294967295.0));
    uint64_t seed = static_cast<uint64_t>(op.getSeed());
    SmallVector<int64_t> strides(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d)
      strides[d] = strides[d + 1] * type.getDimSize(d + 1);
    ValueRange results = updateGeneric(
        rewriter, loc, {adaptor.getInput()}, {adaptor.getStep()}, 2,
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Type i32 = b.getI32Type(), i64 = b.getI64Type();
          Value linear = idx(b, l, 0);
          for (int64_t d = 0; d < rank; ++d)
            linear = arith::AddIOp::create(
                b, l, linear,
                arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, d),
                                      idx(b, l, strides[d])));
          Value index = arith::IndexCastOp::create(b, l, i64, linear);
          Value step = arith::FPToUIOp::create(b, l, i64, a[1]);
          auto split = [&](Value v) -> std::pair<Value, Value> {
            Value hi = arith::ShRUIOp::create(
                b, l, v, arith::ConstantIntOp::create(b, l, i64, 32));
            return {arith::TruncIOp::create(b, l, i32, v),
                    arith::TruncIOp::create(b, l, i32, hi)};
          };
          auto [i0, i1] = split(index);
          auto [s0, s1] = split(step);
          Value word = philox(b, l, i0, i1, s0, s1, seed);
          Value keep = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::uge, word,
              arith::ConstantIntOp::create(b, l, i32,
                                           static_cast<int32_t>(threshold)));
          Value mask = arith::SelectOp::create(b, l, keep, cst(b, l, a[0], scale),
                                               cst(b, l, a[0], 0.0));
          return {arith::MulFOp::create(b, l, a[0], mask), mask};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Loss gradients
//===----------------------------------------------------------------------===//

struct CrossEntropyGradPattern final : OpConversionPattern<CrossEntropyGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CrossEntropyGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value logits = adaptor.getLogits();
    RankedTensorType type = tensorType(logits);
    Value max = reduceAxis(rewriter, loc, logits, 1, -INFINITY,
                           [](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return arith::MaximumFOp::create(b, l, a[0], a[1]);
                           });
    Value sumExp = reduceAxis(
        rewriter, loc,
        broadcastElementwise(rewriter, loc, type, {logits, max},
                             [](OpBuilder &b, Location l, ValueRange a) -> Value {
                               return math::ExpOp::create(
                                   b, l, arith::SubFOp::create(b, l, a[0], a[1]));
                             }),
        1, 0.0, [](OpBuilder &b, Location l, ValueRange a) -> Value {
          return arith::AddFOp::create(b, l, a[0], a[1]);
        });
    double divisor =
        op.getReduction() == Reduction::Mean ? type.getDimSize(0) : 1.0;
    MLIRContext *context = getContext();
    AffineMap row = AffineMap::get(
        2, 0, {rewriter.getAffineDimExpr(0), rewriter.getAffineConstantExpr(0)},
        context);
    Value result = elementwise(
        rewriter, loc, type,
        {logits, max, sumExp, adaptor.getLabels(), adaptor.getLossGrad()},
        {rewriter.getMultiDimIdentityMap(2), row, row, dimMap(context, 2, 0),
         scalarMap(context, 2)},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value prob = arith::DivFOp::create(
              b, l,
              math::ExpOp::create(b, l, arith::SubFOp::create(b, l, a[0], a[1])),
              a[2]);
          Value cls = arith::IndexCastOp::create(
              b, l, a[3].getType(), linalg::IndexOp::create(b, l, 1));
          Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                            cls, a[3]);
          Value target = arith::SelectOp::create(b, l, hit, cst(b, l, a[0], 1.0),
                                                 cst(b, l, a[0], 0.0));
          Value scale = arith::DivFOp::create(b, l, a[4],
                                              cst(b, l, a[4], divisor));
          return arith::MulFOp::create(
              b, l, arith::SubFOp::create(b, l, prob, target), scale);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct MseGradPattern final : OpConversionPattern<MseGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MseGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = tensorType(adaptor.getInput());
    double divisor = op.getReduction() == Reduction::Mean
                         ? static_cast<double>(type.getNumElements())
                         : 1.0;
    int64_t rank = type.getRank();
    rewriter.replaceOp(
        op, elementwise(
                rewriter, loc, type,
                {adaptor.getInput(), adaptor.getTarget(), adaptor.getLossGrad()},
                {rewriter.getMultiDimIdentityMap(rank),
                 rewriter.getMultiDimIdentityMap(rank),
                 scalarMap(getContext(), rank)},
                [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                  Value diff = arith::SubFOp::create(b, l, a[0], a[1]);
                  Value scale = arith::DivFOp::create(
                      b, l, a[2], cst(b, l, a[2], divisor / 2.0));
                  return arith::MulFOp::create(b, l, diff, scale);
                }));
    return success();
  }
};

struct TripletLossGradPattern final : OpConversionPattern<TripletLossGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TripletLossGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value e = adaptor.getEmbeddings();
    RankedTensorType type = tensorType(e);
    int64_t n = type.getDimSize(0) / 3, d = type.getDimSize(1);
    double eps = op.getEpsilon().convertToDouble();
    double margin = op.getMargin().convertToDouble();
    auto block = [&](int64_t i) { return rowBlock(rewriter, loc, e, i); };
    Value a = block(0), p = block(1), ng = block(2);
    Value dap = tripletDistance(rewriter, loc, a, p, eps);
    Value dan = tripletDistance(rewriter, loc, a, ng, eps);
    auto blockType = RankedTensorType::get({n, d}, type.getElementType());
    MLIRContext *context = getContext();
    AffineMap id = rewriter.getMultiDimIdentityMap(2);
    AffineMap row = AffineMap::get(
        2, 0, {rewriter.getAffineDimExpr(0), rewriter.getAffineConstantExpr(0)},
        context);
    // which: 0 anchor (u - v), 1 positive (-u), 2 negative (v).
    auto grad = [&](int which) {
      return elementwise(
          rewriter, loc, blockType, {a, p, ng, dap, dan, adaptor.getLossGrad()},
          {id, id, id, row, row, scalarMap(context, 2)},
          [&](OpBuilder &b, Location l, ValueRange v) -> Value {
            Value active = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::OGT,
                arith::AddFOp::create(b, l,
                                      arith::SubFOp::create(b, l, v[3], v[4]),
                                      cst(b, l, v[3], margin)),
                cst(b, l, v[3], 0.0));
            Value coef = arith::SelectOp::create(
                b, l, active,
                arith::DivFOp::create(b, l, v[5], cst(b, l, v[5], double(n))),
                cst(b, l, v[5], 0.0));
            auto unit = [&](Value y, Value dist) -> Value {
              Value diff = arith::AddFOp::create(
                  b, l, arith::SubFOp::create(b, l, v[0], y), cst(b, l, y, eps));
              return arith::DivFOp::create(b, l, diff, dist);
            };
            Value u = unit(v[1], v[3]), w = unit(v[2], v[4]);
            Value g = which == 0   ? Value(arith::SubFOp::create(b, l, u, w))
                      : which == 1 ? Value(arith::NegFOp::create(b, l, u))
                                   : w;
            return arith::MulFOp::create(b, l, coef, g);
          });
    };
    Value result = emptyLike(rewriter, loc, type);
    for (int which = 0; which < 3; ++which)
      result = tensor::InsertSliceOp::create(
          rewriter, loc, grad(which), result,
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(which * n),
                                 rewriter.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(n),
                                 rewriter.getIndexAttr(d)},
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1),
                                 rewriter.getIndexAttr(1)});
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct L2NormalizeGradPattern final : OpConversionPattern<L2NormalizeGradOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(L2NormalizeGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), dy = adaptor.getOutputGrad();
    RankedTensorType type = tensorType(x);
    int64_t axis = normalizeAxis(op.getAxis(), type.getRank());
    double eps = op.getEpsilon().convertToDouble();
    auto sumOf = [&](ElementFn fn) {
      Value products = broadcastElementwise(rewriter, loc, type, {x, dy}, fn);
      return reduceAxis(rewriter, loc, products, axis, 0.0,
                        [](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return arith::AddFOp::create(b, l, a[0], a[1]);
                        });
    };
    Value sumSq = sumOf([](OpBuilder &b, Location l, ValueRange a) -> Value {
      return arith::MulFOp::create(b, l, a[0], a[0]);
    });
    Value dot = sumOf([](OpBuilder &b, Location l, ValueRange a) -> Value {
      return arith::MulFOp::create(b, l, a[0], a[1]);
    });
    rewriter.replaceOp(
        op, broadcastElementwise(
                rewriter, loc, type, {x, dy, sumSq, dot},
                [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                  Value norm = math::SqrtOp::create(b, l, a[2]);
                  Value above = arith::CmpFOp::create(
                      b, l, arith::CmpFPredicate::OGT, norm, cst(b, l, norm, eps));
                  Value cube = arith::MulFOp::create(
                      b, l, norm, arith::MulFOp::create(b, l, norm, norm));
                  Value inside = arith::SubFOp::create(
                      b, l, arith::DivFOp::create(b, l, a[1], norm),
                      arith::DivFOp::create(
                          b, l, arith::MulFOp::create(b, l, a[0], a[3]), cube));
                  Value clamped =
                      arith::DivFOp::create(b, l, a[1], cst(b, l, a[1], eps));
                  return arith::SelectOp::create(b, l, above, inside, clamped);
                }));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

struct SgdUpdatePattern final : OpConversionPattern<SgdUpdateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SgdUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    double momentum = op.getMomentum().convertToDouble();
    double decay = op.getWeightDecay().convertToDouble();
    bool nesterov = op.getNesterov();
    SmallVector<Value> results = flatUpdateGeneric(
        rewriter, op.getLoc(),
        {adaptor.getParam(), adaptor.getGrad(), adaptor.getMomentumBuffer()},
        {adaptor.getLr()}, 2,
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Value p = a[0], g = a[1], buf = a[2], lr = a[3];
          if (decay != 0.0)
            g = arith::AddFOp::create(
                b, l, g, arith::MulFOp::create(b, l, p, cst(b, l, p, decay)));
          Value newBuf =
              momentum == 0.0
                  ? g
                  : Value(arith::AddFOp::create(
                        b, l,
                        arith::MulFOp::create(b, l, buf,
                                              cst(b, l, buf, momentum)),
                        g));
          Value step = nesterov ? Value(arith::AddFOp::create(
                                      b, l, g,
                                      arith::MulFOp::create(
                                          b, l, newBuf,
                                          cst(b, l, newBuf, momentum))))
                                : newBuf;
          Value newP = arith::SubFOp::create(
              b, l, p, arith::MulFOp::create(b, l, lr, step));
          return {newP, newBuf};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct AdamUpdatePattern final : OpConversionPattern<AdamUpdateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AdamUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    double beta1 = op.getBeta1().convertToDouble();
    double beta2 = op.getBeta2().convertToDouble();
    double eps = op.getEpsilon().convertToDouble();
    double decay = op.getWeightDecay().convertToDouble();
    bool decoupled = op.getDecoupled();
    // Step-dependent scalars, once: lr / (1 - beta1^t) and
    // sqrt(1 - beta2^t).
    Value lr = scalarOf(rewriter, loc, adaptor.getLr());
    Value t = scalarOf(rewriter, loc, adaptor.getStep());
    auto correction = [&](double beta) -> Value {
      Value power = math::PowFOp::create(rewriter, loc, cst(rewriter, loc, t, beta), t);
      return arith::SubFOp::create(rewriter, loc, cst(rewriter, loc, t, 1.0),
                                   power);
    };
    Value stepSize = arith::DivFOp::create(rewriter, loc, lr, correction(beta1));
    Value sqrtCorrection2 = math::SqrtOp::create(rewriter, loc, correction(beta2));
    auto scalarType = RankedTensorType::get({}, lr.getType());
    auto asTensor = [&](Value v) -> Value {
      return tensor::FromElementsOp::create(rewriter, loc, scalarType,
                                            ValueRange{v});
    };
    SmallVector<Value> results = flatUpdateGeneric(
        rewriter, loc,
        {adaptor.getParam(), adaptor.getGrad(), adaptor.getExpAvg(),
         adaptor.getExpAvgSq()},
        {adaptor.getLr(), asTensor(stepSize), asTensor(sqrtCorrection2)}, 3,
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Value p = a[0], g = a[1], m = a[2], v = a[3];
          if (decay != 0.0 && !decoupled)
            g = arith::AddFOp::create(
                b, l, g, arith::MulFOp::create(b, l, p, cst(b, l, p, decay)));
          if (decay != 0.0 && decoupled)
            p = arith::MulFOp::create(
                b, l, p,
                arith::SubFOp::create(
                    b, l, cst(b, l, p, 1.0),
                    arith::MulFOp::create(b, l, a[4], cst(b, l, p, decay))));
          // m.lerp_(g, 1 - beta1); v = beta2 * v + (1 - beta2) * g^2.
          Value newM = arith::AddFOp::create(
              b, l, m,
              arith::MulFOp::create(b, l, arith::SubFOp::create(b, l, g, m),
                                    cst(b, l, m, 1.0 - beta1)));
          Value newV = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, v, cst(b, l, v, beta2)),
              arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, g, g),
                                    cst(b, l, g, 1.0 - beta2)));
          Value denom = arith::AddFOp::create(
              b, l,
              arith::DivFOp::create(b, l, math::SqrtOp::create(b, l, newV),
                                    a[6]),
              cst(b, l, v, eps));
          Value newP = arith::SubFOp::create(
              b, l, p,
              arith::MulFOp::create(b, l, a[5],
                                    arith::DivFOp::create(b, l, newM, denom)));
          return {newP, newM, newV};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::cnn::populateTrainingToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DFilterGradPattern, ActivationGradPattern,
               MaxPoolGradPattern, AvgPoolGradPattern, ReduceSumPattern,
               BatchNormTrainPattern, BatchNormGradPattern,
               CrossEntropyGradPattern, MseGradPattern, SgdUpdatePattern,
               AdamUpdatePattern, DropoutTrainPattern, TripletLossGradPattern,
               L2NormalizeGradPattern>(patterns.getContext());
}

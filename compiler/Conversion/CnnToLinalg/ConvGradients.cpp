//===- ConvGradients.cpp - convolution gradients as convolutions ----------===//
//
// The two convolution gradients become forward convolutions where the
// shapes allow, so that they run on the NHWC, blocked and vectorized
// convolution path instead of a scalar generic:
//
// - cnn.conv_transpose2d (the input gradient of a convolution, and U-Net's
//   learned upsampling): the output gradient convolved with the filter
//   flipped in space and with its channel roles exchanged, padded by
//   dilation * (k - 1) - padding. With a stride, one such convolution per
//   output phase, with the taps that phase takes; with a dilation too, of
//   the output gradient spread out by the stride (zeros in between).
// - cnn.conv2d_filter_grad: a convolution whose batch is the input channels
//   and whose channels are the batch; the output gradient is its filter, the
//   forward stride its dilation and the forward dilation its stride.
//
// Both need groups == 1; other configurations keep their direct lowering
// (Conv.cpp, Training.cpp), which these patterns outrank. A transposed
// convolution whose kernel is its stride is computed by phases instead
// (ConvTransposeByPhasesPattern in Conv.cpp, which outranks this one), and
// one of a larger kernel by output phases (ConvTransposeByOutputPhasesPattern).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/CnnToLinalg/Utils.h"
#include "compiler/Conversion/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::cnn;

namespace {

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

NamedAttribute i64s(OpBuilder &b, StringRef name, ArrayRef<int64_t> values) {
  return b.getNamedAttr(name, b.getDenseI64ArrayAttr(values));
}

Value cnnTranspose(OpBuilder &b, Location loc, Value v,
                   ArrayRef<int64_t> perm) {
  return TransposeOp::create(b, loc, ValueRange{v}, {i64s(b, "perm", perm)});
}

/// The taps r, r + s, ..., r + s * (m - 1) of filter `w` [Cin, Cout, kh, kw]
/// along each spatial dimension, flipped in space and with the channel roles
/// exchanged: [Cout, Cin, m0, m1], tap j being r + s * (m - 1 - j). With
/// r = 0, s = 1 and m = k, the whole filter flipped.
Value flippedTaps(OpBuilder &b, Location loc, Value w, ArrayRef<int64_t> r,
                  ArrayRef<int64_t> s, ArrayRef<int64_t> m) {
  RankedTensorType wt = tensorType(w);
  MLIRContext *context = b.getContext();
  auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
  auto tapsType = RankedTensorType::get(
      {wt.getDimSize(1), wt.getDimSize(0), m[0], m[1]}, wt.getElementType());
  AffineMap read = AffineMap::get(
      4, 0,
      {dim(1), dim(0), r[0] + s[0] * (m[0] - 1) - s[0] * dim(2),
       r[1] + s[1] * (m[1] - 1) - s[1] * dim(3)},
      context);
  return elementwise(
      b, loc, tapsType, {w}, {read},
      [](OpBuilder &, Location, ValueRange v) -> Value { return v[0]; });
}

struct ConvTransposeAsConvPattern final
    : OpConversionPattern<ConvTranspose2DOp> {
  ConvTransposeAsConvPattern(MLIRContext *context)
      : OpConversionPattern(context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(ConvTranspose2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getGroups() != 1)
      return failure();
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), w = adaptor.getFilter();
    RankedTensorType xt = tensorType(x), wt = tensorType(w);
    ArrayRef<int64_t> s = op.getStride(), p = op.getPadding(),
                      d = op.getDilation(), op_ = op.getOutputPadding();
    int64_t k[2] = {wt.getDimSize(2), wt.getDimSize(3)};
    SmallVector<int64_t, 4> padding(4);
    for (int i = 0; i < 2; ++i) {
      padding[i] = d[i] * (k[i] - 1) - p[i];
      padding[i + 2] = d[i] * (k[i] - 1) - p[i + 2] + op_[i];
    }
    if (llvm::any_of(padding, [](int64_t v) { return v < 0; }))
      return failure();
    Type elt = xt.getElementType();

    // The input spread out by the stride.
    if (s[0] != 1 || s[1] != 1) {
      auto spreadType = RankedTensorType::get(
          {xt.getDimSize(0), xt.getDimSize(1), (xt.getDimSize(2) - 1) * s[0] + 1,
           (xt.getDimSize(3) - 1) * s[1] + 1},
          elt);
      SmallVector<OpFoldResult> offsets(4, rewriter.getIndexAttr(0)), sizes,
          strides = {rewriter.getIndexAttr(1), rewriter.getIndexAttr(1),
                     rewriter.getIndexAttr(s[0]), rewriter.getIndexAttr(s[1])};
      for (int64_t size : xt.getShape())
        sizes.push_back(rewriter.getIndexAttr(size));
      x = tensor::InsertSliceOp::create(rewriter, loc, x,
                                        filled(rewriter, loc, spreadType, 0.0),
                                        offsets, sizes, strides);
    }
    // [Cin, Cout, kh, kw] -> [Cout, Cin, kh, kw], flipped in space.
    Value flipped = flippedTaps(rewriter, loc, w, {0, 0}, {1, 1}, k);
    SmallVector<Value> operands = {x, flipped};
    if (adaptor.getBias())
      operands.push_back(adaptor.getBias());
    Value conv = Conv2DOp::create(
        rewriter, loc, operands,
        {i64s(rewriter, "padding", padding), i64s(rewriter, "dilation", d)});
    if (tensorType(conv) != op.getType())
      return failure();
    rewriter.replaceOp(op, conv);
    return success();
  }
};

/// A strided transposed convolution (the input gradient of a strided
/// convolution) by output phases: the output rows a, a + s, a + 2s, ... take
/// only the taps i with i = (a + top) mod s, so each phase is a stride-1
/// convolution of the input with those taps, flipped, and is written into a
/// strided slice of the output. ConvTransposeAsConvPattern's spread input
/// instead multiplies s0 * s1 - 1 of every s0 * s1 terms by zeros. Dilation
/// 1 only; a phase that no tap reaches (a 1x1 kernel of stride 2) is zero,
/// so with a bias the spread version applies. It outranks
/// ConvTransposeAsConvPattern; ConvTransposeByPhasesPattern (a kernel that
/// is its stride, Conv.cpp) outranks it.
struct ConvTransposeByOutputPhasesPattern final
    : OpConversionPattern<ConvTranspose2DOp> {
  ConvTransposeByOutputPhasesPattern(MLIRContext *context)
      : OpConversionPattern(context, /*benefit=*/3) {}

  LogicalResult
  matchAndRewrite(ConvTranspose2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ArrayRef<int64_t> s = op.getStride(), p = op.getPadding(),
                      d = op.getDilation();
    if (op.getGroups() != 1 || d[0] != 1 || d[1] != 1 ||
        (s[0] == 1 && s[1] == 1))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *context = getContext();
    Value x = adaptor.getInput(), w = adaptor.getFilter(),
          bias = adaptor.getBias();
    RankedTensorType xt = tensorType(x), wt = tensorType(w);
    auto type = cast<RankedTensorType>(op.getType());
    Type elt = xt.getElementType();
    int64_t k[2] = {wt.getDimSize(2), wt.getDimSize(3)};
    // Per spatial dimension e and phase a: the first tap r, the number of
    // taps m, the output rows t, and the input row of tap 0 for output row
    // 0 of the phase, q (input row t + q - j feeds tap r + s * j).
    struct Phase {
      int64_t r, m, t, q;
    };
    auto phaseOf = [&](int e, int64_t a) {
      Phase ph;
      ph.r = (a + p[e]) % s[e];
      ph.q = (a + p[e]) / s[e];
      ph.m = ph.r < k[e] ? (k[e] - ph.r + s[e] - 1) / s[e] : 0;
      ph.t = (type.getDimSize(2 + e) - a + s[e] - 1) / s[e];
      return ph;
    };
    auto indices = [&](ArrayRef<int64_t> v) {
      return getAsIndexOpFoldResult(context, v);
    };
    // A phase that no tap reaches is only the bias: left to the spread
    // version, before any IR is built.
    if (bias)
      for (int64_t a = 0; a < s[0]; ++a)
        for (int64_t b = 0; b < s[1]; ++b)
          if (phaseOf(0, a).m == 0 || phaseOf(1, b).m == 0)
            return failure();
    int64_t n = xt.getDimSize(0), f = type.getDimSize(1);
    Value out = emptyLike(rewriter, loc, type);
    for (int64_t a = 0; a < s[0]; ++a) {
      for (int64_t b = 0; b < s[1]; ++b) {
        Phase ph[2] = {phaseOf(0, a), phaseOf(1, b)};
        if (ph[0].t <= 0 || ph[1].t <= 0)
          continue;
        auto phaseType = RankedTensorType::get({n, f, ph[0].t, ph[1].t}, elt);
        Value phase;
        if (ph[0].m == 0 || ph[1].m == 0) {
          phase = filled(rewriter, loc, phaseType, 0.0);
        } else {
          // The input rows the phase reads, padded or cut to them.
          SmallVector<int64_t, 4> padding(4);
          int64_t start[2], size[2];
          for (int e = 0; e < 2; ++e) {
            int64_t first = ph[e].q - (ph[e].m - 1);
            int64_t last = ph[e].t - 1 + ph[e].q;
            int64_t rows = xt.getDimSize(2 + e);
            start[e] = std::max<int64_t>(first, 0);
            size[e] = std::min<int64_t>(last, rows - 1) - start[e] + 1;
            if (size[e] <= 0)
              return failure();
            padding[e] = start[e] - first;
            padding[e + 2] = last - (start[e] + size[e] - 1);
          }
          Value input = x;
          if (start[0] != 0 || start[1] != 0 || size[0] != xt.getDimSize(2) ||
              size[1] != xt.getDimSize(3))
            input = tensor::ExtractSliceOp::create(
                rewriter, loc,
                RankedTensorType::get({n, xt.getDimSize(1), size[0], size[1]},
                                      elt),
                x, indices({0, 0, start[0], start[1]}),
                indices({n, xt.getDimSize(1), size[0], size[1]}),
                indices({1, 1, 1, 1}));
          // [Cin, Cout, kh, kw] -> the phase's taps [Cout, Cin, m0, m1].
          Value taps = flippedTaps(rewriter, loc, w, {ph[0].r, ph[1].r}, s,
                                   {ph[0].m, ph[1].m});
          SmallVector<Value> operands = {input, taps};
          if (bias)
            operands.push_back(bias);
          phase = Conv2DOp::create(rewriter, loc, operands,
                                   {i64s(rewriter, "padding", padding)});
          if (tensorType(phase) != phaseType)
            return failure();
        }
        out = tensor::InsertSliceOp::create(
            rewriter, loc, phase, out, indices({0, 0, a, b}),
            indices({n, f, ph[0].t, ph[1].t}), indices({1, 1, s[0], s[1]}));
      }
    }
    rewriter.replaceOp(op, out);
    return success();
  }
};

struct FilterGradAsConvPattern final : OpConversionPattern<Conv2DFilterGradOp> {
  FilterGradAsConvPattern(MLIRContext *context)
      : OpConversionPattern(context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(Conv2DFilterGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getGroups() != 1)
      return failure();
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), dy = adaptor.getOutputGrad();
    RankedTensorType xt = tensorType(x), dyt = tensorType(dy);
    ArrayRef<int64_t> s = op.getStride(), p = op.getPadding(),
                      d = op.getDilation(), k = op.getKernel();
    // Trailing padding so that the output is exactly the kernel: the
    // forward's, less the rows and columns its stride never reached. Where
    // that is negative (a 1x1 convolution of stride 2 over an even size
    // never reads the last row), those rows of the input are cut off.
    SmallVector<int64_t, 4> padding = {p[0], p[1], 0, 0};
    SmallVector<int64_t, 4> kept(xt.getShape());
    for (int i = 0; i < 2; ++i) {
      padding[i + 2] = (k[i] - 1) * d[i] + s[i] * (dyt.getDimSize(2 + i) - 1) +
                       1 - xt.getDimSize(2 + i) - p[i];
      if (padding[i + 2] < 0) {
        kept[2 + i] += padding[i + 2];
        padding[i + 2] = 0;
      }
      if (kept[2 + i] <= 0)
        return failure();
    }
    if (ArrayRef<int64_t>(kept) != xt.getShape()) {
      SmallVector<OpFoldResult> zeros(4, rewriter.getIndexAttr(0)),
          ones(4, rewriter.getIndexAttr(1));
      x = tensor::ExtractSliceOp::create(
          rewriter, loc, RankedTensorType::get(kept, xt.getElementType()), x,
          zeros, getAsIndexOpFoldResult(rewriter.getContext(), kept), ones);
    }
    // x^T [C, N, H, W] convolved with dy^T [F, N, Y, X]: [C, F, kh, kw].
    Value conv = Conv2DOp::create(
        rewriter, loc,
        ValueRange{cnnTranspose(rewriter, loc, x, {1, 0, 2, 3}),
                   cnnTranspose(rewriter, loc, dy, {1, 0, 2, 3})},
        {i64s(rewriter, "stride", d), i64s(rewriter, "padding", padding),
         i64s(rewriter, "dilation", s)});
    Value result = cnnTranspose(rewriter, loc, conv, {1, 0, 2, 3});
    if (tensorType(result) != op.getType())
      return failure();
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::cnn::populateConvGradientAsConvPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvTransposeByOutputPhasesPattern, ConvTransposeAsConvPattern,
               FilterGradAsConvPattern>(
      patterns.getContext());
}

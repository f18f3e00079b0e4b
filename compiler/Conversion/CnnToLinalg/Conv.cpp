//===- Conv.cpp - lower convolutions and dense layers to linalg -----------===//
//
// conv2d works in NHWC, the layout the CPU kernels vectorize well (output
// channels or, for depthwise, channels in the vector lanes): its input is
// transposed to NHWC and padded, the filter becomes HWCF (HWC for depthwise),
// and the result is transposed back. linalg.conv_2d_nhwc_hwcf and
// linalg.depthwise_conv_2d_nhwc_hwc do the arithmetic; other grouped
// convolutions use linalg.conv_2d_ngchw_gfchw over reshaped NCHW operands.
// cnn-propagate-transposes later cancels the transposes between layers, and
// filter transposes are weight-only work done once at load time. The bias
// initialises the accumulator. conv_transpose2d becomes a
// stride-1 convolution of the zero-dilated input with the flipped, transposed
// filter, or, where its kernel is its stride, one 1x1 convolution per phase
// of the output. dense is a matmul with the weight transposed.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/CnnToLinalg/Utils.h"
#include "compiler/Conversion/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::cnn;

namespace {

/// The accumulator of a conv/dense result: the bias broadcast along
/// dimension `channelDim`, or zeros.
Value accumulator(OpBuilder &b, Location loc, RankedTensorType type,
                  Value bias, unsigned channelDim = 1) {
  if (!bias)
    return filled(b, loc, type, 0.0);
  MLIRContext *context = b.getContext();
  AffineMap channel = AffineMap::get(
      type.getRank(), 0, getAffineDimExpr(channelDim, context), context);
  return elementwise(b, loc, type, {bias}, {channel},
                     [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

/// Pads (positive) or crops (negative) the two spatial dimensions of an
/// NCHW tensor; `low`/`high` are [h, w].
Value padOrCrop(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> low,
                ArrayRef<int64_t> high) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> offsets(4, 0), sizes(type.getShape()), strides(4, 1);
  SmallVector<int64_t> padLow(4, 0), padHigh(4, 0);
  bool crop = false;
  for (int i = 0; i < 2; ++i) {
    if (low[i] < 0) {
      offsets[2 + i] = -low[i];
      sizes[2 + i] += low[i];
      crop = true;
    } else {
      padLow[2 + i] = low[i];
    }
    if (high[i] < 0) {
      sizes[2 + i] += high[i];
      crop = true;
    } else {
      padHigh[2 + i] = high[i];
    }
  }
  if (crop) {
    auto sliceType = RankedTensorType::get(sizes, type.getElementType());
    x = tensor::ExtractSliceOp::create(b, loc, sliceType, x, ValueRange{},
                                       ValueRange{}, ValueRange{}, offsets,
                                       sizes, strides);
  }
  return padConstant(b, loc, x, padLow, padHigh, 0.0);
}

/// A convolution of an already padded NCHW input with an FCHW filter.
Value convolve(OpBuilder &b, Location loc, Value input, Value filter,
               Value init, ArrayRef<int64_t> stride, ArrayRef<int64_t> dilation,
               int64_t groups) {
  auto resultType = cast<RankedTensorType>(init.getType());
  Attribute strides = b.getI64VectorAttr(stride);
  Attribute dilations = b.getI64VectorAttr(dilation);
  if (groups == 1)
    return linalg::Conv2DNchwFchwOp::create(
               b, loc, TypeRange{resultType}, ValueRange{input, filter},
               ValueRange{init}, strides, dilations)
        .getResult(0);

  auto inType = cast<RankedTensorType>(input.getType());
  auto filterType = cast<RankedTensorType>(filter.getType());
  Type elem = inType.getElementType();
  ArrayRef<int64_t> x = inType.getShape(), w = filterType.getShape(),
                    y = resultType.getShape();
  auto groupedIn =
      RankedTensorType::get({x[0], groups, x[1] / groups, x[2], x[3]}, elem);
  auto groupedFilter =
      RankedTensorType::get({groups, w[0] / groups, w[1], w[2], w[3]}, elem);
  auto groupedOut =
      RankedTensorType::get({y[0], groups, y[1] / groups, y[2], y[3]}, elem);
  SmallVector<ReassociationIndices> channelSplit = {{0}, {1, 2}, {3}, {4}};
  SmallVector<ReassociationIndices> filterSplit = {{0, 1}, {2}, {3}, {4}};
  Value gIn =
      tensor::ExpandShapeOp::create(b, loc, groupedIn, input, channelSplit);
  Value gFilter =
      tensor::ExpandShapeOp::create(b, loc, groupedFilter, filter, filterSplit);
  Value gInit =
      tensor::ExpandShapeOp::create(b, loc, groupedOut, init, channelSplit);
  Value gOut = linalg::Conv2DNgchwGfchwOp::create(
                   b, loc, TypeRange{groupedOut}, ValueRange{gIn, gFilter},
                   ValueRange{gInit}, strides, dilations)
                   .getResult(0);
  return tensor::CollapseShapeOp::create(b, loc, resultType, gOut,
                                         channelSplit);
}

/// A convolution of an unpadded NCHW input with an FCHW filter computed in
/// NHWC, or null when `groups` is neither 1 nor depthwise.
Value convolveNhwc(OpBuilder &b, Location loc, Value input, Value filter,
                   Value bias, RankedTensorType resultType,
                   ArrayRef<int64_t> padding, ArrayRef<int64_t> stride,
                   ArrayRef<int64_t> dilation, int64_t groups) {
  auto inType = cast<RankedTensorType>(input.getType());
  ArrayRef<int64_t> y = resultType.getShape();
  int64_t channels = inType.getDimSize(1);
  bool depthwise = groups > 1 && groups == channels && y[1] == channels;
  if (groups != 1 && !depthwise)
    return nullptr;
  Type elem = resultType.getElementType();
  Value x = transpose(b, loc, input, kNchwToNhwc);
  x = padConstant(b, loc, x, {0, padding[0], padding[1], 0},
                  {0, padding[2], padding[3], 0}, 0.0);
  // FCHW -> HWCF; for depthwise C = 1, so HW1F collapses to HWF.
  Value w = transpose(b, loc, filter, {2, 3, 1, 0});
  auto outType = RankedTensorType::get({y[0], y[2], y[3], y[1]}, elem);
  Value init = accumulator(b, loc, outType, bias, /*channelDim=*/3);
  Attribute strides = b.getI64VectorAttr(stride);
  Attribute dilations = b.getI64VectorAttr(dilation);
  Value out;
  if (depthwise) {
    auto wType = cast<RankedTensorType>(w.getType());
    auto hwcType = RankedTensorType::get(
        {wType.getDimSize(0), wType.getDimSize(1), wType.getDimSize(3)}, elem);
    w = tensor::CollapseShapeOp::create(
        b, loc, hwcType, w, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    out = linalg::DepthwiseConv2DNhwcHwcOp::create(
              b, loc, TypeRange{outType}, ValueRange{x, w}, ValueRange{init},
              strides, dilations)
              .getResult(0);
  } else {
    out = linalg::Conv2DNhwcHwcfOp::create(b, loc, TypeRange{outType},
                                           ValueRange{x, w}, ValueRange{init},
                                           strides, dilations)
              .getResult(0);
  }
  return transpose(b, loc, out, kNhwcToNchw);
}

struct Conv2DPattern final : OpConversionPattern<Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> p = op.getPadding();
    if (Value nhwc = convolveNhwc(rewriter, loc, adaptor.getInput(),
                                  adaptor.getFilter(), adaptor.getBias(), type,
                                  p, op.getStride(), op.getDilation(),
                                  op.getGroups())) {
      rewriter.replaceOp(op, nhwc);
      return success();
    }
    Value input = padConstant(rewriter, loc, adaptor.getInput(),
                              {0, 0, p[0], p[1]}, {0, 0, p[2], p[3]}, 0.0);
    Value init = accumulator(rewriter, loc, type, adaptor.getBias());
    rewriter.replaceOp(op, convolve(rewriter, loc, input, adaptor.getFilter(),
                                    init, op.getStride(), op.getDilation(),
                                    op.getGroups()));
    return success();
  }
};

/// A transposed convolution whose kernel is its stride (s0 x s1, U-Net's
/// 2x2 of stride 2) computed in NHWC, or null for any other. Output row
/// s0 * i + a and column s1 * j + b take only input pixel (i, j) and tap
/// (a, b), so each of the s0 * s1 phases of the output is a 1x1
/// convolution of the input with w[:, :, a, b], written into a strided
/// slice of the output (viewed as [N, H, s0, W, s1, F]). That does the
/// transposed convolution's own multiply-adds, where a convolution of the
/// zero-dilated input does s0 * s1 times as many, all but 1 / (s0 * s1) of
/// them on zeros.
Value convolvePhases(OpBuilder &b, Location loc, Value input, Value filter,
                     Value bias, RankedTensorType resultType,
                     ConvTranspose2DOp op) {
  auto inType = cast<RankedTensorType>(input.getType());
  auto wType = cast<RankedTensorType>(filter.getType());
  ArrayRef<int64_t> x = inType.getShape(), w = wType.getShape(),
                    s = op.getStride();
  auto zero = [](ArrayRef<int64_t> v) {
    return llvm::all_of(v, [](int64_t e) { return e == 0; });
  };
  if (op.getGroups() != 1 || w[2] != s[0] || w[3] != s[1] ||
      !zero(op.getPadding()) || !zero(op.getOutputPadding()) ||
      !llvm::all_of(op.getDilation(), [](int64_t e) { return e == 1; }))
    return nullptr;
  MLIRContext *context = b.getContext();
  Type elem = resultType.getElementType();
  int64_t n = x[0], c = x[1], h = x[2], wd = x[3], f = w[1];
  Value xNhwc = transpose(b, loc, input, kNchwToNhwc);
  Value out = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{n, h, s[0], wd, s[1], f}, elem);
  auto phaseType = RankedTensorType::get({n, h, wd, f}, elem);
  auto tapType = RankedTensorType::get({c, f}, elem);
  auto hwcfType = RankedTensorType::get({1, 1, c, f}, elem);
  auto indices = [&](ArrayRef<int64_t> v) {
    return getAsIndexOpFoldResult(context, v);
  };
  for (int64_t a = 0; a < s[0]; ++a) {
    for (int64_t bb = 0; bb < s[1]; ++bb) {
      // Filter [C, F, s0, s1]: tap (a, b) is [C, F], as HWCF [1, 1, C, F].
      Value tap = tensor::ExtractSliceOp::create(
          b, loc, tapType, filter, indices({0, 0, a, bb}),
          indices({c, f, 1, 1}), indices({1, 1, 1, 1}));
      Value hwcf = tensor::ExpandShapeOp::create(
          b, loc, hwcfType, tap,
          SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
      Value init = accumulator(b, loc, phaseType, bias, /*channelDim=*/3);
      Value phase = linalg::Conv2DNhwcHwcfOp::create(
                        b, loc, TypeRange{phaseType}, ValueRange{xNhwc, hwcf},
                        ValueRange{init}, b.getI64VectorAttr({1, 1}),
                        b.getI64VectorAttr({1, 1}))
                        .getResult(0);
      out = tensor::InsertSliceOp::create(
          b, loc, phase, out, indices({0, 0, a, 0, bb, 0}),
          indices({n, h, 1, wd, 1, f}), indices({1, 1, 1, 1, 1, 1}));
    }
  }
  auto nhwcType = RankedTensorType::get({n, h * s[0], wd * s[1], f}, elem);
  Value y = tensor::CollapseShapeOp::create(
      b, loc, nhwcType, out,
      SmallVector<ReassociationIndices>{{0}, {1, 2}, {3, 4}, {5}});
  return transpose(b, loc, y, kNhwcToNchw);
}

/// Transposed convolutions whose kernel is their stride, by phases; this
/// outranks ConvTransposeByOutputPhasesPattern and ConvTransposeAsConvPattern
/// (ConvGradients.cpp) and ConvTranspose2DPattern.
struct ConvTransposeByPhasesPattern final
    : OpConversionPattern<ConvTranspose2DOp> {
  ConvTransposeByPhasesPattern(MLIRContext *context)
      : OpConversionPattern(context, /*benefit=*/4) {}

  LogicalResult
  matchAndRewrite(ConvTranspose2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value phases = convolvePhases(rewriter, op.getLoc(), adaptor.getInput(),
                                  adaptor.getFilter(), adaptor.getBias(),
                                  cast<RankedTensorType>(op.getType()), op);
    if (!phases)
      return failure();
    rewriter.replaceOp(op, phases);
    return success();
  }
};

struct ConvTranspose2DPattern final : OpConversionPattern<ConvTranspose2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvTranspose2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = getContext();
    auto type = cast<RankedTensorType>(op.getType());
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto wType = cast<RankedTensorType>(adaptor.getFilter().getType());
    Type elem = type.getElementType();
    ArrayRef<int64_t> s = op.getStride(), p = op.getPadding(),
                      d = op.getDilation(), outPad = op.getOutputPadding();
    ArrayRef<int64_t> x = inType.getShape(), w = wType.getShape();
    int64_t groups = op.getGroups();
    int64_t cg = w[0] / groups, fg = w[1], filters = fg * groups;
    int64_t kh = w[2], kw = w[3];

    // Spread the input by the stride, zeros in between.
    Value input = adaptor.getInput();
    if (s[0] > 1 || s[1] > 1) {
      auto dilatedType = RankedTensorType::get(
          {x[0], x[1], (x[2] - 1) * s[0] + 1, (x[3] - 1) * s[1] + 1}, elem);
      Value zeros = filled(rewriter, loc, dilatedType, 0.0);
      input = tensor::InsertSliceOp::create(
          rewriter, loc, input, zeros,
          getAsIndexOpFoldResult(context, ArrayRef<int64_t>{0, 0, 0, 0}),
          getAsIndexOpFoldResult(context, x),
          getAsIndexOpFoldResult(context, ArrayRef<int64_t>{1, 1, s[0], s[1]}));
    }
    // A full correlation needs dilation * (k - 1) on each side; the padding
    // removes output rows, output_padding adds them at the end.
    int64_t fullH = d[0] * (kh - 1), fullW = d[1] * (kw - 1);
    input = padOrCrop(rewriter, loc, input, {fullH - p[0], fullW - p[1]},
                      {fullH - p[2] + outPad[0], fullW - p[3] + outPad[1]});

    // Filter [C, F/g, kh, kw] -> [F, C/g, kh, kw], spatially flipped:
    // out[o, c, i, j] = w[(o / (F/g)) * (C/g) + c, o mod (F/g), kh-1-i,
    // kw-1-j].
    auto flippedType = RankedTensorType::get({filters, cg, kh, kw}, elem);
    AffineExpr o = getAffineDimExpr(0, context),
               c = getAffineDimExpr(1, context),
               i = getAffineDimExpr(2, context),
               j = getAffineDimExpr(3, context);
    AffineMap read = AffineMap::get(
        4, 0, {o.floorDiv(fg) * cg + c, o % fg, (kh - 1) - i, (kw - 1) - j},
        context);
    Value filter =
        elementwise(rewriter, loc, flippedType, {adaptor.getFilter()}, {read},
                    [](OpBuilder &, Location, ValueRange a) { return a[0]; });

    Value init = accumulator(rewriter, loc, type, adaptor.getBias());
    rewriter.replaceOp(
        op, convolve(rewriter, loc, input, filter, init, {1, 1}, d, groups));
    return success();
  }
};

/// y[n, m] = sum_k x[n, k] * w[m, k] (+ b[m]): a matmul with the weight
/// transposed to [K, M] (weight-only work, done at load time).
struct DensePattern final : OpConversionPattern<DenseOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DenseOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value init = accumulator(rewriter, loc, type, adaptor.getBias());
    Value weight = transpose(rewriter, loc, adaptor.getWeight(), {1, 0});
    rewriter.replaceOp(
        op, linalg::MatmulOp::create(rewriter, loc, TypeRange{type},
                                     ValueRange{adaptor.getInput(), weight},
                                     ValueRange{init})
                .getResult(0));
    return success();
  }
};

} // namespace

void mlir::cnn::populateConvToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DPattern, ConvTransposeByPhasesPattern,
               ConvTranspose2DPattern, DensePattern>(patterns.getContext());
}

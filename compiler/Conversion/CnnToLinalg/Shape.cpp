//===- Shape.cpp - lower data movement ops to tensor and linalg -----------===//
//
// concat inserts slices into an empty tensor; flatten and reshape go through
// a rank-1 collapse and expand (row-major order); transpose is
// linalg.transpose; constant padding is tensor.pad. Reflect padding and
// upsampling gather through index tables computed at compile time (shapes
// are static), with PyTorch's index arithmetic done in float as it does.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/CnnToLinalg/Utils.h"
#include "compiler/Conversion/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::cnn;

namespace {

Value asIndex(OpBuilder &b, Location loc, Value v) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

struct ConcatPattern final : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    Value result = emptyLike(rewriter, loc, type);
    int64_t offset = 0;
    for (Value input : adaptor.getInputs()) {
      auto inType = cast<RankedTensorType>(input.getType());
      SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
      offsets[axis] = offset;
      result = tensor::InsertSliceOp::create(
          rewriter, loc, input, result,
          getAsIndexOpFoldResult(getContext(), offsets),
          getAsIndexOpFoldResult(getContext(), inType.getShape()),
          getAsIndexOpFoldResult(getContext(), strides));
      offset += inType.getDimSize(axis);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

template <typename OpTy>
struct ReshapePattern final : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    rewriter.replaceOp(
        op, reshapeTo(rewriter, op.getLoc(), adaptor.getInput(), type));
    return success();
  }
};

struct TransposePattern final : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value init = emptyLike(rewriter, op.getLoc(), type);
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(),
                                                       adaptor.getInput(), init,
                                                       op.getPerm())
                               .getResult());
    return success();
  }
};

struct PadPattern final : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t rank = type.getRank();
    ArrayRef<int64_t> pads = op.getPads();
    if (op.getMode() == PadMode::Constant) {
      rewriter.replaceOp(op, padConstant(rewriter, loc, adaptor.getInput(),
                                         pads.take_front(rank),
                                         pads.drop_front(rank),
                                         op.getValue().convertToDouble()));
      return success();
    }
    // Reflect: source index per output index and dimension, mirrored at the
    // edges without repeating them.
    SmallVector<Value> tables;
    SmallVector<AffineMap> maps;
    for (int64_t d = 0; d < rank; ++d) {
      SmallVector<int32_t> source;
      int64_t size = inType.getDimSize(d);
      for (int64_t i = 0; i < type.getDimSize(d); ++i) {
        int64_t s = i - pads[d];
        if (s < 0)
          s = -s;
        if (s >= size)
          s = 2 * (size - 1) - s;
        source.push_back(s);
      }
      tables.push_back(indexTable(rewriter, loc, source));
      maps.push_back(AffineMap::get(rank, 0, getAffineDimExpr(d, getContext()),
                                    getContext()));
    }
    Value input = adaptor.getInput();
    Value result =
        elementwise(rewriter, loc, type, tables, maps,
                    [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                      SmallVector<Value> indices;
                      for (int64_t d = 0; d < rank; ++d)
                        indices.push_back(asIndex(b, l, a[d]));
                      return tensor::ExtractOp::create(b, l, input, indices);
                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// PyTorch's ratio between input and output coordinates.
float upsampleScale(int64_t in, int64_t out, std::optional<float> scale,
                    bool alignCorners) {
  if (alignCorners)
    return out > 1 ? static_cast<float>(in - 1) / (out - 1) : 0.0f;
  if (scale)
    return 1.0f / *scale;
  return static_cast<float>(in) / out;
}

struct UpsamplePattern final : OpConversionPattern<UpsampleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(UpsampleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = getContext();
    auto type = cast<RankedTensorType>(op.getType());
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    bool bilinear = op.getMode() == UpsampleMode::Bilinear;
    bool align = op.getAlignCorners();
    std::optional<ArrayRef<float>> scales = op.getScale();

    // Per dimension: low source index, high source index, high weight.
    SmallVector<int32_t> lo[2], hi[2];
    SmallVector<float> weight[2];
    for (int d = 0; d < 2; ++d) {
      int64_t in = inType.getDimSize(2 + d), out = type.getDimSize(2 + d);
      std::optional<float> scale;
      if (scales)
        scale = (*scales)[d];
      float ratio = upsampleScale(in, out, scale, align);
      for (int64_t i = 0; i < out; ++i) {
        if (!bilinear) {
          int64_t s =
              in == out
                  ? i
                  : std::min<int64_t>(
                        static_cast<int64_t>(std::floor(i * ratio)), in - 1);
          lo[d].push_back(s);
          hi[d].push_back(s);
          weight[d].push_back(0.0f);
          continue;
        }
        float src = align ? ratio * i : ratio * (i + 0.5f) - 0.5f;
        if (src < 0)
          src = 0;
        int64_t i0 = static_cast<int64_t>(src);
        int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
        lo[d].push_back(i0);
        hi[d].push_back(i1);
        weight[d].push_back(src - i0);
      }
    }
    auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
    AffineMap rowMap = AffineMap::get(4, 0, {d(2)}, context);
    AffineMap colMap = AffineMap::get(4, 0, {d(3)}, context);
    SmallVector<Value> inputs = {indexTable(rewriter, loc, lo[0]),
                                 indexTable(rewriter, loc, hi[0]),
                                 floatTable(rewriter, loc, weight[0]),
                                 indexTable(rewriter, loc, lo[1]),
                                 indexTable(rewriter, loc, hi[1]),
                                 floatTable(rewriter, loc, weight[1])};
    SmallVector<AffineMap> maps = {rowMap, rowMap, rowMap,
                                   colMap, colMap, colMap};
    Value x = adaptor.getInput();
    Value result = elementwise(
        rewriter, loc, type, inputs, maps,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value n = linalg::IndexOp::create(b, l, 0);
          Value c = linalg::IndexOp::create(b, l, 1);
          auto at = [&](Value row, Value col) -> Value {
            return tensor::ExtractOp::create(
                b, l, x,
                ValueRange{n, c, asIndex(b, l, row), asIndex(b, l, col)});
          };
          if (!bilinear)
            return at(a[0], a[3]);
          // (1-wh)((1-ww) v00 + ww v01) + wh ((1-ww) v10 + ww v11)
          Type t = a[2].getType();
          Value one = constantFloat(b, l, t, 1.0);
          auto lerp = [&](Value v0, Value v1, Value w) -> Value {
            Value w0 = arith::SubFOp::create(b, l, one, w);
            return arith::AddFOp::create(b, l,
                                         arith::MulFOp::create(b, l, w0, v0),
                                         arith::MulFOp::create(b, l, w, v1));
          };
          Value top = lerp(at(a[0], a[3]), at(a[0], a[4]), a[5]);
          Value bottom = lerp(at(a[1], a[3]), at(a[1], a[4]), a[5]);
          return lerp(top, bottom, a[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::cnn::populateShapeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns
      .add<ConcatPattern, ReshapePattern<FlattenOp>, ReshapePattern<ReshapeOp>,
           TransposePattern, PadPattern, UpsamplePattern>(
          patterns.getContext());
}

//===- Pool.cpp - lower pooling ops to linalg -----------------------------===//
//
// Max and average pooling pad their input (with -inf or 0, plus what
// ceil_mode's last window needs; a max pool of an input that is at least 0
// pads with 0) and become linalg's NHWC pooling ops
// between transposes (channels in the vector lanes); the
// average divides by a per-position divisor computed at compile time with
// PyTorch's rule for count_include_pad. Global pooling reduces height and
// width; adaptive pooling with uneven windows gathers each window.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/CnnToLinalg/Utils.h"
#include "compiler/Conversion/Passes.h"
#include "dialects/cnn/IR/CnnOps.h"
#include "dialects/cnn/IR/ShapeHelpers.h"

#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::cnn;

namespace {

/// Pads for a pooling window: the op's padding plus, in ceil_mode, what the
/// last window needs beyond it (its positions count as padding).
struct PoolPadding {
  SmallVector<int64_t> low, high;
};

PoolPadding poolPadding(ArrayRef<int64_t> in, ArrayRef<int64_t> out,
                        ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
                        ArrayRef<int64_t> padding, ArrayRef<int64_t> dilation) {
  PoolPadding p{{0, 0, padding[0], padding[1]}, {0, 0, padding[2], padding[3]}};
  for (int i = 0; i < 2; ++i) {
    int64_t needed = (out[2 + i] - 1) * stride[i] +
                     shape::effectiveKernel(kernel[i], dilation[i]);
    int64_t have = in[2 + i] + padding[i] + padding[i + 2];
    p.high[2 + i] += std::max<int64_t>(0, needed - have);
  }
  return p;
}

/// Pools an NCHW input with linalg's NHWC pooling op `PoolOp`: the input is
/// transposed to NHWC and padded with `padValue`, the accumulator starts at
/// `init`, and the result is transposed back to NCHW `type`.
template <typename PoolOp>
Value poolNhwc(OpBuilder &b, Location loc, Value input, const PoolPadding &pad,
               double padValue, double init, RankedTensorType type,
               ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
               ArrayRef<int64_t> dilation) {
  auto permute = [](ArrayRef<int64_t> nchw) {
    return SmallVector<int64_t>{nchw[0], nchw[2], nchw[3], nchw[1]};
  };
  Value x = transpose(b, loc, input, kNchwToNhwc);
  x = padConstant(b, loc, x, permute(pad.low), permute(pad.high), padValue);
  auto outType =
      RankedTensorType::get(permute(type.getShape()), type.getElementType());
  Value window = tensor::EmptyOp::create(b, loc, kernel, type.getElementType());
  Value out = PoolOp::create(b, loc, TypeRange{outType}, ValueRange{x, window},
                             ValueRange{filled(b, loc, outType, init)},
                             b.getI64VectorAttr(stride),
                             b.getI64VectorAttr(dilation))
                  .getResult(0);
  return transpose(b, loc, out, kNhwcToNchw);
}

/// Whether every element of `value` is at least 0 (or NaN): the result of a
/// ReLU, of a clip from 0 or more, or a concatenation, max pool or average
/// pool of such values. Looks through at most `depth` ops.
bool isNonNegative(Value value, int depth = 8) {
  Operation *op = value.getDefiningOp();
  if (!op || depth == 0)
    return false;
  if (isa<ReluOp>(op))
    return true;
  if (auto clip = dyn_cast<ClipOp>(op))
    return clip.getMin().convertToFloat() >= 0.0f;
  if (isa<ConcatOp>(op))
    return llvm::all_of(op->getOperands(), [&](Value input) {
      return isNonNegative(input, depth - 1);
    });
  if (isa<MaxPool2DOp, AvgPool2DOp>(op))
    return isNonNegative(op->getOperand(0), depth - 1);
  return false;
}

struct MaxPoolPattern final : OpConversionPattern<MaxPool2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MaxPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    PoolPadding pad =
        poolPadding(inType.getShape(), type.getShape(), op.getKernel(),
                    op.getStride(), op.getPadding(), op.getDilation());
    // Padding never wins: -inf, or 0 for an input known to be at least 0
    // (every window holds an element of the input, PyTorch's rule), which
    // lets the producer of an input that other layers read too (an
    // Inception block's output) write into the padded buffer
    // (cnn-decompose-pads), instead of a copy into a buffer filled with
    // -inf.
    double padValue = isNonNegative(op.getInput()) ? 0.0 : -INFINITY;
    rewriter.replaceOp(op, poolNhwc<linalg::PoolingNhwcMaxOp>(
                               rewriter, loc, adaptor.getInput(), pad, padValue,
                               -INFINITY, type, op.getKernel(), op.getStride(),
                               op.getDilation()));
    return success();
  }
};

struct AvgPoolPattern final : OpConversionPattern<AvgPool2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AvgPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    ArrayRef<int64_t> k = op.getKernel(), s = op.getStride(),
                      p = op.getPadding();
    int64_t one[2] = {1, 1};
    PoolPadding pad =
        poolPadding(inType.getShape(), type.getShape(), k, s, p, one);
    Value sum = poolNhwc<linalg::PoolingNhwcSumOp>(
        rewriter, loc, adaptor.getInput(), pad, 0.0, 0.0, type, k, s, one);

    int64_t oh = type.getDimSize(2), ow = type.getDimSize(3);
    SmallVector<float> divisors =
        avgPoolDivisors(inType.getShape(), type.getShape(), k, s, p,
                        op.getCountIncludePad());
    auto divType = RankedTensorType::get({oh, ow}, type.getElementType());
    Value divisor = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(divType, ArrayRef<float>(divisors)));
    MLIRContext *context = getContext();
    AffineMap spatial = AffineMap::get(
        4, 0, {getAffineDimExpr(2, context), getAffineDimExpr(3, context)},
        context);
    Value result =
        elementwise(rewriter, loc, type, {sum, divisor},
                    {rewriter.getMultiDimIdentityMap(4), spatial},
                    [](OpBuilder &b, Location l, ValueRange a) -> Value {
                      return arith::DivFOp::create(b, l, a[0], a[1]);
                    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Reduces height and width into [N, C] with `combine`, then reshapes to
/// [N, C, 1, 1] after `finish`.
template <typename OpTy, bool IsMax>
struct GlobalPoolPattern final : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = this->getContext();
    auto type = cast<RankedTensorType>(op.getType());
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto reducedType = RankedTensorType::get(
        {type.getDimSize(0), type.getDimSize(1)}, type.getElementType());
    SmallVector<AffineMap> maps = {
        rewriter.getMultiDimIdentityMap(4),
        AffineMap::get(
            4, 0, {getAffineDimExpr(0, context), getAffineDimExpr(1, context)},
            context)};
    SmallVector<utils::IteratorType> iterators = {
        utils::IteratorType::parallel, utils::IteratorType::parallel,
        utils::IteratorType::reduction, utils::IteratorType::reduction};
    Value reduced =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{reducedType},
            ValueRange{adaptor.getInput()},
            ValueRange{
                filled(rewriter, loc, reducedType, IsMax ? -INFINITY : 0.0)},
            maps, iterators,
            [](OpBuilder &b, Location l, ValueRange a) {
              Value r = IsMax
                            ? Value(arith::MaximumFOp::create(b, l, a[0], a[1]))
                            : Value(arith::AddFOp::create(b, l, a[0], a[1]));
              linalg::YieldOp::create(b, l, r);
            })
            .getResult(0);
    if (!IsMax) {
      double count = inType.getDimSize(2) * inType.getDimSize(3);
      reduced = broadcastElementwise(
          rewriter, loc, reducedType, {reduced},
          [&](OpBuilder &b, Location l, ValueRange a) -> Value {
            return arith::DivFOp::create(
                b, l, a[0], constantFloat(b, l, a[0].getType(), count));
          });
    }
    rewriter.replaceOp(op, tensor::ExpandShapeOp::create(
                               rewriter, loc, type, reduced,
                               ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}}));
    return success();
  }
};

/// Output cell i averages input rows [floor(i*H/oh), ceil((i+1)*H/oh)).
struct AdaptiveAvgPoolPattern final : OpConversionPattern<AdaptiveAvgPool2DOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AdaptiveAvgPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto inType = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t in[2] = {inType.getDimSize(2), inType.getDimSize(3)};
    int64_t out[2] = {type.getDimSize(2), type.getDimSize(3)};

    // The largest window, and each cell's [start, size) per dimension.
    int64_t maxWindow[2] = {0, 0};
    SmallVector<int32_t> starts[2], sizes[2];
    for (int d = 0; d < 2; ++d)
      for (int64_t i = 0; i < out[d]; ++i) {
        int64_t start = shape::adaptiveWindowStart(i, in[d], out[d]);
        int64_t end = shape::adaptiveWindowEnd(i, in[d], out[d]);
        starts[d].push_back(start);
        sizes[d].push_back(end - start);
        maxWindow[d] = std::max(maxWindow[d], end - start);
      }

    MLIRContext *context = getContext();
    Type elem = type.getElementType();
    Value x = adaptor.getInput();
    Value hStart = indexTable(rewriter, loc, starts[0]);
    Value hSize = indexTable(rewriter, loc, sizes[0]);
    Value wStart = indexTable(rewriter, loc, starts[1]);
    Value wSize = indexTable(rewriter, loc, sizes[1]);
    Value window = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{maxWindow[0], maxWindow[1]}, elem);
    auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
    SmallVector<AffineMap> maps = {
        AffineMap::get(6, 0, {d(2)}, context),
        AffineMap::get(6, 0, {d(2)}, context),
        AffineMap::get(6, 0, {d(3)}, context),
        AffineMap::get(6, 0, {d(3)}, context),
        AffineMap::get(6, 0, {d(4), d(5)}, context),
        AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, context)};
    SmallVector<utils::IteratorType> iterators(4,
                                               utils::IteratorType::parallel);
    iterators.append(2, utils::IteratorType::reduction);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{type},
            ValueRange{hStart, hSize, wStart, wSize, window},
            ValueRange{filled(rewriter, loc, type, 0.0)}, maps, iterators,
            [&](OpBuilder &b, Location l, ValueRange a) {
              auto index = [&](unsigned dim) {
                return linalg::IndexOp::create(b, l, dim).getResult();
              };
              auto asIndex = [&](Value v) {
                return arith::IndexCastOp::create(b, l, b.getIndexType(), v)
                    .getResult();
              };
              Value i = index(4), j = index(5);
              Value hs = asIndex(a[0]), hn = asIndex(a[1]);
              Value ws = asIndex(a[2]), wn = asIndex(a[3]);
              Value inside = arith::AndIOp::create(
                  b, l,
                  arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, i, hn),
                  arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, j,
                                        wn));
              // Clamp so the read stays in bounds; masked out below.
              Value row = arith::MinUIOp::create(
                  b, l, arith::AddIOp::create(b, l, hs, i),
                  indexConstant(b, l, in[0] - 1));
              Value col = arith::MinUIOp::create(
                  b, l, arith::AddIOp::create(b, l, ws, j),
                  indexConstant(b, l, in[1] - 1));
              Value v = tensor::ExtractOp::create(
                  b, l, x, ValueRange{index(0), index(1), row, col});
              Value count = arith::UIToFPOp::create(
                  b, l, elem, arith::MulIOp::create(b, l, a[1], a[3]));
              Value contribution = arith::SelectOp::create(
                  b, l, inside, arith::DivFOp::create(b, l, v, count),
                  constantFloat(b, l, elem, 0.0));
              linalg::YieldOp::create(
                  b, l, Value(arith::AddFOp::create(b, l, a[5], contribution)));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::cnn::populatePoolToLinalgPatterns(RewritePatternSet &patterns) {
  patterns
      .add<MaxPoolPattern, AvgPoolPattern,
           GlobalPoolPattern<GlobalAvgPool2DOp, false>,
           GlobalPoolPattern<GlobalMaxPool2DOp, true>, AdaptiveAvgPoolPattern>(
          patterns.getContext());
}

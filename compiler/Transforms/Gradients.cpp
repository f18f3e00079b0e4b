//===- Gradients.cpp - gradients of the cnn ops ---------------------------===//
//
// Each differentiable op builds its operand gradients from its result
// gradients with cnn ops: convolutions differentiate into a transposed
// convolution and cnn.conv2d_filter_grad, dense into dense on transposed
// operands, pools and activations into their *_grad ops, elementwise ops into
// elementwise ops summed back over broadcast dimensions, shape ops into the
// inverse reshape, transpose or slice.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Gradients.h"
#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::cnn;

namespace {

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

NamedAttribute named(OpBuilder &b, StringRef name, Attribute value) {
  return b.getNamedAttr(name, value);
}

NamedAttribute i64s(OpBuilder &b, StringRef name, ArrayRef<int64_t> values) {
  return b.getNamedAttr(name, b.getDenseI64ArrayAttr(values));
}

/// A rank-0 constant of `like`'s element type.
Value scalar(OpBuilder &b, Location loc, Value like, double value) {
  auto type = RankedTensorType::get({}, tensorType(like).getElementType());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, b.getFloatAttr(
                                               type.getElementType(), value)));
}

Value reshape(OpBuilder &b, Location loc, Value v, RankedTensorType type) {
  if (tensorType(v) == type)
    return v;
  return ReshapeOp::create(b, loc, ValueRange{v},
                           {i64s(b, "shape", type.getShape())});
}

/// Sums a gradient of the broadcast result shape back to an operand's shape
/// (NumPy broadcasting: leading dimensions, and dimensions of size 1).
Value unbroadcast(OpBuilder &b, Location loc, Value grad,
                  RankedTensorType operand) {
  RankedTensorType type = tensorType(grad);
  if (type.getShape() == operand.getShape())
    return grad;
  int64_t lead = type.getRank() - operand.getRank();
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (d < lead || (operand.getDimSize(d - lead) == 1 && type.getDimSize(d) != 1))
      dims.push_back(d);
  Value sum = dims.empty() ? grad
                           : Value(ReduceSumOp::create(
                                 b, loc, ValueRange{grad}, {i64s(b, "dims", dims)}));
  return reshape(b, loc, sum, operand);
}

Value mul(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  return MulOp::create(b, loc, ValueRange{lhs, rhs});
}

Value negate(OpBuilder &b, Location loc, Value v) {
  return mul(b, loc, v, scalar(b, loc, v, -1.0));
}

/// Sums `v` over `axis`, keeping it with size 1.
Value sumKeepingAxis(OpBuilder &b, Location loc, Value v, int64_t axis) {
  RankedTensorType type = tensorType(v);
  SmallVector<int64_t> kept(type.getShape());
  kept[axis] = 1;
  Value sum =
      ReduceSumOp::create(b, loc, ValueRange{v}, {i64s(b, "dims", {axis})});
  return reshape(b, loc, sum,
                 RankedTensorType::get(kept, type.getElementType()));
}

/// The model all gradients share: a free function per op.
template <typename OpTy>
using GradFn = LogicalResult (*)(OpTy op, OpBuilder &b, ValueRange grads,
                                 SmallVectorImpl<Value> &operandGrads);

template <typename OpTy, GradFn<OpTy> Fn>
struct GradientModel final
    : DifferentiableOpInterface::ExternalModel<GradientModel<OpTy, Fn>, OpTy> {
  LogicalResult buildGradients(Operation *op, OpBuilder &b, ValueRange grads,
                               SmallVectorImpl<Value> &operandGrads) const {
    operandGrads.assign(op->getNumOperands(), Value());
    return Fn(cast<OpTy>(op), b, grads, operandGrads);
  }
};

//===----------------------------------------------------------------------===//
// Convolutions and dense
//===----------------------------------------------------------------------===//

LogicalResult conv2dGrad(Conv2DOp op, OpBuilder &b, ValueRange grads,
                         SmallVectorImpl<Value> &out) {
  Location loc = op.getLoc();
  Value dy = grads[0];
  RankedTensorType x = tensorType(op.getInput()), w = tensorType(op.getFilter());
  ArrayRef<int64_t> s = op.getStride(), p = op.getPadding(),
                    d = op.getDilation();
  // The transposed convolution gives back the input size up to the rows and
  // columns the forward stride skipped at the end: output_padding.
  SmallVector<int64_t, 2> outputPadding;
  for (int i = 0; i < 2; ++i)
    outputPadding.push_back((x.getDimSize(2 + i) + p[i] + p[i + 2] -
                             d[i] * (w.getDimSize(2 + i) - 1) - 1) %
                            s[i]);
  SmallVector<NamedAttribute> attrs = {
      i64s(b, "stride", s), i64s(b, "padding", p),
      i64s(b, "dilation", d),
      named(b, "groups", b.getI64IntegerAttr(op.getGroups()))};
  SmallVector<NamedAttribute> transposeAttrs(attrs);
  transposeAttrs.push_back(i64s(b, "output_padding", outputPadding));
  out[0] = ConvTranspose2DOp::create(b, loc, ValueRange{dy, op.getFilter()},
                                     transposeAttrs);
  SmallVector<NamedAttribute> filterAttrs(attrs);
  filterAttrs.push_back(
      i64s(b, "kernel", {w.getDimSize(2), w.getDimSize(3)}));
  out[1] = Conv2DFilterGradOp::create(b, loc, ValueRange{op.getInput(), dy},
                                      filterAttrs);
  if (op.getBias())
    out[2] = ReduceSumOp::create(b, loc, ValueRange{dy},
                                 {i64s(b, "dims", {0, 2, 3})});
  return success();
}

LogicalResult convTranspose2dGrad(ConvTranspose2DOp op, OpBuilder &b,
                                  ValueRange grads,
                                  SmallVectorImpl<Value> &out) {
  Location loc = op.getLoc();
  Value dy = grads[0];
  RankedTensorType w = tensorType(op.getFilter());
  ArrayRef<int64_t> s = op.getStride();
  ArrayRef<int64_t> outputPadding = op.getOutputPadding();
  if (outputPadding[0] >= s[0] || outputPadding[1] >= s[1])
    return op.emitOpError("has no gradient yet with output_padding ")
           << "not smaller than the stride";
  SmallVector<NamedAttribute> attrs = {
      i64s(b, "stride", s), i64s(b, "padding", op.getPadding()),
      i64s(b, "dilation", op.getDilation()),
      named(b, "groups", b.getI64IntegerAttr(op.getGroups()))};
  // The input gradient is the convolution the transposed one inverts; the
  // filter gradient is conv2d's with input and output exchanged.
  out[0] = Conv2DOp::create(b, loc, ValueRange{dy, op.getFilter()}, attrs);
  attrs.push_back(i64s(b, "kernel", {w.getDimSize(2), w.getDimSize(3)}));
  out[1] = Conv2DFilterGradOp::create(b, loc, ValueRange{dy, op.getInput()},
                                      attrs);
  if (op.getBias())
    out[2] = ReduceSumOp::create(b, loc, ValueRange{dy},
                                 {i64s(b, "dims", {0, 2, 3})});
  return success();
}

LogicalResult denseGrad(DenseOp op, OpBuilder &b, ValueRange grads,
                        SmallVectorImpl<Value> &out) {
  Location loc = op.getLoc();
  Value dy = grads[0];
  auto transposed = [&](Value v) -> Value {
    return TransposeOp::create(b, loc, ValueRange{v}, {i64s(b, "perm", {1, 0})});
  };
  // y = x w^T: dx = dy w = dense(dy, w^T), dw = dy^T x = dense(dy^T, x^T).
  out[0] = DenseOp::create(b, loc, ValueRange{dy, transposed(op.getWeight())});
  out[1] = DenseOp::create(
      b, loc, ValueRange{transposed(dy), transposed(op.getInput())});
  if (op.getBias())
    out[2] =
        ReduceSumOp::create(b, loc, ValueRange{dy}, {i64s(b, "dims", {0})});
  return success();
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

Value activationGrad(OpBuilder &b, Operation *op, StringRef kind, Value dy,
                     ArrayRef<NamedAttribute> extra = {}) {
  SmallVector<NamedAttribute> attrs = {
      named(b, "activation", b.getStringAttr(kind))};
  attrs.append(extra.begin(), extra.end());
  return ActivationGradOp::create(b, op->getLoc(),
                                  ValueRange{op->getOperand(0), dy}, attrs);
}

template <typename OpTy>
LogicalResult simpleActivationGrad(OpTy op, OpBuilder &b, ValueRange grads,
                                   SmallVectorImpl<Value> &out) {
  out[0] = activationGrad(b, op, op->getName().stripDialect(), grads[0]);
  return success();
}

LogicalResult leakyReluGrad(LeakyReluOp op, OpBuilder &b, ValueRange grads,
                            SmallVectorImpl<Value> &out) {
  out[0] = activationGrad(b, op, "leaky_relu", grads[0],
                          {named(b, "alpha", op.getAlphaAttr())});
  return success();
}

LogicalResult clipGrad(ClipOp op, OpBuilder &b, ValueRange grads,
                       SmallVectorImpl<Value> &out) {
  out[0] = activationGrad(b, op, "clip", grads[0],
                          {named(b, "min", op.getMinAttr()),
                           named(b, "max", op.getMaxAttr())});
  return success();
}

LogicalResult hardSigmoidGrad(HardSigmoidOp op, OpBuilder &b, ValueRange grads,
                              SmallVectorImpl<Value> &out) {
  out[0] = activationGrad(b, op, "hardsigmoid", grads[0],
                          {named(b, "alpha", op.getAlphaAttr()),
                           named(b, "beta", op.getBetaAttr())});
  return success();
}

LogicalResult geluGrad(GeluOp op, OpBuilder &b, ValueRange grads,
                       SmallVectorImpl<Value> &out) {
  SmallVector<NamedAttribute> extra;
  if (op.getApproximate() == GeluApproximation::Tanh)
    extra.push_back(named(b, "tanh_approximation", b.getUnitAttr()));
  out[0] = activationGrad(b, op, "gelu", grads[0], extra);
  return success();
}

/// softmax: dx = y * (dy - sum(dy * y)); log_softmax: dx = dy - exp(y) *
/// sum(dy), with exp(y) = softmax(x).
template <typename OpTy, bool Log>
LogicalResult softmaxGrad(OpTy op, OpBuilder &b, ValueRange grads,
                          SmallVectorImpl<Value> &out) {
  Location loc = op.getLoc();
  Value dy = grads[0];
  int64_t rank = tensorType(dy).getRank();
  int64_t axis = static_cast<int64_t>(op.getAxis());
  if (axis < 0)
    axis += rank;
  if (Log) {
    Value probs = SoftmaxOp::create(b, loc, ValueRange{op.getInput()},
                                    {named(b, "axis", op.getAxisAttr())});
    out[0] = SubOp::create(
        b, loc,
        ValueRange{dy, mul(b, loc, probs, sumKeepingAxis(b, loc, dy, axis))});
    return success();
  }
  Value y = op.getResult();
  Value dot = sumKeepingAxis(b, loc, mul(b, loc, dy, y), axis);
  out[0] = mul(b, loc, y, SubOp::create(b, loc, ValueRange{dy, dot}));
  return success();
}

//===----------------------------------------------------------------------===//
// Pools
//===----------------------------------------------------------------------===//

LogicalResult maxPoolGrad(MaxPool2DOp op, OpBuilder &b, ValueRange grads,
                          SmallVectorImpl<Value> &out) {
  SmallVector<NamedAttribute> attrs = {
      i64s(b, "kernel", op.getKernel()), i64s(b, "stride", op.getStride()),
      i64s(b, "padding", op.getPadding()),
      i64s(b, "dilation", op.getDilation())};
  if (op.getCeilMode())
    attrs.push_back(named(b, "ceil_mode", b.getUnitAttr()));
  out[0] = MaxPool2DGradOp::create(b, op.getLoc(),
                                   ValueRange{op.getInput(), grads[0]}, attrs);
  return success();
}

LogicalResult avgPoolGrad(AvgPool2DOp op, OpBuilder &b, ValueRange grads,
                          SmallVectorImpl<Value> &out) {
  SmallVector<NamedAttribute> attrs = {
      i64s(b, "kernel", op.getKernel()), i64s(b, "stride", op.getStride()),
      i64s(b, "padding", op.getPadding()),
      named(b, "count_include_pad", op.getCountIncludePadAttr())};
  if (op.getCeilMode())
    attrs.push_back(named(b, "ceil_mode", b.getUnitAttr()));
  out[0] = AvgPool2DGradOp::create(b, op.getLoc(),
                                   ValueRange{op.getInput(), grads[0]}, attrs);
  return success();
}

/// A pool over windows of `window` cells, stride `window`, no padding.
template <typename GradOpTy>
Value tiledPoolGrad(OpBuilder &b, Operation *op, Value dy,
                    ArrayRef<int64_t> window) {
  return GradOpTy::create(b, op->getLoc(), ValueRange{op->getOperand(0), dy},
                          {i64s(b, "kernel", window), i64s(b, "stride", window)});
}

LogicalResult globalAvgPoolGrad(GlobalAvgPool2DOp op, OpBuilder &b,
                                ValueRange grads, SmallVectorImpl<Value> &out) {
  RankedTensorType x = tensorType(op.getInput());
  out[0] = tiledPoolGrad<AvgPool2DGradOp>(
      b, op, grads[0], {x.getDimSize(2), x.getDimSize(3)});
  return success();
}

LogicalResult globalMaxPoolGrad(GlobalMaxPool2DOp op, OpBuilder &b,
                                ValueRange grads, SmallVectorImpl<Value> &out) {
  RankedTensorType x = tensorType(op.getInput());
  out[0] = tiledPoolGrad<MaxPool2DGradOp>(
      b, op, grads[0], {x.getDimSize(2), x.getDimSize(3)});
  return success();
}

LogicalResult adaptiveAvgPoolGrad(AdaptiveAvgPool2DOp op, OpBuilder &b,
                                  ValueRange grads,
                                  SmallVectorImpl<Value> &out) {
  RankedTensorType x = tensorType(op.getInput());
  ArrayRef<int64_t> size = op.getOutputSize();
  if (x.getDimSize(2) % size[0] || x.getDimSize(3) % size[1])
    return op.emitOpError("has no gradient yet when the output size does not ")
           << "divide the input size";
  out[0] = tiledPoolGrad<AvgPool2DGradOp>(
      b, op, grads[0],
      {x.getDimSize(2) / size[0], x.getDimSize(3) / size[1]});
  return success();
}

//===----------------------------------------------------------------------===//
// Dropout, normalization and losses
//===----------------------------------------------------------------------===//

LogicalResult dropoutTrainGrad(DropoutTrainOp op, OpBuilder &b,
                               ValueRange grads, SmallVectorImpl<Value> &out) {
  if (grads[0])
    out[0] = mul(b, op.getLoc(), grads[0], op.getMask());
  return success();
}

//===----------------------------------------------------------------------===//
//===----------------------------------------------------------------------===//

LogicalResult batchNormTrainGrad(BatchNormTrainOp op, OpBuilder &b,
                                 ValueRange grads,
                                 SmallVectorImpl<Value> &out) {
  if (!grads[0])
    return success();
  auto grad = BatchNormGradOp::create(
      b, op.getLoc(),
      ValueRange{op.getInput(), grads[0], op.getScale(), op.getBatchMean(),
                 op.getBatchInvstd()});
  out[0] = grad.getInputGrad();
  out[1] = grad.getScaleGrad();
  out[2] = grad.getBiasGrad();
  return success();
}

LogicalResult crossEntropyGrad(CrossEntropyOp op, OpBuilder &b,
                               ValueRange grads, SmallVectorImpl<Value> &out) {
  out[0] = CrossEntropyGradOp::create(
      b, op.getLoc(), ValueRange{op.getLogits(), op.getLabels(), grads[0]},
      {named(b, "reduction", op.getReductionAttr())});
  return success();
}

LogicalResult tripletLossGrad(TripletLossOp op, OpBuilder &b, ValueRange grads,
                             SmallVectorImpl<Value> &out) {
  out[0] = TripletLossGradOp::create(
      b, op.getLoc(), ValueRange{op.getEmbeddings(), grads[0]},
      {named(b, "margin", op.getMarginAttr()),
       named(b, "epsilon", op.getEpsilonAttr())});
  return success();
}

LogicalResult l2NormalizeGrad(L2NormalizeOp op, OpBuilder &b, ValueRange grads,
                              SmallVectorImpl<Value> &out) {
  out[0] = L2NormalizeGradOp::create(
      b, op.getLoc(), ValueRange{op.getInput(), grads[0]},
      {named(b, "axis", op.getAxisAttr()),
       named(b, "epsilon", op.getEpsilonAttr())});
  return success();
}

LogicalResult mseGrad(MseOp op, OpBuilder &b, ValueRange grads,
                      SmallVectorImpl<Value> &out) {
  Location loc = op.getLoc();
  out[0] = MseGradOp::create(
      b, loc, ValueRange{op.getInput(), op.getTarget(), grads[0]},
      {named(b, "reduction", op.getReductionAttr())});
  out[1] = negate(b, loc, out[0]);
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult addGrad(AddOp op, OpBuilder &b, ValueRange grads,
                      SmallVectorImpl<Value> &out) {
  Location loc = op.getLoc();
  out[0] = unbroadcast(b, loc, grads[0], tensorType(op.getLhs()));
  out[1] = unbroadcast(b, loc, grads[0], tensorType(op.getRhs()));
  return success();
}

LogicalResult subGrad(SubOp op, OpBuilder &b, ValueRange grads,
                      SmallVectorImpl<Value> &out) {
  Location loc = op.getLoc();
  out[0] = unbroadcast(b, loc, grads[0], tensorType(op.getLhs()));
  out[1] =
      unbroadcast(b, loc, negate(b, loc, grads[0]), tensorType(op.getRhs()));
  return success();
}

LogicalResult mulGrad(MulOp op, OpBuilder &b, ValueRange grads,
                      SmallVectorImpl<Value> &out) {
  Location loc = op.getLoc();
  out[0] = unbroadcast(b, loc, mul(b, loc, grads[0], op.getRhs()),
                       tensorType(op.getLhs()));
  out[1] = unbroadcast(b, loc, mul(b, loc, grads[0], op.getLhs()),
                       tensorType(op.getRhs()));
  return success();
}

/// y = l / r: dl = dy / r, dr = -dy * y / r.
LogicalResult divGrad(DivOp op, OpBuilder &b, ValueRange grads,
                      SmallVectorImpl<Value> &out) {
  Location loc = op.getLoc();
  Value dl = DivOp::create(b, loc, ValueRange{grads[0], op.getRhs()});
  out[0] = unbroadcast(b, loc, dl, tensorType(op.getLhs()));
  out[1] = unbroadcast(b, loc, negate(b, loc, mul(b, loc, dl, op.getResult())),
                       tensorType(op.getRhs()));
  return success();
}

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

template <typename OpTy>
LogicalResult reshapeGrad(OpTy op, OpBuilder &b, ValueRange grads,
                          SmallVectorImpl<Value> &out) {
  out[0] = reshape(b, op.getLoc(), grads[0], tensorType(op.getInput()));
  return success();
}

LogicalResult transposeGrad(TransposeOp op, OpBuilder &b, ValueRange grads,
                            SmallVectorImpl<Value> &out) {
  ArrayRef<int64_t> perm = op.getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = i;
  out[0] = TransposeOp::create(b, op.getLoc(), ValueRange{grads[0]},
                               {i64s(b, "perm", inverse)});
  return success();
}

/// The part of `grad` at `offsets` with `type`'s shape.
Value slice(OpBuilder &b, Location loc, Value grad, ArrayRef<int64_t> offsets,
            RankedTensorType type) {
  SmallVector<OpFoldResult> offs, sizes, strides;
  for (auto [o, s] : llvm::zip_equal(offsets, type.getShape())) {
    offs.push_back(b.getIndexAttr(o));
    sizes.push_back(b.getIndexAttr(s));
    strides.push_back(b.getIndexAttr(1));
  }
  return tensor::ExtractSliceOp::create(b, loc, type, grad, offs, sizes,
                                        strides);
}

LogicalResult concatGrad(ConcatOp op, OpBuilder &b, ValueRange grads,
                         SmallVectorImpl<Value> &out) {
  int64_t rank = tensorType(op.getResult()).getRank();
  int64_t axis = static_cast<int64_t>(op.getAxis());
  if (axis < 0)
    axis += rank;
  SmallVector<int64_t> offsets(rank, 0);
  for (auto [i, input] : llvm::enumerate(op.getInputs())) {
    RankedTensorType type = tensorType(input);
    out[i] = slice(b, op.getLoc(), grads[0], offsets, type);
    offsets[axis] += type.getDimSize(axis);
  }
  return success();
}

LogicalResult padGrad(PadOp op, OpBuilder &b, ValueRange grads,
                      SmallVectorImpl<Value> &out) {
  if (op.getMode() != PadMode::Constant)
    return op.emitOpError("has no gradient yet in reflect mode");
  RankedTensorType type = tensorType(op.getInput());
  out[0] = slice(b, op.getLoc(), grads[0],
                 op.getPads().take_front(type.getRank()), type);
  return success();
}

/// Nearest upsampling by integer factors copies each cell into a block; the
/// gradient sums the block: an average pool times the block size.
LogicalResult upsampleGrad(UpsampleOp op, OpBuilder &b, ValueRange grads,
                           SmallVectorImpl<Value> &out) {
  RankedTensorType x = tensorType(op.getInput()),
                   y = tensorType(op.getResult());
  int64_t fh = y.getDimSize(2) / x.getDimSize(2),
          fw = y.getDimSize(3) / x.getDimSize(3);
  if (op.getMode() != UpsampleMode::Nearest ||
      fh * x.getDimSize(2) != y.getDimSize(2) ||
      fw * x.getDimSize(3) != y.getDimSize(3))
    return op.emitOpError("has no gradient yet except nearest upsampling ")
           << "by integer factors";
  Location loc = op.getLoc();
  Value mean = AvgPool2DOp::create(
      b, loc, ValueRange{grads[0]},
      {i64s(b, "kernel", {fh, fw}), i64s(b, "stride", {fh, fw})});
  out[0] = mul(b, loc, mean, scalar(b, loc, mean, double(fh * fw)));
  return success();
}

template <typename OpTy, GradFn<OpTy> Fn>
void attach(MLIRContext *context) {
  OpTy::template attachInterface<GradientModel<OpTy, Fn>>(*context);
}

} // namespace

void mlir::cnn::registerGradientModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, CnnDialect *) {
    attach<Conv2DOp, conv2dGrad>(context);
    attach<ConvTranspose2DOp, convTranspose2dGrad>(context);
    attach<DenseOp, denseGrad>(context);
    attach<ReluOp, simpleActivationGrad<ReluOp>>(context);
    attach<SigmoidOp, simpleActivationGrad<SigmoidOp>>(context);
    attach<TanhOp, simpleActivationGrad<TanhOp>>(context);
    attach<SiluOp, simpleActivationGrad<SiluOp>>(context);
    attach<HardSwishOp, simpleActivationGrad<HardSwishOp>>(context);
    attach<LeakyReluOp, leakyReluGrad>(context);
    attach<ClipOp, clipGrad>(context);
    attach<HardSigmoidOp, hardSigmoidGrad>(context);
    attach<GeluOp, geluGrad>(context);
    attach<SoftmaxOp, softmaxGrad<SoftmaxOp, false>>(context);
    attach<LogSoftmaxOp, softmaxGrad<LogSoftmaxOp, true>>(context);
    attach<MaxPool2DOp, maxPoolGrad>(context);
    attach<AvgPool2DOp, avgPoolGrad>(context);
    attach<GlobalAvgPool2DOp, globalAvgPoolGrad>(context);
    attach<GlobalMaxPool2DOp, globalMaxPoolGrad>(context);
    attach<AdaptiveAvgPool2DOp, adaptiveAvgPoolGrad>(context);
    attach<BatchNormTrainOp, batchNormTrainGrad>(context);
    attach<DropoutTrainOp, dropoutTrainGrad>(context);
    attach<CrossEntropyOp, crossEntropyGrad>(context);
    attach<MseOp, mseGrad>(context);
    attach<TripletLossOp, tripletLossGrad>(context);
    attach<L2NormalizeOp, l2NormalizeGrad>(context);
    attach<AddOp, addGrad>(context);
    attach<SubOp, subGrad>(context);
    attach<MulOp, mulGrad>(context);
    attach<DivOp, divGrad>(context);
    attach<FlattenOp, reshapeGrad<FlattenOp>>(context);
    attach<ReshapeOp, reshapeGrad<ReshapeOp>>(context);
    attach<TransposeOp, transposeGrad>(context);
    attach<ConcatOp, concatGrad>(context);
    attach<PadOp, padGrad>(context);
    attach<UpsampleOp, upsampleGrad>(context);
  });
}

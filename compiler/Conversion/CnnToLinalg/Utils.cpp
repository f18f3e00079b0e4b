//===- Utils.cpp - helpers shared by the cnn-to-linalg patterns -----------===//

#include "compiler/Conversion/CnnToLinalg/Utils.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::cnn;

Value mlir::cnn::emptyLike(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

Value mlir::cnn::constantFloat(OpBuilder &b, Location loc, Type type,
                               double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value mlir::cnn::filled(OpBuilder &b, Location loc, RankedTensorType type,
                        double value) {
  Value scalar = constantFloat(b, loc, type.getElementType(), value);
  return linalg::FillOp::create(b, loc, scalar, emptyLike(b, loc, type))
      .getResult(0);
}

Value mlir::cnn::indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

AffineMap mlir::cnn::broadcastMap(MLIRContext *context, ArrayRef<int64_t> shape,
                                  ArrayRef<int64_t> resultShape) {
  int64_t rank = resultShape.size(), offset = rank - shape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(shape)) {
    if (size == 1 && resultShape[offset + i] != 1)
      exprs.push_back(getAffineConstantExpr(0, context));
    else
      exprs.push_back(getAffineDimExpr(offset + i, context));
  }
  return AffineMap::get(rank, 0, exprs, context);
}

Value mlir::cnn::elementwise(OpBuilder &b, Location loc,
                             RankedTensorType resultType, ValueRange inputs,
                             ArrayRef<AffineMap> inputMaps, ElementFn fn) {
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{emptyLike(b, loc, resultType)}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, fn(nb, nloc, args));
      });
  return generic.getResult(0);
}

Value mlir::cnn::broadcastElementwise(OpBuilder &b, Location loc,
                                      RankedTensorType resultType,
                                      ValueRange inputs, ElementFn fn) {
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(broadcastMap(
        b.getContext(), cast<RankedTensorType>(input.getType()).getShape(),
        resultType.getShape()));
  return elementwise(b, loc, resultType, inputs, maps, fn);
}

Value mlir::cnn::reduceAxis(OpBuilder &b, Location loc, Value input,
                            int64_t axis, double init, ElementFn combine) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = 1;
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  MLIRContext *context = b.getContext();
  int64_t rank = type.getRank();
  SmallVector<AffineExpr> outExprs;
  for (int64_t d = 0; d < rank; ++d)
    outExprs.push_back(d == axis ? getAffineConstantExpr(0, context)
                                 : getAffineDimExpr(d, context));
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, outExprs, context)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[axis] = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{input},
      ValueRange{filled(b, loc, resultType, init)}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, combine(nb, nloc, args));
      });
  return generic.getResult(0);
}

Value mlir::cnn::padConstant(OpBuilder &b, Location loc, Value input,
                             ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                             double value) {
  if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(high, [](int64_t v) { return v == 0; }))
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape;
  for (auto [size, l, h] : llvm::zip_equal(type.getShape(), low, high))
    shape.push_back(size + l + h);
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value padValue = constantFloat(b, loc, type.getElementType(), value);
  return tensor::PadOp::create(b, loc, resultType, input,
                               getAsIndexOpFoldResult(b.getContext(), low),
                               getAsIndexOpFoldResult(b.getContext(), high),
                               padValue)
      .getResult();
}

Value mlir::cnn::reshapeTo(OpBuilder &b, Location loc, Value input,
                           RankedTensorType type) {
  auto inType = cast<RankedTensorType>(input.getType());
  if (inType == type)
    return input;
  Value flat = input;
  if (inType.getRank() != 1) {
    SmallVector<ReassociationIndices> all(1);
    for (int64_t d = 0; d < inType.getRank(); ++d)
      all[0].push_back(d);
    if (inType.getRank() == 0)
      all.clear();
    flat = tensor::CollapseShapeOp::create(b, loc, input, all);
  }
  if (type.getRank() == 1)
    return flat;
  SmallVector<ReassociationIndices> all(1);
  for (int64_t d = 0; d < type.getRank(); ++d)
    all[0].push_back(d);
  if (type.getRank() == 0)
    all.clear();
  return tensor::ExpandShapeOp::create(b, loc, type, flat, all);
}

Value mlir::cnn::sigmoid(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value one = constantFloat(b, loc, t, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

Value mlir::cnn::indexTable(OpBuilder &b, Location loc,
                            ArrayRef<int32_t> values) {
  auto type = RankedTensorType::get({(int64_t)values.size()}, b.getI32Type());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, values));
}

Value mlir::cnn::floatTable(OpBuilder &b, Location loc, ArrayRef<float> values) {
  auto type = RankedTensorType::get({(int64_t)values.size()}, b.getF32Type());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, values));
}

Value mlir::cnn::transpose(OpBuilder &b, Location loc, Value input,
                           ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape;
  for (int64_t d : perm)
    shape.push_back(type.getDimSize(d));
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(b, loc, input, init, perm).getResult()[0];
}

SmallVector<float> mlir::cnn::avgPoolDivisors(
    ArrayRef<int64_t> inShape, ArrayRef<int64_t> outShape,
    ArrayRef<int64_t> k, ArrayRef<int64_t> s, ArrayRef<int64_t> p,
    bool countIncludePad) {
  int64_t h = inShape[2], w = inShape[3];
  SmallVector<float> divisors;
  for (int64_t y = 0; y < outShape[2]; ++y) {
    for (int64_t x = 0; x < outShape[3]; ++x) {
      int64_t hs = y * s[0] - p[0], ws = x * s[1] - p[1];
      int64_t he = std::min(hs + k[0], h + p[2]);
      int64_t we = std::min(ws + k[1], w + p[3]);
      int64_t poolSize = (he - hs) * (we - ws);
      hs = std::max<int64_t>(hs, 0);
      ws = std::max<int64_t>(ws, 0);
      he = std::min(he, h);
      we = std::min(we, w);
      divisors.push_back(countIncludePad ? poolSize : (he - hs) * (we - ws));
    }
  }
  return divisors;
}

Value mlir::cnn::rowBlock(OpBuilder &b, Location loc, Value embeddings,
                          int64_t block) {
  auto type = cast<RankedTensorType>(embeddings.getType());
  int64_t n = type.getDimSize(0) / 3, d = type.getDimSize(1);
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({n, d}, type.getElementType()), embeddings,
      ArrayRef<OpFoldResult>{b.getIndexAttr(block * n), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(n), b.getIndexAttr(d)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
}

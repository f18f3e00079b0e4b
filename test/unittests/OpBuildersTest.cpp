//===- OpBuildersTest.cpp - cnn ops built in C++ infer their types --------===//
//
// Builders never take a result type: these tests build ops the way importers
// do and check the inferred shapes, and that invalid operands are refused.
//
//===----------------------------------------------------------------------===//

#include "dialects/cnn/IR/CnnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::cnn;

namespace {
class OpBuilders : public ::testing::Test {
protected:
  OpBuilders() : builder(&context) {
    context.loadDialect<CnnDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A placeholder value of the given shape (an unrealized cast has no
  /// semantics, which is all a builder test needs).
  Value value(ArrayRef<int64_t> shape) {
    auto type = RankedTensorType::get(shape, builder.getF32Type());
    return UnrealizedConversionCastOp::create(builder, builder.getUnknownLoc(),
                                              TypeRange{type}, ValueRange{})
        .getResult(0);
  }

  static SmallVector<int64_t> shapeOf(Value v) {
    return SmallVector<int64_t>(cast<RankedTensorType>(v.getType()).getShape());
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};
} // namespace

TEST_F(OpBuilders, Conv2DInfersStrideAndPadding) {
  Location loc = builder.getUnknownLoc();
  auto conv = Conv2DOp::create(
      builder, loc, value({1, 3, 224, 224}), value({64, 3, 7, 7}), value({64}),
      builder.getDenseI64ArrayAttr({2, 2}),
      builder.getDenseI64ArrayAttr({3, 3, 3, 3}),
      builder.getDenseI64ArrayAttr({1, 1}), builder.getI64IntegerAttr(1));
  EXPECT_EQ(shapeOf(conv), (SmallVector<int64_t>{1, 64, 112, 112}));
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(OpBuilders, DepthwiseConvWithoutBias) {
  Location loc = builder.getUnknownLoc();
  auto conv = Conv2DOp::create(
      builder, loc, value({1, 32, 112, 112}), value({32, 1, 3, 3}), Value(),
      builder.getDenseI64ArrayAttr({2, 2}),
      builder.getDenseI64ArrayAttr({0, 0, 1, 1}),
      builder.getDenseI64ArrayAttr({1, 1}), builder.getI64IntegerAttr(32));
  EXPECT_EQ(shapeOf(conv), (SmallVector<int64_t>{1, 32, 56, 56}));
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(OpBuilders, PoolCeilModeAndBroadcastAdd) {
  Location loc = builder.getUnknownLoc();
  auto pool = MaxPool2DOp::create(builder, loc, value({1, 64, 112, 112}),
                                  builder.getDenseI64ArrayAttr({3, 3}),
                                  builder.getDenseI64ArrayAttr({2, 2}),
                                  builder.getDenseI64ArrayAttr({0, 0, 0, 0}),
                                  builder.getDenseI64ArrayAttr({1, 1}),
                                  builder.getUnitAttr());
  EXPECT_EQ(shapeOf(pool), (SmallVector<int64_t>{1, 64, 56, 56}));
  auto add = AddOp::create(builder, loc, pool, value({64, 1, 1}));
  EXPECT_EQ(shapeOf(add), (SmallVector<int64_t>{1, 64, 56, 56}));
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(OpBuilders, InferenceRejectsInvalidOperands) {
  // Channels 6 are not divisible by 4 groups: inference fails without a
  // location (no diagnostic) and reports with one.
  SmallVector<Type> types;
  Value input = value({1, 6, 8, 8}), filter = value({8, 2, 3, 3});
  Conv2DOp::Properties props;
  props.setGroups(builder.getI64IntegerAttr(4));
  props.setStride(builder.getDenseI64ArrayAttr({1, 1}));
  props.setPadding(builder.getDenseI64ArrayAttr({0, 0, 0, 0}));
  props.setDilation(builder.getDenseI64ArrayAttr({1, 1}));
  EXPECT_TRUE(failed(Conv2DOp::inferReturnTypes(
      &context, std::nullopt, ValueRange{input, filter}, DictionaryAttr(),
      &props, RegionRange(), types)));

  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  EXPECT_TRUE(failed(Conv2DOp::inferReturnTypes(
      &context, builder.getUnknownLoc(), ValueRange{input, filter},
      DictionaryAttr(), &props, RegionRange(), types)));
  EXPECT_EQ(message, "'cnn.conv2d' op input channels (6) are not divisible by "
                     "groups (4)");
}

TEST_F(OpBuilders, ReshapeInfersMinusOne) {
  Location loc = builder.getUnknownLoc();
  auto reshape = ReshapeOp::create(builder, loc, value({1, 256, 6, 6}),
                                   builder.getDenseI64ArrayAttr({1, -1}));
  EXPECT_EQ(shapeOf(reshape), (SmallVector<int64_t>{1, 9216}));
}

//===- ShapeHelpersTest.cpp - output-size formulas against PyTorch --------===//
//
// Expected values were produced by PyTorch (torch.nn.functional.conv2d,
// conv_transpose2d, max_pool2d, avg_pool2d, interpolate) on the same
// configurations.
//
//===----------------------------------------------------------------------===//

#include "dialects/cnn/IR/ShapeHelpers.h"

#include <gtest/gtest.h>

using namespace mlir::cnn::shape;

TEST(ShapeHelpers, FloorDivRoundsTowardsNegativeInfinity) {
  EXPECT_EQ(floorDiv(7, 2), 3);
  EXPECT_EQ(floorDiv(-1, 2), -1);
  EXPECT_EQ(floorDiv(-4, 2), -2);
  EXPECT_EQ(floorDiv(0, 3), 0);
}

TEST(ShapeHelpers, ConvOutputSize) {
  // ResNet stem: 224, k7, s2, p3 -> 112.
  EXPECT_EQ(convOutputSize(224, 7, 2, 3, 3, 1), 112);
  // 3x3 same padding.
  EXPECT_EQ(convOutputSize(56, 3, 1, 1, 1, 1), 56);
  // Dilation 2, k3, no padding: 10 -> 6.
  EXPECT_EQ(convOutputSize(10, 3, 1, 0, 0, 2), 6);
  // Stride that does not divide: 8, k3, s2 -> 3.
  EXPECT_EQ(convOutputSize(8, 3, 2, 0, 0, 1), 3);
  // Asymmetric padding (F.pad by 0/1, then conv): 7, k3, s2 -> 3.
  EXPECT_EQ(convOutputSize(7, 3, 2, 0, 1, 1), 3);
  // TensorFlow's SAME for 8, k3, s2 pads 0/1 -> 4.
  EXPECT_EQ(convOutputSize(8, 3, 2, 0, 1, 1), 4);
  // Kernel larger than the padded input gives a size below 1.
  EXPECT_LT(convOutputSize(2, 5, 1, 1, 1, 1), 1);
  EXPECT_EQ(convOutputSize(kDynamicSize, 3, 1, 1, 1, 1), kDynamicSize);
}

TEST(ShapeHelpers, ConvTransposeOutputSize) {
  // U-Net up-convolution: 28, k2, s2 -> 56.
  EXPECT_EQ(convTransposeOutputSize(28, 2, 2, 0, 0, 1, 0), 56);
  // k3, s2, p1, output_padding 1: 7 -> 14.
  EXPECT_EQ(convTransposeOutputSize(7, 3, 2, 1, 1, 1, 1), 14);
  // Dilation 2, k3: 5 -> 9.
  EXPECT_EQ(convTransposeOutputSize(5, 3, 1, 0, 0, 2, 0), 9);
  // Stride 3, k4, p1, output_padding 2: 4 -> 13.
  EXPECT_EQ(convTransposeOutputSize(4, 4, 3, 1, 1, 1, 2), 13);
}

TEST(ShapeHelpers, PoolOutputSizeFloorAndCeil) {
  // ResNet max pool: 112, k3, s2, p1 -> 56.
  EXPECT_EQ(poolOutputSize(112, 3, 2, 1, 1, 1, false), 56);
  // GoogLeNet: 112, k3, s2, ceil_mode -> 56; floor would give 55.
  EXPECT_EQ(poolOutputSize(112, 3, 2, 0, 0, 1, true), 56);
  EXPECT_EQ(poolOutputSize(112, 3, 2, 0, 0, 1, false), 55);
  // ceil_mode drops a last window that would start in the padding:
  // 5, k2, s2, p1 -> floor 3, ceil 3 (not 4).
  EXPECT_EQ(poolOutputSize(5, 2, 2, 1, 1, 1, false), 3);
  EXPECT_EQ(poolOutputSize(5, 2, 2, 1, 1, 1, true), 3);
  // 6, k3, s2, p1, ceil: the 4th window starts at 6 < 6 + 1, so it stays.
  EXPECT_EQ(poolOutputSize(6, 3, 2, 1, 1, 1, true), 4);
  EXPECT_EQ(poolOutputSize(6, 3, 2, 1, 1, 1, false), 3);
  // Dilated window: 10, k3, d2, s1 -> 6.
  EXPECT_EQ(poolOutputSize(10, 3, 1, 0, 0, 2, false), 6);
  // 14, k2, s2, ceil -> 7 (exact, no extra window).
  EXPECT_EQ(poolOutputSize(14, 2, 2, 0, 0, 1, true), 7);
  // 13, k2, s2, ceil -> 7; floor -> 6.
  EXPECT_EQ(poolOutputSize(13, 2, 2, 0, 0, 1, true), 7);
  EXPECT_EQ(poolOutputSize(13, 2, 2, 0, 0, 1, false), 6);
}

TEST(ShapeHelpers, UpsampleOutputSize) {
  EXPECT_EQ(upsampleOutputSize(13, 2.0), 26);
  EXPECT_EQ(upsampleOutputSize(5, 1.5), 7);
  EXPECT_EQ(upsampleOutputSize(7, 0.5), 3);
}

TEST(ShapeHelpers, AdaptiveWindows) {
  // 14 -> 7: windows of 2.
  EXPECT_EQ(adaptiveWindowStart(3, 14, 7), 6);
  EXPECT_EQ(adaptiveWindowEnd(3, 14, 7), 8);
  // 10 -> 4: windows [0,3) [2,5) [5,8) [7,10).
  EXPECT_EQ(adaptiveWindowStart(1, 10, 4), 2);
  EXPECT_EQ(adaptiveWindowEnd(1, 10, 4), 5);
  EXPECT_EQ(adaptiveWindowStart(3, 10, 4), 7);
  EXPECT_EQ(adaptiveWindowEnd(3, 10, 4), 10);
}

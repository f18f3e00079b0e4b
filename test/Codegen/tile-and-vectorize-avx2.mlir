// RUN: cnn-opt %s --pass-pipeline="builtin.module(func.func(cnn-cpu-tile-and-vectorize{vector-width=8}),canonicalize,cse,loop-invariant-subset-hoisting,canonicalize)" --split-input-file | FileCheck %s

// With AVX2 (8 lanes, 16 vector registers) a register tile fits beside its
// row's vectors and a broadcast: at most 12 accumulators. A 1x1 convolution
// of 32 filters at a width of 28 takes tiles of 4 pixels x 16 filters (8
// accumulators; 6 does not divide 28), not the 7 x 16 that spilled.
// CHECK-LABEL: func @conv_1x1
// CHECK: scf.forall (%{{.+}}) in (28)
// CHECK: scf.for %{{.+}} = %c0 to %c32 step %c16
// CHECK:   scf.for %{{.+}} = %c0 to %c28 step %c4
// CHECK:     vector.contract {{.*}} : vector<1x4x1xf32>, vector<1x16xf32> into vector<1x4x16xf32>
// CHECK-NOT: vector<1x7x16xf32>
func.func @conv_1x1(%x: tensor<1x28x28x64xf32>, %w: tensor<1x1x64x32xf32>, %acc: tensor<1x28x28x32xf32>) -> tensor<1x28x28x32xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x28x28x64xf32>, tensor<1x1x64x32xf32>) outs(%acc : tensor<1x28x28x32xf32>) -> tensor<1x28x28x32xf32>
  return %0 : tensor<1x28x28x32xf32>
}

// -----

// A width of 14 has no divisor from 4 to 6: it is split into 10 columns
// (tiles of 5 pixels) and 4 (one tile of 4), as a prime width is.
// CHECK-LABEL: func @conv_width_14
// CHECK-DAG: vector.contract {{.*}} : vector<1x5x1xf32>, vector<1x16xf32> into vector<1x5x16xf32>
// CHECK-DAG: vector.contract {{.*}} : vector<1x4x1xf32>, vector<1x16xf32> into vector<1x4x16xf32>
func.func @conv_width_14(%x: tensor<1x16x16x16xf32>, %w: tensor<3x3x16x16xf32>, %acc: tensor<1x14x14x16xf32>) -> tensor<1x14x14x16xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x16x16x16xf32>, tensor<3x3x16x16xf32>) outs(%acc : tensor<1x14x14x16xf32>) -> tensor<1x14x14x16xf32>
  return %0 : tensor<1x14x14x16xf32>
}

// -----

// A depthwise convolution's tiles take the same bound: 4 pixels x 16
// channels at a width of 28.
// CHECK-LABEL: func @depthwise
// CHECK: vector.fma {{.*}} : vector<1x4x16xf32>
// CHECK-NOT: vector<1x7x16xf32>
func.func @depthwise(%x: tensor<1x30x30x32xf32>, %w: tensor<3x3x32xf32>, %acc: tensor<1x28x28x32xf32>) -> tensor<1x28x28x32xf32> {
  %0 = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x30x30x32xf32>, tensor<3x3x32xf32>) outs(%acc : tensor<1x28x28x32xf32>) -> tensor<1x28x28x32xf32>
  return %0 : tensor<1x28x28x32xf32>
}

// -----

// A matmul's tiles: 6 rows x 16 columns (12 accumulators), not 8 x 16.
// CHECK-LABEL: func @matmul
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
// CHECK-NOT: vector<8x16xf32>
func.func @matmul(%a: tensor<24x64xf32>, %b: tensor<64x64xf32>, %acc: tensor<24x64xf32>) -> tensor<24x64xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<24x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<24x64xf32>) -> tensor<24x64xf32>
  return %0 : tensor<24x64xf32>
}

// cnn-infer-shapes refines dynamic result types from the operands forward.
// RUN: cnn-opt %s -cnn-infer-shapes -split-input-file | FileCheck %s

// A chain written with unknown sizes becomes fully static, and the function
// returns the refined type.
// CHECK-LABEL: func @chain
// CHECK-SAME: -> tensor<1x10xf32>
// CHECK: cnn.conv2d {{.*}} -> tensor<1x8x16x16xf32>
// CHECK: cnn.relu {{.*}} : tensor<1x8x16x16xf32>
// CHECK: cnn.max_pool2d {{.*}} -> tensor<1x8x8x8xf32>
// CHECK: cnn.global_avg_pool2d {{.*}} -> tensor<1x8x1x1xf32>
// CHECK: cnn.flatten {{.*}} -> tensor<1x8xf32>
// CHECK: cnn.dense {{.*}} -> tensor<1x10xf32>
// CHECK: return {{.*}} : tensor<1x10xf32>
func.func @chain(%x: tensor<1x3x32x32xf32>, %w: tensor<8x3x3x3xf32>, %fw: tensor<10x8xf32>) -> tensor<?x?xf32> {
  %0 = cnn.conv2d %x, %w stride [2, 2] padding [1, 1, 1, 1] : (tensor<1x3x32x32xf32>, tensor<8x3x3x3xf32>) -> tensor<?x?x?x?xf32>
  %1 = cnn.relu %0 : tensor<?x?x?x?xf32>
  %2 = cnn.max_pool2d %1 kernel [2, 2] stride [2, 2] : tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
  %3 = cnn.global_avg_pool2d %2 : tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
  %4 = cnn.flatten %3 : tensor<?x?x?x?xf32> -> tensor<?x?xf32>
  %5 = cnn.dense %4, %fw : (tensor<?x?xf32>, tensor<10x8xf32>) -> tensor<?x?xf32>
  return %5 : tensor<?x?xf32>
}

// -----

// A dynamic batch stays dynamic; everything else is refined.
// CHECK-LABEL: func @dynamic_batch
// CHECK: cnn.conv2d {{.*}} -> tensor<?x4x6x6xf32>
// CHECK: cnn.upsample {{.*}} -> tensor<?x4x12x12xf32>
// CHECK: cnn.concat {{.*}} -> tensor<?x8x12x12xf32>
func.func @dynamic_batch(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x?x?x?xf32> {
  %0 = cnn.conv2d %x, %w : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x?x?x?xf32>
  %1 = cnn.upsample %0 nearest scale [2.0, 2.0] : tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
  %2 = cnn.concat %1, %1 axis 1 : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  return %2 : tensor<?x?x?x?xf32>
}

// -----

// Users outside the cnn dialect keep the type they expect through a cast.
// CHECK-LABEL: func @foreign_user
// CHECK: %[[P:.+]] = cnn.avg_pool2d {{.*}} -> tensor<1x2x2x2xf32>
// CHECK: %[[C:.+]] = tensor.cast %[[P]] : tensor<1x2x2x2xf32> to tensor<?x?x?x?xf32>
// CHECK: tensor.dim %[[C]]
func.func @foreign_user(%x: tensor<1x2x4x4xf32>) -> index {
  %c0 = arith.constant 0 : index
  %0 = cnn.avg_pool2d %x kernel [2, 2] stride [2, 2] : tensor<1x2x4x4xf32> -> tensor<?x?x?x?xf32>
  %1 = tensor.dim %0, %c0 : tensor<?x?x?x?xf32>
  return %1 : index
}

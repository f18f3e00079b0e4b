// RUN: cnn-opt %s --convert-cnn-to-linalg --split-input-file | FileCheck %s

// CHECK-LABEL: func @concat
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x5x2x2xf32>
// CHECK: %[[A:.+]] = tensor.insert_slice %{{.+}} into %[[E]][0, 0, 0, 0] [1, 2, 2, 2] [1, 1, 1, 1]
// CHECK: tensor.insert_slice %{{.+}} into %[[A]][0, 2, 0, 0] [1, 3, 2, 2] [1, 1, 1, 1]
func.func @concat(%a: tensor<1x2x2x2xf32>, %b: tensor<1x3x2x2xf32>) -> tensor<1x5x2x2xf32> {
  %0 = cnn.concat %a, %b axis 1 : (tensor<1x2x2x2xf32>, tensor<1x3x2x2xf32>) -> tensor<1x5x2x2xf32>
  return %0 : tensor<1x5x2x2xf32>
}

// -----

// Flatten goes through a rank-1 collapse (row-major order).
// CHECK-LABEL: func @flatten
// CHECK: %[[F:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2, 3]] : tensor<2x3x2x2xf32> into tensor<24xf32>
// CHECK: tensor.expand_shape %[[F]] {{\[\[}}0, 1]] output_shape [2, 12] : tensor<24xf32> into tensor<2x12xf32>
func.func @flatten(%a: tensor<2x3x2x2xf32>) -> tensor<2x12xf32> {
  %0 = cnn.flatten %a : tensor<2x3x2x2xf32> -> tensor<2x12xf32>
  return %0 : tensor<2x12xf32>
}

// -----

// Reflect padding gathers through per-dimension source-index tables:
// for size 3 and pads 2/1: [2, 1, 0, 1, 2, 1].
// CHECK-LABEL: func @pad_reflect
// CHECK: arith.constant dense<[2, 1, 0, 1, 2, 1]> : tensor<6xi32>
// CHECK: tensor.extract
func.func @pad_reflect(%a: tensor<1x1x3x3xf32>) -> tensor<1x1x6x3xf32> {
  %0 = cnn.pad %a pads [0, 0, 2, 0, 0, 0, 1, 0] mode reflect : tensor<1x1x3x3xf32> -> tensor<1x1x6x3xf32>
  return %0 : tensor<1x1x6x3xf32>
}

// -----

// Nearest upsampling by 2 reads source row floor(i / 2).
// CHECK-LABEL: func @upsample_nearest
// CHECK: arith.constant dense<[0, 0, 1, 1, 2, 2]> : tensor<6xi32>
func.func @upsample_nearest(%a: tensor<1x1x3x3xf32>) -> tensor<1x1x6x6xf32> {
  %0 = cnn.upsample %a nearest scale [2.0, 2.0] : tensor<1x1x3x3xf32> -> tensor<1x1x6x6xf32>
  return %0 : tensor<1x1x6x6xf32>
}

// -----

// Bilinear with align_corners maps corners onto corners: 3 -> 5 samples at
// 0, 0.5, 1, 1.5, 2 (low rows 0 0 1 1 2, weights 0 .5 0 .5 0).
// CHECK-LABEL: func @upsample_bilinear
// CHECK-DAG: arith.constant dense<[0, 0, 1, 1, 2]> : tensor<5xi32>
// CHECK-DAG: arith.constant dense<[1, 1, 2, 2, 2]> : tensor<5xi32>
// CHECK-DAG: arith.constant dense<[0.000000e+00, 5.000000e-01, 0.000000e+00, 5.000000e-01, 0.000000e+00]> : tensor<5xf32>
func.func @upsample_bilinear(%a: tensor<1x1x3x3xf32>) -> tensor<1x1x5x5xf32> {
  %0 = cnn.upsample %a bilinear size [5, 5] align_corners : tensor<1x1x3x3xf32> -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}

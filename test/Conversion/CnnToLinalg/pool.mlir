// RUN: cnn-opt %s --convert-cnn-to-linalg --split-input-file | FileCheck %s
// RUN: cnn-opt %s --convert-cnn-to-linalg --split-input-file --canonicalize --cse | FileCheck %s --check-prefix=PAD

// ceil_mode's last window needs one more row and column of -inf padding.
// CHECK-LABEL: func @max_pool_ceil
// CHECK: %[[T:.+]] = linalg.transpose ins(%{{.+}} : tensor<1x2x5x5xf32>) outs(%{{.+}} : tensor<1x5x5x2xf32>) permutation = [0, 2, 3, 1]
// CHECK: %[[NEG:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[P:.+]] = tensor.pad %[[T]] low[0, 0, 0, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %[[NEG]]
// CHECK: %[[INIT:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<1x3x3x2xf32>)
// CHECK: %[[M:.+]] = linalg.pooling_nhwc_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%[[P]], %{{.+}} : tensor<1x6x6x2xf32>, tensor<2x2xf32>) outs(%[[INIT]] : tensor<1x3x3x2xf32>)
// CHECK: linalg.transpose ins(%[[M]] : tensor<1x3x3x2xf32>) outs(%{{.+}} : tensor<1x2x3x3xf32>) permutation = [0, 3, 1, 2]
func.func @max_pool_ceil(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %0 = cnn.max_pool2d %x kernel [2, 2] stride [2, 2] ceil_mode : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

// Without count_include_pad the divisor counts only input positions: windows
// at the border see 2x2, 2x3 and 3x3 of them.
// CHECK-LABEL: func @avg_pool_exclude_pad
// CHECK: %[[S:.+]] = linalg.pooling_nhwc_sum {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x6x6x2xf32>, tensor<3x3xf32>)
// CHECK: %[[SUM:.+]] = linalg.transpose ins(%[[S]] : tensor<1x2x2x2xf32>)
// CHECK: %[[DIV:.+]] = arith.constant dense<{{\[\[}}4.000000e+00, 6.000000e+00], [6.000000e+00, 9.000000e+00]]> : tensor<2x2xf32>
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[DIV]] : tensor<1x2x2x2xf32>, tensor<2x2xf32>)
// CHECK: arith.divf
func.func @avg_pool_exclude_pad(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %0 = cnn.avg_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] count_include_pad = false : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x2x2xf32>
}

// -----

// With count_include_pad every full window divides by 9.
// CHECK-LABEL: func @avg_pool_include_pad
// CHECK: arith.constant dense<9.000000e+00> : tensor<2x2xf32>
func.func @avg_pool_include_pad(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %0 = cnn.avg_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x2x2xf32>
}

// -----

// Global pooling reduces height and width, then restores the unit dims.
// CHECK-LABEL: func @global_max
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%{{.+}} : tensor<1x2x4x4xf32>) outs(%{{.+}} : tensor<1x2xf32>)
// CHECK: arith.maximumf
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2, 3]] output_shape [1, 2, 1, 1]
func.func @global_max(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32> {
  %0 = cnn.global_max_pool2d %x : tensor<1x2x4x4xf32> -> tensor<1x2x1x1xf32>
  return %0 : tensor<1x2x1x1xf32>
}

// -----

// Uneven adaptive windows: per-cell starts and sizes as tables (5 -> 3:
// [0,2) [1,4) [3,5)), a 3-wide reduction masked per cell.
// CHECK-LABEL: func @adaptive_uneven
// CHECK-DAG: arith.constant dense<[0, 1, 3]> : tensor<3xi32>
// CHECK-DAG: arith.constant dense<[2, 3, 2]> : tensor<3xi32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK: tensor.extract
// CHECK: arith.select
func.func @adaptive_uneven(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %0 = cnn.adaptive_avg_pool2d %x output_size [3, 3] : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

// A max pool of ReLU outputs (here joined by a concat and pooled once
// before) pads with 0: every window holds an input element, which is at
// least 0, so the padding never wins either way. Its first pool, of the
// raw input, pads with -inf.
// PAD-LABEL: func @max_pool_non_negative
// PAD-DAG: %[[NINF:.+]] = arith.constant 0xFF800000 : f32
// PAD-DAG: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// PAD: tensor.pad %{{.+}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// PAD-NEXT: ^bb0
// PAD-NEXT: tensor.yield %[[NINF]] : f32
// PAD-NEXT: } : tensor<1x4x4x2xf32> to tensor<1x6x6x2xf32>
// PAD: tensor.pad %{{.+}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// PAD-NEXT: ^bb0
// PAD-NEXT: tensor.yield %[[ZERO]] : f32
// PAD-NEXT: } : tensor<1x4x4x2xf32> to tensor<1x6x6x2xf32>
// PAD: tensor.pad %{{.+}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// PAD-NEXT: ^bb0
// PAD-NEXT: tensor.yield %[[ZERO]] : f32
// PAD-NEXT: } : tensor<1x4x4x4xf32> to tensor<1x6x6x4xf32>
func.func @max_pool_non_negative(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x4x4x4xf32>) {
  %p = cnn.max_pool2d %x kernel [3, 3] stride [1, 1] padding [1, 1, 1, 1] : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %r = cnn.relu %x : tensor<1x2x4x4xf32>
  %m = cnn.max_pool2d %r kernel [3, 3] stride [1, 1] padding [1, 1, 1, 1] : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %c = cnn.concat %m, %r axis 1 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %0 = cnn.max_pool2d %c kernel [3, 3] stride [1, 1] padding [1, 1, 1, 1] : tensor<1x4x4x4xf32> -> tensor<1x4x4x4xf32>
  return %p, %0 : tensor<1x2x4x4xf32>, tensor<1x4x4x4xf32>
}

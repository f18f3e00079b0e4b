// RUN: cnn-opt %s --pass-pipeline='builtin.module(func.func(cnn-fuse-elementwise))' --split-input-file | FileCheck %s

// The flatten before a dense layer stays a collapse_shape: the matmul is not
// rewritten into a generic contraction over the flattened dimensions. The
// bias broadcast stays the matmul's init and the relu stays after it.

#bias = affine_map<(d0, d1) -> (d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @flatten_dense_relu
// CHECK:         %[[F:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0], [1, 2, 3]] : tensor<1x8x2x2xf32> into tensor<1x32xf32>
// CHECK:         %[[B:.+]] = linalg.generic
// CHECK:         %[[Y:.+]] = linalg.matmul ins(%[[F]], %{{.+}} : tensor<1x32xf32>, tensor<32x16xf32>) outs(%[[B]] : tensor<1x16xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[Y]] : tensor<1x16xf32>)
// CHECK:           arith.maximumf
// CHECK-NOT:     linalg.generic
func.func @flatten_dense_relu(%x: tensor<1x8x2x2xf32>, %w: tensor<32x16xf32>,
                              %b: tensor<16xf32>) -> tensor<1x16xf32> {
  %zero = arith.constant 0.0 : f32
  %f = tensor.collapse_shape %x [[0], [1, 2, 3]]
      : tensor<1x8x2x2xf32> into tensor<1x32xf32>
  %e = tensor.empty() : tensor<1x16xf32>
  %init = linalg.generic {indexing_maps = [#bias, #id2],
                          iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<16xf32>) outs(%e : tensor<1x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16xf32>
  %y = linalg.matmul ins(%f, %w : tensor<1x32xf32>, tensor<32x16xf32>)
                     outs(%init : tensor<1x16xf32>) -> tensor<1x16xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2],
                       iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<1x16xf32>) outs(%e : tensor<1x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x16xf32>
  return %r : tensor<1x16xf32>
}

// -----

// Elementwise chains still fuse, and a reshape between two elementwise ops
// still folds away by expansion.

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @elementwise_chain
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         linalg.generic
// CHECK:           arith.addf
// CHECK:           arith.maximumf
// CHECK-NOT:     linalg.generic
// CHECK:         tensor.collapse_shape
func.func @elementwise_chain(%x: tensor<1x4x2x2xf32>, %y: tensor<1x4x2x2xf32>)
    -> tensor<1x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x2x2xf32>
  %s = linalg.generic {indexing_maps = [#id4, #id4, #id4],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %y : tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>)
      outs(%e : tensor<1x4x2x2xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %t = arith.addf %a, %b : f32
    linalg.yield %t : f32
  } -> tensor<1x4x2x2xf32>
  %f = tensor.collapse_shape %s [[0], [1, 2, 3]]
      : tensor<1x4x2x2xf32> into tensor<1x16xf32>
  %e2 = tensor.empty() : tensor<1x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%f : tensor<1x16xf32>) outs(%e2 : tensor<1x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x16xf32>
  return %r : tensor<1x16xf32>
}

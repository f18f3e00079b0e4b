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

// -----

// A per-channel computation (a folded batch norm's bias) is not fused into
// the generic that broadcasts it over the output: fused, it would run its
// sqrt and div once per output element instead of once per channel.

#ch = affine_map<(d0) -> (d0)>
#bcast = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-LABEL: func.func @bias_broadcast
// CHECK:         %[[B:.+]] = linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<16xf32>, tensor<16xf32>) outs(%{{.+}} : tensor<16xf32>)
// CHECK:           math.sqrt
// CHECK:         linalg.generic {{.*}} ins(%[[B]] : tensor<16xf32>) outs(%{{.+}} : tensor<1x8x8x16xf32>)
// CHECK-NOT:       math.sqrt
// CHECK:           linalg.yield
func.func @bias_broadcast(%var: tensor<16xf32>, %beta: tensor<16xf32>)
    -> tensor<1x8x8x16xf32> {
  %e = tensor.empty() : tensor<16xf32>
  %b = linalg.generic {indexing_maps = [#ch, #ch, #ch],
                       iterator_types = ["parallel"]}
      ins(%var, %beta : tensor<16xf32>, tensor<16xf32>)
      outs(%e : tensor<16xf32>) {
  ^bb0(%v: f32, %be: f32, %out: f32):
    %s = math.sqrt %v : f32
    %d = arith.divf %be, %s : f32
    linalg.yield %d : f32
  } -> tensor<16xf32>
  %e4 = tensor.empty() : tensor<1x8x8x16xf32>
  %r = linalg.generic {indexing_maps = [#bcast, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<16xf32>) outs(%e4 : tensor<1x8x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x8x16xf32>
  return %r : tensor<1x8x8x16xf32>
}

// -----

// An elementwise generic over one dimension (an optimizer's update over a
// filter's elements) stays in one dimension: the reshapes around it do not
// fold into it, which would give it the filter's innermost dimension of 3.
// CHECK-LABEL: func.func @flat_update
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2, 3]] : tensor<4x3x3x3xf32> into tensor<108xf32>
// CHECK: %[[R:.+]] = linalg.generic {{.+}} iterator_types = ["parallel"]} ins(%[[FLAT]], %{{.+}} : tensor<108xf32>, tensor<108xf32>)
// CHECK: tensor.expand_shape %[[R]] {{\[\[}}0, 1, 2, 3]] output_shape [4, 3, 3, 3]
func.func @flat_update(%g: tensor<4x3x3x3xf32>, %p: tensor<108xf32>) -> tensor<4x3x3x3xf32> {
  %flat = tensor.collapse_shape %g [[0, 1, 2, 3]] : tensor<4x3x3x3xf32> into tensor<108xf32>
  %e = tensor.empty() : tensor<108xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%flat, %p : tensor<108xf32>, tensor<108xf32>) outs(%e : tensor<108xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %0 = arith.subf %b, %a : f32
    linalg.yield %0 : f32
  } -> tensor<108xf32>
  %back = tensor.expand_shape %r [[0, 1, 2, 3]] output_shape [4, 3, 3, 3] : tensor<108xf32> into tensor<4x3x3x3xf32>
  return %back : tensor<4x3x3x3xf32>
}

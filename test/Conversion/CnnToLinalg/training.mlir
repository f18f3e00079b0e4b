// The training ops lower to linalg on tensors: the filter gradient is one
// generic over [groups, F/groups, C/groups, kh, kw] reducing batch and output
// pixels; max-pool gradients find each window's first maximum, then add
// each window offset's gradients into a strided slice;
// optimizer updates are one parallel generic with a result per output, over
// the tensors collapsed to one dimension.
// RUN: cnn-opt %s -convert-cnn-to-linalg | FileCheck %s

// CHECK-DAG: #[[XMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d0, d2, d6 * 2 + d3, d7 * 2 + d4)>
// CHECK-DAG: #[[DYMAP:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d0, d1, d6, d7)>
// CHECK-LABEL: func.func @filter_grad
// CHECK: %[[P:.+]] = tensor.pad %{{.+}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[XG:.+]] = tensor.expand_shape %[[P]] {{\[\[}}0], [1, 2], [3], [4]] output_shape [2, 2, 2, 8, 8]
// CHECK: %[[DYG:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [2, 2, 3, 3, 3]
// CHECK: %[[G:.+]] = linalg.generic {indexing_maps = [#[[XMAP]], #[[DYMAP]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[XG]], %[[DYG]] : {{.+}}) outs(%{{.+}} : tensor<2x3x2x3x3xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.collapse_shape %[[G]] {{\[\[}}0, 1], [2], [3], [4]] : tensor<2x3x2x3x3xf32> into tensor<6x2x3x3xf32>
func.func @filter_grad(%x: tensor<2x4x6x6xf32>, %dy: tensor<2x6x3x3xf32>) -> tensor<6x2x3x3xf32> {
  %0 = cnn.conv2d_filter_grad %x, %dy kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] groups 2 : tensor<2x4x6x6xf32>, tensor<2x6x3x3xf32> -> tensor<6x2x3x3xf32>
  return %0 : tensor<6x2x3x3xf32>
}

// CHECK-LABEL: func.func @max_pool_grad
// The first maximum per window as its offset i * kw + j, -1 until found.
// CHECK: %[[ARG:.+]]:2 = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK: arith.cmpf ugt
// CHECK: -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>)
// Then per window offset, an elementwise generic over the windows adds the
// gradient of the windows whose maximum it is into a strided slice of the
// input gradient: offset (0, 1) is the slice from column 1, of stride 2.
// CHECK: %[[ZERO:.+]] = linalg.fill
// CHECK: %[[S0:.+]] = tensor.extract_slice %[[ZERO]][0, 0, 0, 0] [1, 2, 2, 2] [1, 1, 2, 2]
// CHECK: %[[G0:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%{{.+}}, %[[ARG]]#1 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xi64>) outs(%[[S0]] : tensor<1x2x2x2xf32>)
// CHECK: arith.cmpi eq, %{{.+}}, %{{.+}} : i64
// CHECK: %[[D0:.+]] = tensor.insert_slice %[[G0]] into %[[ZERO]][0, 0, 0, 0] [1, 2, 2, 2] [1, 1, 2, 2]
// CHECK: tensor.extract_slice %[[D0]][0, 0, 0, 1] [1, 2, 2, 2] [1, 1, 2, 2]
// CHECK-NOT: tensor.extract %
// CHECK: return
func.func @max_pool_grad(%x: tensor<1x2x4x4xf32>, %dy: tensor<1x2x2x2xf32>) -> tensor<1x2x4x4xf32> {
  %0 = cnn.max_pool2d_grad %x, %dy kernel [2, 2] stride [2, 2] : tensor<1x2x4x4xf32>, tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// A window of more cells than 16 (a global pool's) gathers instead: one
// generic over the input, reading the window's maximum offset.
// CHECK-LABEL: func.func @global_max_pool_grad
// CHECK: %[[ARG:.+]]:2 = linalg.generic
// CHECK: linalg.generic {{.+}} outs(%{{.+}} : tensor<1x2x5x5xf32>)
// CHECK: tensor.extract %[[ARG]]#1
// CHECK: arith.cmpi eq
// CHECK-NOT: tensor.insert_slice
// CHECK: return
func.func @global_max_pool_grad(%x: tensor<1x2x5x5xf32>, %dy: tensor<1x2x1x1xf32>) -> tensor<1x2x5x5xf32> {
  %0 = cnn.max_pool2d_grad %x, %dy kernel [5, 5] stride [5, 5] : tensor<1x2x5x5xf32>, tensor<1x2x1x1xf32>
  return %0 : tensor<1x2x5x5xf32>
}

// CHECK-LABEL: func.func @reduce_sum
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}], iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%{{.+}} : tensor<2x4x3x3xf32>) outs(%{{.+}} : tensor<4xf32>)
func.func @reduce_sum(%x: tensor<2x4x3x3xf32>) -> tensor<4xf32> {
  %0 = cnn.reduce_sum %x dims [0, 2, 3] : tensor<2x4x3x3xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// CHECK-LABEL: func.func @sgd
// CHECK: %[[U:.+]]:2 = linalg.generic {{.+}} iterator_types = ["parallel"]} ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<f32>)
// CHECK: ^bb0(%[[P:[^:]+]]: f32, %[[G:[^:]+]]: f32, %[[B:[^:]+]]: f32, %[[LR:[^:]+]]: f32
// CHECK: %[[MB:.+]] = arith.mulf %[[B]], %{{.+}}
// CHECK: %[[NB:.+]] = arith.addf %[[MB]], %[[G]]
// CHECK: %[[STEP:.+]] = arith.mulf %[[LR]], %[[NB]]
// CHECK: %[[NP:.+]] = arith.subf %[[P]], %[[STEP]]
// CHECK: linalg.yield %[[NP]], %[[NB]]
// CHECK: return %[[U]]#0, %[[U]]#1
func.func @sgd(%p: tensor<8xf32>, %lr: tensor<f32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %0:2 = cnn.sgd_update %p, %p, %p, %lr momentum 0.9 : tensor<8xf32>, tensor<f32>
  return %0#0, %0#1 : tensor<8xf32>, tensor<8xf32>
}

// A filter's update runs over its elements in one dimension.
// CHECK-LABEL: func.func @sgd_filter
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2, 3]] : tensor<4x3x3x3xf32> into tensor<108xf32>
// CHECK: %[[U:.+]]:2 = linalg.generic {{.+}} iterator_types = ["parallel"]} ins({{.+}} : tensor<108xf32>, tensor<108xf32>, tensor<108xf32>, tensor<f32>)
// CHECK: %[[P:.+]] = tensor.expand_shape %[[U]]#0 {{\[\[}}0, 1, 2, 3]] output_shape [4, 3, 3, 3]
// CHECK: %[[M:.+]] = tensor.expand_shape %[[U]]#1 {{\[\[}}0, 1, 2, 3]] output_shape [4, 3, 3, 3]
// CHECK: return %[[P]], %[[M]]
func.func @sgd_filter(%p: tensor<4x3x3x3xf32>, %lr: tensor<f32>) -> (tensor<4x3x3x3xf32>, tensor<4x3x3x3xf32>) {
  %0:2 = cnn.sgd_update %p, %p, %p, %lr momentum 0.9 : tensor<4x3x3x3xf32>, tensor<f32>
  return %0#0, %0#1 : tensor<4x3x3x3xf32>, tensor<4x3x3x3xf32>
}

// CHECK-LABEL: func.func @adam
// Step-dependent scalars once, outside the per-element generic.
// CHECK: math.powf
// CHECK: math.powf
// CHECK: %[[U:.+]]:3 = linalg.generic
// CHECK: math.sqrt
// CHECK: linalg.yield
func.func @adam(%p: tensor<8xf32>, %lr: tensor<f32>) -> tensor<8xf32> {
  %0:3 = cnn.adam_update %p, %p, %p, %p, %lr, %lr : tensor<8xf32>, tensor<f32>
  return %0#0 : tensor<8xf32>
}

// Dropout: a Philox-4x32-10 word per element from its linear index and the
// step, compared against rate * 2^32; mask and output in one generic.
// CHECK-LABEL: func.func @dropout
// CHECK: %[[D:.+]]:2 = linalg.generic {{.+}} iterator_types = ["parallel", "parallel"]}
// CHECK: arith.fptoui %{{.+}} : f32 to i64
// CHECK-COUNT-10: arith.constant 3528531795 : i64
// CHECK: arith.cmpi uge, %{{.+}}, %{{.+}} : i32
// CHECK: arith.select %{{.+}}, %{{.+}}, %{{.+}} : f32
// CHECK: return %[[D]]#0, %[[D]]#1
func.func @dropout(%x: tensor<4x8xf32>, %step: tensor<f32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0:2 = cnn.dropout_train %x, %step rate 0.25 seed 3 : tensor<4x8xf32>, tensor<f32>
  return %0#0, %0#1 : tensor<4x8xf32>, tensor<4x8xf32>
}

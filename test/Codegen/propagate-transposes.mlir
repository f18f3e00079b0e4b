// RUN: cnn-opt %s --cnn-propagate-transposes --split-input-file | FileCheck %s

// Between two NHWC layers, the transposes back to NCHW and again to NHWC
// vanish: the elementwise layer in between computes in NHWC.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @chain
// CHECK-SAME: (%[[Y:.+]]: tensor<1x8x8x16xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], {{.*}}} ins(%[[Y]] : tensor<1x8x8x16xf32>) outs(%{{.+}} : tensor<1x8x8x16xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: return %[[R]] : tensor<1x8x8x16xf32>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @chain(%y: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %e0 = tensor.empty() : tensor<1x16x8x8xf32>
  %t = linalg.transpose ins(%y : tensor<1x8x8x16xf32>) outs(%e0 : tensor<1x16x8x8xf32>) permutation = [0, 3, 1, 2]
  %e1 = tensor.empty() : tensor<1x16x8x8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t : tensor<1x16x8x8xf32>) outs(%e1 : tensor<1x16x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c0 = arith.constant 0.0 : f32
    %m = arith.maximumf %in, %c0 : f32
    linalg.yield %m : f32
  } -> tensor<1x16x8x8xf32>
  %e2 = tensor.empty() : tensor<1x8x8x16xf32>
  %u = linalg.transpose ins(%r : tensor<1x16x8x8xf32>) outs(%e2 : tensor<1x8x8x16xf32>) permutation = [0, 2, 3, 1]
  return %u : tensor<1x8x8x16xf32>
}

// -----

// A per-channel operand follows the layout: it is read along the new
// innermost dimension. The NCHW result, still returned, is one transpose of
// the NHWC one.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[C:.+]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-LABEL: func @channel_operand
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[C]], #[[ID]]], {{.*}}} ins(%{{.+}}, %{{.+}} : tensor<1x4x4x8xf32>, tensor<8xf32>) outs(%{{.+}} : tensor<1x4x4x8xf32>)
// CHECK: %[[B:.+]] = linalg.transpose ins(%[[R]] : tensor<1x4x4x8xf32>) outs(%{{.+}} : tensor<1x8x4x4xf32>) permutation = [0, 3, 1, 2]
// CHECK: return %[[R]], %[[B]]
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @channel_operand(%y: tensor<1x4x4x8xf32>, %bias: tensor<8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x8x4x4xf32>) {
  %e0 = tensor.empty() : tensor<1x8x4x4xf32>
  %t = linalg.transpose ins(%y : tensor<1x4x4x8xf32>) outs(%e0 : tensor<1x8x4x4xf32>) permutation = [0, 3, 1, 2]
  %e1 = tensor.empty() : tensor<1x8x4x4xf32>
  %r = linalg.generic {indexing_maps = [#id4, #ch, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t, %bias : tensor<1x8x4x4xf32>, tensor<8xf32>) outs(%e1 : tensor<1x8x4x4xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x8x4x4xf32>
  %e2 = tensor.empty() : tensor<1x4x4x8xf32>
  %u = linalg.transpose ins(%r : tensor<1x8x4x4xf32>) outs(%e2 : tensor<1x4x4x8xf32>) permutation = [0, 2, 3, 1]
  return %u, %r : tensor<1x4x4x8xf32>, tensor<1x8x4x4xf32>
}

// -----

// Inverse transposes cancel.
// CHECK-LABEL: func @inverse
// CHECK-SAME: (%[[X:.+]]: tensor<1x2x3x4xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: return %[[X]]
func.func @inverse(%x: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %e0 = tensor.empty() : tensor<1x3x4x2xf32>
  %t = linalg.transpose ins(%x : tensor<1x2x3x4xf32>) outs(%e0 : tensor<1x3x4x2xf32>) permutation = [0, 2, 3, 1]
  %e1 = tensor.empty() : tensor<1x2x3x4xf32>
  %u = linalg.transpose ins(%t : tensor<1x3x4x2xf32>) outs(%e1 : tensor<1x2x3x4xf32>) permutation = [0, 3, 1, 2]
  return %u : tensor<1x2x3x4xf32>
}

// -----

// A channel concatenation of two NHWC layers' results, read by an NHWC
// layer: the concatenation is built in NHWC (channel offsets move to the
// last dimension), the branches' relus write NHWC, and no transpose is left.
// CHECK-LABEL: func.func @concat
// CHECK-NOT:     linalg.transpose
// CHECK:         %[[A:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<1x4x4x8xf32>)
// CHECK:         %[[B:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<1x4x4x16xf32>)
// CHECK:         %[[E:.+]] = tensor.empty() : tensor<1x4x4x24xf32>
// CHECK:         %[[I:.+]] = tensor.insert_slice %[[A]] into %[[E]][0, 0, 0, 0] [1, 4, 4, 8] [1, 1, 1, 1]
// CHECK:         %[[R:.+]] = tensor.insert_slice %[[B]] into %[[I]][0, 0, 0, 8] [1, 4, 4, 16] [1, 1, 1, 1]
// CHECK-NOT:     linalg.transpose
// CHECK:         return %[[R]] : tensor<1x4x4x24xf32>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @concat(%a: tensor<1x4x4x8xf32>, %b: tensor<1x4x4x16xf32>) -> tensor<1x4x4x24xf32> {
  %zero = arith.constant 0.0 : f32
  %ea = tensor.empty() : tensor<1x8x4x4xf32>
  %ta = linalg.transpose ins(%a : tensor<1x4x4x8xf32>) outs(%ea : tensor<1x8x4x4xf32>) permutation = [0, 3, 1, 2]
  %ra = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%ta : tensor<1x8x4x4xf32>) outs(%ea : tensor<1x8x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x4x4xf32>
  %eb = tensor.empty() : tensor<1x16x4x4xf32>
  %tb = linalg.transpose ins(%b : tensor<1x4x4x16xf32>) outs(%eb : tensor<1x16x4x4xf32>) permutation = [0, 3, 1, 2]
  %rb = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%tb : tensor<1x16x4x4xf32>) outs(%eb : tensor<1x16x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x16x4x4xf32>
  %e = tensor.empty() : tensor<1x24x4x4xf32>
  %c0 = tensor.insert_slice %ra into %e[0, 0, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x24x4x4xf32>
  %c1 = tensor.insert_slice %rb into %c0[0, 8, 0, 0] [1, 16, 4, 4] [1, 1, 1, 1] : tensor<1x16x4x4xf32> into tensor<1x24x4x4xf32>
  %en = tensor.empty() : tensor<1x4x4x24xf32>
  %t = linalg.transpose ins(%c1 : tensor<1x24x4x4xf32>) outs(%en : tensor<1x4x4x24xf32>) permutation = [0, 2, 3, 1]
  return %t : tensor<1x4x4x24xf32>
}

// -----

// An explicit padding layer between an elementwise layer and a convolution
// (padding below and right only): the pad runs in NHWC, its amounts
// permuted, and no transpose is left around it.
// CHECK-LABEL: func @pad
// CHECK-SAME: (%[[Y:.+]]: tensor<1x8x8x16xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: %[[R:.+]] = linalg.generic {{.*}} ins(%[[Y]] : tensor<1x8x8x16xf32>) outs(%{{.+}} : tensor<1x8x8x16xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: %[[P:.+]] = tensor.pad %[[R]] low[0, 0, 0, 0] high[0, 1, 1, 0]
// CHECK: } : tensor<1x8x8x16xf32> to tensor<1x9x9x16xf32>
// CHECK-NOT: linalg.transpose
// CHECK: return %[[P]] : tensor<1x9x9x16xf32>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @pad(%y: tensor<1x8x8x16xf32>) -> tensor<1x9x9x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<1x16x8x8xf32>
  %t = linalg.transpose ins(%y : tensor<1x8x8x16xf32>) outs(%e0 : tensor<1x16x8x8xf32>) permutation = [0, 3, 1, 2]
  %e1 = tensor.empty() : tensor<1x16x8x8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t : tensor<1x16x8x8xf32>) outs(%e1 : tensor<1x16x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x16x8x8xf32>
  %p = tensor.pad %r low[0, 0, 0, 0] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x16x8x8xf32> to tensor<1x16x9x9xf32>
  %e2 = tensor.empty() : tensor<1x9x9x16xf32>
  %u = linalg.transpose ins(%p : tensor<1x16x9x9xf32>) outs(%e2 : tensor<1x9x9x16xf32>) permutation = [0, 2, 3, 1]
  return %u : tensor<1x9x9x16xf32>
}

// -----

// A function result that an activation computes from an NHWC layer (the
// model's last convolution) is computed in NHWC, in order, and transposed to
// NCHW once, instead of gathering each element. A result computed from an
// NCHW value in order (a function argument) stays as it is.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @activation_result
// CHECK-SAME: (%[[Y:[^:]+]]: tensor<1x4x6x8xf32>, %[[X:[^:]+]]: tensor<1x8x4x6xf32>)
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], {{.*}}} ins(%[[Y]] : tensor<1x4x6x8xf32>) outs(%{{.+}} : tensor<1x4x6x8xf32>)
// CHECK: %[[S:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], {{.*}}} ins(%[[X]] : tensor<1x8x4x6xf32>) outs(%{{.+}} : tensor<1x8x4x6xf32>)
// CHECK: %[[T:.+]] = linalg.transpose ins(%[[R]] : tensor<1x4x6x8xf32>) outs(%{{.+}} : tensor<1x8x4x6xf32>) permutation = [0, 3, 1, 2]
// CHECK-NOT: linalg.transpose
// CHECK: return %[[T]], %[[S]]
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @activation_result(%y: tensor<1x4x6x8xf32>, %x: tensor<1x8x4x6xf32>) -> (tensor<1x8x4x6xf32>, tensor<1x8x4x6xf32>) {
  %e0 = tensor.empty() : tensor<1x8x4x6xf32>
  %t = linalg.transpose ins(%y : tensor<1x4x6x8xf32>) outs(%e0 : tensor<1x8x4x6xf32>) permutation = [0, 3, 1, 2]
  %e1 = tensor.empty() : tensor<1x8x4x6xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t : tensor<1x8x4x6xf32>) outs(%e1 : tensor<1x8x4x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.constant 0.0 : f32
    %m = arith.maximumf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<1x8x4x6xf32>
  %e2 = tensor.empty() : tensor<1x8x4x6xf32>
  %s = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x4x6xf32>) outs(%e2 : tensor<1x8x4x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.constant 0.0 : f32
    %m = arith.maximumf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<1x8x4x6xf32>
  return %r, %s : tensor<1x8x4x6xf32>, tensor<1x8x4x6xf32>
}

// -----

// A result that reads one operand in NHWC and another in order (a residual
// add of the NCHW input) stays as it is: computing it in NHWC would only
// move the gather to the other operand. A gathering result returned twice
// gets one transpose.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[G:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
// CHECK-LABEL: func @mixed_and_twice
// CHECK-SAME: (%[[Y:[^:]+]]: tensor<1x4x6x8xf32>, %[[X:[^:]+]]: tensor<1x8x4x6xf32>)
// CHECK: %[[A:.+]] = linalg.generic {indexing_maps = [#[[G]], #[[ID]], #[[ID]]], {{.*}}} ins(%[[Y]], %[[X]] : tensor<1x4x6x8xf32>, tensor<1x8x4x6xf32>) outs(%{{.+}} : tensor<1x8x4x6xf32>)
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], {{.*}}} ins(%[[Y]] : tensor<1x4x6x8xf32>) outs(%{{.+}} : tensor<1x4x6x8xf32>)
// CHECK: %[[T:.+]] = linalg.transpose ins(%[[R]] : tensor<1x4x6x8xf32>) outs(%{{.+}} : tensor<1x8x4x6xf32>) permutation = [0, 3, 1, 2]
// CHECK-NOT: linalg.transpose
// CHECK: return %[[A]], %[[T]], %[[T]]
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @mixed_and_twice(%y: tensor<1x4x6x8xf32>, %x: tensor<1x8x4x6xf32>) -> (tensor<1x8x4x6xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4x6xf32>) {
  %e0 = tensor.empty() : tensor<1x8x4x6xf32>
  %t = linalg.transpose ins(%y : tensor<1x4x6x8xf32>) outs(%e0 : tensor<1x8x4x6xf32>) permutation = [0, 3, 1, 2]
  %e1 = tensor.empty() : tensor<1x8x4x6xf32>
  %a = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t, %x : tensor<1x8x4x6xf32>, tensor<1x8x4x6xf32>) outs(%e1 : tensor<1x8x4x6xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  } -> tensor<1x8x4x6xf32>
  %e2 = tensor.empty() : tensor<1x8x4x6xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t : tensor<1x8x4x6xf32>) outs(%e2 : tensor<1x8x4x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.constant 0.0 : f32
    %m = arith.maximumf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<1x8x4x6xf32>
  return %a, %r, %r : tensor<1x8x4x6xf32>, tensor<1x8x4x6xf32>, tensor<1x8x4x6xf32>
}

// RUN: cnn-opt %s --convert-cnn-to-linalg --split-input-file | FileCheck %s

// Batch norm reads its per-channel vectors along dimension 1.
// CHECK-DAG: #[[C:.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func @batch_norm
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[C]], #[[C]], #[[C]], #[[C]], #{{.+}}]
// CHECK: math.rsqrt
func.func @batch_norm(%x: tensor<1x4x2x2xf32>, %p: tensor<4xf32>) -> tensor<1x4x2x2xf32> {
  %0 = cnn.batch_norm %x, %p, %p, %p, %p : tensor<1x4x2x2xf32>, tensor<4xf32>
  return %0 : tensor<1x4x2x2xf32>
}

// -----

// LRN sums squares over a channel window: the channels are zero-padded by
// size/2 before and (size-1)/2 after (PyTorch's window), then a reduction
// over the window.
// CHECK-DAG: #[[WIN:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d4, d2, d3)>
// CHECK-LABEL: func @lrn
// CHECK: tensor.pad %{{.+}} low[0, 2, 0, 0] high[0, 1, 0, 0]
// CHECK: linalg.generic {indexing_maps = [#[[WIN]], {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: math.powf
func.func @lrn(%x: tensor<1x8x2x2xf32>) -> tensor<1x8x2x2xf32> {
  %0 = cnn.lrn %x size 4 : tensor<1x8x2x2xf32>
  return %0 : tensor<1x8x2x2xf32>
}

// -----

// Dropout at inference disappears.
// CHECK-LABEL: func @dropout
// CHECK-SAME: (%[[X:.+]]: tensor<2x8xf32>)
// CHECK-NEXT: return %[[X]]
func.func @dropout(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %0 = cnn.dropout %x rate 0.5 : tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// Convolution gradients with groups 1 lower to forward convolutions (the
// NHWC, vectorized path): a strided transposed convolution to one
// convolution per output phase, of the input with that phase's taps of the
// filter, flipped in space and with its channel roles exchanged, written into
// a strided slice of the output; a filter gradient to a convolution of x^T
// by dy^T with stride and dilation exchanged. Grouped ones keep their direct
// lowering.
// RUN: cnn-opt %s -convert-cnn-to-linalg | FileCheck %s

// A 3x3 kernel of stride 2, padding 1: output rows 0, 2, 4 take tap 1 (a
// 1x1 phase), rows 1, 3, 5 taps 2 and 0 (flipped: 0 then 2). Nothing is
// spread out with zeros.
// CHECK-DAG: #[[TAP11:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d0, d2 * -2 + 1, d3 * -2 + 1)>
// CHECK-DAG: #[[TAPS22:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d0, d2 * -2 + 2, d3 * -2 + 2)>
// CHECK-LABEL: func.func @conv_transpose_stride2
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x3x3xf32>, %[[W:.+]]: tensor<4x2x3x3xf32>)
// CHECK-NOT: tensor.insert_slice %[[X]]
// CHECK: linalg.generic {indexing_maps = [#[[TAP11]], #{{.+}}], {{.+}} ins(%[[W]] : tensor<4x2x3x3xf32>) outs(%{{.+}} : tensor<2x4x1x1xf32>)
// CHECK: linalg.conv_2d_nhwc_hwcf {{.+}} ins(%{{.+}}, %{{.+}} : tensor<1x3x3x4xf32>, tensor<1x1x4x2xf32>)
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, 0, 0] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, 0, 1] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, 1, 0] [1, 2, 3, 3] [1, 1, 2, 2]
// CHECK: linalg.generic {indexing_maps = [#[[TAPS22]], #{{.+}}], {{.+}} ins(%[[W]] : tensor<4x2x3x3xf32>) outs(%{{.+}} : tensor<2x4x2x2xf32>)
// CHECK: tensor.pad %{{.+}} low[0, 0, 0, 0] high[0, 1, 1, 0]
// CHECK: linalg.conv_2d_nhwc_hwcf {{.+}} ins(%{{.+}}, %{{.+}} : tensor<1x4x4x4xf32>, tensor<2x2x4x2xf32>) outs(%{{.+}} : tensor<1x3x3x2xf32>)
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, 1, 1] [1, 2, 3, 3] [1, 1, 2, 2]
func.func @conv_transpose_stride2(%x: tensor<1x4x3x3xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x2x6x6xf32> {
  %0 = cnn.conv_transpose2d %x, %w stride [2, 2] padding [1, 1, 1, 1] output_padding [1, 1] : (tensor<1x4x3x3xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x6x6xf32>
  return %0 : tensor<1x2x6x6xf32>
}

// The forward stride 2 becomes the dilation; the trailing padding shrinks to
// what the kernel reaches (0 here).
// CHECK-LABEL: func.func @filter_grad
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x8x8xf32>, %[[DY:.+]]: tensor<2x4x4x4xf32>)
// CHECK: linalg.transpose ins(%[[X]] : tensor<2x3x8x8xf32>) outs(%{{.+}} : tensor<3x2x8x8xf32>) permutation = [1, 0, 2, 3]
// CHECK: linalg.transpose ins(%[[DY]] : tensor<2x4x4x4xf32>) outs(%{{.+}} : tensor<4x2x4x4xf32>) permutation = [1, 0, 2, 3]
// CHECK: tensor.pad %{{.+}} low[0, 1, 1, 0] high[0, 0, 0, 0]
// CHECK: %[[C:.+]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<2> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%{{.+}}, %{{.+}} : tensor<3x9x9x2xf32>, tensor<4x4x2x4xf32>) outs(%{{.+}} : tensor<3x3x3x4xf32>)
// CHECK: linalg.transpose ins(%{{.+}} : tensor<3x4x3x3xf32>) outs(%{{.+}} : tensor<4x3x3x3xf32>) permutation = [1, 0, 2, 3]
func.func @filter_grad(%x: tensor<2x3x8x8xf32>, %dy: tensor<2x4x4x4xf32>) -> tensor<4x3x3x3xf32> {
  %0 = cnn.conv2d_filter_grad %x, %dy kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : tensor<2x3x8x8xf32>, tensor<2x4x4x4xf32> -> tensor<4x3x3x3xf32>
  return %0 : tensor<4x3x3x3xf32>
}

// A 1x1 filter gradient of stride 2 over an even size (ResNet's
// downsampling shortcut): the stride never reaches the last row and column,
// which are cut off (a trailing padding of -1), and it too runs as a
// convolution.
// CHECK-LABEL: func.func @filter_grad_1x1_stride2
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x8x8xf32>, %[[DY:.+]]: tensor<2x4x4x4xf32>)
// CHECK: %[[CUT:.+]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [2, 3, 7, 7] [1, 1, 1, 1] : tensor<2x3x8x8xf32> to tensor<2x3x7x7xf32>
// CHECK: linalg.transpose ins(%[[CUT]] : tensor<2x3x7x7xf32>)
// CHECK-NOT: tensor.pad
// CHECK: linalg.conv_2d_nhwc_hwcf {dilations = dense<2> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%{{.+}}, %{{.+}} : tensor<3x7x7x2xf32>, tensor<4x4x2x4xf32>) outs(%{{.+}} : tensor<3x1x1x4xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @filter_grad_1x1_stride2(%x: tensor<2x3x8x8xf32>, %dy: tensor<2x4x4x4xf32>) -> tensor<4x3x1x1xf32> {
  %0 = cnn.conv2d_filter_grad %x, %dy kernel [1, 1] stride [2, 2] : tensor<2x3x8x8xf32>, tensor<2x4x4x4xf32> -> tensor<4x3x1x1xf32>
  return %0 : tensor<4x3x1x1xf32>
}

// CHECK-LABEL: func.func @filter_grad_grouped
// CHECK-NOT: linalg.conv_2d
// CHECK: linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
func.func @filter_grad_grouped(%x: tensor<2x4x6x6xf32>, %dy: tensor<2x6x3x3xf32>) -> tensor<6x2x3x3xf32> {
  %0 = cnn.conv2d_filter_grad %x, %dy kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] groups 2 : tensor<2x4x6x6xf32>, tensor<2x6x3x3xf32> -> tensor<6x2x3x3xf32>
  return %0 : tensor<6x2x3x3xf32>
}

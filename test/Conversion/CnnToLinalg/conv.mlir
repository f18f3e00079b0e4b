// RUN: cnn-opt %s --convert-cnn-to-linalg --split-input-file | FileCheck %s

// Padding becomes tensor.pad; the bias initialises the accumulator.
// CHECK-LABEL: func @conv_pad_bias
// CHECK-SAME: (%[[X:.+]]: tensor<1x3x8x8xf32>, %[[W:.+]]: tensor<4x3x3x3xf32>, %[[B:.+]]: tensor<4xf32>)
// CHECK: %[[P:.+]] = tensor.pad %[[X]] low[0, 0, 1, 2] high[0, 0, 1, 0]
// CHECK: } : tensor<1x3x8x8xf32> to tensor<1x3x10x10xf32>
// CHECK: %[[ACC:.+]] = linalg.generic {{.*}} ins(%[[B]] : tensor<4xf32>) outs(%{{.+}} : tensor<1x4x4x4xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%[[P]], %[[W]] : tensor<1x3x10x10xf32>, tensor<4x3x3x3xf32>) outs(%[[ACC]] : tensor<1x4x4x4xf32>)
func.func @conv_pad_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = cnn.conv2d %x, %w, %b stride [2, 2] padding [1, 2, 1, 0] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// Groups split the channels: a grouped linalg convolution over reshaped
// operands, accumulating into zeros when there is no bias.
// CHECK-LABEL: func @conv_groups
// CHECK: %[[ZERO:.+]] = linalg.fill
// CHECK: %[[XG:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [1, 2, 3, 6, 6] : tensor<1x6x6x6xf32> into tensor<1x2x3x6x6xf32>
// CHECK: %[[WG:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0, 1], [2], [3], [4]] output_shape [2, 2, 3, 3, 3] : tensor<4x3x3x3xf32> into tensor<2x2x3x3x3xf32>
// CHECK: %[[C:.+]] = linalg.conv_2d_ngchw_gfchw {dilations = dense<2> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%[[XG]], %[[WG]] : tensor<1x2x3x6x6xf32>, tensor<2x2x3x3x3xf32>)
// CHECK: tensor.collapse_shape %[[C]] {{\[\[}}0], [1, 2], [3], [4]] : tensor<1x2x2x2x2xf32> into tensor<1x4x2x2xf32>
func.func @conv_groups(%x: tensor<1x6x6x6xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x2x2xf32> {
  %0 = cnn.conv2d %x, %w dilation [2, 2] groups 2 : (tensor<1x6x6x6xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x2x2xf32>
  return %0 : tensor<1x4x2x2xf32>
}

// -----

// A transposed convolution: the input spread by the stride, padded by
// dilation * (k - 1) - padding (+ output_padding at the end), convolved with
// the flipped, transposed filter.
// CHECK-DAG: #[[FLIP:.+]] = affine_map<(d0, d1, d2, d3) -> ((d0 floordiv 3) * 2 + d1, d0 mod 3, -d2 + 2, -d3 + 2)>
// CHECK-LABEL: func @conv_transpose
// CHECK: %[[Z:.+]] = linalg.fill {{.*}} -> tensor<1x2x7x7xf32>
// CHECK: %[[S:.+]] = tensor.insert_slice %{{.+}} into %[[Z]][0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 2, 2]
// CHECK: tensor.pad %[[S]] low[0, 0, 1, 1] high[0, 0, 2, 2]
// CHECK: linalg.generic {indexing_maps = [#[[FLIP]], {{.*}}} ins(%{{.+}} : tensor<2x3x3x3xf32>) outs(%{{.+}} : tensor<3x2x3x3xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x2x10x10xf32>, tensor<3x2x3x3xf32>) outs(%{{.+}} : tensor<1x3x8x8xf32>)
func.func @conv_transpose(%x: tensor<1x2x4x4xf32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x3x8x8xf32> {
  %0 = cnn.conv_transpose2d %x, %w stride [2, 2] padding [1, 1, 1, 1] output_padding [1, 1] : (tensor<1x2x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

// dense reads the weight transposed: y[n, m] += x[n, k] * w[m, k].
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[Y:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @dense
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[Y]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @dense(%x: tensor<2x8xf32>, %w: tensor<3x8xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = cnn.dense %x, %w, %b : (tensor<2x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

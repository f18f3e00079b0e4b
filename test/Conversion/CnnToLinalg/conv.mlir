// RUN: cnn-opt %s --convert-cnn-to-linalg --split-input-file | FileCheck %s

// conv2d runs in NHWC: the input is transposed and padded, the filter
// becomes HWCF, the bias initialises an NHWC accumulator, and the result is
// transposed back to NCHW.
// CHECK-LABEL: func @conv_pad_bias
// CHECK-SAME: (%[[IN:.+]]: tensor<1x3x8x8xf32>, %[[FLT:.+]]: tensor<4x3x3x3xf32>, %[[BIAS:.+]]: tensor<4xf32>)
// CHECK: %[[XT:.+]] = linalg.transpose ins(%[[IN]] : tensor<1x3x8x8xf32>) outs(%{{.+}} : tensor<1x8x8x3xf32>) permutation = [0, 2, 3, 1]
// CHECK: %[[P:.+]] = tensor.pad %[[XT]] low[0, 1, 2, 0] high[0, 1, 0, 0]
// CHECK: } : tensor<1x8x8x3xf32> to tensor<1x10x10x3xf32>
// CHECK: %[[WT:.+]] = linalg.transpose ins(%[[FLT]] : tensor<4x3x3x3xf32>) outs(%{{.+}} : tensor<3x3x3x4xf32>) permutation = [2, 3, 1, 0]
// CHECK: %[[ACC:.+]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<4xf32>) outs(%{{.+}} : tensor<1x4x4x4xf32>)
// CHECK: %[[C:.+]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%[[P]], %[[WT]] : tensor<1x10x10x3xf32>, tensor<3x3x3x4xf32>) outs(%[[ACC]] : tensor<1x4x4x4xf32>)
// CHECK: linalg.transpose ins(%[[C]] : tensor<1x4x4x4xf32>) outs(%{{.+}} : tensor<1x4x4x4xf32>) permutation = [0, 3, 1, 2]
func.func @conv_pad_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = cnn.conv2d %x, %w, %b stride [2, 2] padding [1, 2, 1, 0] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// Depthwise (groups = channels = filters): linalg's NHWC depthwise
// convolution with the filter collapsed to HWC.
// CHECK-LABEL: func @conv_depthwise
// CHECK: %[[WT:.+]] = linalg.transpose ins(%{{.+}} : tensor<6x1x3x3xf32>) outs(%{{.+}} : tensor<3x3x1x6xf32>) permutation = [2, 3, 1, 0]
// CHECK: %[[WC:.+]] = tensor.collapse_shape %[[WT]] {{\[\[}}0], [1], [2, 3]] : tensor<3x3x1x6xf32> into tensor<3x3x6xf32>
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc {{.*}} ins(%{{.+}}, %[[WC]] : tensor<1x7x7x6xf32>, tensor<3x3x6xf32>) outs(%{{.+}} : tensor<1x5x5x6xf32>)
func.func @conv_depthwise(%x: tensor<1x6x7x7xf32>, %w: tensor<6x1x3x3xf32>) -> tensor<1x6x5x5xf32> {
  %0 = cnn.conv2d %x, %w groups 6 : (tensor<1x6x7x7xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x5x5xf32>
  return %0 : tensor<1x6x5x5xf32>
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

// A grouped transposed convolution (groups 1 lowers through conv2d, see
// conv-gradients.mlir): the input spread by the stride, padded by
// dilation * (k - 1) - padding (+ output_padding at the end), convolved with
// the flipped, transposed filter, group by group.
// CHECK-DAG: #[[FLIP:.+]] = affine_map<(d0, d1, d2, d3) -> (d0 floordiv 3 + d1, d0 mod 3, -d2 + 2, -d3 + 2)>
// CHECK-LABEL: func @conv_transpose
// CHECK: %[[Z:.+]] = linalg.fill {{.*}} -> tensor<1x2x7x7xf32>
// CHECK: %[[S:.+]] = tensor.insert_slice %{{.+}} into %[[Z]][0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 2, 2]
// CHECK: tensor.pad %[[S]] low[0, 0, 1, 1] high[0, 0, 2, 2]
// CHECK: linalg.generic {indexing_maps = [#[[FLIP]], {{.*}}} ins(%{{.+}} : tensor<2x3x3x3xf32>) outs(%{{.+}} : tensor<6x1x3x3xf32>)
// CHECK: linalg.conv_2d_ngchw_gfchw {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x2x1x10x10xf32>, tensor<2x3x1x3x3xf32>) outs(%{{.+}} : tensor<1x2x3x8x8xf32>)
func.func @conv_transpose(%x: tensor<1x2x4x4xf32>, %w: tensor<2x3x3x3xf32>) -> tensor<1x6x8x8xf32> {
  %0 = cnn.conv_transpose2d %x, %w stride [2, 2] padding [1, 1, 1, 1] output_padding [1, 1] groups 2 : (tensor<1x2x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<1x6x8x8xf32>
  return %0 : tensor<1x6x8x8xf32>
}

// -----

// A transposed convolution whose kernel is its stride (2 x 3 here) runs by
// phases: output row 2i + a, column 3j + b takes input pixel (i, j) and tap
// (a, b) only, so each of the six phases is a 1x1 convolution of the NHWC
// input with w[:, :, a, b] (no zero-dilated input, no flipped filter), its
// bias broadcast as its init, inserted at [0, 0, a, 0, b, 0] of the output
// viewed as [N, H, 2, W, 3, F]. The view collapses to NHWC and is
// transposed back to NCHW.
// CHECK-LABEL: func @conv_transpose_phases
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x3x5xf32>, %[[W:.+]]: tensor<4x6x2x3xf32>, %[[B:.+]]: tensor<6xf32>)
// CHECK: %[[XT:.+]] = linalg.transpose ins(%[[X]] : tensor<1x4x3x5xf32>) {{.*}} permutation = [0, 2, 3, 1]
// CHECK: %[[OUT:.+]] = tensor.empty() : tensor<1x3x2x5x3x6xf32>
// CHECK: %[[T00:.+]] = tensor.extract_slice %[[W]][0, 0, 0, 0] [4, 6, 1, 1] [1, 1, 1, 1] : tensor<4x6x2x3xf32> to tensor<4x6xf32>
// CHECK: %[[F00:.+]] = tensor.expand_shape %[[T00]] {{\[\[}}0, 1, 2], [3]] output_shape [1, 1, 4, 6]
// CHECK: %[[I00:.+]] = linalg.generic {{.*}} ins(%[[B]] : tensor<6xf32>) outs(%{{.+}} : tensor<1x3x5x6xf32>)
// CHECK: %[[C00:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[XT]], %[[F00]] : tensor<1x3x5x4xf32>, tensor<1x1x4x6xf32>) outs(%[[I00]] : tensor<1x3x5x6xf32>)
// CHECK: %[[P00:.+]] = tensor.insert_slice %[[C00]] into %[[OUT]][0, 0, 0, 0, 0, 0] [1, 3, 1, 5, 1, 6] [1, 1, 1, 1, 1, 1]
// CHECK: %[[T01:.+]] = tensor.extract_slice %[[W]][0, 0, 0, 1] [4, 6, 1, 1] [1, 1, 1, 1] : tensor<4x6x2x3xf32> to tensor<4x6xf32>
// CHECK: %[[F01:.+]] = tensor.expand_shape %[[T01]] {{\[\[}}0, 1, 2], [3]] output_shape [1, 1, 4, 6]
// CHECK: %[[I01:.+]] = linalg.generic {{.*}} ins(%[[B]] : tensor<6xf32>) outs(%{{.+}} : tensor<1x3x5x6xf32>)
// CHECK: %[[C01:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[XT]], %[[F01]] : tensor<1x3x5x4xf32>, tensor<1x1x4x6xf32>) outs(%[[I01]] : tensor<1x3x5x6xf32>)
// CHECK: %[[P01:.+]] = tensor.insert_slice %[[C01]] into %[[P00]][0, 0, 0, 0, 1, 0] [1, 3, 1, 5, 1, 6] [1, 1, 1, 1, 1, 1]
// CHECK: %[[T02:.+]] = tensor.extract_slice %[[W]][0, 0, 0, 2] [4, 6, 1, 1] [1, 1, 1, 1] : tensor<4x6x2x3xf32> to tensor<4x6xf32>
// CHECK: %[[F02:.+]] = tensor.expand_shape %[[T02]] {{\[\[}}0, 1, 2], [3]] output_shape [1, 1, 4, 6]
// CHECK: %[[I02:.+]] = linalg.generic {{.*}} ins(%[[B]] : tensor<6xf32>) outs(%{{.+}} : tensor<1x3x5x6xf32>)
// CHECK: %[[C02:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[XT]], %[[F02]] : tensor<1x3x5x4xf32>, tensor<1x1x4x6xf32>) outs(%[[I02]] : tensor<1x3x5x6xf32>)
// CHECK: %[[P02:.+]] = tensor.insert_slice %[[C02]] into %[[P01]][0, 0, 0, 0, 2, 0] [1, 3, 1, 5, 1, 6] [1, 1, 1, 1, 1, 1]
// CHECK: %[[T10:.+]] = tensor.extract_slice %[[W]][0, 0, 1, 0] [4, 6, 1, 1] [1, 1, 1, 1] : tensor<4x6x2x3xf32> to tensor<4x6xf32>
// CHECK: %[[F10:.+]] = tensor.expand_shape %[[T10]] {{\[\[}}0, 1, 2], [3]] output_shape [1, 1, 4, 6]
// CHECK: %[[I10:.+]] = linalg.generic {{.*}} ins(%[[B]] : tensor<6xf32>) outs(%{{.+}} : tensor<1x3x5x6xf32>)
// CHECK: %[[C10:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[XT]], %[[F10]] : tensor<1x3x5x4xf32>, tensor<1x1x4x6xf32>) outs(%[[I10]] : tensor<1x3x5x6xf32>)
// CHECK: %[[P10:.+]] = tensor.insert_slice %[[C10]] into %[[P02]][0, 0, 1, 0, 0, 0] [1, 3, 1, 5, 1, 6] [1, 1, 1, 1, 1, 1]
// CHECK: %[[T11:.+]] = tensor.extract_slice %[[W]][0, 0, 1, 1] [4, 6, 1, 1] [1, 1, 1, 1] : tensor<4x6x2x3xf32> to tensor<4x6xf32>
// CHECK: %[[F11:.+]] = tensor.expand_shape %[[T11]] {{\[\[}}0, 1, 2], [3]] output_shape [1, 1, 4, 6]
// CHECK: %[[I11:.+]] = linalg.generic {{.*}} ins(%[[B]] : tensor<6xf32>) outs(%{{.+}} : tensor<1x3x5x6xf32>)
// CHECK: %[[C11:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[XT]], %[[F11]] : tensor<1x3x5x4xf32>, tensor<1x1x4x6xf32>) outs(%[[I11]] : tensor<1x3x5x6xf32>)
// CHECK: %[[P11:.+]] = tensor.insert_slice %[[C11]] into %[[P10]][0, 0, 1, 0, 1, 0] [1, 3, 1, 5, 1, 6] [1, 1, 1, 1, 1, 1]
// CHECK: %[[T12:.+]] = tensor.extract_slice %[[W]][0, 0, 1, 2] [4, 6, 1, 1] [1, 1, 1, 1] : tensor<4x6x2x3xf32> to tensor<4x6xf32>
// CHECK: %[[F12:.+]] = tensor.expand_shape %[[T12]] {{\[\[}}0, 1, 2], [3]] output_shape [1, 1, 4, 6]
// CHECK: %[[I12:.+]] = linalg.generic {{.*}} ins(%[[B]] : tensor<6xf32>) outs(%{{.+}} : tensor<1x3x5x6xf32>)
// CHECK: %[[C12:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[XT]], %[[F12]] : tensor<1x3x5x4xf32>, tensor<1x1x4x6xf32>) outs(%[[I12]] : tensor<1x3x5x6xf32>)
// CHECK: %[[P12:.+]] = tensor.insert_slice %[[C12]] into %[[P11]][0, 0, 1, 0, 2, 0] [1, 3, 1, 5, 1, 6] [1, 1, 1, 1, 1, 1]
// CHECK: %[[Y:.+]] = tensor.collapse_shape %[[P12]] {{\[\[}}0], [1, 2], [3, 4], [5]] : tensor<1x3x2x5x3x6xf32> into tensor<1x6x15x6xf32>
// CHECK: %[[R:.+]] = linalg.transpose ins(%[[Y]] : tensor<1x6x15x6xf32>) {{.*}} permutation = [0, 3, 1, 2]
// CHECK: return %[[R]]
func.func @conv_transpose_phases(%x: tensor<1x4x3x5xf32>, %w: tensor<4x6x2x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x6x15xf32> {
  %0 = cnn.conv_transpose2d %x, %w, %b stride [2, 3] : (tensor<1x4x3x5xf32>, tensor<4x6x2x3xf32>, tensor<6xf32>) -> tensor<1x6x6x15xf32>
  return %0 : tensor<1x6x6x15xf32>
}

// -----

// dense is a matmul with the weight transposed to [K, M], accumulating
// into the broadcast bias.
// CHECK-LABEL: func @dense
// CHECK-SAME: (%[[IN:.+]]: tensor<2x8xf32>, %[[WM:.+]]: tensor<3x8xf32>, %[[BV:.+]]: tensor<3xf32>)
// CHECK: %[[ACC:.+]] = linalg.generic {{.*}} ins(%[[BV]] : tensor<3xf32>) outs(%{{.+}} : tensor<2x3xf32>)
// CHECK: %[[WT:.+]] = linalg.transpose ins(%[[WM]] : tensor<3x8xf32>) outs(%{{.+}} : tensor<8x3xf32>) permutation = [1, 0]
// CHECK: linalg.matmul ins(%[[IN]], %[[WT]] : tensor<2x8xf32>, tensor<8x3xf32>) outs(%[[ACC]] : tensor<2x3xf32>)
func.func @dense(%x: tensor<2x8xf32>, %w: tensor<3x8xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = cnn.dense %x, %w, %b : (tensor<2x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

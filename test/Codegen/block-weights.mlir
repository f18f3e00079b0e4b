// RUN: cnn-opt %s --pass-pipeline="builtin.module(func.func(cnn-block-weights{vector-width=16}))" --split-input-file | FileCheck %s

// 64 filters become two blocks of 32, each contiguous: the filter is
// rearranged as [2, kh, kw, C, 32] and each iteration of the forall
// convolves with one block into its 32 output channels.
// CHECK-LABEL: func @blocked
// CHECK-SAME: (%[[X:.+]]: tensor<1x9x9x8xf32>, %[[W:.+]]: tensor<3x3x8x64xf32>, %[[ACC:.+]]: tensor<1x7x7x64xf32>)
// CHECK: %[[E:.+]] = tensor.expand_shape %[[W]] {{\[\[}}0], [1], [2], [3, 4]] output_shape [3, 3, 8, 2, 32]
// CHECK: %[[B:.+]] = linalg.transpose ins(%[[E]] : tensor<3x3x8x2x32xf32>) outs(%{{.+}} : tensor<2x3x3x8x32xf32>) permutation = [3, 0, 1, 2, 4]
// CHECK: scf.forall (%[[I:.+]]) in (2) shared_outs(%[[O:.+]] = %[[ACC]])
// CHECK:   %[[F:.+]] = tensor.extract_slice %[[B]][%[[I]], 0, 0, 0, 0] [1, 3, 3, 8, 32] [1, 1, 1, 1, 1] : tensor<2x3x3x8x32xf32> to tensor<3x3x8x32xf32>
// CHECK:   %[[OS:.+]] = tensor.extract_slice %[[O]][0, 0, 0, %{{.+}}] [1, 7, 7, 32] [1, 1, 1, 1]
// CHECK:   %[[C:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[X]], %[[F]] : tensor<1x9x9x8xf32>, tensor<3x3x8x32xf32>) outs(%[[OS]] : tensor<1x7x7x32xf32>)
// CHECK:   tensor.parallel_insert_slice %[[C]] into %[[O]][0, 0, 0, %{{.+}}] [1, 7, 7, 32] [1, 1, 1, 1]
func.func @blocked(%x: tensor<1x9x9x8xf32>, %w: tensor<3x3x8x64xf32>, %acc: tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x9x9x8xf32>, tensor<3x3x8x64xf32>) outs(%acc : tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32>
  return %0 : tensor<1x7x7x64xf32>
}

// -----

// One block (32 filters), or a count no vector or half vector divides (20
// is not a multiple of 8): left alone.
// CHECK-LABEL: func @unblocked
// CHECK-NOT: scf.forall
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} tensor<3x3x8x32xf32>
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} tensor<3x3x8x20xf32>
func.func @unblocked(%x: tensor<1x9x9x8xf32>, %w: tensor<3x3x8x32xf32>, %acc: tensor<1x7x7x32xf32>,
                     %w2: tensor<3x3x8x20xf32>, %acc2: tensor<1x7x7x20xf32>) -> (tensor<1x7x7x32xf32>, tensor<1x7x7x20xf32>) {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x9x9x8xf32>, tensor<3x3x8x32xf32>) outs(%acc : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
  %1 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w2 : tensor<1x9x9x8xf32>, tensor<3x3x8x20xf32>) outs(%acc2 : tensor<1x7x7x20xf32>) -> tensor<1x7x7x20xf32>
  return %0, %1 : tensor<1x7x7x32xf32>, tensor<1x7x7x20xf32>
}

// -----

// 1000 classes: no multiple of 16, so blocks of half a vector (8 columns),
// read contiguously instead of 8 floats out of every 1000.
// CHECK-LABEL: func @matmul_1000
// CHECK: linalg.transpose ins(%{{.+}} : tensor<16x125x8xf32>) outs(%{{.+}} : tensor<125x16x8xf32>)
// CHECK: scf.forall (%{{.+}}) in (125)
// CHECK:   linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<1x16xf32>, tensor<16x8xf32>) outs(%{{.+}} : tensor<1x8xf32>)
func.func @matmul_1000(%a: tensor<1x16xf32>, %b: tensor<16x1000xf32>, %acc: tensor<1x1000xf32>) -> tensor<1x1000xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<1x16xf32>, tensor<16x1000xf32>) outs(%acc : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  return %0 : tensor<1x1000xf32>
}

// -----

// A matmul's [K, N] weight becomes [N/32, K, 32]: two blocks of 32 columns.
// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[A:.+]]: tensor<2x16xf32>, %[[B:.+]]: tensor<16x64xf32>, %[[ACC:.+]]: tensor<2x64xf32>)
// CHECK: %[[E:.+]] = tensor.expand_shape %[[B]] {{\[\[}}0], [1, 2]] output_shape [16, 2, 32]
// CHECK: %[[BB:.+]] = linalg.transpose ins(%[[E]] : tensor<16x2x32xf32>) outs(%{{.+}} : tensor<2x16x32xf32>) permutation = [1, 0, 2]
// CHECK: scf.forall (%[[I:.+]]) in (2) shared_outs(%[[O:.+]] = %[[ACC]])
// CHECK:   %[[W:.+]] = tensor.extract_slice %[[BB]][%[[I]], 0, 0] [1, 16, 32] [1, 1, 1] : tensor<2x16x32xf32> to tensor<16x32xf32>
// CHECK:   %[[OS:.+]] = tensor.extract_slice %[[O]][0, %{{.+}}] [2, 32] [1, 1]
// CHECK:   linalg.matmul ins(%[[A]], %[[W]] : tensor<2x16xf32>, tensor<16x32xf32>) outs(%[[OS]] : tensor<2x32xf32>)
func.func @matmul(%a: tensor<2x16xf32>, %b: tensor<16x64xf32>, %acc: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<2x16xf32>, tensor<16x64xf32>) outs(%acc : tensor<2x64xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

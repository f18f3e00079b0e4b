// RUN: cnn-opt %s --cnn-hoist-weight-packing | FileCheck %s

// The filter transpose depends on the weights alone: it moves to
// forward_prepare, which returns each weight value forward needs (the
// library writes them into one packed buffer at the recorded offsets);
// forward reads the transposed filter, and the bias, as views of that
// buffer (its new first argument, read-only like the raw one). The run-time
// convolution and the broadcast of the bias over the output stay.
// CHECK: module attributes {cnn.packed_weights = array<i64: 0, 16>, cnn.packed_weights_size = 232 : i64
// CHECK-LABEL: func.func @forward_prepare
// CHECK-SAME: (%[[RAW:.+]]: tensor<232xf32>) -> (tensor<8xf32>, tensor<3x3x3x8xf32>)
// CHECK: %[[B:.+]] = tensor.extract_slice %[[RAW]][224] [8] [1]
// CHECK: %[[T:.+]] = linalg.transpose
// CHECK: %[[BC:.+]] = linalg.copy ins(%[[B]] : tensor<8xf32>)
// CHECK: return %[[BC]], %[[T]]
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[PACKED:.+]]: tensor<232xf32> {bufferization.writable = false}, %[[X:.+]]: tensor<1x10x10x3xf32>)
// CHECK-NOT: linalg.transpose
// CHECK-DAG: tensor.extract_slice %[[PACKED]][0] [8] [1]
// CHECK-DAG: %[[S:.+]] = tensor.extract_slice %[[PACKED]][16] [216] [1]
// CHECK-DAG: %[[W:.+]] = tensor.expand_shape %[[S]] {{\[\[}}0, 1, 2, 3]] output_shape [3, 3, 3, 8]
// CHECK: linalg.generic
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[X]], %[[W]] :
module attributes {cnn.weights = [], cnn.weights_size = 232 : i64} {
  func.func @forward(%weights: tensor<232xf32> {bufferization.writable = false}, %x: tensor<1x10x10x3xf32>) -> tensor<1x8x8x8xf32> {
    %s = tensor.extract_slice %weights[0] [216] [1] : tensor<232xf32> to tensor<216xf32>
    %w = tensor.expand_shape %s [[0, 1, 2, 3]] output_shape [8, 3, 3, 3] : tensor<216xf32> into tensor<8x3x3x3xf32>
    %b = tensor.extract_slice %weights[224] [8] [1] : tensor<232xf32> to tensor<8xf32>
    %e = tensor.empty() : tensor<3x3x3x8xf32>
    %t = linalg.transpose ins(%w : tensor<8x3x3x3xf32>) outs(%e : tensor<3x3x3x8xf32>) permutation = [2, 3, 1, 0]
    %e2 = tensor.empty() : tensor<1x8x8x8xf32>
    %acc = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                           iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%b : tensor<8xf32>) outs(%e2 : tensor<1x8x8x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x8x8x8xf32>
    %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
           ins(%x, %t : tensor<1x10x10x3xf32>, tensor<3x3x3x8xf32>) outs(%acc : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    return %c : tensor<1x8x8x8xf32>
  }
}

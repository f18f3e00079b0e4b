// RUN: cnn-opt %s --pass-pipeline="builtin.module(func.func(cnn-winograd{vector-width=16}),cnn-hoist-weight-packing)" | FileCheck %s

// The Winograd filter transform reads only the weights and a constant: it
// runs once, in forward_prepare, and forward reads the 16 products' filter
// blocks from the packed buffer. The input and output transforms stay.
// CHECK-LABEL: func.func @forward_prepare
// CHECK: arith.constant dense<{{.+}}> : tensor<16x9xf32>
// CHECK: %[[U:.+]] = linalg.generic
// CHECK: } -> tensor<16x2x1x1x64x32xf32>
// CHECK: return {{.*}}%[[U]]
// CHECK-LABEL: func.func @forward
// CHECK-NOT: tensor<16x9xf32>
// CHECK: tensor.expand_shape {{.+}} into tensor<16x2x1x1x64x32xf32>
// CHECK: vector.transfer_write
// CHECK: linalg.conv_2d_nhwc_hwcf {{.+}} tensor<1x1x64x32xf32>
// CHECK: vector.transfer_write
module attributes {cnn.weights = [], cnn.weights_size = 36928 : i64} {
  func.func @forward(%weights: tensor<36928xf32> {bufferization.writable = false}, %x: tensor<1x6x6x64xf32>) -> tensor<1x4x4x64xf32> {
    %s = tensor.extract_slice %weights[0] [36864] [1] : tensor<36928xf32> to tensor<36864xf32>
    %w = tensor.expand_shape %s [[0, 1, 2, 3]] output_shape [3, 3, 64, 64] : tensor<36864xf32> into tensor<3x3x64x64xf32>
    %b = tensor.extract_slice %weights[36864] [64] [1] : tensor<36928xf32> to tensor<64xf32>
    %e = tensor.empty() : tensor<1x4x4x64xf32>
    %acc = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                           iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%b : tensor<64xf32>) outs(%e : tensor<1x4x4x64xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x4x4x64xf32>
    %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
           ins(%x, %w : tensor<1x6x6x64xf32>, tensor<3x3x64x64xf32>) outs(%acc : tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xf32>
    return %c : tensor<1x4x4x64xf32>
  }
}

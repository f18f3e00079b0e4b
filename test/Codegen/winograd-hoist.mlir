// RUN: cnn-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(cnn-winograd{vector-width=16}),cnn-hoist-weight-packing)" | FileCheck %s

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

// -----

// A 3x3 layer of stride 2 runs as its four phases; the 2x2 phase's filter
// transform (25 positions from its 4 taps) produces more values than it
// reads, but computes them: it runs once, in forward_prepare, like the
// other phases' filters. The bias broadcast, which only copies, stays.
// CHECK-LABEL: func.func @forward_prepare
// CHECK-SAME: -> (tensor<128xf32>, tensor<25x4x1x1x64x32xf32>, tensor<2x1x64x128xf32>, tensor<1x2x64x128xf32>, tensor<1x1x64x128xf32>)
// CHECK: arith.constant dense<{{.+}}> : tensor<25x4xf32>
// CHECK: %[[U:.+]] = linalg.generic
// CHECK: } -> tensor<25x4x1x1x64x32xf32>
// CHECK: return %{{.+}}, %[[U]],
// CHECK-LABEL: func.func @forward
// CHECK: tensor.expand_shape {{.+}} into tensor<25x4x1x1x64x32xf32>
// CHECK: linalg.generic {{.+}} ins(%{{.+}} : tensor<128xf32>) outs(%{{.+}} : tensor<1x28x28x128xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: linalg.yield
// CHECK-NOT: tensor<25x4xf32>
module attributes {cnn.weights = [], cnn.weights_size = 73856 : i64} {
  func.func @forward(%weights: tensor<73856xf32> {bufferization.writable = false}, %x: tensor<1x58x58x64xf32>) -> tensor<1x28x28x128xf32> {
    %s = tensor.extract_slice %weights[0] [73728] [1] : tensor<73856xf32> to tensor<73728xf32>
    %w = tensor.expand_shape %s [[0, 1, 2, 3]] output_shape [3, 3, 64, 128] : tensor<73728xf32> into tensor<3x3x64x128xf32>
    %b = tensor.extract_slice %weights[73728] [128] [1] : tensor<73856xf32> to tensor<128xf32>
    %e = tensor.empty() : tensor<1x28x28x128xf32>
    %acc = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                           iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%b : tensor<128xf32>) outs(%e : tensor<1x28x28x128xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x28x28x128xf32>
    %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
           ins(%x, %w : tensor<1x58x58x64xf32>, tensor<3x3x64x128xf32>) outs(%acc : tensor<1x28x28x128xf32>) -> tensor<1x28x28x128xf32>
    return %c : tensor<1x28x28x128xf32>
  }
}

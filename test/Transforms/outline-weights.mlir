// cnn-outline-weights moves the weight constants of @forward into one flat
// buffer argument, 16-element aligned, and records the layout on the module.
// RUN: cnn-opt %s -cnn-outline-weights | FileCheck %s

// CHECK: module attributes {cnn.weights = [{name = "conv.weight", offset = 0 : i64, shape = array<i64: 2, 1, 3, 3>}, {name = "conv.bias", offset = 32 : i64, shape = array<i64: 2>}], cnn.weights_size = 34 : i64}
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[W:.+]]: tensor<34xf32>, %[[X:.+]]: tensor<1x1x4x4xf32>)
// CHECK-NOT: arith.constant dense_resource
// CHECK: %[[S0:.+]] = tensor.extract_slice %[[W]][0] [18] [1] : tensor<34xf32> to tensor<18xf32>
// CHECK: %[[F:.+]] = tensor.expand_shape %[[S0]] {{\[\[}}0, 1, 2, 3]] output_shape [2, 1, 3, 3] : tensor<18xf32> into tensor<2x1x3x3xf32>
// CHECK: %[[B:.+]] = tensor.extract_slice %[[W]][32] [2] [1] : tensor<34xf32> to tensor<2xf32>
// CHECK: cnn.conv2d %[[X]], %[[F]], %[[B]]
// A non-weight constant stays.
// CHECK: arith.constant dense<1.000000e+00> : tensor<f32>
module {
  func.func @forward(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
    %w = arith.constant dense_resource<conv.weight> : tensor<2x1x3x3xf32>
    %b = arith.constant dense_resource<conv.bias> : tensor<2xf32>
    %0 = cnn.conv2d %x, %w, %b padding [1, 1, 1, 1] : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    %one = arith.constant dense<1.0> : tensor<f32>
    %1 = cnn.mul %0, %one : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
    return %1 : tensor<1x2x4x4xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      conv.weight: "0x04000000000000000000803F000000400000404000008040000000000000803F000000400000404000008040000000000000803F000000400000404000008040000000000000803F000000400000404000008040000000000000803F00000040",
      conv.bias: "0x040000000000003F000080BF"
    }
  }
#-}

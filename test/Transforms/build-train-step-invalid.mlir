// cnn-build-train-step reports what it cannot train, naming the op.
// RUN: cnn-opt %s -split-input-file -verify-diagnostics -cnn-build-train-step="lr=0.1"

// expected-error @+1 {{cnn-build-train-step needs a 'forward' function with outlined weights}}
module {
  func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    return %x : tensor<2x4xf32>
  }
}

// -----

module attributes {cnn.weights = [], cnn.weights_size = 0 : i64} {
  // expected-error @+1 {{training needs a model with one input and one output, this one has 1 and 2}}
  func.func @forward(%w: tensor<1xf32>, %x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
    return %x, %x : tensor<2x4xf32>, tensor<2x4xf32>
  }
}

// -----

module attributes {cnn.weights = [], cnn.weights_size = 0 : i64} {
  func.func @forward(%w: tensor<1xf32>, %x: tensor<2x4x3x3xf32>) -> tensor<2x36xf32> {
    // expected-error @+1 {{'cnn.lrn' has no gradient}}
    %0 = cnn.lrn %x size 3 : tensor<2x4x3x3xf32>
    %1 = cnn.flatten %0 : tensor<2x4x3x3xf32> -> tensor<2x36xf32>
    return %1 : tensor<2x36xf32>
  }
}

// -----

module attributes {cnn.weights = [], cnn.weights_size = 0 : i64} {
  // expected-error @+1 {{cross_entropy needs [N, classes] logits, the model's output is 'tensor<2x4x3x3xf32>'}}
  func.func @forward(%w: tensor<1xf32>, %x: tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32> {
    return %x : tensor<2x4x3x3xf32>
  }
}

// Verifier errors of the loss ops.
// RUN: cnn-opt %s -split-input-file -verify-diagnostics

func.func @cross_entropy_batch(%l: tensor<8x10xf32>, %y: tensor<4xi64>) {
  // expected-error @+1 {{'cnn.cross_entropy' op has 4 labels for a batch of 8}}
  %0 = cnn.cross_entropy %l, %y : tensor<8x10xf32>, tensor<4xi64> -> tensor<f32>
  return
}

// -----

func.func @cross_entropy_float_labels(%l: tensor<8x10xf32>, %y: tensor<8xf32>) {
  // expected-error @+1 {{operand #1 must be 1D tensor of 64-bit signless integer or 32-bit signless integer values}}
  %0 = cnn.cross_entropy %l, %y : tensor<8x10xf32>, tensor<8xf32> -> tensor<f32>
  return
}

// -----

func.func @cross_entropy_logits_rank(%l: tensor<10xf32>, %y: tensor<1xi64>) {
  // expected-error @+1 {{operand #0 must be 2D tensor of}}
  %0 = cnn.cross_entropy %l, %y : tensor<10xf32>, tensor<1xi64> -> tensor<f32>
  return
}

// -----

func.func @mse_types(%a: tensor<8x1xf32>, %b: tensor<8x2xf32>) {
  // expected-error @+1 {{failed to verify that all of {input, target} have same type}}
  %0 = "cnn.mse"(%a, %b) : (tensor<8x1xf32>, tensor<8x2xf32>) -> tensor<f32>
  return
}

// -----

func.func @mse_result(%a: tensor<8x1xf32>) {
  // expected-error @+1 {{result #0 must be 0D tensor of}}
  %0 = "cnn.mse"(%a, %a) : (tensor<8x1xf32>, tensor<8x1xf32>) -> tensor<1xf32>
  return
}

// Verifier errors of batch_norm, lrn, l2_normalize and dropout.
// RUN: cnn-opt %s -split-input-file -verify-diagnostics

func.func @batch_norm_channels(%x: tensor<1x8x4x4xf32>, %p: tensor<4xf32>) {
  // expected-error @+1 {{'scale' has 4 elements but the input has 8 channels}}
  %0 = cnn.batch_norm %x, %p, %p, %p, %p : tensor<1x8x4x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @batch_norm_rank(%x: tensor<8xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{expects 'input' of rank 2 or more, got 'tensor<8xf32>'}}
  %0 = cnn.batch_norm %x, %p, %p, %p, %p : tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @batch_norm_epsilon(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>) {
  // expected-error @+1 {{'epsilon' must be non-negative}}
  %0 = cnn.batch_norm %x, %p, %p, %p, %p epsilon -1.0 : tensor<1x8x4x4xf32>, tensor<8xf32>
  return
}

// -----

func.func @batch_norm_param_types(%x: tensor<1x8x4x4xf32>, %p: tensor<8xf32>, %q: tensor<4xf32>) {
  // expected-error @+1 {{all of {scale, bias, mean, variance} have same type}}
  %0 = "cnn.batch_norm"(%x, %p, %q, %p, %p) : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<4xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  return
}

// -----

func.func @lrn_size(%x: tensor<1x8x4x4xf32>) {
  // expected-error @+1 {{'size' must be positive, got 0}}
  %0 = cnn.lrn %x size 0 : tensor<1x8x4x4xf32>
  return
}

// -----

func.func @lrn_rank(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{expects 'input' of rank 3 or more, got 'tensor<2x8xf32>'}}
  %0 = cnn.lrn %x size 3 : tensor<2x8xf32>
  return
}

// -----

func.func @l2_normalize_axis(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'axis' 2 is out of range for rank 2}}
  %0 = cnn.l2_normalize %x axis 2 : tensor<2x8xf32>
  return
}

// -----

func.func @dropout_rate_one(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'rate' must lie in [0, 1), got 1}}
  %0 = cnn.dropout %x rate 1.0 : tensor<2x8xf32>
  return
}

// -----

func.func @dropout_negative_rate(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'rate' must lie in [0, 1), got -0.1}}
  %0 = cnn.dropout %x rate -0.1 : tensor<2x8xf32>
  return
}

// -----

func.func @lrn_negative_size(%x: tensor<1x8x4x4xf32>) {
  // expected-error @+1 {{'size' must be positive, got -3}}
  %0 = cnn.lrn %x size -3 : tensor<1x8x4x4xf32>
  return
}

// Verifier errors of the training ops.
// RUN: cnn-opt %s -split-input-file -verify-diagnostics

func.func @filter_grad_shape(%x: tensor<8x16x32x32xf32>, %dy: tensor<8x32x30x30xf32>) {
  // expected-error @+1 {{'cnn.conv2d_filter_grad' op expects 'output_grad' of shape 8x32x32x32 (the forward output), got 'tensor<8x32x30x30xf32>'}}
  %0 = cnn.conv2d_filter_grad %x, %dy kernel [3, 3] padding [1, 1, 1, 1] : tensor<8x16x32x32xf32>, tensor<8x32x30x30xf32> -> tensor<32x16x3x3xf32>
  return
}

// -----

func.func @filter_grad_groups(%x: tensor<8x16x32x32xf32>, %dy: tensor<8x30x32x32xf32>) {
  // expected-error @+1 {{'cnn.conv2d_filter_grad' op groups 4 must divide the 16 input and 30 output channels}}
  %0 = cnn.conv2d_filter_grad %x, %dy kernel [3, 3] padding [1, 1, 1, 1] groups 4 : tensor<8x16x32x32xf32>, tensor<8x30x32x32xf32> -> tensor<30x4x3x3xf32>
  return
}

// -----

func.func @unknown_activation(%x: tensor<4xf32>) {
  // expected-error @+1 {{'cnn.activation_grad' op has no gradient for activation 'softplus'}}
  %0 = cnn.activation_grad "softplus" %x, %x : tensor<4xf32>
  return
}

// -----

func.func @pool_grad_shape(%x: tensor<1x2x8x8xf32>, %dy: tensor<1x2x3x3xf32>) {
  // expected-error @+1 {{'cnn.max_pool2d_grad' op expects 'output_grad' of shape 1x2x4x4 (the forward output), got 'tensor<1x2x3x3xf32>'}}
  %0 = cnn.max_pool2d_grad %x, %dy kernel [2, 2] stride [2, 2] : tensor<1x2x8x8xf32>, tensor<1x2x3x3xf32>
  return
}

// -----

func.func @reduce_dims(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'cnn.reduce_sum' op 'dims' must be distinct dimensions of the rank-2 input, got [1, 1]}}
  %0 = cnn.reduce_sum %x dims [1, 1] : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @bn_channels(%x: tensor<2x4x3x3xf32>, %c: tensor<5xf32>) {
  // expected-error @+1 {{'cnn.batch_norm_train' op expects 'scale' of 4 channels, got 'tensor<5xf32>'}}
  %0:5 = cnn.batch_norm_train %x, %c, %c, %c, %c : tensor<2x4x3x3xf32>, tensor<5xf32>
  return
}

// -----

func.func @bn_momentum(%x: tensor<2x4x3x3xf32>, %c: tensor<4xf32>) {
  // expected-error @+1 {{'cnn.batch_norm_train' op momentum 1.5 must lie in [0, 1]}}
  %0:5 = cnn.batch_norm_train %x, %c, %c, %c, %c momentum 1.5 : tensor<2x4x3x3xf32>, tensor<4xf32>
  return
}

// -----

func.func @sgd_types(%p: tensor<4xf32>, %g: tensor<5xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'cnn.sgd_update' op failed to verify that all of {param, grad, momentum_buffer} have same type}}
  %0:2 = "cnn.sgd_update"(%p, %g, %p, %lr) : (tensor<4xf32>, tensor<5xf32>, tensor<4xf32>, tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @adam_lr(%p: tensor<4xf32>, %lr: tensor<1xf32>) {
  // expected-error @+1 {{'cnn.adam_update' op operand #4 must be 0D tensor}}
  %0:3 = "cnn.adam_update"(%p, %p, %p, %p, %lr, %lr) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @ce_grad_batch(%l: tensor<8x10xf32>, %y: tensor<4xi64>, %one: tensor<f32>) {
  // expected-error @+1 {{'cnn.cross_entropy_grad' op has 4 labels for a batch of 8}}
  %0 = cnn.cross_entropy_grad %l, %y, %one : tensor<8x10xf32>, tensor<4xi64>, tensor<f32>
  return
}

// -----

func.func @dropout_rate(%x: tensor<4xf32>, %step: tensor<f32>) {
  // expected-error @+1 {{'cnn.dropout_train' op rate 1 must lie in [0, 1)}}
  %0:2 = cnn.dropout_train %x, %step rate 1.0 seed 0 : tensor<4xf32>, tensor<f32>
  return
}

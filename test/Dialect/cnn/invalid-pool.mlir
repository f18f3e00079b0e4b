// Verifier errors of the pooling ops.
// RUN: cnn-opt %s -split-input-file -verify-diagnostics

func.func @max_pool_zero_kernel(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'kernel' must be positive, got [0, 2]}}
  %0 = cnn.max_pool2d %x kernel [0, 2] stride [2, 2] : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return
}

// -----

func.func @max_pool_stride_length(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'stride' must have 2 elements, got 1}}
  %0 = cnn.max_pool2d %x kernel [2, 2] stride [2] : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return
}

// -----

func.func @max_pool_zero_stride(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'stride' must be positive, got [2, 0]}}
  %0 = cnn.max_pool2d %x kernel [2, 2] stride [2, 0] : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return
}

// -----

func.func @max_pool_padding_over_half_window(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{padding [2, 2] in height exceeds half the window (3)}}
  %0 = cnn.max_pool2d %x kernel [3, 3] stride [1, 1] padding [2, 0, 2, 0] : tensor<1x3x8x8xf32> -> tensor<1x3x10x6xf32>
  return
}

// -----

func.func @max_pool_window_larger_than_input(%x: tensor<1x3x2x8xf32>) {
  // expected-error @+1 {{window height 3 exceeds the padded input height 2}}
  %0 = cnn.max_pool2d %x kernel [3, 3] stride [1, 1] : tensor<1x3x2x8xf32> -> tensor<1x3x1x6xf32>
  return
}

// -----

func.func @max_pool_dilated_window(%x: tensor<1x3x8x4xf32>) {
  // expected-error @+1 {{window width 5 exceeds the padded input width 4}}
  %0 = cnn.max_pool2d %x kernel [3, 3] stride [1, 1] dilation [1, 2] : tensor<1x3x8x4xf32> -> tensor<1x3x6x1xf32>
  return
}

// -----

// PyTorch's ceil_mode gives 57 here: the last window starts at 112, inside
// the right padding of 1 but not past it.
func.func @max_pool_ceil_mode_result(%x: tensor<1x64x112x112xf32>) {
  // expected-error @+1 {{result type 'tensor<1x64x56x56xf32>' does not match the inferred 'tensor<1x64x57x57xf32>'}}
  %0 = cnn.max_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] ceil_mode : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
  return
}

// -----

func.func @avg_pool_padding(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{padding [0, 2] in width exceeds half the window (2)}}
  %0 = cnn.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [0, 0, 0, 2] : tensor<1x3x8x8xf32> -> tensor<1x3x4x5xf32>
  return
}

// -----

func.func @avg_pool_negative_padding(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'padding' must be non-negative, got [-1, 0, 0, 0]}}
  %0 = cnn.avg_pool2d %x kernel [2, 2] stride [2, 2] padding [-1, 0, 0, 0] : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  return
}

// -----

func.func @avg_pool_rank(%x: tensor<3x8x8xf32>) {
  // expected-error @+1 {{operand #0 must be 4D tensor of}}
  %0 = cnn.avg_pool2d %x kernel [2, 2] stride [2, 2] : tensor<3x8x8xf32> -> tensor<1x3x4x4xf32>
  return
}

// -----

func.func @global_pool_rank(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{operand #0 must be 4D tensor of}}
  %0 = cnn.global_avg_pool2d %x : tensor<8x8xf32> -> tensor<1x1x1x1xf32>
  return
}

// -----

func.func @global_pool_result(%x: tensor<1x8x7x7xf32>) {
  // expected-error @+1 {{result type 'tensor<1x8x7x1xf32>' does not match the inferred 'tensor<1x8x1x1xf32>'}}
  %0 = "cnn.global_max_pool2d"(%x) : (tensor<1x8x7x7xf32>) -> tensor<1x8x7x1xf32>
  return
}

// -----

func.func @adaptive_pool_zero(%x: tensor<1x8x7x7xf32>) {
  // expected-error @+1 {{'output_size' must be positive, got [0, 1]}}
  %0 = cnn.adaptive_avg_pool2d %x output_size [0, 1] : tensor<1x8x7x7xf32> -> tensor<1x8x1x1xf32>
  return
}

// -----

func.func @adaptive_pool_length(%x: tensor<1x8x7x7xf32>) {
  // expected-error @+1 {{'output_size' must have 2 elements, got 1}}
  %0 = cnn.adaptive_avg_pool2d %x output_size [1] : tensor<1x8x7x7xf32> -> tensor<1x8x1x1xf32>
  return
}

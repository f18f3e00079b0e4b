// Verifier errors of conv2d, conv_transpose2d and dense.
// RUN: cnn-opt %s -split-input-file -verify-diagnostics

func.func @conv_input_rank(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{operand #0 must be 4D tensor of}}
  %0 = cnn.conv2d %x, %w : (tensor<3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_channels_not_divisible_by_groups(%x: tensor<1x6x8x8xf32>, %w: tensor<8x2x3x3xf32>) {
  // expected-error @+1 {{'cnn.conv2d' op input channels (6) are not divisible by groups (4)}}
  %0 = cnn.conv2d %x, %w groups 4 : (tensor<1x6x8x8xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_filters_not_divisible_by_groups(%x: tensor<1x6x8x8xf32>, %w: tensor<8x2x3x3xf32>) {
  // expected-error @+1 {{output channels (8) are not divisible by groups (3)}}
  %0 = cnn.conv2d %x, %w groups 3 : (tensor<1x6x8x8xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_filter_channels(%x: tensor<1x6x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{filter expects 3 input channels per group, but the input has 6 channels in 1 group(s)}}
  %0 = cnn.conv2d %x, %w : (tensor<1x6x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_zero_stride(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'stride' must be positive, got [0, 1]}}
  %0 = cnn.conv2d %x, %w stride [0, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_negative_stride(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'stride' must be positive, got [1, -2]}}
  %0 = cnn.conv2d %x, %w stride [1, -2] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_stride_length(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'stride' must have 2 elements, got 3}}
  %0 = cnn.conv2d %x, %w stride [1, 1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_negative_padding(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'padding' must be non-negative, got [1, 1, -1, 1]}}
  %0 = cnn.conv2d %x, %w padding [1, 1, -1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x7x8xf32>
  return
}

// -----

func.func @conv_padding_length(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'padding' must have 4 elements, got 2}}
  %0 = cnn.conv2d %x, %w padding [1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_zero_dilation(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'dilation' must be positive, got [0, 0]}}
  %0 = cnn.conv2d %x, %w dilation [0, 0] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_zero_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'groups' must be positive, got 0}}
  %0 = cnn.conv2d %x, %w groups 0 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_kernel_larger_than_input(%x: tensor<1x3x4x4xf32>, %w: tensor<4x3x7x7xf32>) {
  // expected-error @+1 {{kernel height 7 (dilated) exceeds the padded input height 6}}
  %0 = cnn.conv2d %x, %w padding [1, 1, 1, 1] : (tensor<1x3x4x4xf32>, tensor<4x3x7x7xf32>) -> tensor<1x4x1x1xf32>
  return
}

// -----

func.func @conv_dilated_kernel_larger_than_input(%x: tensor<1x3x8x4xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{kernel width 5 (dilated) exceeds the padded input width 4}}
  %0 = cnn.conv2d %x, %w dilation [2, 2] : (tensor<1x3x8x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x1xf32>
  return
}

// -----

func.func @conv_bias_length(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{bias has 5 elements but the op has 4 output channels}}
  %0 = cnn.conv2d %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<5xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_bias_rank(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<1x4xf32>) {
  // expected-error @+1 {{operand #2 must be 1D tensor of}}
  %0 = cnn.conv2d %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<1x4xf32>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_element_types(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf16>) {
  // expected-error @+1 {{expects operands of one element type, got 'f32' and 'f16'}}
  %0 = cnn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf16>) -> tensor<1x4x6x6xf32>
  return
}

// -----

func.func @conv_integer_input(%x: tensor<1x3x8x8xi32>, %w: tensor<4x3x3x3xi32>) {
  // expected-error @+1 {{operand #0 must be 4D tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %0 = cnn.conv2d %x, %w : (tensor<1x3x8x8xi32>, tensor<4x3x3x3xi32>) -> tensor<1x4x6x6xi32>
  return
}

// -----

func.func @conv_result_type(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{result type 'tensor<1x4x8x8xf32>' does not match the inferred 'tensor<1x4x6x6xf32>'}}
  %0 = cnn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_transpose_output_padding(%x: tensor<1x4x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{output_padding 2 in height must be smaller than the stride (2) or the dilation (1)}}
  %0 = cnn.conv_transpose2d %x, %w stride [2, 2] output_padding [2, 0] : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x19x17xf32>
  return
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{filter expects 6 input channels, got 4}}
  %0 = cnn.conv_transpose2d %x, %w : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x2x10x10xf32>
  return
}

// -----

func.func @conv_transpose_groups(%x: tensor<1x6x8x8xf32>, %w: tensor<6x2x3x3xf32>) {
  // expected-error @+1 {{input channels (6) are not divisible by groups (4)}}
  %0 = cnn.conv_transpose2d %x, %w groups 4 : (tensor<1x6x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x8x10x10xf32>
  return
}

// -----

func.func @conv_transpose_bias(%x: tensor<1x4x8x8xf32>, %w: tensor<4x2x3x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{bias has 4 elements but the op has 2 output channels}}
  %0 = cnn.conv_transpose2d %x, %w, %b : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>, tensor<4xf32>) -> tensor<1x2x10x10xf32>
  return
}

// -----

func.func @conv_transpose_padding_removes_output(%x: tensor<1x4x1x1xf32>, %w: tensor<4x2x1x1xf32>) {
  // expected-error @+1 {{padding removes the whole output height (-1)}}
  %0 = cnn.conv_transpose2d %x, %w padding [1, 0, 1, 0] : (tensor<1x4x1x1xf32>, tensor<4x2x1x1xf32>) -> tensor<1x2x1x1xf32>
  return
}

// -----

func.func @dense_features(%x: tensor<2x100xf32>, %w: tensor<10x128xf32>) {
  // expected-error @+1 {{weight expects 128 input features, got 100}}
  %0 = cnn.dense %x, %w : (tensor<2x100xf32>, tensor<10x128xf32>) -> tensor<2x10xf32>
  return
}

// -----

func.func @dense_bias(%x: tensor<2x128xf32>, %w: tensor<10x128xf32>, %b: tensor<128xf32>) {
  // expected-error @+1 {{bias has 128 elements but the op has 10 output channels}}
  %0 = cnn.dense %x, %w, %b : (tensor<2x128xf32>, tensor<10x128xf32>, tensor<128xf32>) -> tensor<2x10xf32>
  return
}

// -----

func.func @dense_rank(%x: tensor<2x4x128xf32>, %w: tensor<10x128xf32>) {
  // expected-error @+1 {{operand #0 must be 2D tensor of}}
  %0 = cnn.dense %x, %w : (tensor<2x4x128xf32>, tensor<10x128xf32>) -> tensor<2x10xf32>
  return
}

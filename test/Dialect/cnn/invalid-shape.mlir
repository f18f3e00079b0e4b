// Verifier errors of the data movement ops.
// RUN: cnn-opt %s -split-input-file -verify-diagnostics

func.func @concat_axis(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'axis' 4 is out of range for rank 4}}
  %0 = cnn.concat %a, %a axis 4 : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<1x4x8x8xf32>, %b: tensor<4x8x8xf32>) {
  // expected-error @+1 {{input #1 has rank 3, expected 4}}
  %0 = cnn.concat %a, %b axis 1 : (tensor<1x4x8x8xf32>, tensor<4x8x8xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

func.func @concat_shapes(%a: tensor<1x4x8x8xf32>, %b: tensor<1x4x7x8xf32>) {
  // expected-error @+1 {{input #1 has shape 1x4x7x8, which differs from input #0 (1x4x8x8) in dimension 2 outside the concat axis 1}}
  %0 = cnn.concat %a, %b axis 1 : (tensor<1x4x8x8xf32>, tensor<1x4x7x8xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

func.func @concat_none() {
  // expected-error @+1 {{expected 1 or more operands, but found 0}}
  %0 = "cnn.concat"() {axis = 0 : i64} : () -> tensor<1xf32>
  return
}

// -----

func.func @flatten_order(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'start_dim' (3) comes after 'end_dim' (1)}}
  %0 = cnn.flatten %a start_dim 3 end_dim 1 : tensor<1x4x8x8xf32> -> tensor<256xf32>
  return
}

// -----

func.func @flatten_axis(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'start_dim' 4 is out of range for rank 4}}
  %0 = cnn.flatten %a start_dim 4 : tensor<1x4x8x8xf32> -> tensor<256xf32>
  return
}

// -----

func.func @reshape_two_minus_one(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'shape' may contain -1 only once, got [-1, -1]}}
  %0 = cnn.reshape %a to [-1, -1] : tensor<1x4x8x8xf32> -> tensor<1x256xf32>
  return
}

// -----

func.func @reshape_count(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{cannot reshape 256 elements into [2, 100] (200 elements)}}
  %0 = cnn.reshape %a to [2, 100] : tensor<1x4x8x8xf32> -> tensor<2x100xf32>
  return
}

// -----

func.func @reshape_indivisible(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{cannot reshape 256 elements into [3, -1]}}
  %0 = cnn.reshape %a to [3, -1] : tensor<1x4x8x8xf32> -> tensor<3x85xf32>
  return
}

// -----

func.func @reshape_zero(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'shape' entries must be positive or -1, got [0, 256]}}
  %0 = cnn.reshape %a to [0, 256] : tensor<1x4x8x8xf32> -> tensor<1x256xf32>
  return
}

// -----

func.func @transpose_duplicate(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'perm' [0, 1, 1, 3] is not a permutation of the 4 input dimensions}}
  %0 = cnn.transpose %a perm [0, 1, 1, 3] : tensor<1x4x8x8xf32> -> tensor<1x4x4x8xf32>
  return
}

// -----

func.func @transpose_length(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'perm' [0, 1] is not a permutation of the 4 input dimensions}}
  %0 = cnn.transpose %a perm [0, 1] : tensor<1x4x8x8xf32> -> tensor<1x4xf32>
  return
}

// -----

func.func @pad_length(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'pads' must have 8 elements, got 4}}
  %0 = cnn.pad %a pads [1, 1, 1, 1] : tensor<1x4x8x8xf32> -> tensor<1x4x10x10xf32>
  return
}

// -----

func.func @pad_negative(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'pads' must be non-negative, got [0, 0, -1, 0, 0, 0, 0, 0]}}
  %0 = cnn.pad %a pads [0, 0, -1, 0, 0, 0, 0, 0] : tensor<1x4x8x8xf32> -> tensor<1x4x7x8xf32>
  return
}

// -----

func.func @pad_reflect_too_wide(%a: tensor<1x4x3x8xf32>) {
  // expected-error @+1 {{reflect padding [3, 0] of dimension 2 must be smaller than its size 3}}
  %0 = cnn.pad %a pads [0, 0, 3, 0, 0, 0, 0, 0] mode reflect : tensor<1x4x3x8xf32> -> tensor<1x4x6x8xf32>
  return
}

// -----

func.func @upsample_scale_and_size(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{expects exactly one of 'scale' and 'size'}}
  %0 = cnn.upsample %a nearest scale [2.0, 2.0] size [16, 16] : tensor<1x4x8x8xf32> -> tensor<1x4x16x16xf32>
  return
}

// -----

func.func @upsample_neither(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{expects exactly one of 'scale' and 'size'}}
  %0 = cnn.upsample %a nearest : tensor<1x4x8x8xf32> -> tensor<1x4x16x16xf32>
  return
}

// -----

func.func @upsample_align_corners_nearest(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'align_corners' applies to bilinear mode only}}
  %0 = cnn.upsample %a nearest scale [2.0, 2.0] align_corners : tensor<1x4x8x8xf32> -> tensor<1x4x16x16xf32>
  return
}

// -----

func.func @upsample_scale(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'scale' must be positive, got [0, 2]}}
  %0 = cnn.upsample %a bilinear scale [0.0, 2.0] : tensor<1x4x8x8xf32> -> tensor<1x4x8x16xf32>
  return
}

// -----

func.func @upsample_size(%a: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'size' must have 2 elements, got 3}}
  %0 = cnn.upsample %a bilinear size [1, 16, 16] : tensor<1x4x8x8xf32> -> tensor<1x4x16x16xf32>
  return
}

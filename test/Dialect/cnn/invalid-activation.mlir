// Verifier errors of the activation ops.
// RUN: cnn-opt %s -split-input-file -verify-diagnostics

func.func @clip_bounds(%x: tensor<4xf32>) {
  // expected-error @+1 {{'min' (6) must not exceed 'max' (0)}}
  %0 = cnn.clip %x min 6.0 max 0.0 : tensor<4xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<2x10xf32>) {
  // expected-error @+1 {{'axis' 2 is out of range for rank 2}}
  %0 = cnn.softmax %x axis 2 : tensor<2x10xf32>
  return
}

// -----

func.func @log_softmax_axis(%x: tensor<2x10xf32>) {
  // expected-error @+1 {{'axis' -3 is out of range for rank 2}}
  %0 = cnn.log_softmax %x axis -3 : tensor<2x10xf32>
  return
}

// -----

func.func @relu_integer(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %0 = cnn.relu %x : tensor<4xi32>
  return
}

// -----

func.func @relu_unranked(%x: tensor<*xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor}}
  %0 = "cnn.relu"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @sigmoid_result(%x: tensor<4xf32>) {
  // expected-error @+1 {{result type 'tensor<5xf32>' does not match the inferred 'tensor<4xf32>'}}
  %0 = "cnn.sigmoid"(%x) : (tensor<4xf32>) -> tensor<5xf32>
  return
}

// -----

func.func @gelu_mode(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'approximate' [none, tanh]}}
  %0 = cnn.gelu %x approximate 3 : tensor<4xf32>
  return
}

// -----

func.func @gelu_unknown_mode(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'approximate' [none, tanh]}}
  %0 = cnn.gelu %x approximate erf : tensor<4xf32>
  return
}

// -----

func.func @leaky_relu_integer(%x: tensor<4xi8>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %0 = cnn.leaky_relu %x : tensor<4xi8>
  return
}

// -----

func.func @tanh_result(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{result type 'tensor<4x2xf32>' does not match the inferred 'tensor<2x4xf32>'}}
  %0 = "cnn.tanh"(%x) : (tensor<2x4xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @silu_element_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{result type 'tensor<4xf16>' does not match the inferred 'tensor<4xf32>'}}
  %0 = "cnn.silu"(%x) : (tensor<4xf32>) -> tensor<4xf16>
  return
}

// -----

func.func @hardswish_unranked(%x: tensor<*xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor}}
  %0 = "cnn.hardswish"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @hardsigmoid_result(%x: tensor<4xf32>) {
  // expected-error @+1 {{result type 'tensor<8xf32>' does not match the inferred 'tensor<4xf32>'}}
  %0 = "cnn.hardsigmoid"(%x) : (tensor<4xf32>) -> tensor<8xf32>
  return
}

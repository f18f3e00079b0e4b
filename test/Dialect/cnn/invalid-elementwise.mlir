// Verifier errors of the broadcasting binary ops.
// RUN: cnn-opt %s -split-input-file -verify-diagnostics

func.func @add_no_broadcast(%a: tensor<1x64x8x8xf32>, %b: tensor<1x32x1x1xf32>) {
  // expected-error @+1 {{'cnn.add' op operand shapes 1x64x8x8 and 1x32x1x1 do not broadcast}}
  %0 = cnn.add %a, %b : (tensor<1x64x8x8xf32>, tensor<1x32x1x1xf32>) -> tensor<1x64x8x8xf32>
  return
}

// -----

func.func @mul_trailing_mismatch(%a: tensor<4x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'cnn.mul' op operand shapes 4x3 and 4 do not broadcast}}
  %0 = cnn.mul %a, %b : (tensor<4x3xf32>, tensor<4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @sub_element_types(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{op requires the same element type for all operands and results}}
  %0 = cnn.sub %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

func.func @div_result(%a: tensor<4x1xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{result type 'tensor<4x1xf32>' does not match the inferred 'tensor<4x3xf32>'}}
  %0 = cnn.div %a, %b : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<4x1xf32>
  return
}

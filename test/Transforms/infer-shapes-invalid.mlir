// Refinement exposes operand shapes that an op rejects: the pass reports it.
// RUN: cnn-opt %s -cnn-infer-shapes -verify-diagnostics

func.func @mismatch_found_late(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %fw: tensor<10x100xf32>) -> tensor<?x?xf32> {
  %0 = cnn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x?x?x?xf32>
  %1 = cnn.flatten %0 : tensor<?x?x?x?xf32> -> tensor<?x?xf32>
  // expected-error @+1 {{'cnn.dense' op weight expects 100 input features, got 144}}
  %2 = cnn.dense %1, %fw : (tensor<?x?xf32>, tensor<10x100xf32>) -> tensor<?x?xf32>
  return %2 : tensor<?x?xf32>
}

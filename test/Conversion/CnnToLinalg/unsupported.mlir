// Ops that cannot be lowered are all reported at once, with their layers.
// RUN: not cnn-opt %s --convert-cnn-to-linalg 2>&1 | FileCheck %s

// CHECK: error: 2 op(s) cannot be lowered to code:
// CHECK-NEXT: cnn.relu in layer 'act': dynamic shapes are not supported
// CHECK-NEXT: cnn.dropout in layer 'drop': training-mode dropout needs the training pipeline
func.func @f(%x: tensor<?x4xf32>, %y: tensor<2x4xf32>) -> (tensor<?x4xf32>, tensor<2x4xf32>) {
  %0 = cnn.relu %x : tensor<?x4xf32> loc("act")
  %1 = cnn.dropout %y rate 0.5 training : tensor<2x4xf32> loc("drop")
  return %0, %1 : tensor<?x4xf32>, tensor<2x4xf32>
}

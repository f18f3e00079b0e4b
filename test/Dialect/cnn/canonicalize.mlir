// Folders and canonicalization patterns of the cnn ops.
// RUN: cnn-opt %s -canonicalize -split-input-file | FileCheck %s

// Dropout is the identity at inference.
// CHECK-LABEL: func @dropout_inference
// CHECK-SAME: (%[[X:.+]]: tensor<2x8xf32>)
// CHECK-NOT: cnn.dropout
// CHECK: return %[[X]]
func.func @dropout_inference(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %0 = cnn.dropout %x rate 0.5 : tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

// In training it stays, unless it drops nothing.
// CHECK-LABEL: func @dropout_training
// CHECK: %[[D:.+]] = cnn.dropout %{{.+}} rate 5.000000e-01 training
// CHECK-NOT: cnn.dropout
// CHECK: return %[[D]]
func.func @dropout_training(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %0 = cnn.dropout %x rate 0.5 training : tensor<2x8xf32>
  %1 = cnn.dropout %0 rate 0.0 training : tensor<2x8xf32>
  return %1 : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func @add_zero
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x2x2xf32>)
// CHECK-NOT: cnn.add
// CHECK: return %[[X]], %[[X]]
func.func @add_zero(%x: tensor<1x4x2x2xf32>) -> (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) {
  %zero = arith.constant dense<0.0> : tensor<1x4x2x2xf32>
  %0 = cnn.add %x, %zero : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  // A zero on the left is moved to the right first (add commutes).
  %1 = cnn.add %zero, %x : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  return %0, %1 : tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>
}

// -----

// Adding a broadcast zero changes the shape: it must stay.
// CHECK-LABEL: func @add_zero_broadcasts
// CHECK: cnn.add
func.func @add_zero_broadcasts(%x: tensor<4xf32>) -> tensor<3x4xf32> {
  %zero = arith.constant dense<0.0> : tensor<3x4xf32>
  %0 = cnn.add %x, %zero : (tensor<4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func @identities
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NOT: cnn.
// CHECK: return %[[X]], %[[X]], %[[X]]
func.func @identities(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %zero = arith.constant dense<0.0> : tensor<3xf32>
  %one = arith.constant dense<1.0> : tensor<2x3xf32>
  %0 = cnn.sub %x, %zero : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = cnn.mul %one, %x : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = cnn.div %x, %one : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Non-identity constants stay.
// CHECK-LABEL: func @not_identities
// CHECK: cnn.sub
// CHECK: cnn.mul
func.func @not_identities(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %zero = arith.constant dense<0.0> : tensor<2x3xf32>
  %two = arith.constant dense<2.0> : tensor<2x3xf32>
  %0 = cnn.sub %zero, %x : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = cnn.mul %x, %two : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @reshape_of_reshape
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x2x2xf32>)
// CHECK: %[[R:.+]] = cnn.reshape %[[X]] to [4, 4] : tensor<1x4x2x2xf32> -> tensor<4x4xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_of_reshape(%x: tensor<1x4x2x2xf32>) -> tensor<4x4xf32> {
  %0 = cnn.reshape %x to [2, 8] : tensor<1x4x2x2xf32> -> tensor<2x8xf32>
  %1 = cnn.reshape %0 to [4, 4] : tensor<2x8xf32> -> tensor<4x4xf32>
  return %1 : tensor<4x4xf32>
}

// -----

// CHECK-LABEL: func @reshape_of_flatten
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x2x2xf32>)
// CHECK: %[[R:.+]] = cnn.reshape %[[X]] to [2, 8]
// CHECK-NEXT: return %[[R]]
func.func @reshape_of_flatten(%x: tensor<1x4x2x2xf32>) -> tensor<2x8xf32> {
  %0 = cnn.flatten %x : tensor<1x4x2x2xf32> -> tensor<1x16xf32>
  %1 = cnn.reshape %0 to [2, 8] : tensor<1x16xf32> -> tensor<2x8xf32>
  return %1 : tensor<2x8xf32>
}

// -----

// Shape ops that change nothing fold away.
// CHECK-LABEL: func @noop_shapes
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NOT: cnn.
// CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @noop_shapes(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = cnn.reshape %x to [2, 3] : tensor<2x3xf32> -> tensor<2x3xf32>
  %1 = cnn.flatten %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %2 = cnn.transpose %x perm [0, 1] : tensor<2x3xf32> -> tensor<2x3xf32>
  %3 = cnn.pad %x pads [0, 0, 0, 0] : tensor<2x3xf32> -> tensor<2x3xf32>
  %4 = cnn.concat %x axis 0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2, %3, %4 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Real transposes and pads stay.
// CHECK-LABEL: func @real_shapes
// CHECK: cnn.transpose
// CHECK: cnn.pad
func.func @real_shapes(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<2x5xf32>) {
  %0 = cnn.transpose %x perm [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  %1 = cnn.pad %x pads [0, 1, 0, 1] : tensor<2x3xf32> -> tensor<2x5xf32>
  return %0, %1 : tensor<3x2xf32>, tensor<2x5xf32>
}

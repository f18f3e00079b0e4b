// cnn-fold-batch-norm folds an inference batch norm into the conv2d or dense
// layer before it (its only user), as batch norms of the weights and bias.
// RUN: cnn-opt %s --pass-pipeline="builtin.module(func.func(cnn-fold-batch-norm))" -split-input-file | FileCheck %s

// W' = transpose(batch_norm(transpose(W), gamma, 0, 0, var)): the output
// channel becomes the batch norm's channel dimension and back; the bias is
// normalized as a [1, F] row with all four parameters. The convolution keeps
// its input and attributes and reads the new weight and bias; the batch norm
// of its result is gone.
// CHECK-LABEL: func @conv_bias
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x3x8x8xf32>, %[[W:[^:]+]]: tensor<4x3x3x3xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[G:[^:]+]]: tensor<4xf32>, %[[BETA:[^:]+]]: tensor<4xf32>, %[[M:[^:]+]]: tensor<4xf32>, %[[V:[^:]+]]: tensor<4xf32>)
// CHECK-DAG: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-DAG: %[[WT:.+]] = cnn.transpose %[[W]] perm [1, 0, 2, 3] : tensor<4x3x3x3xf32> -> tensor<3x4x3x3xf32>
// CHECK-DAG: %[[WN:.+]] = cnn.batch_norm %[[WT]], %[[G]], %[[Z]], %[[Z]], %[[V]] epsilon 1.000000e-03 : tensor<3x4x3x3xf32>, tensor<4xf32>
// CHECK-DAG: %[[W2:.+]] = cnn.transpose %[[WN]] perm [1, 0, 2, 3] : tensor<3x4x3x3xf32> -> tensor<4x3x3x3xf32>
// CHECK-DAG: %[[BR:.+]] = cnn.reshape %[[B]] to [1, 4] : tensor<4xf32> -> tensor<1x4xf32>
// CHECK-DAG: %[[BN:.+]] = cnn.batch_norm %[[BR]], %[[G]], %[[BETA]], %[[M]], %[[V]] epsilon 1.000000e-03 : tensor<1x4xf32>, tensor<4xf32>
// CHECK-DAG: %[[B2:.+]] = cnn.reshape %[[BN]] to [4] : tensor<1x4xf32> -> tensor<4xf32>
// CHECK: %[[C:.+]] = cnn.conv2d %[[X]], %[[W2]], %[[B2]] padding [1, 1, 1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
// CHECK-NOT: cnn.batch_norm
// CHECK: return %[[C]]
func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>,
                     %g: tensor<4xf32>, %beta: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %0 = cnn.conv2d %x, %w, %b padding [1, 1, 1, 1] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %1 = cnn.batch_norm %0, %g, %beta, %m, %v epsilon 1.0e-3 : tensor<1x4x8x8xf32>, tensor<4xf32>
  return %1 : tensor<1x4x8x8xf32>
}

// -----

// Without a bias, b = 0: the bias row is a zero constant, and the
// convolution gains a bias operand.
// CHECK-LABEL: func @conv_no_bias
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x3x8x8xf32>, %[[W:[^:]+]]: tensor<4x3x3x3xf32>, %[[G:[^:]+]]: tensor<4xf32>, %[[BETA:[^:]+]]: tensor<4xf32>, %[[M:[^:]+]]: tensor<4xf32>, %[[V:[^:]+]]: tensor<4xf32>)
// CHECK-DAG: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-DAG: %[[ZROW:.+]] = arith.constant dense<0.000000e+00> : tensor<1x4xf32>
// CHECK-DAG: %[[WT:.+]] = cnn.transpose %[[W]] perm [1, 0, 2, 3]
// CHECK-DAG: %[[WN:.+]] = cnn.batch_norm %[[WT]], %[[G]], %[[Z]], %[[Z]], %[[V]] : tensor<3x4x3x3xf32>, tensor<4xf32>
// CHECK-DAG: %[[W2:.+]] = cnn.transpose %[[WN]] perm [1, 0, 2, 3] : tensor<3x4x3x3xf32> -> tensor<4x3x3x3xf32>
// CHECK-DAG: %[[BN:.+]] = cnn.batch_norm %[[ZROW]], %[[G]], %[[BETA]], %[[M]], %[[V]] : tensor<1x4xf32>, tensor<4xf32>
// CHECK-DAG: %[[B2:.+]] = cnn.reshape %[[BN]] to [4] : tensor<1x4xf32> -> tensor<4xf32>
// CHECK: %[[C:.+]] = cnn.conv2d %[[X]], %[[W2]], %[[B2]] : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
// CHECK-NOT: cnn.batch_norm
// CHECK: return %[[C]]
func.func @conv_no_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>,
                        %g: tensor<4xf32>, %beta: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<1x4x6x6xf32> {
  %0 = cnn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %1 = cnn.batch_norm %0, %g, %beta, %m, %v : tensor<1x4x6x6xf32>, tensor<4xf32>
  return %1 : tensor<1x4x6x6xf32>
}

// -----

// A dense layer: its [F, K] weight is transposed to [K, F] around the batch
// norm.
// CHECK-LABEL: func @dense
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x16xf32>, %[[W:[^:]+]]: tensor<10x16xf32>, %[[B:[^:]+]]: tensor<10xf32>, %[[G:[^:]+]]: tensor<10xf32>, %[[BETA:[^:]+]]: tensor<10xf32>, %[[M:[^:]+]]: tensor<10xf32>, %[[V:[^:]+]]: tensor<10xf32>)
// CHECK-DAG: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<10xf32>
// CHECK-DAG: %[[WT:.+]] = cnn.transpose %[[W]] perm [1, 0] : tensor<10x16xf32> -> tensor<16x10xf32>
// CHECK-DAG: %[[WN:.+]] = cnn.batch_norm %[[WT]], %[[G]], %[[Z]], %[[Z]], %[[V]] : tensor<16x10xf32>, tensor<10xf32>
// CHECK-DAG: %[[W2:.+]] = cnn.transpose %[[WN]] perm [1, 0] : tensor<16x10xf32> -> tensor<10x16xf32>
// CHECK-DAG: %[[BR:.+]] = cnn.reshape %[[B]] to [1, 10] : tensor<10xf32> -> tensor<1x10xf32>
// CHECK-DAG: %[[BN:.+]] = cnn.batch_norm %[[BR]], %[[G]], %[[BETA]], %[[M]], %[[V]] : tensor<1x10xf32>, tensor<10xf32>
// CHECK-DAG: %[[B2:.+]] = cnn.reshape %[[BN]] to [10] : tensor<1x10xf32> -> tensor<10xf32>
// CHECK: %[[D:.+]] = cnn.dense %[[X]], %[[W2]], %[[B2]] : (tensor<2x16xf32>, tensor<10x16xf32>, tensor<10xf32>) -> tensor<2x10xf32>
// CHECK-NOT: cnn.batch_norm
// CHECK: return %[[D]]
func.func @dense(%x: tensor<2x16xf32>, %w: tensor<10x16xf32>, %b: tensor<10xf32>,
                 %g: tensor<10xf32>, %beta: tensor<10xf32>, %m: tensor<10xf32>, %v: tensor<10xf32>) -> tensor<2x10xf32> {
  %0 = cnn.dense %x, %w, %b : (tensor<2x16xf32>, tensor<10x16xf32>, tensor<10xf32>) -> tensor<2x10xf32>
  %1 = cnn.batch_norm %0, %g, %beta, %m, %v : tensor<2x10xf32>, tensor<10xf32>
  return %1 : tensor<2x10xf32>
}

// -----

// Batch norm parameters computed after the convolution: the convolution
// moves down to the batch norm, after its new weight and bias.
// CHECK-LABEL: func @params_after_conv
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x3x8x8xf32>, %[[W:[^:]+]]: tensor<4x3x3x3xf32>, %[[G:[^:]+]]: tensor<4xf32>
// CHECK: %[[G2:.+]] = cnn.relu %[[G]]
// CHECK: %[[WT:.+]] = cnn.transpose %[[W]]
// CHECK: %[[WN:.+]] = cnn.batch_norm %[[WT]], %[[G2]],
// CHECK: %[[W2:.+]] = cnn.transpose %[[WN]]
// CHECK: %[[BN:.+]] = cnn.batch_norm %{{.+}}, %[[G2]],
// CHECK: %[[B2:.+]] = cnn.reshape %[[BN]] to [4]
// CHECK: %[[C:.+]] = cnn.conv2d %[[X]], %[[W2]], %[[B2]]
// CHECK-NOT: cnn.batch_norm
// CHECK: return %[[C]]
func.func @params_after_conv(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>,
                             %g: tensor<4xf32>, %beta: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<1x4x6x6xf32> {
  %0 = cnn.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  %g2 = cnn.relu %g : tensor<4xf32>
  %1 = cnn.batch_norm %0, %g2, %beta, %m, %v : tensor<1x4x6x6xf32>, tensor<4xf32>
  return %1 : tensor<1x4x6x6xf32>
}

// -----

// The convolution's result has another user besides the batch norm: folding
// would change what that user sees, so nothing changes.
// CHECK-LABEL: func @conv_two_uses
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x3x8x8xf32>, %[[W:[^:]+]]: tensor<4x3x3x3xf32>, %[[B:[^:]+]]: tensor<4xf32>, %[[G:[^:]+]]: tensor<4xf32>, %[[BETA:[^:]+]]: tensor<4xf32>, %[[M:[^:]+]]: tensor<4xf32>, %[[V:[^:]+]]: tensor<4xf32>)
// CHECK-NOT: cnn.transpose
// CHECK-NOT: cnn.reshape
// CHECK: %[[C:.+]] = cnn.conv2d %[[X]], %[[W]], %[[B]] :
// CHECK-NEXT: %[[N:.+]] = cnn.batch_norm %[[C]], %[[G]], %[[BETA]], %[[M]], %[[V]] :
// CHECK-NEXT: %[[R:.+]] = cnn.relu %[[C]]
// CHECK-NEXT: return %[[N]], %[[R]]
func.func @conv_two_uses(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>,
                         %g: tensor<4xf32>, %beta: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> (tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>) {
  %0 = cnn.conv2d %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  %1 = cnn.batch_norm %0, %g, %beta, %m, %v : tensor<1x4x6x6xf32>, tensor<4xf32>
  %2 = cnn.relu %0 : tensor<1x4x6x6xf32>
  return %1, %2 : tensor<1x4x6x6xf32>, tensor<1x4x6x6xf32>
}

// -----

// A batch norm of anything else stays.
// CHECK-LABEL: func @not_after_layer
// CHECK: %[[R:.+]] = cnn.relu
// CHECK-NEXT: cnn.batch_norm %[[R]],
func.func @not_after_layer(%x: tensor<1x4x6x6xf32>, %g: tensor<4xf32>, %beta: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<1x4x6x6xf32> {
  %0 = cnn.relu %x : tensor<1x4x6x6xf32>
  %1 = cnn.batch_norm %0, %g, %beta, %m, %v : tensor<1x4x6x6xf32>, tensor<4xf32>
  return %1 : tensor<1x4x6x6xf32>
}

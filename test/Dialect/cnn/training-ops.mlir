// Round trip of the training ops (gradients, batch norm in training form,
// optimizer updates) in their custom form and through the generic form;
// result types are inferred.
// RUN: cnn-opt %s | cnn-opt | FileCheck %s
// RUN: cnn-opt %s --mlir-print-op-generic | cnn-opt | FileCheck %s

// CHECK-LABEL: func @gradients
func.func @gradients(%x: tensor<8x16x32x32xf32>, %dy: tensor<8x32x16x16xf32>,
                     %p: tensor<8x16x16x16xf32>, %l: tensor<8x10xf32>,
                     %y: tensor<8xi64>, %one: tensor<f32>) {
  // CHECK: cnn.conv2d_filter_grad %{{.+}}, %{{.+}} kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] groups 2 : tensor<8x16x32x32xf32>, tensor<8x32x16x16xf32> -> tensor<32x8x3x3xf32>
  %0 = cnn.conv2d_filter_grad %x, %dy kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] groups 2 : tensor<8x16x32x32xf32>, tensor<8x32x16x16xf32> -> tensor<32x8x3x3xf32>
  // CHECK: cnn.activation_grad "leaky_relu" %{{.+}}, %{{.+}} {alpha = 1.000000e-01 : f32} : tensor<8x16x32x32xf32>
  %1 = cnn.activation_grad "leaky_relu" %x, %x {alpha = 0.1 : f32} : tensor<8x16x32x32xf32>
  // CHECK: cnn.max_pool2d_grad %{{.+}}, %{{.+}} kernel [2, 2] stride [2, 2] : tensor<8x16x32x32xf32>, tensor<8x16x16x16xf32>
  %2 = cnn.max_pool2d_grad %x, %p kernel [2, 2] stride [2, 2] : tensor<8x16x32x32xf32>, tensor<8x16x16x16xf32>
  // CHECK: cnn.avg_pool2d_grad %{{.+}}, %{{.+}} kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] count_include_pad = false : tensor<8x16x32x32xf32>, tensor<8x16x16x16xf32>
  %3 = cnn.avg_pool2d_grad %x, %p kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] count_include_pad = false : tensor<8x16x32x32xf32>, tensor<8x16x16x16xf32>
  // CHECK: cnn.reduce_sum %{{.+}} dims [0, 2, 3] : tensor<8x32x16x16xf32> -> tensor<32xf32>
  %4 = cnn.reduce_sum %dy dims [0, 2, 3] : tensor<8x32x16x16xf32> -> tensor<32xf32>
  // CHECK: cnn.cross_entropy_grad %{{.+}}, %{{.+}}, %{{.+}} : tensor<8x10xf32>, tensor<8xi64>, tensor<f32>
  %5 = cnn.cross_entropy_grad %l, %y, %one : tensor<8x10xf32>, tensor<8xi64>, tensor<f32>
  // CHECK: cnn.mse_grad %{{.+}}, %{{.+}}, %{{.+}} reduction sum : tensor<8x10xf32>, tensor<f32>
  %6 = cnn.mse_grad %l, %l, %one reduction sum : tensor<8x10xf32>, tensor<f32>
  return
}

// CHECK-LABEL: func @batch_norm_train
func.func @batch_norm_train(%x: tensor<8x4x5x5xf32>, %c: tensor<4xf32>) {
  // CHECK: = cnn.batch_norm_train %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} epsilon 1.000000e-03 momentum 0.00999999977 : tensor<8x4x5x5xf32>, tensor<4xf32>
  %y:5 = cnn.batch_norm_train %x, %c, %c, %c, %c epsilon 1.0e-3 momentum 0.01 : tensor<8x4x5x5xf32>, tensor<4xf32>
  // CHECK: = cnn.batch_norm_grad %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<8x4x5x5xf32>, tensor<4xf32>
  %g:3 = cnn.batch_norm_grad %x, %y#0, %c, %y#3, %y#4 : tensor<8x4x5x5xf32>, tensor<4xf32>
  return
}

// CHECK-LABEL: func @updates
func.func @updates(%p: tensor<64xf32>, %lr: tensor<f32>) {
  // CHECK: = cnn.sgd_update %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} momentum 0.899999976 nesterov weight_decay 9.99999974E-5 : tensor<64xf32>, tensor<f32>
  %0:2 = cnn.sgd_update %p, %p, %p, %lr momentum 0.9 nesterov weight_decay 1.0e-4 : tensor<64xf32>, tensor<f32>
  // CHECK: = cnn.adam_update %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} beta2 9.900000e-01 weight_decay 0.00999999977 decoupled : tensor<64xf32>, tensor<f32>
  %1:3 = cnn.adam_update %p, %p, %p, %p, %lr, %lr beta2 0.99 weight_decay 0.01 decoupled : tensor<64xf32>, tensor<f32>
  return
}

// CHECK-LABEL: func @dropout_train
func.func @dropout_train(%x: tensor<8x64xf32>, %step: tensor<f32>) {
  // CHECK: = cnn.dropout_train %{{.+}}, %{{.+}} rate 5.000000e-01 seed 7 : tensor<8x64xf32>, tensor<f32>
  %y:2 = cnn.dropout_train %x, %step rate 0.5 seed 7 : tensor<8x64xf32>, tensor<f32>
  return
}

// Round trip of every cnn op in its custom form, and through the generic form.
// RUN: cnn-opt %s | cnn-opt | FileCheck %s
// RUN: cnn-opt %s --mlir-print-op-generic | cnn-opt | FileCheck %s

// CHECK-LABEL: func @conv
func.func @conv(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %b: tensor<64xf32>,
                %dw: tensor<64x1x3x3xf32>, %gw: tensor<32x16x3x3xf32>) {
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}}, %{{.*}} stride [2, 2] padding [3, 3, 3, 3] : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  %0 = cnn.conv2d %x, %w, %b stride [2, 2] padding [3, 3, 3, 3]
      : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  // Defaults are elided when printed.
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}} padding [1, 1, 1, 1] groups 64 : (tensor<1x64x112x112xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x112x112xf32>
  %1 = cnn.conv2d %0, %dw stride [1, 1] padding [1, 1, 1, 1] dilation [1, 1] groups 64
      : (tensor<1x64x112x112xf32>, tensor<64x1x3x3xf32>) -> tensor<1x64x112x112xf32>
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}} padding [2, 2, 2, 2] dilation [2, 2] groups 4 : (tensor<1x64x112x112xf32>, tensor<32x16x3x3xf32>) -> tensor<1x32x112x112xf32>
  %2 = cnn.conv2d %1, %gw padding [2, 2, 2, 2] dilation [2, 2] groups 4
      : (tensor<1x64x112x112xf32>, tensor<32x16x3x3xf32>) -> tensor<1x32x112x112xf32>
  return
}

// CHECK-LABEL: func @conv_transpose
func.func @conv_transpose(%x: tensor<1x64x28x28xf32>, %w: tensor<64x32x2x2xf32>, %b: tensor<32xf32>,
                          %w3: tensor<64x8x3x3xf32>) {
  // CHECK: cnn.conv_transpose2d %{{.*}}, %{{.*}}, %{{.*}} stride [2, 2] : (tensor<1x64x28x28xf32>, tensor<64x32x2x2xf32>, tensor<32xf32>) -> tensor<1x32x56x56xf32>
  %0 = cnn.conv_transpose2d %x, %w, %b stride [2, 2]
      : (tensor<1x64x28x28xf32>, tensor<64x32x2x2xf32>, tensor<32xf32>) -> tensor<1x32x56x56xf32>
  // CHECK: cnn.conv_transpose2d %{{.*}}, %{{.*}} stride [2, 2] padding [1, 1, 1, 1] output_padding [1, 1] groups 2 : (tensor<1x64x28x28xf32>, tensor<64x8x3x3xf32>) -> tensor<1x16x56x56xf32>
  %1 = cnn.conv_transpose2d %x, %w3 stride [2, 2] padding [1, 1, 1, 1] output_padding [1, 1] groups 2
      : (tensor<1x64x28x28xf32>, tensor<64x8x3x3xf32>) -> tensor<1x16x56x56xf32>
  return
}

// CHECK-LABEL: func @dense
func.func @dense(%x: tensor<2x512xf32>, %w: tensor<10x512xf32>, %b: tensor<10xf32>) {
  // CHECK: cnn.dense %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x512xf32>, tensor<10x512xf32>, tensor<10xf32>) -> tensor<2x10xf32>
  %0 = cnn.dense %x, %w, %b : (tensor<2x512xf32>, tensor<10x512xf32>, tensor<10xf32>) -> tensor<2x10xf32>
  // CHECK: cnn.dense %{{.*}}, %{{.*}} : (tensor<2x512xf32>, tensor<10x512xf32>) -> tensor<2x10xf32>
  %1 = cnn.dense %x, %w : (tensor<2x512xf32>, tensor<10x512xf32>) -> tensor<2x10xf32>
  return
}

// CHECK-LABEL: func @pools
func.func @pools(%x: tensor<1x64x112x112xf32>) {
  // CHECK: cnn.max_pool2d %{{.*}} kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
  %0 = cnn.max_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1]
      : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
  // CHECK: cnn.max_pool2d %{{.*}} kernel [3, 3] stride [2, 2] dilation [2, 2] ceil_mode : tensor<1x64x112x112xf32> -> tensor<1x64x55x55xf32>
  %1 = cnn.max_pool2d %x kernel [3, 3] stride [2, 2] dilation [2, 2] ceil_mode
      : tensor<1x64x112x112xf32> -> tensor<1x64x55x55xf32>
  // CHECK: cnn.avg_pool2d %{{.*}} kernel [3, 3] stride [1, 1] padding [1, 1, 1, 1] count_include_pad = false : tensor<1x64x56x56xf32> -> tensor<1x64x56x56xf32>
  %2 = cnn.avg_pool2d %0 kernel [3, 3] stride [1, 1] padding [1, 1, 1, 1] count_include_pad = false
      : tensor<1x64x56x56xf32> -> tensor<1x64x56x56xf32>
  // CHECK: cnn.avg_pool2d %{{.*}} kernel [2, 2] stride [2, 2] ceil_mode : tensor<1x64x56x56xf32> -> tensor<1x64x28x28xf32>
  %3 = cnn.avg_pool2d %0 kernel [2, 2] stride [2, 2] ceil_mode count_include_pad = true
      : tensor<1x64x56x56xf32> -> tensor<1x64x28x28xf32>
  // CHECK: cnn.global_avg_pool2d %{{.*}} : tensor<1x64x56x56xf32> -> tensor<1x64x1x1xf32>
  %4 = cnn.global_avg_pool2d %0 : tensor<1x64x56x56xf32> -> tensor<1x64x1x1xf32>
  // CHECK: cnn.global_max_pool2d %{{.*}} : tensor<1x64x56x56xf32> -> tensor<1x64x1x1xf32>
  %5 = cnn.global_max_pool2d %0 : tensor<1x64x56x56xf32> -> tensor<1x64x1x1xf32>
  // CHECK: cnn.adaptive_avg_pool2d %{{.*}} output_size [7, 7] : tensor<1x64x56x56xf32> -> tensor<1x64x7x7xf32>
  %6 = cnn.adaptive_avg_pool2d %0 output_size [7, 7] : tensor<1x64x56x56xf32> -> tensor<1x64x7x7xf32>
  return
}

// CHECK-LABEL: func @activations
func.func @activations(%x: tensor<1x16x8x8xf32>, %v: tensor<4x10xf32>) {
  // CHECK: cnn.relu %{{.*}} : tensor<1x16x8x8xf32>
  %0 = cnn.relu %x : tensor<1x16x8x8xf32>
  // CHECK: cnn.leaky_relu %{{.*}} : tensor<1x16x8x8xf32>
  %1 = cnn.leaky_relu %x : tensor<1x16x8x8xf32>
  // CHECK: cnn.leaky_relu %{{.*}} alpha 1.000000e-01 : tensor<1x16x8x8xf32>
  %2 = cnn.leaky_relu %x alpha 0.1 : tensor<1x16x8x8xf32>
  // CHECK: cnn.clip %{{.*}} min 0.000000e+00 max 6.000000e+00 : tensor<1x16x8x8xf32>
  %3 = cnn.clip %x min 0.0 max 6.0 : tensor<1x16x8x8xf32>
  // CHECK: cnn.sigmoid %{{.*}} : tensor<1x16x8x8xf32>
  %4 = cnn.sigmoid %x : tensor<1x16x8x8xf32>
  // CHECK: cnn.tanh %{{.*}} : tensor<1x16x8x8xf32>
  %5 = cnn.tanh %x : tensor<1x16x8x8xf32>
  // CHECK: cnn.silu %{{.*}} : tensor<1x16x8x8xf32>
  %6 = cnn.silu %x : tensor<1x16x8x8xf32>
  // CHECK: cnn.hardswish %{{.*}} : tensor<1x16x8x8xf32>
  %7 = cnn.hardswish %x : tensor<1x16x8x8xf32>
  // CHECK: cnn.hardsigmoid %{{.*}} : tensor<1x16x8x8xf32>
  %8 = cnn.hardsigmoid %x : tensor<1x16x8x8xf32>
  // CHECK: cnn.hardsigmoid %{{.*}} alpha 2.000000e-01 : tensor<1x16x8x8xf32>
  %9 = cnn.hardsigmoid %x alpha 0.2 beta 0.5 : tensor<1x16x8x8xf32>
  // CHECK: cnn.gelu %{{.*}} : tensor<1x16x8x8xf32>
  %10 = cnn.gelu %x : tensor<1x16x8x8xf32>
  // CHECK: cnn.gelu %{{.*}} approximate tanh : tensor<1x16x8x8xf32>
  %11 = cnn.gelu %x approximate tanh : tensor<1x16x8x8xf32>
  // CHECK: cnn.softmax %{{.*}} axis 1 : tensor<4x10xf32>
  %12 = cnn.softmax %v axis 1 : tensor<4x10xf32>
  // CHECK: cnn.log_softmax %{{.*}} axis -1 : tensor<4x10xf32>
  %13 = cnn.log_softmax %v axis -1 : tensor<4x10xf32>
  return
}

// CHECK-LABEL: func @norms
func.func @norms(%x: tensor<1x64x8x8xf32>, %p: tensor<64xf32>, %e: tensor<2x512xf32>,
                 %q: tensor<512xf32>) {
  // CHECK: cnn.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x64x8x8xf32>, tensor<64xf32>
  %0 = cnn.batch_norm %x, %p, %p, %p, %p : tensor<1x64x8x8xf32>, tensor<64xf32>
  // CHECK: cnn.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} epsilon 1.000000e-03 : tensor<2x512xf32>, tensor<512xf32>
  %1 = cnn.batch_norm %e, %q, %q, %q, %q epsilon 1.0e-3 : tensor<2x512xf32>, tensor<512xf32>
  // CHECK: cnn.lrn %{{.*}} size 5 bias 2.000000e+00 : tensor<1x64x8x8xf32>
  %2 = cnn.lrn %x size 5 alpha 1.0e-4 beta 0.75 bias 2.0 : tensor<1x64x8x8xf32>
  // CHECK: cnn.l2_normalize %{{.*}} axis 1 : tensor<2x512xf32>
  %3 = cnn.l2_normalize %e axis 1 : tensor<2x512xf32>
  // CHECK: cnn.l2_normalize %{{.*}} axis 1 epsilon 9.99999974E-6 : tensor<2x512xf32>
  %4 = cnn.l2_normalize %e axis 1 epsilon 1.0e-5 : tensor<2x512xf32>
  // CHECK: cnn.dropout %{{.*}} rate 5.000000e-01 : tensor<2x512xf32>
  %5 = cnn.dropout %e rate 0.5 : tensor<2x512xf32>
  // CHECK: cnn.dropout %{{.*}} rate 2.000000e-01 training : tensor<2x512xf32>
  %6 = cnn.dropout %e rate 0.2 training : tensor<2x512xf32>
  return
}

// CHECK-LABEL: func @elementwise
func.func @elementwise(%a: tensor<1x64x8x8xf32>, %b: tensor<1x64x1x1xf32>, %c: tensor<8xf32>) {
  // CHECK: cnn.add %{{.*}}, %{{.*}} : (tensor<1x64x8x8xf32>, tensor<1x64x8x8xf32>) -> tensor<1x64x8x8xf32>
  %0 = cnn.add %a, %a : (tensor<1x64x8x8xf32>, tensor<1x64x8x8xf32>) -> tensor<1x64x8x8xf32>
  // CHECK: cnn.sub %{{.*}}, %{{.*}} : (tensor<1x64x8x8xf32>, tensor<1x64x1x1xf32>) -> tensor<1x64x8x8xf32>
  %1 = cnn.sub %a, %b : (tensor<1x64x8x8xf32>, tensor<1x64x1x1xf32>) -> tensor<1x64x8x8xf32>
  // CHECK: cnn.mul %{{.*}}, %{{.*}} : (tensor<1x64x1x1xf32>, tensor<1x64x8x8xf32>) -> tensor<1x64x8x8xf32>
  %2 = cnn.mul %b, %a : (tensor<1x64x1x1xf32>, tensor<1x64x8x8xf32>) -> tensor<1x64x8x8xf32>
  // CHECK: cnn.div %{{.*}}, %{{.*}} : (tensor<1x64x8x8xf32>, tensor<8xf32>) -> tensor<1x64x8x8xf32>
  %3 = cnn.div %a, %c : (tensor<1x64x8x8xf32>, tensor<8xf32>) -> tensor<1x64x8x8xf32>
  return
}

// CHECK-LABEL: func @shapes
func.func @shapes(%a: tensor<1x64x28x28xf32>, %b: tensor<1x32x28x28xf32>, %u: tensor<1x8x13x13xf32>) {
  // CHECK: cnn.concat %{{.*}}, %{{.*}} axis 1 : (tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>) -> tensor<1x96x28x28xf32>
  %0 = cnn.concat %a, %b axis 1 : (tensor<1x64x28x28xf32>, tensor<1x32x28x28xf32>) -> tensor<1x96x28x28xf32>
  // CHECK: cnn.flatten %{{.*}} : tensor<1x64x28x28xf32> -> tensor<1x50176xf32>
  %1 = cnn.flatten %a : tensor<1x64x28x28xf32> -> tensor<1x50176xf32>
  // CHECK: cnn.flatten %{{.*}} start_dim 2 : tensor<1x64x28x28xf32> -> tensor<1x64x784xf32>
  %2 = cnn.flatten %a start_dim 2 end_dim -1 : tensor<1x64x28x28xf32> -> tensor<1x64x784xf32>
  // CHECK: cnn.reshape %{{.*}} to [1, -1, 28] : tensor<1x64x28x28xf32> -> tensor<1x1792x28xf32>
  %3 = cnn.reshape %a to [1, -1, 28] : tensor<1x64x28x28xf32> -> tensor<1x1792x28xf32>
  // CHECK: cnn.transpose %{{.*}} perm [0, 2, 3, 1] : tensor<1x64x28x28xf32> -> tensor<1x28x28x64xf32>
  %4 = cnn.transpose %a perm [0, 2, 3, 1] : tensor<1x64x28x28xf32> -> tensor<1x28x28x64xf32>
  // CHECK: cnn.pad %{{.*}} pads [0, 0, 1, 2, 0, 0, 3, 4] : tensor<1x64x28x28xf32> -> tensor<1x64x32x34xf32>
  %5 = cnn.pad %a pads [0, 0, 1, 2, 0, 0, 3, 4] : tensor<1x64x28x28xf32> -> tensor<1x64x32x34xf32>
  // CHECK: cnn.pad %{{.*}} pads [0, 0, 3, 3, 0, 0, 3, 3] mode reflect : tensor<1x64x28x28xf32> -> tensor<1x64x34x34xf32>
  %6 = cnn.pad %a pads [0, 0, 3, 3, 0, 0, 3, 3] mode reflect : tensor<1x64x28x28xf32> -> tensor<1x64x34x34xf32>
  // CHECK: cnn.pad %{{.*}} pads [0, 0, 0, 0, 0, 0, 1, 1] value -1.000000e+00 : tensor<1x64x28x28xf32> -> tensor<1x64x29x29xf32>
  %7 = cnn.pad %a pads [0, 0, 0, 0, 0, 0, 1, 1] mode constant value -1.0 : tensor<1x64x28x28xf32> -> tensor<1x64x29x29xf32>
  // CHECK: cnn.upsample %{{.*}} nearest scale [2.000000e+00, 2.000000e+00] : tensor<1x8x13x13xf32> -> tensor<1x8x26x26xf32>
  %8 = cnn.upsample %u nearest scale [2.0, 2.0] : tensor<1x8x13x13xf32> -> tensor<1x8x26x26xf32>
  // CHECK: cnn.upsample %{{.*}} bilinear size [20, 30] align_corners : tensor<1x8x13x13xf32> -> tensor<1x8x20x30xf32>
  %9 = cnn.upsample %u bilinear size [20, 30] align_corners : tensor<1x8x13x13xf32> -> tensor<1x8x20x30xf32>
  return
}

// CHECK-LABEL: func @losses
func.func @losses(%logits: tensor<64x10xf32>, %labels: tensor<64xi64>, %y: tensor<8x1xf32>) {
  // CHECK: cnn.cross_entropy %{{.*}}, %{{.*}} : tensor<64x10xf32>, tensor<64xi64> -> tensor<f32>
  %0 = cnn.cross_entropy %logits, %labels : tensor<64x10xf32>, tensor<64xi64> -> tensor<f32>
  // CHECK: cnn.cross_entropy %{{.*}}, %{{.*}} reduction sum : tensor<64x10xf32>, tensor<64xi64> -> tensor<f32>
  %1 = cnn.cross_entropy %logits, %labels reduction sum : tensor<64x10xf32>, tensor<64xi64> -> tensor<f32>
  // CHECK: cnn.mse %{{.*}}, %{{.*}} : tensor<8x1xf32> -> tensor<f32>
  %2 = cnn.mse %y, %y : tensor<8x1xf32> -> tensor<f32>
  return
}

// Element types other than f32 are accepted.
// CHECK-LABEL: func @half
func.func @half(%x: tensor<1x4x8x8xf16>, %w: tensor<4x4x1x1xf16>, %y: tensor<2x3xbf16>) {
  // CHECK: cnn.conv2d %{{.*}}, %{{.*}} : (tensor<1x4x8x8xf16>, tensor<4x4x1x1xf16>) -> tensor<1x4x8x8xf16>
  %0 = cnn.conv2d %x, %w : (tensor<1x4x8x8xf16>, tensor<4x4x1x1xf16>) -> tensor<1x4x8x8xf16>
  // CHECK: cnn.relu %{{.*}} : tensor<2x3xbf16>
  %1 = cnn.relu %y : tensor<2x3xbf16>
  return
}

// RUN: cnn-opt %s --convert-cnn-to-linalg --split-input-file | FileCheck %s

// ReLU and clip bounds propagate NaN but leave the sign of a zero open
// (nsz), which lets LLVM lower each to a single vmaxps / vminps.
// CHECK-LABEL: func @relu6
// CHECK: linalg.generic
// CHECK: %[[LO:.+]] = arith.maximumf %{{.+}}, %{{.+}} fastmath<nsz> : f32
// CHECK: arith.minimumf %[[LO]], %{{.+}} fastmath<nsz> : f32
func.func @relu6(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = cnn.clip %x min 0.0 max 6.0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @relu
// CHECK: linalg.generic
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.maximumf %{{.+}}, %[[ZERO]] fastmath<nsz> : f32
func.func @relu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = cnn.relu %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Exact GELU uses erf; the tanh form uses tanh.
// CHECK-LABEL: func @gelu
// CHECK: math.erf
// CHECK: math.tanh
func.func @gelu(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = cnn.gelu %x : tensor<4xf32>
  %1 = cnn.gelu %x approximate tanh : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Softmax: the max along the axis, shifted exponentials summed, then a
// broadcast division. The reductions keep the axis with size 1.
// CHECK-DAG: #[[KEEP:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func @softmax
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #[[KEEP]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK: arith.subf
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: math.exp
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: arith.divf
func.func @softmax(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %0 = cnn.softmax %x axis -1 : tensor<2x10xf32>
  return %0 : tensor<2x10xf32>
}

// RUN: cnn-opt %s --convert-cnn-to-linalg --split-input-file | FileCheck %s

// NumPy broadcasting: size-1 dims read index 0, missing leading dims drop.
// CHECK-DAG: #[[FULL:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CHAN:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
// CHECK-LABEL: func @add_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[FULL]], #[[CHAN]], #[[FULL]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%{{.+}}, %{{.+}} : tensor<2x3x4x4xf32>, tensor<3x1x1xf32>)
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<2x3x4x4xf32>, %b: tensor<3x1x1xf32>) -> tensor<2x3x4x4xf32> {
  %0 = cnn.add %a, %b : (tensor<2x3x4x4xf32>, tensor<3x1x1xf32>) -> tensor<2x3x4x4xf32>
  return %0 : tensor<2x3x4x4xf32>
}

// -----

// Both operands broadcast: [4, 1] - [3] -> [4, 3].
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @sub_both
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ROW]], {{.*}}]
// CHECK: arith.subf
func.func @sub_both(%a: tensor<4x1xf32>, %b: tensor<3xf32>) -> tensor<4x3xf32> {
  %0 = cnn.sub %a, %b : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// A rank-0 operand (a scalar constant) reads nothing per dimension.
// CHECK-DAG: #[[SCALAR:.+]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func @div_scalar
// CHECK: linalg.generic {indexing_maps = [{{.*}}, #[[SCALAR]], {{.*}}]
// CHECK: arith.divf
func.func @div_scalar(%a: tensor<2x3xf32>, %s: tensor<f32>) -> tensor<2x3xf32> {
  %0 = cnn.div %a, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

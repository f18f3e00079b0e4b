// RUN: cnn-opt %s --pass-pipeline='builtin.module(func.func(cnn-decompose-pads))' | FileCheck %s
// RUN: cnn-opt %s --pass-pipeline='builtin.module(func.func(cnn-decompose-pads),eliminate-empty-tensors)' | FileCheck %s --check-prefix=INPLACE

// The pad becomes a fill of the padded tensor and an insert_slice of the
// source into its interior.
// CHECK-LABEL: func.func @relu_then_pad
// CHECK-NOT:     tensor.pad
// CHECK:         %[[R:.+]] = linalg.generic
// CHECK:         %[[E:.+]] = tensor.empty() : tensor<1x10x10x16xf32>
// CHECK:         %[[F:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E]] : tensor<1x10x10x16xf32>)
// CHECK:         tensor.insert_slice %[[R]] into %[[F]][0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1]

// After eliminate-empty-tensors the relu computes into the padded tensor's
// interior: its init is a slice of the fill, so bufferization copies nothing.
// INPLACE-LABEL: func.func @relu_then_pad
// INPLACE:         %[[F:.+]] = linalg.fill
// INPLACE:         %[[S:.+]] = tensor.extract_slice %[[F]][0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1]
// INPLACE:         %[[R:.+]] = linalg.generic {{.*}} outs(%[[S]] : tensor<1x8x8x16xf32>)
// INPLACE:         tensor.insert_slice %[[R]] into %[[F]][0, 1, 1, 0]
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @relu_then_pad(%x: tensor<1x8x8x16xf32>) -> tensor<1x10x10x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x8x16xf32>
  %r = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x8x16xf32>) outs(%e : tensor<1x8x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x8x16xf32>
  %p = tensor.pad %r low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x8x8x16xf32> to tensor<1x10x10x16xf32>
  return %p : tensor<1x10x10x16xf32>
}

// RUN: cnn-opt %s --pass-pipeline='builtin.module(func.func(cnn-decompose-pads))' | FileCheck %s
// RUN: cnn-opt %s --pass-pipeline='builtin.module(func.func(cnn-decompose-pads),eliminate-empty-tensors)' | FileCheck %s --check-prefix=INPLACE

// The pad becomes fills of its border rows above and below, ahead of the
// source's producer, an insert_slice of the source into the interior, and
// then a parallel loop over (sample, interior row, side) that fills each
// row's padding pixel left and right of it (so that each thread fills the
// border of its own rows): each padding element once.
// CHECK-LABEL: func.func @relu_then_pad
// CHECK-NOT:     tensor.pad
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[C9:.+]] = arith.constant 9 : index
// CHECK:         %[[E:.+]] = tensor.empty() : tensor<1x10x10x16xf32>
// CHECK:         %[[F0:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<1x1x10x16xf32>)
// CHECK:         %[[I0:.+]] = tensor.insert_slice %[[F0]] into %[[E]][0, 0, 0, 0] [1, 1, 10, 16]
// CHECK:         %[[F1:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<1x1x10x16xf32>)
// CHECK:         %[[I1:.+]] = tensor.insert_slice %[[F1]] into %[[I0]][0, 9, 0, 0] [1, 1, 10, 16]
// CHECK:         %[[R:.+]] = linalg.generic
// CHECK:         %[[P:.+]] = tensor.insert_slice %[[R]] into %[[I1]][0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1]
// CHECK:         %[[L:.+]] = scf.forall (%[[N:.+]], %[[H:.+]], %[[SIDE:.+]]) in (1, 8, 2) shared_outs(%[[O:.+]] = %[[P]])
// CHECK-DAG:       %[[ROW:.+]] = arith.addi %[[H]], %[[C1]] : index
// CHECK-DAG:       %[[COL:.+]] = arith.muli %[[SIDE]], %[[C9]] : index
// CHECK:           %[[S:.+]] = tensor.extract_slice %[[O]][%[[N]], %[[ROW]], %[[COL]], 0] [1, 1, 1, 16]
// CHECK:           %[[F:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[S]] : tensor<1x1x1x16xf32>)
// CHECK:           tensor.parallel_insert_slice %[[F]] into %[[O]][%[[N]], %[[ROW]], %[[COL]], 0] [1, 1, 1, 16]
// CHECK:         return %[[L]]

// After eliminate-empty-tensors the relu computes into the padded tensor's
// interior: its init is a slice of the bordered tensor, so bufferization
// copies nothing.
// INPLACE-LABEL: func.func @relu_then_pad
// INPLACE:         %[[B:.+]] = tensor.insert_slice %{{.+}} into %{{.+}}[0, 9, 0, 0] [1, 1, 10, 16]
// INPLACE:         %[[S:.+]] = tensor.extract_slice %[[B]][0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1]
// INPLACE:         %[[R:.+]] = linalg.generic {{.*}} outs(%[[S]] : tensor<1x8x8x16xf32>)
// INPLACE:         tensor.insert_slice %[[R]] into %[[B]][0, 1, 1, 0]
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

// A source that other ops read as well (a residual block's input, padded
// for its first convolution and added to its output) is padded the same
// way, its columns filled ahead of it too (a loop writing the padded buffer
// after it, of which it is a view, would have it copied). After
// eliminate-empty-tensors it is computed into the padded tensor's interior,
// and the add reads it there: no copy.
// CHECK-LABEL: func.func @relu_padded_and_added
// CHECK-NOT:     tensor.pad
// CHECK:         %[[R:.+]] = linalg.generic
// CHECK:         %[[A:.+]] = linalg.generic {{.*}} ins(%[[R]], %[[R]] :
// CHECK:         %[[P:.+]] = tensor.insert_slice %[[R]] into %{{.+}}[0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1]
// CHECK-NOT:     scf.forall
// CHECK:         return %[[P]], %[[A]]
// INPLACE-LABEL: func.func @relu_padded_and_added
// INPLACE:         %[[B:.+]] = tensor.insert_slice %{{.+}} into %{{.+}}[0, 1, 9, 0] [1, 8, 1, 16]
// INPLACE:         %[[S:.+]] = tensor.extract_slice %[[B]][0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1]
// INPLACE:         %[[R:.+]] = linalg.generic {{.*}} outs(%[[S]] : tensor<1x8x8x16xf32>)
// INPLACE:         linalg.generic {{.*}} ins(%[[R]], %[[R]] :
func.func @relu_padded_and_added(%x: tensor<1x8x8x16xf32>)
    -> (tensor<1x10x10x16xf32>, tensor<1x8x8x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x8x16xf32>
  %r = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x8x16xf32>) outs(%e : tensor<1x8x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x8x16xf32>
  %e2 = tensor.empty() : tensor<1x8x8x16xf32>
  %a = linalg.generic {indexing_maps = [#id, #id, #id],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r, %r : tensor<1x8x8x16xf32>, tensor<1x8x8x16xf32>)
      outs(%e2 : tensor<1x8x8x16xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  } -> tensor<1x8x8x16xf32>
  %p = tensor.pad %r low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x8x8x16xf32> to tensor<1x10x10x16xf32>
  return %p, %a : tensor<1x10x10x16xf32>, tensor<1x8x8x16xf32>
}

// A source that is also returned stays padded by tensor.pad: as a view of
// the padded buffer, it could not be a buffer of its own.
// CHECK-LABEL: func.func @relu_padded_and_returned
// CHECK:         tensor.pad
func.func @relu_padded_and_returned(%x: tensor<1x8x8x16xf32>)
    -> (tensor<1x10x10x16xf32>, tensor<1x8x8x16xf32>) {
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
  return %p, %r : tensor<1x10x10x16xf32>, tensor<1x8x8x16xf32>
}

// With other uses, only a zero border is decomposed: a max pool's -inf
// border keeps its pad (LLVM unrolls those fills' loops into blocks that
// doubled GoogLeNet's compile time; zero fills become memsets).
// CHECK-LABEL: func.func @relu_padded_with_inf_and_added
// CHECK:         tensor.pad
func.func @relu_padded_with_inf_and_added(%x: tensor<1x8x8x16xf32>)
    -> (tensor<1x10x10x16xf32>, tensor<1x8x8x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %inf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x8x8x16xf32>
  %r = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x8x16xf32>) outs(%e : tensor<1x8x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x8x16xf32>
  %e2 = tensor.empty() : tensor<1x8x8x16xf32>
  %a = linalg.generic {indexing_maps = [#id, #id, #id],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r, %r : tensor<1x8x8x16xf32>, tensor<1x8x8x16xf32>)
      outs(%e2 : tensor<1x8x8x16xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  } -> tensor<1x8x8x16xf32>
  %p = tensor.pad %r low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %inf : f32
  } : tensor<1x8x8x16xf32> to tensor<1x10x10x16xf32>
  return %p, %a : tensor<1x10x10x16xf32>, tensor<1x8x8x16xf32>
}

// A concatenation (insert_slices into an empty tensor) padded with zeros,
// which another op also reads (an Inception block's output): the border is
// filled before the first part is computed, and the concatenation is built
// in the padded tensor's interior. After eliminate-empty-tensors both parts
// are computed there (the first one too: it used to go into the
// concatenation's own buffer and be copied).
// CHECK-LABEL: func.func @concat_then_pad
// CHECK:         %[[E:.+]] = tensor.empty() : tensor<1x10x10x32xf32>
// CHECK:         %[[B:.+]] = tensor.insert_slice %{{.+}} into %{{.+}}[0, 1, 9, 0] [1, 8, 1, 32]
// CHECK:         %[[IN:.+]] = tensor.extract_slice %[[B]][0, 1, 1, 0] [1, 8, 8, 32] [1, 1, 1, 1]
// CHECK:         %[[R1:.+]] = linalg.generic
// CHECK:         %[[R2:.+]] = linalg.generic
// CHECK:         %[[C1:.+]] = tensor.insert_slice %[[R1]] into %[[IN]][0, 0, 0, 0] [1, 8, 8, 16]
// CHECK:         %[[C2:.+]] = tensor.insert_slice %[[R2]] into %[[C1]][0, 0, 0, 16] [1, 8, 8, 16]
// CHECK:         %[[P:.+]] = tensor.insert_slice %[[C2]] into %[[B]][0, 1, 1, 0] [1, 8, 8, 32]
// CHECK:         %[[N:.+]] = linalg.generic {{.*}} ins(%[[C2]] :
// CHECK:         return %[[P]], %[[N]]
// INPLACE-LABEL: func.func @concat_then_pad
// INPLACE:         %[[B:.+]] = tensor.insert_slice %{{.+}} into %{{.+}}[0, 1, 9, 0] [1, 8, 1, 32]
// INPLACE:         %[[IN:.+]] = tensor.extract_slice %[[B]][0, 1, 1, 0] [1, 8, 8, 32] [1, 1, 1, 1]
// INPLACE:         %[[S1:.+]] = tensor.extract_slice %[[IN]][0, 0, 0, 0] [1, 8, 8, 16]
// INPLACE:         %[[R1:.+]] = linalg.generic {{.*}} outs(%[[S1]] : tensor<1x8x8x16xf32>)
// INPLACE:         %[[C1:.+]] = tensor.insert_slice %[[R1]] into %[[IN]][0, 0, 0, 0] [1, 8, 8, 16]
// INPLACE:         %[[S2:.+]] = tensor.extract_slice %[[C1]][0, 0, 0, 16] [1, 8, 8, 16]
// INPLACE:         %[[R2:.+]] = linalg.generic {{.*}} outs(%[[S2]] : tensor<1x8x8x16xf32>)
func.func @concat_then_pad(%x: tensor<1x8x8x16xf32>, %y: tensor<1x8x8x16xf32>)
    -> (tensor<1x10x10x32xf32>, tensor<1x8x8x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x8x16xf32>
  %r1 = linalg.generic {indexing_maps = [#id, #id],
                        iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x8x16xf32>) outs(%e : tensor<1x8x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x8x16xf32>
  %r2 = linalg.generic {indexing_maps = [#id, #id],
                        iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x8x8x16xf32>) outs(%e : tensor<1x8x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x8x16xf32>
  %ec = tensor.empty() : tensor<1x8x8x32xf32>
  %c1 = tensor.insert_slice %r1 into %ec[0, 0, 0, 0] [1, 8, 8, 16] [1, 1, 1, 1] : tensor<1x8x8x16xf32> into tensor<1x8x8x32xf32>
  %c2 = tensor.insert_slice %r2 into %c1[0, 0, 0, 16] [1, 8, 8, 16] [1, 1, 1, 1] : tensor<1x8x8x16xf32> into tensor<1x8x8x32xf32>
  %p = tensor.pad %c2 low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x8x8x32xf32> to tensor<1x10x10x32xf32>
  %e3 = tensor.empty() : tensor<1x8x8x32xf32>
  %n = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c2 : tensor<1x8x8x32xf32>) outs(%e3 : tensor<1x8x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<1x8x8x32xf32>
  return %p, %n : tensor<1x10x10x32xf32>, tensor<1x8x8x32xf32>
}

// Padding only after the interior (TensorFlow's 'same' at stride 2): the
// column's slab is filled with the rows', ahead of the producer.
// CHECK-LABEL: func.func @relu_then_pad_after
// CHECK-NOT:     scf.forall
// CHECK:         linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<1x1x9x16xf32>)
// CHECK:         tensor.insert_slice %{{.+}} into %{{.+}}[0, 8, 0, 0] [1, 1, 9, 16]
// CHECK:         linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<1x8x1x16xf32>)
// CHECK:         %[[I:.+]] = tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, 8, 0] [1, 8, 1, 16]
// CHECK:         %[[R:.+]] = linalg.generic
// CHECK:         tensor.insert_slice %[[R]] into %[[I]][0, 0, 0, 0] [1, 8, 8, 16]
// CHECK-NOT:     scf.forall
func.func @relu_then_pad_after(%x: tensor<1x8x8x16xf32>) -> tensor<1x9x9x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x8x16xf32>
  %r = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x8x16xf32>) outs(%e : tensor<1x8x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x8x16xf32>
  %p = tensor.pad %r low[0, 0, 0, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x8x8x16xf32> to tensor<1x9x9x16xf32>
  return %p : tensor<1x9x9x16xf32>
}

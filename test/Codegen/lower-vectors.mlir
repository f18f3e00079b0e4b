// RUN: cnn-opt %s --pass-pipeline="builtin.module(func.func(cnn-cpu-lower-vectors))" --split-input-file | FileCheck %s

// The contraction cnn-cpu-tile-and-vectorize emits for one input channel of
// a convolution tile (8 pixels x 32 filters): an outer product, lowered to
// one FMA per pixel on vector<32xf32>, each broadcasting the pixel's input
// value and sharing the 32 filter values.
#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#acc = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @contract
// CHECK-SAME: (%[[A:[^:]+]]: vector<1x8x1xf32>, %[[B:[^:]+]]: vector<1x32xf32>, %[[C:[^:]+]]: vector<1x8x32xf32>)
// CHECK-NOT: vector.contract
// CHECK: %[[W:.+]] = vector.extract %[[B]][0] : vector<32xf32> from vector<1x32xf32>
// CHECK: %[[A0:.+]] = vector.extract %[[A]][0, 0, 0] : f32 from vector<1x8x1xf32>
// CHECK: %[[S0:.+]] = vector.broadcast %[[A0]] : f32 to vector<32xf32>
// CHECK: %[[C0:.+]] = vector.extract %[[C]][0, 0] : vector<32xf32> from vector<1x8x32xf32>
// CHECK: vector.fma %[[S0]], %[[W]], %[[C0]] : vector<32xf32>
// CHECK: %[[A7:.+]] = vector.extract %[[A]][0, 7, 0] : f32 from vector<1x8x1xf32>
// CHECK: %[[S7:.+]] = vector.broadcast %[[A7]] : f32 to vector<32xf32>
// CHECK: %[[C7:.+]] = vector.extract %[[C]][0, 7] : vector<32xf32> from vector<1x8x32xf32>
// CHECK: vector.fma %[[S7]], %[[W]], %[[C7]] : vector<32xf32>
// CHECK-NOT: vector.contract
// CHECK: return
func.func @contract(%a: vector<1x8x1xf32>, %b: vector<1x32xf32>, %c: vector<1x8x32xf32>) -> vector<1x8x32xf32> {
  %r = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %c : vector<1x8x1xf32>, vector<1x32xf32> into vector<1x8x32xf32>
  return %r : vector<1x8x32xf32>
}

// -----

// Exactly eight FMAs, all with the same filter vector.
#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#acc = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @contract_count
// CHECK: %[[W:.+]] = vector.extract %{{.+}}[0] : vector<32xf32> from vector<1x32xf32>
// CHECK-COUNT-8: vector.fma %{{.+}}, %[[W]], %{{.+}} : vector<32xf32>
// CHECK-NOT: vector.fma
// CHECK-NOT: vector.contract
// CHECK: return
func.func @contract_count(%a: vector<1x8x1xf32>, %b: vector<1x32xf32>, %c: vector<1x8x32xf32>) -> vector<1x8x32xf32> {
  %r = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %c : vector<1x8x1xf32>, vector<1x32xf32> into vector<1x8x32xf32>
  return %r : vector<1x8x32xf32>
}

// -----

// A bufferized convolution tile: the accumulator is read from and written
// to a strided memref once, around the reduction loop; the transfers become
// one 32-float load or store per pixel row, the input pixels scalar loads
// of the subview, the filter row one load, and the contraction eight FMAs
// per step.
#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#acc = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @conv_tile
// CHECK-SAME: (%[[X:[^:]+]]: memref<1x3x58x16xf32, strided<[55680, 928, 16, 1], offset: ?>>, %[[F:[^:]+]]: memref<3x3x16x32xf32>, %[[OUT:[^:]+]]: memref<1x8x32xf32, strided<[1792, 32, 1], offset: ?>>)
// CHECK-NOT: vector.transfer_read
// CHECK-COUNT-8: vector.load %[[OUT]][%{{.+}}, %{{.+}}, %{{.+}}] : memref<1x8x32xf32, strided<[1792, 32, 1], offset: ?>>, vector<32xf32>
// CHECK: scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK:   %[[SV:.+]] = memref.subview %[[X]][0, 0, 0, %[[K]]] [1, 1, 8, 1]
// CHECK-COUNT-8: vector.load %[[SV]][%{{.+}}, %{{.+}}, %{{.+}}] : memref<1x8x1xf32, strided<[55680, 16, 1], offset: ?>>, vector<1xf32>
// CHECK:   %[[ROW:.+]] = vector.load %[[F]][%{{.+}}, %{{.+}}, %[[K]], %{{.+}}] : memref<3x3x16x32xf32>, vector<32xf32>
// CHECK-COUNT-8: vector.fma %{{.+}}, %[[ROW]], %{{.+}} : vector<32xf32>
// CHECK-NOT: vector.contract
// CHECK:   scf.yield
// CHECK-COUNT-8: vector.store %{{.+}}, %[[OUT]][%{{.+}}, %{{.+}}, %{{.+}}] : memref<1x8x32xf32, strided<[1792, 32, 1], offset: ?>>, vector<32xf32>
// CHECK-NOT: vector.transfer_write
// CHECK-NOT: vector.store
// CHECK: return
func.func @conv_tile(%x: memref<1x3x58x16xf32, strided<[55680, 928, 16, 1], offset: ?>>, %w: memref<3x3x16x32xf32>, %out: memref<1x8x32xf32, strided<[1792, 32, 1], offset: ?>>) {
  %cst = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %acc = vector.transfer_read %out[%c0, %c0, %c0], %cst {in_bounds = [true, true, true]} : memref<1x8x32xf32, strided<[1792, 32, 1], offset: ?>>, vector<1x8x32xf32>
  %r = scf.for %k = %c0 to %c16 step %c1 iter_args(%it = %acc) -> (vector<1x8x32xf32>) {
    %xs = memref.subview %x[0, 0, 0, %k] [1, 1, 8, 1] [1, 1, 1, 1] : memref<1x3x58x16xf32, strided<[55680, 928, 16, 1], offset: ?>> to memref<1x8x1xf32, strided<[55680, 16, 1], offset: ?>>
    %a = vector.transfer_read %xs[%c0, %c0, %c0], %cst {in_bounds = [true, true, true]} : memref<1x8x1xf32, strided<[55680, 16, 1], offset: ?>>, vector<1x8x1xf32>
    %b = vector.transfer_read %w[%c0, %c0, %k, %c0], %cst {in_bounds = [true, true]} : memref<3x3x16x32xf32>, vector<1x32xf32>
    %n = vector.contract {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %it : vector<1x8x1xf32>, vector<1x32xf32> into vector<1x8x32xf32>
    scf.yield %n : vector<1x8x32xf32>
  }
  vector.transfer_write %r, %out[%c0, %c0, %c0] {in_bounds = [true, true, true]} : vector<1x8x32xf32>, memref<1x8x32xf32, strided<[1792, 32, 1], offset: ?>>
  return
}

// -----

// In-bounds 1-D transfers on a memref are plain loads and stores at the
// same indices.
// CHECK-LABEL: func @transfers
// CHECK-SAME: (%[[SRC:[^:]+]]: memref<4x64xf32>, %[[DST:[^:]+]]: memref<4x64xf32>)
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK: %[[V:.+]] = vector.load %[[SRC]][%[[C2]], %[[C0]]] : memref<4x64xf32>, vector<64xf32>
// CHECK: %[[S:.+]] = arith.addf %[[V]], %[[V]] : vector<64xf32>
// CHECK: vector.store %[[S]], %[[DST]][%[[C2]], %[[C0]]] : memref<4x64xf32>, vector<64xf32>
// CHECK-NOT: vector.transfer_
func.func @transfers(%src: memref<4x64xf32>, %dst: memref<4x64xf32>) {
  %cst = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %v = vector.transfer_read %src[%c2, %c0], %cst {in_bounds = [true]} : memref<4x64xf32>, vector<64xf32>
  %s = arith.addf %v, %v : vector<64xf32>
  vector.transfer_write %s, %dst[%c2, %c0] {in_bounds = [true]} : vector<64xf32>, memref<4x64xf32>
  return
}

// -----

// A tile of linalg.transpose (NCHW to NHWC, 16 pixels x 3 channels): the
// transposing read becomes one load of 16 pixels per channel and a shuffle,
// and the tile, contiguous in memory, one store of 48 floats.
// CHECK-LABEL: func @transposed_tile
// CHECK-SAME: (%[[SRC:[^:]+]]: memref<1x3x8x32xf32>, %[[DST:[^:]+]]: memref<1x1x16x3xf32
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK: %[[R0:.+]] = vector.load %[[SRC]][%[[C0]], %[[C0]], %[[C2]], %[[C0]]] : memref<1x3x8x32xf32>, vector<16xf32>
// CHECK: %[[R1:.+]] = vector.load %[[SRC]][%[[C0]], %[[C1]], %[[C2]], %[[C0]]] : memref<1x3x8x32xf32>, vector<16xf32>
// CHECK: %[[R2:.+]] = vector.load %[[SRC]][%[[C0]], %[[C2]], %[[C2]], %[[C0]]] : memref<1x3x8x32xf32>, vector<16xf32>
// CHECK: vector.shuffle {{.*}} [0, 16, 32, 1, 17, 33, 2, 18, 34, {{.*}}, 15, 31, 47] : vector<48xf32>, vector<48xf32>
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[DST]] {{\[}}[0], [1], [2, 3]]
// CHECK: vector.store %{{.+}}, %[[FLAT]][%[[C0]], %[[C0]], %[[C0]]] : memref<1x1x48xf32, {{.*}}>, vector<48xf32>
// CHECK-NOT: vector.store
// CHECK-NOT: vector.transfer_
func.func @transposed_tile(%src: memref<1x3x8x32xf32>, %dst: memref<1x1x16x3xf32, strided<[672, 48, 3, 1], offset: ?>>) {
  %cst = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %t = vector.transfer_read %src[%c0, %c0, %c2, %c0], %cst {in_bounds = [true, true], permutation_map = affine_map<(d0, d1, d2, d3) -> (d3, d1)>} : memref<1x3x8x32xf32>, vector<16x3xf32>
  vector.transfer_write %t, %dst[%c0, %c0, %c0, %c0] {in_bounds = [true, true]} : vector<16x3xf32>, memref<1x1x16x3xf32, strided<[672, 48, 3, 1], offset: ?>>
  return
}

// -----

// A tile of an output's NHWC -> NCHW transpose (16 channels x 16 pixels,
// as cnn-cpu-tile-and-vectorize leaves it): sixteen loads of a pixel's 16
// channels, shuffled into sixteen stores of a channel's 16 pixels, and no
// scalar access.
// CHECK-LABEL: func @transposed_tile_to_nchw
// CHECK-COUNT-16: vector.load {{.*}} : memref<1x5x32x48xf32>, vector<16xf32>
// CHECK-NOT: vector.load
// CHECK-COUNT-16: vector.store {{.*}} : memref<1x48x1x32xf32, {{.*}}>, vector<16xf32>
// CHECK-NOT: vector.store
// CHECK-NOT: vector.transfer_
// CHECK-NOT: memref.load
func.func @transposed_tile_to_nchw(%src: memref<1x5x32x48xf32>, %dst: memref<1x48x1x32xf32, strided<[7680, 160, 32, 1], offset: ?>>) {
  %cst = arith.constant 0.000000e+00 : f32
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c16 = arith.constant 16 : index
  %t = vector.transfer_read %src[%c0, %c2, %c16, %c16], %cst {in_bounds = [true, true, true], permutation_map = affine_map<(d0, d1, d2, d3) -> (d3, d1, d2)>} : memref<1x5x32x48xf32>, vector<16x1x16xf32>
  vector.transfer_write %t, %dst[%c0, %c16, %c0, %c16] {in_bounds = [true, true, true]} : vector<16x1x16xf32>, memref<1x48x1x32xf32, strided<[7680, 160, 32, 1], offset: ?>>
  return
}

// -----

// A max pool's window (the maximum of two vectors) becomes a compare and
// select, and a second compare that puts back a NaN of either operand.
// CHECK-LABEL: func @window_maximum
// CHECK-SAME: (%[[A:[^:]+]]: vector<16xf32>, %[[B:[^:]+]]: vector<16xf32>)
// CHECK-NOT: arith.maximumf
// CHECK-DAG: %[[GT:.+]] = arith.cmpf ogt, %[[A]], %[[B]] : vector<16xf32>
// CHECK-DAG: %[[MAX:.+]] = arith.select %[[GT]], %[[A]], %[[B]] : vector<16xi1>, vector<16xf32>
// CHECK-DAG: %[[UNO:.+]] = arith.cmpf uno, %[[A]], %[[B]] : vector<16xf32>
// CHECK-DAG: %[[NAN:.+]] = arith.addf %[[A]], %[[B]] : vector<16xf32>
// CHECK: %[[R:.+]] = arith.select %[[UNO]], %[[NAN]], %[[MAX]] : vector<16xi1>, vector<16xf32>
// CHECK: return %[[R]]
func.func @window_maximum(%a: vector<16xf32>, %b: vector<16xf32>) -> vector<16xf32> {
  %r = arith.maximumf %a, %b : vector<16xf32>
  return %r : vector<16xf32>
}

// -----

// A maximum with a constant (ReLU) and a scalar maximum stay.
// CHECK-LABEL: func @relu_maximum
// CHECK: arith.maximumf %{{.+}}, %{{.+}} : vector<16xf32>
// CHECK: arith.maximumf %{{.+}}, %{{.+}} : f32
// CHECK-NOT: arith.select
func.func @relu_maximum(%a: vector<16xf32>, %x: f32, %y: f32) -> (vector<16xf32>, f32) {
  %zero = arith.constant dense<0.0> : vector<16xf32>
  %r = arith.maximumf %a, %zero : vector<16xf32>
  %s = arith.maximumf %x, %y : f32
  return %r, %s : vector<16xf32>, f32
}

// RUN: cnn-opt %s --pass-pipeline='builtin.module(func.func(cnn-forward-tile-writes))' | FileCheck %s

// A register tile as cnn-cpu-tile-and-vectorize and
// loop-invariant-subset-hoisting leave it: the bias is written into the tile
// and read back as the accumulators, which the reduction loop carries
// alongside the tile; the sums are written and read back by the epilogue.
// Both reads take the written vectors (their unit dimensions cast away), no
// read of the tile is left, and only the epilogue writes.

// CHECK-LABEL: func.func @tile
// CHECK-SAME: (%[[BIAS:.+]]: vector<1x1x8x32xf32>, %[[IN:.+]]: vector<1x8x32xf32>, %[[TILE:.+]]: tensor<1x1x8x32xf32>)
// CHECK-NOT: vector.transfer_
// CHECK: %[[B:.+]] = vector.extract %[[BIAS]][0, 0] : vector<8x32xf32> from vector<1x1x8x32xf32>
// CHECK: %[[ACC:.+]] = vector.broadcast %[[B]]
// CHECK: %[[SUM:.+]] = scf.for {{.+}} iter_args(%[[A:.+]] = %[[ACC]]) -> (vector<1x8x32xf32>)
// CHECK:   vector.fma
// CHECK-NOT: vector.transfer_
// CHECK: %[[S:.+]] = vector.extract %[[SUM]][0] : vector<8x32xf32> from vector<1x8x32xf32>
// CHECK: %[[RELU:.+]] = arith.maximumf %[[S]]
// CHECK: %[[OUT:.+]] = vector.transfer_write %[[RELU]], %[[TILE]]
// CHECK-NOT: vector.transfer_
// CHECK: return %[[OUT]]
func.func @tile(%bias: vector<1x1x8x32xf32>, %in: vector<1x8x32xf32>,
                %tile: tensor<1x1x8x32xf32>) -> tensor<1x1x8x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %pad = arith.constant 0.0 : f32
  %zero = arith.constant dense<0.0> : vector<1x1x8x32xf32>
  %t0 = vector.transfer_write %bias, %tile[%c0, %c0, %c0, %c0] {in_bounds = [true, true, true, true]} : vector<1x1x8x32xf32>, tensor<1x1x8x32xf32>
  %acc = vector.transfer_read %t0[%c0, %c0, %c0, %c0], %pad {in_bounds = [true, true, true]} : tensor<1x1x8x32xf32>, vector<1x8x32xf32>
  %r:2 = scf.for %i = %c0 to %c3 step %c1 iter_args(%t = %t0, %a = %acc) -> (tensor<1x1x8x32xf32>, vector<1x8x32xf32>) {
    %f = vector.fma %in, %in, %a : vector<1x8x32xf32>
    scf.yield %t, %f : tensor<1x1x8x32xf32>, vector<1x8x32xf32>
  }
  %t1 = vector.transfer_write %r#1, %r#0[%c0, %c0, %c0, %c0] {in_bounds = [true, true, true]} : vector<1x8x32xf32>, tensor<1x1x8x32xf32>
  %sum = vector.transfer_read %t1[%c0, %c0, %c0, %c0], %pad {in_bounds = [true, true, true, true]} : tensor<1x1x8x32xf32>, vector<1x1x8x32xf32>
  %relu = arith.maximumf %sum, %zero : vector<1x1x8x32xf32>
  %t2 = vector.transfer_write %relu, %tile[%c0, %c0, %c0, %c0] {in_bounds = [true, true, true, true]} : vector<1x1x8x32xf32>, tensor<1x1x8x32xf32>
  return %t2 : tensor<1x1x8x32xf32>
}

// Reads of part of what was written, or at another offset, stay.

// CHECK-LABEL: func.func @part
// CHECK: %[[W:.+]] = vector.transfer_write
// CHECK: vector.transfer_read %[[W]][%c0, %c0, %c0, %c0]
// CHECK: vector.transfer_read %[[W]][%c0, %c0, %c4, %c0]
func.func @part(%v: vector<1x1x8x32xf32>, %tile: tensor<1x1x8x32xf32>)
    -> (vector<1x4x32xf32>, vector<1x4x32xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %pad = arith.constant 0.0 : f32
  %t = vector.transfer_write %v, %tile[%c0, %c0, %c0, %c0] {in_bounds = [true, true, true, true]} : vector<1x1x8x32xf32>, tensor<1x1x8x32xf32>
  %a = vector.transfer_read %t[%c0, %c0, %c0, %c0], %pad {in_bounds = [true, true, true]} : tensor<1x1x8x32xf32>, vector<1x4x32xf32>
  %b = vector.transfer_read %t[%c0, %c0, %c4, %c0], %pad {in_bounds = [true, true, true]} : tensor<1x1x8x32xf32>, vector<1x4x32xf32>
  return %a, %b : vector<1x4x32xf32>, vector<1x4x32xf32>
}

// Vectors as long as the tensor but not of its shape cover only part of it
// (the first row, the rest out of bounds): the read stays.

// CHECK-LABEL: func.func @not_whole
// CHECK: %[[W:.+]] = vector.transfer_write
// CHECK: vector.transfer_read %[[W]]
// CHECK-NOT: vector.shape_cast
func.func @not_whole(%v: vector<1x8xf32>, %t: tensor<4x2xf32>) -> vector<8xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %w = vector.transfer_write %v, %t[%c0, %c0] {in_bounds = [true, false]} : vector<1x8xf32>, tensor<4x2xf32>
  %r = vector.transfer_read %w[%c0, %c0], %pad {in_bounds = [false]} : tensor<4x2xf32>, vector<8xf32>
  return %r : vector<8xf32>
}

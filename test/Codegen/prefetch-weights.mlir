// RUN: cnn-opt %s --pass-pipeline='builtin.module(func.func(cnn-prefetch-weights))' | FileCheck %s
// RUN: cnn-opt %s --pass-pipeline='builtin.module(func.func(cnn-prefetch-weights{max-reuse=3}))' | FileCheck %s --check-prefix=LOW
// RUN: cnn-opt %s --pass-pipeline='builtin.module(func.func(cnn-prefetch-weights),lower-affine)' | FileCheck %s --check-prefix=LOWERED

// A 1x1 convolution's filter blocks, one per iteration of the parallel
// loop: each filter vector (two cache lines) feeds two FMAs, in each of two
// passes over the block (output rows): reuse 4. Beside the load, both lines
// of a vector of the next block are prefetched into L2 (the last block
// prefetches its own), spread over the passes: pass r, reading input
// channel c, prefetches row 256 r + c / 2 of the next block, so that each
// pass fetches half of it.

// CHECK-LABEL: func.func @filter_blocks
// CHECK-SAME: (%[[W:.+]]: memref<16x512x32xf32>,
// CHECK: scf.forall (%[[B:.+]]) in (16)
// CHECK: %[[LIN:.+]] = affine.linearize_index disjoint [%[[B]]] by (16)
// CHECK: %[[B1:.+]] = arith.addi %[[LIN]], %{{.+}} : index
// CHECK: %[[C15:.+]] = arith.constant 15 : index
// CHECK: %[[CLAMPED:.+]] = arith.minsi %[[B1]], %[[C15]]
// CHECK: %[[NEXT:.+]] = affine.delinearize_index %[[CLAMPED]] into (16)
// CHECK-DAG: %[[C256:.+]] = arith.constant 256 : index
// CHECK-DAG: %[[ONE:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[C511:.+]] = arith.constant 511 : index
// CHECK-DAG: %[[C16:.+]] = arith.constant 16 : index
// CHECK: scf.for %[[R:[a-z0-9_]+]] =
// CHECK: scf.for %[[C:[a-z0-9_]+]] =
// CHECK: %[[Q:.+]] = affine.linearize_index disjoint [%[[C]]] by (512)
// CHECK: %[[BAND:.+]] = arith.muli %[[R]], %[[C256]]
// CHECK: %[[HALF:.+]] = arith.shrui %[[Q]], %[[ONE]]
// CHECK: %[[SUM:.+]] = arith.addi %[[BAND]], %[[HALF]]
// CHECK: %[[ROW:.+]] = arith.minui %[[SUM]], %[[C511]]
// CHECK: %[[ROWI:.+]] = affine.delinearize_index %[[ROW]] into (512)
// CHECK: memref.prefetch %[[W]][%[[NEXT]], %[[ROWI]], %{{.+}}], read, locality<2>, data
// CHECK: %[[AT16:.+]] = arith.addi %{{.+}}, %[[C16]]
// CHECK: memref.prefetch %[[W]][%[[NEXT]], %[[ROWI]], %[[AT16]]], read, locality<2>, data
// CHECK-NOT: memref.prefetch
// CHECK: vector.load %[[W]][%[[B]], %[[C]], %{{.+}}]
// With max-reuse=3, its 4 multiply-adds per value are too many: only the
// first pass (output row 0) prefetches (see @first_pass).
// LOW-LABEL: func.func @filter_blocks
// LOW: %[[FIRST:.+]] = arith.cmpi eq
// LOW: scf.if %[[FIRST]] {
// LOW: memref.prefetch
// LOW: memref.prefetch
// LOW: } else {
// LOW-NOT: memref.prefetch
// LOW: return
func.func @filter_blocks(%w: memref<16x512x32xf32>, %x: memref<2x2x512xf32>,
                         %y: memref<2x2x512xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c512 = arith.constant 512 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant dense<0.0> : vector<32xf32>
  scf.forall (%b) in (16) {
    %f = arith.muli %b, %c32 : index
    scf.for %r = %c0 to %c2 step %c1 {
      %s:2 = scf.for %c = %c0 to %c512 step %c1
          iter_args(%a0 = %zero, %a1 = %zero) -> (vector<32xf32>, vector<32xf32>) {
        %x0 = memref.load %x[%r, %c0, %c] : memref<2x2x512xf32>
        %x1 = memref.load %x[%r, %c1, %c] : memref<2x2x512xf32>
        %v0 = vector.broadcast %x0 : f32 to vector<32xf32>
        %v1 = vector.broadcast %x1 : f32 to vector<32xf32>
        %wv = vector.load %w[%b, %c, %c0] : memref<16x512x32xf32>, vector<32xf32>
        %n0 = vector.fma %v0, %wv, %a0 : vector<32xf32>
        %n1 = vector.fma %v1, %wv, %a1 : vector<32xf32>
        scf.yield %n0, %n1 : vector<32xf32>, vector<32xf32>
      }
      vector.store %s#0, %y[%r, %c0, %f] : memref<2x2x512xf32>, vector<32xf32>
      vector.store %s#1, %y[%r, %c1, %f] : memref<2x2x512xf32>, vector<32xf32>
    }
  }
  return
}

// Winograd's products: one filter block per (position, block) pair. The
// next pair is the next block at the same position, or the first block of
// the next position after the last one; the last pair prefetches its own.
// lower-affine (later in the pipeline) expands the index arithmetic.

// CHECK-LABEL: func.func @position_blocks
// CHECK-SAME: (%[[U:.+]]: memref<4x8x64x16xf32>,
// CHECK: scf.forall (%[[P:.+]], %[[B:.+]]) in (4, 8)
// CHECK: %[[LIN:.+]] = affine.linearize_index disjoint [%[[P]], %[[B]]] by (4, 8)
// CHECK: %[[L1:.+]] = arith.addi %[[LIN]], %{{.+}} : index
// CHECK: %[[C31:.+]] = arith.constant 31 : index
// CHECK: %[[CLAMPED:.+]] = arith.minsi %[[L1]], %[[C31]]
// CHECK: %[[NEXT:.+]]:2 = affine.delinearize_index %[[CLAMPED]] into (4, 8)
// CHECK: scf.for %[[C:[a-z0-9_]+]] =
// CHECK: memref.prefetch %[[U]][%[[NEXT]]#0, %[[NEXT]]#1, %[[C]], %{{.+}}], read, locality<2>, data
// CHECK-NOT: memref.prefetch
// CHECK: vector.load %[[U]][%[[P]], %[[B]], %[[C]], %{{.+}}]
// LOW-LABEL: func.func @position_blocks
// LOW: memref.prefetch
// LOWERED-LABEL: func.func @position_blocks
// LOWERED-NOT: affine.
// LOWERED: memref.prefetch
func.func @position_blocks(%u: memref<4x8x64x16xf32>, %x: memref<4x64xf32>,
                           %y: memref<4x128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant dense<0.0> : vector<16xf32>
  scf.forall (%p, %b) in (4, 8) {
    %f = arith.muli %b, %c16 : index
    %s = scf.for %c = %c0 to %c64 step %c1 iter_args(%a = %zero) -> (vector<16xf32>) {
      %x0 = memref.load %x[%p, %c] : memref<4x64xf32>
      %v0 = vector.broadcast %x0 : f32 to vector<16xf32>
      %uv = vector.load %u[%p, %b, %c, %c0] : memref<4x8x64x16xf32>, vector<16xf32>
      %n = vector.fma %v0, %uv, %a : vector<16xf32>
      scf.yield %n : vector<16xf32>
    }
    vector.store %s, %y[%p, %f] : memref<4x128xf32>, vector<16xf32>
  }
  return
}

// Blocks left alone: a memref the loop writes; a block larger than 1 MiB
// (streamed once, where a second stream only slowed it down); a load whose
// first index is not the loop's.

// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: memref.prefetch
// CHECK: return
// LOW-LABEL: func.func @left_alone
// LOW-NOT: memref.prefetch
// LOW: return
func.func @left_alone(%w: memref<16x512x32xf32>, %big: memref<4x16384x32xf32>,
                      %out: memref<16x512x32xf32>, %y: memref<16x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c512 = arith.constant 512 : index
  %c16384 = arith.constant 16384 : index
  %zero = arith.constant dense<0.0> : vector<32xf32>
  %one = arith.constant dense<1.0> : vector<32xf32>
  scf.forall (%b) in (16) {
    // Written in the loop.
    scf.for %c = %c0 to %c512 step %c1 {
      %o = vector.load %out[%b, %c, %c0] : memref<16x512x32xf32>, vector<32xf32>
      %d = arith.addf %o, %one : vector<32xf32>
      vector.store %d, %out[%b, %c, %c0] : memref<16x512x32xf32>, vector<32xf32>
    }
  }
  scf.forall (%b) in (4) {
    // 2 MiB per block.
    %s = scf.for %c = %c0 to %c16384 step %c1 iter_args(%a = %zero) -> (vector<32xf32>) {
      %wv = vector.load %big[%b, %c, %c0] : memref<4x16384x32xf32>, vector<32xf32>
      %n = vector.fma %one, %wv, %a : vector<32xf32>
      scf.yield %n : vector<32xf32>
    }
    vector.store %s, %y[%b, %c0] : memref<16x32xf32>, vector<32xf32>
    // Not indexed by the block.
    %t = scf.for %c = %c0 to %c512 step %c1 iter_args(%a = %zero) -> (vector<32xf32>) {
      %wv = vector.load %w[%c0, %c, %c0] : memref<16x512x32xf32>, vector<32xf32>
      %n = vector.fma %one, %wv, %a : vector<32xf32>
      scf.yield %n : vector<32xf32>
    }
    vector.store %t, %y[%b, %c0] : memref<16x32xf32>, vector<32xf32>
  }
  return
}

// A block reused more: each value read feeds 8 FMAs in each of 4 x 4 passes
// (pixel tiles of output rows), 128 in all, more than max-reuse. Most of
// its reads come from L2, and only the first pass, which reads it from
// memory, prefetches the next block: the passes' body is versioned on
// whether every pass loop is at its first iteration (the whole body, so
// that the register tile's accumulators live in one branch).

// CHECK-LABEL: func.func @first_pass
// CHECK-SAME: (%[[W:.+]]: memref<16x512x32xf32>,
// CHECK: scf.forall (%[[B:.+]]) in (16)
// CHECK: %[[NEXT:.+]] = affine.delinearize_index
// CHECK: scf.for %[[R:[a-z0-9_]+]] = %[[C0:[a-z0-9_]+]] to
// CHECK: scf.for %[[T:[a-z0-9_]+]] = %[[C0]] to
// CHECK: %[[T0:.+]] = arith.cmpi eq, %[[T]], %[[C0]]
// CHECK: %[[R0:.+]] = arith.cmpi eq, %[[R]], %[[C0]]
// CHECK: %[[FIRST:.+]] = arith.andi %[[T0]], %[[R0]]
// CHECK: scf.if %[[FIRST]] {
// CHECK-NEXT: scf.for %[[C:[a-z0-9_]+]] =
// CHECK-NEXT: memref.prefetch %[[W]][%[[NEXT]], %[[C]], %{{.+}}], read, locality<2>, data
// CHECK: memref.prefetch %[[W]][%[[NEXT]], %[[C]], %{{.+}}], read, locality<2>, data
// CHECK: vector.load %[[W]][%[[B]], %[[C]], %{{.+}}]
// CHECK: vector.store
// CHECK-NEXT: } else {
// CHECK-NEXT: scf.for
// CHECK-NOT: memref.prefetch
// CHECK: vector.load %[[W]][%[[B]],
// CHECK-NOT: memref.prefetch
// CHECK: vector.store
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NOT: memref.prefetch
// CHECK: return
func.func @first_pass(%w: memref<16x512x32xf32>, %y: memref<16x4x4x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c512 = arith.constant 512 : index
  %zero = arith.constant dense<0.0> : vector<32xf32>
  %one = arith.constant dense<1.0> : vector<32xf32>
  scf.forall (%b) in (16) {
    scf.for %r = %c0 to %c4 step %c1 {
      scf.for %t = %c0 to %c4 step %c1 {
        %s = scf.for %c = %c0 to %c512 step %c1 iter_args(%a = %zero) -> (vector<32xf32>) {
          %wv = vector.load %w[%b, %c, %c0] : memref<16x512x32xf32>, vector<32xf32>
          %n0 = vector.fma %one, %wv, %a : vector<32xf32>
          %n1 = vector.fma %one, %wv, %n0 : vector<32xf32>
          %n2 = vector.fma %one, %wv, %n1 : vector<32xf32>
          %n3 = vector.fma %one, %wv, %n2 : vector<32xf32>
          %n4 = vector.fma %one, %wv, %n3 : vector<32xf32>
          %n5 = vector.fma %one, %wv, %n4 : vector<32xf32>
          %n6 = vector.fma %one, %wv, %n5 : vector<32xf32>
          %n7 = vector.fma %one, %wv, %n6 : vector<32xf32>
          scf.yield %n7 : vector<32xf32>
        }
        vector.store %s, %y[%b, %r, %t, %c0] : memref<16x4x4x32xf32>, vector<32xf32>
      }
    }
  }
  return
}

// Reused blocks left alone: a pass loop that yields values (its body is not
// versioned), and two groups of loads whose versioned bodies would nest (the
// outer one's first-pass version would hold a copy of the inner loop).

// CHECK-LABEL: func.func @first_pass_left_alone
// CHECK-NOT: memref.prefetch
// CHECK-NOT: scf.if
// CHECK: return
func.func @first_pass_left_alone(%w: memref<16x512x32xf32>,
                                 %y: memref<16x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %c512 = arith.constant 512 : index
  %zero = arith.constant dense<0.0> : vector<32xf32>
  %one = arith.constant dense<1.0> : vector<32xf32>
  scf.forall (%b) in (16) {
    // 8 FMAs per load, 16 passes, summed across them.
    %sum = scf.for %r = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> (vector<32xf32>) {
      %s = scf.for %c = %c0 to %c512 step %c1 iter_args(%a = %acc) -> (vector<32xf32>) {
        %wv = vector.load %w[%b, %c, %c0] : memref<16x512x32xf32>, vector<32xf32>
        %n0 = vector.fma %one, %wv, %a : vector<32xf32>
        %n1 = vector.fma %one, %wv, %n0 : vector<32xf32>
        %n2 = vector.fma %one, %wv, %n1 : vector<32xf32>
        %n3 = vector.fma %one, %wv, %n2 : vector<32xf32>
        %n4 = vector.fma %one, %wv, %n3 : vector<32xf32>
        %n5 = vector.fma %one, %wv, %n4 : vector<32xf32>
        %n6 = vector.fma %one, %wv, %n5 : vector<32xf32>
        %n7 = vector.fma %one, %wv, %n6 : vector<32xf32>
        scf.yield %n7 : vector<32xf32>
      }
      scf.yield %s : vector<32xf32>
    }
    vector.store %sum, %y[%b, %c0] : memref<16x32xf32>, vector<32xf32>
  }
  scf.forall (%b) in (16) {
    // Outer group: passes (r); inner group: passes (t, r).
    scf.for %r = %c0 to %c16 step %c1 {
      %s = scf.for %c = %c0 to %c512 step %c1 iter_args(%a = %zero) -> (vector<32xf32>) {
        %wv = vector.load %w[%b, %c, %c0] : memref<16x512x32xf32>, vector<32xf32>
        %n0 = vector.fma %one, %wv, %a : vector<32xf32>
        %n1 = vector.fma %one, %wv, %n0 : vector<32xf32>
        %n2 = vector.fma %one, %wv, %n1 : vector<32xf32>
        %n3 = vector.fma %one, %wv, %n2 : vector<32xf32>
        %n4 = vector.fma %one, %wv, %n3 : vector<32xf32>
        %n5 = vector.fma %one, %wv, %n4 : vector<32xf32>
        %n6 = vector.fma %one, %wv, %n5 : vector<32xf32>
        %n7 = vector.fma %one, %wv, %n6 : vector<32xf32>
        scf.yield %n7 : vector<32xf32>
      }
      vector.store %s, %y[%b, %c0] : memref<16x32xf32>, vector<32xf32>
      scf.for %t = %c0 to %c4 step %c1 {
        %u = scf.for %c = %c0 to %c512 step %c1 iter_args(%a = %zero) -> (vector<32xf32>) {
          %wv = vector.load %w[%b, %c, %c0] : memref<16x512x32xf32>, vector<32xf32>
          %n0 = vector.fma %one, %wv, %a : vector<32xf32>
          %n1 = vector.fma %one, %wv, %n0 : vector<32xf32>
          scf.yield %n1 : vector<32xf32>
        }
        vector.store %u, %y[%b, %c0] : memref<16x32xf32>, vector<32xf32>
      }
    }
  }
  return
}

// Rows of two dimensions (a 3-tap filter's taps and input channels: R = 3 x
// 64) over passes of two loops, one from 2 by 2: pass p = 3 r + (t - 2) / 2
// of P = 6. The largest power of two within 6 is 4, so bands of
// ceil(192 / 4) = 48 rows: row 48 p + q / 4, clamped to 191 (passes 4 and
// 5 prefetch the last row).

// CHECK-LABEL: func.func @spread_rows
// CHECK-SAME: (%[[W:.+]]: memref<8x3x64x16xf32>,
// CHECK: scf.forall (%[[B:.+]]) in (8)
// CHECK: %[[NEXT:.+]] = affine.delinearize_index
// CHECK-DAG: %[[C3:.+]] = arith.constant 3 : index
// CHECK-DAG: %[[C48:.+]] = arith.constant 48 : index
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG: %[[C191:.+]] = arith.constant 191 : index
// CHECK: scf.for %[[R:[a-z0-9_]+]] =
// CHECK: scf.for %[[T:[a-z0-9_]+]] = %[[LB:[a-z0-9_]+]] to %{{.+}} step %[[STEP:[a-z0-9_]+]]
// CHECK: scf.for %[[KH:[a-z0-9_]+]] =
// CHECK: scf.for %[[C:[a-z0-9_]+]] =
// CHECK: %[[T1:.+]] = arith.subi %[[T]], %[[LB]]
// CHECK: %[[T2:.+]] = arith.divui %[[T1]], %[[STEP]]
// CHECK: %[[R3:.+]] = arith.muli %[[R]], %[[C3]]
// CHECK: %[[P:.+]] = arith.addi %[[R3]], %[[T2]]
// CHECK: %[[Q:.+]] = affine.linearize_index disjoint [%[[KH]], %[[C]]] by (3, 64)
// CHECK: %[[BAND:.+]] = arith.muli %[[P]], %[[C48]]
// CHECK: %[[IN:.+]] = arith.shrui %[[Q]], %[[C2]]
// CHECK: %[[SUM:.+]] = arith.addi %[[BAND]], %[[IN]]
// CHECK: %[[ROW:.+]] = arith.minui %[[SUM]], %[[C191]]
// CHECK: %[[ROWI:.+]]:2 = affine.delinearize_index %[[ROW]] into (3, 64)
// CHECK: memref.prefetch %[[W]][%[[NEXT]], %[[ROWI]]#0, %[[ROWI]]#1, %{{.+}}], read, locality<2>, data
// CHECK-NOT: memref.prefetch
// CHECK: vector.load %[[W]][%[[B]], %[[KH]], %[[C]], %{{.+}}]
func.func @spread_rows(%w: memref<8x3x64x16xf32>, %x: memref<64xf32>,
                       %y: memref<8x2x8x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant dense<0.0> : vector<16xf32>
  scf.forall (%b) in (8) {
    scf.for %r = %c0 to %c2 step %c1 {
      scf.for %t = %c2 to %c8 step %c2 {
        %s = scf.for %kh = %c0 to %c3 step %c1 iter_args(%a = %zero) -> (vector<16xf32>) {
          %s2 = scf.for %c = %c0 to %c64 step %c1 iter_args(%a2 = %a) -> (vector<16xf32>) {
            %x0 = memref.load %x[%c] : memref<64xf32>
            %v0 = vector.broadcast %x0 : f32 to vector<16xf32>
            %wv = vector.load %w[%b, %kh, %c, %c0] : memref<8x3x64x16xf32>, vector<16xf32>
            %n0 = vector.fma %v0, %wv, %a2 : vector<16xf32>
            %n1 = vector.fma %v0, %wv, %n0 : vector<16xf32>
            scf.yield %n1 : vector<16xf32>
          }
          scf.yield %s2 : vector<16xf32>
        }
        vector.store %s, %y[%b, %r, %t, %c0] : memref<8x2x8x16xf32>, vector<16xf32>
      }
    }
  }
  return
}

// A block read on one pass only, whose values feed more multiply-adds than
// max-reuse (4 against 3 in the LOW run): prefetched on that pass, with no
// version.

// LOW-LABEL: func.func @one_pass
// LOW-NOT: scf.if
// LOW: memref.prefetch
// LOW-NOT: scf.if
// LOW: return
func.func @one_pass(%w: memref<16x512x16xf32>, %y: memref<16x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c512 = arith.constant 512 : index
  %zero = arith.constant dense<0.0> : vector<16xf32>
  %one = arith.constant dense<1.0> : vector<16xf32>
  scf.forall (%b) in (16) {
    %s = scf.for %c = %c0 to %c512 step %c1 iter_args(%a = %zero) -> (vector<16xf32>) {
      %wv = vector.load %w[%b, %c, %c0] : memref<16x512x16xf32>, vector<16xf32>
      %n0 = vector.fma %one, %wv, %a : vector<16xf32>
      %n1 = vector.fma %one, %wv, %n0 : vector<16xf32>
      %n2 = vector.fma %one, %wv, %n1 : vector<16xf32>
      %n3 = vector.fma %one, %wv, %n2 : vector<16xf32>
      scf.yield %n3 : vector<16xf32>
    }
    vector.store %s, %y[%b, %c0] : memref<16x16xf32>, vector<16xf32>
  }
  return
}

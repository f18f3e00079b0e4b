// RUN: cnn-opt %s --split-input-file --cnn-plan-memory | FileCheck %s

// %a dies when %c is computed, so %c reuses its bytes; %b lives across
// both. Sizes: 4096 bytes each, three buffers, at most two live at once:
// the arena is 8192 bytes, equal to the lower bound.
// The arena is the function's new last argument: nothing is allocated.
// CHECK: module attributes {cnn.arena_alignment = 64 : i64, cnn.arena_bytes = 8192 : i64, cnn.arena_lower_bound = 8192 : i64}
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%{{.+}}: memref<1024xf32>, %{{.+}}: memref<1024xf32>, %[[ARENA:.+]]: memref<8192xi8>)
// CHECK-NOT: memref.alloc
// CHECK: %[[O1:.+]] = arith.constant 0 : index
// CHECK: %[[A:.+]] = memref.view %[[ARENA]][%[[O1]]][] : memref<8192xi8> to memref<1024xf32>
// CHECK: linalg.copy ins(%{{.+}} : memref<1024xf32>) outs(%[[A]] : memref<1024xf32>)
// CHECK: %[[O2:.+]] = arith.constant 4096 : index
// CHECK: %[[B:.+]] = memref.view %[[ARENA]][%[[O2]]][] : memref<8192xi8> to memref<1024xf32>
// CHECK: %[[O3:.+]] = arith.constant 0 : index
// CHECK: %[[C:.+]] = memref.view %[[ARENA]][%[[O3]]][] : memref<8192xi8> to memref<1024xf32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[C]] : memref<1024xf32>)
// CHECK: linalg.add ins(%[[B]], %[[C]] :
module {
  func.func @forward(%x: memref<1024xf32>, %out: memref<1024xf32>) {
    %cst = arith.constant 1.0 : f32
    %a = memref.alloc() : memref<1024xf32>
    linalg.copy ins(%x : memref<1024xf32>) outs(%a : memref<1024xf32>)
    %b = memref.alloc() : memref<1024xf32>
    linalg.copy ins(%a : memref<1024xf32>) outs(%b : memref<1024xf32>)
    %c = memref.alloc() : memref<1024xf32>
    linalg.fill ins(%cst : f32) outs(%c : memref<1024xf32>)
    linalg.add ins(%b, %c : memref<1024xf32>, memref<1024xf32>) outs(%out : memref<1024xf32>)
    return
  }
}

// -----

// A buffer that escapes (returned) stays an allocation of its own; with no
// buffer left to place, the function takes no arena.
// CHECK-NOT: cnn.arena_bytes
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%{{.+}}: memref<16xf32>) -> memref<16xf32>
// CHECK: memref.alloc() : memref<16xf32>
module {
  func.func @forward(%x: memref<16xf32>) -> memref<16xf32> {
    %a = memref.alloc() : memref<16xf32>
    linalg.copy ins(%x : memref<16xf32>) outs(%a : memref<16xf32>)
    return %a : memref<16xf32>
  }
}

// -----

// Placed largest first, %d (4096 bytes) and %a (3072) share offset 0, %b
// goes above %a at 3072, and %c, which meets both %b and %d, fits only
// above them: 6144 bytes. Placed in order of first use, %c takes %a's
// bytes and %d goes above it, which reaches the lower bound: the pass
// keeps the smaller arena.
// CHECK: module attributes {cnn.arena_alignment = 64 : i64, cnn.arena_bytes = 5120 : i64, cnn.arena_lower_bound = 5120 : i64}
// CHECK-LABEL: func.func @forward
// CHECK: arith.constant 1.000000e+00 : f32
// CHECK: %[[OA:.+]] = arith.constant 0 : index
// CHECK-NEXT: memref.view %{{.+}}[%[[OA]]][] : memref<5120xi8> to memref<768xf32>
// CHECK: %[[OB:.+]] = arith.constant 3072 : index
// CHECK-NEXT: memref.view %{{.+}}[%[[OB]]][] : memref<5120xi8> to memref<512xf32>
// CHECK: %[[OC:.+]] = arith.constant 0 : index
// CHECK-NEXT: memref.view %{{.+}}[%[[OC]]][] : memref<5120xi8> to memref<256xf32>
// CHECK: %[[OD:.+]] = arith.constant 1024 : index
// CHECK-NEXT: memref.view %{{.+}}[%[[OD]]][] : memref<5120xi8> to memref<1024xf32>
module {
  func.func @forward(%out: memref<1xf32>) {
    %c0 = arith.constant 0 : index
    %cst = arith.constant 1.0 : f32
    %a = memref.alloc() : memref<768xf32>
    memref.store %cst, %a[%c0] : memref<768xf32>
    %b = memref.alloc() : memref<512xf32>
    %va = memref.load %a[%c0] : memref<768xf32>
    memref.store %va, %b[%c0] : memref<512xf32>
    %c = memref.alloc() : memref<256xf32>
    %vb = memref.load %b[%c0] : memref<512xf32>
    memref.store %vb, %c[%c0] : memref<256xf32>
    %d = memref.alloc() : memref<1024xf32>
    %vc = memref.load %c[%c0] : memref<256xf32>
    memref.store %vc, %d[%c0] : memref<1024xf32>
    %vd = memref.load %d[%c0] : memref<1024xf32>
    %vc2 = memref.load %c[%c0] : memref<256xf32>
    %s = arith.addf %vd, %vc2 : f32
    memref.store %s, %out[%c0] : memref<1xf32>
    return
  }
}

// -----

// A buffer allocated in the body of a top-level parallel loop of
// cnn-fuse-row-bands is one iteration's scratch: it becomes the iteration's
// slot (1000 bytes, padded to 1024) of one buffer of 2 x 3 slots, placed in
// the arena, the slot chosen by the iteration's linear index: i * 3 + j, for
// i = (%i - 4) / 2 with %i from 4 to 8 by 2.
// CHECK: cnn.arena_bytes = 6144 : i64
// CHECK-LABEL: func.func @forward
// CHECK-SAME: %[[ARENA:[^:]+]]: memref<6144xi8>)
// CHECK: %[[SLOTS:.+]] = memref.view %[[ARENA]][%{{.+}}][] : memref<6144xi8> to memref<6144xi8>
// CHECK: scf.forall (%[[I:.+]], %[[J:.+]]) = (4, 0) to (8, 3) step (2, 1)
// CHECK-NOT: memref.alloc
// CHECK:   %[[C4:.+]] = arith.constant 4 : index
// CHECK:   %[[I0:.+]] = arith.subi %[[I]], %[[C4]] : index
// CHECK:   %[[C2:.+]] = arith.constant 2 : index
// CHECK:   %{{.+}} = arith.divui %[[I0]], %[[C2]] : index
// CHECK:   %[[C3:.+]] = arith.constant 3 : index
// CHECK:   %[[I3:.+]] = arith.muli %{{.+}}, %[[C3]] : index
// CHECK:   %[[LIN:.+]] = arith.addi %[[I3]], %{{.+}} : index
// CHECK:   %[[C1024:.+]] = arith.constant 1024 : index
// CHECK:   %[[AT:.+]] = arith.muli %[[LIN]], %[[C1024]] : index
// CHECK:   %[[S:.+]] = memref.view %[[SLOTS]][%[[AT]]][] : memref<6144xi8> to memref<250xf32>
// CHECK:   linalg.fill ins(%{{.+}} : f32) outs(%[[S]] : memref<250xf32>)
module {
  func.func @forward(%out: memref<2x3xf32>) {
    %cst = arith.constant 1.0 : f32
    %c1 = arith.constant 1 : index
    scf.forall (%i, %j) = (4, 0) to (8, 3) step (2, 1) {
      %s = memref.alloc() : memref<250xf32>
      linalg.fill ins(%cst : f32) outs(%s : memref<250xf32>)
      %v = memref.load %s[%i] : memref<250xf32>
      memref.store %v, %out[%c1, %j] : memref<2x3xf32>
    } {cnn.row_bands}
    return
  }
}

// -----

// Other parallel loops keep their allocations (cnn-fuse-row-bands' are the
// only loops that allocate in their bodies).
// CHECK-LABEL: func.func @forward
// CHECK: scf.forall
// CHECK:   memref.alloc() : memref<250xf32>
module {
  func.func @forward(%out: memref<2x3xf32>) {
    %cst = arith.constant 1.0 : f32
    scf.forall (%i, %j) in (2, 3) {
      %s = memref.alloc() : memref<250xf32>
      linalg.fill ins(%cst : f32) outs(%s : memref<250xf32>)
      %v = memref.load %s[%i] : memref<250xf32>
      memref.store %v, %out[%i, %j] : memref<2x3xf32>
    }
    return
  }
}

// -----

// Five buffers: %b0 (6144 bytes) meets %b1 (3072) and %b2 (4096); %b1,
// %b2, %b3 and %b4 (4096 each) are all live once %b4 is computed: at most
// 15360 bytes at once. Each greedy order (largest first, first use, bytes
// times lifetime) leaves a hole and needs 17408; a shuffled order packs
// them to the bound.
// CHECK: module attributes {cnn.arena_alignment = 64 : i64, cnn.arena_bytes = 15360 : i64, cnn.arena_lower_bound = 15360 : i64}
// CHECK-LABEL: func.func @forward
// CHECK-NOT: memref.alloc
module {
  func.func @forward(%out: memref<8xf32>) {
    %cst = arith.constant 1.0 : f32
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %c4 = arith.constant 4 : index
    %b0 = memref.alloc() : memref<1536xf32>
    linalg.fill ins(%cst : f32) outs(%b0 : memref<1536xf32>)
    %b1 = memref.alloc() : memref<768xf32>
    linalg.fill ins(%cst : f32) outs(%b1 : memref<768xf32>)
    %b2 = memref.alloc() : memref<1024xf32>
    linalg.fill ins(%cst : f32) outs(%b2 : memref<1024xf32>)
    %v0 = memref.load %b0[%c0] : memref<1536xf32>
    %b3 = memref.alloc() : memref<1024xf32>
    linalg.fill ins(%cst : f32) outs(%b3 : memref<1024xf32>)
    %b4 = memref.alloc() : memref<1024xf32>
    linalg.fill ins(%cst : f32) outs(%b4 : memref<1024xf32>)
    %v2 = memref.load %b2[%c0] : memref<1024xf32>
    %v3 = memref.load %b3[%c0] : memref<1024xf32>
    %v4 = memref.load %b4[%c0] : memref<1024xf32>
    %v1 = memref.load %b1[%c0] : memref<768xf32>
    memref.store %v0, %out[%c0] : memref<8xf32>
    memref.store %v1, %out[%c1] : memref<8xf32>
    memref.store %v2, %out[%c2] : memref<8xf32>
    memref.store %v3, %out[%c3] : memref<8xf32>
    memref.store %v4, %out[%c4] : memref<8xf32>
    return
  }
}

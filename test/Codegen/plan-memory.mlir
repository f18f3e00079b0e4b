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

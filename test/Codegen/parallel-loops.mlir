// RUN: cnn-opt %s --cnn-cpu-parallel-loops --split-input-file | FileCheck %s

// A forall with a dynamic bound stays a sequential loop, and so does the
// static forall nested in it: only outermost foralls are outlined.
// CHECK-NOT: @dynamic_parallel
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME: (%[[BUF:[^:]+]]: memref<?xf32>, %[[N:[^:]+]]: index, %[[S:[^:]+]]: f32)
// CHECK-NOT: llvm.alloca
// CHECK: scf.forall (%[[I:[^ )]+]]) in (%[[N]]) {
// CHECK:   memref.store %[[S]], %[[BUF]][%[[I]]]
// CHECK:   scf.forall (%[[K:[^ )]+]]) in (4) {
// CHECK:     memref.store %[[S]], %[[BUF]][%[[K]]]
// CHECK-NOT: call @cnnrt_parallel_for
// CHECK: return
func.func @dynamic(%buf: memref<?xf32>, %n: index, %s: f32) {
  scf.forall (%i) in (%n) {
    memref.store %s, %buf[%i] : memref<?xf32>
    scf.forall (%k) in (4) {
      memref.store %s, %buf[%k] : memref<?xf32>
    }
  }
  return
}

// -----

// A 4 x 8 forall becomes a call running 32 linearized iterations on the
// runtime's threads. The values the body uses from outside travel in a
// stack struct: the two memrefs as LLVM descriptors (through unrealized
// casts), the index as i64, the f32 scalar as it is; the f32 constant is
// cloned into the body instead. The body function runs [begin, end) and
// delinearizes each iteration, the inner dimension (8) fastest. The nested
// forall stays in the body, sequential.
// CHECK: func.func private @cnnrt_parallel_for((!llvm.ptr, i64, i64) -> (), !llvm.ptr, i64)
// CHECK-LABEL: func.func private @forward_parallel0
// CHECK-SAME: (%[[CTX:[^:]+]]: !llvm.ptr, %[[BEGIN:[^:]+]]: i64, %[[END:[^:]+]]: i64)
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[P0:.+]] = llvm.getelementptr %[[CTX]][0, 0] : (!llvm.ptr) -> !llvm.ptr, [[CTXT:!llvm.struct<\(struct<\(ptr, ptr, i64, array<2 x i64>, array<2 x i64>\)>, f32, i64, struct<\(ptr, ptr, i64, array<3 x i64>, array<3 x i64>\)>\)>]]
// CHECK: %[[L0:.+]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: %[[BUF:.+]] = builtin.unrealized_conversion_cast %[[L0]] : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<4x8xf32>
// CHECK: %[[P1:.+]] = llvm.getelementptr %[[CTX]][0, 1] : (!llvm.ptr) -> !llvm.ptr, [[CTXT]]
// CHECK: %[[S:.+]] = llvm.load %[[P1]] : !llvm.ptr -> f32
// CHECK: %[[P2:.+]] = llvm.getelementptr %[[CTX]][0, 2] : (!llvm.ptr) -> !llvm.ptr, [[CTXT]]
// CHECK: %[[L2:.+]] = llvm.load %[[P2]] : !llvm.ptr -> i64
// CHECK: %[[OFF:.+]] = arith.index_cast %[[L2]] : i64 to index
// CHECK: %[[P3:.+]] = llvm.getelementptr %[[CTX]][0, 3] : (!llvm.ptr) -> !llvm.ptr, [[CTXT]]
// CHECK: %[[L3:.+]] = llvm.load %[[P3]] : !llvm.ptr -> !llvm.struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>
// CHECK: %[[OUT:.+]] = builtin.unrealized_conversion_cast %[[L3]] : !llvm.struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)> to memref<4x8x2xf32>
// CHECK-NOT: llvm.getelementptr
// CHECK: %[[LB:.+]] = arith.index_cast %[[BEGIN]] : i64 to index
// CHECK: %[[UB:.+]] = arith.index_cast %[[END]] : i64 to index
// CHECK: scf.for %[[IV:.+]] = %[[LB]] to %[[UB]] step %{{.+}} {
// CHECK:   %[[C8:.+]] = arith.constant 8 : index
// CHECK:   %[[JPOS:.+]] = arith.remui %[[IV]], %[[C8]] : index
// CHECK:   %[[IPOS:.+]] = arith.divui %[[IV]], %[[C8]] : index
// CHECK:   %[[JS:.+]] = arith.muli %[[JPOS]], %{{.+}} : index
// CHECK:   %[[J:.+]] = arith.addi %[[JS]], %{{.+}} : index
// CHECK:   %[[IS:.+]] = arith.muli %[[IPOS]], %{{.+}} : index
// CHECK:   %[[I:.+]] = arith.addi %[[IS]], %{{.+}} : index
// CHECK:   %[[V:.+]] = memref.load %[[BUF]][%[[I]], %[[J]]] : memref<4x8xf32>
// CHECK:   %[[A:.+]] = arith.mulf %[[V]], %[[S]] : f32
// CHECK:   %[[B:.+]] = arith.addf %[[A]], %[[ONE]] : f32
// CHECK:   %[[J2:.+]] = arith.addi %[[J]], %[[OFF]] : index
// CHECK:   memref.store %[[B]], %[[BUF]][%[[I]], %[[J2]]] : memref<4x8xf32>
// CHECK:   scf.forall (%[[K:[^ )]+]]) in (2) {
// CHECK:     memref.store %[[B]], %[[OUT]][%[[I]], %[[J]], %[[K]]] : memref<4x8x2xf32>
// CHECK:   }
// CHECK: }
// CHECK: return

// The caller: the context is allocated in its entry block, filled just
// before the call, field by field in the order above.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[FBUF:[^:]+]]: memref<4x8xf32>, %[[FOUT:[^:]+]]: memref<4x8x2xf32>, %[[FOFF:[^:]+]]: index, %[[FS:[^:]+]]: f32)
// CHECK: %[[NUM:.+]] = llvm.mlir.constant(1 : i64) : i64
// CHECK: %[[ALLOCA:.+]] = llvm.alloca %[[NUM]] x [[CTXT]] : (i64) -> !llvm.ptr
// CHECK: %[[OFFV:.+]] = arith.addi %[[FOFF]], %{{.+}} : index
// CHECK: %[[D0:.+]] = builtin.unrealized_conversion_cast %[[FBUF]] : memref<4x8xf32> to !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: %[[Q0:.+]] = llvm.getelementptr %[[ALLOCA]][0, 0] : (!llvm.ptr) -> !llvm.ptr, [[CTXT]]
// CHECK: llvm.store %[[D0]], %[[Q0]] : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, !llvm.ptr
// CHECK: %[[Q1:.+]] = llvm.getelementptr %[[ALLOCA]][0, 1]
// CHECK: llvm.store %[[FS]], %[[Q1]] : f32, !llvm.ptr
// CHECK: %[[OFF64:.+]] = arith.index_cast %[[OFFV]] : index to i64
// CHECK: %[[Q2:.+]] = llvm.getelementptr %[[ALLOCA]][0, 2]
// CHECK: llvm.store %[[OFF64]], %[[Q2]] : i64, !llvm.ptr
// CHECK: %[[D3:.+]] = builtin.unrealized_conversion_cast %[[FOUT]] : memref<4x8x2xf32> to !llvm.struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>
// CHECK: %[[Q3:.+]] = llvm.getelementptr %[[ALLOCA]][0, 3]
// CHECK: llvm.store %[[D3]], %[[Q3]] : !llvm.struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>, !llvm.ptr
// CHECK: %[[FN:.+]] = constant @forward_parallel0 : (!llvm.ptr, i64, i64) -> ()
// CHECK: %[[TRIP:.+]] = arith.constant 32 : i64
// CHECK: call @cnnrt_parallel_for(%[[FN]], %[[ALLOCA]], %[[TRIP]]) : ((!llvm.ptr, i64, i64) -> (), !llvm.ptr, i64) -> ()
// CHECK-NOT: scf.forall
// CHECK: return
func.func @forward(%buf: memref<4x8xf32>, %out: memref<4x8x2xf32>, %off: index, %s: f32) {
  %one = arith.constant 1.0 : f32
  %c3 = arith.constant 3 : index
  %idx = arith.addi %off, %c3 : index
  scf.forall (%i, %j) in (4, 8) {
    %v = memref.load %buf[%i, %j] : memref<4x8xf32>
    %a = arith.mulf %v, %s : f32
    %b = arith.addf %a, %one : f32
    %j2 = arith.addi %j, %idx : index
    memref.store %b, %buf[%i, %j2] : memref<4x8xf32>
    scf.forall (%k) in (2) {
      memref.store %b, %out[%i, %j, %k] : memref<4x8x2xf32>
    }
  }
  return
}

// -----

// Constants used in the body are cloned into the body function, not passed:
// the context holds the memref alone. A lower bound and step other than 0
// and 1 give 2 iterations (2 and 6); each loop of the function gets its own
// body function, numbered.
// CHECK-LABEL: func.func private @consts_parallel0
// CHECK-SAME: (%[[CTX:[^:]+]]: !llvm.ptr, %{{[^:]+}}: i64, %{{[^:]+}}: i64)
// CHECK-DAG: %[[C5:.+]] = arith.constant 5 : index
// CHECK-DAG: %[[TWO:.+]] = arith.constant 2.000000e+00 : f32
// CHECK: %[[P:.+]] = llvm.getelementptr %[[CTX]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>)>
// CHECK-NOT: llvm.getelementptr
// CHECK: %[[L:.+]] = llvm.load %[[P]]
// CHECK: %[[BUF:.+]] = builtin.unrealized_conversion_cast %[[L]] : {{.+}} to memref<16xf32>
// CHECK: scf.for %[[IV:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK-NOT: arith.remui
// CHECK-NOT: arith.divui
// CHECK:   %[[STEP:.+]] = arith.constant 4 : index
// CHECK:   %[[SCALED:.+]] = arith.muli %[[IV]], %[[STEP]] : index
// CHECK:   %[[LOWER:.+]] = arith.constant 2 : index
// CHECK:   %[[I:.+]] = arith.addi %[[SCALED]], %[[LOWER]] : index
// CHECK:   %[[J:.+]] = arith.addi %[[I]], %[[C5]] : index
// CHECK:   memref.store %[[TWO]], %[[BUF]][%[[J]]] : memref<16xf32>
// CHECK-LABEL: func.func private @consts_parallel1
// CHECK: arith.constant 2.000000e+00 : f32
// CHECK-LABEL: func.func @consts
// CHECK-COUNT-2: llvm.alloca %{{.+}} x !llvm.struct<(struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>)>
// CHECK-DAG: arith.constant 5 : index
// CHECK-DAG: arith.constant 2.000000e+00 : f32
// CHECK: %[[F0:.+]] = constant @consts_parallel0
// CHECK: %[[N0:.+]] = arith.constant 2 : i64
// CHECK: call @cnnrt_parallel_for(%[[F0]], %{{.+}}, %[[N0]])
// CHECK: %[[F1:.+]] = constant @consts_parallel1
// CHECK: %[[N1:.+]] = arith.constant 3 : i64
// CHECK: call @cnnrt_parallel_for(%[[F1]], %{{.+}}, %[[N1]])
// CHECK-NOT: scf.forall
// CHECK: return
func.func @consts(%buf: memref<16xf32>) {
  %c5 = arith.constant 5 : index
  %two = arith.constant 2.0 : f32
  scf.forall (%i) = (2) to (10) step (4) {
    %j = arith.addi %i, %c5 : index
    memref.store %two, %buf[%j] : memref<16xf32>
  }
  scf.forall (%i) in (3) {
    memref.store %two, %buf[%i] : memref<16xf32>
  }
  return
}

// -----

// A forall inside a sequential loop is outermost too: the context is
// allocated once, in the entry block, and refilled (with the loop's current
// induction variable) before each call.
// CHECK-LABEL: func.func private @in_loop_parallel0
// CHECK: %[[P:.+]] = llvm.getelementptr %{{.+}}[0, 2]
// CHECK: %[[L:.+]] = llvm.load %[[P]] : !llvm.ptr -> i64
// CHECK: %[[ROW:.+]] = arith.index_cast %[[L]] : i64 to index
// CHECK: scf.for
// CHECK:   memref.store %{{.+}}, %{{.+}}[%[[ROW]], %{{.+}}] : memref<4x8xf32>
// CHECK-LABEL: func.func @in_loop
// CHECK: %[[ALLOCA:.+]] = llvm.alloca
// CHECK: scf.for %[[R:[^ ]+]] =
// CHECK:   %[[R64:.+]] = arith.index_cast %[[R]] : index to i64
// CHECK:   %[[Q:.+]] = llvm.getelementptr %[[ALLOCA]][0, 2]
// CHECK:   llvm.store %[[R64]], %[[Q]] : i64, !llvm.ptr
// CHECK:   %[[F:.+]] = func.constant @in_loop_parallel0
// CHECK:   %[[N:.+]] = arith.constant 8 : i64
// CHECK:   func.call @cnnrt_parallel_for(%[[F]], %[[ALLOCA]], %[[N]])
// CHECK: }
// CHECK: return
func.func @in_loop(%buf: memref<4x8xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %r = %c0 to %c4 step %c1 {
    scf.forall (%j) in (8) {
      memref.store %s, %buf[%r, %j] : memref<4x8xf32>
    }
  }
  return
}

// -----

// A loop whose location names a layer (the importer's name locations,
// possibly fused or nested) gets a body function named after it, with the
// characters a symbol should not carry replaced, so that a profile of the
// library reads per layer.
// CHECK-LABEL: func.func private @named_parallel0_layer1_0_conv1
// CHECK-LABEL: func.func private @named_parallel1_fc
// CHECK-LABEL: func.func @named
// CHECK: constant @named_parallel0_layer1_0_conv1
// CHECK: constant @named_parallel1_fc
func.func @named(%buf: memref<8xf32>, %s: f32) {
  scf.forall (%i) in (8) {
    memref.store %s, %buf[%i] : memref<8xf32>
  } loc("layer1.0/conv1"("model.json":3:5))
  scf.forall (%i) in (8) {
    memref.store %s, %buf[%i] : memref<8xf32>
  } loc(fused["model.json":9:1, "fc"("model.json":9:1)])
  return
}

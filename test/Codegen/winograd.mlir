// RUN: cnn-opt %s --pass-pipeline="builtin.module(func.func(cnn-winograd{vector-width=16}),canonicalize,cse)" --split-input-file | FileCheck %s
// RUN: cnn-opt %s --pass-pipeline="builtin.module(func.func(cnn-winograd{vector-width=16 max-transform-bytes=4096}))" --split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: cnn-opt %s --pass-pipeline="builtin.module(func.func(cnn-winograd{vector-width=16 filter-float-cost=8}))" --split-input-file | FileCheck %s --check-prefix=HALF
// RUN: cnn-opt %s --pass-pipeline="builtin.module(func.func(cnn-winograd{vector-width=16 large-blocks=true}))" --split-input-file | FileCheck %s --check-prefix=LARGE

// A 3x3 convolution of 64 to 64 channels with an 8x8 output and a bias
// becomes Winograd F(2x2, 3x3) on 4x4 blocks of 2x2 output pixels: the
// filter transform to the 16 products' filter blocks ([16, 64/32, 1, 1, 64,
// 32]), the input transform (a parallel loop over two groups of 8 positions
// and the rows of blocks: each group reads the 12 input vectors that its two
// rows of B^T use and writes its 8 positions of V, per vector of channels),
// the 16 products as 1x1 convolutions of one filter block each in a forall
// over (position, block), and the output transform (16 reads of the
// products, the bias, 4 output pixels written). The transforms' loops over
// (sample, row of blocks) keep only the rows: one sample. V and the products number
// the blocks along rows ([16, N, 1, 4 x 4, C]), so that each product is one
// row of 16 pixels for the convolution kernels.
// CHECK-LABEL: func @winograd
// CHECK-SAME: (%[[X:.+]]: tensor<1x10x10x64xf32>, %[[W:.+]]: tensor<3x3x64x64xf32>, %[[B:.+]]: tensor<64xf32>)
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf {{.*}} tensor<3x3x64x64xf32>
// CHECK: %[[G:.+]] = arith.constant dense<{{.+}}> : tensor<16x9xf32>
// CHECK: %[[E:.+]] = tensor.expand_shape %[[W]] {{\[\[}}0], [1], [2], [3, 4]] output_shape [3, 3, 64, 2, 32]
// CHECK: %[[U:.+]] = linalg.generic {{.+}} ins(%[[G]], {{.+}}, %[[E]], {{.+}} : tensor<16x9xf32>, {{.+}}) outs(%{{.+}} : tensor<16x2x1x1x64x32xf32>)
// CHECK-COUNT-9: arith.mulf
// CHECK: %[[VA:.+]] = bufferization.alloc_tensor() : tensor<16x1x1x16x64xf32>
// CHECK: %[[V:.+]] = scf.forall (%[[G:.+]], %{{.+}}) in (2, 4) shared_outs(%{{.+}} = %[[VA]])
// CHECK:   %[[P0:.+]] = arith.muli %[[G]], %c8
// CHECK:   tensor.extract_slice %{{.+}}[%[[P0]], 0, 0, %{{.+}}, 0] [8, 1, 1, 4, 64] {{.+}} : tensor<16x1x1x16x64xf32> to tensor<8x4x64xf32>
// CHECK:   scf.index_switch %[[G]]
// CHECK:   case 0 {
// CHECK:     scf.for
// CHECK:       scf.for {{.+}} step %c16
// CHECK-COUNT-12: vector.transfer_read %[[X]]
// CHECK-NOT: vector.transfer_read
// CHECK-COUNT-8: vector.transfer_write %{{.+}}, %{{.+}}[%c{{[0-7]}}, {{.+}} : vector<16xf32>, tensor<8x4x64xf32>
// CHECK-NOT: vector.transfer_write
// CHECK:   default {
// CHECK:     scf.for
// CHECK:       scf.for {{.+}} step %c16
// CHECK-COUNT-12: vector.transfer_read %[[X]]
// CHECK-NOT: vector.transfer_read
// CHECK-COUNT-8: vector.transfer_write %{{.+}}, %{{.+}}[%c{{[0-7]}}, {{.+}} : vector<16xf32>, tensor<8x4x64xf32>
// CHECK-NOT: vector.transfer_write
// CHECK:   tensor.parallel_insert_slice
// CHECK: %[[M:.+]] = scf.forall (%[[P:.+]], %[[FB:.+]]) in (16, 2) shared_outs(%{{.+}} = %{{.+}}) -> (tensor<16x1x1x16x64xf32>)
// CHECK:   %[[VS:.+]] = tensor.extract_slice %[[V]][%[[P]], 0, 0, 0, 0] [1, 1, 1, 16, 64] {{.+}} to tensor<1x1x16x64xf32>
// CHECK:   %[[US:.+]] = tensor.extract_slice %[[U]][%[[P]], %[[FB]], 0, 0, 0, 0] [1, 1, 1, 1, 64, 32] {{.+}} to tensor<1x1x64x32xf32>
// CHECK:   %[[Z:.+]] = linalg.fill
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.+}} ins(%[[VS]], %[[US]] : tensor<1x1x16x64xf32>, tensor<1x1x64x32xf32>) outs(%[[Z]] : tensor<1x1x16x32xf32>)
// CHECK:   tensor.parallel_insert_slice
// CHECK: %[[YA:.+]] = bufferization.alloc_tensor() : tensor<1x8x8x64xf32>
// CHECK: %[[Y:.+]] = scf.forall ({{.+}}) in (4) shared_outs(%{{.+}} = %[[YA]])
// CHECK:   tensor.extract_slice {{.+}} [1, 2, 8, 64] {{.+}} to tensor<2x8x64xf32>
// CHECK-COUNT-16: vector.transfer_read %[[M]]
// CHECK: vector.transfer_read %[[B]]
// CHECK-COUNT-4: vector.transfer_write {{.+}} : vector<16xf32>, tensor<2x8x64xf32>
// CHECK: return %[[Y]]

// The transformed input and output (16 x 16 x 64 floats here) exceed the
// limit: the convolution stays direct.
// SMALL-LABEL: func @winograd
// SMALL-NOT: scf.forall
// SMALL: linalg.conv_2d_nhwc_hwcf {{.*}} tensor<3x3x64x64xf32>
func.func @winograd(%x: tensor<1x10x10x64xf32>, %w: tensor<3x3x64x64xf32>, %b: tensor<64xf32>) -> tensor<1x8x8x64xf32> {
  %e = tensor.empty() : tensor<1x8x8x64xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<64xf32>) outs(%e : tensor<1x8x8x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x8x64xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x10x10x64xf32>, tensor<3x3x64x64xf32>) outs(%init : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  return %r : tensor<1x8x8x64xf32>
}

// -----

// An initial value that is not a bias broadcast (a fill here, or the
// product of another op) is read at each output pixel.
// CHECK-LABEL: func @fill_init
// CHECK-SAME: (%[[X:.+]]: tensor<1x6x6x64xf32>, %{{.+}}: tensor<3x3x64x64xf32>, %[[ACC:.+]]: tensor<1x4x4x64xf32>)
// CHECK: scf.forall ({{.+}}) in (2)
// CHECK-COUNT-4: vector.transfer_read %[[ACC]]
// CHECK: tensor.parallel_insert_slice
func.func @fill_init(%x: tensor<1x6x6x64xf32>, %w: tensor<3x3x64x64xf32>, %acc: tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x6x6x64xf32>, tensor<3x3x64x64xf32>) outs(%acc : tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xf32>
  return %r : tensor<1x4x4x64xf32>
}

// -----

// An odd output size (9x7 here): 5x4 blocks. The input transform reads the
// last input row (column) in place of the one past it for the last block's
// fourth row (column); the output transform writes 4 rows of blocks in a
// parallel loop, each with 3 whole blocks and one of a single column, then
// the last row of blocks, one output row.
// CHECK-LABEL: func @odd
// CHECK-SAME: (%[[X:.+]]: tensor<1x11x9x64xf32>
// CHECK-DAG: %[[C8:.+]] = arith.constant 8 : index
// CHECK-DAG: %[[C10:.+]] = arith.constant 10 : index
// CHECK: bufferization.alloc_tensor() : tensor<16x1x1x20x64xf32>
// CHECK: scf.forall (%{{.+}}, %[[R:.+]]) in (2, 5)
// CHECK:   %[[R2:.+]] = arith.muli %[[R]], %c2
// CHECK:   %[[R3:.+]] = arith.addi %[[R2]], %c3
// CHECK:   arith.minsi %[[R3]], %[[C10]]
// CHECK:   scf.for %[[T:.+]] = %c0 to %c4
// CHECK:     %[[T2:.+]] = arith.muli %[[T]], %c2
// CHECK:     %[[T3:.+]] = arith.addi %[[T2]], %c3
// CHECK:     arith.minsi %[[T3]], %[[C8]]
// CHECK: scf.forall ({{.+}}) in (16, 2)
// CHECK: %[[YA:.+]] = bufferization.alloc_tensor() : tensor<1x9x7x64xf32>
// CHECK: %[[Y:.+]] = scf.forall ({{.+}}) in (4) shared_outs(%{{.+}} = %[[YA]])
// CHECK:   tensor.extract_slice {{.+}} [1, 2, 7, 64] {{.+}} to tensor<2x7x64xf32>
// CHECK:   scf.for {{.+}} = %c0 to %c3
// CHECK-COUNT-4: vector.transfer_write {{.+}} : vector<16xf32>, tensor<2x7x64xf32>
// CHECK:   scf.for
// CHECK-COUNT-2: vector.transfer_write {{.+}} : vector<16xf32>, tensor<2x7x64xf32>
// CHECK-NOT: vector.transfer_write
// CHECK:   tensor.parallel_insert_slice
// CHECK: %[[LAST:.+]] = tensor.extract_slice %[[Y]][0, 8, 0, 0] [1, 1, 7, 64]
// CHECK: scf.for {{.+}} = %c0 to %c3
// CHECK-COUNT-2: vector.transfer_write {{.+}} : vector<16xf32>, tensor<1x7x64xf32>
// CHECK: scf.for
// CHECK-COUNT-1: vector.transfer_write {{.+}} : vector<16xf32>, tensor<1x7x64xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: tensor.insert_slice {{.+}} into %[[Y]][0, 8, 0, 0] [1, 1, 7, 64]
func.func @odd(%x: tensor<1x11x9x64xf32>, %w: tensor<3x3x64x64xf32>, %a: tensor<1x9x7x64xf32>) -> tensor<1x9x7x64xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x11x9x64xf32>, tensor<3x3x64x64xf32>) outs(%a : tensor<1x9x7x64xf32>) -> tensor<1x9x7x64xf32>
  return %r : tensor<1x9x7x64xf32>
}

// -----

// A 16x16 output, at least 12 along both axes: F(4x4, 3x3), 36 positions (6x6 input blocks four pixels apart, 4x4
// output blocks). Each group of the input transform (3 rows of B^T, 18
// positions) reads the 30 input vectors those rows use.
// CHECK-LABEL: func @f4x4
// CHECK-SAME: (%[[X:.+]]: tensor<1x18x18x64xf32>
// CHECK: arith.constant dense<{{.+}}> : tensor<36x9xf32>
// CHECK: linalg.generic {{.+}} outs(%{{.+}} : tensor<36x2x1x1x64x32xf32>)
// CHECK: bufferization.alloc_tensor() : tensor<36x1x1x16x64xf32>
// CHECK: scf.forall (%{{.+}}, %[[R:.+]]) in (2, 4)
// CHECK:   arith.muli %[[R]], %c4
// CHECK-NOT: arith.minsi
// CHECK:   scf.index_switch
// CHECK:   case 0 {
// CHECK-COUNT-30: vector.transfer_read %[[X]]
// CHECK-NOT: vector.transfer_read
// CHECK-COUNT-18: vector.transfer_write {{.+}} : vector<16xf32>, tensor<18x4x64xf32>
// CHECK-NOT: vector.transfer_write
// CHECK:   default {
// CHECK-COUNT-30: vector.transfer_read %[[X]]
// CHECK-NOT: vector.transfer_read
// CHECK-COUNT-18: vector.transfer_write {{.+}} : vector<16xf32>, tensor<18x4x64xf32>
// CHECK-NOT: vector.transfer_write
// CHECK:   tensor.parallel_insert_slice
// CHECK: scf.forall ({{.+}}) in (36, 2)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.+}} ins({{.+}} : tensor<1x1x16x64xf32>, tensor<1x1x64x32xf32>)
// CHECK: scf.forall ({{.+}}) in (4)
// CHECK:   tensor.extract_slice {{.+}} [1, 4, 16, 64] {{.+}} to tensor<4x16x64xf32>
// CHECK-COUNT-16: vector.transfer_write {{.+}} : vector<16xf32>, tensor<4x16x64xf32>
// CHECK-NOT: vector.transfer_write
// CHECK:   tensor.parallel_insert_slice
func.func @f4x4(%x: tensor<1x18x18x64xf32>, %w: tensor<3x3x64x64xf32>, %a: tensor<1x16x16x64xf32>) -> tensor<1x16x16x64xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x18x18x64xf32>, tensor<3x3x64x64xf32>) outs(%a : tensor<1x16x16x64xf32>) -> tensor<1x16x16x64xf32>
  return %r : tensor<1x16x16x64xf32>
}

// -----

// F(4x4, 3x3) for a 30x29 output: 8x8 blocks, the last row of blocks with
// 2 output rows and the last column with 1. In the last block, input rows 4
// and 5 (past the input's 32) read row 31, and input columns 3 to 5 (past
// its 31) read column 30.
// CHECK-LABEL: func @f4_remainder
// CHECK: bufferization.alloc_tensor() : tensor<36x1x1x64x64xf32>
// CHECK: scf.forall ({{.+}}) in (2, 8)
// CHECK-COUNT-2: arith.minsi %{{.+}}, %c31
// CHECK: scf.for
// CHECK: scf.for
// CHECK-COUNT-3: arith.minsi %{{.+}}, %c30
// CHECK: scf.forall ({{.+}}) in (36, 2)
// CHECK: %[[Y:.+]] = scf.forall ({{.+}}) in (7)
// CHECK:   tensor.extract_slice {{.+}} [1, 4, 29, 64] {{.+}} to tensor<4x29x64xf32>
// CHECK:   scf.for {{.+}} = %c0 to %c7
// CHECK-COUNT-16: vector.transfer_write {{.+}} : vector<16xf32>, tensor<4x29x64xf32>
// CHECK:   scf.for
// CHECK-COUNT-4: vector.transfer_write {{.+}} : vector<16xf32>, tensor<4x29x64xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: tensor.extract_slice %[[Y]][0, 28, 0, 0] [1, 2, 29, 64]
// CHECK: scf.for {{.+}} = %c0 to %c7
// CHECK-COUNT-8: vector.transfer_write {{.+}} : vector<16xf32>, tensor<2x29x64xf32>
// CHECK: scf.for
// CHECK-COUNT-2: vector.transfer_write {{.+}} : vector<16xf32>, tensor<2x29x64xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: tensor.insert_slice {{.+}} into %[[Y]][0, 28, 0, 0] [1, 2, 29, 64]
func.func @f4_remainder(%x: tensor<1x32x31x64xf32>, %w: tensor<3x3x64x64xf32>, %a: tensor<1x30x29x64xf32>) -> tensor<1x30x29x64xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x32x31x64xf32>, tensor<3x3x64x64xf32>) outs(%a : tensor<1x30x29x64xf32>) -> tensor<1x30x29x64xf32>
  return %r : tensor<1x30x29x64xf32>
}

// -----

// The block sizes cost P (blocks + vector width) per input channel and
// filter: multiply-adds, plus reading the transformed filter (P C F floats).
// A 14x13 output at batch 1 has few blocks to share it: F(2x2, 3x3), 16
// positions and 7x7 blocks (16 x (49 + 16) = 1040, against 36 x (16 + 16) =
// 1152 for F(4x4, 3x3)). At batch 4, F(4x4, 3x3) (36 x (64 + 16) = 2880,
// against 16 x (196 + 16) = 3392).
// With a float of U costing 8 multiply-adds (filter-float-cost=8, a core of
// half the FMA rate), batch 1 takes F(4x4, 3x3) too: 36 x (16 + 8) = 864
// against 16 x (49 + 8) = 912 (F(4x2, 3x3) ties, 24 x (28 + 8) = 864, and
// the first plan of equal cost, the larger blocks, is kept).
// HALF-LABEL: func @block_size_by_batch
// HALF: linalg.generic {{.+}} outs(%{{.+}} : tensor<36x2x1x1x64x32xf32>)
// HALF: bufferization.alloc_tensor() : tensor<36x1x1x16x64xf32>
// HALF: linalg.generic {{.+}} outs(%{{.+}} : tensor<36x2x1x1x64x32xf32>)
// HALF: bufferization.alloc_tensor() : tensor<36x4x1x16x64xf32>
// CHECK-LABEL: func @block_size_by_batch
// CHECK: linalg.generic {{.+}} outs(%{{.+}} : tensor<16x2x1x1x64x32xf32>)
// CHECK: bufferization.alloc_tensor() : tensor<16x1x1x49x64xf32>
// CHECK: linalg.generic {{.+}} outs(%{{.+}} : tensor<36x2x1x1x64x32xf32>)
// CHECK: bufferization.alloc_tensor() : tensor<36x4x1x16x64xf32>
func.func @block_size_by_batch(%x: tensor<1x16x15x64xf32>, %a: tensor<1x14x13x64xf32>,
                               %x4: tensor<4x16x15x64xf32>, %a4: tensor<4x14x13x64xf32>,
                               %w: tensor<3x3x64x64xf32>) -> (tensor<1x14x13x64xf32>, tensor<4x14x13x64xf32>) {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x16x15x64xf32>, tensor<3x3x64x64xf32>) outs(%a : tensor<1x14x13x64xf32>) -> tensor<1x14x13x64xf32>
  %r4 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x4, %w : tensor<4x16x15x64xf32>, tensor<3x3x64x64xf32>) outs(%a4 : tensor<4x14x13x64xf32>) -> tensor<4x14x13x64xf32>
  return %r, %r4 : tensor<1x14x13x64xf32>, tensor<4x14x13x64xf32>
}

// -----

// A 1x7 filter: F(1, 1) along rows, F(2, 7) along columns (8 positions, its
// B^T and A^T with coefficients other than +-1 as vector.fma). 17 output
// columns: 9 blocks a row, the last of one column, whose eighth input
// column (past the input's 23) reads column 22. The input transform's two
// groups take B^T's first and last four rows (positions 0-3 and 4-7): only
// the second reads that eighth column.
// CHECK-LABEL: func @taps_1x7
// CHECK-SAME: (%[[X:.+]]: tensor<1x17x23x128xf32>
// CHECK-DAG: arith.constant dense<5.250000e+00> : vector<16xf32>
// CHECK-DAG: arith.constant dense<{{.+}}> : tensor<8x7xf32>
// CHECK: linalg.generic {{.+}} outs(%{{.+}} : tensor<8x4x1x1x128x32xf32>)
// CHECK-COUNT-7: arith.mulf
// CHECK: bufferization.alloc_tensor() : tensor<8x1x1x153x128xf32>
// CHECK: scf.forall (%{{.+}}, %[[R:.+]]) in (2, 17)
// CHECK:   scf.index_switch
// CHECK:   case 0 {
// CHECK:     scf.for {{.+}} = %c0 to %c9
// CHECK:       scf.for
// CHECK-COUNT-7: vector.transfer_read %[[X]][%c0, %[[R]], %{{.+}}, %{{.+}}]
// CHECK-NOT:     arith.minsi
// CHECK:         vector.fma
// CHECK-COUNT-4: vector.transfer_write {{.+}} : vector<16xf32>, tensor<4x9x128xf32>
// CHECK-NOT: vector.transfer_write
// CHECK:   default {
// CHECK:     scf.for {{.+}} = %c0 to %c9
// CHECK:       scf.for
// CHECK-COUNT-6: vector.transfer_read %[[X]][%c0, %[[R]], %{{.+}}, %{{.+}}]
// CHECK:         arith.minsi %{{.+}}, %c22
// CHECK:         vector.transfer_read %[[X]]
// CHECK:         vector.fma
// CHECK-COUNT-4: vector.transfer_write {{.+}} : vector<16xf32>, tensor<4x9x128xf32>
// CHECK-NOT: vector.transfer_write
// CHECK:   tensor.parallel_insert_slice
// CHECK: scf.forall ({{.+}}) in (8, 4)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.+}} ins({{.+}} : tensor<1x1x153x128xf32>, tensor<1x1x128x32xf32>)
// CHECK: scf.forall ({{.+}}) in (17)
// CHECK:   tensor.extract_slice {{.+}} [1, 1, 17, 128] {{.+}} to tensor<1x17x128xf32>
// CHECK:   scf.for {{.+}} = %c0 to %c8
// CHECK-COUNT-2: vector.transfer_write {{.+}} : vector<16xf32>, tensor<1x17x128xf32>
// CHECK:   scf.for
// CHECK-COUNT-1: vector.transfer_write {{.+}} : vector<16xf32>, tensor<1x17x128xf32>
// CHECK-NOT: vector.transfer_write
// CHECK:   tensor.parallel_insert_slice
func.func @taps_1x7(%x: tensor<1x17x23x128xf32>, %w: tensor<1x7x128x128xf32>, %a: tensor<1x17x17x128xf32>) -> tensor<1x17x17x128xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x17x23x128xf32>, tensor<1x7x128x128xf32>) outs(%a : tensor<1x17x17x128xf32>) -> tensor<1x17x17x128xf32>
  return %r : tensor<1x17x17x128xf32>
}

// -----

// Left direct: stride 2, a single filter block (32 filters), input channels
// not in whole vectors (72), few channels for the transforms' traffic (32
// to 64 with a 3x3 filter: 20 C F < 40 x 16 (C + F); 128 to 128 with a 1x3
// filter: 2 C F < 40 x 4 (C + F)), a 1x1 filter, a 2x2 filter.
// CHECK-LABEL: func @direct
// CHECK-NOT: scf.forall
// CHECK-COUNT-7: linalg.conv_2d_nhwc_hwcf
// CHECK-NOT: scf.forall
func.func @direct(%x: tensor<1x10x10x64xf32>, %w: tensor<3x3x64x64xf32>, %a: tensor<1x4x4x64xf32>,
                  %w32: tensor<3x3x64x32xf32>, %a32: tensor<1x8x8x32xf32>,
                  %x72: tensor<1x10x10x72xf32>, %w72: tensor<3x3x72x64xf32>, %a64: tensor<1x8x8x64xf32>,
                  %xs: tensor<1x10x10x32xf32>, %ws: tensor<3x3x32x64xf32>,
                  %w1: tensor<1x1x64x64xf32>, %a1: tensor<1x10x10x64xf32>,
                  %x13: tensor<1x10x10x128xf32>, %w13: tensor<1x3x128x128xf32>, %a13: tensor<1x10x8x128xf32>,
                  %w2: tensor<2x2x64x64xf32>, %a2: tensor<1x9x9x64xf32>)
    -> (tensor<1x4x4x64xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x64xf32>, tensor<1x8x8x64xf32>, tensor<1x10x10x64xf32>,
        tensor<1x10x8x128xf32>, tensor<1x9x9x64xf32>) {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
         ins(%x, %w : tensor<1x10x10x64xf32>, tensor<3x3x64x64xf32>) outs(%a : tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xf32>
  %1 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w32 : tensor<1x10x10x64xf32>, tensor<3x3x64x32xf32>) outs(%a32 : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  %2 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x72, %w72 : tensor<1x10x10x72xf32>, tensor<3x3x72x64xf32>) outs(%a64 : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %3 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%xs, %ws : tensor<1x10x10x32xf32>, tensor<3x3x32x64xf32>) outs(%a64 : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %4 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w1 : tensor<1x10x10x64xf32>, tensor<1x1x64x64xf32>) outs(%a1 : tensor<1x10x10x64xf32>) -> tensor<1x10x10x64xf32>
  %5 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x13, %w13 : tensor<1x10x10x128xf32>, tensor<1x3x128x128xf32>) outs(%a13 : tensor<1x10x8x128xf32>) -> tensor<1x10x8x128xf32>
  %6 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w2 : tensor<1x10x10x64xf32>, tensor<2x2x64x64xf32>) outs(%a2 : tensor<1x9x9x64xf32>) -> tensor<1x9x9x64xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<1x4x4x64xf32>, tensor<1x8x8x32xf32>, tensor<1x8x8x64xf32>, tensor<1x8x8x64xf32>, tensor<1x10x10x64xf32>,
                                      tensor<1x10x8x128xf32>, tensor<1x9x9x64xf32>
}

// -----

// The residual add and ReLU after the convolution are applied to each output
// vector in the output transform, which is built where they were (the
// residual, a second convolution, comes after the first): no pass of their
// own over the output, which goes into their empty destination.
// CHECK-LABEL: func @winograd_epilogue
// CHECK-SAME: (%[[X:.+]]: tensor<1x10x10x64xf32>, %[[W:.+]]: tensor<3x3x64x64xf32>, %[[B:.+]]: tensor<64xf32>, %[[W1:.+]]: tensor<1x1x64x64xf32>)
// CHECK-DAG: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK-DAG: %[[EMPTY:.+]] = tensor.empty() : tensor<1x8x8x64xf32>
// CHECK: %[[RES:.+]] = linalg.conv_2d_nhwc_hwcf {{.+}} ins(%{{.+}}, %[[W1]] : tensor<1x8x8x64xf32>, tensor<1x1x64x64xf32>)
// CHECK: %[[Y:.+]] = scf.forall ({{.+}}) in (4) shared_outs(%{{.+}} = %[[EMPTY]])
// CHECK:   vector.transfer_read %[[B]]
// CHECK:   %[[R:.+]] = vector.transfer_read %[[RES]]
// CHECK:   %[[SUM:.+]] = arith.addf %{{.+}}, %[[R]] : vector<16xf32>
// CHECK:   %[[ACT:.+]] = arith.maximumf %[[SUM]], %[[ZERO]] : vector<16xf32>
// CHECK:   vector.transfer_write %[[ACT]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
func.func @winograd_epilogue(%x: tensor<1x10x10x64xf32>, %w: tensor<3x3x64x64xf32>, %b: tensor<64xf32>, %w1: tensor<1x1x64x64xf32>) -> tensor<1x8x8x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x8x64xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<64xf32>) outs(%e : tensor<1x8x8x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x8x64xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x10x10x64xf32>, tensor<3x3x64x64xf32>) outs(%init : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %xs = tensor.extract_slice %x[0, 1, 1, 0] [1, 8, 8, 64] [1, 1, 1, 1] : tensor<1x10x10x64xf32> to tensor<1x8x8x64xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %res = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%xs, %w1 : tensor<1x8x8x64xf32>, tensor<1x1x64x64xf32>) outs(%fill : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %e2 = tensor.empty() : tensor<1x8x8x64xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r, %res : tensor<1x8x8x64xf32>, tensor<1x8x8x64xf32>) outs(%e2 : tensor<1x8x8x64xf32>) {
  ^bb0(%a: f32, %c: f32, %out: f32):
    %s = arith.addf %a, %c : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x8x64xf32>
  return %y : tensor<1x8x8x64xf32>
}

// -----

// A 3x3 convolution of stride 2 becomes four convolutions of stride 1, one
// per phase of its input, each a strided slice of the input (rows and
// columns 2i + a, 2j + b) with the taps of its phase (a strided slice of
// the filter), accumulating into the one before: the 2x2 phase (even rows
// and columns) as F(4x4, 2x2), 25 positions on 7x7 blocks of 4x4 of the
// 28x28 output, from its bias (the input transform's two groups write 13
// and 12 of them into a V of 26); the 2x1 and 1x2 phases direct (128 channels:
// too few multiply-adds saved for F(4, 2)'s traffic, 3 x 128 x 128 < 40 x
// 5 x 256), and the 1x1 phase last.
// CHECK-LABEL: func @stride2_phases
// CHECK-SAME: (%[[X:.+]]: tensor<1x57x57x128xf32>, %[[W:.+]]: tensor<3x3x128x128xf32>, %[[B:.+]]: tensor<128xf32>)
// CHECK-DAG: %[[X00:.+]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [1, 29, 29, 128] [1, 2, 2, 1]
// CHECK-DAG: %[[W00:.+]] = tensor.extract_slice %[[W]][0, 0, 0, 0] [2, 2, 128, 128] [2, 2, 1, 1]
// CHECK-DAG: arith.constant dense<{{.+}}> : tensor<25x4xf32>
// CHECK: tensor.expand_shape %[[W00]]
// CHECK: bufferization.alloc_tensor() : tensor<26x1x1x49x128xf32>
// CHECK: scf.forall ({{.+}}) in (2, 7)
// CHECK:   scf.index_switch
// CHECK:   case 0 {
// CHECK:     vector.transfer_read %[[X00]]
// CHECK-COUNT-13: vector.transfer_write {{.+}} : vector<16xf32>, tensor<13x7x128xf32>
// CHECK-NOT: vector.transfer_write
// CHECK:   default {
// CHECK:     vector.transfer_read %[[X00]]
// CHECK-COUNT-12: vector.transfer_write {{.+}} : vector<16xf32>, tensor<13x7x128xf32>
// CHECK-NOT: vector.transfer_write
// CHECK:   tensor.parallel_insert_slice
// CHECK: scf.forall ({{.+}}) in (25, 4)
// CHECK: %[[Y00:.+]] = scf.forall ({{.+}}) in (7)
// CHECK: vector.transfer_read %[[B]]
// CHECK: %[[X01:.+]] = tensor.extract_slice %[[X]][0, 0, 1, 0] [1, 29, 28, 128] [1, 2, 2, 1]
// CHECK: %[[W01:.+]] = tensor.extract_slice %[[W]][0, 1, 0, 0] [2, 1, 128, 128] [2, 2, 1, 1]
// CHECK: %[[Y01:.+]] = linalg.conv_2d_nhwc_hwcf {{.+}}strides = dense<1>{{.+}} ins(%[[X01]], %[[W01]] : {{.+}}) outs(%[[Y00]] : tensor<1x28x28x128xf32>)
// CHECK: %[[X10:.+]] = tensor.extract_slice %[[X]][0, 1, 0, 0] [1, 28, 29, 128] [1, 2, 2, 1]
// CHECK: %[[W10:.+]] = tensor.extract_slice %[[W]][1, 0, 0, 0] [1, 2, 128, 128] [2, 2, 1, 1]
// CHECK: %[[Y10:.+]] = linalg.conv_2d_nhwc_hwcf {{.+}} ins(%[[X10]], %[[W10]] : {{.+}}) outs(%[[Y01]] : tensor<1x28x28x128xf32>)
// CHECK: %[[X11:.+]] = tensor.extract_slice %[[X]][0, 1, 1, 0] [1, 28, 28, 128] [1, 2, 2, 1]
// CHECK: %[[W11:.+]] = tensor.extract_slice %[[W]][1, 1, 0, 0] [1, 1, 128, 128] [2, 2, 1, 1]
// CHECK: %[[Y11:.+]] = linalg.conv_2d_nhwc_hwcf {{.+}} ins(%[[X11]], %[[W11]] : {{.+}}) outs(%[[Y10]] : tensor<1x28x28x128xf32>)
// CHECK-NOT: strides = dense<2>
// CHECK: return %[[Y11]]
#bias = affine_map<(n, h, w, f) -> (f)>
#id = affine_map<(n, h, w, f) -> (n, h, w, f)>
func.func @stride2_phases(%x: tensor<1x57x57x128xf32>, %w: tensor<3x3x128x128xf32>, %b: tensor<128xf32>) -> tensor<1x28x28x128xf32> {
  %e = tensor.empty() : tensor<1x28x28x128xf32>
  %init = linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<128xf32>) outs(%e : tensor<1x28x28x128xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
  } -> tensor<1x28x28x128xf32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
         ins(%x, %w : tensor<1x57x57x128xf32>, tensor<3x3x128x128xf32>) outs(%init : tensor<1x28x28x128xf32>) -> tensor<1x28x28x128xf32>
  return %r : tensor<1x28x28x128xf32>
}

// -----

// Left as one convolution of stride 2: 16 input channels, too few for the
// 2x2 phase to pay as Winograd (its plan, F(2x2, 2x2): 7 x 16 x 64 < 40 x
// 9 x 80). The phase ops built to ask are erased (checked without
// canonicalization, which would erase them too).
// CHECK-LABEL: func @stride2_few_channels
// CHECK: linalg.conv_2d_nhwc_hwcf {{.+}}strides = dense<2>{{.+}} ins(%{{.+}}, %{{.+}} : tensor<1x29x29x16xf32>, tensor<3x3x16x64xf32>)
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf
// HALF-LABEL: func @stride2_few_channels
// HALF-NOT: tensor.extract_slice
// HALF: linalg.conv_2d_nhwc_hwcf {{.+}}strides = dense<2>
// HALF-NOT: linalg.conv_2d_nhwc_hwcf
// HALF: return
func.func @stride2_few_channels(%x: tensor<1x29x29x16xf32>, %w: tensor<3x3x16x64xf32>, %a: tensor<1x14x14x64xf32>) -> tensor<1x14x14x64xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
         ins(%x, %w : tensor<1x29x29x16xf32>, tensor<3x3x16x64xf32>) outs(%a : tensor<1x14x14x64xf32>) -> tensor<1x14x14x64xf32>
  return %r : tensor<1x14x14x64xf32>
}

// -----

// A 96x96 output: F(4x4, 3x3) (24x24 blocks, 36 positions), or with
// large-blocks F(6x6, 3x3) (16x16 blocks of 6x6 from 8x8 input blocks, 64
// positions: 64 x (256 + 16) against 36 x (576 + 16)).
// CHECK-LABEL: func @large_output
// CHECK: bufferization.alloc_tensor() : tensor<36x1x1x576x64xf32>
// LARGE-LABEL: func @large_output
// LARGE: arith.constant dense<{{.+}}> : tensor<64x9xf32>
// LARGE: bufferization.alloc_tensor() : tensor<64x1x1x256x64xf32>
// LARGE: scf.forall ({{.+}}) in (2, 1, 16)
// LARGE: scf.forall ({{.+}}) in (64, 2)
func.func @large_output(%x: tensor<1x98x98x64xf32>, %w: tensor<3x3x64x64xf32>, %a: tensor<1x96x96x64xf32>) -> tensor<1x96x96x64xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x98x98x64xf32>, tensor<3x3x64x64xf32>) outs(%a : tensor<1x96x96x64xf32>) -> tensor<1x96x96x64xf32>
  return %r : tensor<1x96x96x64xf32>
}

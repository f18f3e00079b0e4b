// RUN: cnn-opt %s --pass-pipeline="builtin.module(func.func(cnn-cpu-tile-and-vectorize{vector-width=16}),canonicalize,cse,loop-invariant-subset-hoisting,fold-tensor-subset-ops,canonicalize,cse)" --split-input-file | FileCheck %s

// A filter block's convolution with a 7-pixel-wide output: one row's tile
// (7 pixels x 2 vectors) would fill half the accumulators, so tiles take two
// rows. The 7 rows split into 6 (three two-row tiles) and the last one. In a
// two-row tile, each step reads the filter vector once for both rows' FMAs,
// and both rows' accumulators stay in registers across the window loops
// (loop-invariant-subset-hoisting, once fold-tensor-subset-ops has made them
// transfers of the tile itself).
// CHECK-LABEL: func @conv_two_rows
// CHECK:       scf.forall (%[[B:.+]]) in (2)
// CHECK:         %[[SIX:.+]] = tensor.extract_slice %{{.+}}[0, 0, 0, 0] [1, 6, 7, 32] [1, 1, 1, 1]
// CHECK:         scf.for %[[ROW:.+]] = %{{.+}} to %{{.+}} step %[[C2:.+]] iter_args(%{{.+}} = %[[SIX]])
// CHECK:           scf.for {{.+}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (vector<1x7x32xf32>, vector<1x7x32xf32>)
// CHECK:             scf.for {{.+}} -> (vector<1x7x32xf32>, vector<1x7x32xf32>)
// CHECK:               scf.for {{.+}} -> (vector<1x7x32xf32>, vector<1x7x32xf32>)
// CHECK:                 %[[F:.+]] = vector.transfer_read %{{.+}}[%[[B]], {{.+}}], {{.+}} : tensor<2x3x3x64x32xf32>, vector<1x1x32xf32>
// CHECK:                 %[[FV:.+]] = vector.extract %[[F]][0]
// CHECK:                 vector.contract {{.+}} %{{.+}}, %[[FV]], %{{.+}} : vector<1x7x1xf32>, vector<1x32xf32> into vector<1x7x32xf32>
// CHECK-NOT:             vector.transfer_read %{{.+}} : tensor<2x3x3x64x32xf32>
// CHECK:                 vector.contract {{.+}} %{{.+}}, %[[FV]], %{{.+}} : vector<1x7x1xf32>, vector<1x32xf32> into vector<1x7x32xf32>
// CHECK:                 scf.yield
// The last row: one-row tiles.
// CHECK:         vector.transfer_read %{{.+}}[%{{.+}}, %[[C6:.+]], %{{.+}}, %{{.+}}], {{.+}} : tensor<1x7x7x32xf32>, vector<1x7x32xf32>
// CHECK:         scf.for {{.+}} -> (vector<1x7x32xf32>) {
func.func @conv_two_rows(%x: tensor<1x9x9x64xf32>, %w: tensor<2x3x3x64x32xf32>, %acc: tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32> {
  %r = scf.forall (%i) in (2) shared_outs(%o = %acc) -> (tensor<1x7x7x64xf32>) {
    %c32 = arith.constant 32 : index
    %c = arith.muli %i, %c32 : index
    %f = tensor.extract_slice %w[%i, 0, 0, 0, 0] [1, 3, 3, 64, 32] [1, 1, 1, 1, 1] : tensor<2x3x3x64x32xf32> to tensor<3x3x64x32xf32>
    %t = tensor.extract_slice %o[0, 0, 0, %c] [1, 7, 7, 32] [1, 1, 1, 1] : tensor<1x7x7x64xf32> to tensor<1x7x7x32xf32>
    %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
           ins(%x, %f : tensor<1x9x9x64xf32>, tensor<3x3x64x32xf32>) outs(%t : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %y into %o[0, 0, 0, %c] [1, 7, 7, 32] [1, 1, 1, 1] : tensor<1x7x7x32xf32> into tensor<1x7x7x64xf32>
    }
  }
  return %r : tensor<1x7x7x64xf32>
}

// -----

// The same convolution outside a filter block's loop threads over output
// rows, and keeps one-row tiles (fewer row tiles would balance worse).
// CHECK-LABEL: func @conv_rows_threaded
// CHECK:       scf.forall (%{{.+}}) in (7)
// CHECK-NOT:   vector<1x7x32xf32>, vector<1x7x32xf32>
// CHECK:       vector.contract {{.+}} into vector<1x7x32xf32>
// CHECK-NOT:   vector.contract
func.func @conv_rows_threaded(%x: tensor<1x9x9x64xf32>, %w: tensor<3x3x64x32xf32>, %acc: tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32> {
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x9x9x64xf32>, tensor<3x3x64x32xf32>) outs(%acc : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
  return %y : tensor<1x7x7x32xf32>
}

// -----

// With a bias broadcast as its initial value, the split gives the six-row
// part and the last row their own broadcast, fused into their tiles: no
// broadcast over the whole block's output is left to write first.
// CHECK-LABEL: func @conv_two_rows_bias
// CHECK:       scf.forall
// CHECK-NOT:   linalg.generic
// CHECK:         scf.for {{.+}} step %{{.+}} iter_args(%{{.+}} = %{{.+}}) -> (tensor<1x6x7x32xf32>)
// CHECK:           vector.transfer_read %[[BIAS:.+]][%{{.+}}], %{{.+}} {{{.*}}permutation_map = #{{.+}}} : tensor<64xf32>, vector<1x2x7x32xf32>
// CHECK:         vector.transfer_read %[[BIAS]][%{{.+}}], %{{.+}} {{{.*}}permutation_map = #{{.+}}} : tensor<64xf32>, vector<1x1x7x32xf32>
// CHECK-NOT:   linalg.generic
func.func @conv_two_rows_bias(%x: tensor<1x9x9x64xf32>, %w: tensor<2x3x3x64x32xf32>, %bias: tensor<64xf32>) -> tensor<1x7x7x64xf32> {
  %e = tensor.empty() : tensor<1x7x7x64xf32>
  %r = scf.forall (%i) in (2) shared_outs(%o = %e) -> (tensor<1x7x7x64xf32>) {
    %c32 = arith.constant 32 : index
    %c = arith.muli %i, %c32 : index
    %f = tensor.extract_slice %w[%i, 0, 0, 0, 0] [1, 3, 3, 64, 32] [1, 1, 1, 1, 1] : tensor<2x3x3x64x32xf32> to tensor<3x3x64x32xf32>
    %b = tensor.extract_slice %bias[%c] [32] [1] : tensor<64xf32> to tensor<32xf32>
    %t = tensor.extract_slice %o[0, 0, 0, %c] [1, 7, 7, 32] [1, 1, 1, 1] : tensor<1x7x7x64xf32> to tensor<1x7x7x32xf32>
    %init = linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (c)>, affine_map<(n, h, w, c) -> (n, h, w, c)>],
                            iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%b : tensor<32xf32>) outs(%t : tensor<1x7x7x32xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<1x7x7x32xf32>
    %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
           ins(%x, %f : tensor<1x9x9x64xf32>, tensor<3x3x64x32xf32>) outs(%init : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %y into %o[0, 0, 0, %c] [1, 7, 7, 32] [1, 1, 1, 1] : tensor<1x7x7x32xf32> into tensor<1x7x7x64xf32>
    }
  }
  return %r : tensor<1x7x7x64xf32>
}

// -----

// A filter block of 64 (cnn-block-weights' wide blocks: 1024 input
// channels, pixels 4 KiB apart) gets register tiles of 7 pixels x 4
// vectors, one row each: no two-row tiles, whose 14 pixels would share one
// L1 set.
// CHECK-LABEL: func @conv_wide_tiles
// CHECK:       scf.forall (%{{.+}}) in (2)
// CHECK-NOT:   vector<1x7x32xf32>
// CHECK:       scf.for {{.+}} -> (vector<1x7x64xf32>) {
// CHECK:         vector.contract {{.+}} : vector<1x7x1xf32>, vector<1x64xf32> into vector<1x7x64xf32>
// CHECK-NOT:     vector.contract
func.func @conv_wide_tiles(%x: tensor<1x7x7x1024xf32>, %w: tensor<2x1x1x1024x64xf32>, %acc: tensor<1x7x7x128xf32>) -> tensor<1x7x7x128xf32> {
  %r = scf.forall (%i) in (2) shared_outs(%o = %acc) -> (tensor<1x7x7x128xf32>) {
    %c64 = arith.constant 64 : index
    %c = arith.muli %i, %c64 : index
    %f = tensor.extract_slice %w[%i, 0, 0, 0, 0] [1, 1, 1, 1024, 64] [1, 1, 1, 1, 1] : tensor<2x1x1x1024x64xf32> to tensor<1x1x1024x64xf32>
    %t = tensor.extract_slice %o[0, 0, 0, %c] [1, 7, 7, 64] [1, 1, 1, 1] : tensor<1x7x7x128xf32> to tensor<1x7x7x64xf32>
    %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
           ins(%x, %f : tensor<1x7x7x1024xf32>, tensor<1x1x1024x64xf32>) outs(%t : tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %y into %o[0, 0, 0, %c] [1, 7, 7, 64] [1, 1, 1, 1] : tensor<1x7x7x64xf32> into tensor<1x7x7x128xf32>
    }
  }
  return %r : tensor<1x7x7x128xf32>
}

// -----

// A filter block of 32 whose input pixels alias in L1 (512 channels at
// stride 2: 4 KiB apart) but whose 3x3 filter is too large for blocks of 64
// keeps one-row tiles of 7 x 2 vectors: two rows' 14 pixels would share one
// set. No split of the odd rows either.
// CHECK-LABEL: func @conv_aliased_one_row
// CHECK:       scf.forall (%{{.+}}) in (2)
// CHECK-NOT:   [1, 6, 7, 32]
// CHECK-NOT:   vector<1x7x32xf32>, vector<1x7x32xf32>
// CHECK:       scf.for {{.+}} iter_args({{.+}}) -> (tensor<1x7x7x32xf32>)
// CHECK:         scf.for {{.+}} -> (vector<1x7x32xf32>) {
// CHECK-NOT:   vector<1x7x32xf32>, vector<1x7x32xf32>
func.func @conv_aliased_one_row(%x: tensor<1x15x15x512xf32>, %w: tensor<2x3x3x512x32xf32>, %acc: tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32> {
  %r = scf.forall (%i) in (2) shared_outs(%o = %acc) -> (tensor<1x7x7x64xf32>) {
    %c32 = arith.constant 32 : index
    %c = arith.muli %i, %c32 : index
    %f = tensor.extract_slice %w[%i, 0, 0, 0, 0] [1, 3, 3, 512, 32] [1, 1, 1, 1, 1] : tensor<2x3x3x512x32xf32> to tensor<3x3x512x32xf32>
    %t = tensor.extract_slice %o[0, 0, 0, %c] [1, 7, 7, 32] [1, 1, 1, 1] : tensor<1x7x7x64xf32> to tensor<1x7x7x32xf32>
    %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
           ins(%x, %f : tensor<1x15x15x512xf32>, tensor<3x3x512x32xf32>) outs(%t : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %y into %o[0, 0, 0, %c] [1, 7, 7, 32] [1, 1, 1, 1] : tensor<1x7x7x32xf32> into tensor<1x7x7x64xf32>
    }
  }
  return %r : tensor<1x7x7x64xf32>
}

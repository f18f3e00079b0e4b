// RUN: cnn-opt %s --pass-pipeline="builtin.module(func.func(cnn-cpu-tile-and-vectorize{vector-width=16}),canonicalize,cse,loop-invariant-subset-hoisting,canonicalize)" --split-input-file | FileCheck %s

// An NHWC convolution: threads over output rows (scf.forall), then tiles of
// 14 pixels x 32 filters (28 accumulator registers) whose accumulator stays a vector across the kh, kw
// and input-channel loops, updated by one contraction (outer product) per
// input channel.
// CHECK-LABEL: func @conv
// CHECK: scf.forall (%{{.+}}) in (56)
// CHECK: scf.for %{{.+}} = %c0 to %c56 step %c14
// CHECK:   %[[ACC:.+]] = vector.transfer_read {{.*}} : tensor<1x14x32xf32>, vector<1x14x32xf32>
// CHECK:   scf.for {{.*}} iter_args(%{{.+}} = %[[ACC]]) -> (vector<1x14x32xf32>)
// CHECK:     scf.for {{.*}} -> (vector<1x14x32xf32>)
// CHECK:       scf.for {{.*}} -> (vector<1x14x32xf32>)
// CHECK:         vector.contract {{.*}} : vector<1x14x1xf32>, vector<1x32xf32> into vector<1x14x32xf32>
// CHECK:   vector.transfer_write {{.*}} : vector<1x14x32xf32>, tensor<1x14x32xf32>
func.func @conv(%x: tensor<1x58x58x16xf32>, %w: tensor<3x3x16x32xf32>, %acc: tensor<1x56x56x32xf32>) -> tensor<1x56x56x32xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x58x58x16xf32>, tensor<3x3x16x32xf32>) outs(%acc : tensor<1x56x56x32xf32>) -> tensor<1x56x56x32xf32>
  return %0 : tensor<1x56x56x32xf32>
}

// -----

// 24 filters are a vector and a half of 16 lanes. A contraction over 24
// lanes would lower to shuffles, and tiles of 8 lanes (a narrower vector)
// would run half-width FMAs and read the input three times. The filter tile
// is one vector, 16 lanes; its loop over the filters (0 to 24 step 16) is
// peeled into the 16-lane tiles and the last 8 lanes, each with static
// shapes and 28 pixels per tile.
// CHECK-LABEL: func @conv_24_filters
// CHECK: scf.forall
// CHECK:   scf.for %{{.+}} = %c0 to %c56 step %c28
// CHECK:     vector.contract {{.*}} : vector<1x28x1xf32>, vector<1x16xf32> into vector<1x28x16xf32>
// CHECK:     tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, %{{.+}}, 0] [1, 1, 28, 16]
// CHECK:   scf.for %{{.+}} = %c0 to %c56 step %c28
// CHECK:     tensor.extract_slice %{{.+}}[0, 0, 0, 16] [1, 1, 16, 8]
// CHECK:     vector.contract {{.*}} : vector<1x28x1xf32>, vector<1x8xf32> into vector<1x28x8xf32>
// CHECK:     tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, %{{.+}}, 16] [1, 1, 28, 8]
// CHECK-NOT: step %c8
// CHECK-NOT: vector<1x28x24xf32>
func.func @conv_24_filters(%x: tensor<1x56x56x16xf32>, %w: tensor<1x1x16x24xf32>, %acc: tensor<1x56x56x24xf32>) -> tensor<1x56x56x24xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x56x56x16xf32>, tensor<1x1x16x24xf32>) outs(%acc : tensor<1x56x56x24xf32>) -> tensor<1x56x56x24xf32>
  return %0 : tensor<1x56x56x24xf32>
}

// -----

// The same with a residual add as epilogue (MobileNet-v2's 144 -> 24
// projection): both parts add the residual in their tiles, in registers,
// and no elementwise op is left.
// CHECK-LABEL: func @conv_24_filters_residual
// CHECK: scf.forall
// CHECK:   vector.contract {{.*}} into vector<1x28x16xf32>
// CHECK:   arith.addf %{{.+}} : vector<1x1x28x16xf32>
// CHECK:   vector.contract {{.*}} into vector<1x28x8xf32>
// CHECK:   arith.addf %{{.+}} : vector<1x1x28x8xf32>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @conv_24_filters_residual(%x: tensor<1x56x56x144xf32>, %w: tensor<1x1x144x24xf32>, %acc: tensor<1x56x56x24xf32>,
                                    %res: tensor<1x56x56x24xf32>) -> tensor<1x56x56x24xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x56x56x144xf32>, tensor<1x1x144x24xf32>) outs(%acc : tensor<1x56x56x24xf32>) -> tensor<1x56x56x24xf32>
  %e = tensor.empty() : tensor<1x56x56x24xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%0, %res : tensor<1x56x56x24xf32>, tensor<1x56x56x24xf32>) outs(%e : tensor<1x56x56x24xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x56x56x24xf32>
  return %r : tensor<1x56x56x24xf32>
}

// -----

// 17 output columns (prime) would give tiles of one pixel. Two tiles cover
// a row: the op is split at column 9 into tiles of 9 and 8 pixels (not 14
// and a tail of 3, whose 6 accumulators would wait on the FMA latency).
// CHECK-LABEL: func @conv_ragged_width
// CHECK: %[[HEAD:.+]] = tensor.extract_slice %{{.+}}[0, 0, 0, 0] [1, 17, 9, 32] [1, 1, 1, 1]
// CHECK: scf.forall (%{{.+}}) in (17) shared_outs(%{{.+}} = %[[HEAD]])
// CHECK:   vector.contract {{.*}} : vector<1x9x1xf32>, vector<1x32xf32> into vector<1x9x32xf32>
// CHECK: %[[TAIL:.+]] = tensor.extract_slice %{{.+}}[0, 0, 9, 0] [1, 17, 8, 32] [1, 1, 1, 1]
// CHECK: scf.forall (%{{.+}}) in (17) shared_outs(%{{.+}} = %[[TAIL]])
// CHECK:   vector.contract {{.*}} : vector<1x8x1xf32>, vector<1x32xf32> into vector<1x8x32xf32>
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, 9, 0] [1, 17, 8, 32] [1, 1, 1, 1]
func.func @conv_ragged_width(%x: tensor<1x19x19x16xf32>, %w: tensor<3x3x16x32xf32>, %acc: tensor<1x17x17x32xf32>) -> tensor<1x17x17x32xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x19x19x16xf32>, tensor<3x3x16x32xf32>) outs(%acc : tensor<1x17x17x32xf32>) -> tensor<1x17x17x32xf32>
  return %0 : tensor<1x17x17x32xf32>
}

// -----

// With a bias broadcast as its init, each part of the split convolution
// broadcasts the bias into its own register tiles: no whole-output
// broadcast is left to write and read back.
// CHECK-LABEL: func @conv_ragged_width_bias
// CHECK-NOT: linalg.generic
// CHECK: %[[EMPTY:.+]] = tensor.empty() : tensor<1x17x17x32xf32>
// CHECK: %[[HEAD:.+]] = tensor.extract_slice %[[EMPTY]][0, 0, 0, 0] [1, 17, 9, 32] [1, 1, 1, 1]
// CHECK: %[[HEADOUT:.+]] = scf.forall (%{{.+}}) in (17) shared_outs(%{{.+}} = %[[HEAD]])
// CHECK:   vector.transfer_read %[[BIAS:.+]][%{{.+}}], %{{.+}} {{{.*}}permutation_map = #{{.+}}} : tensor<32xf32>, vector<1x1x9x32xf32>
// CHECK:   vector.contract {{.*}} : vector<1x9x1xf32>, vector<1x32xf32> into vector<1x9x32xf32>
// CHECK: %[[FIRST:.+]] = tensor.insert_slice %[[HEADOUT]] into %[[EMPTY]][0, 0, 0, 0] [1, 17, 9, 32]
// CHECK: %[[TAIL:.+]] = tensor.extract_slice %[[FIRST]][0, 0, 9, 0] [1, 17, 8, 32] [1, 1, 1, 1]
// CHECK: scf.forall (%{{.+}}) in (17) shared_outs(%{{.+}} = %[[TAIL]])
// CHECK:   vector.transfer_read %[[BIAS]][%{{.+}}], %{{.+}} {{{.*}}permutation_map = #{{.+}}} : tensor<32xf32>, vector<1x1x8x32xf32>
// CHECK:   vector.contract {{.*}} : vector<1x8x1xf32>, vector<1x32xf32> into vector<1x8x32xf32>
// CHECK-NOT: linalg.generic
func.func @conv_ragged_width_bias(%x: tensor<1x19x19x16xf32>, %w: tensor<3x3x16x32xf32>, %bias: tensor<32xf32>) -> tensor<1x17x17x32xf32> {
  %e = tensor.empty() : tensor<1x17x17x32xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (c)>, affine_map<(n, h, w, c) -> (n, h, w, c)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : tensor<32xf32>) outs(%e : tensor<1x17x17x32xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  } -> tensor<1x17x17x32xf32>
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x19x19x16xf32>, tensor<3x3x16x32xf32>) outs(%init : tensor<1x17x17x32xf32>) -> tensor<1x17x17x32xf32>
  return %0 : tensor<1x17x17x32xf32>
}

// -----

// An elementwise generic: threads over the outer dimensions, one vector
// of the innermost (64 = 4 x 16 lanes) per iteration.
// CHECK-LABEL: func @relu
// CHECK: scf.forall (%{{.+}}, %{{.+}}) in (4, 4)
// CHECK: vector.transfer_read {{.*}} vector<1x1x1x64xf32>
// CHECK: arith.maximumf {{.*}} : vector<1x1x1x64xf32>
// CHECK: vector.transfer_write
func.func @relu(%x: tensor<1x4x4x64xf32>) -> tensor<1x4x4x64xf32> {
  %e = tensor.empty() : tensor<1x4x4x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x4x4x64xf32>) outs(%e : tensor<1x4x4x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c0 = arith.constant 0.0 : f32
    %m = arith.maximumf %in, %c0 : f32
    linalg.yield %m : f32
  } -> tensor<1x4x4x64xf32>
  return %r : tensor<1x4x4x64xf32>
}

// -----

// Max pooling: 1-D windows of 8 pixels x 32 channels, vectorized (one
// 32-lane max per pixel and window position).
// CHECK-LABEL: func @max_pool
// CHECK: scf.forall
// CHECK: arith.maximumf {{.*}} : vector<1x1x32xf32>
func.func @max_pool(%x: tensor<1x17x17x32xf32>, %init: tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32> {
  %k = tensor.empty() : tensor<3x3xf32>
  %0 = linalg.pooling_nhwc_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
         ins(%x, %k : tensor<1x17x17x32xf32>, tensor<3x3xf32>) outs(%init : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  return %0 : tensor<1x8x8x32xf32>
}

// -----

// Two max pools whose -inf fill CSE merged: each takes the fill into its
// own tiles (a -inf vector written into the tile before the window loops),
// so no whole buffer is filled, nor copied for the second pool.
// CHECK-LABEL: func @max_pools_shared_fill
// CHECK-NOT: linalg.fill
// CHECK: %[[NINF:.+]] = arith.constant dense<0xFF800000> : vector<1x1x8x32xf32>
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x8x8x32xf32>
// CHECK: scf.forall (%{{.+}}) in (8) shared_outs(%[[O:.+]] = %[[E]])
// CHECK: %[[T:.+]] = tensor.extract_slice %[[O]]
// CHECK: %[[F:.+]] = vector.transfer_write %[[NINF]], %[[T]]
// CHECK: %[[FS:.+]] = tensor.extract_slice %[[F]]
// CHECK: %[[ACC:.+]] = vector.transfer_read %[[FS]]
// CHECK: scf.for {{.+}} iter_args(%{{.+}} = %[[ACC]])
// CHECK: scf.for
// CHECK: arith.maximumf {{.*}} : vector<1x1x32xf32>
// CHECK: scf.forall (%{{.+}}) in (8) shared_outs(%[[O2:.+]] = %[[E]])
// CHECK: %[[T2:.+]] = tensor.extract_slice %[[O2]]
// CHECK: vector.transfer_write %[[NINF]], %[[T2]]
// CHECK-NOT: linalg.fill
func.func @max_pools_shared_fill(%x: tensor<1x18x18x32xf32>, %y: tensor<1x18x18x32xf32>) -> (tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x8x8x32xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  %k = tensor.empty() : tensor<3x3xf32>
  %p = linalg.pooling_nhwc_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
         ins(%x, %k : tensor<1x18x18x32xf32>, tensor<3x3xf32>) outs(%f : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  %q = linalg.pooling_nhwc_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
         ins(%y, %k : tensor<1x18x18x32xf32>, tensor<3x3xf32>) outs(%f : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  return %p, %q : tensor<1x8x8x32xf32>, tensor<1x8x8x32xf32>
}

// -----

// An average pool's sum at a ragged width (17: parts of 12 and 5 pixels)
// whose 0 fill CSE shared with the division: each part gets a fill of its
// own, taken into its tiles; the parts are joined in an empty tensor, and
// the division updates the joined sums in place.
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#hw = affine_map<(d0, d1, d2, d3) -> (d1, d2)>
// CHECK-LABEL: func @avg_pool_split
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[Z5:.+]] = arith.constant dense<0.000000e+00> : vector<1x1x5x32xf32>
// CHECK-DAG: %[[Z6:.+]] = arith.constant dense<0.000000e+00> : vector<1x1x6x32xf32>
// CHECK: %[[E12:.+]] = tensor.empty() : tensor<1x17x12x32xf32>
// CHECK: %[[HEAD:.+]] = scf.forall (%{{.+}}) in (17) shared_outs(%{{.+}} = %[[E12]])
// CHECK: vector.transfer_write %[[Z6]]
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x17x17x32xf32>
// CHECK: %[[J:.+]] = tensor.insert_slice %[[HEAD]] into %[[E]][0, 0, 0, 0] [1, 17, 12, 32]
// CHECK: %[[E5:.+]] = tensor.empty() : tensor<1x17x5x32xf32>
// CHECK: %[[TAIL:.+]] = scf.forall (%{{.+}}) in (17) shared_outs(%{{.+}} = %[[E5]])
// CHECK: vector.transfer_write %[[Z5]]
// CHECK: %[[SUM:.+]] = tensor.insert_slice %[[TAIL]] into %[[J]][0, 0, 12, 0] [1, 17, 5, 32]
// CHECK: scf.forall (%{{.+}}, %{{.+}}) in (17, 17) shared_outs(%{{.+}} = %[[SUM]])
// CHECK: arith.divf
// CHECK-NOT: linalg.fill
func.func @avg_pool_split(%x: tensor<1x19x19x32xf32>, %div: tensor<17x17xf32>) -> tensor<1x17x17x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x17x17x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x17x17x32xf32>) -> tensor<1x17x17x32xf32>
  %k = tensor.empty() : tensor<3x3xf32>
  %s = linalg.pooling_nhwc_sum {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %k : tensor<1x19x19x32xf32>, tensor<3x3xf32>) outs(%f : tensor<1x17x17x32xf32>) -> tensor<1x17x17x32xf32>
  %a = linalg.generic {indexing_maps = [#id, #hw, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
         ins(%s, %div : tensor<1x17x17x32xf32>, tensor<17x17xf32>) outs(%e : tensor<1x17x17x32xf32>) {
  ^bb0(%in: f32, %d: f32, %out: f32):
    %q = arith.divf %in, %d : f32
    linalg.yield %q : f32
  } -> tensor<1x17x17x32xf32>
  return %a : tensor<1x17x17x32xf32>
}

// -----

// A convolution's fusion group: the bias broadcast that initializes it and
// the ReLU that finishes it are computed tile by tile with it, in one loop
// nest. Each tile of 8 pixels x 32 filters reads the bias as its initial
// accumulator, sums all 128 input channels (no channel blocks: the sums are
// complete) over the window with the accumulator in registers, then applies
// the ReLU and stores into the result, which the ReLU updates in place.
// CHECK-LABEL: func @conv_bias_relu
// CHECK-SAME: %[[BIAS:[a-z0-9]+]]: tensor<32xf32>
// CHECK:      scf.forall (%{{.+}}) in (8) shared_outs(%[[OUT:.+]] = %{{.+}})
// CHECK-NOT:  scf.forall
// CHECK:        %[[INIT:.+]] = vector.transfer_read %[[BIAS]]{{.*}} : tensor<32xf32>, vector<1x1x8x32xf32>
// CHECK:        vector.transfer_write %[[INIT]]
// CHECK:        scf.for %{{.+}} = %c0 to %c3 step %c1 {{.*}} -> (vector<1x8x32xf32>)
// CHECK:          scf.for %{{.+}} = %c0 to %c3 step %c1 {{.*}} -> (vector<1x8x32xf32>)
// CHECK:            scf.for %{{.+}} = %c0 to %c128 step %c1 {{.*}} -> (vector<1x8x32xf32>)
// CHECK:              vector.contract {{.*}} : vector<1x8x1xf32>, vector<1x32xf32> into vector<1x8x32xf32>
// CHECK:        %[[SUM:.+]] = vector.transfer_read {{.*}} : tensor<1x1x8x32xf32>, vector<1x1x8x32xf32>
// CHECK:        %[[RELU:.+]] = arith.maximumf %[[SUM]], %{{.+}} : vector<1x1x8x32xf32>
// CHECK:        vector.transfer_write %[[RELU]]
// CHECK:        tensor.parallel_insert_slice %{{.+}} into %[[OUT]]
// CHECK-NOT:  linalg.generic
// CHECK-NOT:  arith.maximumf
// CHECK:      return
func.func @conv_bias_relu(%x: tensor<1x10x10x128xf32>, %w: tensor<3x3x128x32xf32>, %b: tensor<32xf32>) -> tensor<1x8x8x32xf32> {
  %e = tensor.empty() : tensor<1x8x8x32xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<32xf32>) outs(%e : tensor<1x8x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x8x32xf32>
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x10x10x128xf32>, tensor<3x3x128x32xf32>) outs(%init : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  %e2 = tensor.empty() : tensor<1x8x8x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%0 : tensor<1x8x8x32xf32>) outs(%e2 : tensor<1x8x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c0 = arith.constant 0.0 : f32
    %m = arith.maximumf %in, %c0 : f32
    linalg.yield %m : f32
  } -> tensor<1x8x8x32xf32>
  return %r : tensor<1x8x8x32xf32>
}

// -----

// A depthwise convolution's fusion group, the same way: tiles of 8 pixels
// x 32 channels, one FMA per window position, then a clamp (ReLU6).
// CHECK-LABEL: func @depthwise_bias_relu6
// CHECK:      scf.forall (%{{.+}}) in (16)
// CHECK-NOT:  scf.forall
// CHECK:        vector.transfer_read %{{.+}} : tensor<32xf32>, vector<1x1x8x32xf32>
// CHECK:        scf.for %{{.+}} = %c0 to %c3 step %c1 {{.*}} -> (vector<1x8x32xf32>)
// CHECK:          scf.for %{{.+}} = %c0 to %c3 step %c1 {{.*}} -> (vector<1x8x32xf32>)
// CHECK:            vector.fma {{.*}} : vector<1x8x32xf32>
// CHECK:        arith.maximumf {{.*}} : vector<1x1x8x32xf32>
// CHECK:        arith.minimumf {{.*}} : vector<1x1x8x32xf32>
// CHECK-NOT:  linalg.generic
// CHECK:      return
func.func @depthwise_bias_relu6(%x: tensor<1x18x18x32xf32>, %w: tensor<3x3x32xf32>, %b: tensor<32xf32>) -> tensor<1x16x16x32xf32> {
  %e = tensor.empty() : tensor<1x16x16x32xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<32xf32>) outs(%e : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x32xf32>
  %0 = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x18x18x32xf32>, tensor<3x3x32xf32>) outs(%init : tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32>
  %e2 = tensor.empty() : tensor<1x16x16x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%0 : tensor<1x16x16x32xf32>) outs(%e2 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %lo = arith.constant 0.0 : f32
    %hi = arith.constant 6.0 : f32
    %m = arith.maximumf %in, %lo : f32
    %n = arith.minimumf %m, %hi : f32
    linalg.yield %n : f32
  } -> tensor<1x16x16x32xf32>
  return %r : tensor<1x16x16x32xf32>
}

// -----

// A depthwise convolution whose input fits in L2 runs each block of 32
// channels over the row's pixels, so that the block's three input rows stay
// in L1 while its tiles reuse them.
// CHECK-LABEL: func @depthwise_channels_outer
// CHECK:      scf.forall (%{{.+}}) in (14)
// CHECK:        scf.for %{{.+}} = %c0 to %c64 step %c32
// CHECK:          scf.for %{{.+}} = %c0 to %c14 step %c7
// CHECK:            vector.fma
func.func @depthwise_channels_outer(%x: tensor<1x16x16x64xf32>, %w: tensor<3x3x64xf32>) -> tensor<1x14x14x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x14x14x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x14x14x64xf32>) -> tensor<1x14x14x64xf32>
  %0 = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x16x16x64xf32>, tensor<3x3x64xf32>) outs(%init : tensor<1x14x14x64xf32>) -> tensor<1x14x14x64xf32>
  return %0 : tensor<1x14x14x64xf32>
}

// -----

// One whose input is larger than L2 (4.8 MiB) comes from memory: its tiles
// run over all channels of a few pixels at a time, reading whole pixels in
// order, which the prefetchers follow.
// CHECK-LABEL: func @depthwise_pixels_outer
// CHECK:      scf.forall (%{{.+}}) in (56)
// CHECK:        scf.for %{{.+}} = %c0 to %c56 step %c8
// CHECK:          scf.for %{{.+}} = %c0 to %c96 step %c32
// CHECK:            vector.fma
func.func @depthwise_pixels_outer(%x: tensor<1x113x113x96xf32>, %w: tensor<3x3x96xf32>) -> tensor<1x56x56x96xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x56x56x96xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x56x56x96xf32>) -> tensor<1x56x56x96xf32>
  %0 = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
         ins(%x, %w : tensor<1x113x113x96xf32>, tensor<3x3x96xf32>) outs(%init : tensor<1x56x56x96xf32>) -> tensor<1x56x56x96xf32>
  return %0 : tensor<1x56x56x96xf32>
}

// -----

// A global average pool's sum over an NHWC activation, with the residual
// add and ReLU of the layer before it fused in: threads over (n, channel
// vectors of 64), then one step per (h, w) with the 64-channel accumulator
// in registers; the channels are contiguous in every operand.
// CHECK-LABEL: func @global_pool_sum
// CHECK: scf.forall (%{{.+}}, %{{.+}}) = (0, 0) to (2, 512) step (1, 64)
// CHECK:   %[[ACC:.+]] = vector.transfer_read {{.*}} : tensor<1x64xf32>, vector<1x64xf32>
// CHECK:   scf.for %{{.+}} = %c0 to %c7 step %c1 iter_args(%{{.+}} = %[[ACC]]) -> (vector<1x64xf32>)
// CHECK:     scf.for %{{.+}} = %c0 to %c7 step %c1 {{.*}} -> (vector<1x64xf32>)
// CHECK:       %[[SUM:.+]] = arith.addf {{.*}} : vector<1x64x1x1xf32>
// CHECK:       %[[RELU:.+]] = arith.maximumf %[[SUM]], {{.*}} : vector<1x64x1x1xf32>
// CHECK:       %[[ROW:.+]] = vector.shape_cast %[[RELU]] : vector<1x64x1x1xf32> to vector<1x64xf32>
// CHECK:       arith.addf %{{.+}}, %[[ROW]] : vector<1x64xf32>
// CHECK:   vector.transfer_write {{.*}} : vector<1x64xf32>, tensor<1x64xf32>
// CHECK-NOT: linalg.generic
func.func @global_pool_sum(%x: tensor<2x7x7x512xf32>, %skip: tensor<2x7x7x512xf32>) -> tensor<2x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x512xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x512xf32>) -> tensor<2x512xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, h, w, c)>, affine_map<(n, c, h, w) -> (n, h, w, c)>,
                                        affine_map<(n, c, h, w) -> (n, c)>],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %skip : tensor<2x7x7x512xf32>, tensor<2x7x7x512xf32>) outs(%f : tensor<2x512xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    %m = arith.maximumf %s, %zero : f32
    %t = arith.addf %m, %out : f32
    linalg.yield %t : f32
  } -> tensor<2x512xf32>
  return %r : tensor<2x512xf32>
}

// -----

// A matmul: threads over blocks of 32 columns, then tiles of 8 rows x 32
// columns (16 accumulators) updated by one outer product per k.
// CHECK-LABEL: func @matmul
// CHECK: scf.forall (%{{.+}}) = (0) to (64) step (32)
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%{{.+}} = %{{.+}}) -> (vector<8x32xf32>)
// CHECK:   vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
func.func @matmul(%a: tensor<8x64xf32>, %b: tensor<64x64xf32>, %acc: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<8x64xf32>, tensor<64x64xf32>) outs(%acc : tensor<8x64xf32>) -> tensor<8x64xf32>
  return %0 : tensor<8x64xf32>
}

// -----

// An RGB image's NCHW -> NHWC transpose: threads over its rows, then tiles
// of 16 pixels x 3 channels, one transposing read each (which
// cnn-cpu-lower-vectors turns into a load per channel and a shuffle).
// CHECK: #[[$NHWC:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
// CHECK-LABEL: func @image_to_nhwc
// CHECK: scf.forall (%[[H:.+]]) in (8)
// CHECK: scf.for %[[W:.+]] = %{{.+}} to %{{.+}} step %{{.+}}
// CHECK: vector.transfer_read {{.*}} permutation_map = #[[$NHWC]]} : tensor<1x3x1x16xf32>, vector<1x1x16x3xf32>
// CHECK: vector.transfer_write {{.*}} : vector<1x1x16x3xf32>, tensor<1x1x16x3xf32>
func.func @image_to_nhwc(%x: tensor<1x3x8x32xf32>) -> tensor<1x8x32x3xf32> {
  %e = tensor.empty() : tensor<1x8x32x3xf32>
  %t = linalg.transpose ins(%x : tensor<1x3x8x32xf32>) outs(%e : tensor<1x8x32x3xf32>) permutation = [0, 2, 3, 1]
  return %t : tensor<1x8x32x3xf32>
}

// -----

// An output's NHWC -> NCHW transpose (48 channels): threads over its rows,
// then tiles of 16 channels x 16 pixels, one transposing read each.
// CHECK: #[[$NCHW:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1, d2)>
// CHECK-LABEL: func @to_nchw
// CHECK: scf.forall (%[[H:.+]]) in (8)
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}}
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}}
// CHECK: vector.transfer_read {{.*}} permutation_map = #[[$NCHW]]} : tensor<1x1x16x16xf32>, vector<1x16x1x16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<1x16x1x16xf32>, tensor<1x16x1x16xf32>
// CHECK-NOT: linalg.transpose
func.func @to_nchw(%x: tensor<1x8x32x48xf32>) -> tensor<1x48x8x32xf32> {
  %e = tensor.empty() : tensor<1x48x8x32xf32>
  %t = linalg.transpose ins(%x : tensor<1x8x32x48xf32>) outs(%e : tensor<1x48x8x32xf32>) permutation = [0, 3, 1, 2]
  return %t : tensor<1x48x8x32xf32>
}

// -----

// Any other transpose is tiled the same way, over runs of dimensions that
// stay together. An OIHW -> HWCF filter (at load time, and on every training
// step) is (O, I, HW) -> (HW, I, O): threads over I, tiles of 16 filters x
// all 9 taps, one transposing read each, then the HWCF view.
// CHECK: #[[$HWCF:.+]] = affine_map<(d0, d1, d2) -> (d2, d1, d0)>
// CHECK-LABEL: func @filter_to_hwcf
// CHECK: %[[IN:.+]] = tensor.collapse_shape %{{.+}} {{\[\[}}0], [1], [2, 3]] : tensor<32x16x3x3xf32> into tensor<32x16x9xf32>
// CHECK: %[[R:.+]] = scf.forall (%{{.+}}) in (16)
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}}
// CHECK: vector.transfer_read {{.*}} permutation_map = #[[$HWCF]]} : tensor<16x1x9xf32>, vector<9x1x16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<9x1x16xf32>, tensor<9x1x16xf32>
// CHECK: tensor.expand_shape %[[R]] {{\[\[}}0, 1], [2], [3]] output_shape [3, 3, 16, 32]
// CHECK-NOT: linalg.transpose
func.func @filter_to_hwcf(%w: tensor<32x16x3x3xf32>) -> tensor<3x3x16x32xf32> {
  %e = tensor.empty() : tensor<3x3x16x32xf32>
  %t = linalg.transpose ins(%w : tensor<32x16x3x3xf32>) outs(%e : tensor<3x3x16x32xf32>) permutation = [2, 3, 1, 0]
  return %t : tensor<3x3x16x32xf32>
}

// -----

// A filter gradient's (I, H, W, O) -> OIHW is a transpose of two dimensions,
// (IHW, O) -> (O, IHW): threads over blocks of 16 filters, 16 x 16 tiles.
// CHECK-LABEL: func @gradient_to_oihw
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2], [3]] : tensor<64x3x3x32xf32> into tensor<576x32xf32>
// CHECK: scf.forall (%{{.+}}) = (0) to (32) step (16)
// CHECK: vector.transfer_read {{.*}} : tensor<16x16xf32>, vector<16x16xf32>
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2, 3]] output_shape [32, 64, 3, 3]
func.func @gradient_to_oihw(%g: tensor<64x3x3x32xf32>) -> tensor<32x64x3x3xf32> {
  %e = tensor.empty() : tensor<32x64x3x3xf32>
  %t = linalg.transpose ins(%g : tensor<64x3x3x32xf32>) outs(%e : tensor<32x64x3x3xf32>) permutation = [3, 0, 1, 2]
  return %t : tensor<32x64x3x3xf32>
}

// -----

// A filter gradient's input, (N, C, H, W) -> (C, H, W, N) (the batch as its
// channels), keeps its dimensions where it is padded next, so that it can
// write into the padded tensor (cnn-decompose-pads); without the pad it is
// (N, CHW) -> (CHW, N).
// CHECK-LABEL: func @padded_next
// CHECK-NOT: tensor.collapse_shape
// CHECK: scf.forall (%{{.+}}, %{{.+}}) in (32, 4)
// CHECK: tensor.pad
// CHECK-LABEL: func @not_padded
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0], [1, 2, 3]] : tensor<8x32x4x4xf32> into tensor<8x512xf32>
// CHECK: scf.forall (%{{.+}}) = (0) to (512) step (16)
func.func @padded_next(%x: tensor<8x32x4x4xf32>) -> tensor<32x6x6x8xf32> {
  %e = tensor.empty() : tensor<32x4x4x8xf32>
  %t = linalg.transpose ins(%x : tensor<8x32x4x4xf32>) outs(%e : tensor<32x4x4x8xf32>) permutation = [1, 2, 3, 0]
  %c = arith.constant 0.0 : f32
  %p = tensor.pad %t low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %c : f32
  } : tensor<32x4x4x8xf32> to tensor<32x6x6x8xf32>
  return %p : tensor<32x6x6x8xf32>
}
func.func @not_padded(%x: tensor<8x32x4x4xf32>) -> tensor<32x4x4x8xf32> {
  %e = tensor.empty() : tensor<32x4x4x8xf32>
  %t = linalg.transpose ins(%x : tensor<8x32x4x4xf32>) outs(%e : tensor<32x4x4x8xf32>) permutation = [1, 2, 3, 0]
  return %t : tensor<32x4x4x8xf32>
}

// -----

// A transpose that keeps the innermost dimension (cnn-block-weights' HWCF ->
// blocks of 32 filters): threads over every other dimension, vector copies
// of 16 floats.
// CHECK-LABEL: func @filter_blocks
// CHECK: scf.forall (%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) in (2, 3, 3, 16)
// CHECK: vector.transfer_read {{.*}} : tensor<1x1x1x1x16xf32>, vector<1x1x1x1x16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<1x1x1x1x16xf32>, tensor<1x1x1x1x16xf32>
// CHECK-NOT: linalg.transpose
func.func @filter_blocks(%w: tensor<3x3x16x2x32xf32>) -> tensor<2x3x3x16x32xf32> {
  %e = tensor.empty() : tensor<2x3x3x16x32xf32>
  %t = linalg.transpose ins(%w : tensor<3x3x16x2x32xf32>) outs(%e : tensor<2x3x3x16x32xf32>) permutation = [3, 0, 1, 2, 4]
  return %t : tensor<2x3x3x16x32xf32>
}

// -----

// An elementwise op with two results (an optimizer's update of a parameter
// and its momentum, in one dimension): threads over blocks of 64, one
// vector<64xf32> per result.
// CHECK-LABEL: func @two_results
// CHECK: scf.forall (%{{.+}}) = (0) to (4608) step (64)
// CHECK: %[[M:.+]] = arith.addf {{.*}} : vector<64xf32>
// CHECK: %[[P:.+]] = arith.subf {{.*}} : vector<64xf32>
// CHECK: vector.transfer_write %[[P]]
// CHECK: vector.transfer_write %[[M]]
// CHECK-NOT: linalg.generic
func.func @two_results(%p: tensor<4608xf32>, %g: tensor<4608xf32>, %m: tensor<4608xf32>, %lr: tensor<f32>) -> (tensor<4608xf32>, tensor<4608xf32>) {
  %e0 = tensor.empty() : tensor<4608xf32>
  %e1 = tensor.empty() : tensor<4608xf32>
  %r:2 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%p, %g, %m, %lr : tensor<4608xf32>, tensor<4608xf32>, tensor<4608xf32>, tensor<f32>) outs(%e0, %e1 : tensor<4608xf32>, tensor<4608xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %l: f32, %o0: f32, %o1: f32):
    %0 = arith.mulf %c, %l : f32
    %1 = arith.addf %0, %b : f32
    %2 = arith.mulf %l, %1 : f32
    %3 = arith.subf %a, %2 : f32
    linalg.yield %3, %1 : f32, f32
  } -> (tensor<4608xf32>, tensor<4608xf32>)
  return %r#0, %r#1 : tensor<4608xf32>, tensor<4608xf32>
}

// -----

// A parallel generic that reads an operand at a fixed index (Winograd's
// filter transform reads its coefficients so) gets no vector tile, but
// threads over all but its innermost dimension: its loop body is then
// outlined and optimized as a layer's is.
// CHECK-LABEL: func.func @fixed_index
// CHECK: scf.forall ({{.*}}, {{.*}}) in (4, 3)
// CHECK: linalg.generic
// CHECK-SAME: ins({{.*}} : tensor<1x9xf32>, tensor<1x32xf32>)
// CHECK-SAME: outs({{.*}} : tensor<1x1x32xf32>)
// CHECK-NOT: vector.
// CHECK: return
func.func @fixed_index(%c: tensor<4x9xf32>, %w: tensor<3x32xf32>) -> tensor<4x3x32xf32> {
  %e = tensor.empty() : tensor<4x3x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, 2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%c, %w : tensor<4x9xf32>, tensor<3x32xf32>) outs(%e : tensor<4x3x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<4x3x32xf32>
  return %r : tensor<4x3x32xf32>
}

// RUN: cnn-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(cnn-fuse-row-bands{min-bytes=16384 band-bytes=12000 pointwise-band-bytes=4096}))" | FileCheck %s
// RUN: cnn-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(cnn-fuse-row-bands{min-bytes=16384 band-bytes=12000 pointwise-band-bytes=4096},cnn-block-weights{vector-width=16}))" | FileCheck %s --check-prefix=BLOCK
// RUN: cnn-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(cnn-fuse-row-bands{min-bytes=16384 band-bytes=12000 pointwise-band-bytes=4096},canonicalize))" | FileCheck %s --check-prefix=CANON

// A 1x1 expansion (8 -> 32 channels, 16x16, 32 KiB), its clip, zero padding
// and a depthwise convolution of stride 2 with its bias and clip: one forall
// over (sample, chunk of 4 output rows), two buffers of the 5 padded rows a
// band of 2 output rows reads, zero columns filled once. Chunk 0's first
// shared row is padding (zero), the others' an expanded row. Each band copies
// the row it shares with the band before from the other buffer, expands its
// 4 new rows into rows 1-4 and computes its 2 output rows from all 5.
// CHECK-LABEL: func @expand_depthwise
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x16x16x8xf32>
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf
// CHECK: scf.forall (%[[N:.+]], %[[C:.+]]) in (1, 2) shared_outs(%[[O:.+]] = %{{.+}}) -> (tensor<1x8x8x32xf32>)
// CHECK: %[[A:.+]] = bufferization.alloc_tensor() : tensor<1x5x18x32xf32>
// CHECK: linalg.fill {{.*}} -> tensor<1x5x1x32xf32>
// CHECK: %[[B:.+]] = bufferization.alloc_tensor() : tensor<1x5x18x32xf32>
// CHECK: %[[FIRST:.+]] = arith.cmpi eq, %[[C]], %{{.+}} : index
// CHECK: scf.if %[[FIRST]]
// CHECK:   linalg.fill {{.*}} -> tensor<1x1x18x32xf32>
// CHECK: } else {
// CHECK:   tensor.extract_slice %[[X]][%[[N]], %{{.+}}, 0, 0] [1, 1, 16, 8]
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x1x16x32xf32>
// CHECK: scf.for {{.*}} -> (tensor<1x5x18x32xf32>, tensor<1x5x18x32xf32>, tensor<1x4x8x32xf32>)
// CHECK:   linalg.copy ins(%{{.+}} : tensor<1x1x16x32xf32>)
// CHECK:   tensor.extract_slice %[[X]][%[[N]], %{{.+}}, 0, 0] [1, 4, 16, 8]
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x4x16x8xf32>, tensor<1x1x8x32xf32>) {{.*}} -> tensor<1x4x16x32xf32>
// CHECK:   linalg.generic {{.*}} outs(%{{.+}} : tensor<1x4x16x32xf32>)
// CHECK:     arith.minimumf
// CHECK:   linalg.depthwise_conv_2d_nhwc_hwc {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x5x18x32xf32>, tensor<3x3x32xf32>) outs(%{{.+}} : tensor<1x2x8x32xf32>)
// CHECK:   linalg.copy
// CHECK:   linalg.depthwise_conv_2d_nhwc_hwc
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[O]][%[[N]], %{{.+}}, 0, 0] [1, 4, 8, 32]
// CHECK: } {cnn.row_bands}
// CHECK-NOT: linalg.depthwise_conv_2d_nhwc_hwc

// cnn-block-weights leaves the band's 1x1 convolutions unblocked.
// BLOCK-LABEL: func @expand_depthwise
// BLOCK-NOT: linalg.transpose
// BLOCK: } {cnn.row_bands}
func.func @expand_depthwise(%x: tensor<1x16x16x8xf32>, %w: tensor<1x1x8x32xf32>, %b: tensor<32xf32>, %f: tensor<3x3x32xf32>, %b2: tensor<32xf32>) -> tensor<1x8x8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e0 = tensor.empty() : tensor<1x16x16x32xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<32xf32>) outs(%e0 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x32xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%x, %w : tensor<1x16x16x8xf32>, tensor<1x1x8x32xf32>) outs(%bias : tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32>
  %e1 = tensor.empty() : tensor<1x16x16x32xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x16x16x32xf32>) outs(%e1 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x16x16x32xf32>
  %p = tensor.pad %a low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x16x16x32xf32> to tensor<1x18x18x32xf32>
  %e2 = tensor.empty() : tensor<1x8x8x32xf32>
  %bias2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b2 : tensor<32xf32>) outs(%e2 : tensor<1x8x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x8x32xf32>
  %d = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%p, %f : tensor<1x18x18x32xf32>, tensor<3x3x32xf32>) outs(%bias2 : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  %e3 = tensor.empty() : tensor<1x8x8x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d : tensor<1x8x8x32xf32>) outs(%e3 : tensor<1x8x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x8x8x32xf32>
  return %r : tensor<1x8x8x32xf32>
}

// -----

// 15 rows: the last band of the last chunk reads a padding row below the
// input, which it fills instead of expanding (scf.if on the last chunk).
// Its two bands per chunk are the one before the last and the last: no loop.
// CHECK-LABEL: func @bottom_padding
// CHECK: scf.forall (%{{.+}}, %[[C:.+]]) in (1, 2)
// CHECK-NOT: scf.for
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc
// CHECK: %[[LAST:.+]] = arith.cmpi eq, %[[C]], %{{.+}} : index
// CHECK: scf.if %[[LAST]]
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x3x15x32xf32>
// CHECK:   linalg.fill {{.*}} -> tensor<1x1x17x32xf32>
// CHECK: } else {
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x4x15x32xf32>
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc {{.*}} outs(%{{.+}} : tensor<1x2x8x32xf32>)
// CHECK: } {cnn.row_bands}
func.func @bottom_padding(%x: tensor<1x15x15x8xf32>, %w: tensor<1x1x8x32xf32>, %b: tensor<32xf32>, %f: tensor<3x3x32xf32>, %b2: tensor<32xf32>) -> tensor<1x8x8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e0 = tensor.empty() : tensor<1x15x15x32xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<32xf32>) outs(%e0 : tensor<1x15x15x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x15x15x32xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%x, %w : tensor<1x15x15x8xf32>, tensor<1x1x8x32xf32>) outs(%bias : tensor<1x15x15x32xf32>) -> tensor<1x15x15x32xf32>
  %e1 = tensor.empty() : tensor<1x15x15x32xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x15x15x32xf32>) outs(%e1 : tensor<1x15x15x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x15x15x32xf32>
  %p = tensor.pad %a low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x15x15x32xf32> to tensor<1x17x17x32xf32>
  %e2 = tensor.empty() : tensor<1x8x8x32xf32>
  %bias2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b2 : tensor<32xf32>) outs(%e2 : tensor<1x8x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x8x32xf32>
  %d = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%p, %f : tensor<1x17x17x32xf32>, tensor<3x3x32xf32>) outs(%bias2 : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  %e3 = tensor.empty() : tensor<1x8x8x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d : tensor<1x8x8x32xf32>) outs(%e3 : tensor<1x8x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x8x8x32xf32>
  return %r : tensor<1x8x8x32xf32>
}

// -----

// A depthwise convolution of stride 1 stays as it is.
// CHECK-LABEL: func @stride_one
// CHECK-NOT: scf.forall
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x16x16x32xf32>
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc {{.*}} -> tensor<1x16x16x32xf32>
func.func @stride_one(%x: tensor<1x16x16x8xf32>, %w: tensor<1x1x8x32xf32>, %b: tensor<32xf32>, %f: tensor<3x3x32xf32>, %b2: tensor<32xf32>) -> tensor<1x16x16x32xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e0 = tensor.empty() : tensor<1x16x16x32xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<32xf32>) outs(%e0 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x32xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%x, %w : tensor<1x16x16x8xf32>, tensor<1x1x8x32xf32>) outs(%bias : tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32>
  %e1 = tensor.empty() : tensor<1x16x16x32xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x16x16x32xf32>) outs(%e1 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x16x16x32xf32>
  %p = tensor.pad %a low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x16x16x32xf32> to tensor<1x18x18x32xf32>
  %e2 = tensor.empty() : tensor<1x16x16x32xf32>
  %bias2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b2 : tensor<32xf32>) outs(%e2 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x32xf32>
  %d = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%p, %f : tensor<1x18x18x32xf32>, tensor<3x3x32xf32>) outs(%bias2 : tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32>
  %e3 = tensor.empty() : tensor<1x16x16x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d : tensor<1x16x16x32xf32>) outs(%e3 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x16x16x32xf32>
  return %r : tensor<1x16x16x32xf32>
}

// -----

// An expansion smaller than min-bytes (8 KiB) stays whole.
// CHECK-LABEL: func @small
// CHECK-NOT: scf.forall
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x8x8x32xf32>
func.func @small(%x: tensor<1x8x8x8xf32>, %w: tensor<1x1x8x32xf32>, %b: tensor<32xf32>, %f: tensor<3x3x32xf32>, %b2: tensor<32xf32>) -> tensor<1x4x4x32xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e0 = tensor.empty() : tensor<1x8x8x32xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<32xf32>) outs(%e0 : tensor<1x8x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x8x32xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%x, %w : tensor<1x8x8x8xf32>, tensor<1x1x8x32xf32>) outs(%bias : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  %e1 = tensor.empty() : tensor<1x8x8x32xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x8x8x32xf32>) outs(%e1 : tensor<1x8x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x8x8x32xf32>
  %p = tensor.pad %a low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x8x8x32xf32> to tensor<1x10x10x32xf32>
  %e2 = tensor.empty() : tensor<1x4x4x32xf32>
  %bias2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b2 : tensor<32xf32>) outs(%e2 : tensor<1x4x4x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x4x4x32xf32>
  %d = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%p, %f : tensor<1x10x10x32xf32>, tensor<3x3x32xf32>) outs(%bias2 : tensor<1x4x4x32xf32>) -> tensor<1x4x4x32xf32>
  %e3 = tensor.empty() : tensor<1x4x4x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d : tensor<1x4x4x32xf32>) outs(%e3 : tensor<1x4x4x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x4x4x32xf32>
  return %r : tensor<1x4x4x32xf32>
}

// -----

// So does one that something else reads too.
// CHECK-LABEL: func @expansion_reused
// CHECK-NOT: scf.forall
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x16x16x32xf32>
func.func @expansion_reused(%x: tensor<1x16x16x8xf32>, %w: tensor<1x1x8x32xf32>, %b: tensor<32xf32>, %f: tensor<3x3x32xf32>, %b2: tensor<32xf32>) -> (tensor<1x8x8x32xf32>, tensor<1x16x16x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e0 = tensor.empty() : tensor<1x16x16x32xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<32xf32>) outs(%e0 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x32xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%x, %w : tensor<1x16x16x8xf32>, tensor<1x1x8x32xf32>) outs(%bias : tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32>
  %e1 = tensor.empty() : tensor<1x16x16x32xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x16x16x32xf32>) outs(%e1 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x16x16x32xf32>
  %p = tensor.pad %a low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x16x16x32xf32> to tensor<1x18x18x32xf32>
  %e2 = tensor.empty() : tensor<1x8x8x32xf32>
  %bias2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b2 : tensor<32xf32>) outs(%e2 : tensor<1x8x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x8x32xf32>
  %d = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%p, %f : tensor<1x18x18x32xf32>, tensor<3x3x32xf32>) outs(%bias2 : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  %e3 = tensor.empty() : tensor<1x8x8x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d : tensor<1x8x8x32xf32>) outs(%e3 : tensor<1x8x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x8x8x32xf32>
  return %r, %a : tensor<1x8x8x32xf32>, tensor<1x16x16x32xf32>
}

// -----

// Nor does a dilated depthwise convolution.
// CHECK-LABEL: func @dilated
// CHECK-NOT: scf.forall
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc {{.*}} -> tensor<1x7x7x32xf32>
func.func @dilated(%x: tensor<1x16x16x8xf32>, %w: tensor<1x1x8x32xf32>, %b: tensor<32xf32>, %f: tensor<3x3x32xf32>, %b2: tensor<32xf32>) -> tensor<1x7x7x32xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e0 = tensor.empty() : tensor<1x16x16x32xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<32xf32>) outs(%e0 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x32xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%x, %w : tensor<1x16x16x8xf32>, tensor<1x1x8x32xf32>) outs(%bias : tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32>
  %e1 = tensor.empty() : tensor<1x16x16x32xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x16x16x32xf32>) outs(%e1 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x16x16x32xf32>
  %p = tensor.pad %a low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x16x16x32xf32> to tensor<1x18x18x32xf32>
  %e2 = tensor.empty() : tensor<1x7x7x32xf32>
  %bias2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b2 : tensor<32xf32>) outs(%e2 : tensor<1x7x7x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x7x7x32xf32>
  %d = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<2> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%p, %f : tensor<1x18x18x32xf32>, tensor<3x3x32xf32>) outs(%bias2 : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
  %e3 = tensor.empty() : tensor<1x7x7x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d : tensor<1x7x7x32xf32>) outs(%e3 : tensor<1x7x7x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x7x7x32xf32>
  return %r : tensor<1x7x7x32xf32>
}

// -----

// A depthwise convolution (stride 1, 16x16x32: 32 KiB) with its bias and
// clip, read only by a 1x1 convolution (32 -> 64) with its bias and a
// residual add: one forall over (sample, chunk of 8 rows), each chunk walking
// bands of 2 rows (4 KiB of depthwise rows, pointwise-band-bytes). A band
// computes its depthwise rows from the 4 input rows they read into one
// buffer, reused by every band, then its 1x1 rows from that buffer, its
// residual rows added in place.
// CHECK-LABEL: func @depthwise_project
// CHECK-SAME: (%[[X:[^:]+]]: tensor<1x18x18x32xf32>, %{{[^:]+}}: tensor<3x3x32xf32>, %{{[^:]+}}: tensor<32xf32>, %{{[^:]+}}: tensor<1x1x32x64xf32>, %{{[^:]+}}: tensor<64xf32>, %[[R:[^:]+]]: tensor<1x16x16x64xf32>
// CHECK: scf.forall (%[[N:.+]], %[[C:.+]]) in (1, 2) shared_outs(%[[O:.+]] = %{{.+}}) -> (tensor<1x16x16x64xf32>)
// CHECK: %[[CROW:.+]] = arith.addi %{{.+}}, %{{.+}} : index
// CHECK: %[[A:.+]] = bufferization.alloc_tensor() : tensor<1x2x16x32xf32>
// CHECK: %[[CHUNK:.+]] = tensor.extract_slice %[[O]][%[[N]], %{{.+}}, 0, 0] [1, 8, 16, 64]
// CHECK: scf.for %[[J:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[BUF:.+]] = %[[A]], %[[OUT:.+]] = %[[CHUNK]]) -> (tensor<1x2x16x32xf32>, tensor<1x8x16x64xf32>)
// CHECK:   tensor.extract_slice %[[X]][%[[N]], %{{.+}}, 0, 0] [1, 4, 18, 32]
// CHECK:   %[[DB:.+]] = linalg.generic {{.*}} outs(%[[BUF]] : tensor<1x2x16x32xf32>)
// CHECK:   %[[D:.+]] = linalg.depthwise_conv_2d_nhwc_hwc {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x4x18x32xf32>, tensor<3x3x32xf32>) outs(%[[DB]] : tensor<1x2x16x32xf32>)
// CHECK:   %[[DA:.+]] = linalg.generic {{.*}} outs(%[[D]] : tensor<1x2x16x32xf32>)
// CHECK:     arith.minimumf
// CHECK:   tensor.extract_slice %[[OUT]][0, %{{.+}}, 0, 0] [1, 2, 16, 64]
// CHECK:   %[[P:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[DA]], %{{.+}} : tensor<1x2x16x32xf32>, tensor<1x1x32x64xf32>) {{.*}} -> tensor<1x2x16x64xf32>
// CHECK:   %[[RS:.+]] = tensor.extract_slice %[[R]][%[[N]], %{{.+}}, 0, 0] [1, 2, 16, 64]
// CHECK:   %[[S:.+]] = linalg.generic {{.*}} ins(%[[RS]] : tensor<1x2x16x64xf32>) outs(%[[P]] : tensor<1x2x16x64xf32>)
// CHECK:     arith.addf
// CHECK:   %[[W:.+]] = tensor.insert_slice %[[S]] into %[[OUT]][0, %{{.+}}, 0, 0] [1, 2, 16, 64]
// CHECK:   scf.yield %[[DA]], %[[W]]
// CHECK: tensor.parallel_insert_slice %{{.+}} into %[[O]][%[[N]], %[[CROW]], 0, 0] [1, 8, 16, 64]
// CHECK: } {cnn.row_bands}
// CHECK-NOT: linalg.depthwise_conv_2d_nhwc_hwc
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf

// cnn-block-weights leaves the band's 1x1 convolution unblocked.
// BLOCK-LABEL: func @depthwise_project
// BLOCK-NOT: linalg.transpose
// BLOCK: } {cnn.row_bands}
func.func @depthwise_project(%x: tensor<1x18x18x32xf32>, %f: tensor<3x3x32xf32>, %b: tensor<32xf32>, %w: tensor<1x1x32x64xf32>, %b2: tensor<64xf32>, %res: tensor<1x16x16x64xf32>) -> tensor<1x16x16x64xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e0 = tensor.empty() : tensor<1x16x16x32xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<32xf32>) outs(%e0 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x32xf32>
  %d = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%x, %f : tensor<1x18x18x32xf32>, tensor<3x3x32xf32>) outs(%bias : tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32>
  %e1 = tensor.empty() : tensor<1x16x16x32xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d : tensor<1x16x16x32xf32>) outs(%e1 : tensor<1x16x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x16x16x32xf32>
  %e2 = tensor.empty() : tensor<1x16x16x64xf32>
  %bias2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b2 : tensor<64xf32>) outs(%e2 : tensor<1x16x16x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x64xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%a, %w : tensor<1x16x16x32xf32>, tensor<1x1x32x64xf32>) outs(%bias2 : tensor<1x16x16x64xf32>) -> tensor<1x16x16x64xf32>
  %e3 = tensor.empty() : tensor<1x16x16x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%res, %c : tensor<1x16x16x64xf32>, tensor<1x16x16x64xf32>) outs(%e3 : tensor<1x16x16x64xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %0 = arith.addf %in, %in2 : f32
    linalg.yield %0 : f32
  } -> tensor<1x16x16x64xf32>
  return %r : tensor<1x16x16x64xf32>
}

// -----

// Stride 2, no activation, no epilogue after the 1x1 convolution, two
// samples: band j of chunk c computes output rows 4 c + 2 j on, from the 5
// input rows from 2 (4 c + 2 j) on; the 1x1 convolution is the last op.
// CHECK-LABEL: func @strided_depthwise_project
// CANON-LABEL: func @strided_depthwise_project
// CANON-SAME: (%[[X:[^:]+]]: tensor<2x17x17x64xf32>
// CANON-DAG: %[[C2:.+]] = arith.constant 2 : index
// CANON-DAG: %[[C4:.+]] = arith.constant 4 : index
// CANON: scf.forall (%[[N:.+]], %[[C:.+]]) in (2, 2) shared_outs(%[[O:.+]] = %{{.+}}) -> (tensor<2x8x8x16xf32>)
// CANON: %[[CROW:.+]] = arith.muli %[[C]], %[[C4]] : index
// CANON: scf.for %[[J:[a-z0-9_]+]] = {{.*}} -> (tensor<1x2x8x64xf32>, tensor<1x4x8x16xf32>)
// CANON:   %[[AT:.+]] = arith.muli %[[J]], %[[C2]] : index
// CANON:   %[[ROW:.+]] = arith.addi %[[CROW]], %[[AT]] : index
// CANON:   %[[FROM:.+]] = arith.muli %[[ROW]], %[[C2]] : index
// CANON:   tensor.extract_slice %[[X]][%[[N]], %[[FROM]], 0, 0] [1, 5, 17, 64]
// CANON:   %[[D:.+]] = linalg.depthwise_conv_2d_nhwc_hwc {{.*}}strides = dense<2>{{.*}} -> tensor<1x2x8x64xf32>
// CANON:   tensor.extract_slice %{{.+}}[0, %[[AT]], 0, 0] [1, 2, 8, 16]
// CANON:   %[[P:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[D]], %{{.+}} : tensor<1x2x8x64xf32>, tensor<1x1x64x16xf32>)
// CANON-NEXT: tensor.insert_slice %[[P]] into %{{.+}}[0, %[[AT]], 0, 0] [1, 2, 8, 16]
// CANON: tensor.parallel_insert_slice %{{.+}} into %[[O]][%[[N]], %[[CROW]], 0, 0] [1, 4, 8, 16]
// CANON: } {cnn.row_bands}
// CANON-NEXT: return
func.func @strided_depthwise_project(%x: tensor<2x17x17x64xf32>, %f: tensor<3x3x64xf32>, %b: tensor<64xf32>, %w: tensor<1x1x64x16xf32>, %b2: tensor<16xf32>) -> tensor<2x8x8x16xf32> {
  %e0 = tensor.empty() : tensor<2x8x8x64xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<64xf32>) outs(%e0 : tensor<2x8x8x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x8x8x64xf32>
  %d = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%x, %f : tensor<2x17x17x64xf32>, tensor<3x3x64xf32>) outs(%bias : tensor<2x8x8x64xf32>) -> tensor<2x8x8x64xf32>
  %e2 = tensor.empty() : tensor<2x8x8x16xf32>
  %bias2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b2 : tensor<16xf32>) outs(%e2 : tensor<2x8x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x8x8x16xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%d, %w : tensor<2x8x8x64xf32>, tensor<1x1x64x16xf32>) outs(%bias2 : tensor<2x8x8x16xf32>) -> tensor<2x8x8x16xf32>
  return %c : tensor<2x8x8x16xf32>
}

// -----

// A depthwise result that another op also reads stays whole, and so does
// its 1x1 convolution.
// CHECK-LABEL: func @depthwise_reused
// CHECK-NOT: scf.forall
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc {{.*}} -> tensor<1x16x16x32xf32>
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x16x16x64xf32>
func.func @depthwise_reused(%x: tensor<1x18x18x32xf32>, %f: tensor<3x3x32xf32>, %w: tensor<1x1x32x64xf32>) -> (tensor<1x16x16x64xf32>, tensor<1x16x16x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<1x16x16x32xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e0 : tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32>
  %d = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%x, %f : tensor<1x18x18x32xf32>, tensor<3x3x32xf32>) outs(%fill : tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32>
  %e2 = tensor.empty() : tensor<1x16x16x64xf32>
  %fill2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x16x16x64xf32>) -> tensor<1x16x16x64xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%d, %w : tensor<1x16x16x32xf32>, tensor<1x1x32x64xf32>) outs(%fill2 : tensor<1x16x16x64xf32>) -> tensor<1x16x16x64xf32>
  return %c, %d : tensor<1x16x16x64xf32>, tensor<1x16x16x32xf32>
}

// -----

// An expansion and a depthwise convolution of stride 2 whose result (8x8x64,
// 16 KiB) only a 1x1 convolution reads: the 1x1 convolution (64 -> 16, its
// bias and residual add) takes each band's rows too. The band's depthwise
// rows go into one buffer of a band's rows, carried through the loop (of
// pairs of bands).
// CHECK-LABEL: func @expand_depthwise_project
// CHECK-SAME: %[[R:[^:]+]]: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32>
// CHECK: scf.forall (%[[N:.+]], %[[C:.+]]) in (1, 2) shared_outs(%[[O:.+]] = %{{.+}}) -> (tensor<1x8x8x16xf32>)
// CHECK: %[[M:.+]] = bufferization.alloc_tensor() : tensor<1x1x8x64xf32>
// CHECK: scf.for {{.*}} iter_args({{.*}}, %[[MID:.+]] = %[[M]]) -> (tensor<1x3x18x64xf32>, tensor<1x3x18x64xf32>, tensor<1x4x8x16xf32>, tensor<1x1x8x64xf32>)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} -> tensor<1x2x16x64xf32>
// CHECK:   %[[DB:.+]] = linalg.generic {{.*}} outs(%[[MID]] : tensor<1x1x8x64xf32>)
// CHECK:   %[[D:.+]] = linalg.depthwise_conv_2d_nhwc_hwc {{.*}} outs(%[[DB]] : tensor<1x1x8x64xf32>)
// CHECK:   %[[DA:.+]] = linalg.generic {{.*}} outs(%[[D]] : tensor<1x1x8x64xf32>)
// CHECK:   %[[P:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[DA]], %{{.+}} : tensor<1x1x8x64xf32>, tensor<1x1x64x16xf32>) {{.*}} -> tensor<1x1x8x16xf32>
// CHECK:   %[[RS:.+]] = tensor.extract_slice %[[R]][%[[N]], %{{.+}}, 0, 0] [1, 1, 8, 16]
// CHECK:   linalg.generic {{.*}} ins(%[[RS]] : tensor<1x1x8x16xf32>) outs(%[[P]] : tensor<1x1x8x16xf32>)
// The second band of the pair computes its depthwise rows into the same
// buffer.
// CHECK:   %[[DB2:.+]] = linalg.generic {{.*}} outs(%[[DA]] : tensor<1x1x8x64xf32>)
// CHECK:   %[[D2:.+]] = linalg.depthwise_conv_2d_nhwc_hwc {{.*}} outs(%[[DB2]] : tensor<1x1x8x64xf32>)
// CHECK:   %[[DA2:.+]] = linalg.generic {{.*}} outs(%[[D2]] : tensor<1x1x8x64xf32>)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[DA2]], %{{.+}} : tensor<1x1x8x64xf32>, tensor<1x1x64x16xf32>)
// CHECK:   scf.yield %{{.+}}, %{{.+}}, %{{.+}}, %[[DA2]] :
// CHECK: } {cnn.row_bands}
// CHECK-NOT: linalg.depthwise_conv_2d_nhwc_hwc
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf
// CHECK: return
func.func @expand_depthwise_project(%x: tensor<1x16x16x8xf32>, %w: tensor<1x1x8x64xf32>, %b: tensor<64xf32>, %f: tensor<3x3x64xf32>, %b2: tensor<64xf32>, %w3: tensor<1x1x64x16xf32>, %b3: tensor<16xf32>, %res: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e0 = tensor.empty() : tensor<1x16x16x64xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<64xf32>) outs(%e0 : tensor<1x16x16x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x64xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%x, %w : tensor<1x16x16x8xf32>, tensor<1x1x8x64xf32>) outs(%bias : tensor<1x16x16x64xf32>) -> tensor<1x16x16x64xf32>
  %e1 = tensor.empty() : tensor<1x16x16x64xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x16x16x64xf32>) outs(%e1 : tensor<1x16x16x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x16x16x64xf32>
  %p = tensor.pad %a low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x16x16x64xf32> to tensor<1x18x18x64xf32>
  %e2 = tensor.empty() : tensor<1x8x8x64xf32>
  %bias2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b2 : tensor<64xf32>) outs(%e2 : tensor<1x8x8x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x8x64xf32>
  %d = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%p, %f : tensor<1x18x18x64xf32>, tensor<3x3x64xf32>) outs(%bias2 : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %e3 = tensor.empty() : tensor<1x8x8x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d : tensor<1x8x8x64xf32>) outs(%e3 : tensor<1x8x8x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    %1 = arith.minimumf %0, %six : f32
    linalg.yield %1 : f32
  } -> tensor<1x8x8x64xf32>
  %e4 = tensor.empty() : tensor<1x8x8x16xf32>
  %bias3 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b3 : tensor<16xf32>) outs(%e4 : tensor<1x8x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x8x16xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%r, %w3 : tensor<1x8x8x64xf32>, tensor<1x1x64x16xf32>) outs(%bias3 : tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32>
  %e5 = tensor.empty() : tensor<1x8x8x16xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %res : tensor<1x8x8x16xf32>, tensor<1x8x8x16xf32>) outs(%e5 : tensor<1x8x8x16xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %0 = arith.addf %in, %in2 : f32
    linalg.yield %0 : f32
  } -> tensor<1x8x8x16xf32>
  return %s : tensor<1x8x8x16xf32>
}

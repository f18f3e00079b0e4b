// RUN: cnn-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(cnn-fuse-row-bands{min-bytes=16384 band-bytes=12000}))" | FileCheck %s
// RUN: cnn-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(cnn-fuse-row-bands{min-bytes=16384 band-bytes=12000},cnn-block-weights{vector-width=16}))" | FileCheck %s --check-prefix=BLOCK

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

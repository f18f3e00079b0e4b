// RUN: cnn-opt %s --pass-pipeline="builtin.module(func.func(cnn-block-weights{vector-width=16}))" --split-input-file | FileCheck %s

// 64 filters become two blocks of 32, each contiguous: the filter is
// rearranged as [2, kh, kw, C, 32] and each iteration of the forall
// convolves with one block into its 32 output channels.
// CHECK-LABEL: func @blocked
// CHECK-SAME: (%[[X:.+]]: tensor<1x9x9x8xf32>, %[[W:.+]]: tensor<3x3x8x64xf32>, %[[ACC:.+]]: tensor<1x7x7x64xf32>)
// CHECK: %[[E:.+]] = tensor.expand_shape %[[W]] {{\[\[}}0], [1], [2], [3, 4]] output_shape [3, 3, 8, 2, 32]
// CHECK: %[[B:.+]] = linalg.transpose ins(%[[E]] : tensor<3x3x8x2x32xf32>) outs(%{{.+}} : tensor<2x3x3x8x32xf32>) permutation = [3, 0, 1, 2, 4]
// CHECK: scf.forall (%[[I:.+]]) in (2) shared_outs(%[[O:.+]] = %[[ACC]])
// CHECK:   %[[F:.+]] = tensor.extract_slice %[[B]][%[[I]], 0, 0, 0, 0] [1, 3, 3, 8, 32] [1, 1, 1, 1, 1] : tensor<2x3x3x8x32xf32> to tensor<3x3x8x32xf32>
// CHECK:   %[[OS:.+]] = tensor.extract_slice %[[O]][0, 0, 0, %{{.+}}] [1, 7, 7, 32] [1, 1, 1, 1]
// CHECK:   %[[C:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[X]], %[[F]] : tensor<1x9x9x8xf32>, tensor<3x3x8x32xf32>) outs(%[[OS]] : tensor<1x7x7x32xf32>)
// CHECK:   tensor.parallel_insert_slice %[[C]] into %[[O]][0, 0, 0, %{{.+}}] [1, 7, 7, 32] [1, 1, 1, 1]
func.func @blocked(%x: tensor<1x9x9x8xf32>, %w: tensor<3x3x8x64xf32>, %acc: tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x9x9x8xf32>, tensor<3x3x8x64xf32>) outs(%acc : tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32>
  return %0 : tensor<1x7x7x64xf32>
}

// -----

// One block (32 filters), or a count no vector or half vector divides (20
// is not a multiple of 8, and too far from 32 to pad): left alone.
// CHECK-LABEL: func @unblocked
// CHECK-NOT: scf.forall
// CHECK-NOT: tensor.pad
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} tensor<3x3x8x32xf32>
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} tensor<3x3x8x20xf32>
func.func @unblocked(%x: tensor<1x9x9x8xf32>, %w: tensor<3x3x8x32xf32>, %acc: tensor<1x7x7x32xf32>,
                     %w2: tensor<3x3x8x20xf32>, %acc2: tensor<1x7x7x20xf32>) -> (tensor<1x7x7x32xf32>, tensor<1x7x7x20xf32>) {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x9x9x8xf32>, tensor<3x3x8x32xf32>) outs(%acc : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
  %1 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w2 : tensor<1x9x9x8xf32>, tensor<3x3x8x20xf32>) outs(%acc2 : tensor<1x7x7x20xf32>) -> tensor<1x7x7x20xf32>
  return %0, %1 : tensor<1x7x7x32xf32>, tensor<1x7x7x20xf32>
}

// -----

// 24 filters, a vector and a half: left whole rather than three blocks of
// 8 (half-width FMAs, the input read once per block).
// cnn-cpu-tile-and-vectorize tiles them as 16 lanes and the last 8.
// CHECK-LABEL: func @vector_and_half
// CHECK-NOT: scf.forall
// CHECK-NOT: linalg.transpose
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} tensor<1x1x144x24xf32>
func.func @vector_and_half(%x: tensor<1x56x56x144xf32>, %w: tensor<1x1x144x24xf32>,
                           %acc: tensor<1x56x56x24xf32>) -> tensor<1x56x56x24xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x56x56x144xf32>, tensor<1x1x144x24xf32>) outs(%acc : tensor<1x56x56x24xf32>) -> tensor<1x56x56x24xf32>
  return %0 : tensor<1x56x56x24xf32>
}

// -----

// 1000 classes: no multiple of 16, so blocks of half a vector (8 columns),
// read contiguously instead of 8 floats out of every 1000.
// CHECK-LABEL: func @matmul_1000
// CHECK: linalg.transpose ins(%{{.+}} : tensor<16x125x8xf32>) outs(%{{.+}} : tensor<125x16x8xf32>)
// CHECK: scf.forall (%{{.+}}) in (125)
// CHECK:   linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<1x16xf32>, tensor<16x8xf32>) outs(%{{.+}} : tensor<1x8xf32>)
func.func @matmul_1000(%a: tensor<1x16xf32>, %b: tensor<16x1000xf32>, %acc: tensor<1x1000xf32>) -> tensor<1x1000xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<1x16xf32>, tensor<16x1000xf32>) outs(%acc : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  return %0 : tensor<1x1000xf32>
}

// -----

// A matmul's [K, N] weight becomes [N/32, K, 32]: two blocks of 32 columns.
// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[A:.+]]: tensor<2x16xf32>, %[[B:.+]]: tensor<16x64xf32>, %[[ACC:.+]]: tensor<2x64xf32>)
// CHECK: %[[E:.+]] = tensor.expand_shape %[[B]] {{\[\[}}0], [1, 2]] output_shape [16, 2, 32]
// CHECK: %[[BB:.+]] = linalg.transpose ins(%[[E]] : tensor<16x2x32xf32>) outs(%{{.+}} : tensor<2x16x32xf32>) permutation = [1, 0, 2]
// CHECK: scf.forall (%[[I:.+]]) in (2) shared_outs(%[[O:.+]] = %[[ACC]])
// CHECK:   %[[W:.+]] = tensor.extract_slice %[[BB]][%[[I]], 0, 0] [1, 16, 32] [1, 1, 1] : tensor<2x16x32xf32> to tensor<16x32xf32>
// CHECK:   %[[OS:.+]] = tensor.extract_slice %[[O]][0, %{{.+}}] [2, 32] [1, 1]
// CHECK:   linalg.matmul ins(%[[A]], %[[W]] : tensor<2x16xf32>, tensor<16x32xf32>) outs(%[[OS]] : tensor<2x32xf32>)
func.func @matmul(%a: tensor<2x16xf32>, %b: tensor<16x64xf32>, %acc: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<2x16xf32>, tensor<16x64xf32>) outs(%acc : tensor<2x64xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

// The bias broadcast that initializes the convolution and its epilogue (a
// residual add and ReLU) move into the forall: each block of 32 channels is
// initialized, accumulated and finished while it is in cache. The epilogue
// updates the block's result in place: the result is its init, read through
// the payload's output argument, and the forall yields only the epilogue.
// CHECK-LABEL: func @fused_epilogue
// CHECK-SAME: (%[[X:.+]]: tensor<1x9x9x8xf32>, %[[W:.+]]: tensor<3x3x8x64xf32>, %[[BIAS:.+]]: tensor<64xf32>, %[[SKIP:.+]]: tensor<1x7x7x64xf32>)
// CHECK: %[[R:.+]]:2 = scf.forall (%[[I:.+]]) in (2) shared_outs(%{{.+}} = %{{.+}}, %[[O:.+]] = %{{.+}})
// CHECK:   %[[BS:.+]] = tensor.extract_slice %[[BIAS]][%{{.+}}] [32] [1]
// CHECK:   %[[OS:.+]] = tensor.extract_slice %[[O]][0, 0, 0, %{{.+}}] [1, 7, 7, 32] [1, 1, 1, 1]
// CHECK:   %[[INIT:.+]] = linalg.generic {{.*}} ins(%[[BS]] : tensor<32xf32>) outs(%[[OS]] : tensor<1x7x7x32xf32>)
// CHECK:   %[[C:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} outs(%[[INIT]] : tensor<1x7x7x32xf32>)
// CHECK:   %[[SS:.+]] = tensor.extract_slice %[[SKIP]][0, 0, 0, %{{.+}}] [1, 7, 7, 32] [1, 1, 1, 1]
// CHECK:   %[[E:.+]] = linalg.generic {{.*}} ins(%[[SS]] : tensor<1x7x7x32xf32>) outs(%[[C]] : tensor<1x7x7x32xf32>)
// CHECK:   ^bb0(%[[IN:.+]]: f32, %[[OUT:.+]]: f32):
// CHECK:     %[[SUM:.+]] = arith.addf %[[OUT]], %[[IN]] : f32
// CHECK:     arith.maximumf %[[SUM]]
// CHECK:   scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[E]] into %[[O]][0, 0, 0, %{{.+}}] [1, 7, 7, 32] [1, 1, 1, 1]
// CHECK-NEXT: }
// CHECK: return %[[R]]#1
#bias = affine_map<(n, h, w, c) -> (c)>
#id = affine_map<(n, h, w, c) -> (n, h, w, c)>
func.func @fused_epilogue(%x: tensor<1x9x9x8xf32>, %w: tensor<3x3x8x64xf32>, %bias: tensor<64xf32>,
                          %skip: tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x7x7x64xf32>
  %init = linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : tensor<64xf32>) outs(%e : tensor<1x7x7x64xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  } -> tensor<1x7x7x64xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x9x9x8xf32>, tensor<3x3x8x64xf32>) outs(%init : tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32>
  %e2 = tensor.empty() : tensor<1x7x7x64xf32>
  %out = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%conv, %skip : tensor<1x7x7x64xf32>, tensor<1x7x7x64xf32>) outs(%e2 : tensor<1x7x7x64xf32>) {
  ^bb0(%c: f32, %s: f32, %o: f32):
    %sum = arith.addf %c, %s : f32
    %r = arith.maximumf %sum, %zero : f32
    linalg.yield %r : f32
  } -> tensor<1x7x7x64xf32>
  return %out : tensor<1x7x7x64xf32>
}

// -----

// A bias broadcast built in the grouped shape [n, h, w, 1, F] and collapsed
// is first rebuilt in the convolution's shape, then fused like any other.
// CHECK-LABEL: func @grouped_bias
// CHECK-NOT: tensor<1x7x7x1x64xf32>
// CHECK: scf.forall (%{{.+}}) in (2)
// CHECK:   linalg.generic {{.*}} ins(%{{.+}} : tensor<32xf32>) outs(%{{.+}} : tensor<1x7x7x32xf32>)
// CHECK:   linalg.conv_2d_nhwc_hwcf
#bias5 = affine_map<(n, h, w, g, c) -> (g, c)>
#id5 = affine_map<(n, h, w, g, c) -> (n, h, w, g, c)>
func.func @grouped_bias(%x: tensor<1x9x9x8xf32>, %w: tensor<3x3x8x64xf32>, %bias: tensor<64xf32>) -> tensor<1x7x7x64xf32> {
  %b2 = tensor.expand_shape %bias [[0, 1]] output_shape [1, 64] : tensor<64xf32> into tensor<1x64xf32>
  %e = tensor.empty() : tensor<1x7x7x1x64xf32>
  %init5 = linalg.generic {indexing_maps = [#bias5, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%b2 : tensor<1x64xf32>) outs(%e : tensor<1x7x7x1x64xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  } -> tensor<1x7x7x1x64xf32>
  %init = tensor.collapse_shape %init5 [[0], [1], [2], [3, 4]] : tensor<1x7x7x1x64xf32> into tensor<1x7x7x64xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x9x9x8xf32>, tensor<3x3x8x64xf32>) outs(%init : tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32>
  return %conv : tensor<1x7x7x64xf32>
}

// -----

// An input larger than a small filter: the forall runs over output rows
// outside the filter blocks, (n, oh, block), so each output row's input rows
// (3 rows at oh * 2 for a 3x3 window of stride 2) are read once for all
// blocks while the blocked filter stays in cache. The bias and the epilogue
// are fused per row and block as before.
// CHECK-LABEL: func @rows_outer
// CHECK-SAME: (%[[X:.+]]: tensor<2x19x19x8xf32>, %[[W:.+]]: tensor<3x3x8x64xf32>, %[[BIAS:.+]]: tensor<64xf32>)
// CHECK: %[[B:.+]] = linalg.transpose {{.*}} permutation = [3, 0, 1, 2, 4]
// CHECK: scf.forall (%[[N:.+]], %[[H:.+]], %[[I:.+]]) in (2, 9, 2) shared_outs(%{{.+}} = %{{.+}}, %[[O:.+]] = %{{.+}})
// CHECK:   %[[F:.+]] = tensor.extract_slice %[[B]][%[[I]], 0, 0, 0, 0] [1, 3, 3, 8, 32]
// CHECK:   %[[ROW:.+]] = arith.muli %[[H]], %c2
// CHECK:   %[[XS:.+]] = tensor.extract_slice %[[X]][%[[N]], %[[ROW]], 0, 0] [1, 3, 19, 8] [1, 1, 1, 1] : tensor<2x19x19x8xf32> to tensor<1x3x19x8xf32>
// CHECK:   %[[OS:.+]] = tensor.extract_slice %[[O]][%[[N]], %[[H]], 0, %{{.+}}] [1, 1, 9, 32] [1, 1, 1, 1]
// CHECK:   %[[INIT:.+]] = linalg.generic {{.*}} outs(%[[OS]] : tensor<1x1x9x32xf32>)
// CHECK:   %[[C:.+]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[XS]], %[[F]] : tensor<1x3x19x8xf32>, tensor<3x3x8x32xf32>) outs(%[[INIT]] : tensor<1x1x9x32xf32>)
// CHECK:   %[[E:.+]] = linalg.generic {{.*}} outs(%[[C]] : tensor<1x1x9x32xf32>)
// CHECK:     arith.maximumf
// CHECK:   scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %[[E]] into %[[O]][%[[N]], %[[H]], 0, %{{.+}}] [1, 1, 9, 32] [1, 1, 1, 1]
#bias_r = affine_map<(n, h, w, c) -> (c)>
#id_r = affine_map<(n, h, w, c) -> (n, h, w, c)>
func.func @rows_outer(%x: tensor<2x19x19x8xf32>, %w: tensor<3x3x8x64xf32>, %bias: tensor<64xf32>) -> tensor<2x9x9x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x9x9x64xf32>
  %init = linalg.generic {indexing_maps = [#bias_r, #id_r], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : tensor<64xf32>) outs(%e : tensor<2x9x9x64xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  } -> tensor<2x9x9x64xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
         ins(%x, %w : tensor<2x19x19x8xf32>, tensor<3x3x8x64xf32>) outs(%init : tensor<2x9x9x64xf32>) -> tensor<2x9x9x64xf32>
  %e2 = tensor.empty() : tensor<2x9x9x64xf32>
  %out = linalg.generic {indexing_maps = [#id_r, #id_r], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%conv : tensor<2x9x9x64xf32>) outs(%e2 : tensor<2x9x9x64xf32>) {
  ^bb0(%c: f32, %o: f32):
    %r = arith.maximumf %c, %zero : f32
    linalg.yield %r : f32
  } -> tensor<2x9x9x64xf32>
  return %out : tensor<2x9x9x64xf32>
}

// -----

// A filter over 1 MiB (512 x 1024 floats, 2 MiB) keeps the filter blocks
// outermost even though the input is larger: each block streams the input.
// CHECK-LABEL: func @large_filter_blocks_outer
// CHECK: scf.forall (%{{.+}}) in (32)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x32x32x512xf32>, tensor<1x1x512x32xf32>)
func.func @large_filter_blocks_outer(%x: tensor<1x32x32x512xf32>, %w: tensor<1x1x512x1024xf32>,
                                     %acc: tensor<1x32x32x1024xf32>) -> tensor<1x32x32x1024xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x32x32x512xf32>, tensor<1x1x512x1024xf32>) outs(%acc : tensor<1x32x32x1024xf32>) -> tensor<1x32x32x1024xf32>
  return %0 : tensor<1x32x32x1024xf32>
}

// -----

// A 1x1 filter of at most 256 KiB (64 x 128 floats, 32 KiB) loops over the
// output rows outside its blocks even though its input (4 x 4 x 64 floats)
// is smaller: the threads then split the rows, as in the layers around it.
// CHECK-LABEL: func @small_pointwise_rows_outer
// CHECK: scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (1, 4, 4)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x1x4x64xf32>, tensor<1x1x64x32xf32>) outs(%{{.+}} : tensor<1x1x4x32xf32>)
func.func @small_pointwise_rows_outer(%x: tensor<1x4x4x64xf32>, %w: tensor<1x1x64x128xf32>,
                                      %acc: tensor<1x4x4x128xf32>) -> tensor<1x4x4x128xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x4x4x64xf32>, tensor<1x1x64x128xf32>) outs(%acc : tensor<1x4x4x128xf32>) -> tensor<1x4x4x128xf32>
  return %0 : tensor<1x4x4x128xf32>
}

// -----

// The same with a 3x3 filter (3 x 3 x 16 x 128 floats, larger than the
// 6 x 6 x 16 input): its blocks stay outermost.
// CHECK-LABEL: func @small_filter_blocks_outer
// CHECK: scf.forall (%{{.+}}) in (4)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x6x6x16xf32>, tensor<3x3x16x32xf32>) outs(%{{.+}} : tensor<1x4x4x32xf32>)
func.func @small_filter_blocks_outer(%x: tensor<1x6x6x16xf32>, %w: tensor<3x3x16x128xf32>,
                                     %acc: tensor<1x4x4x128xf32>) -> tensor<1x4x4x128xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x6x6x16xf32>, tensor<3x3x16x128xf32>) outs(%acc : tensor<1x4x4x128xf32>) -> tensor<1x4x4x128xf32>
  return %0 : tensor<1x4x4x128xf32>
}

// -----

// A 1x1 filter over 256 KiB (512 x 256 floats, 512 KiB) and larger than
// its 7 x 7 x 512 input keeps its blocks (four of 64: 7-pixel tiles)
// outermost.
// CHECK-LABEL: func @pointwise_blocks_outer
// CHECK: scf.forall (%{{.+}}) in (4)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x7x7x512xf32>, tensor<1x1x512x64xf32>) outs(%{{.+}} : tensor<1x7x7x64xf32>)
func.func @pointwise_blocks_outer(%x: tensor<1x7x7x512xf32>, %w: tensor<1x1x512x256xf32>,
                                  %acc: tensor<1x7x7x256xf32>) -> tensor<1x7x7x256xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x7x7x512xf32>, tensor<1x1x512x256xf32>) outs(%acc : tensor<1x7x7x256xf32>) -> tensor<1x7x7x256xf32>
  return %0 : tensor<1x7x7x256xf32>
}

// -----

// Blocks alone as the parallel loop, an odd few of them: 160 filters (five
// blocks of 32) take ten of 16, and 960 filters (15 wide blocks of 64, for
// 7-pixel tiles) take 30 of 32, so that two threads split them evenly. A
// convolution that loops over rows outside its blocks (a 60 KiB filter)
// keeps five blocks of 32, and one whose input pixels alias (1024 channels,
// 4 KiB apart) its five wide blocks of 64 (320 filters).
// CHECK-LABEL: func @odd_blocks
// CHECK: linalg.transpose ins(%{{.+}} : tensor<1x1x960x10x16xf32>) outs(%{{.+}} : tensor<10x1x1x960x16xf32>)
// CHECK: scf.forall (%{{.+}}) in (10)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} outs(%{{.+}} : tensor<1x7x7x16xf32>)
// CHECK: linalg.transpose ins(%{{.+}} : tensor<1x1x160x30x32xf32>) outs(%{{.+}} : tensor<30x1x1x160x32xf32>)
// CHECK: scf.forall (%{{.+}}) in (30)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} outs(%{{.+}} : tensor<1x7x7x32xf32>)
// CHECK: linalg.transpose ins(%{{.+}} : tensor<1x1x96x5x32xf32>) outs(%{{.+}} : tensor<5x1x1x96x32xf32>)
// CHECK: scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (1, 14, 5)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} outs(%{{.+}} : tensor<1x1x14x32xf32>)
// CHECK: linalg.transpose ins(%{{.+}} : tensor<1x1x1024x5x64xf32>) outs(%{{.+}} : tensor<5x1x1x1024x64xf32>)
// CHECK: scf.forall (%{{.+}}) in (5)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} outs(%{{.+}} : tensor<1x7x7x64xf32>)
func.func @odd_blocks(%x: tensor<1x7x7x960xf32>, %w: tensor<1x1x960x160xf32>, %acc: tensor<1x7x7x160xf32>,
                      %y: tensor<1x7x7x160xf32>, %v: tensor<1x1x160x960xf32>, %accv: tensor<1x7x7x960xf32>,
                      %z: tensor<1x14x14x96xf32>, %u: tensor<1x1x96x160xf32>, %accu: tensor<1x14x14x160xf32>,
                      %a: tensor<1x7x7x1024xf32>, %t: tensor<1x1x1024x320xf32>, %acct: tensor<1x7x7x320xf32>)
    -> (tensor<1x7x7x160xf32>, tensor<1x7x7x960xf32>, tensor<1x14x14x160xf32>, tensor<1x7x7x320xf32>) {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x7x7x960xf32>, tensor<1x1x960x160xf32>) outs(%acc : tensor<1x7x7x160xf32>) -> tensor<1x7x7x160xf32>
  %1 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%y, %v : tensor<1x7x7x160xf32>, tensor<1x1x160x960xf32>) outs(%accv : tensor<1x7x7x960xf32>) -> tensor<1x7x7x960xf32>
  %2 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%z, %u : tensor<1x14x14x96xf32>, tensor<1x1x96x160xf32>) outs(%accu : tensor<1x14x14x160xf32>) -> tensor<1x14x14x160xf32>
  %3 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%a, %t : tensor<1x7x7x1024xf32>, tensor<1x1x1024x320xf32>) outs(%acct : tensor<1x7x7x320xf32>) -> tensor<1x7x7x320xf32>
  return %0, %1, %2, %3 : tensor<1x7x7x160xf32>, tensor<1x7x7x960xf32>, tensor<1x14x14x160xf32>, tensor<1x7x7x320xf32>
}

// -----

// A single block (32 filters) is not blocked, but its grouped bias is still
// rebuilt in the convolution's shape, so that cnn-cpu-tile-and-vectorize can
// fuse it into the register tiles.
// CHECK-LABEL: func @grouped_bias_one_block
// CHECK-NOT: tensor.collapse_shape {{.*}} tensor<1x7x7x1x32xf32>
// CHECK-NOT: scf.forall
// CHECK: %[[INIT:.+]] = linalg.generic {{.*}} ins(%{{.+}} : tensor<32xf32>) outs(%{{.+}} : tensor<1x7x7x32xf32>)
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} outs(%[[INIT]] : tensor<1x7x7x32xf32>)
#bias5b = affine_map<(n, h, w, g, c) -> (g, c)>
#id5b = affine_map<(n, h, w, g, c) -> (n, h, w, g, c)>
func.func @grouped_bias_one_block(%x: tensor<1x9x9x8xf32>, %w: tensor<3x3x8x32xf32>, %bias: tensor<32xf32>) -> tensor<1x7x7x32xf32> {
  %b2 = tensor.expand_shape %bias [[0, 1]] output_shape [1, 32] : tensor<32xf32> into tensor<1x32xf32>
  %e = tensor.empty() : tensor<1x7x7x1x32xf32>
  %init5 = linalg.generic {indexing_maps = [#bias5b, #id5b], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%b2 : tensor<1x32xf32>) outs(%e : tensor<1x7x7x1x32xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  } -> tensor<1x7x7x1x32xf32>
  %init = tensor.collapse_shape %init5 [[0], [1], [2], [3, 4]] : tensor<1x7x7x1x32xf32> into tensor<1x7x7x32xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x9x9x8xf32>, tensor<3x3x8x32xf32>) outs(%init : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
  return %conv : tensor<1x7x7x32xf32>
}

// -----

// A depthwise convolution's filter is not blocked, but its grouped bias is
// rebuilt in the convolution's shape as well.
// CHECK-LABEL: func @grouped_bias_depthwise
// CHECK-NOT: tensor.collapse_shape {{.*}} tensor<1x7x7x1x32xf32>
// CHECK-NOT: scf.forall
// CHECK: %[[INIT:.+]] = linalg.generic {{.*}} ins(%{{.+}} : tensor<32xf32>) outs(%{{.+}} : tensor<1x7x7x32xf32>)
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc {{.*}} outs(%[[INIT]] : tensor<1x7x7x32xf32>)
#bias5d = affine_map<(n, h, w, g, c) -> (g, c)>
#id5d = affine_map<(n, h, w, g, c) -> (n, h, w, g, c)>
func.func @grouped_bias_depthwise(%x: tensor<1x9x9x32xf32>, %w: tensor<3x3x32xf32>, %bias: tensor<32xf32>) -> tensor<1x7x7x32xf32> {
  %b2 = tensor.expand_shape %bias [[0, 1]] output_shape [1, 32] : tensor<32xf32> into tensor<1x32xf32>
  %e = tensor.empty() : tensor<1x7x7x1x32xf32>
  %init5 = linalg.generic {indexing_maps = [#bias5d, #id5d], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%b2 : tensor<1x32xf32>) outs(%e : tensor<1x7x7x1x32xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  } -> tensor<1x7x7x1x32xf32>
  %init = tensor.collapse_shape %init5 [[0], [1], [2], [3, 4]] : tensor<1x7x7x1x32xf32> into tensor<1x7x7x32xf32>
  %conv = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x9x9x32xf32>, tensor<3x3x32xf32>) outs(%init : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
  return %conv : tensor<1x7x7x32xf32>
}

// -----

// 1024 input channels: consecutive pixels are 4 KiB apart, so all of a
// register tile's pixels fall into one L1 set. Blocks of 64 filters (four
// vectors) let the tiles take 7 pixels instead of 14. An output width of 8
// (no multiple of 7) and a 3x3 filter whose 64-filter block exceeds 512 KiB
// keep blocks of 32.
// CHECK-LABEL: func @wide_blocks
// CHECK: linalg.transpose ins(%{{.+}} : tensor<1x1x1024x4x64xf32>) outs(%{{.+}} : tensor<4x1x1x1024x64xf32>)
// CHECK: scf.forall (%{{.+}}) in (4)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x7x7x1024xf32>, tensor<1x1x1024x64xf32>) outs(%{{.+}} : tensor<1x7x7x64xf32>)
// CHECK: linalg.transpose ins(%{{.+}} : tensor<1x1x1024x8x32xf32>)
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} outs(%{{.+}} : tensor<1x8x8x32xf32>)
// CHECK: linalg.transpose ins(%{{.+}} : tensor<3x3x512x8x32xf32>)
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} strides = dense<2> {{.*}} outs(%{{.+}} : tensor<1x7x7x32xf32>)
func.func @wide_blocks(%x: tensor<1x7x7x1024xf32>, %w: tensor<1x1x1024x256xf32>, %acc: tensor<1x7x7x256xf32>,
                       %x8: tensor<1x8x8x1024xf32>, %acc8: tensor<1x8x8x256xf32>,
                       %x3: tensor<1x15x15x512xf32>, %w3: tensor<3x3x512x256xf32>)
    -> (tensor<1x7x7x256xf32>, tensor<1x8x8x256xf32>, tensor<1x7x7x256xf32>) {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x7x7x1024xf32>, tensor<1x1x1024x256xf32>) outs(%acc : tensor<1x7x7x256xf32>) -> tensor<1x7x7x256xf32>
  %1 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x8, %w : tensor<1x8x8x1024xf32>, tensor<1x1x1024x256xf32>) outs(%acc8 : tensor<1x8x8x256xf32>) -> tensor<1x8x8x256xf32>
  %2 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
         ins(%x3, %w3 : tensor<1x15x15x512xf32>, tensor<3x3x512x256xf32>) outs(%acc : tensor<1x7x7x256xf32>) -> tensor<1x7x7x256xf32>
  return %0, %1, %2 : tensor<1x7x7x256xf32>, tensor<1x8x8x256xf32>, tensor<1x7x7x256xf32>
}

// -----

// A 1x1 convolution takes blocks of 64 filters for its 7-pixel tiles even
// where its pixels do not alias (256 input channels, 1 KiB apart; its
// filter, 256 KiB, loops over rows outside the blocks); a 3x3 one whose
// pixels do not alias keeps blocks of 32 for tiles of 14 pixels.
// CHECK-LABEL: func @wide_blocks_pointwise
// CHECK: linalg.transpose ins(%{{.+}} : tensor<1x1x256x4x64xf32>) outs(%{{.+}} : tensor<4x1x1x256x64xf32>)
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} outs(%{{.+}} : tensor<1x1x14x64xf32>)
// CHECK: linalg.transpose ins(%{{.+}} : tensor<3x3x256x8x32xf32>)
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} outs(%{{.+}} : tensor<1x14x14x32xf32>)
func.func @wide_blocks_pointwise(%x: tensor<1x14x14x256xf32>, %w: tensor<1x1x256x256xf32>,
                                 %x3: tensor<1x16x16x256xf32>, %w3: tensor<3x3x256x256xf32>,
                                 %acc: tensor<1x14x14x256xf32>)
    -> (tensor<1x14x14x256xf32>, tensor<1x14x14x256xf32>) {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x14x14x256xf32>, tensor<1x1x256x256xf32>) outs(%acc : tensor<1x14x14x256xf32>) -> tensor<1x14x14x256xf32>
  %1 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x3, %w3 : tensor<1x16x16x256xf32>, tensor<3x3x256x256xf32>) outs(%acc : tensor<1x14x14x256xf32>) -> tensor<1x14x14x256xf32>
  return %0, %1 : tensor<1x14x14x256xf32>, tensor<1x14x14x256xf32>
}

// -----
// 120 filters: more than a vector (16), not whole vectors but within an
// eighth of them. The filter and the bias get zero filters up to 128 (four
// blocks of 32), the bias broadcast is rebuilt in the padded shape (and
// fused per block), and the 120 channels are sliced off the result.
// CHECK-LABEL: func @pad_filters
// CHECK-SAME: (%[[X:.+]]: tensor<1x5x5x8xf32>, %[[W:.+]]: tensor<1x1x8x120xf32>, %[[BIAS:.+]]: tensor<120xf32>)
// CHECK-NOT: tensor<1x5x5x120xf32>) {
// CHECK: %[[PB:.+]] = tensor.pad %[[BIAS]] low[0] high[8]
// CHECK: %[[PW:.+]] = tensor.pad %[[W]] low[0, 0, 0, 0] high[0, 0, 0, 8]
// CHECK: tensor.expand_shape %[[PW]] {{.*}} into tensor<1x1x8x4x32xf32>
// CHECK: %[[R:.+]] = scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (1, 5, 4)
// CHECK:   %[[PBS:.+]] = tensor.extract_slice %[[PB]][%{{.+}}] [32] [1] : tensor<128xf32> to tensor<32xf32>
// CHECK:   %[[INIT:.+]] = linalg.generic {{.*}} ins(%[[PBS]] : tensor<32xf32>) outs(%{{.+}} : tensor<1x1x5x32xf32>)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x1x5x8xf32>, tensor<1x1x8x32xf32>) outs(%[[INIT]] : tensor<1x1x5x32xf32>)
// CHECK: %[[S:.+]] = tensor.extract_slice %[[R]][0, 0, 0, 0] [1, 5, 5, 120] [1, 1, 1, 1] : tensor<1x5x5x128xf32> to tensor<1x5x5x120xf32>
// CHECK: return %[[S]]
#bias_p = affine_map<(n, h, w, c) -> (c)>
#id_p = affine_map<(n, h, w, c) -> (n, h, w, c)>
func.func @pad_filters(%x: tensor<1x5x5x8xf32>, %w: tensor<1x1x8x120xf32>, %bias: tensor<120xf32>) -> tensor<1x5x5x120xf32> {
  %e = tensor.empty() : tensor<1x5x5x120xf32>
  %init = linalg.generic {indexing_maps = [#bias_p, #id_p], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : tensor<120xf32>) outs(%e : tensor<1x5x5x120xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  } -> tensor<1x5x5x120xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x5x5x8xf32>, tensor<1x1x8x120xf32>) outs(%init : tensor<1x5x5x120xf32>) -> tensor<1x5x5x120xf32>
  return %conv : tensor<1x5x5x120xf32>
}

// -----

// A zero fill as the initial value is rebuilt in the padded shape; an
// initial value that is neither a fill nor a bias broadcast (an argument
// here) is padded. 40 filters (8 of 48 would be zero) are not padded: they
// take five blocks of half a vector.
// CHECK-LABEL: func @pad_filters_init
// CHECK-SAME: %[[ACC:[a-z0-9]+]]: tensor<1x5x5x120xf32>
// CHECK-NOT: linalg.fill {{.*}} tensor<1x5x5x120xf32>
// CHECK: tensor.pad %{{.+}} low[0, 0, 0, 0] high[0, 0, 0, 8]
// CHECK: %[[R:.+]] = scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (1, 5, 4)
// CHECK:   %[[F:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<1x1x5x32xf32>)
// CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} outs(%[[F]] : tensor<1x1x5x32xf32>)
// CHECK: tensor.extract_slice %[[R]][0, 0, 0, 0] [1, 5, 5, 120] [1, 1, 1, 1]
// CHECK: %[[PACC:.+]] = tensor.pad %[[ACC]] low[0, 0, 0, 0] high[0, 0, 0, 8]
// CHECK: tensor.pad %{{.+}} low[0, 0, 0, 0] high[0, 0, 0, 8]
// CHECK: scf.forall (%{{.+}}, %{{.+}}, %{{.+}}) in (1, 5, 4) shared_outs(%{{.+}} = %[[PACC]])
// CHECK: tensor.extract_slice %{{.+}}[0, 0, 0, 0] [1, 5, 5, 120] [1, 1, 1, 1]
// CHECK-NOT: tensor.pad
// CHECK: linalg.transpose ins(%{{.+}} : tensor<1x1x8x5x8xf32>)
func.func @pad_filters_init(%x: tensor<1x5x5x8xf32>, %w: tensor<1x1x8x120xf32>, %acc: tensor<1x5x5x120xf32>,
                            %w40: tensor<1x1x8x40xf32>)
    -> (tensor<1x5x5x120xf32>, tensor<1x5x5x120xf32>, tensor<1x5x5x40xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5x5x120xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5x5x120xf32>) -> tensor<1x5x5x120xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x5x5x8xf32>, tensor<1x1x8x120xf32>) outs(%init : tensor<1x5x5x120xf32>) -> tensor<1x5x5x120xf32>
  %conv2 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w : tensor<1x5x5x8xf32>, tensor<1x1x8x120xf32>) outs(%acc : tensor<1x5x5x120xf32>) -> tensor<1x5x5x120xf32>
  %e40 = tensor.empty() : tensor<1x5x5x40xf32>
  %init40 = linalg.fill ins(%zero : f32) outs(%e40 : tensor<1x5x5x40xf32>) -> tensor<1x5x5x40xf32>
  %conv40 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
         ins(%x, %w40 : tensor<1x5x5x8xf32>, tensor<1x1x8x40xf32>) outs(%init40 : tensor<1x5x5x40xf32>) -> tensor<1x5x5x40xf32>
  return %conv, %conv2, %conv40 : tensor<1x5x5x120xf32>, tensor<1x5x5x120xf32>, tensor<1x5x5x40xf32>
}

// -----

// Two convolutions of one shape whose zero fill CSE shared (training's have
// no bias): each takes its own fill into its blocks, instead of both
// reading and copying one filled buffer.
// CHECK-LABEL: func.func @shared_zero
// CHECK: scf.forall (%{{.+}}) in (2) shared_outs(%{{.+}} = %[[E1:.+]]) ->
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<1x8x8x32xf32>)
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK: scf.forall (%{{.+}}) in (2) shared_outs(%{{.+}} = %[[E2:.+]]) ->
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<1x8x8x32xf32>)
// CHECK: linalg.conv_2d_nhwc_hwcf
func.func @shared_zero(%x: tensor<1x10x10x64xf32>, %w1: tensor<3x3x64x64xf32>, %w2: tensor<3x3x64x64xf32>) -> (tensor<1x8x8x64xf32>, tensor<1x8x8x64xf32>) {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x8x64xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %a = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w1 : tensor<1x10x10x64xf32>, tensor<3x3x64x64xf32>) outs(%f : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  %b = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w2 : tensor<1x10x10x64xf32>, tensor<3x3x64x64xf32>) outs(%f : tensor<1x8x8x64xf32>) -> tensor<1x8x8x64xf32>
  return %a, %b : tensor<1x8x8x64xf32>, tensor<1x8x8x64xf32>
}

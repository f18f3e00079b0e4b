//===- Passes.td - cnn codegen passes (linalg and below) ---*- tablegen -*-===//

#ifndef CNN_CODEGEN_PASSES_TD
#define CNN_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def PropagateTransposesPass
    : Pass<"cnn-propagate-transposes", "::mlir::func::FuncOp"> {
  let summary = "Move layout transposes through elementwise linalg ops and "
                "cancel them";
  let description = [{
    The cnn-to-linalg lowering computes convolutions and pooling in NHWC
    between a transpose of the input to NHWC and one of the result back to
    NCHW. This pass removes the transposes between such layers:

    * a `linalg.transpose` feeding a `linalg.generic` is folded into the
      generic's indexing map for that operand;
    * a `linalg.transpose` to NHWC (`permutation = [0, 2, 3, 1]`) of the
      result of a parallel `linalg.generic` becomes that generic computing
      its result in NHWC directly (other users of the old result read it
      through the inverse transpose, which folds into them in turn);
    * a transpose to NHWC of a concatenation (insert_slices into an empty
      tensor) becomes the concatenation, in NHWC, of the transposed parts;
    * a transpose to NHWC of a constant `tensor.pad` (an explicit padding
      layer) becomes the pad, its amounts permuted, of the transposed
      source;
    * transposes of transposes compose, and identity transposes vanish.

    Then a function result computed by a parallel generic that gathers its
    NHWC operands into NCHW (an activation after the model's last
    convolution) is computed in NHWC and transposed to NCHW once: the
    generic reads its input in order, and can become the convolution's
    epilogue. Only the returned generic: in a chain of activations the
    first one still gathers.

    The result: chains of convolutions, pools and elementwise layers run in
    NHWC, with layout changes left only where the model needs NCHW (its
    inputs and outputs, flatten).

    ```mlir
    %t = linalg.transpose ins(%conv : tensor<1x8x8x16xf32>)
           outs(%e0 : tensor<1x16x8x8xf32>) permutation = [0, 3, 1, 2]
    %r = linalg.generic {indexing_maps = [#id, #id], ...}
           ins(%t : tensor<1x16x8x8xf32>) outs(%e1 : tensor<1x16x8x8xf32>)
    %u = linalg.transpose ins(%r : tensor<1x16x8x8xf32>)
           outs(%e2 : tensor<1x8x8x16xf32>) permutation = [0, 2, 3, 1]
    ```
    becomes one generic from `%conv` to `tensor<1x8x8x16xf32>`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def FuseElementwisePass
    : Pass<"cnn-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Fuse elementwise linalg chains; reshapes fold into "
                "elementwise ops only";
  let description = [{
    Upstream's `linalg-fuse-elementwise-ops` (elementwise producer-consumer
    fusion, reshape propagation by expansion, constant folding of linalg
    ops), except that a `tensor.collapse_shape` or `tensor.expand_shape`
    folds only into an all-parallel linalg op, and a producer never fuses
    into a consumer whose indexing map for it is not a permutation (a
    broadcast would recompute it per broadcast element). Folded into a
    contraction, the flatten before a dense layer would turn its
    `linalg.matmul` into a generic with three reduction dimensions, which
    `cnn-block-weights` and `cnn-cpu-tile-and-vectorize` leave as scalar
    loops; fused into the broadcast of a bias over a convolution's output,
    a folded batch norm's per-channel arithmetic (a sqrt and a div) would
    run once per output element instead of once per channel at load time.

    ```mlir
    %f = tensor.collapse_shape %x [[0], [1, 2, 3]]
           : tensor<1x512x7x7xf32> into tensor<1x25088xf32>
    %y = linalg.matmul ins(%f, %w : tensor<1x25088xf32>,
           tensor<25088x4096xf32>) outs(%b : tensor<1x4096xf32>)
    %r = linalg.generic {... relu ...} ins(%y) ...
    ```
    keeps the collapse and the matmul; elementwise chains around them fuse
    as upstream does.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ForwardTileWritesPass
    : Pass<"cnn-forward-tile-writes", "::mlir::func::FuncOp"> {
  let summary = "Keep a register tile's values in registers between the "
                "steps of its fusion group";
  let description = [{
    A register tile's fusion group writes its initial value (a bias) into
    the tile, reads it back as the accumulators, writes the sums, and reads
    them back for the epilogue, each time in a shape that differs only in
    leading unit dimensions. This pass casts those dimensions away
    (`vector::populateCastAwayVectorLeadingOneDimPatterns`), so that each
    read has the type of the write before it and `vector.transfer_read`'s
    folder forwards the written vector. The writes then have no reader
    left and go, and with them the stores of the initial value and of the
    sums: the tile's memory is written once, by the epilogue. On
    MobileNet-v2 that halves the stores of a depthwise layer's tile, whose
    first stores to each output line miss the cache.

    ```mlir
    %t = vector.transfer_write %bias, %tile[%c0, %c0, %c0, %c0]
        : vector<1x1x8x32xf32>, tensor<1x1x8x32xf32>
    %acc = vector.transfer_read %t[%c0, %c0, %c0, %c0], %pad
        : tensor<1x1x8x32xf32>, vector<1x8x32xf32>
    ```
    becomes
    ```mlir
    %b = vector.extract %bias[0, 0] : vector<8x32xf32> from vector<1x1x8x32xf32>
    %acc = vector.broadcast %b : vector<8x32xf32> to vector<1x8x32xf32>
    ```
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect"];
}

def DecomposePadsPass
    : Pass<"cnn-decompose-pads", "::mlir::func::FuncOp"> {
  let summary = "Rewrite tensor.pad as border fills and an insert_slice";
  let description = [{
    A static `tensor.pad` with a constant padding value becomes fills of
    its border slabs (for each padded dimension, the slabs before and after
    the interior, limited to the interior in the dimensions already
    handled, so each padding element is written once) and a
    `tensor.insert_slice` of the source into the interior. Bufferized as it
    is, a pad allocates, fills the whole buffer and then copies its source
    into the interior, on one thread; after this rewrite
    `eliminate-empty-tensors` lets the op that produces the source compute
    into the interior directly: no copy is left, and only the border is
    filled. The source may have other uses (a residual block's input,
    padded for its first convolution and added to its output; an Inception
    block's output, padded for a pool and read by the next block's
    convolutions): computed into the interior, it is a view of the padded
    buffer, which they read in place. A source that is returned, or a
    function argument, keeps its pad: it would become a view of the padded
    buffer. So does one with other uses whose border is not zero (a max
    pool's -inf): only zero fills become memsets, and the scalar loops of
    the others, unrolled by LLVM, doubled GoogLeNet's compile time.

    The border is filled before the first op that computes the source,
    and a source that is a concatenation (insert_slices into an empty
    tensor) is built in the padded buffer's interior: otherwise
    `eliminate-empty-tensors`, which places each part of the concatenation
    where the padded buffer already exists, put the first part into the
    concatenation's own buffer, and it was copied.

    An NHWC activation of two rows or more padded alike left and right (a
    3x3 convolution's input) that only the pad reads gets its columns filled
    after the interior, in an `scf.forall`
    over (sample, interior row, side) that the thread pool splits as it
    splits the layers' loops over rows: each thread fills the padding
    pixels of the rows it computes and then reads, where the calling thread
    used to fill every row's, whose lines the other thread's layers then
    took back from its cache (about 4 ns a line here). MobileNet-v2 at
    batch 1 on two threads ran 0.987-0.996 of its time (paired), one
    thread, ResNet-50, GoogLeNet and Inception-v3 unchanged.

    ```mlir
    %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] { tensor.yield %zero }
           : tensor<1x8x8x16xf32> to tensor<1x10x10x16xf32>
    ```
    becomes
    ```mlir
    %e = tensor.empty() : tensor<1x10x10x16xf32>
    %t = linalg.fill ins(%zero : f32) outs(%e0 : tensor<1x1x10x16xf32>)
    %0 = tensor.insert_slice %t into %e[0, 0, 0, 0] [1, 1, 10, 16] [1, 1, 1, 1]
    ... the bottom row ...
    %2 = tensor.insert_slice %x into %1[0, 1, 1, 0] [1, 8, 8, 16] [1, 1, 1, 1]
    %p = scf.forall (%n, %r, %s) in (1, 8, 2) shared_outs(%o = %2) {
      // zero the pixel (%r + 1, 9 * %s) of sample %n
    }
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def TileAndVectorizePass
    : Pass<"cnn-cpu-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile linalg ops into register blocks and vectorize them";
  let description = [{
    On linalg ops with tensor semantics and static shapes, tiles each
    compute op so that one tile is a register block and vectorizes the tile:

    * `linalg.conv_2d_nhwc_hwcf` with tiles [1, 1, tw, tf, 1, 1, 1] over
      (n, oh, ow, f, kh, kw, c): one output row segment of tw pixels by tf
      filters, accumulated over one input channel and one window position
      per step. The 2-D tile is decomposed into a 1-D convolution and
      vectorized into outer products (FMAs). A convolution of a vector and
      a half of filters (24 with 16-float vectors) takes tf = one vector,
      and its loop over the filters is peeled into the whole vectors and
      a last tile of half a vector, each with static shapes;
    * `linalg.depthwise_conv_2d_nhwc_hwc` the same way with
      [1, 1, tw, tc, 1, 1] (channels in the vector lanes), and the NHWC
      max/sum pools;
    * `linalg.matmul` with [tm, tn, 1];
    * parallel `linalg.generic`s with one vector along the innermost
      dimension; those that read an operand at a fixed index (Winograd's
      filter transform, at load time) with threads over all but the
      innermost dimension and no vector tile, so that LLVM optimizes their
      outlined loop bodies as it does a layer's.
    * a `linalg.transpose` between NCHW and NHWC (an input's or an
      output's at the model's boundary, or an activation's before a
      flatten): threads over rows, tiles of up to a vector of the input's
      innermost dimension by up to a vector of the output's (an RGB image:
      16 pixels by its 3 channels; 48 channels at a width of 32: 16
      channels by 16 pixels). Other transposes (filters, at load time)
      stay as they are.
    * reduction `linalg.generic`s whose operands all have the same parallel
      dimension innermost (a global pool's sum over NHWC, with the epilogue
      of the layer before fused in): threads over the parallel dimensions,
      one vector of the innermost, one step per reduction iteration with
      the vector accumulator in registers.

    tf, tc and tn are two vectors (2 x `vector-width` floats) where that
    divides the size, tw and tm fill the remaining accumulator registers
    (28 vectors for a `conv_2d_nhwc_hwcf` with 16-float vectors, whose
    pixels are broadcast from memory into the FMAs; 16 for the other ops
    and with 8-float vectors); all tile sizes divide the static sizes so no
    tile needs a mask. A convolution or pool whose output width has no
    divisor near a tile's pixels (17, 35, 147) is first split along the
    width into two parts whose tiles are as wide as the fewest tiles that
    cover a row allow, one pixel apart (17 columns: tiles of 9 and 8 with
    14-pixel tiles); a bias broadcast that initializes it is split with it,
    so that each part fuses its own slice, and a fill is replaced by a fill
    of each part, the parts joined in an empty tensor. A pool is tiled as
    a fusion group like a convolution (below): its fill (-inf or 0) goes
    into its tiles, ahead of the window loops, so each tile starts from the
    constant in registers, and an elementwise op that finishes it (an
    average's division) updates its result in place, tile by tile.
    A convolution in a four-vector filter block of
    `cnn-block-weights` (a 1x1 convolution, or input pixels a multiple of
    4 KiB apart, which all map to one set of the L1) takes tiles of 7
    pixels x 4 vectors instead of 14 x 2: 14 pixels in one 8-way set evict
    each other between input channels, and 1x1 layers ran 0.4-3% faster
    with them. Run `loop-invariant-subset-hoisting` afterwards to keep the
    accumulators in registers across the reduction loops.

    A convolution inside a filter block's `scf.forall` whose one-row tile
    would fill at most half the accumulators (a 7-pixel-wide output: 7 x 2
    vectors) takes two output rows per tile, one 1-D convolution per row,
    unrolled, both reading the same filter vectors; an odd number of rows is
    first split into the last row and the rest. Not where the input pixels
    lie a multiple of 4 KiB apart: two rows' 14 pixels would share one L1
    set. Run `fold-tensor-subset-ops`
    after `loop-invariant-subset-hoisting` so that both rows' accumulators
    are transfers of the tile itself, which bufferize in place.

    A convolution's tile is computed whole, as a fusion group: the tiling
    starts from its elementwise epilogue (the sole user of its result, with
    identity maps: activation, residual add), which is rewritten to update
    the result in place, and fuses the convolution and its initial value
    (a fill or bias broadcast) into each tile. So a tile is initialized,
    summed over all its input channels and window, and finished while it is
    in L1, and the output is written in one pass. A convolution inside a
    filter block's `scf.forall` (`cnn-block-weights`) is tiled within it;
    other convolutions first get threads over output rows.

    ```mlir
    %r = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x10x10x8xf32>,
           tensor<3x3x8x32xf32>) outs(%acc : tensor<1x8x8x32xf32>)
    ```
    becomes loops over ow, f, kh, kw and c around
    `vector.contract` ops on `vector<1x8x32xf32>` accumulators (the 8
    output columns make one tile; 56 columns would make four of 14).
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes of one vector register (16: AVX-512, 8: AVX2)">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def LowerVectorsPass : Pass<"cnn-cpu-lower-vectors", "::mlir::func::FuncOp"> {
  let summary = "Lower vector contractions and transfers for the CPU";
  let description = [{
    After bufferization, turns the vector ops cnn-cpu-tile-and-vectorize
    produced into what LLVM maps onto FMA instructions and plain loads and
    stores: `vector.contract` becomes outer products and then `vector.fma`,
    leading unit dimensions are dropped, and `vector.transfer_read/write`
    become 1-D `vector.load`/`vector.store` (fully unrolled).

    ```mlir
    %c = vector.contract {...} %a, %b, %acc
           : vector<1x8x1xf32>, vector<1x1x32xf32> into vector<1x8x32xf32>
    ```
    becomes eight `vector.fma` ops on `vector<32xf32>`.

    A read that transposes (a tile of an image's NCHW -> NHWC transpose,
    `(d0, d1, d2, d3) -> (d3, d1)` into `vector<16x3xf32>`) becomes a read
    in memory order, `vector<3x16xf32>`: one load of 16 pixels per channel,
    and a `vector.shuffle` into pixel order. A tile of an output's NHWC
    -> NCHW transpose, 16 channels by 16 pixels, likewise becomes 16 loads
    of a pixel's channels, shuffled into 16 stores of a channel's pixels.
    A transfer whose rows are narrower than 128 bits (3 floats) and lie
    contiguous in memory is flattened to one 1-D transfer: the transposed
    tile is stored as one `vector<48xf32>`.

    The maximum of two vectors neither of which is a constant (a max
    pool's window) becomes a compare and select, and a second compare that
    puts back a NaN of either operand:
    ```mlir
    %m = arith.maximumf %a, %b : vector<16xf32>
    ```
    becomes
    ```mlir
    %gt = arith.cmpf ogt, %a, %b : vector<16xf32>
    %max = arith.select %gt, %a, %b : vector<16xi1>, vector<16xf32>
    %uno = arith.cmpf uno, %a, %b : vector<16xf32>
    %nan = arith.addf %a, %b : vector<16xf32>
    %m = arith.select %uno, %nan, %max : vector<16xi1>, vector<16xf32>
    ```
    three instructions on x86 (`vmaxps`, `vcmpunordps`, a masked `vaddps`)
    where LLVM expands `arith.maximumf` into six, two of them to order +0
    above -0; only the sign of a zero maximum may differ. A maximum with a
    constant (ReLU's 0) stays: LLVM makes it one `vmaxps`.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def PrefetchWeightsPass
    : Pass<"cnn-prefetch-weights", "::mlir::func::FuncOp"> {
  let summary = "Prefetch the next filter block of a parallel loop into L2";
  let description = [{
    cnn-block-weights makes a convolution's or matmul's weight one contiguous
    block per output-channel tile, `[F/tf, kh, kw, C, tf]`, and the op a
    parallel loop over the blocks. Each block's register tiles read it
    several times (once per output-row tile), from L2, except the first
    time: at batch 1 a model's weights are not in the caches, and that first
    pass waits on memory (ResNet-50's last stage reads 60 MB of weights for
    49 output pixels).

    After bufferization, this pass finds the filter vectors (vector loads
    whose every user is a `vector.fma`) inside a `scf.forall` from 0 with
    step 1 whose induction variables are the first indices of the load, in
    order, over all of the memref's leading dimensions (a filter block, or
    a Winograd position's filter block), from a memref the loop does not
    write. Beside each it puts a `memref.prefetch` (into L2: `prefetcht1`
    on x86) of each cache line of the same vector in the next iteration's
    block (the iterations linearized in row-major order; the last one
    prefetches its own). The runtime gives each thread a contiguous range of
    iterations, so the next block is usually the same thread's.

    Only blocks of at most 1 MiB are prefetched. Where each loaded value
    feeds at most `max-reuse` multiply-adds (its FMAs times the trip counts
    of the loops around it that it does not depend on: the passes over the
    block), the prefetches sit beside the loads on every pass, spread over
    the passes: on pass p of P, where the load reads row q of the block's R
    rows (its dimensions between the loop's and the vector's), they fetch
    row p ceil(R / 2^s) + q / 2^s of the next block (2^s <= P the largest
    power of two; later passes clamp to the last row), so that the passes
    fetch the block once, evenly, instead of all of it on the first pass,
    as fast as that runs. At batch 1, ResNet-50's last Winograd layers (one
    pass, 16 blocks of output per filter value) went from 2.7 to 1.75 ms,
    its layer-4 1x1 layers (seven passes) 0.88-0.92 of their time with the
    same row on every pass.

    A block reused more is read from L2 on all but its first pass, and
    prefetches on every pass only cost time (ResNet-50's 1x1 layers of
    14x14 pixels, 196 per filter value, ran 10-20% slower with them): there
    the body of the innermost pass loop is versioned on whether every pass
    loop is at its first iteration, and only that version prefetches, the
    same row as the load's. The whole body is versioned, not the loop of
    the loads, so that a register tile's accumulators live in one branch
    (with the inner loop versioned, LLVM spilled a second accumulator of
    ResNet-50's 7 x 64 tiles). Left alone: a pass loop that yields values,
    loads in one body with different passes, and bodies that would nest.

    ```mlir
    scf.forall (%b) in (16) {
      scf.for %c = %c0 to %c512 step %c1 ... {
        %w = vector.load %filter[%b, %kh, %kw, %c, %c0]
            : memref<16x3x3x512x32xf32>, vector<32xf32>
    ```
    becomes
    ```mlir
    scf.forall (%b) in (16) {
      %next = arith.minsi (%b + 1), %c15
      scf.for %c = %c0 to %c512 step %c1 ... {
        memref.prefetch %filter[%next, %kh, %kw, %c, %c0], read, locality<2>, data
        memref.prefetch %filter[%next, %kh, %kw, %c, %c16], read, locality<2>, data
        %w = vector.load %filter[%b, %kh, %kw, %c, %c0] ...
    ```
  }];
  let options = [
    Option<"maxReuse", "max-reuse", "int64_t", /*default=*/"64",
           "Prefetch spread over every pass for blocks whose loaded values "
           "each feed at most this many multiply-adds, on the first pass "
           "only for the others">,
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def WinogradPass : Pass<"cnn-winograd", "::mlir::func::FuncOp"> {
  let summary = "Compute convolutions of stride 1 (and 3x3 ones of stride 2, "
                "by phases) with Winograd's minimal "
                "filtering (F(4x4, 3x3), F(1x2, 1x7), ...)";
  let description = [{
    Rewrites a static `linalg.conv_2d_nhwc_hwcf` of stride and dilation 1
    with 1, 2, 3, 5 or 7 taps along each filter axis (not 1x1) into Winograd's
    minimal filtering: along an axis of 3 taps F(4, 3) or F(2, 3) (F(4, 3)
    only where the output size is at least 12), whichever plan costs least
    as P (blocks + `vector-width`) per input channel and filter: the
    products' multiply-adds plus reading the P C F floats of transformed
    filter from memory, which takes about as long as `vector-width`
    multiply-adds per float (`filter-float-cost`: half as many on a core
    of half the FMA rate, as cnnc sets it for AMD Zen 4). So on a Xeon a
    batch-1 14x14 layer takes F(2x2, 3x3) and the same layer over a batch
    of 8 F(4x4, 3x3); on Zen 4 both take F(4x4, 3x3). With `large-blocks`
    (which cnnc sets for Zen 4 too), an axis of 3 taps and at least 96
    outputs may also take F(6, 3): 64 multiply-adds per 6x6 block, 1.78
    per output where F(4x4, 3x3) takes 2.25 (the points 0, +-1, +-1/2, +-2
    and infinity; NNPACK computes 3x3 layers in f32 so too). F(2, r) along an
    axis of 5 or 7 taps, F(4, 2) or F(2, 2) along an axis of 2 (as for 3);
    F(1, 1) along an axis of one. A 3x3 filter becomes
    F(4x4, 3x3), 36 multiply-adds per 4x4 output block, input channel and
    filter instead of 144, or F(2x2, 3x3), 16 per 2x2 block instead of 36;
    a 1x7 filter F(1x2, 1x7), 8 per 1x2 block instead of 14. The matrices
    are Toom-Cook's for the points 0, 1, -1, 1/2, -2, 2, -1/2 (the first
    m + r - 2) and infinity, computed by the pass (for F(2, 3): Lavin and
    Gray's).

    It applies with input channels in whole vectors, output channels in at
    least two filter blocks (2 x `vector-width` each), and at least 40
    multiply-adds saved per float the transforms store and load
    ((m_h m_w r_h r_w - P) C F >= 40 P (C + F) for P positions: for 3x3
    filters C F / (C + F) >= 32). Below that, as for a 3x3 filter of 32
    channels to 64, the traffic outweighed the saving.

    A 3x3 convolution of stride 2 and dilation 1 is first split into four
    convolutions of stride 1, one per phase (a, b) of its input: the taps
    (a + 2 t, b + 2 u) read input pixels (2 i + a, 2 j + b), so each phase
    convolves a strided slice of the input (rows a, a + 2 .., columns b,
    b + 2 ..) with a strided slice of the filter (2x2, 2x1, 1x2 and 1x1
    taps), and each accumulates into the result of the one before (the
    first into the convolution's initial value, the 1x1 phase last, so that
    an activation after the convolution stays its epilogue). The 2x2 phase
    (and the 2x1 and 1x2 phases where they pay) then become Winograd
    convolutions like any other: F(4x4, 2x2) takes 25 multiply-adds per
    4x4 block, input channel and filter where the 2x2 taps take 64, and the
    four phases 5.06 per output (6.56 with the 2x1 and 1x2 phases direct)
    where the direct convolution takes 9. The split applies only where the
    2x2 phase has a plan.

    Where m does not divide the output height (width), the last row
    (column) of blocks computes fewer than m output rows (columns): its
    input block's last rows (columns), past the input, read the input's
    last one instead, which only the unwritten outputs depend on.

    * The filter transform `U = G_h g G_w^T` is a generic from the filter
      (and a constant of the P x r_h r_w coefficients) to
      `[P, F/tf, 1, 1, C, tf]`: the P filters of the products, already in
      `cnn-block-weights`' blocked layout. It depends on the weights alone,
      so `cnn-hoist-weight-packing` moves it to load time.
    * The input transform `V = B_h^T d B_w` is vector code in an
      `scf.forall` over (group, sample, row of input blocks), where the
      positions, in the row-major order of (row of `B_h^T`, row of
      `B_w^T`), form two groups of ceil(P / 2) (for F(2x2, 3x3) the first
      and the last two rows of `B_h^T`). Per vector of channels, a group
      reads the input values its rows use (`vector.transfer_read`), adds
      them (with `vector.fma`s for coefficients other than +-1), and writes
      its positions (`vector.transfer_write`) into its half of the row of
      `V : [2 ceil(P / 2), N, 1, blocks, C]`, whose blocks are numbered
      along rows (for an odd P, the last position is unused).
      With two threads, each thread then writes the half of `V` that it
      reads in the products.
    * The P products `M[p] = V[p] x U[p]` are 1x1 convolutions of one
      filter block over all blocks as one row of pixels, in one
      `scf.forall` over (p, filter block), which the convolution kernels of
      `cnn-cpu-tile-and-vectorize` then tile.
    * The output transform `Y = A_h^T M A_w` is vector code in an
      `scf.forall` over rows of output blocks: it reads the P products and
      the convolution's initial value (its bias, when a broadcast of one,
      otherwise the value at each output pixel) and writes the block's
      pixels. When the convolution's only user is an elementwise
      `linalg.generic` of arith and math ops (an activation, a residual
      add), the transform applies its body to each output vector before
      storing it, replaces it, and is built in its place (after the values
      it reads); the output then goes into that op's empty destination.

    Layers whose transformed tensors (`V` or `M`, each P / (m_h m_w) times
    the input or output: 2.25 for F(4x4, 3x3), 4 for F(2x2, 3x3)) would
    exceed `max-transform-bytes` keep the direct
    convolution, which bounds how much the activation arena grows.

    ```mlir
    %r = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x10x10x64xf32>,
           tensor<3x3x64x64xf32>) outs(%b : tensor<1x8x8x64xf32>)
    ```
    becomes (tf = 32) a filter-transform generic to
    `tensor<16x2x1x1x64x32xf32>`, an `scf.forall` writing
    `V : tensor<16x1x1x16x64xf32>`, an `scf.forall (%p, %fb) in (16, 2)` of
    `linalg.conv_2d_nhwc_hwcf` on `tensor<1x1x16x64xf32>` and
    `tensor<1x1x64x32xf32>`, and an `scf.forall` writing the
    `tensor<1x8x8x64xf32>` result.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes of one vector register (16: AVX-512, 8: AVX2)">,
    Option<"maxTransformBytes", "max-transform-bytes", "int64_t",
           /*default=*/"67108864",
           "largest transformed input or output (bytes) of a rewritten "
           "convolution">,
    Option<"largeBlocks", "large-blocks", "bool", /*default=*/"false",
           "also consider F(6, 3) along axes of 3 taps with at least 96 "
           "outputs">,
    Option<"filterFloatCost", "filter-float-cost", "int64_t",
           /*default=*/"0",
           "multiply-adds that reading one float of transformed filter "
           "from memory costs, in the plans' cost (0: vector-width)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def FuseRowBandsPass
    : Pass<"cnn-fuse-row-bands", "::mlir::func::FuncOp"> {
  let summary = "Compute a depthwise convolution and the 1x1 convolution "
                "before or after it by bands of output rows";
  let description = [{
    A 1x1 convolution (stride 1) whose result, after an optional
    activation, is zero-padded and read only by a depthwise convolution of
    stride 2 or more (MobileNet's inverted residual blocks that halve the
    resolution) writes the whole expanded activation, and the depthwise
    layer reads it back. Where that activation is at least `min-bytes` per
    sample, more than the L2 holds, the pair becomes one `scf.forall` over
    (sample, chunk of output rows), `chunks` chunks (or one where they do
    not divide the rows). Each chunk walks its bands of output rows in
    order (an `scf.for` over pairs of bands). A band of R rows at stride s
    with a k-row window reads (R - 1) s + k padded rows: the k - s it
    shares with the band before, then R s new ones. It copies the shared
    rows from the buffer of the band before, computes its new rows (the 1x1
    convolution on R s input rows, with its bias and activation), then its
    depthwise rows (with their bias and activation) from the whole buffer.
    The two buffers, of one band's rows each, alternate, so the copy reads
    and writes different tensors and both stay in L2. A chunk's first band
    takes its shared rows from the chunk above, computed once more. R is
    the most rows that divide the chunk's and whose buffer fits in
    `band-bytes` (one row when none does). A pair is left alone when the
    window is shorter than the padding above it, or when the padding rows
    below the input would not all fall in the last band.

    The buffers (`bufferization.alloc_tensor` in the forall, which
    `cnn-plan-memory` places in the arena, one slot per iteration) are laid
    out as the padded activation: their pad columns are zero-filled once per
    chunk, and pad rows above the first chunk and below the last are filled
    where they fall (`scf.if` on the chunk). The ops in the loop are static
    slices of the originals, each activation updating its convolution's
    result in place, which `cnn-cpu-tile-and-vectorize` tiles as it would
    the originals; the forall carries `cnn.row_bands`, and
    `cnn-block-weights` leaves the ops in it unblocked.

    Where the depthwise result (after its activation) is itself at least
    `min-bytes` per sample and only a 1x1 convolution of stride 1 reads it
    (the projection), that convolution, its bias and an elementwise op after
    it that can update its result in place take each band's rows too: the
    band's depthwise rows go into one more buffer of a band's rows, carried
    through the loop, and the 1x1 rows into the chunk's output (MobileNet-v2's
    112x112 block: its 56x56x96 projection input, 1.2 MB, is no longer
    written whole; paired 0.994-1.001 of the model's time).

    Pairs of stride 1 are left alone: on MobileNet-v2's 56x56 pair fusing
    measured no faster (the depthwise layer reads each expanded row three
    times, from L2 already, and each band copies two rows).

    A depthwise convolution (any stride, no dilation) whose result, after
    an optional activation, is read only by a 1x1 convolution of stride 1
    (MobileNet's projections), where the pair above did not take it and
    that result is at least `min-bytes` per sample, becomes one such forall
    with the 1x1 convolution, its bias, and the elementwise op after it
    when that can update its result in place and reads other values only
    pixel by pixel (a residual add). A chunk walks its bands of R rows in
    an `scf.for`: the depthwise rows (bias, activation) from the input rows
    they read, into one buffer of R rows that every band reuses, then the
    1x1 rows from it, the elementwise op on them, inserted into the chunk's
    output. Bands share no rows, so nothing is computed twice. R is the most
    rows that divide the chunk's and fit in `pointwise-band-bytes` (one row
    when none does). On MobileNet-v2 at batch 1, one thread, the 112x112x32
    pair took 0.276 -> 0.197 ms and the 56x56x144 pair 0.387 -> 0.320 ms;
    the pairs at 28x28 and 14x14 (0.3-0.6 MB, in L2 already) measured no
    faster fused, so `min-bytes` leaves them alone.

    ```mlir
    %e = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x112x112x16xf32>,
           tensor<1x1x16x96xf32>) outs(%bias : tensor<1x112x112x96xf32>)
    %a = linalg.generic ... ins(%e) ...            // clip(0, 6)
    %p = tensor.pad %a low[0, 1, 1, 0] high[0, 1, 1, 0] ...
    %d = linalg.depthwise_conv_2d_nhwc_hwc {strides = dense<2> : ...}
           ins(%p, %f : tensor<1x114x114x96xf32>, tensor<3x3x96xf32>) ...
    ```
    becomes (two chunks of 28 output rows, bands of 2)
    ```mlir
    %r = scf.forall (%n, %c) in (1, 2) shared_outs(%o = %out) {
      %b0 = bufferization.alloc_tensor() : tensor<1x5x114x96xf32>
      %b1 = bufferization.alloc_tensor() : tensor<1x5x114x96xf32>
      ... zero columns; scf.if %c == 0: a zero row, else: 1 expanded row ...
      scf.for %i = 0 to 7 iter_args(...) {
        // twice: copy 1 shared row; 4 new rows
        // (tensor<1x4x112x16xf32> -> tensor<1x4x112x96xf32>);
        // 2 output rows (tensor<1x5x114x96xf32> -> tensor<1x2x56x96xf32>)
      }
      scf.forall.in_parallel { ... }
    } {cnn.row_bands}
    ```
    and
    ```mlir
    %d = linalg.depthwise_conv_2d_nhwc_hwc {strides = dense<1> : ...}
           ins(%p, %f : tensor<1x58x58x144xf32>, tensor<3x3x144xf32>) ...
    %a = linalg.generic ... ins(%d) ...            // clip(0, 6)
    %y = linalg.conv_2d_nhwc_hwcf ins(%a, %w : tensor<1x56x56x144xf32>,
           tensor<1x1x144x24xf32>) outs(%bias : tensor<1x56x56x24xf32>)
    %r = linalg.generic ... ins(%x, %y) ...        // residual add
    ```
    becomes (two chunks of 28 rows, bands of 1)
    ```mlir
    %r = scf.forall (%n, %c) in (1, 2) shared_outs(%o = %out) {
      %b = bufferization.alloc_tensor() : tensor<1x1x56x144xf32>
      scf.for %j = 0 to 28 iter_args(%buf = %b, %rows = ...) {
        // 1 depthwise row (tensor<1x3x58x144xf32> -> %buf), its clip;
        // 1 row of the 1x1 convolution and its residual add
        // (tensor<1x1x56x144xf32> -> tensor<1x1x56x24xf32>)
      }
      scf.forall.in_parallel { ... }
    } {cnn.row_bands}
    ```
  }];
  let options = [
    Option<"numChunks", "chunks", "int64_t", /*default=*/"2",
           "chunks of output rows, the forall's parallel iterations per "
           "sample (one per core of a 2-core machine)">,
    Option<"bandBytes", "band-bytes", "int64_t", /*default=*/"262144",
           "the most bytes of padded expanded rows one band reads">,
    Option<"minBytes", "min-bytes", "int64_t", /*default=*/"1048576",
           "the smallest expanded activation (or depthwise result, before a "
           "1x1 convolution), per sample, that is fused">,
    Option<"pointwiseBandBytes", "pointwise-band-bytes", "int64_t",
           /*default=*/"32768",
           "the most bytes of depthwise output rows one band of a depthwise "
           "and 1x1 pair computes">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def BlockWeightsPass
    : Pass<"cnn-block-weights", "::mlir::func::FuncOp"> {
  let summary = "Block convolution filters and matmul weights by output "
                "channels";
  let description = [{
    Rewrites each static `linalg.conv_2d_nhwc_hwcf` with F output channels
    into an `scf.forall` over F / tf blocks, each a convolution of tf
    filters read from a filter blocked as [F/tf, kh, kw, C, tf]
    (a `linalg.transpose` of the HWCF filter). `linalg.matmul` is blocked the
    same way: its [K, N] right operand becomes [N/tf, K, tf]. Within a block the filter is
    contiguous, so the convolution kernel streams it instead of striding by
    F floats per input channel (which for F = 512 maps every row of a
    tile onto the same few cache sets). tf is two vectors
    (2 x `vector-width` floats), one or half of one, the widest that
    divides F (half a vector serves a 1000-class classifier);
    it is four vectors for a convolution that is 1x1 or whose input pixels
    lie a multiple of 4 KiB apart, whose output width 7 divides, and whose
    block of four vectors of filters fits in 512 KiB, with 16-float vectors
    (see `cnn-cpu-tile-and-vectorize`; but see odd counts below);
    ops with a single block, or whose F none divides, are left alone, and
    so are convolutions of a vector and a half of filters (F = 24 with
    16-float vectors), which `cnn-cpu-tile-and-vectorize` tiles as one
    vector and the last half. A convolution of more filters than a vector,
    not whole vectors but within an eighth of them (YOLO's heads: 255),
    first gets zero filters (and zero biases) up to whole vectors, and its
    result is sliced back to F channels: its register tiles would otherwise
    be odd vectors. The
    forall's iterations are independent: they are the convolution's
    parallel dimension.

    The op's initial value, when a fill or broadcast (the bias) computes
    it, and its sole consumer, when an elementwise generic in the same
    layout (the epilogue: activation, residual add), move into the forall
    (upstream producer and consumer fusion into the loop): each block is
    initialized, accumulated and finished while it is in cache. The tiled
    epilogue takes the block's result as its init and reads it through its
    output argument, so it updates the result in place and the forall
    yields the epilogue's result instead of the op's. A fill that CSE
    shared between ops of one shape (the zero of training's convolutions,
    which have no bias) is cloned for each op first. A bias broadcast
    built in a grouped shape (`[..., 1, F]`, collapsed) is first rebuilt in
    the op's shape, also for ops left unblocked and for depthwise
    convolutions, so that it can be fused (here, or into the register tiles
    by `cnn-cpu-tile-and-vectorize`).

    A convolution whose filter is at most 1 MiB and smaller than its input
    loops over output rows outside the blocks instead: the forall runs over
    (n, oh, block), each iteration convolving the input rows one output row
    reads (`oh * stride` onwards, `(kh - 1) * dilation + 1` of them) with
    one block. Each row of input is then read once for all blocks while the
    filter stays in L2, where the blocks-outside loop reads the whole input
    once per block (a 1x1 convolution of 64 to 256 channels at 56x56: eight
    times, from memory at batch 8). A 1x1 convolution whose filter is at
    most 256 KiB does so whatever its input's size: its threads then split
    the rows as the layers' before and after do, and each reads the rows it
    wrote.

    Where the blocks alone are the forall, an odd count of them under 16
    takes blocks of half the width, as long as they stay whole vectors
    (160 filters: ten blocks of 16 instead of five of 32), so that two
    threads get equal shares; blocks of four vectors whose input pixels
    alias stay whole.

    ```mlir
    %r = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x9x9x8xf32>,
           tensor<3x3x8x64xf32>) outs(%acc : tensor<1x7x7x64xf32>)
    ```
    becomes (tf = 32)
    ```mlir
    %b = linalg.transpose ins(%w4 : tensor<3x3x8x2x32xf32>)
           outs(... : tensor<2x3x3x8x32xf32>) permutation = [3, 0, 1, 2, 4]
    %r = scf.forall (%i) in (2) shared_outs(%o = %acc) {
      %f = tensor.extract_slice %b[%i, 0, 0, 0, 0] [1, 3, 3, 8, 32] ...
      %c = linalg.conv_2d_nhwc_hwcf ins(%x, %f ...) outs(... tensor<1x7x7x32xf32>)
      ...
    }
    ```
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes of one vector register (16: AVX-512, 8: AVX2)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def HoistWeightPackingPass
    : Pass<"cnn-hoist-weight-packing", "::mlir::ModuleOp"> {
  let summary = "Move weight-only computations into a load-time function";
  let description = [{
    For a module whose `forward` takes its weights as the leading flat
    buffer (cnn-outline-weights), moves every computation that depends on
    the weights alone (filter transposes into the kernels' layouts, folded
    batch norm, ...) into a new function
    `forward_prepare(%weights) -> %packed`, which the model library calls
    once when an instance is created. Every weight value `forward` uses at
    run time becomes a view of `%packed` (16-element aligned), which
    replaces the raw weights as `forward`'s first argument; the module's
    `cnn.packed_weights_size` records its length. Fills, and broadcasts
    that only copy a weight over a larger tensor (a bias spread over a
    layer's output, which its register tiles take as their initial value),
    stay in `forward`; an op that computes while it expands (cnn-winograd's
    filter transforms) is packed.

    ```mlir
    func.func @forward(%w: tensor<600xf32>, %x: ...) {
      %f = tensor.expand_shape (slice of %w) : tensor<8x3x5x5xf32>
      %t = linalg.transpose ins(%f) ... permutation = [2, 3, 1, 0]
      linalg.conv_2d_nhwc_hwcf ins(%xp, %t ...)
    ```
    becomes a `forward_prepare` computing `%t` into the packed buffer, and a
    `forward(%packed: tensor<600xf32>, %x: ...)` whose convolution reads a
    view of `%packed`.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def PlanMemoryPass : Pass<"cnn-plan-memory", "::mlir::ModuleOp"> {
  let summary = "Place the model function's buffers in one arena by liveness";
  let description = [{
    On the bufferized model function `forward`, before deallocations are
    inserted: every statically shaped `memref.alloc` of the function's top
    level that does not escape becomes a `memref.view` at a fixed offset of
    one arena, a new last argument of the function: the caller provides it
    (the library's `_infer` from a cached block, `_infer_with_arena` from
    the user), 64-byte aligned. A buffer lives from
    its allocation to the last use of it or of any view of it, in program
    order (uses inside loops count at the loop); buffers whose lifetimes
    overlap get disjoint bytes, others may share. Offsets come from greedy
    placement (each buffer at the lowest aligned offset free during its
    lifetime) in three orders: largest first, first use first, and largest
    bytes x lifetime first; the smallest arena is kept, as no one order is
    best for every model. Where that arena is above the liveness bound, up
    to 256 shuffled orders (from a fixed seed: the same plan on every
    compile) are tried as well, until one packs to the bound. The module
    records the arena size
    (`cnn.arena_bytes`), its alignment (`cnn.arena_alignment`) and the
    liveness lower bound, the most bytes live at one point
    (`cnn.arena_lower_bound`).

    ```mlir
    func.func @forward(%x: memref<...>, %out: memref<...>) {
      %a = memref.alloc() : memref<1x8x8x16xf32>   // dead before %b
      %b = memref.alloc() : memref<1x8x8x16xf32>
    ```
    becomes
    ```mlir
    func.func @forward(%x: memref<...>, %out: memref<...>,
                       %arena: memref<4096xi8>) {
      %a = memref.view %arena[%c0][] : memref<4096xi8> to memref<1x8x8x16xf32>
      %b = memref.view %arena[%c0][] : memref<4096xi8> to memref<1x8x8x16xf32>
    ```

    Buffers allocated in the body of a parallel loop of
    `cnn-fuse-row-bands` (marked `cnn.row_bands`) at the function's top
    level, its band buffers, are one iteration's scratch:
    each becomes its iteration's slot of one buffer allocated before the
    loop (slots of 64-byte multiples, one per iteration, picked by the
    iteration's linear index), which is placed like any other. No
    iteration allocates, and no two share bytes.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def ParallelLoopsToRuntimePass
    : Pass<"cnn-cpu-parallel-loops", "::mlir::ModuleOp"> {
  let summary = "Run the outermost scf.forall loops on libcnnrt's threads";
  let description = [{
    On buffers, replaces each outermost `scf.forall` with static bounds by a
    call `cnnrt_parallel_for(@body, %ctx, trip_count)`. The new private
    function `@<func>_parallel<k>(%ctx: !llvm.ptr, %begin: i64, %end: i64)`
    runs iterations [begin, end) of the loop's linearized iteration space;
    where the loop's location names a layer (a `NameLoc` from the importer)
    the name gets `_<layer>` appended (`@forward_parallel12_layer2_0_conv1`),
    so that a profile of the library (`bench/profile.py`) reads per layer.
    `%ctx` points to a stack struct with the values the loop body uses from
    outside (memref descriptors, index values as i64, scalars). The runtime
    splits [0, trip_count) over its thread pool. Foralls nested in another
    run sequentially inside the body (`scf-forall-to-for` afterwards).

    ```mlir
    scf.forall (%i) in (4) {
      ... %buf[%i] ...
    }
    ```
    becomes
    ```mlir
    %f = constant @forward_parallel0 : (!llvm.ptr, i64, i64) -> ()
    call @cnnrt_parallel_for(%f, %ctx, %c4_i64)
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect"];
}

#endif // CNN_CODEGEN_PASSES_TD

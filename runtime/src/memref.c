/* Support routines that MLIR-generated code calls.
 *
 * memrefCopy: MLIR lowers a memref.copy between buffers whose layouts are not
 * both contiguous to this call (e.g. copying an input into the interior of a
 * padded buffer). Arguments are unranked memref descriptors: {rank, pointer
 * to the ranked descriptor {allocated, aligned, offset, sizes[rank],
 * strides[rank]}}; sizes and strides count elements. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int64_t rank;
  void *descriptor;
} cnnrt_unranked_memref;

typedef struct {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizes_and_strides[]; /* sizes[rank], then strides[rank] */
} cnnrt_ranked_memref;

void memrefCopy(int64_t element_size, cnnrt_unranked_memref *src_arg,
                cnnrt_unranked_memref *dst_arg) {
  int64_t rank = src_arg->rank;
  const cnnrt_ranked_memref *src = src_arg->descriptor;
  const cnnrt_ranked_memref *dst = dst_arg->descriptor;
  const int64_t *sizes = src->sizes_and_strides;
  const int64_t *src_strides = src->sizes_and_strides + rank;
  const int64_t *dst_strides = dst->sizes_and_strides + rank;
  const char *src_base = src->aligned + src->offset * element_size;
  char *dst_base = dst->aligned + dst->offset * element_size;

  if (rank == 0) {
    memcpy(dst_base, src_base, (size_t)element_size);
    return;
  }
  /* The odometer below holds 64 indices; cnn tensors have at most 5. */
  if (rank > 64)
    abort();
  for (int64_t d = 0; d < rank; ++d)
    if (sizes[d] == 0)
      return;

  /* Walk every index of all but the innermost dimension like an odometer,
   * copying one innermost row at a time (one memcpy when it is contiguous on
   * both sides). */
  int64_t index[64] = {0};
  int64_t inner = rank - 1;
  int contiguous = src_strides[inner] == 1 && dst_strides[inner] == 1;
  for (;;) {
    int64_t src_off = 0, dst_off = 0;
    for (int64_t d = 0; d < inner; ++d) {
      src_off += index[d] * src_strides[d];
      dst_off += index[d] * dst_strides[d];
    }
    if (contiguous) {
      memcpy(dst_base + dst_off * element_size,
             src_base + src_off * element_size,
             (size_t)(sizes[inner] * element_size));
    } else {
      for (int64_t i = 0; i < sizes[inner]; ++i)
        memcpy(dst_base + (dst_off + i * dst_strides[inner]) * element_size,
               src_base + (src_off + i * src_strides[inner]) * element_size,
               (size_t)element_size);
    }
    int64_t d = inner - 1;
    while (d >= 0 && ++index[d] == sizes[d])
      index[d--] = 0;
    if (d < 0)
      return;
  }
}

/* Aligned allocation for generated code (tensors want 64-byte alignment so
 * that vector loads never split cache lines). */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>

void *cnnrt_alloc(size_t bytes, size_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    cnnrt_set_error("cnnrt_alloc: alignment %zu is not a power of two",
                    alignment);
    return NULL;
  }
  /* posix_memalign requires a multiple of sizeof(void *). */
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  /* Sizes near SIZE_MAX come from overflowed size computations; refuse them
   * instead of letting the allocator round them up to something small. */
  if (bytes > (size_t)PTRDIFF_MAX - alignment) {
    cnnrt_set_error("cnnrt_alloc: %zu bytes (alignment %zu) overflows the "
                    "address space",
                    bytes, alignment);
    return NULL;
  }
  void *p = NULL;
  /* A zero-byte request still yields a unique pointer, so that NULL always
   * means failure. */
  int rc = posix_memalign(&p, alignment, bytes ? bytes : 1);
  if (rc != 0) {
    char why[128];
    cnnrt_set_error("cnnrt_alloc: cannot allocate %zu bytes (alignment %zu): "
                    "%s",
                    bytes, alignment, cnnrt_strerror(rc, why, sizeof why));
    return NULL;
  }
  return p;
}

void cnnrt_free(void *p) { free(p); }

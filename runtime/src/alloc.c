/* Aligned allocation for generated code (tensors want 64-byte alignment so
 * that vector loads never split cache lines). */
#define _DEFAULT_SOURCE /* madvise */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Buffers of at least HUGE_MIN_BYTES (weights, arenas) start on a 2 MiB
 * boundary and ask for transparent huge pages (Linux; honoured when
 * /sys/kernel/mm/transparent_hugepage/enabled is "madvise" or "always").
 * At batch 1 the weights stream from memory once per inference: with 4 KiB
 * pages ResNet-50's 100 MB span 25,000 pages, far beyond the TLB. Paired
 * runs at batch 1 (four processes each, huge pages for the weights / none):
 * ResNet-50 0.98-1.00, GoogLeNet 0.94-0.99, MobileNet-v2 0.96-0.98; for the
 * arena too / the weights only: 0.97-1.00 on one thread, 0.97-1.03 on two. */
#define HUGE_PAGE_BYTES ((size_t)2 << 20)
#define HUGE_MIN_BYTES ((size_t)4 << 20)

/* posix_memalign, with huge pages for large buffers (above). */
static int allocate(void **p, size_t alignment, size_t bytes) {
  int huge = bytes >= HUGE_MIN_BYTES;
  if (huge && alignment < HUGE_PAGE_BYTES)
    alignment = HUGE_PAGE_BYTES;
  int rc = posix_memalign(p, alignment, bytes);
#ifdef MADV_HUGEPAGE
  /* Only whole huge pages of the buffer; a failure leaves 4 KiB pages. */
  if (rc == 0 && huge)
    (void)madvise(*p, bytes & ~(HUGE_PAGE_BYTES - 1), MADV_HUGEPAGE);
#endif
  return rc;
}

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
  int rc = allocate(&p, alignment, bytes ? bytes : 1);
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

/* ---- Buffers of generated code -------------------------------------------
 *
 * Generated code allocates its temporaries through these (the
 * use-generic-functions flavour of MLIR's memref lowering). Large blocks are
 * kept when freed and handed out again for the next request of the same
 * rounded size: an inference asks for the same buffers every time, so from
 * the second one on it neither maps fresh pages nor faults them in (with
 * glibc, large frees return memory to the kernel). Small blocks go straight
 * to malloc. Every block carries its size in a 64-byte header. */

#include <pthread.h>
#include <string.h>

#define BLOCK_HEADER 64
#define CACHED_MIN_BYTES ((size_t)64 * 1024)
#define CACHE_SLOTS 256
#define CACHE_MAX_BYTES ((size_t)1 << 31)

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static void *cache_blocks[CACHE_SLOTS];
static size_t cache_sizes[CACHE_SLOTS];
static int cache_count;
static size_t cache_bytes;

static size_t block_size(size_t bytes) {
  if (bytes < CACHED_MIN_BYTES)
    return bytes;
  return (bytes + 4095) & ~(size_t)4095; /* whole pages */
}

static void *block_alloc(size_t bytes) {
  if (bytes > (size_t)PTRDIFF_MAX - BLOCK_HEADER)
    return NULL;
  size_t size = block_size(bytes);
  void *base = NULL;
  if (size >= CACHED_MIN_BYTES) {
    pthread_mutex_lock(&cache_lock);
    for (int i = cache_count - 1; i >= 0; --i) {
      if (cache_sizes[i] != size)
        continue;
      base = cache_blocks[i];
      cache_bytes -= size;
      cache_blocks[i] = cache_blocks[cache_count - 1];
      cache_sizes[i] = cache_sizes[cache_count - 1];
      --cache_count;
      break;
    }
    pthread_mutex_unlock(&cache_lock);
  }
  if (!base && allocate(&base, BLOCK_HEADER, size + BLOCK_HEADER) != 0)
    return NULL;
  memcpy(base, &size, sizeof size);
  return (char *)base + BLOCK_HEADER;
}

static void block_free(void *p) {
  if (!p)
    return;
  void *base = (char *)p - BLOCK_HEADER;
  size_t size;
  memcpy(&size, base, sizeof size);
  if (size >= CACHED_MIN_BYTES) {
    pthread_mutex_lock(&cache_lock);
    int kept = cache_count < CACHE_SLOTS &&
               cache_bytes + size <= CACHE_MAX_BYTES;
    if (kept) {
      cache_blocks[cache_count] = base;
      cache_sizes[cache_count] = size;
      ++cache_count;
      cache_bytes += size;
    }
    pthread_mutex_unlock(&cache_lock);
    if (kept)
      return;
  }
  free(base);
}

void *_mlir_memref_to_llvm_alloc(size_t bytes) { return block_alloc(bytes); }

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes) {
  /* Blocks are 64-byte aligned; larger alignments are not requested by the
   * generated code (it asks for at most a vector's alignment). */
  return alignment <= BLOCK_HEADER ? block_alloc(bytes) : NULL;
}

void _mlir_memref_to_llvm_free(void *p) { block_free(p); }

/*
 * cnnrt.h - the C runtime linked into every library that cnnc generates.
 *
 * Plain C99, no dependency beyond libc/POSIX. Conventions shared by every
 * function here and by the generated model API:
 *   - functions that can fail return an int status: CNNRT_OK (0) on success,
 *     non-zero on failure;
 *   - on failure they record a message for the calling thread, which
 *     cnnrt_last_error() returns; messages name the file (and tensor) and say
 *     what is wrong. A successful call does not clear an earlier message.
 */
#ifndef CNNRT_H
#define CNNRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CNNRT_OK 0
#define CNNRT_ERROR (-1)

/* Most dimensions an array or a tensor may have. */
#define CNNRT_MAX_DIMS 8

/* Size of the per-thread error buffer; longer messages end in "...". */
#define CNNRT_ERROR_SIZE 1024

#if defined(__GNUC__) || defined(__clang__)
#define CNNRT_PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CNNRT_PRINTF_LIKE(fmt, args)
#endif

/* ---- Error state (one message per thread) ------------------------------ */

/* The calling thread's last error message, "" if none. The pointer stays
 * valid until the thread's next cnnrt_set_error/cnnrt_clear_error. */
const char *cnnrt_last_error(void);

/* Records a printf-style message for the calling thread. The arguments may
 * include cnnrt_last_error() itself, to add context to an earlier error. */
void cnnrt_set_error(const char *fmt, ...) CNNRT_PRINTF_LIKE(1, 2);

void cnnrt_clear_error(void);

/* ---- Aligned allocation ------------------------------------------------ */

/* Allocates `bytes` bytes aligned to `alignment` (a power of two; values
 * below sizeof(void *) are raised to it; 64 is typical). Returns NULL and
 * sets the error if the request overflows or memory is exhausted.
 * cnnrt_alloc(0, a) returns a valid, freeable pointer. */
void *cnnrt_alloc(size_t bytes, size_t alignment);

/* Frees memory from cnnrt_alloc; NULL is ignored. */
void cnnrt_free(void *p);

/* The allocator of generated code (MLIR's generic memref allocation
 * functions): 64-byte aligned blocks; blocks of 64 KiB and more are kept
 * when freed (up to 2 GiB in all) and reused for requests of the same
 * rounded size, so repeated inferences do not map and fault in fresh
 * memory. */
void *_mlir_memref_to_llvm_alloc(size_t bytes);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes);
void _mlir_memref_to_llvm_free(void *p);

/* ---- NumPy .npy files ------------------------------------------------- */

/* A dense, C-ordered, little-endian array.
 * dtype is "f4" (float32) or "i8" (int64). nbytes = product(shape) * 4 or 8.
 * ndim = 0 is a scalar (one element). */
typedef struct {
  char dtype[8];
  int ndim;
  int64_t shape[CNNRT_MAX_DIMS];
  void *data; /* from cnnrt_alloc (64-byte aligned) when read by cnnrt */
  size_t nbytes;
} cnnrt_array;

/* Reads a .npy file (format 1.0, 2.0 or 3.0; '<f4' or '<i8'; C order).
 * On success fills *out (free it with cnnrt_array_free); on failure *out is
 * zeroed and the error names the file and the problem. */
int cnnrt_npy_read(const char *path, cnnrt_array *out);

/* Writes `in` as a format 1.0 .npy file, atomically: the data goes to a
 * temporary file in the same directory, which is renamed over `path` only
 * once complete; nothing is left behind on failure. */
int cnnrt_npy_write(const char *path, const cnnrt_array *in);

/* Frees a->data and zeroes *a. Safe on a zeroed array and on NULL. */
void cnnrt_array_free(cnnrt_array *a);

/* ---- Safetensors weights ----------------------------------------------- */

typedef struct cnnrt_safetensors cnnrt_safetensors;

/* Opens `path` and validates its whole header (length, JSON, dtypes, shapes,
 * data_offsets inside the data and not overlapping). The handle keeps the
 * file open; reads through it are safe from several threads at once. */
int cnnrt_safetensors_open(const char *path, cnnrt_safetensors **out);

/* Reads tensor `name` into dst (product(expected_shape) floats), converting
 * F16 and BF16 to F32. Fails if the tensor is missing, its shape differs
 * from expected_shape[0..ndim), its dtype is not F32/F16/BF16, or a value is
 * NaN or infinite. expected_shape may be NULL when ndim is 0 (a scalar).
 * On failure the contents of dst are unspecified. */
int cnnrt_safetensors_read_f32(cnnrt_safetensors *st, const char *name,
                               const int64_t *expected_shape, int ndim,
                               float *dst);

/* Number of tensors in the file (the "__metadata__" entry is not one). */
size_t cnnrt_safetensors_num_tensors(const cnnrt_safetensors *st);

/* Describes tensor `index` (0 <= index < num_tensors; tensors are sorted by
 * name). Any output pointer may be NULL. Strings live as long as `st`;
 * dtype is the file's spelling ("F32", "BF16", "I64", ...). */
int cnnrt_safetensors_tensor_info(const cnnrt_safetensors *st, size_t index,
                                  const char **name, const char **dtype,
                                  int *ndim, int64_t shape[CNNRT_MAX_DIMS]);

/* Closes the file; NULL is ignored. */
void cnnrt_safetensors_close(cnnrt_safetensors *st);

/* ---- Threads ------------------------------------------------------------ */


/* ---- Weights of generated model libraries ------------------------------ */

/* Where one weight tensor goes in a model's flat weights buffer. Generated
 * libraries carry a table of these. */
typedef struct {
  const char *name;                /* tensor name in the safetensors file */
  int64_t offset;                  /* in floats from the buffer's start */
  int64_t ndim;
  int64_t shape[CNNRT_MAX_DIMS];
} cnnrt_weight_entry;

/* Reads the `count` tensors of `table` from the safetensors file `path` into
 * a new 64-byte aligned buffer of `size` floats (free it with cnnrt_free).
 * Every tensor's shape is checked and NaN/Inf rejected. Returns NULL and
 * sets the error (naming the file and tensor) on failure. */
float *cnnrt_load_weights(const char *path, const cnnrt_weight_entry *table,
                          int64_t count, int64_t size);

/* Writes the `count` tensors of `table` (views of the flat `buffer` of
 * floats) as a safetensors file (F32, little-endian) at `path`, atomically:
 * data goes to a temporary file in the same directory, renamed over `path`
 * only when complete; nothing is left behind on failure. Tensors are stored
 * in table order and load back with cnnrt_load_weights (and PyTorch's
 * safetensors). Names must be valid UTF-8, distinct and not "__metadata__";
 * NaN and Inf are refused, as the loader would refuse them. Returns 0, or
 * non-zero with the error set (cnnrt_set_error) naming the file. */
int cnnrt_save_weights(const char *path, const cnnrt_weight_entry *table,
                       int64_t count, const float *buffer);

/* Threads the runtime should use: the count given to cnnrt_set_num_threads,
 * else CNNC_NUM_THREADS if it is set to a positive integer, else the number
 * of CPUs the process may run on (the affinity mask, as `taskset` or a
 * container's cpuset sets it, of the thread that first asks; counted once;
 * at least 1). */
int cnnrt_num_threads(void);

/* Sets the thread count for every model in the process; n <= 0 returns to
 * the default (CNNC_NUM_THREADS or the count of usable CPUs). */
void cnnrt_set_num_threads(int n);

/* One parallel loop of generated code: calls fn(ctx, begin, end) on
 * disjoint ranges covering [0, n), which cnnrt_num_threads() threads (the
 * caller is one of them) take in turn as they finish the previous one, and
 * returns when all are done. Calls made
 * from inside a loop, or while another thread's loop holds the pool, run
 * on the calling thread alone. With CNNC_PROFILE=FILE in the environment,
 * each call is timed, and the times per loop function are appended to FILE
 * when the runtime is unloaded (bench/README.md). */
typedef void (*cnnrt_task_fn)(void *ctx, int64_t begin, int64_t end);
void cnnrt_parallel_for(cnnrt_task_fn fn, void *ctx, int64_t n);

/* The samples of a batch that runs one sample at a time: calls
 * fn(ctx, sample, arena) once for every sample in [0, n), each in an
 * activation arena of arena_bytes.
 * - arena NULL: with T = min(cnnrt_num_threads(), n) threads, whole rounds
 *   of T samples run one per thread, each thread in its own arena (the
 *   runtime allocates T); the remaining n % T run one after the other, with
 *   every thread in their parallel loops.
 * - arena given: every sample runs in it, one after the other.
 * arena_bytes 0 passes NULL arenas. Returns 0, or 1 with the error set if
 * the arenas cannot be allocated (fn is then never called). */
typedef void (*cnnrt_sample_fn)(void *ctx, int64_t sample, void *arena);
int cnnrt_run_samples(cnnrt_sample_fn fn, void *ctx, int64_t n,
                      size_t arena_bytes, void *arena);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CNNRT_H */

/* Declarations shared by the runtime's sources; not installed, not API.
 * Internal symbols are hidden so that a generated .so exports only the
 * cnnrt_* API (the unit tests link the static library and still see them). */
#ifndef CNNRT_INTERNAL_H
#define CNNRT_INTERNAL_H

#include "cnnrt.h"

#include <stddef.h>
#include <stdint.h>

/* Both file formats store little-endian data, which the readers copy
 * straight into memory. Every target cnnc supports is little-endian. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "cnnrt assumes a little-endian host"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define CNNRT_INTERNAL __attribute__((visibility("hidden")))
#else
#define CNNRT_INTERNAL
#endif

#ifdef __cplusplus
extern "C" { /* the unit tests are C++ */
#endif

/* ---- A minimal JSON reader (RFC 8259), enough for safetensors headers ---- */

typedef enum {
  CNNRT_JSON_NULL,
  CNNRT_JSON_FALSE,
  CNNRT_JSON_TRUE,
  CNNRT_JSON_NUMBER,
  CNNRT_JSON_STRING,
  CNNRT_JSON_ARRAY,
  CNNRT_JSON_OBJECT
} cnnrt_json_type;

typedef struct cnnrt_json cnnrt_json;
struct cnnrt_json {
  cnnrt_json_type type;
  /* Members of an object carry their (decoded, NUL-terminated) key. */
  char *key;
  size_t key_len;
  /* NUMBER: `num` always; `is_int` when the literal has no fraction or
   * exponent and fits int64_t, in which case `i` holds it exactly. */
  double num;
  int is_int;
  int64_t i;
  /* STRING: decoded UTF-8, NUL-terminated; len excludes the NUL (the string
   * may itself contain NULs from \u0000). */
  char *str;
  size_t len;
  /* ARRAY / OBJECT: n elements or members, in document order. */
  cnnrt_json *items;
  size_t n;
};

/* Parses text[0..len) as one JSON value (surrounded by optional whitespace).
 * Returns 0 and fills *out, or -1 with a message "at byte N: ..." in err. */
CNNRT_INTERNAL int cnnrt_json_parse(const char *text, size_t len,
                                    cnnrt_json *out, char *err,
                                    size_t err_size);
CNNRT_INTERNAL void cnnrt_json_free(cnnrt_json *v);
/* First member of object `obj` named `key`, or NULL. */
CNNRT_INTERNAL const cnnrt_json *cnnrt_json_get(const cnnrt_json *obj,
                                                const char *key);

/* ---- Helpers ------------------------------------------------------------ */

/* Reads exactly n bytes at `offset` (pread, so concurrent callers sharing the
 * fd do not race on a file position). Returns 0, or -1 with errno set
 * (errno 0 meaning the file ended early). */
CNNRT_INTERNAL int cnnrt_pread_full(int fd, void *buf, size_t n,
                                    uint64_t offset);

/* Formats a shape as "3x224x224" ("scalar" for ndim 0) into buf. */
CNNRT_INTERNAL void cnnrt_format_shape(char *buf, size_t size,
                                       const int64_t *shape, int ndim);

/* product(shape) with overflow checking: 0 on success, -1 on overflow or a
 * negative dimension. */
CNNRT_INTERNAL int cnnrt_shape_elements(const int64_t *shape, int ndim,
                                        uint64_t *count);

/* strerror(err) without strerror's shared buffer; returns buf or a static
 * string. */
CNNRT_INTERNAL const char *cnnrt_strerror(int err, char *buf, size_t size);

/* Writes all n bytes to fd (short writes and EINTR retried, chunks of at
 * most 1 GiB). Returns 0, or -1 with errno set. */
CNNRT_INTERNAL int cnnrt_write_full(int fd, const void *buf, size_t n);

/* Creates a fresh temporary file next to `path` (same file system, so
 * rename() over `path` is atomic). Returns the descriptor and the malloc'd
 * name in *temp_path, or -1 with errno set. */
CNNRT_INTERNAL int cnnrt_create_temp(const char *path, char **temp_path);

/* ---- Per-loop timing (CNNC_PROFILE, profile.c) -------------------------- */

/* Whether CNNC_PROFILE names a file to write loop timings to. */
CNNRT_INTERNAL int cnnrt_profile_enabled(void);
/* CLOCK_MONOTONIC in nanoseconds. */
CNNRT_INTERNAL int64_t cnnrt_profile_now_ns(void);
/* Adds one call of `fn` that took `ns` nanoseconds. Thread-safe. */
CNNRT_INTERNAL void cnnrt_profile_record(cnnrt_task_fn fn, int64_t ns);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CNNRT_INTERNAL_H */

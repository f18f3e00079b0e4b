/* Saving a model's weights as safetensors, the format cnnrt_load_weights
 * reads (see safetensors.c for the layout): after training, the flat
 * weights buffer goes back to a file that PyTorch's `safetensors` and cnnc
 * itself can load.
 *
 * Every tensor is F32, its data stored in table order. The header is built
 * in memory (its size is known before any byte is written) and padded with
 * spaces to a multiple of 8 bytes, as the reference writer does, so that
 * the data section starts 8-byte aligned. The file is written like
 * cnnrt_npy_write's: to a temporary next to `path`, synced, then renamed
 * over it, so that readers never see a half-written checkpoint. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- Validation ----------------------------------------------------------- */

/* 1 if s is well-formed UTF-8 (no overlong forms, surrogates or values above
 * U+10FFFF): the header is JSON, which every reader (ours included) rejects
 * otherwise. */
static int valid_utf8(const char *text) {
  const unsigned char *s = (const unsigned char *)text;
  while (*s) {
    unsigned char c = *s;
    size_t n;
    unsigned cp, min;
    if (c < 0x80) {
      ++s;
      continue;
    }
    if ((c & 0xE0) == 0xC0)
      n = 2, cp = c & 0x1Fu, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
      n = 3, cp = c & 0x0Fu, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
      n = 4, cp = c & 0x07u, min = 0x10000;
    else
      return 0;
    for (size_t k = 1; k < n; ++k) {
      if ((s[k] & 0xC0) != 0x80) /* also stops at the terminating NUL */
        return 0;
      cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    s += n;
  }
  return 1;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Checks the table before anything is created, so that a bad call leaves
 * the file system alone. Fills elements[i] with product(shape) of entry i. */
static int check_table(const char *path, const cnnrt_weight_entry *table,
                       int64_t count, const float *buffer,
                       uint64_t *elements) {
  for (int64_t i = 0; i < count; ++i) {
    const cnnrt_weight_entry *e = &table[i];
    if (!e->name) {
      cnnrt_set_error("%s: weight %lld has no name", path, (long long)i);
      return -1;
    }
    if (!valid_utf8(e->name)) {
      cnnrt_set_error("%s: tensor '%s': the name is not valid UTF-8", path,
                      e->name);
      return -1;
    }
    /* The reader takes this key for the file's metadata, not a tensor. */
    if (strcmp(e->name, "__metadata__") == 0) {
      cnnrt_set_error("%s: '__metadata__' is reserved and cannot name a "
                      "tensor",
                      path);
      return -1;
    }
    if (e->ndim < 0 || e->ndim > CNNRT_MAX_DIMS) {
      cnnrt_set_error("%s: tensor '%s': %lld dimensions (0 to %d are "
                      "supported)",
                      path, e->name, (long long)e->ndim, CNNRT_MAX_DIMS);
      return -1;
    }
    /* The data section's size must fit its uint64 offsets and the floats
     * must be addressable from `buffer`. */
    if (cnnrt_shape_elements(e->shape, (int)e->ndim, &elements[i]) != 0 ||
        elements[i] > (uint64_t)INT64_MAX / sizeof(float) ||
        elements[i] > SIZE_MAX / sizeof(float)) {
      cnnrt_set_error("%s: tensor '%s': invalid shape (a negative dimension "
                      "or an overflowing size)",
                      path, e->name);
      return -1;
    }
    if (e->offset < 0 ||
        (uint64_t)e->offset > (uint64_t)INT64_MAX - elements[i]) {
      cnnrt_set_error("%s: tensor '%s': invalid buffer offset %lld", path,
                      e->name, (long long)e->offset);
      return -1;
    }
    if (elements[i] > 0 && !buffer) {
      cnnrt_set_error("%s: weights buffer is NULL", path);
      return -1;
    }
  }

  /* The reader rejects repeated names; catch them here, where the caller can
   * still fix the table. */
  if (count < 2)
    return 0;
  const char **names = malloc((size_t)count * sizeof *names);
  if (!names) {
    cnnrt_set_error("%s: out of memory", path);
    return -1;
  }
  for (int64_t i = 0; i < count; ++i)
    names[i] = table[i].name;
  qsort(names, (size_t)count, sizeof *names, compare_names);
  for (int64_t i = 1; i < count; ++i)
    if (strcmp(names[i - 1], names[i]) == 0) {
      cnnrt_set_error("%s: tensor '%s' appears twice in the table", path,
                      names[i]);
      free(names);
      return -1;
    }
  free(names);
  return 0;
}

/* The loader refuses NaN and Inf, so a file holding one would be a
 * checkpoint nobody can use: refuse it now, naming where it is (a diverged
 * training run, typically). Tests the bits, as the reader does, so that
 * -ffast-math builds still catch it. */
static int check_finite(const char *path, const cnnrt_weight_entry *e,
                        const float *data, uint64_t n) {
  for (uint64_t k = 0; k < n; ++k) {
    uint32_t bits;
    memcpy(&bits, &data[k], 4);
    if ((bits & 0x7F800000u) == 0x7F800000u) {
      const char *what = (bits & 0x7FFFFFu) ? "NaN"
                         : (bits >> 31)     ? "-Inf"
                                            : "Inf";
      cnnrt_set_error("%s: tensor '%s': %s at flat index %llu (of %llu "
                      "values); the loader would reject it",
                      path, e->name, what, (unsigned long long)k,
                      (unsigned long long)n);
      return -1;
    }
  }
  return 0;
}

/* ---- Header ----------------------------------------------------------------
 * Built by one function run twice: first with out == NULL to measure, then
 * into a buffer of exactly that size (plus padding). */

typedef struct {
  char *out; /* NULL while measuring */
  size_t len;
} sink;

static void put(sink *s, const char *text, size_t n) {
  if (s->out)
    memcpy(s->out + s->len, text, n);
  s->len += n;
}

static void put_str(sink *s, const char *text) { put(s, text, strlen(text)); }

static void put_uint(sink *s, uint64_t v) {
  char digits[24];
  int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
  put(s, digits, (size_t)n);
}

/* A JSON string literal: quotes, backslashes and control characters are
 * escaped; other bytes (validated UTF-8) are copied as they are. */
static void put_json_string(sink *s, const char *text) {
  put(s, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)text; *p; ++p) {
    char esc[8];
    switch (*p) {
    case '"':
      put(s, "\\\"", 2);
      break;
    case '\\':
      put(s, "\\\\", 2);
      break;
    case '\n':
      put(s, "\\n", 2);
      break;
    case '\r':
      put(s, "\\r", 2);
      break;
    case '\t':
      put(s, "\\t", 2);
      break;
    default:
      if (*p < 0x20) {
        snprintf(esc, sizeof esc, "\\u%04x", *p);
        put(s, esc, 6);
      } else {
        put(s, (const char *)p, 1);
      }
    }
  }
  put(s, "\"", 1);
}

static void build_header(sink *s, const cnnrt_weight_entry *table,
                         int64_t count, const uint64_t *elements) {
  uint64_t offset = 0;
  put(s, "{", 1);
  for (int64_t i = 0; i < count; ++i) {
    const cnnrt_weight_entry *e = &table[i];
    if (i)
      put(s, ",", 1);
    put_json_string(s, e->name);
    put_str(s, ":{\"dtype\":\"F32\",\"shape\":[");
    for (int64_t d = 0; d < e->ndim; ++d) {
      if (d)
        put(s, ",", 1);
      put_uint(s, (uint64_t)e->shape[d]);
    }
    put_str(s, "],\"data_offsets\":[");
    put_uint(s, offset);
    put(s, ",", 1);
    offset += elements[i] * sizeof(float);
    put_uint(s, offset);
    put_str(s, "]}");
  }
  put(s, "}", 1);
}

int cnnrt_save_weights(const char *path, const cnnrt_weight_entry *table,
                       int64_t count, const float *buffer) {
  char why[128];
  if (!path || (count > 0 && !table) || count < 0) {
    cnnrt_set_error("cnnrt_save_weights: %s",
                    !path ? "NULL path"
                    : count < 0 ? "negative tensor count"
                                : "NULL table");
    return CNNRT_ERROR;
  }
  if ((uint64_t)count > SIZE_MAX / sizeof(uint64_t)) {
    cnnrt_set_error("%s: too many tensors (%lld)", path, (long long)count);
    return CNNRT_ERROR;
  }
  uint64_t *elements = malloc((count ? (size_t)count : 1) * sizeof *elements);
  if (!elements) {
    cnnrt_set_error("%s: out of memory", path);
    return CNNRT_ERROR;
  }
  if (check_table(path, table, count, buffer, elements) != 0) {
    free(elements);
    return CNNRT_ERROR;
  }
  uint64_t data_size = 0;
  for (int64_t i = 0; i < count; ++i) {
    if (elements[i] > 0 && check_finite(path, &table[i],
                                        buffer + table[i].offset,
                                        elements[i]) != 0) {
      free(elements);
      return CNNRT_ERROR;
    }
    uint64_t bytes = elements[i] * sizeof(float);
    if (data_size > UINT64_MAX - bytes) {
      cnnrt_set_error("%s: the tensors' total size overflows", path);
      free(elements);
      return CNNRT_ERROR;
    }
    data_size += bytes;
  }

  /* 8 length bytes, the JSON, then spaces up to a multiple of 8. */
  sink measure = {NULL, 0};
  build_header(&measure, table, count, elements);
  size_t header_len = (measure.len + 7) / 8 * 8;
  char *header = malloc(8 + header_len);
  if (!header) {
    cnnrt_set_error("%s: out of memory building the header", path);
    free(elements);
    return CNNRT_ERROR;
  }
  for (int k = 0; k < 8; ++k)
    header[k] = (char)((uint64_t)header_len >> (8 * k) & 0xFF);
  sink text = {header + 8, 0};
  build_header(&text, table, count, elements);
  memset(header + 8 + text.len, ' ', header_len - text.len);

  char *temp_path = NULL;
  int fd = cnnrt_create_temp(path, &temp_path);
  if (fd < 0) {
    cnnrt_set_error("%s: cannot create a temporary file next to it: %s", path,
                    cnnrt_strerror(errno, why, sizeof why));
    free(header);
    free(elements);
    return CNNRT_ERROR;
  }
  const char *step = NULL;
  if (cnnrt_write_full(fd, header, 8 + header_len) != 0)
    step = "cannot write";
  /* Little-endian in memory and on disk (see internal.h). */
  for (int64_t i = 0; i < count && !step; ++i)
    if (elements[i] > 0 && cnnrt_write_full(fd, buffer + table[i].offset,
                   (size_t)elements[i] * sizeof(float)) != 0)
      step = "cannot write";
  /* fsync before rename: otherwise a crash can leave a complete-looking
   * name pointing at an empty file. */
  if (!step && fsync(fd) != 0)
    step = "cannot sync";
  int saved = errno;
  if (close(fd) != 0 && !step) {
    saved = errno;
    step = "cannot write";
  }
  if (!step && rename(temp_path, path) != 0) {
    saved = errno;
    step = "cannot rename the temporary file into place";
  }
  if (step) {
    unlink(temp_path);
    cnnrt_set_error("%s: %s: %s", path, step,
                    cnnrt_strerror(saved, why, sizeof why));
  }
  free(temp_path);
  free(header);
  free(elements);
  return step ? CNNRT_ERROR : CNNRT_OK;
}

/* Safetensors reader for loading weights when a model library is created.
 *
 * File layout: an 8-byte little-endian header length N, N bytes of JSON
 * mapping tensor names to {"dtype", "shape", "data_offsets": [begin, end]}
 * (offsets relative to the data that follows the header), an optional
 * "__metadata__" object of strings, then the raw little-endian data.
 *
 * The whole header is validated at open, so that a bad file fails at once
 * with a message naming it, rather than on whichever tensor is read first.
 * Tensors are then read with pread() into the caller's buffer: no mapping,
 * no shared file position, so reads may run concurrently. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Headers are JSON text for at most some thousands of tensors; a larger one
 * is a corrupt length, and reading it would only exhaust memory. The
 * reference implementation uses the same limit. */
#define MAX_HEADER_BYTES ((uint64_t)100 << 20)

typedef struct {
  const char *name;
  size_t itemsize;
} dtype_info;

/* Every dtype of the safetensors format with a whole-byte element size.
 * Files may hold any of them (PyTorch state dicts carry int64 counters, for
 * instance); only F32, F16 and BF16 can be read as float32. */
static const dtype_info DTYPES[] = {
    {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"F64", 8},     {"I64", 8},
    {"I32", 4}, {"I16", 2}, {"I8", 1},   {"U64", 8},     {"U32", 4},
    {"U16", 2}, {"U8", 1},  {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1},
};
enum { DTYPE_F32 = 0, DTYPE_F16 = 1, DTYPE_BF16 = 2 };

typedef struct {
  char *name;
  int dtype; /* index into DTYPES */
  int ndim;
  int64_t shape[CNNRT_MAX_DIMS];
  uint64_t count; /* product(shape) */
  uint64_t begin, end;
} tensor_entry;

struct cnnrt_safetensors {
  char *path;
  int fd;
  uint64_t data_start; /* file offset of the data section */
  size_t n;
  tensor_entry *tensors; /* sorted by name */
};

static int compare_by_name(const void *a, const void *b) {
  return strcmp(((const tensor_entry *)a)->name,
                ((const tensor_entry *)b)->name);
}

/* bsearch comparator: a bare name against an entry. */
static int compare_name_key(const void *key, const void *entry) {
  return strcmp((const char *)key, ((const tensor_entry *)entry)->name);
}

static int compare_by_offset(const void *a, const void *b) {
  const tensor_entry *x = *(const tensor_entry *const *)a;
  const tensor_entry *y = *(const tensor_entry *const *)b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return 0;
}

/* Reads a non-negative JSON integer; 0 on success. */
static int get_uint(const cnnrt_json *v, uint64_t *out) {
  if (!v || v->type != CNNRT_JSON_NUMBER || !v->is_int || v->i < 0)
    return -1;
  *out = (uint64_t)v->i;
  return 0;
}

/* Validates one header entry and fills *t; on failure sets the error. */
static int parse_entry(const char *path, const cnnrt_json *entry,
                       uint64_t data_size, tensor_entry *t) {
  const char *name = entry->key;
#define ENTRY_FAIL(...)                                                        \
  do {                                                                         \
    char what_[512];                                                           \
    snprintf(what_, sizeof what_, __VA_ARGS__);                                \
    cnnrt_set_error("%s: tensor '%s': %s", path, name, what_);                 \
    return -1;                                                                 \
  } while (0)
  if (strlen(name) != entry->key_len)
    ENTRY_FAIL("the name contains a NUL character");
  if (entry->type != CNNRT_JSON_OBJECT)
    ENTRY_FAIL("header entry is not an object");

  const cnnrt_json *dtype = cnnrt_json_get(entry, "dtype");
  if (!dtype || dtype->type != CNNRT_JSON_STRING)
    ENTRY_FAIL("missing or non-string 'dtype'");
  t->dtype = -1;
  for (size_t k = 0; k < sizeof DTYPES / sizeof DTYPES[0]; ++k)
    if (strcmp(dtype->str, DTYPES[k].name) == 0)
      t->dtype = (int)k;
  if (t->dtype < 0)
    ENTRY_FAIL("unknown dtype '%s'", dtype->str);

  const cnnrt_json *shape = cnnrt_json_get(entry, "shape");
  if (!shape || shape->type != CNNRT_JSON_ARRAY)
    ENTRY_FAIL("missing or non-array 'shape'");
  if (shape->n > CNNRT_MAX_DIMS)
    ENTRY_FAIL("%zu dimensions; at most %d are supported", shape->n,
               CNNRT_MAX_DIMS);
  t->ndim = (int)shape->n;
  for (size_t d = 0; d < shape->n; ++d) {
    uint64_t size;
    if (get_uint(&shape->items[d], &size) != 0)
      ENTRY_FAIL("'shape' must hold non-negative integers");
    t->shape[d] = (int64_t)size;
  }

  const cnnrt_json *offsets = cnnrt_json_get(entry, "data_offsets");
  if (!offsets || offsets->type != CNNRT_JSON_ARRAY || offsets->n != 2 ||
      get_uint(&offsets->items[0], &t->begin) != 0 ||
      get_uint(&offsets->items[1], &t->end) != 0)
    ENTRY_FAIL("'data_offsets' must be two non-negative integers");
  if (t->begin > t->end)
    ENTRY_FAIL("data_offsets [%llu, %llu] are reversed",
               (unsigned long long)t->begin, (unsigned long long)t->end);
  if (t->end > data_size)
    ENTRY_FAIL("data_offsets [%llu, %llu] run past the end of the data "
               "(%llu bytes): the file is truncated",
               (unsigned long long)t->begin, (unsigned long long)t->end,
               (unsigned long long)data_size);
  uint64_t itemsize = DTYPES[t->dtype].itemsize;
  if (cnnrt_shape_elements(t->shape, t->ndim, &t->count) != 0 ||
      t->count > UINT64_MAX / itemsize)
    ENTRY_FAIL("the shape's size overflows");
  if (t->end - t->begin != t->count * itemsize) {
    char dims[256];
    cnnrt_format_shape(dims, sizeof dims, t->shape, t->ndim);
    ENTRY_FAIL("holds %llu bytes but shape %s of %s needs %llu",
               (unsigned long long)(t->end - t->begin), dims,
               DTYPES[t->dtype].name,
               (unsigned long long)(t->count * itemsize));
  }
#undef ENTRY_FAIL
  return 0;
}

static int check_metadata(const char *path, const cnnrt_json *meta) {
  int ok = meta->type == CNNRT_JSON_OBJECT;
  for (size_t k = 0; ok && k < meta->n; ++k)
    ok = meta->items[k].type == CNNRT_JSON_STRING;
  if (!ok) {
    cnnrt_set_error("%s: '__metadata__' must be an object of strings", path);
    return -1;
  }
  return 0;
}

/* Validates the parsed header and fills st->tensors. */
static int load_header(cnnrt_safetensors *st, const cnnrt_json *header,
                       uint64_t data_size) {
  const char *path = st->path;
  if (header->type != CNNRT_JSON_OBJECT) {
    cnnrt_set_error("%s: the header is not a JSON object", path);
    return -1;
  }
  st->tensors = calloc(header->n ? header->n : 1, sizeof *st->tensors);
  if (!st->tensors) {
    cnnrt_set_error("%s: out of memory reading the header", path);
    return -1;
  }
  for (size_t k = 0; k < header->n; ++k) {
    const cnnrt_json *entry = &header->items[k];
    if (strcmp(entry->key, "__metadata__") == 0) {
      if (check_metadata(path, entry) != 0)
        return -1;
      continue;
    }
    tensor_entry *t = &st->tensors[st->n];
    if (parse_entry(path, entry, data_size, t) != 0)
      return -1;
    t->name = malloc(entry->key_len + 1);
    if (!t->name) {
      cnnrt_set_error("%s: out of memory reading the header", path);
      return -1;
    }
    memcpy(t->name, entry->key, entry->key_len + 1);
    ++st->n;
  }

  /* Sorted names give O(log n) lookups and make duplicates adjacent (JSON
   * allows repeated keys; a weights file must not). */
  qsort(st->tensors, st->n, sizeof *st->tensors, compare_by_name);
  for (size_t k = 1; k < st->n; ++k)
    if (strcmp(st->tensors[k - 1].name, st->tensors[k].name) == 0) {
      cnnrt_set_error("%s: tensor '%s' appears twice in the header", path,
                      st->tensors[k].name);
      return -1;
    }

  /* Overlapping byte ranges mean a corrupt header: two tensors would share
   * (and silently alias) the same data. Empty ranges overlap nothing. */
  const tensor_entry **by_offset =
      malloc((st->n ? st->n : 1) * sizeof *by_offset);
  if (!by_offset) {
    cnnrt_set_error("%s: out of memory reading the header", path);
    return -1;
  }
  for (size_t k = 0; k < st->n; ++k)
    by_offset[k] = &st->tensors[k];
  qsort(by_offset, st->n, sizeof *by_offset, compare_by_offset);
  const tensor_entry *last = NULL;
  for (size_t k = 0; k < st->n; ++k) {
    const tensor_entry *t = by_offset[k];
    if (t->begin == t->end)
      continue;
    if (last && t->begin < last->end) {
      cnnrt_set_error("%s: tensors '%s' and '%s' overlap", path, last->name,
                      t->name);
      free(by_offset);
      return -1;
    }
    if (!last || t->end > last->end)
      last = t;
  }
  free(by_offset);
  return 0;
}

int cnnrt_safetensors_open(const char *path, cnnrt_safetensors **out) {
  char why[128];
  if (!out || !path) {
    cnnrt_set_error("cnnrt_safetensors_open: NULL argument");
    return CNNRT_ERROR;
  }
  *out = NULL;
  cnnrt_safetensors *st = calloc(1, sizeof *st);
  char *header_text = NULL;
  cnnrt_json header;
  memset(&header, 0, sizeof header);
  if (st)
    st->fd = -1; /* so that the failure path closes nothing */
  if (!st || !(st->path = malloc(strlen(path) + 1))) {
    cnnrt_set_error("%s: out of memory", path);
    goto fail;
  }
  strcpy(st->path, path);
  st->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (st->fd < 0) {
    cnnrt_set_error("%s: cannot open weights file: %s", path,
                    cnnrt_strerror(errno, why, sizeof why));
    goto fail;
  }
  struct stat info;
  if (fstat(st->fd, &info) != 0) {
    cnnrt_set_error("%s: cannot stat weights file: %s", path,
                    cnnrt_strerror(errno, why, sizeof why));
    goto fail;
  }
  if (!S_ISREG(info.st_mode)) {
    cnnrt_set_error("%s: not a regular file", path);
    goto fail;
  }
  uint64_t file_size = (uint64_t)info.st_size;
  unsigned char length_bytes[8];
  if (file_size < 8) {
    cnnrt_set_error("%s: truncated: %llu bytes, shorter than the 8-byte "
                    "header length",
                    path, (unsigned long long)file_size);
    goto fail;
  }
  if (cnnrt_pread_full(st->fd, length_bytes, 8, 0) != 0)
    goto read_error;
  uint64_t header_size = 0;
  for (int k = 7; k >= 0; --k)
    header_size = (header_size << 8) | length_bytes[k];
  /* Another format's first 8 bytes (a zip's "PK\3\4...", a .npy magic)
   * read as an absurd length: say so instead of calling the file truncated. */
  if (header_size > MAX_HEADER_BYTES) {
    cnnrt_set_error("%s: not a safetensors file: its header length field "
                    "says %llu bytes (the limit is %llu)",
                    path, (unsigned long long)header_size,
                    (unsigned long long)MAX_HEADER_BYTES);
    goto fail;
  }
  if (header_size > file_size - 8) {
    cnnrt_set_error("%s: truncated: header of %llu bytes but the file has "
                    "only %llu bytes after the length",
                    path, (unsigned long long)header_size,
                    (unsigned long long)(file_size - 8));
    goto fail;
  }
  header_text = malloc((size_t)header_size + 1);
  if (!header_text) {
    cnnrt_set_error("%s: out of memory reading the header", path);
    goto fail;
  }
  if (cnnrt_pread_full(st->fd, header_text, (size_t)header_size, 8) != 0)
    goto read_error;
  if (header_size == 0 || header_text[0] != '{') {
    cnnrt_set_error("%s: not a safetensors file: the header does not start "
                    "with '{'",
                    path);
    goto fail;
  }
  char parse_error[256];
  if (cnnrt_json_parse(header_text, (size_t)header_size, &header, parse_error,
                       sizeof parse_error) != 0) {
    cnnrt_set_error("%s: invalid JSON in the header: %s", path, parse_error);
    goto fail;
  }
  st->data_start = 8 + header_size;
  if (load_header(st, &header, file_size - st->data_start) != 0)
    goto fail;
  cnnrt_json_free(&header);
  free(header_text);
  *out = st;
  return CNNRT_OK;

read_error:
  if (errno == 0)
    cnnrt_set_error("%s: the file ended early while reading the header", path);
  else
    cnnrt_set_error("%s: cannot read: %s", path,
                    cnnrt_strerror(errno, why, sizeof why));
fail:
  cnnrt_json_free(&header);
  free(header_text);
  cnnrt_safetensors_close(st);
  return CNNRT_ERROR;
}

void cnnrt_safetensors_close(cnnrt_safetensors *st) {
  if (!st)
    return;
  if (st->fd >= 0)
    close(st->fd);
  for (size_t k = 0; k < st->n; ++k)
    free(st->tensors[k].name);
  free(st->tensors);
  free(st->path);
  free(st);
}

size_t cnnrt_safetensors_num_tensors(const cnnrt_safetensors *st) {
  return st ? st->n : 0;
}

int cnnrt_safetensors_tensor_info(const cnnrt_safetensors *st, size_t index,
                                  const char **name, const char **dtype,
                                  int *ndim, int64_t shape[CNNRT_MAX_DIMS]) {
  if (!st || index >= st->n) {
    cnnrt_set_error("cnnrt_safetensors_tensor_info: index %zu out of range "
                    "(%zu tensors)",
                    index, st ? st->n : (size_t)0);
    return CNNRT_ERROR;
  }
  const tensor_entry *t = &st->tensors[index];
  if (name)
    *name = t->name;
  if (dtype)
    *dtype = DTYPES[t->dtype].name;
  if (ndim)
    *ndim = t->ndim;
  if (shape)
    for (int d = 0; d < t->ndim; ++d)
      shape[d] = t->shape[d];
  return CNNRT_OK;
}

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1F) { /* Inf / NaN keep their payload */
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) { /* normal: rebias 15 -> 127 */
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) { /* signed zero */
    bits = sign;
  } else { /* subnormal half is a normal float: shift the leading 1 out */
    uint32_t e = 113;
    while (!(mantissa & 0x400u)) {
      mantissa <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mantissa & 0x3FFu) << 13);
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* Formats flat index k of `shape` as "[i, j, ...]". */
static void format_coordinates(char *buf, size_t size, uint64_t k,
                               const int64_t *shape, int ndim) {
  uint64_t coord[CNNRT_MAX_DIMS];
  for (int d = ndim - 1; d >= 0; --d) {
    coord[d] = shape[d] ? k % (uint64_t)shape[d] : 0;
    k = shape[d] ? k / (uint64_t)shape[d] : 0;
  }
  size_t used = (size_t)snprintf(buf, size, "[");
  for (int d = 0; d < ndim && used < size; ++d)
    used += (size_t)snprintf(buf + used, size - used, d ? ", %llu" : "%llu",
                             (unsigned long long)coord[d]);
  if (used < size)
    snprintf(buf + used, size - used, "]");
}

int cnnrt_safetensors_read_f32(cnnrt_safetensors *st, const char *name,
                               const int64_t *expected_shape, int ndim,
                               float *dst) {
  char why[128];
  if (!st || !name) {
    cnnrt_set_error("cnnrt_safetensors_read_f32: NULL argument");
    return CNNRT_ERROR;
  }
  const tensor_entry *t =
      bsearch(name, st->tensors, st->n, sizeof *st->tensors, compare_name_key);
  if (!t) {
    cnnrt_set_error("%s: tensor '%s' not found", st->path, name);
    return CNNRT_ERROR;
  }
  if (ndim < 0 || ndim > CNNRT_MAX_DIMS || (ndim > 0 && !expected_shape)) {
    cnnrt_set_error("%s: tensor '%s': invalid expected shape (%d dimensions)",
                    st->path, name, ndim);
    return CNNRT_ERROR;
  }
  int same = t->ndim == ndim;
  for (int d = 0; same && d < ndim; ++d)
    same = t->shape[d] == expected_shape[d];
  if (!same) {
    char have[256], want[256];
    cnnrt_format_shape(have, sizeof have, t->shape, t->ndim);
    cnnrt_format_shape(want, sizeof want, expected_shape, ndim);
    cnnrt_set_error("%s: tensor '%s': shape mismatch: the file has %s, "
                    "expected %s",
                    st->path, name, have, want);
    return CNNRT_ERROR;
  }
  if (t->dtype != DTYPE_F32 && t->dtype != DTYPE_F16 &&
      t->dtype != DTYPE_BF16) {
    cnnrt_set_error("%s: tensor '%s': dtype %s cannot be read as float32 "
                    "(F32, F16 and BF16 can)",
                    st->path, name, DTYPES[t->dtype].name);
    return CNNRT_ERROR;
  }
  if (t->count > SIZE_MAX / sizeof(float)) {
    cnnrt_set_error("%s: tensor '%s': too large for this machine", st->path,
                    name);
    return CNNRT_ERROR;
  }
  size_t count = (size_t)t->count;
  if (count > 0 && !dst) {
    cnnrt_set_error("%s: tensor '%s': NULL destination", st->path, name);
    return CNNRT_ERROR;
  }

  uint64_t offset = st->data_start + t->begin;
  int read_failed = 0;
  if (t->dtype == DTYPE_F32) {
    /* Little-endian on disk and in memory (see internal.h). */
    read_failed = cnnrt_pread_full(st->fd, dst, count * 4, offset) != 0;
  } else {
    /* Convert in chunks through a small buffer instead of allocating a
     * second copy of the tensor. */
    unsigned char chunk[8192];
    for (size_t done = 0; done < count && !read_failed;) {
      size_t n =
          count - done < sizeof chunk / 2 ? count - done : sizeof chunk / 2;
      if (cnnrt_pread_full(st->fd, chunk, n * 2, offset + done * 2) != 0) {
        read_failed = 1;
        break;
      }
      for (size_t k = 0; k < n; ++k) {
        uint16_t h = (uint16_t)(chunk[2 * k] | (chunk[2 * k + 1] << 8));
        if (t->dtype == DTYPE_F16) {
          dst[done + k] = half_to_float(h);
        } else {
          uint32_t bits = (uint32_t)h << 16;
          memcpy(&dst[done + k], &bits, 4);
        }
      }
      done += n;
    }
  }
  if (read_failed) {
    if (errno == 0)
      cnnrt_set_error("%s: tensor '%s': the file ended early (was it "
                      "truncated after opening?)",
                      st->path, name);
    else
      cnnrt_set_error("%s: tensor '%s': cannot read: %s", st->path, name,
                      cnnrt_strerror(errno, why, sizeof why));
    return CNNRT_ERROR;
  }

  /* Test the bits rather than isfinite(): this must hold even if someone
   * builds the runtime with -ffast-math. */
  for (size_t k = 0; k < count; ++k) {
    uint32_t bits;
    memcpy(&bits, &dst[k], 4);
    if ((bits & 0x7F800000u) == 0x7F800000u) {
      char where[160];
      format_coordinates(where, sizeof where, k, t->shape, t->ndim);
      const char *what = (bits & 0x7FFFFFu) ? "NaN"
                         : (bits >> 31)     ? "-Inf"
                                            : "Inf";
      cnnrt_set_error("%s: tensor '%s': %s at index %zu %s (of %zu values)",
                      st->path, name, what, k, where, count);
      return CNNRT_ERROR;
    }
  }
  return CNNRT_OK;
}

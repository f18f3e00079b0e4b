/* NumPy .npy files: inputs and outputs of `cnnc run`, labels for training.
 *
 * Layout: "\x93NUMPY", major and minor version bytes, the header length
 * (2 bytes LE in version 1.0, 4 in 2.0 and 3.0), then the header: a Python
 * dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and a final '\n', then the raw array data.
 * We accept what NumPy writes for float32 and int64 arrays, C order, and
 * reject everything else with a message that says how to fix the file. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char MAGIC[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* NumPy itself refuses headers above 10000 bytes by default; anything much
 * larger is corruption, not a real header. */
#define MAX_HEADER_BYTES ((uint32_t)1 << 20)

/* ---- Header dict parsing -------------------------------------------------
 * A tiny parser for the Python literal: string keys and values in single or
 * double quotes, True/False, and tuples of non-negative integers. */

typedef struct {
  const char *s;
  size_t len, pos;
  char *err; /* message buffer for the first problem found */
  size_t err_size;
} lit_parser;

static int lit_fail(lit_parser *p, const char *fmt, ...)
    CNNRT_PRINTF_LIKE(2, 3);
static int lit_fail(lit_parser *p, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(p->err, p->err_size, fmt, args);
  va_end(args);
  return -1;
}

static void lit_skip_ws(lit_parser *p) {
  while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                             p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
    ++p->pos;
}

static int lit_peek(lit_parser *p) {
  lit_skip_ws(p);
  return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

/* Parses a quoted string into out (NUL-terminated, truncated to out_size). */
static int lit_string(lit_parser *p, char *out, size_t out_size) {
  int quote = lit_peek(p);
  if (quote != '\'' && quote != '"')
    return lit_fail(p, "malformed header: string expected at byte %zu", p->pos);
  size_t start = ++p->pos;
  while (p->pos < p->len && p->s[p->pos] != quote) {
    if (p->s[p->pos] == '\\' || p->s[p->pos] == '\n')
      return lit_fail(p, "malformed header: unsupported string at byte %zu",
                      start);
    ++p->pos;
  }
  if (p->pos >= p->len)
    return lit_fail(p, "malformed header: unterminated string");
  size_t n = p->pos - start;
  if (n >= out_size)
    n = out_size - 1;
  memcpy(out, p->s + start, n);
  out[n] = '\0';
  ++p->pos;
  return 0;
}

static int lit_expect(lit_parser *p, char c) {
  if (lit_peek(p) != c)
    return lit_fail(p, "malformed header: '%c' expected at byte %zu", c,
                    p->pos);
  ++p->pos;
  return 0;
}

static int lit_bool(lit_parser *p, int *out) {
  lit_skip_ws(p);
  const char *rest = p->s + p->pos;
  size_t avail = p->len - p->pos;
  if (avail >= 4 && memcmp(rest, "True", 4) == 0) {
    *out = 1;
    p->pos += 4;
  } else if (avail >= 5 && memcmp(rest, "False", 5) == 0) {
    *out = 0;
    p->pos += 5;
  } else {
    return lit_fail(p, "malformed header: 'fortran_order' must be True or "
                       "False");
  }
  return 0;
}

/* Parses "()", "(3,)", "(2, 3)", "(2, 3,)"; Python 2 wrote longs as "3L". */
static int lit_shape(lit_parser *p, int64_t *shape, int *ndim) {
  if (lit_expect(p, '(') != 0)
    return -1;
  *ndim = 0;
  while (lit_peek(p) != ')') {
    int c = lit_peek(p);
    if (c == '-')
      return lit_fail(p, "negative dimension in 'shape'");
    if (c < '0' || c > '9')
      return lit_fail(p, "malformed header: 'shape' must be a tuple of "
                         "integers");
    int64_t v = 0;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
      int d = p->s[p->pos++] - '0';
      if (v > (INT64_MAX - d) / 10)
        return lit_fail(p, "dimension in 'shape' overflows int64");
      v = v * 10 + d;
    }
    if (p->pos < p->len && p->s[p->pos] == 'L')
      ++p->pos;
    if (*ndim == CNNRT_MAX_DIMS)
      return lit_fail(p,
                      "'shape' has more than %d dimensions, the most "
                      "supported",
                      CNNRT_MAX_DIMS);
    shape[(*ndim)++] = v;
    c = lit_peek(p);
    if (c == ',')
      ++p->pos;
    else if (c != ')')
      return lit_fail(p, "malformed header: ',' or ')' expected in 'shape'");
  }
  ++p->pos;
  return 0;
}

typedef struct {
  char descr[32];
  int fortran_order;
  int64_t shape[CNNRT_MAX_DIMS];
  int ndim;
} npy_header;

static int parse_header(lit_parser *p, npy_header *h) {
  int have_descr = 0, have_order = 0, have_shape = 0;
  if (lit_expect(p, '{') != 0)
    return -1;
  while (lit_peek(p) != '}') {
    char key[32];
    if (lit_string(p, key, sizeof key) != 0 || lit_expect(p, ':') != 0)
      return -1;
    int *seen;
    int rc;
    if (strcmp(key, "descr") == 0) {
      seen = &have_descr;
      if (lit_peek(p) == '[')
        return lit_fail(p, "structured dtypes are not supported; save a "
                           "plain float32 or int64 array");
      rc = lit_string(p, h->descr, sizeof h->descr);
    } else if (strcmp(key, "fortran_order") == 0) {
      seen = &have_order;
      rc = lit_bool(p, &h->fortran_order);
    } else if (strcmp(key, "shape") == 0) {
      seen = &have_shape;
      rc = lit_shape(p, h->shape, &h->ndim);
    } else {
      return lit_fail(p, "unexpected key '%s' in the header", key);
    }
    if (rc != 0)
      return -1;
    if (*seen)
      return lit_fail(p, "key '%s' appears twice in the header", key);
    *seen = 1;
    int c = lit_peek(p);
    if (c == ',')
      ++p->pos;
    else if (c != '}')
      return lit_fail(p, "malformed header: ',' or '}' expected at byte %zu",
                      p->pos);
  }
  ++p->pos;
  lit_skip_ws(p);
  if (p->pos != p->len)
    return lit_fail(p, "malformed header: unexpected text after the dict");
  if (!have_descr || !have_order || !have_shape)
    return lit_fail(p, "the header lacks '%s'",
                    !have_descr   ? "descr"
                    : !have_order ? "fortran_order"
                                  : "shape");
  return 0;
}

/* Maps a descr to our dtype; on failure explains how to fix the file. */
static int check_descr(const char *descr, char dtype[8], size_t *itemsize,
                       char *err, size_t err_size) {
  if (strcmp(descr, "<f4") == 0) {
    strcpy(dtype, "f4");
    *itemsize = 4;
    return 0;
  }
  if (strcmp(descr, "<i8") == 0) {
    strcpy(dtype, "i8");
    *itemsize = 8;
    return 0;
  }
  if (descr[0] == '>')
    snprintf(err, err_size,
             "big-endian data ('%s') is not supported; save it with "
             "a.astype(a.dtype.newbyteorder('<'))",
             descr);
  else if (strcmp(descr, "<f8") == 0)
    snprintf(err, err_size,
             "dtype float64 ('<f8') is not supported; save "
             "a.astype(numpy.float32)");
  else
    snprintf(err, err_size,
             "unsupported dtype '%s' (supported: '<f4' float32, '<i8' "
             "int64)",
             descr);
  return -1;
}

static const char *dtype_name(const char *dtype) {
  return strcmp(dtype, "f4") == 0 ? "float32" : "int64";
}

/* ---- Reading ------------------------------------------------------------ */

int cnnrt_npy_read(const char *path, cnnrt_array *out) {
  char why[128], err[512];
  char *header_text = NULL;
  int fd = -1;
  if (!out || !path) {
    cnnrt_set_error("cnnrt_npy_read: NULL argument");
    return CNNRT_ERROR;
  }
  memset(out, 0, sizeof *out);
#define READ_FAIL(...)                                                         \
  do {                                                                         \
    snprintf(err, sizeof err, __VA_ARGS__);                                    \
    cnnrt_set_error("%s: %s", path, err);                                      \
    goto fail;                                                                 \
  } while (0)

  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    READ_FAIL("cannot open: %s", cnnrt_strerror(errno, why, sizeof why));
  struct stat info;
  if (fstat(fd, &info) != 0)
    READ_FAIL("cannot stat: %s", cnnrt_strerror(errno, why, sizeof why));
  if (!S_ISREG(info.st_mode))
    READ_FAIL("not a regular file");
  uint64_t file_size = (uint64_t)info.st_size;

  unsigned char pre[12];
  if (file_size < 10)
    READ_FAIL("not a .npy file: only %llu bytes",
              (unsigned long long)file_size);
  if (cnnrt_pread_full(fd, pre, 10, 0) != 0)
    goto read_error;
  if (memcmp(pre, MAGIC, sizeof MAGIC) != 0)
    READ_FAIL("not a .npy file (bad magic; expected \\x93NUMPY)");
  unsigned major = pre[6], minor = pre[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    READ_FAIL("unsupported .npy format version %u.%u (1.0, 2.0 and 3.0 "
              "are)",
              major, minor);
  uint64_t prefix = major == 1 ? 10 : 12;
  uint64_t header_size;
  if (major == 1) {
    header_size = (uint64_t)pre[8] | (uint64_t)pre[9] << 8;
  } else {
    if (file_size < 12)
      READ_FAIL("truncated: the file ends inside the header length");
    if (cnnrt_pread_full(fd, pre + 10, 2, 10) != 0)
      goto read_error;
    header_size = (uint64_t)pre[8] | (uint64_t)pre[9] << 8 |
                  (uint64_t)pre[10] << 16 | (uint64_t)pre[11] << 24;
  }
  if (header_size > file_size - prefix)
    READ_FAIL("truncated: header of %llu bytes but the file has %llu bytes "
              "after the preamble",
              (unsigned long long)header_size,
              (unsigned long long)(file_size - prefix));
  if (header_size > MAX_HEADER_BYTES)
    READ_FAIL("header of %llu bytes is implausibly large",
              (unsigned long long)header_size);
  header_text = malloc((size_t)header_size + 1);
  if (!header_text)
    READ_FAIL("out of memory");
  if (cnnrt_pread_full(fd, header_text, (size_t)header_size, prefix) != 0)
    goto read_error;
  header_text[header_size] = '\0';
  if (memchr(header_text, '\0', (size_t)header_size))
    READ_FAIL("malformed header: it contains a NUL byte");

  npy_header h;
  memset(&h, 0, sizeof h);
  lit_parser p = {header_text, (size_t)header_size, 0, err, sizeof err};
  if (parse_header(&p, &h) != 0) {
    cnnrt_set_error("%s: %s", path, err);
    goto fail;
  }
  size_t itemsize;
  if (check_descr(h.descr, out->dtype, &itemsize, err, sizeof err) != 0) {
    cnnrt_set_error("%s: %s", path, err);
    goto fail;
  }
  if (h.fortran_order)
    READ_FAIL("fortran_order is True (column-major data) which is not "
              "supported; save numpy.ascontiguousarray(a)");

  uint64_t count;
  if (cnnrt_shape_elements(h.shape, h.ndim, &count) != 0 ||
      count > UINT64_MAX / itemsize)
    READ_FAIL("the shape's size overflows");
  uint64_t want = count * itemsize;
  uint64_t have = file_size - prefix - header_size;
  if (have != want) {
    char dims[256];
    cnnrt_format_shape(dims, sizeof dims, h.shape, h.ndim);
    READ_FAIL("%s: header says %s %s (%llu bytes) but the file has %llu "
              "bytes of data",
              have < want ? "truncated" : "trailing bytes", dims,
              dtype_name(out->dtype), (unsigned long long)want,
              (unsigned long long)have);
  }
  if (want > SIZE_MAX)
    READ_FAIL("too large for this machine");

  out->data = cnnrt_alloc((size_t)want, 64);
  if (!out->data) {
    cnnrt_set_error("%s: %s", path, cnnrt_last_error());
    goto fail;
  }
  if (cnnrt_pread_full(fd, out->data, (size_t)want, prefix + header_size) != 0)
    goto read_error;
  out->ndim = h.ndim;
  memcpy(out->shape, h.shape, sizeof h.shape);
  out->nbytes = (size_t)want;
  close(fd);
  free(header_text);
  return CNNRT_OK;
#undef READ_FAIL

read_error:
  if (errno == 0)
    cnnrt_set_error("%s: the file ended early (was it truncated while being "
                    "read?)",
                    path);
  else
    cnnrt_set_error("%s: cannot read: %s", path,
                    cnnrt_strerror(errno, why, sizeof why));
fail:
  if (fd >= 0)
    close(fd);
  free(header_text);
  cnnrt_array_free(out);
  return CNNRT_ERROR;
}

void cnnrt_array_free(cnnrt_array *a) {
  if (!a)
    return;
  cnnrt_free(a->data);
  memset(a, 0, sizeof *a);
}

/* ---- Writing ------------------------------------------------------------ */

/* Builds the preamble and header exactly as NumPy's format 1.0 writer does:
 * the dict, spaces, '\n', the total a multiple of 64 so the data is
 * aligned. Returns the length, or 0 if buf is too small. */
static size_t format_header(char *buf, size_t size, const cnnrt_array *a) {
  char dict[512];
  int n = snprintf(dict, sizeof dict,
                   "{'descr': '<%s', 'fortran_order': "
                   "False, 'shape': (",
                   a->dtype);
  for (int d = 0; d < a->ndim; ++d)
    n += snprintf(dict + n, sizeof dict - (size_t)n, d ? ", %lld" : "%lld",
                  (long long)a->shape[d]);
  n += snprintf(dict + n, sizeof dict - (size_t)n, "%s), }",
                a->ndim == 1 ? "," : "");
  size_t header_len = (size_t)n + 1; /* + '\n' */
  size_t total = (10 + header_len + 63) / 64 * 64;
  if (total > size)
    return 0;
  header_len = total - 10;
  memcpy(buf, MAGIC, sizeof MAGIC);
  buf[6] = 1;
  buf[7] = 0;
  buf[8] = (char)(header_len & 0xFF);
  buf[9] = (char)(header_len >> 8);
  memcpy(buf + 10, dict, (size_t)n);
  memset(buf + 10 + n, ' ', total - 10 - (size_t)n - 1);
  buf[total - 1] = '\n';
  return total;
}

int cnnrt_npy_write(const char *path, const cnnrt_array *in) {
  char why[128];
  if (!path || !in) {
    cnnrt_set_error("cnnrt_npy_write: NULL argument");
    return CNNRT_ERROR;
  }
  size_t itemsize;
  if (strcmp(in->dtype, "f4") == 0)
    itemsize = 4;
  else if (strcmp(in->dtype, "i8") == 0)
    itemsize = 8;
  else {
    cnnrt_set_error("%s: cannot write dtype '%.8s' (supported: f4, i8)", path,
                    in->dtype);
    return CNNRT_ERROR;
  }
  if (in->ndim < 0 || in->ndim > CNNRT_MAX_DIMS) {
    cnnrt_set_error("%s: cannot write an array of %d dimensions", path,
                    in->ndim);
    return CNNRT_ERROR;
  }
  uint64_t count;
  if (cnnrt_shape_elements(in->shape, in->ndim, &count) != 0 ||
      count > UINT64_MAX / itemsize || count * itemsize != in->nbytes) {
    char dims[256];
    cnnrt_format_shape(dims, sizeof dims, in->shape, in->ndim);
    cnnrt_set_error("%s: array of shape %s %s does not hold %zu bytes", path,
                    dims, dtype_name(in->dtype), in->nbytes);
    return CNNRT_ERROR;
  }
  if (in->nbytes > 0 && !in->data) {
    cnnrt_set_error("%s: array data is NULL", path);
    return CNNRT_ERROR;
  }

  char header[1024];
  size_t header_len = format_header(header, sizeof header, in);
  char *temp_path = NULL;
  int fd = cnnrt_create_temp(path, &temp_path);
  if (fd < 0) {
    cnnrt_set_error("%s: cannot create a temporary file next to it: %s", path,
                    cnnrt_strerror(errno, why, sizeof why));
    return CNNRT_ERROR;
  }
  const char *step;
  if (cnnrt_write_full(fd, header, header_len) != 0 ||
      cnnrt_write_full(fd, in->data, in->nbytes) != 0)
    step = "cannot write";
  /* fsync before rename: otherwise a crash can leave a complete-looking
   * name pointing at an empty file. */
  else if (fsync(fd) != 0)
    step = "cannot sync";
  else
    step = NULL;
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
    free(temp_path);
    return CNNRT_ERROR;
  }
  free(temp_path);
  return CNNRT_OK;
}

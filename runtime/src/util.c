#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cnnrt_pread_full(int fd, void *buf, size_t n, uint64_t offset) {
  char *p = buf;
  while (n > 0) {
    /* Large reads are split: some kernels cap a single read near 2 GiB. */
    size_t chunk = n < ((size_t)1 << 30) ? n : ((size_t)1 << 30);
    ssize_t got = pread(fd, p, chunk, (off_t)offset);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (got == 0) {
      errno = 0;
      return -1;
    }
    p += got;
    n -= (size_t)got;
    offset += (uint64_t)got;
  }
  return 0;
}

void cnnrt_format_shape(char *buf, size_t size, const int64_t *shape,
                        int ndim) {
  if (size == 0)
    return;
  if (ndim == 0) {
    snprintf(buf, size, "scalar");
    return;
  }
  size_t used = 0;
  buf[0] = '\0';
  for (int d = 0; d < ndim && used < size; ++d) {
    int w = snprintf(buf + used, size - used, d ? "x%lld" : "%lld",
                     (long long)shape[d]);
    if (w < 0)
      break;
    used += (size_t)w;
  }
}

int cnnrt_shape_elements(const int64_t *shape, int ndim, uint64_t *count) {
  uint64_t n = 1;
  for (int d = 0; d < ndim; ++d) {
    if (shape[d] < 0)
      return -1;
    uint64_t s = (uint64_t)shape[d];
    if (s != 0 && n > UINT64_MAX / s)
      return -1;
    n *= s;
  }
  *count = n;
  return 0;
}

/* strerror_r is the XSI variant (returns int) under plain POSIX and the GNU
 * variant (returns char *) when _GNU_SOURCE is defined, which the enclosing
 * LLVM build does. Pick the right way to read the result from its type. */
static const char *strerror_from_int(int rc, char *buf) {
  return rc == 0 ? buf : "unknown error";
}
static const char *strerror_from_ptr(char *s, char *buf) {
  (void)buf;
  return s ? s : "unknown error";
}

const char *cnnrt_strerror(int err, char *buf, size_t size) {
  if (size == 0)
    return "unknown error";
  buf[0] = '\0';
  return _Generic(strerror_r(err, buf, size), int
                  : strerror_from_int, default
                  : strerror_from_ptr)(strerror_r(err, buf, size), buf);
}

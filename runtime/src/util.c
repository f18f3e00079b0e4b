#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

int cnnrt_write_full(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    /* Some kernels cap a single write near 2 GiB. */
    size_t chunk = n < ((size_t)1 << 30) ? n : ((size_t)1 << 30);
    ssize_t wrote = write(fd, p, chunk);
    if (wrote < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += wrote;
    n -= (size_t)wrote;
  }
  return 0;
}

/* A fresh temporary file next to `path` (same file system, so rename() is
 * atomic), named with a clock- and address-derived suffix. */
int cnnrt_create_temp(const char *path, char **temp_path) {
  size_t n = strlen(path) + 32;
  char *name = malloc(n);
  if (!name) {
    errno = ENOMEM;
    return -1;
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  uint64_t seed = (uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 30) ^
                  ((uint64_t)getpid() << 20) ^ (uint64_t)(uintptr_t)&now;
  for (int attempt = 0; attempt < 100; ++attempt) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    snprintf(name, n, "%s.tmp-%08x", path, (unsigned)(seed >> 32));
    /* 0666 so that the umask, not us, decides the final permissions. */
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      *temp_path = name;
      return fd;
    }
    if (errno != EEXIST)
      break;
  }
  int saved = errno;
  free(name);
  errno = saved;
  return -1;
}


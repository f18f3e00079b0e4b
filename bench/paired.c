/*
 * paired.c - compares cnnc-generated model libraries call by call.
 *
 *   paired --in ELEMS [--in ELEMS...] --out ELEMS [--out ELEMS...]
 *          [--iters N] [--sleep-us US] [--evict-mb MB] LIB:NAME LIB:NAME...
 *
 * Each LIB (a lib<NAME>.so of the same model, e.g. from two compilers) is
 * dlopen()ed into this one process and created once. Their inferences are
 * then interleaved one call at a time: round i runs every library once,
 * starting with library i mod count. On a host whose speed drifts from
 * second to second, a ratio of two whole runs made minutes apart says more
 * about the host than about the code; the ratio of two calls made
 * milliseconds apart does not. For each library it prints the fastest,
 * first-quartile and median call, and the median over the rounds of its
 * call's time divided by the first library's call in the same round
 * ("paired"): below 1 is faster than the first library.
 *
 * --in/--out give the element count of each float32 input and output, in
 * the order of the generated header; inputs get deterministic values in
 * [-1, 1). --iters sets the rounds (100). --sleep-us sleeps before each
 * call: with several threads, a library's idle workers spin for a while
 * after its call and would take a core from the next library's call
 * (3000 is enough). --evict-mb writes that many MB before each call, so
 * that no call finds another's data in cache.
 *
 * Threads: CNNC_NUM_THREADS, as for any cnnc library. Each library carries
 * its own runtime and thread pool. Exits 1 with a message on any failure.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_TENSORS 16
#define MAX_LIBRARIES 16

typedef void *(*create_fn)(const char *);
typedef int (*infer_packed_fn)(void *, void **);
typedef const char *(*last_error_fn)(void);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void usage(void) {
  fprintf(stderr, "usage: paired --in ELEMS... --out ELEMS... [--iters N] "
                  "[--sleep-us US] [--evict-mb MB] LIB:NAME LIB:NAME...\n");
  exit(1);
}

static long positive(const char *flag, const char *value, long min) {
  char *end = NULL;
  long n = value ? strtol(value, &end, 10) : 0;
  if (!value || *end || n < min) {
    fprintf(stderr, "paired: %s needs a whole number of at least %ld\n", flag,
            min);
    exit(1);
  }
  return n;
}

int main(int argc, char **argv) {
  long in[MAX_TENSORS], out[MAX_TENSORS];
  int ins = 0, outs = 0, iters = 100, count = 0;
  long sleep_us = 0, evict_bytes = 0;
  const char *specs[MAX_LIBRARIES];
  for (int i = 1; i < argc; ++i) {
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(argv[i], "--in") && ins < MAX_TENSORS)
      in[ins++] = positive("--in", value, 1), ++i;
    else if (!strcmp(argv[i], "--out") && outs < MAX_TENSORS)
      out[outs++] = positive("--out", value, 1), ++i;
    else if (!strcmp(argv[i], "--iters"))
      iters = (int)positive("--iters", value, 1), ++i;
    else if (!strcmp(argv[i], "--sleep-us"))
      sleep_us = positive("--sleep-us", value, 0), ++i;
    else if (!strcmp(argv[i], "--evict-mb"))
      evict_bytes = positive("--evict-mb", value, 0) << 20, ++i;
    else if (argv[i][0] == '-' || count == MAX_LIBRARIES)
      usage();
    else
      specs[count++] = argv[i];
  }
  if (!ins || !outs || count < 1)
    usage();

  void *buffers[2 * MAX_TENSORS];
  for (int t = 0; t < ins + outs; ++t) {
    long n = t < ins ? in[t] : out[t - ins];
    float *b = malloc(n * sizeof(float));
    if (!b) {
      fprintf(stderr, "paired: out of memory\n");
      return 1;
    }
    for (long i = 0; i < n; ++i)
      b[i] = (float)((i * 7919 + t) % 2001) / 1000.0f - 1.0f;
    buffers[t] = b;
  }
  char *evict = evict_bytes ? malloc(evict_bytes) : NULL;
  if (evict_bytes && !evict) {
    fprintf(stderr, "paired: out of memory\n");
    return 1;
  }

  void *models[MAX_LIBRARIES];
  infer_packed_fn infer[MAX_LIBRARIES];
  double *times[MAX_LIBRARIES];
  for (int k = 0; k < count; ++k) {
    char path[4096], symbol[512];
    const char *colon = strrchr(specs[k], ':');
    if (!colon || colon == specs[k] || !colon[1] ||
        (size_t)(colon - specs[k]) >= sizeof path) {
      fprintf(stderr, "paired: '%s' is not LIB:NAME\n", specs[k]);
      return 1;
    }
    memcpy(path, specs[k], colon - specs[k]);
    path[colon - specs[k]] = '\0';
    const char *name = colon + 1;
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      fprintf(stderr, "paired: %s\n", dlerror());
      return 1;
    }
    snprintf(symbol, sizeof symbol, "cnn_%s_create", name);
    create_fn create = (create_fn)dlsym(handle, symbol);
    snprintf(symbol, sizeof symbol, "cnn_%s_infer_packed", name);
    infer[k] = (infer_packed_fn)dlsym(handle, symbol);
    last_error_fn last_error =
        (last_error_fn)dlsym(handle, "cnnrt_last_error");
    if (!create || !infer[k]) {
      fprintf(stderr, "paired: %s has no cnn_%s_create/_infer_packed\n",
              path, name);
      return 1;
    }
    models[k] = create(NULL);
    if (!models[k]) {
      fprintf(stderr, "paired: creating %s failed: %s\n", path,
              last_error ? last_error() : "?");
      return 1;
    }
    times[k] = malloc(iters * sizeof(double));
    if (!times[k]) {
      fprintf(stderr, "paired: out of memory\n");
      return 1;
    }
    for (int w = 0; w < 3; ++w) /* warm up: first-touch, thread start */
      if (infer[k](models[k], buffers) != 0) {
        fprintf(stderr, "paired: %s failed: %s\n", path,
                last_error ? last_error() : "?");
        return 1;
      }
  }

  for (int i = 0; i < iters; ++i)
    for (int j = 0; j < count; ++j) {
      int k = (i + j) % count;
      if (sleep_us)
        usleep(sleep_us);
      if (evict)
        memset(evict, i + j, evict_bytes);
      double start = now();
      infer[k](models[k], buffers);
      times[k][i] = now() - start;
    }

  /* The ratios pair each call with the first library's call of the same
   * round: take them all before any series is sorted. */
  double *ratios = malloc((size_t)count * iters * sizeof(double));
  if (!ratios) {
    fprintf(stderr, "paired: out of memory\n");
    return 1;
  }
  printf("%-48s %9s %9s %9s %7s\n", "library", "min ms", "p25 ms", "med ms",
         "paired");
  for (int k = 0; k < count; ++k)
    for (int i = 0; i < iters; ++i)
      ratios[(size_t)k * iters + i] = times[k][i] / times[0][i];
  for (int k = 0; k < count; ++k) {
    double *paired = ratios + (size_t)k * iters;
    qsort(paired, iters, sizeof(double), compare);
    qsort(times[k], iters, sizeof(double), compare);
    printf("%-48s %9.3f %9.3f %9.3f %7.3f\n", specs[k], times[k][0] * 1e3,
           times[k][iters / 4] * 1e3, times[k][iters / 2] * 1e3,
           paired[iters / 2]);
  }
  return 0;
}

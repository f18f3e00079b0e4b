/*
 * driver.c - times one cnnc-generated model library through its C API.
 *
 * bench/run.py compiles this file with `cc -O2` and runs it once per
 * (model, batch, threads) configuration. The library is dlopen()ed and its
 * entry points are looked up by name, so one driver binary serves every
 * model:
 *
 *   driver LIB NAME --in ELEMS [--in ELEMS...] --out ELEMS [--out ELEMS...]
 *          [--weights FILE] [--input FILE...] [--save-output FILE]
 *          [--threads N] [--warmup N] [--repeat N] [--budget SECONDS]
 *          [--max-time SECONDS] [--max-runs N]
 *
 * LIB is the path of lib<NAME>.so, ELEMS the element count of each float32
 * input and output in the order of the generated header. Each --input is a
 * raw little-endian float32 file for the next input (inputs without one get
 * deterministic values in [-1, 1)); --save-output writes every output, one
 * after the other, as raw float32 after the last run.
 *
 * After --warmup untimed runs it times at least --repeat runs and keeps going
 * until --budget seconds of timed runs have passed, but stops after
 * --max-runs runs or once --max-time seconds have passed (which may leave
 * fewer than --repeat runs, never fewer than one). It prints one JSON object
 * on stdout:
 *
 *   {"median_ms": .., "min_ms": .., "mean_ms": .., "runs": .., "create_ms": ..,
 *    "baseline_rss_mb": .., "maxrss_mb": .., "threads_api": "..",
 *    "cpu_util": .., "os_threads": .., "checksum": ..}
 *
 * maxrss_mb is the process's peak resident set (getrusage), baseline_rss_mb
 * its resident set before the library was loaded, cpu_util the CPU time of
 * the timed runs over their wall time (how many cores the library kept
 * busy), os_threads the process's thread count at the end, checksum the sum
 * of the outputs (null if not finite). On any failure it prints
 * the library's error message (cnnrt_last_error) on stderr and exits 1.
 *
 * Threads: the runtime reads CNNC_NUM_THREADS, which run.py sets. If the
 * library also exports cnn_<NAME>_set_num_threads(model, n) or
 * cnnrt_set_num_threads(n), the driver calls it with --threads as well.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_TENSORS 16

typedef void *(*create_fn)(const char *);
typedef void (*destroy_fn)(void *);
typedef int (*infer_packed_fn)(void *, void **);
typedef const char *(*last_error_fn)(void);
typedef int (*set_threads_model_fn)(void *, int);
typedef int (*set_threads_fn)(int);
/* The unpacked cnn_<name>_infer(model, in..., out...) for 2 to 4 tensors. */
typedef int (*infer2_fn)(void *, void *, void *);
typedef int (*infer3_fn)(void *, void *, void *, void *);
typedef int (*infer4_fn)(void *, void *, void *, void *, void *);

static last_error_fn last_error;

static void die(const char *what) {
  const char *msg = last_error ? last_error() : NULL;
  fprintf(stderr, "driver: %s%s%s\n", what, msg && *msg ? ": " : "",
          msg ? msg : "");
  exit(1);
}

/* One inference, through cnn_<name>_infer when it has at most 4 tensors (the
 * API applications call), else through cnn_<name>_infer_packed; exits on
 * error. */
static void run_once(void *model, infer_packed_fn infer_packed, void *infer,
                     void **t, int n_tensors) {
  int rc;
  if (!infer || n_tensors > 4)
    rc = infer_packed(model, t);
  else if (n_tensors == 2)
    rc = ((infer2_fn)infer)(model, t[0], t[1]);
  else if (n_tensors == 3)
    rc = ((infer3_fn)infer)(model, t[0], t[1], t[2]);
  else
    rc = ((infer4_fn)infer)(model, t[0], t[1], t[2], t[3]);
  if (rc != 0)
    die("infer failed");
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Current resident set size in MB, from /proc/self/statm (0 if unknown). */
static double rss_mb(void) {
  long pages_total = 0, pages_resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f)
    return 0.0;
  if (fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2)
    pages_resident = 0;
  fclose(f);
  return (double)pages_resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

/* Reads exactly `elems` float32 values from the raw file `path`; exits on error. */
static void read_raw(const char *path, float *dst, long elems) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "driver: cannot open %s: %s\n", path, strerror(errno));
    exit(1);
  }
  size_t got = fread(dst, sizeof(float), (size_t)elems, f);
  int extra = fgetc(f) != EOF;
  fclose(f);
  if (got != (size_t)elems || extra) {
    fprintf(stderr, "driver: %s does not hold exactly %ld float32 values\n", path, elems);
    exit(1);
  }
}

/* User + system CPU seconds of this process so far. */
static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Threads this process has now (entries of /proc/self/task; 0 if unknown). */
static int os_threads(void) {
  int n = 0;
  DIR *d = opendir("/proc/self/task");
  if (!d)
    return 0;
  for (struct dirent *e; (e = readdir(d));)
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Looks up cnn_<name>_<suffix>; NULL when absent. */
static void *model_symbol(void *lib, const char *name, const char *suffix) {
  char sym[512];
  snprintf(sym, sizeof sym, "cnn_%s_%s", name, suffix);
  return dlsym(lib, sym);
}

static long parse_long(const char *flag, const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < 0) {
    fprintf(stderr, "driver: %s expects a non-negative integer, got '%s'\n", flag, s);
    exit(2);
  }
  return v;
}

static void usage(void) {
  fprintf(stderr,
          "usage: driver LIB NAME --in ELEMS... --out ELEMS... [--weights FILE]\n"
          "              [--threads N] [--warmup N] [--repeat N] [--budget S]"
          " [--max-runs N]\n");
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 3)
    usage();
  const char *lib_path = argv[1], *name = argv[2], *weights = NULL;
  const char *input_files[MAX_TENSORS] = {0}, *save_output = NULL;
  long in_sizes[MAX_TENSORS], out_sizes[MAX_TENSORS];
  int n_in = 0, n_out = 0, n_input_files = 0;
  long threads = 0, warmup = 1, repeat = 5, max_runs = 1000;
  double budget = 2.0, max_time = 1e30;
  for (int i = 3; i < argc; ++i) {
    const char *flag = argv[i];
    if (i + 1 >= argc)
      usage();
    const char *val = argv[++i];
    if (!strcmp(flag, "--in") || !strcmp(flag, "--out")) {
      int *n = flag[2] == 'i' ? &n_in : &n_out;
      if (*n == MAX_TENSORS) {
        fprintf(stderr, "driver: more than %d %ss\n", MAX_TENSORS, flag + 2);
        return 2;
      }
      (flag[2] == 'i' ? in_sizes : out_sizes)[(*n)++] = parse_long(flag, val);
    } else if (!strcmp(flag, "--weights")) {
      weights = val;
    } else if (!strcmp(flag, "--input")) {
      if (n_input_files == MAX_TENSORS)
        usage();
      input_files[n_input_files++] = val;
    } else if (!strcmp(flag, "--save-output")) {
      save_output = val;
    } else if (!strcmp(flag, "--max-time")) {
      max_time = atof(val);
    } else if (!strcmp(flag, "--threads")) {
      threads = parse_long(flag, val);
    } else if (!strcmp(flag, "--warmup")) {
      warmup = parse_long(flag, val);
    } else if (!strcmp(flag, "--repeat")) {
      repeat = parse_long(flag, val);
    } else if (!strcmp(flag, "--max-runs")) {
      max_runs = parse_long(flag, val);
    } else if (!strcmp(flag, "--budget")) {
      budget = atof(val);
    } else {
      usage();
    }
  }
  if (n_in == 0 || n_out == 0 || n_input_files > n_in)
    usage();
  if (repeat < 1)
    repeat = 1;
  if (max_runs < repeat)
    max_runs = repeat;

  double baseline_rss = rss_mb();

  void *lib = dlopen(lib_path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "driver: %s\n", dlerror());
    return 1;
  }
  last_error = (last_error_fn)dlsym(lib, "cnnrt_last_error");
  create_fn create = (create_fn)model_symbol(lib, name, "create");
  destroy_fn destroy = (destroy_fn)model_symbol(lib, name, "destroy");
  infer_packed_fn infer_packed = (infer_packed_fn)model_symbol(lib, name, "infer_packed");
  void *infer = model_symbol(lib, name, "infer");
  if (!create || !destroy || (!infer_packed && !infer)) {
    fprintf(stderr, "driver: %s lacks cnn_%s_create/_infer/_destroy\n", lib_path, name);
    return 1;
  }
  int n_tensors = n_in + n_out;
  if (!infer_packed && n_tensors > 4) {
    fprintf(stderr, "driver: %d tensors need cnn_%s_infer_packed\n", n_tensors, name);
    return 1;
  }

  double t0 = now_s();
  void *model = create(weights);
  double create_ms = (now_s() - t0) * 1e3;
  if (!model)
    die("create failed");

  /* Optional thread-count APIs; CNNC_NUM_THREADS covers runtimes without them. */
  const char *threads_api = "env";
  if (threads > 0) {
    set_threads_model_fn set_model = (set_threads_model_fn)model_symbol(lib, name, "set_num_threads");
    set_threads_fn set_global = (set_threads_fn)dlsym(lib, "cnnrt_set_num_threads");
    if (set_model) {
      if (set_model(model, (int)threads) != 0)
        die("set_num_threads failed");
      threads_api = "model";
    } else if (set_global) {
      if (set_global((int)threads) != 0)
        die("cnnrt_set_num_threads failed");
      threads_api = "global";
    }
  }

  /* 64-byte aligned buffers; inputs hold deterministic values in [-1, 1). */
  void *tensors[MAX_TENSORS * 2];
  uint32_t lcg = 12345u;
  for (int t = 0; t < n_tensors; ++t) {
    long elems = t < n_in ? in_sizes[t] : out_sizes[t - n_in];
    size_t bytes = ((size_t)elems * sizeof(float) + 63) / 64 * 64;
    float *buf = aligned_alloc(64, bytes ? bytes : 64);
    if (!buf) {
      fprintf(stderr, "driver: out of memory for %ld floats\n", elems);
      return 1;
    }
    for (long i = 0; i < elems; ++i) {
      lcg = lcg * 1664525u + 1013904223u;
      buf[i] = t < n_in ? (float)(lcg >> 8) * (2.0f / 16777216.0f) - 1.0f : 0.0f;
    }
    tensors[t] = buf;
    if (t < n_input_files)
      read_raw(input_files[t], buf, elems);
  }

  for (long i = 0; i < warmup; ++i)
    run_once(model, infer_packed, infer, tensors, n_tensors);

  double *times = malloc((size_t)max_runs * sizeof(double));
  if (!times)
    return 1;
  long runs = 0;
  double spent = 0.0, cpu0 = cpu_s();
  while (runs < max_runs && (runs < repeat || spent < budget) &&
         (runs == 0 || spent < max_time)) {
    double s = now_s();
    run_once(model, infer_packed, infer, tensors, n_tensors);
    double dt = now_s() - s;
    times[runs++] = dt * 1e3;
    spent += dt;
  }

  /* CPUs kept busy while timing: ~1 for one thread, ~N when N threads work. */
  double cpu_util = (cpu_s() - cpu0) / spent;
  int threads_seen = os_threads();
  double sum = 0.0;
  for (long i = 0; i < runs; ++i)
    sum += times[i];
  qsort(times, (size_t)runs, sizeof(double), cmp_double);
  double median = runs % 2 ? times[runs / 2] : 0.5 * (times[runs / 2 - 1] + times[runs / 2]);

  /* A checksum of the outputs, so a broken build that writes nothing shows. */
  double checksum = 0.0;
  for (int t = n_in; t < n_tensors; ++t)
    for (long i = 0; i < out_sizes[t - n_in]; ++i)
      checksum += ((const float *)tensors[t])[i];

  if (save_output) {
    FILE *f = fopen(save_output, "wb");
    int ok = f != NULL;
    for (int t = n_in; ok && t < n_tensors; ++t)
      ok = fwrite(tensors[t], sizeof(float), (size_t)out_sizes[t - n_in], f) ==
           (size_t)out_sizes[t - n_in];
    if (f && fclose(f) != 0)
      ok = 0;
    if (!ok) {
      fprintf(stderr, "driver: cannot write %s\n", save_output);
      return 1;
    }
  }

  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"median_ms\": %.4f, \"min_ms\": %.4f, \"mean_ms\": %.4f, \"runs\": %ld, "
         "\"create_ms\": %.2f, \"baseline_rss_mb\": %.1f, \"maxrss_mb\": %.1f, "
         "\"threads_api\": \"%s\", \"cpu_util\": %.2f, \"os_threads\": %d, "
         "\"checksum\": ",
         median, times[0], sum / (double)runs, runs, create_ms, baseline_rss,
         (double)ru.ru_maxrss / 1024.0, threads_api, cpu_util, threads_seen);
  if (isfinite(checksum)) /* JSON has no NaN or Infinity */
    printf("%.6g}\n", checksum);
  else
    printf("null}\n");

  destroy(model);
  for (int t = 0; t < n_tensors; ++t)
    free(tensors[t]);
  free(times);
  return 0;
}

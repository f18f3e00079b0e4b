/*
 * train_driver.c - times the training step of a cnnc-generated model library
 * (cnnc compile --train) through its C API.
 *
 * bench/train.py compiles this file with `cc -O2` and runs it once per
 * (model, threads) configuration. The library is dlopen()ed and its entry
 * points are looked up by name, so one binary serves every model:
 *
 *   train_driver LIB NAME --in ELEMS --batch N [--classes K]
 *                [--weights FILE] [--input FILE] [--labels FILE]
 *                [--check-steps N --save-weights FILE]
 *                [--threads N] [--warmup N] [--repeat N] [--budget SECONDS]
 *                [--max-time SECONDS] [--max-runs N]
 *
 * LIB is the path of lib<NAME>.so, ELEMS the element count of the float32
 * input (the whole batch), N the batch (the number of labels). --input is a
 * raw little-endian float32 file of ELEMS values, --labels a raw
 * little-endian int64 file of N class indices; without them the input gets
 * deterministic values in [-1, 1) and the labels i % K (--classes K).
 * Every step trains on this same batch.
 *
 * Check: the first --check-steps steps (from the weights of --weights) are
 * untimed, their losses are printed as "check_losses", and the weights after
 * them are written to --save-weights (cnn_<NAME>_save_weights), for
 * train.py to compare with PyTorch. They count as warm-up steps: the driver
 * runs max(--warmup, --check-steps) untimed steps in all.
 *
 * Timing follows driver.c: after the untimed steps it times at least
 * --repeat steps and keeps going until --budget seconds of timed steps have
 * passed, but stops after --max-runs steps or once --max-time seconds have
 * passed (never fewer than one). It prints one JSON object on stdout:
 *
 *   {"median_ms": .., "min_ms": .., "mean_ms": .., "runs": .., "create_ms": ..,
 *    "baseline_rss_mb": .., "maxrss_mb": .., "threads_api": "..",
 *    "cpu_util": .., "os_threads": .., "check_losses": [..],
 *    "first_loss": .., "last_loss": ..}
 *
 * maxrss_mb is the process's peak resident set (getrusage), baseline_rss_mb
 * its resident set before the library was loaded, cpu_util the CPU time of
 * the timed steps over their wall time. On any failure (including a
 * non-finite loss, which train_step reports) it prints the library's error
 * message (cnnrt_last_error) on stderr and exits 1.
 *
 * Threads: the runtime reads CNNC_NUM_THREADS, which train.py sets; the
 * driver also calls cnn_<NAME>_set_num_threads(model, n) or
 * cnnrt_set_num_threads(n) with --threads when the library exports one.
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

#define MAX_CHECK_STEPS 64

typedef void *(*create_fn)(const char *);
typedef void (*destroy_fn)(void *);
typedef int (*train_step_fn)(void *, const float *, const int64_t *, float *);
typedef int (*save_weights_fn)(void *, const char *);
typedef const char *(*last_error_fn)(void);
typedef int (*set_threads_model_fn)(void *, int);
typedef void (*set_threads_fn)(int);

static last_error_fn last_error;

static void die(const char *what) {
  const char *msg = last_error ? last_error() : NULL;
  fprintf(stderr, "train_driver: %s%s%s\n", what, msg && *msg ? ": " : "",
          msg ? msg : "");
  exit(1);
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

/* Reads exactly `count` values of `size` bytes from `path`; exits on error. */
static void read_raw(const char *path, void *dst, size_t size, long count) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "train_driver: cannot open %s: %s\n", path, strerror(errno));
    exit(1);
  }
  size_t got = fread(dst, size, (size_t)count, f);
  int extra = fgetc(f) != EOF;
  fclose(f);
  if (got != (size_t)count || extra) {
    fprintf(stderr, "train_driver: %s does not hold exactly %ld values of %zu bytes\n",
            path, count, size);
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
    fprintf(stderr, "train_driver: %s expects a non-negative integer, got '%s'\n", flag, s);
    exit(2);
  }
  return v;
}

/* A float for JSON, which has no NaN or Infinity. */
static void print_float(double v) {
  if (isfinite(v))
    printf("%.9g", v);
  else
    printf("null");
}

static void usage(void) {
  fprintf(stderr,
          "usage: train_driver LIB NAME --in ELEMS --batch N [--classes K]\n"
          "              [--weights FILE] [--input FILE] [--labels FILE]\n"
          "              [--check-steps N --save-weights FILE] [--threads N]\n"
          "              [--warmup N] [--repeat N] [--budget S] [--max-time S]"
          " [--max-runs N]\n");
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 3)
    usage();
  const char *lib_path = argv[1], *name = argv[2], *weights = NULL;
  const char *input_file = NULL, *labels_file = NULL, *save_weights_path = NULL;
  long in_elems = 0, batch = 0, classes = 0, check_steps = 0;
  long threads = 0, warmup = 1, repeat = 5, max_runs = 1000;
  double budget = 2.0, max_time = 1e30;
  for (int i = 3; i < argc; ++i) {
    const char *flag = argv[i];
    if (i + 1 >= argc)
      usage();
    const char *val = argv[++i];
    if (!strcmp(flag, "--in"))
      in_elems = parse_long(flag, val);
    else if (!strcmp(flag, "--batch"))
      batch = parse_long(flag, val);
    else if (!strcmp(flag, "--classes"))
      classes = parse_long(flag, val);
    else if (!strcmp(flag, "--weights"))
      weights = val;
    else if (!strcmp(flag, "--input"))
      input_file = val;
    else if (!strcmp(flag, "--labels"))
      labels_file = val;
    else if (!strcmp(flag, "--check-steps"))
      check_steps = parse_long(flag, val);
    else if (!strcmp(flag, "--save-weights"))
      save_weights_path = val;
    else if (!strcmp(flag, "--threads"))
      threads = parse_long(flag, val);
    else if (!strcmp(flag, "--warmup"))
      warmup = parse_long(flag, val);
    else if (!strcmp(flag, "--repeat"))
      repeat = parse_long(flag, val);
    else if (!strcmp(flag, "--max-runs"))
      max_runs = parse_long(flag, val);
    else if (!strcmp(flag, "--budget"))
      budget = atof(val);
    else if (!strcmp(flag, "--max-time"))
      max_time = atof(val);
    else
      usage();
  }
  if (in_elems == 0 || batch == 0 || (!labels_file && classes == 0))
    usage();
  if (check_steps > MAX_CHECK_STEPS) {
    fprintf(stderr, "train_driver: at most %d check steps\n", MAX_CHECK_STEPS);
    return 2;
  }
  if (repeat < 1)
    repeat = 1;
  if (max_runs < repeat)
    max_runs = repeat;
  if (warmup < check_steps)
    warmup = check_steps;

  double baseline_rss = rss_mb();

  void *lib = dlopen(lib_path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "train_driver: %s\n", dlerror());
    return 1;
  }
  last_error = (last_error_fn)dlsym(lib, "cnnrt_last_error");
  create_fn create = (create_fn)model_symbol(lib, name, "create");
  destroy_fn destroy = (destroy_fn)model_symbol(lib, name, "destroy");
  train_step_fn train_step = (train_step_fn)model_symbol(lib, name, "train_step");
  save_weights_fn save_weights = (save_weights_fn)model_symbol(lib, name, "save_weights");
  if (!create || !destroy || !train_step) {
    fprintf(stderr, "train_driver: %s lacks cnn_%s_create/_train_step/_destroy "
            "(compiled without --train?)\n", lib_path, name);
    return 1;
  }
  if (save_weights_path && !save_weights) {
    fprintf(stderr, "train_driver: %s lacks cnn_%s_save_weights\n", lib_path, name);
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
    set_threads_model_fn set_model =
        (set_threads_model_fn)model_symbol(lib, name, "set_num_threads");
    set_threads_fn set_global = (set_threads_fn)dlsym(lib, "cnnrt_set_num_threads");
    if (set_model) {
      if (set_model(model, (int)threads) != 0)
        die("set_num_threads failed");
      threads_api = "model";
    } else if (set_global) {
      set_global((int)threads);
      threads_api = "global";
    }
  }

  /* The batch: 64-byte aligned input, deterministic unless read from files. */
  size_t in_bytes = ((size_t)in_elems * sizeof(float) + 63) / 64 * 64;
  float *x = aligned_alloc(64, in_bytes);
  int64_t *labels = malloc((size_t)batch * sizeof(int64_t));
  if (!x || !labels) {
    fprintf(stderr, "train_driver: out of memory for the batch\n");
    return 1;
  }
  if (input_file) {
    read_raw(input_file, x, sizeof(float), in_elems);
  } else {
    uint32_t lcg = 12345u;
    for (long i = 0; i < in_elems; ++i) {
      lcg = lcg * 1664525u + 1013904223u;
      x[i] = (float)(lcg >> 8) * (2.0f / 16777216.0f) - 1.0f;
    }
  }
  if (labels_file)
    read_raw(labels_file, labels, sizeof(int64_t), batch);
  else
    for (long i = 0; i < batch; ++i)
      labels[i] = i % classes;

  float check_losses[MAX_CHECK_STEPS], loss = NAN, first_loss = NAN;
  for (long i = 0; i < warmup; ++i) {
    if (train_step(model, x, labels, &loss) != 0)
      die("train_step failed");
    if (i == 0)
      first_loss = loss;
    if (i < check_steps)
      check_losses[i] = loss;
    if (i + 1 == check_steps && save_weights_path &&
        save_weights(model, save_weights_path) != 0)
      die("save_weights failed");
  }

  double *times = malloc((size_t)max_runs * sizeof(double));
  if (!times)
    return 1;
  long runs = 0;
  double spent = 0.0, cpu0 = cpu_s();
  while (runs < max_runs && (runs < repeat || spent < budget) &&
         (runs == 0 || spent < max_time)) {
    double s = now_s();
    int rc = train_step(model, x, labels, &loss);
    double dt = now_s() - s;
    if (rc != 0)
      die("train_step failed");
    if (warmup == 0 && runs == 0)
      first_loss = loss;
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

  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"median_ms\": %.4f, \"min_ms\": %.4f, \"mean_ms\": %.4f, \"runs\": %ld, "
         "\"create_ms\": %.2f, \"baseline_rss_mb\": %.1f, \"maxrss_mb\": %.1f, "
         "\"threads_api\": \"%s\", \"cpu_util\": %.2f, \"os_threads\": %d, "
         "\"untimed_steps\": %ld, \"check_losses\": [",
         median, times[0], sum / (double)runs, runs, create_ms, baseline_rss,
         (double)ru.ru_maxrss / 1024.0, threads_api, cpu_util, threads_seen, warmup);
  for (long i = 0; i < check_steps; ++i) {
    if (i)
      printf(", ");
    print_float(check_losses[i]);
  }
  printf("], \"first_loss\": ");
  print_float(first_loss);
  printf(", \"last_loss\": ");
  print_float(loss);
  printf("}\n");

  destroy(model);
  free(x);
  free(labels);
  free(times);
  return 0;
}

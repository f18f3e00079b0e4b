/*
 * peak.c - measures this machine's float32 FMA throughput, the "peak" that
 * bench/run.py divides our GFLOP/s by.
 *
 *   peak [--threads N] [--seconds S] [--isa avx512|avx2|sse]
 *   peak --round-trip
 *
 * Each of N pthreads runs a loop of independent fused multiply-adds on many
 * vector accumulators (24 zmm with AVX-512, 12 ymm with AVX2: more than FMA
 * latency x issue width on current x86 cores, fewer than the register file
 * so nothing spills), with AVX-512 when the CPU has it, else AVX2+FMA, else SSE
 * multiply+add (--isa forces one). The ISA is chosen at run time, so the file
 * builds with plain `cc -O2 -pthread`. Prints one JSON object:
 *
 *   {"threads": N, "isa": "avx512", "gflops": .., "gflops_per_thread": ..}
 *
 * gflops counts 2 flops per FMA lane and is summed over the threads; each
 * thread times its own loop, so thread start-up is excluded.
 *
 * --round-trip instead times a cache line passed back and forth between two
 * threads and prints {"round_trip_ns": ..} (the median of 5 batches). On a
 * VM whose two vCPUs share a last-level cache it is about 50-130 ns; several
 * hundred means they sit on different dies, where a layer's input written by
 * one thread costs the other a cross-die transfer per line, and two-thread
 * times are slower.
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Each kernel runs `iters` rounds of ACCS independent FMAs and returns a value
 * that depends on every accumulator, so nothing is optimised away. Returns
 * flops done through *flops. */
#define FMA_KERNEL(NAME, TARGET, ACCS, VEC, LANES, SET1, FMA, ADD, STORE)             \
  __attribute__((target(TARGET))) static float NAME(long iters, double *flops) { \
    VEC acc[ACCS];                                                             \
    _Pragma("GCC unroll 32") for (int i = 0; i < ACCS; ++i)                    \
      acc[i] = SET1(0.001f * (float)i);                                        \
    const VEC a = SET1(0.999999f), b = SET1(1e-7f);                            \
    for (long n = 0; n < iters; ++n) {                                         \
      /* fully unrolled, so the accumulators live in registers */              \
      _Pragma("GCC unroll 32") for (int i = 0; i < ACCS; ++i)                  \
        acc[i] = FMA(acc[i], a, b);                                            \
    }                                                                          \
    _Pragma("GCC unroll 32") for (int i = 1; i < ACCS; ++i)                    \
      acc[0] = ADD(acc[0], acc[i]);                                            \
    float out[LANES];                                                          \
    STORE(out, acc[0]);                                                        \
    *flops = 2.0 * LANES * ACCS * (double)iters;                               \
    return out[0];                                                             \
  }

FMA_KERNEL(kernel_avx512, "avx512f", 24, __m512, 16, _mm512_set1_ps, _mm512_fmadd_ps,
           _mm512_add_ps, _mm512_storeu_ps)
FMA_KERNEL(kernel_avx2, "avx2,fma", 12, __m256, 8, _mm256_set1_ps, _mm256_fmadd_ps,
           _mm256_add_ps, _mm256_storeu_ps)

/* Without FMA: a multiply and an add per lane, counted as 2 flops. */
__attribute__((target("sse2"))) static __m128 mul_add_sse(__m128 x, __m128 a, __m128 b) {
  return _mm_add_ps(_mm_mul_ps(x, a), b);
}
FMA_KERNEL(kernel_sse, "sse2", 12, __m128, 4, _mm_set1_ps, mul_add_sse, _mm_add_ps,
           _mm_storeu_ps)

typedef float (*kernel_fn)(long, double *);

struct job {
  kernel_fn kernel;
  double seconds; /* how long to run */
  double flops;   /* out */
  double elapsed; /* out */
  float sink;     /* out */
};

static void *worker(void *arg) {
  struct job *j = arg;
  /* Calibrate the chunk size on a short run, then run whole chunks until the
   * time is up. */
  long chunk = 1 << 16;
  double flops = 0.0, f;
  j->sink = j->kernel(chunk, &f); /* warm up (AVX-512 frequency licence) */
  double start = now_s(), t;
  while ((t = now_s()) - start < j->seconds) {
    j->sink += j->kernel(chunk, &f);
    flops += f;
  }
  j->flops = flops;
  j->elapsed = t - start;
  return NULL;
}

/* ---- --round-trip ---------------------------------------------------- */

#define ROUND_TRIPS 20000
/* Odd: the caller's throw, for the other thread to return (+1); -1: stop. */
static _Alignas(64) atomic_long ball;

static void *bounce(void *arg) {
  (void)arg;
  for (;;) {
    long v = atomic_load_explicit(&ball, memory_order_acquire);
    if (v < 0)
      return NULL;
    if (v & 1)
      atomic_store_explicit(&ball, v + 1, memory_order_release);
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* With one CPU, or one kept busy by another program, every throw waits for
 * the scheduler: a batch stops after a second (its time per round trip
 * still tells). */
static int round_trip(void) {
  enum { BATCHES = 5 };
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
    printf("{\"round_trip_ns\": null}\n");
    return 0;
  }
  pthread_t other;
  if (pthread_create(&other, NULL, bounce, NULL) != 0) {
    fprintf(stderr, "peak: pthread_create failed\n");
    return 1;
  }
  double ns[BATCHES];
  long v = 0;
  for (int b = 0; b < BATCHES; ++b) {
    double start = now_s(), elapsed = 0.0;
    long n = 0;
    while (n < ROUND_TRIPS && elapsed < 1.0) {
      atomic_store_explicit(&ball, v + 1, memory_order_release);
      while (atomic_load_explicit(&ball, memory_order_acquire) != v + 2)
        ;
      v += 2;
      if (++n % 256 == 0)
        elapsed = now_s() - start;
    }
    ns[b] = (now_s() - start) * 1e9 / (double)n;
  }
  atomic_store_explicit(&ball, -1, memory_order_release);
  pthread_join(other, NULL);
  qsort(ns, BATCHES, sizeof ns[0], cmp_double);
  printf("{\"round_trip_ns\": %.1f}\n", ns[BATCHES / 2]);
  return 0;
}

int main(int argc, char **argv) {
  int threads = 1;
  double seconds = 0.5;
  const char *want_isa = NULL;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
      seconds = atof(argv[++i]);
    else if (!strcmp(argv[i], "--isa") && i + 1 < argc)
      want_isa = argv[++i];
    else if (!strcmp(argv[i], "--round-trip") && argc == 2)
      return round_trip();
    else {
      fprintf(
          stderr,
          "usage: peak [--threads N] [--seconds S] [--isa avx512|avx2|sse]\n"
          "       peak --round-trip\n");
      return 2;
    }
  }
  if (threads < 1)
    threads = 1;

  __builtin_cpu_init();
  kernel_fn kernel = kernel_sse;
  const char *isa = "sse";
  int has_avx512 = __builtin_cpu_supports("avx512f");
  int has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (want_isa && strcmp(want_isa, "avx512") && strcmp(want_isa, "avx2") &&
      strcmp(want_isa, "sse")) {
    fprintf(stderr, "peak: unknown --isa '%s'\n", want_isa);
    return 2;
  }
  if (has_avx512 && (!want_isa || !strcmp(want_isa, "avx512"))) {
    kernel = kernel_avx512;
    isa = "avx512";
  } else if (has_avx2 && (!want_isa || !strcmp(want_isa, "avx2"))) {
    kernel = kernel_avx2;
    isa = "avx2";
  } else if (want_isa && strcmp(want_isa, "sse")) {
    fprintf(stderr, "peak: this CPU lacks %s\n", want_isa);
    return 1;
  }

  pthread_t *tids = calloc((size_t)threads, sizeof *tids);
  struct job *jobs = calloc((size_t)threads, sizeof *jobs);
  if (!tids || !jobs)
    return 1;
  for (int i = 0; i < threads; ++i) {
    jobs[i] = (struct job){.kernel = kernel, .seconds = seconds};
    if (pthread_create(&tids[i], NULL, worker, &jobs[i]) != 0) {
      fprintf(stderr, "peak: pthread_create failed\n");
      return 1;
    }
  }
  double gflops = 0.0, sink = 0.0;
  for (int i = 0; i < threads; ++i) {
    pthread_join(tids[i], NULL);
    gflops += jobs[i].flops / jobs[i].elapsed * 1e-9;
    sink += jobs[i].sink;
  }
  printf("{\"threads\": %d, \"isa\": \"%s\", \"gflops\": %.2f, "
         "\"gflops_per_thread\": %.2f, \"sink\": %.3g}\n",
         threads, isa, gflops, gflops / threads, sink);
  free(tids);
  free(jobs);
  return 0;
}

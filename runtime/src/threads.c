/* Threads: how many to use, and a small pool that runs the parallel loops of
 * generated code (cnnrt_parallel_for). */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#endif
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/* Set by cnnrt_set_num_threads; 0 means "not set". */
static atomic_int requested_threads;

void cnnrt_set_num_threads(int n) {
  atomic_store(&requested_threads, n > 0 ? n : 0);
}

/* The CPUs this process may run on (the affinity mask of the thread that
 * first asks: `taskset`, a container's cpuset), else the online CPUs; at
 * least 1. Counted once:
 * every parallel loop asks, and the count is a system call (reading
 * /sys for the online CPUs took 2 us here, a tenth of a small layer).
 * More threads than usable CPUs share one, and each loop then waits for
 * a preempted thread. */
static int usable_cpus(void) {
  static atomic_int counted;
  int n = atomic_load_explicit(&counted, memory_order_relaxed);
  if (n > 0)
    return n;
  n = 0;
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    n = CPU_COUNT(&set);
#endif
  if (n < 1) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus < 1 ? 1 : cpus > INT_MAX ? INT_MAX : (int)cpus;
  }
  atomic_store_explicit(&counted, n, memory_order_relaxed);
  return n;
}

int cnnrt_num_threads(void) {
  int requested = atomic_load(&requested_threads);
  if (requested > 0)
    return requested;
  /* An explicit request wins; anything that is not a whole positive number
   * (empty, "0", "4x", overflow) is ignored rather than half-honoured. */
  const char *env = getenv("CNNC_NUM_THREADS");
  if (env && *env) {
    char *end = NULL;
    errno = 0;
    long n = strtol(env, &end, 10);
    if (errno == 0 && end != env && *end == '\0' && n > 0 && n <= INT_MAX)
      return (int)n;
  }
  return usable_cpus();
}

/* ---- The pool ------------------------------------------------------------
 *
 * Workers are started on first use and live for the process. A job is
 * published by bumping `generation`. Thread k of the job (the caller is 0,
 * the workers 1, 2, ...) owns the k-th of `threads` contiguous shares of its
 * iterations and takes chunks from the front of its own share first, so
 * that from one loop to the next each thread computes the same part of the
 * output (the same rows of an activation) and then reads in the next loop
 * mostly what it wrote itself, from its own caches: on a machine whose
 * cores do not share a last-level cache, a layer's input written by another
 * core costs a cross-die transfer per line. A thread that finishes its share
 * takes chunks from the others' (a slower thread, or a CPU shared with
 * another program, leaves more of its share to them). Chunks are an eighth
 * of a share, at least one iteration. The caller waits until `pending` (the
 * workers still in the job) reaches 0.
 * Workers spin briefly for the next job (inference runs loops back to back)
 * and then sleep on a condition variable. One job runs at a time: a caller
 * that finds the pool busy (another thread's inference) or that is itself
 * inside a job runs its loop alone.
 * When the runtime's code is unloaded (a program dlclose()s a model library,
 * which carries its own copy of the runtime, or a loader closes it at exit),
 * its destructor stops the workers and joins them first: a worker still
 * spinning for the next job would otherwise run unmapped code. */

#define MAX_WORKERS 255
#define SPIN_ITERATIONS 200000
#define YIELD_AFTER 4096

static pthread_mutex_t dispatch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_t workers[MAX_WORKERS];
static int started_workers; /* guarded by dispatch_lock */
static atomic_int stopping; /* set once, when the runtime is unloaded */

static struct {
  cnnrt_task_fn fn;
  void *ctx;
  int64_t chunk; /* iterations taken at a time */
} job;
/* Thread k's share of the job: [next, end), one cache line each. */
static struct {
  _Alignas(64) atomic_int_fast64_t next;
  int64_t end;
} shares[MAX_WORKERS + 1];
/* The job's generation (high bits) and the threads taking part (low 16
 * bits), published together: a worker that sits a job out reads nothing
 * else of it, so it can never pair one job's generation with a later job's
 * thread count. */
#define CHUNK_BITS 16
static atomic_uint_fast64_t state;
static atomic_int pending;
static _Thread_local int inside_job;

/* One poll of a spin-wait (the `spins`-th): after the first YIELD_AFTER,
 * every 64th gives up the CPU, so that a thread waited for that was
 * preempted on the same CPU (more threads than CPUs, or another program
 * on them) gets to run instead of the waiting one spinning out its time
 * slice. Returns whether it yielded. */
static int spin_poll(unsigned spins) {
  if (spins < YIELD_AFTER || spins % 64 != 0)
    return 0;
  sched_yield();
  return 1;
}

/* Runs chunks of share `k` until none is left. */
static void run_share(int k) {
  int64_t end = shares[k].end;
  for (;;) {
    int64_t begin = atomic_fetch_add_explicit(&shares[k].next, job.chunk,
                                              memory_order_relaxed);
    if (begin >= end)
      return;
    job.fn(job.ctx, begin, end - begin < job.chunk ? end : begin + job.chunk);
  }
}

/* Thread `self`'s part of a job on `threads` threads: its own share, then
 * what is left of the others', from the next thread's on. */
static void run_chunks(int self, int threads) {
  for (int i = 0; i < threads; ++i)
    run_share((self + i) % threads);
}

static void *worker_main(void *arg) {
  int index = (int)(intptr_t)arg; /* its share of each job, from 1 */
  uint_fast64_t seen = 0;
  inside_job = 1;
  for (;;) {
    uint_fast64_t now;
    int spins = 0;
    while (((now = atomic_load_explicit(&state, memory_order_acquire)) >>
            CHUNK_BITS) == seen) {
      if (atomic_load_explicit(&stopping, memory_order_acquire))
        return NULL;
      if (++spins < SPIN_ITERATIONS) {
        /* A yield takes about as long as a hundred polls: counted so, the
         * spin before sleeping lasts about as long as it did without them. */
        if (spin_poll((unsigned)spins))
          spins += 128;
        continue;
      }
      pthread_mutex_lock(&sleep_lock);
      while ((atomic_load_explicit(&state, memory_order_acquire) >>
              CHUNK_BITS) == seen &&
             !atomic_load_explicit(&stopping, memory_order_acquire))
        pthread_cond_wait(&wake, &sleep_lock);
      pthread_mutex_unlock(&sleep_lock);
    }
    seen = now >> CHUNK_BITS;
    int threads = (int)(now & ((1u << CHUNK_BITS) - 1));
    if (index < threads) {
      run_chunks(index, threads);
      atomic_fetch_sub_explicit(&pending, 1, memory_order_acq_rel);
    }
  }
  return NULL;
}

/* Stops the workers and waits until they have exited, before the code they
 * run goes away (see above). A worker inside a job (another thread's
 * inference at exit) finishes it first. */
__attribute__((destructor)) static void stop_workers(void) {
  pthread_mutex_lock(&dispatch_lock);
  pthread_mutex_lock(&sleep_lock);
  atomic_store_explicit(&stopping, 1, memory_order_release);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&sleep_lock);
  for (int i = 0; i < started_workers; ++i)
    pthread_join(workers[i], NULL);
  started_workers = 0;
  pthread_mutex_unlock(&dispatch_lock);
}

/* cnnrt_parallel_for on at most `threads` threads. */
static void parallel_for(cnnrt_task_fn fn, void *ctx, int64_t n, int threads) {
  if (n <= 0)
    return;
  if (threads > MAX_WORKERS + 1)
    threads = MAX_WORKERS + 1;
  if (threads > n)
    threads = (int)n;
  if (threads <= 1 || inside_job ||
      pthread_mutex_trylock(&dispatch_lock) != 0) {
    fn(ctx, 0, n);
    return;
  }
  if (atomic_load_explicit(&stopping, memory_order_acquire)) {
    /* The runtime is being unloaded: no workers to start. */
    pthread_mutex_unlock(&dispatch_lock);
    fn(ctx, 0, n);
    return;
  }
  while (started_workers < threads - 1) {
    if (pthread_create(&workers[started_workers], NULL, worker_main,
                       (void *)(intptr_t)(started_workers + 1)) != 0)
      break;
    ++started_workers;
  }
  if (threads > started_workers + 1)
    threads = started_workers + 1;

  job.fn = fn;
  job.ctx = ctx;
  job.chunk = n / (8 * (int64_t)threads);
  if (job.chunk < 1)
    job.chunk = 1;
  /* Shares of n / threads iterations, the first n % threads one more. */
  int64_t share = n / threads, longer = n % threads, begin = 0;
  for (int k = 0; k < threads; ++k) {
    atomic_store_explicit(&shares[k].next, begin, memory_order_relaxed);
    begin += share + (k < longer);
    shares[k].end = begin;
  }
  atomic_store_explicit(&pending, threads - 1, memory_order_relaxed);
  pthread_mutex_lock(&sleep_lock);
  uint_fast64_t next =
      ((atomic_load_explicit(&state, memory_order_relaxed) >> CHUNK_BITS) + 1)
          << CHUNK_BITS |
      (uint_fast64_t)threads;
  atomic_store_explicit(&state, next, memory_order_release);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&sleep_lock);

  inside_job = 1;
  run_chunks(0, threads);
  inside_job = 0;
  for (unsigned spins = 1;
       atomic_load_explicit(&pending, memory_order_acquire) > 0; ++spins)
    spin_poll(spins);
  pthread_mutex_unlock(&dispatch_lock);
}

void cnnrt_parallel_for(cnnrt_task_fn fn, void *ctx, int64_t n) {
  if (!cnnrt_profile_enabled()) {
    parallel_for(fn, ctx, n, cnnrt_num_threads());
    return;
  }
  int64_t start = cnnrt_profile_now_ns();
  parallel_for(fn, ctx, n, cnnrt_num_threads());
  cnnrt_profile_record(fn, cnnrt_profile_now_ns() - start);
}

/* ---- Samples of a batch, one per thread ----------------------------------
 *
 * Each thread that takes part claims a free arena (a bit of `busy`) for the
 * samples it runs and gives it back after. At most `slots` threads run the
 * job, so a free arena is always there to claim. */

#define MAX_SAMPLE_SLOTS 64

struct sample_job {
  cnnrt_sample_fn fn;
  void *ctx;
  char *arenas;
  size_t stride;
  int slots;
  atomic_uint_fast64_t busy;
};

static void run_samples_chunk(void *p, int64_t begin, int64_t end) {
  struct sample_job *job = p;
  int slot = 0;
  for (;;) {
    uint_fast64_t busy = atomic_load_explicit(&job->busy, memory_order_relaxed);
    for (slot = 0; slot < job->slots && (busy >> slot & 1); ++slot)
      ;
    if (slot < job->slots &&
        atomic_compare_exchange_weak_explicit(
            &job->busy, &busy, busy | (uint_fast64_t)1 << slot,
            memory_order_acquire, memory_order_relaxed))
      break;
  }
  void *arena = job->arenas ? job->arenas + (size_t)slot * job->stride : NULL;
  for (int64_t i = begin; i < end; ++i)
    job->fn(job->ctx, i, arena);
  atomic_fetch_and_explicit(&job->busy, ~((uint_fast64_t)1 << slot),
                            memory_order_release);
}

int cnnrt_run_samples(cnnrt_sample_fn fn, void *ctx, int64_t n,
                      size_t arena_bytes, void *arena) {
  if (n <= 0)
    return 0;
  int threads = arena ? 1 : cnnrt_num_threads();
  if (threads > MAX_SAMPLE_SLOTS)
    threads = MAX_SAMPLE_SLOTS;
  if (threads > n)
    threads = (int)n;
  /* Arenas a cache line apart, whole pages when they are large. */
  size_t align = arena_bytes >= 4096 ? 4096 : 64;
  if (!arena && arena_bytes > (size_t)PTRDIFF_MAX / (size_t)threads - align) {
    cnnrt_set_error("%d activation arena%s of %zu bytes overflow the "
                    "address space",
                    threads, threads == 1 ? "" : "s", arena_bytes);
    return 1;
  }
  size_t stride = (arena_bytes + align - 1) & ~(align - 1);
  char *arenas = arena;
  if (!arena && arena_bytes) {
    arenas = _mlir_memref_to_llvm_alloc(stride * (size_t)threads);
    if (!arenas) {
      cnnrt_set_error("out of memory for %d activation arena%s of %zu bytes",
                      threads, threads == 1 ? "" : "s", arena_bytes);
      return 1;
    }
  }
  /* Whole rounds of one sample per thread, then the rest one after the
   * other with every thread inside each sample's loops. */
  int64_t together = threads > 1 ? n - n % threads : 0;
  if (together) {
    struct sample_job job = {fn, ctx, arenas, stride, threads, 0};
    parallel_for(run_samples_chunk, &job, together, threads);
  }
  for (int64_t i = together; i < n; ++i)
    fn(ctx, i, arenas);
  if (arenas != arena)
    _mlir_memref_to_llvm_free(arenas);
  return 0;
}

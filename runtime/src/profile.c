/* Per-loop timing of generated code, for CNNC_PROFILE (see cnnrt.h).
 *
 * Each cnnrt_parallel_for call is timed on the calling thread and summed per
 * loop function in a small open-addressed table. The table is written when
 * the runtime's code is unloaded (at exit, or when a program dlclose()s the
 * model library that carries this copy of the runtime), one line per loop,
 * appended to the file so that several libraries in one process each add
 * theirs. Loops are named by their library and their offset in it, which
 * `nm` maps to the outlined function's name
 * (cnn_<model>_forward_parallel<N>_<layer>): see bench/profile.py. */
#define _GNU_SOURCE /* dladdr */
#include "internal.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* More loops than any model has; further ones are counted as dropped. */
#define PROFILE_SLOTS 4096

typedef struct {
  cnnrt_task_fn fn;
  int64_t calls;
  int64_t ns;     /* all calls together */
  int64_t min_ns; /* the fastest call */
} profile_entry;

static profile_entry table[PROFILE_SLOTS];
static int64_t dropped;
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char *path; /* NULL: profiling is off */
static atomic_int enabled;

static void read_environment(void) {
  const char *env = getenv("CNNC_PROFILE");
  if (env && *env) {
    path = strdup(env);
    atomic_store_explicit(&enabled, path != NULL, memory_order_release);
  }
}

int cnnrt_profile_enabled(void) {
  pthread_once(&once, read_environment);
  return atomic_load_explicit(&enabled, memory_order_acquire);
}

int64_t cnnrt_profile_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void cnnrt_profile_record(cnnrt_task_fn fn, int64_t ns) {
  size_t h = ((uintptr_t)fn >> 4) * 0x9E3779B97F4A7C15ull % PROFILE_SLOTS;
  pthread_mutex_lock(&table_lock);
  for (size_t i = 0; i < PROFILE_SLOTS; ++i) {
    profile_entry *e = &table[(h + i) % PROFILE_SLOTS];
    if (e->fn == fn || !e->fn) {
      if (!e->fn || ns < e->min_ns)
        e->min_ns = ns;
      e->fn = fn;
      ++e->calls;
      e->ns += ns;
      pthread_mutex_unlock(&table_lock);
      return;
    }
  }
  ++dropped;
  pthread_mutex_unlock(&table_lock);
}

/* Appends "library<TAB>offset<TAB>calls<TAB>total ns<TAB>fastest call's
 * ns" per loop. One
 * write() per line, on a file opened for appending: lines from libraries
 * unloaded at the same time do not interleave. */
__attribute__((destructor)) static void write_profile(void) {
  if (!path)
    return;
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr, "cnnrt: cannot write the profile to %s\n", path);
    return;
  }
  char line[4096 + 96];
  for (size_t i = 0; i < PROFILE_SLOTS; ++i) {
    const profile_entry *e = &table[i];
    if (!e->fn)
      continue;
    Dl_info info;
    const char *library = "?";
    uintptr_t offset = (uintptr_t)e->fn;
    if (dladdr((void *)e->fn, &info) && info.dli_fname) {
      library = info.dli_fname;
      offset -= (uintptr_t)info.dli_fbase;
    }
    int n = snprintf(line, sizeof line, "%s\t0x%llx\t%lld\t%lld\t%lld\n",
                     library, (unsigned long long)offset, (long long)e->calls,
                     (long long)e->ns, (long long)e->min_ns);
    if (n > 0 && (size_t)n < sizeof line && write(fd, line, (size_t)n) < 0)
      break;
  }
  if (dropped)
    fprintf(stderr,
            "cnnrt: profile: %lld calls of loops past the first %d "
            "were not recorded\n",
            (long long)dropped, PROFILE_SLOTS);
  close(fd);
}

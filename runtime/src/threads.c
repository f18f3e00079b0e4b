#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

int cnnrt_num_threads(void) {
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
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < 1)
    return 1;
  return cpus > INT_MAX ? INT_MAX : (int)cpus;
}

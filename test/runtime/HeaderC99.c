/* Compiled as strict C99 with -pedantic-errors (see CMakeLists.txt): the
 * public header must stay plain C99. */
#include "cnnrt.h"

#include <string.h>

int cnnrt_test_header_is_c99(void) {
  cnnrt_array a;
  memset(&a, 0, sizeof a);
  a.ndim = 1;
  a.shape[0] = CNNRT_MAX_DIMS;
  cnnrt_safetensors *st = NULL;
  (void)st;
  int (*save)(const char *, const cnnrt_weight_entry *, int64_t,
              const float *) = cnnrt_save_weights;
  (void)save;
  return (int)a.shape[0] + (CNNRT_OK == 0) + (CNNRT_ERROR != 0);
}

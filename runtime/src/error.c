/* Per-thread error state. This is the runtime's only mutable global state;
 * being thread-local, concurrent inference calls never see each other's
 * messages. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char cnnrt_error_buffer[CNNRT_ERROR_SIZE];

const char *cnnrt_last_error(void) { return cnnrt_error_buffer; }

void cnnrt_clear_error(void) { cnnrt_error_buffer[0] = '\0'; }

void cnnrt_set_error(const char *fmt, ...) {
  if (!fmt) {
    cnnrt_clear_error();
    return;
  }
  /* Format into a scratch buffer first: the arguments may point into the
   * error buffer itself (wrapping an earlier message), and vsnprintf with
   * overlapping source and destination is undefined. */
  char scratch[CNNRT_ERROR_SIZE];
  va_list args;
  va_start(args, fmt);
  int n = vsnprintf(scratch, sizeof scratch, fmt, args);
  va_end(args);
  if (n < 0) {
    snprintf(scratch, sizeof scratch, "(unformattable error message: %s)", fmt);
  } else if ((size_t)n >= sizeof scratch) {
    /* Say that the message was cut rather than end it mid-word silently. */
    memcpy(scratch + sizeof scratch - 4, "...", 4);
  }
  memcpy(cnnrt_error_buffer, scratch, sizeof scratch);
}

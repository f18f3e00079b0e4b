/* Exercises the generated C API of the tiny model (conv 1->2, 3x3, relu):
 * creation from the default and an explicit weights file, errors, and
 * inference from several threads on one handle. */
#include "tiny.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static cnn_tiny *model;
static float input[CNN_TINY_INPUT0_SIZE];
static float expected[CNN_TINY_OUTPUT0_SIZE];

static void *worker(void *arg) {
  float out[CNN_TINY_OUTPUT0_SIZE];
  for (int iter = 0; iter < 200; ++iter) {
    if (cnn_tiny_infer(model, input, out) != 0)
      return (void *)1;
    if (memcmp(out, expected, sizeof out) != 0)
      return (void *)2;
  }
  (void)arg;
  return NULL;
}

int main(int argc, char **argv) {
  for (int i = 0; i < CNN_TINY_INPUT0_SIZE; ++i)
    input[i] = (float)(i % 7) - 3.0f;

  /* A missing weights file is an error naming it. */
  if (cnn_tiny_create("/nonexistent/w.safetensors") != NULL)
    return 10;
  printf("missing file: %s\n", cnnrt_last_error());

  model = cnn_tiny_create(argc > 1 ? argv[1] : NULL);
  if (!model) {
    printf("create failed: %s\n", cnnrt_last_error());
    return 11;
  }
  if (cnn_tiny_infer(model, NULL, expected) != 1)
    return 12;
  printf("null input: %s\n", cnnrt_last_error());
  if (cnn_tiny_infer(model, input, expected) != 0)
    return 13;
  float sum = 0;
  for (int i = 0; i < CNN_TINY_OUTPUT0_SIZE; ++i)
    sum += expected[i];
  printf("output sum %.4f\n", sum);

  /* Caller-owned activation memory: the same result, and a misaligned or
   * missing arena is refused. */
  static unsigned char raw[CNN_TINY_ARENA_BYTES + CNN_TINY_ARENA_ALIGNMENT];
  unsigned char *arena =
      raw + (-(uintptr_t)raw & (CNN_TINY_ARENA_ALIGNMENT - 1));
  float out[CNN_TINY_OUTPUT0_SIZE];
  memset(raw, 0x7f, sizeof raw); /* garbage the model must not depend on */
  if (cnn_tiny_infer_with_arena(model, arena, input, out) != 0)
    return 14;
  printf("caller arena (%d bytes): %s\n", CNN_TINY_ARENA_BYTES,
         memcmp(out, expected, sizeof out) ? "MISMATCH" : "identical");
  if (cnn_tiny_infer_with_arena(model, arena + 4, input, out) != 1)
    return 15;
  printf("misaligned arena: %s\n", cnnrt_last_error());
  if (cnn_tiny_infer_with_arena(model, NULL, input, out) != 1)
    return 16;
  printf("null arena: %s\n", cnnrt_last_error());

  pthread_t threads[4];
  for (int t = 0; t < 4; ++t)
    pthread_create(&threads[t], NULL, worker, NULL);
  int bad = 0;
  for (int t = 0; t < 4; ++t) {
    void *result;
    pthread_join(threads[t], &result);
    bad |= result != NULL;
  }
  printf("4 threads x 200 inferences: %s\n", bad ? "MISMATCH" : "identical");
  cnn_tiny_destroy(model);
  return bad;
}

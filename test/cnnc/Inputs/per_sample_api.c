/* Exercises a library that runs its batch one sample at a time: _infer on
 * 1, 2 and 3 threads (samples side by side, each thread in its own arena,
 * and the rest one after the other), _infer_with_arena in one caller arena,
 * and _infer from several threads at once, must all give the same outputs,
 * and each sample must get its own. */
#include "per_sample.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 5
#define SAMPLE_IN (CNN_PER_SAMPLE_INPUT0_SIZE / BATCH)
#define SAMPLE_OUT (CNN_PER_SAMPLE_OUTPUT0_SIZE / BATCH)

static cnn_per_sample *model;
static float input[CNN_PER_SAMPLE_INPUT0_SIZE];
static float expected[CNN_PER_SAMPLE_OUTPUT0_SIZE];

static void *worker(void *arg) {
  float out[CNN_PER_SAMPLE_OUTPUT0_SIZE];
  for (int iter = 0; iter < 100; ++iter) {
    if (cnn_per_sample_infer(model, input, out) != 0)
      return (void *)1;
    if (memcmp(out, expected, sizeof out) != 0)
      return (void *)2;
  }
  (void)arg;
  return NULL;
}

int main(void) {
  int shape[] = CNN_PER_SAMPLE_INPUT0_SHAPE;
  if (shape[0] != BATCH)
    return 10;
  for (int i = 0; i < CNN_PER_SAMPLE_INPUT0_SIZE; ++i)
    input[i] = (float)((i * 7919) % 23) / 11.0f - 1.0f;
  model = cnn_per_sample_create(NULL);
  if (!model) {
    printf("create failed: %s\n", cnnrt_last_error());
    return 11;
  }

  /* One thread: the samples one after the other. */
  cnnrt_set_num_threads(1);
  if (cnn_per_sample_infer(model, input, expected) != 0)
    return 12;
  /* Every sample differs from the others: no sample got another's input
   * or output slot. */
  int distinct = 1;
  for (int a = 0; a < BATCH; ++a)
    for (int b = a + 1; b < BATCH; ++b)
      distinct &= memcmp(expected + a * SAMPLE_OUT, expected + b * SAMPLE_OUT,
                         SAMPLE_OUT * sizeof(float)) != 0;
  printf("samples distinct: %s\n", distinct ? "yes" : "NO");

  float out[CNN_PER_SAMPLE_OUTPUT0_SIZE];
  for (int threads = 2; threads <= 3; ++threads) {
    cnnrt_set_num_threads(threads);
    memset(out, 0xff, sizeof out);
    if (cnn_per_sample_infer(model, input, out) != 0)
      return 13;
    printf("%d threads: %s\n", threads,
           memcmp(out, expected, sizeof out) ? "MISMATCH" : "identical");
  }

  /* A caller's arena holds one sample's activations. */
  void *arena = aligned_alloc(CNN_PER_SAMPLE_ARENA_ALIGNMENT,
                              (CNN_PER_SAMPLE_ARENA_BYTES +
                               CNN_PER_SAMPLE_ARENA_ALIGNMENT - 1) /
                                  CNN_PER_SAMPLE_ARENA_ALIGNMENT *
                                  CNN_PER_SAMPLE_ARENA_ALIGNMENT);
  memset(arena, 0x7f, CNN_PER_SAMPLE_ARENA_BYTES);
  memset(out, 0xff, sizeof out);
  if (cnn_per_sample_infer_with_arena(model, arena, input, out) != 0)
    return 14;
  printf("caller arena: %s\n",
         memcmp(out, expected, sizeof out) ? "MISMATCH" : "identical");
  free(arena);

  /* Inferences from several threads at once share the runtime's threads. */
  cnnrt_set_num_threads(2);
  pthread_t callers[3];
  for (int t = 0; t < 3; ++t)
    pthread_create(&callers[t], NULL, worker, NULL);
  int bad = 0;
  for (int t = 0; t < 3; ++t) {
    void *result;
    pthread_join(callers[t], &result);
    bad |= result != NULL;
  }
  printf("3 callers x 100 inferences: %s\n", bad ? "MISMATCH" : "identical");
  cnn_per_sample_destroy(model);
  return bad;
}

/* Drives a library compiled with --train through its C API: steps on one
 * fixed batch must lower the loss, the learning rate can change, bad
 * arguments fail with an error, and saved weights load into a new
 * instance that gives the same outputs. */
#include "digits_lenet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N CNN_DIGITS_LENET_INPUT0_SIZE
#define OUT CNN_DIGITS_LENET_OUTPUT0_SIZE

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  static float x[N], y1[OUT], y2[OUT];
  static int64_t labels[N / 64];
  uint32_t seed = 1;
  for (int i = 0; i < N; ++i) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = (float)(seed >> 8) / (float)(1u << 24);
  }
  for (int i = 0; i < N / 64; ++i)
    labels[i] = i % 10;
  cnn_digits_lenet *m = cnn_digits_lenet_create(NULL);
  if (!m) {
    printf("create: %s\n", cnnrt_last_error());
    return 1;
  }
  float first = 0, loss = 0;
  if (cnn_digits_lenet_set_learning_rate(m, 0.01f) != 0)
    return 1;
  for (int step = 0; step < 40; ++step) {
    if (cnn_digits_lenet_train_step(m, x, labels, &loss) != 0) {
      printf("train_step: %s\n", cnnrt_last_error());
      return 1;
    }
    if (step == 0)
      first = loss;
  }
  printf("loss %s after 40 steps (%g -> %g)\n",
         loss < 0.5f * first ? "halved" : "did not halve", first, loss);
  /* NULL loss pointer is allowed, NULL data is not. */
  if (cnn_digits_lenet_train_step(m, x, labels, NULL) != 0)
    return 1;
  if (cnn_digits_lenet_train_step(m, NULL, labels, &loss) == 0)
    return 1;
  printf("null input: %s\n", cnnrt_last_error());
  if (cnn_digits_lenet_set_learning_rate(m, -1.0f) == 0)
    return 1;
  printf("negative rate: %s\n", cnnrt_last_error());
  if (cnn_digits_lenet_set_learning_rate(m, 0.0f) != 0)
    return 1;
  /* With a zero rate the weights stay: two steps give the same loss. */
  float a = 0, b = 0;
  cnn_digits_lenet_train_step(m, x, labels, &a);
  cnn_digits_lenet_train_step(m, x, labels, &b);
  printf("zero rate keeps the loss: %s\n", a == b ? "yes" : "no");
  if (cnn_digits_lenet_save_weights(m, argv[1]) != 0) {
    printf("save: %s\n", cnnrt_last_error());
    return 1;
  }
  cnn_digits_lenet *copy = cnn_digits_lenet_create(argv[1]);
  if (!copy || cnn_digits_lenet_infer(m, x, y1) != 0 ||
      cnn_digits_lenet_infer(copy, x, y2) != 0)
    return 1;
  int same = 1;
  for (int i = 0; i < OUT; ++i)
    same &= y1[i] == y2[i];
  printf("reloaded weights give the same outputs: %s\n", same ? "yes" : "no");
  cnn_digits_lenet_destroy(copy);
  cnn_digits_lenet_destroy(m);
  return 0;
}

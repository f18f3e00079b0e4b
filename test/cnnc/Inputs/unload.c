/* Loads a model library with dlopen, runs it on two threads, unloads it
 * and keeps running: the runtime in the library must stop its worker
 * threads before its code is unmapped (a worker spinning for the next job
 * would otherwise crash the program). */
#include "per_sample.h"

#include <dlfcn.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  static float input[CNN_PER_SAMPLE_INPUT0_SIZE];
  static float output[CNN_PER_SAMPLE_OUTPUT0_SIZE];
  for (int round = 0; round < 3; ++round) {
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      printf("dlopen: %s\n", dlerror());
      return 3;
    }
    void (*set_threads)(int) =
        (void (*)(int))dlsym(lib, "cnnrt_set_num_threads");
    void *(*create)(const char *) =
        (void *(*)(const char *))dlsym(lib, "cnn_per_sample_create");
    int (*infer)(void *, const float *, float *) =
        (int (*)(void *, const float *, float *))dlsym(lib,
                                                       "cnn_per_sample_infer");
    void (*destroy)(void *) =
        (void (*)(void *))dlsym(lib, "cnn_per_sample_destroy");
    if (!set_threads || !create || !infer || !destroy)
      return 4;
    set_threads(2);
    void *model = create(NULL);
    if (!model)
      return 5;
    for (int i = 0; i < 10; ++i)
      if (infer(model, input, output) != 0)
        return 6;
    destroy(model);
    if (dlclose(lib) != 0)
      return 7;
    /* Workers used to spin here, in the unloaded code. */
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  printf("unloaded 3 times\n");
  return 0;
}

/* classify: runs a cnnc-compiled ResNet-18 on a PPM image and prints the
 * five most likely ImageNet classes.
 *
 *   cnnc compile models/resnet18.json --weights resnet18.safetensors -o out
 *   cc -O2 -I out docs/examples/classify.c out/libresnet18.so -o classify
 *   ./classify photo.ppm [labels.txt]
 *
 * The image is a binary PPM (P6, 8-bit); it is resized to 224x224 (nearest
 * neighbour) and normalised with the ImageNet mean and deviation, as
 * torchvision's classifiers expect. labels.txt, if given, holds one class
 * name per line. */

#include "resnet18.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SIDE = 224, CLASSES = 1000 };

/* Reads the next header integer of a PPM, skipping whitespace and comments. */
static int read_header_int(FILE *f, int *value) {
  int c;
  while ((c = fgetc(f)) != EOF) {
    if (c == '#') {
      while ((c = fgetc(f)) != EOF && c != '\n')
        ;
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      break;
    }
  }
  if (c == EOF)
    return 0;
  ungetc(c, f);
  return fscanf(f, "%d", value) == 1;
}

/* Loads a P6 image into NCHW floats of SIDE x SIDE, normalised. */
static int load_ppm(const char *path, float *nchw) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "classify: cannot open %s\n", path);
    return 0;
  }
  char magic[3] = {0};
  int width, height, maxval;
  if (fread(magic, 1, 2, f) != 2 || strcmp(magic, "P6") != 0 ||
      !read_header_int(f, &width) || !read_header_int(f, &height) ||
      !read_header_int(f, &maxval) || width <= 0 || height <= 0 ||
      maxval <= 0 || maxval > 255 || fgetc(f) == EOF) {
    fprintf(stderr, "classify: %s is not an 8-bit binary PPM (P6)\n", path);
    fclose(f);
    return 0;
  }
  size_t bytes = (size_t)width * height * 3;
  unsigned char *pixels = malloc(bytes);
  if (!pixels || fread(pixels, 1, bytes, f) != bytes) {
    fprintf(stderr, "classify: %s is truncated\n", path);
    free(pixels);
    fclose(f);
    return 0;
  }
  fclose(f);
  static const float mean[3] = {0.485f, 0.456f, 0.406f};
  static const float stddev[3] = {0.229f, 0.224f, 0.225f};
  for (int y = 0; y < SIDE; ++y)
    for (int x = 0; x < SIDE; ++x) {
      int sy = y * height / SIDE, sx = x * width / SIDE;
      const unsigned char *p = pixels + ((size_t)sy * width + sx) * 3;
      for (int c = 0; c < 3; ++c)
        nchw[(c * SIDE + y) * SIDE + x] =
            ((float)p[c] / maxval - mean[c]) / stddev[c];
    }
  free(pixels);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s image.ppm [labels.txt]\n", argv[0]);
    return 2;
  }
  static float image[CNN_RESNET18_INPUT0_SIZE];
  static float logits[CNN_RESNET18_OUTPUT0_SIZE];
  if (CNN_RESNET18_INPUT0_SIZE != 3 * SIDE * SIDE ||
      CNN_RESNET18_OUTPUT0_SIZE != CLASSES) {
    fprintf(stderr, "classify: expects a 1x3x224x224 -> 1x1000 model\n");
    return 1;
  }
  if (!load_ppm(argv[1], image))
    return 1;

  cnn_resnet18 *model = cnn_resnet18_create(NULL);
  if (!model || cnn_resnet18_infer(model, image, logits) != 0) {
    fprintf(stderr, "classify: %s\n", cnnrt_last_error());
    return 1;
  }
  cnn_resnet18_destroy(model);

  /* Softmax, then the five largest. */
  float max = logits[0], sum = 0.0f;
  for (int i = 1; i < CLASSES; ++i)
    if (logits[i] > max)
      max = logits[i];
  for (int i = 0; i < CLASSES; ++i)
    sum += expf(logits[i] - max);

  char *labels[CLASSES] = {0};
  if (argc == 3) {
    FILE *f = fopen(argv[2], "r");
    char line[256];
    for (int i = 0; f && i < CLASSES && fgets(line, sizeof line, f); ++i) {
      line[strcspn(line, "\r\n")] = 0;
      labels[i] = strdup(line);
    }
    if (f)
      fclose(f);
  }
  int taken[CLASSES] = {0};
  for (int rank = 0; rank < 5; ++rank) {
    int best = -1;
    for (int i = 0; i < CLASSES; ++i)
      if (!taken[i] && (best < 0 || logits[i] > logits[best]))
        best = i;
    taken[best] = 1;
    printf("%d. class %d %s(%.4f)\n", rank + 1, best,
           labels[best] ? labels[best] : "", expf(logits[best] - max) / sum);
  }
  for (int i = 0; i < CLASSES; ++i)
    free(labels[i]);
  return 0;
}

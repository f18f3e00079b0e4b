/* Loading a generated model library's weights from safetensors. */

#include "cnnrt.h"

#include <string.h>

float *cnnrt_load_weights(const char *path, const cnnrt_weight_entry *table,
                          int64_t count, int64_t size) {
  if (count == 0) {
    /* A model without parameters needs no file. */
    float *empty = cnnrt_alloc(sizeof(float), 64);
    if (empty)
      *empty = 0.0f;
    return empty;
  }
  if (!path || !*path) {
    cnnrt_set_error("no weights file given");
    return NULL;
  }
  if (size < 1)
    size = 1;
  float *buffer = cnnrt_alloc((size_t)size * sizeof(float), 64);
  if (!buffer)
    return NULL;
  memset(buffer, 0, (size_t)size * sizeof(float));
  cnnrt_safetensors *file = NULL;
  if (cnnrt_safetensors_open(path, &file) != CNNRT_OK) {
    cnnrt_free(buffer);
    return NULL;
  }
  for (int64_t i = 0; i < count; ++i) {
    const cnnrt_weight_entry *e = &table[i];
    if (cnnrt_safetensors_read_f32(file, e->name, e->shape, (int)e->ndim,
                                   buffer + e->offset) != CNNRT_OK) {
      cnnrt_safetensors_close(file);
      cnnrt_free(buffer);
      return NULL;
    }
  }
  cnnrt_safetensors_close(file);
  return buffer;
}

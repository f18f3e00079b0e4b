//===- Safetensors.h - reader of safetensors weight files -------*- C++ -*-===//
//
// A safetensors file is an 8-byte little-endian header length, a JSON header
// mapping tensor names to {dtype, shape, data_offsets}, and the raw data. The
// reader validates all of it up front (dtypes, shapes against byte ranges,
// offsets inside the file, no overlaps) and maps the file into memory, so a
// bad file is rejected before any tensor is used.
//
//===----------------------------------------------------------------------===//

#ifndef CNN_FRONTENDS_JSON_SAFETENSORS_H
#define CNN_FRONTENDS_JSON_SAFETENSORS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlir::cnn {

enum class SafetensorsDType { F32, F16, BF16 };

struct SafetensorsTensor {
  std::string name;
  SafetensorsDType dtype;
  std::vector<int64_t> shape;
  /// Byte range within the data section.
  uint64_t begin = 0, end = 0;

  int64_t numElements() const;
};

class SafetensorsFile {
public:
  /// Opens and validates `path`. Errors name the file and what is wrong.
  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  open(llvm::StringRef path);

  const SafetensorsTensor *lookup(llvm::StringRef name) const;
  const std::vector<SafetensorsTensor> &tensors() const { return ordered; }

  /// Converts a tensor to f32 (F16 and BF16 are widened exactly).
  std::vector<float> readF32(const SafetensorsTensor &tensor) const;

  llvm::StringRef path() const { return filePath; }

  static llvm::StringRef dtypeName(SafetensorsDType dtype);

private:
  SafetensorsFile() = default;

  std::string filePath;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  const char *data = nullptr;
  std::vector<SafetensorsTensor> ordered;
  llvm::StringMap<size_t> byName;
};

/// A float32 tensor to write.
struct TensorToWrite {
  std::string name;
  std::vector<int64_t> shape;
  llvm::ArrayRef<float> data;
};

/// Writes `tensors` as an F32 safetensors file (replacing `path` only once
/// the whole file is written).
llvm::Error writeSafetensors(llvm::StringRef path,
                             llvm::ArrayRef<TensorToWrite> tensors);

} // namespace mlir::cnn

#endif // CNN_FRONTENDS_JSON_SAFETENSORS_H

//===- Safetensors.cpp - reader of safetensors weight files ---------------===//

#include "frontends/json/Safetensors.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

using namespace mlir::cnn;
using llvm::Expected;
using llvm::StringRef;

namespace {
llvm::Error fail(StringRef path, const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": " + message);
}

std::optional<SafetensorsDType> parseDType(const std::string &name) {
  if (name == "F32")
    return SafetensorsDType::F32;
  if (name == "F16")
    return SafetensorsDType::F16;
  if (name == "BF16")
    return SafetensorsDType::BF16;
  return std::nullopt;
}

uint64_t elementBytes(SafetensorsDType dtype) {
  return dtype == SafetensorsDType::F32 ? 4 : 2;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {
      // Subnormal: normalize.
      exponent = 127 - 15 + 1;
      while (!(mantissa & 0x400)) {
        mantissa <<= 1;
        --exponent;
      }
      mantissa &= 0x3ff;
      bits = sign | (exponent << 23) | (mantissa << 13);
    }
  } else if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float result;
  std::memcpy(&result, &bits, 4);
  return result;
}
} // namespace

int64_t SafetensorsTensor::numElements() const {
  int64_t count = 1;
  for (int64_t size : shape)
    count *= size;
  return count;
}

StringRef SafetensorsFile::dtypeName(SafetensorsDType dtype) {
  switch (dtype) {
  case SafetensorsDType::F32:
    return "F32";
  case SafetensorsDType::F16:
    return "F16";
  case SafetensorsDType::BF16:
    return "BF16";
  }
  llvm_unreachable("unknown dtype");
}

Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::open(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail(path,
                "cannot open weights file: " + buffer.getError().message());
  StringRef bytes = (*buffer)->getBuffer();
  if (bytes.size() < 8)
    return fail(path, llvm::formatv("truncated: {0} bytes, shorter than the "
                                    "8-byte header length",
                                    bytes.size()));
  uint64_t headerSize = llvm::support::endian::read64le(
      reinterpret_cast<const uint8_t *>(bytes.data()));
  if (headerSize > bytes.size() - 8)
    return fail(path, llvm::formatv("truncated: header of {0} bytes but the "
                                    "file has only {1} bytes after the length",
                                    headerSize, bytes.size() - 8));
  StringRef headerText = bytes.substr(8, headerSize);
  nlohmann::json header =
      nlohmann::json::parse(headerText.begin(), headerText.end(), nullptr,
                            /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object())
    return fail(path, "the header is not a JSON object");

  auto file = std::unique_ptr<SafetensorsFile>(new SafetensorsFile());
  file->filePath = path.str();
  uint64_t dataSize = bytes.size() - 8 - headerSize;
  for (auto &item : header.items()) {
    const std::string &name = item.key();
    const nlohmann::json &entry = item.value();
    if (name == "__metadata__")
      continue;
    auto where = [&](const llvm::Twine &what) {
      return fail(path, "tensor '" + name + "': " + what);
    };
    if (!entry.is_object())
      return where("header entry is not an object");
    auto dtypeIt = entry.find("dtype");
    auto shapeIt = entry.find("shape");
    auto offsetsIt = entry.find("data_offsets");
    if (dtypeIt == entry.end() || !dtypeIt->is_string())
      return where("missing or non-string 'dtype'");
    std::optional<SafetensorsDType> dtype =
        parseDType(dtypeIt->get<std::string>());
    if (!dtype)
      return where("unsupported dtype '" + dtypeIt->get<std::string>() +
                   "' (cnnc reads F32, F16 and BF16)");
    if (shapeIt == entry.end() || !shapeIt->is_array())
      return where("missing or non-array 'shape'");
    SafetensorsTensor tensor;
    tensor.name = name;
    tensor.dtype = *dtype;
    for (auto &size : *shapeIt) {
      if (!size.is_number_integer() || size.get<int64_t>() < 0)
        return where("'shape' must hold non-negative integers");
      tensor.shape.push_back(size.get<int64_t>());
    }
    if (offsetsIt == entry.end() || !offsetsIt->is_array() ||
        offsetsIt->size() != 2 || !(*offsetsIt)[0].is_number_unsigned() ||
        !(*offsetsIt)[1].is_number_unsigned())
      return where("'data_offsets' must be two non-negative integers");
    tensor.begin = (*offsetsIt)[0].get<uint64_t>();
    tensor.end = (*offsetsIt)[1].get<uint64_t>();
    if (tensor.begin > tensor.end)
      return where(llvm::formatv("data_offsets [{0}, {1}] are reversed",
                                 tensor.begin, tensor.end));
    if (tensor.end > dataSize)
      return where(llvm::formatv("data_offsets [{0}, {1}] run past the end of "
                                 "the data ({2} bytes): the file is truncated",
                                 tensor.begin, tensor.end, dataSize));
    uint64_t expected = tensor.numElements() * elementBytes(tensor.dtype);
    if (tensor.end - tensor.begin != expected)
      return where(llvm::formatv("holds {0} bytes but shape and dtype need {1}",
                                 tensor.end - tensor.begin, expected));
    file->ordered.push_back(std::move(tensor));
  }

  // Byte ranges must not overlap.
  std::vector<const SafetensorsTensor *> byOffset;
  for (const SafetensorsTensor &t : file->ordered)
    byOffset.push_back(&t);
  llvm::sort(byOffset, [](auto *a, auto *b) {
    return std::tie(a->begin, a->end) < std::tie(b->begin, b->end);
  });
  for (size_t i = 1; i < byOffset.size(); ++i)
    if (byOffset[i]->begin < byOffset[i - 1]->end)
      return fail(path, "tensors '" + byOffset[i - 1]->name + "' and '" +
                            byOffset[i]->name + "' overlap");

  for (auto [index, tensor] : llvm::enumerate(file->ordered))
    file->byName[tensor.name] = index;
  file->data = bytes.data() + 8 + headerSize;
  file->buffer = std::move(*buffer);
  return file;
}

const SafetensorsTensor *SafetensorsFile::lookup(StringRef name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &ordered[it->second];
}

std::vector<float>
SafetensorsFile::readF32(const SafetensorsTensor &tensor) const {
  std::vector<float> values(tensor.numElements());
  const char *src = data + tensor.begin;
  switch (tensor.dtype) {
  case SafetensorsDType::F32:
    for (size_t i = 0; i < values.size(); ++i) {
      uint32_t bits = llvm::support::endian::read32le(src + 4 * i);
      std::memcpy(&values[i], &bits, 4);
    }
    break;
  case SafetensorsDType::F16:
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = halfToFloat(llvm::support::endian::read16le(src + 2 * i));
    break;
  case SafetensorsDType::BF16:
    for (size_t i = 0; i < values.size(); ++i) {
      uint32_t bits = uint32_t(llvm::support::endian::read16le(src + 2 * i))
                      << 16;
      std::memcpy(&values[i], &bits, 4);
    }
    break;
  }
  return values;
}

llvm::Error mlir::cnn::writeSafetensors(StringRef path,
                                        llvm::ArrayRef<TensorToWrite> tensors) {
  nlohmann::json header = nlohmann::json::object();
  uint64_t offset = 0;
  for (const TensorToWrite &t : tensors) {
    uint64_t bytes = t.data.size() * sizeof(float);
    header[t.name] = {{"dtype", "F32"},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  // Pad the header so that the data starts 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  return llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
    char length[8];
    llvm::support::endian::write64le(length, text.size());
    os.write(length, 8);
    os << text;
    for (const TensorToWrite &t : tensors)
      for (float v : t.data) {
        char bytes[4];
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        llvm::support::endian::write32le(bytes, bits);
        os.write(bytes, 4);
      }
    return llvm::Error::success();
  });
}

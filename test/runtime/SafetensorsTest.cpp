// Safetensors weights: reading F32/F16/BF16 and every validation error.
#include "TestUtil.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace {

using cnnrt_test::leBytes;
using cnnrt_test::writeFile;

struct Tensor {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};

std::string shapeJson(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t d = 0; d < shape.size(); ++d)
    s += (d ? ", " : "") + std::to_string(shape[d]);
  return s + "]";
}

// A safetensors file from a raw JSON header and data, the header padded with
// spaces to a multiple of 8 bytes as the reference writer does.
std::string rawFile(std::string header, const std::string &data) {
  while (header.size() % 8)
    header += ' ';
  return leBytes(static_cast<uint64_t>(header.size())) + header + data;
}

// A well-formed file holding `tensors` back to back, in order.
std::string buildFile(const std::vector<Tensor> &tensors,
                      const std::string &metadata = "") {
  std::string header = "{", data;
  if (!metadata.empty())
    header += "\"__metadata__\": " + metadata;
  for (const Tensor &t : tensors) {
    if (header.size() > 1)
      header += ", ";
    header += "\"" + t.name + "\": {\"dtype\": \"" + t.dtype +
              "\", \"shape\": " + shapeJson(t.shape) + ", \"data_offsets\": [" +
              std::to_string(data.size()) + ", " +
              std::to_string(data.size() + t.bytes.size()) + "]}";
    data += t.bytes;
  }
  return rawFile(header + "}", data);
}

std::string f32Bytes(const std::vector<float> &v) { return leBytes(v); }
std::string u16Bytes(const std::vector<uint16_t> &v) { return leBytes(v); }

// IEEE half to float, written independently of the runtime's bit tricks.
float halfReference(uint16_t h) {
  int sign = h >> 15, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
  double v = exponent == 0 ? std::ldexp(mantissa, -24)
                           : std::ldexp(1024 + mantissa, exponent - 25);
  return static_cast<float>(sign ? -v : v);
}

class Safetensors : public cnnrt_test::ScratchDir {
protected:
  void TearDown() override {
    cnnrt_safetensors_close(st);
    ScratchDir::TearDown();
  }
  // Writes `bytes` to w.safetensors and opens it.
  void open(const std::string &bytes) {
    writeFile(path("w.safetensors"), bytes);
    ASSERT_EQ(cnnrt_safetensors_open(path("w.safetensors").c_str(), &st), 0)
        << cnnrt_last_error();
  }
  // Expects opening `bytes` to fail with a message naming the file.
  void expectOpenError(const std::string &bytes, const std::string &what) {
    writeFile(path("bad.safetensors"), bytes);
    cnnrt_safetensors *bad = reinterpret_cast<cnnrt_safetensors *>(1);
    std::string p = path("bad.safetensors");
    EXPECT_NE(cnnrt_safetensors_open(p.c_str(), &bad), 0) << what;
    EXPECT_EQ(bad, nullptr);
    std::string msg = cnnrt_last_error();
    EXPECT_EQ(msg.rfind(p + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
  // Expects reading `name` from the open file to fail with `what`.
  void expectReadError(const char *name, std::vector<int64_t> shape,
                       const std::string &what) {
    size_t count = 1;
    for (int64_t d : shape)
      count *= static_cast<size_t>(d);
    std::vector<float> dst(count + 1); // never smaller than the tensor
    EXPECT_NE(cnnrt_safetensors_read_f32(st, name, shape.data(),
                                         static_cast<int>(shape.size()),
                                         dst.data()),
              0);
    std::string msg = cnnrt_last_error();
    EXPECT_EQ(msg.rfind(path("w.safetensors") + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
  cnnrt_safetensors *st = nullptr;
};

TEST_F(Safetensors, ReadsF32) {
  open(buildFile({{"conv.weight",
                   "F32",
                   {2, 3},
                   f32Bytes({1, -2, 3.5f, 0, -0.0f, 1e-30f})},
                  {"conv.bias", "F32", {2}, f32Bytes({0.25f, 8})}}));
  std::vector<float> w(6), b(2);
  int64_t wShape[] = {2, 3}, bShape[] = {2};
  ASSERT_EQ(cnnrt_safetensors_read_f32(st, "conv.weight", wShape, 2, w.data()),
            0)
      << cnnrt_last_error();
  ASSERT_EQ(cnnrt_safetensors_read_f32(st, "conv.bias", bShape, 1, b.data()), 0)
      << cnnrt_last_error();
  EXPECT_EQ(w, (std::vector<float>{1, -2, 3.5f, 0, -0.0f, 1e-30f}));
  EXPECT_TRUE(std::signbit(w[4]));
  EXPECT_EQ(b, (std::vector<float>{0.25f, 8}));
}

TEST_F(Safetensors, ReadsF16) {
  // 1, -2, 0.5, 65504 (max), 2^-24 (smallest subnormal), -0, 2^-14 (min
  // normal), 0.333251953125.
  open(buildFile({{"h",
                   "F16",
                   {8},
                   u16Bytes({0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8000,
                             0x0400, 0x3555})}}));
  std::vector<float> v(8);
  int64_t shape[] = {8};
  ASSERT_EQ(cnnrt_safetensors_read_f32(st, "h", shape, 1, v.data()), 0)
      << cnnrt_last_error();
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], -2.0f);
  EXPECT_EQ(v[2], 0.5f);
  EXPECT_EQ(v[3], 65504.0f);
  EXPECT_EQ(v[4], std::ldexp(1.0f, -24));
  EXPECT_EQ(v[5], 0.0f);
  EXPECT_TRUE(std::signbit(v[5]));
  EXPECT_EQ(v[6], std::ldexp(1.0f, -14));
  EXPECT_EQ(v[7], 0.333251953125f);
}

TEST_F(Safetensors, F16ConversionIsExactForEveryFiniteValue) {
  std::vector<uint16_t> halves;
  for (uint32_t h = 0; h <= 0xFFFF; ++h)
    if (((h >> 10) & 0x1F) != 0x1F) // skip Inf and NaN
      halves.push_back(static_cast<uint16_t>(h));
  // More values than the reader's conversion chunk, so chunking is covered.
  ASSERT_EQ(halves.size(), 63488u);
  open(buildFile({{"all",
                   "F16",
                   {static_cast<int64_t>(halves.size())},
                   u16Bytes(halves)}}));
  std::vector<float> v(halves.size());
  int64_t shape[] = {static_cast<int64_t>(halves.size())};
  ASSERT_EQ(cnnrt_safetensors_read_f32(st, "all", shape, 1, v.data()), 0)
      << cnnrt_last_error();
  for (size_t k = 0; k < halves.size(); ++k) {
    float want = halfReference(halves[k]);
    ASSERT_EQ(std::memcmp(&v[k], &want, 4), 0)
        << "half 0x" << std::hex << halves[k] << " gave " << v[k]
        << ", expected " << want;
  }
}

TEST_F(Safetensors, ReadsBF16) {
  // 1, -2, 3.140625, largest finite, smallest subnormal, -0.
  open(buildFile(
      {{"b",
        "BF16",
        {2, 3},
        u16Bytes({0x3F80, 0xC000, 0x4049, 0x7F7F, 0x0001, 0x8000})}}));
  std::vector<float> v(6);
  int64_t shape[] = {2, 3};
  ASSERT_EQ(cnnrt_safetensors_read_f32(st, "b", shape, 2, v.data()), 0)
      << cnnrt_last_error();
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], -2.0f);
  EXPECT_EQ(v[2], 3.140625f);
  EXPECT_EQ(v[3], 3.3895313892515355e38f);
  EXPECT_EQ(v[4], std::ldexp(1.0f, -133));
  EXPECT_TRUE(v[5] == 0.0f && std::signbit(v[5]));
}

TEST_F(Safetensors, ScalarsEmptyTensorsAndMetadata) {
  open(buildFile({{"scalar", "F32", {}, f32Bytes({42})},
                  {"empty", "F32", {0, 3}, ""},
                  {"steps", "I64", {}, leBytes<int64_t>(7)}},
                 "{\"format\": \"pt\", \"note\": \"\\u00e9\"}"));
  float s = 0;
  ASSERT_EQ(cnnrt_safetensors_read_f32(st, "scalar", nullptr, 0, &s), 0)
      << cnnrt_last_error();
  EXPECT_EQ(s, 42.0f);
  int64_t emptyShape[] = {0, 3};
  EXPECT_EQ(cnnrt_safetensors_read_f32(st, "empty", emptyShape, 2, nullptr), 0)
      << cnnrt_last_error();
}

TEST_F(Safetensors, EnumeratesTensorsSortedByName) {
  open(buildFile({{"z", "F32", {1}, f32Bytes({1})},
                  {"a", "BF16", {2, 1}, u16Bytes({0, 0})},
                  {"m.n", "I64", {}, leBytes<int64_t>(1)}},
                 "{}"));
  ASSERT_EQ(cnnrt_safetensors_num_tensors(st), 3u);
  const char *names[] = {"a", "m.n", "z"};
  const char *dtypes[] = {"BF16", "I64", "F32"};
  for (size_t k = 0; k < 3; ++k) {
    const char *name, *dtype;
    int ndim;
    int64_t shape[CNNRT_MAX_DIMS];
    ASSERT_EQ(cnnrt_safetensors_tensor_info(st, k, &name, &dtype, &ndim, shape),
              0);
    EXPECT_STREQ(name, names[k]);
    EXPECT_STREQ(dtype, dtypes[k]);
  }
  int ndim;
  int64_t shape[CNNRT_MAX_DIMS];
  ASSERT_EQ(
      cnnrt_safetensors_tensor_info(st, 0, nullptr, nullptr, &ndim, shape), 0);
  EXPECT_EQ(ndim, 2);
  EXPECT_EQ(shape[0], 2);
  EXPECT_EQ(shape[1], 1);
  EXPECT_NE(
      cnnrt_safetensors_tensor_info(st, 3, nullptr, nullptr, nullptr, nullptr),
      0);
  EXPECT_EQ(cnnrt_safetensors_num_tensors(nullptr), 0u);
}

TEST_F(Safetensors, ConcurrentReads) {
  std::vector<float> values(10000);
  for (size_t k = 0; k < values.size(); ++k)
    values[k] = static_cast<float>(k);
  std::vector<Tensor> tensors;
  for (int t = 0; t < 4; ++t)
    tensors.push_back(
        {"t" + std::to_string(t), "F32", {10000}, f32Bytes(values)});
  open(buildFile(tensors));
  std::vector<int> ok(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::vector<float> dst(10000);
      int64_t shape[] = {10000};
      int good = 1;
      for (int round = 0; round < 20; ++round) {
        std::string name = "t" + std::to_string((t + round) % 4);
        good &= cnnrt_safetensors_read_f32(st, name.c_str(), shape, 1,
                                           dst.data()) == 0 &&
                dst == values;
      }
      ok[t] = good;
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(ok, std::vector<int>(4, 1));
}

// ---- Errors while reading a tensor ----------------------------------------

TEST_F(Safetensors, MissingTensor) {
  open(buildFile({{"fc.weight", "F32", {2}, f32Bytes({1, 2})}}));
  expectReadError("fc.bias", {2}, "tensor 'fc.bias' not found");
}

TEST_F(Safetensors, ShapeMismatch) {
  open(buildFile({{"conv1.weight",
                   "F32",
                   {4, 1, 3, 3},
                   f32Bytes(std::vector<float>(36, 1))}}));
  expectReadError("conv1.weight", {4, 1, 2, 2},
                  "tensor 'conv1.weight': shape mismatch: the file has "
                  "4x1x3x3, expected 4x1x2x2");
  expectReadError("conv1.weight", {36},
                  "shape mismatch: the file has 4x1x3x3, expected 36");
  expectReadError("conv1.weight", {}, "expected scalar");
}

TEST_F(Safetensors, NaNAndInf) {
  float nan = std::nanf("");
  float inf = HUGE_VALF;
  open(buildFile({{"w", "F32", {2, 3}, f32Bytes({0, 1, 2, 3, nan, 5})},
                  {"b", "F32", {3}, f32Bytes({0, -inf, 1})},
                  {"h", "F16", {2}, u16Bytes({0x3C00, 0x7C00})},
                  {"g", "BF16", {1}, u16Bytes({0x7FC0})}}));
  expectReadError("w", {2, 3},
                  "tensor 'w': NaN at index 4 [1, 1] (of 6 values)");
  expectReadError("b", {3}, "tensor 'b': -Inf at index 1 [1] (of 3 values)");
  expectReadError("h", {2}, "tensor 'h': Inf at index 1 [1]");
  expectReadError("g", {1}, "tensor 'g': NaN at index 0 [0]");
}

TEST_F(Safetensors, NonFloatDtypeCannotBeRead) {
  open(buildFile({{"steps", "I64", {2}, leBytes(std::vector<int64_t>{1, 2})}}));
  expectReadError("steps", {2},
                  "tensor 'steps': dtype I64 cannot be read as float32");
}

TEST_F(Safetensors, FileTruncatedAfterOpen) {
  std::string file = buildFile({{"w", "F32", {100}, std::string(400, '\0')}});
  open(file);
  ASSERT_EQ(truncate(path("w.safetensors").c_str(),
                     static_cast<off_t>(file.size() - 10)),
            0);
  expectReadError("w", {100}, "tensor 'w': the file ended early");
}

TEST_F(Safetensors, NullArguments) {
  open(buildFile({{"w", "F32", {2}, f32Bytes({1, 2})}}));
  int64_t shape[] = {2};
  EXPECT_NE(cnnrt_safetensors_read_f32(st, "w", shape, 1, nullptr), 0);
  EXPECT_NE(std::string(cnnrt_last_error()).find("NULL destination"),
            std::string::npos);
  EXPECT_NE(cnnrt_safetensors_read_f32(st, "w", nullptr, 1, nullptr), 0);
  EXPECT_NE(cnnrt_safetensors_read_f32(nullptr, "w", shape, 1, nullptr), 0);
  EXPECT_NE(cnnrt_safetensors_open(nullptr, &st), 0);
  cnnrt_safetensors_close(nullptr);
}

// ---- Errors while opening -------------------------------------------------

TEST_F(Safetensors, TruncatedFiles) {
  std::string good = buildFile({{"w", "F32", {4}, f32Bytes({1, 2, 3, 4})}});
  expectOpenError(good.substr(0, 5),
                  "truncated: 5 bytes, shorter than the 8-byte header length");
  expectOpenError(good.substr(0, 20), "truncated: header of");
  // Cut inside the data: the tensor's offsets now run past the end.
  expectOpenError(good.substr(0, good.size() - 1),
                  "tensor 'w': data_offsets [0, 16] run past the end of the "
                  "data (15 bytes): the file is truncated");
}

TEST_F(Safetensors, OffsetsPastEnd) {
  expectOpenError(
      rawFile("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], "
              "\"data_offsets\": [8, 16]}}",
              std::string(8, '\0')),
      "data_offsets [8, 16] run past the end of the data (8 bytes)");
}

TEST_F(Safetensors, InconsistentEntries) {
  auto one = [](const std::string &entry) {
    return rawFile("{\"w\": " + entry + "}", std::string(16, '\0'));
  };
  expectOpenError(one("{\"dtype\": \"F32\", \"shape\": [2], "
                      "\"data_offsets\": [8, 0]}"),
                  "tensor 'w': data_offsets [8, 0] are reversed");
  expectOpenError(one("{\"dtype\": \"F32\", \"shape\": [3], "
                      "\"data_offsets\": [0, 16]}"),
                  "tensor 'w': holds 16 bytes but shape 3 of F32 needs 12");
  expectOpenError(one("{\"dtype\": \"F99\", \"shape\": [4], "
                      "\"data_offsets\": [0, 16]}"),
                  "tensor 'w': unknown dtype 'F99'");
  expectOpenError(one("{\"shape\": [4], \"data_offsets\": [0, 16]}"),
                  "missing or non-string 'dtype'");
  expectOpenError(one("{\"dtype\": \"F32\", \"data_offsets\": [0, 16]}"),
                  "missing or non-array 'shape'");
  expectOpenError(one("{\"dtype\": \"F32\", \"shape\": [4.0], "
                      "\"data_offsets\": [0, 16]}"),
                  "'shape' must hold non-negative integers");
  expectOpenError(one("{\"dtype\": \"F32\", \"shape\": [-4], "
                      "\"data_offsets\": [0, 16]}"),
                  "'shape' must hold non-negative integers");
  expectOpenError(one("{\"dtype\": \"F32\", \"shape\": [4], "
                      "\"data_offsets\": [0]}"),
                  "'data_offsets' must be two non-negative integers");
  expectOpenError(one("{\"dtype\": \"F32\", \"shape\": [4]}"),
                  "'data_offsets' must be two non-negative integers");
  expectOpenError(one("{\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,4], "
                      "\"data_offsets\": [0, 16]}"),
                  "9 dimensions; at most 8 are supported");
  expectOpenError(one("{\"dtype\": \"F32\", \"shape\": [4294967296, "
                      "4294967296], \"data_offsets\": [0, 16]}"),
                  "the shape's size overflows");
  expectOpenError(one("[1, 2]"), "tensor 'w': header entry is not an object");
}

TEST_F(Safetensors, BadHeaders) {
  expectOpenError(rawFile("{} []", ""),
                  "invalid JSON in the header: at byte 3: unexpected data");
  expectOpenError(rawFile("{\"w\": ", ""),
                  "invalid JSON in the header: at byte 8: value expected");
  expectOpenError(rawFile("{\"__metadata__\": {\"a\": 1}}", ""),
                  "'__metadata__' must be an object of strings");
  std::string twice = "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], "
                      "\"data_offsets\": [0, 4]}, \"w\": {\"dtype\": \"F32\", "
                      "\"shape\": [1], \"data_offsets\": [4, 8]}}";
  expectOpenError(rawFile(twice, std::string(8, '\0')),
                  "tensor 'w' appears twice in the header");
  std::string overlap =
      "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], "
      "\"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", "
      "\"shape\": [2], \"data_offsets\": [4, 12]}}";
  expectOpenError(rawFile(overlap, std::string(12, '\0')),
                  "tensors 'a' and 'b' overlap");
  // Another format read as safetensors: an absurd header length, or a
  // header that is not a JSON object.
  expectOpenError("PK\x03\x04" + std::string(60, 'x'),
                  "not a safetensors file: its header length field says");
  expectOpenError(leBytes(uint64_t(1) << 62) + "{}",
                  "not a safetensors file: its header length field says "
                  "4611686018427387904 bytes (the limit is 104857600)");
  expectOpenError(rawFile("\x93NUMPY", ""),
                  "not a safetensors file: the header does not start with "
                  "'{'");
  expectOpenError(leBytes(uint64_t(0)),
                  "not a safetensors file: the header does not start with "
                  "'{'");
  expectOpenError("", "truncated: 0 bytes");
}

TEST_F(Safetensors, MissingFile) {
  expectOpenError("", "truncated"); // creates bad.safetensors, empty
  cnnrt_safetensors *none = nullptr;
  std::string p = path("absent.safetensors");
  EXPECT_NE(cnnrt_safetensors_open(p.c_str(), &none), 0);
  EXPECT_EQ(std::string(cnnrt_last_error()),
            p + ": cannot open weights file: No such file or directory");
}

} // namespace

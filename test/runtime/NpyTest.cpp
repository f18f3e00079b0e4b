// NumPy .npy reading and writing.
#include "TestUtil.h"

#include <cstdint>
#include <string>
#include <vector>

namespace {

using cnnrt_test::leBytes;
using cnnrt_test::readFile;
using cnnrt_test::writeFile;

// A .npy file as NumPy's format 1.0 writer produces it: the dict padded with
// spaces and a '\n' so that magic + header is a multiple of 64 bytes.
std::string npyBytes(const std::string &dict, const std::string &data,
                     int major = 1) {
  size_t prefix = major == 1 ? 10 : 12;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  std::string header =
      dict + std::string(total - prefix - dict.size() - 1, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  if (major == 1)
    out += leBytes(static_cast<uint16_t>(header.size()));
  else
    out += leBytes(static_cast<uint32_t>(header.size()));
  return out + header + data;
}

// Exactly what numpy 1.24 writes for
// np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3)).
std::string numpyArange2x3() {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (2, 3), }";
  std::string file =
      npyBytes(dict, leBytes(std::vector<float>{0, 1, 2, 3, 4, 5}));
  return file;
}

class Npy : public cnnrt_test::ScratchDir {
protected:
  // Reads `name`, expecting failure with a message containing `what`; the
  // message must name the file and the array must come back zeroed.
  void expectReadError(const std::string &name, const std::string &what) {
    cnnrt_array a;
    std::memset(&a, 0x5A, sizeof a);
    std::string p = path(name);
    EXPECT_NE(cnnrt_npy_read(p.c_str(), &a), 0) << name;
    std::string msg = cnnrt_last_error();
    EXPECT_EQ(msg.rfind(p + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
    EXPECT_EQ(a.data, nullptr);
    EXPECT_EQ(a.ndim, 0);
    EXPECT_EQ(a.nbytes, 0u);
  }
  void expectReadError(const std::string &dict, const std::string &data,
                       const std::string &what) {
    writeFile(path("bad.npy"), npyBytes(dict, data));
    expectReadError("bad.npy", what);
  }
};

TEST_F(Npy, FixtureMatchesNumpyLayout) {
  std::string file = numpyArange2x3();
  ASSERT_EQ(file.size(), 128u + 24u);
  EXPECT_EQ(file.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  EXPECT_EQ(file[127], '\n');
}

TEST_F(Npy, ReadsWhatNumpyWrites) {
  writeFile(path("x.npy"), numpyArange2x3());
  cnnrt_array a;
  ASSERT_EQ(cnnrt_npy_read(path("x.npy").c_str(), &a), 0) << cnnrt_last_error();
  EXPECT_STREQ(a.dtype, "f4");
  ASSERT_EQ(a.ndim, 2);
  EXPECT_EQ(a.shape[0], 2);
  EXPECT_EQ(a.shape[1], 3);
  ASSERT_EQ(a.nbytes, 24u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data) % 64, 0u);
  const float *v = static_cast<const float *>(a.data);
  for (int k = 0; k < 6; ++k)
    EXPECT_EQ(v[k], static_cast<float>(k));
  cnnrt_array_free(&a);
  EXPECT_EQ(a.data, nullptr);
  cnnrt_array_free(&a); // twice is fine
  cnnrt_array_free(nullptr);
}

TEST_F(Npy, WritesExactlyWhatNumpyWrites) {
  std::vector<float> values = {0, 1, 2, 3, 4, 5};
  cnnrt_array a = {};
  std::strcpy(a.dtype, "f4");
  a.ndim = 2;
  a.shape[0] = 2;
  a.shape[1] = 3;
  a.data = values.data();
  a.nbytes = 24;
  ASSERT_EQ(cnnrt_npy_write(path("y.npy").c_str(), &a), 0)
      << cnnrt_last_error();
  EXPECT_EQ(readFile(path("y.npy")), numpyArange2x3());
}

TEST_F(Npy, HeaderSpellingsOfOtherShapes) {
  // numpy writes 1-D shapes as "(5,)" and scalars as "()".
  struct {
    int ndim;
    std::vector<int64_t> shape;
    const char *tuple;
  } cases[] = {{0, {}, "()"}, {1, {5}, "(5,)"}, {3, {1, 0, 2}, "(1, 0, 2)"}};
  for (auto &c : cases) {
    size_t count = 1;
    for (int64_t s : c.shape)
      count *= static_cast<size_t>(s);
    std::vector<int64_t> values(count, 7);
    cnnrt_array a = {};
    std::strcpy(a.dtype, "i8");
    a.ndim = c.ndim;
    for (int d = 0; d < c.ndim; ++d)
      a.shape[d] = c.shape[d];
    a.data = values.data();
    a.nbytes = count * 8;
    ASSERT_EQ(cnnrt_npy_write(path("s.npy").c_str(), &a), 0)
        << cnnrt_last_error();
    std::string dict = std::string("{'descr': '<i8', 'fortran_order': "
                                   "False, 'shape': ") +
                       c.tuple + ", }";
    EXPECT_EQ(readFile(path("s.npy")), npyBytes(dict, leBytes(values)))
        << c.tuple;
  }
}

TEST_F(Npy, RoundTrips) {
  struct Case {
    const char *dtype;
    std::vector<int64_t> shape;
  } cases[] = {{"f4", {}},     {"f4", {7}},  {"f4", {3, 224, 224}},
               {"f4", {0, 4}}, {"i8", {10}}, {"i8", {2, 1, 2, 1, 2, 1, 2, 3}}};
  for (const Case &c : cases) {
    size_t itemsize = c.dtype[0] == 'f' ? 4 : 8;
    size_t count = 1;
    for (int64_t s : c.shape)
      count *= static_cast<size_t>(s);
    std::string bytes(count * itemsize, '\0');
    for (size_t k = 0; k < bytes.size(); ++k)
      bytes[k] = static_cast<char>(k * 7 + 3);
    cnnrt_array in = {};
    std::strcpy(in.dtype, c.dtype);
    in.ndim = static_cast<int>(c.shape.size());
    for (int d = 0; d < in.ndim; ++d)
      in.shape[d] = c.shape[d];
    in.data = bytes.empty() ? nullptr : &bytes[0];
    in.nbytes = bytes.size();
    ASSERT_EQ(cnnrt_npy_write(path("r.npy").c_str(), &in), 0)
        << cnnrt_last_error();
    cnnrt_array out;
    ASSERT_EQ(cnnrt_npy_read(path("r.npy").c_str(), &out), 0)
        << cnnrt_last_error();
    EXPECT_STREQ(out.dtype, c.dtype);
    ASSERT_EQ(out.ndim, in.ndim);
    for (int d = 0; d < in.ndim; ++d)
      EXPECT_EQ(out.shape[d], in.shape[d]);
    ASSERT_EQ(out.nbytes, in.nbytes);
    EXPECT_NE(out.data, nullptr);
    EXPECT_EQ(std::memcmp(out.data, bytes.data(), bytes.size()), 0);
    cnnrt_array_free(&out);
  }
  EXPECT_EQ(listDir(), std::vector<std::string>{"r.npy"}); // no temp files
}

TEST_F(Npy, ReadsFormatVersions2And3) {
  std::string dict = "{'descr': '<i8', 'fortran_order': False, "
                     "'shape': (2,), }";
  for (int major : {2, 3}) {
    writeFile(
        path("v.npy"),
        npyBytes(dict, leBytes(std::vector<int64_t>{-1, 1LL << 40}), major));
    cnnrt_array a;
    ASSERT_EQ(cnnrt_npy_read(path("v.npy").c_str(), &a), 0)
        << cnnrt_last_error();
    EXPECT_STREQ(a.dtype, "i8");
    const int64_t *v = static_cast<const int64_t *>(a.data);
    EXPECT_EQ(v[0], -1);
    EXPECT_EQ(v[1], 1LL << 40);
    cnnrt_array_free(&a);
  }
}

TEST_F(Npy, AcceptsHeaderVariants) {
  // Key order, double quotes, no trailing comma, Python 2 longs.
  const char *dicts[] = {
      "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
      "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,3)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }",
  };
  for (const char *dict : dicts) {
    writeFile(path("h.npy"), npyBytes(dict, std::string(24, '\0')));
    cnnrt_array a;
    EXPECT_EQ(cnnrt_npy_read(path("h.npy").c_str(), &a), 0)
        << dict << ": " << cnnrt_last_error();
    EXPECT_EQ(a.ndim, 2);
    cnnrt_array_free(&a);
  }
}

const char *const kDict2x3 =
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

TEST_F(Npy, RejectsBadMagic) {
  std::string file = numpyArange2x3();
  file[1] = 'X';
  writeFile(path("m.npy"), file);
  expectReadError("m.npy", "not a .npy file (bad magic");
  writeFile(path("short.npy"), "\x93NUM");
  expectReadError("short.npy", "not a .npy file: only 4 bytes");
}

TEST_F(Npy, RejectsUnknownVersion) {
  std::string file = numpyArange2x3();
  file[6] = 4;
  writeFile(path("v.npy"), file);
  expectReadError("v.npy", "unsupported .npy format version 4.0");
  file[6] = 1;
  file[7] = 1;
  writeFile(path("v.npy"), file);
  expectReadError("v.npy", "unsupported .npy format version 1.1");
}

TEST_F(Npy, RejectsFortranOrder) {
  expectReadError("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                  std::string(24, '\0'), "fortran_order is True");
}

TEST_F(Npy, RejectsBigEndian) {
  expectReadError("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }",
                  std::string(24, '\0'), "big-endian data ('>f4')");
}

TEST_F(Npy, RejectsUnsupportedDtypes) {
  expectReadError("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                  std::string(24, '\0'),
                  "float64 ('<f8') is not supported; save "
                  "a.astype(numpy.float32)");
  expectReadError("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }",
                  std::string(3, '\0'), "unsupported dtype '|u1'");
  expectReadError("{'descr': [('a', '<f4')], 'fortran_order': False, "
                  "'shape': (3,), }",
                  std::string(12, '\0'), "structured dtypes");
}

TEST_F(Npy, RejectsTruncatedData) {
  expectReadError("{'descr': '<f4', 'fortran_order': False, "
                  "'shape': (3, 224, 224), }",
                  std::string(1000, '\0'),
                  "truncated: header says 3x224x224 float32 (602112 bytes) "
                  "but the file has 1000 bytes of data");
}

TEST_F(Npy, RejectsTrailingData) {
  expectReadError(kDict2x3, std::string(28, '\0'),
                  "trailing bytes: header says 2x3 float32 (24 bytes) but "
                  "the file has 28 bytes of data");
}

TEST_F(Npy, RejectsTruncatedHeader) {
  std::string file = numpyArange2x3().substr(0, 60);
  writeFile(path("t.npy"), file);
  expectReadError("t.npy", "truncated: header of 118 bytes but the file has "
                           "50 bytes after the preamble");
}

TEST_F(Npy, RejectsMalformedHeaders) {
  std::string data(24, '\0');
  expectReadError("{'descr': '<f4', 'shape': (2, 3), }", data,
                  "the header lacks 'fortran_order'");
  expectReadError("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), "
                  "'extra': 1}",
                  data, "unexpected key 'extra'");
  expectReadError("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
                  "'shape': (2, 3)}",
                  data, "key 'descr' appears twice");
  expectReadError("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}", data,
                  "'fortran_order' must be True or False");
  expectReadError("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}",
                  data, "negative dimension");
  expectReadError("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}",
                  data, "'(' expected");
  expectReadError("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)",
                  data, "malformed header");
  expectReadError("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} x",
                  data, "unexpected text after the dict");
  expectReadError("{'descr': '<f4', 'fortran_order': False, "
                  "'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1)}",
                  std::string(4, '\0'), "more than 8 dimensions");
  expectReadError("{'descr': '<f4', 'fortran_order': False, "
                  "'shape': (99999999999999999999,)}",
                  data, "overflows");
  expectReadError("{'descr': '<f4', 'fortran_order': False, "
                  "'shape': (4294967296, 4294967296)}",
                  data, "the shape's size overflows");
}

TEST_F(Npy, RejectsMissingFilesAndDirectories) {
  expectReadError("absent.npy", "cannot open: No such file or directory");
  expectReadError("", "not a regular file"); // the scratch directory itself
}

TEST_F(Npy, WriteIsAtomic) {
  // A failed write leaves an existing file untouched and no temporary.
  writeFile(path("keep.npy"), numpyArange2x3());
  cnnrt_array bad = {};
  std::strcpy(bad.dtype, "f4");
  bad.ndim = 1;
  bad.shape[0] = 3;
  bad.nbytes = 8; // inconsistent with the shape
  std::vector<char> bytes(8);
  bad.data = bytes.data();
  EXPECT_NE(cnnrt_npy_write(path("keep.npy").c_str(), &bad), 0);
  EXPECT_NE(std::string(cnnrt_last_error())
                .find("keep.npy: array of shape 3 float32 does not hold 8 "
                      "bytes"),
            std::string::npos)
      << cnnrt_last_error();
  EXPECT_EQ(readFile(path("keep.npy")), numpyArange2x3());

  // A successful write replaces it whole.
  std::vector<float> values(3, 1.5f);
  cnnrt_array good = bad;
  good.nbytes = 12;
  good.data = values.data();
  ASSERT_EQ(cnnrt_npy_write(path("keep.npy").c_str(), &good), 0)
      << cnnrt_last_error();
  cnnrt_array back;
  ASSERT_EQ(cnnrt_npy_read(path("keep.npy").c_str(), &back), 0);
  EXPECT_EQ(static_cast<float *>(back.data)[2], 1.5f);
  cnnrt_array_free(&back);
  EXPECT_EQ(listDir(), std::vector<std::string>{"keep.npy"});
}

TEST_F(Npy, WriteFailuresLeaveNothing) {
  std::vector<float> values(3);
  cnnrt_array a = {};
  std::strcpy(a.dtype, "f4");
  a.ndim = 1;
  a.shape[0] = 3;
  a.nbytes = 12;
  a.data = values.data();
  std::string p = path("no-such-dir/out.npy");
  EXPECT_NE(cnnrt_npy_write(p.c_str(), &a), 0);
  EXPECT_NE(std::string(cnnrt_last_error())
                .find(p + ": cannot create a temporary file next to it: No "
                          "such file or directory"),
            std::string::npos)
      << cnnrt_last_error();

  // Renaming over a directory fails after the data was written: the
  // temporary must be removed.
  ASSERT_EQ(mkdir(path("adir").c_str(), 0755), 0);
  EXPECT_NE(cnnrt_npy_write(path("adir").c_str(), &a), 0);
  EXPECT_NE(std::string(cnnrt_last_error())
                .find("cannot rename the temporary file into place"),
            std::string::npos)
      << cnnrt_last_error();
  EXPECT_EQ(listDir(), std::vector<std::string>{"adir"});
  rmdir(path("adir").c_str());
}

TEST_F(Npy, WriteRejectsInvalidArrays) {
  cnnrt_array a = {};
  std::strcpy(a.dtype, "f8");
  EXPECT_NE(cnnrt_npy_write(path("a.npy").c_str(), &a), 0);
  EXPECT_NE(std::string(cnnrt_last_error()).find("cannot write dtype 'f8'"),
            std::string::npos);
  std::strcpy(a.dtype, "f4");
  a.ndim = 9;
  EXPECT_NE(cnnrt_npy_write(path("a.npy").c_str(), &a), 0);
  a.ndim = 1;
  a.shape[0] = -1;
  EXPECT_NE(cnnrt_npy_write(path("a.npy").c_str(), &a), 0);
  a.shape[0] = 2;
  a.nbytes = 8;
  a.data = nullptr;
  EXPECT_NE(cnnrt_npy_write(path("a.npy").c_str(), &a), 0);
  EXPECT_NE(std::string(cnnrt_last_error()).find("data is NULL"),
            std::string::npos);
  EXPECT_NE(cnnrt_npy_write(nullptr, &a), 0);
  EXPECT_NE(cnnrt_npy_write(path("a.npy").c_str(), nullptr), 0);
  EXPECT_TRUE(listDir().empty());
}

} // namespace

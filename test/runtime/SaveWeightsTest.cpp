// cnnrt_save_weights: the file's exact layout, round trips through
// cnnrt_load_weights, atomic replacement, and failures that leave nothing.
#include "TestUtil.h"

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <vector>

namespace {

using cnnrt_test::leBytes;
using cnnrt_test::readFile;
using cnnrt_test::writeFile;

cnnrt_weight_entry entry(const char *name, int64_t offset,
                         std::vector<int64_t> shape) {
  cnnrt_weight_entry e = {};
  e.name = name;
  e.offset = offset;
  e.ndim = static_cast<int64_t>(shape.size());
  for (size_t d = 0; d < shape.size(); ++d)
    e.shape[d] = shape[d];
  return e;
}

// The buffer's values, distinct and exactly representable.
std::vector<float> ramp(size_t n) {
  std::vector<float> v(n);
  for (size_t k = 0; k < n; ++k)
    v[k] = 0.5f * static_cast<float>(k) - 3.25f;
  return v;
}

bool contains(const std::string &s, const std::string &what) {
  return s.find(what) != std::string::npos;
}

class SaveWeights : public cnnrt_test::ScratchDir {
protected:
  // Expects saving to `name` to fail with an error naming it and `what`, and
  // the scratch directory to be left as it was.
  void expectSaveError(const std::vector<cnnrt_weight_entry> &table,
                       const float *buffer, const std::string &what,
                       const std::string &name = "w.safetensors") {
    std::vector<std::string> before = listDir();
    std::string p = path(name);
    EXPECT_NE(cnnrt_save_weights(p.c_str(), table.data(),
                                 static_cast<int64_t>(table.size()), buffer),
              0)
        << what;
    std::string msg = cnnrt_last_error();
    EXPECT_EQ(msg.rfind(p + ": ", 0), 0u) << msg;
    EXPECT_TRUE(contains(msg, what)) << msg;
    EXPECT_EQ(listDir(), before);
  }
};

TEST_F(SaveWeights, WritesTheSafetensorsLayout) {
  std::vector<float> buffer = ramp(9);
  // Table order, not name order, decides the data order.
  std::vector<cnnrt_weight_entry> table = {entry("w", 2, {2, 3}),
                                           entry("b", 0, {2}),
                                           entry("s", 8, {})};
  std::string p = path("w.safetensors");
  ASSERT_EQ(cnnrt_save_weights(p.c_str(), table.data(), 3, buffer.data()), 0)
      << cnnrt_last_error();

  std::string json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                     "\"data_offsets\":[0,24]},"
                     "\"b\":{\"dtype\":\"F32\",\"shape\":[2],"
                     "\"data_offsets\":[24,32]},"
                     "\"s\":{\"dtype\":\"F32\",\"shape\":[],"
                     "\"data_offsets\":[32,36]}}";
  std::string header = json + std::string((8 - json.size() % 8) % 8, ' ');
  std::vector<float> data = {buffer[2], buffer[3], buffer[4], buffer[5],
                             buffer[6], buffer[7], buffer[0], buffer[1],
                             buffer[8]};
  EXPECT_EQ(readFile(p), leBytes(static_cast<uint64_t>(header.size())) +
                             header + leBytes(data));
  EXPECT_EQ(listDir(), std::vector<std::string>{"w.safetensors"});

  cnnrt_safetensors *st = nullptr;
  ASSERT_EQ(cnnrt_safetensors_open(p.c_str(), &st), 0) << cnnrt_last_error();
  ASSERT_EQ(cnnrt_safetensors_num_tensors(st), 3u);
  const char *name, *dtype;
  int ndim;
  int64_t shape[CNNRT_MAX_DIMS];
  ASSERT_EQ(cnnrt_safetensors_tensor_info(st, 2, &name, &dtype, &ndim, shape),
            0);
  EXPECT_STREQ(name, "w");
  EXPECT_STREQ(dtype, "F32");
  EXPECT_EQ(ndim, 2);
  EXPECT_EQ(shape[1], 3);
  cnnrt_safetensors_close(st);
}

TEST_F(SaveWeights, RoundTripsThroughLoadWeights) {
  // Names that need escaping or are not ASCII, a scalar, an empty tensor, a
  // gap in the buffer (loaded back as zeros) and every float class that the
  // loader accepts.
  std::vector<float> buffer = ramp(40);
  buffer[0] = -0.0f;
  buffer[1] = std::numeric_limits<float>::denorm_min();
  buffer[2] = std::numeric_limits<float>::max();
  buffer[3] = -std::numeric_limits<float>::min();
  std::vector<cnnrt_weight_entry> table = {
      entry("conv1.weight", 0, {2, 1, 3, 3}),
      entry("conv1.bias", 18, {2}),
      entry("scale", 20, {}),
      entry("say \"hi\"", 21, {3}),
      entry("back\\slash/\ttab\nnewline\x01", 24, {1, 2}),
      entry("poids.\xc3\xa9t\xc3\xa9.\xf0\x9f\x98\x80", 26, {2, 2, 1}),
      entry("empty", 30, {0, 4}),
      entry("dense.weight", 32, {8}),
  };
  buffer[30] = buffer[31] = 0; // the gap: not in the table
  std::string p = path("model.safetensors");
  ASSERT_EQ(cnnrt_save_weights(p.c_str(), table.data(),
                               static_cast<int64_t>(table.size()),
                               buffer.data()),
            0)
      << cnnrt_last_error();

  float *loaded =
      cnnrt_load_weights(p.c_str(), table.data(),
                         static_cast<int64_t>(table.size()), 40);
  ASSERT_NE(loaded, nullptr) << cnnrt_last_error();
  EXPECT_EQ(std::memcmp(loaded, buffer.data(), 40 * sizeof(float)), 0);
  for (size_t k = 0; k < 40; ++k)
    EXPECT_EQ(std::memcmp(&loaded[k], &buffer[k], 4), 0)
        << "at " << k << ": " << loaded[k] << " vs " << buffer[k];
  cnnrt_free(loaded);

  // Every name survives the JSON escaping byte for byte.
  cnnrt_safetensors *st = nullptr;
  ASSERT_EQ(cnnrt_safetensors_open(p.c_str(), &st), 0) << cnnrt_last_error();
  float v[3];
  int64_t shape[] = {3};
  ASSERT_EQ(cnnrt_safetensors_read_f32(st, "say \"hi\"", shape, 1, v), 0)
      << cnnrt_last_error();
  EXPECT_EQ(v[2], buffer[23]);
  EXPECT_EQ(cnnrt_safetensors_num_tensors(st), table.size());
  cnnrt_safetensors_close(st);
}

TEST_F(SaveWeights, EmptyTable) {
  std::string p = path("none.safetensors");
  ASSERT_EQ(cnnrt_save_weights(p.c_str(), nullptr, 0, nullptr), 0)
      << cnnrt_last_error();
  EXPECT_EQ(readFile(p), leBytes<uint64_t>(8) + "{}      ");
  cnnrt_safetensors *st = nullptr;
  ASSERT_EQ(cnnrt_safetensors_open(p.c_str(), &st), 0) << cnnrt_last_error();
  EXPECT_EQ(cnnrt_safetensors_num_tensors(st), 0u);
  cnnrt_safetensors_close(st);
}

TEST_F(SaveWeights, ReplacesAnExistingFileWhole) {
  std::string p = path("w.safetensors");
  writeFile(p, std::string(4096, 'x'));
  std::vector<float> buffer = {1, 2};
  cnnrt_weight_entry e = entry("b", 0, {2});
  ASSERT_EQ(cnnrt_save_weights(p.c_str(), &e, 1, buffer.data()), 0)
      << cnnrt_last_error();
  float *loaded = cnnrt_load_weights(p.c_str(), &e, 1, 2);
  ASSERT_NE(loaded, nullptr) << cnnrt_last_error();
  EXPECT_EQ(loaded[1], 2.0f);
  cnnrt_free(loaded);
  EXPECT_EQ(listDir(), std::vector<std::string>{"w.safetensors"});

  // A failed save leaves the previous file as it was.
  std::string before = readFile(p);
  buffer[1] = std::nanf("");
  expectSaveError({e}, buffer.data(), "tensor 'b': NaN at flat index 1");
  EXPECT_EQ(readFile(p), before);
}

// Runs cnnrt_save_weights in a child process that, when run as root, first
// becomes `nobody`: root writes to any directory whatever its mode. Returns
// the child's status and error message; status 77 means privileges could not
// be dropped.
std::pair<int, std::string> saveAsUnprivileged(const std::string &p,
                                               const cnnrt_weight_entry &e,
                                               const float *buffer) {
  int fds[2];
  if (pipe(fds) != 0)
    return {-1, "pipe failed"};
  pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
      _exit(77);
    int rc = cnnrt_save_weights(p.c_str(), &e, 1, buffer);
    const char *msg = cnnrt_last_error();
    ssize_t ignored = write(fds[1], msg, strlen(msg));
    (void)ignored;
    _exit(rc == 0 ? 0 : 1);
  }
  close(fds[1]);
  std::string msg;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0)
    msg.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status))
    return {-1, "the child failed"};
  return {WEXITSTATUS(status), msg};
}

TEST_F(SaveWeights, FailsInAnUnwritableDirectoryLeavingNothing) {
  // The child (perhaps `nobody`) must reach the directory to be refused by
  // its mode rather than by the scratch directory's.
  ASSERT_EQ(chmod(dir.c_str(), 0755), 0);
  ASSERT_EQ(mkdir(path("ro").c_str(), 0555), 0);
  ASSERT_EQ(chmod(path("ro").c_str(), 0555), 0); // whatever the umask
  std::vector<float> buffer = {1, 2};
  cnnrt_weight_entry e = entry("b", 0, {2});
  std::string p = path("ro/w.safetensors");
  std::pair<int, std::string> result =
      saveAsUnprivileged(p, e, buffer.data());
  chmod(path("ro").c_str(), 0755);
  std::vector<std::string> left;
  if (DIR *d = opendir(path("ro").c_str())) {
    while (dirent *ent = readdir(d))
      if (std::string(ent->d_name) != "." && std::string(ent->d_name) != "..")
        left.push_back(ent->d_name);
    closedir(d);
  }
  rmdir(path("ro").c_str());
  if (result.first == 77)
    GTEST_SKIP() << "running as root and cannot become nobody";
  EXPECT_EQ(result.first, 1) << result.second;
  EXPECT_EQ(result.second.rfind(p + ": ", 0), 0u) << result.second;
  EXPECT_TRUE(contains(result.second,
                       "cannot create a temporary file next to it: "
                       "Permission denied"))
      << result.second;
  EXPECT_TRUE(left.empty());
}

TEST_F(SaveWeights, FailuresAfterCreatingTheTemporaryLeaveNothing) {
  std::vector<float> buffer = ramp(1024);
  cnnrt_weight_entry e = entry("big", 0, {1024});

  // Missing directory.
  expectSaveError({e}, buffer.data(),
                  "cannot create a temporary file next to it: No such file "
                  "or directory",
                  "no-such-dir/w.safetensors");

  // Renaming over a directory fails once the data is written.
  ASSERT_EQ(mkdir(path("adir").c_str(), 0755), 0);
  expectSaveError({e}, buffer.data(),
                  "cannot rename the temporary file into place", "adir");
  rmdir(path("adir").c_str());

  // A write that fails half-way (the file size limit, which binds root too).
  struct rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  struct rlimit small = old;
  small.rlim_cur = 1000;
  void (*oldHandler)(int) = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  expectSaveError({e}, buffer.data(), "cannot write: File too large");
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, oldHandler);
}

TEST_F(SaveWeights, RejectsInvalidTablesBeforeCreatingAnything) {
  std::vector<float> buffer = ramp(8);
  expectSaveError({entry("a", 0, {2}), entry("b", 2, {2}), entry("a", 4, {1})},
                  buffer.data(), "tensor 'a' appears twice in the table");
  expectSaveError({entry("__metadata__", 0, {2})}, buffer.data(),
                  "'__metadata__' is reserved");
  expectSaveError({entry("bad\xff", 0, {2})}, buffer.data(),
                  "the name is not valid UTF-8");
  expectSaveError({entry("overlong\xc0\xaf", 0, {2})}, buffer.data(),
                  "the name is not valid UTF-8");
  expectSaveError({entry("cut\xe2\x82", 0, {2})}, buffer.data(),
                  "the name is not valid UTF-8");
  expectSaveError({entry(nullptr, 0, {2})}, buffer.data(),
                  "weight 0 has no name");
  cnnrt_weight_entry deep = entry("deep", 0, {1});
  deep.ndim = CNNRT_MAX_DIMS + 1;
  expectSaveError({deep}, buffer.data(), "tensor 'deep': 9 dimensions");
  expectSaveError({entry("neg", 0, {2, -1})}, buffer.data(),
                  "tensor 'neg': invalid shape");
  expectSaveError({entry("huge", 0, {INT64_MAX / 2, 4})}, buffer.data(),
                  "tensor 'huge': invalid shape");
  expectSaveError({entry("off", -1, {2})}, buffer.data(),
                  "tensor 'off': invalid buffer offset -1");
  expectSaveError({entry("w", 0, {2})}, nullptr, "weights buffer is NULL");
  buffer[5] = -INFINITY;
  expectSaveError({entry("ok", 0, {2}), entry("w", 2, {2, 2})}, buffer.data(),
                  "tensor 'w': -Inf at flat index 3 (of 4 values)");

  cnnrt_weight_entry e = entry("w", 0, {2});
  EXPECT_NE(cnnrt_save_weights(nullptr, &e, 1, buffer.data()), 0);
  EXPECT_TRUE(contains(cnnrt_last_error(), "cnnrt_save_weights: NULL path"));
  EXPECT_NE(cnnrt_save_weights(path("w.safetensors").c_str(), nullptr, 1,
                               buffer.data()),
            0);
  EXPECT_NE(cnnrt_save_weights(path("w.safetensors").c_str(), &e, -1,
                               buffer.data()),
            0);
  EXPECT_TRUE(listDir().empty());
}

} // namespace

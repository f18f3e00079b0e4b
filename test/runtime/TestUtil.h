// Helpers shared by the runtime unit tests: a per-test scratch directory,
// whole-file read/write, and the CPUs the test may run on.
#ifndef CNNRT_TEST_UTIL_H
#define CNNRT_TEST_UTIL_H

#include "cnnrt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sched.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace cnnrt_test {

// The CPUs this process may run on (its affinity mask, else the online
// CPUs), at least 1: the runtime's default thread count.
inline int usableCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return CPU_COUNT(&set);
  return static_cast<int>(std::max(sysconf(_SC_NPROCESSORS_ONLN), 1L));
}

// Creates a fresh directory for each test and removes it (flat) afterwards.
class ScratchDir : public ::testing::Test {
protected:
  void SetUp() override {
    std::string base = ::testing::TempDir();
    if (base.empty() || base.back() != '/')
      base += '/';
    std::string tmpl = base + "cnnrt-test-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    ASSERT_NE(mkdtemp(buf.data()), nullptr);
    dir = buf.data();
  }
  void TearDown() override {
    for (const std::string &name : listDir())
      unlink((dir + "/" + name).c_str());
    rmdir(dir.c_str());
  }

  std::string path(const std::string &name) const { return dir + "/" + name; }

  // Names in the scratch directory, sorted, without "." and "..".
  std::vector<std::string> listDir() const {
    std::vector<std::string> names;
    if (DIR *d = opendir(dir.c_str())) {
      while (dirent *e = readdir(d)) {
        std::string name = e->d_name;
        if (name != "." && name != "..")
          names.push_back(name);
      }
      closedir(d);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string dir;
};

inline void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The bytes of a little-endian scalar.
template <typename T> std::string leBytes(T value) {
  std::string s(sizeof(T), '\0');
  std::memcpy(&s[0], &value, sizeof(T));
  return s;
}

template <typename T> std::string leBytes(const std::vector<T> &values) {
  std::string s;
  for (T v : values)
    s += leBytes(v);
  return s;
}

} // namespace cnnrt_test

#endif // CNNRT_TEST_UTIL_H

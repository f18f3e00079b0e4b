// cnnrt_num_threads: CNNC_NUM_THREADS overrides the CPU count when valid.
#include "cnnrt.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

// Sets CNNC_NUM_THREADS for one test and restores it afterwards.
class NumThreads : public ::testing::Test {
protected:
  void SetUp() override {
    const char *old = getenv("CNNC_NUM_THREADS");
    hadOld = old != nullptr;
    if (old)
      oldValue = old;
    unsetenv("CNNC_NUM_THREADS");
    cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
    if (cpus < 1)
      cpus = 1;
  }
  void TearDown() override {
    if (hadOld)
      setenv("CNNC_NUM_THREADS", oldValue.c_str(), 1);
    else
      unsetenv("CNNC_NUM_THREADS");
  }
  bool hadOld = false;
  std::string oldValue;
  int cpus = 1;
};

TEST_F(NumThreads, DefaultsToOnlineCpus) {
  EXPECT_EQ(cnnrt_num_threads(), cpus);
  EXPECT_GE(cnnrt_num_threads(), 1);
}

TEST_F(NumThreads, EnvironmentOverrides) {
  setenv("CNNC_NUM_THREADS", "3", 1);
  EXPECT_EQ(cnnrt_num_threads(), 3);
  setenv("CNNC_NUM_THREADS", "1", 1);
  EXPECT_EQ(cnnrt_num_threads(), 1);
  setenv("CNNC_NUM_THREADS", "512", 1);
  EXPECT_EQ(cnnrt_num_threads(), 512);
}

TEST_F(NumThreads, InvalidValuesAreIgnored) {
  for (const char *bad :
       {"", "0", "-2", "abc", "4x", "2.5", "99999999999999999999"}) {
    setenv("CNNC_NUM_THREADS", bad, 1);
    EXPECT_EQ(cnnrt_num_threads(), cpus) << "CNNC_NUM_THREADS='" << bad << "'";
  }
}

} // namespace

// cnnrt_num_threads: CNNC_NUM_THREADS overrides the count of usable CPUs
// (the affinity mask) when valid.
// cnnrt_run_samples: every sample runs once, samples that run at the same
// time never share an arena, and a caller's arena serves every sample.
#include "TestUtil.h"
#include "cnnrt.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sched.h>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

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
    cpus = cnnrt_test::usableCpus();
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

TEST_F(NumThreads, DefaultsToUsableCpus) {
  EXPECT_EQ(cnnrt_num_threads(), cpus);
  EXPECT_GE(cnnrt_num_threads(), 1);
}

// Restricts this process to one of its CPUs and exits with 0 if the
// runtime's default is then one thread.
[[noreturn]] void exitZeroIfOneCpuMeansOneThread() {
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof mask, &mask) != 0)
    _exit(2);
  int cpu = 0;
  while (!CPU_ISSET(cpu, &mask))
    ++cpu;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (sched_setaffinity(0, sizeof one, &one) != 0)
    _exit(3);
  _exit(cnnrt_num_threads() == 1 ? 0 : 1);
}

// Restricted to one CPU (`taskset -c N`, a container's cpuset), the
// default is one thread, not one per online CPU: two threads on one CPU
// ran each parallel loop 14 times slower, each waiting for the other to be
// scheduled. The runtime counts the CPUs once, so this runs in a fresh
// process (a death test in the "threadsafe" style re-executes the binary).
TEST_F(NumThreads, DefaultFollowsTheAffinityMask) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(exitZeroIfOneCpuMeansOneThread(), ::testing::ExitedWithCode(0),
              "");
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

// What the samples of one cnnrt_run_samples call saw.
struct SampleLog {
  std::vector<std::atomic<int>> runs;
  std::atomic<int> running{0}, mostAtOnce{0}, sharedArena{0};
  std::mutex lock;
  std::set<void *> arenas, inUse;
  size_t arenaBytes;
  SampleLog(int64_t n, size_t arenaBytes) : runs(n), arenaBytes(arenaBytes) {}
};

// One sample: records its arena, fills it (a shared arena would be
// overwritten by another sample at the same time) and holds it a moment so
// that samples overlap.
void runSample(void *ctx, int64_t sample, void *arena) {
  auto *log = static_cast<SampleLog *>(ctx);
  log->runs[sample].fetch_add(1);
  int now = log->running.fetch_add(1) + 1;
  int most = log->mostAtOnce.load();
  while (now > most && !log->mostAtOnce.compare_exchange_weak(most, now))
    ;
  {
    std::lock_guard<std::mutex> guard(log->lock);
    log->arenas.insert(arena);
    if (arena && !log->inUse.insert(arena).second)
      log->sharedArena.fetch_add(1);
  }
  if (arena) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(arena) % 64, 0u);
    std::memset(arena, static_cast<int>(sample), log->arenaBytes);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (arena)
    for (size_t i = 0; i < log->arenaBytes; ++i)
      if (static_cast<unsigned char *>(arena)[i] !=
          static_cast<unsigned char>(sample)) {
        log->sharedArena.fetch_add(1);
        break;
      }
  {
    std::lock_guard<std::mutex> guard(log->lock);
    log->inUse.erase(arena);
  }
  log->running.fetch_sub(1);
}

// Runs n samples of arenaBytes each through cnnrt_run_samples and checks
// that it succeeded and ran every sample exactly once.
void runEverySampleOnce(SampleLog &log, int64_t n, void *arena = nullptr) {
  ASSERT_EQ(cnnrt_run_samples(runSample, &log, n, log.arenaBytes, arena), 0)
      << cnnrt_last_error();
  for (int64_t i = 0; i < n; ++i)
    EXPECT_EQ(log.runs[i].load(), 1) << "sample " << i;
}

TEST_F(NumThreads, RunSamplesGivesEachThreadItsArena) {
  setenv("CNNC_NUM_THREADS", "2", 1);
  // 7 samples on 2 threads: 3 rounds of two at once, then one alone.
  SampleLog log(7, 1000);
  runEverySampleOnce(log, 7);
  EXPECT_EQ(log.sharedArena.load(), 0);
  EXPECT_LE(log.mostAtOnce.load(), 2);
  EXPECT_LE(log.arenas.size(), 2u);
  EXPECT_EQ(log.arenas.count(nullptr), 0u);
  // Two cores or more: the two threads did run samples side by side.
  if (cpus >= 2)
    EXPECT_EQ(log.mostAtOnce.load(), 2);
}

TEST_F(NumThreads, RunSamplesInTheCallersArena) {
  setenv("CNNC_NUM_THREADS", "4", 1);
  alignas(64) static unsigned char arena[256];
  SampleLog log(5, sizeof arena);
  runEverySampleOnce(log, 5, arena);
  EXPECT_EQ(log.mostAtOnce.load(), 1);
  EXPECT_EQ(log.arenas, std::set<void *>{arena});
}

TEST_F(NumThreads, RunSamplesOnOneThread) {
  setenv("CNNC_NUM_THREADS", "1", 1);
  SampleLog log(3, 100);
  runEverySampleOnce(log, 3);
  EXPECT_EQ(log.mostAtOnce.load(), 1);
  EXPECT_EQ(log.arenas.size(), 1u);
}

TEST_F(NumThreads, RunSamplesWithoutArenaBytes) {
  setenv("CNNC_NUM_THREADS", "2", 1);
  SampleLog log(4, 0);
  runEverySampleOnce(log, 4);
  EXPECT_EQ(log.arenas, std::set<void *>{nullptr});
}

TEST_F(NumThreads, RunSamplesRefusesImpossibleArenas) {
  setenv("CNNC_NUM_THREADS", "2", 1);
  SampleLog log(2, 0);
  EXPECT_EQ(cnnrt_run_samples(runSample, &log, 2, SIZE_MAX / 2, nullptr), 1);
  EXPECT_NE(std::string(cnnrt_last_error()).find("activation arena"),
            std::string::npos)
      << cnnrt_last_error();
  EXPECT_EQ(log.runs[0].load() + log.runs[1].load(), 0);
}

} // namespace

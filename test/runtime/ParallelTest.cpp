// cnnrt_parallel_for: every index of [0, n) exactly once, in disjoint
// chunks taken by cnnrt_num_threads() threads, each from its own share
// first; nested and concurrent calls; cnnrt_set_num_threads and its
// interplay with CNNC_NUM_THREADS.
#include "cnnrt.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

// Restores the process-wide thread settings (cnnrt_set_num_threads and
// CNNC_NUM_THREADS) after each test; starts each test from the default with
// the variable unset.
class Parallel : public ::testing::Test {
protected:
  void SetUp() override {
    const char *old = getenv("CNNC_NUM_THREADS");
    hadOld = old != nullptr;
    if (old)
      oldValue = old;
    unsetenv("CNNC_NUM_THREADS");
    cnnrt_set_num_threads(0);
    cpus = cnnrt_test::usableCpus();
  }
  void TearDown() override {
    cnnrt_set_num_threads(0);
    if (hadOld)
      setenv("CNNC_NUM_THREADS", oldValue.c_str(), 1);
    else
      unsetenv("CNNC_NUM_THREADS");
  }
  bool hadOld = false;
  std::string oldValue;
  int cpus = 1;
};

// What one cnnrt_parallel_for call did: how often each index was visited,
// and each range with the thread that ran it.
struct Visits {
  explicit Visits(int64_t n) : n(n), count(new std::atomic<int>[n > 0 ? n : 1]) {
    for (int64_t i = 0; i < (n > 0 ? n : 1); ++i)
      count[i].store(0);
  }

  static void visit(void *ctx, int64_t begin, int64_t end) {
    auto *self = static_cast<Visits *>(ctx);
    {
      std::lock_guard<std::mutex> lock(self->mutex);
      self->ranges.push_back({begin, end});
      self->threads.push_back(std::this_thread::get_id());
    }
    for (int64_t i = begin; i < end; ++i)
      if (i >= 0 && i < self->n)
        self->count[i].fetch_add(1);
      else
        self->outOfRange.fetch_add(1);
  }

  // Empty if every index of [0, n) was visited exactly once.
  std::string coverageError() const {
    if (outOfRange.load())
      return std::to_string(outOfRange.load()) + " indices outside [0, n)";
    for (int64_t i = 0; i < n; ++i)
      if (count[i].load() != 1)
        return "index " + std::to_string(i) + " visited " +
               std::to_string(count[i].load()) + " times";
    return "";
  }

  // Empty if the ranges are non-empty, disjoint and cover [0, n).
  std::string rangesError() {
    std::vector<std::pair<int64_t, int64_t>> sorted = ranges;
    std::sort(sorted.begin(), sorted.end());
    int64_t next = 0;
    for (auto [begin, end] : sorted) {
      if (begin >= end)
        return "empty range [" + std::to_string(begin) + ", " +
               std::to_string(end) + ")";
      if (begin != next)
        return "range starts at " + std::to_string(begin) + ", expected " +
               std::to_string(next);
      next = end;
    }
    if (next != n)
      return "ranges end at " + std::to_string(next) + ", expected " +
             std::to_string(n);
    return "";
  }

  int64_t n;
  std::unique_ptr<std::atomic<int>[]> count;
  std::atomic<int64_t> outOfRange{0};
  std::mutex mutex;
  std::vector<std::pair<int64_t, int64_t>> ranges;
  std::vector<std::thread::id> threads;
};

TEST_F(Parallel, VisitsEveryIndexOnce) {
  for (int threads : {1, 2, 4}) {
    cnnrt_set_num_threads(threads);
    ASSERT_EQ(cnnrt_num_threads(), threads);
    for (int64_t n : {0, 1, 2, 3, 7, 1000}) {
      Visits v(n);
      cnnrt_parallel_for(&Visits::visit, &v, n);
      EXPECT_EQ(v.coverageError(), "") << n << " iterations, " << threads
                                       << " threads";
      EXPECT_EQ(v.rangesError(), "") << n << " iterations, " << threads
                                     << " threads";
    }
  }
}

TEST_F(Parallel, EmptyLoopDoesNotCallFn) {
  cnnrt_set_num_threads(4);
  for (int64_t n : {0, -1, -100}) {
    Visits v(0);
    cnnrt_parallel_for(&Visits::visit, &v, n);
    EXPECT_TRUE(v.ranges.empty()) << "n = " << n;
  }
}

// With the pool free, the threads take chunks of the loop in turn: each
// takes part (the caller included), and a chunk is at most an eighth of a
// thread's share (at least one iteration).
struct Slow : Visits {
  using Visits::Visits;
  static void visit(void *ctx, int64_t begin, int64_t end) {
    Visits::visit(ctx, begin, end);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
};

TEST_F(Parallel, SplitsOverThreads) {
  for (int threads : {1, 2, 4}) {
    cnnrt_set_num_threads(threads);
    Slow v(64 * threads);
    cnnrt_parallel_for(&Slow::visit, &v, 64 * threads);
    ASSERT_EQ(v.coverageError(), "") << threads << " threads";
    ASSERT_EQ(v.rangesError(), "") << threads << " threads";
    std::set<std::thread::id> distinct(v.threads.begin(), v.threads.end());
    EXPECT_EQ(distinct.size(), static_cast<size_t>(threads));
    EXPECT_EQ(distinct.count(std::this_thread::get_id()), 1u)
        << "the caller runs ranges itself";
    for (auto [begin, end] : v.ranges)
      EXPECT_EQ(end - begin, threads == 1 ? 64 : 8) << threads << " threads";
  }
}

// Each thread starts with its own contiguous share of the loop, the same
// share in every call (the caller the first), and runs it front to back:
// one loop's thread then reads what it wrote in the loop before.
TEST_F(Parallel, ThreadsKeepTheirShares) {
  for (int threads : {2, 4}) {
    cnnrt_set_num_threads(threads);
    std::vector<std::pair<std::thread::id, int64_t>> firstBegins[2];
    for (auto &first : firstBegins) {
      Slow v(64 * threads);
      cnnrt_parallel_for(&Slow::visit, &v, 64 * threads);
      ASSERT_EQ(v.coverageError(), "") << threads << " threads";
      for (size_t i = 0; i < v.ranges.size(); ++i) {
        bool seen = false;
        for (auto &[thread, begin] : first)
          seen |= thread == v.threads[i];
        if (!seen)
          first.push_back({v.threads[i], v.ranges[i].first});
      }
      ASSERT_EQ(first.size(), static_cast<size_t>(threads));
      std::set<int64_t> begins;
      for (auto &[thread, begin] : first) {
        begins.insert(begin);
        if (thread == std::this_thread::get_id())
          EXPECT_EQ(begin, 0) << "the caller starts the first share";
      }
      std::set<int64_t> shares;
      for (int k = 0; k < threads; ++k)
        shares.insert(64 * k);
      EXPECT_EQ(begins, shares) << threads << " threads";
      // Within its own share, each thread's ranges come in order.
      for (auto &[thread, begin] : first) {
        int64_t next = begin;
        for (size_t i = 0; i < v.ranges.size(); ++i) {
          auto [rangeBegin, rangeEnd] = v.ranges[i];
          if (v.threads[i] != thread || rangeBegin < begin ||
              rangeBegin >= begin + 64)
            continue;
          EXPECT_GE(rangeBegin, next) << threads << " threads";
          next = rangeEnd;
        }
      }
    }
    std::sort(firstBegins[0].begin(), firstBegins[0].end());
    std::sort(firstBegins[1].begin(), firstBegins[1].end());
    EXPECT_EQ(firstBegins[0], firstBegins[1])
        << "each thread starts the same share in both calls";
  }
}

// A thread that is slower than the others leaves them more of the loop.
struct Uneven : Visits {
  using Visits::Visits;
  std::thread::id slowThread;
  static void visit(void *ctx, int64_t begin, int64_t end) {
    auto *self = static_cast<Uneven *>(ctx);
    Visits::visit(ctx, begin, end);
    if (std::this_thread::get_id() == self->slowThread)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
};

TEST_F(Parallel, SlowThreadTakesLess) {
  cnnrt_set_num_threads(2);
  Uneven v(64);
  v.slowThread = std::this_thread::get_id();
  cnnrt_parallel_for(&Uneven::visit, &v, 64);
  ASSERT_EQ(v.coverageError(), "");
  ASSERT_EQ(v.rangesError(), "");
  int64_t callerIterations = 0;
  for (size_t i = 0; i < v.ranges.size(); ++i)
    if (v.threads[i] == v.slowThread)
      callerIterations += v.ranges[i].second - v.ranges[i].first;
  EXPECT_LT(callerIterations, 32) << "the caller sleeps after every chunk";
}

// Fewer iterations than threads: one single-index range each, none empty.
TEST_F(Parallel, FewerIterationsThanThreads) {
  cnnrt_set_num_threads(4);
  for (int64_t n : {1, 2, 3}) {
    Visits v(n);
    cnnrt_parallel_for(&Visits::visit, &v, n);
    EXPECT_EQ(v.coverageError(), "") << "n = " << n;
    EXPECT_EQ(v.rangesError(), "") << "n = " << n;
    EXPECT_EQ(v.ranges.size(), static_cast<size_t>(n));
    for (auto [begin, end] : v.ranges)
      EXPECT_EQ(end - begin, 1) << "n = " << n;
  }
}

// A loop run from inside another one runs whole on the calling thread (it
// cannot take the pool that runs the outer loop) and still covers its range.
struct Nested {
  static constexpr int64_t outer = 8;
  static constexpr int64_t inner = 50;

  struct Inner {
    Nested *self;
    int64_t row;
    std::thread::id thread;
    std::atomic<int> calls{0};
    std::atomic<int> wrongRange{0};
    std::atomic<int> wrongThread{0};
  };

  static void innerBody(void *ctx, int64_t begin, int64_t end) {
    auto *in = static_cast<Inner *>(ctx);
    in->calls.fetch_add(1);
    if (begin != 0 || end != inner)
      in->wrongRange.fetch_add(1);
    if (std::this_thread::get_id() != in->thread)
      in->wrongThread.fetch_add(1);
    for (int64_t j = begin; j < end; ++j)
      in->self->count[in->row * inner + j].fetch_add(1);
  }

  static void outerBody(void *ctx, int64_t begin, int64_t end) {
    auto *self = static_cast<Nested *>(ctx);
    for (int64_t i = begin; i < end; ++i) {
      Inner in;
      in.self = self;
      in.row = i;
      in.thread = std::this_thread::get_id();
      cnnrt_parallel_for(&Nested::innerBody, &in, inner);
      if (in.calls.load() != 1 || in.wrongRange.load() || in.wrongThread.load())
        self->notSerial.fetch_add(1);
    }
  }

  std::atomic<int> count[outer * inner] = {};
  std::atomic<int> notSerial{0};
};

TEST_F(Parallel, NestedCallRunsSerially) {
  for (int threads : {1, 2, 4}) {
    cnnrt_set_num_threads(threads);
    Nested nested;
    cnnrt_parallel_for(&Nested::outerBody, &nested, Nested::outer);
    EXPECT_EQ(nested.notSerial.load(), 0) << threads << " threads";
    for (int64_t k = 0; k < Nested::outer * Nested::inner; ++k)
      ASSERT_EQ(nested.count[k].load(), 1)
          << "index " << k << ", " << threads << " threads";
  }
  // The pool is usable again afterwards.
  cnnrt_set_num_threads(4);
  Visits v(100);
  cnnrt_parallel_for(&Visits::visit, &v, 100);
  EXPECT_EQ(v.coverageError(), "");
  EXPECT_EQ(v.rangesError(), "");
}

// Several application threads running loops at once: one holds the pool,
// the others run theirs alone; every loop completes, exactly, before its
// call returns.
TEST_F(Parallel, ConcurrentCallers) {
  cnnrt_set_num_threads(4);
  constexpr int callers = 4;
  constexpr int loops = 200;
  std::atomic<int> failures{0};
  std::vector<std::string> firstFailure(callers);
  std::vector<std::thread> pool;
  for (int t = 0; t < callers; ++t)
    pool.emplace_back([&, t] {
      for (int k = 0; k < loops; ++k) {
        int64_t n = 1 + (k * 37 + t * 11) % 300;
        Visits v(n);
        cnnrt_parallel_for(&Visits::visit, &v, n);
        std::string error = v.coverageError();
        if (error.empty())
          error = v.rangesError();
        if (!error.empty() && failures.fetch_add(1) == 0)
          firstFailure[t] = "caller " + std::to_string(t) + ", loop " +
                            std::to_string(k) + ", n = " + std::to_string(n) +
                            ": " + error;
      }
    });
  for (std::thread &t : pool)
    t.join();
  std::string detail;
  for (const std::string &f : firstFailure)
    detail += f;
  EXPECT_EQ(failures.load(), 0) << detail;
}

// Loops of changing sizes back to back, alternating between fewer
// iterations than threads (idle workers) and many.
TEST_F(Parallel, BackToBackLoopsOfChangingSize) {
  cnnrt_set_num_threads(4);
  for (int k = 0; k < 500; ++k) {
    int64_t n = k % 2 ? 1 + k % 3 : 64 + k % 7;
    Visits v(n);
    cnnrt_parallel_for(&Visits::visit, &v, n);
    std::string error = v.coverageError();
    ASSERT_EQ(error, "") << "loop " << k << ", n = " << n;
  }
}

TEST_F(Parallel, SetNumThreads) {
  EXPECT_EQ(cnnrt_num_threads(), cpus);
  cnnrt_set_num_threads(3);
  EXPECT_EQ(cnnrt_num_threads(), 3);
  cnnrt_set_num_threads(1);
  EXPECT_EQ(cnnrt_num_threads(), 1);
  cnnrt_set_num_threads(0);
  EXPECT_EQ(cnnrt_num_threads(), cpus);
  cnnrt_set_num_threads(7);
  cnnrt_set_num_threads(-2); // n <= 0 also returns to the default
  EXPECT_EQ(cnnrt_num_threads(), cpus);
}

TEST_F(Parallel, SetNumThreadsOverridesEnvironment) {
  setenv("CNNC_NUM_THREADS", "5", 1);
  EXPECT_EQ(cnnrt_num_threads(), 5);
  cnnrt_set_num_threads(3);
  EXPECT_EQ(cnnrt_num_threads(), 3);
  // Back to the default, which is the variable again.
  cnnrt_set_num_threads(0);
  EXPECT_EQ(cnnrt_num_threads(), 5);
  unsetenv("CNNC_NUM_THREADS");
  EXPECT_EQ(cnnrt_num_threads(), cpus);
}

// The loop uses the count in force when it starts.
TEST_F(Parallel, LoopFollowsEnvironmentCount) {
  setenv("CNNC_NUM_THREADS", "2", 1);
  Visits v(100);
  cnnrt_parallel_for(&Visits::visit, &v, 100);
  EXPECT_EQ(v.coverageError(), "");
  // Chunks of an eighth of each of 2 threads' shares: 100 / 16 = 6.
  for (auto [begin, end] : v.ranges)
    EXPECT_LE(end - begin, 6);

  setenv("CNNC_NUM_THREADS", "1", 1);
  Visits one(100);
  cnnrt_parallel_for(&Visits::visit, &one, 100);
  EXPECT_EQ(one.coverageError(), "");
  ASSERT_EQ(one.ranges.size(), 1u);
  EXPECT_EQ(one.ranges[0], std::make_pair(int64_t{0}, int64_t{100}));
  EXPECT_EQ(one.threads[0], std::this_thread::get_id());
}

} // namespace

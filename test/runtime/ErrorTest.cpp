// Per-thread error state: cnnrt_set_error / cnnrt_last_error / clear.
#include "cnnrt.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

TEST(Error, EmptyInAFreshThread) {
  std::string seen = "unset";
  std::thread([&] { seen = cnnrt_last_error(); }).join();
  EXPECT_EQ(seen, "");
}

TEST(Error, SetFormatsAndClearEmpties) {
  cnnrt_set_error("%s: bad value %d", "x.npy", 42);
  EXPECT_STREQ(cnnrt_last_error(), "x.npy: bad value 42");
  cnnrt_clear_error();
  EXPECT_STREQ(cnnrt_last_error(), "");
}

TEST(Error, LongMessagesAreTruncatedWithEllipsis) {
  std::string longText(5000, 'a');
  cnnrt_set_error("%s", longText.c_str());
  std::string msg = cnnrt_last_error();
  EXPECT_EQ(msg.size(), static_cast<size_t>(CNNRT_ERROR_SIZE - 1));
  EXPECT_EQ(msg.substr(msg.size() - 3), "...");
  EXPECT_EQ(msg.substr(0, 10), "aaaaaaaaaa");
}

TEST(Error, CanWrapItsOwnMessage) {
  // The argument points into the error buffer that is being rewritten.
  cnnrt_set_error("inner problem");
  cnnrt_set_error("outer context: %s", cnnrt_last_error());
  EXPECT_STREQ(cnnrt_last_error(), "outer context: inner problem");
}

TEST(Error, NullFormatClears) {
  cnnrt_set_error("something");
  cnnrt_set_error(nullptr);
  EXPECT_STREQ(cnnrt_last_error(), "");
}

// Two threads interleave strictly: A sets, B sets, A checks it still sees
// its own message, B checks its own; the main thread sees neither.
TEST(Error, EachThreadHasItsOwnMessage) {
  std::mutex m;
  std::condition_variable cv;
  int step = 0;
  std::string seenA, seenB;
  auto waitFor = [&](int s) {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return step >= s; });
  };
  auto advance = [&] {
    std::lock_guard<std::mutex> lock(m);
    ++step;
    cv.notify_all();
  };
  cnnrt_set_error("main thread");
  std::thread a([&] {
    cnnrt_set_error("error in A");
    advance(); // step 1
    waitFor(2);
    seenA = cnnrt_last_error();
    advance(); // step 3
  });
  std::thread b([&] {
    waitFor(1);
    cnnrt_set_error("error in B");
    advance(); // step 2
    waitFor(3);
    seenB = cnnrt_last_error();
  });
  a.join();
  b.join();
  EXPECT_EQ(seenA, "error in A");
  EXPECT_EQ(seenB, "error in B");
  EXPECT_STREQ(cnnrt_last_error(), "main thread");
  cnnrt_clear_error();
}

TEST(Error, ManyThreadsConcurrently) {
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([t, &ok] {
      int good = 1;
      for (int k = 0; k < 10000; ++k) {
        cnnrt_set_error("thread %d iteration %d", t, k);
        std::string want =
            "thread " + std::to_string(t) + " iteration " + std::to_string(k);
        good &= want == cnnrt_last_error();
      }
      ok[t] = good;
    });
  for (std::thread &t : threads)
    t.join();
  for (int t = 0; t < 8; ++t)
    EXPECT_EQ(ok[t], 1) << "thread " << t;
}

} // namespace

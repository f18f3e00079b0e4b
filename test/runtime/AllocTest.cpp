// cnnrt_alloc / cnnrt_free: alignment, zero size, invalid alignment,
// overflow.
#include "cnnrt.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace {

TEST(Alloc, HonoursAlignment) {
  for (size_t alignment = sizeof(void *); alignment <= 8192; alignment *= 2)
    for (size_t bytes : {1ul, 3ul, 64ul, 1000ul, 1ul << 20}) {
      void *p = cnnrt_alloc(bytes, alignment);
      ASSERT_NE(p, nullptr) << cnnrt_last_error();
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignment, 0u)
          << bytes << " bytes, alignment " << alignment;
      std::memset(p, 0xAB, bytes); // writable (ASan checks the extent)
      cnnrt_free(p);
    }
}

TEST(Alloc, LargeBuffersStartOnAHugePage) {
  // 4 MiB and more (weights, arenas) may be backed by 2 MiB pages.
  for (size_t bytes : {4ul << 20, (5ul << 20) + 3}) {
    void *p = cnnrt_alloc(bytes, 64);
    ASSERT_NE(p, nullptr) << cnnrt_last_error();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % (2ul << 20), 0u) << bytes;
    std::memset(p, 0xCD, bytes);
    cnnrt_free(p);
  }
}

TEST(Alloc, SmallAlignmentsAreRaisedToPointerSize) {
  for (size_t alignment : {1ul, 2ul, 4ul}) {
    void *p = cnnrt_alloc(10, alignment);
    ASSERT_NE(p, nullptr) << cnnrt_last_error();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % sizeof(void *), 0u);
    cnnrt_free(p);
  }
}

TEST(Alloc, ZeroBytesGivesAFreeablePointer) {
  void *p = cnnrt_alloc(0, 64);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
  cnnrt_free(p);
  cnnrt_free(nullptr); // no-op
}

TEST(Alloc, RejectsAlignmentThatIsNotAPowerOfTwo) {
  for (size_t alignment : {0ul, 3ul, 48ul, 100ul}) {
    cnnrt_clear_error();
    EXPECT_EQ(cnnrt_alloc(16, alignment), nullptr);
    EXPECT_NE(std::string(cnnrt_last_error()).find("not a power of two"),
              std::string::npos)
        << cnnrt_last_error();
  }
}

TEST(Alloc, RejectsOverflowingSizes) {
  // What an overflowed `count * sizeof(float)` looks like.
  for (size_t bytes : {SIZE_MAX, SIZE_MAX - 10, SIZE_MAX / 2 + 1}) {
    cnnrt_clear_error();
    EXPECT_EQ(cnnrt_alloc(bytes, 64), nullptr);
    EXPECT_NE(std::string(cnnrt_last_error()).find("overflows"),
              std::string::npos)
        << cnnrt_last_error();
  }
}

#if defined(__SANITIZE_ADDRESS__)
#define CNNRT_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CNNRT_UNDER_ASAN 1
#endif
#endif

TEST(Alloc, ReportsExhaustion) {
#ifdef CNNRT_UNDER_ASAN
  GTEST_SKIP() << "AddressSanitizer aborts on impossible allocations";
#else
  cnnrt_clear_error();
  EXPECT_EQ(cnnrt_alloc(size_t(1) << 62, 64), nullptr);
  EXPECT_NE(std::string(cnnrt_last_error()).find("cannot allocate"),
            std::string::npos)
      << cnnrt_last_error();
#endif
}

} // namespace

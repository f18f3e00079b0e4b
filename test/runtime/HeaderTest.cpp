// cnnrt.h is usable from C++ (extern "C") and from strict C99 (HeaderC99.c).
#include "cnnrt.h"

#include <gtest/gtest.h>

extern "C" int cnnrt_test_header_is_c99(void);

namespace {

TEST(Header, CompilesAsC99AndLinksFromCxx) {
  EXPECT_EQ(cnnrt_test_header_is_c99(), CNNRT_MAX_DIMS + 2);
}

} // namespace

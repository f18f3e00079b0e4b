// The runtime's internal JSON reader (runtime/src/json.c).
#include "internal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace {

// Parses `text`, owning the tree; `ok` says whether parsing succeeded.
struct Parsed {
  explicit Parsed(const std::string &text) {
    ok =
        cnnrt_json_parse(text.data(), text.size(), &root, err, sizeof err) == 0;
  }
  ~Parsed() { cnnrt_json_free(&root); }
  cnnrt_json root;
  char err[256];
  bool ok;
};

TEST(Json, Literals) {
  Parsed t("true"), f(" false "), n("\n\tnull\r");
  ASSERT_TRUE(t.ok && f.ok && n.ok);
  EXPECT_EQ(t.root.type, CNNRT_JSON_TRUE);
  EXPECT_EQ(f.root.type, CNNRT_JSON_FALSE);
  EXPECT_EQ(n.root.type, CNNRT_JSON_NULL);
}

TEST(Json, Integers) {
  struct {
    const char *text;
    int64_t value;
  } cases[] = {{"0", 0},
               {"-0", 0},
               {"7", 7},
               {"-12", -12},
               {"602112", 602112},
               {"9223372036854775807", INT64_MAX},
               {"-9223372036854775808", INT64_MIN}};
  for (auto &c : cases) {
    Parsed p(c.text);
    ASSERT_TRUE(p.ok) << c.text << ": " << p.err;
    EXPECT_EQ(p.root.type, CNNRT_JSON_NUMBER);
    EXPECT_TRUE(p.root.is_int) << c.text;
    EXPECT_EQ(p.root.i, c.value) << c.text;
    EXPECT_EQ(p.root.num, static_cast<double>(c.value)) << c.text;
  }
  // Out of int64 range: a number, but not an exact integer.
  Parsed big("9223372036854775808");
  ASSERT_TRUE(big.ok);
  EXPECT_FALSE(big.root.is_int);
  EXPECT_DOUBLE_EQ(big.root.num, 9223372036854775808.0);
  Parsed huge("123456789012345678901234567890");
  ASSERT_TRUE(huge.ok);
  EXPECT_FALSE(huge.root.is_int);
  EXPECT_NEAR(huge.root.num, 1.2345678901234568e29, 1e15);
}

TEST(Json, NonIntegers) {
  struct {
    const char *text;
    double value;
  } cases[] = {{"1.5", 1.5},          {"-0.25", -0.25},
               {"1e3", 1000.0},       {"2E+2", 200.0},
               {"5e-1", 0.5},         {"3.0", 3.0},
               {"-1.25e-2", -0.0125}, {"6.02214076e23", 6.02214076e23},
               {"1e-300", 1e-300},    {"1e400", HUGE_VAL},
               {"1e-400", 0.0}};
  for (auto &c : cases) {
    Parsed p(c.text);
    ASSERT_TRUE(p.ok) << c.text << ": " << p.err;
    EXPECT_FALSE(p.root.is_int) << c.text;
    if (std::isinf(c.value))
      EXPECT_TRUE(std::isinf(p.root.num)) << c.text;
    else
      EXPECT_NEAR(p.root.num, c.value, std::fabs(c.value) * 1e-15) << c.text;
  }
}

TEST(Json, StringsAndEscapes) {
  Parsed p(R"("a\"b\\c\/d\b\f\n\r\t \u00e9 \u20AC \ud83d\ude00 é")");
  ASSERT_TRUE(p.ok) << p.err;
  ASSERT_EQ(p.root.type, CNNRT_JSON_STRING);
  EXPECT_EQ(std::string(p.root.str, p.root.len),
            "a\"b\\c/d\b\f\n\r\t \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 "
            "\xC3\xA9");
  Parsed nul(R"("x\u0000y")");
  ASSERT_TRUE(nul.ok);
  EXPECT_EQ(nul.root.len, 3u);
  EXPECT_EQ(std::string(nul.root.str, nul.root.len), std::string("x\0y", 3));
  Parsed empty(R"("")");
  ASSERT_TRUE(empty.ok);
  EXPECT_EQ(empty.root.len, 0u);
  EXPECT_STREQ(empty.root.str, "");
}

TEST(Json, ObjectsAndArrays) {
  Parsed p(R"({"conv1.weight": {"dtype": "F32", "shape": [64, 3, 7, 7],
              "data_offsets": [0, 37632]}, "empty": {}, "list": [],
              "nested": [[1], [2, [3]]]})");
  ASSERT_TRUE(p.ok) << p.err;
  ASSERT_EQ(p.root.type, CNNRT_JSON_OBJECT);
  ASSERT_EQ(p.root.n, 4u);
  const cnnrt_json *w = cnnrt_json_get(&p.root, "conv1.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_STREQ(cnnrt_json_get(w, "dtype")->str, "F32");
  const cnnrt_json *shape = cnnrt_json_get(w, "shape");
  ASSERT_EQ(shape->type, CNNRT_JSON_ARRAY);
  ASSERT_EQ(shape->n, 4u);
  EXPECT_EQ(shape->items[0].i, 64);
  EXPECT_EQ(shape->items[3].i, 7);
  EXPECT_EQ(cnnrt_json_get(w, "data_offsets")->items[1].i, 37632);
  EXPECT_EQ(cnnrt_json_get(&p.root, "empty")->n, 0u);
  EXPECT_EQ(cnnrt_json_get(&p.root, "list")->type, CNNRT_JSON_ARRAY);
  const cnnrt_json *nested = cnnrt_json_get(&p.root, "nested");
  EXPECT_EQ(nested->items[1].items[1].items[0].i, 3);
  EXPECT_EQ(cnnrt_json_get(&p.root, "missing"), nullptr);
  EXPECT_EQ(cnnrt_json_get(shape, "dtype"), nullptr); // not an object
}

TEST(Json, ManyMembers) {
  std::string text = "{";
  for (int k = 0; k < 1000; ++k)
    text +=
        (k ? ",\"k" : "\"k") + std::to_string(k) + "\":" + std::to_string(k);
  text += "}";
  Parsed p(text);
  ASSERT_TRUE(p.ok) << p.err;
  ASSERT_EQ(p.root.n, 1000u);
  EXPECT_EQ(cnnrt_json_get(&p.root, "k999")->i, 999);
}

TEST(Json, NestingLimit) {
  Parsed ok(std::string(64, '[') + std::string(64, ']'));
  EXPECT_TRUE(ok.ok) << ok.err;
  Parsed deep(std::string(100000, '['));
  EXPECT_FALSE(deep.ok);
  EXPECT_NE(std::string(deep.err).find("nesting deeper"), std::string::npos)
      << deep.err;
}

TEST(Json, RejectsMalformedInput) {
  struct {
    std::string text;
    const char *message;
  } cases[] = {
      {"", "value expected"},
      {"   ", "value expected"},
      {"[1,]", "unexpected character ']'"},
      {"[1 2]", "',' or ']' expected"},
      {"{\"a\"}", "':' expected"},
      {"{\"a\":1,}", "object key"},
      {"{1:2}", "object key"},
      {"[1", "unterminated array"},
      {"{\"a\":1", "unterminated object"},
      {"\"abc", "unterminated string"},
      {"\"a\\x\"", "invalid escape"},
      {"\"\\u12G4\"", "bad hex digit"},
      {"\"\\u12", "truncated \\u escape"},
      {"\"\\ud83d\"", "lone high surrogate"},
      {"\"\\ude00\"", "lone low surrogate"},
      {"\"\\ud83d\\u0041\"", "not followed by a low surrogate"},
      {"\"a\nb\"", "control character 0x0a"},
      {"\"\xff\"", "invalid UTF-8"},
      {"\"\xc0\xaf\"", "invalid UTF-8"},     // overlong '/'
      {"\"\xed\xa0\x80\"", "invalid UTF-8"}, // encoded surrogate
      {"\"\xe2\x82\"", "invalid UTF-8"},     // cut sequence
      {"01", "leading zero"},
      {"-", "invalid number"},
      {"+1", "unexpected character '+'"},
      {".5", "unexpected character '.'"},
      {"1.", "digit expected after '.'"},
      {"1e", "digit expected in exponent"},
      {"NaN", "unexpected character 'N'"},
      {"tru", "invalid literal (expected 'true')"},
      {"nul", "invalid literal (expected 'null')"},
      {"falsy", "invalid literal (expected 'false')"},
      {"{} {}", "unexpected data after"},
      {"[]x", "unexpected data after"},
      {std::string("[\0]", 3), "unexpected byte 0x00"},
  };
  for (auto &c : cases) {
    Parsed p(c.text);
    EXPECT_FALSE(p.ok) << "accepted: " << c.text;
    EXPECT_NE(std::string(p.err).find(c.message), std::string::npos)
        << "input " << c.text << " gave: " << p.err;
    EXPECT_EQ(std::string(p.err).rfind("at byte ", 0), 0u) << p.err;
  }
}

TEST(Json, ErrorNamesTheOffset) {
  Parsed p("{\"a\": [1, 2, x]}");
  ASSERT_FALSE(p.ok);
  EXPECT_STREQ(p.err, "at byte 13: unexpected character 'x'");
}

TEST(Json, ParseDoesNotReadPastLength) {
  // The buffer continues with "]" but len stops before it.
  const char text[] = "[1, 2]";
  cnnrt_json v;
  char err[128];
  EXPECT_NE(cnnrt_json_parse(text, 5, &v, err, sizeof err), 0);
  EXPECT_NE(std::string(err).find("unterminated array"), std::string::npos)
      << err;
}

} // namespace

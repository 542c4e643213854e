// Units of the RFC 6901 JSON Pointer parser (src/core/json_pointer).
#include "core/json_pointer.hpp"

#include <gtest/gtest.h>

using docpatch::ArrayIndex;
using docpatch::Error;
using docpatch::JsonPointer;
using docpatch::parse_array_index;

namespace {

std::vector<std::string> tokens(const char* text) {
  auto p = JsonPointer::parse(text);
  return {p.tokens().begin(), p.tokens().end()};
}

}  // namespace

TEST(JsonPointer, EmptyIsWholeDocument) {
  EXPECT_TRUE(JsonPointer::parse("").is_root());
  EXPECT_EQ(tokens("").size(), 0u);
}

TEST(JsonPointer, Rfc6901Examples) {
  EXPECT_EQ(tokens("/foo"), (std::vector<std::string>{"foo"}));
  EXPECT_EQ(tokens("/foo/0"), (std::vector<std::string>{"foo", "0"}));
  EXPECT_EQ(tokens("/"), (std::vector<std::string>{""}));
  EXPECT_EQ(tokens("/a~1b"), (std::vector<std::string>{"a/b"}));
  EXPECT_EQ(tokens("/m~0n"), (std::vector<std::string>{"m~n"}));
  EXPECT_EQ(tokens("/c%d"), (std::vector<std::string>{"c%d"}));
  EXPECT_EQ(tokens("/ "), (std::vector<std::string>{" "}));
  EXPECT_EQ(tokens("//"), (std::vector<std::string>{"", ""}));
}

TEST(JsonPointer, EscapesAreDecodedOnceLeftToRight) {
  // "~01" is "~" followed by "1", not "/".
  EXPECT_EQ(tokens("/~01"), (std::vector<std::string>{"~1"}));
  EXPECT_EQ(tokens("/~10"), (std::vector<std::string>{"/0"}));
}

TEST(JsonPointer, RejectsMissingLeadingSlash) {
  try {
    JsonPointer::parse("foo");
    FAIL() << "accepted a pointer without a leading slash";
  } catch (const Error& e) {
    EXPECT_STREQ(e.sqlstate(), "DP001");
    EXPECT_NE(e.message().find("start with \"/\""), std::string::npos) << e.message();
  }
}

TEST(JsonPointer, RejectsBadEscapes) {
  for (const char* bad : {"/~", "/a~", "/~2", "/~a", "/x/~/y"}) {
    try {
      JsonPointer::parse(bad);
      FAIL() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_STREQ(e.sqlstate(), "DP001") << bad;
    }
  }
}

TEST(JsonPointer, NamesTheMemberInErrors) {
  try {
    JsonPointer::parse("x", "from");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("\"from\""), std::string::npos) << e.message();
  }
}

TEST(JsonPointer, ProperPrefix) {
  auto a = JsonPointer::parse("/a");
  auto ab = JsonPointer::parse("/a/b");
  EXPECT_TRUE(a.is_proper_prefix_of(ab));
  EXPECT_FALSE(ab.is_proper_prefix_of(a));
  EXPECT_FALSE(a.is_proper_prefix_of(a));
  EXPECT_TRUE(JsonPointer::parse("").is_proper_prefix_of(a));
  EXPECT_FALSE(JsonPointer::parse("/ab").is_proper_prefix_of(ab));
}

TEST(ArrayIndexToken, AcceptsCanonicalDecimals) {
  EXPECT_EQ(parse_array_index("0").kind, ArrayIndex::kIndex);
  EXPECT_EQ(parse_array_index("0").value, 0u);
  EXPECT_EQ(parse_array_index("10").value, 10u);
  EXPECT_EQ(parse_array_index("4294967296").value, 4294967296u);
  EXPECT_EQ(parse_array_index("-").kind, ArrayIndex::kEnd);
}

TEST(ArrayIndexToken, RejectsLeadingZerosSignsAndJunk) {
  for (const char* bad : {"", "00", "01", "+1", "-1", "1.0", "1e2", " 1", "1 ", "0x1", "--", "a"})
    EXPECT_EQ(parse_array_index(bad).kind, ArrayIndex::kInvalid) << '"' << bad << '"';
}

TEST(ArrayIndexToken, SaturatesPast64Bits) {
  auto huge = parse_array_index("184467440737095516160000");
  EXPECT_EQ(huge.kind, ArrayIndex::kIndex);
  EXPECT_EQ(huge.value, UINT64_MAX);
}

TEST(EscapedToken, RoundTrips) {
  std::string out;
  docpatch::append_escaped_token(out, "a/b~c");
  EXPECT_EQ(out, "a~1b~0c");
  EXPECT_EQ(tokens(("/" + out).c_str()), (std::vector<std::string>{"a/b~c"}));
}

// Hardening: a pointer's segments are counted before any is allocated, and
// more than kMaxPointerSegments is a program limit (54000), not gigabytes.
TEST(JsonPointer, SegmentLimit) {
  std::string at_limit(docpatch::kMaxPointerSegments, '/');
  EXPECT_EQ(JsonPointer::parse(at_limit).size(), docpatch::kMaxPointerSegments);
  try {
    JsonPointer::parse(at_limit + "/");
    FAIL() << "a pointer over the limit was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.sqlstate(), "54000");
    EXPECT_NE(std::string(e.what()).find("1000001 segments"), std::string::npos) << e.what();
  }
}

// Hardening: the pointer quoted in a syntax error is cut at a character
// boundary, so the message is valid UTF-8 (it used to end inside "é" and
// turn into an encoding error in non-UTF-8 clients).
TEST(JsonPointer, QuotedPointerIsValidUtf8) {
  std::string text = "x";
  for (int i = 0; i < 150; ++i) text += "é";
  try {
    JsonPointer::parse(text);
    FAIL() << "a pointer without a leading slash was accepted";
  } catch (const Error& e) {
    std::string expected = "The pointer was \"x";
    for (int i = 0; i < 99; ++i) expected += "é";
    expected += "...\".";
    EXPECT_EQ(e.detail(), expected);
  }
}

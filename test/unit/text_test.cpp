// Units of the message text helpers (src/core/text.hpp).
#include "core/text.hpp"

#include <gtest/gtest.h>

using docpatch::quoted_excerpt;
using docpatch::utf8_prefix;

TEST(Utf8Prefix, ShortTextIsKept) {
  EXPECT_EQ(utf8_prefix("", 0), "");
  EXPECT_EQ(utf8_prefix("abc", 3), "abc");
  EXPECT_EQ(utf8_prefix("abc", 200), "abc");
}

TEST(Utf8Prefix, CutsAtTheLimit) {
  EXPECT_EQ(utf8_prefix("abcdef", 3), "abc");
  EXPECT_EQ(utf8_prefix("abcdef", 0), "");
}

TEST(Utf8Prefix, NeverSplitsACharacter) {
  // "é" is 2 bytes, "日" 3 bytes, "😀" 4 bytes.
  EXPECT_EQ(utf8_prefix("xé", 2), "x");
  EXPECT_EQ(utf8_prefix("xé", 3), "xé");
  EXPECT_EQ(utf8_prefix("日本", 1), "");
  EXPECT_EQ(utf8_prefix("日本", 2), "");
  EXPECT_EQ(utf8_prefix("日本", 3), "日");
  EXPECT_EQ(utf8_prefix("日本", 5), "日");
  EXPECT_EQ(utf8_prefix("a😀b", 4), "a");
  EXPECT_EQ(utf8_prefix("a😀b", 5), "a😀");
}

TEST(QuotedExcerpt, MarksACut) {
  EXPECT_EQ(quoted_excerpt("abc", 3), "abc");
  EXPECT_EQ(quoted_excerpt("abcd", 3), "abc...");
  EXPECT_EQ(quoted_excerpt("xéé", 2), "x...");
}

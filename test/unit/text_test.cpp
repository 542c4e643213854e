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

// The character-boundary rule quoted_excerpt follows is supplied by the
// boundary layer (the server encoding's, src/boundary/server_encoding.cpp);
// here a stand-in for EUC_JP: a byte of 0x80 or more leads a character of
// two bytes.
namespace {

int two_byte_rule_calls = 0;

std::string_view two_byte_prefix(std::string_view text, size_t max) {
  ++two_byte_rule_calls;
  size_t cut = 0;
  while (cut < text.size()) {
    size_t len = static_cast<unsigned char>(text[cut]) >= 0x80 ? 2 : 1;
    if (cut + len > max) break;
    cut += len;
  }
  return text.substr(0, cut);
}

// Installs a rule for one test, and puts the previous one back.
class WithRule {
 public:
  explicit WithRule(docpatch::CharacterPrefixRule rule)
      : previous_(docpatch::set_character_prefix_rule(rule)) {}
  ~WithRule() { docpatch::set_character_prefix_rule(previous_); }

 private:
  docpatch::CharacterPrefixRule previous_;
};

}  // namespace

TEST(QuotedExcerpt, FollowsTheInstalledRule) {
  // 日本 in EUC_JP: C6 FC CB DC.  UTF-8's walk takes FC for a lead byte and
  // would keep the C6 before it.
  const std::string text = "x\xC6\xFC\xCB\xDC";
  EXPECT_EQ(quoted_excerpt(text, 4), "x\xC6\xFC\xCB...");
  {
    WithRule rule(&two_byte_prefix);
    EXPECT_EQ(quoted_excerpt(text, 4), "x\xC6\xFC...");
    EXPECT_EQ(quoted_excerpt(text, 2), "x...");
    EXPECT_EQ(quoted_excerpt(text, 0), "...");
  }
  EXPECT_EQ(quoted_excerpt(text, 4), "x\xC6\xFC\xCB...");
}

TEST(QuotedExcerpt, AsksTheRuleOnlyWhenTheTextIsCut) {
  WithRule rule(&two_byte_prefix);
  two_byte_rule_calls = 0;
  EXPECT_EQ(quoted_excerpt("x\xC6\xFC", 3), "x\xC6\xFC");
  EXPECT_EQ(quoted_excerpt("", 0), "");
  EXPECT_EQ(two_byte_rule_calls, 0);
  EXPECT_EQ(quoted_excerpt("x\xC6\xFC", 2), "x...");
  EXPECT_EQ(two_byte_rule_calls, 1);
}

TEST(QuotedExcerpt, NullRuleRestoresUtf8) {
  docpatch::CharacterPrefixRule before = docpatch::set_character_prefix_rule(&two_byte_prefix);
  EXPECT_EQ(docpatch::set_character_prefix_rule(nullptr), &two_byte_prefix);
  EXPECT_EQ(quoted_excerpt("xéé", 2), "x...");
  EXPECT_EQ(docpatch::set_character_prefix_rule(before), &utf8_prefix);
}

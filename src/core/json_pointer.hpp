// RFC 6901 JSON Pointer parsing.  PostgreSQL-free: unit-tested and fuzzed on
// its own.
//
// A pointer is "" (the whole document) or a sequence of "/"-prefixed
// reference tokens; "~1" stands for "/" and "~0" for "~".  Tokens are kept
// unescaped.  Whether a token is an array index is decided only when the
// token is applied to an array (parse_array_index).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace docpatch {

// The most reference tokens ("segments") one pointer may have.  Far deeper
// than any document PostgreSQL can build (its parser and docpatch's encoder
// stop at max_stack_depth, some ten thousand levels by default); it bounds
// the memory a parsed pointer takes (about 40 bytes a segment).  Beyond it,
// parse() throws SQLSTATE 54000.
inline constexpr size_t kMaxPointerSegments = 1000000;

template <typename Alloc = std::allocator<char>>
class BasicJsonPointer {
 public:
  using String = std::basic_string<char, std::char_traits<char>, Alloc>;
  using StringAlloc = typename std::allocator_traits<Alloc>::template rebind_alloc<String>;
  using Tokens = std::vector<String, StringAlloc>;

  explicit BasicJsonPointer(const Alloc& alloc = Alloc()) : tokens_(StringAlloc(alloc)) {}

  // Parses text; throws Error(DP001) naming `what` (e.g. "path") on bad
  // syntax, Error(54000) when it has more than kMaxPointerSegments segments.
  static BasicJsonPointer parse(std::string_view text, const char* what = "path",
                                const Alloc& alloc = Alloc());

  const Tokens& tokens() const { return tokens_; }
  size_t size() const { return tokens_.size(); }
  bool is_root() const { return tokens_.empty(); }
  // True when this pointer is a proper prefix of other (other is inside it).
  bool is_proper_prefix_of(const BasicJsonPointer& other) const;

 private:
  Tokens tokens_;
};

using JsonPointer = BasicJsonPointer<>;

// The meaning of a reference token applied to an array.
struct ArrayIndex {
  enum Kind { kIndex, kEnd, kInvalid } kind;
  uint64_t value;  // kIndex only; saturates at UINT64_MAX when too large
};

// RFC 6901: decimal digits, no leading zeros, no sign; "-" is past the end.
ArrayIndex parse_array_index(std::string_view token);

// Appends the escaped form of token ("~" -> "~0", "/" -> "~1") to out.
template <typename S>
void append_escaped_token(S& out, std::string_view token) {
  for (char c : token) {
    if (c == '~')
      out.append("~0");
    else if (c == '/')
      out.append("~1");
    else
      out.push_back(c);
  }
}

// ---- implementation (templated on the allocator) ----

template <typename Alloc>
BasicJsonPointer<Alloc> BasicJsonPointer<Alloc>::parse(std::string_view text, const char* what,
                                                       const Alloc& alloc) {
  BasicJsonPointer p(alloc);
  if (text.empty()) return p;
  if (text[0] != '/')
    throw Error(sqlstate::kInvalidPatch,
                std::string("invalid JSON pointer in \"") + what + "\": must be empty or start with \"/\"",
                "The pointer was \"" + quoted_excerpt(text, 200) + "\".");
  // Counted before anything is allocated: a hostile pointer of millions of
  // "/" would otherwise take gigabytes.
  size_t segments = static_cast<size_t>(std::count(text.begin(), text.end(), '/'));
  if (segments > kMaxPointerSegments)
    throw Error(sqlstate::kProgramLimit,
                std::string("JSON pointer in \"") + what + "\" has " + std::to_string(segments) +
                    " segments, more than the limit of " + std::to_string(kMaxPointerSegments),
                {}, "No document is nested that deep: a path has one segment per level.");
  p.tokens_.reserve(segments);
  size_t i = 1;
  for (;;) {
    String token(alloc);
    while (i < text.size() && text[i] != '/') {
      char c = text[i];
      if (c == '~') {
        char next = i + 1 < text.size() ? text[i + 1] : '\0';
        if (next == '0')
          token.push_back('~');
        else if (next == '1')
          token.push_back('/');
        else
          throw Error(sqlstate::kInvalidPatch,
                      std::string("invalid JSON pointer in \"") + what +
                          "\": \"~\" must be followed by \"0\" or \"1\"",
                      "The pointer was \"" + quoted_excerpt(text, 200) + "\".",
                      "Write \"~0\" for \"~\" and \"~1\" for \"/\" inside a key.");
        i += 2;
      } else {
        token.push_back(c);
        ++i;
      }
    }
    p.tokens_.push_back(std::move(token));
    if (i >= text.size()) break;
    ++i;  // skip '/'
  }
  return p;
}

template <typename Alloc>
bool BasicJsonPointer<Alloc>::is_proper_prefix_of(const BasicJsonPointer& other) const {
  if (tokens_.size() >= other.tokens_.size()) return false;
  for (size_t i = 0; i < tokens_.size(); ++i)
    if (tokens_[i] != other.tokens_[i]) return false;
  return true;
}

}  // namespace docpatch

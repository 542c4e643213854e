// libFuzzer target for the server-free JSON Pointer code (src/core).
//
// Properties checked on every input:
//  * parsing never crashes; it either succeeds or throws docpatch::Error with
//    SQLSTATE DP001;
//  * a parsed pointer, re-escaped token by token, parses back to the same
//    tokens (escaping and unescaping are inverse);
//  * parse_array_index accepts exactly the RFC 6901 array-index grammar;
//  * a pointer with more than kMaxPointerSegments segments is refused with
//    SQLSTATE 54000, and a parsed one never has more;
//  * the pointer quoted in an error's detail is valid UTF-8 when the input
//    is (regression: it was cut at 200 bytes, inside a character).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/json_pointer.hpp"
#include "utf8.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool canonical_index(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t)
    if (c < '0' || c > '9') return false;
  return t.size() == 1 || t[0] != '0';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  docpatch::JsonPointer p;
  try {
    p = docpatch::JsonPointer::parse(text);
  } catch (const docpatch::Error& e) {
    size_t slashes = 0;
    for (char c : text) slashes += c == '/';
    if (!text.empty() && text[0] == '/' && slashes > docpatch::kMaxPointerSegments)
      check(std::strcmp(e.sqlstate(), "54000") == 0);
    else
      check(std::strcmp(e.sqlstate(), "DP001") == 0);
    if (valid_utf8(text)) check(valid_utf8(e.message()) && valid_utf8(e.detail()) && valid_utf8(e.hint()));
    return 0;
  }
  check(p.size() <= docpatch::kMaxPointerSegments);
  std::string again;
  for (const auto& token : p.tokens()) {
    again.push_back('/');
    docpatch::append_escaped_token(again, token);
    auto idx = docpatch::parse_array_index(token);
    if (token == "-")
      check(idx.kind == docpatch::ArrayIndex::kEnd);
    else
      check((idx.kind == docpatch::ArrayIndex::kIndex) == canonical_index(token));
  }
  auto q = docpatch::JsonPointer::parse(again);
  check(q.tokens() == p.tokens());
  check(again.size() <= text.size() || p.is_root());
  return 0;
}

// libFuzzer target for the message text helpers (src/core/text.hpp): the
// first input byte is the limit, the rest the text.  utf8_prefix returns a
// prefix within the limit, the whole text when it fits, and for valid UTF-8
// text the longest prefix that is valid UTF-8 (so never more than 3 bytes
// short of the limit); quoted_excerpt, under its default rule (utf8_prefix),
// marks a cut with "...".
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/text.hpp"
#include "utf8.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t max = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string_view prefix = docpatch::utf8_prefix(text, max);
  check(prefix.data() == text.data());
  check(prefix.size() <= text.size());
  check(text.size() <= max ? prefix.size() == text.size() : prefix.size() <= max);
  if (valid_utf8(text)) {
    check(valid_utf8(prefix));
    if (text.size() > max) {
      check(prefix.size() + 3 >= max);
      check(!valid_utf8(text.substr(0, prefix.size() + 1)) || prefix.size() == max);
    }
  }
  std::string excerpt = docpatch::quoted_excerpt(text, max);
  if (prefix.size() == text.size())
    check(excerpt == text);
  else
    check(excerpt == std::string(prefix) + "...");
  return 0;
}

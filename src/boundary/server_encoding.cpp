// The server encoding's character boundaries: see server_encoding.hpp.
#include "boundary/server_encoding.hpp"

#include <algorithm>

#include "boundary/boundary.hpp"

namespace docpatch {

std::string_view server_encoding_prefix(std::string_view text, size_t max) {
  // quoted_excerpt asks only for a text longer than max (core/text.hpp).
  // pg_mbcliplen looks at no byte past the character that crosses the limit:
  // the rest of a long text is not passed (and the lengths fit in an int).
  size_t limit = std::min(max, static_cast<size_t>(MaxAllocSize));
  int len = static_cast<int>(std::min(text.size(), limit + MAX_MULTIBYTE_CHAR_LEN));
  int cut = pg_call<int>([&] { return pg_mbcliplen(text.data(), len, static_cast<int>(limit)); });
  return text.substr(0, static_cast<size_t>(cut));
}

}  // namespace docpatch

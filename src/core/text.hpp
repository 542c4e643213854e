// Text helpers for messages, free of any PostgreSQL dependency.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace docpatch {

// The longest prefix of text that is at most max bytes long and does not end
// inside a UTF-8 character: text is valid UTF-8 (the database encoding), and
// so is the prefix, so that a message quoting it stays valid in every client
// encoding.  A prefix never ends with a lead byte whose continuation bytes
// were cut off.
inline std::string_view utf8_prefix(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  // Back up while the first byte left out continues a character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

// utf8_prefix(text, max), followed by "..." when something was cut.
inline std::string quoted_excerpt(std::string_view text, size_t max) {
  std::string_view prefix = utf8_prefix(text, max);
  std::string out(prefix);
  if (prefix.size() < text.size()) out += "...";
  return out;
}

}  // namespace docpatch

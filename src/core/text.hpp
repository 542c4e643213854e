// Text helpers for messages, free of any PostgreSQL dependency.
//
// Messages quote user text (JSON pointers, keys, values, ids) as excerpts
// cut at a character boundary of the text's encoding: that is the server
// encoding, which only the boundary layer knows.  It supplies the rule once,
// when the library is loaded (src/module.cpp); until then, and in the unit
// tests, the rule is UTF-8's.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace docpatch {

// A character-boundary rule: the longest prefix of text that is at most max
// bytes long and does not end inside a character of text's encoding.  Called
// only for a text longer than max.  It must not throw for valid text.
using CharacterPrefixRule = std::string_view (*)(std::string_view text, size_t max);

// The rule for UTF-8 text: a prefix never ends with a lead byte whose
// continuation bytes were cut off, so the prefix of valid UTF-8 is valid.
inline std::string_view utf8_prefix(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  // Back up while the first byte left out continues a character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

// Makes rule the one quoted_excerpt follows (nullptr: utf8_prefix again);
// returns the rule it replaces.
CharacterPrefixRule set_character_prefix_rule(CharacterPrefixRule rule);

// text when it is at most max bytes long; else its longest prefix (by the
// character-boundary rule) followed by "...".  The one way messages clip
// user text.
std::string quoted_excerpt(std::string_view text, size_t max);

}  // namespace docpatch

// Message excerpts: see text.hpp.
#include "core/text.hpp"

namespace docpatch {
namespace {

// Set once when the library is loaded; every backend of a database has the
// same server encoding, so no statement or transaction changes it.
CharacterPrefixRule character_prefix = &utf8_prefix;

}  // namespace

CharacterPrefixRule set_character_prefix_rule(CharacterPrefixRule rule) {
  CharacterPrefixRule previous = character_prefix;
  character_prefix = rule != nullptr ? rule : &utf8_prefix;
  return previous;
}

std::string quoted_excerpt(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  std::string out(character_prefix(text, max));
  out += "...";
  return out;
}

}  // namespace docpatch

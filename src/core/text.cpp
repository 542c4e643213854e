// Message excerpts: see text.hpp.
#include "core/text.hpp"

namespace docpatch {
namespace {

// Set once, when the library is loaded: a rule, not an encoding (the server's
// rule reads the database's encoding on each call).  No statement or
// transaction changes it, so there is nothing to reset at abort.
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

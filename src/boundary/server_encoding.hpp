// The server encoding's character boundaries, for the message excerpts of
// src/core/text.hpp: the rule the module installs when it is loaded.
#pragma once

#include <cstddef>
#include <string_view>

namespace docpatch {

// The longest prefix of text (valid in the server encoding) that is at most
// max bytes long and ends at a character boundary: pg_mbcliplen, under the
// guard.  A CharacterPrefixRule.
std::string_view server_encoding_prefix(std::string_view text, size_t max);

}  // namespace docpatch

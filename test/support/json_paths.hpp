// JSON Pointer helpers for the randomized tests, on nlohmann::json.  Written
// independently of src/core, so the tests' oracles do not share code with
// what they check.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace docpatch::test {

// A JSON Pointer as its unescaped reference tokens.
using Tokens = std::vector<std::string>;

// The pointer text of tokens: "/" before each, "~" as "~0", "/" as "~1".
std::string pointer_text(const Tokens& tokens);

// True when a is a proper prefix of b (b lies strictly inside a).
bool proper_prefix(const Tokens& a, const Tokens& b);

// Every location in doc, the root included, in document order.
std::vector<Tokens> all_locations(const nlohmann::json& doc);

}  // namespace docpatch::test

// docs/sqlstates.md read as data: the SQLSTATEs it documents.  Shared by the
// unit test that holds the table to src/core/errors.hpp and by the
// integration tests that accept a refusal only with a documented code.
#pragma once

#include <set>
#include <string>

namespace docpatch::test {

// The codes of the table rows of `markdown` (docs/sqlstates.md's text):
// lines starting with | `CODE` |; several codes may share a row's first
// cell (| `22P02`, `22003` |).
std::set<std::string> documented_sqlstates(const std::string& markdown);

// documented_sqlstates() of the file at `path`; throws if it cannot be read.
std::set<std::string> documented_sqlstates_in(const std::string& path);

}  // namespace docpatch::test

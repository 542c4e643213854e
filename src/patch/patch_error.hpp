// Building jsonb_patch_ops errors in one consistent format:
//
//   patch operation N (OP at "PATH"): REASON
//
// N is the 0-based index of the operation in the patch array.  Long paths
// and value excerpts are truncated so that messages stay readable.
#pragma once

#include <string>
#include <string_view>

#include "boundary/boundary.hpp"
#include "jsonb/value.hpp"
#include "patch/operation.hpp"

namespace docpatch::patch {

// At most `max` bytes of text, cut at a character boundary of the server
// encoding, with "..." appended when something was cut (quoted_excerpt).
std::string excerpt(std::string_view text, size_t max = 200);

// "patch operation N (OP at "PATH")"; op and path may be empty when the
// operation is too malformed to have them.
std::string op_label(uint32_t index, std::string_view op, std::string_view path, bool has_path);
// "patch operation N (OP at jsonpath "JSONPATH")".
std::string jsonpath_op_label(uint32_t index, std::string_view op, std::string_view jsonpath);
// The label of op, in whichever form it was given.
std::string op_label(const Operation& op);

// Throws Error(sqlstate, "<label>: <reason>", detail, hint).
[[noreturn]] void fail(const Operation& op, const char* sqlstate, const std::string& reason,
                       const std::string& detail = {}, const std::string& hint = {});

// True for a PostgreSQL error about the input: a jsonpath that does not
// parse, a jsonpath variable that is missing, a comparison PostgreSQL's
// executor refuses.  Errors about the server (out of memory, stack depth,
// cancellation, internal errors) are not.
bool describes_input(const PgError& e);

// Throws e's SQLSTATE, message, detail and hint, the message prefixed with
// op's label.
[[noreturn]] void fail_with(const Operation& op, const PgError& e);

// A JSON Pointer made of the first `count` tokens of p, escaped ("/a/b~1c").
std::string pointer_prefix(const Pointer& p, size_t count);

// The JSON text of v, truncated to `max` bytes (for messages).
std::string render_value(const jsonb::Value& v, size_t max = 100);

inline std::string_view as_view(jsonb::Key k) { return std::string_view(k.data, k.len); }

}  // namespace docpatch::patch

// The filters of jsonpath selectors: ? (predicate), with PostgreSQL's
// semantics in strict mode.
//
// Every predicate can be evaluated by PostgreSQL's own jsonpath executor:
// for a candidate at location L, jsonb_path_exists(document,
// 'strict $<L> ? (<predicate>)', vars), where the document is the one the
// operation finds (earlier operations' changes visible), so that @ is the
// candidate and $ the document, exactly as in jsonb_path_query.  The
// jsonpath is assembled in binary: the predicate's bytes are copied from the
// parsed jsonpath, whose item offsets are relative to each item (see
// PostgreSQL's jsonpath.c, the same in 14 to 18).
//
// The common predicates are also compiled into a small native form,
// evaluated on the lazy tree without a call into PostgreSQL: comparisons
// (==, !=, <, <=, >, >=) of @, $ or a $variable followed by .key accessors,
// and literals; &&, ||, !, is unknown and exists (...) of those.  It
// reproduces PostgreSQL's compareItems() and three-valued logic; whatever it
// cannot decide (string ordering in a database encoding other than UTF-8) it
// leaves to PostgreSQL.  The differential test checks the two agree.
#pragma once

#include <cstdint>

#include "jsonb/value.hpp"
#include "patch/document_state.hpp"
#include "patch/selector.hpp"

namespace docpatch::patch {

struct FastPredicate;  // predicate.cpp

// SQL/JSON's three truth values, and kDefer: the native form cannot decide,
// PostgreSQL's executor must.
enum class Truth : uint8_t { kFalse, kTrue, kUnknown, kDefer };

struct Predicate {
  const char* bytes;          // the predicate's items, copied from the parsed jsonpath
  uint32_t len;
  uint32_t alignment;         // their offset in the parsed jsonpath's data, modulo 4
  const FastPredicate* fast;  // the native form, nullptr when PostgreSQL evaluates it
};

// Builds the predicate of the filter item `filter` of a parsed jsonpath (in
// the current memory context).  end: where its bytes end (the filter's next
// item, or the end of the jsonpath's data).  vars: the operation's vars.
const Predicate* decode_predicate(JsonPathItem* filter, const char* end, const Jsonb* vars);

// The native form's verdict on candidate (a value of the document `root`).
Truth evaluate_fast(const FastPredicate& p, const jsonb::Value& candidate, const jsonb::Value& root);

// Whether the predicate is true for the candidate at location loc (depth
// steps) of the document (unknown and false do not select).
bool predicate_holds(const Predicate& p, DocumentState& doc, const jsonb::Value& candidate,
                     const LocationStep* loc, size_t depth, const Jsonb* vars);

}  // namespace docpatch::patch

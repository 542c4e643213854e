// Serializing a document into a jsonb datum in one pass.
//
// Raw values (untouched containers, strings, numerics) are copied as bytes;
// only expanded nodes are re-encoded.  The result is a valid jsonb datum,
// identical to what PostgreSQL itself would produce for the same value.
#pragma once

#include "jsonb/value.hpp"

namespace docpatch::jsonb {

// Serializes root into a new jsonb datum palloc'd in `result_context`.
// size_hint is the expected size in bytes (the input's size is a good guess).
Jsonb* serialize(const Value& root, MemoryContext result_context, size_t size_hint);

}  // namespace docpatch::jsonb

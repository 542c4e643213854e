// etag_guarded_update: a conditional (If-Match) partial update of one row:
// the row locked, the patch applied once, one UPDATE ... RETURNING.
#pragma once

#include "rows/toolkit.hpp"

namespace docpatch::rows {

struct GuardedUpdateArgs {
  Oid relid;
  const char* id;
  const char* if_match;  // nullptr: unconditional; "*": any existing row
  Datum patch;           // jsonb, detoasted
  Kind kind;
  const char* key_column;
  const char* doc_column;
};

// Runs the update and appends the row (etag, created_at, updated_at, doc) to
// out.  Raises DP010 (not found), DP011 (etag mismatch), 55000 (the write
// kept its etag: not stamped), or the patch's own error (DP001-DP004).
void guarded_update(FunctionCallInfo fcinfo, const GuardedUpdateArgs& args, ResultSink* out);

// The etag If-Match names: surrounding double quotes (an HTTP entity tag)
// are removed; nullptr for NULL or "*" (no condition).
const char* if_match_etag(const char* if_match);

}  // namespace docpatch::rows

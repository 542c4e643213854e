// upsert_with_creation_ts: insert-or-update of documents in one
// INSERT ... ON CONFLICT (key) DO UPDATE statement, merged against the
// locked current row.
#pragma once

#include "rows/common.hpp"

namespace docpatch::rows {

struct UpsertArgs {
  Oid relid;
  const char* id;  // single form
  Datum doc;       // single form: jsonb; batch form: the items array (jsonb)
  bool batch;
  Kind mode;
  const char* key_column;
  const char* doc_column;
};

// Runs the upsert and appends one row (inserted, etag, created_at,
// updated_at, doc) per id to out.
void upsert(FunctionCallInfo fcinfo, const UpsertArgs& args, ResultSink* out);

// Checks the batch form's items: an array of objects, each with an "id" (a
// string or a number) and a "doc".  Throws DP005 naming the first bad item.
void check_items(const Jsonb* items);

}  // namespace docpatch::rows

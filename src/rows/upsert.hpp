// upsert_with_creation_ts: insert-or-update of documents with
// INSERT ... ON CONFLICT (key) DO UPDATE, merged against the locked current
// row.
#pragma once

#include "rows/toolkit.hpp"

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

}  // namespace docpatch::rows

// Folding documents onto a target, one mode for all: what
// upsert_with_creation_ts does with the items of a batch that share one id
// (in order, onto the locked row or onto {}), and docpatch_fold(), the SQL
// function its statement calls for it (docs/functions/docpatch_fold.md).
#pragma once

#include "jsonb/value.hpp"
#include "rows/toolkit.hpp"

namespace docpatch::rows {

// Applies docs[0], docs[1], ... to target in turn, each the way `kind` says,
// exactly as that many calls of the kind's SQL function would (kind_info),
// with that function's errors.  target nullptr counts as {}.  The documents
// are applied to one lazily expanded tree that is serialized once, so the
// fold is linear in the documents, however many there are.  Returns the
// result allocated in result_context -- or target, or doc_datum (a datum
// whose document is docs[0], when given), when the result is that whole
// document untouched.
Jsonb* fold_documents(const Jsonb* target, Kind kind, const jsonb::Value* docs, size_t n,
                      MemoryContext result_context, const Jsonb* doc_datum = nullptr);

// docpatch_fold(target jsonb, mode text, docs jsonb): fold_documents over
// the elements of the array docs.  Called inside sql_entry.
Datum fold(FunctionCallInfo fcinfo);

// docpatch_fold_proposed(mode text, docs jsonb) of extension version 1.0:
// fold_documents onto NULL, except that in mode 'ops' a patch that does not
// apply to {} (DP002, DP003, DP004) yields {}.  Version 1.1 computes this
// inside upsert_with_creation_ts and dropped the SQL function; the entry
// point stays for databases whose extension is not updated yet.
Datum fold_proposed_v1_0(FunctionCallInfo fcinfo);

// Whether an error of a patch may come from the target it is applied to
// (DP002 path not found, DP003 type mismatch, DP004 test failed) rather than
// from the patch itself.
bool depends_on_target(const Error& e);

}  // namespace docpatch::rows

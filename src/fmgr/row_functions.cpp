// SQL entry points of the row functions: the stamp trigger and its setup,
// etag_guarded_update, upsert_with_creation_ts and docpatch_fold.
#include <cstring>
#include <string>

#include "fmgr/jsonb_result.hpp"
#include "rows/enable.hpp"
#include "rows/fold.hpp"
#include "rows/guarded_update.hpp"
#include "rows/etag.hpp"
#include "rows/stamp.hpp"
#include "rows/upsert.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(docpatch_docpatch_stamp);
PG_FUNCTION_INFO_V1(docpatch_docpatch_new_etag);
PG_FUNCTION_INFO_V1(docpatch_docpatch_enable);
PG_FUNCTION_INFO_V1(docpatch_docpatch_disable);
PG_FUNCTION_INFO_V1(docpatch_etag_guarded_update);
PG_FUNCTION_INFO_V1(docpatch_upsert_with_creation_ts);
PG_FUNCTION_INFO_V1(docpatch_upsert_with_creation_ts_text);
PG_FUNCTION_INFO_V1(docpatch_upsert_with_creation_ts_batch);
PG_FUNCTION_INFO_V1(docpatch_docpatch_fold);
PG_FUNCTION_INFO_V1(docpatch_docpatch_fold_proposed);
}

using namespace docpatch;
using namespace docpatch::rows;

namespace {

// Refuses a NULL argument with DP005 (or `sqlstate`).
void require_arg(FunctionCallInfo fcinfo, int n, const char* function, const char* name,
                 const char* code = sqlstate::kInvalidArgument) {
  if (PG_ARGISNULL(n))
    throw Error(code, std::string(function) + ": " + name + " must not be NULL");
}

const char* text_arg(FunctionCallInfo fcinfo, int n) {
  return pg_call<char*>([&] { return text_to_cstring(PG_GETARG_TEXT_PP(n)); });
}

const char* name_arg(FunctionCallInfo fcinfo, int n) { return NameStr(*PG_GETARG_NAME(n)); }

// etag_guarded_update's default kind: JSON Patch for an array, a shallow
// merge for an object.
Kind default_kind(const Jsonb* patch) {
  if (JB_ROOT_IS_SCALAR(patch))
    throw Error(sqlstate::kInvalidPatch,
                "etag_guarded_update: patch must be a JSON array (JSON Patch operations) or a JSON "
                "object (merged into the document), not a scalar",
                {}, "To store a scalar as the whole document, pass kind => 'replace'.");
  return JB_ROOT_IS_ARRAY(patch) ? Kind::Ops : Kind::Merge;
}

// The arguments every upsert form ends with: mode, key_column, doc_column,
// starting at position `mode_arg`.  Checked (NULLs refused) by
// require_upsert_tail, read by read_upsert_tail.
void require_upsert_tail(FunctionCallInfo fcinfo, int mode_arg) {
  require_arg(fcinfo, mode_arg + 1, "upsert_with_creation_ts", "key_column");
  require_arg(fcinfo, mode_arg + 2, "upsert_with_creation_ts", "doc_column");
}

void read_upsert_tail(FunctionCallInfo fcinfo, int mode_arg, UpsertArgs* a) {
  a->mode = kind_argument(PG_ARGISNULL(mode_arg) ? nullptr : text_arg(fcinfo, mode_arg),
                          "upsert_with_creation_ts", "mode");
  a->key_column = name_arg(fcinfo, mode_arg + 1);
  a->doc_column = name_arg(fcinfo, mode_arg + 2);
}

}  // namespace

// docpatch_stamp() RETURNS trigger
extern "C" Datum docpatch_docpatch_stamp(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum { return stamp_trigger(fcinfo); });
}

// docpatch_new_etag() RETURNS text
extern "C" Datum docpatch_docpatch_new_etag(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum { return new_etag_text(EtagWrite::Insert); });
}

// docpatch_enable(tbl regclass, created_at name, updated_at name, etag name,
//                 on_created_at_change text) RETURNS void
extern "C" Datum docpatch_docpatch_enable(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    const char* f = "docpatch_enable";
    require_arg(fcinfo, 0, f, "tbl");
    require_arg(fcinfo, 1, f, "created_at");
    require_arg(fcinfo, 2, f, "updated_at");
    require_arg(fcinfo, 3, f, "etag");
    require_arg(fcinfo, 4, f, "on_created_at_change");
    EnableArgs a;
    a.relid = PG_GETARG_OID(0);
    a.created_at = name_arg(fcinfo, 1);
    a.updated_at = name_arg(fcinfo, 2);
    a.etag = name_arg(fcinfo, 3);
    const char* change = text_arg(fcinfo, 4);
    if (std::strcmp(change, "keep") != 0 && std::strcmp(change, "error") != 0)
      throw Error(sqlstate::kInvalidArgument,
                  std::string(f) + ": on_created_at_change must be 'keep' or 'error', not \"" +
                      excerpt(change) + "\"",
                  "'keep' silently keeps created_at on UPDATE; 'error' refuses a change with DP012.");
    a.refuse_created_at_change = std::strcmp(change, "error") == 0;
    enable(fcinfo, a);
    PG_RETURN_VOID();
  });
}

// docpatch_disable(tbl regclass) RETURNS void
extern "C" Datum docpatch_docpatch_disable(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    require_arg(fcinfo, 0, "docpatch_disable", "tbl");
    disable(fcinfo, PG_GETARG_OID(0));
    PG_RETURN_VOID();
  });
}

// etag_guarded_update(tbl regclass, id text, if_match text, patch jsonb,
//                     kind text, key_column name, doc_column name)
//   RETURNS TABLE(etag text, created_at timestamptz, updated_at timestamptz, doc jsonb)
extern "C" Datum docpatch_etag_guarded_update(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    const char* f = "etag_guarded_update";
    require_arg(fcinfo, 0, f, "tbl");
    require_arg(fcinfo, 1, f, "id");
    require_arg(fcinfo, 3, f, "patch", sqlstate::kInvalidPatch);
    require_arg(fcinfo, 5, f, "key_column");
    require_arg(fcinfo, 6, f, "doc_column");
    ResultSink out(fcinfo);
    GuardedUpdateArgs a;
    a.relid = PG_GETARG_OID(0);
    a.id = text_arg(fcinfo, 1);
    a.if_match = PG_ARGISNULL(2) ? nullptr : text_arg(fcinfo, 2);
    Jsonb* patch = jsonb_arg(fcinfo, 3);
    a.patch = PointerGetDatum(patch);
    a.kind = PG_ARGISNULL(4) ? default_kind(patch) : kind_argument(text_arg(fcinfo, 4), f, "kind");
    a.key_column = name_arg(fcinfo, 5);
    a.doc_column = name_arg(fcinfo, 6);
    guarded_update(fcinfo, a, &out);
    return (Datum)0;
  });
}

// upsert_with_creation_ts(tbl regclass, id text, doc jsonb, mode text,
//                         key_column name, doc_column name)
//   RETURNS TABLE(inserted boolean, etag text, created_at timestamptz,
//                 updated_at timestamptz, doc jsonb)
extern "C" Datum docpatch_upsert_with_creation_ts(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    const char* f = "upsert_with_creation_ts";
    require_arg(fcinfo, 0, f, "tbl");
    require_arg(fcinfo, 1, f, "id");
    require_arg(fcinfo, 2, f, "doc", sqlstate::kInvalidPatch);
    require_upsert_tail(fcinfo, 3);
    ResultSink out(fcinfo);
    UpsertArgs a;
    a.relid = PG_GETARG_OID(0);
    a.id = text_arg(fcinfo, 1);
    a.doc = PointerGetDatum(jsonb_arg(fcinfo, 2));
    a.batch = false;
    read_upsert_tail(fcinfo, 3, &a);
    upsert(fcinfo, a, &out);
    return (Datum)0;
  });
}

// upsert_with_creation_ts(tbl regclass, id text, doc text, mode text,
//                         key_column name, doc_column name)
// The single form with the document as text: what calls with untyped
// literals for the id and the document resolve to.
extern "C" Datum docpatch_upsert_with_creation_ts_text(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    const char* f = "upsert_with_creation_ts";
    require_arg(fcinfo, 0, f, "tbl");
    require_arg(fcinfo, 1, f, "id");
    require_arg(fcinfo, 2, f, "doc", sqlstate::kInvalidPatch);
    require_upsert_tail(fcinfo, 3);
    UpsertArgs a;
    a.relid = PG_GETARG_OID(0);
    a.id = text_arg(fcinfo, 1);
    const char* doc = text_arg(fcinfo, 2);
    Kind misplaced_mode;
    if (a.id[std::strspn(a.id, " \t\r\n")] == '[' && parse_kind(doc, &misplaced_mode))
      throw Error(sqlstate::kInvalidArgument,
                  std::string(f) + ": the items of the batch form must be of type jsonb",
                  "The call was read as the single form, with an id that looks like a JSON "
                  "array and a document \"" + std::string(doc) + "\".",
                  "Cast the items, as in upsert_with_creation_ts('t', '[...]'::jsonb, 'replace'), "
                  "or name them: items => '[...]'.");
    ResultSink out(fcinfo);
    a.doc = pg_call<Datum>([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(doc)); });
    a.batch = false;
    read_upsert_tail(fcinfo, 3, &a);
    upsert(fcinfo, a, &out);
    return (Datum)0;
  });
}

// upsert_with_creation_ts(tbl regclass, items jsonb, mode text,
//                         key_column name, doc_column name)  -- batch form
extern "C" Datum docpatch_upsert_with_creation_ts_batch(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    const char* f = "upsert_with_creation_ts";
    require_arg(fcinfo, 0, f, "tbl");
    require_arg(fcinfo, 1, f, "items");
    require_upsert_tail(fcinfo, 2);
    ResultSink out(fcinfo);
    UpsertArgs a;
    a.relid = PG_GETARG_OID(0);
    a.id = nullptr;
    a.doc = PointerGetDatum(jsonb_arg(fcinfo, 1));
    a.batch = true;
    read_upsert_tail(fcinfo, 2, &a);
    upsert(fcinfo, a, &out);
    return (Datum)0;
  });
}

// docpatch_fold(target jsonb, mode text, docs jsonb) RETURNS jsonb  -- internal
extern "C" Datum docpatch_docpatch_fold(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum { return fold(fcinfo); });
}

// docpatch_fold_proposed(mode text, docs jsonb) RETURNS jsonb  -- extension
// version 1.0 only (dropped by the update to 1.1)
extern "C" Datum docpatch_docpatch_fold_proposed(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum { return fold_proposed_v1_0(fcinfo); });
}

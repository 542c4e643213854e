// upsert_with_creation_ts: see upsert.hpp and
// docs/functions/upsert_with_creation_ts.md.
//
// Single form (kept per table, columns and mode):
//
//   INSERT INTO "s"."t" AS t ("id", "doc")
//   VALUES (CAST($1 AS <key type>), <mode applied to {}>)
//   ON CONFLICT ("id") DO UPDATE SET "doc" = <mode>(t."doc", $2)
//   RETURNING t.xmax = 0, t."etag", t."created_at", t."updated_at", t."doc"
//
// DO UPDATE computes the document from the row ON CONFLICT locked, never
// from one read earlier, so concurrent upserts of different fields into one
// new id both land.  created_at is kept by the stamp trigger.  `inserted` is
// the usual xmax trick: a freshly inserted row version has no xmax, while the
// version DO UPDATE writes carries the updating transaction's lock.
//
// Batch form: the items are grouped by id inside the statement (so that one
// proposed row per id reaches ON CONFLICT), each id's documents kept in item
// order as an array that docpatch_fold applies in turn -- to {} for the
// insert, to the locked row in DO UPDATE, where they are found through a
// jsonb object keyed by the id's text.  Rows are proposed in key order (two
// batches lock shared ids in the same order) and returned in order of first
// appearance.
//
// Mode 'ops': the proposal for a new row is computed even when the row
// exists, and a patch may apply to the row but not to {}.  The proposal
// therefore comes from docpatch_fold_proposed, which yields {} instead of
// failing, and RETURNING applies the patch to {} once more for the rows that
// were really inserted, raising the patch's error if it does not apply (with
// a target that depends on the row, so that the planner cannot evaluate the
// call ahead of time with the patch as a constant).
#include "rows/upsert.hpp"

#include <cstring>

#include "jsonb/reader.hpp"
#include "rows/plan_cache.hpp"
#include "rows/table_shape.hpp"

namespace docpatch::rows {
namespace {

constexpr const char* kFunction = "upsert_with_creation_ts";
constexpr int kSingleVariant = 0;
constexpr int kBatchVariant = 1;

const char* const kInserted = "t.xmax OPERATOR(pg_catalog.=) '0'::pg_catalog.xid";

PgString mode_literal(Kind mode) { return PgString("'") + kind_name(mode) + "'"; }

void build_single(PlanEntry* entry, const UpsertArgs& a, Oid nsp) {
  TableShape s = inspect_table(a.relid, a.key_column, a.doc_column, kFunction, stamp_function_oid(nsp));
  std::memcpy(entry->relname, s.relname, NAMEDATALEN);
  PgString ext = quoted_namespace(nsp);
  PgString doc_ref = "t." + s.doc;
  PgString proposed =
      a.mode == Kind::Ops
          ? ext + ".docpatch_fold_proposed('ops', pg_catalog.jsonb_build_array($2))"
          : kind_apply_sql(a.mode, ext, "NULL::pg_catalog.jsonb", "$2");
  PgString sql = "INSERT INTO " + s.qualified + " AS t (" + s.key + ", " + s.doc + ") VALUES (CAST($1 AS " +
                 s.key_type + "), " + proposed + ") ON CONFLICT (" + s.key + ") DO UPDATE SET " + s.doc +
                 " = " + kind_apply_sql(a.mode, ext, doc_ref.c_str(), "$2") + " RETURNING " + kInserted +
                 ", t." + s.etag + ", t." + s.created_at + ", t." + s.updated_at + ", t." + s.doc;
  if (a.mode == Kind::Ops)  // the target depends on the row so that the planner cannot fold the call
    sql += PgString(", CASE WHEN ") + kInserted + " THEN " + ext + ".jsonb_patch_ops(CASE WHEN " +
           kInserted + " THEN '{}'::pg_catalog.jsonb END, $2) IS NULL END";
  Oid types[2] = {TEXTOID, JSONBOID};
  prepare_plan(entry, 0, sql.c_str(), 2, types);
}

void build_batch(PlanEntry* entry, const UpsertArgs& a, Oid nsp) {
  TableShape s = inspect_table(a.relid, a.key_column, a.doc_column, kFunction, stamp_function_oid(nsp));
  std::memcpy(entry->relname, s.relname, NAMEDATALEN);
  PgString ext = quoted_namespace(nsp);
  PgString mode = mode_literal(a.mode);
  PgString sql =
      "WITH items AS MATERIALIZED ("
      " SELECT CAST(e.value OPERATOR(pg_catalog.->>) 'id' AS " + s.key_type + ") AS k,"
      " e.value OPERATOR(pg_catalog.->) 'doc' AS d, e.ord"
      " FROM pg_catalog.jsonb_array_elements($1) WITH ORDINALITY AS e(value, ord)"
      "), grouped AS MATERIALIZED ("
      " SELECT i.k, pg_catalog.jsonb_agg(i.d ORDER BY i.ord) AS docs, pg_catalog.min(i.ord) AS first"
      " FROM items i GROUP BY i.k"
      "), lookup AS MATERIALIZED ("
      " SELECT pg_catalog.jsonb_object_agg(CAST(g.k AS pg_catalog.text), g.docs) AS o FROM grouped g"
      "), up AS ("
      " INSERT INTO " + s.qualified + " AS t (" + s.key + ", " + s.doc + ")"
      " SELECT g.k, " + ext + ".docpatch_fold_proposed(" + mode + ", g.docs) FROM grouped g ORDER BY g.k"
      " ON CONFLICT (" + s.key + ") DO UPDATE SET " + s.doc + " = " + ext + ".docpatch_fold(t." + s.doc +
      ", " + mode + ", (SELECT l.o FROM lookup l) OPERATOR(pg_catalog.->) CAST(EXCLUDED." + s.key +
      " AS pg_catalog.text))"
      " RETURNING t." + s.key + " AS dp_key, " + kInserted + " AS dp_inserted, t." + s.etag +
      " AS dp_etag, t." + s.created_at + " AS dp_created_at, t." + s.updated_at +
      " AS dp_updated_at, t." + s.doc + " AS dp_doc"
      ") SELECT up.dp_inserted, up.dp_etag, up.dp_created_at, up.dp_updated_at, up.dp_doc";
  if (a.mode == Kind::Ops)
    sql += PgString(", CASE WHEN up.dp_inserted THEN ") + ext + ".docpatch_fold(NULL, 'ops', g.docs) IS NULL END";
  sql += " FROM up JOIN grouped g ON g.k " + s.key_eq + " up.dp_key ORDER BY g.first";
  Oid types[1] = {JSONBOID};
  prepare_plan(entry, 0, sql.c_str(), 1, types);
}

std::string item_error(uint32 i, const std::string& what) {
  return std::string(kFunction) + ": items[" + std::to_string(i) + "] " + what;
}

}  // namespace

void check_items(const Jsonb* items) {
  const char* shape_hint = "Pass items as [{\"id\": \"1\", \"doc\": {...}}, ...].";
  if (!JB_ROOT_IS_ARRAY(items) || JB_ROOT_IS_SCALAR(items))
    throw Error(sqlstate::kInvalidArgument,
                std::string(kFunction) + ": items must be a JSON array of {\"id\": ..., \"doc\": ...} objects",
                {}, shape_hint);
  jsonb::RawContainer array(&items->root);
  array.for_each_element([&](uint32 i, const jsonb::Value& item) {
    if ((i & 0xFFF) == 0) check_for_interrupts();
    if (item.type != jsonb::Type::Object)
      throw Error(sqlstate::kInvalidArgument,
                  item_error(i, std::string("is ") + jsonb::type_name_with_article(item.type) +
                                    ", not an object"),
                  {}, shape_hint);
    jsonb::RawContainer object(item);
    bool has_id = false;
    bool has_doc = false;
    object.for_each_member([&](uint32, jsonb::Key key, const jsonb::Value& value) {
      std::string name(key.data, key.len);
      if (name == "id") {
        if (value.type != jsonb::Type::String && value.type != jsonb::Type::Numeric)
          throw Error(sqlstate::kInvalidArgument,
                      item_error(i, std::string("has an \"id\" that is ") +
                                        jsonb::type_name_with_article(value.type) +
                                        ", not a string or a number"));
        has_id = true;
      } else if (name == "doc") {
        has_doc = true;
      } else {
        throw Error(sqlstate::kInvalidArgument,
                    item_error(i, "has an unknown member \"" + excerpt(name.c_str()) + "\""), {},
                    shape_hint);
      }
    });
    if (!has_id) throw Error(sqlstate::kInvalidArgument, item_error(i, "has no \"id\""), {}, shape_hint);
    if (!has_doc) throw Error(sqlstate::kInvalidArgument, item_error(i, "has no \"doc\""), {}, shape_hint);
  });
}

void upsert(FunctionCallInfo fcinfo, const UpsertArgs& a, ResultSink* out) {
  Oid nsp = extension_namespace(fcinfo);
  Oid relid = a.relid;
  if (a.batch) {
    const Jsonb* items = reinterpret_cast<const Jsonb*>(DatumGetPointer(a.doc));
    check_items(items);
    if (JB_ROOT_COUNT(items) == 0) return;
  }
  pg_guard([&] { LockRelationOid(relid, RowExclusiveLock); });

  spi_connect();
  int variant = a.batch ? kBatchVariant : kSingleVariant;
  PlanKey key = make_plan_key(relid, nsp, a.batch ? Statement::UpsertBatch : Statement::Upsert,
                              static_cast<int>(a.mode), variant, a.key_column, a.doc_column);
  PlanEntry* entry = cached_plans(key, [&](PlanEntry* e) {
    if (a.batch)
      build_batch(e, a, nsp);
    else
      build_single(e, a, nsp);
  });
  PlanUse use(entry);

  Datum values[2];
  char nulls[2] = {' ', ' '};
  if (a.batch) {
    values[0] = a.doc;
  } else {
    pg_guard([&] { values[0] = CStringGetTextDatum(a.id); });
    values[1] = a.doc;
  }
  uint64 rows = spi_execute(entry->plans[0], values, nulls);
  for (uint64 i = 0; i < rows; ++i) {
    if ((i & 0xFF) == 0) check_for_interrupts();
    out->put_spi_row(i, 5);
  }
  spi_finish();
}

}  // namespace docpatch::rows

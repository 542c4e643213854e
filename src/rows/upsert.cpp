// upsert_with_creation_ts: see upsert.hpp and
// docs/functions/upsert_with_creation_ts.md.
//
// Single form (kept per table, columns and mode):
//
//   INSERT INTO "s"."t" AS t ("id", "doc")
//   VALUES (CAST($1 AS <key type>), <mode applied to {}>)
//   ON CONFLICT ("id") DO UPDATE SET "doc" = <mode>(t."doc", $2)
//   RETURNING t."etag", t."created_at", t."updated_at", t."doc"
//
// DO UPDATE computes the document from the row ON CONFLICT locked, never
// from one read earlier, so concurrent upserts of different fields into one
// new id both land.  created_at is kept by the stamp trigger.
//
// `inserted`: while the statement runs, a RowScope makes the stamp trigger
// record the etag of every row it stamps on the UPDATE path; a returned row
// whose etag is not among them was inserted.  Etags are never repeated, so
// this is exact, and unlike the usual `xmax = 0` test in RETURNING it also
// works for partitioned tables (whose RETURNING cannot read system columns).
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
// failing; after the statement, the patch is applied to {} once more (a
// second kept plan) for each row that was really inserted, which raises the
// patch's error -- and the error undoes the insert with the whole call.
#include "rows/upsert.hpp"

#include <cstring>

#include "jsonb/reader.hpp"
#include "rows/plan_cache.hpp"
#include "rows/stamp.hpp"
#include "rows/table_shape.hpp"

namespace docpatch::rows {
namespace {

constexpr const char* kFunction = "upsert_with_creation_ts";
constexpr int kSingleVariant = 0;
constexpr int kBatchVariant = 1;

constexpr int kUpsertPlan = 0;
constexpr int kOpsCheckPlan = 1;

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
                 " = " + kind_apply_sql(a.mode, ext, doc_ref.c_str(), "$2") + " RETURNING t." + s.etag +
                 ", t." + s.created_at + ", t." + s.updated_at + ", t." + s.doc;
  Oid types[2] = {TEXTOID, JSONBOID};
  prepare_plan(entry, kUpsertPlan, sql.c_str(), 2, types);
  if (a.mode == Kind::Ops) {
    PgString check = "SELECT " + ext + ".jsonb_patch_ops('{}'::pg_catalog.jsonb, $1)";
    prepare_plan(entry, kOpsCheckPlan, check.c_str(), 1, types + 1);
  }
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
      " RETURNING t." + s.key + " AS dp_key, t." + s.etag + " AS dp_etag, t." + s.created_at +
      " AS dp_created_at, t." + s.updated_at + " AS dp_updated_at, t." + s.doc + " AS dp_doc"
      ") SELECT up.dp_etag, up.dp_created_at, up.dp_updated_at, up.dp_doc, g.docs"
      " FROM up JOIN grouped g ON g.k " + s.key_eq + " up.dp_key ORDER BY g.first";
  Oid types[1] = {JSONBOID};
  prepare_plan(entry, kUpsertPlan, sql.c_str(), 1, types);
  if (a.mode == Kind::Ops) {
    PgString check = "SELECT " + ext + ".docpatch_fold(NULL, 'ops', $1)";
    prepare_plan(entry, kOpsCheckPlan, check.c_str(), 1, types);
  }
}

// Was the row stamped on the UPDATE path?  Its etag is in the first column.
bool updated_in_scope(RowScope* scope, SPITupleTable* table, uint64 row) {
  bool is_null;
  Datum etag = heap_getattr(table->vals[row], 1, table->tupdesc, &is_null);
  if (is_null) return false;
  const varlena* v = reinterpret_cast<const varlena*>(DatumGetPointer(etag));
  if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v)) return false;  // never: etags are short
  return scope->stamped_by_update(VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
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
  SPITupleTable* table;
  uint64 rows;
  bool* inserted;  // palloc'd in SPI's memory: freed by spi_finish
  {
    RowScope scope(relid, RowScope::kRecordUpdates);
    rows = spi_execute(entry->plans[kUpsertPlan], values, nulls);
    table = SPI_tuptable;
    inserted = static_cast<bool*>(
        pg_call<void*>([&] { return palloc(sizeof(bool) * (rows == 0 ? 1 : rows)); }));
    for (uint64 i = 0; i < rows; ++i)
      inserted[i] = !pg_call<bool>([&] { return updated_in_scope(&scope, table, i); });
  }
  if (a.mode == Kind::Ops) {
    // The patch must apply to {} for every row that was inserted.
    for (uint64 i = 0; i < rows; ++i) {
      if (!inserted[i]) continue;
      Datum patch = a.doc;
      if (a.batch) {
        bool is_null;
        patch = pg_call<Datum>([&] { return heap_getattr(table->vals[i], 5, table->tupdesc, &is_null); });
      }
      spi_execute(entry->plans[kOpsCheckPlan], &patch, nulls);
    }
  }
  for (uint64 i = 0; i < rows; ++i) {
    if ((i & 0xFF) == 0) check_for_interrupts();
    out->put_spi_row(table, i, 4, &inserted[i]);
  }
  spi_finish();
}

}  // namespace docpatch::rows

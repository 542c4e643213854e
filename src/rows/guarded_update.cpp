// etag_guarded_update: see guarded_update.hpp and
// docs/functions/etag_guarded_update.md.
//
// The statement (one per table, columns, kind and variant, kept in the plan
// cache), with N standing for the new document <kind>(t."doc", $3):
//
//   UPDATE "s"."t" AS t SET "doc" = N
//   WHERE t."id" COLLATE <index collation> OPERATOR(<schema>.=) $1
//     [AND t."etag" OPERATOR(pg_catalog.=) $2]          -- If-Match given
//     AND NOT pg_catalog.record_image_eq(ROW(N, t."etag"), ROW(t."doc", t."etag"))
//   RETURNING t."etag", t."created_at", t."updated_at", t."doc"
//
// $1 is the key, converted from the id as an INSERT would store it
// (keys.hpp).  The new document is computed against the row the UPDATE
// locked: under READ COMMITTED a concurrent update makes the executor wait,
// re-fetch the newest version and re-check the WHERE clause (the etag and
// the no-op test too) before computing SET from that version (EvalPlanQual).
// A patch that changes nothing -- the same bytes (record image equality,
// *=), not merely an equal jsonb -- fails the WHERE clause, so
// nothing is written and no trigger fires.
//
// Only when the UPDATE returned no row does the function look at the row,
// locking it as the UPDATE would have (FOR NO KEY UPDATE, which also applies
// row-level security's UPDATE policies): no row is DP010; another etag is
// DP011; a patch that changes nothing returns the row as it is; a row the
// patch would change but the UPDATE did not reach was skipped by a BEFORE
// trigger (or, under READ COMMITTED, committed after the UPDATE's snapshot:
// the UPDATE runs once more, now that the row is locked).
#include "rows/guarded_update.hpp"

#include <cstring>

#include "rows/keys.hpp"
#include "rows/plan_cache.hpp"
#include "rows/table_shape.hpp"

namespace docpatch::rows {
namespace {

constexpr int kUnconditional = 0;
constexpr int kIfMatch = 1;
constexpr int kUpdatePlan = 0;
constexpr int kLockPlan = 1;     // the row, locked, and whether the patch would change it
constexpr int kExistsPlan = 2;   // is the row there at all (for RLS's sake)?
constexpr int kResultColumns = 4;
constexpr int kUnchangedColumn = 5;
constexpr const char* kFunction = "etag_guarded_update";

void build_plans(PlanSet* set, const GuardedUpdateArgs& a, Oid nsp, int variant) {
  TableShape s =
      inspect_table(a.relid, a.key_column, a.doc_column, kFunction, stamp_function_oid(nsp));
  keep_shape(s, set);
  PgString ext = quoted_namespace(nsp);
  PgString doc_ref = "t." + s.doc;
  PgString new_doc = kind_apply_sql(a.kind, ext, doc_ref.c_str(), "$3");
  // record_image_eq is *=, called as a function: a row comparison written
  // with the operator is taken apart column by column.  Both rows carry the
  // row's etag too, so that neither is a constant: Citus would send a
  // constant row (ROW($3) of kind 'replace') to the worker as a record
  // literal, which no server can read back.
  PgString unchanged = "pg_catalog.record_image_eq(ROW(" + new_doc + ", t." + s.etag + "), ROW(" +
                       doc_ref + ", t." + s.etag + "))";
  PgString where = " WHERE t." + s.key + s.key_collate + " " + s.key_eq + " $1";
  PgString etag_matches = "t." + s.etag + " OPERATOR(pg_catalog.=) $2";
  PgString returning = " t." + s.etag + ", t." + s.created_at + ", t." + s.updated_at + ", " + doc_ref;
  Oid types[3] = {s.key_type, TEXTOID, JSONBOID};

  PgString update = "UPDATE " + s.update_target + " AS t SET " + s.doc + " = " + new_doc + where;
  if (variant == kIfMatch) update += " AND " + etag_matches;
  update += " AND NOT " + unchanged + " RETURNING" + returning;
  prepare_plan(set, kUpdatePlan, update.c_str(), 3, types);

  // The no-op test only once the etag matched: a patch that does not apply
  // must not turn an etag mismatch into its own error.
  PgString lock = "SELECT" + returning + ", CASE WHEN $2 IS NULL OR " + etag_matches + " THEN " +
                  unchanged + " END FROM " + s.qualified + " AS t" + where + " FOR NO KEY UPDATE OF t";
  prepare_plan(set, kLockPlan, lock.c_str(), 3, types);

  PgString exists = "SELECT FROM " + s.qualified + " AS t" + where;
  prepare_plan(set, kExistsPlan, exists.c_str(), 1, types);
}

std::string row_description(const PlanSet& set, const GuardedUpdateArgs& a) {
  return std::string("row with ") + a.key_column + " = '" + excerpt(a.id) + "' in relation " +
         quoted(set.relname);
}

[[noreturn]] void not_found(const PlanSet& set, const GuardedUpdateArgs& a, const char* detail) {
  throw Error(sqlstate::kRowNotFound, std::string(kFunction) + ": no " + row_description(set, a),
              detail);
}

}  // namespace

const char* if_match_etag(const char* if_match) {
  if (if_match == nullptr) return nullptr;
  if (std::strcmp(if_match, "*") == 0) return nullptr;
  size_t len = std::strlen(if_match);
  if (len >= 2 && if_match[0] == '"' && if_match[len - 1] == '"')
    return pg_call<char*>([&] { return pnstrdup(if_match + 1, len - 2); });
  return if_match;
}

void guarded_update(FunctionCallInfo fcinfo, const GuardedUpdateArgs& a, ResultSink* out) {
  Oid nsp = extension_namespace(fcinfo);
  const char* etag = if_match_etag(a.if_match);
  int variant = etag != nullptr ? kIfMatch : kUnconditional;
  Oid relid = a.relid;
  // Lock first: pending invalidations of the table are processed now, so the
  // plan cache sees ALTERs committed by others before we look it up.
  pg_guard([&] { LockRelationOid(relid, RowExclusiveLock); });

  spi_connect();
  PlanKey key = make_plan_key(relid, nsp, Statement::GuardedUpdate, static_cast<int>(a.kind),
                              variant, a.key_column, a.doc_column);
  PlanUse use;
  cached_plans(key, &use, [&](PlanSet* set) { build_plans(set, a, nsp, variant); });
  const PlanSet& set = use.set();
  check_stamp_fires(kFunction, set);

  KeyConverter converter(set);
  Datum values[3];
  values[0] = converter.convert(a.id);
  values[1] = etag != nullptr ? pg_call<Datum>([&] { return CStringGetTextDatum(etag); }) : (Datum)0;
  values[2] = a.patch;
  const char nulls[3] = {' ', etag != nullptr ? ' ' : 'n', ' '};

  if (spi_execute(use.plan(kUpdatePlan), values, nulls) > 0) {
    out->put_spi_row(SPI_tuptable, 0, kResultColumns);
    spi_finish();
    return;
  }
  for (int attempt = 0;; ++attempt) {
    if (spi_execute(use.plan(kLockPlan), values, nulls) == 0) {
      // Not there, or row-level security hides it from an UPDATE.
      bool visible = spi_execute(use.plan(kExistsPlan), values, nulls) > 0;
      not_found(set, a,
                visible ? "A row with this key is visible, but row-level security does not let this "
                          "role update it."
                        : "No such row exists, or row-level security hides it.");
    }
    SPITupleTable* row = SPI_tuptable;
    if (etag != nullptr) {
      const char* current = pg_call<char*>([&] { return SPI_getvalue(row->vals[0], row->tupdesc, 1); });
      if (current == nullptr || std::strcmp(current, etag) != 0)
        throw Error(sqlstate::kEtagMismatch,
                    std::string(kFunction) + ": etag mismatch for the " + row_description(set, a),
                    std::string("If-Match is \"") + excerpt(etag) + "\" but the row's etag is " +
                        (current == nullptr ? std::string("NULL") : "\"" + excerpt(current) + "\"") + ".",
                    "Another write changed the row: read it again and retry with its current "
                    "etag (HTTP 412 Precondition Failed).");
    }
    bool is_null;
    bool unchanged = pg_call<bool>([&] {
      return DatumGetBool(heap_getattr(row->vals[0], kUnchangedColumn, row->tupdesc, &is_null));
    });
    if (!is_null && unchanged) {
      // The patch changes nothing: nothing is written, the row (locked now,
      // as an UPDATE would leave it) is returned as it is.
      out->put_spi_row(row, 0, kResultColumns);
      spi_finish();
      return;
    }
    // The row is there, matches, and the patch would change it, yet the
    // UPDATE did not write it.  Under READ COMMITTED it may have been
    // committed after the UPDATE took its snapshot: with the row locked, the
    // UPDATE sees it now.
    if (attempt > 0 || IsolationUsesXactSnapshot())
      not_found(set, a,
                "A row with this key exists, but the update did not reach it: a BEFORE UPDATE "
                "trigger of the table skipped it (returned NULL).");
    if (spi_execute(use.plan(kUpdatePlan), values, nulls) > 0) {
      out->put_spi_row(SPI_tuptable, 0, kResultColumns);
      spi_finish();
      return;
    }
  }
}

}  // namespace docpatch::rows

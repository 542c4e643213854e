// etag_guarded_update: see guarded_update.hpp and
// docs/functions/etag_guarded_update.md.
//
// The statement (one per table, columns, kind and variant, kept in the plan
// cache):
//
//   UPDATE "s"."t" AS t SET "doc" = <kind>(t."doc", $3)
//   WHERE t."id" OPERATOR(<schema>.=) CAST($1 AS <key type>)
//     [AND t."etag" OPERATOR(pg_catalog.=) $2]          -- If-Match given
//   RETURNING t."etag", t."created_at", t."updated_at", t."doc"
//
// The new document is computed once, in SET, against the row the UPDATE
// locked: under READ COMMITTED a concurrent update makes the executor wait,
// re-fetch the newest version and re-check the WHERE clause (the etag too)
// before computing SET again from that version (EvalPlanQual).  A patch that
// changes nothing is skipped by the stamp trigger (RowScope), so nothing is
// written.  Only when the UPDATE returned no row does a second, read-only
// statement look at the row, to tell "not found" (DP010) from "etag
// mismatch" (DP011) from "no change" (the current state is returned).
#include "rows/guarded_update.hpp"

#include <cstring>

#include "rows/plan_cache.hpp"
#include "rows/stamp.hpp"
#include "rows/table_shape.hpp"

namespace docpatch::rows {
namespace {

constexpr int kUnconditional = 0;
constexpr int kIfMatch = 1;
constexpr int kUpdatePlan = 0;
constexpr int kLookupPlan = 1;
constexpr const char* kFunction = "etag_guarded_update";

void build_plans(PlanEntry* entry, const GuardedUpdateArgs& a, Oid nsp, int variant) {
  TableShape s =
      inspect_table(a.relid, a.key_column, a.doc_column, kFunction, stamp_function_oid(nsp));
  std::memcpy(entry->relname, s.relname, NAMEDATALEN);
  PgString ext = quoted_namespace(nsp);
  PgString doc_ref = "t." + s.doc;

  PgString where = " WHERE t." + s.key + " " + s.key_eq + " CAST($1 AS " + s.key_type + ")";
  PgString returning = " t." + s.etag + ", t." + s.created_at + ", t." + s.updated_at + ", t." + s.doc;

  PgString update = "UPDATE " + s.qualified + " AS t SET " + s.doc + " = " +
                    kind_apply_sql(a.kind, ext, doc_ref.c_str(), "$3") + where;
  if (variant == kIfMatch) update += " AND t." + s.etag + " OPERATOR(pg_catalog.=) $2";
  update += " RETURNING" + returning;
  Oid types[3] = {TEXTOID, TEXTOID, JSONBOID};
  prepare_plan(entry, kUpdatePlan, update.c_str(), 3, types);

  PgString lookup = "SELECT" + returning + " FROM " + s.qualified + " AS t" + where;
  prepare_plan(entry, kLookupPlan, lookup.c_str(), 1, types);
}

std::string row_description(const PlanEntry* e, const GuardedUpdateArgs& a) {
  return std::string("row with ") + a.key_column + " = '" + excerpt(a.id) +
         "' in relation \"" + e->relname + "\"";
}

[[noreturn]] void not_found(const PlanEntry* e, const GuardedUpdateArgs& a, bool visible) {
  throw Error(sqlstate::kRowNotFound,
              std::string(kFunction) + ": no " + row_description(e, a),
              visible ? "A row with this key is visible but the update did not reach it: "
                        "row-level security or a BEFORE UPDATE trigger skipped it."
                      : "No such row exists, or row-level security hides it.");
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
  PlanEntry* entry =
      cached_plans(key, [&](PlanEntry* e) { build_plans(e, a, nsp, variant); });
  PlanUse use(entry);

  Datum values[3];
  char nulls[3] = {' ', etag != nullptr ? ' ' : 'n', ' '};
  pg_guard([&] {
    values[0] = CStringGetTextDatum(a.id);
    values[1] = etag != nullptr ? CStringGetTextDatum(etag) : (Datum)0;
  });
  values[2] = a.patch;

  for (int attempt = 0;; ++attempt) {
    uint64 updated;
    uint64 suppressed;
    {
      RowScope scope(relid, RowScope::kSkipNoopUpdates);
      updated = spi_execute(entry->plans[kUpdatePlan], values, nulls);
      suppressed = scope.suppressed();
    }
    if (updated > 0) {
      out->put_spi_row(SPI_tuptable, 0, 4);
      spi_finish();
      return;
    }
    // Nothing updated: look again (read-only).
    uint64 found = spi_execute(entry->plans[kLookupPlan], values, nulls);
    if (found == 0) not_found(entry, a, false);
    if (suppressed > 0) {
      // The patch changed nothing; the row is locked by the UPDATE, so this
      // is the state it left.
      out->put_spi_row(SPI_tuptable, 0, 4);
      spi_finish();
      return;
    }
    if (etag != nullptr) {
      const char* current = pg_call<char*>(
          [&] { return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1); });
      if (current == nullptr || std::strcmp(current, etag) != 0)
        throw Error(sqlstate::kEtagMismatch,
                    std::string(kFunction) + ": etag mismatch for the " +
                        row_description(entry, a),
                    std::string("If-Match is \"") + excerpt(etag) + "\" but the row's etag is " +
                        (current == nullptr ? std::string("NULL") : "\"" + std::string(current) + "\"") +
                        ".",
                    "Another write changed the row: read it again and retry with its current "
                    "etag (HTTP 412 Precondition Failed).");
    }
    // The row is there and matches, yet the UPDATE did not see it: under READ
    // COMMITTED it may have been committed after the UPDATE took its
    // snapshot, so try once more with a fresh one.
    if (attempt == 0 && !IsolationUsesXactSnapshot()) continue;
    not_found(entry, a, true);
  }
}

}  // namespace docpatch::rows

// etag_guarded_update: see guarded_update.hpp and
// docs/functions/etag_guarded_update.md.
//
// Two statements (kept in the plan cache, one set per table and columns):
//
//   SELECT t."etag", t."created_at", t."updated_at", t."doc"
//   FROM ONLY "s"."t" AS t
//   WHERE t."id" COLLATE <index collation> OPERATOR(<schema>.=) $1
//   FOR NO KEY UPDATE OF t
//
//   UPDATE ONLY "s"."t" AS t SET "doc" = $2
//   WHERE t."id" COLLATE <index collation> OPERATOR(<schema>.=) $1
//   RETURNING t."etag", t."created_at", t."updated_at", t."doc"
//
// (without ONLY for a partitioned table).  $1 is the key, converted from
// the id as an INSERT would store it (keys.hpp).
//
// The SELECT locks the row as an UPDATE would (FOR NO KEY UPDATE, which also
// applies row-level security's UPDATE policies): under READ COMMITTED a
// concurrent update makes it wait and lock the newest version, under
// REPEATABLE READ it is a serialization failure (40001).  Under READ
// COMMITTED a lock that finds no row looks once more with a new snapshot:
// the row it waited for may have been deleted and its key inserted again by
// the same transaction.  With the row
// locked, the function decides in C, in this order: no row is DP010; an
// If-Match other than the row's etag, compared byte for byte whatever the
// column's collation, is DP011; then the patch is applied to the locked
// document, once, by the engine of the kind's SQL function (fold.hpp, one
// document); a result with the same bytes as the stored document (not
// merely an equal jsonb) is a no-op: nothing is written, no trigger fires,
// the locked row is returned as it is and stays locked until the
// transaction ends.  Otherwise the UPDATE writes the new document: nothing
// can change the locked row in between, so an UPDATE that reaches no row
// was skipped by a BEFORE trigger (DP010), and one whose RETURNING shows the
// etag the row had was not stamped (55000): it is refused, and the error
// rolls the write back.
#include "rows/guarded_update.hpp"

#include <cstring>

#include "jsonb/reader.hpp"
#include "rows/fold.hpp"
#include "rows/keys.hpp"
#include "rows/plan_cache.hpp"
#include "rows/table_shape.hpp"

namespace docpatch::rows {
namespace {

// The statements depend on neither the kind nor If-Match: one set per table
// and columns.
constexpr int kAnyKind = 0;
constexpr int kAnyVariant = 0;
constexpr int kLockPlan = 0;     // the row, locked
constexpr int kUpdatePlan = 1;   // the write of the new document
constexpr int kExistsPlan = 2;   // is the row there at all (for RLS's sake)?
// Both the lock and the update return etag, created_at, updated_at, doc.
constexpr int kResultColumns = 4;
constexpr int kEtagColumn = 1;
constexpr int kDocColumn = 4;
constexpr const char* kFunction = "etag_guarded_update";

void build_plans(PlanSet* set, const GuardedUpdateArgs& a, Oid nsp) {
  TableShape s =
      inspect_table(a.relid, a.key_column, a.doc_column, kFunction, stamp_function_oid(nsp));
  keep_shape(s, set);
  PgString where = " WHERE t." + s.key + s.key_collate + " " + s.key_eq + " $1";
  PgString returning = " t." + s.etag + ", t." + s.created_at + ", t." + s.updated_at + ", t." + s.doc;
  Oid types[2] = {s.key_type, JSONBOID};

  PgString lock = "SELECT" + returning + " FROM " + s.update_target + " AS t" + where +
                  " FOR NO KEY UPDATE OF t";
  prepare_plan(set, kLockPlan, lock.c_str(), 1, types);

  PgString update =
      "UPDATE " + s.update_target + " AS t SET " + s.doc + " = $2" + where + " RETURNING" + returning;
  prepare_plan(set, kUpdatePlan, update.c_str(), 2, types);

  PgString exists = "SELECT FROM " + s.update_target + " AS t" + where;
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

// The etag of row 0 of an SPI result (nullptr for NULL).
const char* result_etag(SPITupleTable* table) {
  return pg_call<char*>([&] { return SPI_getvalue(table->vals[0], table->tupdesc, kEtagColumn); });
}

// The stored document of the locked row, detoasted (nullptr for NULL);
// *copied tells whether it is a copy made here (rather than the bytes in
// the row).
Jsonb* locked_document(SPITupleTable* row, bool* copied) {
  return pg_call<Jsonb*>([&]() -> Jsonb* {
    bool is_null;
    Datum d = heap_getattr(row->vals[0], kDocColumn, row->tupdesc, &is_null);
    Jsonb* doc = is_null ? nullptr : DatumGetJsonbP(d);
    *copied = doc != nullptr && PointerGetDatum(doc) != d;
    return doc;
  });
}

// The kind applied to the stored document, once, by the engine of its SQL
// function: fold_documents of the one patch, with that function's errors.
// Returns `stored` itself when the patch left it untouched.
Jsonb* patched_document(const GuardedUpdateArgs& a, Jsonb* stored) {
  auto* patch = reinterpret_cast<Jsonb*>(DatumGetPointer(a.patch));
  jsonb::Value doc = jsonb::root_value(patch);
  return fold_documents(stored, a.kind, &doc, 1, CurrentMemoryContext, patch);
}

// The same bytes, as record_image_eq compares them (not merely an equal
// jsonb: 12 and 12.00 differ).
bool same_bytes(Jsonb* stored, Jsonb* patched) {
  if (stored == patched) return true;
  if (stored == nullptr) return false;
  return pg_call<bool>([&] {
    return datum_image_eq(PointerGetDatum(stored), PointerGetDatum(patched), false, -1);
  });
}

[[noreturn]] void etag_mismatch(const PlanSet& set, const GuardedUpdateArgs& a, const char* etag,
                                const char* current) {
  throw Error(sqlstate::kEtagMismatch,
              std::string(kFunction) + ": etag mismatch for the " + row_description(set, a),
              std::string("If-Match is \"") + excerpt(etag) + "\" but the row's etag is " +
                  (current == nullptr ? std::string("NULL") : "\"" + excerpt(current) + "\"") + ".",
              "Another write changed the row: read it again and retry with its current "
              "etag (HTTP 412 Precondition Failed).");
}

// The outcome check: a write must draw a new etag.  One that kept the etag
// it replaced (or has none) was not stamped, however the stamp trigger was
// kept from firing: a stale If-Match would match it again.
void require_new_etag(const PlanSet& set, Oid relid, const char* before, const char* after) {
  if (after != nullptr && (before == nullptr || std::strcmp(before, after) != 0)) return;
  throw Error(sqlstate::kNotInPrerequisiteState,
              std::string(kFunction) + ": the docpatch_stamp trigger of relation " +
                  quoted(set.relname) + " did not stamp the updated row",
              std::string("The write kept the etag ") +
                  (after == nullptr ? std::string("NULL") : "\"" + excerpt(after) + "\"") +
                  ": every write must draw a new one, or a stale If-Match would match again.",
              "Call SELECT docpatch_enable(" + regclass_literal(relid) +
                  ") to repair the stamp trigger.");
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
  Oid relid = a.relid;
  // Lock first: pending invalidations of the table are processed now, so the
  // plan cache sees ALTERs committed by others before we look it up.
  pg_guard([&] { LockRelationOid(relid, RowExclusiveLock); });

  spi_connect();
  PlanKey key = make_plan_key(relid, nsp, Statement::GuardedUpdate, kAnyKind, kAnyVariant,
                              a.key_column, a.doc_column);
  PlanUse use;
  cached_plans(key, &use, [&](PlanSet* set) { build_plans(set, a, nsp); });
  const PlanSet& set = use.set();
  check_stamp_fires(kFunction, set);

  KeyConverter converter(set);
  Datum values[2];
  values[0] = converter.convert(a.id);
  const char nulls[2] = {' ', ' '};

  uint64 locked = spi_execute(use.plan(kLockPlan), values, nulls);
  // Under READ COMMITTED the lock waited for a transaction that deleted the
  // version its snapshot saw may also have inserted the key again: a second
  // look, with a snapshot taken now, finds that row (as the 1.1 statement's
  // second UPDATE did), so the call answers for the row the key names now.
  if (locked == 0 && !IsolationUsesXactSnapshot())
    locked = spi_execute(use.plan(kLockPlan), values, nulls);
  if (locked == 0) {
    // Not there, or row-level security hides it from an UPDATE.
    bool visible = spi_execute(use.plan(kExistsPlan), values, nulls) > 0;
    not_found(set, a,
              visible ? "A row with this key is visible, but row-level security does not let this "
                        "role update it."
                      : "No such row exists, or row-level security hides it.");
  }
  SPITupleTable* row = SPI_tuptable;
  const char* current = result_etag(row);
  // Byte for byte, whatever the etag column's collation.
  if (etag != nullptr && (current == nullptr || std::strcmp(current, etag) != 0))
    etag_mismatch(set, a, etag, current);

  bool copied;
  Jsonb* stored = locked_document(row, &copied);
  Jsonb* patched = patched_document(a, stored);
  if (same_bytes(stored, patched)) {
    // The patch changes nothing: nothing is written, the row (locked, as an
    // UPDATE would leave it) is returned as it is.
    out->put_spi_row(row, 0, kResultColumns);
    spi_finish();
    return;
  }
  // The decompressed old document is not needed any more: a large one
  // would otherwise sit next to the new row while the UPDATE writes it.
  if (copied) pg_guard([&] { pfree(stored); });
  values[1] = PointerGetDatum(patched);
  if (spi_execute(use.plan(kUpdatePlan), values, nulls) == 0)
    not_found(set, a,
              "A row with this key exists, but the update did not reach it: a BEFORE UPDATE "
              "trigger of the table skipped it (returned NULL).");
  require_new_etag(set, relid, current, result_etag(SPI_tuptable));
  out->put_spi_row(SPI_tuptable, 0, kResultColumns);
  spi_finish();
}

}  // namespace docpatch::rows

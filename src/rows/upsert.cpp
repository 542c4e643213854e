// upsert_with_creation_ts: see upsert.hpp and
// docs/functions/upsert_with_creation_ts.md.
//
// The statements (kept per table, columns and mode), with U the table as an
// UPDATE names it (ONLY "s"."t", or "s"."t" when partitioned) and K the
// key test t."id" COLLATE <index collation> OPERATOR(<schema>.=) $1:
//
//   lock:    SELECT t."etag" FROM U AS t WHERE K FOR NO KEY UPDATE OF t
//   update:  UPDATE U AS t SET "doc" = <mode>(t."doc", $2) WHERE K
//            RETURNING t."etag", t."created_at", t."updated_at", t."doc"
//   fold:    the same with SET "doc" = docpatch_fold(t."doc", '<mode>', $2)
//   insert:  INSERT INTO "s"."t" AS t ("id", "doc") VALUES ($1, $2)
//            ON CONFLICT (<the key's unique index>) DO NOTHING RETURNING ...
//   upsert:  INSERT ... VALUES ($1, $2) ON CONFLICT (...)
//            DO UPDATE SET "doc" = docpatch_fold(t."doc", '<mode>', $3)
//            RETURNING ...
//
// $1 is the key, converted from the id by the key type's input function with
// the column's type modifier (keys.hpp).  One key's write:
//
//  1. lock the row.  Found: update it (the row is locked, so the UPDATE
//     reaches it unless a BEFORE trigger skips it: DP010) and compare the
//     etag the UPDATE returned with the one the lock read, byte for byte: the
//     same etag is a broken stamp (55000; the error undoes the write).
//     `inserted` is false.  The document is computed from the row the
//     UPDATE locked, never from a copy read earlier, so concurrent upserts
//     of different fields into one id both land.
//  2. Not found: insert the new row's document (the documents applied to
//     {}, fold.hpp, computed only now) with ON CONFLICT DO NOTHING.  A
//     returned row is the row this call created: `inserted` is true.
//  3. Nothing inserted: the key conflicted with a row the lock did not see.
//     Under READ COMMITTED it was committed after the lock's snapshot: lock
//     again and update it as in 1.
//  4. Still nothing to lock (the row is hidden by row-level security, was
//     deleted again meanwhile, or a BEFORE INSERT trigger skipped the
//     insert): the single INSERT ... ON CONFLICT DO UPDATE statement decides,
//     as PostgreSQL does (42501 for a hidden row; no row for a skipped write:
//     DP010).  Only this last resort reads `inserted` from the etag's mark
//     (etag.hpp), which holds on partitioned tables and on Citus too.
//
// So an existing row is written by an UPDATE, which checks only the row it
// leaves (CHECK constraints, NOT NULL columns the upsert does not set), not
// a proposed new row as INSERT ... ON CONFLICT does.  A new row is still
// checked as an INSERT checks it, and there the race stays: a proposed row
// that violates a constraint fails (23514, 23502) before PostgreSQL looks for
// a conflict, also when another transaction is inserting the same key at
// that moment (documented; a retry updates the row).
//
// The statements reference nothing but their parameters, the target row and
// IMMUTABLE functions, which is all Citus allows in DO UPDATE SET on a
// distributed table, and each touches the key's one shard.
//
// The batch form groups its items by key (the unique index's comparison and
// collation), then writes one key after the other, in key order (two
// batches that share ids lock them in the same order), and returns one row
// per key in the order of its first item.
//
// Mode 'ops': a patch may apply to the existing row but not to {}.  The new
// row's document is then {} (the row may exist, and then the insert does
// nothing); when the row was in fact inserted, the patch's error is raised,
// which undoes the insert with the whole call.
#include "rows/upsert.hpp"

#include <cstring>
#include <optional>

#include "boundary/interruptible_sort.hpp"
#include "fmgr/jsonb_result.hpp"
#include "jsonb/reader.hpp"
#include "jsonb/writer.hpp"
#include "rows/etag.hpp"
#include "rows/fold.hpp"
#include "rows/keys.hpp"
#include "rows/plan_cache.hpp"
#include "rows/table_shape.hpp"

namespace docpatch::rows {
namespace {

constexpr const char* kFunction = "upsert_with_creation_ts";
constexpr int kLockPlan = 0;     // the existing row, locked: its etag
constexpr int kApplyPlan = 1;    // UPDATE applying one document
constexpr int kFoldPlan = 2;     // UPDATE folding an array of documents
constexpr int kInsertPlan = 3;   // INSERT ... ON CONFLICT DO NOTHING
constexpr int kUpsertPlan = 4;   // INSERT ... ON CONFLICT DO UPDATE folding: the last resort
static_assert(kUpsertPlan < kMaxPlans, "the plan cache keeps every statement");
constexpr int kResultColumns = 4;

void build_plans(PlanSet* set, const UpsertArgs& a, Oid nsp) {
  TableShape s = inspect_table(a.relid, a.key_column, a.doc_column, kFunction, stamp_function_oid(nsp));
  keep_shape(s, set);
  PgString ext = quoted_namespace(nsp);
  PgString doc_ref = "t." + s.doc;
  PgString where = " WHERE t." + s.key + s.key_collate + " " + s.key_eq + " $1";
  PgString returning = " RETURNING t." + s.etag + ", t." + s.created_at + ", t." + s.updated_at +
                       ", t." + s.doc;
  PgString fold = ext + ".docpatch_fold(" + doc_ref + ", " + quote_literal(kind_name(a.mode)) + ", ";
  Oid types[3] = {s.key_type, JSONBOID, JSONBOID};

  PgString lock = "SELECT t." + s.etag + " FROM " + s.update_target + " AS t" + where +
                  " FOR NO KEY UPDATE OF t";
  prepare_plan(set, kLockPlan, lock.c_str(), 1, types);

  PgString update = "UPDATE " + s.update_target + " AS t SET " + s.doc + " = ";
  PgString apply = update + kind_apply_sql(a.mode, ext, doc_ref.c_str(), "$2") + where + returning;
  prepare_plan(set, kApplyPlan, apply.c_str(), 2, types);
  PgString fold_update = update + fold + "$2)" + where + returning;
  prepare_plan(set, kFoldPlan, fold_update.c_str(), 2, types);

  PgString insert = "INSERT INTO " + s.qualified + " AS t (" + s.key + ", " + s.doc +
                    ") VALUES ($1, $2) ON CONFLICT " + s.conflict;
  PgString insert_new = insert + " DO NOTHING" + returning;
  prepare_plan(set, kInsertPlan, insert_new.c_str(), 2, types);
  PgString upsert = insert + " DO UPDATE SET " + s.doc + " = " + fold + "$3)" + returning;
  prepare_plan(set, kUpsertPlan, upsert.c_str(), 3, types);
}

// A jsonb datum holding v (copied when it is not a whole datum already).
Datum jsonb_datum(const jsonb::Value& v, const Jsonb* whole) {
  if (whole != nullptr) return PointerGetDatum(whole);
  return PointerGetDatum(jsonb::serialize(v, CurrentMemoryContext, v.is_raw_container() ? v.len + 8 : 64));
}

// The jsonb array of n documents.
Datum jsonb_array_of(const jsonb::Value* docs, size_t n) {
  auto* node = jsonb::make_node<jsonb::ArrayNode>();
  size_t size = 16;
  for (size_t i = 0; i < n; ++i) {
    node->elems.push_back(docs[i]);
    size += docs[i].len + 8;
  }
  return PointerGetDatum(jsonb::serialize(jsonb::Value::of(node), CurrentMemoryContext, size));
}

// Runs one key's write in a memory context of its own, emptied afterwards:
// a batch holds one key's documents at a time, not all of them.  The
// context is SPI's child, gone with the connection.
class KeyMemory {
 public:
  KeyMemory()
      : context_(pg_call<MemoryContext>([] {
          return AllocSetContextCreateInternal(CurrentMemoryContext, "docpatch upsert key",
                                               ALLOCSET_DEFAULT_SIZES);
        })) {}
  template <typename F>
  auto run(F&& write) {
    MemoryContext caller = MemoryContextSwitchTo(context_);
    try {
      auto result = write();
      MemoryContextSwitchTo(caller);
      MemoryContextReset(context_);
      return result;
    } catch (...) {
      MemoryContextSwitchTo(caller);
      throw;
    }
  }

 private:
  MemoryContext context_;
};

// One key's write, kept until the rows are returned.
struct Written {
  size_t first_item;
  bool inserted;
  HeapTuple tuple;
};

// An etag as a row held it: its bytes, or SQL NULL.
struct EtagBytes {
  bool is_null = true;
  PgString bytes;
  bool operator==(const EtagBytes& o) const { return is_null == o.is_null && bytes == o.bytes; }
};

// The new row's document: the documents applied to {}; in mode 'ops' {}
// when the patch does not apply to {} (the row may exist), with the patch's
// error, raised if the row is in fact inserted.
struct Proposal {
  Jsonb* doc;
  std::optional<Error> error;
};

Proposal propose(Kind mode, const jsonb::Value* docs, size_t n, const Jsonb* whole) {
  try {
    return {fold_documents(nullptr, mode, docs, n, CurrentMemoryContext, whole), std::nullopt};
  } catch (const Error& e) {
    if (mode != Kind::Ops || !depends_on_target(e)) throw;
    return {fold_documents(nullptr, Kind::Merge, nullptr, 0, CurrentMemoryContext, nullptr), e};
  }
}

// The etag in the first column of the first row of SPI's last result.
EtagBytes first_etag() {
  const char* bytes = nullptr;
  size_t len = 0;
  pg_guard([&] {
    bool is_null;
    Datum etag = heap_getattr(SPI_tuptable->vals[0], 1, SPI_tuptable->tupdesc, &is_null);
    if (is_null) return;
    const text* t = DatumGetTextPP(etag);
    bytes = VARDATA_ANY(t);
    len = VARSIZE_ANY_EXHDR(t);
  });
  EtagBytes e;
  if (bytes != nullptr) {
    e.is_null = false;
    e.bytes.assign(bytes, len);
  }
  return e;
}

constexpr char kNoNulls[3] = {' ', ' ', ' '};

class Upsert {
 public:
  Upsert(const UpsertArgs& a, const PlanUse& use, MemoryContext results)
      : a_(a), use_(use), results_(results) {}

  // Writes one key: its documents docs[0 .. n), the first of them held by
  // the datum `whole` when not nullptr.
  Written write(Datum key, const char* id, const jsonb::Value* docs, size_t n, const Jsonb* whole,
                size_t first_item) {
    Datum patch = n == 1 ? jsonb_datum(docs[0], whole) : jsonb_array_of(docs, n);
    EtagBytes replaced;
    if (lock(key, &replaced)) return update(key, id, patch, n, replaced, first_item);

    Proposal proposal = propose(a_.mode, docs, n, whole);
    Datum values[3] = {key, PointerGetDatum(proposal.doc), (Datum)0};
    if (execute(kInsertPlan, values) > 0) {
      // The stamp trigger marks the etag it draws for an INSERT: a new row
      // without that mark was not stamped (a partition's trigger disabled
      // after the plans were verified).
      EtagBytes etag = first_etag();
      if (etag.is_null || !etag_drawn_by_insert(etag.bytes.data(), etag.bytes.size()))
        unstamped(id, "insert of the", "did not draw an etag");
      return created(first_item, true, proposal);
    }

    // Nothing inserted: the key is taken by a row the lock did not see
    // (under READ COMMITTED one committed after the lock's snapshot, visible
    // now), or a BEFORE INSERT trigger skipped the insert.
    if (lock(key, &replaced)) return update(key, id, patch, n, replaced, first_item);

    // A row hidden by row-level security, one deleted again meanwhile, or a
    // BEFORE INSERT trigger that skipped the insert: the one statement
    // decides, as PostgreSQL does.
    values[2] = n == 1 ? jsonb_array_of(docs, n) : patch;
    if (execute(kUpsertPlan, values) == 0) not_written(id);
    EtagBytes etag = first_etag();
    bool inserted = !etag.is_null && etag_drawn_by_insert(etag.bytes.data(), etag.bytes.size());
    return created(first_item, inserted, proposal);
  }

  TupleDesc result_desc() const { return result_desc_; }

 private:
  // Runs a statement; SPI's result is kept for the caller only when it has a
  // row (a batch runs several statements per key inside one connection).
  uint64 execute(int plan, Datum* values) {
    uint64 rows = spi_execute(use_.plan(plan), values, kNoNulls);
    if (rows == 0) pg_guard([] { SPI_freetuptable(SPI_tuptable); });
    return rows;
  }

  // Locks the key's row; false when there is none (to this role).
  bool lock(Datum key, EtagBytes* etag) {
    Datum values[1] = {key};
    if (execute(kLockPlan, values) == 0) return false;
    *etag = first_etag();
    pg_guard([] { SPI_freetuptable(SPI_tuptable); });
    return true;
  }

  // Updates the locked row whose etag was `replaced`.
  Written update(Datum key, const char* id, Datum patch, size_t n, const EtagBytes& replaced,
                 size_t first_item) {
    Datum values[2] = {key, patch};
    if (execute(n == 1 ? kApplyPlan : kFoldPlan, values) == 0) not_written(id);
    if (first_etag() == replaced) unstamped(id, "update of the", "kept the etag it replaced");
    return kept(first_item, false);
  }

  // 55000: the write's own RETURNING shows the stamp trigger did not draw
  // its etag; the error undoes the write.
  [[noreturn]] void unstamped(const char* id, const char* write, const char* what) const {
    throw Error(sqlstate::kNotInPrerequisiteState,
                std::string(kFunction) + ": the " + write + " " + row_description(id) + " " + what,
                "The docpatch_stamp trigger did not draw a new etag for this write (it did not "
                "fire, or something after it put the old etag back); nothing was written.",
                "Repair the stamp trigger with SELECT docpatch_enable(" + regclass_literal(a_.relid) +
                    ").");
  }

  Written created(size_t first_item, bool inserted, const Proposal& proposal) {
    Written w = kept(first_item, inserted);
    if (inserted && proposal.error) throw *proposal.error;
    return w;
  }

  // Keeps the row SPI's last statement returned for the result.
  Written kept(size_t first_item, bool inserted) {
    Written w{first_item, inserted, nullptr};
    pg_guard([&] {
      MemoryContext old = MemoryContextSwitchTo(results_);
      if (result_desc_ == nullptr) result_desc_ = CreateTupleDescCopy(SPI_tuptable->tupdesc);
      w.tuple = heap_copytuple(SPI_tuptable->vals[0]);
      MemoryContextSwitchTo(old);
      SPI_freetuptable(SPI_tuptable);
    });
    return w;
  }

  std::string row_description(const char* id) const {
    return std::string("row with ") + a_.key_column + " = '" + excerpt(id) + "' in relation " +
           quoted(use_.set().relname);
  }

  [[noreturn]] void not_written(const char* id) const {
    throw Error(sqlstate::kRowNotFound,
                std::string(kFunction) + ": the " + row_description(id) + " was not written",
                "A BEFORE trigger of the table skipped the write (it returned NULL): nothing was "
                "inserted or updated.");
  }

  const UpsertArgs& a_;
  const PlanUse& use_;
  MemoryContext results_;
  TupleDesc result_desc_ = nullptr;
};

}  // namespace

void upsert(FunctionCallInfo fcinfo, const UpsertArgs& a, ResultSink* out) {
  Oid nsp = extension_namespace(fcinfo);
  Oid relid = a.relid;
  const Jsonb* doc = reinterpret_cast<const Jsonb*>(DatumGetPointer(a.doc));
  PgVector<BatchItem> items;
  if (a.batch) {
    items = read_batch_items(doc);
    if (items.empty()) return;
  }
  // Lock first: pending invalidations of the table are processed now, so the
  // plan cache sees ALTERs committed by others before we look it up.
  pg_guard([&] { LockRelationOid(relid, RowExclusiveLock); });
  MemoryContext results = CurrentMemoryContext;  // outlives the SPI connection

  spi_connect();
  PlanKey key = make_plan_key(relid, nsp, Statement::Upsert, static_cast<int>(a.mode), 0,
                              a.key_column, a.doc_column);
  PlanUse use;
  cached_plans(key, &use, [&](PlanSet* set) { build_plans(set, a, nsp); });
  check_stamp_fires(kFunction, use.set());

  Upsert upsert(a, use, results);
  PgVector<Written> written{PgAllocator<Written>(results)};
  if (!a.batch) {
    KeyConverter converter(use.set());
    Datum k = converter.convert(a.id);
    jsonb::Value d = jsonb::root_value(doc);
    written.push_back(upsert.write(k, a.id, &d, 1, doc, 0));
  } else {
    BatchGroups groups(items, use.set());
    KeyMemory memory;
    written.reserve(groups.size());
    for (size_t g = 0; g < groups.size(); ++g) {
      check_for_interrupts();
      written.push_back(memory.run([&] {
        return upsert.write(groups.key(g), groups.id(g), groups.docs(g), groups.count(g), nullptr,
                            groups.first_item(g));
      }));
    }
    sort_checking_interrupts(written.begin(), written.end(), [](const Written& x, const Written& y) {
      return x.first_item < y.first_item;
    });
  }
  spi_finish();
  for (size_t i = 0; i < written.size(); ++i) {
    if ((i & 0xFF) == 0) check_for_interrupts();
    out->put_tuple(written[i].tuple, upsert.result_desc(), kResultColumns, &written[i].inserted);
  }
}

}  // namespace docpatch::rows

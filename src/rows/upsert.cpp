// upsert_with_creation_ts: see upsert.hpp and
// docs/functions/upsert_with_creation_ts.md.
//
// One statement per id (kept per table, columns and mode):
//
//   INSERT INTO "s"."t" AS t ("id", "doc") VALUES ($1, $2)
//   ON CONFLICT ("id" COLLATE <index collation> <index opclass>)
//   DO UPDATE SET "doc" = <mode>(t."doc", $3)
//   RETURNING t."etag", t."created_at", t."updated_at", t."doc"
//
// $1 is the key, converted from the id by the key type's input function with
// the column's type modifier (keys.hpp); $2 the document a new row gets:
// the documents applied to {} (fold.hpp), computed here; $3 what DO UPDATE
// applies to the row ON CONFLICT locked -- never to a copy read earlier, so
// concurrent upserts of different fields into one id both land.  A second
// statement, for the ids of a batch that have several items, has
// DO UPDATE SET "doc" = docpatch_fold(t."doc", '<mode>', $3) with $3 the
// array of their documents in item order.  Both reference nothing but their
// parameters, the target row and IMMUTABLE functions, which is all Citus
// allows in DO UPDATE SET on a distributed table.
//
// The batch form groups its items by key (the unique index's comparison and
// collation), then runs the statement once per key, in key order (two
// batches that share ids lock them in the same order), and returns one row
// per key in the order of its first item.
//
// `inserted` comes from the statement itself: RETURNING shows the row as
// this statement's write left it, and the etag the stamp trigger drew for
// that write says whether it was an INSERT or an UPDATE (etag.hpp).  That
// holds on partitioned tables (whose RETURNING cannot read xmax), on Citus
// (where the trigger fires in a worker), for rows written earlier in the
// transaction, and whatever other triggers do.
//
// Mode 'ops': a patch may apply to the existing row but not to {}.  The new
// row's document is then {} (the row may exist, and then it is discarded);
// when the row was in fact inserted, the patch's error is raised, which
// undoes the insert with the whole call.
#include "rows/upsert.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

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
constexpr int kApplyPlan = 0;  // DO UPDATE applies one document
constexpr int kFoldPlan = 1;   // DO UPDATE folds an array of documents
constexpr int kResultColumns = 4;

void build_plans(PlanSet* set, const UpsertArgs& a, Oid nsp) {
  TableShape s = inspect_table(a.relid, a.key_column, a.doc_column, kFunction, stamp_function_oid(nsp));
  keep_shape(s, set);
  PgString ext = quoted_namespace(nsp);
  PgString doc_ref = "t." + s.doc;
  PgString insert = "INSERT INTO " + s.qualified + " AS t (" + s.key + ", " + s.doc +
                    ") VALUES ($1, $2) ON CONFLICT " + s.conflict + " DO UPDATE SET " + s.doc + " = ";
  PgString returning = " RETURNING t." + s.etag + ", t." + s.created_at + ", t." + s.updated_at +
                       ", t." + s.doc;
  Oid types[3] = {s.key_type, JSONBOID, JSONBOID};
  PgString apply = insert + kind_apply_sql(a.mode, ext, doc_ref.c_str(), "$3") + returning;
  prepare_plan(set, kApplyPlan, apply.c_str(), 3, types);
  PgString fold = insert + ext + ".docpatch_fold(" + doc_ref + ", " + quote_literal(kind_name(a.mode)) +
                  ", $3)" + returning;
  prepare_plan(set, kFoldPlan, fold.c_str(), 3, types);
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

class Upsert {
 public:
  Upsert(const UpsertArgs& a, const PlanUse& use, MemoryContext results)
      : a_(a), use_(use), results_(results) {}

  // Writes one key: its documents docs[0 .. n), the first of them held by
  // the datum `whole` when not nullptr.
  Written write(Datum key, const char* id, const jsonb::Value* docs, size_t n, const Jsonb* whole,
                size_t first_item) {
    // The new row's document; in mode 'ops' {} when the patch does not
    // apply to {} (the row may exist).
    std::optional<Error> proposal_error;
    Jsonb* proposal;
    try {
      proposal = fold_documents(nullptr, a_.mode, docs, n, CurrentMemoryContext, whole);
    } catch (const Error& e) {
      if (a_.mode != Kind::Ops || !depends_on_target(e)) throw;
      proposal_error = e;
      proposal = fold_documents(nullptr, Kind::Merge, nullptr, 0, CurrentMemoryContext, nullptr);
    }
    Datum values[3] = {key, PointerGetDatum(proposal),
                       n == 1 ? jsonb_datum(docs[0], whole) : jsonb_array_of(docs, n)};
    const char nulls[3] = {' ', ' ', ' '};
    uint64 rows = spi_execute(use_.plan(n == 1 ? kApplyPlan : kFoldPlan), values, nulls);
    if (rows == 0)
      throw Error(sqlstate::kRowNotFound,
                  std::string(kFunction) + ": the row with " + a_.key_column + " = '" + excerpt(id) +
                      "' in relation " + quoted(use_.set().relname) + " was not written",
                  "A BEFORE trigger of the table skipped the write (it returned NULL): nothing was "
                  "inserted or updated.");
    Written w;
    w.first_item = first_item;
    pg_guard([&] {
      bool is_null;
      Datum etag = heap_getattr(SPI_tuptable->vals[0], 1, SPI_tuptable->tupdesc, &is_null);
      const text* t = is_null ? nullptr : DatumGetTextPP(etag);
      w.inserted = t != nullptr && etag_drawn_by_insert(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
      if (result_desc_ == nullptr) {
        MemoryContext old = MemoryContextSwitchTo(results_);
        result_desc_ = CreateTupleDescCopy(SPI_tuptable->tupdesc);
        MemoryContextSwitchTo(old);
      }
      MemoryContext old = MemoryContextSwitchTo(results_);
      w.tuple = heap_copytuple(SPI_tuptable->vals[0]);
      MemoryContextSwitchTo(old);
      SPI_freetuptable(SPI_tuptable);
    });
    if (w.inserted && proposal_error) throw *proposal_error;
    return w;
  }

  TupleDesc result_desc() const { return result_desc_; }

 private:
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
    std::sort(written.begin(), written.end(),
              [](const Written& x, const Written& y) { return x.first_item < y.first_item; });
  }
  spi_finish();
  for (size_t i = 0; i < written.size(); ++i) {
    if ((i & 0xFF) == 0) check_for_interrupts();
    out->put_tuple(written[i].tuple, upsert.result_desc(), kResultColumns, &written[i].inserted);
  }
}

}  // namespace docpatch::rows

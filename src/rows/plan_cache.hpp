// The backend-local cache of the row functions' SPI plans.
//
// A statement is prepared once per (table OID, extension schema, statement,
// kind/mode, variant, key column, doc column) and kept (SPI_keepplan).  The
// cache follows the table:
//  * ALTER TABLE ... (types, defaults, triggers, indexes): the plancache
//    re-plans the kept statements by itself, and the relcache invalidation
//    of the table marks the entry stale so that the next call inspects the
//    table again and rebuilds the statement text (a renamed table or column,
//    a trigger with other stamp columns, a new key type);
//  * DROP TABLE: the entry is marked stale and freed at the next call;
//  * re-create: a new OID, hence a new entry;
//  * renaming a schema (or DROP/CREATE SCHEMA): every entry is marked stale.
// Stale plans are never freed while a call may still be executing them (a
// row function nested in a trigger of another): they wait in a graveyard
// until no row function is running.
#pragma once

#include "boundary/boundary.hpp"

namespace docpatch::rows {

enum class Statement : int16 { GuardedUpdate = 1, Upsert = 2, UpsertBatch = 3 };

struct PlanKey {
  Oid relid;
  Oid ext_namespace;
  int16 statement;
  int16 kind;
  int16 variant;
  NameData key_column;
  NameData doc_column;
};

// Builds a PlanKey with every padding byte zeroed (the hash compares bytes).
PlanKey make_plan_key(Oid relid, Oid ext_namespace, Statement statement, int kind, int variant,
                      const char* key_column, const char* doc_column);

inline constexpr int kMaxPlans = 2;

struct PlanEntry {
  PlanKey key;  // hash key: must be first
  bool valid;
  uint32 invalidations;  // bumped by every invalidation of this entry
  int in_use;            // calls currently executing these plans
  SPIPlanPtr plans[kMaxPlans];
  char relname[NAMEDATALEN];  // for messages
};

namespace detail {
// Finds or creates the entry for key; returns true when it must be (re)built,
// in which case its old plans have been retired and cleared.
bool plan_entry_for(const PlanKey& key, PlanEntry** entry);
// Stores a prepared plan in the entry, kept in CacheMemoryContext.
void keep_plan(PlanEntry* entry, int index, SPIPlanPtr plan);
extern uint32 active_calls;
}  // namespace detail

// Returns the valid entry for key.  When it is missing or stale,
// build(PlanEntry*) is called (inside an SPI connection) to prepare its
// plans with prepare_plan().
template <typename F>
PlanEntry* cached_plans(const PlanKey& key, F&& build) {
  PlanEntry* entry;
  if (detail::plan_entry_for(key, &entry)) {
    uint32 seen = entry->invalidations;
    build(entry);
    // An invalidation that arrived while building leaves the entry stale:
    // the plans just built are still used by this call (the plancache
    // revalidates them), and the next call builds them again.
    entry->valid = entry->invalidations == seen;
  }
  return entry;
}

// Prepares sql with the given argument types and keeps it in entry->plans[index].
void prepare_plan(PlanEntry* entry, int index, const char* sql, int nargs, Oid* argtypes);

// Marks an entry in use for the lifetime of the object, so that its plans are
// not freed under a running call.
class PlanUse {
 public:
  explicit PlanUse(PlanEntry* e) : e_(e) {
    ++e_->in_use;
    ++detail::active_calls;
  }
  ~PlanUse() {
    --e_->in_use;
    --detail::active_calls;
  }
  PlanUse(const PlanUse&) = delete;
  PlanUse& operator=(const PlanUse&) = delete;

 private:
  PlanEntry* e_;
};

}  // namespace docpatch::rows

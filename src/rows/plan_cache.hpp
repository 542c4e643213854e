// The backend-local cache of the row functions' SPI plans.
//
// A statement is prepared once per (table OID, extension schema, statement,
// kind/mode, variant, key column, doc column) and kept (SPI_keepplan) in a
// PlanSet.  The cache follows the table:
//  * ALTER TABLE ... (types, defaults, triggers, indexes): the plancache
//    re-plans the kept statements by itself, and the relcache invalidation
//    of the table -- or of any partition the set verified -- marks the
//    entry stale so that the next call inspects the table again and builds
//    a new PlanSet (a renamed table or column, a trigger with other stamp
//    columns, a new key type, a trigger disabled on a partition, a new
//    partition or inheritance child: attaching one invalidates its parent);
//  * DROP TABLE: the entry is marked stale and dropped at the next call;
//  * re-create: a new OID, hence a new entry;
//  * renaming a schema (or DROP/CREATE SCHEMA): every entry is marked stale.
//
// A call holds a reference to the PlanSet it started with (PlanUse) and uses
// only that set until it ends, whatever happens in between: a nested call
// (from a trigger) that finds the entry stale builds a new set for the
// entry, or fails to, without touching the sets in use.  A set no entry
// points to any more is freed when its last reference goes, at the next
// look-up (never inside an invalidation callback or a destructor).  At the
// end of every transaction no call can be running: the references are
// checked and anything left over is freed then.
#pragma once

#include "boundary/pg_allocator.hpp"
#include "boundary/boundary.hpp"

namespace docpatch::rows {

enum class Statement : int16 { GuardedUpdate = 1, Upsert = 2 };

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

inline constexpr int kMaxPlans = 5;

// The prepared statements of one entry, with what a call needs to know about
// the table they were built for.  Lives in CacheMemoryContext.
struct PlanSet {
  int refs;       // calls using it, plus one while an entry points to it
  PlanSet* next_retired;  // in the list of sets no entry points to
  SPIPlanPtr plans[kMaxPlans];
  char relname[NAMEDATALEN];   // the table, for messages
  // The key column as the statements compare it (see table_shape.hpp).
  Oid key_type;
  int32 key_typmod;
  Oid key_collation;    // the unique index's collation (InvalidOid: not collatable)
  Oid key_compare;      // the index's btree comparison function
  Oid stamp_trigger;    // the docpatch_stamp trigger's OID
  // The relations verified for the statements (TableShape::verified),
  // sorted, in CacheMemoryContext and freed with the set: an invalidation
  // of any of them marks the entry stale.
  Oid* verified;
  int nverified;
  Oid silent_on_origin;   // see TableShape
  Oid silent_on_replica;
};

// A reference to the PlanSet of an entry, held for the length of one call.
class PlanUse {
 public:
  PlanUse() = default;
  ~PlanUse();
  PlanUse(const PlanUse&) = delete;
  PlanUse& operator=(const PlanUse&) = delete;

  const PlanSet& set() const { return *set_; }
  SPIPlanPtr plan(int index) const { return set_->plans[index]; }
  // For the cache: takes a reference to set.
  void attach(PlanSet* set);

 private:
  PlanSet* set_ = nullptr;
};

namespace detail {
// Gives `use` the entry's current set and returns true; false when it is
// missing or stale (a new set must then be built).
bool use_cached(const PlanKey& key, PlanUse* use);

// One build of a new set for an entry.  install() makes it the entry's
// current set (valid unless an invalidation arrived while building) and
// gives `use` a reference; a build that ends without install() (an error)
// gives the set up, to be freed by the next look-up.
class Build {
 public:
  explicit Build(const PlanKey& key);
  ~Build();
  Build(const Build&) = delete;
  Build& operator=(const Build&) = delete;
  PlanSet* set() const { return set_; }
  void install(PlanUse* use);

 private:
  PlanKey key_;
  uint32 invalidations_;
  PlanSet* set_;
};
}  // namespace detail

// Gives `use` the valid PlanSet for key; when there is none, build(PlanSet*)
// is called (inside an SPI connection) to prepare a new one with
// prepare_plan().
template <typename F>
void cached_plans(const PlanKey& key, PlanUse* use, F&& build) {
  if (detail::use_cached(key, use)) return;
  detail::Build b(key);
  build(b.set());
  b.install(use);
}

// Prepares sql with the given argument types and keeps it in set->plans[index].
void prepare_plan(PlanSet* set, int index, const char* sql, int nargs, Oid* argtypes);

}  // namespace docpatch::rows

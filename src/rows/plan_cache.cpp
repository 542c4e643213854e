// The SPI plan cache of the row functions: see plan_cache.hpp.
#include "rows/plan_cache.hpp"

#include <algorithm>
#include <cstring>

namespace docpatch::rows {
namespace {

struct PlanEntry {
  PlanKey key;    // hash key: must be first
  PlanSet* set;   // the current set, or nullptr
  bool valid;
  uint32 invalidations;  // bumped by every invalidation of this entry
};

HTAB* plan_entries = nullptr;
PlanSet* retired = nullptr;  // sets no entry points to, freed once unreferenced
int builds = 0;              // builds in progress (their entries must stay)
bool callbacks_registered = false;

void mark_stale(PlanEntry* e) {
  e->valid = false;
  ++e->invalidations;
}

// Did set verify relation relid (a partition of its table)?
bool verified(const PlanSet* set, Oid relid) {
  return set != nullptr &&
         std::binary_search(set->verified, set->verified + set->nverified, relid);
}

// Relcache invalidation: the table or one of the partitions its set
// verified changed (or everything, for InvalidOid).  Only marks entries:
// sets are freed later, at a look-up.
void relcache_changed(Datum, Oid relid) {
  if (plan_entries == nullptr) return;
  HASH_SEQ_STATUS status;
  hash_seq_init(&status, plan_entries);
  while (auto* e = static_cast<PlanEntry*>(hash_seq_search(&status)))
    if (relid == InvalidOid || e->key.relid == relid || verified(e->set, relid)) mark_stale(e);
}

// A schema was created, renamed or dropped: the qualified names in the
// statements may be wrong now.
void namespace_changed(Datum, int, uint32) { relcache_changed((Datum)0, InvalidOid); }

// Unlinks a set from its entry (dropping the entry's reference) or from a
// failed build, and lists it for freeing.  Allocates nothing.
void retire(PlanSet* set, bool entry_reference) {
  if (entry_reference) --set->refs;
  set->next_retired = retired;
  retired = set;
}

// At the end of a transaction no row function is running: every set is
// referenced by its entry alone.  Calls release their references when they
// end, by error too, before any longjmp, so this only restores the
// invariant should it ever be broken, and no build is in progress.
void transaction_ended(XactEvent event, void*) {
  if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PREPARE)
    return;
  builds = 0;
  if (plan_entries != nullptr) {
    HASH_SEQ_STATUS status;
    hash_seq_init(&status, plan_entries);
    while (auto* e = static_cast<PlanEntry*>(hash_seq_search(&status)))
      if (e->set != nullptr) e->set->refs = 1;
  }
  for (PlanSet* set = retired; set != nullptr; set = set->next_retired) set->refs = 0;
}

void free_set(PlanSet* set) {
  for (SPIPlanPtr plan : set->plans)
    if (plan != nullptr) SPI_freeplan(plan);
  if (set->verified != nullptr) pfree(set->verified);
  pfree(set);
}

// Retires the sets of stale entries and drops those entries (a dropped
// table's entry is never looked up again), unless a build is in progress;
// frees the retired sets no call uses any more.  Plain C: inside pg_guard.
void sweep() {
  if (builds == 0 && plan_entries != nullptr) {
    HASH_SEQ_STATUS status;
    hash_seq_init(&status, plan_entries);
    while (auto* e = static_cast<PlanEntry*>(hash_seq_search(&status))) {
      if (e->valid) continue;
      if (e->set != nullptr) retire(e->set, true);
      hash_search(plan_entries, &e->key, HASH_REMOVE, nullptr);
    }
  }
  PlanSet** link = &retired;
  while (*link != nullptr) {
    PlanSet* set = *link;
    if (set->refs > 0) {
      link = &set->next_retired;
    } else {
      *link = set->next_retired;
      free_set(set);
    }
  }
}

// The entry for key, created when missing.  Plain C.
PlanEntry* entry_for(const PlanKey& key) {
  if (plan_entries == nullptr) {
    HASHCTL ctl;
    std::memset(&ctl, 0, sizeof(ctl));
    ctl.keysize = sizeof(PlanKey);
    ctl.entrysize = sizeof(PlanEntry);
    ctl.hcxt = CacheMemoryContext;
    plan_entries = hash_create("docpatch row plans", 32, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
  }
  if (!callbacks_registered) {
    CacheRegisterRelcacheCallback(relcache_changed, (Datum)0);
    CacheRegisterSyscacheCallback(NAMESPACEOID, namespace_changed, (Datum)0);
    RegisterXactCallback(transaction_ended, nullptr);
    callbacks_registered = true;
  }
  bool found;
  auto* e = static_cast<PlanEntry*>(hash_search(plan_entries, &key, HASH_ENTER, &found));
  if (!found) {
    e->set = nullptr;
    e->valid = false;
    e->invalidations = 0;
  }
  return e;
}

}  // namespace

PlanKey make_plan_key(Oid relid, Oid ext_namespace, Statement statement, int kind, int variant,
                      const char* key_column, const char* doc_column) {
  PlanKey key;
  std::memset(&key, 0, sizeof(key));
  key.relid = relid;
  key.ext_namespace = ext_namespace;
  key.statement = static_cast<int16>(statement);
  key.kind = static_cast<int16>(kind);
  key.variant = static_cast<int16>(variant);
  std::strncpy(NameStr(key.key_column), key_column, NAMEDATALEN - 1);
  std::strncpy(NameStr(key.doc_column), doc_column, NAMEDATALEN - 1);
  return key;
}

void PlanUse::attach(PlanSet* set) {
  set_ = set;
  ++set_->refs;
}

PlanUse::~PlanUse() {
  if (set_ != nullptr) --set_->refs;  // freed, if retired, at the next look-up
}

namespace detail {

bool use_cached(const PlanKey& key, PlanUse* use) {
  return pg_call<bool>([&] {
    sweep();
    PlanEntry* e = entry_for(key);
    if (!e->valid || e->set == nullptr) return false;
    use->attach(e->set);
    return true;
  });
}

Build::Build(const PlanKey& key) : key_(key), set_(nullptr) {
  pg_guard([&] {
    PlanEntry* e = entry_for(key);
    invalidations_ = e->invalidations;
    set_ = static_cast<PlanSet*>(MemoryContextAllocZero(CacheMemoryContext, sizeof(PlanSet)));
  });
  ++builds;
}

Build::~Build() {
  --builds;
  if (set_ != nullptr) retire(set_, false);  // not installed: the build failed
}

void Build::install(PlanUse* use) {
  pg_guard([&] {
    PlanEntry* e = entry_for(key_);
    // Stale or new: the entry's old set (if a call still uses it, it stays
    // until that call ends) is replaced.
    if (e->set != nullptr) retire(e->set, true);
    e->set = set_;
    ++set_->refs;  // the entry's reference
    e->valid = e->invalidations == invalidations_;
  });
  use->attach(set_);
  set_ = nullptr;
}

}  // namespace detail

void prepare_plan(PlanSet* set, int index, const char* sql, int nargs, Oid* argtypes) {
  pg_guard([&] {
    SPIPlanPtr plan = SPI_prepare(sql, nargs, argtypes);
    if (plan == nullptr) elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    if (SPI_keepplan(plan) != 0) elog(ERROR, "SPI_keepplan failed");
    set->plans[index] = plan;
  });
}

}  // namespace docpatch::rows

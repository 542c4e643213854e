// The SPI plan cache of the row functions: see plan_cache.hpp.
#include "rows/plan_cache.hpp"

#include <cstring>

namespace docpatch::rows {
namespace detail {
uint32 active_calls = 0;
}  // namespace detail

namespace {

HTAB* plan_entries = nullptr;
List* graveyard = NIL;       // retired plans, freed when no call is running
bool have_stale = false;     // some entry is stale: sweep at the next idle call
bool callbacks_registered = false;

void mark_stale(PlanEntry* e) {
  e->valid = false;
  ++e->invalidations;
  have_stale = true;
}

// Relcache invalidation: the table changed (or everything, for InvalidOid).
// Only marks entries: plans are freed later, outside any invalidation
// processing and never under a running call.
void relcache_changed(Datum, Oid relid) {
  if (plan_entries == nullptr) return;
  HASH_SEQ_STATUS status;
  hash_seq_init(&status, plan_entries);
  while (auto* e = static_cast<PlanEntry*>(hash_seq_search(&status)))
    if (relid == InvalidOid || e->key.relid == relid) mark_stale(e);
}

// A schema was created, renamed or dropped: the qualified names in the
// statements may be wrong now.
void namespace_changed(Datum, int, uint32) { relcache_changed((Datum)0, InvalidOid); }

void free_plans(PlanEntry* e) {
  for (SPIPlanPtr& plan : e->plans) {
    if (plan != nullptr) SPI_freeplan(plan);
    plan = nullptr;
  }
}

// Frees the graveyard and the stale entries nobody uses.  Only when no row
// function is running.  Plain C: runs inside pg_guard.
void sweep() {
  if (detail::active_calls != 0) return;
  ListCell* lc;
  foreach (lc, graveyard) SPI_freeplan(static_cast<SPIPlanPtr>(lfirst(lc)));
  list_free(graveyard);
  graveyard = NIL;
  if (!have_stale) return;
  HASH_SEQ_STATUS status;
  hash_seq_init(&status, plan_entries);
  while (auto* e = static_cast<PlanEntry*>(hash_seq_search(&status))) {
    if (e->valid || e->in_use != 0) continue;
    free_plans(e);
    hash_search(plan_entries, &e->key, HASH_REMOVE, nullptr);
  }
  have_stale = false;
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

namespace detail {

bool plan_entry_for(const PlanKey& key, PlanEntry** entry) {
  return pg_call<bool>([&] {
    if (plan_entries == nullptr) {
      HASHCTL ctl;
      std::memset(&ctl, 0, sizeof(ctl));
      ctl.keysize = sizeof(PlanKey);
      ctl.entrysize = sizeof(PlanEntry);
      ctl.hcxt = CacheMemoryContext;
      plan_entries = hash_create("docpatch row plans", 32, &ctl,
                                 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    }
    if (!callbacks_registered) {
      CacheRegisterRelcacheCallback(relcache_changed, (Datum)0);
      CacheRegisterSyscacheCallback(NAMESPACEOID, namespace_changed, (Datum)0);
      callbacks_registered = true;
    }
    sweep();
    bool found;
    auto* e = static_cast<PlanEntry*>(hash_search(plan_entries, &key, HASH_ENTER, &found));
    if (!found) {
      e->valid = false;
      e->invalidations = 0;
      e->in_use = 0;
      for (SPIPlanPtr& plan : e->plans) plan = nullptr;
      e->relname[0] = '\0';
    }
    *entry = e;
    if (e->valid) return false;
    // Building may fail (an unknown column, ...): the sweep then frees what
    // was prepared.  It never touches an entry being built (no call runs
    // another one while building).
    have_stale = true;
    // Stale or new: retire the old plans (freed now when unused).
    for (SPIPlanPtr& plan : e->plans) {
      if (plan == nullptr) continue;
      if (e->in_use == 0 && active_calls == 0) {
        SPI_freeplan(plan);
      } else {
        MemoryContext old = MemoryContextSwitchTo(CacheMemoryContext);
        graveyard = lappend(graveyard, plan);
        MemoryContextSwitchTo(old);
      }
      plan = nullptr;
    }
    return true;
  });
}

void keep_plan(PlanEntry* entry, int index, SPIPlanPtr plan) {
  pg_guard([&] {
    if (SPI_keepplan(plan) != 0) elog(ERROR, "SPI_keepplan failed");
  });
  entry->plans[index] = plan;
}

}  // namespace detail

void prepare_plan(PlanEntry* entry, int index, const char* sql, int nargs, Oid* argtypes) {
  SPIPlanPtr plan = pg_call<SPIPlanPtr>([&] { return SPI_prepare(sql, nargs, argtypes); });
  if (plan == nullptr)
    throw Error("XX000", "docpatch: could not prepare a row statement");  // never: SPI_prepare reports its own errors
  detail::keep_plan(entry, index, plan);
}

}  // namespace docpatch::rows

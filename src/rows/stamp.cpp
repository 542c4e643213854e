// docpatch_stamp(): created_at / updated_at / etag maintenance in C.
//
// The hot path is one hash lookup (skipped when fn_extra remembers the entry),
// a few heap_getattr calls, 16 bytes from a buffered CSPRNG pool and one
// heap_modify_tuple_by_cols.  What a trigger needs to know about its table
// (column numbers, whether another BEFORE trigger fires after it, whether
// Citus writes the table in several copies) is resolved once per trigger and
// cached in a backend-local hash table keyed by the trigger's OID; a relcache
// invalidation of the table (ALTER TABLE, CREATE/DROP/ALTER TRIGGER, DROP
// TABLE ...) drops its entries.
//
// The trigger keeps no state about statements: it stamps the row it is
// given, and the etag it draws says whether the write was an INSERT or an
// UPDATE (etag.hpp).  Whatever a row function needs to know it reads from
// its own statement.
#include "rows/stamp.hpp"

#include <cstring>
#include <string>

#include "rows/citus.hpp"
#include "rows/etag.hpp"
#include "rows/toolkit.hpp"

namespace docpatch::rows {
namespace {

// ---------------------------------------------------------------------------
// The per-trigger cache.
struct StampEntry {
  Oid tgoid;  // hash key
  Oid relid;
  AttrNumber created_at;
  AttrNumber updated_at;
  AttrNumber etag;
  bool refuse_created_at_change;
  Oid after_on_insert;  // an enabled BEFORE row trigger firing after this one on INSERT
  Oid after_on_update;  // ... on UPDATE
  bool several_copies;  // a Citus shard of a table kept in several copies
};

// What a trigger call remembers in fn_extra (lives as long as the statement).
struct FnCache {
  uint64 generation;
  StampEntry* entry;
};

HTAB* stamp_entries = nullptr;
uint64 stamp_generation = 1;  // bumped by every invalidation
bool callback_registered = false;

void invalidate_stamp_entries(Datum, Oid relid) {
  if (stamp_entries == nullptr) return;
  ++stamp_generation;
  HASH_SEQ_STATUS status;
  hash_seq_init(&status, stamp_entries);
  while (auto* e = static_cast<StampEntry*>(hash_seq_search(&status)))
    if (relid == InvalidOid || e->relid == relid)
      hash_search(stamp_entries, &e->tgoid, HASH_REMOVE, nullptr);
}

void ensure_stamp_cache() {
  if (stamp_entries != nullptr) return;
  pg_guard([] {
    HASHCTL ctl;
    std::memset(&ctl, 0, sizeof(ctl));
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(StampEntry);
    ctl.hcxt = CacheMemoryContext;
    stamp_entries = hash_create("docpatch stamp triggers", 16, &ctl,
                                HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    if (!callback_registered) {
      CacheRegisterRelcacheCallback(invalidate_stamp_entries, (Datum)0);
      callback_registered = true;
    }
  });
}

// The name of the relation the user knows (a Citus shard's table) for
// messages, and the same as SQL for hints.  Only on error paths.
std::string user_relation_name(Relation rel) {
  Oid shown = relation_to_name(rel);
  const char* name = pg_call<char*>([&] { return get_rel_name(shown); });
  return name != nullptr ? name : RelationGetRelationName(rel);
}

// The attribute number of a stamp column, checked for existence and type.
AttrNumber stamp_column(Relation rel, const char* column, const char* role, Oid want_type,
                        const char* want_name) {
  Column c;
  if (!find_column(RelationGetDescr(rel), column, &c)) {
    Oid shown = relation_to_name(rel);
    throw Error(sqlstate::kUndefinedColumn,
                std::string("docpatch_stamp: column ") + quoted(column) + " of relation " +
                    quoted(user_relation_name(rel).c_str()) + " does not exist",
                std::string("The trigger stores ") + role + " in it.",
                "Add the stamp columns with SELECT docpatch_enable(" + regclass_literal(shown) +
                    "), or name another column with the trigger argument " + role + "=<column>.");
  }
  if (c.type != want_type) {
    Oid shown = relation_to_name(rel);
    const char* have = pg_call<char*>([&] { return format_type_be(c.type); });
    throw Error(sqlstate::kDatatypeMismatch,
                std::string("docpatch_stamp: column ") + quoted(column) + " of relation " +
                    quoted(user_relation_name(rel).c_str()) + " has type " + have + ", but " + role +
                    " must be " + want_name,
                {},
                "Change the column type: ALTER TABLE " + regclass_name(shown) + " ALTER COLUMN " +
                    std::string(quote_ident(column).c_str()) + " TYPE " + want_name + ".");
  }
  return c.attnum;
}

StampEntry resolve_entry(TriggerData* td) {
  Relation rel = td->tg_relation;
  Trigger* tg = td->tg_trigger;
  Oid owner = citus_shard_owner(rel);
  std::string shown = user_relation_name(rel);
  const char* relname = shown.c_str();
  StampColumns cols = parse_stamp_arguments(tg->tgnargs, tg->tgargs,
                                            trigger_to_name(rel, tg->tgname).c_str(), relname);
  StampEntry e;
  e.tgoid = tg->tgoid;
  e.relid = RelationGetRelid(rel);
  e.created_at = stamp_column(rel, cols.created_at, "created_at", TIMESTAMPTZOID, "timestamptz");
  e.updated_at = stamp_column(rel, cols.updated_at, "updated_at", TIMESTAMPTZOID, "timestamptz");
  e.etag = stamp_column(rel, cols.etag, "etag", TEXTOID, "text");
  e.refuse_created_at_change = cols.refuse_created_at_change;
  const Trigger* after_insert = before_trigger_after(rel->trigdesc, tg, true, false);
  const Trigger* after_update = before_trigger_after(rel->trigdesc, tg, false, true);
  e.after_on_insert = after_insert != nullptr ? after_insert->tgoid : InvalidOid;
  e.after_on_update = after_update != nullptr ? after_update->tgoid : InvalidOid;
  e.several_copies = OidIsValid(owner) && citus_placement(owner) == CitusPlacement::kSeveralCopies;
  return e;
}

const StampEntry* entry_for(FunctionCallInfo fcinfo, TriggerData* td) {
  auto* fc = static_cast<FnCache*>(fcinfo->flinfo->fn_extra);
  Oid tgoid = td->tg_trigger->tgoid;
  if (fc != nullptr && fc->generation == stamp_generation && fc->entry->tgoid == tgoid)
    return fc->entry;
  ensure_stamp_cache();
  auto* e = static_cast<StampEntry*>(
      pg_call<void*>([&] { return hash_search(stamp_entries, &tgoid, HASH_FIND, nullptr); }));
  if (e == nullptr) {
    StampEntry fresh = resolve_entry(td);
    e = static_cast<StampEntry*>(
        pg_call<void*>([&] { return hash_search(stamp_entries, &tgoid, HASH_ENTER, nullptr); }));
    *e = fresh;
  }
  if (fc == nullptr) {
    fc = static_cast<FnCache*>(pg_call<void*>(
        [&] { return MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FnCache)); }));
    fcinfo->flinfo->fn_extra = fc;
  }
  fc->generation = stamp_generation;
  fc->entry = e;
  return e;
}

const char* trigger_name(const Relation rel, Oid tgoid) {
  const TriggerDesc* td = rel->trigdesc;
  for (int i = 0; td != nullptr && i < td->numtriggers; ++i)
    if (td->triggers[i].tgoid == tgoid) return td->triggers[i].tgname;
  return "?";
}

// Refuses the write when the table is not one the stamp can keep right.
void check_fires_last(TriggerData* td, const StampEntry* e) {
  Relation rel = td->tg_relation;
  bool insert = TRIGGER_FIRED_BY_INSERT(td->tg_event);
  if (e->several_copies) {
    Oid table = relation_to_name(rel);
    throw Error(sqlstate::kFeatureNotSupported,
                "docpatch_stamp: relation " + quoted(user_relation_name(rel).c_str()) +
                    " is kept in several copies by Citus",
                "Each copy would draw its own etag and timestamps: the copies would disagree.",
                "Keep the table in one copy (a hash-distributed table with "
                "citus.shard_replication_factor = 1), or drop the trigger: DROP TRIGGER " +
                    std::string(quote_ident(trigger_to_name(rel, td->tg_trigger->tgname).c_str()).c_str()) + " ON " +
                    regclass_name(table) + ".");
  }
  Oid after = insert ? e->after_on_insert : e->after_on_update;
  if (!OidIsValid(after)) return;
  Oid table = relation_to_name(rel);
  std::string later = trigger_to_name(rel, trigger_name(rel, after));
  std::string stamp_name = trigger_to_name(rel, td->tg_trigger->tgname);
  throw Error(sqlstate::kNotInPrerequisiteState,
              std::string("docpatch_stamp: trigger ") + quoted(later.c_str()) + " on relation " +
                  quoted(user_relation_name(rel).c_str()) + " fires after the stamp trigger " +
                  quoted(stamp_name.c_str()),
              std::string("PostgreSQL fires BEFORE triggers in the order of their names; a trigger "
                          "after the stamp could change created_at or the etag after they were "
                          "stamped, so the stamp refuses to ") +
                  (insert ? "insert" : "update") + " the row.",
              "Rename that trigger so that it sorts before " + quoted(stamp_name.c_str()) +
                  ": ALTER TRIGGER " + std::string(quote_ident(later.c_str()).c_str()) + " ON " +
                  regclass_name(table) + " RENAME TO <name>; or call SELECT docpatch_enable(" +
                  regclass_literal(table) + ") to give the stamp trigger its name " +
                  kStampTriggerName + ".");
}

enum class StampOutcome { Stamped, CreatedAtRefused };

// The work of one trigger call.  Plain C: runs inside pg_guard.
StampOutcome stamp_row(TriggerData* td, const StampEntry* e, Datum etag, HeapTuple* result) {
  Relation rel = td->tg_relation;
  TupleDesc desc = RelationGetDescr(rel);
  int cols[3];
  Datum values[3];
  bool nulls[3];
  int n = 0;
  TimestampTz now = GetCurrentTransactionStartTimestamp();
  HeapTuple base;

  if (TRIGGER_FIRED_BY_INSERT(td->tg_event)) {
    base = td->tg_trigtuple;
    bool is_null;
    (void)heap_getattr(base, e->created_at, desc, &is_null);
    if (is_null) {
      cols[n] = e->created_at;
      values[n] = TimestampTzGetDatum(now);
      nulls[n++] = false;
    }
  } else {
    HeapTuple old_tuple = td->tg_trigtuple;
    base = td->tg_newtuple;
    bool old_null, new_null;
    Datum old_created = heap_getattr(old_tuple, e->created_at, desc, &old_null);
    Datum new_created = heap_getattr(base, e->created_at, desc, &new_null);
    bool changed = old_null != new_null ||
                   (!old_null && DatumGetTimestampTz(old_created) != DatumGetTimestampTz(new_created));
    if (changed && e->refuse_created_at_change) return StampOutcome::CreatedAtRefused;
    if (changed) {
      cols[n] = e->created_at;
      values[n] = old_created;
      nulls[n++] = old_null;
    }
  }
  cols[n] = e->updated_at;
  values[n] = TimestampTzGetDatum(now);
  nulls[n++] = false;
  cols[n] = e->etag;
  values[n] = etag;
  nulls[n++] = false;
  *result = heap_modify_tuple_by_cols(base, desc, n, cols, values, nulls);
  return StampOutcome::Stamped;
}

}  // namespace

const Trigger* before_trigger_after(const TriggerDesc* trigdesc, const Trigger* stamp, bool insert,
                                    bool update) {
  if (trigdesc == nullptr) return nullptr;
  // Can two triggers, enabled as they are, fire in one session?
  auto fire_together = [](char a, char b) {
    if (a == TRIGGER_DISABLED || b == TRIGGER_DISABLED) return false;
    if (a == TRIGGER_FIRES_ALWAYS || b == TRIGGER_FIRES_ALWAYS) return true;
    return (a == TRIGGER_FIRES_ON_REPLICA) == (b == TRIGGER_FIRES_ON_REPLICA);
  };
  bool after = false;
  for (int i = 0; i < trigdesc->numtriggers; ++i) {
    const Trigger* t = &trigdesc->triggers[i];
    if (t->tgoid == stamp->tgoid) {
      after = true;
      continue;
    }
    if (!after || t->tgisinternal) continue;
    if (!TRIGGER_FOR_ROW(t->tgtype) || !TRIGGER_FOR_BEFORE(t->tgtype)) continue;
    bool same_event = (insert && TRIGGER_FOR_INSERT(t->tgtype) && TRIGGER_FOR_INSERT(stamp->tgtype)) ||
                      (update && TRIGGER_FOR_UPDATE(t->tgtype) && TRIGGER_FOR_UPDATE(stamp->tgtype));
    if (same_event && fire_together(stamp->tgenabled, t->tgenabled)) return t;
  }
  return nullptr;
}

StampColumns parse_stamp_arguments(int nargs, char** args, const char* trigger,
                                   const char* relation) {
  StampColumns c;
  std::memset(&c, 0, sizeof(c));
  std::strcpy(c.created_at, "created_at");
  std::strcpy(c.updated_at, "updated_at");
  std::strcpy(c.etag, "etag");
  c.refuse_created_at_change = false;
  const std::string where =
      std::string(" in trigger ") + quoted(trigger) + " on relation " + quoted(relation);
  const char* usage =
      "The arguments are created_at=<column>, updated_at=<column>, etag=<column> and "
      "on_created_at_change=keep|error.";
  for (int i = 0; i < nargs; ++i) {
    const char* arg = args[i];
    const char* eq = std::strchr(arg, '=');
    if (eq == nullptr)
      throw Error(sqlstate::kInvalidArgument,
                  std::string("docpatch_stamp: argument ") + quoted(excerpt(arg).c_str()) + where +
                      " is not of the form name=value",
                  {}, usage);
    std::string name(arg, static_cast<size_t>(eq - arg));
    const char* value = eq + 1;
    char* target = nullptr;
    if (name == "created_at")
      target = c.created_at;
    else if (name == "updated_at")
      target = c.updated_at;
    else if (name == "etag")
      target = c.etag;
    if (target != nullptr) {
      size_t len = std::strlen(value);
      if (len == 0 || len >= NAMEDATALEN)
        throw Error(sqlstate::kInvalidArgument,
                    std::string("docpatch_stamp: argument ") + quoted(excerpt(arg).c_str()) + where +
                        " does not name a column",
                    {}, usage);
      std::memcpy(target, value, len + 1);
    } else if (name == "on_created_at_change") {
      if (std::strcmp(value, "keep") == 0)
        c.refuse_created_at_change = false;
      else if (std::strcmp(value, "error") == 0)
        c.refuse_created_at_change = true;
      else
        throw Error(sqlstate::kInvalidArgument,
                    std::string("docpatch_stamp: argument ") + quoted(excerpt(arg).c_str()) + where +
                        " must be on_created_at_change=keep or on_created_at_change=error");
    } else {
      throw Error(sqlstate::kInvalidArgument,
                  std::string("docpatch_stamp: unknown argument ") + quoted(excerpt(arg).c_str()) +
                      where,
                  {}, usage);
    }
  }
  if (std::strcmp(c.created_at, c.updated_at) == 0 || std::strcmp(c.created_at, c.etag) == 0 ||
      std::strcmp(c.updated_at, c.etag) == 0)
    throw Error(sqlstate::kInvalidArgument,
                std::string("docpatch_stamp: trigger ") + quoted(trigger) + " on relation " +
                    quoted(relation) +
                    " names one column for two of created_at, updated_at and etag",
                {}, usage);
  return c;
}

Datum stamp_trigger(FunctionCallInfo fcinfo) {
  const char* usage_hint =
      "Create it with SELECT docpatch_enable('<table>'), or as CREATE TRIGGER ... BEFORE INSERT "
      "OR UPDATE ON <table> FOR EACH ROW EXECUTE FUNCTION docpatch_stamp().";
  if (!CALLED_AS_TRIGGER(fcinfo))
    throw Error(sqlstate::kTriggerProtocolViolated, "docpatch_stamp: must be called as a trigger",
                {}, usage_hint);
  auto* td = reinterpret_cast<TriggerData*>(fcinfo->context);
  TriggerEvent event = td->tg_event;
  if (!TRIGGER_FIRED_BEFORE(event) || !TRIGGER_FIRED_FOR_ROW(event) ||
      !(TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event)))
    throw Error(sqlstate::kTriggerProtocolViolated,
                std::string("docpatch_stamp: trigger ") +
                    quoted(trigger_to_name(td->tg_relation, td->tg_trigger->tgname).c_str()) +
                    " on relation " + quoted(user_relation_name(td->tg_relation).c_str()) +
                    " must be fired BEFORE INSERT OR UPDATE FOR EACH ROW",
                {}, usage_hint);
  const StampEntry* e = entry_for(fcinfo, td);
  check_fires_last(td, e);
  Datum etag = new_etag_text(TRIGGER_FIRED_BY_INSERT(event) ? EtagWrite::Insert : EtagWrite::Update);
  HeapTuple result = nullptr;
  StampOutcome outcome = pg_call<StampOutcome>([&] { return stamp_row(td, e, etag, &result); });
  if (outcome == StampOutcome::Stamped) return PointerGetDatum(result);
  const char* column =
      NameStr(TupleDescAttr(RelationGetDescr(td->tg_relation), e->created_at - 1)->attname);
  throw Error(sqlstate::kCreatedAtImmutable,
              std::string("docpatch_stamp: cannot change column ") + quoted(column) +
                  " of relation " + quoted(user_relation_name(td->tg_relation).c_str()),
              std::string("Column ") + quoted(column) +
                  " is set once, when the row is inserted; trigger " +
                  quoted(trigger_to_name(td->tg_relation, td->tg_trigger->tgname).c_str()) +
                  " was created with on_created_at_change=error.",
              "Leave the column out of the UPDATE, or write back its current value.");
}

}  // namespace docpatch::rows

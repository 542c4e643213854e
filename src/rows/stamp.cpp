// docpatch_stamp(): created_at / updated_at / etag maintenance in C.
//
// The hot path is one hash lookup (skipped when fn_extra remembers the entry),
// a few heap_getattr calls, 16 bytes from a buffered CSPRNG pool and one
// heap_modify_tuple_by_cols.  Column numbers are resolved once per trigger and
// cached in a backend-local hash table keyed by the trigger's OID; a relcache
// invalidation of the table (ALTER TABLE, CREATE/DROP TRIGGER, DROP TABLE ...)
// drops its entries.
#include "rows/stamp.hpp"

#include <cstdlib>
#include <cstring>
#include <string>

namespace docpatch::rows {
namespace {

constexpr const char* kTriggerProtocolViolated = "39P01";
constexpr const char* kUndefinedColumn = "42703";
constexpr const char* kDatatypeMismatch = "42804";
constexpr const char* kSystemError = "58000";

RowScope* current_scope = nullptr;

// ---------------------------------------------------------------------------
// etags: 128 bits from pg_strong_random, drawn 64 etags at a time.
constexpr size_t kEtagBytes = 16;
uint8 random_pool[kEtagBytes * 64];
size_t random_pos = sizeof(random_pool);

const char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// ---------------------------------------------------------------------------
// The per-trigger cache.
struct StampEntry {
  Oid tgoid;  // hash key
  Oid relid;
  AttrNumber created_at;
  AttrNumber updated_at;
  AttrNumber etag;
  bool refuse_created_at_change;
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

std::string quoted(const char* s) { return std::string("\"") + s + "\""; }

AttrNumber find_column(TupleDesc desc, const char* name) {
  for (int i = 0; i < desc->natts; ++i) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    if (!att->attisdropped && std::strcmp(NameStr(att->attname), name) == 0)
      return static_cast<AttrNumber>(i + 1);
  }
  return InvalidAttrNumber;
}

// The attribute number of a stamp column, checked for existence and type.
AttrNumber stamp_column(Relation rel, const char* column, const char* role, Oid want_type,
                        const char* want_name) {
  const char* relname = RelationGetRelationName(rel);
  AttrNumber attnum = find_column(RelationGetDescr(rel), column);
  if (attnum == InvalidAttrNumber)
    throw Error(kUndefinedColumn,
                std::string("docpatch_stamp: column ") + quoted(column) + " of relation " +
                    quoted(relname) + " does not exist",
                std::string("The trigger stores ") + role + " in it.",
                std::string("Add the stamp columns with SELECT docpatch_enable('") + relname +
                    "'), or name another column with the trigger argument " + role + "=<column>.");
  Oid type = TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid;
  if (type != want_type) {
    const char* have = pg_call<char*>([&] { return format_type_be(type); });
    throw Error(kDatatypeMismatch,
                std::string("docpatch_stamp: column ") + quoted(column) + " of relation " +
                    quoted(relname) + " has type " + have + ", but " + role + " must be " +
                    want_name,
                {}, std::string("Change the column type: ALTER TABLE ") + relname +
                        " ALTER COLUMN " + column + " TYPE " + want_name + ".");
  }
  return attnum;
}

StampEntry resolve_entry(TriggerData* td) {
  Relation rel = td->tg_relation;
  Trigger* tg = td->tg_trigger;
  StampColumns cols =
      parse_stamp_arguments(tg->tgnargs, tg->tgargs, tg->tgname, RelationGetRelationName(rel));
  StampEntry e;
  e.tgoid = tg->tgoid;
  e.relid = RelationGetRelid(rel);
  e.created_at = stamp_column(rel, cols.created_at, "created_at", TIMESTAMPTZOID, "timestamptz");
  e.updated_at = stamp_column(rel, cols.updated_at, "updated_at", TIMESTAMPTZOID, "timestamptz");
  e.etag = stamp_column(rel, cols.etag, "etag", TEXTOID, "text");
  e.refuse_created_at_change = cols.refuse_created_at_change;
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

// The innermost RowScope when it is for rel (or for one of its ancestors,
// rel being a partition), else nullptr.
RowScope* scope_for(Relation rel) {
  RowScope* scope = current_scope;
  if (scope == nullptr) return nullptr;
  if (RelationGetRelid(rel) == scope->relid()) return scope;
  if (!rel->rd_rel->relispartition) return nullptr;
  List* ancestors = get_partition_ancestors(RelationGetRelid(rel));
  bool found = list_member_oid(ancestors, scope->relid());
  list_free(ancestors);
  return found ? scope : nullptr;
}

// Two values of one attribute, compared by their bytes.  Identical on-disk
// toast pointers are equal without fetching anything.
bool same_datum(Datum a, Datum b, Form_pg_attribute att) {
  if (att->attlen == -1) {
    const varlena* va = reinterpret_cast<const varlena*>(DatumGetPointer(a));
    const varlena* vb = reinterpret_cast<const varlena*>(DatumGetPointer(b));
    if (va == vb) return true;
    if (VARATT_IS_EXTERNAL_ONDISK(va) && VARATT_IS_EXTERNAL_ONDISK(vb) &&
        VARSIZE_EXTERNAL(va) == VARSIZE_EXTERNAL(vb) &&
        std::memcmp(va, vb, VARSIZE_EXTERNAL(va)) == 0)
      return true;
  }
  return datum_image_eq(a, b, att->attbyval, att->attlen);
}

// Does the UPDATE change nothing but the stamp columns?  Generated columns
// follow the others and are not compared.
bool update_changes_nothing(HeapTuple old_tuple, HeapTuple new_tuple, TupleDesc desc,
                            const StampEntry* e) {
  for (int i = 0; i < desc->natts; ++i) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    AttrNumber attnum = static_cast<AttrNumber>(i + 1);
    if (att->attisdropped || att->attgenerated != '\0') continue;
    if (attnum == e->created_at || attnum == e->updated_at || attnum == e->etag) continue;
    bool old_null, new_null;
    Datum old_value = heap_getattr(old_tuple, attnum, desc, &old_null);
    Datum new_value = heap_getattr(new_tuple, attnum, desc, &new_null);
    if (old_null != new_null) return false;
    if (!old_null && !same_datum(old_value, new_value, att)) return false;
  }
  return true;
}

enum class StampOutcome { Stamped, Suppressed, CreatedAtRefused };

// The work of one trigger call.  Plain C: runs inside pg_guard.
StampOutcome stamp_row(TriggerData* td, const StampEntry* e, HeapTuple* result) {
  Relation rel = td->tg_relation;
  TupleDesc desc = RelationGetDescr(rel);
  int cols[3];
  Datum values[3];
  bool nulls[3];
  int n = 0;
  TimestampTz now = GetCurrentTransactionStartTimestamp();
  HeapTuple base;
  RowScope* scope = nullptr;  // set on the UPDATE path

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
    scope = scope_for(rel);
    if (scope != nullptr && scope->skips_noop_updates() &&
        update_changes_nothing(old_tuple, base, desc, e)) {
      scope->count_suppressed();
      return StampOutcome::Suppressed;
    }
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
  values[n] = new_etag_text();
  nulls[n++] = false;
  if (scope != nullptr && scope->records_updates())
    scope->record_update(VARDATA(DatumGetPointer(values[n - 1])));
  *result = heap_modify_tuple_by_cols(base, desc, n, cols, values, nulls);
  return StampOutcome::Stamped;
}

}  // namespace

RowScope::RowScope(Oid relid, int flags)
    : relid_(relid), flags_(flags), outer_(current_scope), context_(CurrentMemoryContext) {
  current_scope = this;
}

RowScope::~RowScope() {
  current_scope = outer_;
  if (etags_ != nullptr) pfree(etags_);
}

RowScope* RowScope::current() { return current_scope; }

void RowScope::record_update(const char* etag) {
  if (count_ == capacity_) {
    uint32 capacity = capacity_ == 0 ? 8 : capacity_ * 2;
    size_t bytes = static_cast<size_t>(capacity) * kEtagLength;
    etags_ = static_cast<char*>(etags_ == nullptr ? MemoryContextAlloc(context_, bytes)
                                                  : repalloc(etags_, bytes));
    capacity_ = capacity;
  }
  std::memcpy(etags_ + static_cast<size_t>(count_) * kEtagLength, etag, kEtagLength);
  ++count_;
  sorted_ = false;
}

bool RowScope::stamped_by_update(const char* etag, size_t len) {
  if (len != static_cast<size_t>(kEtagLength) || count_ == 0) return false;
  auto compare = [](const void* a, const void* b) { return std::memcmp(a, b, kEtagLength); };
  if (count_ <= 8) {
    for (uint32 i = 0; i < count_; ++i)
      if (compare(etags_ + static_cast<size_t>(i) * kEtagLength, etag) == 0) return true;
    return false;
  }
  if (!sorted_) {
    qsort(etags_, count_, kEtagLength, compare);  // pg_qsort
    sorted_ = true;
  }
  return std::bsearch(etag, etags_, count_, kEtagLength, compare) != nullptr;
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
                  std::string("docpatch_stamp: argument ") + quoted(arg) + where +
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
                    std::string("docpatch_stamp: argument ") + quoted(arg) + where +
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
                    std::string("docpatch_stamp: argument ") + quoted(arg) + where +
                        " must be on_created_at_change=keep or on_created_at_change=error");
    } else {
      throw Error(sqlstate::kInvalidArgument,
                  std::string("docpatch_stamp: unknown argument ") + quoted(arg) + where, {},
                  usage);
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

void new_etag(char* out) {
  if (random_pos + kEtagBytes > sizeof(random_pool)) {
    if (!pg_strong_random(random_pool, sizeof(random_pool)))
      throw Error(kSystemError, "docpatch_stamp: could not generate random bytes for an etag");
    random_pos = 0;
  }
  const uint8* b = random_pool + random_pos;
  random_pos += kEtagBytes;
  int o = 0;
  size_t i = 0;
  for (; i + 3 <= kEtagBytes; i += 3) {
    uint32 v = (uint32(b[i]) << 16) | (uint32(b[i + 1]) << 8) | b[i + 2];
    out[o++] = kBase64Url[(v >> 18) & 63];
    out[o++] = kBase64Url[(v >> 12) & 63];
    out[o++] = kBase64Url[(v >> 6) & 63];
    out[o++] = kBase64Url[v & 63];
  }
  uint32 v = uint32(b[i]) << 16;  // the 16th byte: two characters, no padding
  out[o++] = kBase64Url[(v >> 18) & 63];
  out[o++] = kBase64Url[(v >> 12) & 63];
}

Datum new_etag_text() {
  text* t = static_cast<text*>(palloc(VARHDRSZ + kEtagLength));
  SET_VARSIZE(t, VARHDRSZ + kEtagLength);
  new_etag(VARDATA(t));
  return PointerGetDatum(t);
}

Datum stamp_trigger(FunctionCallInfo fcinfo) {
  const char* usage_hint =
      "Create it with SELECT docpatch_enable('<table>'), or as CREATE TRIGGER ... BEFORE INSERT "
      "OR UPDATE ON <table> FOR EACH ROW EXECUTE FUNCTION docpatch_stamp().";
  if (!CALLED_AS_TRIGGER(fcinfo))
    throw Error(kTriggerProtocolViolated, "docpatch_stamp: must be called as a trigger", {},
                usage_hint);
  auto* td = reinterpret_cast<TriggerData*>(fcinfo->context);
  TriggerEvent event = td->tg_event;
  if (!TRIGGER_FIRED_BEFORE(event) || !TRIGGER_FIRED_FOR_ROW(event) ||
      !(TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event)))
    throw Error(kTriggerProtocolViolated,
                std::string("docpatch_stamp: trigger ") + quoted(td->tg_trigger->tgname) +
                    " on relation " + quoted(RelationGetRelationName(td->tg_relation)) +
                    " must be fired BEFORE INSERT OR UPDATE FOR EACH ROW",
                {}, usage_hint);
  const StampEntry* e = entry_for(fcinfo, td);
  HeapTuple result = nullptr;
  StampOutcome outcome =
      pg_call<StampOutcome>([&] { return stamp_row(td, e, &result); });
  switch (outcome) {
    case StampOutcome::Stamped:
      return PointerGetDatum(result);
    case StampOutcome::Suppressed:
      return PointerGetDatum(nullptr);
    case StampOutcome::CreatedAtRefused:
      break;
  }
  const char* relname = RelationGetRelationName(td->tg_relation);
  const char* column = NameStr(TupleDescAttr(RelationGetDescr(td->tg_relation), e->created_at - 1)->attname);
  throw Error(sqlstate::kCreatedAtImmutable,
              std::string("docpatch_stamp: cannot change column ") + quoted(column) +
                  " of relation " + quoted(relname),
              std::string("Column ") + quoted(column) +
                  " is set once, when the row is inserted; trigger " +
                  quoted(td->tg_trigger->tgname) + " was created with on_created_at_change=error.",
              "Leave the column out of the UPDATE, or write back its current value.");
}

}  // namespace docpatch::rows

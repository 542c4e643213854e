// docpatch_enable / docpatch_disable: see enable.hpp and
// docs/functions/docpatch_enable.md, docpatch_disable.md.
//
// Privileges are checked before the table is locked, as ALTER TABLE checks
// them (a role that may not change the table must not queue behind open
// write transactions, holding every later writer up): adding columns and
// dropping or renaming a trigger need ownership of the table, creating or
// replacing the trigger the TRIGGER privilege.  The catalogs are read for
// that without a lock; once the lock is held everything is read again.
//
// docpatch_enable then runs, through SPI, only the DDL the table still
// needs:
//
//   ALTER TABLE t ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
//                 ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
//                 ADD COLUMN etag text NOT NULL DEFAULT docpatch_new_etag();
//   ALTER TABLE t ALTER COLUMN created_at DROP DEFAULT, ...;  -- existing rows got theirs
//   DROP TRIGGER <a stamp trigger of another name> ON t;
//   CREATE OR REPLACE TRIGGER zz_docpatch_stamp BEFORE INSERT OR UPDATE ON t
//     FOR EACH ROW EXECUTE FUNCTION docpatch_stamp(<non-default arguments>);
//     -- also when the trigger has a column list, a WHEN condition or is disabled
//   ALTER TABLE <partition> ENABLE TRIGGER zz_docpatch_stamp;  -- a copy that drifted
//
// every name quoted and qualified; a table that has all of it, with every
// partition's copy enabled as the table's trigger, is left alone.  Stamp
// columns that exist but are generated or part of a key or unique index
// (on the table or a partition) are refused (stamp_columns.hpp).  On a table Citus distributes, the trigger DDL runs with
// citus.enable_unsafe_triggers on (citus.hpp); a table Citus keeps in
// several copies is refused.
#include "rows/enable.hpp"

#include <cstring>

#include "rows/citus.hpp"
#include "rows/stamp.hpp"
#include "rows/stamp_columns.hpp"

namespace docpatch::rows {
namespace {

// What the catalogs say about a table's docpatch_stamp triggers, read
// without locking the table.  Triggers a partitioned table's trigger cloned
// onto a partition are not counted: they follow their parent.
struct StampTriggers {
  PgVector<PgString> names;
  bool canonical_exists = false;  // one of them is named kStampTriggerName
  // The one named kStampTriggerName, as trigger_in_place() reads it.
  int16 canonical_type = 0;
  char canonical_enabled = TRIGGER_DISABLED;
  bool canonical_fires_always = false;  // no column list, no WHEN condition
  PgVector<PgString> canonical_args;
};

StampTriggers read_stamp_triggers(Oid relid, Oid stamp_function) {
  StampTriggers out;
  List* names = NIL;           // palloc'd strings: the scan below is plain C
  List* canonical_args = NIL;
  pg_guard([&] {
    Relation catalog = table_open(TriggerRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_trigger_tgrelid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
    SysScanDesc scan = systable_beginscan(catalog, TriggerRelidNameIndexId, true, nullptr, 1, &key);
    HeapTuple tuple;
    while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
      auto* t = reinterpret_cast<Form_pg_trigger>(GETSTRUCT(tuple));
      if (t->tgfoid != stamp_function || t->tgisinternal || OidIsValid(t->tgparentid)) continue;
      if (std::strcmp(NameStr(t->tgname), kStampTriggerName) == 0) {
        out.canonical_exists = true;
        out.canonical_type = t->tgtype;
        out.canonical_enabled = t->tgenabled;
        out.canonical_fires_always =
            t->tgattr.dim1 == 0 && heap_attisnull(tuple, Anum_pg_trigger_tgqual, RelationGetDescr(catalog));
        // tgargs: the arguments one after the other, each NUL-terminated
        bool is_null;
        Datum args = heap_getattr(tuple, Anum_pg_trigger_tgargs, RelationGetDescr(catalog), &is_null);
        if (!is_null && t->tgnargs > 0) {
          bytea* bytes = DatumGetByteaPP(args);
          const char* p = VARDATA_ANY(bytes);
          for (int i = 0; i < t->tgnargs; ++i) {
            canonical_args = lappend(canonical_args, pstrdup(p));
            p += std::strlen(p) + 1;
          }
        }
      }
      names = lappend(names, pstrdup(NameStr(t->tgname)));
    }
    systable_endscan(scan);
    table_close(catalog, AccessShareLock);
  });
  ListCell* lc;
  foreach (lc, names) out.names.emplace_back(static_cast<const char*>(lfirst(lc)));
  foreach (lc, canonical_args) out.canonical_args.emplace_back(static_cast<const char*>(lfirst(lc)));
  return out;
}

// The table's owner, relkind; 42P01 when it does not exist.
struct TableFacts {
  Oid owner;
  char relkind;
};

TableFacts table_facts(Oid relid, const char* function) {
  bool found = false;
  TableFacts f{InvalidOid, '\0'};
  pg_guard([&] {
    HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tup)) return;
    auto* c = reinterpret_cast<Form_pg_class>(GETSTRUCT(tup));
    f.owner = c->relowner;
    f.relkind = c->relkind;
    found = true;
    ReleaseSysCache(tup);
  });
  if (!found) relation_gone(relid, function);
  if (f.relkind != RELKIND_RELATION && f.relkind != RELKIND_PARTITIONED_TABLE) {
    std::string name = pg_call<char*>([&] { return get_rel_name(relid); });
    throw Error(sqlstate::kWrongObjectType, std::string(function) + ": " + quoted(name.c_str()) +
                                                " is not a table");
  }
  return f;
}

bool owns(const TableFacts& f) {
  return pg_call<bool>([&] { return has_privs_of_role(GetUserId(), f.owner); });
}

[[noreturn]] void permission_denied(Oid relid, const char* function, const char* why) {
  std::string name = pg_call<char*>([&] { return get_rel_name(relid); });
  throw Error(sqlstate::kInsufficientPrivilege,
              std::string(function) + ": permission denied for table " + quoted(name.c_str()), why);
}

// Citus: a table kept in several copies would get different stamps per copy.
void refuse_several_copies(Oid relid, const char* function) {
  if (citus_placement(relid) != CitusPlacement::kSeveralCopies) return;
  std::string name = pg_call<char*>([&] { return get_rel_name(relid); });
  throw Error(sqlstate::kFeatureNotSupported,
              std::string(function) + ": relation " + quoted(name.c_str()) +
                  " is kept in several copies by Citus (a reference table, or replicated shards)",
              "Citus writes each copy with its own statement: each copy would draw its own etag and "
              "timestamps, and the copies would disagree.",
              "Use a hash-distributed table with citus.shard_replication_factor = 1 (see the Citus "
              "page of docpatch's documentation).");
}

// Runs the statements, with Citus's trigger DDL allowed on a distributed
// table.
void run_ddl(const PgVector<PgString>& statements, bool citus_table) {
  if (statements.empty()) return;
  spi_connect();
  int level = citus_table ? citus_allow_trigger_ddl() : 0;
  for (const PgString& sql : statements) spi_run(sql);
  citus_end_trigger_ddl(level);
  spi_finish();
}

// The trigger arguments docpatch_enable gives, one string each.
PgVector<PgString> wanted_arguments(const EnableArgs& a) {
  PgVector<PgString> wanted;
  if (std::strcmp(a.created_at, "created_at") != 0) wanted.push_back(PgString("created_at=") + a.created_at);
  if (std::strcmp(a.updated_at, "updated_at") != 0) wanted.push_back(PgString("updated_at=") + a.updated_at);
  if (std::strcmp(a.etag, "etag") != 0) wanted.push_back(PgString("etag=") + a.etag);
  if (a.refuse_created_at_change) wanted.push_back(PgString("on_created_at_change=error"));
  return wanted;
}

// The trigger arguments, as SQL.
PgString trigger_arguments(const EnableArgs& a) {
  PgString args;
  for (const PgString& arg : wanted_arguments(a)) {
    if (!args.empty()) args += ", ";
    args += quote_literal(arg.c_str());
  }
  return args;
}

// Does a trigger of this type, state and arguments already run
// docpatch_stamp as docpatch_enable(a) would create it?  `fires_always`:
// it has neither a column list (UPDATE OF ...) nor a WHEN condition, which
// would let writes pass unstamped.
bool trigger_in_place(int16 type, char enabled, bool fires_always, const PgVector<PgString>& args,
                      const EnableArgs& a) {
  int16 want = TRIGGER_TYPE_ROW | TRIGGER_TYPE_BEFORE | TRIGGER_TYPE_INSERT | TRIGGER_TYPE_UPDATE;
  return type == want && enabled != TRIGGER_DISABLED && fires_always && args == wanted_arguments(a);
}

bool trigger_in_place(const Trigger* t, const EnableArgs& a) {
  PgVector<PgString> args;
  for (int i = 0; i < t->tgnargs; ++i) args.emplace_back(t->tgargs[i]);
  return trigger_in_place(t->tgtype, t->tgenabled, t->tgnattr == 0 && t->tgqual == nullptr, args, a);
}

// The partitions of a partitioned table, at every level; none for a plain
// table.  Read without locking them.
PgVector<Oid> partitions_if_partitioned(Oid relid, char relkind) {
  return relkind == RELKIND_PARTITIONED_TABLE ? partitions_of(relid, NoLock) : PgVector<Oid>();
}

// A partition whose copy of the stamp trigger is not enabled as the
// table's own: disabled, or enabled for replicas only where the table's
// fires on origin (ALTER TABLE <partition> DISABLE / ENABLE REPLICA TRIGGER).
struct DriftedPartition {
  Oid relid;
  char enabled;
};

// The partitions whose kStampTriggerName trigger (running docpatch_stamp)
// is not enabled as `wanted`.  Catalog reads only.
PgVector<DriftedPartition> drifted_partitions(const PgVector<Oid>& partitions, Oid stamp_function,
                                              char wanted) {
  PgVector<DriftedPartition> out;
  for (Oid partition : partitions) {
    check_for_interrupts();
    char enabled = wanted;
    pg_guard([&] {
      Relation catalog = table_open(TriggerRelationId, AccessShareLock);
      ScanKeyData keys[2];
      ScanKeyInit(&keys[0], Anum_pg_trigger_tgrelid, BTEqualStrategyNumber, F_OIDEQ,
                  ObjectIdGetDatum(partition));
      ScanKeyInit(&keys[1], Anum_pg_trigger_tgname, BTEqualStrategyNumber, F_NAMEEQ,
                  CStringGetDatum(kStampTriggerName));
      SysScanDesc scan = systable_beginscan(catalog, TriggerRelidNameIndexId, true, nullptr, 2, keys);
      HeapTuple tuple = systable_getnext(scan);
      if (HeapTupleIsValid(tuple)) {
        auto* t = reinterpret_cast<Form_pg_trigger>(GETSTRUCT(tuple));
        if (t->tgfoid == stamp_function) enabled = t->tgenabled;
      }
      systable_endscan(scan);
      table_close(catalog, AccessShareLock);
    });
    if (enabled != wanted) out.push_back({partition, enabled});
  }
  return out;
}

// ALTER TABLE <partition> ENABLE [ALWAYS | REPLICA] TRIGGER zz_docpatch_stamp,
// enabling it as `wanted`.
PgString enable_statement(Oid partition, char wanted) {
  const char* how = wanted == TRIGGER_FIRES_ALWAYS    ? "ENABLE ALWAYS TRIGGER "
                    : wanted == TRIGGER_FIRES_ON_REPLICA ? "ENABLE REPLICA TRIGGER "
                                                         : "ENABLE TRIGGER ";
  return "ALTER TABLE " + qualified_name(partition) + " " + how + quote_ident(kStampTriggerName);
}

// Refuses the stamp columns that exist but the trigger cannot keep
// (stamp_columns.hpp), on the table and every partition.
void refuse_unfit_columns(Oid relid, const PgVector<Oid>& partitions, const EnableArgs& a,
                          const char* function) {
  struct {
    const char* role;
    const char* name;
  } columns[] = {{"created_at", a.created_at}, {"updated_at", a.updated_at}, {"etag", a.etag}};
  for (const auto& c : columns) {
    refuse_unfit_stamp_column(function, relid, c.name, c.role, relid);
    for (Oid partition : partitions) refuse_unfit_stamp_column(function, partition, c.name, c.role, relid);
  }
}

// Does the table have the columns (of the right types) and the trigger
// docpatch_enable(a) would give it?  Read without a lock: a table where
// everything is in place is left alone, unlocked, so that applications may
// call docpatch_enable at every start on busy tables.
bool already_enabled(Oid relid, const StampTriggers& triggers, const EnableArgs& a) {
  if (triggers.names.size() != 1 || !triggers.canonical_exists) return false;
  if (!trigger_in_place(triggers.canonical_type, triggers.canonical_enabled,
                        triggers.canonical_fires_always, triggers.canonical_args, a))
    return false;
  struct {
    const char* name;
    Oid type;
  } columns[] = {{a.created_at, TIMESTAMPTZOID}, {a.updated_at, TIMESTAMPTZOID}, {a.etag, TEXTOID}};
  for (const auto& c : columns) {
    Oid type = pg_call<Oid>([&] {
      HeapTuple tup = SearchSysCacheAttName(relid, c.name);
      if (!HeapTupleIsValid(tup)) return InvalidOid;
      Oid t = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tup))->atttypid;
      ReleaseSysCache(tup);
      return t;
    });
    if (type != c.type) return false;
  }
  return true;
}

}  // namespace

void enable(FunctionCallInfo fcinfo, const EnableArgs& a) {
  const char* function = "docpatch_enable";
  if (std::strcmp(a.created_at, a.updated_at) == 0 || std::strcmp(a.created_at, a.etag) == 0 ||
      std::strcmp(a.updated_at, a.etag) == 0)
    throw Error(sqlstate::kInvalidArgument,
                std::string(function) + ": created_at, updated_at and etag must name three different columns");
  Oid nsp = extension_namespace(fcinfo);
  Oid stamp_function = stamp_function_oid(nsp);
  Oid relid = a.relid;
  const char* wanted_columns[3] = {a.created_at, a.updated_at, a.etag};

  // Before the lock: may this role do what the table needs?
  TableFacts facts = table_facts(relid, function);
  bool owner = owns(facts);
  StampTriggers existing = read_stamp_triggers(relid, stamp_function);
  if (!owner) {
    bool may_trigger = pg_call<bool>(
        [&] { return pg_class_aclcheck(relid, GetUserId(), ACL_TRIGGER) == ACLCHECK_OK; });
    if (!may_trigger)
      permission_denied(relid, function,
                        "Creating the stamp trigger needs the TRIGGER privilege on the table, adding "
                        "the stamp columns ownership of it.");
    bool columns_missing = false;
    for (const char* c : wanted_columns)
      if (!pg_call<bool>([&] { return SearchSysCacheExistsAttName(relid, c); })) columns_missing = true;
    bool renames = !existing.names.empty() && !(existing.names.size() == 1 && existing.canonical_exists);
    if (columns_missing)
      permission_denied(relid, function, "Adding the stamp columns needs ownership of the table.");
    if (renames)
      permission_denied(relid, function,
                        "The table's stamp trigger has another name; replacing it (DROP TRIGGER) "
                        "needs ownership of the table.");
  }
  // Partitions whose copy of the stamp trigger drifted: enabled again
  // (ALTER TABLE ... ENABLE TRIGGER needs ownership of the partition).
  PgVector<Oid> partitions = partitions_if_partitioned(relid, facts.relkind);
  PgVector<DriftedPartition> drifted = drifted_partitions(
      existing.canonical_exists ? partitions : PgVector<Oid>(), stamp_function,
      existing.canonical_enabled);
  for (const DriftedPartition& d : drifted)
    if (!owns(table_facts(d.relid, function)))
      permission_denied(d.relid, function,
                        "Enabling the stamp trigger of a partition again needs ownership of the "
                        "partition.");
  refuse_several_copies(relid, function);
  refuse_unfit_columns(relid, partitions, a, function);
  if (drifted.empty() && already_enabled(relid, existing, a)) return;
  bool citus_table = citus_placement(relid) != CitusPlacement::kNone;

  // Self-exclusive and blocks writes: two enables of one table run one after the other.
  pg_guard([&] { LockRelationOid(relid, ShareRowExclusiveLock); });

  PgVector<PgString> statements;
  {
    OpenTable table(relid, function);
    Relation rel = table.rel();
    const char* relname = RelationGetRelationName(rel);
    struct Wanted {
      const char* name;
      const char* role;
      Oid type;
      const char* sql_type;
      bool missing;
    } columns[] = {{a.created_at, "created_at", TIMESTAMPTZOID, "timestamptz", false},
                   {a.updated_at, "updated_at", TIMESTAMPTZOID, "timestamptz", false},
                   {a.etag, "etag", TEXTOID, "text", false}};
    for (Wanted& c : columns) {
      Column col;
      c.missing = !find_column(RelationGetDescr(rel), c.name, &col);
      if (!c.missing && col.type != c.type) {
        const char* have = pg_call<char*>([&] { return format_type_be(col.type); });
        throw Error(sqlstate::kDatatypeMismatch,
                    std::string(function) + ": column " + quoted(c.name) + " of relation " +
                        quoted(relname) + " has type " + have + ", but " + c.role + " must be " + c.sql_type,
                    {}, std::string("Change its type, or pass another column name as ") + c.role + ".");
      }
    }
    // The table's docpatch_stamp triggers (not clones on partitions), and a
    // trigger of another function under the stamp's name.
    PgVector<PgString> others;
    const Trigger* canonical = nullptr;
    TriggerDesc* td = rel->trigdesc;
    for (int i = 0; td != nullptr && i < td->numtriggers; ++i) {
      const Trigger* t = &td->triggers[i];
      bool named = std::strcmp(t->tgname, kStampTriggerName) == 0;
      if (t->tgfoid != stamp_function) {
        if (named)
          throw Error(sqlstate::kDuplicateObject,
                      std::string(function) + ": relation " + quoted(relname) + " already has a trigger " +
                          quoted(kStampTriggerName) + " that does not run docpatch_stamp()",
                      {}, "Rename or drop that trigger first.");
        continue;
      }
      if (t->tgisinternal || t->tgisclone) continue;
      if (named)
        canonical = t;
      else
        others.push_back(quote_ident(t->tgname));
    }
    if (!owner) {
      bool missing = columns[0].missing || columns[1].missing || columns[2].missing;
      if (missing || !others.empty())
        permission_denied(relid, function,
                          missing ? "Adding the stamp columns needs ownership of the table."
                                  : "The table's stamp trigger has another name; replacing it (DROP "
                                    "TRIGGER) needs ownership of the table.");
    }
    PgString table_sql = qualified_name(relid);
    PgString ext = quoted_namespace(nsp);
    PgString alter;
    for (const Wanted& c : columns) {
      if (!c.missing) continue;
      alter += alter.empty() ? "ALTER TABLE " + table_sql + " " : PgString(", ");
      alter += "ADD COLUMN " + quote_ident(c.name) + " pg_catalog." + c.sql_type + " NOT NULL DEFAULT ";
      alter += c.type == TEXTOID ? ext + ".docpatch_new_etag()" : PgString("pg_catalog.now()");
    }
    if (!alter.empty()) statements.push_back(alter);
    // The defaults only fill the rows already there; from now on the trigger
    // writes the columns (on Citus in the process that writes the row, so
    // that an insert's created_at is its updated_at there too).
    PgString drop_defaults;
    for (const Wanted& c : columns) {
      if (!c.missing) continue;
      drop_defaults += drop_defaults.empty() ? "ALTER TABLE " + table_sql + " " : PgString(", ");
      drop_defaults += "ALTER COLUMN " + quote_ident(c.name) + " DROP DEFAULT";
    }
    if (!drop_defaults.empty()) statements.push_back(drop_defaults);
    for (const PgString& other : others)
      statements.push_back("DROP TRIGGER " + other + " ON " + table_sql);
    // (Re-)creating the trigger replaces its copies on the partitions too,
    // enabled; otherwise the copies that drifted are enabled again.
    if (canonical == nullptr || !others.empty() || !trigger_in_place(canonical, a)) {
      statements.push_back("CREATE OR REPLACE TRIGGER " + quote_ident(kStampTriggerName) +
                           " BEFORE INSERT OR UPDATE ON " + table_sql +
                           " FOR EACH ROW EXECUTE FUNCTION " + ext + ".docpatch_stamp(" +
                           trigger_arguments(a) + ")");
    } else {
      for (const DriftedPartition& d : drifted_partitions(partitions_if_partitioned(relid, facts.relkind),
                                                          stamp_function, canonical->tgenabled))
        statements.push_back(enable_statement(d.relid, canonical->tgenabled));
    }
    refuse_unfit_columns(relid, partitions_if_partitioned(relid, facts.relkind), a, function);
  }  // ALTER TABLE refuses a table this session still has open
  run_ddl(statements, citus_table);
}

void disable(FunctionCallInfo fcinfo, Oid relid) {
  const char* function = "docpatch_disable";
  Oid stamp_function = stamp_function_oid(extension_namespace(fcinfo));
  // As DROP TRIGGER: ownership, checked before anything is locked.
  TableFacts facts = table_facts(relid, function);
  if (!owns(facts))
    permission_denied(relid, function, "Dropping the stamp trigger needs ownership of the table.");
  // A table without the trigger is left alone, unlocked, as DROP TRIGGER IF
  // EXISTS would skip it.
  if (read_stamp_triggers(relid, stamp_function).names.empty()) {
    std::string name = pg_call<char*>([&] { return get_rel_name(relid); });
    pg_guard([&] {
      ereport(NOTICE, (errmsg("docpatch_disable: relation \"%s\" has no docpatch_stamp trigger, skipping",
                              name.c_str())));
    });
    return;
  }
  bool citus_table = citus_placement(relid) != CitusPlacement::kNone;
  pg_guard([&] { LockRelationOid(relid, ShareRowExclusiveLock); });
  PgVector<PgString> statements;
  {
    OpenTable table(relid, function);
    PgString table_sql = qualified_name(relid);
    TriggerDesc* td = table.rel()->trigdesc;
    for (int i = 0; td != nullptr && i < td->numtriggers; ++i) {
      const Trigger* t = &td->triggers[i];
      if (t->tgfoid == stamp_function && !t->tgisinternal && !t->tgisclone)
        statements.push_back("DROP TRIGGER " + quote_ident(t->tgname) + " ON " + table_sql);
    }
  }
  run_ddl(statements, citus_table);
}

}  // namespace docpatch::rows

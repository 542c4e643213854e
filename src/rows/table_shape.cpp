// Table-shape inspection: see table_shape.hpp.
#include "rows/table_shape.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "boundary/interruptible_sort.hpp"
#include "rows/citus.hpp"
#include "rows/stamp.hpp"
#include "rows/stamp_columns.hpp"
#include "rows/toolkit.hpp"

namespace docpatch::rows {
namespace {

std::string type_name(Oid type) {
  return pg_call<char*>([&] { return format_type_be(type); });
}

std::string enable_hint(Oid table) {
  return "Call SELECT docpatch_enable(" + regclass_literal(table) +
         ") to add the stamp columns and trigger.";
}

// The docpatch_stamp trigger of rel (the table the call names, `table`, or
// one of its partitions); throws 55000 when there is none that fires BEFORE
// INSERT OR UPDATE FOR EACH ROW and is enabled, when it has a column list or
// a WHEN condition (it would skip writes), or when another BEFORE row
// trigger fires after it.  Hints name `table`.
const Trigger* stamp_trigger_of(Relation rel, const char* function, Oid stamp_function, Oid table) {
  const char* relname = RelationGetRelationName(rel);
  Oid relid = RelationGetRelid(rel);
  const Trigger* found = nullptr;
  const Trigger* disabled = nullptr;
  const Trigger* misfit = nullptr;
  TriggerDesc* td = rel->trigdesc;
  for (int i = 0; td != nullptr && i < td->numtriggers; ++i) {
    const Trigger* t = &td->triggers[i];
    if (t->tgfoid != stamp_function) continue;
    if (TRIGGER_FOR_ROW(t->tgtype) && TRIGGER_FOR_BEFORE(t->tgtype) &&
        TRIGGER_FOR_INSERT(t->tgtype) && TRIGGER_FOR_UPDATE(t->tgtype)) {
      if (t->tgenabled == TRIGGER_DISABLED)
        disabled = t;
      else if (found == nullptr)
        found = t;
    } else {
      misfit = t;
    }
  }
  // A column list or a WHEN condition: the trigger skips writes.  (The hint
  // is built only for the refusal: this runs for every partition.)
  if (found != nullptr && (found->tgnattr > 0 || found->tgqual != nullptr))
    throw Error(sqlstate::kNotInPrerequisiteState,
                std::string(function) + ": the docpatch_stamp trigger " + quoted(found->tgname) +
                    " of relation " + quoted(relname) + " has " +
                    (found->tgnattr > 0 ? "a column list (UPDATE OF ...)" : "a WHEN condition"),
                "It does not fire for every write: the writes it skips would keep their etag, "
                "and a stale If-Match would still match.",
                "Call SELECT docpatch_enable(" + regclass_literal(table) +
                    ") to re-create it as BEFORE INSERT OR UPDATE ... FOR EACH ROW, without "
                    "column list or WHEN condition.");
  if (found != nullptr) {
    const Trigger* after = before_trigger_after(td, found, true, true);
    if (after != nullptr)
      throw Error(sqlstate::kNotInPrerequisiteState,
                  std::string(function) + ": trigger " + quoted(after->tgname) + " on relation " +
                      quoted(relname) + " fires after the docpatch_stamp trigger " +
                      quoted(found->tgname),
                  "PostgreSQL fires BEFORE triggers in the order of their names; a trigger after "
                  "the stamp could change created_at or the etag after they were stamped.",
                  "Rename that trigger so that it sorts before " + quoted(found->tgname) +
                      ": ALTER TRIGGER " + std::string(quote_ident(after->tgname).c_str()) + " ON " +
                      regclass_name(relid) + " RENAME TO <name>; or call SELECT docpatch_enable(" +
                      regclass_literal(table) + ") to give the stamp trigger its name " +
                      kStampTriggerName + ".");
    return found;
  }
  if (disabled != nullptr)
    throw Error(sqlstate::kNotInPrerequisiteState,
                std::string(function) + ": the docpatch_stamp trigger " + quoted(disabled->tgname) +
                    " of relation " + quoted(relname) + " is disabled",
                "Without it the etag, created_at and updated_at columns would not be maintained.",
                "Enable it with ALTER TABLE " + regclass_name(relid) + " ENABLE TRIGGER " +
                    std::string(quote_ident(disabled->tgname).c_str()) +
                    (relid == table ? std::string(".")
                                    : "; or call SELECT docpatch_enable(" + regclass_literal(table) +
                                          "), which enables it on every partition."));
  if (misfit != nullptr)
    throw Error(sqlstate::kNotInPrerequisiteState,
                std::string(function) + ": the docpatch_stamp trigger " + quoted(misfit->tgname) +
                    " of relation " + quoted(relname) +
                    " does not fire BEFORE INSERT OR UPDATE FOR EACH ROW",
                {}, enable_hint(table));
  throw Error(sqlstate::kNotInPrerequisiteState,
              std::string(function) + ": relation " + quoted(relname) + " has no docpatch_stamp trigger",
              "The trigger maintains the etag, created_at and updated_at columns this function "
              "relies on.",
              enable_hint(table));
}

// A stamp column: its role, its name (from the trigger's arguments) and
// the type it must have.
struct StampColumn {
  const char* role;
  const char* name;
  Oid type;
  const char* type_name;
};

std::array<StampColumn, 3> stamp_columns(const StampColumns& stamps) {
  return {{{"created_at", stamps.created_at, TIMESTAMPTZOID, "timestamptz"},
           {"updated_at", stamps.updated_at, TIMESTAMPTZOID, "timestamptz"},
           {"etag", stamps.etag, TEXTOID, "text"}}};
}

bool same_arguments(const Trigger* a, const Trigger* b) {
  if (a->tgnargs != b->tgnargs) return false;
  for (int i = 0; i < a->tgnargs; ++i)
    if (std::strcmp(a->tgargs[i], b->tgargs[i]) != 0) return false;
  return true;
}

// Notes relation relid, whose stamp trigger is `stamp`, as verified.
void note_verified(Oid relid, const Trigger* stamp, TableShape* shape) {
  shape->verified.push_back(relid);
  if (stamp->tgenabled == TRIGGER_FIRES_ON_REPLICA && !OidIsValid(shape->silent_on_origin))
    shape->silent_on_origin = relid;
  if (stamp->tgenabled == TRIGGER_FIRES_ON_ORIGIN && !OidIsValid(shape->silent_on_replica))
    shape->silent_on_replica = relid;
}

// A table with inheritance children (not partitions): refused.
void refuse_inheritance_children(Relation rel, const char* function) {
  if (!rel->rd_rel->relhassubclass) return;  // never had a child (the flag is cleared lazily)
  Oid relid = RelationGetRelid(rel);
  Oid child = pg_call<Oid>([&] {
    List* children = find_inheritance_children(relid, NoLock);
    Oid first = children != NIL ? linitial_oid(children) : InvalidOid;
    list_free(children);
    return first;
  });
  if (!OidIsValid(child)) return;
  std::string name = pg_call<char*>([&] { return get_rel_name(child); });
  throw Error(sqlstate::kFeatureNotSupported,
              std::string(function) + ": relation " + quoted(RelationGetRelationName(rel)) +
                  " has inheritance children, such as " + quoted(name.c_str()),
              "PostgreSQL does not keep a key unique across an inheritance tree (an upsert could "
              "add a key a child already has), and statements on the parent would also read and "
              "write the rows of its children, which its stamp trigger does not stamp.",
              "Use the row functions on each child table on its own, or on a partitioned table "
              "(ALTER TABLE " + regclass_name(child) + " NO INHERIT " + regclass_name(relid) +
                  " undoes the inheritance).");
}

// Every partition of the partitioned table rel, at every level, locked as
// the statements will lock them: a table with the same stamp trigger as
// rel's (`stamp`) and stamp columns the trigger can keep.  Plain tables
// are checked by the caller.
void verify_partitions(Relation rel, const Trigger* stamp, const StampColumns& stamps,
                       const char* function, Oid stamp_function, TableShape* shape) {
  Oid table = RelationGetRelid(rel);
  for (Oid partition : partitions_of(table, RowExclusiveLock)) {
    check_for_interrupts();
    char kind = pg_call<char>([&] { return get_rel_relkind(partition); });
    if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE) {
      std::string name = pg_call<char*>([&] { return get_rel_name(partition); });
      throw Error(sqlstate::kFeatureNotSupported,
                  std::string(function) + ": partition " + quoted(name.c_str()) + " of relation " +
                      quoted(shape->relname) + " is not a table",
                  "Rows written to it do not pass through a docpatch_stamp trigger docpatch can verify "
                  "(a foreign table is written by its foreign data wrapper).",
                  "Detach it: ALTER TABLE " + regclass_name(table) + " DETACH PARTITION " +
                      regclass_name(partition) + ".");
    }
    OpenTable part(partition, function);
    const Trigger* t = stamp_trigger_of(part.rel(), function, stamp_function, table);
    if (!same_arguments(t, stamp))
      throw Error(sqlstate::kNotInPrerequisiteState,
                  std::string(function) + ": the docpatch_stamp trigger " + quoted(t->tgname) +
                      " of partition " + quoted(RelationGetRelationName(part.rel())) +
                      " has other arguments than " + quoted(stamp->tgname) + " of relation " +
                      quoted(shape->relname),
                  "The partition's stamps would be written into other columns than the ones the "
                  "statements read.",
                  "Drop the partition's own trigger: DROP TRIGGER " +
                      std::string(quote_ident(t->tgname).c_str()) + " ON " +
                      regclass_name(partition) + ".");
    for (const StampColumn& c : stamp_columns(stamps))
      refuse_unfit_stamp_column(function, partition, c.name, c.role, table);
    note_verified(partition, t, shape);
  }
}

// The unique index on the key column the statements rely on: unique,
// immediate, valid, on exactly that column, no predicate, no expression.
// Fills the key's comparison fields of shape; false when there is none.
bool key_index(Relation rel, AttrNumber key_attnum, TableShape* shape) {
  Oid opclass = InvalidOid;
  Oid collation = InvalidOid;
  pg_guard([&] {
    List* indexes = RelationGetIndexList(rel);
    ListCell* lc;
    foreach (lc, indexes) {
      HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
      if (!HeapTupleIsValid(tup)) continue;
      auto* index = reinterpret_cast<Form_pg_index>(GETSTRUCT(tup));
      bool usable = index->indisunique && index->indimmediate && index->indisvalid &&
                    index->indnkeyatts == 1 && index->indkey.values[0] == key_attnum &&
                    heap_attisnull(tup, Anum_pg_index_indpred, nullptr) &&
                    heap_attisnull(tup, Anum_pg_index_indexprs, nullptr);
      if (usable) {
        bool is_null;
        Datum classes = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indclass, &is_null);
        Datum collations = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indcollation, &is_null);
        opclass = reinterpret_cast<oidvector*>(DatumGetPointer(classes))->values[0];
        collation = reinterpret_cast<oidvector*>(DatumGetPointer(collations))->values[0];
      }
      ReleaseSysCache(tup);
      if (OidIsValid(opclass)) break;
    }
    list_free(indexes);
  });
  if (!OidIsValid(opclass)) return false;
  const char* opclass_sql = nullptr;
  const char* eq_schema = nullptr;
  const char* eq_name = nullptr;
  const char* collation_sql = nullptr;
  Oid compare = InvalidOid;
  pg_guard([&] {
    HeapTuple tup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass));
    if (!HeapTupleIsValid(tup)) elog(ERROR, "cache lookup failed for operator class %u", opclass);
    auto* oc = reinterpret_cast<Form_pg_opclass>(GETSTRUCT(tup));
    Oid family = oc->opcfamily;
    Oid input = oc->opcintype;
    opclass_sql = quote_qualified_identifier(get_namespace_name(oc->opcnamespace), NameStr(oc->opcname));
    ReleaseSysCache(tup);
    Oid eq = get_opfamily_member(family, input, input, BTEqualStrategyNumber);
    compare = get_opfamily_proc(family, input, input, BTORDER_PROC);
    if (!OidIsValid(eq) || !OidIsValid(compare))
      elog(ERROR, "operator class %u has no btree equality or comparison", opclass);
    HeapTuple optup = SearchSysCache1(OPEROID, ObjectIdGetDatum(eq));
    if (!HeapTupleIsValid(optup)) elog(ERROR, "cache lookup failed for operator %u", eq);
    auto* op = reinterpret_cast<Form_pg_operator>(GETSTRUCT(optup));
    eq_schema = quote_identifier(get_namespace_name(op->oprnamespace));
    eq_name = pstrdup(NameStr(op->oprname));
    ReleaseSysCache(optup);
    if (OidIsValid(collation)) {
      HeapTuple ctup = SearchSysCache1(COLLOID, ObjectIdGetDatum(collation));
      if (!HeapTupleIsValid(ctup)) elog(ERROR, "cache lookup failed for collation %u", collation);
      auto* coll = reinterpret_cast<Form_pg_collation>(GETSTRUCT(ctup));
      collation_sql =
          quote_qualified_identifier(get_namespace_name(coll->collnamespace), NameStr(coll->collname));
      ReleaseSysCache(ctup);
    }
  });
  shape->key_compare = compare;
  shape->key_collation = collation;
  shape->key_eq = PgString("OPERATOR(") + eq_schema + "." + eq_name + ")";
  if (collation_sql != nullptr) shape->key_collate = PgString(" COLLATE ") + collation_sql;
  shape->conflict = "(" + shape->key + shape->key_collate + " " + opclass_sql + ")";
  return true;
}

}  // namespace

void keep_shape(const TableShape& shape, PlanSet* set) {
  std::memcpy(set->relname, shape.relname, NAMEDATALEN);
  set->key_type = shape.key_type;
  set->key_typmod = shape.key_typmod;
  set->key_collation = shape.key_collation;
  set->key_compare = shape.key_compare;
  set->stamp_trigger = shape.stamp_trigger;
  set->silent_on_origin = shape.silent_on_origin;
  set->silent_on_replica = shape.silent_on_replica;
  size_t n = shape.verified.size();
  set->verified = static_cast<Oid*>(
      pg_call<void*>([&] { return MemoryContextAlloc(CacheMemoryContext, n * sizeof(Oid)); }));
  std::copy(shape.verified.begin(), shape.verified.end(), set->verified);
  sort_checking_interrupts(set->verified, set->verified + n, [](Oid x, Oid y) { return x < y; });
  set->nverified = static_cast<int>(n);
}

void check_stamp_fires(const char* function, const PlanSet& set) {
  bool replica = SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA;
  Oid silent = replica ? set.silent_on_replica : set.silent_on_origin;
  if (!OidIsValid(silent)) return;
  std::string name = pg_call<char*>([&] { return get_rel_name(silent); });
  throw Error(sqlstate::kNotInPrerequisiteState,
              std::string(function) + ": the docpatch_stamp trigger of relation " +
                  quoted(name.c_str()) + " does not fire in this session",
              "session_replication_role is " + std::string(replica ? "replica" : "origin") +
                  " and the trigger fires " + (replica ? "only on origin" : "only on replicas") +
                  ": the stamps would not be written.",
              "RESET session_replication_role, or ALTER TABLE ... ENABLE ALWAYS TRIGGER the stamp "
              "trigger.");
}

TableShape inspect_table(Oid relid, const char* key_column, const char* doc_column,
                         const char* function, Oid stamp_function) {
  // The relation stays locked until the end of the transaction; the relcache
  // entry is only read here.
  OpenTable table(relid, function);
  Relation rel = table.rel();

  TableShape shape;
  shape.relid = relid;
  strlcpy(shape.relname, RelationGetRelationName(rel), NAMEDATALEN);
  const char* relname = shape.relname;
  if (std::strcmp(key_column, doc_column) == 0)
    throw Error(sqlstate::kInvalidArgument,
                std::string(function) + ": key_column and doc_column are both " + quoted(key_column),
                {}, "Name the key column and the jsonb document column.");

  TupleDesc desc = RelationGetDescr(rel);
  Column key;
  Column doc;
  if (!find_column(desc, key_column, &key))
    throw Error(sqlstate::kUndefinedColumn,
                std::string(function) + ": column " + quoted(key_column) + " of relation " +
                    quoted(relname) + " does not exist",
                {}, "Name the table's key column with key_column => '<column>'.");
  if (!find_column(desc, doc_column, &doc))
    throw Error(sqlstate::kUndefinedColumn,
                std::string(function) + ": column " + quoted(doc_column) + " of relation " +
                    quoted(relname) + " does not exist",
                {}, "Name the table's jsonb document column with doc_column => '<column>'.");
  if (doc.type != JSONBOID)
    throw Error(sqlstate::kDatatypeMismatch,
                std::string(function) + ": column " + quoted(doc_column) + " of relation " +
                    quoted(relname) + " has type " + type_name(doc.type) +
                    ", but the document column must be jsonb");

  if (citus_placement(relid) == CitusPlacement::kSeveralCopies)
    throw Error(sqlstate::kFeatureNotSupported,
                std::string(function) + ": relation " + quoted(relname) +
                    " is kept in several copies by Citus (a reference table, or replicated shards)",
                "Each copy would draw its own etag and timestamps: the copies would disagree.",
                "Use a hash-distributed table with citus.shard_replication_factor = 1; see the Citus "
                "page of docpatch's documentation.");
  bool partitioned = rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
  if (!partitioned) refuse_inheritance_children(rel, function);

  const Trigger* trigger = stamp_trigger_of(rel, function, stamp_function, relid);
  shape.stamp_trigger = trigger->tgoid;
  StampColumns stamps =
      parse_stamp_arguments(trigger->tgnargs, trigger->tgargs, trigger->tgname, relname);
  for (const StampColumn& c : stamp_columns(stamps)) {
    Column col;
    if (!find_column(desc, c.name, &col))
      throw Error(sqlstate::kUndefinedColumn,
                  std::string(function) + ": column " + quoted(c.name) + " of relation " +
                      quoted(relname) + " does not exist",
                  std::string("The docpatch_stamp trigger ") + quoted(trigger->tgname) + " stores " +
                      c.role + " in it.",
                  "Call SELECT docpatch_enable(" + regclass_literal(relid) + ") to add it.");
    if (col.type != c.type)
      throw Error(sqlstate::kDatatypeMismatch,
                  std::string(function) + ": column " + quoted(c.name) + " of relation " +
                      quoted(relname) + " has type " + type_name(col.type) + ", but " + c.role +
                      " must be " + c.type_name);
    if (std::strcmp(c.name, key_column) == 0 || std::strcmp(c.name, doc_column) == 0)
      throw Error(sqlstate::kInvalidArgument,
                  std::string(function) + ": column " + quoted(c.name) + " of relation " +
                      quoted(relname) + " is the " + c.role + " column of the docpatch_stamp trigger",
                  {}, "Name the table's key and jsonb document columns with key_column and doc_column.");
    refuse_unfit_stamp_column(function, relid, c.name, c.role, relid);
  }
  note_verified(relid, trigger, &shape);
  if (partitioned) verify_partitions(rel, trigger, stamps, function, stamp_function, &shape);

  shape.key = quote_ident(key_column);
  shape.doc = quote_ident(doc_column);
  shape.created_at = quote_ident(stamps.created_at);
  shape.updated_at = quote_ident(stamps.updated_at);
  shape.etag = quote_ident(stamps.etag);
  shape.key_type = key.type;
  shape.key_typmod = key.typmod;
  if (!key_index(rel, key.attnum, &shape)) {
    std::string table_sql = regclass_name(relid);
    std::string column = quote_ident(key_column).c_str();
    throw Error(sqlstate::kInvalidColumnReference,
                std::string(function) + ": relation " + quoted(relname) +
                    " has no unique index on column " + quoted(key_column),
                "The key column must identify one row: a primary key or a plain, immediate unique "
                "index on that column alone.",
                "Add one with ALTER TABLE " + table_sql + " ADD PRIMARY KEY (" + column +
                    ") or CREATE UNIQUE INDEX ON " + table_sql + " (" + column + ").");
  }
  shape.qualified = qualified_name(relid);
  shape.update_target = partitioned ? shape.qualified : "ONLY " + shape.qualified;
  return shape;
}

}  // namespace docpatch::rows

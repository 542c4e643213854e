// Table-shape inspection: see table_shape.hpp.
#include "rows/table_shape.hpp"

#include <cstring>
#include <string>

#include "rows/citus.hpp"
#include "rows/stamp.hpp"
#include "rows/toolkit.hpp"

namespace docpatch::rows {
namespace {

std::string type_name(Oid type) {
  return pg_call<char*>([&] { return format_type_be(type); });
}

std::string enable_hint(Oid relid) {
  return "Call SELECT docpatch_enable(" + regclass_literal(relid) +
         ") to add the stamp columns and trigger.";
}

// The docpatch_stamp trigger of rel; throws 55000 when there is none that
// fires BEFORE INSERT OR UPDATE FOR EACH ROW and is enabled, or when another
// BEFORE row trigger fires after it.
const Trigger* stamp_trigger_of(Relation rel, const char* function, Oid stamp_function) {
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
                      regclass_literal(relid) + ") to give the stamp trigger its name " +
                      kStampTriggerName + ".");
    return found;
  }
  if (disabled != nullptr)
    throw Error(sqlstate::kNotInPrerequisiteState,
                std::string(function) + ": the docpatch_stamp trigger " + quoted(disabled->tgname) +
                    " of relation " + quoted(relname) + " is disabled",
                "Without it the etag, created_at and updated_at columns would not be maintained.",
                "Enable it with ALTER TABLE " + regclass_name(relid) + " ENABLE TRIGGER " +
                    std::string(quote_ident(disabled->tgname).c_str()) + ".");
  if (misfit != nullptr)
    throw Error(sqlstate::kNotInPrerequisiteState,
                std::string(function) + ": the docpatch_stamp trigger " + quoted(misfit->tgname) +
                    " of relation " + quoted(relname) +
                    " does not fire BEFORE INSERT OR UPDATE FOR EACH ROW",
                {}, enable_hint(relid));
  throw Error(sqlstate::kNotInPrerequisiteState,
              std::string(function) + ": relation " + quoted(relname) + " has no docpatch_stamp trigger",
              "The trigger maintains the etag, created_at and updated_at columns this function "
              "relies on.",
              enable_hint(relid));
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
  set->stamp_enabled = shape.stamp_enabled;
}

void check_stamp_fires(const char* function, const char* relname, char stamp_enabled) {
  Trigger t;
  std::memset(&t, 0, sizeof(t));
  t.tgenabled = stamp_enabled;
  if (trigger_fires_now(&t)) return;
  throw Error(sqlstate::kNotInPrerequisiteState,
              std::string(function) + ": the docpatch_stamp trigger of relation " + quoted(relname) +
                  " does not fire in this session",
              "session_replication_role is " +
                  std::string(SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA ? "replica"
                                                                                           : "origin") +
                  " and the trigger fires " +
                  (stamp_enabled == TRIGGER_FIRES_ON_REPLICA ? "only on replicas" : "only on origin") +
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

  const Trigger* trigger = stamp_trigger_of(rel, function, stamp_function);
  shape.stamp_trigger = trigger->tgoid;
  shape.stamp_enabled = trigger->tgenabled;
  StampColumns stamps =
      parse_stamp_arguments(trigger->tgnargs, trigger->tgargs, trigger->tgname, relname);
  struct StampColumn {
    const char* role;
    const char* name;
    Oid type;
    const char* type_name;
  } stamp_columns[] = {{"created_at", stamps.created_at, TIMESTAMPTZOID, "timestamptz"},
                       {"updated_at", stamps.updated_at, TIMESTAMPTZOID, "timestamptz"},
                       {"etag", stamps.etag, TEXTOID, "text"}};
  for (const StampColumn& c : stamp_columns) {
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
  }

  shape.key = quote_ident(key_column);
  shape.doc = quote_ident(doc_column);
  shape.created_at = quote_ident(stamps.created_at);
  shape.updated_at = quote_ident(stamps.updated_at);
  shape.etag = quote_ident(stamps.etag);
  shape.key_type = key.type;
  shape.key_typmod = key.typmod;
  if (!key_index(rel, key.attnum, &shape)) {
    std::string table = regclass_name(relid);
    std::string column = quote_ident(key_column).c_str();
    throw Error(sqlstate::kInvalidColumnReference,
                std::string(function) + ": relation " + quoted(relname) +
                    " has no unique index on column " + quoted(key_column),
                "The key column must identify one row: a primary key or a plain, immediate unique "
                "index on that column alone.",
                "Add one with ALTER TABLE " + table + " ADD PRIMARY KEY (" + column +
                    ") or CREATE UNIQUE INDEX ON " + table + " (" + column + ").");
  }
  shape.qualified = qualified_name(relid);
  shape.update_target = RelationGetForm(rel)->relkind == RELKIND_PARTITIONED_TABLE
                            ? shape.qualified
                            : "ONLY " + shape.qualified;
  return shape;
}

}  // namespace docpatch::rows

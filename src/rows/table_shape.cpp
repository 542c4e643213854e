// Table-shape inspection: see table_shape.hpp.
#include "rows/table_shape.hpp"

#include <cstring>
#include <string>

#include "rows/stamp.hpp"

namespace docpatch::rows {
namespace {

constexpr const char* kWrongObjectType = "42809";
constexpr const char* kUndefinedColumn = "42703";
constexpr const char* kDatatypeMismatch = "42804";
constexpr const char* kNotInPrerequisiteState = "55000";
constexpr const char* kInvalidColumnReference = "42P10";

std::string q(const char* s) { return std::string("\"") + s + "\""; }

PgString quote_ident(const char* name) {
  return PgString(pg_call<const char*>([&] { return quote_identifier(name); }));
}

AttrNumber find_column(TupleDesc desc, const char* name, Oid* type) {
  for (int i = 0; i < desc->natts; ++i) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    if (!att->attisdropped && std::strcmp(NameStr(att->attname), name) == 0) {
      *type = att->atttypid;
      return static_cast<AttrNumber>(i + 1);
    }
  }
  return InvalidAttrNumber;
}

std::string type_name(Oid type) {
  return pg_call<char*>([&] { return format_type_be(type); });
}

// The docpatch_stamp trigger of rel; throws 55000 when there is none that
// fires BEFORE INSERT OR UPDATE FOR EACH ROW and is enabled.
const Trigger* stamp_trigger_of(Relation rel, const char* function, Oid stamp_function) {
  const char* relname = RelationGetRelationName(rel);
  const std::string enable_hint =
      std::string("Call SELECT docpatch_enable('") + relname + "') to add the stamp columns and trigger.";
  const Trigger* found = nullptr;
  const Trigger* misfit = nullptr;
  TriggerDesc* td = rel->trigdesc;
  for (int i = 0; td != nullptr && i < td->numtriggers; ++i) {
    const Trigger* t = &td->triggers[i];
    if (t->tgfoid != stamp_function) continue;
    if (TRIGGER_FOR_ROW(t->tgtype) && TRIGGER_FOR_BEFORE(t->tgtype) &&
        TRIGGER_FOR_INSERT(t->tgtype) && TRIGGER_FOR_UPDATE(t->tgtype)) {
      if (t->tgenabled != TRIGGER_DISABLED) return t;
      found = t;
    } else {
      misfit = t;
    }
  }
  if (found != nullptr)
    throw Error(kNotInPrerequisiteState,
                std::string(function) + ": the docpatch_stamp trigger " + q(found->tgname) +
                    " of relation " + q(relname) + " is disabled",
                "Without it the etag, created_at and updated_at columns would not be maintained.",
                std::string("Enable it with ALTER TABLE ") + relname + " ENABLE TRIGGER " +
                    found->tgname + ".");
  if (misfit != nullptr)
    throw Error(kNotInPrerequisiteState,
                std::string(function) + ": the docpatch_stamp trigger " + q(misfit->tgname) +
                    " of relation " + q(relname) +
                    " does not fire BEFORE INSERT OR UPDATE FOR EACH ROW",
                {}, enable_hint);
  throw Error(kNotInPrerequisiteState,
              std::string(function) + ": relation " + q(relname) +
                  " has no docpatch_stamp trigger",
              "The trigger maintains the etag, created_at and updated_at columns this function "
              "relies on.",
              enable_hint);
}

// OPERATOR("schema".=) for the equality operator of a usable unique index on
// the key column, or an empty string when there is none.  Usable: unique,
// immediate, valid, on exactly that column, no predicate, no expression.
PgString unique_key_equality(Relation rel, AttrNumber key_attnum) {
  Oid eq_operator = InvalidOid;
  pg_guard([&] {
    List* indexes = RelationGetIndexList(rel);
    ListCell* lc;
    foreach (lc, indexes) {
      Oid index_oid = lfirst_oid(lc);
      HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index_oid));
      if (!HeapTupleIsValid(tup)) continue;
      auto* index = reinterpret_cast<Form_pg_index>(GETSTRUCT(tup));
      bool usable = index->indisunique && index->indimmediate && index->indisvalid &&
                    index->indnkeyatts == 1 && index->indkey.values[0] == key_attnum &&
                    heap_attisnull(tup, Anum_pg_index_indpred, nullptr) &&
                    heap_attisnull(tup, Anum_pg_index_indexprs, nullptr);
      if (usable) {
        bool is_null;
        Datum classes = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indclass, &is_null);
        Oid opclass = reinterpret_cast<oidvector*>(DatumGetPointer(classes))->values[0];
        Oid input_type = get_opclass_input_type(opclass);
        eq_operator = get_opfamily_member(get_opclass_family(opclass), input_type, input_type,
                                          BTEqualStrategyNumber);
      }
      ReleaseSysCache(tup);
      if (OidIsValid(eq_operator)) break;
    }
    list_free(indexes);
  });
  if (!OidIsValid(eq_operator)) return PgString();
  const char* nsp = nullptr;
  const char* name = nullptr;
  pg_guard([&] {
    HeapTuple tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(eq_operator));
    if (!HeapTupleIsValid(tup)) return;
    auto* op = reinterpret_cast<Form_pg_operator>(GETSTRUCT(tup));
    nsp = quote_identifier(get_namespace_name(op->oprnamespace));
    name = pstrdup(NameStr(op->oprname));
    ReleaseSysCache(tup);
  });
  if (nsp == nullptr) return PgString();
  PgString sql("OPERATOR(");
  sql += nsp;
  sql += ".";
  sql += name;
  sql += ")";
  return sql;
}

}  // namespace

TableShape inspect_table(Oid relid, const char* key_column, const char* doc_column,
                         const char* function, Oid stamp_function) {
  // relation_open, not table_open: the kind check below refuses indexes and
  // composite types in docpatch's words, as it does views and sequences.
  Relation rel = pg_call<Relation>([&] { return try_relation_open(relid, NoLock); });
  if (rel == nullptr)
    throw Error("42P01", std::string(function) + ": relation with OID " + std::to_string(relid) +
                             " does not exist");
  // The relation stays open (and locked) until the end of the transaction;
  // the relcache entry is only read here.
  struct Closer {
    Relation rel;
    ~Closer() { relation_close(rel, NoLock); }
  } closer{rel};

  TableShape shape;
  shape.relid = relid;
  strlcpy(shape.relname, RelationGetRelationName(rel), NAMEDATALEN);
  const char* relname = shape.relname;
  char kind = rel->rd_rel->relkind;
  if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
    throw Error(kWrongObjectType, std::string(function) + ": " + q(relname) + " is not a table");
  if (std::strcmp(key_column, doc_column) == 0)
    throw Error(sqlstate::kInvalidArgument,
                std::string(function) + ": key_column and doc_column are both " + q(key_column),
                {}, "Name the key column and the jsonb document column.");

  TupleDesc desc = RelationGetDescr(rel);
  Oid key_type = InvalidOid;
  Oid doc_type = InvalidOid;
  AttrNumber key_attnum = find_column(desc, key_column, &key_type);
  if (key_attnum == InvalidAttrNumber)
    throw Error(kUndefinedColumn,
                std::string(function) + ": column " + q(key_column) + " of relation " + q(relname) +
                    " does not exist",
                {}, "Name the table's key column with key_column => '<column>'.");
  AttrNumber doc_attnum = find_column(desc, doc_column, &doc_type);
  if (doc_attnum == InvalidAttrNumber)
    throw Error(kUndefinedColumn,
                std::string(function) + ": column " + q(doc_column) + " of relation " + q(relname) +
                    " does not exist",
                {}, "Name the table's jsonb document column with doc_column => '<column>'.");
  if (doc_type != JSONBOID)
    throw Error(kDatatypeMismatch,
                std::string(function) + ": column " + q(doc_column) + " of relation " + q(relname) +
                    " has type " + type_name(doc_type) + ", but the document column must be jsonb");

  const Trigger* trigger = stamp_trigger_of(rel, function, stamp_function);
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
    Oid type = InvalidOid;
    if (find_column(desc, c.name, &type) == InvalidAttrNumber)
      throw Error(kUndefinedColumn,
                  std::string(function) + ": column " + q(c.name) + " of relation " + q(relname) +
                      " does not exist",
                  std::string("The docpatch_stamp trigger ") + q(trigger->tgname) + " stores " +
                      c.role + " in it.",
                  std::string("Call SELECT docpatch_enable('") + relname + "') to add it.");
    if (type != c.type)
      throw Error(kDatatypeMismatch,
                  std::string(function) + ": column " + q(c.name) + " of relation " + q(relname) +
                      " has type " + type_name(type) + ", but " + c.role + " must be " +
                      c.type_name);
    if (std::strcmp(c.name, key_column) == 0 || std::strcmp(c.name, doc_column) == 0)
      throw Error(sqlstate::kInvalidArgument,
                  std::string(function) + ": column " + q(c.name) + " of relation " + q(relname) +
                      " is the " + c.role + " column of the docpatch_stamp trigger",
                  {}, "Name the table's key and jsonb document columns with key_column and doc_column.");
  }

  shape.key_eq = unique_key_equality(rel, key_attnum);
  if (shape.key_eq.empty())
    throw Error(kInvalidColumnReference,
                std::string(function) + ": relation " + q(relname) +
                    " has no unique index on column " + q(key_column),
                "The key column must identify one row: a primary key or a plain, immediate unique "
                "index on that column alone.",
                std::string("Add one with ALTER TABLE ") + relname + " ADD PRIMARY KEY (" +
                    key_column + ") or CREATE UNIQUE INDEX ON " + relname + " (" + key_column +
                    ").");

  shape.qualified = PgString(pg_call<char*>([&] {
    return quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
                                      RelationGetRelationName(rel));
  }));
  shape.key = quote_ident(key_column);
  shape.doc = quote_ident(doc_column);
  shape.created_at = quote_ident(stamps.created_at);
  shape.updated_at = quote_ident(stamps.updated_at);
  shape.etag = quote_ident(stamps.etag);
  shape.key_type = PgString(pg_call<char*>([&] { return format_type_be_qualified(key_type); }));
  return shape;
}

}  // namespace docpatch::rows

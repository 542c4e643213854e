// docpatch_enable / docpatch_disable: see enable.hpp and
// docs/functions/docpatch_enable.md.
//
// docpatch_enable runs, through SPI, only the DDL the table still needs:
//
//   ALTER TABLE t ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
//                 ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
//                 ADD COLUMN etag text NOT NULL DEFAULT docpatch_new_etag();
//   ALTER TABLE t ALTER COLUMN etag DROP DEFAULT;  -- existing rows got one each
//   CREATE OR REPLACE TRIGGER docpatch_stamp BEFORE INSERT OR UPDATE ON t
//     FOR EACH ROW EXECUTE FUNCTION docpatch_stamp(<non-default arguments>);
//
// every name quoted and qualified, so a second call changes nothing.
#include "rows/enable.hpp"

#include <cstring>

#include "rows/stamp.hpp"

namespace docpatch::rows {
namespace {

constexpr const char* kWrongObjectType = "42809";
constexpr const char* kDatatypeMismatch = "42804";
constexpr const char* kDuplicateObject = "42710";
constexpr const char* kTriggerName = "docpatch_stamp";

std::string q(const char* s) { return std::string("\"") + s + "\""; }

struct OpenTable {
  Relation rel;
  explicit OpenTable(Oid relid, const char* function) {
    // relation_open, not table_open: table_open refuses indexes and composite
    // types itself (worded differently from 16 on); the kind check below
    // refuses every kind that is not a table in docpatch's own words.
    rel = pg_call<Relation>([&] { return try_relation_open(relid, NoLock); });
    if (rel == nullptr)
      throw Error("42P01", std::string(function) + ": relation with OID " + std::to_string(relid) +
                               " does not exist");
    char kind = rel->rd_rel->relkind;
    if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE)
      throw Error(kWrongObjectType, std::string(function) + ": " +
                                        q(RelationGetRelationName(rel)) + " is not a table");
  }
  ~OpenTable() { close(); }
  void close() {
    if (rel != nullptr) relation_close(rel, NoLock);
    rel = nullptr;
  }
  OpenTable(const OpenTable&) = delete;
  OpenTable& operator=(const OpenTable&) = delete;
};

// The column's type, or InvalidOid when the table has no such column.
Oid column_type(Relation rel, const char* name) {
  TupleDesc desc = RelationGetDescr(rel);
  for (int i = 0; i < desc->natts; ++i) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    if (!att->attisdropped && std::strcmp(NameStr(att->attname), name) == 0) return att->atttypid;
  }
  return InvalidOid;
}

PgString quote_ident(const char* name) {
  return PgString(pg_call<const char*>([&] { return quote_identifier(name); }));
}

PgString quote_literal(const PgString& s) {
  return PgString(pg_call<char*>([&] { return quote_literal_cstr(s.c_str()); }));
}

PgString qualified_name(Relation rel) {
  return PgString(pg_call<char*>([&] {
    return quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
                                      RelationGetRelationName(rel));
  }));
}

void spi_run(const PgString& sql) {
  pg_guard([&] {
    int rc = SPI_execute(sql.c_str(), false, 0);
    if (rc < 0) elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
  });
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
  // Self-exclusive and blocks writes: two enables of one table run one after the other.
  pg_guard([&] { LockRelationOid(relid, ShareRowExclusiveLock); });

  OpenTable table(relid, function);
  Relation rel = table.rel;
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
    Oid type = column_type(rel, c.name);
    c.missing = type == InvalidOid;
    if (!c.missing && type != c.type) {
      const char* have = pg_call<char*>([&] { return format_type_be(type); });
      throw Error(kDatatypeMismatch,
                  std::string(function) + ": column " + q(c.name) + " of relation " + q(relname) +
                      " has type " + have + ", but " + c.role + " must be " + c.sql_type,
                  {},
                  std::string("Change its type, or pass another column name as ") + c.role + ".");
    }
  }

  // Replace the table's existing docpatch_stamp trigger, whatever its name.
  PgString trigger_name(kTriggerName);
  TriggerDesc* td = rel->trigdesc;
  bool found = false;
  for (int i = 0; td != nullptr && i < td->numtriggers && !found; ++i) {
    const Trigger* t = &td->triggers[i];
    if (t->tgfoid == stamp_function && !t->tgisinternal && !t->tgisclone) {
      trigger_name = t->tgname;
      found = true;
    }
  }
  for (int i = 0; td != nullptr && i < td->numtriggers && !found; ++i) {
    const Trigger* t = &td->triggers[i];
    if (std::strcmp(t->tgname, kTriggerName) == 0)
      throw Error(kDuplicateObject,
                  std::string(function) + ": relation " + q(relname) + " already has a trigger " +
                      q(kTriggerName) + " that does not run docpatch_stamp()",
                  {}, "Rename or drop that trigger first.");
  }
  PgString table_sql = qualified_name(rel);
  table.close();  // ALTER TABLE refuses a table this session still has open

  // Every statement is built before connecting to SPI: strings made while
  // connected would live in SPI's memory, which SPI_finish frees.
  PgString ext = quoted_namespace(nsp);
  PgString alter;
  for (const Wanted& c : columns) {
    if (!c.missing) continue;
    alter += alter.empty() ? "ALTER TABLE " + table_sql + " " : PgString(", ");
    alter += "ADD COLUMN " + quote_ident(c.name) + " pg_catalog." + c.sql_type + " NOT NULL DEFAULT ";
    alter += c.type == TEXTOID ? ext + ".docpatch_new_etag()" : PgString("pg_catalog.now()");
  }
  PgString drop_default;
  if (columns[2].missing)
    drop_default = "ALTER TABLE " + table_sql + " ALTER COLUMN " + quote_ident(a.etag) + " DROP DEFAULT";
  PgString args;
  auto add_arg = [&](const PgString& arg) {
    if (!args.empty()) args += ", ";
    args += quote_literal(arg);
  };
  if (std::strcmp(a.created_at, "created_at") != 0) add_arg(PgString("created_at=") + a.created_at);
  if (std::strcmp(a.updated_at, "updated_at") != 0) add_arg(PgString("updated_at=") + a.updated_at);
  if (std::strcmp(a.etag, "etag") != 0) add_arg(PgString("etag=") + a.etag);
  if (a.refuse_created_at_change) add_arg(PgString("on_created_at_change=error"));
  PgString trigger = "CREATE OR REPLACE TRIGGER " + quote_ident(trigger_name.c_str()) +
                     " BEFORE INSERT OR UPDATE ON " + table_sql + " FOR EACH ROW EXECUTE FUNCTION " +
                     ext + ".docpatch_stamp(" + args + ")";

  spi_connect();
  if (!alter.empty()) spi_run(alter);
  if (!drop_default.empty()) spi_run(drop_default);
  spi_run(trigger);
  spi_finish();
}

void disable(FunctionCallInfo fcinfo, Oid relid) {
  const char* function = "docpatch_disable";
  Oid stamp_function = stamp_function_oid(extension_namespace(fcinfo));
  pg_guard([&] { LockRelationOid(relid, ShareRowExclusiveLock); });
  OpenTable table(relid, function);
  PgVector<PgString> names;
  TriggerDesc* td = table.rel->trigdesc;
  for (int i = 0; td != nullptr && i < td->numtriggers; ++i) {
    const Trigger* t = &td->triggers[i];
    if (t->tgfoid == stamp_function && !t->tgisinternal && !t->tgisclone)
      names.emplace_back(t->tgname);
  }
  PgString table_sql = qualified_name(table.rel);
  table.close();
  if (names.empty()) return;
  PgVector<PgString> drops;
  for (const PgString& name : names)
    drops.push_back("DROP TRIGGER " + quote_ident(name.c_str()) + " ON " + table_sql);
  spi_connect();
  for (const PgString& drop : drops) spi_run(drop);
  spi_finish();
}

}  // namespace docpatch::rows

// The rows toolkit: see toolkit.hpp.
#include "rows/toolkit.hpp"

#include <cstring>

#include "core/text.hpp"

namespace docpatch::rows {
namespace {

constexpr KindInfo kKinds[] = {
    {Kind::Merge, "merge", "jsonb_shallow_merge", false},  // a NULL target is {} already
    {Kind::DeepMerge, "deep_merge", "jsonb_deep_merge", true},
    {Kind::MergePatch, "merge_patch", "jsonb_merge_patch", true},
    {Kind::Replace, "replace", nullptr, false},
    {Kind::Ops, "ops", "jsonb_patch_ops", true},
};

std::string kind_names_hint() {
  std::string hint = "Use ";
  constexpr size_t n = sizeof(kKinds) / sizeof(kKinds[0]);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) hint += i + 1 == n ? " or " : ", ";
    hint += std::string("'") + kKinds[i].name + "'";
  }
  return hint + ".";
}

}  // namespace

const KindInfo& kind_info(Kind kind) {
  for (const KindInfo& k : kKinds)
    if (k.kind == kind) return k;
  return kKinds[0];  // never: every Kind has a row
}

bool parse_kind(const char* text, Kind* kind) {
  for (const KindInfo& k : kKinds) {
    if (std::strcmp(text, k.name) == 0) {
      *kind = k.kind;
      return true;
    }
  }
  return false;
}

Kind kind_argument(const char* text, const char* function, const char* argument) {
  Kind kind;
  if (text == nullptr)
    throw Error(sqlstate::kInvalidArgument,
                std::string(function) + ": " + argument + " must not be NULL", {}, kind_names_hint());
  if (!parse_kind(text, &kind))
    throw Error(sqlstate::kInvalidArgument,
                std::string(function) + ": unknown " + argument + " \"" + excerpt(text) + "\"", {},
                kind_names_hint());
  return kind;
}

PgString kind_apply_sql(Kind kind, const PgString& ext, const char* target, const char* patch) {
  const KindInfo& k = kind_info(kind);
  if (k.sql_function == nullptr) return PgString(patch);  // replace
  PgString sql = ext + "." + k.sql_function + "(";
  if (k.coalesce_target) {
    sql += "COALESCE(";
    sql += target;
    sql += ", '{}'::pg_catalog.jsonb)";
  } else {
    sql += target;
  }
  sql += ", ";
  sql += patch;
  sql += ")";
  return sql;
}

// ---------------------------------------------------------------------------

PgString quote_ident(const char* name) {
  return PgString(pg_call<const char*>([&] { return quote_identifier(name); }));
}

PgString quote_literal(const char* text) {
  return PgString(pg_call<char*>([&] { return quote_literal_cstr(text); }));
}

PgString qualified_name(Oid relid) {
  return PgString(pg_call<char*>([&] {
    char* nsp = get_namespace_name(get_rel_namespace(relid));
    char* rel = get_rel_name(relid);
    if (nsp == nullptr || rel == nullptr) elog(ERROR, "cache lookup failed for relation %u", relid);
    return quote_qualified_identifier(nsp, rel);
  }));
}

std::string regclass_name(Oid relid) {
  return pg_call<char*>([&] {
    char* rel = get_rel_name(relid);
    if (rel == nullptr) elog(ERROR, "cache lookup failed for relation %u", relid);
    char* nsp = RelationIsVisible(relid) ? nullptr : get_namespace_name(get_rel_namespace(relid));
    return quote_qualified_identifier(nsp, rel);
  });
}

std::string regclass_literal(Oid relid) {
  std::string name = regclass_name(relid);
  return pg_call<char*>([&] { return quote_literal_cstr(name.c_str()); });
}

std::string quoted(const char* name) { return std::string("\"") + name + "\""; }

std::string excerpt(const char* text) { return quoted_excerpt(text, 100); }

// ---------------------------------------------------------------------------

bool find_column(TupleDesc desc, const char* name, Column* out) {
  for (int i = 0; i < desc->natts; ++i) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    if (!att->attisdropped && std::strcmp(NameStr(att->attname), name) == 0) {
      out->attnum = static_cast<AttrNumber>(i + 1);
      out->type = att->atttypid;
      out->typmod = att->atttypmod;
      out->collation = att->attcollation;
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------

void relation_gone(Oid relid, const char* function) {
  throw Error(sqlstate::kUndefinedTable, std::string(function) + ": relation with OID " +
                                             std::to_string(relid) + " does not exist");
}

PgVector<Oid> partitions_of(Oid relid, LOCKMODE lockmode) {
  PgVector<Oid> out;
  pg_guard([&] {
    List* all = find_all_inheritors(relid, lockmode, nullptr);
    ListCell* lc;
    foreach (lc, all)
      if (lfirst_oid(lc) != relid) out.push_back(lfirst_oid(lc));
    list_free(all);
  });
  return out;
}

OpenTable::OpenTable(Oid relid, const char* function) {
  // relation_open, not table_open: table_open refuses indexes and composite
  // types itself (worded differently from 16 on); the kind check below
  // refuses every kind that is not a table in docpatch's own words.
  rel_ = pg_call<Relation>([&] { return try_relation_open(relid, NoLock); });
  if (rel_ == nullptr) relation_gone(relid, function);
  char kind = rel_->rd_rel->relkind;
  if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE) {
    std::string name = quoted(RelationGetRelationName(rel_));
    close();
    throw Error(sqlstate::kWrongObjectType, std::string(function) + ": " + name + " is not a table");
  }
}

void OpenTable::close() {
  if (rel_ != nullptr) relation_close(rel_, NoLock);
  rel_ = nullptr;
}

// ---------------------------------------------------------------------------

Oid extension_namespace(FunctionCallInfo fcinfo) {
  Oid fn = fcinfo->flinfo->fn_oid;
  return pg_call<Oid>([&] { return get_func_namespace(fn); });
}

PgString quoted_namespace(Oid nsp) {
  return PgString(pg_call<const char*>([&] {
    char* name = get_namespace_name(nsp);
    if (name == nullptr) elog(ERROR, "cache lookup failed for namespace %u", nsp);
    return quote_identifier(name);
  }));
}

Oid stamp_function_oid(Oid nsp) {
  return pg_call<Oid>([&] {
    char* name = get_namespace_name(nsp);
    if (name == nullptr) elog(ERROR, "cache lookup failed for namespace %u", nsp);
    List* qualified = list_make2(makeString(name), makeString(pstrdup("docpatch_stamp")));
    return LookupFuncName(qualified, 0, nullptr, false);
  });
}

// ---------------------------------------------------------------------------

void spi_connect() {
  pg_guard([] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  });
}

void spi_finish() {
  pg_guard([] {
    if (SPI_finish() != SPI_OK_FINISH) elog(ERROR, "SPI_finish failed");
  });
}

uint64 spi_execute(SPIPlanPtr plan, Datum* values, const char* nulls) {
  return pg_call<uint64>([&] {
    int rc = SPI_execute_plan(plan, values, nulls, false, 0);
    if (rc < 0) elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
    return SPI_processed;
  });
}

void spi_run(const PgString& sql) {
  pg_guard([&] {
    int rc = SPI_execute(sql.c_str(), false, 0);
    if (rc < 0) elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
  });
}

// ---------------------------------------------------------------------------

ResultSink::ResultSink(FunctionCallInfo fcinfo) {
  pg_guard([&] {
    InitMaterializedSRF(fcinfo, 0);
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    store_ = rsinfo->setResult;
    desc_ = rsinfo->setDesc;
  });
}

void ResultSink::put_spi_row(SPITupleTable* table, uint64 row, int ncols, const bool* leading) {
  put_tuple(table->vals[row], table->tupdesc, ncols, leading);
}

void ResultSink::put_tuple(HeapTuple tuple, TupleDesc spi_desc, int ncols, const bool* leading) {
  pg_guard([&] {
    Datum values[8];
    bool nulls[8];
    int out = 0;
    if (leading != nullptr) {
      values[out] = BoolGetDatum(*leading);
      nulls[out++] = false;
    }
    Assert(out + ncols <= 8 && out + ncols == desc_->natts);
    for (int i = 0; i < ncols; ++i, ++out) {
      values[out] = heap_getattr(tuple, i + 1, spi_desc, &nulls[out]);
      if (!nulls[out] && TupleDescAttr(spi_desc, i)->attlen == -1 &&
          VARATT_IS_EXTERNAL(DatumGetPointer(values[out])))
        values[out] = PointerGetDatum(
            detoast_external_attr(reinterpret_cast<varlena*>(DatumGetPointer(values[out]))));
    }
    tuplestore_putvalues(store_, desc_, values, nulls);
  });
}

}  // namespace docpatch::rows

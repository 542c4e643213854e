// Shared plumbing of the row functions: see common.hpp.
#include "rows/common.hpp"

#include <cstring>

namespace docpatch::rows {
namespace {

struct KindName {
  Kind kind;
  const char* name;
};
constexpr KindName kKinds[] = {{Kind::Ops, "ops"},
                               {Kind::Merge, "merge"},
                               {Kind::DeepMerge, "deep_merge"},
                               {Kind::MergePatch, "merge_patch"},
                               {Kind::Replace, "replace"}};

}  // namespace

bool parse_kind(const char* text, Kind* kind) {
  for (const KindName& k : kKinds) {
    if (std::strcmp(text, k.name) == 0) {
      *kind = k.kind;
      return true;
    }
  }
  return false;
}

const char* kind_name(Kind kind) {
  for (const KindName& k : kKinds)
    if (k.kind == kind) return k.name;
  return "unknown";
}

Kind kind_argument(const char* text, const char* function, const char* argument) {
  Kind kind;
  if (text == nullptr)
    throw Error(sqlstate::kInvalidArgument,
                std::string(function) + ": " + argument + " must not be NULL", {},
                "Use 'merge', 'deep_merge', 'merge_patch', 'replace' or 'ops'.");
  if (!parse_kind(text, &kind))
    throw Error(sqlstate::kInvalidArgument,
                std::string(function) + ": unknown " + argument + " \"" + excerpt(text) + "\"",
                {}, "Use 'merge', 'deep_merge', 'merge_patch', 'replace' or 'ops'.");
  return kind;
}

PgString kind_apply_sql(Kind kind, const PgString& ext, const char* target, const char* patch) {
  PgString sql;
  auto call = [&](const char* function, bool coalesce) {
    sql += ext;
    sql += ".";
    sql += function;
    sql += "(";
    if (coalesce) sql += "COALESCE(";
    sql += target;
    if (coalesce) sql += ", '{}'::pg_catalog.jsonb)";
    sql += ", ";
    sql += patch;
    sql += ")";
  };
  switch (kind) {
    case Kind::Merge: call("jsonb_shallow_merge", false); break;  // NULL target is {} already
    case Kind::DeepMerge: call("jsonb_deep_merge", true); break;
    case Kind::MergePatch: call("jsonb_merge_patch", true); break;
    case Kind::Ops: call("jsonb_patch_ops", true); break;
    case Kind::Replace: sql += patch; break;
  }
  return sql;
}

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

ResultSink::ResultSink(FunctionCallInfo fcinfo) {
  pg_guard([&] {
    InitMaterializedSRF(fcinfo, 0);
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    store_ = rsinfo->setResult;
    desc_ = rsinfo->setDesc;
  });
}

void ResultSink::put_spi_row(SPITupleTable* table, uint64 row, int ncols, const bool* leading) {
  pg_guard([&] {
    HeapTuple tuple = table->vals[row];
    TupleDesc spi_desc = table->tupdesc;
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

std::string excerpt(const char* text) {
  size_t len = std::strlen(text);
  if (len <= 100) return text;
  // Cut at a character boundary (UTF-8 continuation bytes are 10xxxxxx).
  size_t cut = 100;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text, cut) + "...";
}

}  // namespace docpatch::rows

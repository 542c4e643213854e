// Stamp columns the trigger can keep: see stamp_columns.hpp.
#include "rows/stamp_columns.hpp"

#include <string>

#include "rows/toolkit.hpp"

namespace docpatch::rows {
namespace {

enum class Unfit { kNo, kGenerated, kIndexed };

struct ColumnUse {
  Unfit unfit = Unfit::kNo;
  Oid index = InvalidOid;  // kIndexed: the index
  bool exclusion = false;  // kIndexed: the index of an exclusion constraint
};

// Does the expression or predicate in column `anum` of pg_index tuple `tup`
// read attribute attnum of the indexed table?  Plain C.
bool index_node_reads(HeapTuple tup, TupleDesc desc, AttrNumber anum, AttrNumber attnum) {
  bool is_null;
  Datum d = heap_getattr(tup, anum, desc, &is_null);
  if (is_null) return false;
  Bitmapset* attrs = nullptr;
  pull_varattnos(static_cast<Node*>(stringToNode(TextDatumGetCString(d))), 1, &attrs);
  return bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, attrs);
}

// What keeps column `column` of relid from being a stamp column.  Plain C:
// runs inside pg_guard.
void read_column_use(Oid relid, const char* column, ColumnUse* out) {
  HeapTuple att = SearchSysCacheAttName(relid, column);
  if (!HeapTupleIsValid(att)) return;
  auto* a = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(att));
  AttrNumber attnum = a->attnum;
  bool generated = a->attgenerated != '\0';
  ReleaseSysCache(att);
  if (generated) {
    out->unfit = Unfit::kGenerated;
    return;
  }
  Relation catalog = table_open(IndexRelationId, AccessShareLock);
  ScanKeyData key;
  ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
  SysScanDesc scan = systable_beginscan(catalog, IndexIndrelidIndexId, true, nullptr, 1, &key);
  HeapTuple tup;
  while (out->unfit == Unfit::kNo && HeapTupleIsValid(tup = systable_getnext(scan))) {
    auto* index = reinterpret_cast<Form_pg_index>(GETSTRUCT(tup));
    if (!index->indisunique && !index->indisexclusion) continue;
    bool reads = index_node_reads(tup, RelationGetDescr(catalog), Anum_pg_index_indexprs, attnum) ||
                 index_node_reads(tup, RelationGetDescr(catalog), Anum_pg_index_indpred, attnum);
    for (int i = 0; i < index->indnkeyatts; ++i)
      if (index->indkey.values[i] == attnum) reads = true;
    if (reads) {
      out->unfit = Unfit::kIndexed;
      out->index = index->indexrelid;
      out->exclusion = index->indisexclusion;
    }
  }
  systable_endscan(scan);
  table_close(catalog, AccessShareLock);
}

std::string rel_name(Oid relid) {
  const char* name = pg_call<char*>([&] { return get_rel_name(relid); });
  return name != nullptr ? name : "?";
}

}  // namespace

void refuse_unfit_stamp_column(const char* function, Oid relid, const char* column,
                               const char* role, Oid table) {
  ColumnUse use;
  pg_guard([&] { read_column_use(relid, column, &use); });
  if (use.unfit == Unfit::kNo) return;
  std::string what = std::string(function) + ": column " + quoted(column) + " of relation " +
                     quoted(rel_name(relid).c_str());
  std::string elsewhere = "SELECT docpatch_enable(" + regclass_literal(table) + ", " + role +
                          " => '<column>')";
  if (use.unfit == Unfit::kGenerated)
    throw Error(sqlstate::kNotInPrerequisiteState, what + " is a generated column",
                std::string("PostgreSQL computes a generated column after the BEFORE triggers: the ") +
                    role + " the docpatch_stamp trigger writes would be replaced by the expression's "
                    "value.",
                "Make it a plain column with ALTER TABLE " + regclass_name(table) + " ALTER COLUMN " +
                    std::string(quote_ident(column).c_str()) + " DROP EXPRESSION, or keep the " +
                    role + " in another column: " + elsewhere + ".");
  std::string index = quoted(rel_name(use.index).c_str());
  throw Error(sqlstate::kInvalidColumnReference,
              what + (use.exclusion ? " is part of the index " + index + " of an exclusion constraint"
                                    : " is part of unique index " + index),
              std::string("The docpatch_stamp trigger overwrites the ") + role +
                  " on every write it stamps: the column cannot be a key, and the index could "
                  "refuse a write because of a stamp.",
              std::string("Keep the ") + role + " in a column of its own: " + elsewhere +
                  "; or drop the index.");
}

}  // namespace docpatch::rows

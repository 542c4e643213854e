// Citus metadata for the row functions: see citus.hpp.
//
// Citus keeps, per distributed table, a row in pg_catalog.pg_dist_partition
// (logicalrelid regclass, partmethod "char", ..., repmodel "char") and, per
// shard, a row in pg_catalog.pg_dist_shard (logicalrelid regclass, shardid
// bigint, ...).  A shard's relation is named <table>_<shardid>, in the
// table's schema.  The catalogs are read with a plain catalog scan, their
// columns found by name.  repmodel 't' (reference tables) and 'c' (shards
// replicated by statement, citus.shard_replication_factor > 1) write every
// copy with its own statement; 's' has one copy per row.
#include "rows/citus.hpp"

#include <cstdlib>
#include <cstring>

#include "rows/toolkit.hpp"

namespace docpatch::rows {
namespace {

constexpr char kReplicationModel2PC = 't';          // reference tables
constexpr char kReplicationModelCoordinator = 'c';  // statement-replicated shards

// The OID of a Citus catalog in pg_catalog, InvalidOid without Citus.
Oid citus_catalog(const char* name) {
  return pg_call<Oid>([&] {
    if (!OidIsValid(get_extension_oid("citus", true))) return InvalidOid;
    return get_relname_relid(name, PG_CATALOG_NAMESPACE);
  });
}

// Scans catalog `catalog` for the first row whose column `key_column`
// equals key (compared with `eq_proc`) and returns column `want` of it as a
// Datum copied by value (chars and OIDs only); found is false when there is
// no such row.  Plain C: runs inside pg_guard.
Datum scan_catalog(Oid catalog, const char* key_column, RegProcedure eq_proc, Datum key,
                   const char* want, bool* found) {
  Relation rel = table_open(catalog, AccessShareLock);
  TupleDesc desc = RelationGetDescr(rel);
  AttrNumber key_attnum = InvalidAttrNumber;
  AttrNumber want_attnum = InvalidAttrNumber;
  for (int i = 0; i < desc->natts; ++i) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    if (att->attisdropped) continue;
    if (std::strcmp(NameStr(att->attname), key_column) == 0) key_attnum = att->attnum;
    if (std::strcmp(NameStr(att->attname), want) == 0) want_attnum = att->attnum;
  }
  Datum result = (Datum)0;
  *found = false;
  if (key_attnum != InvalidAttrNumber && want_attnum != InvalidAttrNumber) {
    ScanKeyData scan_key;
    ScanKeyInit(&scan_key, key_attnum, BTEqualStrategyNumber, eq_proc, key);
    SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, nullptr, 1, &scan_key);
    HeapTuple tuple = systable_getnext(scan);
    if (HeapTupleIsValid(tuple)) {
      bool is_null;
      Datum d = heap_getattr(tuple, want_attnum, desc, &is_null);
      if (!is_null) {
        result = d;  // by value: "char" or an OID
        *found = true;
      }
    }
    systable_endscan(scan);
  }
  table_close(rel, AccessShareLock);
  return result;
}

}  // namespace

CitusPlacement citus_placement(Oid relid) {
  Oid partition = citus_catalog("pg_dist_partition");
  if (!OidIsValid(partition)) return CitusPlacement::kNone;
  bool found;
  char repmodel = pg_call<char>([&] {
    return DatumGetChar(scan_catalog(partition, "logicalrelid", F_OIDEQ, ObjectIdGetDatum(relid),
                                     "repmodel", &found));
  });
  if (!found) return CitusPlacement::kNone;
  return repmodel == kReplicationModel2PC || repmodel == kReplicationModelCoordinator
             ? CitusPlacement::kSeveralCopies
             : CitusPlacement::kSingleCopy;
}

Oid citus_shard_owner(Relation rel) {
  // <table>_<shardid>: a name ending in _ and digits, first.
  const char* name = RelationGetRelationName(rel);
  const char* underscore = std::strrchr(name, '_');
  if (underscore == nullptr || underscore[1] == '\0' ||
      std::strspn(underscore + 1, "0123456789") != std::strlen(underscore + 1))
    return InvalidOid;
  Oid shard_catalog = citus_catalog("pg_dist_shard");
  if (!OidIsValid(shard_catalog)) return InvalidOid;
  int64 shard_id = std::strtoll(underscore + 1, nullptr, 10);
  bool found;
  Oid owner = pg_call<Oid>([&] {
    return DatumGetObjectId(scan_catalog(shard_catalog, "shardid", F_INT8EQ, Int64GetDatum(shard_id),
                                         "logicalrelid", &found));
  });
  if (!found) return InvalidOid;
  // The shard of that table, in its schema, under that very name?
  bool same = pg_call<bool>([&] {
    char* table = get_rel_name(owner);
    if (table == nullptr || get_rel_namespace(owner) != RelationGetNamespace(rel)) return false;
    size_t len = std::strlen(table);
    return static_cast<size_t>(underscore - name) == len && std::strncmp(name, table, len) == 0;
  });
  return same ? owner : InvalidOid;
}

Oid relation_to_name(Relation rel) {
  Oid owner = citus_shard_owner(rel);
  return OidIsValid(owner) ? owner : RelationGetRelid(rel);
}

std::string trigger_to_name(Relation rel, const char* tgname) {
  if (!OidIsValid(citus_shard_owner(rel))) return tgname;
  // Citus appends _<shardid> to the name of a trigger it puts on a shard (on
  // a partition of a distributed partitioned table, the parent shard's id).
  const char* underscore = std::strrchr(tgname, '_');
  if (underscore == nullptr || underscore == tgname || underscore[1] == '\0' ||
      std::strspn(underscore + 1, "0123456789") != std::strlen(underscore + 1))
    return tgname;
  return std::string(tgname, static_cast<size_t>(underscore - tgname));
}

int citus_allow_trigger_ddl() {
  return pg_call<int>([] {
    if (GetConfigOption("citus.enable_unsafe_triggers", true, false) == nullptr) return 0;
    int level = NewGUCNestLevel();
    (void)set_config_option("citus.enable_unsafe_triggers", "on", PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_SAVE, true, 0, false);
    return level;
  });
}

void citus_end_trigger_ddl(int level) {
  if (level == 0) return;
  pg_guard([&] { AtEOXact_GUC(true, level); });
}

}  // namespace docpatch::rows

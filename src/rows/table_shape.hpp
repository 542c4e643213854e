// Table-shape inspection for the row functions: the key and document columns,
// the docpatch_stamp trigger and the columns it maintains, and the unique
// index on the key column.  Everything the statements of etag_guarded_update
// and upsert_with_creation_ts are built from comes from here, taken from the
// catalogs and quoted.
#pragma once

#include "boundary/pg_allocator.hpp"
#include "boundary/boundary.hpp"
#include "rows/plan_cache.hpp"

namespace docpatch::rows {

struct TableShape {
  Oid relid = InvalidOid;
  char relname[NAMEDATALEN] = {};  // for messages
  PgString qualified;              // "schema"."table"
  PgString update_target;  // what an UPDATE names: ONLY "schema"."table", or "schema"."table" for a partitioned table
  PgString key;                    // quoted column names
  PgString doc;
  PgString created_at;
  PgString updated_at;
  PgString etag;
  // The key column as an INSERT stores it and as its unique index compares
  // it: ids are converted with the type's input function and the column's
  // type modifier (key_type, key_typmod), compared with the index's
  // equality operator in the index's collation, grouped and ordered with
  // the index's btree comparison function.
  Oid key_type = InvalidOid;       // the column's type (a domain stays a domain)
  int32 key_typmod = -1;
  Oid key_collation = InvalidOid;  // the index's collation; InvalidOid if not collatable
  Oid key_compare = InvalidOid;    // btree comparison function of the index's operator class
  PgString key_eq;        // OPERATOR("schema".=) of the index's operator class
  PgString key_collate;   // " COLLATE "schema"."name"" or empty
  PgString conflict;      // the ON CONFLICT target naming that index: (key COLLATE ... opclass)
  Oid stamp_trigger = InvalidOid;
  // Every relation the statements can write -- the table, and for a
  // partitioned table every partition at every level -- sorted.  Each was
  // verified to have the stamp trigger (enabled, BEFORE INSERT OR UPDATE FOR
  // EACH ROW, no column list, no WHEN, the last BEFORE row trigger, the
  // table's arguments) and fit stamp columns (stamp_columns.hpp).
  PgVector<Oid> verified;
  // The first of them whose stamp trigger does not fire under
  // session_replication_role origin (it is ENABLE REPLICA), and the first
  // whose trigger does not fire under replica (plain ENABLE); InvalidOid
  // when there is none.
  Oid silent_on_origin = InvalidOid;
  Oid silent_on_replica = InvalidOid;
};

// Inspects the relation (which the caller has locked) for `function` (named
// in messages).  `stamp_function` is the OID of docpatch_stamp() in the
// extension's schema.  Throws with a specific SQLSTATE when the table does not
// fit: 42809 not a table, 42703 unknown column, 42804 wrong column type,
// 55000 no (enabled) docpatch_stamp trigger, one with a column list or a
// WHEN condition, a BEFORE trigger that fires after it, or a generated stamp
// column, 42P10 no unique index on the key column or a stamp column in a
// unique index, 0A000 a Citus table kept in several copies, a table with
// inheritance children or a partition that is not a table, DP005
// overlapping column arguments -- on the table and on every partition (the
// message names the partition), which are locked (RowExclusiveLock).
TableShape inspect_table(Oid relid, const char* key_column, const char* doc_column,
                         const char* function, Oid stamp_function);

// Copies what calls need at run time (names for messages, the key's
// conversion and comparison, the stamp trigger, the verified relations)
// into a PlanSet.
void keep_shape(const TableShape& shape, PlanSet* set);

// 55000 when the stamp trigger of a relation the statements can write would
// not fire in this session (session_replication_role = replica for a
// trigger that fires on origin, or the other way round): what the row
// functions read back would not be the trigger's.  Checked at every call;
// two comparisons.
void check_stamp_fires(const char* function, const PlanSet& set);

}  // namespace docpatch::rows

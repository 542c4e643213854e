// Table-shape inspection for the row functions: the key and document columns,
// the docpatch_stamp trigger and the columns it maintains, and the unique
// index on the key column.  Everything the SQL statements of
// etag_guarded_update and upsert_with_creation_ts are built from comes from
// here, taken from the catalogs and quoted.
#pragma once

#include "boundary/pg_allocator.hpp"
#include "boundary/boundary.hpp"

namespace docpatch::rows {

struct TableShape {
  Oid relid = InvalidOid;
  char relname[NAMEDATALEN] = {};  // for messages
  PgString qualified;              // "schema"."table"
  PgString key;                    // quoted column names
  PgString doc;
  PgString created_at;
  PgString updated_at;
  PgString etag;
  PgString key_type;  // the key column's type, schema-qualified (format_type_be_qualified)
  PgString key_eq;    // OPERATOR("schema".=) of the unique index's equality operator
};

// Inspects the relation (which the caller has locked) for `function` (named
// in messages).  `stamp_function` is the OID of docpatch_stamp() in the
// extension's schema.  Throws with a specific SQLSTATE when the table does not
// fit: 42809 not a table, 42703 unknown column, 42804 wrong column type,
// 55000 no (enabled) docpatch_stamp trigger, 42P10 no unique index on the key
// column, DP005 overlapping column arguments.
TableShape inspect_table(Oid relid, const char* key_column, const char* doc_column,
                         const char* function, Oid stamp_function);

}  // namespace docpatch::rows

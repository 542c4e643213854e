// The rows toolkit: what every row function shares -- the mode table (kinds
// of etag_guarded_update, modes of upsert_with_creation_ts), names and
// quoting, column look-up, opening a table, the extension's own schema, SPI
// calls, message excerpts and set-returning results.
#pragma once

#include <string>

#include "boundary/pg_allocator.hpp"
#include "boundary/boundary.hpp"

namespace docpatch::rows {

// ---------------------------------------------------------------------------
// The mode table: etag_guarded_update's kind and upsert_with_creation_ts's
// mode, their names and the SQL function of docpatch that applies each.
enum class Kind : int16 { Ops = 1, Merge = 2, DeepMerge = 3, MergePatch = 4, Replace = 5 };

struct KindInfo {
  Kind kind;
  const char* name;          // 'ops', 'merge', ...
  const char* sql_function;  // docpatch's function applying it; nullptr for 'replace'
  bool coalesce_target;      // the function needs a NULL target spelled {} (jsonb_shallow_merge does not)
};

const KindInfo& kind_info(Kind kind);
inline const char* kind_name(Kind kind) { return kind_info(kind).name; }
// Parses a kind's name; false when text names none.
bool parse_kind(const char* text, Kind* kind);
// parse_kind, or DP005 naming `function` and `argument` (NULL refused too).
Kind kind_argument(const char* text, const char* function, const char* argument);

// The SQL expression applying `patch` to `target` (SQL NULL counts as {})
// the way `kind` says; functions qualified with the extension's schema `ext`
// (already quoted).
PgString kind_apply_sql(Kind kind, const PgString& ext, const char* target, const char* patch);

// ---------------------------------------------------------------------------
// Names.  Statements use quote_identifier and schema-qualified names;
// messages name objects PostgreSQL's way ("name", unquoted inside); hints
// hold SQL a user can paste, with every identifier quoted.
PgString quote_ident(const char* name);
PgString quote_literal(const char* text);
// "schema"."table", always qualified: for statements.
PgString qualified_name(Oid relid);
// The relation as regclass output writes it: quoted, and qualified when it is
// not visible on the search_path.  For hints: ALTER TABLE <this> ...
std::string regclass_name(Oid relid);
// regclass_name as a string literal, for hints: docpatch_enable(<this>).
std::string regclass_literal(Oid relid);
// "name", for messages.
std::string quoted(const char* name);
// A message-sized excerpt of user text: quoted_excerpt (core/text.hpp) of
// at most 100 bytes, cut at a character boundary of the server encoding.
std::string excerpt(const char* text);

// ---------------------------------------------------------------------------
// Columns.
struct Column {
  AttrNumber attnum = InvalidAttrNumber;
  Oid type = InvalidOid;
  int32 typmod = -1;
  Oid collation = InvalidOid;
};
// The live (not dropped) column of that name; false when there is none.
bool find_column(TupleDesc desc, const char* name, Column* out);

// ---------------------------------------------------------------------------
// An open table (the caller has locked it): a table or a partitioned table,
// else 42809; a relation that is gone is 42P01.  Closed by the destructor.
class OpenTable {
 public:
  OpenTable(Oid relid, const char* function);
  ~OpenTable() { close(); }
  OpenTable(const OpenTable&) = delete;
  OpenTable& operator=(const OpenTable&) = delete;
  Relation rel() const { return rel_; }
  void close();

 private:
  Relation rel_ = nullptr;
};

// The partitions of partitioned table relid at every level, relid left
// out, each locked with lockmode (NoLock: read without locking them).
PgVector<Oid> partitions_of(Oid relid, LOCKMODE lockmode);

// 42P01 for a relation that no longer exists.
[[noreturn]] void relation_gone(Oid relid, const char* function);

// ---------------------------------------------------------------------------
// The extension's schema: the namespace of the calling function.
Oid extension_namespace(FunctionCallInfo fcinfo);
// quote_identifier(name of nsp).
PgString quoted_namespace(Oid nsp);
// The OID of docpatch_stamp() in schema nsp.
Oid stamp_function_oid(Oid nsp);

// ---------------------------------------------------------------------------
// SPI, under the guard.  On an error the connection is left to the
// (sub)transaction abort, which closes it, as for any C function.
// While connected, CurrentMemoryContext is SPI's: a PgString or PgVector
// made then must be destroyed before spi_finish(), which frees that memory.
void spi_connect();
void spi_finish();
// Executes a kept plan (read-write) and returns SPI_processed.
uint64 spi_execute(SPIPlanPtr plan, Datum* values, const char* nulls);
// Runs a utility statement or query text (DDL of docpatch_enable).
void spi_run(const PgString& sql);

// ---------------------------------------------------------------------------
// The result set of a set-returning row function (materialize mode).
class ResultSink {
 public:
  explicit ResultSink(FunctionCallInfo fcinfo);
  // Appends a result row made of the first `ncols` columns of row `row` of
  // an SPI result, preceded by *leading (a boolean column) when not null.
  // The values are copied (external toast pointers fetched) into the result.
  void put_spi_row(SPITupleTable* table, uint64 row, int ncols, const bool* leading = nullptr);
  // The same for a tuple of descriptor desc.
  void put_tuple(HeapTuple tuple, TupleDesc desc, int ncols, const bool* leading = nullptr);

 private:
  Tuplestorestate* store_;
  TupleDesc desc_;
};

}  // namespace docpatch::rows

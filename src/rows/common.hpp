// Shared plumbing of the row functions: patch kinds / upsert modes, the
// extension's own schema, SPI calls, and set-returning results.
#pragma once

#include <string>

#include "boundary/pg_allocator.hpp"
#include "boundary/boundary.hpp"

namespace docpatch::rows {

// etag_guarded_update's kind and upsert_with_creation_ts's mode.
enum class Kind : int16 { Ops = 1, Merge = 2, DeepMerge = 3, MergePatch = 4, Replace = 5 };

// Parses 'ops', 'merge', 'deep_merge', 'merge_patch' or 'replace'.
bool parse_kind(const char* text, Kind* kind);
const char* kind_name(Kind kind);
// Throws DP005 naming `function` and `argument` when text is not a kind.
Kind kind_argument(const char* text, const char* function, const char* argument);

// The SQL expression that applies `patch` to `target` (SQL NULL counts as
// {}) the way `kind` says; functions are qualified with the extension's
// schema `ext` (already quoted).
PgString kind_apply_sql(Kind kind, const PgString& ext, const char* target, const char* patch);

// The schema docpatch is installed in: the namespace of the calling function.
Oid extension_namespace(FunctionCallInfo fcinfo);
// quote_identifier(name of nsp).
PgString quoted_namespace(Oid nsp);
// The OID of docpatch_stamp() in schema nsp.
Oid stamp_function_oid(Oid nsp);

// SPI, under the guard.  On an error the connection is left to the
// (sub)transaction abort, which closes it, as for any C function.
// While connected, CurrentMemoryContext is SPI's: a PgString or PgVector
// made then must be destroyed before spi_finish(), which frees that memory.
void spi_connect();
void spi_finish();
// Executes a kept plan (read-write) and returns SPI_processed.
uint64 spi_execute(SPIPlanPtr plan, Datum* values, const char* nulls);

// The result set of a set-returning row function (materialize mode).
class ResultSink {
 public:
  explicit ResultSink(FunctionCallInfo fcinfo);
  // Appends a result row made of the first `ncols` columns of row `row` of
  // an SPI result, preceded by *leading (a boolean column) when not null.
  // The values are copied (external toast pointers fetched) into the result.
  void put_spi_row(SPITupleTable* table, uint64 row, int ncols, const bool* leading = nullptr);

 private:
  Tuplestorestate* store_;
  TupleDesc desc_;
};

// A message-sized excerpt of user text: at most 100 characters.
std::string excerpt(const char* text);

}  // namespace docpatch::rows

// Shared plumbing of the SQL functions that take and return jsonb.
#pragma once

#include "boundary/boundary.hpp"
#include "jsonb/reader.hpp"
#include "jsonb/writer.hpp"

namespace docpatch {

// Fetches a jsonb argument, detoasted, under the guard.
inline Jsonb* jsonb_arg(FunctionCallInfo fcinfo, int n) {
  return pg_call<Jsonb*>([&] { return PG_GETARG_JSONB_P(n); });
}

// Turns the engine's result into the function's return value, allocated in
// result_context.  When the result is one of the inputs' whole documents,
// untouched, that datum is returned as it is.
inline Datum jsonb_result(const jsonb::Value& v, std::initializer_list<const Jsonb*> inputs,
                          MemoryContext result_context, size_t size_hint) {
  if (v.is_raw_container()) {
    for (const Jsonb* in : inputs)
      if (in != nullptr && v.raw == reinterpret_cast<const char*>(&in->root))
        return PointerGetDatum(in);
  }
  return PointerGetDatum(jsonb::serialize(v, result_context, size_hint));
}

// PG_FREE_IF_COPY for a jsonb argument, once the result is built: frees the
// detoasted copy of argument n, unless the result is that copy.  A 1 MB
// document fetched from TOAST then no longer lives on next to its patched
// copy while the executor copies the result into the new row, which keeps
// an UPDATE's peak memory near twice the document instead of three times.
inline Datum release_arg_copy(FunctionCallInfo fcinfo, int n, const Jsonb* arg, Datum result) {
  if (arg != nullptr && PointerGetDatum(arg) != PG_GETARG_DATUM(n) && PointerGetDatum(arg) != result)
    pfree(const_cast<Jsonb*>(arg));
  return result;
}

}  // namespace docpatch

// Decoded patches cached per call site.
//
// In a bulk UPDATE the same ops datum arrives for every row.  The decoded
// operations are kept in fcinfo->flinfo->fn_extra, in a memory context under
// fn_mcxt, together with a copy of the ops bytes they point into; a call
// whose ops have the same bytes (size + memcmp) reuses them.  A different
// patch replaces the cache (its context is deleted), so a query that sends
// a different patch per row does not accumulate memory.
#pragma once

#include "boundary/boundary.hpp"
#include "patch/operation.hpp"

namespace docpatch::patch {

// The decoded operations of ops, from the cache when possible.  Without a
// flinfo (a direct call), decodes into the current memory context.
const Operations& cached_operations(FmgrInfo* flinfo, const Jsonb* ops);

}  // namespace docpatch::patch

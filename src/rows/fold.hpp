// docpatch_fold / docpatch_fold_proposed: applying an ordered array of
// documents to a target, one mode for all.  Internal helpers of
// upsert_with_creation_ts's batch form (several items for one id fold in
// order) and of its 'ops' mode; documented in docs/functions/docpatch_fold.md.
#pragma once

#include "rows/common.hpp"

namespace docpatch::rows {

// docpatch_fold(target jsonb, mode text, docs jsonb): applies each element of
// the array docs to target in order (a NULL target counts as {}).
Datum fold(FunctionCallInfo fcinfo);

// docpatch_fold_proposed(mode text, docs jsonb): docpatch_fold(NULL, mode,
// docs), the document an upsert proposes for a new row; except that in mode
// 'ops', when the patch does not apply to {} (DP002, DP003, DP004), it
// returns {}: the row may exist, and then the proposal is discarded.
// upsert_with_creation_ts re-applies the patch to {} for the rows it really
// inserts, so that such an insert fails with the patch's error.
Datum fold_proposed(FunctionCallInfo fcinfo);

}  // namespace docpatch::rows

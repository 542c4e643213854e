// docpatch_enable / docpatch_disable: adding the stamp columns and the
// docpatch_stamp trigger to a table in one idempotent call, and removing the
// trigger again.
#pragma once

#include "rows/toolkit.hpp"

namespace docpatch::rows {

struct EnableArgs {
  Oid relid;
  const char* created_at;
  const char* updated_at;
  const char* etag;
  bool refuse_created_at_change;
};

void enable(FunctionCallInfo fcinfo, const EnableArgs& args);
void disable(FunctionCallInfo fcinfo, Oid relid);

}  // namespace docpatch::rows

// jsonb_shallow_merge: top-level merge of two objects, the patch winning.
#pragma once

#include "jsonb/value.hpp"

namespace docpatch::merge {

// Merges the members of patch into target (both objects); members of patch
// replace target's members of the same key whole.  Raises DP003 when either
// side is not an object.  `function` names the SQL function in messages.
jsonb::Value shallow_merge(const jsonb::Value& target, const jsonb::Value& patch,
                           const char* function);

// Raises DP003 unless v is an object.  `role` is "target" or "patch".
void require_object(const jsonb::Value& v, const char* function, const char* role);

}  // namespace docpatch::merge

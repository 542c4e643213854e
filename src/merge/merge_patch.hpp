// jsonb_merge_patch: RFC 7396 JSON Merge Patch.
#pragma once

#include "jsonb/value.hpp"

namespace docpatch::merge {

// Applies merge patch `patch` to `target` exactly as RFC 7396 defines it: a
// non-object patch replaces the target; an object patch applied to a
// non-object target applies to {}; a null member deletes, any other member is
// merge-patched into the target's member of the same name.
//
// An expanded target object is modified in place (the aggregate's running
// document); a raw one is left alone and the result shares its untouched
// members.  Returns target itself when nothing changes.
jsonb::Value merge_patch(const jsonb::Value& target, const jsonb::Value& patch);

// `v` with every null member of every object reached through objects
// removed (what merge-patching v into {} gives); v itself when it has none.
jsonb::Value strip_null_members(const jsonb::Value& v);

}  // namespace docpatch::merge

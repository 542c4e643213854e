// jsonb_deep_merge: recursive merge of two objects, the patch winning.
#pragma once

#include <cstdint>

#include "jsonb/value.hpp"

namespace docpatch::merge {

// max_depth value meaning "merge at every level".
inline constexpr int64_t kUnboundedDepth = -1;

// Merges patch into target, both objects (DP003 otherwise, naming
// `function`).  Objects merge member by member for max_depth levels (1 is
// the shallow merge, kUnboundedDepth every level, 0 replaces the target with
// the patch); below that, and for anything that is not an object on both
// sides, the patch's value replaces the target's whole.  A JSON null in the
// patch sets the member to null.  Returns target itself when nothing changes.
// An expanded target object (a fold's running document) is merged into in
// place; a raw one is left alone and the result shares its untouched members.
jsonb::Value deep_merge(const jsonb::Value& target, const jsonb::Value& patch, int64_t max_depth,
                        const char* function);

}  // namespace docpatch::merge

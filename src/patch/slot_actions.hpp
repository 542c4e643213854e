// What an operation does to the value it reached, once its path (a JSON
// Pointer) or its jsonpath has found it: shared by the operations' path forms
// (rfc6902.cpp, cosmos.cpp, extended.cpp) and their jsonpath forms
// (selector_apply.cpp), so that both change a value in exactly the same way
// and refuse the same values with the same errors.
#pragma once

#include "jsonb/value.hpp"
#include "patch/operation.hpp"

namespace docpatch::patch {

// incr: adds op.value to the number in *slot, exactly (numeric arithmetic).
// DP003 when *slot is not a number; 22003 when the sum is out of range.
void increment(jsonb::Value* slot, const Operation& op);

// add_unique: appends op.value to the array in *slot unless an equal element
// is there.  DP003 when *slot is not an array.  Returns whether it appended.
bool add_unique_to(jsonb::Value* slot, const Operation& op);

// pull: removes every element of the array in *slot equal to op.value.
// DP003 when *slot is not an array.  Returns whether it removed any.
bool pull_from(jsonb::Value* slot, const Operation& op);

// min / max: replaces *slot with op.value when op.value is lower (min) or
// higher (max).  DP003 across types.  Returns whether it replaced.
bool min_max_into(jsonb::Value* slot, const Operation& op);

// [v], a new array node (add_unique's value for a member it creates).
jsonb::Value single_element_array(const jsonb::Value& v);

}  // namespace docpatch::patch

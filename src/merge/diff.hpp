// jsonb_diff (RFC 6902) and jsonb_merge_diff (RFC 7396): the patch that turns
// one document into another.
#pragma once

#include "jsonb/value.hpp"

namespace docpatch::merge {

// An RFC 6902 patch (an array of operations) that turns source into target.
// Objects are compared member by member (remove, add, or recurse into a
// member both sides have); arrays by their common prefix and suffix, the
// elements in between paired up and compared, and the surplus removed (from
// the highest index down) or added (in index order); anything else that
// differs is replaced.  Equal values (as JSON: 1.0 equals 1.00) give no
// operation.  Linear in the size of the documents.
jsonb::Value json_patch_diff(const jsonb::Value& source, const jsonb::Value& target);

// An RFC 7396 merge patch that turns source into target.  A non-object target
// is the patch itself.  Raises DP003 where a merge patch cannot express the
// change: a member of an object (reached through objects) whose new value is
// a JSON null, since null means "delete" in a merge patch.
jsonb::Value merge_patch_diff(const jsonb::Value& source, const jsonb::Value& target);

}  // namespace docpatch::merge

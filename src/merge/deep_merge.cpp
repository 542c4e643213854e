#include "merge/deep_merge.hpp"

#include "merge/object_join.hpp"
#include "merge/shallow_merge.hpp"

namespace docpatch::merge {

using jsonb::Key;
using jsonb::ObjectNode;
using jsonb::Type;
using jsonb::Value;

namespace {

Value merge_objects(const Value& target, const Value& patch, int64_t levels);

// Target (expanded) and patch are objects: merge into target in place, as
// merge_objects would into a copy.  A fold of many patches into one
// document (docpatch_fold) then costs in proportion to the patches, not to
// the document once per patch.
Value merge_in_place(const Value& target, const Value& patch, int64_t below) {
  ObjectNode* node = target.object;
  for_each_member(patch, [&](Key k, const Value& p) {
    Value* existing = node->find(k);
    if (existing == nullptr) {
      node->set(k, p);
    } else if (below != 0 && existing->type == Type::Object && p.type == Type::Object) {
      // merge_objects never touches `node` itself, so `existing` stays valid.
      *existing = merge_objects(*existing, p, below);
    } else {
      *existing = p;
    }
  });
  return target;
}

// Merges two objects for `levels` levels (>= 1, or kUnboundedDepth).  An
// expanded target is merged into in place.  A raw one is copied only when
// something changes: a merge that changes nothing costs in proportion to
// the patch, not to the target (match_members), and a fold of many such
// patches onto a large document stays linear.
Value merge_objects(const Value& target, const Value& patch, int64_t levels) {
  check_stack();
  if (jsonb::container_size(patch) == 0) return target;
  if (jsonb::container_size(target) == 0) return patch;
  int64_t below = levels == kUnboundedDepth ? levels : levels - 1;
  if (target.expanded) return merge_in_place(target, patch, below);
  PgVector<MemberChange> changes;
  match_members(target, patch, [&](Key k, const Value* t, const Value& p) {
    if (t == nullptr) {
      changes.push_back(MemberChange{k, p, false});
      return;
    }
    Value merged = (below != 0 && t->type == Type::Object && p.type == Type::Object)
                       ? merge_objects(*t, p, below)
                       : p;
    if (!identical(merged, *t)) changes.push_back(MemberChange{k, merged, false});
  });
  return changes.empty() ? target : with_changes(target, changes);
}

}  // namespace

Value deep_merge(const Value& target, const Value& patch, int64_t max_depth, const char* function) {
  require_object(target, function, "target");
  require_object(patch, function, "patch");
  if (max_depth == 0) return patch;
  return merge_objects(target, patch, max_depth);
}

}  // namespace docpatch::merge

#include "merge/merge_patch.hpp"

#include "merge/object_join.hpp"

namespace docpatch::merge {

using jsonb::Key;
using jsonb::ObjectNode;
using jsonb::Type;
using jsonb::Value;

Value strip_null_members(const Value& v) {
  if (v.type != Type::Object) return v;
  check_stack();
  // Built only once a member has to go or change; until then the members
  // seen are remembered so that they can be copied in.
  ObjectNode* node = nullptr;
  PgVector<std::pair<Key, Value>> kept;
  for_each_member(v, [&](Key k, const Value& m) {
    Value stripped = m.type == Type::Null ? m : strip_null_members(m);
    bool differs = m.type == Type::Null || !identical(stripped, m);
    if (node == nullptr && differs) {
      node = jsonb::make_node<ObjectNode>();
      node->reserve(jsonb::container_size(v));
      for (size_t i = 0; i < kept.size(); ++i) {
        if ((i & 0xFFF) == 0xFFF) check_for_interrupts();
        node->append_sorted(kept[i].first, kept[i].second);
      }
    }
    if (m.type == Type::Null) return;
    if (node != nullptr)
      node->append_sorted(k, stripped);
    else
      kept.emplace_back(k, m);
  });
  return node != nullptr ? Value::of(node) : v;
}

namespace {

// Target and patch are both objects; target is expanded: change it in place.
Value merge_in_place(const Value& target, const Value& patch) {
  ObjectNode* node = target.object;
  for_each_member(patch, [&](Key k, const Value& p) {
    if (p.type == Type::Null) {
      node->erase(k);
    } else if (Value* existing = node->find(k)) {
      // merge_patch never touches `node` itself, so `existing` stays valid.
      *existing = merge_patch(*existing, p);
    } else {
      node->set(k, strip_null_members(p));
    }
  });
  return target;
}

}  // namespace

Value merge_patch(const Value& target, const Value& patch) {
  if (patch.type != Type::Object) return patch;
  if (target.type != Type::Object) return strip_null_members(patch);
  check_stack();
  if (jsonb::container_size(patch) == 0) return target;
  if (target.expanded) return merge_in_place(target, patch);

  // A raw target is copied only when something changes: a patch that
  // changes nothing costs in proportion to itself, not to the target
  // (match_members), and a fold of many such patches onto a large document
  // stays linear.
  PgVector<MemberChange> changes;
  match_members(target, patch, [&](Key k, const Value* t, const Value& p) {
    if (p.type == Type::Null) {
      // deleted; a null for an absent member is a no-op
      if (t != nullptr) changes.push_back(MemberChange{k, p, true});
      return;
    }
    Value merged = t != nullptr ? merge_patch(*t, p) : strip_null_members(p);
    if (t == nullptr || !identical(merged, *t)) changes.push_back(MemberChange{k, merged, false});
  });
  return changes.empty() ? target : with_changes(target, changes);
}

}  // namespace docpatch::merge

#include "merge/shallow_merge.hpp"

#include <string>

#include "boundary/boundary.hpp"
#include "jsonb/reader.hpp"

namespace docpatch::merge {

using jsonb::Key;
using jsonb::ObjectNode;
using jsonb::RawContainer;
using jsonb::Type;
using jsonb::Value;

void require_object(const Value& v, const char* function, const char* role) {
  if (v.type == Type::Object) return;
  throw Error(sqlstate::kTypeMismatch,
              std::string(function) + ": " + role + " must be a JSON object, not " +
                  jsonb::type_name_with_article(v.type),
              {},
              v.type == Type::Array ? "To concatenate arrays use the || operator." : "");
}

Value shallow_merge(const Value& target, const Value& patch, const char* function) {
  require_object(target, function, "target");
  require_object(patch, function, "patch");
  if (jsonb::container_size(patch) == 0) return target;
  if (jsonb::container_size(target) == 0) return patch;

  if (target.expanded || patch.expanded) {
    // Expanded operands (from an aggregate's running state): member by member.
    Value result = target;
    ObjectNode* node = jsonb::expand_object(result);
    Value p = patch;
    const auto& members = jsonb::expand_object(p)->members();
    for (size_t i = 0; i < members.size(); ++i) {
      if ((i & 0xFFF) == 0xFFF) check_for_interrupts();
      node->set(members[i].key, members[i].value);
    }
    return result;
  }

  // Both raw: one merge-join over the two sorted member lists.
  RawContainer t(target);
  RawContainer p(patch);
  ObjectNode* node = jsonb::make_node<ObjectNode>();
  node->reserve(t.count() + p.count());
  // Collect patch members first (they are few, usually) to walk them in step.
  PgVector<std::pair<Key, Value>> patch_members;
  patch_members.reserve(p.count());
  p.for_each_member([&](uint32_t i, Key k, const Value& v) {
    if ((i & 0xFFF) == 0xFFF) check_for_interrupts();
    patch_members.emplace_back(k, v);
  });
  size_t j = 0;
  t.for_each_member([&](uint32_t i, Key k, const Value& v) {
    if ((i & 0xFFF) == 0) check_for_interrupts();
    while (j < patch_members.size() && jsonb::compare_keys(patch_members[j].first, k) < 0) {
      if ((j & 0xFFF) == 0xFFF) check_for_interrupts();
      node->append_sorted(patch_members[j].first, patch_members[j].second);
      ++j;
    }
    if (j < patch_members.size() && patch_members[j].first == k) {
      node->append_sorted(k, patch_members[j].second);
      ++j;
    } else {
      node->append_sorted(k, v);
    }
  });
  for (; j < patch_members.size(); ++j) {
    if ((j & 0xFFF) == 0xFFF) check_for_interrupts();
    node->append_sorted(patch_members[j].first, patch_members[j].second);
  }
  return Value::of(node);
}

}  // namespace docpatch::merge

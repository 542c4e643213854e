// docpatch's own operations: add_unique, pull, unset, min, max.
#include "boundary/boundary.hpp"
#include "jsonb/compare.hpp"
#include "jsonb/reader.hpp"
#include "patch/apply.hpp"
#include "patch/navigate.hpp"
#include "patch/patch_error.hpp"
#include "patch/slot_actions.hpp"

namespace docpatch::patch {

using jsonb::ArrayNode;
using jsonb::RawContainer;
using jsonb::Type;
using jsonb::Value;

// add_unique: appends value to the array unless an equal element is there;
// a missing object member is created as [value].
bool apply_add_unique(Value* root, const Operation& op) {
  const Pointer& p = op.path;
  if (p.is_root()) return add_unique_to(root, op);
  Value* parent = walk_to_parent(root, op, Which::kPath, op.create_parents, Absent::kError);
  size_t depth = p.size() - 1;
  if (parent->type == Type::Object) {
    jsonb::ObjectNode* node = jsonb::expand_object(*parent);
    if (Value* slot = node->find(last_key(p))) return add_unique_to(slot, op);
    node->set(last_key(p), single_element_array(op.value));
    return true;
  }
  uint32_t size = jsonb::container_size(*parent);
  ArrayIndex index = parse_array_index(last_token(p));
  if (index.kind == ArrayIndex::kInvalid) raise_bad_index(op, Which::kPath, depth);
  if (index.kind == ArrayIndex::kEnd) raise_end_index(op, Which::kPath, depth);
  if (index.value >= size) raise_index_out_of_range(op, Which::kPath, depth, size);
  return add_unique_to(&jsonb::expand_array(*parent)->elems[index.value], op);
}

// pull: removes every element equal to value; a missing array (or parent)
// is a no-op.
bool apply_pull(Value* root, const Operation& op) {
  const Pointer& p = op.path;
  if (p.is_root()) return pull_from(root, op);
  Value* parent = walk_to_parent(root, op, Which::kPath, false, Absent::kSkipMissing);
  if (parent == nullptr) return false;
  size_t depth = p.size() - 1;
  if (parent->type == Type::Object) {
    Value* slot = jsonb::expand_object(*parent)->find(last_key(p));
    return slot != nullptr && pull_from(slot, op);
  }
  uint32_t size = jsonb::container_size(*parent);
  ArrayIndex index = parse_array_index(last_token(p));
  if (index.kind == ArrayIndex::kInvalid) raise_bad_index(op, Which::kPath, depth);
  if (index.kind == ArrayIndex::kEnd) raise_end_index(op, Which::kPath, depth);
  if (index.value >= size) return false;
  return pull_from(&jsonb::expand_array(*parent)->elems[index.value], op);
}

// unset: removes the member or element if it is there; absence of it or of
// any parent is not an error.
bool apply_unset(Value* root, const Operation& op) {
  const Pointer& p = op.path;  // not the root (refused when decoding)
  Value* parent = walk_to_parent(root, op, Which::kPath, false, Absent::kSkipAnything);
  if (parent == nullptr) return false;
  size_t depth = p.size() - 1;
  if (parent->type == Type::Object) {
    Value ignored;
    if (!parent->expanded && !RawContainer(*parent).find(last_key(p), &ignored)) return false;
    return jsonb::expand_object(*parent)->erase(last_key(p));
  }
  uint32_t size = jsonb::container_size(*parent);
  ArrayIndex index = parse_array_index(last_token(p));
  if (index.kind == ArrayIndex::kInvalid) raise_bad_index(op, Which::kPath, depth);
  if (index.kind == ArrayIndex::kEnd) raise_end_index(op, Which::kPath, depth);
  if (index.value >= size) return false;
  auto& elems = jsonb::expand_array(*parent)->elems;
  elems.erase(elems.begin() + static_cast<std::ptrdiff_t>(index.value));
  return true;
}

// min / max: sets a missing object member, or replaces a lower (max) /
// higher (min) value of the same type.
bool apply_min_max(Value* root, const Operation& op) {
  const Pointer& p = op.path;
  if (p.is_root()) return min_max_into(root, op);
  Value* parent = walk_to_parent(root, op, Which::kPath, op.create_parents, Absent::kError);
  size_t depth = p.size() - 1;
  if (parent->type == Type::Object) {
    jsonb::ObjectNode* node = jsonb::expand_object(*parent);
    if (Value* slot = node->find(last_key(p))) return min_max_into(slot, op);
    node->set(last_key(p), op.value);
    return true;
  }
  uint32_t size = jsonb::container_size(*parent);
  ArrayIndex index = parse_array_index(last_token(p));
  if (index.kind == ArrayIndex::kInvalid) raise_bad_index(op, Which::kPath, depth);
  if (index.kind == ArrayIndex::kEnd) raise_end_index(op, Which::kPath, depth);
  if (index.value >= size) raise_index_out_of_range(op, Which::kPath, depth, size);
  return min_max_into(&jsonb::expand_array(*parent)->elems[index.value], op);
}

}  // namespace docpatch::patch

// The Azure Cosmos DB operations beyond RFC 6902: set and incr.
#include "boundary/boundary.hpp"
#include "jsonb/compare.hpp"
#include "jsonb/reader.hpp"
#include "patch/apply.hpp"
#include "patch/navigate.hpp"
#include "patch/patch_error.hpp"
#include "patch/slot_actions.hpp"

namespace docpatch::patch {

using jsonb::Type;
using jsonb::Value;

// set: like add on an object member; on an array, overwrites the element at
// the index (add would insert), and appends at the length or "-".
bool apply_set(Value* root, const Operation& op) {
  const Pointer& p = op.path;
  if (p.is_root()) {
    *root = op.value;
    return true;
  }
  Value* parent = walk_to_parent(root, op, Which::kPath, op.create_parents, Absent::kError);
  if (parent->type == Type::Object) {
    jsonb::expand_object(*parent)->set(last_key(p), op.value);
    return true;
  }
  size_t depth = p.size() - 1;
  uint32_t size = jsonb::container_size(*parent);
  ArrayIndex index = parse_array_index(last_token(p));
  if (index.kind == ArrayIndex::kInvalid) raise_bad_index(op, Which::kPath, depth);
  if (index.kind == ArrayIndex::kIndex && index.value > size)
    raise_index_out_of_range(op, Which::kPath, depth, size,
                             "To append, use the array's length or \"-\" as the index.");
  jsonb::ArrayNode* array = jsonb::expand_array(*parent);
  if (index.kind == ArrayIndex::kEnd || index.value == size)
    array->elems.push_back(op.value);
  else
    array->elems[index.value] = op.value;
  return true;
}

// incr: adds value to a number; a missing object member is created with the
// value itself.
bool apply_incr(Value* root, const Operation& op) {
  const Pointer& p = op.path;
  if (p.is_root()) {
    increment(root, op);
    return true;
  }
  Value* parent = walk_to_parent(root, op, Which::kPath, op.create_parents, Absent::kError);
  size_t depth = p.size() - 1;
  if (parent->type == Type::Object) {
    jsonb::ObjectNode* node = jsonb::expand_object(*parent);
    if (Value* slot = node->find(last_key(p)))
      increment(slot, op);
    else
      node->set(last_key(p), op.value);
    return true;
  }
  uint32_t size = jsonb::container_size(*parent);
  ArrayIndex index = parse_array_index(last_token(p));
  if (index.kind == ArrayIndex::kInvalid) raise_bad_index(op, Which::kPath, depth);
  if (index.kind == ArrayIndex::kEnd) raise_end_index(op, Which::kPath, depth);
  if (index.value >= size) raise_index_out_of_range(op, Which::kPath, depth, size);
  increment(&jsonb::expand_array(*parent)->elems[index.value], op);
  return true;
}

}  // namespace docpatch::patch

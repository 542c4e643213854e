// The RFC 6902 operations: add, remove, replace, move, copy, test.
#include "boundary/boundary.hpp"
#include "jsonb/compare.hpp"
#include "jsonb/reader.hpp"
#include "patch/apply.hpp"
#include "patch/navigate.hpp"
#include "patch/patch_error.hpp"

namespace docpatch::patch {

using jsonb::ArrayNode;
using jsonb::Type;
using jsonb::Value;

namespace {

// RFC 6902 "add" of v at op's path: replaces the document at "", sets an
// object member (replacing it), inserts into an array (index <= length, or
// "-" to append).  Shared by add, copy and move.
void add_value(Value* root, const Operation& op, const Value& v) {
  const Pointer& p = op.path;
  if (p.is_root()) {
    *root = v;
    return;
  }
  Value* parent = walk_to_parent(root, op, Which::kPath, op.create_parents, Absent::kError);
  if (parent->type == Type::Object) {
    jsonb::expand_object(*parent)->set(last_key(p), v);
    return;
  }
  size_t depth = p.size() - 1;
  uint32_t size = jsonb::container_size(*parent);
  ArrayIndex index = parse_array_index(last_token(p));
  if (index.kind == ArrayIndex::kInvalid) raise_bad_index(op, Which::kPath, depth);
  ArrayNode* array = jsonb::expand_array(*parent);
  if (index.kind == ArrayIndex::kEnd) {
    array->elems.push_back(v);
    return;
  }
  if (index.value > size)
    raise_index_out_of_range(op, Which::kPath, depth, size,
                             "To append, use the array's length or \"-\" as the index.");
  array->elems.insert(array->elems.begin() + static_cast<std::ptrdiff_t>(index.value), v);
}

// Removes the value at op's `which` pointer and returns it.
Value remove_value(Value* root, const Operation& op, Which which) {
  const Pointer& p = pointer_of(op, which);
  Value* parent = walk_to_parent(root, op, which, false, Absent::kError);
  size_t depth = p.size() - 1;
  if (parent->type == Type::Object) {
    jsonb::ObjectNode* node = jsonb::expand_object(*parent);
    Value* slot = node->find(last_key(p));
    if (slot == nullptr) raise_missing_member(op, which, depth, sqlstate::kPathNotFound);
    Value removed = *slot;
    node->erase(last_key(p));
    return removed;
  }
  uint32_t size = jsonb::container_size(*parent);
  ArrayIndex index = parse_array_index(last_token(p));
  if (index.kind == ArrayIndex::kInvalid) raise_bad_index(op, which, depth);
  if (index.kind == ArrayIndex::kEnd) raise_end_index(op, which, depth);
  if (index.value >= size) raise_index_out_of_range(op, which, depth, size);
  ArrayNode* array = jsonb::expand_array(*parent);
  auto it = array->elems.begin() + static_cast<std::ptrdiff_t>(index.value);
  Value removed = *it;
  array->elems.erase(it);
  return removed;
}

}  // namespace

bool apply_add(Value* root, const Operation& op) {
  add_value(root, op, op.value);
  return true;
}

bool apply_remove(Value* root, const Operation& op) {
  remove_value(root, op, Which::kPath);
  return true;
}

bool apply_replace(Value* root, const Operation& op) {
  const Pointer& p = op.path;
  if (p.is_root()) {
    *root = op.value;
    return true;
  }
  Value* parent = walk_to_parent(root, op, Which::kPath, false, Absent::kError);
  size_t depth = p.size() - 1;
  if (parent->type == Type::Object) {
    jsonb::ObjectNode* node = jsonb::expand_object(*parent);
    Value* slot = node->find(last_key(p));
    if (slot == nullptr) raise_missing_member(op, Which::kPath, depth, sqlstate::kPathNotFound);
    *slot = op.value;
    return true;
  }
  uint32_t size = jsonb::container_size(*parent);
  ArrayIndex index = parse_array_index(last_token(p));
  const char* hint = "Use \"add\" to insert into an array, \"set\" to overwrite or append.";
  if (index.kind == ArrayIndex::kInvalid) raise_bad_index(op, Which::kPath, depth);
  if (index.kind == ArrayIndex::kEnd) raise_end_index(op, Which::kPath, depth, hint);
  if (index.value >= size)
    raise_index_out_of_range(op, Which::kPath, depth, size, index.value == size ? hint : "");
  jsonb::expand_array(*parent)->elems[index.value] = op.value;
  return true;
}

bool apply_move(Value* root, const Operation& op) {
  if (op.from.tokens() == op.path.tokens()) {
    // Moving a value onto itself changes nothing, but "from" must exist.
    Value v;
    Miss miss;
    if (!lookup(*root, op.from, &v, &miss)) raise_miss(op, Which::kFrom, miss, sqlstate::kPathNotFound);
    return false;
  }
  // RFC 6902 4.4: a remove at "from" followed by an add at "path", the path
  // being interpreted after the removal.
  Value v = remove_value(root, op, Which::kFrom);
  add_value(root, op, v);
  return true;
}

bool apply_copy(Value* root, const Operation& op) {
  Value v;
  Miss miss;
  if (!lookup(*root, op.from, &v, &miss)) raise_miss(op, Which::kFrom, miss, sqlstate::kPathNotFound);
  add_value(root, op, deep_copy(v));
  return true;
}

bool apply_test(Value* root, const Operation& op) {
  Value v;
  Miss miss;
  if (!lookup(*root, op.path, &v, &miss)) raise_miss(op, Which::kPath, miss, sqlstate::kTestFailed);
  if (!jsonb::json_equal(v, op.value))
    fail(op, sqlstate::kTestFailed, "value differs",
         "Expected " + render_value(op.value) + ", found " + render_value(v) + ".");
  return false;
}

}  // namespace docpatch::patch

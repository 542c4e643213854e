// Applying an operation at every location its jsonpath selects (see
// selector.hpp).  The locations are computed first, on the document as the
// operation finds it, so that the operation does not see its own changes;
// then each is reached from the root, expanding the containers on the way,
// and changed as the operation's path form would change it
// (slot_actions.hpp).  Removals go from the last location to the first,
// so that removing elements of an array leaves the indices of the ones still
// to remove as they were.
#include "boundary/boundary.hpp"
#include "jsonb/compare.hpp"
#include "jsonb/reader.hpp"
#include "patch/apply.hpp"
#include "patch/patch_error.hpp"
#include "patch/selector.hpp"
#include "patch/slot_actions.hpp"

namespace docpatch::patch {

using jsonb::ObjectNode;
using jsonb::Type;
using jsonb::Value;

namespace {

// Walks count steps of a selected location from *root, expanding every
// container on the way, and returns the value reached.  A missing member
// on the way is created as an empty object: the selection includes such a
// location only with create_parents.
Value* reach(Value* root, const LocationStep* steps, size_t count) {
  Value* cur = root;
  for (size_t i = 0; i < count; ++i) {
    if (steps[i].is_index) {
      cur = &jsonb::expand_array(*cur)->elems[steps[i].index];
      continue;
    }
    ObjectNode* node = jsonb::expand_object(*cur);
    Value* next = node->find(steps[i].key);
    if (next == nullptr) {
      node->set(steps[i].key, Value::of(jsonb::make_node<ObjectNode>()));
      next = node->find(steps[i].key);
    }
    cur = next;
  }
  return cur;
}

// The operation's change to an existing value; whether it changed it.
bool change(Value* slot, const Operation& op) {
  switch (op.kind) {
    case OpKind::Set:
    case OpKind::Replace:
      *slot = op.value;
      return true;
    case OpKind::Incr:
      increment(slot, op);
      return true;
    case OpKind::Min:
    case OpKind::Max:
      return min_max_into(slot, op);
    case OpKind::AddUnique:
      return add_unique_to(slot, op);
    case OpKind::Pull:
      return pull_from(slot, op);
    default:
      break;
  }
  return false;
}

// Applies op at selected location i (not a removal).
bool apply_at(Value* root, const Operation& op, const Selection& selection, size_t i) {
  size_t depth = selection.depth;
  const LocationStep* loc = selection.location(i);
  if (depth == 0) return change(root, op);
  Value* parent = reach(root, loc, depth - 1);
  const LocationStep& last = loc[depth - 1];
  if (last.is_index) return change(&jsonb::expand_array(*parent)->elems[last.index], op);
  ObjectNode* node = jsonb::expand_object(*parent);
  if (Value* slot = node->find(last.key)) return change(slot, op);
  node->set(last.key, op.kind == OpKind::AddUnique ? single_element_array(op.value) : op.value);
  return true;
}

void remove_at(Value* root, const Selection& selection, size_t i) {
  size_t depth = selection.depth;  // > 0: removing the document is refused when decoding
  const LocationStep* loc = selection.location(i);
  Value* parent = reach(root, loc, depth - 1);
  const LocationStep& last = loc[depth - 1];
  if (last.is_index) {
    auto& elems = jsonb::expand_array(*parent)->elems;
    elems.erase(elems.begin() + last.index);
  } else {
    jsonb::expand_object(*parent)->erase(last.key);
  }
}

// An error at a selected location says where the value is.
[[noreturn]] void rethrow_at(const Error& e, const Selection& selection, size_t i) {
  std::string where = "The value is at \"" + location_pointer(selection.location(i), selection.depth) + "\".";
  throw Error(e.sqlstate(), e.message(), e.detail().empty() ? where : e.detail() + " " + where, e.hint());
}

[[noreturn]] void nothing_selected(const Operation& op, const char* state) {
  const Selector& selector = *op.selector;
  std::string detail = selector.has_vars ? "The vars were " + render_value(selector.vars_value, 200) + "." : "";
  std::string hint;
  if (op.kind == OpKind::Set && selector.final_wildcard < selector.steps.size())
    hint = "Use \"if_none\": \"skip\" to make the operation optional, or \"if_none\": \"append\" to "
           "append the value to the array when no element matches.";
  else if (op.kind != OpKind::Test)
    hint = "Use \"if_none\": \"skip\" to make the operation optional.";
  fail(op, state, "jsonpath selects nothing", detail, hint);
}

// test: every selected value equals "value" (when given), and something is
// selected (unless "if_none": "skip").
void test_selection(const Operation& op, const Selection& selection) {
  if (selection.size() == 0) {
    if (op.if_none == IfNone::kSkip) return;
    nothing_selected(op, sqlstate::kTestFailed);
  }
  if (!op.has_value) return;
  for (size_t i = 0; i < selection.size(); ++i) {
    if ((i & 0x3FF) == 0x3FF) check_for_interrupts();
    if (!jsonb::json_equal(selection.values[i], op.value))
      fail(op, sqlstate::kTestFailed, "value differs",
           "Expected " + render_value(op.value) + ", found " + render_value(selection.values[i]) + " at \"" +
               location_pointer(selection.location(i), selection.depth) + "\".");
  }
}

}  // namespace

bool apply_selector(DocumentState& doc, const Operation& op) {
  Selection selection(op.selector->depth);
  select(doc, op, &selection);
  if (op.kind == OpKind::Test) {
    test_selection(op, selection);
    return false;
  }
  if (selection.size() == 0 && selection.append_count == 0) {
    if (op.if_none == IfNone::kSkip) return false;
    if (op.if_none == IfNone::kAppend)
      fail(op, sqlstate::kPathNotFound, "jsonpath selects no array to append to",
           "The locations before its final [*] hold no array.");
    nothing_selected(op, sqlstate::kPathNotFound);
  }
  Value* root = doc.root();
  if (op.kind == OpKind::Remove || op.kind == OpKind::Unset) {
    for (size_t i = selection.size(); i-- > 0;) {
      if ((i & 0x3FF) == 0x3FF) check_for_interrupts();
      remove_at(root, selection, i);
    }
    return true;
  }
  bool changed = false;
  for (size_t i = 0; i < selection.size(); ++i) {
    if ((i & 0x3FF) == 0x3FF) check_for_interrupts();
    try {
      changed = apply_at(root, op, selection, i) || changed;
    } catch (const Error& e) {
      rethrow_at(e, selection, i);
    }
  }
  // "if_none": "append": the value goes to the end of every array where no
  // element matched.
  for (size_t i = 0; i < selection.append_count; ++i) {
    if ((i & 0x3FF) == 0x3FF) check_for_interrupts();
    Value* array = reach(root, selection.append_location(i), selection.depth - 1);
    jsonb::expand_array(*array)->elems.push_back(op.value);
    changed = true;
  }
  return changed;
}

}  // namespace docpatch::patch

// The operations' actions on the value they reached (see slot_actions.hpp).
#include "patch/slot_actions.hpp"

#include "boundary/boundary.hpp"
#include "jsonb/compare.hpp"
#include "jsonb/reader.hpp"
#include "patch/patch_error.hpp"

namespace docpatch::patch {

using jsonb::ArrayNode;
using jsonb::RawContainer;
using jsonb::Type;
using jsonb::Value;

namespace {

void require_array(const Value& v, const Operation& op) {
  if (v.type == Type::Array) return;
  fail(op, sqlstate::kTypeMismatch,
       std::string("the target is ") + jsonb::type_name_with_article(v.type) + ", not an array",
       std::string(op_name(op.kind)) + " works on arrays.",
       v.type == Type::Null ? "Use \"unset\" first, or \"set\" the member to an array." : "");
}

// Number of elements of array a equal to v (stops at the first when `first`).
uint32_t count_equal(const Value& a, const Value& v, bool first) {
  uint32_t n = jsonb::container_size(a);
  uint32_t count = 0;
  if (a.expanded) {
    for (uint32_t i = 0; i < n; ++i) {
      if ((i & 0x3FF) == 0) check_for_interrupts();
      if (jsonb::json_equal(a.array->elems[i], v) && (++count, first)) break;
    }
    return count;
  }
  RawContainer raw(a);
  for (uint32_t i = 0; i < n; ++i) {
    if ((i & 0x3FF) == 0) check_for_interrupts();
    if (jsonb::json_equal(raw.element(i), v) && (++count, first)) break;
  }
  return count;
}

}  // namespace

void increment(Value* slot, const Operation& op) {
  if (slot->type != Type::Numeric)
    fail(op, sqlstate::kTypeMismatch,
         std::string("cannot increment ") + jsonb::type_name_with_article(slot->type) +
             ": only numbers can be incremented",
         "The current value is " + render_value(*slot) + ".");
  try {
    *slot = jsonb::add_numbers(*slot, op.value);
  } catch (const PgError& e) {
    // numeric's own "value overflows numeric format": say which operation.
    if (e.data()->sqlerrcode != ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE) throw;
    fail(op, sqlstate::kNumericOutOfRange, "the sum is out of the range of numbers",
         "Numbers have at most 131072 digits before the decimal point and 16383 after it.");
  }
}

Value single_element_array(const Value& v) {
  ArrayNode* node = jsonb::make_node<ArrayNode>();
  node->elems.push_back(v);
  return Value::of(node);
}

bool add_unique_to(Value* slot, const Operation& op) {
  require_array(*slot, op);
  if (count_equal(*slot, op.value, true) != 0) return false;
  jsonb::expand_array(*slot)->elems.push_back(op.value);
  return true;
}

bool pull_from(Value* slot, const Operation& op) {
  require_array(*slot, op);
  if (count_equal(*slot, op.value, true) == 0) return false;
  auto& elems = jsonb::expand_array(*slot)->elems;
  size_t kept = 0;
  for (size_t i = 0; i < elems.size(); ++i) {
    if ((i & 0x3FF) == 0) check_for_interrupts();
    if (!jsonb::json_equal(elems[i], op.value)) elems[kept++] = elems[i];
  }
  elems.resize(kept);
  return true;
}

bool min_max_into(Value* slot, const Operation& op) {
  const Value& v = op.value;  // a number or a string (checked when decoding)
  if (slot->type != v.type)
    fail(op, sqlstate::kTypeMismatch,
         std::string("cannot compare ") + jsonb::type_name_with_article(v.type) + " with " +
             jsonb::type_name_with_article(slot->type),
         std::string(op_name(op.kind)) +
             " compares numbers with numbers and strings with strings; the current value is " +
             render_value(*slot) + ".");
  int cmp = v.type == Type::Numeric ? jsonb::compare_numbers(v, *slot) : jsonb::compare_strings(v, *slot);
  if (op.kind == OpKind::Min ? cmp >= 0 : cmp <= 0) return false;
  *slot = v;
  return true;
}

}  // namespace docpatch::patch

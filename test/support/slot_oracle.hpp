// What the randomized tests' oracles do to the value an operation reached
// (incr, min/max, add_unique, pull), on nlohmann::json.  Written
// independently of src/patch/slot_actions, so the oracles do not share code
// with what they check; shared by every oracle that applies these
// operations (the path forms and the jsonpath selectors).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace docpatch::test {

// A refusal, with the SQLSTATE docpatch documents for it.
struct Refusal {
  std::string sqlstate;
};
[[noreturn]] void refuse(const std::string& code);

// RFC 6902 "test" equality: numbers numerically (nlohmann compares integers
// and floats by value), objects regardless of order, arrays in order.
bool json_equal(const nlohmann::json& a, const nlohmann::json& b);

// incr: slot + v (DP003 when slot is not a number).
void increment(nlohmann::json& slot, const nlohmann::json& v);
// add_unique: appends v unless the array holds an equal value (DP003 when
// slot is not an array).
void add_unique_to(nlohmann::json& slot, const nlohmann::json& v);
// pull: removes every element equal to v (DP003 when slot is not an array).
void pull_from(nlohmann::json& slot, const nlohmann::json& v);
// min / max: slot becomes v when v is smaller / larger; numbers with
// numbers, strings with strings (DP003 otherwise).
void min_max_into(nlohmann::json& slot, const nlohmann::json& v, bool is_min);

}  // namespace docpatch::test

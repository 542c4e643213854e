#include "support/slot_oracle.hpp"

namespace docpatch::test {

using json = nlohmann::json;

void refuse(const std::string& code) { throw Refusal{code}; }

bool json_equal(const json& a, const json& b) { return a == b; }

void increment(json& slot, const json& v) {
  if (!slot.is_number()) refuse("DP003");
  if (slot.is_number_float() || v.is_number_float())
    slot = slot.get<double>() + v.get<double>();
  else
    slot = slot.get<int64_t>() + v.get<int64_t>();
}

void add_unique_to(json& slot, const json& v) {
  if (!slot.is_array()) refuse("DP003");
  for (const auto& e : slot)
    if (json_equal(e, v)) return;
  slot.push_back(v);
}

void pull_from(json& slot, const json& v) {
  if (!slot.is_array()) refuse("DP003");
  json kept = json::array();
  for (const auto& e : slot)
    if (!json_equal(e, v)) kept.push_back(e);
  slot = kept;
}

void min_max_into(json& slot, const json& v, bool is_min) {
  bool both_numbers = slot.is_number() && v.is_number();
  bool both_strings = slot.is_string() && v.is_string();
  if (!both_numbers && !both_strings) refuse("DP003");
  int cmp;
  if (both_numbers) {
    double a = v.get<double>(), b = slot.get<double>();
    cmp = a < b ? -1 : a > b ? 1 : 0;
  } else {
    int r = v.get_ref<const std::string&>().compare(slot.get_ref<const std::string&>());
    cmp = r < 0 ? -1 : r > 0 ? 1 : 0;
  }
  if (is_min ? cmp >= 0 : cmp <= 0) return;
  slot = v;
}

}  // namespace docpatch::test

// libFuzzer target for RFC 6901 array-index parsing (parse_array_index in
// src/core/json_pointer): it accepts exactly "-" and the canonical decimal
// numbers (no sign, no leading zero), and its value is the decimal value,
// saturated at UINT64_MAX past 64 bits, never wrapped.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json_pointer.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool canonical(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t)
    if (c < '0' || c > '9') return false;
  return t.size() == 1 || t[0] != '0';
}

// The value of a canonical decimal, or UINT64_MAX when it does not fit:
// compared as strings against the largest 64-bit number.
uint64_t reference_value(std::string_view t) {
  const std::string_view max = "18446744073709551615";
  if (t.size() > max.size() || (t.size() == max.size() && t > max)) return UINT64_MAX;
  uint64_t v = 0;
  for (char c : t) v = v * 10 + static_cast<uint64_t>(c - '0');
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  docpatch::ArrayIndex index = docpatch::parse_array_index(token);
  if (token == "-") {
    check(index.kind == docpatch::ArrayIndex::kEnd);
  } else if (canonical(token)) {
    check(index.kind == docpatch::ArrayIndex::kIndex);
    check(index.value == reference_value(token));
  } else {
    check(index.kind == docpatch::ArrayIndex::kInvalid);
  }
  return 0;
}

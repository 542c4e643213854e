#include "core/json_pointer.hpp"

namespace docpatch {

ArrayIndex parse_array_index(std::string_view token) {
  if (token == "-") return {ArrayIndex::kEnd, 0};
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return {ArrayIndex::kInvalid, 0};
  uint64_t value = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return {ArrayIndex::kInvalid, 0};
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10)
      value = UINT64_MAX;  // saturate: no array is that long
    else
      value = value * 10 + digit;
  }
  return {ArrayIndex::kIndex, value};
}

}  // namespace docpatch

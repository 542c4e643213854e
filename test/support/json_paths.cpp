#include "support/json_paths.hpp"

namespace docpatch::test {
namespace {

void collect(const nlohmann::json& v, Tokens& prefix, std::vector<Tokens>* out) {
  out->push_back(prefix);
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      prefix.push_back(it.key());
      collect(*it, prefix, out);
      prefix.pop_back();
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      prefix.push_back(std::to_string(i));
      collect(v[i], prefix, out);
      prefix.pop_back();
    }
  }
}

}  // namespace

std::string pointer_text(const Tokens& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    out += '/';
    for (char c : t) {
      if (c == '~')
        out += "~0";
      else if (c == '/')
        out += "~1";
      else
        out += c;
    }
  }
  return out;
}

bool proper_prefix(const Tokens& a, const Tokens& b) {
  if (a.size() >= b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

std::vector<Tokens> all_locations(const nlohmann::json& doc) {
  std::vector<Tokens> out;
  Tokens prefix;
  collect(doc, prefix, &out);
  return out;
}

}  // namespace docpatch::test

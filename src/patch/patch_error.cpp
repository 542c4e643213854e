#include "patch/patch_error.hpp"

#include "boundary/boundary.hpp"
#include "core/text.hpp"
#include "jsonb/writer.hpp"

namespace docpatch::patch {

std::string excerpt(std::string_view text, size_t max) {
  return quoted_excerpt(text, max);  // src/core/text.hpp: unit-tested and fuzzed
}

std::string op_label(uint32_t index, std::string_view op, std::string_view path, bool has_path) {
  std::string label = "patch operation " + std::to_string(index);
  if (!op.empty()) {
    label += " (" + excerpt(op, 40);
    if (has_path) label += " at \"" + excerpt(path) + "\"";
    label += ")";
  }
  return label;
}

std::string op_label(const Operation& op) {
  return op_label(op.index, op_name(op.kind), as_view(op.path_text), true);
}

void fail(const Operation& op, const char* sqlstate, const std::string& reason,
          const std::string& detail, const std::string& hint) {
  throw Error(sqlstate, op_label(op) + ": " + reason, detail, hint);
}

std::string pointer_prefix(const Pointer& p, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < p.size(); ++i) {
    out.push_back('/');
    append_escaped_token(out, std::string_view(p.tokens()[i].data(), p.tokens()[i].size()));
  }
  return excerpt(out);
}

std::string render_value(const jsonb::Value& v, size_t max) {
  Jsonb* jb = jsonb::serialize(v, CurrentMemoryContext, 64);
  const char* text = pg_call<const char*>(
      [&] { return JsonbToCString(nullptr, &jb->root, static_cast<int>(VARSIZE(jb))); });
  std::string out = excerpt(text, max);
  pfree(jb);
  pfree(const_cast<char*>(text));
  return out;
}

}  // namespace docpatch::patch

#include "patch/patch_error.hpp"

#include <cstring>

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

std::string jsonpath_op_label(uint32_t index, std::string_view op, std::string_view jsonpath) {
  return "patch operation " + std::to_string(index) + " (" + excerpt(op, 40) + " at jsonpath \"" +
         excerpt(jsonpath) + "\")";
}

std::string op_label(const Operation& op) {
  if (op.jsonpath_form) return jsonpath_op_label(op.index, op_name(op.kind), as_view(op.jsonpath_text));
  return op_label(op.index, op_name(op.kind), as_view(op.path_text), true);
}

void fail(const Operation& op, const char* sqlstate, const std::string& reason,
          const std::string& detail, const std::string& hint) {
  throw Error(sqlstate, op_label(op) + ": " + reason, detail, hint);
}

bool describes_input(const PgError& e) {
  // Errors about the server rather than the input: insufficient resources
  // (53), program limits (54), cancellation and shutdown (57), system errors
  // (58) and internal ones (XX).
  static const char* const kServerClasses[] = {"53", "54", "57", "58", "XX"};
  const char* state = unpack_sql_state(e.data()->sqlerrcode);
  for (const char* c : kServerClasses)
    if (std::strncmp(state, c, 2) == 0) return false;
  return true;
}

void fail_with(const Operation& op, const PgError& e) {
  const ErrorData* d = e.data();
  auto text = [](const char* s) { return s != nullptr ? excerpt(s, 1000) : std::string(); };
  throw Error(unpack_sql_state(d->sqlerrcode), op_label(op) + ": " + text(d->message), text(d->detail),
              text(d->hint));
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

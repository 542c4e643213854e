// Decoding the ops jsonb into Operations (see operation.hpp).
#include "patch/operation.hpp"

#include <cstring>
#include <string>
#include <string_view>

#include "boundary/boundary.hpp"
#include "jsonb/reader.hpp"
#include "patch/patch_error.hpp"
#include "patch/selector.hpp"

namespace docpatch::patch {

using jsonb::Key;
using jsonb::RawContainer;
using jsonb::Type;
using jsonb::Value;

namespace {

struct OpSpec {
  const char* name;
  OpKind kind;
  bool needs_value;
  bool needs_from;
  bool accepts_create_parents;
  // Why the op refuses a "jsonpath" (nullptr: it accepts one), and what to
  // do instead.
  const char* jsonpath_refusal;
  const char* jsonpath_hint;
};

const char* const kAddHint =
    "Use \"set\" with a jsonpath to change the values it selects (with \"if_none\": \"append\" it appends "
    "when no element matches), or give add a \"path\".";
const char* const kPointersHint = "Give \"from\" and \"path\" as JSON Pointers.";

constexpr OpSpec kOps[] = {
    {"add", OpKind::Add, true, false, true,
     "add does not accept a jsonpath: it inserts at a position, and a jsonpath selects values, not positions",
     kAddHint},
    {"remove", OpKind::Remove, false, false, false, nullptr, nullptr},
    {"replace", OpKind::Replace, true, false, false, nullptr, nullptr},
    {"move", OpKind::Move, false, true, false,
     "move does not accept a jsonpath: it takes one value from \"from\" to \"path\"", kPointersHint},
    {"copy", OpKind::Copy, false, true, false,
     "copy does not accept a jsonpath: it takes one value from \"from\" to \"path\"", kPointersHint},
    {"test", OpKind::Test, true, false, false, nullptr, nullptr},
    {"set", OpKind::Set, true, false, true, nullptr, nullptr},
    {"incr", OpKind::Incr, true, false, true, nullptr, nullptr},
    {"add_unique", OpKind::AddUnique, true, false, true, nullptr, nullptr},
    {"pull", OpKind::Pull, true, false, false, nullptr, nullptr},
    {"unset", OpKind::Unset, false, false, false, nullptr, nullptr},
    {"min", OpKind::Min, true, false, true, nullptr, nullptr},
    {"max", OpKind::Max, true, false, true, nullptr, nullptr},
};

const char* const kOpList =
    "The ops are add, remove, replace, move, copy, test (RFC 6902), set, incr (Azure Cosmos DB), "
    "add_unique, pull, unset, min and max.";

Key literal(const char* s) { return Key{s, static_cast<uint32_t>(std::strlen(s))}; }

bool member(const RawContainer& obj, const char* name, Value* out) {
  return obj.find(literal(name), out);
}

// Parses a pointer member, re-raising a syntax error with the operation's label.
Pointer parse_pointer(Key text, const char* what, const Operation& op) {
  try {
    return Pointer::parse(as_view(text), what, PgAllocator<char>(CurrentMemoryContext));
  } catch (const Error& e) {
    throw Error(e.sqlstate(), op_label(op) + ": " + e.message(), e.detail(), e.hint());
  }
}

// Raises DP001 "<label>: <reason>".  Messages are built only on this error
// path: decoding a valid patch allocates nothing outside memory contexts.
[[noreturn]] void malformed(const Operation& op, const std::string& reason, const std::string& hint = {}) {
  throw Error(sqlstate::kInvalidPatch, op_label(op) + ": " + reason, {}, hint);
}

// "jsonpath", "vars" and "if_none" of an operation in the jsonpath form.
void decode_jsonpath_members(const RawContainer& obj, Operation* op) {
  Value vars;
  bool has_vars = member(obj, "vars", &vars);
  op->selector = decode_selector(op->jsonpath_text, has_vars ? &vars : nullptr, *op);
  const Selector& selector = *op->selector;

  Value v;
  if (member(obj, "if_none", &v)) {
    std::string_view mode = v.type == Type::String ? std::string_view(v.raw, v.len) : std::string_view();
    if (mode == "error")
      op->if_none = IfNone::kError;
    else if (mode == "skip")
      op->if_none = IfNone::kSkip;
    else if (mode == "append")
      op->if_none = IfNone::kAppend;
    else
      malformed(*op, v.type == Type::String
                         ? "unknown \"if_none\" \"" + excerpt(mode, 40) + "\""
                         : std::string("member \"if_none\" must be a string, not ") +
                               jsonb::type_name_with_article(v.type),
                "\"if_none\" is \"error\" (the default), \"skip\" or \"append\".");
  }
  if (op->if_none == IfNone::kAppend) {
    if (op->kind != OpKind::Set)
      malformed(*op, "\"if_none\": \"append\" is for set only",
                "It appends the operation's value to an array, as the new element.");
    if (selector.final_wildcard == selector.steps.size())
      malformed(*op, "\"if_none\": \"append\" needs a jsonpath that ends in [*] ? (...)",
                "The array that [*] iterates is where the value is appended when no element matches the "
                "filter: $.items[*] ? (@.sku == $sku).");
  }
}

void decode_one(const Value& element, uint32_t index, Operation* op) {
  if (element.type != Type::Object)
    throw Error(sqlstate::kInvalidPatch,
                op_label(index, {}, {}, false) + ": must be a JSON object, not " +
                    jsonb::type_name_with_article(element.type),
                {}, "A patch is an array of objects such as {\"op\": \"add\", \"path\": \"/a\", \"value\": 1}.");
  RawContainer obj(element);

  Value v;
  if (!member(obj, "op", &v))
    throw Error(sqlstate::kInvalidPatch, op_label(index, {}, {}, false) + ": member \"op\" is missing",
                {}, kOpList);
  if (v.type != Type::String)
    throw Error(sqlstate::kInvalidPatch,
                op_label(index, {}, {}, false) + ": member \"op\" must be a string, not " +
                    jsonb::type_name_with_article(v.type));
  std::string_view name(v.raw, v.len);
  const OpSpec* spec = nullptr;
  for (const OpSpec& s : kOps)
    if (name == s.name) spec = &s;
  if (spec == nullptr)
    throw Error(sqlstate::kInvalidPatch,
                op_label(index, {}, {}, false) + ": unknown op \"" + excerpt(name, 40) + "\"", {},
                kOpList);
  op->kind = spec->kind;
  op->index = index;

  Value jsonpath;
  bool has_path = member(obj, "path", &v);
  if (member(obj, "jsonpath", &jsonpath)) {
    if (has_path)
      throw Error(sqlstate::kInvalidPatch,
                  op_label(index, spec->name, {}, false) + ": give either \"path\" or \"jsonpath\", not both", {},
                  "\"path\" is a JSON Pointer to one location; \"jsonpath\" selects every value it matches.");
    if (jsonpath.type != Type::String)
      throw Error(sqlstate::kInvalidPatch,
                  op_label(index, spec->name, {}, false) + ": member \"jsonpath\" must be a string, not " +
                      jsonb::type_name_with_article(jsonpath.type),
                  {}, "A jsonpath is a string such as \"$.items[*] ? (@.id == $id)\".");
    op->jsonpath_form = true;
    op->jsonpath_text = jsonpath.as_key();
    if (spec->jsonpath_refusal != nullptr)
      throw Error(sqlstate::kInvalidPatch, op_label(*op) + ": " + spec->jsonpath_refusal, {}, spec->jsonpath_hint);
  } else {
    if (!has_path)
      throw Error(sqlstate::kInvalidPatch,
                  op_label(index, spec->name, {}, false) + ": member \"path\" is missing");
    if (v.type != Type::String)
      throw Error(sqlstate::kInvalidPatch,
                  op_label(index, spec->name, {}, false) + ": member \"path\" must be a string, not " +
                      jsonb::type_name_with_article(v.type),
                  {}, "A path is a JSON Pointer such as \"/a/b/0\" (\"\" is the whole document).");
    op->path_text = v.as_key();
    op->path = parse_pointer(op->path_text, "path", *op);
  }

  if (spec->needs_from) {
    if (!member(obj, "from", &v)) malformed(*op, "member \"from\" is missing");
    if (v.type != Type::String)
      malformed(*op, std::string("member \"from\" must be a string, not ") +
                         jsonb::type_name_with_article(v.type));
    op->from_text = v.as_key();
    op->from = parse_pointer(op->from_text, "from", *op);
  }

  if (spec->needs_value) {
    op->has_value = member(obj, "value", &op->value);
    // With a jsonpath, "test" without a value tests that something is selected.
    bool optional = op->kind == OpKind::Test && op->jsonpath_form;
    if (!op->has_value && !optional) malformed(*op, "member \"value\" is missing");
    Type t = op->value.type;
    if (op->has_value && op->kind == OpKind::Incr && t != Type::Numeric)
      malformed(*op, std::string("member \"value\" must be a number, not ") +
                         jsonb::type_name_with_article(t));
    if (op->has_value && (op->kind == OpKind::Min || op->kind == OpKind::Max) && t != Type::Numeric &&
        t != Type::String)
      malformed(*op, std::string("member \"value\" must be a number or a string, not ") +
                         jsonb::type_name_with_article(t));
  }

  op->create_parents = false;
  if (spec->accepts_create_parents && member(obj, "create_parents", &v)) {
    if (v.type != Type::True && v.type != Type::False)
      malformed(*op, std::string("member \"create_parents\" must be a boolean, not ") +
                         jsonb::type_name_with_article(v.type));
    op->create_parents = v.type == Type::True;
  }

  if (op->jsonpath_form) decode_jsonpath_members(obj, op);

  // Requests that no document can satisfy.
  bool whole = op->jsonpath_form ? op->selector->depth == 0 : op->path.is_root();
  if ((op->kind == OpKind::Remove || op->kind == OpKind::Unset) && whole)
    throw Error(sqlstate::kInvalidPatch, op_label(*op) + ": cannot remove the whole document", {},
                "Use \"replace\" with path \"\" to replace the document.");
  if (op->kind == OpKind::Move && op->from.is_proper_prefix_of(op->path))
    throw Error(sqlstate::kInvalidPatch,
                op_label(*op) + ": cannot move a value into one of its own children",
                "\"from\" is \"" + excerpt(as_view(op->from_text)) + "\", a parent of \"path\".");
}

}  // namespace

const char* op_name(OpKind kind) {
  for (const OpSpec& s : kOps)
    if (s.kind == kind) return s.name;
  return "unknown";
}

bool creates_members(OpKind kind) {
  for (const OpSpec& s : kOps)
    if (s.kind == kind) return s.accepts_create_parents;
  return false;
}

void decode_patch(const Value& patch, Operations* out) {
  if (patch.type == Type::Object) {
    out->emplace_back();
    decode_one(patch, 0, &out->back());
    return;
  }
  if (patch.type != Type::Array)
    throw Error(sqlstate::kInvalidPatch,
                std::string("patch must be a JSON array of operation objects (or one operation object), not ") +
                    jsonb::type_name_with_article(patch.type),
                {}, "A patch looks like [{\"op\": \"replace\", \"path\": \"/a\", \"value\": 1}].");
  RawContainer ops(patch);
  out->reserve(ops.count());
  size_t segments = 0;
  ops.for_each_element([&](uint32_t i, const Value& element) {
    if ((i & 0x3FF) == 0) check_for_interrupts();
    out->emplace_back();
    Operation& op = out->back();
    decode_one(element, i, &op);
    segments += op.path.size() + op.from.size() + (op.selector != nullptr ? op.selector->steps.size() : 0);
    if (segments > kMaxPatchSegments)
      throw Error(sqlstate::kProgramLimit,
                  op_label(op) + ": the patch has more than " + std::to_string(kMaxPatchSegments) +
                      " path segments in total",
                  {}, "Split the patch into several smaller ones.");
  });
}

}  // namespace docpatch::patch

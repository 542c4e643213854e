// Decoding the ops jsonb into Operations (see operation.hpp).
#include "patch/operation.hpp"

#include <cstring>
#include <string>
#include <string_view>

#include "boundary/boundary.hpp"
#include "jsonb/reader.hpp"
#include "patch/patch_error.hpp"

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
};

constexpr OpSpec kOps[] = {
    {"add", OpKind::Add, true, false, true},
    {"remove", OpKind::Remove, false, false, false},
    {"replace", OpKind::Replace, true, false, false},
    {"move", OpKind::Move, false, true, false},
    {"copy", OpKind::Copy, false, true, false},
    {"test", OpKind::Test, true, false, false},
    {"set", OpKind::Set, true, false, true},
    {"incr", OpKind::Incr, true, false, true},
    {"add_unique", OpKind::AddUnique, true, false, true},
    {"pull", OpKind::Pull, true, false, false},
    {"unset", OpKind::Unset, false, false, false},
    {"min", OpKind::Min, true, false, true},
    {"max", OpKind::Max, true, false, true},
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
[[noreturn]] void malformed(const Operation& op, const std::string& reason) {
  throw Error(sqlstate::kInvalidPatch, op_label(op) + ": " + reason);
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

  if (!member(obj, "path", &v))
    throw Error(sqlstate::kInvalidPatch,
                op_label(index, spec->name, {}, false) + ": member \"path\" is missing");
  if (v.type != Type::String)
    throw Error(sqlstate::kInvalidPatch,
                op_label(index, spec->name, {}, false) + ": member \"path\" must be a string, not " +
                    jsonb::type_name_with_article(v.type),
                {}, "A path is a JSON Pointer such as \"/a/b/0\" (\"\" is the whole document).");
  op->path_text = v.as_key();
  op->path = parse_pointer(op->path_text, "path", *op);

  if (spec->needs_from) {
    if (!member(obj, "from", &v)) malformed(*op, "member \"from\" is missing");
    if (v.type != Type::String)
      malformed(*op, std::string("member \"from\" must be a string, not ") +
                         jsonb::type_name_with_article(v.type));
    op->from_text = v.as_key();
    op->from = parse_pointer(op->from_text, "from", *op);
  }

  if (spec->needs_value) {
    if (!member(obj, "value", &op->value)) malformed(*op, "member \"value\" is missing");
    Type t = op->value.type;
    if (op->kind == OpKind::Incr && t != Type::Numeric)
      malformed(*op, std::string("member \"value\" must be a number, not ") +
                         jsonb::type_name_with_article(t));
    if ((op->kind == OpKind::Min || op->kind == OpKind::Max) && t != Type::Numeric &&
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

  // Requests that no document can satisfy.
  if ((op->kind == OpKind::Remove || op->kind == OpKind::Unset) && op->path.is_root())
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
  ops.for_each_element([&](uint32_t i, const Value& element) {
    if ((i & 0x3FF) == 0) check_for_interrupts();
    out->emplace_back();
    decode_one(element, i, &out->back());
  });
}

}  // namespace docpatch::patch

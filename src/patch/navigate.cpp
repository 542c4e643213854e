// JSON Pointer resolution over the lazy tree (see navigate.hpp).
#include "patch/navigate.hpp"

#include <cstring>
#include <string>

#include "boundary/boundary.hpp"
#include "jsonb/reader.hpp"
#include "jsonb/writer.hpp"
#include "patch/patch_error.hpp"

namespace docpatch::patch {

using jsonb::ArrayNode;
using jsonb::Key;
using jsonb::ObjectNode;
using jsonb::RawContainer;
using jsonb::Type;
using jsonb::Value;

namespace {

Key token_key(const PgString& token) {
  return Key{token.data(), static_cast<uint32_t>(token.size())};
}

// "the document" or ""/a"", for messages about the container reached by the
// first `depth` tokens.
std::string where(const Pointer& p, size_t depth) {
  if (depth == 0) return "the document";
  return "\"" + pointer_prefix(p, depth) + "\"";
}

// "The array at "/a"" or "The document" (an array), to start a sentence.
std::string array_at(const Pointer& p, size_t depth) {
  if (depth == 0) return "The document";
  return "The array at " + where(p, depth);
}

std::string elements(uint32_t n) {
  return std::to_string(n) + (n == 1 ? " element" : " elements");
}

// Prefix for reasons about "from".
std::string subject(const Operation& op, Which which) {
  if (which == Which::kPath) return {};
  return "\"from\" location \"" + excerpt(as_view(op.from_text)) + "\" does not resolve: ";
}

// Child `token` of container c (raw or expanded), read-only.
bool child(const Value& c, const PgString& token, size_t depth, Value* out, Miss* miss) {
  if (c.type == Type::Object) {
    Key key = token_key(token);
    if (c.expanded) {
      if (Value* v = c.object->find(key)) {
        *out = *v;
        return true;
      }
    } else if (RawContainer(c).find(key, out)) {
      return true;
    }
    miss->kind = Miss::kMissingMember;
    miss->depth = depth;
    return false;
  }
  if (c.type == Type::Array) {
    uint32_t size = jsonb::container_size(c);
    ArrayIndex index = parse_array_index(std::string_view(token.data(), token.size()));
    miss->depth = depth;
    miss->array_size = size;
    if (index.kind == ArrayIndex::kInvalid) {
      miss->kind = Miss::kBadIndex;
      return false;
    }
    if (index.kind == ArrayIndex::kEnd) {
      miss->kind = Miss::kEndIndex;
      return false;
    }
    if (index.value >= size) {
      miss->kind = Miss::kIndexOutOfRange;
      return false;
    }
    uint32_t i = static_cast<uint32_t>(index.value);
    *out = c.expanded ? c.array->elems[i] : RawContainer(c).element(i);
    return true;
  }
  miss->kind = Miss::kThroughScalar;
  miss->depth = depth;
  miss->scalar_type = c.type;
  return false;
}

}  // namespace

const Pointer& pointer_of(const Operation& op, Which which) {
  return which == Which::kPath ? op.path : op.from;
}

Key last_key(const Pointer& p) { return token_key(p.tokens().back()); }

std::string_view last_token(const Pointer& p) {
  return std::string_view(p.tokens().back().data(), p.tokens().back().size());
}

bool lookup(const Value& root, const Pointer& p, Value* out, Miss* miss) {
  Value cur = root;
  for (size_t i = 0; i < p.size(); ++i) {
    Value next;
    if (!child(cur, p.tokens()[i], i, &next, miss)) return false;
    cur = next;
  }
  *out = cur;
  return true;
}

void raise_bad_index(const Operation& op, Which which, size_t depth) {
  const Pointer& p = pointer_of(op, which);
  fail(op, sqlstate::kInvalidPatch,
       subject(op, which) + "invalid array index \"" + excerpt(p.tokens()[depth], 40) + "\"",
       (depth == 0 ? std::string("The document") : where(p, depth)) +
           " is an array: its indices are decimal numbers without sign or leading zeros, or "
           "\"-\" for the end.");
}

void raise_index_out_of_range(const Operation& op, Which which, size_t depth, uint32_t size,
                              const std::string& hint, const char* state) {
  const Pointer& p = pointer_of(op, which);
  std::string detail = array_at(p, depth) + " has " + elements(size) + ".";
  if (depth + 1 == p.size())
    fail(op, state,
         subject(op, which) + "index " + excerpt(p.tokens()[depth], 40) + " is out of range", detail,
         hint);
  fail(op, state,
       subject(op, which) + "parent \"" + pointer_prefix(p, depth + 1) + "\" does not exist", detail,
       hint);
}

void raise_end_index(const Operation& op, Which which, size_t depth, const std::string& hint,
                     const char* state) {
  const Pointer& p = pointer_of(op, which);
  fail(op, state,
       subject(op, which) + "index \"-\" refers to no element",
       "\"-\" stands for the position after the last element of " +
           (depth == 0 ? std::string("the document") : "the array at " + where(p, depth)) +
           ": only add, set, copy and move can use it, to append.",
       hint);
}

void raise_missing_member(const Operation& op, Which which, size_t depth, const char* state) {
  const Pointer& p = pointer_of(op, which);
  if (depth + 1 == p.size())
    fail(op, state,
         subject(op, which) + "member \"" + excerpt(p.tokens()[depth], 100) + "\" does not exist");
  std::string hint;
  if (which == Which::kPath && creates_members(op.kind) && !op.create_parents)
    hint = "Use \"create_parents\": true to create missing objects.";
  fail(op, state,
       subject(op, which) + "parent \"" + pointer_prefix(p, depth + 1) + "\" does not exist", {},
       hint);
}

void raise_miss(const Operation& op, Which which, const Miss& miss, const char* missing_sqlstate) {
  const Pointer& p = pointer_of(op, which);
  switch (miss.kind) {
    case Miss::kBadIndex:
      raise_bad_index(op, which, miss.depth);
    case Miss::kThroughScalar: {
      // A failed "test" stays a failed test (DP004) whatever the reason.
      bool is_test = std::strcmp(missing_sqlstate, sqlstate::kTestFailed) == 0;
      fail(op, is_test ? missing_sqlstate : sqlstate::kTypeMismatch,
           subject(op, which) + "cannot look up \"" + excerpt(p.tokens()[miss.depth], 100) +
               "\" in " + where(p, miss.depth) + ", which is " +
               jsonb::type_name_with_article(miss.scalar_type),
           "Only objects and arrays have members or elements.");
    }
    case Miss::kIndexOutOfRange:
      raise_index_out_of_range(op, which, miss.depth, miss.array_size, {}, missing_sqlstate);
    case Miss::kEndIndex:
      raise_end_index(op, which, miss.depth, {}, missing_sqlstate);
    case Miss::kMissingMember:
    case Miss::kNone:
      break;
  }
  raise_missing_member(op, which, miss.depth, missing_sqlstate);
}

Value* walk_to_parent(Value* root, const Operation& op, Which which, bool create_parents,
                      Absent absent) {
  const Pointer& p = pointer_of(op, which);
  Value* cur = root;
  size_t n = p.size() - 1;  // tokens to walk
  for (size_t i = 0;; ++i) {
    // cur is the value reached by tokens [0, i); it must be a container.
    if (!cur->is_container()) {
      if (absent == Absent::kSkipAnything) return nullptr;
      Miss miss;
      miss.kind = Miss::kThroughScalar;
      miss.depth = i;
      miss.scalar_type = cur->type;
      raise_miss(op, which, miss, sqlstate::kPathNotFound);
    }
    if (i == n) return cur;
    if ((i & 0xFFF) == 0xFFF) check_for_interrupts();  // paths may have a million segments
    const PgString& token = p.tokens()[i];
    if (cur->type == Type::Object) {
      ObjectNode* node = jsonb::expand_object(*cur);
      Key key = token_key(token);
      Value* next = node->find(key);
      if (next == nullptr) {
        if (create_parents) {
          node->set(key, Value::of(jsonb::make_node<ObjectNode>()));
          next = node->find(key);
        } else {
          if (absent != Absent::kError) return nullptr;
          raise_missing_member(op, which, i, sqlstate::kPathNotFound);
        }
      }
      cur = next;
    } else {
      ArrayIndex index = parse_array_index(std::string_view(token.data(), token.size()));
      uint32_t size = jsonb::container_size(*cur);
      if (index.kind == ArrayIndex::kInvalid) raise_bad_index(op, which, i);
      if (index.kind == ArrayIndex::kEnd) raise_end_index(op, which, i);
      if (index.value >= size) {
        if (absent != Absent::kError) return nullptr;
        raise_index_out_of_range(op, which, i, size);
      }
      cur = &jsonb::expand_array(*cur)->elems[index.value];
    }
  }
}

Value deep_copy(const Value& v) {
  if (!v.expanded) return v;
  Jsonb* copy = jsonb::serialize(v, CurrentMemoryContext, 256);
  return jsonb::root_value(copy);
}

}  // namespace docpatch::patch

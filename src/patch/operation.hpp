// The decoded form of a jsonb_patch_ops patch: one Operation per element of
// the ops array, with its JSON Pointers parsed once and its value kept as a
// raw Value pointing into the patch datum (no copy, no conversion).
//
// Decoding checks everything that does not depend on the target document
// (SQLSTATE DP001): the patch's shape, the op names, the members each op
// requires and their types, pointer syntax, and the statically impossible
// requests (remove/unset of the whole document, move into its own child).
// An operation may give a "jsonpath" instead of a "path" (selector.hpp):
// it is parsed and checked here too, once per patch.
#pragma once

#include <cstdint>

#include "boundary/pg_allocator.hpp"
#include "core/json_pointer.hpp"
#include "jsonb/value.hpp"

namespace docpatch::patch {

using Pointer = BasicJsonPointer<PgAllocator<char>>;

enum class OpKind : uint8_t {
  // RFC 6902
  Add, Remove, Replace, Move, Copy, Test,
  // Azure Cosmos DB
  Set, Incr,
  // docpatch extensions
  AddUnique, Pull, Unset, Min, Max,
};

// The op's name as written in a patch ("add", "add_unique", ...).
const char* op_name(OpKind kind);

// True for the ops that create what is missing, and accept
// "create_parents": add, set, incr, add_unique, min, max.
bool creates_members(OpKind kind);

struct Selector;  // a decoded "jsonpath" (selector.hpp)

// What a jsonpath operation does when its jsonpath selects nothing.
enum class IfNone : uint8_t {
  kError,   // "error" (the default): DP002, or DP004 for "test"
  kSkip,    // "skip": nothing changes
  kAppend,  // "append" ("set" ending in [*] ? (...)): append value to each array without a match
};

struct Operation {
  OpKind kind;
  uint32_t index;          // 0-based position in the patch array
  Pointer path;            // parsed "path"
  Pointer from;            // parsed "from" (move, copy)
  jsonb::Key path_text;    // "path" as written (for messages)
  jsonb::Key from_text;    // "from" as written (move, copy)
  jsonb::Value value;      // "value", raw (ops that take one)
  bool create_parents;     // "create_parents": true (ops that accept it)
  bool has_value = false;  // "value" was given ("test" with a jsonpath may omit it)
  // The jsonpath form: "jsonpath" instead of "path".
  bool jsonpath_form = false;          // "jsonpath" was given
  const Selector* selector = nullptr;  // its decoded form (once decoding got that far)
  jsonb::Key jsonpath_text;            // "jsonpath" as written (for messages)
  IfNone if_none = IfNone::kError;     // "if_none"
};

using Operations = PgVector<Operation>;

// The most path segments ("path" and "from" of every operation together) one
// patch may have: it bounds the memory of the decoded patch (about 40 bytes
// a segment, so some 400 MB).  Beyond it, decoding throws SQLSTATE 54000.
inline constexpr size_t kMaxPatchSegments = 10000000;

// Decodes a patch (an array of operation objects, or one operation object)
// into *out.  Everything is allocated in the current memory context; the
// Values and keys point into `patch`'s bytes, which must outlive *out.
void decode_patch(const jsonb::Value& patch, Operations* out);

// True when op may change the document (every op but "test").
inline bool mutates(OpKind kind) { return kind != OpKind::Test; }

}  // namespace docpatch::patch

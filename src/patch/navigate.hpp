// Resolving JSON Pointers over the lazy document tree.
//
// lookup() reads without expanding anything: raw containers are searched in
// place (binary search for object keys, direct indexing for arrays).
// walk_to_parent() is for operations that change the document: it expands
// the containers on the path, and only those, so that every container the
// patch does not reach stays raw and is copied into the result as bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "jsonb/value.hpp"
#include "patch/operation.hpp"

namespace docpatch::patch {

// Why a pointer did not resolve.
struct Miss {
  enum Kind { kNone, kMissingMember, kIndexOutOfRange, kEndIndex, kBadIndex, kThroughScalar };
  Kind kind = kNone;
  size_t depth = 0;           // index of the token that could not be applied
  uint32_t array_size = 0;    // kIndexOutOfRange, kEndIndex
  jsonb::Type scalar_type = jsonb::Type::Null;  // kThroughScalar
};

// Which pointer of the operation a message is about.
enum class Which { kPath, kFrom };

// Read-only: stores the value at p in *out and returns true, or fills *miss.
bool lookup(const jsonb::Value& root, const Pointer& p, jsonb::Value* out, Miss* miss);

// Raises the error that describes miss: DP001 for a malformed array index,
// DP003 for a path through a scalar, otherwise `missing_sqlstate` (DP002;
// DP004 for "test").
[[noreturn]] void raise_miss(const Operation& op, Which which, const Miss& miss,
                             const char* missing_sqlstate);

// How walk_to_parent treats a parent that is not there.
enum class Absent {
  kError,          // raise (most operations)
  kSkipMissing,    // return nullptr when missing; a scalar in the way is still DP003 ("pull")
  kSkipAnything,   // return nullptr when missing or not a container ("unset")
};

// Walks the first size()-1 tokens of the pointer `which` of op, expanding
// every container on the way, and returns the slot of the parent of the
// target, which is guaranteed to be an object or an array (raw or expanded:
// expand it before changing it).  With create_parents, missing object
// members on the way are created as empty objects (never inside arrays, never
// replacing a scalar).  p must not be the root pointer.
jsonb::Value* walk_to_parent(jsonb::Value* root, const Operation& op, Which which,
                             bool create_parents, Absent absent);

// The last token of a pointer, as an object key and as text.
jsonb::Key last_key(const Pointer& p);
std::string_view last_token(const Pointer& p);

// A copy of v for "copy" that cannot alias nodes later operations change: v
// itself when it is raw (raw bytes are immutable and shared), else v
// serialized into fresh raw bytes in the current memory context.  Not a
// node-by-node copy: copying a value that already holds copies would double
// the nodes each time, so a short patch of copies of "" could make
// exponentially many nodes; serialized, a copy costs its size in bytes and
// stops at jsonb's size limits (SQLSTATE 54000).
jsonb::Value deep_copy(const jsonb::Value& v);

// Helpers for operations' own final-step errors.
[[noreturn]] void raise_index_out_of_range(const Operation& op, Which which, size_t depth,
                                           uint32_t size, const std::string& hint = {},
                                           const char* sqlstate = sqlstate::kPathNotFound);
[[noreturn]] void raise_end_index(const Operation& op, Which which, size_t depth,
                                  const std::string& hint = {},
                                  const char* sqlstate = sqlstate::kPathNotFound);
[[noreturn]] void raise_bad_index(const Operation& op, Which which, size_t depth);
[[noreturn]] void raise_missing_member(const Operation& op, Which which, size_t depth,
                                       const char* sqlstate);

const Pointer& pointer_of(const Operation& op, Which which);

}  // namespace docpatch::patch

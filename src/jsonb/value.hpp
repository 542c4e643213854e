// The document model of the one-pass engine.
//
// A Value is either a reference to bytes that already exist in jsonb's binary
// form (a string's bytes, a Numeric varlena, or a whole JsonbContainer inside
// the input datum or the patch) or an expanded, mutable object/array node.
// Containers are expanded only where an operation reaches into them; every
// other container stays a raw byte range and is copied into the result as is.
//
// Nodes live in the memory context that was current when they were made (the
// engine's per-call work context): they are never destroyed one by one.
#pragma once

#include <cstdint>
#include <cstring>
#include <new>
#include <utility>

#include "boundary/pg_allocator.hpp"
#include "jsonb/devector.hpp"

namespace docpatch::jsonb {

enum class Type : uint8_t { Null, False, True, String, Numeric, Object, Array };

// "object", "string", ...; and with an article: "an object", "a string", "null".
const char* type_name(Type type);
const char* type_name_with_article(Type type);

class ObjectNode;
class ArrayNode;

// Whether the first and the last sizeof(W) bytes of n (sizeof(W) <= n <=
// 2 * sizeof(W)) at a and b are equal: two overlapping words cover them all.
template <typename W>
inline bool ends_equal(const char* a, const char* b, uint32_t n) {
  W x, y, u, v;
  std::memcpy(&x, a, sizeof(W));
  std::memcpy(&y, b, sizeof(W));
  std::memcpy(&u, a + n - sizeof(W), sizeof(W));
  std::memcpy(&v, b + n - sizeof(W), sizeof(W));
  return x == y && u == v;
}

// Whether n bytes at a and b are equal.  Keys and the strings filters
// compare are mostly short: those are compared inline, without a call.
inline bool bytes_equal(const char* a, const char* b, uint32_t n) {
  if (n > 16) return std::memcmp(a, b, n) == 0;
  if (n >= 8) return ends_equal<uint64_t>(a, b, n);
  if (n >= 4) return ends_equal<uint32_t>(a, b, n);
  for (uint32_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// An object key: bytes in the database encoding, not NUL-terminated.
struct Key {
  const char* data = nullptr;
  uint32_t len = 0;

  bool operator==(const Key& o) const { return len == o.len && bytes_equal(data, o.data, len); }
};

// jsonb's key order: shorter keys first, then bytewise.
inline int compare_keys(const Key& a, const Key& b) {
  if (a.len != b.len) return a.len < b.len ? -1 : 1;
  return a.len == 0 ? 0 : std::memcmp(a.data, b.data, a.len);
}

struct Value {
  Type type = Type::Null;
  bool expanded = false;  // Object/Array only: node pointer instead of raw bytes
  uint32_t len = 0;       // raw byte length (strings, numerics, raw containers)
  union {
    const char* raw;
    ObjectNode* object;
    ArrayNode* array;
  };

  Value() : raw(nullptr) {}

  static Value null() { return Value(); }
  static Value boolean(bool b) {
    Value v;
    v.type = b ? Type::True : Type::False;
    return v;
  }
  static Value string(const char* data, uint32_t len) {
    Value v;
    v.type = Type::String;
    v.raw = data;
    v.len = len;
    return v;
  }
  static Value numeric(const void* numeric_varlena, uint32_t len) {
    Value v;
    v.type = Type::Numeric;
    v.raw = static_cast<const char*>(numeric_varlena);
    v.len = len;
    return v;
  }
  static Value container(const JsonbContainer* c, uint32_t len) {
    Value v;
    v.type = (c->header & JB_FOBJECT) ? Type::Object : Type::Array;
    v.raw = reinterpret_cast<const char*>(c);
    v.len = len;
    return v;
  }
  static Value of(ObjectNode* node) {
    Value v;
    v.type = Type::Object;
    v.expanded = true;
    v.object = node;
    return v;
  }
  static Value of(ArrayNode* node) {
    Value v;
    v.type = Type::Array;
    v.expanded = true;
    v.array = node;
    return v;
  }

  bool is_container() const { return type == Type::Object || type == Type::Array; }
  bool is_raw_container() const { return is_container() && !expanded; }
  bool is_number() const { return type == Type::Numeric; }
  const JsonbContainer* container_ptr() const {
    return reinterpret_cast<const JsonbContainer*>(raw);
  }
  Key as_key() const { return Key{raw, len}; }
};

// Allocates a T in the current memory context.  Never destroyed: the context
// owns the memory.
template <typename T, typename... Args>
T* make_node(Args&&... args) {
  void* p = context_alloc(CurrentMemoryContext, sizeof(T));
  return new (p) T(std::forward<Args>(args)...);
}

// An expanded object.  Members are kept sorted in jsonb key order, except for
// an unsorted tail of recent insertions (merged in when it grows as large as
// the sorted part, and looked up through a small hash index once it has more
// than a few members) and tombstones left by removals (dropped when the tail
// is merged), so that patches of many thousands of operations on one object
// cost O(log n) per operation, amortized.
class ObjectNode {
 public:
  struct Member {
    Key key;
    Value value;
    bool deleted;
  };

  ObjectNode() = default;

  // The live value stored under key, or nullptr.
  Value* find(Key key);
  // Stores value under key, replacing any existing member.
  void set(Key key, const Value& value);
  // Removes the member; returns false when there was none.
  bool erase(Key key);
  // Number of live members.
  uint32_t size() const { return live_; }
  // Live members in jsonb key order (compacts first).
  const PgVector<Member>& members();
  // Appends a member known to be greater than every key present (used when
  // expanding an already sorted container).
  void append_sorted(Key key, const Value& value) {
    members_.push_back(Member{key, value, false});
    sorted_end_ = members_.size();
    ++live_;
  }
  void reserve(size_t n) { members_.reserve(n); }

 private:
  static constexpr size_t kMaxTail = 64;
  // A tail longer than this is looked up through tail_index_.
  static constexpr size_t kIndexedTail = 16;
  // The tail may grow as large as the sorted part (at least kMaxTail): each
  // merge is linear in the size and happens after as many insertions, so n
  // insertions into a large object cost O(n log n) in all.
  size_t max_tail() const;
  Member* locate(Key key);
  void merge_tail();
  void index_tail();
  void index_add(size_t member);

  PgVector<Member> members_;
  // Open addressing over the tail (linear probing): member index + 1, 0 for
  // an empty slot; a power of two at least twice the tail's length.  Empty
  // while the tail is short.
  PgVector<uint32_t> tail_index_;
  size_t sorted_end_ = 0;
  uint32_t live_ = 0;
  uint32_t dead_ = 0;
};

// An expanded array.  Its elements are a DeVector, so that inserting or
// removing at the front of a large array costs as little as at the end.
class ArrayNode {
 public:
  DeVector<Value> elems;
};

}  // namespace docpatch::jsonb

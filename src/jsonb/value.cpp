// ObjectNode: a sorted member vector with an unsorted tail and tombstones.
#include "jsonb/value.hpp"

#include <algorithm>
#include <iterator>

#include "boundary/interruptible_sort.hpp"

namespace docpatch::jsonb {

const char* type_name(Type type) {
  switch (type) {
    case Type::Null: return "null";
    case Type::False:
    case Type::True: return "boolean";
    case Type::String: return "string";
    case Type::Numeric: return "number";
    case Type::Object: return "object";
    case Type::Array: return "array";
  }
  return "unknown";
}

const char* type_name_with_article(Type type) {
  switch (type) {
    case Type::Null: return "null";
    case Type::False:
    case Type::True: return "a boolean";
    case Type::String: return "a string";
    case Type::Numeric: return "a number";
    case Type::Object: return "an object";
    case Type::Array: return "an array";
  }
  return "unknown";
}

namespace {

// FNV-1a over the key's bytes.
inline uint32_t hash_key(Key k) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < k.len; ++i) {
    h ^= static_cast<unsigned char>(k.data[i]);
    h *= 16777619u;
  }
  return h;
}

}  // namespace

ObjectNode::Member* ObjectNode::locate(Key key) {
  auto begin = members_.begin();
  auto end = begin + static_cast<std::ptrdiff_t>(sorted_end_);
  auto it = std::lower_bound(begin, end, key, [](const Member& m, const Key& k) {
    return compare_keys(m.key, k) < 0;
  });
  if (it != end && it->key == key) return &*it;
  if (!tail_index_.empty()) {
    size_t mask = tail_index_.size() - 1;
    for (size_t slot = hash_key(key) & mask;; slot = (slot + 1) & mask) {
      uint32_t entry = tail_index_[slot];
      if (entry == 0) return nullptr;
      if (members_[entry - 1].key == key) return &members_[entry - 1];
    }
  }
  for (size_t i = sorted_end_; i < members_.size(); ++i)
    if (members_[i].key == key) return &members_[i];
  return nullptr;
}

Value* ObjectNode::find(Key key) {
  Member* m = locate(key);
  return (m != nullptr && !m->deleted) ? &m->value : nullptr;
}

void ObjectNode::set(Key key, const Value& value) {
  if (Member* m = locate(key)) {
    if (m->deleted) {
      m->deleted = false;
      --dead_;
      ++live_;
    }
    m->value = value;
    return;
  }
  members_.push_back(Member{key, value, false});
  ++live_;
  size_t tail = members_.size() - sorted_end_;
  if (tail > max_tail())
    merge_tail();
  else if (!tail_index_.empty())
    index_add(members_.size() - 1);
  else if (tail > kIndexedTail)
    index_tail();
}

bool ObjectNode::erase(Key key) {
  Member* m = locate(key);
  if (m == nullptr || m->deleted) return false;
  // A tombstone, in the sorted part as in the tail: positions (and so the
  // tail's index) stay valid, and a later set() of the key revives it.
  m->deleted = true;
  --live_;
  ++dead_;
  return true;
}

size_t ObjectNode::max_tail() const { return sorted_end_ > kMaxTail ? sorted_end_ : kMaxTail; }

void ObjectNode::index_tail() {
  size_t tail = members_.size() - sorted_end_;
  size_t slots = 64;
  while (slots < 2 * tail + 2) slots *= 2;
  tail_index_.assign(slots, 0);
  for (size_t i = sorted_end_; i < members_.size(); ++i) {
    if ((i & 0xFFF) == 0) check_for_interrupts();
    index_add(i);
  }
}

void ObjectNode::index_add(size_t member) {
  size_t tail = members_.size() - sorted_end_;
  if (2 * tail + 2 > tail_index_.size()) {
    index_tail();  // grows the table and indexes every member, this one too
    return;
  }
  size_t mask = tail_index_.size() - 1;
  size_t slot = hash_key(members_[member].key) & mask;
  while (tail_index_[slot] != 0) slot = (slot + 1) & mask;
  tail_index_[slot] = static_cast<uint32_t>(member + 1);
}

void ObjectNode::merge_tail() {
  auto by_key = [](const Member& a, const Member& b) { return compare_keys(a.key, b.key) < 0; };
  auto mid = members_.begin() + static_cast<std::ptrdiff_t>(sorted_end_);
  sort_checking_interrupts(mid, members_.end(), by_key);
  // std::inplace_merge would take its scratch buffer from operator new; merge
  // into a vector in the memory context instead, dropping tombstones.
  PgVector<Member> merged(members_.get_allocator());
  merged.reserve(live_);
  auto a = members_.begin();
  auto b = mid;
  size_t visited = 0;
  auto keep = [&](const Member& m) {
    if ((++visited & 0xFFF) == 0) check_for_interrupts();
    if (!m.deleted) merged.push_back(m);
  };
  while (a != mid && b != members_.end()) {
    if (by_key(*b, *a))
      keep(*b++);
    else
      keep(*a++);
  }
  for (; a != mid; ++a) keep(*a);
  for (; b != members_.end(); ++b) keep(*b);
  members_.swap(merged);
  sorted_end_ = members_.size();
  dead_ = 0;
  tail_index_.clear();
  tail_index_.shrink_to_fit();
}

const PgVector<ObjectNode::Member>& ObjectNode::members() {
  if (sorted_end_ != members_.size() || dead_ != 0) merge_tail();
  return members_;
}

}  // namespace docpatch::jsonb

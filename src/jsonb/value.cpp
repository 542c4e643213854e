// ObjectNode: a sorted member vector with an unsorted tail and tombstones.
#include "jsonb/value.hpp"

#include <algorithm>
#include <iterator>

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

ObjectNode::Member* ObjectNode::locate(Key key) {
  auto begin = members_.begin();
  auto end = begin + static_cast<std::ptrdiff_t>(sorted_end_);
  auto it = std::lower_bound(begin, end, key, [](const Member& m, const Key& k) {
    return compare_keys(m.key, k) < 0;
  });
  if (it != end && it->key == key) return &*it;
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
  if (members_.size() - sorted_end_ > max_tail()) merge_tail();
}

bool ObjectNode::erase(Key key) {
  Member* m = locate(key);
  if (m == nullptr || m->deleted) return false;
  size_t index = static_cast<size_t>(m - members_.data());
  --live_;
  if (index >= sorted_end_) {
    // Unsorted tail: order does not matter, so swap with the last one.
    *m = members_.back();
    members_.pop_back();
  } else {
    m->deleted = true;
    ++dead_;
  }
  return true;
}

size_t ObjectNode::max_tail() const {
  size_t limit = kMaxTail;
  while (limit * limit < sorted_end_) limit *= 2;
  return limit;
}

void ObjectNode::merge_tail() {
  auto by_key = [](const Member& a, const Member& b) { return compare_keys(a.key, b.key) < 0; };
  auto mid = members_.begin() + static_cast<std::ptrdiff_t>(sorted_end_);
  std::sort(mid, members_.end(), by_key);
  // std::inplace_merge would take its scratch buffer from operator new; merge
  // into a vector in the memory context instead.
  PgVector<Member> merged(members_.get_allocator());
  merged.reserve(members_.size());
  std::merge(members_.begin(), mid, mid, members_.end(), std::back_inserter(merged), by_key);
  members_.swap(merged);
  sorted_end_ = members_.size();
}

const PgVector<ObjectNode::Member>& ObjectNode::members() {
  if (sorted_end_ != members_.size()) merge_tail();
  if (dead_ != 0) {
    members_.erase(std::remove_if(members_.begin(), members_.end(),
                                  [](const Member& m) { return m.deleted; }),
                   members_.end());
    dead_ = 0;
    sorted_end_ = members_.size();
  }
  return members_;
}

}  // namespace docpatch::jsonb

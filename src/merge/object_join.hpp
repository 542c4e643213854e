// Walking the members of objects and the elements of arrays, raw or
// expanded, for the merge family: a merge join of two objects' sorted member
// lists, and byte identity of values.
#pragma once

#include <cstring>
#include <utility>

#include "boundary/boundary.hpp"
#include "jsonb/reader.hpp"

namespace docpatch::merge {

// Visits the members of object v in jsonb key order: fn(key, value).
template <typename F>
void for_each_member(const jsonb::Value& v, F&& fn) {
  if (v.expanded) {
    const auto& members = v.object->members();
    for (size_t i = 0; i < members.size(); ++i) {
      if ((i & 0xFFF) == 0) check_for_interrupts();
      fn(members[i].key, members[i].value);
    }
  } else {
    jsonb::RawContainer(v).for_each_member([&](uint32_t i, jsonb::Key k, const jsonb::Value& val) {
      if ((i & 0xFFF) == 0) check_for_interrupts();
      fn(k, val);
    });
  }
}

// Walks the members of two objects together in jsonb key order (a merge
// join of the two sorted member lists): fn(key, a_value, b_value), where the
// value of a side that lacks the key is nullptr.  O(|a| + |b|).
template <typename F>
void join_members(const jsonb::Value& a, const jsonb::Value& b, F&& fn) {
  PgVector<std::pair<jsonb::Key, jsonb::Value>> right;
  right.reserve(jsonb::container_size(b));
  for_each_member(b, [&](jsonb::Key k, const jsonb::Value& v) { right.emplace_back(k, v); });
  size_t j = 0;
  for_each_member(a, [&](jsonb::Key k, const jsonb::Value& v) {
    while (j < right.size() && jsonb::compare_keys(right[j].first, k) < 0) {
      if ((j & 0xFFF) == 0xFFF) check_for_interrupts();
      fn(right[j].first, static_cast<const jsonb::Value*>(nullptr), &right[j].second);
      ++j;
    }
    if (j < right.size() && right[j].first == k) {
      fn(k, &v, &right[j].second);
      ++j;
    } else {
      fn(k, &v, static_cast<const jsonb::Value*>(nullptr));
    }
  });
  for (; j < right.size(); ++j) {
    if ((j & 0xFFF) == 0xFFF) check_for_interrupts();
    fn(right[j].first, static_cast<const jsonb::Value*>(nullptr), &right[j].second);
  }
}

// Visits the members of object `patch` in jsonb key order with the value of
// the same key in object `target`: fn(key, target_value, patch_value), where
// target_value is nullptr when target has no such member.  A patch small
// next to the target looks its keys up (O(|patch| log |target|): a merge of
// a few members into a huge document costs in proportion to the few), a
// larger one walks both (O(|target| + |patch|)).
template <typename F>
void match_members(const jsonb::Value& target, const jsonb::Value& patch, F&& fn) {
  uint32_t t = jsonb::container_size(target);
  uint64_t lookups = static_cast<uint64_t>(jsonb::container_size(patch)) * (32 - __builtin_clz(t | 1));
  if (lookups < t) {
    for_each_member(patch, [&](jsonb::Key k, const jsonb::Value& p) {
      jsonb::Value found;
      fn(k, jsonb::find_member(target, k, &found) ? &found : nullptr, p);
    });
    return;
  }
  join_members(target, patch, [&](jsonb::Key k, const jsonb::Value* tv, const jsonb::Value* pv) {
    if (pv != nullptr) fn(k, tv, *pv);
  });
}

// A change a merge makes to one member of an object: its new value, or its
// removal.
struct MemberChange {
  jsonb::Key key;
  jsonb::Value value;
  bool removed;
};

// Object v with `changes` (in jsonb key order, one per key, as a patch's
// members come) made to it, as a new node that shares every other member
// of v.  O(|v| + |changes|): the merges call it only once they know that
// something changes, so that a merge that changes nothing copies nothing.
inline jsonb::Value with_changes(const jsonb::Value& v, const PgVector<MemberChange>& changes) {
  auto* node = jsonb::make_node<jsonb::ObjectNode>();
  node->reserve(jsonb::container_size(v) + changes.size());
  size_t j = 0;  // the next change to make
  auto put_change = [&] {
    const MemberChange& c = changes[j++];
    if ((j & 0xFFF) == 0) check_for_interrupts();
    if (!c.removed) node->append_sorted(c.key, c.value);
  };
  for_each_member(v, [&](jsonb::Key k, const jsonb::Value& m) {
    while (j < changes.size() && jsonb::compare_keys(changes[j].key, k) < 0) put_change();
    if (j < changes.size() && changes[j].key == k)
      put_change();
    else
      node->append_sorted(k, m);
  });
  while (j < changes.size()) put_change();
  return jsonb::Value::of(node);
}

// The elements of array v, in order.
inline PgVector<jsonb::Value> elements_of(const jsonb::Value& v) {
  PgVector<jsonb::Value> out;
  if (v.expanded) {
    out.assign(v.array->elems.begin(), v.array->elems.end());
    return out;
  }
  jsonb::RawContainer raw(v);
  out.reserve(raw.count());
  raw.for_each_element([&](uint32_t i, const jsonb::Value& e) {
    if ((i & 0xFFF) == 0) check_for_interrupts();
    out.push_back(e);
  });
  return out;
}

// True when a and b are the same bytes (so the same value, written the same
// way: 1.0 and 1.00 are not identical).  Expanded containers are never
// identical to anything: callers use this to detect "nothing changed".
inline bool identical(const jsonb::Value& a, const jsonb::Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case jsonb::Type::Null:
    case jsonb::Type::False:
    case jsonb::Type::True:
      return true;
    case jsonb::Type::Object:
    case jsonb::Type::Array:
      if (a.expanded || b.expanded) return a.expanded && b.expanded && a.object == b.object;
      [[fallthrough]];
    case jsonb::Type::String:
    case jsonb::Type::Numeric:
      return a.len == b.len && (a.raw == b.raw || a.len == 0 || std::memcmp(a.raw, b.raw, a.len) == 0);
  }
  return false;
}

// An empty object, as an expanded node in the current memory context.
inline jsonb::Value empty_object() { return jsonb::Value::of(jsonb::make_node<jsonb::ObjectNode>()); }

}  // namespace docpatch::merge

// Reading jsonb's binary format without converting it (see utils/jsonb.h).
//
// RawContainer gives indexed access to the children of a JsonbContainer as
// Values that point into the container's bytes.  Nothing is copied.
#pragma once

#include "boundary/boundary.hpp"
#include "jsonb/value.hpp"

namespace docpatch::jsonb {

class RawContainer {
 public:
  explicit RawContainer(const JsonbContainer* c)
      : c_(c), count_(c->header & JB_CMASK), is_object_((c->header & JB_FOBJECT) != 0) {}
  explicit RawContainer(const Value& v) : RawContainer(v.container_ptr()) {}

  uint32_t count() const { return count_; }
  bool is_object() const { return is_object_; }
  bool is_scalar() const { return (c_->header & JB_FSCALAR) != 0; }

  // Array element i.
  Value element(uint32_t i) const { return child(i); }
  // Object member i, in key order.
  Key key(uint32_t i) const {
    Value k = child(i);
    return Key{k.raw, k.len};
  }
  Value member_value(uint32_t i) const { return child(i + count_); }
  // The value of member `key` in *value; false when there is none.
  bool find(Key key, Value* value) const {
    if (count_ > kLinearFind) return find_sorted(key, value);
    uint32_t i, offset;
    if (!locate_linear(key, &i, &offset)) return false;
    *value = decode(c_->children[count_ + i], offset, end_offset(count_ + i, offset) - offset);
    return true;
  }

  // What member `key` of this object holds, for filters that compare it
  // with a string (@.id == $id, over every element of an array): kString
  // with its bytes in *data and *len, kNull, kOther (another type), or
  // kMissing.  find() without building a Value.
  enum class Member : uint8_t { kMissing, kNull, kString, kOther };
  __attribute__((always_inline)) Member member_string(Key key, const char** data, uint32_t* len) const {
    if (count_ > kLinearFind) {
      Value v;
      if (!find_sorted(key, &v)) return Member::kMissing;
      if (v.type == Type::String) {
        *data = v.raw;
        *len = v.len;
        return Member::kString;
      }
      return v.type == Type::Null ? Member::kNull : Member::kOther;
    }
    uint32_t i, offset;
    if (!locate_linear(key, &i, &offset)) return Member::kMissing;
    switch (c_->children[count_ + i] & JENTRY_TYPEMASK) {
      case JENTRY_ISSTRING:
        *data = data_base() + offset;
        *len = end_offset(count_ + i, offset) - offset;
        return Member::kString;
      case JENTRY_ISNULL:
        return Member::kNull;
      default:
        return Member::kOther;
    }
  }

  // Visits every element / member in order with running offsets, in O(n).
  template <typename F>
  void for_each_element(F&& fn) const {
    uint32_t offset = 0;
    for (uint32_t i = 0; i < count_; ++i) {
      uint32_t end = end_offset(i, offset);
      fn(i, decode(c_->children[i], offset, end - offset));
      offset = end;
    }
  }
  template <typename F>
  void for_each_member(F&& fn) const {
    // Keys occupy entries [0, n), values [n, 2n); offsets run on through both.
    uint32_t key_offset = 0;
    uint32_t value_offset = 0;
    for (uint32_t i = 0; i < count_; ++i) {
      if ((i & 0xFFFF) == 0xFFFF) check_for_interrupts();
      value_offset = end_offset(i, value_offset);
    }
    for (uint32_t i = 0; i < count_; ++i) {
      uint32_t key_end = end_offset(i, key_offset);
      uint32_t value_end = end_offset(i + count_, value_offset);
      Value k = decode(c_->children[i], key_offset, key_end - key_offset);
      fn(i, Key{k.raw, k.len}, decode(c_->children[i + count_], value_offset, value_end - value_offset));
      key_offset = key_end;
      value_offset = value_end;
    }
  }

 private:
  // Objects of at most this many members are searched linearly.
  static constexpr uint32_t kLinearFind = 12;

  // Member `key` of a small object: its index in *i and its value's start
  // offset in *offset.  One pass with running offsets, instead of a binary
  // search whose every probe walks back to the nearest stored offset (most
  // objects of real documents are small).  Keys are sorted by length first,
  // so the scan stops at the first longer key.
  __attribute__((always_inline)) bool locate_linear(Key key, uint32_t* index, uint32_t* offset_out) const {
    const char* base = data_base();
    uint32_t offset = 0;
    uint32_t i = 0;
    for (; i < count_; ++i) {
      uint32_t end = end_offset(i, offset);
      uint32_t len = end - offset;
      if (len > key.len) return false;
      bool same = len == key.len && bytes_equal(base + offset, key.data, len);
      offset = end;
      if (same) break;
    }
    if (i == count_) return false;
    // The value's offset: past the remaining keys and the values before it.
    for (uint32_t j = i + 1; j < count_; ++j) offset = end_offset(j, offset);
    for (uint32_t j = 0; j < i; ++j) offset = end_offset(count_ + j, offset);
    *index = i;
    *offset_out = offset;
    return true;
  }
  const char* data_base() const {
    uint32_t entries = is_object_ ? count_ * 2 : count_;
    return reinterpret_cast<const char*>(&c_->children[entries]);
  }
  // End offset of entry i given its start offset.
  uint32_t end_offset(uint32_t i, uint32_t start) const {
    JEntry e = c_->children[i];
    return JBE_HAS_OFF(e) ? JBE_OFFLENFLD(e) : start + JBE_OFFLENFLD(e);
  }
  uint32_t start_offset(uint32_t i) const;
  Value child(uint32_t i) const {
    uint32_t start = start_offset(i);
    return decode(c_->children[i], start, end_offset(i, start) - start);
  }
  bool find_sorted(Key key, Value* value) const;  // binary search
  Value decode(JEntry entry, uint32_t offset, uint32_t length) const {
    const char* base = data_base();
    switch (entry & JENTRY_TYPEMASK) {
      case JENTRY_ISSTRING:
        return Value::string(base + offset, length);
      case JENTRY_ISNUMERIC: {
        uint32_t aligned = INTALIGN(offset);
        return Value::numeric(base + aligned, length - (aligned - offset));
      }
      case JENTRY_ISBOOL_FALSE:
        return Value::boolean(false);
      case JENTRY_ISBOOL_TRUE:
        return Value::boolean(true);
      case JENTRY_ISNULL:
        return Value::null();
      default: {  // JENTRY_ISCONTAINER
        uint32_t aligned = INTALIGN(offset);
        return Value::container(reinterpret_cast<const JsonbContainer*>(base + aligned),
                                length - (aligned - offset));
      }
    }
  }

  const JsonbContainer* c_;
  uint32_t count_;
  bool is_object_;
};

// The document held by a jsonb datum: a raw container, or the scalar itself
// when the datum holds a scalar.
Value root_value(const Jsonb* jb);

// Expands v (an Object or Array) into a mutable node in place, if it is not
// expanded already, and returns the node.
ObjectNode* expand_object(Value& v);
ArrayNode* expand_array(Value& v);

// Number of members/elements of an object or array value.
uint32_t container_size(const Value& v);

// The member `key` of an object value (raw or expanded) in *out; false when
// it has none.
inline bool find_member(const Value& object, Key key, Value* out) {
  if (!object.expanded) return RawContainer(object).find(key, out);
  Value* v = object.object->find(key);
  if (v == nullptr) return false;
  *out = *v;
  return true;
}

// Element i (< container_size) of an array value, raw or expanded.
Value element_at(const Value& array, uint32_t i);

}  // namespace docpatch::jsonb

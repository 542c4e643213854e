#include "merge/diff.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "core/json_pointer.hpp"
#include "core/text.hpp"
#include "jsonb/compare.hpp"
#include "merge/object_join.hpp"

namespace docpatch::merge {

using jsonb::ArrayNode;
using jsonb::Key;
using jsonb::ObjectNode;
using jsonb::Type;
using jsonb::Value;

namespace {

const Key kOpKey{"op", 2};
const Key kPathKey{"path", 4};
const Key kValueKey{"value", 5};

// A JSON Pointer being built while the walk descends: tokens are escaped as
// they are appended and cut off again on the way back up.
class PointerBuilder {
 public:
  size_t push_key(Key k) {
    size_t mark = text_.size();
    text_.push_back('/');
    append_escaped_token(text_, std::string_view(k.data, k.len));
    return mark;
  }
  size_t push_index(size_t i) {
    size_t mark = text_.size();
    char digits[24];
    char* end = digits + sizeof digits;
    char* p = end;
    do {
      *--p = static_cast<char>('0' + i % 10);
      i /= 10;
    } while (i != 0);
    text_.push_back('/');
    text_.append(p, static_cast<size_t>(end - p));
    return mark;
  }
  void pop(size_t mark) { text_.resize(mark); }
  // A copy of the current pointer that lives as long as the work context.
  Value as_string() const {
    char* copy = static_cast<char*>(context_alloc(CurrentMemoryContext, text_.size()));
    if (!text_.empty()) std::memcpy(copy, text_.data(), text_.size());
    return Value::string(copy, static_cast<uint32_t>(text_.size()));
  }
  const PgString& text() const { return text_; }

 private:
  PgString text_;
};

class JsonPatchDiff {
 public:
  JsonPatchDiff() : ops_(jsonb::make_node<ArrayNode>()) {}

  void diff(const Value& s, const Value& t) {
    if (identical(s, t)) return;
    if (s.type != t.type) return emit("replace", 7, &t);
    switch (s.type) {
      case Type::Null:
      case Type::False:
      case Type::True:
        return;
      case Type::String:
      case Type::Numeric:
        if (!jsonb::json_equal(s, t)) emit("replace", 7, &t);
        return;
      case Type::Object:
        return diff_objects(s, t);
      case Type::Array:
        return diff_arrays(s, t);
    }
  }

  Value result() { return Value::of(ops_); }

 private:
  void emit(const char* op, uint32_t op_len, const Value* value) {
    if ((ops_->elems.size() & 0xFFF) == 0) check_for_interrupts();
    // Every operation repeats its whole path, so a deep document that
    // differs at every level could ask for far more path bytes than any
    // jsonb holds (and the memory to build them): stop as soon as the
    // patch can no longer fit in one jsonb array.
    size_t bytes = path_.text().size() + (value != nullptr && !value->expanded ? value->len : 0);
    payload_bytes_ += bytes;
    if (payload_bytes_ > JENTRY_OFFLENMASK)
      throw Error(sqlstate::kProgramLimit,
                  "jsonb_diff: the patch would exceed the maximum size of a jsonb array (" +
                      std::to_string(JENTRY_OFFLENMASK) + " bytes)",
                  "Its operations' paths and values add up to more than that.",
                  "Compare smaller parts of the documents, or use jsonb_merge_diff.");
    ObjectNode* node = jsonb::make_node<ObjectNode>();
    node->reserve(3);
    // Appended in jsonb key order: "op", "path", "value".
    node->append_sorted(kOpKey, Value::string(op, op_len));
    node->append_sorted(kPathKey, path_.as_string());
    if (value != nullptr) node->append_sorted(kValueKey, *value);
    ops_->elems.push_back(Value::of(node));
  }

  void diff_objects(const Value& s, const Value& t) {
    check_stack();
    join_members(s, t, [&](Key k, const Value* sv, const Value* tv) {
      size_t mark = path_.push_key(k);
      if (tv == nullptr)
        emit("remove", 6, nullptr);
      else if (sv == nullptr)
        emit("add", 3, tv);
      else
        diff(*sv, *tv);
      path_.pop(mark);
    });
  }

  // Whether two array elements count as the same for the common prefix and
  // suffix.  Containers compare by their bytes only: a full comparison here
  // followed by the recursion into the same pair made arrays nested n deep
  // cost O(n^2) comparisons (seconds for a few thousand levels).  At worst
  // a pair that is equal without being byte-identical (1.0 and 1.00 inside)
  // lands in the middle and makes the patch longer, never wrong.
  static bool aligned(const Value& a, const Value& b) {
    if (identical(a, b)) return true;
    if (a.is_container() || b.is_container()) return false;
    return jsonb::json_equal(a, b);
  }

  void diff_arrays(const Value& s, const Value& t) {
    check_stack();
    PgVector<Value> a = elements_of(s);
    PgVector<Value> b = elements_of(t);
    size_t n = std::min(a.size(), b.size());
    size_t prefix = 0;
    while (prefix < n && aligned(a[prefix], b[prefix])) {
      if ((prefix & 0xFFF) == 0) check_for_interrupts();
      ++prefix;
    }
    size_t suffix = 0;
    while (suffix < n - prefix &&
           aligned(a[a.size() - 1 - suffix], b[b.size() - 1 - suffix])) {
      if ((suffix & 0xFFF) == 0) check_for_interrupts();
      ++suffix;
    }
    size_t middle_a = a.size() - prefix - suffix;
    size_t middle_b = b.size() - prefix - suffix;
    size_t paired = std::min(middle_a, middle_b);
    // The paired elements keep their indexes: no element has moved yet.
    for (size_t i = 0; i < paired; ++i) {
      if ((i & 0xFFF) == 0xFFF) check_for_interrupts();  // pairs that diff to nothing emit nothing
      size_t mark = path_.push_index(prefix + i);
      diff(a[prefix + i], b[prefix + i]);
      path_.pop(mark);
    }
    // Surplus source elements: removed from the highest index down, so that
    // every index still means what it meant in the source.
    for (size_t i = middle_a; i > paired; --i) {
      if ((i & 0xFFF) == 0) check_for_interrupts();
      size_t mark = path_.push_index(prefix + i - 1);
      emit("remove", 6, nullptr);
      path_.pop(mark);
    }
    // Surplus target elements: added in index order, each after the last.
    for (size_t i = paired; i < middle_b; ++i) {
      if ((i & 0xFFF) == 0) check_for_interrupts();
      size_t mark = path_.push_index(prefix + i);
      emit("add", 3, &b[prefix + i]);
      path_.pop(mark);
    }
  }

  ArrayNode* ops_;
  PointerBuilder path_;
  size_t payload_bytes_ = 0;  // path and value bytes of the operations so far
};

class MergePatchDiff {
 public:
  // The merge patch for two objects (an empty object when they are equal).
  Value diff_objects(const Value& s, const Value& t) {
    check_stack();
    ObjectNode* node = jsonb::make_node<ObjectNode>();
    join_members(s, t, [&](Key k, const Value* sv, const Value* tv) {
      size_t mark = path_.push_key(k);
      if (tv == nullptr) {
        node->append_sorted(k, Value::null());
      } else if (sv == nullptr) {
        node->append_sorted(k, expressible(*tv));
      } else if (identical(*sv, *tv)) {
        // unchanged (the common case): no need to look inside
      } else if (sv->type == Type::Object && tv->type == Type::Object) {
        Value sub = diff_objects(*sv, *tv);
        if (jsonb::container_size(sub) != 0) node->append_sorted(k, sub);
      } else if (!jsonb::json_equal(*sv, *tv)) {
        node->append_sorted(k, expressible(*tv));
      }
      path_.pop(mark);
    });
    return Value::of(node);
  }

  // v as a member value of a merge patch that sets it whole: refused when it
  // is null or holds null members (a merge patch would delete them).
  Value expressible(const Value& v) {
    if (v.type == Type::Null) refuse();
    if (v.type == Type::Object) refuse_null_members(v);
    return v;
  }

 private:
  // Refuses, naming its path, the first null member of v or of an object
  // inside it (reached through objects: a merge patch leaves arrays alone).
  void refuse_null_members(const Value& v) {
    check_stack();
    for_each_member(v, [&](Key k, const Value& m) {
      size_t mark = path_.push_key(k);
      if (m.type == Type::Null) refuse();
      if (m.type == Type::Object) refuse_null_members(m);
      path_.pop(mark);
    });
  }

  [[noreturn]] void refuse() {
    // Paths made of huge keys are cut short: a message stays readable.
    std::string shown = quoted_excerpt(std::string_view(path_.text().data(), path_.text().size()), 200);
    throw Error(sqlstate::kTypeMismatch,
                "jsonb_merge_diff: cannot set \"" + shown + "\" to null with a merge patch",
                "In an RFC 7396 merge patch a null member means \"delete this member\", so no merge "
                "patch can produce a member whose value is null.",
                "Use jsonb_diff for an RFC 6902 patch, which can set null values.");
  }

  PointerBuilder path_;
};

}  // namespace

Value json_patch_diff(const Value& source, const Value& target) {
  JsonPatchDiff d;
  d.diff(source, target);
  return d.result();
}

Value merge_patch_diff(const Value& source, const Value& target) {
  MergePatchDiff d;
  // A non-object target: the patch is the target itself (it replaces).
  if (target.type != Type::Object) return target;
  // An object patch applies to {} when the source is not an object.
  if (source.type != Type::Object) return d.expressible(target);
  return d.diff_objects(source, target);
}

}  // namespace docpatch::merge

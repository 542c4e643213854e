#include "jsonb/compare.hpp"

#include <algorithm>
#include <cstring>

#include "boundary/boundary.hpp"
#include "jsonb/reader.hpp"

namespace docpatch::jsonb {
namespace {

// Indexed, ordered access to the members of an object or the elements of an
// array, whether raw or expanded.
struct Seq {
  explicit Seq(const Value& v) : value(v) {
    if (v.expanded && v.type == Type::Object) members = &v.object->members();
  }
  uint32_t size() const { return container_size(value); }
  Value element(uint32_t i) const {
    return value.expanded ? value.array->elems[i] : RawContainer(value).element(i);
  }
  Key key(uint32_t i) const {
    return value.expanded ? (*members)[i].key : RawContainer(value).key(i);
  }
  Value member_value(uint32_t i) const {
    return value.expanded ? (*members)[i].value : RawContainer(value).member_value(i);
  }

  Value value;
  const PgVector<ObjectNode::Member>* members = nullptr;
};

bool same_bytes(const Value& a, const Value& b) {
  return !a.expanded && !b.expanded && a.len == b.len &&
         (a.raw == b.raw || std::memcmp(a.raw, b.raw, a.len) == 0);
}

}  // namespace

int compare_numbers(const Value& a, const Value& b) {
  if (same_bytes(a, b)) return 0;
  Datum da = PointerGetDatum(a.raw);
  Datum db = PointerGetDatum(b.raw);
  return pg_call<int>([&] { return DatumGetInt32(DirectFunctionCall2(numeric_cmp, da, db)); });
}

int compare_strings(const Value& a, const Value& b) {
  uint32_t n = std::min(a.len, b.len);
  int cmp = n == 0 ? 0 : std::memcmp(a.raw, b.raw, n);
  if (cmp != 0) return cmp;
  return a.len == b.len ? 0 : (a.len < b.len ? -1 : 1);
}

Value add_numbers(const Value& a, const Value& b) {
  Datum da = PointerGetDatum(a.raw);
  Datum db = PointerGetDatum(b.raw);
  Datum sum = pg_call<Datum>([&] { return DirectFunctionCall2(numeric_add, da, db); });
  const char* p = DatumGetPointer(sum);
  return Value::numeric(p, VARSIZE_ANY(p));
}

bool json_equal(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Type::Null:
    case Type::False:
    case Type::True:
      return true;
    case Type::String:
      return a.len == b.len && (a.len == 0 || std::memcmp(a.raw, b.raw, a.len) == 0);
    case Type::Numeric:
      return compare_numbers(a, b) == 0;
    case Type::Object:
    case Type::Array: {
      if (same_bytes(a, b)) return true;
      check_stack();
      Seq sa(a);
      Seq sb(b);
      uint32_t n = sa.size();
      if (n != sb.size()) return false;
      for (uint32_t i = 0; i < n; ++i) {
        if ((i & 0xFFF) == 0) check_for_interrupts();
        if (a.type == Type::Object) {
          // Both sides are in jsonb key order, so members pair up by index.
          if (!(sa.key(i) == sb.key(i))) return false;
          if (!json_equal(sa.member_value(i), sb.member_value(i))) return false;
        } else if (!json_equal(sa.element(i), sb.element(i))) {
          return false;
        }
      }
      return true;
    }
  }
  return false;
}

}  // namespace docpatch::jsonb

// Decoding jsonb's JEntry arrays (layout described in utils/jsonb.h).
#include "jsonb/reader.hpp"

#include "boundary/boundary.hpp"

namespace docpatch::jsonb {

uint32_t RawContainer::start_offset(uint32_t i) const {
  // Walk back to the nearest entry that stores an offset (at most
  // JB_OFFSET_STRIDE steps), as getJsonbOffset() does.
  uint32_t offset = 0;
  for (int64_t j = static_cast<int64_t>(i) - 1; j >= 0; --j) {
    JEntry e = c_->children[j];
    offset += JBE_OFFLENFLD(e);
    if (JBE_HAS_OFF(e)) break;
  }
  return offset;
}

bool RawContainer::find_sorted(Key key, Value* value) const {
  uint32_t lo = 0;
  uint32_t hi = count_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int cmp = compare_keys(this->key(mid), key);
    if (cmp == 0) {
      *value = member_value(mid);
      return true;
    }
    if (cmp < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return false;
}

Value root_value(const Jsonb* jb) {
  const JsonbContainer* root = &jb->root;
  if (root->header & JB_FSCALAR) return RawContainer(root).element(0);
  return Value::container(root, VARSIZE(jb) - VARHDRSZ);
}

ObjectNode* expand_object(Value& v) {
  if (v.expanded) return v.object;
  ObjectNode* node = make_node<ObjectNode>();
  RawContainer raw(v);
  node->reserve(raw.count());
  raw.for_each_member([&](uint32_t i, Key k, const Value& val) {
    if ((i & 0xFFFF) == 0xFFFF) check_for_interrupts();  // containers may have millions of entries
    node->append_sorted(k, val);
  });
  v = Value::of(node);
  return node;
}

ArrayNode* expand_array(Value& v) {
  if (v.expanded) return v.array;
  ArrayNode* node = make_node<ArrayNode>();
  RawContainer raw(v);
  node->elems.reserve(raw.count());
  raw.for_each_element([&](uint32_t i, const Value& val) {
    if ((i & 0xFFFF) == 0xFFFF) check_for_interrupts();
    node->elems.push_back(val);
  });
  v = Value::of(node);
  return node;
}

Value element_at(const Value& array, uint32_t i) {
  return array.expanded ? array.array->elems[i] : RawContainer(array).element(i);
}

uint32_t container_size(const Value& v) {
  if (!v.expanded) return RawContainer(v).count();
  return v.type == Type::Object ? v.object->size() : static_cast<uint32_t>(v.array->elems.size());
}

}  // namespace docpatch::jsonb

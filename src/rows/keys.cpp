// Ids to keys: see keys.hpp.
#include "rows/keys.hpp"

#include <cstring>
#include <string>

#include "boundary/interruptible_sort.hpp"
#include "jsonb/reader.hpp"
#include "rows/toolkit.hpp"

namespace docpatch::rows {
namespace {

constexpr const char* kFunction = "upsert_with_creation_ts";
constexpr const char* kShapeHint = "Pass items as [{\"id\": \"1\", \"doc\": {...}}, ...].";

std::string item_error(uint32 i, const std::string& what) {
  return std::string(kFunction) + ": items[" + std::to_string(i) + "] " + what;
}

}  // namespace

KeyConverter::KeyConverter(const PlanSet& set) : typmod_(set.key_typmod) {
  Oid type = set.key_type;
  pg_guard([&] {
    Oid input;
    getTypeInputInfo(type, &input, &ioparam_);
    fmgr_info(input, &input_);
  });
}

Datum KeyConverter::convert(const char* id) {
  return pg_call<Datum>([&] { return InputFunctionCall(&input_, const_cast<char*>(id), ioparam_, typmod_); });
}

PgVector<BatchItem> read_batch_items(const Jsonb* items) {
  if (!JB_ROOT_IS_ARRAY(items) || JB_ROOT_IS_SCALAR(items))
    throw Error(sqlstate::kInvalidArgument,
                std::string(kFunction) + ": items must be a JSON array of {\"id\": ..., \"doc\": ...} objects",
                {}, kShapeHint);
  PgVector<BatchItem> out;
  jsonb::RawContainer array(&items->root);
  out.reserve(array.count());
  array.for_each_element([&](uint32 i, const jsonb::Value& item) {
    if ((i & 0xFFF) == 0) check_for_interrupts();
    if (item.type != jsonb::Type::Object)
      throw Error(sqlstate::kInvalidArgument,
                  item_error(i, std::string("is ") + jsonb::type_name_with_article(item.type) +
                                    ", not an object"),
                  {}, kShapeHint);
    jsonb::RawContainer object(item);
    const jsonb::Value* id = nullptr;
    const jsonb::Value* doc = nullptr;
    jsonb::Value id_value, doc_value;
    object.for_each_member([&](uint32, jsonb::Key key, const jsonb::Value& value) {
      if (key.len == 2 && std::memcmp(key.data, "id", 2) == 0) {
        if (value.type != jsonb::Type::String && value.type != jsonb::Type::Numeric)
          throw Error(sqlstate::kInvalidArgument,
                      item_error(i, std::string("has an \"id\" that is ") +
                                        jsonb::type_name_with_article(value.type) +
                                        ", not a string or a number"));
        id_value = value;
        id = &id_value;
      } else if (key.len == 3 && std::memcmp(key.data, "doc", 3) == 0) {
        doc_value = value;
        doc = &doc_value;
      } else {
        std::string name(key.data, key.len);
        throw Error(sqlstate::kInvalidArgument,
                    item_error(i, "has an unknown member \"" + excerpt(name.c_str()) + "\""), {},
                    kShapeHint);
      }
    });
    if (id == nullptr) throw Error(sqlstate::kInvalidArgument, item_error(i, "has no \"id\""), {}, kShapeHint);
    if (doc == nullptr) throw Error(sqlstate::kInvalidArgument, item_error(i, "has no \"doc\""), {}, kShapeHint);
    const char* text = pg_call<char*>([&] {
      if (id->type == jsonb::Type::String) return pnstrdup(id->raw, id->len);
      return DatumGetCString(DirectFunctionCall1(numeric_out, PointerGetDatum(id->raw)));
    });
    out.push_back(BatchItem{text, *doc});
  });
  return out;
}

BatchGroups::BatchGroups(const PgVector<BatchItem>& items, const PlanSet& set) : items_(items) {
  size_t n = items.size();
  KeyConverter converter(set);
  keys_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if ((i & 0xFFF) == 0) check_for_interrupts();
    keys_.push_back(converter.convert(items[i].id));
  }
  order_.resize(n);
  for (size_t i = 0; i < n; ++i) order_[i] = static_cast<uint32>(i);
  Oid compare = set.key_compare;
  Oid collation = set.key_collation;
  FmgrInfo flinfo;
  pg_guard([&] { fmgr_info(compare, &flinfo); });
  // Item indices, by key and then by index.
  sort_checking_interrupts(order_.begin(), order_.end(), [&](uint32 i, uint32 j) {
    int c = pg_call<int>([&] {
      return DatumGetInt32(FunctionCall2Coll(&flinfo, collation, keys_[i], keys_[j]));
    });
    return c != 0 ? c < 0 : i < j;
  });
  docs_.reserve(n);
  for (size_t j = 0; j < n; ++j) docs_.push_back(items[order_[j]].doc);
  // Group boundaries: a position whose key differs from the one before.
  PgVector<char> starts(n, 0);
  pg_guard([&] {
    for (size_t j = 0; j < n; ++j) {
      if ((j & 0xFFF) == 0) CHECK_FOR_INTERRUPTS();
      starts[j] = j == 0 || DatumGetInt32(FunctionCall2Coll(&flinfo, collation, keys_[order_[j - 1]],
                                                             keys_[order_[j]])) != 0;
    }
  });
  for (size_t j = 0; j < n; ++j)
    if (starts[j]) begin_.push_back(j);
}

}  // namespace docpatch::rows

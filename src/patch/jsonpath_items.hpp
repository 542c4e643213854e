// Reading a parsed jsonpath with PostgreSQL's public item API
// (utils/jsonpath.h: jspInit, jspGetNext, jspGetArg, ...), each call under
// the guard: they elog(ERROR) on an item type they do not know.  Used when a
// patch is decoded, never per document.
#pragma once

#include <string>

#include "boundary/boundary.hpp"
#include "jsonb/value.hpp"

namespace docpatch::patch::jsp {

inline void init(JsonPathItem* v, JsonPath* path) { pg_guard([&] { jspInit(v, path); }); }

// The item after v in its chain; false at the end.
inline bool next(JsonPathItem* v, JsonPathItem* out) {
  return pg_call<bool>([&] { return jspGetNext(v, out); });
}

inline void arg(JsonPathItem* v, JsonPathItem* out) { pg_guard([&] { jspGetArg(v, out); }); }
inline void left(JsonPathItem* v, JsonPathItem* out) { pg_guard([&] { jspGetLeftArg(v, out); }); }
inline void right(JsonPathItem* v, JsonPathItem* out) { pg_guard([&] { jspGetRightArg(v, out); }); }

// Subscript i of a [...] item: its start in *from, and its end in *to when
// it is a range (returns whether it is).
inline bool subscript(JsonPathItem* v, JsonPathItem* from, JsonPathItem* to, int i) {
  return pg_call<bool>([&] { return jspGetArraySubscript(v, from, to, i); });
}

// The bytes of a key, string or variable name item.
inline jsonb::Key string_of(JsonPathItem* v) {
  int32 len = 0;
  char* data = jspGetString(v, &len);
  return jsonb::Key{data, static_cast<uint32_t>(len)};
}

// PostgreSQL's name of an operator or item method ("==", "size", ...);
// empty for the items it has no name for.
inline std::string operation_name(JsonPathItemType type) {
  const char* name = nullptr;
  try {
    name = pg_call<const char*>([&] { return jspOperationName(type); });
  } catch (const PgError&) {
    return {};
  }
  return name != nullptr ? name : "";
}

}  // namespace docpatch::patch::jsp

// SQL entry points of the merge family.
#include "boundary/work_context.hpp"
#include "fmgr/jsonb_result.hpp"
#include "merge/shallow_merge.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(docpatch_jsonb_shallow_merge);
}

using namespace docpatch;

// jsonb_shallow_merge(target jsonb, patch jsonb) RETURNS jsonb
// Not strict: a NULL target counts as {}, a NULL patch returns the target.
extern "C" Datum docpatch_jsonb_shallow_merge(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    if (PG_ARGISNULL(1)) {
      if (!PG_ARGISNULL(0)) PG_RETURN_DATUM(PG_GETARG_DATUM(0));
      return PointerGetDatum(jsonb::serialize(jsonb::Value::of(jsonb::make_node<jsonb::ObjectNode>()),
                                              CurrentMemoryContext, 8));
    }
    Jsonb* patch = jsonb_arg(fcinfo, 1);
    if (PG_ARGISNULL(0)) {
      merge::require_object(jsonb::root_value(patch), "jsonb_shallow_merge", "patch");
      return PointerGetDatum(patch);
    }
    Jsonb* target = jsonb_arg(fcinfo, 0);
    WorkContext work("docpatch shallow merge");
    jsonb::Value result = merge::shallow_merge(jsonb::root_value(target), jsonb::root_value(patch),
                                               "jsonb_shallow_merge");
    return jsonb_result(result, {target, patch}, work.parent(), VARSIZE(target) + VARSIZE(patch));
  });
}

// SQL entry points of the merge family.
#include <string>

#include "boundary/work_context.hpp"
#include "fmgr/jsonb_result.hpp"
#include "merge/deep_merge.hpp"
#include "merge/diff.hpp"
#include "merge/merge_patch.hpp"
#include "merge/shallow_merge.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(docpatch_jsonb_shallow_merge);
PG_FUNCTION_INFO_V1(docpatch_jsonb_deep_merge);
PG_FUNCTION_INFO_V1(docpatch_jsonb_merge_patch);
PG_FUNCTION_INFO_V1(docpatch_jsonb_diff);
PG_FUNCTION_INFO_V1(docpatch_jsonb_merge_diff);
}

using namespace docpatch;

namespace {

Datum empty_object_datum() {
  return PointerGetDatum(jsonb::serialize(jsonb::Value::of(jsonb::make_node<jsonb::ObjectNode>()),
                                          CurrentMemoryContext, 8));
}

}  // namespace

// jsonb_shallow_merge(target jsonb, patch jsonb) RETURNS jsonb
// Not strict: a NULL target counts as {}, a NULL patch returns the target.
extern "C" Datum docpatch_jsonb_shallow_merge(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    if (PG_ARGISNULL(1)) {
      if (!PG_ARGISNULL(0)) PG_RETURN_DATUM(PG_GETARG_DATUM(0));
      return empty_object_datum();
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
    Datum out = jsonb_result(result, {target, patch}, work.parent(), VARSIZE(target) + VARSIZE(patch));
    return release_arg_copy(fcinfo, 0, target, out);
  });
}

// jsonb_deep_merge(target jsonb, patch jsonb, max_depth int DEFAULT NULL) RETURNS jsonb
// Not strict: NULLs as in jsonb_shallow_merge; a NULL max_depth is unbounded.
extern "C" Datum docpatch_jsonb_deep_merge(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    int64_t max_depth = merge::kUnboundedDepth;
    if (!PG_ARGISNULL(2)) {
      int32 d = PG_GETARG_INT32(2);
      if (d < 0)
        throw Error(sqlstate::kInvalidArgument,
                    "jsonb_deep_merge: max_depth must not be negative, got " + std::to_string(d),
                    {},
                    "Use NULL to merge at every level, 1 for a shallow merge, 2 to merge one level "
                    "inside the top-level members.");
      max_depth = d;
    }
    if (PG_ARGISNULL(1)) {
      if (!PG_ARGISNULL(0)) PG_RETURN_DATUM(PG_GETARG_DATUM(0));
      return empty_object_datum();
    }
    Jsonb* patch = jsonb_arg(fcinfo, 1);
    if (PG_ARGISNULL(0)) {
      merge::require_object(jsonb::root_value(patch), "jsonb_deep_merge", "patch");
      return PointerGetDatum(patch);
    }
    Jsonb* target = jsonb_arg(fcinfo, 0);
    WorkContext work("docpatch deep merge");
    jsonb::Value result = merge::deep_merge(jsonb::root_value(target), jsonb::root_value(patch),
                                            max_depth, "jsonb_deep_merge");
    Datum out = jsonb_result(result, {target, patch}, work.parent(), VARSIZE(target) + VARSIZE(patch));
    return release_arg_copy(fcinfo, 0, target, out);
  });
}

// jsonb_merge_patch(target jsonb, patch jsonb) RETURNS jsonb
// Not strict: a NULL target counts as a non-object (an object patch applies
// to {}); a NULL patch returns the target.
extern "C" Datum docpatch_jsonb_merge_patch(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    if (PG_ARGISNULL(1)) {
      if (PG_ARGISNULL(0)) PG_RETURN_NULL();
      PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    }
    Jsonb* patch = jsonb_arg(fcinfo, 1);
    Jsonb* target = PG_ARGISNULL(0) ? nullptr : jsonb_arg(fcinfo, 0);
    WorkContext work("docpatch merge patch");
    jsonb::Value t = target != nullptr ? jsonb::root_value(target) : jsonb::Value::null();
    jsonb::Value result = merge::merge_patch(t, jsonb::root_value(patch));
    size_t hint = VARSIZE(patch) + (target != nullptr ? VARSIZE(target) : 0);
    Datum out = jsonb_result(result, {target, patch}, work.parent(), hint);
    return release_arg_copy(fcinfo, 0, target, out);
  });
}

// jsonb_diff(source jsonb, target jsonb) RETURNS jsonb, STRICT
extern "C" Datum docpatch_jsonb_diff(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    Jsonb* source = jsonb_arg(fcinfo, 0);
    Jsonb* target = jsonb_arg(fcinfo, 1);
    WorkContext work("docpatch diff");
    jsonb::Value result = merge::json_patch_diff(jsonb::root_value(source), jsonb::root_value(target));
    return jsonb_result(result, {}, work.parent(), 256);
  });
}

// jsonb_merge_diff(source jsonb, target jsonb) RETURNS jsonb, STRICT
extern "C" Datum docpatch_jsonb_merge_diff(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    Jsonb* source = jsonb_arg(fcinfo, 0);
    Jsonb* target = jsonb_arg(fcinfo, 1);
    WorkContext work("docpatch merge diff");
    jsonb::Value result =
        merge::merge_patch_diff(jsonb::root_value(source), jsonb::root_value(target));
    return jsonb_result(result, {target}, work.parent(), 256);
  });
}

// SQL entry point of the JSON Patch family.
#include "boundary/work_context.hpp"
#include "fmgr/jsonb_result.hpp"
#include "patch/apply.hpp"
#include "patch/ops_cache.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(docpatch_jsonb_patch_ops);
}

using namespace docpatch;

// jsonb_patch_ops(target jsonb, ops jsonb) RETURNS jsonb
// IMMUTABLE STRICT PARALLEL SAFE.
extern "C" Datum docpatch_jsonb_patch_ops(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    Jsonb* target = jsonb_arg(fcinfo, 0);
    Jsonb* ops = jsonb_arg(fcinfo, 1);
    WorkContext work("docpatch patch");
    const patch::Operations& operations = patch::cached_operations(fcinfo->flinfo, ops);
    jsonb::Value root = jsonb::root_value(target);
    if (!patch::apply_patch(&root, target, operations)) return PointerGetDatum(target);
    Datum result = jsonb_result(root, {target}, work.parent(), VARSIZE(target));
    return release_arg_copy(fcinfo, 0, target, result);
  });
}

// SQL entry points of the merge aggregates: jsonb_merge_patch_agg and
// jsonb_shallow_merge_agg (transition functions on an `internal` state, one
// shared final function).
#include <string>

#include "boundary/boundary.hpp"
#include "fmgr/jsonb_result.hpp"
#include "merge/merge_aggregates.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(docpatch_jsonb_merge_patch_agg_transfn);
PG_FUNCTION_INFO_V1(docpatch_jsonb_shallow_merge_agg_transfn);
PG_FUNCTION_INFO_V1(docpatch_jsonb_merge_agg_finalfn);
}

using namespace docpatch;

namespace {

// Not strict: a NULL patch is skipped; the state is NULL until the first
// non-NULL patch.
Datum transition(FunctionCallInfo fcinfo, merge::FoldKind kind, const char* aggregate) {
  MemoryContext agg_context;
  if (!AggCheckCallContext(fcinfo, &agg_context))
    throw Error(sqlstate::kInvalidArgument,
                std::string(aggregate) + "_transfn can only be called by the aggregate " + aggregate);
  auto* fold = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<merge::MergeFold*>(PG_GETARG_POINTER(0));
  if (PG_ARGISNULL(1)) {
    if (fold == nullptr) PG_RETURN_NULL();
    PG_RETURN_POINTER(fold);
  }
  Jsonb* patch = jsonb_arg(fcinfo, 1);
  if (fold == nullptr) fold = merge::fold_create(agg_context);
  merge::fold_add(fold, kind, patch);
  PG_RETURN_POINTER(fold);
}

}  // namespace

// jsonb_merge_patch_agg_transfn(state internal, patch jsonb) RETURNS internal
extern "C" Datum docpatch_jsonb_merge_patch_agg_transfn(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    return transition(fcinfo, merge::FoldKind::kMergePatch, "jsonb_merge_patch_agg");
  });
}

// jsonb_shallow_merge_agg_transfn(state internal, patch jsonb) RETURNS internal
extern "C" Datum docpatch_jsonb_shallow_merge_agg_transfn(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    return transition(fcinfo, merge::FoldKind::kShallowMerge, "jsonb_shallow_merge_agg");
  });
}

// jsonb_merge_agg_finalfn(state internal) RETURNS jsonb
// NULL when no non-NULL patch was aggregated.
extern "C" Datum docpatch_jsonb_merge_agg_finalfn(PG_FUNCTION_ARGS) {
  return sql_entry([&]() -> Datum {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    auto* fold = reinterpret_cast<merge::MergeFold*>(PG_GETARG_POINTER(0));
    if (!fold->has_doc) PG_RETURN_NULL();
    return PointerGetDatum(merge::fold_result(fold, CurrentMemoryContext));
  });
}

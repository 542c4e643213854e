// docpatch_fold / docpatch_fold_proposed: see fold.hpp.
//
// Each step calls the mode's SQL function (jsonb_shallow_merge,
// jsonb_deep_merge, jsonb_merge_patch, jsonb_patch_ops, found in the
// extension's own schema) through fmgr, so that a fold means exactly what
// the single-document statement means.  Folds are short (the items of one
// batch that share an id), so each step serializing its result costs little.
#include "rows/fold.hpp"

#include <cstring>

namespace docpatch::rows {
namespace {

constexpr const char* kUndefinedFunction = "42883";

// What a call site remembers between rows (fn_extra).
struct FoldState {
  Kind kind;
  bool has_function;  // false for 'replace'
  int nargs;
  FmgrInfo flinfo;
  FunctionCallInfo call;  // room for 3 arguments
};

const char* kind_function_name(Kind kind) {
  switch (kind) {
    case Kind::Ops: return "jsonb_patch_ops";
    case Kind::Merge: return "jsonb_shallow_merge";
    case Kind::DeepMerge: return "jsonb_deep_merge";
    case Kind::MergePatch: return "jsonb_merge_patch";
    case Kind::Replace: return nullptr;
  }
  return nullptr;
}

FoldState* fold_state(FunctionCallInfo fcinfo, Kind kind, const char* function) {
  auto* st = static_cast<FoldState*>(fcinfo->flinfo->fn_extra);
  if (st != nullptr && st->kind == kind) return st;
  MemoryContext cxt = fcinfo->flinfo->fn_mcxt;
  if (st == nullptr) {
    st = static_cast<FoldState*>(
        pg_call<void*>([&] { return MemoryContextAllocZero(cxt, sizeof(FoldState)); }));
    st->call = static_cast<FunctionCallInfo>(
        pg_call<void*>([&] { return MemoryContextAllocZero(cxt, SizeForFunctionCallInfo(3)); }));
    fcinfo->flinfo->fn_extra = st;
  }
  st->kind = kind;
  st->has_function = false;
  const char* name = kind_function_name(kind);
  if (name == nullptr) return st;

  Oid nsp = extension_namespace(fcinfo);
  Oid fn = InvalidOid;
  int nargs = 0;
  const char* schema = nullptr;
  pg_guard([&] {
    schema = get_namespace_name(nsp);
    List* qualified = list_make2(makeString(pstrdup(schema)), makeString(pstrdup(name)));
    Oid two[2] = {JSONBOID, JSONBOID};
    Oid three[3] = {JSONBOID, JSONBOID, INT4OID};  // jsonb_deep_merge(target, patch, max_depth)
    fn = LookupFuncName(qualified, 2, two, true);
    nargs = 2;
    if (!OidIsValid(fn)) {
      fn = LookupFuncName(qualified, 3, three, true);
      nargs = 3;
    }
    if (OidIsValid(fn)) fmgr_info_cxt(fn, &st->flinfo, cxt);
  });
  if (!OidIsValid(fn))
    throw Error(kUndefinedFunction,
                std::string(function) + ": function " + (schema ? schema : "?") + "." + name +
                    "(jsonb, jsonb) does not exist",
                std::string("Mode '") + kind_name(kind) + "' needs it; it is part of docpatch.",
                "Update the docpatch extension.");
  st->has_function = true;
  st->nargs = nargs;
  return st;
}

// The fold itself.  Plain C (reports errors with ereport): runs inside
// pg_guard, and inside a subtransaction's PG_TRY for fold_proposed.
Datum fold_core(FoldState* st, Datum target, bool target_is_null, Jsonb* docs) {
  Datum acc = target_is_null ? DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")) : target;
  uint32 n = JB_ROOT_COUNT(docs);
  for (uint32 i = 0; i < n; ++i) {
    CHECK_FOR_INTERRUPTS();
    JsonbValue* v = getIthJsonbValueFromContainer(&docs->root, i);
    Datum doc = JsonbPGetDatum(JsonbValueToJsonb(v));
    if (!st->has_function) {
      acc = doc;
      continue;
    }
    FunctionCallInfo call = st->call;
    InitFunctionCallInfoData(*call, &st->flinfo, st->nargs, InvalidOid, nullptr, nullptr);
    call->args[0].value = acc;
    call->args[0].isnull = false;
    call->args[1].value = doc;
    call->args[1].isnull = false;
    if (st->nargs == 3) {
      call->args[2].value = (Datum)0;
      call->args[2].isnull = true;
    }
    acc = FunctionCallInvoke(call);
    if (call->isnull)
      ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                      errmsg("docpatch_fold: %s returned NULL", get_func_name(st->flinfo.fn_oid))));
  }
  return acc;
}

bool is_target_dependent(int sqlerrcode) {
  return sqlerrcode == MAKE_SQLSTATE('D', 'P', '0', '0', '2') ||
         sqlerrcode == MAKE_SQLSTATE('D', 'P', '0', '0', '3') ||
         sqlerrcode == MAKE_SQLSTATE('D', 'P', '0', '0', '4');
}

// fold_core(NULL target) in a subtransaction; a failure that depends on the
// target (DP002, DP003, DP004) yields {} and *failed = true.  Plain C.
Datum fold_core_lenient(FoldState* st, Jsonb* docs, bool* failed) {
  MemoryContext cxt = CurrentMemoryContext;
  ResourceOwner owner = CurrentResourceOwner;
  volatile Datum result = (Datum)0;
  *failed = false;
  BeginInternalSubTransaction(nullptr);
  MemoryContextSwitchTo(cxt);
  PG_TRY();
  {
    result = fold_core(st, (Datum)0, true, docs);
    ReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(cxt);
    CurrentResourceOwner = owner;
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(cxt);
    ErrorData* error = CopyErrorData();
    FlushErrorState();
    RollbackAndReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(cxt);
    CurrentResourceOwner = owner;
    if (!is_target_dependent(error->sqlerrcode)) ReThrowError(error);
    FreeErrorData(error);
    *failed = true;
  }
  PG_END_TRY();
  if (*failed) result = DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
  return result;
}

Kind mode_arg(FunctionCallInfo fcinfo, int n, const char* function) {
  if (PG_ARGISNULL(n)) return kind_argument(nullptr, function, "mode");
  const char* mode = pg_call<char*>([&] { return text_to_cstring(PG_GETARG_TEXT_PP(n)); });
  return kind_argument(mode, function, "mode");
}

Jsonb* docs_arg(FunctionCallInfo fcinfo, int n, const char* function) {
  if (PG_ARGISNULL(n))
    throw Error(sqlstate::kInvalidArgument, std::string(function) + ": docs must not be NULL");
  Jsonb* docs = pg_call<Jsonb*>([&] { return PG_GETARG_JSONB_P(n); });
  if (!JB_ROOT_IS_ARRAY(docs) || JB_ROOT_IS_SCALAR(docs))
    throw Error(sqlstate::kInvalidArgument,
                std::string(function) + ": docs must be a JSON array of documents");
  return docs;
}

}  // namespace

Datum fold(FunctionCallInfo fcinfo) {
  const char* function = "docpatch_fold";
  Kind kind = mode_arg(fcinfo, 1, function);
  Jsonb* docs = docs_arg(fcinfo, 2, function);
  FoldState* st = fold_state(fcinfo, kind, function);
  bool target_is_null = PG_ARGISNULL(0);
  Datum target = target_is_null ? (Datum)0 : pg_call<Datum>([&] { return PG_GETARG_DATUM(0); });
  return pg_call<Datum>([&] { return fold_core(st, target, target_is_null, docs); });
}

Datum fold_proposed(FunctionCallInfo fcinfo) {
  const char* function = "docpatch_fold_proposed";
  Kind kind = mode_arg(fcinfo, 0, function);
  Jsonb* docs = docs_arg(fcinfo, 1, function);
  FoldState* st = fold_state(fcinfo, kind, function);
  if (kind != Kind::Ops)
    return pg_call<Datum>([&] { return fold_core(st, (Datum)0, true, docs); });
  bool failed;
  return pg_call<Datum>([&] { return fold_core_lenient(st, docs, &failed); });
}

}  // namespace docpatch::rows

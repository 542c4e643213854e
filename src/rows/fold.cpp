// Folding documents onto a target: see fold.hpp.
//
// Every step uses the engine function behind the kind's SQL function
// (shallow_merge, deep_merge, merge_patch, apply_patch) on the running
// document.  Each of them changes an expanded tree in place and copies a
// raw container only where a step changes it (once: the copy is expanded),
// so a step costs in proportion to its own document, not to the running
// one -- also a step that changes nothing -- and the result is serialized
// once.
#include "rows/fold.hpp"

#include <cstring>
#include <string>

#include "boundary/work_context.hpp"
#include "fmgr/jsonb_result.hpp"
#include "jsonb/reader.hpp"
#include "merge/deep_merge.hpp"
#include "merge/merge_patch.hpp"
#include "merge/object_join.hpp"
#include "merge/shallow_merge.hpp"
#include "patch/apply.hpp"
#include "patch/operation.hpp"

namespace docpatch::rows {
namespace {

// One step of a merge mode: doc applied to acc (has_acc false: SQL NULL)
// with kind.
jsonb::Value merge_step(Kind kind, const jsonb::Value& acc, bool has_acc, const jsonb::Value& doc) {
  switch (kind) {
    case Kind::Replace:
      return doc;
    case Kind::Merge:
      // jsonb_shallow_merge(NULL, doc) is doc, which must be an object
      if (!has_acc) {
        merge::require_object(doc, "jsonb_shallow_merge", "patch");
        return doc;
      }
      return merge::shallow_merge(acc, doc, "jsonb_shallow_merge");
    case Kind::DeepMerge:
      return merge::deep_merge(has_acc ? acc : merge::empty_object(), doc, merge::kUnboundedDepth,
                               "jsonb_deep_merge");
    case Kind::MergePatch:
      return merge::merge_patch(has_acc ? acc : merge::empty_object(), doc);
    case Kind::Ops:
      break;  // apply_ops_step
  }
  return doc;
}

// Mode ops: one patch applied to the document of `state`.
void apply_ops_step(patch::DocumentState& state, const jsonb::Value& doc) {
  // The document keeps pointing into the decoded operations (the keys they
  // add): they live in the work context, as the tree does, until the fold
  // is serialized.
  auto* ops = jsonb::make_node<patch::Operations>(PgAllocator<patch::Operation>(CurrentMemoryContext));
  patch::decode_patch(doc, ops);
  patch::apply_patch(state, *ops);
}

}  // namespace

Jsonb* fold_documents(const Jsonb* target, Kind kind, const jsonb::Value* docs, size_t n,
                      MemoryContext result_context, const Jsonb* doc_datum) {
  WorkContext work("docpatch fold");
  bool has_acc = target != nullptr;
  jsonb::Value acc = has_acc ? jsonb::root_value(target) : jsonb::Value::null();
  if (kind == Kind::Ops && !has_acc) {
    acc = merge::empty_object();
    has_acc = true;
  }
  // Mode ops applies every patch on one document state: a filter that
  // PostgreSQL evaluates serializes the document only when a patch changed
  // it since the last serialization, not once per patch.
  patch::DocumentState state(&acc, target);
  size_t hint = target != nullptr ? VARSIZE(target) : 64;
  for (size_t i = 0; i < n; ++i) {
    if ((i & 0xFF) == 0) check_for_interrupts();
    if (kind == Kind::Ops)
      apply_ops_step(state, docs[i]);
    else
      acc = merge_step(kind, acc, has_acc, docs[i]);
    has_acc = true;
    if (docs[i].is_raw_container()) hint += docs[i].len;
  }
  if (!has_acc) acc = merge::empty_object();  // no documents: {} for a NULL target
  Datum out = jsonb_result(acc, {target, doc_datum}, result_context, hint);
  return reinterpret_cast<Jsonb*>(DatumGetPointer(out));
}

namespace {

Kind mode_arg(FunctionCallInfo fcinfo, int n, const char* function) {
  const char* mode =
      PG_ARGISNULL(n) ? nullptr : pg_call<char*>([&] { return text_to_cstring(PG_GETARG_TEXT_PP(n)); });
  return kind_argument(mode, function, "mode");
}

// The elements of the array argument n (DP005 for NULL or a non-array).
PgVector<jsonb::Value> docs_arg(FunctionCallInfo fcinfo, int n, const char* function) {
  if (PG_ARGISNULL(n))
    throw Error(sqlstate::kInvalidArgument, std::string(function) + ": docs must not be NULL");
  Jsonb* docs = jsonb_arg(fcinfo, n);
  if (!JB_ROOT_IS_ARRAY(docs) || JB_ROOT_IS_SCALAR(docs))
    throw Error(sqlstate::kInvalidArgument,
                std::string(function) + ": docs must be a JSON array of documents");
  jsonb::RawContainer array(&docs->root);
  PgVector<jsonb::Value> elements;
  elements.reserve(array.count());
  array.for_each_element([&](uint32_t i, const jsonb::Value& v) {
    if ((i & 0xFFF) == 0) check_for_interrupts();
    elements.push_back(v);
  });
  return elements;
}

}  // namespace

bool depends_on_target(const Error& e) {
  return std::strcmp(e.sqlstate(), sqlstate::kPathNotFound) == 0 ||
         std::strcmp(e.sqlstate(), sqlstate::kTypeMismatch) == 0 ||
         std::strcmp(e.sqlstate(), sqlstate::kTestFailed) == 0;
}

Datum fold(FunctionCallInfo fcinfo) {
  const char* function = "docpatch_fold";
  Kind kind = mode_arg(fcinfo, 1, function);
  PgVector<jsonb::Value> docs = docs_arg(fcinfo, 2, function);
  const Jsonb* target = PG_ARGISNULL(0) ? nullptr : jsonb_arg(fcinfo, 0);
  return PointerGetDatum(fold_documents(target, kind, docs.data(), docs.size(), CurrentMemoryContext));
}

Datum fold_proposed_v1_0(FunctionCallInfo fcinfo) {
  const char* function = "docpatch_fold_proposed";
  Kind kind = mode_arg(fcinfo, 0, function);
  PgVector<jsonb::Value> docs = docs_arg(fcinfo, 1, function);
  try {
    return PointerGetDatum(fold_documents(nullptr, kind, docs.data(), docs.size(), CurrentMemoryContext));
  } catch (const Error& e) {
    if (kind != Kind::Ops || !depends_on_target(e)) throw;
  }
  return PointerGetDatum(fold_documents(nullptr, Kind::Merge, nullptr, 0, CurrentMemoryContext));
}

}  // namespace docpatch::rows

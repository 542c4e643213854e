#include "merge/merge_aggregates.hpp"

#include <algorithm>
#include <cstring>

#include "boundary/boundary.hpp"
#include "boundary/work_context.hpp"
#include "jsonb/reader.hpp"
#include "jsonb/writer.hpp"
#include "merge/merge_patch.hpp"
#include "merge/shallow_merge.hpp"

namespace docpatch::merge {

namespace {

// Garbage allowed in doc_context beyond twice the document's size before it
// is compacted.
constexpr size_t kSlackBytes = 1024 * 1024;

MemoryContext new_doc_context(MemoryContext parent) {
  return pg_call<MemoryContext>([&] {
    return AllocSetContextCreateInternal(parent, "docpatch merge aggregate", ALLOCSET_DEFAULT_SIZES);
  });
}

// Re-serializes the document into a fresh context and drops the old one.
void compact(MergeFold* fold) {
  MemoryContext fresh = new_doc_context(fold->agg_context);
  Jsonb* jb;
  try {
    jb = jsonb::serialize(fold->doc, fresh, fold->compacted_size);
  } catch (...) {
    MemoryContextDelete(fresh);
    throw;
  }
  MemoryContextDelete(fold->doc_context);
  fold->doc_context = fresh;
  fold->doc = jsonb::root_value(jb);
  fold->compacted_size = VARSIZE(jb);
  // Expanded once here, the document takes the in-place path of the merges
  // from the next patch on.  Left raw, the next patch would rebuild all its
  // members into a new node, which made doc_context outgrow the threshold
  // again at once: every later patch recompacted, O(n) each (a stream of
  // 100,000 one-member patches took minutes).  The threshold counts the
  // expanded members, measured.
  if (fold->doc.type == jsonb::Type::Object) {
    ContextSwitch scope(fresh);
    jsonb::expand_object(fold->doc);
  }
  fold->live_bytes = MemoryContextMemAllocated(fresh, true);
}

}  // namespace

MergeFold* fold_create(MemoryContext agg_context) {
  auto* fold = static_cast<MergeFold*>(context_alloc(agg_context, sizeof(MergeFold)));
  fold->agg_context = agg_context;
  fold->doc_context = new_doc_context(agg_context);
  new (&fold->doc) jsonb::Value();
  fold->has_doc = false;
  fold->compacted_size = 0;
  fold->live_bytes = 0;
  return fold;
}

void fold_add(MergeFold* fold, FoldKind kind, const Jsonb* patch) {
  {
    ContextSwitch scope(fold->doc_context);
    size_t size = VARSIZE(patch);
    auto* copy = static_cast<Jsonb*>(context_alloc(fold->doc_context, size));
    std::memcpy(copy, patch, size);
    jsonb::Value p = jsonb::root_value(copy);
    if (kind == FoldKind::kShallowMerge) {
      if (!fold->has_doc) {
        require_object(p, "jsonb_shallow_merge_agg", "patch");
        fold->doc = p;
      } else {
        fold->doc = shallow_merge(fold->doc, p, "jsonb_shallow_merge_agg");
      }
    } else {
      // Before the first patch there is no document: like a SQL NULL target
      // of jsonb_merge_patch, it counts as a non-object.
      fold->doc = merge_patch(fold->has_doc ? fold->doc : jsonb::Value::null(), p);
    }
    if (!fold->has_doc) fold->compacted_size = size;
    fold->has_doc = true;
  }
  size_t allocated = MemoryContextMemAllocated(fold->doc_context, true);
  if (allocated > 2 * std::max(fold->compacted_size, fold->live_bytes) + kSlackBytes) compact(fold);
}

Jsonb* fold_result(MergeFold* fold, MemoryContext result_context) {
  return jsonb::serialize(fold->doc, result_context, fold->compacted_size);
}

}  // namespace docpatch::merge

// The running state of jsonb_merge_patch_agg and jsonb_shallow_merge_agg:
// a document folded from a stream of patches, kept in the aggregate's
// memory context.
#pragma once

#include "jsonb/value.hpp"

namespace docpatch::merge {

enum class FoldKind {
  kMergePatch,    // jsonb_merge_patch_agg: RFC 7396, starting from nothing
  kShallowMerge,  // jsonb_shallow_merge_agg: top-level merge, starting from {}
};

// The running document lives in doc_context, a child of the aggregate's
// context: each patch is copied there before it is merged (the row's datum
// is freed once the transition returns), so the document never points into
// a previous row.  Merging leaves garbage behind (replaced members, the
// copied patches' unused parts); when doc_context has grown well past the
// document's size the document is re-serialized into a fresh context and
// the old one deleted, so a long stream uses memory in proportion to the
// document, not to the stream.
struct MergeFold {
  MemoryContext agg_context;
  MemoryContext doc_context;
  jsonb::Value doc;
  bool has_doc;
  size_t compacted_size;  // the document's size at the last compaction
};

// A new, empty fold allocated in agg_context.
MergeFold* fold_create(MemoryContext agg_context);

// Folds one patch into the running document.  DP003 for a non-object patch of
// jsonb_shallow_merge_agg.
void fold_add(MergeFold* fold, FoldKind kind, const Jsonb* patch);

// The running document serialized into result_context; the fold stays
// usable (window aggregates call the final function repeatedly).
Jsonb* fold_result(MergeFold* fold, MemoryContext result_context);

}  // namespace docpatch::merge

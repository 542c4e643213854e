// Applying a decoded patch to a document, in one pass over one lazily
// expanded tree: every operation works on the same view, so a container
// that several operations reach is expanded once, and the result is
// serialized once by the caller.
#pragma once

#include "jsonb/value.hpp"
#include "patch/document_state.hpp"
#include "patch/operation.hpp"

namespace docpatch::patch {

// Applies ops in order to *root (which may be replaced), the document of
// the datum `input`.  Returns false when no operation changed anything (the
// caller can return its input as is).  Raises the first operation's error;
// the caller discards the tree then.
bool apply_patch(jsonb::Value* root, const Jsonb* input, const Operations& ops);
// The same on a document that several patches change in turn (a fold in
// mode ops): a filter that PostgreSQL evaluates reuses the document's
// serialization as long as no patch changed it since.
bool apply_patch(DocumentState& doc, const Operations& ops);

// One function per operation, by family; each returns whether it changed
// the document.
// RFC 6902 (rfc6902.cpp)
bool apply_add(jsonb::Value* root, const Operation& op);
bool apply_remove(jsonb::Value* root, const Operation& op);
bool apply_replace(jsonb::Value* root, const Operation& op);
bool apply_move(jsonb::Value* root, const Operation& op);
bool apply_copy(jsonb::Value* root, const Operation& op);
bool apply_test(jsonb::Value* root, const Operation& op);
// Azure Cosmos DB (cosmos.cpp)
bool apply_set(jsonb::Value* root, const Operation& op);
bool apply_incr(jsonb::Value* root, const Operation& op);
// docpatch extensions (extended.cpp)
bool apply_add_unique(jsonb::Value* root, const Operation& op);
bool apply_pull(jsonb::Value* root, const Operation& op);
bool apply_unset(jsonb::Value* root, const Operation& op);
bool apply_min_max(jsonb::Value* root, const Operation& op);
// Any of the operations above given a "jsonpath" (selector_apply.cpp).
bool apply_selector(DocumentState& doc, const Operation& op);

}  // namespace docpatch::patch

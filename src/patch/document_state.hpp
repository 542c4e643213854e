// The document as the next operation of a patch finds it.
//
// Operations change the lazy tree in place.  A jsonpath filter that
// PostgreSQL's own executor evaluates needs the document as a jsonb datum,
// with the earlier operations' changes in it: datum() is the input datum
// itself while nothing has changed, and otherwise a serialization of the
// tree made at most once between two changes (a patch of several jsonpath
// operations on an unchanged document serializes nothing).
#pragma once

#include <cstdint>

#include "jsonb/value.hpp"

namespace docpatch::patch {

class DocumentState {
 public:
  // root: the tree the patch changes; input: the datum it was read from.
  DocumentState(jsonb::Value* root, const Jsonb* input) : root_(root), input_(input) {}
  DocumentState(const DocumentState&) = delete;
  DocumentState& operator=(const DocumentState&) = delete;

  jsonb::Value* root() const { return root_; }

  // The document as a jsonb datum, in the current memory context.
  const Jsonb* datum();

  // Called after an operation changed the document.
  void changed() { ++version_; }

  // A memory context for one evaluation by PostgreSQL's executor, reset
  // after each (a selection may evaluate a filter on many candidates).
  MemoryContext scratch();

 private:
  jsonb::Value* root_;
  const Jsonb* input_;
  uint64_t version_ = 0;
  Jsonb* snapshot_ = nullptr;
  uint64_t snapshot_version_ = 0;
  MemoryContext scratch_ = nullptr;
};

}  // namespace docpatch::patch

// A memory context for one call's temporary data (the expanded document,
// decoded operations), deleted when the call ends, normally or by exception.
#pragma once

#include "boundary/boundary.hpp"

namespace docpatch {

class WorkContext {
 public:
  explicit WorkContext(const char* name) : parent_(CurrentMemoryContext) {
    context_ = pg_call<MemoryContext>(
        [&] { return AllocSetContextCreateInternal(parent_, name, ALLOCSET_DEFAULT_SIZES); });
    MemoryContextSwitchTo(context_);
  }
  ~WorkContext() {
    MemoryContextSwitchTo(parent_);
    MemoryContextDelete(context_);
  }
  WorkContext(const WorkContext&) = delete;
  WorkContext& operator=(const WorkContext&) = delete;

  // The caller's context, where results must be allocated.
  MemoryContext parent() const { return parent_; }

 private:
  MemoryContext parent_;
  MemoryContext context_;
};

}  // namespace docpatch

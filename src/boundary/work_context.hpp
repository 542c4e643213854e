// Memory contexts in C++ scopes: WorkContext, a memory context for one call's
// temporary data (the expanded document, decoded operations), deleted when
// the call ends, normally or by exception; ContextSwitch and ContextOwner for
// contexts made for a shorter or a longer time.
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

// Switches to a context for the scope; restores the previous one.
class ContextSwitch {
 public:
  explicit ContextSwitch(MemoryContext context) : previous_(MemoryContextSwitchTo(context)) {}
  ~ContextSwitch() { MemoryContextSwitchTo(previous_); }
  ContextSwitch(const ContextSwitch&) = delete;
  ContextSwitch& operator=(const ContextSwitch&) = delete;

 private:
  MemoryContext previous_;
};

// Deletes a memory context on scope exit unless released.
class ContextOwner {
 public:
  explicit ContextOwner(MemoryContext context) : context_(context) {}
  ~ContextOwner() {
    if (context_ != nullptr) MemoryContextDelete(context_);
  }
  MemoryContext release() {
    MemoryContext c = context_;
    context_ = nullptr;
    return c;
  }
  ContextOwner(const ContextOwner&) = delete;
  ContextOwner& operator=(const ContextOwner&) = delete;

 private:
  MemoryContext context_;
};

}  // namespace docpatch

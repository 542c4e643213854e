// The document as operations find it (see document_state.hpp).
#include "patch/document_state.hpp"

#include "boundary/boundary.hpp"
#include "jsonb/writer.hpp"

namespace docpatch::patch {

const Jsonb* DocumentState::datum() {
  const jsonb::Value& root = *root_;
  if (input_ != nullptr && root.is_raw_container() &&
      root.raw == reinterpret_cast<const char*>(&input_->root))
    return input_;
  if (snapshot_ != nullptr && snapshot_version_ == version_) return snapshot_;
  if (snapshot_ != nullptr) pfree(snapshot_);
  snapshot_ = nullptr;
  size_t hint = input_ != nullptr ? VARSIZE(input_) : 1024;
  snapshot_ = jsonb::serialize(root, CurrentMemoryContext, hint);
  snapshot_version_ = version_;
  return snapshot_;
}

MemoryContext DocumentState::scratch() {
  if (scratch_ == nullptr) {
    MemoryContext parent = CurrentMemoryContext;
    scratch_ = pg_call<MemoryContext>([&] {
      return AllocSetContextCreateInternal(parent, "docpatch jsonpath filter", ALLOCSET_SMALL_SIZES);
    });
  }
  return scratch_;
}

}  // namespace docpatch::patch

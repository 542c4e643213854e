// The per-call-site cache of decoded patches (see ops_cache.hpp).
#include "patch/ops_cache.hpp"

#include <cstring>

#include "boundary/work_context.hpp"
#include "jsonb/reader.hpp"

namespace docpatch::patch {
namespace {

struct PatchCache {
  MemoryContext context;  // owns bytes and ops; nullptr when empty
  Size size;
  const char* bytes;      // copy of the ops datum
  const Operations* ops;
};

const Operations* decode_into_current(const Jsonb* ops) {
  Operations* decoded = jsonb::make_node<Operations>(PgAllocator<Operation>(CurrentMemoryContext));
  decode_patch(jsonb::root_value(ops), decoded);
  return decoded;
}

}  // namespace

const Operations& cached_operations(FmgrInfo* flinfo, const Jsonb* ops) {
  if (flinfo == nullptr) return *decode_into_current(ops);

  auto* cache = static_cast<PatchCache*>(flinfo->fn_extra);
  Size size = VARSIZE(ops);
  if (cache != nullptr && cache->ops != nullptr && cache->size == size &&
      std::memcmp(cache->bytes, ops, size) == 0)
    return *cache->ops;

  if (cache == nullptr) {
    cache = static_cast<PatchCache*>(context_alloc(flinfo->fn_mcxt, sizeof(PatchCache)));
    *cache = PatchCache{nullptr, 0, nullptr, nullptr};
    flinfo->fn_extra = cache;
  }
  if (cache->context != nullptr) {
    MemoryContextDelete(cache->context);
    *cache = PatchCache{nullptr, 0, nullptr, nullptr};
  }

  MemoryContext parent = flinfo->fn_mcxt;
  ContextOwner owner(pg_call<MemoryContext>([&] {
    return AllocSetContextCreateInternal(parent, "docpatch patch cache", ALLOCSET_DEFAULT_SIZES);
  }));
  const Operations* decoded;
  char* bytes;
  {
    MemoryContext context = owner.release();
    ContextOwner guard(context);  // deleted if decoding throws
    ContextSwitch in(context);
    bytes = static_cast<char*>(context_alloc(context, size));
    std::memcpy(bytes, ops, size);
    decoded = decode_into_current(reinterpret_cast<const Jsonb*>(bytes));
    cache->context = guard.release();
  }
  cache->size = size;
  cache->bytes = bytes;
  cache->ops = decoded;
  return *decoded;
}

}  // namespace docpatch::patch

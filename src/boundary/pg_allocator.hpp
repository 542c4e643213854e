// A standard C++ allocator over a PostgreSQL memory context.
//
// C++ containers in the extension use PgAllocator, so everything they hold
// lives in a memory context: if an error unwinds past them (or a longjmp skips
// their destructors), the memory goes when the context is reset or deleted,
// never leaking into the backend's malloc heap.  Allocation failure is reported
// as std::bad_alloc, never as an ereport, so it is safe to allocate from C++
// code without a guard; the boundary turns bad_alloc into SQLSTATE 53200.
#pragma once

#include <cstddef>
#include <new>
#include <string>
#include <vector>

#include "boundary/pg_headers.hpp"

namespace docpatch {

// Allocates `size` bytes in `context`; throws std::bad_alloc on failure.
inline void* context_alloc(MemoryContext context, std::size_t size) {
  if (size > MaxAllocHugeSize) throw std::bad_alloc();
  void* p = MemoryContextAllocExtended(context, size == 0 ? 1 : size,
                                       MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

template <typename T>
class PgAllocator {
 public:
  using value_type = T;

  PgAllocator() noexcept : context_(CurrentMemoryContext) {}
  explicit PgAllocator(MemoryContext context) noexcept : context_(context) {}
  template <typename U>
  PgAllocator(const PgAllocator<U>& other) noexcept : context_(other.context()) {}

  T* allocate(std::size_t n) {
    if (n > MaxAllocHugeSize / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(context_alloc(context_, n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t) noexcept { pfree(p); }
  std::size_t max_size() const noexcept { return MaxAllocHugeSize / sizeof(T); }

  MemoryContext context() const noexcept { return context_; }

  template <typename U>
  bool operator==(const PgAllocator<U>& other) const noexcept {
    return context_ == other.context();
  }
  template <typename U>
  bool operator!=(const PgAllocator<U>& other) const noexcept {
    return context_ != other.context();
  }

 private:
  MemoryContext context_;
};

template <typename T>
using PgVector = std::vector<T, PgAllocator<T>>;
using PgString = std::basic_string<char, std::char_traits<char>, PgAllocator<char>>;

}  // namespace docpatch

// A vector with room at both ends, for the elements of expanded arrays.
//
// std::vector inserts and erases at the front in O(n): a patch of k "add"s at
// "/list/0" on an array of n elements would cost O(k * n), and a patch that
// builds a list front-first O(k^2).  DeVector keeps free room before the
// first element as well as after the last, and an insertion or erasure
// moves whichever side of the position is shorter: operations at either end
// are amortized O(1), in the middle O(min(i, n - i)).
//
// Only for trivially copyable T (elements are moved with memmove).  Memory
// comes from the memory context that was current at construction, like
// PgVector; allocation failure throws std::bad_alloc.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>

#include "boundary/pg_allocator.hpp"

namespace docpatch::jsonb {

template <typename T>
class DeVector {
  static_assert(std::is_trivially_copyable_v<T>, "DeVector moves its elements with memmove");

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  DeVector() : context_(CurrentMemoryContext) {}
  DeVector(const DeVector& other) : context_(other.context_) { assign(other.begin(), other.end()); }
  DeVector& operator=(const DeVector& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  ~DeVector() {
    if (buf_ != nullptr) pfree(buf_);
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return buf_ + head_; }
  const T* data() const { return buf_ + head_; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](size_t i) { return buf_[head_ + i]; }
  const T& operator[](size_t i) const { return buf_[head_ + i]; }
  T& back() { return buf_[head_ + size_ - 1]; }

  // Room for n elements in all, after the current first one.
  void reserve(size_t n) {
    if (n > cap_ - head_) reallocate(n, head_);
  }

  void push_back(const T& v) {
    if (head_ + size_ == cap_) grow(false);
    buf_[head_ + size_] = v;
    ++size_;
  }

  void assign(const T* first, const T* last) {
    size_t n = static_cast<size_t>(last - first);
    size_ = 0;
    head_ = 0;
    if (n > cap_) reallocate(n, 0);
    if (n != 0) std::memcpy(buf_, first, n * sizeof(T));
    size_ = n;
  }

  // Inserts v before position pos; returns an iterator to it.
  T* insert(T* pos, const T& v) {
    size_t i = static_cast<size_t>(pos - begin());
    if (i < size_ - i) {  // fewer elements before pos: move them one step left
      if (head_ == 0) grow(true);
      if (i != 0) std::memmove(buf_ + head_ - 1, buf_ + head_, i * sizeof(T));
      --head_;
    } else {  // move the elements from pos one step right
      if (head_ + size_ == cap_) grow(false);
      std::memmove(buf_ + head_ + i + 1, buf_ + head_ + i, (size_ - i) * sizeof(T));
    }
    ++size_;
    buf_[head_ + i] = v;
    return buf_ + head_ + i;
  }

  // Erases the element at pos; returns an iterator to the one after it.
  T* erase(T* pos) {
    size_t i = static_cast<size_t>(pos - begin());
    if (i < size_ - 1 - i) {  // close the gap from the left
      if (i != 0) std::memmove(buf_ + head_ + 1, buf_ + head_, i * sizeof(T));
      ++head_;
    } else {
      std::memmove(buf_ + head_ + i, buf_ + head_ + i + 1, (size_ - 1 - i) * sizeof(T));
    }
    --size_;
    return buf_ + head_ + i;
  }

  // Shrinks to n elements, or grows with value-initialized ones.
  void resize(size_t n) {
    if (n > size_) {
      reserve(n);
      for (size_t i = size_; i < n; ++i) new (buf_ + head_ + i) T();
    }
    size_ = n;
  }

 private:
  // Makes room at the front (front) or at the back: doubles the capacity and,
  // for the front, centres the elements so that both ends have room.
  void grow(bool front) {
    size_t capacity = cap_ < 8 ? 16 : 2 * cap_;
    size_t free = capacity - size_;
    size_t head = front ? free / 2 : (head_ < free / 2 ? head_ : free / 2);
    reallocate(capacity - head, head);
  }
  // A new buffer with `head` free slots before the elements and room for
  // `after_head` elements from there.
  void reallocate(size_t after_head, size_t head) {
    if (after_head > MaxAllocHugeSize / sizeof(T) - head) throw std::bad_alloc();
    size_t capacity = head + after_head;
    T* fresh = static_cast<T*>(context_alloc(context_, capacity * sizeof(T)));
    if (size_ != 0) std::memcpy(fresh + head, buf_ + head_, size_ * sizeof(T));
    if (buf_ != nullptr) pfree(buf_);
    buf_ = fresh;
    cap_ = capacity;
    head_ = head;
  }

  MemoryContext context_;
  T* buf_ = nullptr;
  size_t cap_ = 0;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace docpatch::jsonb

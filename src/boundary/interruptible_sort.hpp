// Sorting that a query cancel or statement_timeout can interrupt: every sort
// in docpatch goes through sort_checking_interrupts (std::sort itself never
// checks, and a sort of millions of elements takes seconds).
#pragma once

#include <algorithm>
#include <cstdint>

#include "boundary/boundary.hpp"

namespace docpatch {

// Comparisons between two checks for interrupts.
inline constexpr uint32_t kComparisonsPerInterruptCheck = 4096;

// std::sort(first, last, less), calling check_for_interrupts() every
// kComparisonsPerInterruptCheck comparisons.  An interrupt (or an
// exception from less) leaves [first, last) a permutation of what it was.
template <typename Iterator, typename Less>
void sort_checking_interrupts(Iterator first, Iterator last, Less less) {
  uint32_t comparisons = 0;
  std::sort(first, last, [&](const auto& a, const auto& b) {
    if (++comparisons == kComparisonsPerInterruptCheck) {
      comparisons = 0;
      check_for_interrupts();
    }
    return less(a, b);
  });
}

}  // namespace docpatch

// What the randomized (differential and property) tests share: their
// environment switches and the server-side harness that runs many
// jsonb_patch_ops cases in one round trip.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace docpatch::test {

// The draws of a seeded campaign.
class Dice {
 public:
  explicit Dice(uint64_t seed) : rng_(seed) {}
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int percent) { return uniform(0, 99) < percent; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(uniform(0, static_cast<int>(v.size()) - 1))];
  }

 private:
  std::mt19937_64 rng_;
};

// DOCPATCH_LONG=1 selects the long campaigns.
bool long_mode();

// DOCPATCH_SEED if set, otherwise `fallback` (each test's fixed seed).
uint64_t seed_from_env(uint64_t fallback);

// DOCPATCH_CASES if set, otherwise `long_run` cases with DOCPATCH_LONG=1 and
// `normal` without.
int cases_from_env(int normal, int long_run);

// CREATE FUNCTION patch_try(doc, ops, OUT code, OUT result): applies a patch
// and returns '00000' and the result, or the SQLSTATE of the refusal.
extern const char* const kPatchTryFunction;

// $1 is a JSON array of {"doc": ..., "patch": ...}; one row (code, result
// text) per case, in order.  Needs kPatchTryFunction.
extern const char* const kPatchBatchQuery;

}  // namespace docpatch::test

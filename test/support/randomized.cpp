#include "support/randomized.hpp"

#include <cstdlib>
#include <string>

namespace docpatch::test {

bool long_mode() {
  const char* v = std::getenv("DOCPATCH_LONG");
  return v != nullptr && std::string(v) == "1";
}

uint64_t seed_from_env(uint64_t fallback) {
  const char* v = std::getenv("DOCPATCH_SEED");
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

int cases_from_env(int normal, int long_run) {
  const char* n = std::getenv("DOCPATCH_CASES");
  if (n != nullptr && *n != '\0') return std::atoi(n);
  return long_mode() ? long_run : normal;
}

const char* const kPatchTryFunction = R"sql(
CREATE FUNCTION patch_try(doc jsonb, ops jsonb, OUT code text, OUT result jsonb)
LANGUAGE plpgsql AS $$
BEGIN
  result := jsonb_patch_ops(doc, ops);
  code := '00000';
EXCEPTION WHEN OTHERS THEN
  code := SQLSTATE;
END $$)sql";

const char* const kPatchBatchQuery = R"sql(
SELECT r.code, r.result::text
FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS c(v, ord),
     LATERAL patch_try(c.v -> 'doc', c.v -> 'patch') r
ORDER BY c.ord)sql";

}  // namespace docpatch::test

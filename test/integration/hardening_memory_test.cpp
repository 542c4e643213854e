// A backend's memory stays flat across a million successful docpatch calls
// (every function, server-side in a few statements and in PL/pgSQL loops)
// and 100,000 refused calls caught in PL/pgSQL exception blocks (every kind
// of refusal): proof that nothing is allocated outside memory contexts and
// no C++ object is stranded by an error.
//
// What is measured is the backend's private resident memory (RssAnon in
// /proc/<pid>/status): the heap, where a leak outside memory contexts would
// show.  VmRSS also counts the pages of shared_buffers the backend happens to
// touch, which grows with the data it reads and says nothing about leaks.
// The memory contexts' total (pg_backend_memory_contexts) is checked too.
// A warm-up fills caches and the allocator's high-water marks, then
// everything runs at full size.  The statements are written so that
// PostgreSQL's own memory per statement does not grow with their size (no
// materialized function scans, no big sorts or hash tables), so that what is
// left to grow is what docpatch would leak.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/pg.hpp"

using docpatch::test::Connection;
using docpatch::test::ScratchDatabase;

namespace {

long status_kb(Connection& c, const std::string& field) {
  std::string pid = c.value("SELECT pg_backend_pid()");
  std::ifstream status("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

long context_bytes(Connection& c) {
  return std::stol(c.value("SELECT sum(total_bytes) FROM pg_backend_memory_contexts"));
}

std::string with_n(std::string sql, long n) {
  for (size_t at; (at = sql.find("%N%")) != std::string::npos;) sql.replace(at, 3, std::to_string(n));
  return sql;
}

// Successful calls, per unit of n: 1,000,000 when n = 1000.
const char* const kSuccesses[] = {
    // jsonb_patch_ops: a different patch on every row (the decoded-patch
    // cache is replaced each time) and one patch for all rows (reused).
    "SELECT count(jsonb_patch_ops(jsonb_build_object('a', i, 'l', jsonb_build_array(1, 2)), "
    "  jsonb_build_array(jsonb_build_object('op', 'add', 'path', '/k' || (i % 97), 'value', i), "
    "                    '{\"op\": \"incr\", \"path\": \"/a\", \"value\": 1}'::jsonb, "
    "                    '{\"op\": \"add_unique\", \"path\": \"/l\", \"value\": 3}'::jsonb))) "
    "FROM (SELECT generate_series(1, 150 * %N%) AS i) g",
    "SELECT count(jsonb_patch_ops(jsonb_build_object('a', i, 's', 'x'), "
    "  '[{\"op\": \"test\", \"path\": \"/s\", \"value\": \"x\"}, {\"op\": \"move\", \"from\": \"/a\", \"path\": \"/b\"}, "
    "    {\"op\": \"copy\", \"from\": \"\", \"path\": \"/c\"}, {\"op\": \"max\", \"path\": \"/m\", \"value\": 5}, "
    "    {\"op\": \"set\", \"path\": \"/x/y\", \"value\": [1], \"create_parents\": true}, {\"op\": \"unset\", \"path\": \"/s\"}]')) "
    "FROM (SELECT generate_series(1, 150 * %N%) AS i) g",
    // the merges and diffs
    "SELECT count(jsonb_shallow_merge(jsonb_build_object('a', i, 'b', 2), jsonb_build_object('b', i, 'c', 3))) "
    "FROM (SELECT generate_series(1, 100 * %N%) AS i) g",
    "SELECT count(jsonb_deep_merge(jsonb_build_object('a', jsonb_build_object('x', i)), "
    "  jsonb_build_object('a', jsonb_build_object('y', i)), (i % 3)::int)) FROM (SELECT generate_series(1, 100 * %N%) AS i) g",
    "SELECT count(jsonb_merge_patch(jsonb_build_object('a', i, 'b', jsonb_build_object('c', 1)), "
    "  jsonb_build_object('a', NULL, 'b', jsonb_build_object('d', i)))) FROM (SELECT generate_series(1, 100 * %N%) AS i) g",
    "SELECT count(jsonb_diff(jsonb_build_object('a', i, 'l', jsonb_build_array(1, 2, 3)), "
    "  jsonb_build_object('b', i, 'l', jsonb_build_array(1, 3)))) FROM (SELECT generate_series(1, 100 * %N%) AS i) g",
    "SELECT count(jsonb_merge_diff(jsonb_build_object('a', i, 'o', jsonb_build_object('x', 1)), "
    "  jsonb_build_object('b', i, 'o', jsonb_build_object('x', 2)))) FROM (SELECT generate_series(1, 100 * %N%) AS i) g",
    // the aggregates: 100 transitions in each of 1,000 groups (a group at a
    // time: no big sort or hash table of PostgreSQL's own)
    "SELECT count(m) FROM (SELECT generate_series(0, %N% - 1) AS grp) g, "
    "  LATERAL (SELECT jsonb_merge_patch_agg(jsonb_build_object('k' || (i % 10), i) ORDER BY i) AS m "
    "           FROM generate_series(grp * 100, grp * 100 + 99) i) s",
    "SELECT count(m) FROM (SELECT generate_series(0, %N% - 1) AS grp) g, "
    "  LATERAL (SELECT jsonb_shallow_merge_agg(jsonb_build_object('k' || (i % 10), i)) AS m "
    "           FROM generate_series(grp * 100, grp * 100 + 99) i) s",
    // the row functions, a statement each, in PL/pgSQL loops; and the stamp
    // trigger over bulk updates
    "DO $$ BEGIN FOR i IN 1..10 * %N% LOOP "
    "  PERFORM upsert_with_creation_ts('mem_rows', (i % 500)::text, jsonb_build_object('n', i)); "
    "END LOOP; END $$",
    "DO $$ BEGIN FOR i IN 1..10 * %N% LOOP "
    "  PERFORM etag_guarded_update('mem_rows', (i % 500)::text, NULL, jsonb_build_array(jsonb_build_object('op', 'incr', 'path', '/n', 'value', 1))); "
    "END LOOP; END $$",
    "UPDATE mem_big SET doc = jsonb_patch_ops(doc, '[{\"op\": \"incr\", \"path\": \"/n\", \"value\": 1}]') "
    "WHERE id <= 10 * %N%",
};

// Refused calls, each caught by a PL/pgSQL exception block: 100,000 when
// n = 1000.  Every refusal kind, in turn.
const char* const kRefusals = R"sql(
DO $$
DECLARE
  deep jsonb := (SELECT doc FROM mem_deep);
  big numeric := ('9' || repeat('0', 131071))::numeric;
  long_path jsonb := jsonb_build_object('op', 'add', 'path', repeat('/', 1000001), 'value', 1);
  refused int := 0;
BEGIN
  FOR i IN 1..100 * %N% LOOP
    BEGIN
      -- The costly refusals (a sum of two 131,072-digit numbers, recursion
      -- down to the stack limit, a 1 MB path) are 4 in 100; the others share
      -- the rest.
      CASE i % 100
        WHEN 0 THEN PERFORM jsonb_patch_ops(jsonb_build_object('n', big), jsonb_build_object('op', 'incr', 'path', '/n', 'value', big));  -- 22003
        WHEN 1 THEN PERFORM jsonb_deep_merge(deep, jsonb_build_object('b', 1, 'a', deep));     -- 54001
        WHEN 2 THEN PERFORM jsonb_merge_patch_agg(p) FROM (VALUES ('{"a": 1}'::jsonb), (deep), (jsonb_build_object('a', deep))) v(p);  -- 54001
        WHEN 3 THEN PERFORM jsonb_patch_ops('{}', long_path);                                  -- 54000
        ELSE
          CASE i % 16
            WHEN 0 THEN PERFORM jsonb_patch_ops('{}', '[{"op": "frob", "path": "/a"}]');                  -- DP001
            WHEN 1 THEN PERFORM jsonb_patch_ops('{}', '[{"op": "add", "path": "a/b", "value": 1}]');      -- DP001 pointer
            WHEN 2 THEN PERFORM jsonb_patch_ops('{"a": {}}', jsonb_build_array(jsonb_build_object('op', 'remove', 'path', '/a/x' || i)));  -- DP002
            WHEN 3 THEN PERFORM jsonb_patch_ops('{"l": [1]}', '[{"op": "replace", "path": "/l/5", "value": 1}]');  -- DP002 index
            WHEN 4 THEN PERFORM jsonb_patch_ops('{"a": "s"}', '[{"op": "incr", "path": "/a", "value": 1}]');   -- DP003
            WHEN 5 THEN PERFORM jsonb_patch_ops(jsonb_build_object('a', i), '[{"op": "test", "path": "/a", "value": 0}]');  -- DP004
            WHEN 6 THEN PERFORM jsonb_patch_ops('{}', '{"op": "copy", "from": "/x", "path": "/y"}');        -- DP002 from
            WHEN 7 THEN PERFORM jsonb_shallow_merge('{}', '[1]');                                         -- DP003
            WHEN 8 THEN PERFORM jsonb_deep_merge('{}', '{}', -1);                                         -- DP005
            WHEN 9 THEN PERFORM jsonb_merge_diff('{}', '{"a": null}');                                    -- DP003
            WHEN 10 THEN PERFORM etag_guarded_update('mem_rows', '100000', NULL, '{"a": 1}');              -- DP010
            WHEN 11 THEN PERFORM etag_guarded_update('mem_rows', '1', 'stale', '{"a": 1}');                -- DP011
            WHEN 12 THEN PERFORM upsert_with_creation_ts('mem_rows', 'abc', '{}'::jsonb);                  -- 22P02
            WHEN 13 THEN PERFORM upsert_with_creation_ts('mem_plain', '1', '{}'::jsonb);                   -- 55000
            WHEN 14 THEN PERFORM upsert_with_creation_ts('mem_rows', '[{"id": 1}]'::jsonb);                -- DP005
            ELSE PERFORM etag_guarded_update('mem_rows', '1', NULL, '[{"op": "test", "path": "/n", "value": "x"}]');  -- DP004
          END CASE;
      END CASE;
      RAISE EXCEPTION 'call % was not refused', i;
    EXCEPTION WHEN SQLSTATE 'DP001' OR SQLSTATE 'DP002' OR SQLSTATE 'DP003' OR SQLSTATE 'DP004'
                   OR SQLSTATE 'DP005' OR SQLSTATE 'DP010' OR SQLSTATE 'DP011' OR SQLSTATE '22003'
                   OR SQLSTATE '22P02' OR SQLSTATE '54000' OR SQLSTATE '54001' OR SQLSTATE '55000' THEN
      refused := refused + 1;
    END;
  END LOOP;
  IF refused <> 100 * %N% THEN RAISE EXCEPTION 'only % refusals', refused; END IF;
END $$)sql";

}  // namespace

TEST(Memory, AMillionCallsAndAHundredThousandRefusalsLeaveTheBackendFlat) {
  ScratchDatabase db("docpatch_memory");
  Connection c(db.conninfo());
  c.exec("CREATE TABLE mem_rows (id int PRIMARY KEY, doc jsonb)");
  c.exec("SELECT docpatch_enable('mem_rows')");
  c.exec("INSERT INTO mem_rows SELECT i, '{\"n\": 0}' FROM generate_series(0, 499) i");
  c.exec("CREATE TABLE mem_plain (id int PRIMARY KEY, doc jsonb)");
  c.exec("CREATE TABLE mem_big (id int PRIMARY KEY, doc jsonb)");
  c.exec("SELECT docpatch_enable('mem_big')");
  c.exec("INSERT INTO mem_big SELECT i, jsonb_build_object('n', 0) FROM generate_series(1, 10000) i");
  c.exec("CREATE TABLE mem_deep AS SELECT (repeat('{\"a\": ', 3000) || '1' || repeat('}', 3000))::jsonb AS doc");
  // The refusals run with a small stack, so that the deep documents hit it
  // (the one above was parsed before).
  c.exec("SET max_stack_depth = '200kB'");

  auto run_all = [&](long n) {
    for (const char* sql : kSuccesses) c.exec(with_n(sql, n));
    c.exec(with_n(kRefusals, n));
  };
  // Warm-up: 100,000 calls, and the 100,000 refusals at full size (their one
  // statement's transient high-water mark in the heap depends on its size).
  for (const char* sql : kSuccesses) c.exec(with_n(sql, 100));
  c.exec(with_n(kRefusals, 1000));
  long anon_before = status_kb(c, "RssAnon");
  long rss_before = status_kb(c, "VmRSS");
  long ctx_before = context_bytes(c);
  run_all(1000);  // 1,000,000 calls and 100,000 refusals
  long anon_after = status_kb(c, "RssAnon");
  long rss_after = status_kb(c, "VmRSS");
  long ctx_after = context_bytes(c);
  std::cout << "[ memory ] private resident memory (RssAnon) " << anon_before << " kB -> " << anon_after
            << " kB; VmRSS " << rss_before << " kB -> " << rss_after << " kB; memory contexts " << ctx_before
            << " -> " << ctx_after << " bytes" << std::endl;
  ASSERT_GT(anon_before, 0);
  EXPECT_LT(anon_after - anon_before, 8 * 1024) << "private resident memory grew by " << anon_after - anon_before << " kB";
  EXPECT_LT(ctx_after - ctx_before, 1024 * 1024) << "memory contexts grew by " << ctx_after - ctx_before << " bytes";
  // The rows were really written, and the session is fine.
  // mem_big: the warm-up incremented rows 1..1,000, the full run all 10,000.
  EXPECT_EQ(c.value("SELECT sum((doc ->> 'n')::int) FROM mem_big"), "11000");
  EXPECT_EQ(c.value("SELECT 1"), "1");
}

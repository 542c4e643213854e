-- Large objects: many members added, removed, re-added and replaced in one
-- patch (an expanded object keeps recent insertions in an indexed tail and
-- removals as tombstones until they are merged in).

-- 10,000 new members, in an order unrelated to jsonb key order.
SELECT jsonb_patch_ops('{}',
         (SELECT jsonb_agg(jsonb_build_object('op', 'add', 'path', '/k' || (i * 7919 % 10000), 'value', i)
                           ORDER BY i)
          FROM generate_series(1, 10000) i))
       = (SELECT jsonb_object_agg('k' || (i * 7919 % 10000), i) FROM generate_series(1, 10000) i)
  AS ten_thousand_adds;

-- Add 3,000 members, remove the odd ones, re-add every third odd one with a
-- new value, replace the multiples of 10, then test every member that must
-- be there (each test finds its member among tail, tombstones and merges).
WITH ops AS (
  SELECT 1 AS phase, i, jsonb_build_object('op', 'add', 'path', '/m' || i, 'value', i) AS op
  FROM generate_series(1, 3000) i
  UNION ALL
  SELECT 2, i, jsonb_build_object('op', 'remove', 'path', '/m' || i)
  FROM generate_series(1, 3000) i WHERE i % 2 = 1
  UNION ALL
  SELECT 3, i, jsonb_build_object('op', 'add', 'path', '/m' || i, 'value', -i)
  FROM generate_series(1, 3000) i WHERE i % 2 = 1 AND i % 3 = 0
  UNION ALL
  SELECT 4, i, jsonb_build_object('op', 'replace', 'path', '/m' || i, 'value', i * 100)
  FROM generate_series(1, 3000) i WHERE i % 10 = 0
),
expected AS (
  SELECT jsonb_object_agg('m' || i, CASE WHEN i % 10 = 0 THEN i * 100
                                         WHEN i % 2 = 1 THEN -i
                                         ELSE i END) AS doc
  FROM generate_series(1, 3000) i WHERE i % 2 = 0 OR i % 3 = 0
),
tests AS (
  SELECT jsonb_agg(jsonb_build_object('op', 'test', 'path', '/' || key, 'value', value)) AS ops
  FROM expected, jsonb_each(expected.doc)
)
SELECT jsonb_patch_ops('{}', (SELECT jsonb_agg(op ORDER BY phase, i) FROM ops) || tests.ops) = expected.doc
         AS mixed_operations,
       jsonb_array_length(tests.ops) AS members_tested
FROM expected, tests;

-- Removing a member that was never there, after many insertions, still
-- fails (DP002), and so does a test of a removed member (DP004).
SELECT jsonb_patch_ops('{}',
         (SELECT jsonb_agg(jsonb_build_object('op', 'add', 'path', '/k' || i, 'value', i)) FROM generate_series(1, 100) i)
         || '[{"op": "remove", "path": "/k100"}, {"op": "remove", "path": "/k100"}]');
SELECT jsonb_patch_ops('{}',
         (SELECT jsonb_agg(jsonb_build_object('op', 'add', 'path', '/k' || i, 'value', i)) FROM generate_series(1, 100) i)
         || '[{"op": "remove", "path": "/k50"}, {"op": "test", "path": "/k50", "value": 50}]');

-- The merge aggregates fold thousands of patches into one expanded object.
SELECT jsonb_merge_patch_agg(p ORDER BY i)
       = (SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 4000) i WHERE i % 4 <> 0)
  AS merge_patch_fold
FROM (SELECT i, CASE WHEN i <= 4000 THEN jsonb_build_object('k' || i, i)
                     ELSE jsonb_build_object('k' || ((i - 4000) * 4), NULL) END AS p
      FROM generate_series(1, 5000) i) s;
SELECT jsonb_shallow_merge_agg(jsonb_build_object('k' || (i % 1500), i) ORDER BY i)
       = (SELECT jsonb_object_agg('k' || (i % 1500), i) FROM generate_series(3001, 4500) i)
  AS shallow_merge_fold
FROM generate_series(1, 4500) i;

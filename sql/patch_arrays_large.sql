-- Large arrays: many insertions and removals at the front, at the back and
-- in the middle of one array in one patch (expanded arrays keep free room
-- at both ends, so that front operations are as cheap as back ones).

-- 10,000 adds at the front of an empty array: the numbers in reverse.
SELECT jsonb_patch_ops('{"a": []}',
         (SELECT jsonb_agg(jsonb_build_object('op', 'add', 'path', '/a/0', 'value', i))
          FROM generate_series(1, 10000) i))
       = jsonb_build_object('a', (SELECT jsonb_agg(i ORDER BY i DESC) FROM generate_series(1, 10000) i))
  AS front_adds_reverse_the_order;

-- Removing the first element 5,000 times leaves the second half.
SELECT jsonb_patch_ops(jsonb_build_object('a', (SELECT jsonb_agg(i) FROM generate_series(1, 10000) i)),
         (SELECT jsonb_agg('{"op": "remove", "path": "/a/0"}'::jsonb) FROM generate_series(1, 5000)))
       = jsonb_build_object('a', (SELECT jsonb_agg(i) FROM generate_series(5001, 10000) i))
  AS front_removes_leave_the_tail;

-- Removing the last element 5,000 times leaves the first half.
SELECT jsonb_patch_ops(jsonb_build_object('a', (SELECT jsonb_agg(i) FROM generate_series(1, 10000) i)),
         (SELECT jsonb_agg(jsonb_build_object('op', 'remove', 'path', '/a/' || (10000 - i)))
          FROM generate_series(1, 5000) i))
       = jsonb_build_object('a', (SELECT jsonb_agg(i) FROM generate_series(1, 5000) i))
  AS back_removes_leave_the_head;

-- Alternating front and back adds: -3000 .. -1, then 1 .. 3000.
SELECT jsonb_patch_ops('{"a": []}',
         (SELECT jsonb_agg(op ORDER BY i, k)
          FROM generate_series(1, 3000) i,
               LATERAL (VALUES (1, jsonb_build_object('op', 'add', 'path', '/a/0', 'value', -i)),
                               (2, jsonb_build_object('op', 'add', 'path', '/a/-', 'value', i))) v(k, op)))
       = jsonb_build_object('a', (SELECT jsonb_agg(i ORDER BY i)
                                  FROM generate_series(-3000, 3000) i WHERE i <> 0))
  AS alternating_ends;

-- Inserting each number at the middle of the array so far (index floor(n/2)
-- where n elements are there): the even numbers increasing, then the odd
-- ones decreasing, for 1 .. 2000 ([2, 4, 6, 5, 3, 1] for 1 .. 6).
SELECT jsonb_patch_ops('{"a": []}',
         (SELECT jsonb_agg(jsonb_build_object('op', 'add', 'path', '/a/' || ((i - 1) / 2), 'value', i)
                           ORDER BY i)
          FROM generate_series(1, 2000) i))
       = jsonb_build_object('a', (SELECT jsonb_agg(i ORDER BY CASE WHEN i % 2 = 0 THEN i ELSE 1000000 - i END)
                                  FROM generate_series(1, 2000) i))
  AS middle_inserts;

-- The same mix on a small array, shown in full: front and middle inserts
-- and removes, a move from the front to the back and a copy to the front.
SELECT jsonb_patch_ops('{"a": [1, 2, 3, 4, 5]}', '[
  {"op": "add", "path": "/a/0", "value": 0},
  {"op": "add", "path": "/a/2", "value": "x"},
  {"op": "remove", "path": "/a/1"},
  {"op": "add", "path": "/a/6", "value": "end"},
  {"op": "remove", "path": "/a/5"},
  {"op": "add", "path": "/a/0", "value": -1},
  {"op": "move", "from": "/a/0", "path": "/a/-"},
  {"op": "copy", "from": "/a/3", "path": "/a/0"},
  {"op": "remove", "path": "/a/4"}
]');

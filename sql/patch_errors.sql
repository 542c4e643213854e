-- jsonb_patch_ops: every refusal, with its SQLSTATE, message, detail and hint.
-- Messages read "patch operation N (OP at "PATH"): REASON", N counting from 0.
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.patch_error(doc jsonb, ops jsonb,
  OUT code text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM jsonb_patch_ops(doc, ops);
  code := 'none';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END $$;
\x on

-- DP001: malformed patch
SELECT * FROM pg_temp.patch_error('{}', '"add"');
SELECT * FROM pg_temp.patch_error('{}', 'null');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "test", "path": "", "value": {}}, 42]');
SELECT * FROM pg_temp.patch_error('{}', '[{"path": "/a", "value": 1}]');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": ["add"], "path": "/a", "value": 1}]');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "ADD", "path": "/a", "value": 1}]');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "add", "value": 1}]');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "add", "path": null, "value": 1}]');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "add", "path": "a/b", "value": 1}]');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "add", "path": "/a~2", "value": 1}]');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "copy", "path": "/a"}]');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "move", "from": "x", "path": "/a"}]');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "replace", "path": "/a"}]');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "incr", "path": "/a", "value": "5"}]');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "max", "path": "/a", "value": true}]');
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "set", "path": "/a", "value": 1, "create_parents": 1}]');
SELECT * FROM pg_temp.patch_error('{"a": 1}', '[{"op": "remove", "path": ""}]');
SELECT * FROM pg_temp.patch_error('{"a": {}}', '[{"op": "move", "from": "/a", "path": "/a/b"}]');
SELECT * FROM pg_temp.patch_error('{"l": [1, 2]}', '[{"op": "replace", "path": "/l/01", "value": 1}]');
SELECT * FROM pg_temp.patch_error('[[1]]', '[{"op": "replace", "path": "/x/0", "value": 1}]');

-- DP002: path does not resolve
SELECT * FROM pg_temp.patch_error('{"a": {"b": 1}}', '[{"op": "test", "path": "/a/b", "value": 1}, {"op": "add", "path": "/x", "value": 0}, {"op": "replace", "path": "/a/c", "value": 2}]');
SELECT * FROM pg_temp.patch_error('{"a": {"b": 1}}', '[{"op": "add", "path": "/a/x/y", "value": 2}]');
SELECT * FROM pg_temp.patch_error('{"a": {"b": 1}}', '[{"op": "remove", "path": "/a/x/y"}]');
SELECT * FROM pg_temp.patch_error('{"l": [1, 2, 3]}', '[{"op": "remove", "path": "/l/3"}]');
SELECT * FROM pg_temp.patch_error('{"l": [1]}', '[{"op": "replace", "path": "/l/1", "value": 2}]');
SELECT * FROM pg_temp.patch_error('{"l": [1]}', '[{"op": "replace", "path": "/l/-", "value": 2}]');
SELECT * FROM pg_temp.patch_error('{"l": []}', '[{"op": "add", "path": "/l/1", "value": 2}]');
SELECT * FROM pg_temp.patch_error('{"l": [{}]}', '[{"op": "add", "path": "/l/4/a", "value": 2}]');
SELECT * FROM pg_temp.patch_error('{"l": [{}]}', '[{"op": "move", "from": "/l/1", "path": "/x"}]');

-- DP003: type mismatch
SELECT * FROM pg_temp.patch_error('{"a": "text"}', '[{"op": "add", "path": "/a/b", "value": 1}]');
SELECT * FROM pg_temp.patch_error('{"a": "text"}', '[{"op": "incr", "path": "/a", "value": 1}]');
SELECT * FROM pg_temp.patch_error('{"a": null}', '[{"op": "add_unique", "path": "/a", "value": 1}]');
SELECT * FROM pg_temp.patch_error('{"a": {}}', '[{"op": "pull", "path": "/a", "value": 1}]');
SELECT * FROM pg_temp.patch_error('{"a": "1"}', '[{"op": "min", "path": "/a", "value": 0}]');

-- DP004: failed test
SELECT * FROM pg_temp.patch_error('{"a": [1, 2]}', '[{"op": "test", "path": "/a", "value": [1, 2, 3]}]');
SELECT * FROM pg_temp.patch_error('{"a": 1}', '[{"op": "test", "path": "/b", "value": 1}]');
SELECT * FROM pg_temp.patch_error('{"a": [1]}', '[{"op": "test", "path": "/a/1", "value": 1}]');
-- long values and paths are cut short in messages
SELECT * FROM pg_temp.patch_error(jsonb_build_object('s', repeat('x', 500)),
                                  jsonb_build_array(jsonb_build_object('op', 'test', 'path', '/s', 'value', repeat('y', 500))));
SELECT * FROM pg_temp.patch_error('{}', jsonb_build_array(jsonb_build_object('op', 'remove', 'path', '/' || repeat('k', 300))));

-- a patch that succeeds reports nothing
SELECT * FROM pg_temp.patch_error('{}', '[{"op": "add", "path": "/a", "value": 1}]');
\x off

-- PL/pgSQL handlers can tell the cases apart by SQLSTATE
DO $$
DECLARE
  ops jsonb[] := ARRAY['[{"op": "frob", "path": "/a"}]', '[{"op": "remove", "path": "/nope"}]',
                       '[{"op": "incr", "path": "/s", "value": 1}]', '[{"op": "test", "path": "/s", "value": "other"}]'];
  p jsonb;
BEGIN
  FOREACH p IN ARRAY ops LOOP
    BEGIN
      PERFORM jsonb_patch_ops('{"s": "text"}', p);
    EXCEPTION
      WHEN SQLSTATE 'DP001' THEN RAISE NOTICE 'malformed patch';
      WHEN SQLSTATE 'DP002' THEN RAISE NOTICE 'path not found';
      WHEN SQLSTATE 'DP003' THEN RAISE NOTICE 'type mismatch';
      WHEN SQLSTATE 'DP004' THEN RAISE NOTICE 'test failed';
    END;
  END LOOP;
END $$;
-- errors with the default display
SELECT jsonb_patch_ops('{"a": {"b": 1}}', '[{"op": "add", "path": "/a/b", "value": 2}, {"op": "replace", "path": "/a/c", "value": 2}]');
SELECT jsonb_patch_ops('{"l": [1]}', '[{"op": "replace", "path": "/l/1", "value": 2}]');

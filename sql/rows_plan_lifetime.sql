-- The plans a row function call executes live until the call ends, whatever
-- happens in between: a trigger that changes the table (so that a nested
-- call rebuilds the cached statement, or fails to) cannot pull them from
-- under the outer call.  (Finding 6 of issue 12.)
\set VERBOSITY default
CREATE FUNCTION err(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE TABLE t (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('t');
INSERT INTO t (id, doc) VALUES (1, '{"n": 1}'), (2, '{"n": 2}');

-- A statement trigger renames the document column, calls the same function
-- on the same table (its statement cannot be rebuilt: no column "doc"),
-- renames it back, then calls it again (rebuilt).  An outer call whose patch
-- changes the row fires the trigger with its UPDATE and then checks and
-- returns what the UPDATE returned: with the plans it started with.  (A
-- patch that changes nothing, or a stale etag, runs no UPDATE: nothing
-- fires.)
CREATE FUNCTION rebuild_in_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() = 1 THEN
    ALTER TABLE t RENAME COLUMN doc TO body;
    BEGIN
      PERFORM * FROM etag_guarded_update('t', '2', NULL, '{"nested": 1}');
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'nested call: % %', SQLSTATE, SQLERRM;
    END;
    ALTER TABLE t RENAME COLUMN body TO doc;
    PERFORM * FROM etag_guarded_update('t', '2', NULL, '{"nested": 2}');
    PERFORM * FROM upsert_with_creation_ts('t', '3', '{"nested": 3}');
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER rebuild_in_trigger AFTER UPDATE ON t FOR EACH STATEMENT EXECUTE FUNCTION rebuild_in_trigger();
SELECT doc FROM etag_guarded_update('t', '1', NULL, '{"n": 1}');
SELECT doc FROM etag_guarded_update('t', '1', NULL, '{"n": 5}');
SELECT etag AS e1 FROM t WHERE id = 1 \gset
SELECT err($$SELECT * FROM etag_guarded_update('t', '1', 'stale', '{"n": 6}')$$);
SELECT doc FROM etag_guarded_update('t', '1', :'e1', '{"n": 6}');
SELECT id, doc FROM t ORDER BY id;

-- The same around an upsert whose INSERT or UPDATE fires the trigger, single and
-- batch, in every plan the call uses (mode ops checks inserted rows after
-- its statement)
CREATE FUNCTION rebuild_in_row_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() = 1 THEN
    ALTER TABLE t RENAME COLUMN doc TO body;
    BEGIN
      PERFORM * FROM upsert_with_creation_ts('t', '4', '[{"op": "add", "path": "/x", "value": 1}]', 'ops');
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'nested call: % %', SQLSTATE, SQLERRM;
    END;
    BEGIN
      PERFORM * FROM upsert_with_creation_ts('t', '[{"id": 4, "doc": [{"op": "add", "path": "/y", "value": 1}]}]'::jsonb, 'ops');
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'nested call: % %', SQLSTATE, SQLERRM;
    END;
    ALTER TABLE t RENAME COLUMN body TO doc;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER rebuild_in_trigger ON t;
CREATE TRIGGER rebuild_in_row_trigger AFTER INSERT OR UPDATE ON t FOR EACH STATEMENT EXECUTE FUNCTION rebuild_in_row_trigger();
SELECT inserted, doc FROM upsert_with_creation_ts('t', '5', '[{"op": "add", "path": "/a", "value": 1}]', 'ops');
SELECT inserted, doc FROM upsert_with_creation_ts('t', '[{"id": 6, "doc": [{"op": "add", "path": "/a", "value": 1}]}, {"id": 5, "doc": [{"op": "add", "path": "/b", "value": 1}]}]'::jsonb, 'ops');
SELECT id, doc FROM t ORDER BY id;

-- After all that, the cache is consistent: every call works
DROP TRIGGER rebuild_in_row_trigger ON t;
SELECT doc FROM etag_guarded_update('t', '1', NULL, '{"n": 7}');
SELECT inserted, doc FROM upsert_with_creation_ts('t', '5', '[{"op": "add", "path": "/c", "value": 1}]', 'ops');
SELECT inserted, doc FROM upsert_with_creation_ts('t', '[{"id": 7, "doc": {"a": 1}}]'::jsonb);

DROP TABLE t;
DROP FUNCTION rebuild_in_trigger(), rebuild_in_row_trigger(), err(text);

-- What a row function reports comes from its own statement (RETURNING, row
-- counts, its WHERE clause), never from what a trigger saw: user triggers
-- that run other statements on the same table, BEFORE triggers that skip a
-- row, row-level security, rows written earlier in the transaction and rows
-- imported by hand cannot change a call's answer.  (Finding 1 of issue 12 and
-- the cases its design must hold under.)
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

-----------------------------------------------------------------------------
-- 1. A statement-level AFTER UPDATE trigger that updates another row of the
-- table while a guarded update with a stale etag runs: the call is refused
-- with DP011 (its UPDATE matched nothing), the patch is not applied, and the
-- trigger's own update of row 2 is stamped like any other write.
CREATE FUNCTION touch_row_2() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() = 1 THEN
    UPDATE t SET doc = doc WHERE id = 2;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER touch_row_2 AFTER UPDATE ON t FOR EACH STATEMENT EXECUTE FUNCTION touch_row_2();
SELECT etag AS e1 FROM t WHERE id = 1 \gset
SELECT etag AS e2 FROM t WHERE id = 2 \gset
SELECT err($$SELECT * FROM etag_guarded_update('t', '1', 'stale-etag', '{"n": 10}')$$);
SELECT etag = :'e1' AS row_1_untouched, doc FROM t WHERE id = 1;
-- (the refused call rolled back the trigger's update with it; outside a
-- failing call, the trigger's write of row 2 gets a new etag)
SELECT etag = :'e2' AS row_2_untouched FROM t WHERE id = 2;
SELECT doc FROM etag_guarded_update('t', '1', :'e1', '{"n": 11}');
SELECT etag <> :'e2' AS row_2_stamped FROM t WHERE id = 2;
-- the same trigger and a guarded update that changes nothing: the answer is
-- "unchanged" (same etag, nothing written), and as no UPDATE runs, no
-- trigger fires, not even a statement trigger: row 2 keeps its etag
SELECT etag AS e1 FROM t WHERE id = 1 \gset
SELECT etag AS e2 FROM t WHERE id = 2 \gset
SELECT etag = :'e1' AS same_etag, doc FROM etag_guarded_update('t', '1', :'e1', '{"n": 11}');
SELECT etag = :'e2' AS row_2_untouched FROM t WHERE id = 2;
-- and during an upsert: inserted is about the upserted row only
SELECT inserted, doc FROM upsert_with_creation_ts('t', '3', '{"n": 3}');
SELECT inserted, doc FROM upsert_with_creation_ts('t', '3', '{"m": 3}');
SELECT inserted, doc FROM upsert_with_creation_ts('t', '[{"id": 4, "doc": {"n": 4}}, {"id": 3, "doc": {"k": 3}}]'::jsonb);
DROP TRIGGER touch_row_2 ON t;

-- A row-level AFTER trigger that writes the same table from inside the call
CREATE FUNCTION copy_to_99() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() = 1 AND NEW.id <> 99 THEN
    INSERT INTO t (id, doc) VALUES (99, NEW.doc) ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER copy_to_99 AFTER INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION copy_to_99();
SELECT inserted, doc FROM upsert_with_creation_ts('t', '5', '{"n": 5}');
SELECT inserted, doc FROM upsert_with_creation_ts('t', '5', '{"m": 5}');
SELECT id, doc FROM t WHERE id IN (5, 99) ORDER BY id;
SELECT etag AS e5 FROM t WHERE id = 5 \gset
SELECT err(format($$SELECT * FROM etag_guarded_update('t', '5', %L, '{"x": 1}')$$, 'stale'));
SELECT etag = :'e5' AS same_etag, doc FROM etag_guarded_update('t', '5', :'e5', '{"m": 5}');
DROP TRIGGER copy_to_99 ON t;

-----------------------------------------------------------------------------
-- 2. A user's BEFORE UPDATE trigger that skips the row (returns NULL): the
-- call is neither a success nor "unchanged" -- the row was not written
CREATE FUNCTION skip_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.doc ? 'frozen' THEN RETURN NULL; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER a_skip_frozen BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION skip_frozen();
INSERT INTO t (id, doc) VALUES (6, '{"frozen": true}');
SELECT etag AS e6 FROM t WHERE id = 6 \gset
SELECT * FROM etag_guarded_update('t', '6', NULL, '{"thawed": true}');
SELECT err(format($$SELECT * FROM etag_guarded_update('t', '6', %L, '{"thawed": true}')$$, :'e6'));
-- a patch that changes nothing is "unchanged" whatever the trigger would do
SELECT etag = :'e6' AS same_etag, doc FROM etag_guarded_update('t', '6', NULL, '{"frozen": true}');
-- a stale etag is still a mismatch
SELECT err($$SELECT * FROM etag_guarded_update('t', '6', 'stale', '{"thawed": true}')$$);
SELECT etag = :'e6' AS untouched, doc FROM t WHERE id = 6;
-- upsert: DO UPDATE skipped by the trigger returns no row: refused
SELECT * FROM upsert_with_creation_ts('t', '6', '{"thawed": true}');
SELECT err($$SELECT * FROM upsert_with_creation_ts('t', '[{"id": 6, "doc": {"thawed": true}}, {"id": 7, "doc": {}}]'::jsonb)$$);
SELECT count(*) AS row_7_not_written FROM t WHERE id = 7;
DROP TRIGGER a_skip_frozen ON t;

-- A user's BEFORE INSERT trigger that sets created_at: inserted stays exact
CREATE FUNCTION backdate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.created_at := '2001-01-01 00:00:00+00';
  RETURN NEW;
END $$;
CREATE TRIGGER a_backdate BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION backdate();
SELECT inserted, created_at = '2001-01-01 00:00:00+00' AS backdated, doc
FROM upsert_with_creation_ts('t', '8', '{"n": 8}');
SELECT inserted, created_at = '2001-01-01 00:00:00+00' AS backdated, doc
FROM upsert_with_creation_ts('t', '8', '{"m": 8}');
DROP TRIGGER a_backdate ON t;

-----------------------------------------------------------------------------
-- 3. inserted is exact inside one transaction, for rows written earlier in
-- it by the function or by hand, and within one transaction's timestamp
BEGIN;
SELECT inserted FROM upsert_with_creation_ts('t', '20', '{"a": 1}');
SELECT inserted FROM upsert_with_creation_ts('t', '20', '{"b": 1}');
INSERT INTO t (id, doc) VALUES (21, '{}');
SELECT inserted FROM upsert_with_creation_ts('t', '21', '{"c": 1}');
UPDATE t SET doc = '{"d": 1}' WHERE id = 21;
SELECT inserted FROM upsert_with_creation_ts('t', '21', '{"e": 1}');
SELECT inserted, doc FROM upsert_with_creation_ts('t', '[{"id": 20, "doc": {"f": 1}}, {"id": 22, "doc": {"g": 1}}, {"id": 22, "doc": {"h": 1}}]'::jsonb);
SELECT inserted FROM upsert_with_creation_ts('t', '22', '{"i": 1}');
COMMIT;

-- rows imported by hand into an adopted table, with their own created_at and
-- an etag of the client's choosing (the trigger replaces it)
CREATE TABLE adopted (id text PRIMARY KEY, doc jsonb, created_at timestamptz, updated_at timestamptz, etag text);
INSERT INTO adopted VALUES ('old', '{"legacy": true}', '1999-01-01 00:00:00+00', '1999-01-02 00:00:00+00', 'AAAAAAAAAAAAAAAAAAAAAA');
SELECT docpatch_enable('adopted');
INSERT INTO adopted (id, doc, created_at, etag) VALUES ('imported', '{}', '2000-01-01 00:00:00+00', 'AAAAAAAAAAAAAAAAAAAAAB');
SELECT inserted, created_at = '1999-01-01 00:00:00+00' AS created_kept, doc FROM upsert_with_creation_ts('adopted', 'old', '{"n": 1}');
SELECT inserted, created_at = '2000-01-01 00:00:00+00' AS created_kept, doc FROM upsert_with_creation_ts('adopted', 'imported', '{"n": 1}');
SELECT inserted, doc FROM upsert_with_creation_ts('adopted', 'new', '{"n": 1}');
SELECT inserted, doc FROM upsert_with_creation_ts('adopted', '[{"id": "old", "doc": {"m": 1}}, {"id": "newer", "doc": {"m": 1}}]'::jsonb);

-- a partitioned table, also with a partition of its own partitioned
CREATE TABLE parted (id int PRIMARY KEY, doc jsonb) PARTITION BY RANGE (id);
CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (100);
CREATE TABLE parted_high PARTITION OF parted FOR VALUES FROM (100) TO (1000) PARTITION BY HASH (id);
CREATE TABLE parted_high_0 PARTITION OF parted_high FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE parted_high_1 PARTITION OF parted_high FOR VALUES WITH (MODULUS 2, REMAINDER 1);
SELECT docpatch_enable('parted');
BEGIN;
SELECT inserted, doc FROM upsert_with_creation_ts('parted', '1', '{"a": 1}');
SELECT inserted, doc FROM upsert_with_creation_ts('parted', '1', '{"b": 1}');
SELECT inserted, doc FROM upsert_with_creation_ts('parted', '500', '{"a": 1}');
SELECT inserted, doc FROM upsert_with_creation_ts('parted', '[{"id": 500, "doc": {"b": 1}}, {"id": 501, "doc": {"a": 1}}, {"id": 2, "doc": {"a": 1}}, {"id": 1, "doc": {"c": 1}}]'::jsonb);
COMMIT;
SELECT etag AS pe FROM parted WHERE id = 500 \gset
SELECT etag = :'pe' AS same_etag, doc FROM etag_guarded_update('parted', '500', :'pe', '{"a": 1}');
SELECT etag = :'pe' AS same_etag, doc FROM etag_guarded_update('parted', '500', :'pe', '{"a": 2}');
SELECT err(format($$SELECT * FROM etag_guarded_update('parted', '500', %L, '{"a": 3}')$$, :'pe'));

-----------------------------------------------------------------------------
-- 4. A no-op is decided on the stored bytes of the document, as jsonb keeps
-- them: 12.00 and 12 are equal numbers but different documents
UPDATE t SET doc = '{"price": 12.00}' WHERE id = 1;
SELECT etag AS e1 FROM t WHERE id = 1 \gset
SELECT etag = :'e1' AS same_etag, doc FROM etag_guarded_update('t', '1', :'e1', '{"price": 12.00}');
SELECT etag = :'e1' AS same_etag, doc FROM etag_guarded_update('t', '1', :'e1', '{"price": 12}');
-- a NULL document and a patch that makes it {}: a change
CREATE TABLE nullable (id int PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('nullable');
INSERT INTO nullable (id, doc) VALUES (1, NULL);
SELECT etag AS n1 FROM nullable \gset
SELECT etag = :'n1' AS same_etag, doc FROM etag_guarded_update('nullable', '1', NULL, '{}');
SELECT etag AS n1 FROM nullable \gset
SELECT etag = :'n1' AS same_etag, doc FROM etag_guarded_update('nullable', '1', NULL, '{}');

-----------------------------------------------------------------------------
-- 5. Row-level security that lets the caller read a row but not update it:
-- neither a success nor "unchanged", also for a patch that changes nothing
CREATE ROLE regress_docpatch_answers;
CREATE TABLE shared (id int PRIMARY KEY, owner text, doc jsonb);
SELECT docpatch_enable('shared');
INSERT INTO shared (id, owner, doc) VALUES (1, 'regress_docpatch_answers', '{"n": 1}'), (2, 'someone_else', '{"n": 2}');
ALTER TABLE shared ENABLE ROW LEVEL SECURITY;
CREATE POLICY see_all ON shared FOR SELECT USING (true);
CREATE POLICY write_own ON shared FOR UPDATE USING (owner = current_user);
GRANT SELECT, UPDATE ON shared TO regress_docpatch_answers;
SET ROLE regress_docpatch_answers;
SELECT doc FROM etag_guarded_update('shared', '1', NULL, '{"n": 10}');
SELECT doc FROM etag_guarded_update('shared', '1', NULL, '{"n": 10}');
SELECT * FROM etag_guarded_update('shared', '2', NULL, '{"n": 20}');
SELECT err($$SELECT * FROM etag_guarded_update('shared', '2', NULL, '{"n": 2}')$$);
SELECT * FROM etag_guarded_update('shared', '2', NULL, '{}');
-- a row the role cannot see at all
RESET ROLE;
CREATE POLICY see_own ON shared AS RESTRICTIVE FOR SELECT USING (owner = current_user);
SET ROLE regress_docpatch_answers;
SELECT * FROM etag_guarded_update('shared', '2', NULL, '{}');
RESET ROLE;
SELECT id, doc FROM shared ORDER BY id;

DROP TABLE t, adopted, parted, nullable, shared;
DROP FUNCTION touch_row_2(), copy_to_99(), skip_frozen(), backdate();
DROP ROLE regress_docpatch_answers;
DROP FUNCTION err(text);

-- The outcome check of etag_guarded_update: a write whose RETURNING shows the
-- etag the row had was not stamped, however the stamp trigger was kept from
-- firing.  It is refused with 55000 and rolled back, so that a stale
-- If-Match cannot match again.  (Issue 17.)  The trigger here is made
-- ineffective with a WHEN clause; the catalog checks of the row functions
-- may refuse that table before anything is written, with the same SQLSTATE:
-- only the SQLSTATE is shown.
CREATE TABLE outcome (id int PRIMARY KEY, doc jsonb NOT NULL);
SELECT docpatch_enable('outcome');
INSERT INTO outcome (id, doc) VALUES (1, '{"n": 1}');
SELECT etag AS e1 FROM outcome WHERE id = 1 \gset

-- the stamp trigger as it was created, with WHEN (false) added: it never fires
DO $$
DECLARE def text;
BEGIN
  SELECT pg_get_triggerdef(oid) INTO def FROM pg_trigger
  WHERE tgrelid = 'outcome'::regclass AND tgname = 'zz_docpatch_stamp';
  EXECUTE replace(replace(def, 'CREATE TRIGGER', 'CREATE OR REPLACE TRIGGER'),
                  'FOR EACH ROW', 'FOR EACH ROW WHEN (false)');
END $$;
SELECT pg_get_triggerdef(oid) LIKE '%WHEN (false)%' AS never_fires FROM pg_trigger
WHERE tgrelid = 'outcome'::regclass AND tgname = 'zz_docpatch_stamp';

-- with the etag the row has, twice: refused both times, nothing written
\set VERBOSITY sqlstate
SELECT * FROM etag_guarded_update('outcome', '1', :'e1', '{"n": 2}');
SELECT * FROM etag_guarded_update('outcome', '1', :'e1', '{"n": 3}');
SELECT * FROM etag_guarded_update('outcome', '1', NULL, '{"n": 4}');
\set VERBOSITY default
SELECT etag = :'e1' AS same_etag, doc FROM outcome WHERE id = 1;

-- with the trigger created again, the same calls write and draw new etags
DROP TRIGGER zz_docpatch_stamp ON outcome;
SELECT docpatch_enable('outcome');
SELECT etag <> :'e1' AS new_etag, doc FROM etag_guarded_update('outcome', '1', :'e1', '{"n": 2}');
\set VERBOSITY sqlstate
SELECT * FROM etag_guarded_update('outcome', '1', :'e1', '{"n": 3}');
\set VERBOSITY default

DROP TABLE outcome;

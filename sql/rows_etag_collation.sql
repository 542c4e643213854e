-- If-Match is compared with the etag byte for byte, whatever the etag
-- column's collation: under a case-insensitive collation on an adopted etag
-- column, an If-Match that differs in letter case is another etag (DP011).
-- (F6 of issue 17.)
\set VERBOSITY default
CREATE COLLATION regress_docpatch_etag_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE ci_etags (id int PRIMARY KEY, doc jsonb NOT NULL,
                       etag text COLLATE regress_docpatch_etag_ci);
SELECT docpatch_enable('ci_etags');
INSERT INTO ci_etags (id, doc) VALUES (1, '{"n": 1}');
-- a known etag, set past the stamp trigger
SET session_replication_role = replica;
UPDATE ci_etags SET etag = 'AbcEtag' WHERE id = 1;
RESET session_replication_role;
SELECT 'ABCETAG' = etag AS equal_in_the_column_collation FROM ci_etags WHERE id = 1;

-- another letter case: refused, for a patch that changes the row and for one
-- that does not; the row keeps its document and etag
SELECT * FROM etag_guarded_update('ci_etags', '1', 'ABCETAG', '{"n": 2}');
SELECT * FROM etag_guarded_update('ci_etags', '1', '"abcetag"', '{"n": 2}');
SELECT * FROM etag_guarded_update('ci_etags', '1', 'ABCETAG', '{"n": 1}');
SELECT etag, doc FROM ci_etags WHERE id = 1;

-- the same bytes match
SELECT etag <> 'AbcEtag' AS new_etag, doc FROM etag_guarded_update('ci_etags', '1', 'AbcEtag', '{"n": 2}');

DROP TABLE ci_etags;
DROP COLLATION regress_docpatch_etag_ci;

-- Hardening of the row functions (etag_guarded_update, upsert_with_creation_ts
-- in its three forms, docpatch_enable, docpatch_disable, docpatch_stamp and
-- the internal fold helpers) against tables of the wrong shape, ids that do
-- not convert to the key column's type, NULL in every argument and hostile
-- sizes: every refusal carries a documented SQLSTATE (never XX000) and the
-- backend survives.  Outcomes are "SQLSTATE message" or "ok" and a result
-- without the random etags and timestamps.
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.expect_error(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  r text;
BEGIN
  EXECUTE sql INTO r;
  RETURN 'ok ' || coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
-- A refusal worded by PostgreSQL itself whose wording changed between majors
-- (the plain INSERT into a composite type, from 16 on), as its SQLSTATE alone.
CREATE FUNCTION pg_temp.expect_sqlstate(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  r text;
BEGIN
  EXECUTE sql INTO r;
  RETURN 'ok ' || coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;

-- 1. Tables of the wrong shape, against every row function
CREATE TABLE t_ok (id int PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('t_ok');
CREATE TABLE t_no_doc (id int PRIMARY KEY, body jsonb);
SELECT docpatch_enable('t_no_doc');
CREATE TABLE t_no_id (key int PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('t_no_id');
CREATE TABLE t_doc_json (id int PRIMARY KEY, doc json);
SELECT docpatch_enable('t_doc_json');
CREATE TABLE t_doc_text (id int PRIMARY KEY, doc text);
SELECT docpatch_enable('t_doc_text');
CREATE TABLE t_no_stamp (id int PRIMARY KEY, doc jsonb);
CREATE TABLE t_stamp_disabled (id int PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('t_stamp_disabled');
ALTER TABLE t_stamp_disabled DISABLE TRIGGER zz_docpatch_stamp;
-- stamp columns of the wrong types, under a trigger created by hand
CREATE TABLE t_etag_int (id int PRIMARY KEY, doc jsonb, created_at timestamptz, updated_at timestamptz, etag int);
CREATE TRIGGER docpatch_stamp BEFORE INSERT OR UPDATE ON t_etag_int FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
CREATE TABLE t_created_text (id int PRIMARY KEY, doc jsonb, created_at text, updated_at timestamptz, etag text);
CREATE TRIGGER docpatch_stamp BEFORE INSERT OR UPDATE ON t_created_text FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
-- a stamp column dropped after the trigger was made
CREATE TABLE t_etag_dropped (id int PRIMARY KEY, doc jsonb);
SELECT docpatch_enable('t_etag_dropped');
ALTER TABLE t_etag_dropped DROP COLUMN etag;
-- no usable unique index on the key column
CREATE TABLE t_no_unique (id int, doc jsonb);
SELECT docpatch_enable('t_no_unique');
CREATE TABLE t_partial_unique (id int, doc jsonb);
CREATE UNIQUE INDEX ON t_partial_unique (id) WHERE id > 0;
SELECT docpatch_enable('t_partial_unique');
CREATE TABLE t_two_column_unique (id int, other int, doc jsonb, UNIQUE (id, other));
SELECT docpatch_enable('t_two_column_unique');
CREATE TABLE t_deferrable_unique (id int UNIQUE DEFERRABLE INITIALLY DEFERRED, doc jsonb);
SELECT docpatch_enable('t_deferrable_unique');
CREATE TABLE t_expression_unique (id int, doc jsonb);
CREATE UNIQUE INDEX ON t_expression_unique ((id + 0));
SELECT docpatch_enable('t_expression_unique');
-- not tables
CREATE VIEW v_ok AS SELECT * FROM t_ok;
CREATE MATERIALIZED VIEW mv_ok AS SELECT * FROM t_ok;
CREATE SEQUENCE s_ok;
CREATE TYPE ty_ok AS (id int, doc jsonb);

SELECT r.relname, c.label,
       CASE WHEN c.label = 'plain insert' AND r.relname = 'ty_ok' THEN pg_temp.expect_sqlstate(replace(c.call, '%n', quote_ident(r.relname)))
            ELSE pg_temp.expect_error(replace(replace(c.call, '%t', quote_literal(r.relname)), '%n', quote_ident(r.relname))) END AS outcome
FROM (VALUES (1, 't_ok'), (2, 't_no_doc'), (3, 't_no_id'), (4, 't_doc_json'), (5, 't_doc_text'),
             (6, 't_no_stamp'), (7, 't_stamp_disabled'), (8, 't_etag_int'), (9, 't_created_text'),
             (10, 't_etag_dropped'), (11, 't_no_unique'), (12, 't_partial_unique'),
             (13, 't_two_column_unique'), (14, 't_deferrable_unique'), (15, 't_expression_unique'),
             (16, 'v_ok'), (17, 'mv_ok'), (18, 's_ok'), (19, 'ty_ok')) r(ri, relname)
CROSS JOIN (VALUES
  (1, 'upsert', $$SELECT inserted || ' ' || doc FROM upsert_with_creation_ts(%t, '1', '{"a": 1}'::jsonb)$$),
  (2, 'upsert text', $$SELECT inserted || ' ' || doc FROM upsert_with_creation_ts(%t, '1', '{"b": 2}')$$),
  (3, 'upsert batch', $$SELECT string_agg(inserted || ' ' || doc, ', ') FROM upsert_with_creation_ts(%t, '[{"id": 2, "doc": {"c": 3}}]'::jsonb)$$),
  (4, 'guarded update', $$SELECT doc::text FROM etag_guarded_update(%t, '1', NULL, '{"d": 4}')$$),
  (5, 'guarded update If-Match', $$SELECT doc::text FROM etag_guarded_update(%t, '1', 'AAAAAAAAAAAAAAAAAAAAAA', '{"d": 4}')$$),
  (6, 'plain insert', $$INSERT INTO %n VALUES (3) RETURNING 'inserted'$$),
  (7, 'docpatch_disable', $$SELECT docpatch_disable(%t)::text$$),
  (8, 'docpatch_enable', $$SELECT docpatch_enable(%t)::text$$)) c(ci, label, call)
ORDER BY r.ri, c.ci;

-- the same functions naming columns that do not exist, or the wrong ones
SELECT pg_temp.expect_error($$SELECT doc::text FROM etag_guarded_update('t_ok', '1', NULL, '{}', key_column => 'nope')$$) AS missing_key,
       pg_temp.expect_error($$SELECT doc::text FROM etag_guarded_update('t_ok', '1', NULL, '{}', doc_column => 'nope')$$) AS missing_doc,
       pg_temp.expect_error($$SELECT doc::text FROM etag_guarded_update('t_ok', '1', NULL, '{}', doc_column => 'etag')$$) AS text_as_doc,
       pg_temp.expect_error($$SELECT doc::text FROM etag_guarded_update('t_ok', '1', NULL, '{}', key_column => 'doc', doc_column => 'doc')$$) AS same_column,
       pg_temp.expect_error($$SELECT doc::text FROM upsert_with_creation_ts('t_ok', '1', '{}'::jsonb, key_column => 'etag')$$) AS stamp_as_key,
       pg_temp.expect_error($$SELECT doc::text FROM upsert_with_creation_ts('t_ok', '1', '{}'::jsonb, doc_column => 'created_at')$$) AS stamp_as_doc;
-- a relation that no longer exists
SELECT pg_temp.expect_error($$SELECT doc::text FROM etag_guarded_update(4000000000::oid::regclass, '1', NULL, '{}')$$) AS dropped_relation,
       pg_temp.expect_error($$SELECT docpatch_enable(4000000000::oid::regclass)::text$$) AS enable_dropped;

-- 2. Ids that do not convert to the key column's type
CREATE TABLE k_int (id int PRIMARY KEY, doc jsonb);
CREATE TABLE k_smallint (id smallint PRIMARY KEY, doc jsonb);
CREATE TABLE k_bigint (id bigint PRIMARY KEY, doc jsonb);
CREATE TABLE k_numeric (id numeric PRIMARY KEY, doc jsonb);
CREATE TABLE k_uuid (id uuid PRIMARY KEY, doc jsonb);
CREATE TABLE k_date (id date PRIMARY KEY, doc jsonb);
CREATE TABLE k_bool (id boolean PRIMARY KEY, doc jsonb);
CREATE TABLE k_text (id text PRIMARY KEY, doc jsonb);
SELECT docpatch_enable(t) FROM unnest(ARRAY['k_int', 'k_smallint', 'k_bigint', 'k_numeric', 'k_uuid', 'k_date', 'k_bool', 'k_text']) t;
SELECT k.tbl, i.label,
       pg_temp.expect_error(format($$SELECT doc::text FROM etag_guarded_update(%L, %L, NULL, '{"x": 1}')$$, k.tbl, i.id)) AS guarded_update,
       pg_temp.expect_error(format($$SELECT inserted::text FROM upsert_with_creation_ts(%L, %L, '{"x": 1}'::jsonb)$$, k.tbl, i.id)) AS upsert
FROM (VALUES (1, 'k_int'), (2, 'k_smallint'), (3, 'k_bigint'), (4, 'k_numeric'), (5, 'k_uuid'),
             (6, 'k_date'), (7, 'k_bool'), (8, 'k_text')) k(ki, tbl)
CROSS JOIN (VALUES (1, 'empty', ''), (2, 'letters', 'abc'), (3, 'padded 7', '  7 '), (4, '40000', '40000'),
                   (5, '2^63', '9223372036854775808'), (6, '1e3', '1e3'), (7, 'NaN', 'NaN'),
                   (8, '1.5', '1.5'), (9, 'uuid', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
                   (10, 'bad date', '2024-13-45'), (11, 'date', '2024-02-29'), (12, 'yes', 'yes')) i(ii, label, id)
ORDER BY k.ki, i.ii;
-- the batch form: ids of every JSON type
SELECT label, pg_temp.expect_error(format($$SELECT string_agg(inserted::text, ',') FROM upsert_with_creation_ts('k_int', %L::jsonb)$$, items)) AS outcome
FROM (VALUES ('number', '[{"id": 5, "doc": {}}]'), ('string', '[{"id": "6", "doc": {}}]'), ('decimal', '[{"id": 7.5, "doc": {}}]'),
             ('null', '[{"id": null, "doc": {}}]'), ('boolean', '[{"id": true, "doc": {}}]'), ('array', '[{"id": [1], "doc": {}}]'),
             ('object', '[{"id": {"a": 1}, "doc": {}}]'), ('no id', '[{"doc": {}}]'), ('no doc', '[{"id": 8}]'),
             ('extra member', '[{"id": 8, "doc": {}, "x": 1}]'), ('not an object', '[8]'), ('not an array', '{"id": 8, "doc": {}}'),
             ('scalar', '8'), ('empty', '[]'), ('doc null', '[{"id": 9, "doc": null}]'), ('doc scalar', '[{"id": 9, "doc": 1}]')) v(label, items);

-- 3. NULL in every argument
SELECT fn, arg, pg_temp.expect_error(call) FROM (VALUES
  ('etag_guarded_update', 'tbl', $$SELECT doc::text FROM etag_guarded_update(NULL, '1', NULL, '{}')$$),
  ('etag_guarded_update', 'id', $$SELECT doc::text FROM etag_guarded_update('t_ok', NULL, NULL, '{}')$$),
  ('etag_guarded_update', 'if_match', $$SELECT doc::text FROM etag_guarded_update('t_ok', '1', NULL, '{}')$$),
  ('etag_guarded_update', 'patch', $$SELECT doc::text FROM etag_guarded_update('t_ok', '1', NULL, NULL)$$),
  ('etag_guarded_update', 'kind', $$SELECT doc::text FROM etag_guarded_update('t_ok', '1', NULL, '{}', NULL)$$),
  ('etag_guarded_update', 'key_column', $$SELECT doc::text FROM etag_guarded_update('t_ok', '1', NULL, '{}', NULL, NULL)$$),
  ('etag_guarded_update', 'doc_column', $$SELECT doc::text FROM etag_guarded_update('t_ok', '1', NULL, '{}', NULL, 'id', NULL)$$),
  ('upsert', 'tbl', $$SELECT doc::text FROM upsert_with_creation_ts(NULL, '1', '{}'::jsonb)$$),
  ('upsert', 'id', $$SELECT doc::text FROM upsert_with_creation_ts('t_ok', NULL, '{}'::jsonb)$$),
  ('upsert', 'doc', $$SELECT doc::text FROM upsert_with_creation_ts('t_ok', '1', NULL::jsonb)$$),
  ('upsert', 'mode', $$SELECT doc::text FROM upsert_with_creation_ts('t_ok', '1', '{}'::jsonb, NULL)$$),
  ('upsert', 'key_column', $$SELECT doc::text FROM upsert_with_creation_ts('t_ok', '1', '{}'::jsonb, 'merge', NULL)$$),
  ('upsert', 'doc_column', $$SELECT doc::text FROM upsert_with_creation_ts('t_ok', '1', '{}'::jsonb, 'merge', 'id', NULL)$$),
  ('upsert text', 'doc', $$SELECT doc::text FROM upsert_with_creation_ts('t_ok', '1', NULL::text)$$),
  ('upsert text', 'mode', $$SELECT doc::text FROM upsert_with_creation_ts('t_ok', '1', '{}'::text, NULL)$$),
  ('upsert batch', 'items', $$SELECT doc::text FROM upsert_with_creation_ts('t_ok', NULL::jsonb, 'merge')$$),
  ('upsert batch', 'mode', $$SELECT doc::text FROM upsert_with_creation_ts('t_ok', '[]'::jsonb, NULL)$$),
  ('upsert batch', 'key_column', $$SELECT doc::text FROM upsert_with_creation_ts('t_ok', '[]'::jsonb, 'merge', NULL)$$),
  ('docpatch_enable', 'tbl', $$SELECT docpatch_enable(NULL)::text$$),
  ('docpatch_enable', 'created_at', $$SELECT docpatch_enable('t_ok', NULL)::text$$),
  ('docpatch_enable', 'updated_at', $$SELECT docpatch_enable('t_ok', 'created_at', NULL)::text$$),
  ('docpatch_enable', 'etag', $$SELECT docpatch_enable('t_ok', 'created_at', 'updated_at', NULL)::text$$),
  ('docpatch_enable', 'on_created_at_change', $$SELECT docpatch_enable('t_ok', 'created_at', 'updated_at', 'etag', NULL)::text$$),
  ('docpatch_disable', 'tbl', $$SELECT docpatch_disable(NULL)::text$$),
  ('docpatch_fold', 'target', $$SELECT docpatch_fold(NULL, 'merge', '[{"a": 1}]')::text$$),
  ('docpatch_fold', 'mode', $$SELECT docpatch_fold('{}', NULL, '[{"a": 1}]')::text$$),
  ('docpatch_fold', 'docs', $$SELECT docpatch_fold('{}', 'merge', NULL)::text$$)) v(fn, arg, call);

-- 4. Bad kinds and modes, hostile etags, the trigger called the wrong way
SELECT label, pg_temp.expect_error(format($$SELECT doc::text FROM etag_guarded_update('t_ok', '1', NULL, '{}', %L)$$, v)) AS kind,
       pg_temp.expect_error(format($$SELECT doc::text FROM upsert_with_creation_ts('t_ok', '1', '{}'::jsonb, %L)$$, v)) AS mode
FROM (VALUES ('empty', ''), ('upper case', 'OPS'), ('trailing space', 'merge '), ('1 MB', repeat('m', 1000000))) k(label, v);
SELECT label, pg_temp.expect_error(format($$SELECT doc::text FROM etag_guarded_update('t_ok', '1', %L, '{}')$$, e)) AS outcome
FROM (VALUES ('empty', ''), ('weak', 'W/"AAAAAAAAAAAAAAAAAAAAAA"'), ('quote', '"'), ('two quotes', '""'),
             ('10 MB', repeat('e', 10 * 1024 * 1024)), ('list', '"a", "b"')) v(label, e);
SELECT pg_temp.expect_error($$SELECT docpatch_stamp()$$) AS called_directly;
CREATE TABLE t_after (id int PRIMARY KEY, doc jsonb, created_at timestamptz, updated_at timestamptz, etag text);
CREATE TRIGGER docpatch_stamp AFTER INSERT ON t_after FOR EACH ROW EXECUTE FUNCTION docpatch_stamp();
CREATE TABLE t_statement (id int PRIMARY KEY, doc jsonb, created_at timestamptz, updated_at timestamptz, etag text);
CREATE TRIGGER docpatch_stamp BEFORE INSERT ON t_statement FOR EACH STATEMENT EXECUTE FUNCTION docpatch_stamp();
CREATE TABLE t_bad_args (id int PRIMARY KEY, doc jsonb, created_at timestamptz, updated_at timestamptz, etag text);
CREATE TRIGGER docpatch_stamp BEFORE INSERT ON t_bad_args FOR EACH ROW EXECUTE FUNCTION docpatch_stamp('etag=nope', 'frob');
SELECT pg_temp.expect_error($$INSERT INTO t_after VALUES (1) RETURNING 'inserted'$$) AS after_trigger,
       pg_temp.expect_error($$INSERT INTO t_statement VALUES (1) RETURNING 'inserted'$$) AS statement_trigger,
       pg_temp.expect_error($$INSERT INTO t_bad_args VALUES (1) RETURNING 'inserted'$$) AS bad_arguments;

-- 5. Hostile sizes through the row functions
-- a 10 MB id: a text key cannot index it (PostgreSQL's own limit), an int key
-- cannot read it (PostgreSQL's message quotes all of it: cut here)
SELECT pg_temp.expect_error($$SELECT inserted::text FROM upsert_with_creation_ts('k_text', repeat('i', 10 * 1024 * 1024), '{}'::jsonb)$$) AS text_key,
       left(pg_temp.expect_error($$SELECT inserted::text FROM upsert_with_creation_ts('k_int', repeat('7', 10 * 1024 * 1024), '{}'::jsonb)$$), 40) AS int_key,
       pg_temp.expect_error($$SELECT doc::text FROM etag_guarded_update('k_text', repeat('i', 10 * 1024 * 1024), NULL, '{}')$$) AS guarded_text_key;
-- a 20 MB document, a 100,000-operation patch, a patch nested 5,000 deep
SELECT pg_temp.expect_error($$SELECT inserted || ' ' || length(doc::text) FROM upsert_with_creation_ts('t_ok', '100',
         (SELECT jsonb_object_agg('key' || i, jsonb_build_object('n', i, 's', repeat('x', 100))) FROM generate_series(1, 150000) i))$$) AS big_insert;
SELECT pg_temp.expect_error($$SELECT (doc -> 'key7' ->> 'n') || ' ' || (doc ->> 'n') FROM etag_guarded_update('t_ok', '100', NULL,
         (SELECT jsonb_agg(jsonb_build_object('op', 'incr', 'path', '/n', 'value', 1)) FROM generate_series(1, 100000)))$$) AS hundred_thousand_ops;
SELECT pg_temp.expect_error($$SELECT jsonb_typeof(doc) FROM etag_guarded_update('t_ok', '100', NULL, '[{"op": "test", "path": "/n", "value": 0}]')$$) AS failed_test;
SELECT pg_temp.expect_error($$SELECT md5(doc::text) = md5((repeat('{"a": ', 5000) || '1' || repeat('}', 5000))::jsonb::text)
         FROM etag_guarded_update('t_ok', '101', NULL, (repeat('{"a": ', 5000) || '1' || repeat('}', 5000))::jsonb, 'replace')$$) AS deep_missing_row;
SELECT pg_temp.expect_error($$SELECT md5(doc::text) = md5((repeat('{"a": ', 5000) || '1' || repeat('}', 5000))::jsonb::text)
         FROM upsert_with_creation_ts('t_ok', '101', (repeat('{"a": ', 5000) || '1' || repeat('}', 5000))::jsonb, 'deep_merge')$$) AS deep_upsert;
SET max_stack_depth = '100kB';
SELECT pg_temp.expect_error($$SELECT doc::text FROM upsert_with_creation_ts('t_ok', '101', (repeat('{"a": ', 5000) || '2' || repeat('}', 5000))::jsonb, 'deep_merge')$$) AS deep_merge_small_stack;
RESET max_stack_depth;
-- a batch of 10,000 items for 1,000 ids
SELECT pg_temp.expect_error($$SELECT count(*) || ' rows, ' || count(*) FILTER (WHERE inserted) || ' inserted, ' || sum((doc ->> 'n')::int)
         FROM upsert_with_creation_ts('k_int', (SELECT jsonb_agg(jsonb_build_object('id', 1000 + i % 1000, 'doc', jsonb_build_object('n', i / 1000)) ORDER BY i) FROM generate_series(0, 9999) i))$$) AS batch;
-- the stamps survived all of that
SELECT count(*) AS rows, count(DISTINCT etag) AS etags, bool_and(created_at <= updated_at) AS ordered,
       bool_and(length(etag) = 22) AS etag_shape
FROM t_ok;

-- the backend is still here
SELECT 'alive' AS backend;

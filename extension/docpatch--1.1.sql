/* docpatch--1.1.sql: atomic, single-statement partial updates of jsonb */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION docpatch" to load this file. \quit

-----------------------------------------------------------------------------
-- Merge family (docs/functions/merge.md)
-----------------------------------------------------------------------------

CREATE FUNCTION jsonb_shallow_merge(target jsonb, patch jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'docpatch_jsonb_shallow_merge'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION jsonb_shallow_merge(jsonb, jsonb) IS
'top-level merge of two objects, the patch winning; NULL target counts as {}';

CREATE FUNCTION jsonb_deep_merge(target jsonb, patch jsonb, max_depth int DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'docpatch_jsonb_deep_merge'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION jsonb_deep_merge(jsonb, jsonb, int) IS
'recursive merge of two objects, the patch winning; max_depth levels merge (NULL: all, 1: shallow); JSON null sets null; NULL target counts as {}';

CREATE FUNCTION jsonb_merge_patch(target jsonb, patch jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'docpatch_jsonb_merge_patch'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION jsonb_merge_patch(jsonb, jsonb) IS
'RFC 7396 JSON Merge Patch: null deletes, objects merge recursively, anything else replaces; NULL patch returns the target';

CREATE FUNCTION jsonb_diff(source jsonb, target jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'docpatch_jsonb_diff'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION jsonb_diff(jsonb, jsonb) IS
'RFC 6902 JSON Patch (add, remove, replace operations) that turns source into target';

CREATE FUNCTION jsonb_merge_diff(source jsonb, target jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'docpatch_jsonb_merge_diff'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION jsonb_merge_diff(jsonb, jsonb) IS
'RFC 7396 merge patch that turns source into target; DP003 when the target sets a member to JSON null';

CREATE FUNCTION jsonb_merge_patch_agg_transfn(internal, jsonb)
RETURNS internal
AS 'MODULE_PATHNAME', 'docpatch_jsonb_merge_patch_agg_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION jsonb_merge_patch_agg_transfn(internal, jsonb) IS
'transition function of jsonb_merge_patch_agg';

CREATE FUNCTION jsonb_shallow_merge_agg_transfn(internal, jsonb)
RETURNS internal
AS 'MODULE_PATHNAME', 'docpatch_jsonb_shallow_merge_agg_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION jsonb_shallow_merge_agg_transfn(internal, jsonb) IS
'transition function of jsonb_shallow_merge_agg';

CREATE FUNCTION jsonb_merge_agg_finalfn(internal)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'docpatch_jsonb_merge_agg_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION jsonb_merge_agg_finalfn(internal) IS
'final function of jsonb_merge_patch_agg and jsonb_shallow_merge_agg';

CREATE AGGREGATE jsonb_merge_patch_agg(patch jsonb) (
  SFUNC = jsonb_merge_patch_agg_transfn,
  STYPE = internal,
  FINALFUNC = jsonb_merge_agg_finalfn,
  FINALFUNC_MODIFY = READ_ONLY,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE jsonb_merge_patch_agg(jsonb) IS
'applies each patch in turn with jsonb_merge_patch, starting from nothing; NULL patches are skipped; use with ORDER BY';

CREATE AGGREGATE jsonb_shallow_merge_agg(patch jsonb) (
  SFUNC = jsonb_shallow_merge_agg_transfn,
  STYPE = internal,
  FINALFUNC = jsonb_merge_agg_finalfn,
  FINALFUNC_MODIFY = READ_ONLY,
  PARALLEL = SAFE
);

COMMENT ON AGGREGATE jsonb_shallow_merge_agg(jsonb) IS
'merges each patch object in turn with jsonb_shallow_merge, starting from {}; NULL patches are skipped; use with ORDER BY';

-----------------------------------------------------------------------------
-- JSON Patch (docs/functions/jsonb_patch_ops.md)
-----------------------------------------------------------------------------

CREATE FUNCTION jsonb_patch_ops(target jsonb, ops jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'docpatch_jsonb_patch_ops'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION jsonb_patch_ops(jsonb, jsonb) IS
'applies a patch (RFC 6902 add/remove/replace/move/copy/test, Cosmos DB set/incr, add_unique/pull/unset/min/max) atomically in one pass';

-----------------------------------------------------------------------------
-- Rows: stamp trigger, etag-guarded update, upsert (docs/functions/rows.md)
-----------------------------------------------------------------------------

CREATE FUNCTION docpatch_stamp()
RETURNS trigger
AS 'MODULE_PATHNAME', 'docpatch_docpatch_stamp'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION docpatch_stamp() IS
'BEFORE INSERT OR UPDATE row trigger, the last one to fire: created_at set once, updated_at = now(), a new etag on every write (its last character tells an INSERT from an UPDATE); arguments created_at=, updated_at=, etag=, on_created_at_change=keep|error';

CREATE FUNCTION docpatch_new_etag()
RETURNS text
AS 'MODULE_PATHNAME', 'docpatch_docpatch_new_etag'
LANGUAGE C VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION docpatch_new_etag() IS
'a new opaque etag, as docpatch_stamp writes them: 128 random bits in base64url (22 characters), never repeated';

CREATE FUNCTION docpatch_enable(tbl regclass,
                                created_at name DEFAULT 'created_at',
                                updated_at name DEFAULT 'updated_at',
                                etag name DEFAULT 'etag',
                                on_created_at_change text DEFAULT 'keep')
RETURNS void
AS 'MODULE_PATHNAME', 'docpatch_docpatch_enable'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION docpatch_enable(regclass, name, name, name, text) IS
'adds the missing stamp columns (created_at, updated_at, etag) and the trigger zz_docpatch_stamp (renaming a stamp trigger of another name) to a table; idempotent';

CREATE FUNCTION docpatch_disable(tbl regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'docpatch_docpatch_disable'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION docpatch_disable(regclass) IS
'removes the docpatch_stamp trigger from a table (the stamp columns stay)';

CREATE FUNCTION docpatch_fold(target jsonb, mode text, docs jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'docpatch_docpatch_fold'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION docpatch_fold(jsonb, text, jsonb) IS
'internal (upsert_with_creation_ts): applies the array docs to target in order with one mode; NULL target counts as {}';

CREATE FUNCTION etag_guarded_update(tbl regclass, id text, if_match text, patch jsonb,
                                    kind text DEFAULT NULL,
                                    key_column name DEFAULT 'id',
                                    doc_column name DEFAULT 'doc')
RETURNS TABLE(etag text, created_at timestamptz, updated_at timestamptz, doc jsonb)
AS 'MODULE_PATHNAME', 'docpatch_etag_guarded_update'
LANGUAGE C VOLATILE ROWS 1;

COMMENT ON FUNCTION etag_guarded_update(regclass, text, text, jsonb, text, name, name) IS
'one-statement conditional update: applies patch (JSON Patch array or merge object, or kind) to the row when if_match equals its etag (NULL: always, *: any row); DP010 not found, DP011 etag mismatch';

CREATE FUNCTION upsert_with_creation_ts(tbl regclass, id text, doc jsonb,
                                        mode text DEFAULT 'merge',
                                        key_column name DEFAULT 'id',
                                        doc_column name DEFAULT 'doc')
RETURNS TABLE(inserted boolean, etag text, created_at timestamptz, updated_at timestamptz, doc jsonb)
AS 'MODULE_PATHNAME', 'docpatch_upsert_with_creation_ts'
LANGUAGE C VOLATILE ROWS 1;

COMMENT ON FUNCTION upsert_with_creation_ts(regclass, text, jsonb, text, name, name) IS
'one-statement INSERT ... ON CONFLICT DO UPDATE of a document, merged (mode) against the locked current row; created_at set once';

-- The single form once more, for an untyped document: with string literals
-- (or driver parameters sent without a type) for both the id and the
-- document, the two forms above are ambiguous; this one is then chosen.
CREATE FUNCTION upsert_with_creation_ts(tbl regclass, id text, doc text,
                                        mode text DEFAULT 'merge',
                                        key_column name DEFAULT 'id',
                                        doc_column name DEFAULT 'doc')
RETURNS TABLE(inserted boolean, etag text, created_at timestamptz, updated_at timestamptz, doc jsonb)
AS 'MODULE_PATHNAME', 'docpatch_upsert_with_creation_ts_text'
LANGUAGE C VOLATILE ROWS 1;

COMMENT ON FUNCTION upsert_with_creation_ts(regclass, text, text, text, name, name) IS
'the single form with the document as text (parsed as jsonb), so that calls with untyped literals resolve';

CREATE FUNCTION upsert_with_creation_ts(tbl regclass, items jsonb,
                                        mode text DEFAULT 'merge',
                                        key_column name DEFAULT 'id',
                                        doc_column name DEFAULT 'doc')
RETURNS TABLE(inserted boolean, etag text, created_at timestamptz, updated_at timestamptz, doc jsonb)
AS 'MODULE_PATHNAME', 'docpatch_upsert_with_creation_ts_batch'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION upsert_with_creation_ts(regclass, jsonb, text, name, name) IS
'batch upsert of [{"id": ..., "doc": ...}, ...] in one statement; items for the same id fold in order; one row per id';

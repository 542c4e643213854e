/* docpatch--1.0.sql: atomic, single-statement partial updates of jsonb */

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

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

-----------------------------------------------------------------------------
-- Rows: stamp trigger, etag-guarded update, upsert (docs/functions/rows.md)
-----------------------------------------------------------------------------

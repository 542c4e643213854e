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

-- bench/baselines.sql: what users write today without docpatch.
--
-- Straightforward, correct PL/pgSQL implementations of a deep merge and of
-- RFC 7396 JSON Merge Patch on top of PostgreSQL's built-in jsonb functions,
-- the baselines for jsonb_deep_merge and jsonb_merge_patch.  They give the
-- same results as docpatch's functions for the inputs the benchmark uses (the
-- harness checks this before timing anything).

CREATE SCHEMA IF NOT EXISTS bench;

-- Recursive merge of two objects, the patch winning; nested objects merge,
-- anything else (arrays, scalars, JSON null) replaces.
CREATE OR REPLACE FUNCTION bench.plpgsql_deep_merge(target jsonb, patch jsonb)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  k text;
  v jsonb;
  result jsonb := coalesce(target, '{}');
BEGIN
  IF patch IS NULL THEN
    RETURN target;
  END IF;
  IF jsonb_typeof(result) <> 'object' OR jsonb_typeof(patch) <> 'object' THEN
    RAISE EXCEPTION 'deep merge needs two objects';
  END IF;
  FOR k, v IN SELECT key, value FROM jsonb_each(patch) LOOP
    IF jsonb_typeof(result -> k) = 'object' AND jsonb_typeof(v) = 'object' THEN
      result := jsonb_set(result, ARRAY[k], bench.plpgsql_deep_merge(result -> k, v));
    ELSE
      result := jsonb_set(result, ARRAY[k], v);
    END IF;
  END LOOP;
  RETURN result;
END
$$;

-- RFC 7396: a non-object patch replaces the target; an object patch applies
-- to the target (or to {} when the target is not an object): a null member
-- deletes, any other member is merge-patched into the target's member.
CREATE OR REPLACE FUNCTION bench.plpgsql_merge_patch(target jsonb, patch jsonb)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  k text;
  v jsonb;
  result jsonb;
BEGIN
  IF patch IS NULL THEN
    RETURN target;
  END IF;
  IF jsonb_typeof(patch) <> 'object' THEN
    RETURN patch;
  END IF;
  IF target IS NULL OR jsonb_typeof(target) <> 'object' THEN
    result := '{}';
  ELSE
    result := target;
  END IF;
  FOR k, v IN SELECT key, value FROM jsonb_each(patch) LOOP
    IF jsonb_typeof(v) = 'null' THEN
      result := result - k;
    ELSE
      result := jsonb_set(result, ARRAY[k], bench.plpgsql_merge_patch(result -> k, v));
    END IF;
  END LOOP;
  RETURN result;
END
$$;

-- The stamp trigger as users write it in PL/pgSQL: created_at kept,
-- updated_at = now(), a new random etag on every write (gen_random_uuid is
-- built in since PostgreSQL 13; 122 random bits, as hex).
CREATE OR REPLACE FUNCTION bench.plpgsql_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.created_at := coalesce(NEW.created_at, now());
  ELSE
    NEW.created_at := OLD.created_at;
  END IF;
  NEW.updated_at := now();
  NEW.etag := replace(gen_random_uuid()::text, '-', '');
  RETURN NEW;
END
$$;

-- The end of the demo: the race from scripts/demo.sh, then a diff.
\set QUIET on
\pset footer off
\pset border 0
SELECT doc FROM notes WHERE id = 'n2';

\echo '8. diff: the patch that turns one version into another'
SELECT jsonb_diff('{"a": 1, "tags": ["x"]}', '{"a": 2, "tags": ["x", "y"]}') AS diff;

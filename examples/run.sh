#!/usr/bin/env bash
# Runs the guides' code against the server in the environment (PGHOST, PGPORT,
# PGUSER; scripts/test.sh starts one), each example in a fresh database:
#   - scripts/check-guides: every code block in docs/guides is one of these
#     files, byte for byte, or is marked as not a program
#   - the README's SQL example, extracted from README.md and pasted into psql
#     as printed, twice (a second paste must work too), in a database where
#     docpatch is already created, as in the demo's
#   - the examples: the Express PATCH server (driven over HTTP by its test),
#     the Sequelize-style partial update, the Cosmos DB migration with
#     psycopg2 and with psycopg 3, the PHP unified upsert
# Shows each one's output; ends with "examples: N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
# shellcheck source=../scripts/runtimes.sh
. "$repo/scripts/runtimes.sh"

passed=0
failed=0
run() {
  local name=$1; shift
  echo "-- $name"
  if fresh_database docpatch_examples && "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "-- $name FAILED"
  fi
}

readme_sql() {
  "$repo/scripts/readme-sql" | psql -X -v ON_ERROR_STOP=1 &&
    "$repo/scripts/readme-sql" | psql -X -q -v ON_ERROR_STOP=1 >/dev/null
}
http_patch_server() { need_node && node --test "$here/node/http-patch-server.test.js"; }
partial_update() { need_node && node "$here/node/partial-update.js"; }
cosmos_patch() { need_python && DOCPATCH_DRIVER=$1 "$PYTHON" "$here/python/cosmos_patch.py"; }
unified_upsert() { need_php && php "$here/php/unified_upsert.php"; }

run "guides quote these files (scripts/check-guides)" "$repo/scripts/check-guides"
run "README.md: the SQL example as printed" readme_sql
run "node/http-patch-server.js (Express, If-Match)" http_patch_server
run "node/partial-update.js (node-postgres)" partial_update
run "python/cosmos_patch.py with psycopg2" cosmos_patch psycopg2
run "python/cosmos_patch.py with psycopg 3" cosmos_patch psycopg
run "php/unified_upsert.php (PDO)" unified_upsert
echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

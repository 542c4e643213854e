#!/usr/bin/env bash
# Runs every client example against the server in the environment (PGHOST...).
# Prints one line per example and a closing "N passed, N failed" line.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# A fresh database with docpatch, so the examples start from a known state.
export PGDATABASE=docpatch_examples
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS docpatch_examples" -c "CREATE DATABASE docpatch_examples" >/dev/null
psql -X -q -c "CREATE EXTENSION docpatch" >/dev/null
passed=0
failed=0
run() {
  local name=$1; shift
  echo "-- example: $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "example $name FAILED"; fi
}
run python /usr/bin/python3 "$here/python/notes.py"
if [ ! -d "$here/node/node_modules/pg" ]; then
  (cd "$here/node" && npm ci --silent --no-audit --no-fund >/dev/null 2>&1 || npm install --silent --no-audit --no-fund >/dev/null)
fi
run node node "$here/node/notes.js"
run php php "$here/php/notes.php"
echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

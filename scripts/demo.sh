#!/usr/bin/env bash
# The README's first command: installs what is missing, builds and installs
# docpatch into a private PostgreSQL 15 server, tells the story of a document
# in about 30 lines, and leaves the server running for psql.
#
#   scripts/demo.sh            start (or restart) the demo server and run the demo
#   scripts/demo.sh stop       stop the demo server and remove its directory
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${DOCPATCH_DEMO_DIR:-/tmp/docpatch-demo}

if [ -f "$dir/.docpatch-throwaway" ]; then "$repo/scripts/pg-throwaway" stop "$dir"; fi
[ "${1:-}" = stop ] && exit 0

"$repo/scripts/install-deps.sh"
echo "docpatch: building and starting a PostgreSQL 15 server in $dir ..."
"$repo/scripts/pg-throwaway" start "$dir" >/dev/null
# shellcheck disable=SC1091
. "$dir/env"
psql -q -X -v ON_ERROR_STOP=1 <"$repo/scripts/demo.sql"

echo "7. two clients race to create note n2, each with its own field: neither is lost"
# Client A creates n2 and holds its transaction open for a moment; client B
# upserts a different field meanwhile, waits for A's row lock, then merges.
psql -q -X -v ON_ERROR_STOP=1 >/dev/null <<'SQL' &
BEGIN;
SELECT upsert_with_creation_ts('notes', 'n2', '{"title": "from client A"}'::jsonb);
SELECT pg_sleep(1);
COMMIT;
SQL
sleep 0.3
psql -q -X -v ON_ERROR_STOP=1 >/dev/null \
  -c "SELECT upsert_with_creation_ts('notes', 'n2', '{\"body\": \"from client B\"}'::jsonb)"
wait
psql -q -X -v ON_ERROR_STOP=1 <"$repo/scripts/demo-race.sql"

cat <<MSG

The server is still running.  Connect with:
  psql -h $dir -p $PGPORT -U postgres
Stop it with:
  scripts/demo.sh stop
MSG

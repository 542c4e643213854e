#!/usr/bin/env bash
# The README's first command: installs what is missing (the PostgreSQL 15
# server, a C++ compiler, the server headers, rsync: install-deps.sh --for demo),
# builds docpatch, starts a private PostgreSQL 15 server with docpatch created
# in database `postgres`, tells the story of a document in about 30 lines,
# and leaves the server running for psql.  Each step prints its time.
#
#   scripts/demo.sh            start (or restart) the demo server and run the demo
#   scripts/demo.sh stop       stop the demo server and remove its directory
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${DOCPATCH_DEMO_DIR:-/tmp/docpatch-demo}
[[ $dir == /* ]] || dir=$PWD/$dir
# The server's programs run as the postgres user, who may not be allowed into
# the clone's directory (/root/docpatch): run them from /.
cd /

if [ -f "$dir/.docpatch-throwaway" ]; then "$repo/scripts/pg-throwaway" stop "$dir"; fi
[ "${1:-}" = stop ] && exit 0

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
started=$(now)
step() { echo; echo "== $*"; step_started=$(now); }
done_step() { echo "   ($(since "$step_started"))"; }

step "1/4 Debian packages: the PostgreSQL 15 server and psql to run it, g++, make and rsync to build,
    the server headers and PGXS (postgresql-server-dev-15, which brings clang-14 and llvm-14-dev)"
"$repo/scripts/install-deps.sh" --for demo
done_step

step "2/4 building docpatch (C++17, $(nproc) jobs, in build/ext/pg15)"
"$repo/scripts/pg-throwaway" build --pg 15
done_step

step "3/4 a private PostgreSQL 15 server in $dir (initdb, start, CREATE EXTENSION docpatch in database postgres)"
"$repo/scripts/pg-throwaway" start --pg 15 "$dir" >/dev/null
# shellcheck disable=SC1091
. "$dir/env"
psql -q -X -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS docpatch"
done_step

step "4/4 the demo: one note's life, every change a single statement"
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
done_step

cat <<MSG

docpatch is created in database postgres of the demo server (all in $(since "$started")).
Connect with:
  psql -h $dir -p $PGPORT -U postgres postgres
and paste the README's SQL example; the demo's own table is "notes".
Stop the server with:
  scripts/demo.sh stop
MSG

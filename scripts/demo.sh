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
psql -q -X -v ON_ERROR_STOP=1 -f "$repo/scripts/demo.sql"

cat <<MSG

The server is still running.  Connect with:
  psql -h $dir -p $PGPORT -U postgres
Stop it with:
  scripts/demo.sh stop
MSG

#!/usr/bin/env bash
# bench/guarded_write.sh: the throughput of one etag_guarded_update against a
# plain UPDATE ... jsonb_patch_ops and against read-modify-write, with fsync
# on (every write waits for its WAL to reach the disk, as in production).
#
#   bench/guarded_write.sh [--pg N] [--runs 3] [--seconds 10] [--rows 3000]
#
#   --pg N       PostgreSQL 14 to 18 (default 15, Debian's; the others come
#                from scripts/pg-build)
#   --runs R     runs (default 3); each runs every variant once, in an order
#                rotated from run to run, and reports its own ratios
#   --seconds S  length of one pgbench run of one variant (default 15)
#   --rows N     rows in the table (default 3000), 50 KB documents each
#   DOCPATCH_SOURCE=DIR  benchmark the docpatch of another clone (an older
#                commit, for a before/after comparison; see scripts/pg-throwaway)
#
# Starts its own throwaway server (fsync = on, synchronous_commit = on, no
# checkpoint while it runs) and stops it.  The table has docpatch_enable()'s stamp trigger for every
# variant.  pgbench -M prepared, 4 clients, each updating random rows of its
# own quarter of the table (no lock waits between clients), the same 3-field
# patch sent as a parameter:
#   patch_ops  UPDATE items SET doc = jsonb_patch_ops(doc, $ops) WHERE id = $id
#   guarded    SELECT etag ... (the etag a client's GET gave it), then
#              etag_guarded_update('items', $id, $etag, $ops)
#   guarded_any  etag_guarded_update('items', $id, '*', $ops): the write alone
#   rmw        BEGIN; SELECT doc, etag ...; UPDATE items SET doc = <the
#              document the client edited> WHERE id = $id AND etag = $etag;
#              COMMIT -- the whole 50 KB document goes back as a parameter
# Prints a markdown table: updates/s of each variant in each run, and the
# ratios guarded / patch_ops and guarded / rmw (per run, then their spread).
# Progress goes to stderr.  Never part of CI: ratios measured side by side in
# one run are what count.
set -Eeuo pipefail
trap 'echo "$0: line $LINENO failed: $BASH_COMMAND" >&2' ERR

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

pg=15 runs=3 seconds=15 rows=3000
while (($#)); do
  case $1 in
    --pg) pg=${2:?--pg needs a version}; shift ;;
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --seconds) seconds=${2:?--seconds needs a number}; shift ;;
    --rows) rows=${2:?--rows needs a number}; shift ;;
    -h | --help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "bench/guarded_write.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
((rows >= 4)) || { echo "bench/guarded_write.sh: --rows must be at least 4" >&2; exit 2; }

log() { echo "guarded_write: $*" >&2; }

work=$(mktemp -d /tmp/docpatch-guarded-write.XXXXXX)
log "building and starting a throwaway PostgreSQL $pg (fsync on)"
# No checkpoint during the runs: each would flood the next writes with full
# page images, landing on whichever variant runs then.
dir=$(DOCPATCH_PG_CONF=$'fsync = on\nsynchronous_commit = on\nfull_page_writes = on\nmax_wal_size = 16GB\ncheckpoint_timeout = 1h' \
  scripts/pg-throwaway start --pg "$pg")
trap 'scripts/pg-throwaway stop "$dir"; rm -rf "$work"' EXIT
# shellcheck disable=SC1091
. "$dir/env"
export PGOPTIONS="-c jit=off -c client_min_messages=warning"
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

log "loading $rows documents of 50 KB"
psql_q -c "CREATE EXTENSION docpatch" -f bench/documents.sql
psql_q <<SQL
CREATE TABLE items (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO items SELECT i, bench.doc(bench.scale_for('50 KB'), i) FROM generate_series(1, $rows) i;
SELECT docpatch_enable('items') \g /dev/null
VACUUM ANALYZE items;
CHECKPOINT;
SQL

# Three fields: a status replaced, a counter incremented, a member added.
ops='[{"op": "replace", "path": "/status", "value": "closed"}, {"op": "incr", "path": "/version", "value": 1}, {"op": "add", "path": "/reviewed_by", "value": "bench"}]'
pick='\set id 1 + :client_id + 4 * random(0, :rows / 4 - 1)'
cat >"$work/patch_ops.sql" <<SQL
$pick
UPDATE items SET doc = jsonb_patch_ops(doc, :ops) WHERE id = :id;
SQL
cat >"$work/guarded.sql" <<SQL
$pick
SELECT etag FROM items WHERE id = :id \gset
SELECT etag FROM etag_guarded_update('items', :id, :etag, :ops) \gset
SQL
cat >"$work/guarded_any.sql" <<SQL
$pick
SELECT etag FROM etag_guarded_update('items', :id, '*', :ops) \gset
SQL
# The client's edit stands in as jsonb_patch_ops applied by the server to
# the text the client sends back: the server parses the whole document, as
# it must for any client-computed document, and stores what the other
# variants store.  The client's own parsing and re-serializing of 50 KB are
# not counted, which flatters read-modify-write.
cat >"$work/rmw.sql" <<SQL
$pick
BEGIN;
SELECT doc, etag FROM items WHERE id = :id \gset
UPDATE items SET doc = jsonb_patch_ops(:doc::jsonb, :ops) WHERE id = :id AND etag = :etag;
COMMIT;
SQL
variants=(patch_ops guarded guarded_any rmw)

# updates/s of one pgbench run; fails when pgbench reports an error.
run_variant() {  # variant
  local out
  if ! out=$(pgbench -n -M prepared -c 4 -j 2 -T "$seconds" -D rows="$rows" -D ops="$ops" \
    -f "$work/$1.sql" 2>&1) || ! grep -q "^tps" <<<"$out"; then
    echo "bench/guarded_write.sh: pgbench $1 failed:" >&2
    echo "$out" >&2
    return 1
  fi
  sed -nE 's/^tps = ([0-9.]+).*/\1/p' <<<"$out" | head -1
}

declare -A tps
for ((r = 1; r <= runs; r++)); do
  order=("${variants[@]:r % ${#variants[@]}}" "${variants[@]:0:r % ${#variants[@]}}")
  for v in "${order[@]}"; do
    log "run $r/$runs: $v (${seconds}s)"
    tps[$r,$v]=$(run_variant "$v")
  done
done

pgv=$(psql -X -At -c "SHOW server_version")
echo "PostgreSQL $pgv, fsync on; docpatch $(git -C "${DOCPATCH_SOURCE:-$repo}" describe --always --dirty 2>/dev/null || echo unknown);"
echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $rows rows of 50 KB, $runs runs of ${seconds} s per variant."
echo
echo "| run | patch_ops/s | guarded/s | guarded_any/s | rmw/s | guarded / patch_ops | guarded_any / patch_ops | guarded / rmw | guarded_any / rmw |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for ((r = 1; r <= runs; r++)); do
  awk -v r="$r" -v p="${tps[$r,patch_ops]}" -v g="${tps[$r,guarded]}" -v a="${tps[$r,guarded_any]}" \
    -v m="${tps[$r,rmw]}" 'BEGIN {
      printf "| %d | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f |\n",
             r, p, g, a, m, g / p, a / p, g / m, a / m }'
done

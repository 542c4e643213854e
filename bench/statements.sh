#!/usr/bin/env bash
# bench/statements.sh: whole UPDATE statements with pgbench (4 clients).
#
# For each document size (1 KB and 50 KB: 200 stored documents; 1 MB: 20) and
# each TOAST compression (pglz, lz4), compares
#   patch_ops  UPDATE items SET doc = jsonb_patch_ops(doc, $ops) WHERE id = $id
#   guarded    etag_guarded_update('items', $id, $etag, $ops)  (when installed)
#   rmw        BEGIN; SELECT doc ... FOR UPDATE; UPDATE ... SET doc = $doc; COMMIT
# and prints one markdown row per (size, compression, variant): throughput
# (median of the runs and their min-max), p50/p95 latency (from pgbench
# --log), bytes the client sent per update, round trips per update, and the
# throughput ratio to read-modify-write (taken within each run: the median
# and min-max of the runs' ratios).
#
# Bytes sent are measured, not estimated: pgbench runs under strace, which
# records every sendto() on the server's socket; two runs of different
# lengths are subtracted so that connecting and preparing do not count.
#
# Expects the environment of a running server (PGHOST, ...) with docpatch and
# bench/documents.sql installed in the current database.
#   BENCH_SECONDS  duration of one pgbench run (default 10)
#   BENCH_REPS     runs of each variant, interleaved (default 3; medians and
#                  min-max)
#   BENCH_SIZES    sizes to run (default "1 KB,50 KB,1 MB")
set -Eeuo pipefail
trap 'echo "$0: line $LINENO failed: $BASH_COMMAND" >&2' ERR

seconds=${BENCH_SECONDS:-10}
reps=${BENCH_REPS:-3}
IFS=',' read -r -a sizes <<<"${BENCH_SIZES:-1 KB,50 KB,1 MB}"
clients=4
work=$(mktemp -d /tmp/docpatch-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export PGOPTIONS="${PGOPTIONS:-} -c jit=off -c client_min_messages=warning"

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

ops='[{"op": "replace", "path": "/status", "value": "closed"}, {"op": "incr", "path": "/version", "value": 1}]'

has_rows=$(psql_q -At -c "SELECT count(*) > 0 FROM pg_proc WHERE proname = 'etag_guarded_update'")
variants=(patch_ops rmw)
[ "$has_rows" = t ] && variants=(patch_ops guarded rmw)

# The pgbench scripts.  Each client works on its own rows (id = client + 4k):
# the comparison is about the cost of an update, not about lock waits.
cat >"$work/patch_ops.sql" <<'SQL'
\set id 1 + :client_id + 4 * random(0, :rows / 4 - 1)
UPDATE items SET doc = jsonb_patch_ops(doc, :ops) WHERE id = :id;
SQL
cat >"$work/guarded.sql" <<'SQL'
\set id 1 + :client_id + 4 * random(0, :rows / 4 - 1)
SELECT etag FROM items WHERE id = :id \gset
SELECT etag FROM etag_guarded_update('items', :id, :etag, :ops) \gset
SQL
# What clients do today: read the document under a row lock, change it, send
# it back whole.  pgbench cannot edit JSON, so the document goes back as it
# was read: a real client would also parse, edit and re-serialize it, so
# these numbers flatter read-modify-write.
cat >"$work/rmw.sql" <<'SQL'
\set id 1 + :client_id + 4 * random(0, :rows / 4 - 1)
BEGIN;
SELECT doc FROM items WHERE id = :id FOR UPDATE \gset
UPDATE items SET doc = :doc WHERE id = :id;
COMMIT;
SQL
declare -A round_trips=([patch_ops]=1 [guarded]=2 [rmw]=4)

load_table() {  # size compression rows
  local scale
  scale=$(psql_q -At -c "SELECT bench.scale_for('$1')")
  psql_q <<SQL
DROP TABLE IF EXISTS items;
CREATE TABLE items (id int PRIMARY KEY, doc jsonb NOT NULL);
ALTER TABLE items ALTER COLUMN doc SET COMPRESSION $2;
INSERT INTO items SELECT i, bench.doc($scale, i) FROM generate_series(1, $3) i;
SQL
  if [ "$has_rows" = t ]; then psql_q -c "SELECT docpatch_enable('items')" >/dev/null; fi
  psql_q -c "VACUUM ANALYZE items" >/dev/null
}

run_pgbench() {  # variant rows logprefix extra-args...
  local variant=$1 rows=$2 prefix=$3
  shift 3
  pgbench -n -M prepared -c $clients -j 2 -D rows="$rows" -D ops="$ops" \
    -f "$work/$variant.sql" "$@" 2>&1
}

# Median of the numbers on stdin.
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# "median min max" of the numbers on stdin.
spread() { sort -g | awk '{a[NR]=$1} END {printf "%s %s %s\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2, a[1], a[NR]}'; }

# Bytes the client sends per transaction of `variant`, from strace.
bytes_per_update() {  # variant rows
  local total=() t
  for t in 20 60; do
    strace -f -qq -e trace=sendto -o "$work/strace.$t" \
      pgbench -n -M prepared -c 1 -j 1 -D rows="$2" -D ops="$ops" -f "$work/$1.sql" -t $t \
      >/dev/null 2>&1
    total+=("$(awk -F'= ' '/sendto\(/ {s += $NF} END {print s + 0}' "$work/strace.$t")")
  done
  echo $(( (total[1] - total[0]) / 40 ))
}

echo "| size | TOAST | statement | updates/s (min-max) | p50 ms | p95 ms | bytes sent per update | round trips | throughput vs read-modify-write (min-max) |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
for size in "${sizes[@]}"; do
  rows=200
  [ "$size" = "1 MB" ] && rows=20
  for compression in pglz lz4; do
    load_table "$size" "$compression" "$rows"
    declare -A tps=() p50=() p95=() sent=() ratio=()
    for v in "${variants[@]}"; do : >"$work/tps.$v"; : >"$work/lat.$v"; done
    for ((r = 1; r <= reps; r++)); do
      # Rotate the order of the variants from one repetition to the next.
      order=("${variants[@]:r % ${#variants[@]}}" "${variants[@]:0:r % ${#variants[@]}}")
      for v in "${order[@]}"; do
        rm -f "$work"/log.*
        out=$(cd "$work" && run_pgbench "$v" "$rows" log -T "$seconds" --log --log-prefix="$work/log") || true
        if ! grep -q "^tps" <<<"$out" || grep -q "aborted in command" <<<"$out"; then
          echo "bench/statements.sh: pgbench $v failed:" >&2
          echo "$out" >&2
          exit 1
        fi
        grep -E "^tps" <<<"$out" | sed -E 's/tps = ([0-9.]+).*/\1/' >>"$work/tps.$v"
        cat "$work"/log.* | awk '{print $3 / 1000}' >>"$work/lat.$v"
      done
    done
    for v in "${variants[@]}"; do
      tps[$v]=$(spread <"$work/tps.$v")
      # the ratio to read-modify-write within each run (the lines are runs)
      ratio[$v]=$(paste "$work/tps.$v" "$work/tps.rmw" | awk '{print $1 / $2}' | spread)
      sort -g "$work/lat.$v" >"$work/lat.sorted"
      n=$(wc -l <"$work/lat.sorted")
      p50[$v]=$(awk -v k=$(( (n + 1) / 2 )) 'NR == k' "$work/lat.sorted")
      p95[$v]=$(awk -v k=$(( (n * 95 + 99) / 100 )) 'NR == k' "$work/lat.sorted")
      sent[$v]=$(bytes_per_update "$v" "$rows")
    done
    for v in "${variants[@]}"; do
      case $v in
        patch_ops) label='`UPDATE ... SET doc = jsonb_patch_ops(doc, $ops)`' ;;
        guarded) label='`etag_guarded_update(...)` (after reading the etag)' ;;
        rmw) label='read-modify-write (`SELECT ... FOR UPDATE`, whole document back)' ;;
      esac
      awk -v size="$size" -v comp="$compression" -v label="$label" -v tps="${tps[$v]}" \
        -v p50="${p50[$v]}" -v p95="${p95[$v]}" -v sent="${sent[$v]}" -v rt="${round_trips[$v]}" \
        -v ratio="${ratio[$v]}" -v base_sent="${sent[rmw]}" -v v="$v" 'BEGIN {
          split(tps, t, " "); split(ratio, q, " ");
          rel = (v == "rmw") ? "1" : sprintf("%.2fx (%.2f–%.2f)", q[1], q[2], q[3]);
          share = (v == "rmw") ? "" : sprintf(" (%.2f%%)", 100 * sent / base_sent);
          printf "| %s | %s | %s | %.0f (%.0f–%.0f) | %.2f | %.2f | %d%s | %d | %s |\n",
                 size, comp, label, t[1], t[2], t[3], p50, p95, sent, share, rt, rel }'
    done
    unset tps p50 p95 sent ratio
  done
done
psql_q -c "DROP TABLE IF EXISTS items"

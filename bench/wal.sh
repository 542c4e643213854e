#!/usr/bin/env bash
# bench/wal.sh: WAL bytes per write of a 50 KB document, by the way it is
# written.
#
#   bench/wal.sh             on PostgreSQL 15
#   bench/wal.sh --pg 18     on another supported PostgreSQL (14 to 18)
#   bench/wal.sh --writes 40 measured writes per statement (default 20)
#
# Starts its own throwaway server (scripts/pg-throwaway, built from this
# checkout: it measures whatever etag_guarded_update the checkout installs),
# loads a table of identical 50 KB documents (bench.doc(60)) with the stamp
# columns and trigger (docpatch_enable), once with pglz and once with lz4
# TOAST compression, and in one quiet session measures the WAL each write
# inserts: pg_wal_lsn_diff of pg_current_wal_insert_lsn() before and after
# the write, commit included.  The statements, all changing the same three
# fields (/status, /version, /updated_at) to the same values, so every
# changing write stores the same new document:
#   patch_ops     UPDATE ... SET doc = jsonb_patch_ops(doc, $ops)
#   guarded       etag_guarded_update(tbl, id, $etag, $ops)  (etag read before)
#   jsonb_set     UPDATE ... SET doc = jsonb_set(jsonb_set(jsonb_set(doc, ...)))
#   rmw           BEGIN; SELECT doc ... FOR UPDATE; UPDATE ... SET doc = $doc;
#                 COMMIT (the client sends the whole changed document back)
# and a patch that changes nothing (the three fields set to the values they
# have):
#   guarded_noop  etag_guarded_update with it
#   update_noop   UPDATE ... SET doc = jsonb_patch_ops(doc, $noop)
# The statements take turns, each on rows of its own; a first round is not
# counted.  autovacuum is off and checkpoints are an hour apart: every page
# the writes touch was created after the server's last checkpoint, so no
# full-page image falls into the measurement (the first change of a page
# after a checkpoint adds one, whatever the statement; the breakdown by
# pg_walinspect would show them).  Where pg_walinspect
# exists (15 and later) the WAL records of the measured writes are listed by
# kind.  Prints markdown on stdout, progress on stderr.
set -Eeuo pipefail
trap 'echo "$0: line $LINENO failed: $BASH_COMMAND" >&2' ERR

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

pg=15
writes=20
while (($#)); do
  case $1 in
    --pg) pg=${2:?--pg needs a version}; shift ;;
    --writes) writes=${2:?--writes needs a number}; shift ;;
    -h | --help) sed -n '2,34p' "$0"; exit 0 ;;
    *) echo "bench/wal.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $writes =~ ^[1-9][0-9]*$ ]] || { echo "bench/wal.sh: --writes takes a positive number" >&2; exit 2; }

log() { echo "bench/wal: $*" >&2; }

variants=(patch_ops guarded jsonb_set rmw guarded_noop update_noop)
rows_per_variant=4

log "building and starting a throwaway server"
dir=$(DOCPATCH_PG_CONF=$'autovacuum = off\ncheckpoint_timeout = 1h\nmax_wal_size = 10GB' \
  scripts/pg-throwaway start --pg "$pg")
work=$(mktemp -d /tmp/docpatch-wal.XXXXXX)
trap 'scripts/pg-throwaway stop "$dir"; rm -rf "$work"' EXIT
# shellcheck disable=SC1091
. "$dir/env"
export PGOPTIONS="-c jit=off -c client_min_messages=warning"
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_q -c "CREATE EXTENSION docpatch" -f bench/documents.sql
walinspect=$(psql_q -At -c "SELECT count(*) > 0 FROM pg_available_extensions WHERE name = 'pg_walinspect'")
[ "$walinspect" = f ] || psql_q -c "CREATE EXTENSION pg_walinspect"
compressions=(pglz)
if psql_q -c "CREATE TABLE lz4_probe (d jsonb COMPRESSION lz4); DROP TABLE lz4_probe" 2>/dev/null; then
  compressions+=(lz4)
else
  log "this server has no lz4: pglz only"
fi

# The patches of write k: the same three fields to values of fixed length.
ops() { printf '[{"op": "replace", "path": "/status", "value": "closed-%05d"}, {"op": "incr", "path": "/version", "value": 1}, {"op": "replace", "path": "/updated_at", "value": "2026-12-08T00:00:00.%05dZ"}]' "$1" "$1"; }
noop='[{"op": "replace", "path": "/status", "value": "open"}, {"op": "replace", "path": "/priority", "value": 2}, {"op": "replace", "path": "/version", "value": 1}]'
set_chain() {  # the jsonb_set equivalent of ops k
  printf "jsonb_set(jsonb_set(jsonb_set(doc, '{status}', '\"closed-%05d\"'), '{version}', to_jsonb((doc ->> 'version')::numeric + 1)), '{updated_at}', '\"2026-12-08T00:00:00.%05dZ\"')" "$1" "$1"
}

for comp in "${compressions[@]}"; do
  tbl=wal_$comp
  n=$(( ${#variants[@]} * rows_per_variant ))
  psql_q >&2 <<SQL
CREATE TABLE $tbl (id int PRIMARY KEY, doc jsonb NOT NULL);
ALTER TABLE $tbl ALTER COLUMN doc SET COMPRESSION $comp;
INSERT INTO $tbl SELECT i, bench.doc(60) FROM generate_series(1, $n) i;
SELECT docpatch_enable('$tbl');
VACUUM ANALYZE $tbl;
SQL
  # The jsonb_set chain must store the very document the patch does.
  same=$(psql_q -At -c "SELECT jsonb_patch_ops(doc, '$(ops 1)') = $(set_chain 1) FROM $tbl WHERE id = 1")
  [ "$same" = t ] || { echo "bench/wal.sh: jsonb_set and jsonb_patch_ops disagree" >&2; exit 1; }
done

# One psql script for the whole measurement, run in one session.  Each write
# is its own transaction between two readings of the insert position; \echo
# prints "compression variant round lsn_before lsn_after".  A round is one
# write of each statement, on the next of its rows; rounds up to 0 (one write
# of each row) are not counted.
script=$work/measure.sql
{
  echo '\o /dev/null'
  echo '\set ON_ERROR_STOP on'
  for comp in "${compressions[@]}"; do
    tbl=wal_$comp
    for ((round = 1 - rows_per_variant; round <= writes; round++)); do
      r=$(( round + rows_per_variant ))  # from 1
      for ((j = 0; j < ${#variants[@]}; j++)); do
        i=$(( (j + r) % ${#variants[@]} ))  # rotate the order
        v=${variants[i]}
        k=$(( r * 10 + j ))  # a new value for every write
        id=$(( i * rows_per_variant + 1 + r % rows_per_variant ))
        case $v in
          guarded | guarded_noop) echo "SELECT etag FROM $tbl WHERE id = $id \\gset" ;;
          rmw) echo "SELECT jsonb_patch_ops(doc, '$(ops "$k")')::text AS newdoc FROM $tbl WHERE id = $id \\gset" ;;
        esac
        echo 'SELECT pg_current_wal_insert_lsn() AS lsn0 \gset'
        case $v in
          patch_ops) echo "UPDATE $tbl SET doc = jsonb_patch_ops(doc, '$(ops "$k")') WHERE id = $id;" ;;
          guarded) echo "SELECT 1 FROM etag_guarded_update('$tbl', '$id', :'etag', '$(ops "$k")');" ;;
          jsonb_set) echo "UPDATE $tbl SET doc = $(set_chain "$k") WHERE id = $id;" ;;
          rmw)
            echo "BEGIN;"
            echo "SELECT doc FROM $tbl WHERE id = $id FOR UPDATE;"
            echo "UPDATE $tbl SET doc = :'newdoc' WHERE id = $id;"
            echo "COMMIT;" ;;
          guarded_noop) echo "SELECT 1 FROM etag_guarded_update('$tbl', '$id', :'etag', '$noop');" ;;
          update_noop) echo "UPDATE $tbl SET doc = jsonb_patch_ops(doc, '$noop') WHERE id = $id;" ;;
        esac
        echo 'SELECT pg_current_wal_insert_lsn() AS lsn1 \gset'
        printf '\\echo %s %s %s :lsn0 :lsn1\n' "$comp" "$v" "$round"
        # A no-op through the guarded update must not have written the row.
        [ "$v" != guarded_noop ] || echo "SELECT 1 / (etag = :'etag')::int FROM $tbl WHERE id = $id;"
      done
    done
  done
} >"$script"

log "measuring ($writes writes per statement, ${compressions[*]})"
psql -X -q -f "$script" >"$work/windows.txt"

# The windows of the counted rounds, as a table.
{
  echo "CREATE TEMP TABLE windows (comp text, variant text, round int, lsn0 pg_lsn, lsn1 pg_lsn);"
  echo "COPY windows FROM stdin;"
  awk '$3 > 0 {print $1 "\t" $2 "\t" $3 "\t" $4 "\t" $5}' "$work/windows.txt"
  echo '\.'
} >"$work/windows.sql"

label_sql="CASE variant
  WHEN 'patch_ops' THEN '\`UPDATE ... SET doc = jsonb_patch_ops(doc, \$ops)\`'
  WHEN 'guarded' THEN '\`etag_guarded_update(tbl, id, \$etag, \$ops)\`'
  WHEN 'jsonb_set' THEN '\`UPDATE ... SET doc = jsonb_set(jsonb_set(jsonb_set(doc, ...)))\`'
  WHEN 'rmw' THEN 'read-modify-write (\`SELECT ... FOR UPDATE\`, the whole changed document sent back)'
  WHEN 'guarded_noop' THEN 'no-op patch: \`etag_guarded_update\`'
  WHEN 'update_noop' THEN 'no-op patch: \`UPDATE ... SET doc = jsonb_patch_ops(doc, \$noop)\`'
END"
order_sql="array_position(ARRAY['patch_ops', 'guarded', 'jsonb_set', 'rmw', 'guarded_noop', 'update_noop'], variant)"

pgv=$(psql_q -At -c "SHOW server_version")
echo "# WAL bytes per write (50 KB document)"
echo
echo "PostgreSQL $pgv; docpatch $(git describe --always --dirty 2>/dev/null || echo unknown); $(date -u +%Y-%m-%d)."
echo "$writes writes per statement, each statement on $rows_per_variant rows of its own, after a write of each row"
echo "that is not counted; one session,"
echo "autovacuum off, no checkpoint during the measurement (no full-page images);"
psql_q -At -c "SELECT 'wal_level = ' || current_setting('wal_level') || ', full_page_writes = '
                      || current_setting('full_page_writes') || ', wal_compression = '
                      || current_setting('wal_compression') || '.'"
echo
echo "| TOAST | document stored | statement | WAL bytes per write, mean (min–max) |"
echo "|---|---|---|---:|"
for comp in "${compressions[@]}"; do
  psql_q -At -F '|' -f "$work/windows.sql" -c "
    WITH stored AS (
      SELECT a.attstorage, pg_column_compression(t.doc) AS method, pg_column_size(t.doc) AS bytes,
             octet_length(t.doc::text) AS text_bytes
      FROM wal_$comp t, pg_attribute a
      WHERE t.id = 1 AND a.attrelid = 'wal_$comp'::regclass AND a.attname = 'doc'),
    per_write AS (
      SELECT variant, pg_wal_lsn_diff(lsn1, lsn0) AS bytes FROM windows WHERE comp = '$comp')
    SELECT '', '$comp',
           CASE s.attstorage WHEN 'x' THEN 'EXTENDED' WHEN 'm' THEN 'MAIN' WHEN 'e' THEN 'EXTERNAL' ELSE 'PLAIN' END
             || ', ' || coalesce(s.method, 'not compressed') || ': '
             || round(s.bytes / 1024.0, 1) || ' KB of ' || round(s.text_bytes / 1024.0, 1) || ' KB of text',
           $label_sql,
           round(avg(w.bytes)) || ' (' || min(w.bytes) || '–' || max(w.bytes) || ')', ''
    FROM per_write w, stored s
    GROUP BY variant, s.attstorage, s.method, s.bytes, s.text_bytes
    ORDER BY $order_sql"
done
echo

if [ "$walinspect" = t ]; then
  echo "## What the WAL of one write is made of (records per write, mean bytes per write)"
  echo
  echo "| TOAST | statement | records per write | of which full-page images, B per write |"
  echo "|---|---|---|---:|"
  psql_q -At -F '|' -f "$work/windows.sql" -c "
    WITH recs AS (
      SELECT w.comp, w.variant, w.round, w.lsn0, r.resource_manager || ' ' || r.record_type AS kind,
             r.record_length, r.fpi_length
      FROM windows w, LATERAL pg_get_wal_records_info(w.lsn0, w.lsn1) r WHERE w.lsn1 > w.lsn0),
    writes AS (SELECT comp, variant, count(*) AS n FROM windows GROUP BY comp, variant),
    kinds AS (
      SELECT r.comp, r.variant, r.kind, count(*)::float8 / w.n AS per_write,
             sum(r.record_length)::float8 / w.n AS bytes, sum(r.fpi_length)::float8 / w.n AS fpi
      FROM recs r JOIN writes w USING (comp, variant)
      GROUP BY r.comp, r.variant, r.kind, w.n)
    SELECT '', comp, $label_sql,
           string_agg(round(per_write::numeric, 1) || ' × ' || kind || ' (' || round(bytes) || ' B)',
                      ', ' ORDER BY bytes DESC),
           round(sum(fpi)), ''
    FROM kinds
    GROUP BY comp, variant
    ORDER BY comp DESC, $order_sql"
  echo
  echo "Record lengths include their headers; the WAL position also advances over page headers, so"
  echo "the records' sum is a little below the bytes per write above."
fi
log "done"

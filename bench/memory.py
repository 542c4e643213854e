#!/usr/bin/python3
"""bench/memory.py: peak backend memory of one patch of a 1 MB document.

Each measurement runs in a fresh backend (a new connection), so that no
memory freed by an earlier statement is lying around in the backend's heap
to hide a new peak.  The backend first runs the same statement on a tiny
document (loading docpatch, filling the caches), then its peak resident set
size is reset (`echo 5 > /proc/PID/clear_refs` resets VmHWM to the current
VmRSS), the statement runs once on the 1 MB document, and the peak is read
back: peak growth = VmHWM after - VmRSS before, less the shared memory and
file pages the statement touched for the first time (RssShmem and RssFile
only grow while the backend lives, so their growth is measured exactly): what
remains is the backend's private memory.  The document is stored in a table
(TOASTed, pglz), so the peak includes fetching and decompressing it.

Needs to run as root or as the server's user (to write clear_refs).
Prints markdown rows.  Connects with the libpq environment (PGHOST, ...).
"""
import json
import sys

import psycopg2

OPS_1 = json.dumps([{"op": "replace", "path": "/status", "value": "closed"}])
OPS_10 = json.dumps(
    [
        {"op": "replace", "path": "/status", "value": "closed"},
        {"op": "replace", "path": "/priority", "value": 1},
        {"op": "incr", "path": "/version", "value": 1},
        {"op": "replace", "path": "/owner", "value": "user-7"},
        {"op": "replace", "path": "/updated_at", "value": "2024-06-01T00:00:00Z"},
        {"op": "replace", "path": "/title", "value": "a new title"},
        {"op": "replace", "path": "/config/theme", "value": "dark"},
        {"op": "replace", "path": "/references/0/meta/k", "value": 42},
        {"op": "add", "path": "/history/-", "value": {"at": "2024-06-01T00:00:00Z", "by": "user-3"}},
        {"op": "add", "path": "/assignee", "value": "user-3"},
    ]
)

# (label, statement on the tiny row (warm-up), statement on the 1 MB row)
CASES = [
    (
        "`jsonb_patch_ops`, 1 operation (`SELECT`)",
        "SELECT pg_column_size(jsonb_patch_ops(doc, %(ops1)s)) FROM mem_docs WHERE id = %(id)s",
    ),
    (
        "`jsonb_patch_ops`, 10 operations (`SELECT`)",
        "SELECT pg_column_size(jsonb_patch_ops(doc, %(ops10)s)) FROM mem_docs WHERE id = %(id)s",
    ),
    (
        "`UPDATE ... SET doc = jsonb_patch_ops(doc, ...)`, 1 operation",
        "UPDATE mem_docs SET doc = jsonb_patch_ops(doc, %(ops1)s) WHERE id = %(id)s",
    ),
    (
        "`jsonb_set`, 1 path (`SELECT`, for comparison)",
        "SELECT pg_column_size(jsonb_set(doc, '{status}', '\"closed\"')) FROM mem_docs WHERE id = %(id)s",
    ),
    (
        "`UPDATE ... SET doc = jsonb_set(doc, ...)`, 1 path (for comparison)",
        "UPDATE mem_docs SET doc = jsonb_set(doc, '{status}', '\"closed\"') WHERE id = %(id)s",
    ),
    (
        "`jsonb_shallow_merge` (`SELECT`)",
        "SELECT pg_column_size(jsonb_shallow_merge(doc, '{\"status\": \"closed\"}')) FROM mem_docs WHERE id = %(id)s",
    ),
    (
        "`jsonb_merge_patch` (`SELECT`)",
        "SELECT pg_column_size(jsonb_merge_patch(doc, '{\"status\": \"closed\", \"config\": {\"legacy\": null}}')) "
        "FROM mem_docs WHERE id = %(id)s",
    ),
]


def status(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssFile", "RssShmem"):
                values[key] = int(rest.split()[0]) * 1024
    return values


def measure(statement, reps):
    """Peak growth in bytes in `reps` fresh backends: (median, min, max)."""
    peaks = []
    for _ in range(reps):
        conn = psycopg2.connect("")
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("SET jit = off")
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
        params = {"ops1": OPS_1, "ops10": OPS_10}
        cur.execute(statement, dict(params, id=0))  # warm-up on the tiny document
        cur.fetchall() if cur.description else None
        before = status(pid)
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        cur.execute(statement, dict(params, id=1))
        cur.fetchall() if cur.description else None
        after = status(pid)
        # Pages of shared memory (buffers, WAL buffers) and of files that the
        # statement touched for the first time stay mapped: their growth is
        # not the backend's own memory, and it is still there after the
        # statement, so it can be subtracted exactly.
        shared = (after["RssShmem"] - before["RssShmem"]) + (after["RssFile"] - before["RssFile"])
        peaks.append(after["VmHWM"] - before["VmRSS"] - shared)
        conn.close()
    peaks.sort()
    return peaks[len(peaks) // 2], peaks[0], peaks[-1]


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET client_min_messages = warning")
    cur.execute("DROP TABLE IF EXISTS mem_docs")
    cur.execute("CREATE TABLE mem_docs (id int PRIMARY KEY, doc jsonb NOT NULL)")
    cur.execute("ALTER TABLE mem_docs ALTER COLUMN doc SET COMPRESSION pglz")
    cur.execute("INSERT INTO mem_docs VALUES (0, bench.doc(1, 0)), (1, bench.doc(bench.scale_for('1 MB'), 1))")
    cur.execute("SELECT pg_column_size(doc), octet_length(doc::text) FROM mem_docs WHERE id = 1")
    stored, text_size = cur.fetchone()
    cur.execute("SELECT pg_column_size(doc || '{}') FROM mem_docs WHERE id = 1")
    size = cur.fetchone()[0]  # the document's size in memory (detoasted)
    print(f"Document: {size / 1048576:.2f} MB as jsonb in memory ({text_size / 1048576:.2f} MB as text, "
          f"{stored / 1048576:.2f} MB stored with pglz).")
    print()
    print(f"Median of {reps} fresh backends (min-max).")
    print()
    print("| statement | peak backend memory | as a multiple of the document |")
    print("|---|---:|---:|")
    mb = 1048576
    for label, statement in CASES:
        peak, low, high = measure(statement, reps)
        print(f"| {label} | {peak / mb:.2f} MB ({low / mb:.2f}–{high / mb:.2f}) "
              f"| {peak / size:.2f}x ({low / size:.2f}–{high / size:.2f}) |")
    cur.execute("DROP TABLE mem_docs")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""docpatch from Python (psycopg2): upsert, patch with an etag, retry on conflict.

Connects with the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE).
"""
import json

import psycopg2
import psycopg2.errors

TABLE = "example_python_notes"


def patch_with_retry(conn, note_id, patch, etag, attempts=3):
    """Applies patch if the note still has `etag`; on a conflict (SQLSTATE
    DP011, HTTP 412) re-reads the current etag and tries again."""
    for _ in range(attempts):
        try:
            with conn, conn.cursor() as cur:
                cur.execute(
                    "SELECT etag, doc FROM etag_guarded_update(%s, %s, %s, %s::jsonb)",
                    (TABLE, note_id, etag, json.dumps(patch)),
                )
                return cur.fetchone()
        except psycopg2.Error as e:
            if e.pgcode != "DP011":
                raise
            print(f"  conflict ({e.pgcode}): {e.pgerror.splitlines()[0]} -> re-read and retry")
            with conn, conn.cursor() as cur:
                cur.execute(f"SELECT etag FROM {TABLE} WHERE id = %s", (note_id,))
                etag = cur.fetchone()[0]
    raise RuntimeError("gave up after repeated conflicts")


def main():
    conn = psycopg2.connect("")
    other = psycopg2.connect("")  # a second client, racing us
    with conn, conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cur.execute(f"CREATE TABLE {TABLE} (id text PRIMARY KEY, doc jsonb NOT NULL)")
        cur.execute("SELECT docpatch_enable(%s)", (TABLE,))

    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT inserted, etag FROM upsert_with_creation_ts(%s, %s, %s::jsonb)",
            (TABLE, "note-1", json.dumps({"title": "Hello", "tags": ["a"]})),
        )
        inserted, etag = cur.fetchone()
    print(f"upsert: inserted={inserted}")

    # Another client changes the note after we read its etag.
    with other, other.cursor() as cur:
        cur.execute(
            "SELECT etag FROM etag_guarded_update(%s, %s, NULL, %s::jsonb)",
            (TABLE, "note-1", json.dumps({"color": "blue"})),
        )

    ops = [{"op": "add_unique", "path": "/tags", "value": "b"}]
    new_etag, doc = patch_with_retry(conn, "note-1", ops, etag)
    assert new_etag != etag
    assert doc == {"title": "Hello", "tags": ["a", "b"], "color": "blue"}, doc
    print(f"patched: {json.dumps(doc, sort_keys=True)}")

    with conn, conn.cursor() as cur:
        cur.execute(f"DROP TABLE {TABLE}")
    print("python example: ok")


if __name__ == "__main__":
    main()

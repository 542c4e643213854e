#!/usr/bin/env python3
"""A Cosmos DB service's patch_item(...) calls, moved to PostgreSQL with docpatch.

The same operation lists, applied in the server with the etag check in the
same statement; no limit of 10 operations, no emulator fallback.  Runs with
psycopg2 or psycopg 3 (DOCPATCH_DRIVER=psycopg2 or psycopg; psycopg2 by
default) and connects with the libpq environment (PGHOST, PGPORT, ...).
"""
import importlib
import os
import sys
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "clients", "python"))
import docpatch  # noqa: E402

TABLE = "ground_truth_items"


def set_up(conn):
    with conn.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id text PRIMARY KEY, doc jsonb NOT NULL)")
        cur.execute("SELECT docpatch_enable(%s)", (TABLE,))


def patch_status(conn, item_id, status, etag=None, assigned_to=None, reviewed_at=None, updated_by=None):
    """Was: container.patch_item(item=..., patch_operations=ops, etag=etag,
    match_condition=MatchConditions.IfNotModified).  Raises
    docpatch.PreconditionFailed where Cosmos raised CosmosAccessConditionFailedError
    (412), docpatch.NotFound for CosmosResourceNotFoundError (404)."""
    now = datetime.now(timezone.utc).isoformat()
    ops = [{"op": "set", "path": "/status", "value": status},
           {"op": "set", "path": "/updatedAt", "value": now}]
    if assigned_to is not None:
        ops.append({"op": "set", "path": "/assignedTo", "value": assigned_to})
    if reviewed_at is not None:
        ops.append({"op": "set", "path": "/reviewedAt", "value": reviewed_at.isoformat()})
    if updated_by is not None:
        ops.append({"op": "set", "path": "/updatedBy", "value": updated_by})
    return docpatch.patch(conn, TABLE, item_id, ops, if_match=etag)


def edit_tags(conn, item_id, add=(), remove=()):
    """Tag edits as array operations: two editors adding tags both keep theirs."""
    ops = [{"op": "add_unique", "path": "/manualTags", "value": t} for t in add]
    ops += [{"op": "pull", "path": "/manualTags", "value": t} for t in remove]
    return docpatch.patch(conn, TABLE, item_id, ops)


def approve(conn, item_id, reviewer, attempts=3):
    """Read the item, decide, write only if nobody changed it meanwhile."""
    for _ in range(attempts):
        with conn.cursor() as cur:
            cur.execute(f"SELECT etag, doc FROM {TABLE} WHERE id = %s", (item_id,))
            etag, doc = cur.fetchone()
        if doc["status"] == "approved":
            return doc
        try:
            return patch_status(conn, item_id, "approved", etag=etag, assigned_to=reviewer,
                                reviewed_at=datetime.now(timezone.utc), updated_by=reviewer).doc
        except docpatch.PreconditionFailed:
            print(f"  {item_id} changed since it was read: reading it again")
    raise RuntimeError(f"{item_id}: gave up after {attempts} conflicting writes")


def main():
    driver = importlib.import_module(os.environ.get("DOCPATCH_DRIVER", "psycopg2"))
    conn = driver.connect("")
    conn.autocommit = True          # one statement, one transaction
    set_up(conn)
    docpatch.upsert(conn, TABLE, "gt-1", {"status": "draft", "question": "What is docpatch?",
                                          "manualTags": ["faq"]}, mode="replace")

    # A stale etag is refused: the 412 of Cosmos DB.
    etag = patch_status(conn, "gt-1", "in_review").etag
    patch_status(conn, "gt-1", "draft", etag=etag, updated_by="bot")   # somebody else writes
    try:
        patch_status(conn, "gt-1", "approved", etag=etag)
        raise AssertionError("a stale etag was accepted")
    except docpatch.PreconditionFailed as e:
        print(f"stale etag refused: {e.sqlstate} -> HTTP {e.http_status}")

    doc = approve(conn, "gt-1", "ann")
    assert (doc["status"], doc["assignedTo"], doc["updatedBy"]) == ("approved", "ann", "ann"), doc
    doc = edit_tags(conn, "gt-1", add=["reviewed", "faq"], remove=["draft-only"]).doc
    assert doc["manualTags"] == ["faq", "reviewed"], doc
    try:
        patch_status(conn, "gt-404", "approved")
        raise AssertionError("a missing item was patched")
    except docpatch.NotFound as e:
        print(f"missing item: {e.sqlstate} -> HTTP {e.http_status}")
    print(f"cosmos_patch ({driver.__name__}): ok")


if __name__ == "__main__":
    main()

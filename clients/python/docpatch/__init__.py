"""docpatch from Python: partial updates, If-Match and upserts in one statement.

Works with psycopg2 and psycopg 3 connections alike.  Every function runs one
statement on the connection it is given and leaves the transaction to the
caller (``with conn:`` in psycopg2, ``with conn.transaction():`` or autocommit
in psycopg 3).  The table is passed to the server as a ``regclass``
parameter, the column names as ``name`` parameters: no SQL is built from
them.  The docpatch functions must be on the connection's search_path.
"""
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, List, Optional, Tuple

from .errors import (SQLSTATES, DocpatchError, InvalidPatch, NotFound, PatchConflict,
                     PreconditionFailed, translate)

__all__ = ["Row", "patch", "upsert", "upsert_many", "SQLSTATES", "DocpatchError",
           "NotFound", "PreconditionFailed", "InvalidPatch", "PatchConflict"]


@dataclass(frozen=True)
class Row:
    """A row as the statement left it.  ``inserted`` is true only when an
    upsert created the row."""
    etag: str
    created_at: datetime
    updated_at: datetime
    doc: Any
    inserted: bool = False


_PATCH = ("SELECT false, etag, created_at, updated_at, doc FROM etag_guarded_update("
          "%s::regclass, %s::text, %s::text, %s::jsonb, %s::text, %s::name, %s::name)")
_UPSERT = ("SELECT inserted, etag, created_at, updated_at, doc FROM upsert_with_creation_ts("
           "%s::regclass, %s::text, %s::jsonb, %s::text, %s::name, %s::name)")
_UPSERT_MANY = ("SELECT inserted, etag, created_at, updated_at, doc FROM upsert_with_creation_ts("
                "%s::regclass, %s::jsonb, %s::text, %s::name, %s::name)")


def _rows(conn, sql, params) -> List[Row]:
    with conn.cursor() as cur:
        try:
            cur.execute(sql, params)
        except Exception as error:
            mapped = translate(error)
            if mapped is None:
                raise
            raise mapped from error
        return [Row(etag, created, updated, doc, inserted)
                for inserted, etag, created, updated, doc in cur.fetchall()]


def patch(conn, table: str, id, ops_or_merge, if_match: Optional[str] = None,
          kind: Optional[str] = None, *, key_column: str = "id", doc_column: str = "doc") -> Row:
    """Applies a JSON Patch (a list of operations) or a merge (a dict) to one
    row, if its etag is ``if_match``.

    ``if_match``: None updates unconditionally, ``"*"`` any existing row; an
    HTTP entity tag in double quotes is accepted as the header carries it.
    ``kind``: None (a list is ``"ops"``, a dict ``"merge"``), ``"ops"``,
    ``"merge"``, ``"deep_merge"``, ``"merge_patch"`` (RFC 7396) or ``"replace"``.
    Raises NotFound, PreconditionFailed, InvalidPatch or PatchConflict.
    """
    return _rows(conn, _PATCH, (table, str(id), if_match, json.dumps(ops_or_merge), kind,
                                key_column, doc_column))[0]


def upsert(conn, table: str, id, doc, mode: str = "merge", *,
           key_column: str = "id", doc_column: str = "doc") -> Row:
    """Creates the row or changes it with ``doc`` (``mode``: ``"merge"``,
    ``"deep_merge"``, ``"merge_patch"``, ``"replace"`` or ``"ops"``), in one
    statement that never changes ``created_at``."""
    return _rows(conn, _UPSERT, (table, str(id), json.dumps(doc), mode, key_column, doc_column))[0]


def upsert_many(conn, table: str, items: Iterable[Tuple[Any, Any]], mode: str = "merge", *,
                key_column: str = "id", doc_column: str = "doc") -> List[Row]:
    """Upserts ``(id, doc)`` pairs in one statement, atomically.  Several
    items for one id are applied in order; the result has one Row per id, in
    the order of each id's first item."""
    batch = json.dumps([{"id": id, "doc": doc} for id, doc in items])
    return _rows(conn, _UPSERT_MANY, (table, batch, mode, key_column, doc_column))

"""The exceptions docpatch's SQLSTATEs become.

The mapping is docs/sqlstates.md's, generated into sqlstates.json beside this
file by scripts/gen-client-sqlstates.  Errors with any other SQLSTATE are
re-raised as the driver's own exception.
"""
import json
import os

with open(os.path.join(os.path.dirname(__file__), "sqlstates.json"), encoding="utf-8") as _f:
    SQLSTATES = json.load(_f)["sqlstates"]


class DocpatchError(Exception):
    """A refusal by docpatch.

    sqlstate     the five-character SQLSTATE (``"DP011"``)
    http_status  the HTTP status an API should answer (412)
    message, detail, hint   the server's text (detail and hint may be None)
    The driver's exception is ``__cause__``.
    """

    def __init__(self, sqlstate, message, detail=None, hint=None):
        super().__init__(message)
        self.sqlstate = sqlstate
        self.http_status = SQLSTATES[sqlstate]["http"]
        self.message = message
        self.detail = detail
        self.hint = hint


class NotFound(DocpatchError):
    """DP010: no row with this id (or row-level security hides it)."""


class PreconditionFailed(DocpatchError):
    """DP011: If-Match did not match the row's current etag."""


class InvalidPatch(DocpatchError):
    """DP001, DP002, DP003, DP005: a malformed patch or argument, or a patch
    that does not apply to this document."""


class PatchConflict(DocpatchError):
    """DP004: a ``test`` operation found another value."""


_CLASSES = {c.__name__: c for c in (NotFound, PreconditionFailed, InvalidPatch, PatchConflict)}


def translate(error):
    """The DocpatchError for a psycopg2 or psycopg 3 error, or None when its
    SQLSTATE is not one of docpatch's (the caller re-raises it unchanged)."""
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    entry = SQLSTATES.get(sqlstate)
    if entry is None:
        return None
    diag = getattr(error, "diag", None)
    message = getattr(diag, "message_primary", None) or str(error).splitlines()[0]
    return _CLASSES[entry["exception"]](
        sqlstate, message,
        getattr(diag, "message_detail", None), getattr(diag, "message_hint", None))

_unknown = {e["exception"] for e in SQLSTATES.values()} - set(_CLASSES)
if _unknown:
    raise ImportError(f"sqlstates.json names exceptions this module lacks: {sorted(_unknown)}")

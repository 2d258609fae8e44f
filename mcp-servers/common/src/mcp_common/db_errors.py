"""Database failures that mean "not now" rather than "wrong", as the retryable `SERVICE_UNAVAILABLE`.

A tool whose database refuses writes (PostgreSQL with `default_transaction_read_only`, a hot
standby, a SQLite file opened read-only) or cannot be reached (refused connection, server shutting
down, a SQLite file locked or gone) answers with a message saying so, and that nothing was
changed, so that its caller keeps what it was about to do and tries again later. Every other
database error (a constraint violated, a bad statement) is left as it is: `IntegrityError` is what
a service catches for a duplicate, and a defect stays INTERNAL.

`Database.session()` and `Database.writing()` translate with `unavailable`.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from mcp_common.errors import ErrorCode, ServiceError

READ_ONLY = "the database accepts no changes right now (it is read-only), so nothing was changed; try again later"
UNREACHABLE = "the database cannot be reached right now, so nothing was changed; try again later"

_PG_READ_ONLY = {"25006"}  # read_only_sql_transaction
_PG_UNREACHABLE_CLASSES = ("08",)  # connection exceptions
_PG_UNREACHABLE = {"57P01", "57P02", "57P03", "53300"}  # shutdown, crash shutdown, cannot connect now, too many
_SQLITE_UNREACHABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN")


def unavailable(exc: BaseException) -> ServiceError | None:
    """The `SERVICE_UNAVAILABLE` that `exc` amounts to, or None when it is an error of another kind."""
    if isinstance(exc, ConnectionError):  # raised as it is by asyncpg when connecting
        return ServiceError(ErrorCode.SERVICE_UNAVAILABLE, UNREACHABLE)
    if not isinstance(exc, DBAPIError):
        return None
    code = _code(exc)
    if code in _PG_READ_ONLY or code.startswith("SQLITE_READONLY"):
        return ServiceError(ErrorCode.SERVICE_UNAVAILABLE, READ_ONLY)
    if (
        exc.connection_invalidated
        or code in _PG_UNREACHABLE
        or code.startswith(_PG_UNREACHABLE_CLASSES)
        or code.startswith(_SQLITE_UNREACHABLE)
    ):
        return ServiceError(ErrorCode.SERVICE_UNAVAILABLE, UNREACHABLE)
    return None


def _code(exc: DBAPIError) -> str:
    """PostgreSQL's SQLSTATE or SQLite's error name; empty when the driver gives neither."""
    for attribute in ("sqlstate", "sqlite_errorname"):
        value = getattr(exc.orig, attribute, None)
        if isinstance(value, str):
            return value
    return ""

"""A read-only database session, by construction, through SQLAlchemy.

Read-only at every level the database offers, so a bug in railsafe (or a query
someone adds later) cannot write:

- PostgreSQL: `SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY` and
  `default_transaction_read_only` right after connecting, and the transaction
  itself begun `READ ONLY` (psycopg's `read_only`); a `statement_timeout` bounds
  every query, lock waits included.
- MySQL / MariaDB: `SET SESSION TRANSACTION READ ONLY`, then `START TRANSACTION
  READ ONLY`; `max_execution_time` (MySQL) or `max_statement_time` (MariaDB).
- SQLite: the file opened with `mode=ro` through a URI, plus `PRAGMA query_only`;
  a progress handler interrupts a query past the timeout.

Nothing is ever committed: the transaction is rolled back at the end. Every
driver message is masked (`DbUrl.mask`) and put on one line before it leaves.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from railsafe.db import DbAccessError, DbUsageError
from railsafe.db.url import DbUrl, one_line

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def _install_hint(target: DbUrl) -> str:
    if target.extra:
        return f"pip install 'railsafe[{target.extra}]'"
    return f"pip install the {target.module} package"


def load_sqlalchemy(target: DbUrl) -> None:
    """Import SQLAlchemy and the driver now, or say on one line what to install."""
    try:
        importlib.import_module("sqlalchemy")
    except ImportError:
        raise DbUsageError(
            f"railsafe db needs SQLAlchemy, which is not installed: {_install_hint(target)}"
        ) from None
    try:
        importlib.import_module(target.module)
    except ImportError:
        raise DbUsageError(
            f"the {target.dialect} driver ({target.module}) is not installed: "
            f"{_install_hint(target)}"
        ) from None


@dataclass
class Session:
    """An open read-only connection, and how to bound a statement on it."""

    conn: Connection
    target: DbUrl
    statement_timeout: float

    @property
    def dialect(self) -> str:
        return self.target.dialect

    def quote(self, schema: str, table: str) -> str:
        prep = self.conn.dialect.identifier_preparer
        if self.dialect == "sqlite" and schema == "main":
            return str(prep.quote(table))
        return f"{prep.quote_schema(schema)}.{prep.quote(table)}"

    def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        with self._deadline():
            return [tuple(r) for r in self.conn.execute(text(sql), params)]

    def scalar(self, sql: str, **params: Any) -> Any:
        result = self.rows(sql, **params)
        return result[0][0] if result else None

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """A statement that may fail (timeout, no privilege) without ending the session:
        PostgreSQL aborts the whole transaction on an error unless a savepoint holds it."""
        if self.dialect != "postgresql":
            yield
            return
        with self.conn.begin_nested():
            yield

    @contextmanager
    def _deadline(self) -> Iterator[None]:
        """SQLite has no statement timeout: a progress handler interrupts the query."""
        if self.dialect != "sqlite" or self.statement_timeout <= 0:
            yield
            return
        raw = self.conn.connection.driver_connection
        end = time.monotonic() + self.statement_timeout
        raw.set_progress_handler(lambda: int(time.monotonic() > end), 10_000)  # type: ignore[union-attr]
        try:
            yield
        finally:
            raw.set_progress_handler(None, 0)  # type: ignore[union-attr]


def is_timeout(exc: BaseException) -> bool:
    """Was this error a statement cut short by the timeout?"""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) == "57014" or getattr(orig, "pgcode", None) == "57014":
        return True
    args = getattr(orig, "args", ())
    if args and args[0] in (3024, 1969):  # MySQL ER_QUERY_TIMEOUT, MariaDB's
        return True
    return "interrupted" in str(orig).lower()


def describe_error(exc: BaseException, target: DbUrl) -> str:
    """A driver error as one masked line, without SQLAlchemy's SQL echo and links."""
    orig = getattr(exc, "orig", None) or exc
    message = str(orig).split("\n[SQL:", 1)[0].split("\n(Background on this error", 1)[0]
    return target.mask(one_line(message) or orig.__class__.__name__)


def _sqlite_creator(target: DbUrl, timeout: float) -> Any:
    """A connect function that opens the file read-only (`mode=ro`), never creating it."""
    import sqlite3

    path_part = target.raw.partition("://")[2]
    path = path_part[1:] if path_part.startswith("/") else path_part
    path = path.partition("?")[0]
    if path in ("", ":memory:"):
        raise DbUsageError(f"{target.shown} is an empty in-memory database: "
                           "name a file (sqlite:///app.db, sqlite:////data/app.db)")
    file = Path(unquote(path))
    if not file.is_file():
        raise DbAccessError(f"no such SQLite database file: {file}")
    uri = f"file:{quote(str(file.resolve()))}?mode=ro"

    def creator() -> sqlite3.Connection:
        raw = sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)
        raw.execute("PRAGMA query_only = ON")
        return raw

    return creator


def _on_connect(dialect: str, statement_timeout: float) -> Any:
    """Per-connection setup run before anything else uses the connection."""
    ms = max(1, int(statement_timeout * 1000)) if statement_timeout > 0 else 0

    def setup(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        try:
            if dialect == "postgresql":
                cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                cur.execute("SET default_transaction_read_only = on")
                cur.execute(f"SET statement_timeout = {ms}")
                dbapi_conn.commit()  # keep the session settings (a rollback would undo them)
            elif dialect == "mysql":
                cur.execute("SET SESSION TRANSACTION READ ONLY")
                for stmt in (
                    f"SET SESSION max_execution_time = {ms}",  # MySQL, milliseconds
                    f"SET SESSION max_statement_time = {ms / 1000}",  # MariaDB, seconds
                ):
                    with suppress(Exception):  # the other server's variable
                        cur.execute(stmt)
        finally:
            cur.close()

    return setup


@contextmanager
def open_readonly(
    target: DbUrl, *, connect_timeout: float = 10, statement_timeout: float = 5
) -> Iterator[Session]:
    """A read-only session on `target`; every failure becomes a masked DbAccessError."""
    load_sqlalchemy(target)
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    kwargs: dict[str, Any] = {"poolclass": NullPool}
    if target.dialect == "postgresql":
        kwargs["connect_args"] = {
            # libpq's minimum is 2 seconds
            "connect_timeout": max(2, round(connect_timeout)),
            "application_name": "railsafe",
        }
        kwargs["execution_options"] = {"postgresql_readonly": True}
    elif target.dialect == "mysql":
        kwargs["connect_args"] = {"connect_timeout": max(1, round(connect_timeout))}
    else:
        kwargs["creator"] = _sqlite_creator(target, connect_timeout)
    try:
        engine = create_engine(target.sqlalchemy_url, **kwargs)
    except (ArgumentError, ValueError) as exc:  # a malformed URL (a port that is no number)
        raise DbUsageError(f"cannot use database URL {target.shown}: {describe_error(exc, target)}"
                           ) from None
    except ImportError:
        raise DbUsageError(f"the {target.dialect} driver is not installed: "
                           f"{_install_hint(target)}") from None
    event.listen(engine, "connect", _on_connect(target.dialect, statement_timeout))
    try:
        with engine.connect() as conn:
            if target.dialect == "mysql":
                conn.exec_driver_sql("START TRANSACTION READ ONLY")
            try:
                yield Session(conn, target, statement_timeout)
            finally:
                conn.rollback()  # nothing to keep; never a commit
    except SQLAlchemyError as exc:
        raise DbAccessError(describe_error(exc, target)) from None
    finally:
        engine.dispose()

"""What is in the database: tables, their row counts, and migration versions.

Counting policy (documented in docs/db.md):

- the statistics' estimate is read first, for every table at once (PostgreSQL
  `pg_class.reltuples`; MySQL `information_schema.tables.table_rows`; SQLite
  has none);
- a table whose estimate is above `exact_threshold` rows is not scanned: the
  estimate is its count, marked `"estimate"`;
- every other table (a PostgreSQL table never analysed included: its planner
  guess from the file size is far off for small tables) is counted exactly,
  `count(*)` under the statement timeout;
- an exact count cut short by the timeout falls back to the estimate (on
  PostgreSQL, `EXPLAIN`'s when the table was never analysed), marked
  `"estimate-after-timeout"`; without any estimate the table has no count.

`at_least` answers "are there at least N rows?" exactly, scanning at most N
rows, which is what `verify` needs whatever the table's size.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from railsafe.db.connect import Session, describe_error, is_timeout

# methods a row count can come from
EXACT = "exact"
ESTIMATE = "estimate"
ESTIMATE_AFTER_TIMEOUT = "estimate-after-timeout"
UNCOUNTED = "uncounted"


@dataclass
class Table:
    schema: str
    name: str
    estimate: int | None = None
    readable: bool = True
    rows: int | None = None
    method: str = UNCOUNTED
    note: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": self.schema,
            "name": self.name,
            "rows": self.rows,
            "method": self.method,
        }
        if self.note:
            out["note"] = self.note
        return out


def server_version(db: Session) -> str | None:
    sql = {"postgresql": "SHOW server_version", "mysql": "SELECT VERSION()",
           "sqlite": "SELECT sqlite_version()"}[db.dialect]
    value = db.scalar(sql)
    return None if value is None else str(value)


def default_schema(db: Session) -> str:
    """Where a bare table name is looked up first."""
    if db.dialect == "postgresql":
        return str(db.scalar("SELECT current_schema()") or "public")
    if db.dialect == "mysql":
        return str(db.scalar("SELECT DATABASE()") or "")
    return "main"


def database_name(db: Session) -> str | None:
    if db.dialect == "postgresql":
        return str(db.scalar("SELECT current_database()"))
    if db.dialect == "mysql":
        value = db.scalar("SELECT DATABASE()")
        return None if value is None else str(value)
    return None


_PG_TABLES = """
SELECT n.nspname, c.relname, c.reltuples::bigint, has_table_privilege(c.oid, 'SELECT')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY 1, 2
"""
_MYSQL_TABLES = """
SELECT table_schema, table_name, table_rows FROM information_schema.tables
WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'
ORDER BY 1, 2
"""
_SQLITE_TABLES = """
SELECT 'main', name, NULL FROM sqlite_master
WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY 2
"""


def list_tables(db: Session) -> list[Table]:
    """Every user table with the planner's estimate of its rows (None: no estimate)."""
    if db.dialect == "postgresql":
        tables = []
        for schema, name, reltuples, readable in db.rows(_PG_TABLES):
            # -1: never vacuumed or analysed (see `estimate` for the planner's guess)
            estimate = int(reltuples) if reltuples >= 0 else None
            tables.append(Table(str(schema), str(name), estimate, readable=bool(readable)))
        return tables
    sql = _MYSQL_TABLES if db.dialect == "mysql" else _SQLITE_TABLES
    return [
        Table(str(schema), str(name), None if rows is None else int(rows))
        for schema, name, rows in db.rows(sql)
    ]


def estimate(db: Session, table: Table) -> int | None:
    """The statistics' estimate, else (PostgreSQL) the planner's guess from the table's size."""
    if table.estimate is not None or db.dialect != "postgresql" or not table.readable:
        return table.estimate
    try:
        with db.attempt():
            ref = db.quote(table.schema, table.name)
            plan = db.scalar(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {ref}")
    except Exception:  # no estimate is not an error: the exact count follows
        return None
    data = json.loads(plan) if isinstance(plan, str) else plan
    return int(data[0]["Plan"]["Plan Rows"])


def count_rows(db: Session, tables: list[Table], exact_threshold: int) -> None:
    """Fill in `rows` and `method` for each table (see the module's counting policy)."""
    from sqlalchemy.exc import SQLAlchemyError

    for table in tables:
        if not table.readable:
            table.note = "no SELECT privilege"
            continue
        if table.estimate is not None and table.estimate > exact_threshold:
            table.rows, table.method = table.estimate, ESTIMATE
            continue
        try:
            with db.attempt():
                ref = db.quote(table.schema, table.name)
                table.rows = int(db.scalar(f"SELECT count(*) FROM {ref}"))
            table.method = EXACT
        except SQLAlchemyError as exc:
            if not is_timeout(exc):
                table.note = describe_error(exc, db.target)
            else:
                table.note = f"count(*) took longer than {db.statement_timeout:g} s"
                guess = estimate(db, table)
                if guess is not None:
                    table.rows, table.method = guess, ESTIMATE_AFTER_TIMEOUT


def at_least(db: Session, table: Table, n: int) -> tuple[int | None, bool]:
    """min(rows, n), counted exactly by scanning at most n rows; (None, True) if that
    timed out (the caller falls back to the estimate). The bool says "timed out"."""
    from sqlalchemy.exc import SQLAlchemyError

    if n <= 0:
        return 0, False
    ref = db.quote(table.schema, table.name)
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {ref} LIMIT {int(n)}) AS railsafe_rows"
    try:
        with db.attempt():
            return int(db.scalar(sql)), False
    except SQLAlchemyError as exc:
        if is_timeout(exc):
            return None, True
        raise


def migrations(db: Session, tables: list[Table]) -> list[dict[str, Any]]:
    """Alembic, Django and Prisma migration state, from their own tables where they exist."""
    from sqlalchemy.exc import SQLAlchemyError

    found: list[dict[str, Any]] = []
    for table in tables:
        reader = _MIGRATION_READERS.get(table.name)
        if reader is None or not table.readable:
            continue
        try:
            with db.attempt():
                entry = reader(db, db.quote(table.schema, table.name))
        except SQLAlchemyError as exc:
            entry = {"tool": _TOOLS[table.name], "error": describe_error(exc, db.target)}
        found.append({"tool": _TOOLS[table.name], "schema": table.schema, **entry})
    return found


def _alembic(db: Session, ref: str) -> dict[str, Any]:
    versions = sorted(str(v) for (v,) in db.rows(f"SELECT version_num FROM {ref}"))
    return {"version": ", ".join(versions) or None, "heads": versions}


def _django(db: Session, ref: str) -> dict[str, Any]:
    latest: dict[str, str] = {}
    last = None
    rows = db.rows(f"SELECT app, name FROM {ref} ORDER BY id")
    for app, name in rows:
        latest[str(app)] = str(name)
        last = f"{app}.{name}"
    return {"version": last, "applied": len(rows), "latest": latest}


def _prisma(db: Session, ref: str) -> dict[str, Any]:
    rows = db.rows(
        f"SELECT migration_name, finished_at, rolled_back_at FROM {ref} "
        "ORDER BY started_at, migration_name"
    )
    applied = [str(r[0]) for r in rows if r[1] is not None and r[2] is None]
    unfinished = [str(r[0]) for r in rows if r[1] is None and r[2] is None]
    return {
        "version": max(applied) if applied else None,
        "applied": len(applied),
        "unfinished": unfinished,
    }


_TOOLS = {"alembic_version": "alembic", "django_migrations": "django",
          "_prisma_migrations": "prisma"}
_MIGRATION_READERS = {"alembic_version": _alembic, "django_migrations": _django,
                      "_prisma_migrations": _prisma}


def migration_label(entry: dict[str, Any]) -> str:
    """`alembic 3f2a1b`, `django 42 applied`, `prisma 20240101_init` for the summary."""
    tool = entry["tool"]
    if entry.get("error"):
        return f"{tool} (unreadable)"
    if tool == "django":
        return f"django {entry.get('version') or 'none'} ({entry.get('applied', 0)} applied)"
    return f"{tool} {entry.get('version') or 'none'}"

"""`railsafe db snapshot`: a record of the database's state, as versioned JSON.

Format `railsafe-db-snapshot`, version 1 (docs/db.md). Fields may be added;
none is renamed or removed without a new version, so `verify --against` keeps
reading old snapshots.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from railsafe import __version__
from railsafe.db import DbUsageError
from railsafe.db.connect import Session
from railsafe.db.tables import (
    EXACT,
    Table,
    count_rows,
    database_name,
    list_tables,
    migration_label,
    migrations,
    server_version,
)
from railsafe.db.url import RailwayContext

FORMAT = "railsafe-db-snapshot"
VERSION = 1


def take(db: Session, railway: RailwayContext, *, exact_threshold: int) -> dict[str, Any]:
    """Tables, row counts and migration versions, read through the read-only session."""
    tables = list_tables(db)
    count_rows(db, tables, exact_threshold)
    return {
        "format": FORMAT,
        "version": VERSION,
        "taken_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "railsafe": __version__,
        "database": {
            "url": db.target.shown,
            "dialect": db.dialect,
            "name": database_name(db),
            "server_version": server_version(db),
        },
        "railway": railway.as_json(),
        "counting": {
            "exact_count_threshold": exact_threshold,
            "statement_timeout_seconds": db.statement_timeout,
        },
        "tables": [t.as_json() for t in tables],
        "migrations": migrations(db, tables),
    }


def summary(snap: dict[str, Any], railway: RailwayContext, output: str | None) -> str:
    """The one line a deploy log shows: what, where, how much, which migration."""
    tables = snap["tables"]
    schemas = {t["schema"] for t in tables}
    total = sum(t["rows"] or 0 for t in tables)
    estimated = sum(1 for t in tables if t["rows"] is not None and t["method"] != EXACT)
    uncounted = sum(1 for t in tables if t["rows"] is None)
    parts = [
        f"{len(tables)} table{'s' if len(tables) != 1 else ''} in {len(schemas)} "
        f"schema{'s' if len(schemas) != 1 else ''}, {total:,} rows"
    ]
    if estimated:
        parts[0] += f" ({estimated} estimated)"
    if uncounted:
        parts.append(f"{uncounted} not counted")
    labels = [migration_label(m) for m in snap["migrations"]]
    parts.append("migrations: " + (", ".join(labels) if labels else "none found"))
    if output:
        parts.append(f"written to {output}")
    db = snap["database"]
    return (f"railsafe db snapshot: {db['url']} ({db['dialect']}, {railway.describe()}): "
            + "; ".join(parts))


def write(snap: dict[str, Any], path: Path) -> None:
    try:
        path.write_text(json.dumps(snap, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise DbUsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def load(path: Path) -> dict[str, Any]:
    """A snapshot file, checked enough that `verify` can rely on its shape."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DbUsageError(f"no such snapshot file: {path}") from None
    except OSError as exc:
        raise DbUsageError(f"cannot read snapshot {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DbUsageError(f"{path}: not a railsafe snapshot (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DbUsageError(f"{path}: not a railsafe snapshot (no \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise DbUsageError(
            f"{path}: snapshot version {data.get('version')!r}; "
            f"this railsafe reads version {VERSION}"
        )
    tables = data.get("tables")
    if not isinstance(tables, list) or not all(
        isinstance(t, dict) and isinstance(t.get("schema"), str) and isinstance(t.get("name"), str)
        and (t.get("rows") is None or (isinstance(t.get("rows"), int)
                                       and not isinstance(t.get("rows"), bool)))
        for t in tables
    ):
        raise DbUsageError(f"{path}: malformed snapshot (\"tables\")")
    return data


def snapshot_tables(data: dict[str, Any]) -> list[Table]:
    return [
        Table(t["schema"], t["name"], rows=t["rows"], method=str(t.get("method", EXACT)))
        for t in data["tables"]
    ]

"""Settings of `railsafe db`: `[tool.railsafe.db]` in pyproject.toml, `[db]` in railsafe.toml.

    [tool.railsafe.db]
    database-url-env = "DATABASE_URL"        # the variable holding the URL
    min-rows = { users = 1, clinics = 1 }     # or ["users=1", "clinics=1"]
    expect-tables = ["users", "clinics"]      # must exist
    against = "db-snapshot.json"              # relative to this settings file
    max-drop = "10%"                          # or a number of rows: 500
    exact-count-threshold = 1000000           # estimated rows above which the estimate is used
    statement-timeout = 5                     # seconds, every query
    connect-timeout = 10                      # seconds

A command-line option replaces the file's value for that key (`--min-rows` the
whole `min-rows` table). `railsafe.config` reads the file; this module checks
the `db` table's keys and values, so only the `db` commands pay for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from railsafe.db import DbUsageError

KEYS = (
    "database-url-env", "min-rows", "expect-tables", "against", "max-drop",
    "exact-count-threshold", "statement-timeout", "connect-timeout",
)


@dataclass(frozen=True)
class MaxDrop:
    """How much a table may shrink since the snapshot: a percentage, or a number of rows."""

    value: float
    percent: bool

    def allowed(self, before: int) -> int:
        """Rows that may go from a table that had `before`."""
        if self.percent:
            return math.floor(before * self.value / 100)
        return int(self.value)

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.percent else f"{int(self.value)} rows"


@dataclass
class DbSettings:
    database_url_env: str = "DATABASE_URL"
    min_rows: dict[str, int] = field(default_factory=dict)
    expect_tables: list[str] = field(default_factory=list)
    against: Path | None = None
    max_drop: MaxDrop = field(default_factory=lambda: MaxDrop(10, True))
    exact_count_threshold: int = 1_000_000
    statement_timeout: float = 5.0
    connect_timeout: float = 10.0
    source: Path | None = None


def parse_min_rows(values: list[str], where: str = "--min-rows") -> dict[str, int]:
    """`users=1,clinics=1` (repeatable); a bare `users` means at least 1 row."""
    out: dict[str, int] = {}
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            name, eq, number = part.partition("=")
            name = name.strip()
            if not name:
                raise DbUsageError(f"{where}: {part!r} names no table (write TABLE=N)")
            out[name] = _count(number.strip(), f"{where} {name}") if eq else 1
    return out


def _count(text: str, where: str) -> int:
    try:
        n = int(text.replace("_", ""))
    except ValueError:
        raise DbUsageError(f"{where}: {text!r} is not a whole number of rows") from None
    if n < 0:
        raise DbUsageError(f"{where}: {n} is negative")
    return n


def parse_max_drop(text: str, where: str = "--max-drop") -> MaxDrop:
    """`10%` (of each table's rows in the snapshot) or `500` (rows)."""
    value = text.strip()
    if value.endswith("%"):
        try:
            pct = float(value[:-1])
        except ValueError:
            raise DbUsageError(f"{where}: {text!r} is not a percentage like 10%") from None
        if not 0 <= pct <= 100 or math.isnan(pct):
            raise DbUsageError(f"{where}: {text!r} must be between 0% and 100%")
        return MaxDrop(pct, True)
    return MaxDrop(_count(value, where), False)


def parse_seconds(value: Any, where: str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise DbUsageError(f"{where}: {value!r} is not a number of seconds") from None
    if not seconds > 0 or math.isinf(seconds):
        raise DbUsageError(f"{where}: must be more than 0 seconds")
    return seconds


def split_list(values: list[str]) -> list[str]:
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def from_table(path: Path | None, table: dict[str, Any]) -> DbSettings:
    """Validated settings from the raw `db` table (errors name the file)."""
    where = f"{path}: [db]" if path else "[db]"
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise DbUsageError(f"{where}: unknown setting(s): {', '.join(unknown)}")
    s = DbSettings(source=path)
    if "database-url-env" in table:
        name = table["database-url-env"]
        if not isinstance(name, str) or not name.strip():
            raise DbUsageError(f"{where}: `database-url-env` must be a variable name")
        s.database_url_env = name.strip()
    if "min-rows" in table:
        raw = table["min-rows"]
        if isinstance(raw, dict):
            s.min_rows = {str(k): _int_setting(v, f"{where} min-rows.{k}") for k, v in raw.items()}
        elif isinstance(raw, str | list) and all(isinstance(v, str) for v in _listify(raw)):
            s.min_rows = parse_min_rows(_listify(raw), f"{where} min-rows")
        else:
            raise DbUsageError(f"{where}: `min-rows` must be a table like {{ users = 1 }}")
    if "expect-tables" in table:
        raw = table["expect-tables"]
        if not (isinstance(raw, str | list) and all(isinstance(v, str) for v in _listify(raw))):
            raise DbUsageError(f"{where}: `expect-tables` must be a list of table names")
        s.expect_tables = split_list(_listify(raw))
    if "against" in table:
        raw = table["against"]
        if not isinstance(raw, str) or not raw.strip():
            raise DbUsageError(f"{where}: `against` must be a snapshot file path")
        s.against = (path.parent / raw) if path else Path(raw)
    if "max-drop" in table:
        raw = table["max-drop"]
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise DbUsageError(f"{where}: `max-drop` must be like \"10%\" or a number of rows")
        s.max_drop = parse_max_drop(str(raw), f"{where} max-drop")
    if "exact-count-threshold" in table:
        s.exact_count_threshold = _int_setting(
            table["exact-count-threshold"], f"{where} exact-count-threshold")
    for key in ("statement-timeout", "connect-timeout"):
        if key in table:
            setattr(s, key.replace("-", "_"), parse_seconds(table[key], f"{where} {key}"))
    return s


def _listify(raw: str | list[Any]) -> list[Any]:
    return [raw] if isinstance(raw, str) else raw


def _int_setting(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DbUsageError(f"{where}: must be a whole number, 0 or more")
    return value

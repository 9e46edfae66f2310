"""`railsafe db verify`: does the database still hold what it should?

Three kinds of check, each naming the table that fails it:

- `min-rows`: the table exists and has at least N rows;
- `expect-tables`: the table exists;
- `against` a snapshot: every table of the snapshot still exists and has lost no
  more than `max-drop` of the rows it had then.

Row checks ask "at least N rows?" exactly (`tables.at_least`, scanning at most
N rows), never a stale estimate: a table emptied by `DELETE` keeps its planner
estimate until the next ANALYZE, and the estimate must not hide that. Only when
even that bounded count exceeds the statement timeout is the estimate used,
and the message says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from railsafe.db import DbUsageError
from railsafe.db.connect import Session, describe_error
from railsafe.db.settings import MaxDrop
from railsafe.db.snapshot import snapshot_tables
from railsafe.db.tables import Table, at_least, default_schema, estimate, list_tables


@dataclass
class Outcome:
    checks: int = 0
    tables: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def resolve(name: str, tables: list[Table], default: str) -> Table | None:
    """The table `name` means: `schema.table`, or a bare name in the default schema
    first, else in the one schema that has it; case-insensitive only as a last resort."""
    schema, dot, bare = name.rpartition(".")
    for fold in (False, True):
        def same(a: str, b: str, fold: bool = fold) -> bool:
            return a.lower() == b.lower() if fold else a == b

        if dot:
            found = [t for t in tables if same(t.schema, schema) and same(t.name, bare)]
        else:
            found = [t for t in tables if t.schema == default and same(t.name, name)]
            found = found or [t for t in tables if same(t.name, name)]
        if len(found) > 1:
            where = ", ".join(t.qualified for t in found)
            raise DbUsageError(f"table name {name!r} is ambiguous ({where}): write schema.table")
        if found:
            return found[0]
    return None


class _Checker:
    def __init__(self, db: Session, out: Outcome) -> None:
        self.db = db
        self.out = out
        self.tables = list_tables(db)
        self.default = default_schema(db)

    def label(self, table: Table) -> str:
        return table.name if table.schema == self.default else table.qualified

    def has_at_least(self, table: Table, n: int) -> tuple[bool, str]:
        """(passes, current rows as text) for "at least n rows"; a problem if unreadable."""
        from sqlalchemy.exc import SQLAlchemyError

        try:
            got, timed_out = at_least(self.db, table, n)
        except SQLAlchemyError as exc:
            return False, f"cannot be read ({describe_error(exc, self.db.target)})"
        if not timed_out and got is not None:
            return got >= n, f"{got:,} row{'s' if got != 1 else ''}"
        est = estimate(self.db, table)
        self.out.notes.append(
            f"{self.label(table)}: counting {n:,} row{'s' if n != 1 else ''} took longer than "
            f"{self.db.statement_timeout:g} s; the planner's estimate "
            f"({'none' if est is None else f'{est:,}'}) was used"
        )
        if est is None:
            return False, f"not counted within {self.db.statement_timeout:g} s"
        return est >= n, f"about {est:,} rows (estimated)"


def verify(
    db: Session,
    *,
    min_rows: dict[str, int],
    expect_tables: list[str],
    against: dict[str, Any] | None,
    against_name: str,
    max_drop: MaxDrop,
) -> Outcome:
    """Run every check; problems are messages naming the failing table."""
    out = Outcome()
    c = _Checker(db, out)
    for name in expect_tables:
        out.checks += 1
        out.tables.add(name)
        if resolve(name, c.tables, c.default) is None:
            out.problems.append(f"{name}: no such table (expect-tables)")
    for name, n in min_rows.items():
        out.checks += 1
        out.tables.add(name)
        table = resolve(name, c.tables, c.default)
        if table is None:
            out.problems.append(f"{name}: no such table (min-rows {name}={n})")
            continue
        ok, shown = c.has_at_least(table, n)
        if not ok:
            out.problems.append(f"{name}: {shown}, fewer than the {n:,} required (min-rows)")
    if against is not None:
        current = {(t.schema, t.name): t for t in c.tables}
        for before in snapshot_tables(against):
            out.checks += 1
            out.tables.add(before.qualified)
            label = c.label(before)
            had = "" if before.rows is None else f" (it had {before.rows:,} rows in {against_name})"
            now = current.get((before.schema, before.name))
            if now is None:
                out.problems.append(f"{label}: table is gone{had}")
                continue
            if not before.rows:
                continue
            need = before.rows - max_drop.allowed(before.rows)
            if need <= 0:
                continue
            ok, shown = c.has_at_least(now, need)
            if not ok:
                estimated = ", estimated" if before.method != "exact" else ""
                out.problems.append(
                    f"{label}: {shown}, down from {before.rows:,}{estimated} in {against_name}: "
                    f"more than the {max_drop} allowed (at least {need:,} must remain)"
                )
    return out

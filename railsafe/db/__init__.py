"""`railsafe db`: a read-only look at a live database, to stop a deploy when data vanished.

`snapshot` records what is there (tables, row counts, migration versions);
`verify` checks the current state against rules and a snapshot. Both open the
database read-only by construction (see `railsafe.db.connect`).

Only `railsafe.db.cli` and `railsafe.db.url` are light (standard library):
SQLAlchemy and the driver load when a command runs, so `railsafe check` and a
production image that only runs the guard stay fast.
"""

from __future__ import annotations


class DbUsageError(Exception):
    """The command cannot run as asked (no URL, no driver, bad value): exit 2."""


class DbAccessError(Exception):
    """The database could not be reached or queried (refused, timeout, bad password): exit 4."""

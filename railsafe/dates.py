"""The one place dates come from: platform cutoffs, and what "today" is.

Dated rules read `today()` through the check's `Context`; nothing else in
railsafe calls `datetime.date.today()`. `--today YYYY-MM-DD` or the
`RAILSAFE_TODAY` environment variable (same format) pin the date, so that a
test suite, a CI run or a reproduction of an old report evaluates the rules
as of a fixed day.
"""

from __future__ import annotations

import datetime as dt
import os

# Railway stops reading railway.toml / railway.json on this day
# (railway-facts §1.1; railway-iac.md §5, §6: "Existing files keep working until 2026-12-01")
CONFIG_AS_CODE_CUTOFF = dt.date(2026, 12, 1)

TODAY_VARIABLE = "RAILSAFE_TODAY"


class DateError(ValueError):
    """A date that is not YYYY-MM-DD (a usage error)."""


def parse_day(text: str, origin: str = "--today") -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DateError(f"{origin} wants YYYY-MM-DD, got {text!r}") from None


def today() -> dt.date:
    """`RAILSAFE_TODAY` when set, else the system date."""
    pinned = os.environ.get(TODAY_VARIABLE, "").strip()
    if pinned:
        return parse_day(pinned, TODAY_VARIABLE)
    return dt.date.today()


def reads_config_as_code(day: dt.date) -> bool:
    """Whether Railway still applies railway.toml / railway.json on `day`."""
    return day < CONFIG_AS_CODE_CUTOFF

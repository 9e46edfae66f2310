"""Shared test helpers."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
SHARED = REPO.parent / "shared"
# Fixed "today" for dated rules, so fixtures do not change meaning over time:
# after Railway's Config as Code cutoff (railsafe.dates), as a user sees it now.
# Cases that change at the cutoff also run on BEFORE_CUTOFF.
TODAY = dt.date(2026, 12, 4)
BEFORE_CUTOFF = dt.date(2026, 11, 26)
# Every Context, CLI run and subprocess the tests start evaluates dated rules on
# TODAY unless a test passes its own date (railsafe.dates.today reads this).
os.environ["RAILSAFE_TODAY"] = TODAY.isoformat()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES

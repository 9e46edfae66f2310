"""Shared test helpers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
SHARED = REPO.parent / "shared"
# Fixed "today" for dated rules, so fixtures do not change meaning over time.
TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES

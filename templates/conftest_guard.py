"""A test-database guard to paste at the top of your `tests/conftest.py`.

It refuses to run the suite when the database URL it would use is not a test
database: running on Railway, a Railway host, or a database name without
"test". railsafe's pytest plugin does the same for every session once railsafe
is installed in your test dependencies; this copy is for projects that cannot
add the dependency.
"""

import os
import re
from urllib.parse import urlsplit

import pytest

RAILWAY_HOST = re.compile(
    r"(\.railway\.internal|\.proxy\.rlwy\.net|\.rlwy\.net|^containers-[a-z]+-[a-z]+-\d+\.railway\.app)$"
)

# Never fall back to DATABASE_URL: on Railway that is production.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def _refuse(reason: str) -> None:
    pytest.exit(f"refusing to run tests: {reason}", returncode=4)


if any(os.environ.get(v) for v in ("RAILWAY_ENVIRONMENT_NAME", "RAILWAY_ENVIRONMENT", "RAILWAY_PROJECT_ID")):
    _refuse("running inside a Railway environment")
if not TEST_DATABASE_URL:
    _refuse("TEST_DATABASE_URL is not set")
_parts = urlsplit(TEST_DATABASE_URL)
if RAILWAY_HOST.search(_parts.hostname or ""):
    _refuse(f"TEST_DATABASE_URL points at a Railway host ({_parts.hostname})")
if "test" not in _parts.path.lower():
    _refuse("TEST_DATABASE_URL names a database without 'test' in its name")

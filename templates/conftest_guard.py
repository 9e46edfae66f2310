"""A test-database guard to paste into your top-level `conftest.py` (or `tests/conftest.py`).

It refuses to run the suite, with one clean `ERROR:` line and exit code 4, when
the database the tests use is not a test database: when it runs inside a Railway
environment, when TEST_DATABASE_URL is missing, points at a Railway host or names
a database without "test" in its name. railsafe's pytest plugin does the same
(and more) for every session once railsafe is installed in your test
dependencies; this copy is for projects that cannot add the dependency.

The check runs in pytest hooks, before any fixture or test: at session start for
a conftest.py pytest loads at start-up (the rootdir's, or `tests/conftest.py`),
otherwise once collection is done. Keep destructive code out of module level.
"""

import os
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

# Any of these set means "this process runs on Railway" (the same list as railsafe's plugin).
RAILWAY_VARIABLES = (
    "RAILWAY_ENVIRONMENT_NAME", "RAILWAY_ENVIRONMENT", "RAILWAY_ENVIRONMENT_ID",
    "RAILWAY_PROJECT_ID", "RAILWAY_PROJECT_NAME", "RAILWAY_SERVICE_ID", "RAILWAY_SERVICE_NAME",
    "RAILWAY_DEPLOYMENT_ID", "RAILWAY_REPLICA_ID", "RAILWAY_SNAPSHOT_ID", "RAILWAY_PRIVATE_DOMAIN",
)
RAILWAY_HOST = re.compile(
    r"(\.railway\.internal|^railway\.internal|\.rlwy\.net"
    r"|^containers-[a-z]+-[a-z]+-\d+\.railway\.app)$"
)
# Never fall back to DATABASE_URL: on Railway that is production.
URL_VARIABLE = "TEST_DATABASE_URL"


def _refusal():
    """Why this session must not run, or None."""
    railway = [name for name in RAILWAY_VARIABLES if os.environ.get(name)]
    if railway:
        return f"running inside a Railway environment ({', '.join(railway)} set)"
    url = os.environ.get(URL_VARIABLE, "").strip()
    if not url:
        return f"{URL_VARIABLE} is not set"
    if "://" not in url:
        return f"{URL_VARIABLE} is not a database URL"
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if parts.scheme.startswith("sqlite"):
        path = unquote(parts.path).lstrip("/")
        if path in ("", ":memory:") or "memory" in query.get("mode", []) or "test" in path.lower():
            return None
        return f"{URL_VARIABLE} names a SQLite file without 'test' in its path"
    hosts = [h.rsplit(":", 1)[0] for h in parts.netloc.rpartition("@")[2].split(",")]
    hosts += [h for key in ("host", "hostaddr") for v in query.get(key, []) for h in v.split(",")]
    railway_hosts = [h for h in hosts if RAILWAY_HOST.search(h.lower().rstrip("."))]
    if railway_hosts:
        return f"{URL_VARIABLE} points at a Railway host ({', '.join(railway_hosts)})"
    database = (query.get("dbname") or [unquote(parts.path.lstrip("/")).split("/")[0]])[0]
    if "test" not in database.lower():
        return f"{URL_VARIABLE} names database {database!r}, without 'test' in its name"
    return None


def _guard():
    reason = _refusal()
    if reason:
        raise pytest.UsageError(f"refusing to run tests: {reason}")


def pytest_sessionstart(session):
    _guard()


def pytest_collection_finish(session):
    _guard()  # again: for a conftest.py found only while collecting, or a changed variable

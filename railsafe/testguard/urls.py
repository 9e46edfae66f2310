"""Database URLs and variable names: is this a test database or possibly production?

Standard library only: the pytest plugin imports this module in every test
session of every project that installs railsafe.

Railway hosts follow railway-facts §6.3 (`*.railway.internal`, `*.proxy.rlwy.net`,
`*.rlwy.net`, legacy `containers-<region>-<N>.railway.app`). A database counts as a
test database when its name contains `test` (case-insensitive). SQLite: an
in-memory database (`sqlite://`, `sqlite:///:memory:`, `mode=memory`) is fine, a
file is fine when its path contains `test`; any other file is treated like a
database whose name lacks `test` (on Railway, a SQLite file on a volume *is* the
production data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

# Variables that hold a database URL, the production ones Railway injects included.
DB_URL_VAR = re.compile(
    r"^(?:[A-Z0-9]+_)*(?:DATABASE|DB|POSTGRES(?:QL)?|PG|MYSQL|MARIADB|MONGO(?:DB)?|SQLALCHEMY_DATABASE)"
    r"_(?:(?:PUBLIC|PRIVATE|PROXY)_)?(?:URL|URI|DSN)$|^SQLALCHEMY_DATABASE_URI$",
    re.IGNORECASE,
)

# Variables the plugin always inspects.
DEFAULT_URL_VARIABLES = ("TEST_DATABASE_URL", "DATABASE_URL", "DATABASE_PUBLIC_URL")

# Presence of any of these means "this process runs on Railway" (railway-facts §6.1).
RAILWAY_MARKERS = (
    "RAILWAY_ENVIRONMENT_NAME",
    "RAILWAY_ENVIRONMENT",
    "RAILWAY_ENVIRONMENT_ID",
    "RAILWAY_PROJECT_ID",
    "RAILWAY_PROJECT_NAME",
    "RAILWAY_SERVICE_ID",
    "RAILWAY_SERVICE_NAME",
    "RAILWAY_DEPLOYMENT_ID",
    "RAILWAY_REPLICA_ID",
    "RAILWAY_SNAPSHOT_ID",
    "RAILWAY_PRIVATE_DOMAIN",
)

_CONTAINERS_HOST = re.compile(r"^containers-[a-z]+-[a-z]+-\d+\.railway\.app$")
_URL_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_SQL_SCHEMES = ("postgres", "postgresql", "pgsql", "mysql", "mariadb", "mssql", "cockroachdb",
                "oracle", "mongodb", "mongodb+srv", "timescaledb", "redshift")


def is_url_variable(name: str) -> bool:
    """Does this variable name hold a database URL?"""
    return bool(DB_URL_VAR.match(name))


def is_test_variable(name: str) -> bool:
    """A variable only a test setup sets (`TEST_DATABASE_URL`, `DATABASE_URL_TEST`...)."""
    return "TEST" in name.upper()


def is_production_variable(name: str) -> bool:
    """A database URL variable that is not test-only: what Railway sets in production."""
    return is_url_variable(name) and not is_test_variable(name)


def railway_host(host: str) -> bool:
    """railway-facts §6.3: the host suffixes of Railway-hosted databases."""
    host = host.lower().rstrip(".")
    return (
        host.endswith(".railway.internal")
        or host == "railway.internal"
        or host.endswith(".rlwy.net")
        or bool(_CONTAINERS_HOST.match(host))
    )


def looks_like_db_url(value: str) -> bool:
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    base = scheme.split("+", 1)[0]
    return bool(_URL_SHAPE.match(value)) and (base in _SQL_SCHEMES or base == "sqlite")


@dataclass(frozen=True)
class Verdict:
    """What a URL looks like. `problem` is None for an acceptable test database."""

    problem: str | None
    railway: bool = False  # the host is a Railway host (or a Railway reference)
    database: str = ""


def classify(url: str) -> Verdict:
    """Judge one database URL: Railway host, or a database name without `test`."""
    url = url.strip()
    if "${{" in url:
        return Verdict("unresolved Railway reference", railway=True)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return Verdict("unparseable database URL")
    scheme = parts.scheme.lower()
    base = scheme.split("+", 1)[0]
    if base == "sqlite":
        path = unquote(parts.path)
        if path.startswith("/"):
            path = path[1:]
        memory = parts.query and "memory" in parse_qs(parts.query).get("mode", [""])
        if path in ("", ":memory:") or memory or path.startswith("file::memory:"):
            return Verdict(None, database=":memory:")
        if "test" in path.lower():
            return Verdict(None, database=path)
        return Verdict(f"SQLite file {path!r} has no 'test' in its path", database=path)
    if not scheme or "://" not in url:
        return Verdict(None)  # not a URL (a bare name, a path): nothing to judge
    if railway_host(host):
        return Verdict("Railway host", railway=True, database=_dbname(parts.path, parts.query))
    if base.startswith("redis") or base in ("amqp", "amqps", "http", "https"):
        return Verdict(None)
    database = _dbname(parts.path, parts.query)
    if not database:
        return Verdict("names no database (the server's default database)")
    if "test" not in database.lower():
        return Verdict(f"database {database!r} has no 'test' in its name", database=database)
    return Verdict(None, database=database)


def _dbname(path: str, query: str) -> str:
    name = unquote(path.lstrip("/")).split("/", 1)[0]
    if not name and query:
        params = parse_qs(query)
        for key in ("dbname", "database"):
            if params.get(key):
                return params[key][0]
    return name

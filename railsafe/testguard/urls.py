"""Database URLs and variable names: is this a test database or possibly production?

Standard library only: the pytest plugin imports this module in every test
session of every project that installs railsafe.

Railway hosts are `railsafe.hosts`' (railway-facts §6.3). A database counts as a
test database when its name contains `test` (case-insensitive). SQLite: an
in-memory database (`sqlite://`, `sqlite:///:memory:`, `mode=memory`) is fine, a
file is fine when its path contains `test`; any other file is treated like a
database whose name lacks `test` (on Railway, a SQLite file on a volume *is* the
production data).

Besides URLs, `parse_target` reads libpq key/value strings (`host=... port=...
dbname=...`), SQLite URI filenames (`file:test.db`) and bare SQLite file names, and
takes `?host=` / `?hostaddr=` / `?port=` / `?dbname=` query parameters into account
the way libpq does. A value that is none of these has kind "unknown".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote

# which hosts are Railway's lives in railsafe.hosts; `railway_host` is the name testguard reads
from railsafe.hosts import is_railway_host as railway_host

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

_URL_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_SQL_SCHEMES = ("postgres", "postgresql", "pgsql", "mysql", "mariadb", "mssql", "cockroachdb",
                "oracle", "mongodb", "mongodb+srv", "timescaledb", "redshift")


def is_url_variable(name: str) -> bool:
    """Does this variable name hold a database URL?"""
    return bool(DB_URL_VAR.match(name))


def is_test_variable(name: str) -> bool:
    """A variable only a test setup sets (`TEST_DATABASE_URL`, `DATABASE_URL_TEST`...)."""
    return "TEST" in name.upper()


# Component variables naming the database host: Railway's Postgres service provides
# PGHOST (railway-facts §6.2; docs/facts.md F38), its MySQL service MYSQLHOST, and apps
# name their own (DB_HOST, DATABASE_HOST, POSTGRES_HOST, MYSQL_HOST)
DB_HOST_VAR = re.compile(
    r"^(?:PGHOST|MYSQLHOST|(?:[A-Z0-9]+_)*(?:DB|DATABASE|POSTGRES(?:QL)?|PG|MYSQL|MARIADB)_HOST)$",
    re.IGNORECASE,
)


def is_host_variable(name: str) -> bool:
    """Does this variable name the database host (`PGHOST`, `DB_HOST`, `MYSQLHOST`)?"""
    return bool(DB_HOST_VAR.match(name))


def is_production_variable(name: str) -> bool:
    """A database URL or host variable that is not test-only: what Railway sets in
    production (a client given `host=os.environ["PGHOST"]` reaches the same database)."""
    return (is_url_variable(name) or is_host_variable(name)) and not is_test_variable(name)


def looks_like_db_url(value: str) -> bool:
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    base = scheme.split("+", 1)[0]
    return bool(_URL_SHAPE.match(value)) and (base in _SQL_SCHEMES or base == "sqlite")


# libpq's connection keywords (PostgreSQL docs, "Parameter Key Words"): a key/value
# connection string uses only these.
LIBPQ_KEYWORDS = frozenset({
    "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "require_auth",
    "channel_binding", "connect_timeout", "client_encoding", "options", "application_name",
    "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
    "keepalives_count", "tcp_user_timeout", "replication", "gssencmode", "sslmode", "requiressl",
    "sslnegotiation", "sslcompression", "sslcert", "sslkey", "sslkeylogfile", "sslcertmode",
    "sslpassword", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer",
    "ssl_min_protocol_version", "ssl_max_protocol_version", "min_protocol_version",
    "max_protocol_version", "krbsrvname", "gsslib", "gssdelegation", "service",
    "target_session_attrs", "load_balance_hosts", "scram_client_key", "scram_server_key",
    "oauth_issuer", "oauth_client_id", "oauth_client_secret", "oauth_scope",
})

# The port a URL without one connects to.
DEFAULT_PORTS = {"postgresql": "5432", "mysql": "3306", "mariadb": "3306", "mongodb": "27017",
                 "redis": "6379", "rediss": "6379", "mssql": "1433", "cockroachdb": "26257"}

_KV_PAIR = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^'\\]|\\.)*'|(?:[^\s'\\]|\\.)*)")
_SQLITE_FILE = re.compile(r"^[\w./\\~:-]+\.(?:db|sqlite|sqlite3|db3)$", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """Where a database value points, parsed; allow-list patterns match these parts.

    `kind` is "url", "keyvalue" (a libpq `host=... dbname=...` string) or "sqlite".
    `hosts` holds (host, port) pairs, host lower-cased, "" for the default (local)
    host; `?host=` / `?hostaddr=` query parameters count as hosts, as libpq reads them.
    """

    kind: str
    scheme: str  # lower case, `postgres` spelled `postgresql`
    hosts: tuple[tuple[str, str], ...]
    database: str
    service: str = ""


def normal_scheme(scheme: str) -> str:
    base, plus, driver = scheme.lower().partition("+")
    return ("postgresql" if base == "postgres" else base) + plus + driver


def parse_target(value: str) -> Target | None:
    """Parse a database URL, a libpq key/value string or a SQLite file name; None when
    the value is none of these (nothing can be said about which database it names)."""
    value = value.strip()
    if not value:
        return None
    if value.lower().startswith("file:") and not _URL_SHAPE.match(value):
        path, _, query = value[5:].partition("?")  # a SQLite URI filename: file:test.db
        return _sqlite(unquote(path), query)
    if _URL_SHAPE.match(value):
        return _parse_url(value)
    if value == ":memory:":
        return Target("sqlite", "sqlite", (), ":memory:")
    if _SQLITE_FILE.match(value):
        return Target("sqlite", "sqlite", (), value)
    return _parse_keyvalue(value)


def _sqlite(path: str, query: str) -> Target:
    memory = "memory" in parse_qs(query).get("mode", [])
    if path in ("", ":memory:") or memory or path.startswith("file::memory:"):
        path = ":memory:"
    return Target("sqlite", "sqlite", (), path)


def _split_hosts(text: str, default_port: str = "") -> list[tuple[str, str]]:
    hosts = []
    for item in text.split(","):
        item = item.strip()
        if item.startswith("["):  # [::1]:5432
            host, _, rest = item[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else ""
        elif item.count(":") == 1:
            host, port = item.split(":")
        else:
            host, port = item, ""
        host = unquote(host)
        if not host.startswith("/"):  # a Unix socket directory keeps its case
            host = host.lower().rstrip(".")
        if host or port:
            hosts.append((host, port or default_port))
    return hosts


def _hosts(netloc_hosts: list[tuple[str, str]], params: dict[str, list[str]]
           ) -> tuple[tuple[str, str], ...]:
    ports = [p.strip() for v in params.get("port", []) for p in v.split(",")]
    query_hosts = [h for key in ("host", "hostaddr") for v in params.get(key, [])
                   for h in _split_hosts(v)]
    if ports:  # libpq: the port list pairs with the host list; one port serves them all
        query_hosts = [(h, p or (ports[i] if i < len(ports) else ports[0]))
                       for i, (h, p) in enumerate(query_hosts)]
    hosts = [h for h in netloc_hosts if h[0]] + query_hosts
    if not hosts:
        port = next((p for _, p in netloc_hosts if p), ports[0] if ports else "")
        hosts = [("", port)]
    return tuple(hosts)


def _parse_url(value: str) -> Target:
    scheme, rest = value.split("://", 1)
    scheme = normal_scheme(scheme)
    rest = rest.split("#", 1)[0]
    netloc = re.split(r"[/?]", rest, maxsplit=1)[0]
    path, _, query = rest[len(netloc):].partition("?")
    base = scheme.split("+", 1)[0]
    if base in ("sqlite", "file"):
        path = unquote(path)
        if base == "sqlite" and path.startswith("/"):
            path = path[1:]  # sqlite:///relative.db, sqlite:////absolute.db
        return _sqlite(path, query)
    params = parse_qs(query, keep_blank_values=True)
    hostpart = netloc.rpartition("@")[2]
    database = next((params[key][0] for key in ("dbname", "database") if params.get(key)),
                    unquote(path.lstrip("/")).split("/", 1)[0])
    return Target("url", scheme, _hosts(_split_hosts(hostpart), params), database,
                  service=(params.get("service") or [""])[0])


def _parse_keyvalue(value: str) -> Target | None:
    pairs: dict[str, list[str]] = {}
    pos = 0
    while pos < len(value):
        match = _KV_PAIR.match(value, pos)
        if not match or match.end() == pos:
            break
        raw = match[2]
        if raw.startswith("'"):
            raw = raw[1:-1]
        pairs[match[1].lower()] = [re.sub(r"\\(.)", r"\1", raw)]
        pos = match.end()
        if pos < len(value) and not value[pos].isspace():
            return None  # `host=a'b`: not libpq syntax
    if value[pos:].strip() or not pairs or not set(pairs) <= LIBPQ_KEYWORDS:
        return None
    database = pairs.get("dbname", [""])[0]
    if "=" in database or "://" in database:
        return None  # libpq expands such a dbname into more settings: not judged here
    return Target("keyvalue", "postgresql", _hosts([], pairs), database,
                  service=pairs.get("service", [""])[0])


@dataclass(frozen=True)
class Verdict:
    """What a URL looks like. `problem` is None for an acceptable test database.

    `kind` is "url", "keyvalue" or "sqlite" for a parsed value, "reference" for an
    unresolved Railway reference, and "unknown" for a value that is none of these:
    `classify_url` then reports no problem (callers judging literals found in code skip
    it), and the pytest plugin refuses it as impossible to judge.
    """

    problem: str | None
    railway: bool = False  # the host is a Railway host (or a Railway reference)
    database: str = ""
    kind: str = "url"
    hosts: tuple[str, ...] = ()


def classify_url(url: str) -> Verdict:
    """Judge one database URL: Railway host, or a database name without `test`."""
    url = url.strip()
    if "${{" in url:
        return Verdict("unresolved Railway reference", railway=True, kind="reference")
    target = parse_target(url)
    if target is None:
        return Verdict(None, kind="unknown")  # not a URL (a bare name, a path): nothing to judge
    return judge(target)


def judge(target: Target) -> Verdict:
    database, kind = target.database, target.kind
    if kind == "sqlite":
        if database == ":memory:" or "test" in database.lower():
            return Verdict(None, database=database, kind=kind)
        return Verdict(f"SQLite file {database!r} has no 'test' in its path", database=database,
                       kind=kind)
    hosts = tuple(host for host, _ in target.hosts)
    if any(railway_host(host) for host in hosts):
        return Verdict("Railway host", railway=True, database=database, kind=kind, hosts=hosts)
    base = target.scheme.split("+", 1)[0]
    if base.startswith("redis") or base in ("amqp", "amqps", "http", "https"):
        return Verdict(None, database=database, kind=kind, hosts=hosts)
    if target.service:
        return Verdict(f"names the pg_service.conf service {target.service!r}: cannot judge",
                       database=database, kind=kind, hosts=hosts)
    if not database:
        return Verdict("names no database (the server's default database)", kind=kind,
                       hosts=hosts)
    if "test" not in database.lower():
        return Verdict(f"database {database!r} has no 'test' in its name", database=database,
                       kind=kind, hosts=hosts)
    return Verdict(None, database=database, kind=kind, hosts=hosts)

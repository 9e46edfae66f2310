"""Database URLs: which dialect and driver, the URL as it may be shown, the Railway context.

Standard library only, so the URL can be masked in an error that happens before
SQLAlchemy loads (a missing driver, say). Every URL railsafe prints goes through
`mask_url`, every message from a driver through `mask_text`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from railsafe.db import DbUsageError
from railsafe.redact import MASK, redact
from railsafe.testguard.urls import RAILWAY_MARKERS

# scheme -> (SQLAlchemy dialect+driver, driver module, extra that installs it)
DRIVERS: dict[str, tuple[str, str, str | None]] = {
    "postgresql": ("postgresql+psycopg", "psycopg", "postgres"),
    "postgres": ("postgresql+psycopg", "psycopg", "postgres"),
    "mysql": ("mysql+pymysql", "pymysql", "mysql"),
    "mariadb": ("mariadb+pymysql", "pymysql", "mysql"),
    "sqlite": ("sqlite", "sqlite3", None),
}
# an explicit `dialect+driver` scheme: the module to import and the extra, if ours
EXPLICIT_DRIVERS: dict[str, tuple[str, str | None]] = {
    "psycopg": ("psycopg", "postgres"),
    "psycopg2": ("psycopg2", None),
    "pymysql": ("pymysql", "mysql"),
    "mysqldb": ("MySQLdb", None),
    "pysqlite": ("sqlite3", None),
}


@dataclass(frozen=True)
class DbUrl:
    """A database URL, split the way railsafe needs it."""

    raw: str
    dialect: str  # postgresql | mysql | sqlite
    sqlalchemy_url: str  # with the driver railsafe uses
    module: str  # the driver module to import
    extra: str | None  # `railsafe[extra]` that installs the driver
    secrets: tuple[str, ...] = field(default=())  # password spellings to mask anywhere

    @property
    def shown(self) -> str:
        return mask_url(self.raw)

    def mask(self, text: str) -> str:
        return mask_text(text, self.secrets)


def parse_url(raw: str) -> DbUrl:
    """The URL's dialect and driver; DbUsageError for what railsafe cannot open."""
    value = raw.strip()
    scheme, sep, rest = value.partition("://")
    if not sep or not scheme:
        raise DbUsageError(f"not a database URL: {mask_text(value)!r}")
    base, plus, driver = scheme.lower().partition("+")
    if base not in DRIVERS:
        known = "postgresql://, mysql://, sqlite:///"
        raise DbUsageError(f"unsupported database URL scheme {scheme + '://'!r} (use {known})")
    secrets = _password_spellings(rest)
    sa_scheme, module, extra = DRIVERS[base]
    if plus:
        if driver not in EXPLICIT_DRIVERS:
            raise DbUsageError(f"unsupported database driver {driver!r} in {scheme + '://'!r}")
        module, extra = EXPLICIT_DRIVERS[driver]
        sa_scheme = ("postgresql" if base == "postgres" else base) + "+" + driver
    dialect = {"postgres": "postgresql", "mariadb": "mysql"}.get(base, base)
    return DbUrl(value, dialect, f"{sa_scheme}://{rest}", module, extra, secrets)


def _password_spellings(rest: str) -> tuple[str, ...]:
    """The password as written in the URL and decoded (a driver may print either)."""
    authority = rest.partition("/")[0]
    userinfo, at, _ = authority.rpartition("@")
    _, colon, password = userinfo.partition(":")
    if not (at and colon and password):
        return ()
    # a very short password would mask ordinary words; URL patterns still catch it
    return tuple(s for s in dict.fromkeys((password, unquote(password))) if len(s) >= 4)


def mask_url(url: str) -> str:
    """The URL with its password replaced by `***` (the user, host and path stay)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return mask_text(url)
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    user, colon, password = userinfo.partition(":")
    if at and colon and password:
        rest = f"{user}:{MASK}@{host}{slash}{path}"
    return mask_text(f"{scheme}{sep}{rest}")


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with known passwords and anything credential-shaped masked."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return redact(text)


def one_line(text: str) -> str:
    """A driver message (often several lines, tab-indented hints) as one line."""
    return "; ".join(part.strip() for part in text.splitlines() if part.strip())


@dataclass(frozen=True)
class RailwayContext:
    """Whether this process runs on Railway, and in which environment."""

    detected: bool
    environment: str | None
    project: str | None
    service: str | None
    markers: tuple[str, ...]

    def describe(self) -> str:
        if not self.detected:
            return "not on Railway"
        if self.environment:
            return f"on Railway, environment {self.environment!r}"
        return f"on Railway ({', '.join(self.markers)} set), environment unknown"

    def as_json(self) -> dict[str, object]:
        return {
            "detected": self.detected,
            "environment": self.environment,
            "project": self.project,
            "service": self.service,
        }


def railway_context(env: Mapping[str, str] | None = None) -> RailwayContext:
    """Railway sets RAILWAY_* variables in every deployment phase (railway-facts §6.1)."""
    env = os.environ if env is None else env
    markers = tuple(name for name in RAILWAY_MARKERS if env.get(name))
    environment = env.get("RAILWAY_ENVIRONMENT_NAME") or env.get("RAILWAY_ENVIRONMENT") or None
    return RailwayContext(
        detected=bool(markers),
        environment=environment,
        project=env.get("RAILWAY_PROJECT_NAME") or None,
        service=env.get("RAILWAY_SERVICE_NAME") or None,
        markers=markers,
    )


def url_from_env(name: str, env: Mapping[str, str] | None = None) -> DbUrl:
    """The URL in variable `name`; DbUsageError when it is unset or empty."""
    env = os.environ if env is None else env
    value = env.get(name, "")
    if not value.strip():
        raise DbUsageError(
            f"{name} is not set (name another variable with --database-url-env "
            "or `database-url-env` in [tool.railsafe.db])"
        )
    return parse_url(value)

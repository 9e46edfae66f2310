"""pytest plugin: refuses to run a test session against a production database.

Registered through the `pytest11` entry point, so installing railsafe in a
project's test dependencies turns it on; `pytest -p no:railsafe` turns it off
(and `PYTEST_DISABLE_PLUGIN_AUTOLOAD=1` too, unless `-p railsafe` is given).

It judges the environment twice:

- before any conftest.py is imported (`pytest_load_initial_conftests`, tryfirst),
  on `os.environ` plus the `env` entries pytest-env is about to apply (pytest.ini
  `env =`, `[tool.pytest.ini_options] env`, `[tool.pytest_env]`), so a production
  URL written there is refused before any project code runs;
- again at session start and after collection, on `os.environ` as the tests will
  see it, in case a plugin (pytest-env, a .env loader) or a conftest.py changed a
  variable after the first check.

It stops the session with exit code 78 (`REFUSED_EXIT_CODE`, sysexits'
`EX_CONFIG`: pytest's own codes are 0-5, and 4 is its usage error, which
railsafe keeps for its own settings errors) when:

- it runs inside a Railway environment (`RAILWAY_ENVIRONMENT_NAME`,
  `RAILWAY_ENVIRONMENT`, `RAILWAY_PROJECT_ID`, `RAILWAY_SERVICE_ID`, ...);
- a database URL variable (`TEST_DATABASE_URL`, `DATABASE_URL`,
  `DATABASE_PUBLIC_URL`, plus `[tool.railsafe] database-url-variables`, the
  `railsafe_database_url_variables` ini option or `RAILSAFE_DATABASE_URL_VARIABLES`)
  points at a Railway host, names a database without `test` in its name, or holds
  a value that is no database URL at all (which cannot be judged).

Overrides are narrow allow-lists, never an off switch: `[tool.railsafe]
allow-database-urls` (URL patterns matched component by component: scheme, host,
port, database; a pattern must name a concrete host) or `RAILSAFE_ALLOW_DATABASE_URLS`,
and `allow-railway-environments` (patterns for `RAILWAY_ENVIRONMENT_NAME`) or
`RAILSAFE_ALLOW_RAILWAY_ENVIRONMENTS`. Blanket patterns (`*`, `*://*`, a wildcard
host over Railway hosts such as `*.rlwy.net`) are refused.

Settings are read by railsafe.config, as `railsafe check` reads them: the nearest
`railsafe.toml` or `pyproject.toml [tool.railsafe]` at or above pytest's rootdir
(`railsafe.toml` first in one directory), stopping at the git root.

Only the standard library and railsafe's own light modules are imported here.
"""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from railsafe import config as railsafe_config
from railsafe.hosts import covers_railway_hosts
from railsafe.redact import MASK, redact
from railsafe.testguard.urls import (
    DEFAULT_PORTS,
    DEFAULT_URL_VARIABLES,
    RAILWAY_MARKERS,
    Target,
    Verdict,
    classify_url,
    is_test_variable,
    parse_target,
)

ENV_VARIABLES = "RAILSAFE_DATABASE_URL_VARIABLES"
ENV_ALLOW_URLS = "RAILSAFE_ALLOW_DATABASE_URLS"
ENV_ALLOW_RAILWAY = "RAILSAFE_ALLOW_RAILWAY_ENVIRONMENTS"
_SKIP_ARGS = {"--help", "-h", "--version", "-V"}

_EXAMPLE_URL_PATTERN = "postgresql://*@localhost:5432/app_dev"
_URL_START = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.\-]*://")
# `password=...` in a libpq key/value string or a URL query
_PASSWORD_SETTING = re.compile(
    r"(?i)(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|(?:[^\s&'\\]|\\.)+)")


@dataclass
class Settings:
    variables: list[str] = field(default_factory=lambda: list(DEFAULT_URL_VARIABLES))
    allow_urls: list[str] = field(default_factory=list)
    allow_railway: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each: a usage error
    warnings: list[str] = field(default_factory=list)  # one line each


@dataclass
class Decision:
    lines: list[str] = field(default_factory=list)  # one per decision: ok / allowed / REFUSED
    refused: bool = False
    reasons: list[str] = field(default_factory=list)  # why it refuses, short
    hints: list[str] = field(default_factory=list)  # what to do about it


# -- settings ---------------------------------------------------------------------------
def _split(value: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", value) if part]


def _settings_table(rootpath: Path | None, settings: Settings
                    ) -> tuple[dict[str, list[str]], str]:
    """The plugin's keys from the nearest settings file (railsafe.config's discovery,
    as `railsafe check`), and how to name where they came from in messages."""
    if rootpath is None:
        return {}, "[tool.railsafe]"
    try:
        found = railsafe_config.settings_table(rootpath)
    except railsafe_config.ConfigError as exc:
        settings.errors.append(f"railsafe: {exc}")
        return {}, "[tool.railsafe]"
    if found is None:
        return {}, "[tool.railsafe]"
    path, table = found
    label = "[tool.railsafe]" if path.name == "pyproject.toml" else path.name
    known = railsafe_config.PLUGIN_KEYS + railsafe_config.KEYS
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            guess = f" (did you mean {close[0]!r}?)" if close else ""
            where = f"in {label} of {path}" if label.startswith("[") else f"in {path}"
            settings.warnings.append(f"railsafe: unknown key {key!r} {where}, ignored{guess}")
    values: dict[str, list[str]] = {}
    for key in railsafe_config.PLUGIN_KEYS:
        value = railsafe_config.plugin_strings(table.get(key, []))
        if value is None:
            name = f"[tool.railsafe] {key}" if label.startswith("[") else key
            settings.errors.append(f"railsafe: {name} in {path} must be a "
                                   "string or a list of strings")
            value = []
        values[key] = value
    return values, label


def parse_pattern(pattern: str) -> Target | None:
    """An allow-database-urls pattern, parsed like a value; `*://...` allowed."""
    scheme = re.match(r"^([A-Za-z0-9+.\-*]*\*[A-Za-z0-9+.\-*]*)://", pattern)
    if scheme is None:
        return parse_target(pattern)
    target = parse_target("wildcard" + pattern[len(scheme[1]):])
    return replace(target, scheme=scheme[1].lower()) if target else None


def url_pattern_problem(pattern: str) -> str | None:
    """Why an allow-database-urls pattern is too broad to accept, or None."""
    target = parse_pattern(pattern)
    if target is None:
        if "*" in pattern:
            return ("it names no concrete host (write a database URL pattern: "
                    "scheme://host:port/database)")
        return None  # an exact value, matched as it is
    if target.kind == "sqlite":
        if not target.database.replace("*", "").strip("/."):
            return "it names no concrete SQLite file"
        return None
    for host, _port in target.hosts:  # "" is the default (local) connection: concrete
        if host and not host.replace("*", "").strip(".,"):
            return f"its host {host!r} is a wildcard, not a concrete host"
        if host.startswith("*"):
            return f"its host {host!r} starts with a wildcard, not a concrete host"
        if covers_railway_hosts(host):
            return (f"its host {host!r} is a wildcard over Railway hosts (it would allow "
                    "every Railway database it matches)")
    return None


def railway_pattern_problem(pattern: str) -> str | None:
    if not pattern.replace("*", "").replace("?", "").strip():
        return "it matches every environment, production included"
    return None


def read_settings(rootpath: Path | None, env: Mapping[str, str],
                  ini: Mapping[str, list[str]] | None = None) -> Settings:
    settings = Settings()
    table, label = _settings_table(rootpath, settings)
    ini = ini or {}
    extra = (table.get("database-url-variables", [])
             + ini.get("railsafe_database_url_variables", [])
             + _split(env.get(ENV_VARIABLES, "")))
    for name in extra:
        if name not in settings.variables:
            settings.variables.append(name)
    url_sources = [
        (table.get("allow-database-urls", []), f"{label} allow-database-urls"),
        (ini.get("railsafe_allow_database_urls", []), "ini railsafe_allow_database_urls"),
        (_split(env.get(ENV_ALLOW_URLS, "")), ENV_ALLOW_URLS),
    ]
    railway_sources = [
        (table.get("allow-railway-environments", []), f"{label} allow-railway-environments"),
        (ini.get("railsafe_allow_railway_environments", []),
         "ini railsafe_allow_railway_environments"),
        (_split(env.get(ENV_ALLOW_RAILWAY, "")), ENV_ALLOW_RAILWAY),
    ]
    for patterns, origin in url_sources:
        for pattern in patterns:
            problem = url_pattern_problem(pattern)
            if problem:
                settings.errors.append(
                    f"railsafe: allow-database-urls pattern {pattern!r} ({origin}) is too broad: "
                    f"{problem}; allow exact databases, like {_EXAMPLE_URL_PATTERN!r}")
            else:
                settings.allow_urls.append(pattern)
    for patterns, origin in railway_sources:
        for pattern in patterns:
            problem = railway_pattern_problem(pattern)
            if problem:
                settings.errors.append(
                    f"railsafe: allow-railway-environments pattern {pattern!r} ({origin}) is "
                    f"too broad: {problem}; name the environments meant for tests, like 'pr-*'")
            else:
                settings.allow_railway.append(pattern)
    return settings


# -- matching ---------------------------------------------------------------------------
def _mask_url_password(value: str) -> str:
    """A whole URL with everything after the first `:` of its user info hidden. The
    user info ends at the last `@` before the path, so a password holding `'`, `@`,
    `?` or `#` is hidden whole; an `@` in the path or query is not user info."""
    start = _URL_START.match(value)
    if start is None:
        return value
    rest = value[start.end():]
    authority, slash, path = rest.partition("/")
    userinfo, at, hostpart = authority.rpartition("@")
    user, colon, password = userinfo.partition(":")
    if not at or not colon or not password or password == MASK:
        return value
    return f"{value[:start.end()]}{user}:{MASK}@{hostpart}{slash}{path}"


def mask(value: str) -> str:
    """The value with its passwords hidden: URL user info, `password=` settings."""
    return redact(_PASSWORD_SETTING.sub(lambda m: m[1] + MASK, _mask_url_password(value)))


def _glob(pattern: str, text: str, *, fold: bool) -> bool:
    """`*` matches any run of characters inside one component: never `/`, `@`, `?`, `:`."""
    regex = "".join("[^/@?:]*" if ch == "*" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, text, re.IGNORECASE if fold else 0) is not None


def _port(port: str, scheme: str) -> str:
    """A missing port is the scheme's default (a pattern's too: the value's scheme)."""
    return port or DEFAULT_PORTS.get(scheme.split("+", 1)[0], "")


def target_matches(pattern: Target, target: Target) -> bool:
    """Component-wise: scheme, every host and port, database (user and password ignored)."""
    if (pattern.kind == "sqlite") != (target.kind == "sqlite"):
        return False
    if target.kind == "sqlite":
        return _glob(pattern.database, target.database, fold=False)
    scheme = target.scheme if "+" in pattern.scheme else target.scheme.split("+", 1)[0]
    if not _glob(pattern.scheme, scheme, fold=True):
        return False
    for host, port in target.hosts:
        if not any(_glob(p_host, host, fold=True)
                   and _glob(_port(p_port, target.scheme), _port(port, target.scheme),
                             fold=False)
                   for p_host, p_port in pattern.hosts):
            return False
    return (_glob(pattern.database, target.database, fold=False)
            and _glob(pattern.service, target.service, fold=False))


def allowed_by(value: str, patterns: Iterable[str]) -> str | None:
    target = parse_target(value)
    for pattern in patterns:
        wanted = parse_pattern(pattern)
        if wanted is None or target is None:
            if "*" not in pattern and pattern.strip() in (value.strip(), mask(value).strip()):
                return pattern
            continue
        if target_matches(wanted, target):
            return pattern
    return None


def suggest_pattern(target: Target) -> str:
    """An allow-database-urls pattern for exactly this database."""
    if target.kind == "sqlite":
        return f"sqlite:///{target.database}"
    sockets = [host for host, _ in target.hosts if host.startswith("/")]
    hosts = ",".join(
        (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
        for host, port in target.hosts if not host.startswith("/"))
    query = "&".join([f"host={host}" for host in sockets]
                     + ([f"service={target.service}"] if target.service else []))
    return f"{target.scheme}://*@{hosts}/{target.database}" + (f"?{query}" if query else "")


# -- the decision -----------------------------------------------------------------------
def _label(verdict: Verdict) -> str:
    if verdict.kind == "unknown":
        return "not a database URL: cannot judge"
    if verdict.problem is not None:
        return verdict.problem
    if verdict.kind != "sqlite" and not verdict.database:
        return "not a Railway host"  # Redis, AMQP, HTTP: judged by host only
    return "test database"


def _reason(name: str, verdict: Verdict) -> str:
    if verdict.kind == "unknown":
        return f"{name} is not a database URL, so railsafe cannot judge which database it names"
    if verdict.kind == "reference":
        return f"{name} holds an unresolved Railway reference"
    if verdict.railway:
        hosts = ", ".join(h for h in verdict.hosts if h)
        return f"{name} points at a Railway host ({hosts})"
    return f"{name}: {verdict.problem}"


def decide(env: Mapping[str, str], settings: Settings,
           notes: Mapping[str, str] | None = None) -> Decision:
    """The verdict for one environment: a line per decision, and whether to refuse."""
    notes = notes or {}
    decision = Decision()
    markers = [name for name in RAILWAY_MARKERS if env.get(name)]
    environment = env.get("RAILWAY_ENVIRONMENT_NAME") or env.get("RAILWAY_ENVIRONMENT") or ""
    railway_allowed = False
    if markers:
        where = (f"running under Railway (environment {environment!r})" if environment
                 else "running under Railway (environment name unknown)")
        pattern = next((p for p in settings.allow_railway
                        if environment and fnmatch.fnmatchcase(environment, p)), None)
        if pattern:
            railway_allowed = True
            decision.lines.append(f"railsafe: {', '.join(markers)} set — {where} — allowed by "
                                  f"allow-railway-environments {pattern!r}")
        else:
            decision.refused = True
            decision.lines.append(f"railsafe: {', '.join(markers)} set — {where} — REFUSED: "
                                  "tests must not run inside a Railway environment")
            if environment:
                decision.reasons.append(f"running inside Railway environment {environment!r}")
                decision.hints.append(
                    f"If Railway environment {environment!r} is meant for tests (a PR "
                    "environment), allow it with [tool.railsafe] allow-railway-environments = "
                    f"[\"pr-*\"] (or {ENV_ALLOW_RAILWAY}). Even there, the environment's own "
                    "DATABASE_URL (a *.railway.internal host) is still refused unless "
                    "allow-database-urls names it: that is intended.")
            else:
                decision.reasons.append("running inside a Railway environment")
                decision.hints.append(
                    f"Only {', '.join(markers)} is set: RAILWAY_ENVIRONMENT_NAME is not set, so "
                    "no allow-railway-environments pattern can match and railsafe cannot tell "
                    "which Railway environment this is.")
    else:
        where = "running locally"

    checked: list[tuple[str, str, Verdict, str]] = []  # name, value, verdict, status
    for name in settings.variables:
        value = env.get(name, "")
        if not value.strip():
            continue
        verdict = classify_url(value)
        note = f" [{notes[name]}]" if name in notes else ""
        shown = f"railsafe: {name}={mask(value.strip())}{note} ({_label(verdict)}) — {where}"
        if verdict.problem is None and verdict.kind != "unknown":
            checked.append((name, value, verdict, "ok"))
            decision.lines.append(f"{shown} — ok")
            continue
        pattern = allowed_by(value, settings.allow_urls)
        if pattern:
            checked.append((name, value, verdict, "allowed"))
            decision.lines.append(f"{shown} — allowed by allow-database-urls {pattern!r}")
            continue
        checked.append((name, value, verdict, "REFUSED"))
        decision.refused = True
        decision.lines.append(f"{shown} — REFUSED")
        decision.reasons.append(_reason(name, verdict))
    if not checked:
        decision.lines.append(
            f"railsafe: no database URL variable set ({', '.join(settings.variables)}) — "
            f"{where} — ok")

    test_vars = [name for name, _, verdict, status in checked
                 if status == "ok" and is_test_variable(name) and verdict.database]
    for name, value, verdict, status in checked:
        if status == "REFUSED":
            decision.hints.append(_hint(name, value, verdict, test_vars, railway_allowed,
                                        notes.get(name, "")))
    return decision


def _hint(name: str, value: str, verdict: Verdict, test_vars: list[str],
          railway_allowed: bool, note: str = "") -> str:
    target = parse_target(value)
    allow = (f"allow this exact database with [tool.railsafe] allow-database-urls = "
             f"[\"{suggest_pattern(target)}\"] (or {ENV_ALLOW_URLS})" if target else "")
    if note.startswith("set by pytest-env"):
        unset = f"change the pytest-env `env` entry that sets it ({note[18:]})"
    else:
        unset = f"unset it for the test run (`env -u {name} pytest`)"
    if verdict.kind == "unknown":
        return (f"Set {name} to a database URL (scheme://host:port/database) or a libpq "
                "key/value string (host=... dbname=...), or allow this exact value in "
                "[tool.railsafe] allow-database-urls.")
    if verdict.kind == "reference":
        return f"Point {name} at a test database, or {unset}."
    if test_vars and not is_test_variable(name):
        if verdict.railway:
            what = "points at a Railway host"
            fix = f"{unset[0].upper()}{unset[1:]}."
        else:
            what = (f"names a non-test database ({verdict.database!r})" if verdict.database
                    else f"is not a test database ({verdict.problem})")
            fix = f"{unset[0].upper()}{unset[1:]} or {allow}."
        return (f"The tests' own database ({', '.join(test_vars)}) is a test database, but "
                f"{name} is also in the environment and {what}: code that reads {name} (the "
                f"app, a fallback in conftest.py) would reach it. {fix}")
    if verdict.railway and railway_allowed:
        return (f"{name} is this Railway environment's own database: it is refused even in "
                f"an allowed Railway environment, by design. If that database is disposable, "
                f"{allow}.")
    if verdict.railway:
        return (f"Point {name} at a local test database, or {unset}. Never run tests against "
                "a Railway database from a shell or CI job holding production variables.")
    return f"Point {name} at a test database (a database name containing 'test'), or {allow}."


def refusal_message(decision: Decision, warnings: Iterable[str] = ()) -> str:
    """The refusal reason first (pytest prefixes it with `ERROR:`), then the context."""
    head = "railsafe: refusing to run the tests: " + "; ".join(decision.reasons)
    return "\n".join([head, *(f"  {line}" for line in decision.lines),
                      *(f"  hint: {hint}" for hint in dict.fromkeys(decision.hints)),
                      *(f"  {warning}" for warning in warnings)])


# -- pytest-env: the variables it is about to set ----------------------------------------
def _toml_env_section(config: pytest.Config) -> tuple[dict[str, Any], str] | None:
    """pytest-env's `[tool.pytest_env]` (or `[pytest_env]` in pytest.toml), found as
    pytest-env finds it."""
    import tomllib

    names = ("pytest.toml", ".pytest.toml", "pyproject.toml")
    inipath = config.inipath
    candidates: list[Path] = []
    if inipath is not None and inipath.name in names:
        candidates.append(inipath)
    start = inipath.parent if inipath is not None else config.rootpath
    candidates += [directory / name for directory in (start, *start.parents) for name in names]
    for path in candidates:
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        if path.name == "pyproject.toml":
            tool = data.get("tool")
            data = tool if isinstance(tool, dict) else {}
        if "pytest_env" in data and isinstance(data["pytest_env"], dict):
            return data["pytest_env"], path.name
    return None


def env_overlay(config: pytest.Config, environ: Mapping[str, str]
                       ) -> tuple[dict[str, str], dict[str, str]]:
    """The environment once pytest-env has applied its `env` entries, and a note for
    each variable it sets. Nothing changes when pytest-env is not loaded."""
    env = dict(environ)
    notes: dict[str, str] = {}
    try:
        lines = [str(line) for line in config.getini("env")]
    except (ValueError, KeyError):
        return env, notes  # no pytest-env: an `env` ini key does nothing
    entries: list[tuple[str, str, bool, bool, bool]] = []  # key, value, transform, D:, U:
    toml = _toml_env_section(config)
    if toml is not None:
        section, source = toml
        for key, entry in section.items():
            if key in ("env_files", "env_files_skip_if_set"):
                continue
            if isinstance(entry, dict):
                entries.append((key, str(entry.get("value", "")), bool(entry.get("transform")),
                                bool(entry.get("skip_if_set")), bool(entry.get("unset"))))
            else:
                entries.append((key, str(entry), False, False, False))
    else:
        source = config.inipath.name if config.inipath is not None else "the pytest settings"
        for line in lines:
            head, _, value = line.partition("=")
            *flags, key = head.split(":")
            upper = {flag.strip().upper() for flag in flags}
            entries.append((key.strip(), value.strip(), "R" not in upper, "D" in upper,
                            "U" in upper))
    for key, value, transform, default_only, unset in entries:
        if unset:
            env.pop(key, None)
            notes.pop(key, None)
            continue
        if default_only and key in env:
            continue
        if transform:
            with contextlib.suppress(KeyError, IndexError, ValueError):
                value = value.format(**env)
        env[key] = value
        notes[key] = f"set by pytest-env in {source}"
    return env, notes


# -- hooks ------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("railsafe_database_url_variables",
                  "railsafe: more environment variables holding database URLs (also "
                  f"[tool.railsafe] database-url-variables and {ENV_VARIABLES})",
                  type="linelist")
    parser.addini("railsafe_allow_database_urls",
                  "railsafe: database URL patterns allowed although they look like production "
                  "(scheme://host:port/database, a concrete host; also [tool.railsafe] "
                  f"allow-database-urls and {ENV_ALLOW_URLS})", type="linelist")
    parser.addini("railsafe_allow_railway_environments",
                  "railsafe: Railway environments (RAILWAY_ENVIRONMENT_NAME patterns) where "
                  "tests may run (also [tool.railsafe] allow-railway-environments and "
                  f"{ENV_ALLOW_RAILWAY})", type="linelist")


@dataclass
class _State:
    settings: Settings
    decision: Decision
    seen: dict[str, str | None]  # the judged variables, as they were judged


_state_key = pytest.StashKey[_State]()
_INI_OPTIONS = ("railsafe_database_url_variables", "railsafe_allow_database_urls",
                "railsafe_allow_railway_environments")


def _read_settings(config: pytest.Config, env: Mapping[str, str]) -> Settings:
    ini: dict[str, list[str]] = {}
    for option in _INI_OPTIONS:
        try:
            ini[option] = [str(v) for v in config.getini(option)]
        except (ValueError, KeyError):
            ini[option] = []
    # the nearest settings to where pytest runs, like `railsafe check` with no paths:
    # a stricter railsafe.toml in a subproject must not lose to a parent's pyproject
    return read_settings(Path(config.invocation_params.dir), env, ini)


def _snapshot(env: Mapping[str, str], settings: Settings) -> dict[str, str | None]:
    return {name: env.get(name) for name in (*settings.variables, *RAILWAY_MARKERS)}


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, args: list[str]) -> None:
    if _SKIP_ARGS & set(args):
        return
    env, notes = env_overlay(early_config, os.environ)
    settings = _read_settings(early_config, env)
    for warning in settings.warnings:
        early_config.issue_config_time_warning(pytest.PytestConfigWarning(warning),
                                               stacklevel=2)
    if settings.errors:
        raise pytest.UsageError(*settings.errors)
    decision = decide(env, settings, notes)
    early_config.stash[_state_key] = _State(settings, decision, _snapshot(env, settings))
    if decision.refused:
        _refuse(refusal_message(decision, settings.warnings), early=True)


# The refusal's own exit code, distinct from pytest's (0-5) so CI can tell "railsafe
# kept these tests away from production" from a failing or misconfigured run.
REFUSED_EXIT_CODE = 78


def _refuse(message: str, early: bool = False) -> None:
    """Stop pytest with `REFUSED_EXIT_CODE`, the message written as pytest writes a
    usage error (`ERROR: ...` on stderr). Before the session exists (initial conftests)
    `pytest.exit` would end in a traceback, so the process exits with the code."""
    sys.stderr.write(f"ERROR: {message}\n")
    sys.stderr.flush()
    if early:
        raise SystemExit(REFUSED_EXIT_CODE)
    pytest.exit("railsafe refused to run the tests (see above)", returncode=REFUSED_EXIT_CODE)


def _recheck(config: pytest.Config) -> None:
    """Judge `os.environ` again: plugins and conftest.py files may have changed it."""
    state = config.stash.get(_state_key, None)
    if state is None:  # loaded after start-up (from a conftest.py): the first check
        settings = _read_settings(config, os.environ)
        if settings.errors:
            raise pytest.UsageError(*settings.errors)
        seen: dict[str, str | None] = {}
    else:
        settings, seen = state.settings, state.seen
    snapshot = _snapshot(os.environ, settings)
    if state is not None and snapshot == seen:
        return
    notes = {name: "changed during start-up, by a plugin or conftest.py"
             for name, value in snapshot.items()
             if state is not None and value and value != seen.get(name)}
    decision = decide(os.environ, settings, notes)
    config.stash[_state_key] = _State(settings, decision, snapshot)
    if decision.refused:
        _refuse(refusal_message(decision, settings.warnings))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _recheck(session.config)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    _recheck(session.config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(_state_key, None)
    return state.decision.lines if state is not None else []

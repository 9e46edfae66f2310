"""pytest plugin: refuses to run a test session against a production database.

Registered through the `pytest11` entry point, so installing railsafe in a
project's test dependencies turns it on; `pytest -p no:railsafe` turns it off.
It runs before any conftest.py is imported (`pytest_load_initial_conftests`,
tryfirst) and stops the session with a usage error (exit code 4) when:

- it runs inside a Railway environment (`RAILWAY_ENVIRONMENT_NAME`,
  `RAILWAY_ENVIRONMENT`, `RAILWAY_PROJECT_ID`, `RAILWAY_SERVICE_ID`, ...);
- a database URL variable (`TEST_DATABASE_URL`, `DATABASE_URL`,
  `DATABASE_PUBLIC_URL`, plus `[tool.railsafe] database-url-variables`, the
  `railsafe_database_url_variables` ini option or `RAILSAFE_DATABASE_URL_VARIABLES`)
  points at a Railway host, or names a database without `test` in its name.

Overrides are allow-lists, never an off switch: `[tool.railsafe]
allow-database-urls` (fnmatch patterns, matched against the URL with and without
its password) or `RAILSAFE_ALLOW_DATABASE_URLS`, and `allow-railway-environments`
(patterns for `RAILWAY_ENVIRONMENT_NAME`) or `RAILSAFE_ALLOW_RAILWAY_ENVIRONMENTS`.

Only the standard library and railsafe's own light modules are imported here.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from railsafe.redact import redact
from railsafe.testguard.urls import DEFAULT_URL_VARIABLES, RAILWAY_MARKERS, classify

ENV_VARIABLES = "RAILSAFE_DATABASE_URL_VARIABLES"
ENV_ALLOW_URLS = "RAILSAFE_ALLOW_DATABASE_URLS"
ENV_ALLOW_RAILWAY = "RAILSAFE_ALLOW_RAILWAY_ENVIRONMENTS"
_SKIP_ARGS = {"--help", "-h", "--version", "-V"}


@dataclass
class Settings:
    variables: list[str] = field(default_factory=lambda: list(DEFAULT_URL_VARIABLES))
    allow_urls: list[str] = field(default_factory=list)
    allow_railway: list[str] = field(default_factory=list)


@dataclass
class Decision:
    lines: list[str] = field(default_factory=list)
    refused: bool = False


def _split(value: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", value) if part]


def _listify(value: Any) -> list[str]:
    if isinstance(value, str):
        return _split(value)
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    return []


def read_settings(rootpath: Path | None, env: Mapping[str, str],
                  ini: Mapping[str, list[str]] | None = None) -> Settings:
    settings = Settings()
    table: dict[str, Any] = {}
    if rootpath is not None:
        pyproject = rootpath / "pyproject.toml"
        if pyproject.is_file():
            import tomllib

            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
                found = data.get("tool", {}).get("railsafe", {})
                table = found if isinstance(found, dict) else {}
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                table = {}
    ini = ini or {}
    extra = (_listify(table.get("database-url-variables"))
             + ini.get("railsafe_database_url_variables", [])
             + _split(env.get(ENV_VARIABLES, "")))
    for name in extra:
        if name not in settings.variables:
            settings.variables.append(name)
    settings.allow_urls = (_listify(table.get("allow-database-urls"))
                           + ini.get("railsafe_allow_database_urls", [])
                           + _split(env.get(ENV_ALLOW_URLS, "")))
    settings.allow_railway = (_listify(table.get("allow-railway-environments"))
                              + _split(env.get(ENV_ALLOW_RAILWAY, "")))
    return settings


def _allowed(url: str, patterns: Iterable[str]) -> str | None:
    masked = redact(url)
    for pattern in patterns:
        if fnmatch.fnmatchcase(url, pattern) or fnmatch.fnmatchcase(masked, pattern):
            return pattern
    return None


def decide(env: Mapping[str, str], settings: Settings) -> Decision:
    """The verdict for one environment: a line per decision, and whether to refuse."""
    decision = Decision()
    markers = [name for name in RAILWAY_MARKERS if env.get(name)]
    environment = env.get("RAILWAY_ENVIRONMENT_NAME") or env.get("RAILWAY_ENVIRONMENT") or ""
    if markers:
        where = f"running under Railway (environment {environment or 'unknown'!r})"
        pattern = next((p for p in settings.allow_railway
                        if environment and fnmatch.fnmatchcase(environment, p)), None)
        if pattern:
            decision.lines.append(f"railsafe: {', '.join(markers)} set — {where} — allowed by "
                                  f"allow-railway-environments {pattern!r}")
        else:
            decision.refused = True
            decision.lines.append(f"railsafe: {', '.join(markers)} set — {where} — refusing: "
                                  "tests must not run inside a Railway environment")
    else:
        where = "running locally"
    checked = 0
    for name in settings.variables:
        url = env.get(name)
        if not url:
            continue
        checked += 1
        verdict = classify(url)
        shown = f"{name}={redact(url)}"
        if verdict.problem is None:
            decision.lines.append(f"railsafe: {shown} (test database) — {where} — ok")
            continue
        pattern = _allowed(url, settings.allow_urls)
        if pattern:
            decision.lines.append(f"railsafe: {shown} ({verdict.problem}) — {where} — allowed by "
                                  f"allow-database-urls {pattern!r}")
            continue
        decision.refused = True
        decision.lines.append(f"railsafe: {shown} ({verdict.problem}) — {where} — refusing")
    if not checked:
        decision.lines.append(
            f"railsafe: no database URL variable set ({', '.join(settings.variables)}) — "
            f"{where} — ok")
    return decision


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("railsafe_database_url_variables",
                  "railsafe: more environment variables holding database URLs", type="linelist")
    parser.addini("railsafe_allow_database_urls",
                  "railsafe: fnmatch patterns of database URLs allowed although they look "
                  "like production", type="linelist")


_decision_key = pytest.StashKey[Decision]()


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, args: list[str]) -> None:
    if _SKIP_ARGS & set(args):
        return
    ini: dict[str, list[str]] = {}
    for option in ("railsafe_database_url_variables", "railsafe_allow_database_urls"):
        try:
            ini[option] = [str(v) for v in early_config.getini(option)]
        except (ValueError, KeyError):
            ini[option] = []
    settings = read_settings(early_config.rootpath, os.environ, ini)
    decision = decide(os.environ, settings)
    early_config.stash[_decision_key] = decision
    if decision.refused:
        raise pytest.UsageError(
            "\n".join([*decision.lines,
                       "railsafe: refusing to run this test session against a database that "
                       "may be production. Point the tests at a test database, or allow this "
                       "exact URL with [tool.railsafe] allow-database-urls / "
                       f"{ENV_ALLOW_URLS}."]))


def pytest_report_header(config: pytest.Config) -> list[str]:
    decision = config.stash.get(_decision_key, None)
    return decision.lines if decision is not None else []

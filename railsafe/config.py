"""Project settings: `[tool.railsafe]` in pyproject.toml, or a railsafe.toml.

Command-line options win over the file. Keys:

    select = ["RS1", "RS201"]     # only these rules (ids, prefixes, names)
    ignore = ["RS005"]            # never these
    fail-on = "warning"           # error | warning | info | never
    exclude = ["legacy/**"]       # paths to skip (gitignore globs, relative to this file)
    allow-error-suppressions = false  # inline comments cannot silence error-level findings
    baseline = "railsafe-baseline.json"  # report only findings not recorded there

and the pytest plugin's (railsafe.pytest_plugin), read from the same file:

    database-url-variables = ["APP_DB_URL"]                        # more URL variables
    allow-database-urls = ["postgresql://*@localhost:5432/app_dev"]  # exact exceptions
    allow-railway-environments = ["pr-*"]                          # RAILWAY_ENVIRONMENT_NAME

and `railsafe db`'s, in a `db` table (`[tool.railsafe.db]` / `[db]`), checked by
railsafe.db.settings when a `db` command runs.

Both read the nearest settings file at or above a directory (`railsafe check`: the
checked path; the plugin: pytest's rootdir), stopping at the git root. This module
imports only the standard library's tomllib and dataclasses: the pytest plugin
imports it in every test session.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEYS = ("select", "ignore", "fail-on", "exclude", "allow-error-suppressions", "baseline")
# read by the pytest plugin (railsafe.pytest_plugin), accepted here too
PLUGIN_KEYS = ("database-url-variables", "allow-database-urls", "allow-railway-environments")
# `railsafe db`'s table; its keys are checked by railsafe.db.settings
DB_KEY = "db"
# in one directory, the first wins
SETTINGS_FILES = ("railsafe.toml", "pyproject.toml")


class ConfigError(Exception):
    """A settings file that railsafe cannot use: reported on one line, exit 2."""


@dataclass
class Settings:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str | None = None
    exclude: list[str] = field(default_factory=list)
    # the pytest plugin's keys (it validates the raw table itself: see `settings_table`)
    database_url_variables: list[str] = field(default_factory=list)
    allow_database_urls: list[str] = field(default_factory=list)
    allow_railway_environments: list[str] = field(default_factory=list)
    db: dict[str, Any] = field(default_factory=dict)
    allow_error_suppressions: bool = True
    baseline: str | None = None  # relative to the settings file
    source: Path | None = None
    given: frozenset[str] = frozenset()  # the keys the settings file sets (`railsafe config`)


def _table(path: Path, explicit: bool = False) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read settings: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    tool = data.get("tool")
    if path.name == "pyproject.toml" or (explicit and isinstance(tool, dict)):
        table = tool.get("railsafe") if isinstance(tool, dict) else None
        return table if isinstance(table, dict) else None
    return data


def _strings(path: Path, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{path}: `{key}` must be a string or a list of strings")


def plugin_strings(value: Any) -> list[str] | None:
    """A plugin key's value: a string (items separated by commas or spaces) or a list
    of strings; None when it is neither."""
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    return None


def settings_table(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The raw settings table `load_settings` would read, and its file: the nearest
    at or above `start`, like ruff: in each directory a `railsafe.toml` wins over
    `pyproject.toml [tool.railsafe]` (a pyproject.toml without that table does not
    count); the search stops at the repository root (the directory holding `.git`).
    None when there is none. A file that cannot be read or parsed: ConfigError."""
    start = start.resolve()
    for directory in (start, *start.parents):
        for name in SETTINGS_FILES:
            path = directory / name
            if path.is_file():
                table = _table(path)
                if table is not None:
                    return path, table
        if (directory / ".git").exists():
            break
    return None


def load_settings(start: Path) -> Settings:
    """The nearest settings at or above `start` (see `settings_table`)."""
    found = settings_table(start)
    return _from_table(*found) if found is not None else Settings()


def settings_from_file(path: Path) -> Settings:
    """Settings from a file named with `--config`; it must exist."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such settings file")
    settings = _settings(path, explicit=True)
    if settings is None:
        raise ConfigError(f"{path}: no [tool.railsafe] table")
    return settings


def _settings(path: Path, explicit: bool = False) -> Settings | None:
    table = _table(path, explicit)
    return None if table is None else _from_table(path, table)


def _from_table(path: Path, table: dict[str, Any]) -> Settings:
    unknown = sorted(set(table) - set(KEYS) - set(PLUGIN_KEYS) - {DB_KEY})
    if unknown:
        raise ConfigError(f"{path}: unknown railsafe setting(s): {', '.join(unknown)}")
    plugin: dict[str, list[str]] = {}
    for key in PLUGIN_KEYS:
        values = plugin_strings(table.get(key, []))
        if values is None:
            raise ConfigError(f"{path}: `{key}` must be a string or a list of strings")
        plugin[key] = values
    db = table.get(DB_KEY, {})
    if not isinstance(db, dict):
        raise ConfigError(f"{path}: `{DB_KEY}` must be a table ([tool.railsafe.db] or [db])")
    allow = table.get("allow-error-suppressions", True)
    if not isinstance(allow, bool):
        raise ConfigError(f"{path}: `allow-error-suppressions` must be true or false")
    baseline = table.get("baseline")
    if baseline is not None and (not isinstance(baseline, str) or not baseline.strip()):
        raise ConfigError(f"{path}: `baseline` must be a file name")
    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in ("error", "warning", "info", "never"):
        raise ConfigError(f"{path}: `fail-on` must be error, warning, info or never")
    return Settings(
        select=_strings(path, "select", table.get("select", [])),
        ignore=_strings(path, "ignore", table.get("ignore", [])),
        fail_on=fail_on,
        exclude=_strings(path, "exclude", table.get("exclude", [])),
        database_url_variables=plugin["database-url-variables"],
        allow_database_urls=plugin["allow-database-urls"],
        allow_railway_environments=plugin["allow-railway-environments"],
        db=db,
        allow_error_suppressions=allow,
        baseline=baseline,
        source=path,
        given=frozenset(table),
    )

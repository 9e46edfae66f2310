"""Project settings: `[tool.railsafe]` in pyproject.toml, or a railsafe.toml.

Command-line options win over the file. Keys:

    select = ["RS1", "RS201"]     # only these rules (ids, prefixes, names)
    ignore = ["RS005"]            # never these
    fail-on = "warning"           # error | warning | info | never
    exclude = ["legacy/**"]       # paths (globs, relative to the root) to skip
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEYS = ("select", "ignore", "fail-on", "exclude")
# read by the pytest plugin (railsafe.pytest_plugin), accepted here too
PLUGIN_KEYS = ("database-url-variables", "allow-database-urls", "allow-railway-environments")


class ConfigError(Exception):
    """A settings file that railsafe cannot use: reported on one line, exit 2."""


@dataclass
class Settings:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str | None = None
    exclude: list[str] = field(default_factory=list)
    source: Path | None = None


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


def load_settings(start: Path) -> Settings:
    """The nearest settings at or above `start`, like ruff: in each directory a
    `railsafe.toml` wins over `pyproject.toml [tool.railsafe]`; the search stops
    at the repository root (the directory holding `.git`)."""
    start = start.resolve()
    for directory in (start, *start.parents):
        for name in ("railsafe.toml", "pyproject.toml"):
            path = directory / name
            if path.is_file():
                settings = _settings(path)
                if settings is not None:
                    return settings
        if (directory / ".git").exists():
            break
    return Settings()


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
    if table is None:
        return None
    unknown = sorted(set(table) - set(KEYS) - set(PLUGIN_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown railsafe setting(s): {', '.join(unknown)}")
    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in ("error", "warning", "info", "never"):
        raise ConfigError(f"{path}: `fail-on` must be error, warning, info or never")
    return Settings(
        select=_strings(path, "select", table.get("select", [])),
        ignore=_strings(path, "ignore", table.get("ignore", [])),
        fail_on=fail_on,
        exclude=_strings(path, "exclude", table.get("exclude", [])),
        source=path,
    )

"""`railsafe config`: the effective settings, each with where it came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from railsafe.config import (
    DB_KEY,
    ConfigError,
    Settings,
    load_settings,
    settings_from_file,
)

# setting -> (attribute, default shown)
_SHOWN: tuple[tuple[str, str], ...] = (
    ("select", "select"),
    ("ignore", "ignore"),
    ("fail-on", "fail_on"),
    ("exclude", "exclude"),
    ("allow-error-suppressions", "allow_error_suppressions"),
    ("baseline", "baseline"),
    ("database-url-variables", "database_url_variables"),
    ("allow-database-urls", "allow_database_urls"),
    ("allow-railway-environments", "allow_railway_environments"),
)
_DEFAULTS: dict[str, Any] = {"select": "every rule", "fail-on": "error"}


def render_settings(start: Path, config: Path | None) -> str:
    if not start.exists():
        raise ValueError(f"no such file or directory: {start}")
    try:
        settings: Settings = (settings_from_file(config) if config is not None
                              else load_settings(start if start.is_dir() else start.parent))
    except ConfigError as exc:
        raise ValueError(str(exc)) from None
    where = str(settings.source) if settings.source else None
    out = [f"# settings file: {where or 'none found (defaults)'}"]
    for key, attr in _SHOWN:
        value = getattr(settings, attr)
        given = key in settings.given
        if not given and key in _DEFAULTS:
            value = _DEFAULTS[key]
        shown = json.dumps(value, ensure_ascii=False)
        origin = where if given else "default"
        out.append(f"{key} = {shown}  # {origin}")
    if DB_KEY in settings.given:
        out.append(f"[{DB_KEY}]  # {where}: {len(settings.db)} key(s), see `railsafe db`")
    out.append("# command-line options (--select, --ignore, --fail-on, --baseline) win over "
               "these")
    return "\n".join(out) + "\n"

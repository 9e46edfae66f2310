"""Test settings outside Python code: pytest-env entries and dotenv files."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from railsafe.context import Context
from railsafe.findings import Span
from railsafe.loaders.dotenv import parse_dotenv
from railsafe.testguard.urls import is_url_variable, looks_like_db_url

INI_SECTIONS = {"pytest.ini": ("pytest",), "tox.ini": ("pytest",), "setup.cfg": ("tool:pytest",)}


@dataclass(frozen=True)
class EnvEntry:
    """One `NAME=value` a test setup puts into the environment."""

    path: str
    name: str
    value: str
    span: Span  # of the value
    default_only: bool = False  # pytest-env `D:`: set only when not already set


@dataclass
class PytestEnv:
    entries: list[EnvEntry] = field(default_factory=list)

    def entries_for(self, relpath: str) -> list[EnvEntry]:
        """The entries set for a test file (from config files in its directory or above)."""
        parents = PurePosixPath(relpath).parents
        return [e for e in self.entries if PurePosixPath(e.path).parent in parents]


def pytest_env_entries(ctx: Context) -> PytestEnv:
    return ctx.cached("testguard.pytest-env", lambda: _pytest_env(ctx))


def pinned_by_pytest_env(ctx: Context) -> PytestEnv:
    return pytest_env_entries(ctx)


def _pytest_env(ctx: Context) -> PytestEnv:
    found = PytestEnv()
    for source in ctx.files("pytest-config"):
        doc = ctx.load(source)
        if doc.error is not None:
            continue
        name = PurePosixPath(doc.relpath).name
        if name == "pyproject.toml":
            found.entries += _pyproject_env(doc.relpath, doc.text)
        elif name in INI_SECTIONS:
            found.entries += _ini_env(doc.relpath, doc.text, INI_SECTIONS[name])
    return found


def _entry(path: str, raw: str, line: int, col: int) -> EnvEntry | None:
    text = raw.strip()
    lead = len(raw) - len(raw.lstrip())
    default_only = False
    while re.match(r"^[DR]:", text):
        default_only |= text[0] == "D"
        text, lead = text[2:], lead + 2
    if "=" not in text:
        return None
    key, value = text.split("=", 1)
    key = key.strip()
    value_col = col + lead + len(text.split("=", 1)[0]) + 1
    stripped = value.strip()
    value_col += len(value) - len(value.lstrip())
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "'\"":
        stripped, value_col = stripped[1:-1], value_col + 1
    span = Span(line, value_col, line, value_col + len(stripped))
    return EnvEntry(path, key, stripped, span, default_only)


def _ini_env(path: str, text: str, sections: tuple[str, ...]) -> list[EnvEntry]:
    out: list[EnvEntry] = []
    section = ""
    in_env = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section, in_env = stripped[1:-1].strip(), False
            continue
        if section not in sections:
            continue
        match = re.match(r"^env\s*[=:]\s*(.*)$", line)
        if match:
            in_env = True
            rest = match[1]
            if rest.strip():
                entry = _entry(path, rest, number, match.start(1) + 1)
                if entry:
                    out.append(entry)
            continue
        if in_env:
            if line[:1] in (" ", "\t") and stripped and not stripped.startswith(("#", ";")):
                entry = _entry(path, line, number, 1)
                if entry:
                    out.append(entry)
            elif stripped and not line[:1].isspace():
                in_env = False
    return out


def _pyproject_env(path: str, text: str) -> list[EnvEntry]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    tool = data.get("tool", {}) if isinstance(data, dict) else {}
    lines = text.splitlines()
    out: list[EnvEntry] = []
    items = tool.get("pytest", {}).get("ini_options", {}).get("env", [])
    if isinstance(items, list):
        for item in items:
            if isinstance(item, str):
                line, col = _find(lines, item)
                entry = _entry(path, item, line, col)
                if entry:
                    out.append(entry)
    table = tool.get("pytest_env", {})
    if isinstance(table, dict):
        for key, value in table.items():
            default_only = False
            if isinstance(value, dict):
                default_only = bool(value.get("skip_if_set") or value.get("default"))
                value = value.get("value", "")
            if not isinstance(value, str):
                continue
            line, col = _find(lines, value)
            out.append(EnvEntry(path, key, value, Span(line, col, line, col + len(value)),
                                default_only))
    return out


def _find(lines: list[str], needle: str) -> tuple[int, int]:
    for number, line in enumerate(lines, 1):
        index = line.find(needle)
        if index >= 0:
            return number, index + 1
    return 1, 1


# -- dotenv files ---------------------------------------------------------------------
def dotenv_entries(relpath: str, text: str) -> list[EnvEntry]:
    return [EnvEntry(relpath, e.name, e.value, e.span) for e in parse_dotenv(text)]


def is_db_entry(entry: EnvEntry) -> bool:
    return is_url_variable(entry.name) or looks_like_db_url(entry.value)


def is_test_env_file(relpath: str) -> bool:
    name = PurePosixPath(relpath).name.lower()
    return name.startswith(".env.") and "test" in name[5:]


# -- testpaths: where pytest looks for tests when run without arguments ----------------

_PYTEST_FILES = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")  # pytest's order


def _testpaths_of(name: str, text: str) -> list[str] | None:
    """The `testpaths` a pytest config sets; None when the file is no pytest config
    (pyproject.toml without [tool.pytest.ini_options], setup.cfg without [tool:pytest])."""
    import configparser

    if name == "pyproject.toml":
        try:
            options = tomllib.loads(text).get("tool", {}).get("pytest", {}).get("ini_options")
        except tomllib.TOMLDecodeError:
            return None
        if not isinstance(options, dict):
            return None
        value = options.get("testpaths", [])
        if isinstance(value, str):
            return value.split()
        return [str(v) for v in value] if isinstance(value, list) else []
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    section = INI_SECTIONS[name][0]
    if not parser.has_section(section):
        return [] if name == "pytest.ini" else None
    return parser.get(section, "testpaths", fallback="").split()


def testpaths(ctx: Context) -> dict[PurePosixPath, list[str]]:
    """Directory of each pytest config (the rootdir it makes) -> its `testpaths` (empty:
    pytest collects from the directory it runs in). The first config pytest would take
    in a directory wins."""

    def build() -> dict[PurePosixPath, list[str]]:
        by_dir: dict[PurePosixPath, dict[str, str]] = {}
        for source in ctx.files("pytest-config"):
            doc = ctx.load(source)
            if doc.error is None:
                path = PurePosixPath(doc.relpath)
                by_dir.setdefault(path.parent, {})[path.name] = doc.text
        out: dict[PurePosixPath, list[str]] = {}
        for directory, files in by_dir.items():
            for name in _PYTEST_FILES:
                if name in files and (paths := _testpaths_of(name, files[name])) is not None:
                    out[directory] = paths
                    break
        return out

    return ctx.cached("testguard.testpaths", build)


def outside_testpaths(ctx: Context, relpath: str) -> bool:
    """A test file pytest does not collect when run as configured: the nearest pytest
    config above it sets `testpaths` and the file is under none of them."""
    import fnmatch

    path = PurePosixPath(relpath)
    configs = testpaths(ctx)
    for directory in path.parents:
        if directory in configs:
            paths = configs[directory]
            if not paths:
                return False
            rel = path.relative_to(directory).as_posix()
            return not any(
                rel == p.strip("/") or rel.startswith(p.strip("/").rstrip("/") + "/")
                or fnmatch.fnmatch(rel.split("/")[0], p.strip("/"))
                for p in (q.removeprefix("./") for q in paths)
            )
    return False

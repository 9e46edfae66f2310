"""jest / vitest / mocha configs: which files are test setup, and what `test.env` pins.

Configs are read as text with conservative regular expressions (no JavaScript
parser): `jest.config.*`, `jest*.json`, `vitest.config.*`, `vitest.workspace.*`,
`vite.config.*`, `.mocharc*`, and the `jest` / `mocha` keys of `package.json`.

- Files a config names: jest `setupFiles`, `setupFilesAfterEnv`, `globalSetup`,
  `globalTeardown`; vitest `test.setupFiles`, `test.globalSetup`; mocha `require`,
  `file`. A name is taken as a path relative to the config's directory
  (`<rootDir>/` stripped), with the usual JS/TS extensions tried; one that names
  no file in the checked tree (`ts-node/register`, `@testing-library/jest-dom`)
  is a package and ignored.
- Vitest `test.env` sets `process.env` during tests, in the test files and their
  setup files, but not in the main process (`globalSetup`) (docs/facts.md F11).
  A database variable it sets to a test database URL is pinned for the files
  that config covers: the test files below its directory and the setup files it
  names. Jest's `testEnvironmentOptions` configures the test environment (jsdom,
  the node context), not `process.env`, and pins nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from railsafe.context import Context
from railsafe.testguard.urls import classify, is_url_variable, looks_like_db_url

_SETUP_KEYS = ("setupFiles", "setupFilesAfterEnv", "globalSetup", "globalTeardown")
_GLOBAL_KEYS = frozenset({"globalSetup", "globalTeardown"})
_MOCHA_KEYS = ("require", "file")
_STRING = re.compile(r"""(['"`])((?:(?!\1)[^\\\n]|\\.)*)\1""")
_SUFFIXES = ("", ".ts", ".js", ".mts", ".mjs", ".cts", ".cjs", ".tsx", ".jsx",
             "/index.ts", "/index.js")
_ROOT_DIR = re.compile(r"""["']?rootDir["']?\s*:\s*(['"])([^'"\n]*)\1""")
# TEST_DATABASE_URL: "postgresql://..." inside `env: { ... }`
_ENV_BLOCK = re.compile(r"""(?<![\w$.])["']?env["']?\s*:\s*\{""")
_ENV_ENTRY = re.compile(
    r"""(?<![\w$])["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*:\s*(['"`])([^'"`\n]*)\2"""
)
TEST_DIRS = frozenset({"test", "tests", "__tests__", "e2e", "spec"})


@dataclass(frozen=True)
class Named:
    relpath: str  # the file the config names
    is_global: bool  # globalSetup / globalTeardown: runs in the main process


@dataclass
class JsTestConfig:
    relpath: str
    directory: PurePosixPath  # relative to the checked root
    runner: str  # "jest", "vitest" or "mocha"
    named: list[Named] = field(default_factory=list)
    pinned: frozenset[str] = frozenset()  # variables `test.env` sets to a test database


def _blank_comments(text: str) -> str:
    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match[0])

    return re.sub(r"/\*.*?\*/|(?<![:\\\"'`])//[^\n]*", blank, text, flags=re.S)


def _value_strings(code: str, start: int) -> list[str]:
    """The string literal at `start`, or those of the `[...]` array starting there."""
    rest = code[start:]
    if rest.startswith("["):
        end = rest.find("]")
        body = rest[: end if end >= 0 else len(rest)]
        return [m[2] for m in _STRING.finditer(body)]
    match = _STRING.match(rest)
    return [match[2]] if match else []


def _key_values(code: str, keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """(key, string) for `key: "x"` / `key: ["x", "y"]` (JS, TS or JSON)."""
    out: list[tuple[str, str]] = []
    pattern = re.compile(
        r"""(?<![\w$.])["']?(""" + "|".join(keys) + r""")["']?\s*:\s*(?=[\['"`])"""
    )
    for match in pattern.finditer(code):
        out.extend((match[1], value) for value in _value_strings(code, match.end()))
    return out


def _yaml_values(text: str, keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """`.mocharc.yml`: `require: x`, `require: [a, b]` or a `- item` list below the key."""
    out: list[tuple[str, str]] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"^(" + "|".join(keys) + r")\s*:\s*(.*?)\s*(?:#.*)?$", line)
        if not match:
            continue
        key, value = match[1], match[2]
        if value.startswith("["):
            items = value.strip("[]").split(",")
        elif value:
            items = [value]
        else:
            items = []
            for below in lines[i + 1:]:
                item = re.match(r"^\s+-\s*(.*?)\s*(?:#.*)?$", below)
                if not item:
                    break
                items.append(item[1])
        out.extend((key, v.strip().strip("'\"")) for v in items if v.strip())
    return out


def _pins(code: str) -> frozenset[str]:
    """Database variables a vitest `env: { ... }` sets to a test database URL."""
    pinned: set[str] = set()
    for block in _ENV_BLOCK.finditer(code):
        depth, end = 1, block.end()
        while end < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[end], 0)
            end += 1
        for entry in _ENV_ENTRY.finditer(code[block.end(): end - 1]):
            name, value = entry[1], entry[3]
            if is_url_variable(name) and looks_like_db_url(value) \
                    and classify(value).problem is None:
                pinned.add(name.upper())
    return frozenset(pinned)


def _runner(name: str) -> str:
    if name.startswith(".mocharc"):
        return "mocha"
    if name.startswith("jest"):
        return "jest"
    return "vitest"


def _resolve(ctx: Context, bases: list[Path], spec: str) -> str | None:
    spec = re.sub(r"^<rootDir>/?", "", spec.strip())
    if not spec or spec.startswith("/") or "://" in spec or "*" in spec:
        return None
    for base in bases:
        for suffix in _SUFFIXES:
            doc = ctx.document_at(base / f"{spec}{suffix}")
            if doc is not None and doc.error is None:
                return doc.relpath
    return None


def _config(ctx: Context, relpath: str, path: Path, runner: str,
            pairs: list[tuple[str, str]], code: str) -> JsTestConfig:
    directory = PurePosixPath(relpath).parent
    bases = [path.parent]
    root_dir = _ROOT_DIR.search(code)
    if root_dir is not None and root_dir[2].strip():
        bases.insert(0, path.parent / re.sub(r"^<rootDir>/?", "", root_dir[2].strip()))
    config = JsTestConfig(relpath, directory, runner)
    for key, spec in pairs:
        found = _resolve(ctx, bases, spec)
        if found is not None:
            config.named.append(Named(found, key in _GLOBAL_KEYS))
    if runner == "vitest":
        config.pinned = _pins(code)
    return config


def _from_package(ctx: Context, relpath: str, path: Path, data: object) -> list[JsTestConfig]:
    out: list[JsTestConfig] = []
    if not isinstance(data, dict):
        return out
    for key, runner, keys in (("jest", "jest", _SETUP_KEYS), ("mocha", "mocha", _MOCHA_KEYS)):
        section = data.get(key)
        if not isinstance(section, dict):
            continue
        pairs: list[tuple[str, str]] = []
        for name in keys:
            value = section.get(name)
            values = value if isinstance(value, list) else [value]
            pairs.extend((name, v) for v in values if isinstance(v, str))
        root_dir = section.get("rootDir")
        code = f'rootDir: "{root_dir}"' if isinstance(root_dir, str) else ""
        out.append(_config(ctx, relpath, path, runner, pairs, code))
    return out


def configs(ctx: Context) -> list[JsTestConfig]:
    """Every jest / vitest / mocha config in the tree (computed once per check)."""

    def build() -> list[JsTestConfig]:
        out: list[JsTestConfig] = []
        for source in ctx.files("js-test-config"):
            doc = ctx.load(source)
            if doc.error is not None:
                continue
            name = source.path.name
            runner = _runner(name)
            code = _blank_comments(doc.text)
            if runner == "mocha" and name.endswith((".yml", ".yaml")):
                pairs = _yaml_values(doc.text, _MOCHA_KEYS)
            else:
                pairs = _key_values(code, _MOCHA_KEYS if runner == "mocha" else _SETUP_KEYS)
            out.append(_config(ctx, doc.relpath, source.path, runner, pairs, code))
        for source in ctx.files("package-json"):
            doc = ctx.load(source)
            if doc.error is None:
                out.extend(_from_package(ctx, doc.relpath, source.path, doc.data))
        return out

    return ctx.cached("testguard.jsconfig", build)


def has_configs(ctx: Context) -> bool:
    """A jest / vitest / mocha config file, or a package.json with a `jest` / `mocha` key."""
    if ctx.files("js-test-config"):
        return True
    for source in ctx.files("package-json"):
        doc = ctx.load(source)
        if isinstance(doc.data, dict) and ("jest" in doc.data or "mocha" in doc.data):
            return True
    return False


def in_test_directory(relpath: str) -> bool:
    return any(part in TEST_DIRS for part in PurePosixPath(relpath).parts[:-1])


def named_files(ctx: Context) -> dict[str, bool]:
    """relpath -> whether it runs only in the main process (globalSetup / globalTeardown)."""
    out: dict[str, bool] = {}
    for config in configs(ctx):
        for named in config.named:
            out[named.relpath] = out.get(named.relpath, True) and named.is_global
    return out


def _governing(ctx: Context, relpath: str) -> JsTestConfig | None:
    """The vitest config whose directory is the nearest one above `relpath`."""
    best: JsTestConfig | None = None
    here = PurePosixPath(relpath)
    for config in configs(ctx):
        if config.runner != "vitest":
            continue
        if config.directory != PurePosixPath(".") and config.directory not in here.parents:
            continue
        if best is None or len(config.directory.parts) > len(best.directory.parts) or (
            config.directory == best.directory
            and PurePosixPath(config.relpath).name.startswith("vitest")
            and not PurePosixPath(best.relpath).name.startswith("vitest")
        ):
            best = config
    return best


def pinned_for(ctx: Context, relpath: str) -> frozenset[str]:
    """Variables a vitest `test.env` pins to a test database for this file.

    A file a config names as a setup file is covered by that config (not as
    `globalSetup`: `test.env` is not set in the main process); a test file by
    the vitest config nearest above it.
    """
    pinned: set[str] = set()
    for config in configs(ctx):
        for named in config.named:
            if named.relpath == relpath and not named.is_global:
                pinned |= config.pinned
    if not any(n.relpath == relpath for c in configs(ctx) for n in c.named):
        governing = _governing(ctx, relpath)
        if governing is not None:
            pinned |= governing.pinned
            pinned |= _setup_file_pins(ctx, governing)
    return frozenset(pinned)


def _setup_file_pins(ctx: Context, config: JsTestConfig) -> set[str]:
    """Variables the config's per-file setup files (jest / vitest `setupFiles`, not
    `globalSetup`) pin to a test database or clear: they run before each test file."""
    from railsafe.testguard import js

    def build() -> set[str]:
        out: set[str] = set()
        for named in config.named:
            if named.is_global:
                continue
            doc = ctx.document_at(ctx.root / named.relpath)
            if doc is not None and doc.error is None:
                out |= js.setup_pins(doc.text)
        return out

    return ctx.cached(f"testguard.setup-pins:{id(config)}", build)

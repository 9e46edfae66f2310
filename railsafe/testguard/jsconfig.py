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
from railsafe.testguard import jsglob, jsread
from railsafe.testguard.urls import classify_url, is_url_variable, looks_like_db_url

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
                    and classify_url(value).problem is None:
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


# -- which test files the runners collect ----------------------------------------------
#
# A test file no jest / vitest config would run is not a path to production, like a
# pytest test outside `testpaths` (railsafe.testguard.settings.outside_testpaths).
# Configs are read as literals (railsafe.testguard.jsread) and matched the runners'
# way (railsafe.testguard.jsglob); whatever cannot be read counts as collecting the
# file, and so does any sign of another way to run it: another test runner, a script
# naming the file, command-line options that change what a config collects.

# test runners other than jest and vitest, as package.json dependencies
_OTHER_RUNNERS = frozenset({
    "mocha", "ava", "tap", "uvu", "@playwright/test", "playwright", "cypress", "jasmine",
    "karma", "@web/test-runner", "node-tap", "tape", "bun-types", "@japa/runner", "lab",
    "@hapi/lab", "qunit", "testcafe", "nightwatch", "webdriverio", "@wdio/cli",
})
_OTHER_RUNNER_SCRIPT = re.compile(
    r"\b(?:mocha|ava|tap|tape|uvu|playwright|cypress|jasmine|karma|wtr|web-test-runner|"
    r"testcafe|nightwatch|wdio)\b|(?<![\w-])--test(?![\w-])|\b(?:bun|deno)\s+test\b"
)
_OTHER_RUNNER_CONFIGS = tuple(
    f"{name}.{ext}" for name in ("playwright.config", "cypress.config", "wdio.conf")
    for ext in ("ts", "js", "mjs", "cjs", "mts", "cts")
)
# jest / vitest options that change which files a config collects
_RUNNER = re.compile(r"\b(jest|vitest)\b([^;&|]*)")
_COLLECTION_OPTIONS = re.compile(
    r"(?<![\w-])--(?:testMatch|testRegex|rootDir|roots|projects|dir|root|workspace)\b")
_CONFIG_OPTION = re.compile(r"(?<![\w-])(?:--config|-c)(?:\s+|=)(['\"]?)([^\s'\"]+)\1")
_DEPENDENCY_KEYS = ("dependencies", "devDependencies", "optionalDependencies",
                    "peerDependencies")
_DEFINE = frozenset({"defineConfig", "defineProject", "defineWorkspace"})


@dataclass(frozen=True)
class Collection:
    """Which test files one jest / vitest setup runs, as far as its config can be read."""

    relpath: str  # the config (a package.json for a runner used with its defaults)
    runner: str  # "jest" or "vitest"
    base: str  # jest rootDir / vitest root or dir, relative to the checked tree ("" = top)
    known: bool  # False: unreadable (a preset, a spread, `projects`...): it may run any file
    match: tuple[str | None, ...] | None = None  # testMatch / include; None: unreadable
    regex: tuple[str | None, ...] = ()  # jest testRegex
    ignore: tuple[str | None, ...] = ()  # jest testPathIgnorePatterns / vitest exclude
    # vitest without `root` / `dir`: the globs are relative to the directory it runs
    # in, which may be the config's or any above it
    any_cwd: bool = False

    def covers(self, relpath: str) -> bool:
        base = PurePosixPath(self.base) if self.base else PurePosixPath(".")
        return base == PurePosixPath(".") or base in PurePosixPath(relpath).parents

    def collects(self, relpath: str) -> bool | None:
        """True / False; None when it cannot be told (taken as collected)."""
        if not self.known:
            return None
        match = list(self.match) if self.match is not None else None
        if self.runner == "jest":
            return jsglob.jest_collects(relpath, self.base, match, list(self.regex),
                                        list(self.ignore))
        bases = [self.base]
        if self.any_cwd:
            bases += [p.as_posix() if p != PurePosixPath(".") else ""
                      for p in PurePosixPath(self.base or ".").parents]
        verdicts = [jsglob.vitest_collects(relpath, b, match, list(self.ignore)) for b in bases]
        if True in verdicts:
            return True
        return None if None in verdicts else False


def _base(directory: PurePosixPath, value: str) -> str | None:
    """A directory written in a config, relative to the checked tree; None outside it."""
    value = re.sub(r"^<rootDir>/?", "", value.strip())
    if value.startswith("/"):
        return None
    parts: list[str] = [] if directory == PurePosixPath(".") else list(directory.parts)
    for part in PurePosixPath(value).parts if value else ():
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _strings(value: object) -> tuple[str | None, ...] | None:
    """A JSON value as a glob list: a string, or a list whose non-strings are None."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v if isinstance(v, str) else None for v in value)
    return None


_OPAQUE = object()  # a config value that is no literal: the key is set, to something unknown


def _jest_collection(relpath: str, directory: PurePosixPath,
                     values: dict[str, object], unreadable: bool) -> Collection:
    """`values`: the config's top-level keys (JSON values, or `_top_level`'s)."""
    here = "" if directory == PurePosixPath(".") else directory.as_posix()
    root = values.get("rootDir", here)
    base = _base(directory, root) if isinstance(root, str) and "rootDir" in values else here
    if base is None or not isinstance(root, str):
        return Collection(relpath, "jest", "", known=False)  # rootDir unknown: any file
    if unreadable or "projects" in values:
        return Collection(relpath, "jest", base, known=False)
    match, regex = values.get("testMatch"), values.get("testRegex") or None
    if match is not None and regex is not None:
        return Collection(relpath, "jest", base, known=False)  # jest refuses both
    if match is None and regex is None:
        if "preset" in values:
            return Collection(relpath, "jest", base, known=False)  # it may set testMatch
        match = list(_defaults("jest"))
    ignore = _strings(values["testPathIgnorePatterns"]) if "testPathIgnorePatterns" in values \
        else _defaults("jest-ignore")
    return Collection(relpath, "jest", base, known=True,
                      match=_strings(match) if match is not None else None,
                      regex=(_strings(regex) or (None,)) if regex is not None else (),
                      ignore=ignore or ())


def _defaults(what: str) -> tuple[str, ...]:
    return {"jest": jsglob.JEST_TEST_MATCH, "jest-ignore": jsglob.JEST_IGNORE,
            "vitest": jsglob.VITEST_INCLUDE, "vitest-exclude": jsglob.VITEST_EXCLUDE}[what]


def _top_level(text: str) -> tuple[dict[str, object], bool]:
    """The keys of a JS / TS config's exported object with their values (a string, a
    list with None for non-literal items, `_OPAQUE` for anything else); and whether the
    file cannot be read (no object, a spread, two objects setting one key, the object
    handed to a function other than defineConfig)."""
    tokens = jsread.tokenize(text)
    props = [p for p in jsread.properties(tokens) if not p.path]
    values: dict[str, object] = {}
    unreadable = not props or any(p.key == "..." for p in props) or _wrapped(tokens)
    for prop in props:
        if prop.key in values:
            unreadable = True  # a conditional config: which object is used is unknown
        found = jsread.literal(tokens, prop)
        if found is not None and tokens[prop.value].kind == "str":
            values[prop.key] = found[0]
        else:
            values[prop.key] = found if found is not None else _OPAQUE
    return values, unreadable


def _wrapped(tokens: list[jsread.Token]) -> bool:
    """`module.exports = createJestConfig(...)`, `export default mergeConfig(...)`: the
    object is handed to a function that may change it (mergeConfig joins arrays)."""
    for i, token in enumerate(tokens[:-2]):
        exported = (token.text == "default" and i > 0 and tokens[i - 1].text == "export") or (
            token.text == "=" and i > 0 and tokens[i - 1].text == "exports")
        if exported and tokens[i + 1].kind == "id" and tokens[i + 2].text == "(" and \
                tokens[i + 1].text not in _DEFINE | {"async", "function"}:
            return True
    return any(t.kind == "id" and t.text == "mergeConfig" for t in tokens)


def _vitest_collection(relpath: str, directory: PurePosixPath, text: str
                       ) -> Collection | None:
    """None for a vite.config.* without `test`: a Vite app's, unless vitest is installed
    (then the package.json's defaults stand for it)."""
    here = "" if directory == PurePosixPath(".") else directory.as_posix()
    unknown = Collection(relpath, "vitest", here, known=False)
    if PurePosixPath(relpath).name.startswith("vitest.workspace"):
        return unknown  # a workspace's projects: any of them may run the file
    tokens = jsread.tokenize(text)
    props = jsread.properties(tokens)
    top = [p for p in props if not p.path]
    test = [p for p in top if p.key == "test"]
    if not top or _wrapped(tokens) or any(p.key == "..." for p in top) or len(test) > 1:
        return unknown
    if not test and PurePosixPath(relpath).name.startswith("vite."):
        return None
    if test and not (0 <= test[0].value < len(tokens) and tokens[test[0].value].text == "{"):
        return unknown  # `test: someObject`
    inner = {p.key: p for p in props if p.path == ("test",)}
    if {"...", "projects", "workspace", "includeSource"} & set(inner):
        return unknown
    # vite's `root` is relative to the directory vitest runs in, vitest's `test.dir`
    # to the root: only "." is certain; any other value leaves the globs' base unknown
    for prop in [p for p in top if p.key == "root"] + \
            [inner[k] for k in ("root", "dir") if k in inner]:
        value = jsread.literal(tokens, prop)
        if value is None or len(value) != 1 or (value[0] or "").strip() not in (".", "./"):
            return unknown
    match: tuple[str | None, ...] | None = _defaults("vitest")
    if "include" in inner:
        found_match = jsread.literal(tokens, inner["include"])
        match = tuple(found_match) if found_match is not None else None
    ignore: tuple[str | None, ...] = _defaults("vitest-exclude")
    if "exclude" in inner:
        ignore = tuple(jsread.literal(tokens, inner["exclude"]) or ())
    return Collection(relpath, "vitest", here, known=True, match=match, ignore=ignore,
                      any_cwd=True)


def _uses(data: dict[str, object], runner: str) -> bool:
    """A package.json that installs or runs jest / vitest."""
    for key in _DEPENDENCY_KEYS:
        deps = data.get(key)
        if isinstance(deps, dict) and runner in deps:
            return True
    scripts = data.get("scripts")
    return isinstance(scripts, dict) and any(
        isinstance(s, str) and re.search(rf"\b{runner}\b", s) for s in scripts.values())


def collections(ctx: Context) -> list[Collection]:
    """Every jest / vitest setup of the tree (computed once per check)."""

    def build() -> list[Collection]:
        import json

        out: list[Collection] = []
        config_dirs: dict[str, set[PurePosixPath]] = {"jest": set(), "vitest": set()}
        for source in ctx.files("js-test-config"):
            doc = ctx.load(source)
            name = source.path.name
            runner = _runner(name)
            if doc.error is not None or runner == "mocha":
                continue
            directory = PurePosixPath(doc.relpath).parent
            if runner == "vitest" and name.startswith("vite.") and any(
                PurePosixPath(other.relpath).parent == directory
                and other.path.name.startswith("vitest.config")
                for other in ctx.files("js-test-config")
            ):
                continue  # vitest reads vitest.config.* before vite.config.*
            if runner == "vitest":
                collection = _vitest_collection(doc.relpath, directory, doc.text)
                if collection is not None:
                    out.append(collection)
                    config_dirs[runner].add(directory)
                continue
            config_dirs[runner].add(directory)
            values: dict[str, object] | None = None
            unreadable = False
            if name.endswith(".json"):
                try:
                    data = json.loads(doc.text)
                except ValueError:
                    data = None
                values = data if isinstance(data, dict) else None
            if values is None:
                values, unreadable = _top_level(doc.text)
            out.append(_jest_collection(doc.relpath, directory, values, unreadable))
        for source in ctx.files("package-json"):
            doc = ctx.load(source)
            if doc.error is not None or not isinstance(doc.data, dict):
                continue
            directory = PurePosixPath(doc.relpath).parent
            section = doc.data.get("jest")
            if isinstance(section, dict):
                out.append(_jest_collection(doc.relpath, directory, section, False))
                config_dirs["jest"].add(directory)
            elif _uses(doc.data, "jest") and directory not in config_dirs["jest"]:
                out.append(_jest_collection(doc.relpath, directory, {}, False))
            if _uses(doc.data, "vitest") and directory not in config_dirs["vitest"]:
                here = "" if directory == PurePosixPath(".") else directory.as_posix()
                out.append(Collection(doc.relpath, "vitest", here, known=True,
                                      match=_defaults("vitest"),
                                      ignore=_defaults("vitest-exclude"), any_cwd=True))
        return out

    return ctx.cached("testguard.js-collections", build)


@dataclass
class _Elsewhere:
    """Directories below which a test file may run some other way (computed once)."""

    runner_dirs: set[PurePosixPath] = field(default_factory=set)  # another runner, an option
    scripts: dict[PurePosixPath, list[str]] = field(default_factory=dict)  # package scripts
    checked: dict[PurePosixPath, bool] = field(default_factory=dict)  # runner config files


def _elsewhere(ctx: Context) -> _Elsewhere:
    def build() -> _Elsewhere:
        found = _Elsewhere()
        known = {c.relpath for c in collections(ctx)}
        found.runner_dirs |= {c.directory for c in configs(ctx) if c.runner == "mocha"}
        for source in ctx.files("package-json"):
            doc = ctx.load(source)
            if doc.error is not None or not isinstance(doc.data, dict):
                continue
            directory = PurePosixPath(doc.relpath).parent
            for key in _DEPENDENCY_KEYS:
                deps = doc.data.get(key)
                if isinstance(deps, dict) and _OTHER_RUNNERS & set(deps):
                    found.runner_dirs.add(directory)
            scripts = doc.data.get("scripts")
            texts = [v for v in scripts.values() if isinstance(v, str)] \
                if isinstance(scripts, dict) else []
            found.scripts[directory] = texts
            if any(_script_runs_otherwise(t, directory, known) for t in texts):
                found.runner_dirs.add(directory)
        return found

    return ctx.cached("testguard.js-elsewhere", build)


def _script_runs_otherwise(script: str, directory: PurePosixPath, known: set[str]) -> bool:
    """Another runner, or a jest / vitest command line changing what a config collects:
    a collection option, a config file not read here (or, for vitest, one in another
    directory, whose globs are then relative to this one)."""
    if _OTHER_RUNNER_SCRIPT.search(script):
        return True
    for command in _RUNNER.finditer(script):
        if _COLLECTION_OPTIONS.search(command[2]):
            return True
        for option in _CONFIG_OPTION.finditer(command[2]):
            named = _base(directory, option[2])
            if named is None or named not in known or (
                command[1] == "vitest" and PurePosixPath(named).parent != directory
            ):
                return True
    return False


def _runs_otherwise(ctx: Context, relpath: str) -> bool:
    """Another way to run the file: a test runner other than jest / vitest above it (a
    dependency, a config file, a script), a package script naming the file, or a jest /
    vitest command line that changes what a config collects."""
    path = PurePosixPath(relpath)
    facts = _elsewhere(ctx)
    for directory in path.parents:
        if directory in facts.runner_dirs:
            return True
        if any(path.name in script for script in facts.scripts.get(directory, ())):
            return True
        if directory not in facts.checked:
            facts.checked[directory] = any((ctx.root / directory / name).is_file()
                                           for name in _OTHER_RUNNER_CONFIGS)
        if facts.checked[directory]:
            return True
    return False


def collected(ctx: Context, relpath: str) -> bool:
    """Whether a test file (`*.test.*`, `*.spec.*`) may run under jest or vitest.

    False only when the tree has a jest / vitest setup whose root holds the file,
    every such setup is read and certain not to collect it (testMatch, testRegex,
    testPathIgnorePatterns; vitest include / exclude), and nothing else runs it.
    A file a config names as setup always runs.
    """
    if relpath in named_files(ctx) or _runs_otherwise(ctx, relpath):
        return True
    candidates = [c for c in collections(ctx) if c.covers(relpath)]
    return not candidates or any(c.collects(relpath) is not False for c in candidates)

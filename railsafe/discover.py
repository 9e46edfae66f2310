"""Discovery: which files in a tree matter to Railway, and what kind each is."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from railsafe.loaders import CONFIG_FILES

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache", "dist", "build", ".next",
        ".nuxt", ".svelte-kit", ".turbo", "target", "site-packages", ".terraform", "coverage",
        "vendor", ".eggs",
    }
)

# exact file name -> kind, for files other than the Railway/builder configs
OTHER_FILES: dict[str, str] = {
    "Dockerfile": "dockerfile",
    "Procfile": "procfile",
    "package.json": "package-json",
    "Makefile": "makefile",
    "conftest.py": "python-test",
    "pytest.ini": "pytest-config",
    "setup.cfg": "pytest-config",
    "tox.ini": "pytest-config",
    "pyproject.toml": "pytest-config",
    "manage.py": "django-manage",
    "mix.exs": "mix-exs",
    "composer.json": "composer-json",
}

JSON_KINDS = frozenset({"package-json", "composer-json"})

# glob -> kind, tried in order after OTHER_FILES
OTHER_GLOBS: tuple[tuple[str, str], ...] = (
    ("test_*.py", "python-test"),
    ("*_test.py", "python-test"),
    ("*.Dockerfile", "dockerfile"),
    ("Dockerfile.*", "dockerfile"),
    (".env", "env-file"),
    (".env.*", "env-file"),
    ("*.sh", "shell"),
    ("*settings*.py", "python-settings"),
    ("test.py", "python-settings"),  # Django settings/test.py
    ("testing.py", "python-settings"),
    ("*.[jt]s", "js-source"),
)

# JavaScript / TypeScript test files, by name alone: the rest is decided by
# railsafe.testguard with the jest / vitest / mocha configs (docs/test-guard.md)
_JS_EXT = r"(?:[cm]?[jt]s|[jt]sx)"
# jest / vitest / mocha test files (`*.test.ts`, `*.spec.js`, NestJS `*.e2e-spec.ts`):
# their beforeAll/beforeEach hooks reset databases too
_JS_TEST_FILE = re.compile(rf"^.+\.(?:test|spec|e2e-spec)\.{_JS_EXT}$")
# jest.config.*, jest-e2e.json, vitest.config.*, vitest.workspace.*, vite.config.*, .mocharc*
_JS_TEST_CONFIG = re.compile(
    rf"^(?:(?:jest|vitest|vite)(?:[.-][\w-]+)*\.(?:config|workspace)(?:\.[\w-]+)*\."
    rf"(?:{_JS_EXT}|json)|jest(?:[.-][\w-]+)*\.json|\.mocharc(?:\.(?:[cm]?js|jsonc?|ya?ml))?)$"
)
# a file with setup / teardown in its name: a test setup only when a config names it
# or it lives in a test directory (railsafe.testguard decides)
_JS_SETUP_NAME = re.compile(rf"^.*(?:setup|teardown).*\.{_JS_EXT}$", re.I)


def _classify_js(name: str) -> str | None:
    if _JS_TEST_FILE.match(name):
        return "js-test-setup"
    if _JS_TEST_CONFIG.match(name):
        return "js-test-config"
    if _JS_SETUP_NAME.match(name):
        return "js-test-candidate"
    return None


@dataclass(frozen=True)
class SourceFile:
    path: Path
    relpath: str
    kind: str
    syntax: str = ""


@dataclass
class Discovery:
    root: Path
    files: list[SourceFile] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one-line reasons (missing paths)
    # other paths of a file already in `files` (a symlink to it, or it reached
    # through a symlink): not checked or counted twice, but the project model
    # still sees a symlinked `Dockerfile` in its service directory
    aliases: list[SourceFile] = field(default_factory=list)
    explicit: set[Path] = field(default_factory=set)  # files named on the command line
    skipped: list[str] = field(default_factory=list)  # named files of no kind railsafe reads

    # of_kind answers by kinds, kept while `files` is the same list of the same length
    # (rules ask ~2,000 times in a 2,000-service monorepo; files are only appended to,
    # or replaced by a filtered list, after discovery has sorted them)
    _by_kinds: dict[tuple[str, ...], tuple[list[SourceFile], int, list[SourceFile]]] = field(
        default_factory=dict, compare=False, repr=False)

    def of_kind(self, *kinds: str) -> list[SourceFile]:
        hit = self._by_kinds.get(kinds)
        if hit is None or hit[0] is not self.files or hit[1] != len(self.files):
            hit = self._by_kinds[kinds] = (self.files, len(self.files),
                                           [f for f in self.files if f.kind in kinds])
        return list(hit[2])


IAC_KIND = "railway-iac"
IAC_DIR = ".railway"


def classify_path(path: Path) -> tuple[str, str] | None:
    """`classify`, and Infrastructure as Code files: `.railway/railway.{ts,py,go,...}`
    (kind `railway-iac`, syntax the language), wherever a `.railway/` sits."""
    if path.parent.name == IAC_DIR:
        from railsafe.iac import language_of

        language = language_of(path.name)
        if language is not None:
            return IAC_KIND, language
    return classify(path.name)


def classify(name: str) -> tuple[str, str] | None:
    """(kind, syntax) for a file name, or None when railsafe ignores it."""
    if name in CONFIG_FILES:
        return CONFIG_FILES[name]
    if name in OTHER_FILES:
        kind = OTHER_FILES[name]
        return kind, "json" if kind in JSON_KINDS else ""
    js = _classify_js(name)
    if js is not None:
        return js, ""
    for pattern, kind in OTHER_GLOBS:
        if fnmatch.fnmatchcase(name, pattern):
            if kind == "js-source":
                return None
            return kind, ""
    return None


def classify_explicit(name: str) -> tuple[str, str] | None:  # a name or a path
    """A file named on the command line: its usual kind, or a Railway/builder
    config under another name (`prod.railway.toml`, `railway-staging.json`).

    None for anything else (`README.md`, `docker-compose.yml`), so that
    `railsafe check $(git diff --name-only)` checks what it understands and
    skips the rest instead of reading a README as TOML.
    """
    known = classify_path(Path(name))
    if known is not None:
        return known
    name = Path(name).name
    lowered = name.lower()
    for config_name, kind_syntax in CONFIG_FILES.items():  # prod.railway.toml
        if lowered.endswith(config_name):
            return kind_syntax
    for config_name, kind_syntax in CONFIG_FILES.items():  # railway-prod.toml
        stem, suffix = config_name.split(".")
        if stem in lowered and lowered.endswith("." + suffix):
            return kind_syntax
    return None


def _scan_root(paths: list[Path]) -> Path:
    """What paths in the output are relative to: the directory when one is
    checked; otherwise the repository holding all the named paths (or their
    common directory), so a script a named config calls is inside it."""
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0].resolve()
    places = [(p if p.is_dir() else p.parent).resolve() for p in paths if p.exists()]
    if not places:
        return Path.cwd().resolve()
    common = Path(os.path.commonpath(places))
    return git_root(common) or common


def _relpath(path: Path, root: Path) -> str:
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        rel = str(path)
    # a file name that is not UTF-8 must still print (and encode as JSON / SARIF)
    rel = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return rel.replace(os.sep, "/")


class _GitIgnores:
    """gitignore rules of every directory walked so far (pathspec, imported lazily)."""

    def __init__(self) -> None:
        self._specs: list[tuple[Path, Any]] = []

    def add(self, directory: Path) -> None:
        path = directory / ".gitignore"
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        import pathspec

        self._specs.append((directory, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, path: Path, is_dir: bool) -> bool:
        verdict = False
        for base, spec in self._specs:
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            result = spec.check_file(rel + ("/" if is_dir else ""))
            if result.include is not None:
                verdict = bool(result.include)
        return verdict


def _is_virtualenv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def discover(paths: list[Path]) -> Discovery:
    """Walk directories (every level, for monorepos) and take explicit files as given."""
    root = _scan_root(paths)
    found = Discovery(root)
    seen: set[Path] = set()
    real: set[Path] = set()

    def add(path: Path, kind: str, syntax: str, resolved: bool = False) -> None:
        key = path.absolute()
        if key in seen:
            return
        seen.add(key)
        try:
            # `resolved`: no symlink on the way (a walk from a resolved directory that never
            # follows one), so the path is its own resolved form
            target = key if resolved else path.resolve()
        except (OSError, RuntimeError):
            target = key
        source = SourceFile(path, _relpath(key, root), kind, syntax)
        if target in real:
            found.aliases.append(source)
            return
        real.add(target)
        found.files.append(source)

    for given in paths:
        if given.is_file():
            known = classify_explicit(str(given.absolute()))
            if known is None:
                found.skipped.append(f"{given}: not a file railsafe checks; skipped")
                continue
            add(given, *known)
            found.explicit.add(given.absolute())
        elif given.is_dir():
            _walk(given.resolve(), add, found.skipped.append, root)
        else:
            found.errors.append(f"{given}: no such file or directory")
    found.files.sort(key=lambda f: f.relpath)
    found.aliases.sort(key=lambda f: f.relpath)
    return found


def git_root(start: Path) -> Path | None:
    """The nearest directory at or above `start` that holds `.git`."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def _walk(top: Path, add: Any, note: Any = None, base: Path | None = None) -> None:
    """Add every file of a kind railsafe reads under `top`; `note` hears of directories
    named like a config file (`railway.toml/`), which Railway cannot read as one."""
    ignores = _GitIgnores()
    root = git_root(top)
    if root is not None and root != top:  # ignore rules written above the checked directory
        for directory in reversed(top.relative_to(root).parents):
            ignores.add(root / directory)
        if ignores.ignored(top, True):  # a directory named on purpose is checked all the same
            ignores = _GitIgnores()
    stack = [top]
    while stack:
        directory = stack.pop()
        ignores.add(directory)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name in SKIP_DIRS or ignores.ignored(path, True):
                        continue
                    if note is not None and entry.name in CONFIG_FILES:
                        shown = _relpath(path, base or top)
                        note(f"{shown}: a directory named like a config file; nothing in it "
                             "is read as one (Railway reads a file of that name)")
                    if _is_virtualenv(path):
                        continue
                    stack.append(path)
                elif entry.is_file(follow_symlinks=True):
                    known = classify_path(path)
                    if known is not None and not ignores.ignored(path, False):
                        add(path, *known, resolved=not entry.is_symlink())
            except OSError:
                continue

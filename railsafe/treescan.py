"""One pass over every text file of the checked tree, for rules that look everywhere.

Discovery (`railsafe.discover`) finds the files Railway reads; a production
credential pasted into a runbook, a shell script, a one-off `.cjs` query
script, a patch or a commented-out line is in none of them. `scan_tree` walks
the tree once, the way `git add .` would take it: it skips what `.gitignore`
ignores (every level), `.git`, dependency and build directories
(`discover.SKIP_DIRS`), virtual environments, files larger than
`MAX_BYTES`, binaries (a NUL byte in the first `SNIFF_BYTES`), and symlinks
(one that leaves the tree is never read; one inside it is read at its own
path).

Each file's bytes are searched for plain substrings, then with a compiled
byte pattern (a URL with `user:password@` or a libpq `password=` in any file;
a database URL variable name in application code); only the files that match
are kept, so the cost is one read and a few C-level searches per file. Rules
then run their own exact patterns over the kept texts (`Context.tree_texts`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_BYTES = 1_000_000  # larger files are data, lock files or bundles, not hand-written text
SNIFF_BYTES = 8192

CREDENTIAL_FILTER = re.compile(
    rb"://[^\s/@:'\"`<>]*:[^\s/@`<>]+@"  # scheme://user:password@
    rb"|(?i:\bpassword\s*=)"  # libpq key/value: host=... password=...
)
NAME_FILTER = re.compile(
    rb"(?i:(?:database|db|postgres(?:ql)?|pg|mysql|mongo(?:db)?|redis)_?(?:url|uri|dsn))"
)
PREFILTER = re.compile(CREDENTIAL_FILTER.pattern + b"|" + NAME_FILTER.pattern)

# application source, where RS307 looks for a logged database URL (test files are not)
CODE_SUFFIXES = frozenset({".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx",
                           ".go"})
_TEST_PART = re.compile(r"(?i)(?:^|/)(?:tests?|__tests__|spec|specs|e2e|fixtures?)/")
_TEST_NAME = re.compile(r"(?i)^(?:test_.*\.py|.*_test\.(?:py|go)|.*\.(?:test|spec)\.[cm]?[jt]sx?|"
                        r"conftest\.py)$")


def is_app_code(relpath: str) -> bool:
    """A source file of the application: a code suffix, not a test file or directory."""
    name = relpath.rsplit("/", 1)[-1]
    if os.path.splitext(name)[1] not in CODE_SUFFIXES or _TEST_NAME.match(name):
        return False
    return not _TEST_PART.search("/" + relpath)


# plain substrings one of which every filter match contains: `in` on bytes is a
# memchr-speed scan, so most files are ruled out without running a regex
_CREDENTIAL_NEEDLES = (b"://", b"assword", b"ASSWORD")
_NAME_NEEDLES = (b"_URL", b"_url", b"Url", b"_URI", b"_uri", b"Uri", b"DSN", b"dsn", b"Dsn")


def worth_reading(data: bytes, relpath: str = "") -> bool:
    """Whether `data` may hold what the tree-wide rules look for: a credential (RS306,
    any file), or a database URL variable name in application code (RS307)."""
    if any(n in data for n in _CREDENTIAL_NEEDLES) and CREDENTIAL_FILTER.search(data):
        return True
    if relpath and not is_app_code(relpath):
        return False
    return any(n in data for n in _NAME_NEEDLES) and NAME_FILTER.search(data) is not None


@dataclass(frozen=True)
class TreeText:
    path: Path
    relpath: str
    source: bytes


@dataclass
class TreeScan:
    texts: list[TreeText]
    files: int = 0  # text files searched
    skipped_large: int = 0
    skipped_binary: int = 0


class _Ignores:
    """.gitignore rules of the directories walked so far, on relative POSIX strings.

    Looked up by the ancestors of each path (O(depth)), not by scanning every
    .gitignore seen: a monorepo has one per package."""

    def __init__(self) -> None:
        # directory relative to the root ("" for the root) -> [(root's path from it, spec)]
        self.specs: dict[str, list[tuple[str, Any]]] = {}

    def add(self, directory: str, relative: str, prefix: str = "") -> None:
        try:
            with open(os.path.join(directory, ".gitignore"), encoding="utf-8",
                      errors="replace") as handle:
                lines = handle.read().splitlines()
        except OSError:
            return
        import pathspec

        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        self.specs.setdefault(relative, []).append((prefix, spec))

    def ignored(self, relative: str, is_dir: bool) -> bool:
        if not self.specs:
            return False
        verdict = False
        parts = relative.split("/")
        for depth in range(len(parts)):  # outermost first: a deeper .gitignore wins
            base = "/".join(parts[:depth])
            for prefix, spec in self.specs.get(base, ()):
                rel = "/".join(parts[depth:])
                result = spec.check_file(prefix + rel + ("/" if is_dir else ""))
                if result.include is not None:
                    verdict = bool(result.include)
        return verdict


def scan_tree(root: Path) -> TreeScan:
    """The texts under `root` that `PREFILTER` matches (see module doc)."""
    from railsafe.discover import SKIP_DIRS, git_root

    root = root.resolve()
    top = str(root)
    scan = TreeScan([])
    ignores = _Ignores()
    repo = git_root(root)
    if repo is not None and repo != root:  # rules written above the checked directory
        for parent in reversed(root.relative_to(repo).parents):
            outer = repo / parent
            ignores.add(str(outer), "", root.relative_to(outer).as_posix() + "/")
    stack: list[tuple[str, str]] = [(top, "")]
    limit, sniff = MAX_BYTES, SNIFF_BYTES
    while stack:
        directory, relative = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        if any(entry.name == ".gitignore" for entry in entries):
            ignores.add(directory, relative)
        for entry in entries:
            rel = f"{relative}/{entry.name}" if relative else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name in SKIP_DIRS or ignores.ignored(rel, True):
                        continue
                    if not os.path.isfile(os.path.join(entry.path, "pyvenv.cfg")):
                        stack.append((entry.path, rel))
                    continue
                if not entry.is_file(follow_symlinks=True) or ignores.ignored(rel, False):
                    continue
                if entry.is_symlink():
                    # outside the tree: never read; inside: read once, at its own path
                    continue
                if entry.stat().st_size > limit:
                    scan.skipped_large += 1
                    continue
                with open(entry.path, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            if b"\0" in data[:sniff]:
                scan.skipped_binary += 1
                continue
            scan.files += 1
            if worth_reading(data, rel):
                scan.texts.append(TreeText(Path(entry.path), rel, data))
    scan.texts.sort(key=lambda t: t.relpath)
    return scan

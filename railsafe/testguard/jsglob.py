"""Which test files jest and vitest collect, matched the way the runners match them.

Jest matches `testMatch` globs with picomatch (`dot: true`) against a test's
absolute path, `testRegex` and `testPathIgnorePatterns` as regular
expressions against it too (`<rootDir>` replaced in the ignore patterns and
the globs); vitest matches `include` / `exclude` globs with `dot: true`
relative to its root (docs/facts.md F39, F40). The globs are micromatch
globs (`**`, `*`, `?`, `[...]`, `{a,b}`, `?(x)`, `+(a|b)`, `!(x)`), which
Python's `fnmatch` does not read (no `**`, no braces or extglobs); wcmatch
does, with the flags below (its GLOBSTAR / EXTGLOB / BRACE / DOTGLOB follow
bash, which micromatch implements; tests/test_testguard.py pins the runners'
default patterns and the shapes configs use).

The checked tree's place on disk is unknown, and a config's own directory
stands for jest's `<rootDir>`. Every answer leans towards *collected*: a
pattern that cannot be read (an absolute path, a regular expression Python
cannot compile, an unreadable config value) makes the answer None, which the
caller takes as collected, and an ignore pattern counts only when it is
certain to match wherever the tree lies.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePosixPath

# jest 30 (`?([mc])`); jest 29's defaults lack it, so the wider set is assumed
JEST_TEST_MATCH = ("**/__tests__/**/*.?([mc])[jt]s?(x)", "**/?(*.)+(spec|test).?([mc])[jt]s?(x)")
JEST_IGNORE = ("/node_modules/",)
VITEST_INCLUDE = ("**/*.{test,spec}.?(c|m)[jt]s?(x)",)
# vitest 4; earlier versions also excluded dist/, cypress/ and tool configs: the
# shorter list (fewer files excluded) is assumed
VITEST_EXCLUDE = ("**/node_modules/**", "**/.git/**")


@lru_cache(maxsize=1)
def _flags() -> int:
    from wcmatch import glob

    return glob.GLOBSTAR | glob.EXTGLOB | glob.BRACE | glob.DOTGLOB


def glob_match(path: str, pattern: str) -> bool | None:
    """Does the micromatch glob match the relative path? None: it cannot be read."""
    from wcmatch import glob

    try:
        return bool(glob.globmatch(path, pattern, flags=_flags()))
    except Exception:  # wcmatch refuses some patterns (a brace expansion too large)
        return None


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str] | None:
    """A JavaScript regular expression as Python's; None when Python reads it differently."""
    translated = re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern)
    try:
        return re.compile(translated)
    except (re.error, OverflowError, RecursionError):
        return None


def _relative(relpath: str, root: str) -> str | None:
    """`relpath` relative to the directory `root` ("" is the checked tree); None outside it."""
    if not root:
        return relpath
    try:
        return PurePosixPath(relpath).relative_to(root).as_posix()
    except ValueError:
        return None


def jest_collects(relpath: str, root: str, test_match: list[str | None] | None,
                  test_regex: list[str | None] | None,
                  ignore: list[str | None]) -> bool | None:
    """Whether jest, with this rootDir (relative to the checked tree), runs the file.

    `test_regex` replaces `test_match` when given (jest refuses both). A None
    list or item is a value that cannot be read.
    """
    rel = _relative(relpath, root)
    if rel is None:
        return False  # not under rootDir: jest never looks there
    if _ignored(relpath, root, ignore):
        return False
    if test_regex:
        # jest tests each regex against the absolute path; "/" + the path in the tree
        # is its tail, so a match here is a match there
        verdicts = [_regex_collects(relpath, p) for p in test_regex]
        if True in verdicts:
            return True
        return None if None in verdicts else False
    if test_match is None or None in test_match:
        return None
    return _jest_globs(relpath, rel, [p for p in test_match if p is not None])


def _regex_collects(relpath: str, pattern: str | None) -> bool | None:
    if pattern is None or "<rootDir>" in pattern:
        return None  # jest does not replace <rootDir> in testRegex: unknown intent
    compiled = _regex(pattern)
    if compiled is None:
        return None
    return compiled.search("/" + relpath) is not None


def _ignored(relpath: str, root: str, patterns: list[str | None]) -> bool:
    """Certain to match a testPathIgnorePatterns entry wherever the tree lies on disk."""
    for pattern in patterns:
        if pattern is None:
            continue
        if pattern.startswith(("<rootDir>", "^<rootDir>")):
            body = pattern.removeprefix("^").removeprefix("<rootDir>")
            if "<rootDir>" in body:
                continue
            compiled = _regex("^" + re.escape("/" + root if root else "") + body)
        elif "<rootDir>" in pattern or pattern.startswith("^"):
            continue  # anchored to the start of an absolute path we do not know
        else:
            compiled = _regex(pattern)
        if compiled is not None and compiled.search("/" + relpath):
            return True
    return False


def _jest_globs(relpath: str, rel: str, patterns: list[str]) -> bool | None:
    """jest's globsToMatcher: kept by a positive glob, dropped by a negated one."""
    kept: bool | None = None
    negatives = 0
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern[1:] if negated and not pattern.startswith("!(") else pattern
        if body.startswith("<rootDir>"):
            subject, body = rel, body.removeprefix("<rootDir>").lstrip("/")
        elif body.startswith("**"):
            subject = relpath  # `**` also spans the directories above rootDir
        elif body.startswith("/"):
            return None  # an absolute path on some machine
        elif negated:
            negatives += 1
            continue  # relative: never matches jest's absolute paths, so drops nothing
        else:
            # relative: jest's absolute paths never match it; read it relative to
            # rootDir all the same (a file it names is taken as collected)
            subject, body = rel, body.removeprefix("./")
        inner = glob_match(subject, body)
        if inner is None:
            return None
        if negated:
            negatives += 1
            matched = inner if pattern.startswith("!(") else not inner
            if not matched:
                kept = False
        elif inner:
            kept = True
    if patterns and negatives == len(patterns):
        return kept is not False
    return kept is True


def vitest_collects(relpath: str, base: str, include: list[str | None] | None,
                    exclude: list[str | None]) -> bool | None:
    """Whether vitest, globbing from `base` (relative to the checked tree), runs the file.

    An `exclude` item that cannot be read (`...configDefaults.exclude`) is
    skipped: it could only exclude more.
    """
    rel = _relative(relpath, base)
    if rel is None:
        return False
    if include is None or None in include:
        return None
    for pattern in exclude:
        if pattern is None or pattern.startswith(("/", "../", "!")):
            continue
        if glob_match(rel, pattern.removeprefix("./")):
            return False
    verdict: bool | None = False
    for pattern in include:
        assert pattern is not None
        if pattern.startswith("!"):
            continue  # a negated include only removes files
        if pattern.startswith(("/", "../")):
            verdict = None
            continue
        matched = glob_match(rel, pattern.removeprefix("./"))
        if matched:
            return True
        if matched is None:
            verdict = None
    return verdict

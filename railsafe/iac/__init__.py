"""Infrastructure as Code files (`.railway/railway.{ts,py,go}`), read statically.

Railway's CLI evaluates these files by running them (railway-iac.md §2.1);
railsafe never does: each language front-end parses the file (tree-sitter
for TypeScript/JavaScript and Go, `ast` for Python) and evaluates only what
is literal (`model`). `normalise` applies the SDK's semantics, the same for
every language. The grammars are imported only when a tree has such a file.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from railsafe.iac.values import Language, Program

# file suffix -> language (railway-iac.md §2.1: the CLI accepts these)
SUFFIXES: dict[str, Language] = {
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".js": "typescript", ".mjs": "typescript", ".cjs": "typescript",
    ".py": "python",
    ".go": "go",
}
IAC_NAMES = frozenset(f"railway{suffix}" for suffix in SUFFIXES)


def language_of(name: str) -> Language | None:
    """The language of an IaC file name (`railway.ts` -> typescript), else None."""
    path = PurePosixPath(name)
    if path.stem != "railway":
        return None
    return SUFFIXES.get(path.suffix)


def read(text: str, relpath: str, language: Language, environment: str | None = None) -> Program:
    """Read one IaC file statically, for one environment (None: one it does not name).

    Never raises for bad input: a syntax error is `Program.error`.
    """
    if language == "python":
        from railsafe.iac.python import read_python

        return read_python(text, relpath, environment)
    if language == "go":
        from railsafe.iac.golang import read_go

        return read_go(text, relpath, environment)
    from railsafe.iac.typescript import read_typescript

    return read_typescript(text, relpath, environment)

"""Findings: what a rule reports, independent of how it is rendered."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """Ordered so that `severity >= threshold` means "at least as bad"."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.strip().upper()]


@dataclass(frozen=True, order=True)
class Span:
    """1-based line and column of the first character; end is exclusive column."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int) -> Span:
        return cls(line, column, line, column + 1)


FILE_START = Span(1, 1, 1, 1)


@dataclass(frozen=True)
class Related:
    """A secondary location: another file or line in the chain behind a finding."""

    path: str
    span: Span
    message: str


@dataclass(frozen=True)
class Hit:
    """One violation as a rule sees it; the engine adds the rule's identity."""

    path: str
    span: Span
    message: str
    fix: str | None = None
    related: tuple[Related, ...] = ()
    severity: Severity | None = None  # overrides the rule's default severity


@dataclass(frozen=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    path: str  # relative to the scanned root, `/` separators
    span: Span
    message: str
    help_url: str = ""
    fix: str | None = None
    related: tuple[Related, ...] = field(default_factory=tuple)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.column, self.rule)


def source_lines(text: str) -> list[str]:
    """The lines of `text` as spans count them: split on "\\n" only, a trailing "\\r" dropped.

    Not `str.splitlines()`, which also splits on \\v, \\f, \\x1c-\\x1e, \\x85,
    U+2028 and U+2029, so its line numbers drift from a span's.
    """
    return [line.removesuffix("\r") for line in text.split("\n")]


# -- stable identity: one definition, used by SARIF fingerprints, baselines and diff --


def offending_text(f: Finding, source: str | None) -> str:
    """The normalised text a finding sits on: its first line, trimmed, whitespace runs
    collapsed to one space, secrets masked ("" when the source is unknown).

    Not the line *number*: a finding whose line moves keeps its identity; one whose
    text changes gets a new one. Redacted first, so no secret is ever hashed.
    """
    if source is None:
        return ""
    lines = source_lines(source)
    if not 0 < f.span.line <= len(lines):
        return ""
    from railsafe.redact import redact

    return " ".join(redact(lines[f.span.line - 1].strip()).split())


def identity_base(rule: str, path: str, text: str) -> str:
    """32 hex digits of sha256(rule, path, normalised offending text)."""
    import hashlib

    return hashlib.sha256(f"{rule}\0{path}\0{text}".encode()).hexdigest()[:32]


def identities(findings: list[Finding], sources: dict[str, str]) -> list[str]:
    """Each finding's stable identity, `<base>:<n>`, in order: `n` counts findings with
    the same base (the same rule twice on one line of one file), so none collide."""
    seen: dict[str, int] = {}
    out = []
    for f in findings:
        base = identity_base(f.rule, f.path, offending_text(f, sources.get(f.path)))
        seen[base] = seen.get(base, 0) + 1
        out.append(f"{base}:{seen[base]}")
    return out

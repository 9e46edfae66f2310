"""Findings: what a rule reports, independent of how it is rendered."""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar


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


def code_point_column(line: bytes, byte_col: int) -> int:
    """The 1-based column a Span holds for byte offset `byte_col` of a UTF-8 `line`:
    parsers count bytes, spans count code points (an ASCII prefix needs no decoding)."""
    prefix = line[:byte_col]
    if prefix.isascii():
        return len(prefix) + 1
    return len(prefix.decode("utf-8", "replace")) + 1


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


# -- building findings: one place for de-duplication, the related cap and identity ----------

# a reader follows a chain of a dozen places; past that a list hides the finding
MAX_RELATED = 12

T = TypeVar("T")


def first_of_each(items: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """`items` in order, the first of each `key` kept: how hits, findings and related
    locations are de-duplicated, so two producers never disagree on what "the same" is."""
    seen: set[Hashable] = set()
    out = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


def _place(path: str, span: Span) -> tuple[str, int, int]:
    return (path, span.line, span.column)


def related_locations(
    items: Iterable[Related], *, primary: tuple[str, Span] | None = None, ordered: bool = False
) -> tuple[Related, ...]:
    """The related locations a finding shows: one per place (path, line, column), none at
    the finding's own place, in the given order (a chain) or `ordered` by place, at most
    MAX_RELATED of them."""
    own = _place(*primary) if primary is not None else None
    kept = [r for r in first_of_each(items, lambda r: _place(r.path, r.span))
            if _place(r.path, r.span) != own]
    if ordered:
        kept.sort(key=lambda r: _place(r.path, r.span))
    return tuple(kept[:MAX_RELATED])


def build_findings(
    rule: str, name: str, severity: Severity, help_url: str, hits: Iterable[Hit]
) -> list[Finding]:
    """A rule's findings from its hits: one per (place, message), the hit's own severity
    over the rule's, related locations as `related_locations` keeps them."""
    unique = first_of_each(hits, lambda h: (*_place(h.path, h.span), h.message))
    return [
        Finding(rule=rule, name=name, severity=h.severity or severity, path=h.path,
                span=h.span, message=h.message, help_url=help_url, fix=h.fix,
                related=related_locations(h.related, primary=(h.path, h.span)))
        for h in unique
    ]


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

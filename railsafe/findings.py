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

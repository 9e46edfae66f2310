"""`--format text`: `path:line:col`, severity, rule, message, and a code frame.

Every string from the checked files (paths, messages, code frames, related
locations, fixes) goes through `printable`, so control characters in them are
shown as `\\xNN` and never reach the terminal; all but paths are redacted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from railsafe.findings import source_lines
from railsafe.redact import redact, redact_mapped
from railsafe.render import plural, printable, summary_text

if TYPE_CHECKING:
    from railsafe.engine import Report
    from railsafe.findings import Finding

_COLORS = {"error": "31", "warning": "33", "info": "36", "dim": "2", "bold": "1"}


def _paint(text: str, style: str, color: bool) -> str:
    return f"\x1b[{_COLORS[style]}m{text}\x1b[0m" if color else text


def _shown(text: str) -> str:
    """Text from a finding, redacted and safe for a terminal."""
    return printable(redact(text))


def _follow(origin: list[tuple[int, int]], start: int, end: int, size: int) -> tuple[int, int]:
    """The [first, last) characters of the shown line that stand for raw [start, end).

    A mask stands for the whole value it replaced, so a span inside a masked
    value gets the mask, and a span around one gets it with the rest; the
    caret never runs past the shown line (a point at its end gets one caret
    just after it).
    """
    covered = [i for i, (lo, hi) in enumerate(origin) if lo < end and start < hi]
    if covered:
        return covered[0], covered[-1] + 1
    first = next((i for i, (lo, _) in enumerate(origin) if lo >= start), size)
    return first, first + 1


def _printable_mapped(
    text: str, origin: list[tuple[int, int]]
) -> tuple[str, list[tuple[int, int]]]:
    """`printable(text)`, with `origin` following the escapes (each stands for its character)."""
    if printable(text) == text:
        return text, origin
    parts: list[str] = []
    moved: list[tuple[int, int]] = []
    for char, covers in zip(text, origin, strict=True):
        shown = printable(char)
        parts.append(shown)
        moved += [covers] * len(shown)
    return "".join(parts), moved


def _frame(f: Finding, source: str | None, color: bool) -> list[str]:
    if source is None:
        return []
    lines = source_lines(source)
    if not 0 < f.span.line <= len(lines):
        return []
    raw = lines[f.span.line - 1].expandtabs(1)
    number = str(f.span.line)
    gutter = " " * len(number)
    start = min(max(f.span.column - 1, 0), len(raw))
    end = f.span.end_column - 1 if f.span.end_line == f.span.line else len(raw)
    end = min(max(end, start + 1), max(len(raw), start + 1))
    shown, origin = _printable_mapped(*redact_mapped(raw))
    first, last = _follow(origin, start, end, len(shown))
    marker = " " * first + "^" * (last - first)
    bar = _paint("|", "dim", color)
    return [
        f"  {gutter} {bar}",
        f"  {number} {bar} {shown}",
        f"  {gutter} {bar} {_paint(marker, f.severity.label, color)}",
    ]


def render(report: Report, color: bool = False) -> str:
    out: list[str] = []
    for f in report.findings:
        where = _paint(f"{printable(f.path)}:{f.span.line}:{f.span.column}", "bold", color)
        sev = _paint(f.severity.label, f.severity.label, color)
        out.append(f"{where}: {sev} {f.rule} {f.name}: {_shown(f.message)}")
        out.extend(_frame(f, report.sources.get(f.path), color))
        for r in f.related:
            at = f"{printable(r.path)}:{r.span.line}:{r.span.column}"
            out.append(f"  = related: {at}: {_shown(r.message)}")
        if f.fix:
            out.append(f"  = fix: {_shown(f.fix)}")
        out.append("")
    summary = summary_text(report)
    files = plural(report.files, "file")
    out.append(f"Found {summary}." if summary else f"No findings in {files}.")
    return "\n".join(out) + "\n"

"""Renderers: findings in, text out. They never analyse and never read files."""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from railsafe.engine import Report

FORMATS = ("text", "json", "sarif", "github", "markdown")

# C0 and C1 control characters but tab: ESC starts a terminal escape sequence
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def escape_control(char: str) -> str:
    """`\\xNN` for a control character."""
    return f"\\x{ord(char):02x}"


def printable(text: str, newlines: bool = False) -> str:
    """`text` with C0/C1 control characters (but tab) shown as `\\xNN`.

    Text from the checked files cannot then drive the terminal (clear it, set
    its title, hide a line) or forge an output line of its own. `newlines`
    keeps "\\n" and "\\r", for a format that escapes them itself.
    """
    keep = "\n\r" if newlines else ""
    return _CONTROL.sub(lambda m: m[0] if m[0] in keep else escape_control(m[0]), text)


def render(report: Report, fmt: str, color: bool = False) -> str:
    module = import_module(f"railsafe.render.{fmt}_format")
    func: Callable[..., str] = module.render
    return func(report, color=color)


def summary_counts(report: Report) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in report.findings:
        counts[f.severity.label] += 1
    return counts


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def summary_text(report: Report) -> str | None:
    """`4 findings (2 errors, 1 warning, 1 info) in 5 files`, or None when clean."""
    counts = summary_counts(report)
    total = sum(counts.values())
    if not total:
        return None
    parts = ", ".join(plural(n, k) for k, n in counts.items() if n)
    return f"{plural(total, 'finding')} ({parts}) in {plural(report.files, 'file')}"

"""Inline suppressions: `railsafe: ignore[RS101] reason` comments.

A comment on the finding's line, or alone on the line above it, silences the
named rules (ids or names) for that finding (a bare `railsafe: ignore`, all of
them); `railsafe: ignore-file[RS005]` anywhere in a file silences them for the
whole file. Any comment syntax works
(`#`, `//`), so TOML, JSONC, Dockerfiles, shell, Python and JavaScript alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from railsafe.findings import Finding, source_lines

_PRAGMA = re.compile(r"railsafe:\s*ignore(?P<file>-file)?(?:\[(?P<rules>[^\]]*)\])?")
ALL = "*"  # a bare `railsafe: ignore` silences every rule


def _rules(match: re.Match[str]) -> set[str]:
    if match["rules"] is None:
        return {ALL}
    return {r.strip().lower() for r in match["rules"].split(",") if r.strip()}


def _names(f: Finding) -> set[str]:
    return {f.rule.lower(), f.name, ALL}


def filter_suppressed(findings: Iterable[Finding], sources: dict[str, str]) -> list[Finding]:
    """The findings that no inline or file-level pragma silences."""
    lines_of: dict[str, list[str]] = {}
    file_rules: dict[str, set[str]] = {}
    kept = []
    for f in findings:
        text = sources.get(f.path)
        if text is None or "railsafe:" not in text:
            kept.append(f)
            continue
        if f.path not in lines_of:
            lines_of[f.path] = source_lines(text)
            file_rules[f.path] = {
                r for m in _PRAGMA.finditer(text) if m["file"] for r in _rules(m)
            }
        lines = lines_of[f.path]
        silenced = set(file_rules[f.path])
        for number in (f.span.line, f.span.line - 1):
            if not 0 < number <= len(lines):
                continue
            line = lines[number - 1]
            if number != f.span.line and not line.lstrip().startswith(("#", "//")):
                continue
            for m in _PRAGMA.finditer(line):
                if not m["file"]:
                    silenced |= _rules(m)
        if not silenced & _names(f):
            kept.append(f)
    return kept

"""Inline suppressions: `railsafe: ignore[RS101] reason` comments.

A comment on the finding's line, or alone on the line above it, silences the
named rules (ids or names) for that finding (a bare `railsafe: ignore`, all of
them); `railsafe: ignore-file[RS005]` anywhere in a file silences them for the
whole file. Any comment syntax works
(`#`, `//`), so TOML, JSONC, Dockerfiles, shell, Python and JavaScript alike.

Hygiene (`audit`): every pragma is recorded with its reason (the text after
it) and which of its rules silenced something, so the engine can report a
suppression without a reason (RS020), one that matches nothing (RS021), and,
when the settings say `allow-error-suppressions = false`, one that tries to
silence an error-level finding (RS022; the finding is then kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from railsafe.findings import Finding, Severity, Span, source_lines

_PRAGMA = re.compile(r"railsafe:\s*ignore(?P<file>-file)?(?:\[(?P<rules>[^\]]*)\])?")
ALL = "*"  # a bare `railsafe: ignore` silences every rule
# comment closers that are not a reason
_CLOSERS = re.compile(r"^(?:\*/|-->|\"\"\"|''')\s*|\s*(?:\*/|-->)\s*$")


def _rules(match: re.Match[str]) -> set[str]:
    if match["rules"] is None:
        return {ALL}
    return {r.strip().lower() for r in match["rules"].split(",") if r.strip()}


def _names(f: Finding) -> set[str]:
    return {f.rule.lower(), f.name, ALL}


@dataclass
class Pragma:
    """One suppression comment: where it is, what it names, why, and what it silenced."""

    path: str
    span: Span
    rules: tuple[str, ...]  # lower-case ids / names as written, or ("*",)
    reason: str
    whole_file: bool
    used: set[str] = field(default_factory=set)  # the entries of `rules` that matched
    refused: list[Finding] = field(default_factory=list)  # error-level, not silenced


def _pragmas(path: str, text: str) -> list[Pragma]:
    out = []
    for number, line in enumerate(source_lines(text), start=1):
        if "railsafe:" not in line:
            continue
        for m in _PRAGMA.finditer(line):
            rest = _PRAGMA.split(line[m.end():], maxsplit=1)[0]
            reason = _CLOSERS.sub("", rest.strip()).strip(" \t:-—")
            names = _rules(m)
            order = sorted(names) if m["rules"] is not None else [ALL]
            out.append(Pragma(path, Span(number, m.start() + 1, number, m.end() + 1),
                              tuple(order), reason, bool(m["file"])))
    return out


def audit(
    findings: Iterable[Finding],
    sources: dict[str, str],
    allow_error_suppressions: bool = True,
) -> tuple[list[Finding], list[Finding], list[Pragma]]:
    """(kept findings, silenced findings, every pragma with what it matched)."""
    pragmas: dict[str, list[Pragma]] = {}
    for path, text in sources.items():
        if "railsafe:" in text:
            found = _pragmas(path, text)
            if found:
                pragmas[path] = found
    lines_of: dict[str, list[str]] = {}
    kept: list[Finding] = []
    silenced_out: list[Finding] = []
    for f in findings:
        candidates = pragmas.get(f.path)
        if not candidates:
            kept.append(f)
            continue
        if f.path not in lines_of:
            lines_of[f.path] = source_lines(sources[f.path])
        lines = lines_of[f.path]
        names = _names(f)
        matching: list[tuple[Pragma, set[str]]] = []
        for p in candidates:
            applies = p.whole_file or p.span.line == f.span.line or (
                p.span.line == f.span.line - 1 and 0 < p.span.line <= len(lines)
                and lines[p.span.line - 1].lstrip().startswith(("#", "//")))
            hit = set(p.rules) & names if applies else set()
            if hit:
                matching.append((p, hit))
        if not matching:
            kept.append(f)
            continue
        for p, hit in matching:
            p.used |= hit
        if f.severity >= Severity.ERROR and not allow_error_suppressions:
            for p, _ in matching:
                p.refused.append(f)
            kept.append(f)
        else:
            silenced_out.append(f)
    every = [p for found in pragmas.values() for p in found]
    return kept, silenced_out, every


def filter_suppressed(findings: Iterable[Finding], sources: dict[str, str]) -> list[Finding]:
    """The findings that no inline or file-level pragma silences."""
    return audit(findings, sources)[0]

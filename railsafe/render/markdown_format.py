"""`--format markdown`: a report for a pull-request comment (GitHub-flavoured).

A hidden marker (`<!-- railsafe-report -->`) lets a bot find and update its
previous comment instead of adding a new one. Text from the checked files is
escaped so it cannot break the table or the page: `|` is escaped everywhere
(also inside code spans, as GFM tables require), Markdown and HTML
punctuation is backslash-escaped outside code spans, newlines become `<br>`,
and `@` is followed by a zero-width space so a package name such as
`@prisma/client` in a message never mentions anyone. Paths are not redacted
(they must locate the file; see `railsafe.redact`); messages and fixes are.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from railsafe.redact import redact
from railsafe.render import plural, summary_counts

if TYPE_CHECKING:
    from railsafe.engine import Report
    from railsafe.findings import Finding

MARKER = "<!-- railsafe-report -->"
HEADING = "## railsafe"

_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)
_PUNCT = re.compile(r"([\\`*_\[\]<>&|~#!])")


def _plain(text: str) -> str:
    text = _PUNCT.sub(r"\\\1", text)
    return text.replace("@", "@&#8203;")


def _code(text: str) -> str:
    """`text` as a code span that survives a table cell."""
    text = " ".join(text.split("\n")).replace("|", "\\|")
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def inline(text: str) -> str:
    """Redacted `text` safe inside a table cell; its own `code spans` are kept."""
    text = redact(text).replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_plain(text[pos : m.start()]))
        out.append(_code(m.group(2)))
        pos = m.end()
    out.append(_plain(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def _location(path: str, line: int, column: int) -> str:
    return _code(f"{path}:{line}:{column}")


def _rule(f: Finding) -> str:
    label = f"{inline(f.rule)} {inline(f.name)}"
    url = redact(f.help_url)
    if url and not re.search(r"[\s()<>]", url):
        return f"[{label}]({url})"
    return label


def _details(f: Finding) -> str:
    parts = [inline(f.message)]
    for r in f.related:
        where = _location(r.path, r.span.line, r.span.column)
        parts.append(f"related: {where} {inline(r.message)}".rstrip())
    if f.fix:
        parts.append(f"**Fix:** {inline(f.fix)}")
    return "<br>".join(parts)


def render(report: Report, color: bool = False) -> str:
    counts = summary_counts(report)
    total = sum(counts.values())
    files = plural(report.files, "file")
    out = [MARKER, HEADING, ""]
    if not total:
        out.append(f"No findings in {files}.")
        return "\n".join(out) + "\n"

    out += [
        f"Found **{plural(total, 'finding')}** in {files}.",
        "",
        "| Severity | Count |",
        "| --- | ---: |",
    ]
    out += [f"| {sev} | {n} |" for sev, n in counts.items()]
    out += [
        "",
        "| Severity | Rule | Location | Message |",
        "| --- | --- | --- | --- |",
    ]
    for f in report.findings:
        where = _location(f.path, f.span.line, f.span.column)
        out.append(f"| {f.severity.label} | {_rule(f)} | {where} | {_details(f)} |")
    return "\n".join(out) + "\n"

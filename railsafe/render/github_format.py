"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

    ::error file=railway.toml,line=3,col=1,endLine=3,endColumn=62,title=RS101 tests-in-build::msg

Severity: error -> `::error`, warning -> `::warning`, info -> `::notice`.
Escaping follows the Actions runner (actions/toolkit `command.ts`): in the
message `%`, `\\r`, `\\n` become `%25`, `%0D`, `%0A`; in property values `:`
and `,` are also escaped (`%3A`, `%2C`). A multi-line message (related
locations, fix) stays one command line and shows as several lines.
Control characters in the text (ESC, BEL, ...) are shown as `\\xNN` (see
`render.printable`), but for newlines, which the escaping above covers. Paths
are not redacted (they must locate the file; see `railsafe.redact`);
messages, related messages and fixes are.
`col`/`endColumn` are sent only for single-line spans (GitHub ignores columns
on spans that cross lines); `endColumn` is exclusive, as in railsafe's spans.

GitHub renders at most 10 annotations of each kind per step; the rest still
appear in the log. A plain summary line ends the output and, past that cap,
points to `--format sarif` (code scanning has no such cap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from railsafe.redact import redact
from railsafe.render import plural, printable, summary_counts, summary_text

if TYPE_CHECKING:
    from railsafe.engine import Report
    from railsafe.findings import Finding

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
ANNOTATION_CAP = 10  # per kind, per step


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _properties(f: Finding) -> str:
    span = f.span
    line = max(span.line, 1)
    end_line = max(span.end_line, line)
    props: list[tuple[str, str]] = [("file", printable(f.path)), ("line", str(line))]
    if end_line == line:
        col = max(span.column, 1)
        props += [
            ("col", str(col)),
            ("endLine", str(end_line)),
            ("endColumn", str(max(span.end_column, col))),
        ]
    else:
        props.append(("endLine", str(end_line)))
    props.append(("title", _shown(f"{f.rule} {f.name}")))
    return ",".join(f"{key}={escape_property(value)}" for key, value in props)


def _shown(text: str) -> str:
    """Text from a finding, redacted and without control characters (see `printable`)."""
    return printable(redact(text), newlines=True)


def _message(f: Finding) -> str:
    lines = [_shown(f.message)]
    for r in f.related:
        at = f"{printable(r.path)}:{r.span.line}:{r.span.column}"
        lines.append(f"related: {at}: {_shown(r.message)}")
    if f.fix:
        lines.append(f"fix: {_shown(f.fix)}")
    if f.help_url:
        lines.append(f"see: {_shown(f.help_url)}")
    return "\n".join(lines)


def annotation(f: Finding) -> str:
    command = COMMANDS[f.severity.label]
    return f"::{command} {_properties(f)}::{escape_data(_message(f))}"


def render(report: Report, color: bool = False) -> str:
    out = [annotation(f) for f in report.findings]
    summary = summary_text(report)
    if summary:
        out.append(f"railsafe: {summary}.")
        if any(n > ANNOTATION_CAP for n in summary_counts(report).values()):
            out.append(
                f"railsafe: GitHub shows at most {ANNOTATION_CAP} annotations of each kind "
                "per step; all findings are listed above. Upload `--format sarif` to code "
                "scanning to see every one."
            )
    else:
        out.append(f"railsafe: no findings in {plural(report.files, 'file')}.")
    return "\n".join(out) + "\n"

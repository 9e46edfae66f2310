"""`--format json`: the versioned contract in docs/design.md."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from railsafe.redact import redact
from railsafe.render import summary_counts

if TYPE_CHECKING:
    from railsafe.engine import Report
    from railsafe.findings import Finding

VERSION = 1


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "name": f.name,
        "severity": f.severity.label,
        "path": f.path,
        "line": f.span.line,
        "column": f.span.column,
        "end_line": f.span.end_line,
        "end_column": f.span.end_column,
        "message": redact(f.message),
        "help_url": f.help_url,
        "fix": redact(f.fix) if f.fix else None,
        "related": [
            {
                "path": r.path,
                "line": r.span.line,
                "column": r.span.column,
                "message": redact(r.message),
            }
            for r in f.related
        ],
    }


def render(report: Report, color: bool = False) -> str:
    payload = {
        "version": VERSION,
        "findings": [finding_dict(f) for f in report.findings],
        "summary": {"files": report.files, **summary_counts(report)},
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"

"""`--format sarif`: SARIF 2.1.0 that GitHub code scanning accepts by construction.

Choices, each answering a known way SARIF uploads fail or mislead:

- One run, one category (`automationDetails.id` = `railsafe/`): GitHub rejects
  an upload whose runs share a category.
- Every result has exactly one physical location. GitHub rejects the *whole*
  upload if any result lacks one, so a finding without a usable span still
  gets line 1, column 1 of its file.
- Severity is mapped explicitly: error -> `error`, warning -> `warning`,
  info -> `note` (SARIF has no fourth level besides `none`, which we never use).
- `partialFingerprints["railsafe/v1"]` is the finding's stable identity
  (`railsafe.findings.identities`, shared with baselines and `railsafe diff`):
  a hash of rule id + path + the normalised (trimmed, whitespace-collapsed,
  redacted) text of the finding's first line, plus an occurrence counter for
  identical lines. It ignores the line *number*, so moving a line does not
  reopen or duplicate an alert; changing the line's text does.
- Columns are Unicode code points (`columnKind`), 1-based; `endColumn` is
  exclusive, as in railsafe's own spans.
- Only rules that have a result are listed in `tool.driver.rules`.

- A rule that crashed (`report.internal_errors`) is an error-level
  `toolExecutionNotification` and makes `executionSuccessful` false.

Every string that can carry user data goes through `redact`, except paths
(artifact URIs): they must locate the file (see `railsafe.redact`).
JSON escapes control characters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import railsafe
from railsafe.findings import Severity, identities
from railsafe.redact import redact

if TYPE_CHECKING:
    from railsafe.engine import Report
    from railsafe.findings import Finding, Span
    from railsafe.rules import Rule

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/railsafe/railsafe"
CATEGORY = "railsafe/"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "railsafe/v1"

LEVELS: dict[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}


def level(severity: Severity) -> str:
    return LEVELS[severity]


def artifact_uri(path: str) -> str:
    """A relative URI reference for a root-relative `/`-separated path."""
    return quote(path, safe="/-._~!$&'()*+,;=@")


def region(span: Span) -> dict[str, int]:
    """A SARIF region that is always valid: 1-based, end never before start."""
    start_line = max(span.line, 1)
    start_col = max(span.column, 1)
    end_line = max(span.end_line, start_line)
    end_col = max(span.end_column, 1)
    if end_line == start_line:
        end_col = max(end_col, start_col)
    return {
        "startLine": start_line,
        "startColumn": start_col,
        "endLine": end_line,
        "endColumn": end_col,
    }


def physical_location(path: str, span: Span) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": artifact_uri(path), "uriBaseId": SRCROOT},
        "region": region(span),
    }


def _message(f: Finding) -> str:
    text = redact(f.message)
    if f.fix:
        text += f"\n\nFix: {redact(f.fix)}"
    return text


def _rule_descriptor(f: Finding, rule: Rule | None) -> dict[str, Any]:
    if rule is None:  # a finding from a rule not in the registry: use what it carries
        name, summary, doc, url, sev = f.name, f.name, "", f.help_url, f.severity
    else:
        name, summary, doc, url, sev = (
            rule.name,
            rule.summary,
            rule.doc,
            rule.help_url,
            rule.severity,
        )
    summary = redact(summary or name or f.rule)
    doc = redact(doc.strip()) or summary
    descriptor: dict[str, Any] = {
        "id": f.rule,
        "name": redact(name),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": doc, "markdown": doc},
        "help": {"text": doc, "markdown": doc},
    }
    if url:
        descriptor["helpUri"] = redact(url)
    descriptor["defaultConfiguration"] = {"level": level(sev)}
    descriptor["properties"] = {"tags": ["railway", f.rule[:3]]}
    return descriptor


def sarif_log(report: Report, rules: Iterable[Rule] | None = None) -> dict[str, Any]:
    """The SARIF log as a dict (see the module docstring for the choices)."""
    if rules is None:
        from railsafe.rules import all_rules

        rules = all_rules()
    registry = {r.id: r for r in rules}

    rule_ids = sorted({f.rule for f in report.findings})
    index = {rid: i for i, rid in enumerate(rule_ids)}
    first: dict[str, Finding] = {}
    for f in report.findings:
        first.setdefault(f.rule, f)
    descriptors = [_rule_descriptor(first[rid], registry.get(rid)) for rid in rule_ids]

    results: list[dict[str, Any]] = []
    prints = identities(report.findings, report.sources)
    for f, fingerprint in zip(report.findings, prints, strict=True):
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": level(f.severity),
            "message": {"text": _message(f)},
            "locations": [{"physicalLocation": physical_location(f.path, f.span)}],
        }
        if f.related:
            result["relatedLocations"] = [
                {
                    "id": i,
                    "physicalLocation": physical_location(r.path, r.span),
                    "message": {"text": redact(r.message) or r.path},
                }
                for i, r in enumerate(f.related, start=1)
            ]
        result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint}
        results.append(result)

    # A rule that crashed leaves the run incomplete: its findings are missing.
    invocation: dict[str, Any] = {"executionSuccessful": not report.internal_errors}
    notifications = report.errors + report.internal_errors
    if notifications:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": redact(e)}} for e in notifications
        ]

    version = railsafe.__version__
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "railsafe",
                "version": version,
                "semanticVersion": version,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        "automationDetails": {"id": CATEGORY},
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, color: bool = False, rules: Iterable[Rule] | None = None) -> str:
    return json.dumps(sarif_log(report, rules), indent=2, ensure_ascii=False) + "\n"

"""`railsafe diff` output: text, JSON (versioned) and Markdown for a pull-request comment.

Every value from the checked files is redacted; text output escapes control
characters; Markdown escapes table and HTML syntax (`render.markdown_format.inline`).
"""

from __future__ import annotations

import json
from typing import Any

from railsafe.findings import Finding
from railsafe.redact import redact
from railsafe.render import plural, printable
from railsafe.review.compare import RISKS, Change, Diff
from railsafe.review.show import env_label, mermaid

VERSION = 1
MARKER = "<!-- railsafe-diff -->"
_SYMBOL = {"raises": "▲", "lowers": "▼", "neutral": "•"}


def _counts(diff: Diff) -> dict[str, int]:
    return {risk: sum(1 for c in diff.changes if c.risk == risk) for risk in RISKS}


def summary(diff: Diff) -> str:
    counts = _counts(diff)
    if not diff.changes and not diff.new and not diff.resolved:
        return "no change to production risk"
    parts = [f"{plural(counts['raises'], 'change')} raise risk",
             f"{counts['lowers']} lower it", f"{counts['neutral']} neutral",
             f"{plural(len(diff.new), 'new finding')}",
             f"{plural(len(diff.resolved), 'resolved finding')}"]
    return ", ".join(parts)


def _where(c: Change) -> str:
    return f"{c.service} [{env_label(c.environment)}]"


def _value(v: Any) -> Any:
    if isinstance(v, str):
        return redact(v)
    if isinstance(v, list | tuple):
        return [_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _value(x) for k, x in v.items()}
    return v


# -- text ---------------------------------------------------------------------


def _finding_line(f: Finding) -> str:
    return (f"  {printable(f.path)}:{f.span.line}:{f.span.column}: {f.severity.label} "
            f"{f.rule} {f.name}: {printable(redact(f.message))}")


def render_text(diff: Diff) -> str:
    out = [f"railsafe diff {printable(diff.base.label)} → {printable(diff.head.label)}", ""]
    for risk in RISKS:
        listed = [c for c in diff.changes if c.risk == risk]
        if not listed:
            continue
        out.append(f"{risk.capitalize()} risk:" if risk != "neutral" else "Neutral:")
        for c in listed:
            out.append(f"  {_SYMBOL[risk]} {c.severity.label:<7} {printable(_where(c))} "
                       f"{c.facet}: {printable(redact(c.reason))}")
            where = c.new_where or c.old_where
            if where:
                out.append(f"    at {printable(where)}")
        out.append("")
    if diff.new:
        out.append("New findings:")
        out += [_finding_line(f) for f, _ in diff.new]
        out.append("")
    if diff.resolved:
        out.append("Resolved findings:")
        out += [_finding_line(f) for f, _ in diff.resolved]
        out.append("")
    out.append(f"Summary: {summary(diff)}.")
    return "\n".join(out) + "\n"


# -- json -----------------------------------------------------------------------


def to_json(diff: Diff) -> dict[str, Any]:
    from railsafe.render.json_format import finding_dict

    counts = _counts(diff)
    raising = diff.raising()
    highest = max((x.severity for x in raising), default=None)
    return {
        "version": VERSION,
        "base": diff.base.label,
        "head": diff.head.label,
        "summary": {**counts, "new_findings": len(diff.new),
                    "resolved_findings": len(diff.resolved),
                    "highest_raised": highest.label if highest is not None else None},
        "changes": [
            {"service": c.service, "environment": c.environment, "facet": c.facet,
             "kind": c.kind, "risk": c.risk, "severity": c.severity.label,
             "reason": redact(c.reason), "old": _value(c.old), "new": _value(c.new),
             "old_location": c.old_where, "new_location": c.new_where}
            for c in diff.changes
        ],
        "new_findings": [{"id": i, **finding_dict(f)} for f, i in diff.new],
        "resolved_findings": [{"id": i, **finding_dict(f)} for f, i in diff.resolved],
    }


def render_json(diff: Diff) -> str:
    return json.dumps(to_json(diff), indent=2, ensure_ascii=False) + "\n"


# -- markdown ---------------------------------------------------------------------


def render_markdown(diff: Diff) -> str:
    from railsafe.render.markdown_format import inline

    counts = _counts(diff)
    out = [MARKER, "## railsafe diff", ""]
    head = (f"Comparing {inline('`' + diff.base.label + '`')} with "
            f"{inline('`' + diff.head.label + '`')}: ")
    if counts["raises"] or diff.new:
        worst = max(x.severity for x in diff.raising())
        out.append(head + f"**{summary(diff)}** (highest: {worst.label}).")
    else:
        out.append(head + f"{summary(diff)}.")
    out.append("")
    if diff.changes:
        out += ["| Risk | Severity | Service | Environment | What changes |",
                "| --- | --- | --- | --- | --- |"]
        for c in diff.changes:
            where = f"<br>{inline('`' + (c.new_where or c.old_where or '') + '`')}" if (
                c.new_where or c.old_where) else ""
            out.append(f"| {_SYMBOL[c.risk]} {c.risk} | {c.severity.label} | "
                       f"{inline(c.service)} | {inline(env_label(c.environment))} | "
                       f"{inline(c.reason)}{where} |")
        out.append("")
    for title, listed in (("New findings", diff.new), ("Resolved findings", diff.resolved)):
        if not listed:
            continue
        out += [f"<details><summary>{title} ({len(listed)})</summary>", "",
                "| Severity | Rule | Location | Message |", "| --- | --- | --- | --- |"]
        for f, _ in listed:
            loc = inline(f"`{f.path}:{f.span.line}:{f.span.column}`")
            out.append(f"| {f.severity.label} | {inline(f.rule)} {inline(f.name)} | {loc} | "
                       f"{inline(f.message)} |")
        out += ["", "</details>", ""]
    services = diff.changed_services()
    shown = [s for s in services if any(k[0] == s for k in diff.head.views)]
    if shown:
        marked = {(c.service, c.environment, c.facet) for c in diff.changes}
        marked |= {(s, e, "cron") for s, e, p in list(marked) if p == "start"}
        out += ["<details open><summary>What runs where, in the changed services</summary>", "",
                "```mermaid", mermaid(diff.head, shown, marked).rstrip("\n"), "```", "",
                "</details>", ""]
    out.append("<sub>railsafe diff: risk to production data and deploys, per service and "
               "environment. Secrets are masked.</sub>")
    return "\n".join(out) + "\n"

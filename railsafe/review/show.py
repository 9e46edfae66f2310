"""`railsafe show`: per service and environment, what runs where, and what is reachable there.

Phases: build, pre-deploy, start, and cron (the start command on a schedule).
Reachability follows railway-facts §5: the private network only at runtime
(pre-deploy, start), service variables in every phase (a Dockerfile build
only sees the `ARG`s it declares).
"""

from __future__ import annotations

import json
from typing import Any

from railsafe.redact import redact
from railsafe.render import printable
from railsafe.review.snapshot import PhaseCommand, Snapshot, View, dumps

VERSION = 1
PHASES = ("build", "pre-deploy", "start", "cron")


def reach(view: View, phase: str) -> tuple[str, str]:
    """(production variables, private network) for a phase, in words."""
    prod = "production" if view.production else "non-production"
    if phase == "build":
        variables = (f"{prod} variables only as declared ARGs" if view.builder == "DOCKERFILE"
                     else f"{prod} variables")
        return variables, "no private network"
    return f"{prod} variables", "private network"


def steps(view: View) -> list[tuple[str, PhaseCommand]]:
    out = [(s.phase, s) for s in view.steps]
    if "cron" in view.settings:
        out += [("cron", s) for s in view.phase("start")]
    return out


def env_label(env: str | None) -> str:
    return "default" if env is None else env


def to_json(snap: Snapshot) -> dict[str, Any]:
    from railsafe.render.json_format import finding_dict

    services = []
    for view in snap.views.values():
        phases = []
        for phase, step in steps(view):
            variables, network = reach(view, phase)
            phases.append({
                "phase": phase, "command": redact(step.text), "path": step.path,
                "line": step.span.line, "column": step.span.column,
                "from": [redact(c) for c in step.chain], "builder_default": step.default,
                "variables": variables, "network": network,
                "findings": [finding_dict(f) for f in snap.findings_on(step)],
            })
        services.append({
            "service": view.service, "root": view.root, "environment": view.environment,
            "production": view.production, "builder": view.builder,
            "builder_reason": redact(view.builder_reason),
            "settings": {k: redact(dumps(v)) for k, v in view.settings.items()},
            "variables_referenced": list(view.variables), "iac_file": view.iac_file,
            "partial": view.partial, "steps": phases,
            "other_findings": [finding_dict(f) for f in snap.other_findings(view)],
        })
    return {"version": VERSION, "services": services}


def render_json(snap: Snapshot) -> str:
    return json.dumps(to_json(snap), indent=2, ensure_ascii=False) + "\n"


def render_text(snap: Snapshot) -> str:
    out: list[str] = []
    if not snap.views:
        return "No Railway service found.\n"
    for view in snap.views.values():
        head = f"service {view.service} · {env_label(view.environment)}"
        if view.production:
            head += " (production)"
        out.append(printable(head))
        out.append(f"  builder: {view.builder} ({printable(redact(view.builder_reason))})")
        for key, value in view.settings.items():
            out.append(f"  {key}: {printable(redact(dumps(value)))}")
        if view.partial is not None:
            out.append(f"  IaC partial: {view.partial} ({view.iac_file})")
        if view.variables:
            out.append(f"  variables referenced: {', '.join(view.variables)}")
        listed = steps(view)
        if not listed:
            out.append("  (no command: nothing runs that railsafe can see)")
        for phase, step in listed:
            variables, network = reach(view, phase)
            out.append(f"  {phase:<10} {printable(redact(step.text))}")
            out.append(f"  {'':<10} at {printable(step.where)}: {printable(redact(step.chain[0]))}")
            for link in step.chain[1:]:
                out.append(f"  {'':<10} via {printable(redact(link))}")
            out.append(f"  {'':<10} reaches: {variables}, {network}")
            for f in snap.findings_on(step):
                out.append(f"  {'':<10} {f.severity.label} {f.rule} {f.name}: "
                           f"{printable(redact(f.message))}")
        others = snap.other_findings(view)
        if others:
            out.append("  other findings:")
            for f in others:
                out.append(f"    {printable(f.path)}:{f.span.line}:{f.span.column}: "
                           f"{f.severity.label} {f.rule} {f.name}")
        out.append("")
    return "\n".join(out)


# -- mermaid ------------------------------------------------------------------


def _label(text: str) -> str:
    """Mermaid label text: redacted, quotes and markup neutralised, one line."""
    text = printable(redact(" ".join(text.split())))
    if len(text) > 60:
        text = text[:57] + "..."
    for a, b in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;"),
                 ("|", "#124;"), ("[", "#91;"), ("]", "#93;"), ("{", "#123;"), ("}", "#125;")):
        text = text.replace(a, b)
    return text


def mermaid(snap: Snapshot, only: list[str] | None = None,
            changed: set[tuple[str, str | None, str]] | None = None) -> str:
    """A `flowchart LR`: one subgraph per service and environment, its steps in order.

    Steps with an error or warning finding are `risky`; `changed` marks
    (service, environment, phase) triples as `changed`.
    """
    lines = ["flowchart LR"]
    risky_ids: list[str] = []
    changed_ids: list[str] = []
    n = 0
    for view in snap.views.values():
        if only is not None and view.service not in only:
            continue
        n += 1
        title = f"{view.service} · {env_label(view.environment)} · {view.builder}"
        lines.append(f'  subgraph s{n}["{_label(title)}"]')
        previous = None
        for i, (phase, step) in enumerate(steps(view), start=1):
            node = f"s{n}n{i}"
            lines.append(f'    {node}["{_label(phase)}: {_label(step.text)}"]')
            if previous is not None:
                lines.append(f"    {previous} --> {node}")
            previous = node
            if any(f.severity.label in ("error", "warning") for f in snap.findings_on(step)):
                risky_ids.append(node)
            if changed and (view.service, view.environment, phase) in changed:
                changed_ids.append(node)
        if previous is None:
            lines.append(f'    s{n}n0["no command"]')
        lines.append("  end")
    lines.append("  classDef risky fill:#ffd7d5,stroke:#cf222e,color:#1f2328")
    lines.append("  classDef changed stroke:#9a6700,stroke-width:3px")
    if risky_ids:
        lines.append(f"  class {','.join(risky_ids)} risky")
    if changed_ids:
        lines.append(f"  class {','.join(changed_ids)} changed")
    return "\n".join(lines) + "\n"

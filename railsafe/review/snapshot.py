"""The review model of one tree: per service and environment, what a reviewer compares.

Built from the engine's own run (`engine.check`, its project model and its
findings), so `diff` and `show` see exactly what `check` sees. Values are kept
in a comparable, normalised form (command text with whitespace runs collapsed,
settings as plain data, lists that Railway treats as sets sorted), so
reordering, reformatting, comments, quoting, and moving a setting between
`railway.toml` and `.railway/railway.ts` change nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from railsafe.findings import Finding, Span, identities

if TYPE_CHECKING:
    from railsafe.engine import Report
    from railsafe.project import Command, Service
    from railsafe.rules import Rule

# (section, key) -> facet name; the order is the order of output
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("healthcheck", "deploy", "healthcheckPath"),
    ("healthcheck timeout", "deploy", "healthcheckTimeout"),
    ("restart policy", "deploy", "restartPolicyType"),
    ("restart retries", "deploy", "restartPolicyMaxRetries"),
    ("replicas", "deploy", "numReplicas"),
    ("region", "deploy", "region"),
    ("regions", "deploy", "multiRegionConfig"),
    ("cron", "deploy", "cronSchedule"),
    ("watch patterns", "build", "watchPatterns"),
)
# keys the facets above, the builder and the phase commands already cover
_COVERED = {key for _, _, key in SETTINGS} | {
    "builder", "buildCommand", "startCommand", "preDeployCommand", "nixpacksPlan",
    "nixpacksConfigPath", "dockerfilePath",
}
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
PHASE_ORDER = ("build", "pre-deploy", "start")


@dataclass(frozen=True)
class PhaseCommand:
    """One command of a phase, with where it is written and how it came to run."""

    phase: str
    text: str  # normalised: whitespace runs collapsed
    path: str
    span: Span
    chain: tuple[str, ...]  # the label, then each provenance step
    default: bool

    @property
    def where(self) -> str:
        return f"{self.path}:{self.span.line}"


@dataclass
class View:
    """One service in one environment (None: the base config / any other environment)."""

    service: str
    root: str
    environment: str | None
    production: bool
    builder: str
    builder_reason: str
    steps: list[PhaseCommand] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)  # facet -> normalised value
    where: dict[str, str] = field(default_factory=dict)  # facet -> path:line
    variables: tuple[str, ...] = ()
    partial: str | None = None  # IaC services: "yes" / "no (whole project)"
    iac_file: str | None = None

    def phase(self, name: str) -> list[PhaseCommand]:
        return [s for s in self.steps if s.phase == name]


@dataclass
class Snapshot:
    label: str
    report: Report
    views: dict[tuple[str, str | None], View]
    ids: list[str]  # identities of report.findings, in order

    def services(self) -> list[str]:
        return list(dict.fromkeys(k[0] for k in self.views))

    def findings_on(self, step: PhaseCommand) -> list[Finding]:
        return [f for f in self.report.findings if on_step(f, step)]

    def other_findings(self, view: View) -> list[Finding]:
        """Findings in the service's directory (or its IaC file) that sit on no step of
        any service and environment."""
        prefix = f"{view.root}/" if view.root else ""
        steps = [s for v in self.views.values() for s in v.steps]
        return [f for f in self.report.findings
                if (f.path.startswith(prefix) or f.path == view.iac_file)
                and not any(on_step(f, s) for s in steps)]


def on_step(f: Finding, step: PhaseCommand) -> bool:
    first = (step.span.line, step.span.column)
    last = (step.span.end_line, step.span.end_column)

    def inside(path: str, span: Span) -> bool:
        if path != step.path:
            return False
        if last <= first:  # a point, or a span we cannot trust: the line decides
            return span.line == step.span.line
        return first <= (span.line, span.column) <= last

    if inside(f.path, f.span):
        return True
    # a command's chain (a script it runs, the builder that runs it) leads to it; a
    # file-level finding (RS0xx, RS5xx) only names the settings it is about
    return f.rule.startswith(("RS1", "RS2", "RS3", "RS4")) and any(
        inside(r.path, r.span) for r in f.related)


def normalise(text: str) -> str:
    return " ".join(text.split())


def _plain(value: Any) -> Any:
    """A setting value as comparable plain data (enum spellings folded as Railway does)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _step(cmd: Command) -> PhaseCommand:
    chain = (cmd.label, *(f"{r.message} ({r.path}:{r.span.line})" for r in cmd.provenance))
    return PhaseCommand(cmd.phase, normalise(cmd.text), cmd.path, cmd.span, chain, cmd.default)


def build(
    paths: list[Path],
    label: str,
    rules: list[Rule] | None = None,
    today: dt.date | None = None,
    exclude: list[str] | None = None,
    exclude_base: Path | None = None,
) -> Snapshot:
    """Check `paths` with the engine and read its project model."""
    from railsafe.engine import check

    report = check(paths, rules, today=today, exclude=exclude or (), exclude_base=exclude_base)
    views: dict[tuple[str, str | None], View] = {}
    ctx = report.context
    if ctx is not None:
        from railsafe.project import services

        for service in services(ctx):
            for view in _views(ctx, service):
                views.setdefault((view.service, view.environment), view)
    return Snapshot(label, report, views, identities(report.findings, report.sources))


def _reader(ctx: Any, service: Service) -> Any:
    from railsafe.project.configs import ServiceReader

    if service.iac is not None and service.iac_name is not None:
        from railsafe.project.iac import IacReader

        return IacReader(ctx, service, service.iac, service.iac_name)
    return ServiceReader(ctx, service)


def _views(ctx: Any, service: Service) -> list[View]:
    reader = _reader(ctx, service)
    out = []
    for plan in service.plans:
        env = plan.environment
        view = View(service.name, service.relroot, env, service.is_production(env),
                    plan.builder.name, plan.builder.reason)
        view.steps = [_step(c) for c in plan.commands()]
        for facet, section, key in SETTINGS:
            found = reader.setting(env, section, key)
            if found is None or found.value is None:
                continue
            value = _plain(found.value)
            if facet == "restart policy" and isinstance(value, str):
                value = value.upper().replace("-", "_")
            if facet == "watch patterns" and isinstance(value, list):
                value = sorted(set(map(str, value)))
            view.settings[facet] = value
            view.where[facet] = f"{found.path}:{found.span.line}"
        view.settings.update(_other_settings(service, env))
        names = {m for s in view.steps for m in _VARIABLE.findall(s.text)}
        if service.iac is not None and service.iac_name is not None:
            svc = service.iac.service(env, service.iac_name)
            if svc is not None:
                names |= set(svc.variables)
            view.iac_file = service.iac.doc.relpath
            view.partial = _partial(service)
        view.variables = tuple(sorted(names))
        out.append(view)
    return out


def _other_settings(service: Service, env: str | None) -> dict[str, Any]:
    """Config as Code keys of `build` / `deploy` the facets do not cover (`testCommand`)."""
    cfg = service.config
    data = cfg.data if cfg is not None and isinstance(cfg.data, dict) else {}
    out: dict[str, Any] = {}
    layers = [data]
    envs = data.get("environments")
    if env is not None and isinstance(envs, dict) and isinstance(envs.get(env), dict):
        layers.append(envs[env])
    for layer in layers:
        for section in ("build", "deploy"):
            table = layer.get(section)
            if not isinstance(table, dict):
                continue
            for key, value in table.items():
                if key not in _COVERED:
                    out[f"{section}.{key}"] = _plain(value)
    return out


def _partial(service: Service) -> str:
    """Whether the IaC file is partial as the Railway CLI reads it (a name only: facts F23)."""
    from railsafe.iac.values import Bool, Null, Num, Str
    from railsafe.project.iac import cli_partial

    assert service.iac is not None
    base = service.iac.base
    value = base.partial if base is not None else None
    name = cli_partial(value)
    if name is not None:
        return f"yes ({name})"
    if value is None or isinstance(value, Str | Bool | Num | Null):
        return "no (whole project)"
    return "yes (not read statically)"


def dumps(value: Any) -> str:
    """A facet value on one line."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)

"""Comparing two review models: what a change does to production risk.

Each change is classified `raises` / `lowers` / `neutral` with a severity
(`error`, `warning`, `info`) and a one-line reason. Findings are compared by
their stable identity (`railsafe.findings.identities`); a finding whose file
or line text changed but that sits on the same normalised value (a command
moved from `railway.toml` into `.railway/railway.ts`) is the same finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from railsafe.findings import Finding, Severity, source_lines
from railsafe.review.snapshot import PHASE_ORDER, PhaseCommand, Snapshot, View, dumps, on_step

RISKS = ("raises", "lowers", "neutral")

# command patterns whose effect a reviewer must see first: (pattern, what it does)
_WIPES = re.compile(
    r"migrate\s+reset|--force-reset|--accept-data-loss|db:(?:drop|reset|schema:load|seed:replant)"
    r"|migrate:(?:fresh|refresh|reset)|schema:drop|drop_all\b|\bflush\b|\bresetdb\b|reset_db"
    r"|\bdrop\s+(?:table|schema|database)\b|\btruncate\b|dropdb\b",
    re.I,
)
_TESTS = re.compile(
    r"\b(?:pytest|jest|vitest|mocha|rspec|phpunit|go\s+test|manage\.py\s+test"
    r"|(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?test(?::\S+)?)\b",
    re.I,
)
_MIGRATES = re.compile(r"\bmigrat|db:push|\bdb\s+push\b|alembic\s+upgrade", re.I)
_SENSITIVE = re.compile(r"DATABASE|_DB|^DB|PG|MYSQL|MONGO|REDIS|SECRET|TOKEN|PASSWORD|KEY", re.I)


@dataclass
class Change:
    service: str
    environment: str | None
    facet: str
    kind: str  # added | removed | changed
    risk: str  # raises | lowers | neutral
    severity: Severity
    reason: str
    old: Any = None
    new: Any = None
    old_where: str | None = None
    new_where: str | None = None


@dataclass
class Diff:
    base: Snapshot
    head: Snapshot
    changes: list[Change] = field(default_factory=list)
    new: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, identity)
    resolved: list[tuple[Finding, str]] = field(default_factory=list)

    def raising(self) -> list[Change | Finding]:
        out: list[Change | Finding] = [c for c in self.changes if c.risk == "raises"]
        return out + [f for f, _ in self.new]

    def fails(self, threshold: Severity | None) -> bool:
        if threshold is None:
            return False
        return any(c.severity >= threshold for c in self.raising())

    def changed_services(self) -> list[str]:
        names = [c.service for c in self.changes]
        for f, _ in self.new:
            names += [k[0] for k, v in self.head.views.items()
                      if any(on_step(f, s) for s in v.steps)]
        return list(dict.fromkeys(names))


def _value_key(f: Finding, sources: dict[str, str]) -> tuple[str, str]:
    """(rule, the normalised text of the finding's span, quotes dropped): where a finding
    sits, whatever file and line holds it."""
    lines = source_lines(sources.get(f.path, ""))
    s = f.span
    if not 0 < s.line <= len(lines):
        return f.rule, " ".join(f.message.split())
    if s.end_line == s.line:
        text = lines[s.line - 1][max(s.column - 1, 0): max(s.end_column - 1, s.column)]
    else:
        text = " ".join(lines[s.line - 1: s.end_line])
    return f.rule, " ".join(text.split()).strip("\"'`,;")


def compare(base: Snapshot, head: Snapshot) -> Diff:
    diff = Diff(base, head)
    _compare_findings(diff)
    keys = list(dict.fromkeys([*base.views, *head.views]))
    moved = _renamed(base, head)
    for key in keys:
        old, new = base.views.get(key), head.views.get(key)
        if old is None and key in moved.values():
            continue  # compared under its old name
        if new is None and key in moved:
            new = head.views.get(moved[key])
        # an environment with no override of its own runs the base config (§2.1)
        if old is None and new is not None and key[1] is not None:
            old = base.views.get((key[0], None))
        if new is None and old is not None and key[1] is not None:
            new = head.views.get((key[0], None))
        if old is None and new is not None:
            diff.changes.append(Change(new.service, new.environment, "service", "added",
                                       "neutral", Severity.INFO, _added_reason(new)))
        elif new is None and old is not None:
            diff.changes.append(Change(old.service, old.environment, "service", "removed",
                                       "neutral", Severity.INFO, _removed_reason(old)))
        elif old is not None and new is not None:
            diff.changes += _compare_view(old, new, diff)
    diff.changes.sort(key=lambda c: (RISKS.index(c.risk), -c.severity, c.service,
                                     c.environment or "", c.facet))
    return diff


Key = tuple[str, str | None]


def _renamed(base: Snapshot, head: Snapshot) -> dict[Key, Key]:
    """Views whose service name changed but whose root did not (a railway.toml service moved
    into `.railway/railway.ts` under a name): old key -> new key."""
    out: dict[Key, Key] = {}
    gone = {k: v for k, v in base.views.items() if k not in head.views}
    fresh = {k: v for k, v in head.views.items() if k not in base.views}
    for key, view in gone.items():
        match = [k for k, v in fresh.items() if v.root == view.root and k[1] == key[1]
                 and k not in out.values()]
        if len(match) == 1:
            out[key] = match[0]
    return out


def _added_reason(v: View) -> str:
    return f"service {v.service} now configured ({_env(v.environment)})"


def _removed_reason(v: View) -> str:
    return f"service {v.service} is no longer configured in this tree ({_env(v.environment)})"


def _env(env: str | None) -> str:
    return "every environment" if env is None else f"environment {env}"


def _compare_findings(diff: Diff) -> None:
    old = list(zip(diff.base.report.findings, diff.base.ids, strict=True))
    new = list(zip(diff.head.report.findings, diff.head.ids, strict=True))
    old_ids = {i for _, i in old}
    new_ids = {i for _, i in new}
    gone = [(f, i) for f, i in old if i not in new_ids]
    came = [(f, i) for f, i in new if i not in old_ids]
    # second pass: the same value in another file or line (moved, reformatted)
    pool: dict[tuple[str, str], list[tuple[Finding, str]]] = {}
    for f, i in gone:
        pool.setdefault(_value_key(f, diff.base.report.sources), []).append((f, i))
    unmatched = []
    for f, i in came:
        matches = pool.get(_value_key(f, diff.head.report.sources))
        if matches:
            matches.pop(0)
        else:
            unmatched.append((f, i))
    # third pass: the same rule, file and message (a file-level finding whose first line
    # changed, e.g. a comment added above it)
    left = [x for xs in pool.values() for x in xs]
    for f, i in unmatched:
        twin = next((x for x in left if (x[0].rule, x[0].path, x[0].message) == (
            f.rule, f.path, f.message)), None)
        if twin is not None:
            left.remove(twin)
        else:
            diff.new.append((f, i))
    diff.resolved = left
    diff.resolved.sort(key=lambda x: x[0].sort_key())


def _compare_view(old: View, new: View, diff: Diff) -> list[Change]:
    out: list[Change] = []
    svc, env = new.service, new.environment

    def add(facet: str, kind: str, risk: str, sev: Severity, reason: str, a: Any = None,
            b: Any = None, wa: str | None = None, wb: str | None = None) -> None:
        out.append(Change(svc, env, facet, kind, risk, sev, reason, a, b, wa, wb))

    if old.builder != new.builder:
        add("builder", "changed", "neutral", Severity.INFO,
            f"builder changes from {old.builder} to {new.builder}: every build command is "
            "derived anew", old.builder, new.builder)
    for phase in PHASE_ORDER:
        sa, sb = old.phase(phase), new.phase(phase)
        if [s.text for s in sa] != [s.text for s in sb]:
            out.append(_command_change(svc, env, phase, sa, sb, diff))
            continue
        # the same command, now leading somewhere else (a script it runs changed)
        fresh = [f for f, _ in diff.new if any(on_step(f, s) for s in sb)]
        if fresh:
            worst = max(fresh, key=lambda f: f.severity)
            text = " && ".join(s.text for s in sb)
            add(phase, "changed", "raises", worst.severity,
                f"{_PHASE_WORD[phase]} `{_short(text)}` now leads to: {_clause(worst.message)}",
                text, text, sb[0].where, sb[0].where)
    facets = list(dict.fromkeys([*old.settings, *new.settings]))
    for facet in facets:
        a, b = old.settings.get(facet), new.settings.get(facet)
        if a != b:
            risk, sev, reason = _setting_risk(facet, a, b, new)
            kind = "added" if a is None else "removed" if b is None else "changed"
            add(facet, kind, risk, sev, reason, a, b, old.where.get(facet), new.where.get(facet))
    if old.variables != new.variables:
        more = sorted(set(new.variables) - set(old.variables))
        fewer = sorted(set(old.variables) - set(new.variables))
        build_vars = {v for s in new.phase("build") for v in _vars(s.text)}
        risky = [v for v in more if v in build_vars and _SENSITIVE.search(v)]
        parts = ([f"now references {', '.join(more)}"] if more else []) + (
            [f"no longer references {', '.join(fewer)}"] if fewer else [])
        if risky:
            add("variables", "changed", "raises", Severity.WARNING,
                f"the build now reads {', '.join(risky)}, and a build sees the service's "
                "variables (a build image can keep them)", old.variables, new.variables)
        else:
            add("variables", "changed", "neutral", Severity.INFO, "; ".join(parts),
                list(old.variables), list(new.variables))
    if old.partial != new.partial and new.partial is not None:
        if old.partial is not None and old.partial.startswith("yes") and new.partial.startswith(
                "no"):
            add("IaC partial", "changed", "raises", Severity.ERROR,
                f"{new.iac_file} is no longer partial: `railway config apply` deletes every "
                "service and database it does not declare", old.partial, new.partial)
        elif old.partial is not None and old.partial.startswith("no") and new.partial.startswith(
                "yes"):
            add("IaC partial", "changed", "lowers", Severity.INFO,
                f"{new.iac_file} is now partial: apply no longer deletes what it does not "
                "declare", old.partial, new.partial)
    return out


def _vars(text: str) -> list[str]:
    return re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text)


_PHASE_WORD = {"build": "the build", "pre-deploy": "pre-deploy", "start": "the start command"}


def _command_change(
    svc: str, env: str | None, phase: str, old: list[PhaseCommand], new: list[PhaseCommand],
    diff: Diff,
) -> Change:
    before = " && ".join(s.text for s in old)
    after = " && ".join(s.text for s in new)
    kind = "added" if not old else "removed" if not new else "changed"
    wa = old[0].where if old else None
    wb = new[0].where if new else None
    who = _PHASE_WORD[phase]
    fresh = [f for f, _ in diff.new if any(on_step(f, s) for s in new)]
    gone = [f for f, _ in diff.resolved if any(on_step(f, s) for s in old)]
    deploys = phase in ("pre-deploy", "start")
    shown = _short(after)
    if new and _WIPES.search(after) and not _WIPES.search(before):
        consequence = ("every deploy wipes the database" if deploys else
                       "every build runs a destructive database command")
        return Change(svc, env, phase, kind, "raises", Severity.ERROR,
                      f"{who} now runs `{shown}`: {consequence}", before, after, wa, wb)
    if new and _TESTS.search(after) and not _TESTS.search(before):
        consequence = ("the test suite runs on every deploy, with production variables"
                       if deploys else "the test suite runs in every build, with the "
                       "service's variables")
        return Change(svc, env, phase, kind, "raises", Severity.ERROR,
                      f"{who} now runs `{shown}`: {consequence}", before, after, wa, wb)
    if fresh:
        worst = max(fresh, key=lambda f: f.severity)
        return Change(svc, env, phase, kind, "raises", worst.severity,
                      f"{who} now runs `{shown}`: {_clause(worst.message)}", before, after, wa,
                      wb)
    if phase == "build" and new and _MIGRATES.search(after) and not _MIGRATES.search(before):
        return Change(svc, env, phase, kind, "raises", Severity.WARNING,
                      f"{who} now runs `{shown}`: migrations at build time run before the "
                      "deploy is healthy, and cannot reach the private network", before,
                      after, wa, wb)
    if (old and (_WIPES.search(before) or _TESTS.search(before)) and not (
            _WIPES.search(after) or _TESTS.search(after))) or gone:
        return Change(svc, env, phase, kind, "lowers", Severity.INFO,
                      f"{who} no longer runs `{_short(before)}`", before, after, wa, wb)
    if not new:
        reason = f"{who} no longer runs `{_short(before)}`"
    elif not old:
        reason = f"{who} now runs `{shown}`"
    else:
        reason = f"{who} changes from `{_short(before)}` to `{shown}`"
    return Change(svc, env, phase, kind, "neutral", Severity.INFO, reason, before, after, wa, wb)


def _clause(message: str) -> str:
    """The first clause of a finding's message, without its parenthesised provenance."""
    plain = re.sub(r" \([^()]*\)", "", message)
    return plain.split("; ")[0].rstrip(".")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _setting_risk(facet: str, a: Any, b: Any, view: View) -> tuple[str, Severity, str]:
    sa, sb = (dumps(a) if a is not None else None), (dumps(b) if b is not None else None)
    if facet == "healthcheck":
        if b is None:
            return ("raises", Severity.WARNING, "healthcheck removed: a deploy that never "
                    "becomes healthy replaces the running one")
        if a is None:
            return "lowers", Severity.INFO, f"healthcheck added (`{sb}`)"
    if facet == "restart policy":
        if sb == "NEVER":
            return ("raises", Severity.WARNING,
                    "restart policy now NEVER: a crashed service stays down")
        if sa == "NEVER":
            return "lowers", Severity.INFO, f"restart policy {sb or 'default'} instead of NEVER"
    if facet == "replicas" and isinstance(b, int) and b > 1 and view.phase("pre-deploy"):
        return ("neutral", Severity.INFO, f"replicas {sa or 1} → {sb}: the pre-deploy command "
                "still runs once per deploy")
    if facet == "cron":
        if a is None:
            return ("neutral", Severity.INFO, f"now runs on a schedule (`{sb}`): the start "
                    "command runs each time and must exit")
        if b is None:
            return "neutral", Severity.INFO, "no longer runs on a schedule"
    if facet.endswith(".testCommand"):
        what = "removed" if b is None else "added" if a is None else "changed"
        return "neutral", Severity.INFO, f"`testCommand` {what}: no effect on Railway"
    label = facet if "." not in facet else f"`{facet}`"
    if a is None:
        return "neutral", Severity.INFO, f"{label} set to `{_short(sb or '')}`"
    if b is None:
        return "neutral", Severity.INFO, f"{label} removed (was `{_short(sa or '')}`)"
    return "neutral", Severity.INFO, f"{label} `{_short(sa or '')}` → `{_short(sb or '')}`"

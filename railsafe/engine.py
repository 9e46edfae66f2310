"""Runs the rules over a tree: discover -> load -> rules -> findings."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from railsafe import dates, parallel
from railsafe.context import Context
from railsafe.discover import Discovery, SourceFile, discover
from railsafe.findings import Finding, Hit, build_findings
from railsafe.loaders import RAILWAY_KINDS
from railsafe.redact import redact
from railsafe.rules import Rule, all_rules, select
from railsafe.suppress import Pragma, audit


@dataclass
class Report:
    root: Path
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    errors: list[str] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)  # a rule that crashed
    notes: list[str] = field(default_factory=list)  # named files railsafe does not read
    sources: dict[str, str] = field(default_factory=dict)  # relpath -> text, for code frames
    suppressed: int = 0  # findings inline comments silenced
    # the checked tree's Context (project model, documents), for `railsafe diff` / `show`
    context: Context | None = field(default=None, repr=False, compare=False)


def _without_excluded(
    discovery: Discovery, patterns: list[str], base: Path | None
) -> list[SourceFile]:
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    base = (base or discovery.root).resolve()
    kept = []
    for f in discovery.files:
        if f.path.absolute() not in discovery.explicit:
            try:
                rel = f.path.resolve().relative_to(base).as_posix()
            except (OSError, ValueError):
                rel = f.relpath
            if spec.match_file(rel):
                continue
        kept.append(f)
    return kept


# rule families whose findings a Config as Code file can lead to (RS0xx are about the file)
_ANALYSIS_FAMILIES = ("RS1", "RS2", "RS3", "RS4")


def _after_cutoff(findings: list[Finding], ctx: Context) -> list[Finding]:
    """After the cutoff, a finding that comes from railway.toml / railway.json says the
    file is no longer read, in one clause (the analysis itself does not change)."""
    names = {doc.relpath: doc.path.name for doc in ctx.documents(*RAILWAY_KINDS)}
    clause = (
        "; Railway stopped reading {} on " + dates.CONFIG_AS_CODE_CUTOFF.isoformat()
        + ", but `railway config migrate` carries its commands into .railway/railway.ts"
    )
    out = []
    for finding in findings:
        source = names.get(finding.path) or next(
            (names[r.path] for r in finding.related if r.path in names), None
        )
        if source is not None and finding.rule.startswith(_ANALYSIS_FAMILIES):
            finding = replace(finding, message=finding.message + clause.format(source))
        out.append(finding)
    return out


def choose_rules(selected: Iterable[str] = (), ignored: Iterable[str] = ()) -> list[Rule]:
    selected, ignored = list(selected), list(ignored)
    rules = list(select(selected)) if selected else all_rules()
    dropped = {r.id for r in select(ignored)}
    return [r for r in rules if r.id not in dropped]


def check(
    paths: list[Path],
    rules: list[Rule] | None = None,
    today: dt.date | None = None,
    exclude: Iterable[str] = (),
    honour_ignores: bool = True,
    exclude_base: Path | None = None,
    allow_error_suppressions: bool = True,
    jobs: int = 1,
) -> Report:
    """Check `paths`; never raises for bad input (it becomes findings or errors).

    `exclude` patterns (gitignore syntax) are relative to `exclude_base` (the
    settings file's directory; default the scanned root) and never drop a file
    named explicitly on the command line. Up to `jobs` processes share the work
    (railsafe.parallel); the report is the same for any number.
    """
    # A check builds millions of small objects and frees few: the cyclic collector
    # would walk them again and again (a fifth of a 2,000-service check) for ~0.1%
    # garbage. It runs again once the check is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check(paths, rules, today, exclude, honour_ignores, exclude_base,
                      allow_error_suppressions, jobs)
    finally:
        if collecting:
            gc.enable()


def _check(
    paths: list[Path],
    rules: list[Rule] | None,
    today: dt.date | None,
    exclude: Iterable[str],
    honour_ignores: bool,
    exclude_base: Path | None,
    allow_error_suppressions: bool,
    jobs: int,
) -> Report:
    discovery = discover(paths)
    patterns = list(exclude)
    if patterns:
        discovery.files = _without_excluded(discovery, patterns, exclude_base)
    ctx = Context(discovery, today or dates.today(), jobs=jobs)
    report = Report(discovery.root, errors=list(discovery.errors), notes=list(discovery.skipped))
    chosen = rules if rules is not None else all_rules()
    outcomes, worker_sources = _outcomes(ctx, chosen)
    for r, hits in zip(chosen, outcomes, strict=True):
        if isinstance(hits, str):
            report.internal_errors.append(hits)
            continue
        report.findings += build_findings(r.id, r.name, r.severity_on(ctx.today), r.help_url,
                                          hits)
    if not ctx.reads_config_as_code:
        report.findings = _after_cutoff(report.findings, ctx)
    for doc in ctx.loaded_documents():
        report.sources[doc.relpath] = doc.text
    for relpath, text in worker_sources.items():  # what the worker's rules read
        report.sources.setdefault(relpath, text)
    if any(r.id in _HYGIENE for r in chosen):
        for f in discovery.files:  # a comment can sit in a file no chosen rule read
            if f.relpath not in report.sources and ctx.shows_source(ctx.load(f)):
                report.sources[f.relpath] = ctx.load(f).text
    kept, silenced, pragmas = audit(report.findings, report.sources, allow_error_suppressions)
    if honour_ignores:
        report.findings, report.suppressed = kept, len(silenced)
    report.findings += _suppression_findings(pragmas, chosen, honour_ignores)
    report.context = ctx
    report.findings.sort(key=Finding.sort_key)
    report.files = len(discovery.files)
    return report


_HYGIENE = ("RS020", "RS021", "RS022")

# Rules that share no model with the others (neither the project model nor the command
# analysis: tests/test_parallel.py checks it): on a large tree a worker runs them while
# this process runs the rest.
_APART = ("railsafe.rules.test_suites", "railsafe.rules.secrets", "railsafe.rules.tree_secrets")
# a tree with fewer discovered files is checked faster than a worker starts and reports
_APART_FROM_FILES = 400


def _outcomes(
    ctx: Context, chosen: list[Rule]
) -> tuple[list[list[Hit] | str], dict[str, str]]:
    """Each rule's hits (or internal error), in `chosen`'s order; and the text of the
    files the worker's rules read (relpath -> text), which this process did not."""
    apart = [r for r in chosen if r.check.__module__ in _APART]
    if ctx.jobs < 2 or len(apart) in (0, len(chosen)) or \
            len(ctx.discovery.files) < _APART_FROM_FILES:
        return [_hits(ctx, r) for r in chosen], {}
    if any(r.id in _HYGIENE for r in chosen):
        # every discovered file is read in the end for its suppression comments: read
        # them before the fork, once, rather than in both processes
        for f in ctx.discovery.files:
            ctx.load(f)
    before = set(ctx.loaded_paths())

    def worker() -> tuple[list[list[Hit] | str], dict[str, str]]:
        done = [_hits(ctx, r) for r in apart]
        read = {doc.relpath: doc.text for path, doc in ctx.loaded_paths().items()
                if path not in before and ctx.shows_source(doc)}
        return done, read

    later = parallel.Later(worker)
    theirs = {r.id for r in apart}
    mine = {r.id: _hits(ctx, r) for r in chosen if r.id not in theirs}
    done, read = later.result()
    mine.update(zip((r.id for r in apart), done, strict=True))
    return [mine[r.id] for r in chosen], read


def _hits(ctx: Context, r: Rule) -> list[Hit] | str:
    """The rule's hits, or the internal error that stopped it (redacted)."""
    try:
        return list(r.check(ctx))
    except Exception as exc:  # one broken rule must not lose the others' findings
        return redact(f"internal error in {r.id} {r.name}: {exc.__class__.__name__}: {exc}")


def _suppression_findings(
    pragmas: list[Pragma], rules: list[Rule], honoured: bool
) -> list[Finding]:
    """RS020-RS022 for the suppression comments (railsafe.rules.suppressions)."""
    by_id = {r.id: r for r in rules}
    known = {r.id.lower() for r in all_rules()} | {r.name for r in all_rules()}
    ran = {r.id.lower() for r in rules} | {r.name for r in rules}
    everything = len(rules) >= len(all_rules())
    out: list[Finding] = []

    def add(rule_id: str, p: Pragma, message: str, fix: str) -> None:
        r = by_id.get(rule_id)
        if r is not None:
            out.append(Finding(r.id, r.name, r.severity, p.path, p.span, message,
                               r.help_url, fix))

    for p in pragmas:
        kind = "ignore-file" if p.whole_file else "ignore"
        if not p.reason:
            add("RS020", p, f"`railsafe: {kind}` without a reason: say why the finding is safe",
                "write the reason after the comment: `railsafe: ignore[RS104] <why>`")
        if honoured:
            stale = [r for r in p.rules if r not in p.used and (
                (r == "*" and everything) or (r != "*" and (r in ran or r not in known)))]
            if stale:
                shown = ", ".join("every rule" if r == "*" else r.upper() if r[:2] == "rs"
                                  else r for r in stale)
                unknown = [r for r in stale if r != "*" and r not in known]
                why = f" ({', '.join(unknown)}: no such rule)" if unknown else ""
                add("RS021", p, f"suppression of {shown} matches no finding{why}",
                    "remove the comment, or the rules it no longer needs")
        for f in p.refused:
            add("RS022", p, f"error-level {f.rule} {f.name} cannot be suppressed: the "
                "settings say `allow-error-suppressions = false`; the finding is reported",
                "fix the finding, or record it with `railsafe check --write-baseline`")
    return out

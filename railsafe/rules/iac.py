"""RS5xx: Infrastructure as Code files, and the move from Config as Code.

In real IaC files the common breakage is silent: the SDKs ignore unknown keys
without an error, a post-construction assignment drops settings, a template
string renders `[object Object]`, and `railway config migrate` drops or
comments out settings on the way from `railway.toml`. All rules here read the
static reading of `.railway/railway.*` (`railsafe.project.iac`), computed once
per check; none executes the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from railsafe.context import Context
from railsafe.findings import FILE_START, Related, Severity, Span
from railsafe.loaders import Document
from railsafe.project.iac import PARTIAL_NAME, cli_partial, iac_sources
from railsafe.project.planner import iac_service_at
from railsafe.project.types import IacSource
from railsafe.rules import Hit, hit, rule
from railsafe.rules.integrity import RAILWAY_KINDS, is_default_setting

if TYPE_CHECKING:
    from railsafe.iac.normalise import IacService
    from railsafe.iac.values import Member, Note

IAC_DOC = "railway-iac.md"


def _where(source: IacSource, envs: Iterable[str | None]) -> str:
    """'' when a finding holds in every environment the file distinguishes, else which."""
    envs = list(dict.fromkeys(envs))
    everyone = source.environments
    if set(envs) >= set(everyone):
        return ""
    named = [e for e in envs if e is not None]
    others = [e for e in everyone if e is not None and e not in envs]
    if None in envs:
        return " (in every environment except " + ", ".join(others) + ")"
    return " (in environment " + ", ".join(named) + ")" if len(named) == 1 else (
        " (in environments " + ", ".join(named) + ")")


class _Collect:
    """Hits found in several environment readings of one file, reported once each,
    naming the environments they hold in when that is not all of them."""

    def __init__(self, source: IacSource) -> None:
        self.source = source
        self.found: dict[tuple[int, int, str], tuple[Hit, list[str | None]]] = {}

    def add(self, env: str | None, span: Span, message: str, **extra: object) -> None:
        key = (span.line, span.column, message)
        if key not in self.found:
            self.found[key] = (Hit(self.source.doc.relpath, span, message, **extra), [])  # type: ignore[arg-type]
        self.found[key][1].append(env)

    def hits(self) -> Iterator[Hit]:
        for h, envs in self.found.values():
            where = _where(self.source, envs)
            yield Hit(h.path, h.span, h.message + where, h.fix, h.related, h.severity)


def _services(source: IacSource) -> Iterator[tuple[str | None, IacService]]:
    for env, services in source.services.items():
        for svc in services:
            yield env, svc


def _notes(source: IacSource, code: str) -> Iterator[tuple[str | None, Note]]:
    for env, program in source.programs.items():
        for note in program.notes:
            if note.code == code:
                yield env, note


# -- RS501 --------------------------------------------------------------------------

# Config as Code vocabulary and other common mistakes -> what the SDK wants instead
_MEANT = {
    "restartPolicy": "deploy: { restartPolicyType, restartPolicyMaxRetries }",
    "restartPolicyType": "deploy: { restartPolicyType }",
    "restartPolicyMaxRetries": "deploy: { restartPolicyMaxRetries }",
    "cronSchedule": "deploy: { cronSchedule }",
    "cron": "deploy: { cronSchedule }",
    "sleepApplication": "deploy: { sleepApplication }",
    "builder": "build: { builder }",
    "dockerfilePath": "build: { dockerfilePath }",
    "dockerfile": "build: { dockerfilePath }",
    "watchPatterns": "build: { watchPatterns }",
    "buildCommand": "build: \"...\" or build: { buildCommand }",
    "healthCheck": "healthcheck",
    "healthCheckPath": "healthcheck",
    "volumes": "volumeMounts: { \"/path\": volume(\"name\") }",
    "port": "a `PORT` variable in `env` (or `domains: [{ domain, port }]`)",
    "numReplicas": "replicas",
}
_SOURCE_OPTIONS = {
    "github": frozenset({"branch", "rootDirectory", "checkSuites", "commitSha", "upstreamUrl",
                         "repo"}),
    "image": frozenset({"rootDirectory", "autoUpdates", "image"}),
}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _suggest(key: str, allowed: Iterable[str]) -> str:
    allowed = sorted(allowed)
    if "_" in key and _camel(key) in allowed:
        return f"`{_camel(key)}` (the SDK's keys are camelCase)"
    if key in _MEANT:
        return f"`{_MEANT[key]}`"
    import difflib  # only for a key the SDK does not know

    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
    if not close:
        lowered = {k.lower(): k for k in allowed}
        close = [lowered[key.lower()]] if key.lower() in lowered else []
    return f"`{close[0]}`" if close else ""


@rule("RS501", "iac-unknown-key", Severity.ERROR)
def iac_unknown_key(ctx: Context) -> Iterator[Hit]:
    """A key the Railway SDK does not know: it is silently ignored.

    ## What it finds
    In `.railway/railway.{ts,py,go}`, a key of a `service(...)` config, of its
    `run`, raw `build` or raw `deploy` object, or of a `github()` / `image()`
    source that is not one the SDK reads (railway-iac.md §1.2, §1.5), with a
    did-you-mean: Config as Code vocabulary the SDK ignores at the top level
    (`restartPolicy`, `cronSchedule`, `builder`, `dockerfilePath`,
    `watchPatterns`, `port`, `volumes`), a `dockerfilePath` given to the
    source, snake_case (`pre_deploy`) where the SDKs take camelCase, and typos
    (`preDeployCommnd`, `healthCheck`).

    ## Why it matters on Railway
    All three SDKs ignore unknown keys at run time and Node's type stripping
    checks no types (railway-iac.md §0.7, §4.3): the file plans and applies
    cleanly while the setting never reaches Railway. A mistyped `preDeploy`
    means migrations never run; a Config as Code `restartPolicy` or
    `cronSchedule` at the top level means the service restarts or runs on
    Railway's defaults.

    ## Fix
    Use the key the message suggests: builder, Dockerfile and watch patterns
    go in `build: { ... }`, cron, restart policy and sleep in
    `deploy: { ... }` (railway-iac.md §1.2).
    """
    if not iac_sources(ctx):
        return  # the IaC reader is imported only for a tree that has an IaC file
    from railsafe.iac.normalise import BUILD_KEYS, DEPLOY_KEYS, SERVICE_KEYS, extra_service_keys
    from railsafe.iac.values import SourceVal

    for source in iac_sources(ctx):
        found = _Collect(source)
        top = SERVICE_KEYS | extra_service_keys(source.language)
        for env, svc in _services(source):
            groups: list[tuple[list[Member], frozenset[str], str]] = [
                (svc.unknown_keys, top, "service config"),
                (svc.unknown_build_keys, BUILD_KEYS, "`build` object"),
                (svc.unknown_deploy_keys, DEPLOY_KEYS, "`deploy` object"),
            ]
            if isinstance(svc.source, SourceVal) and svc.source.options is not None:
                allowed = _SOURCE_OPTIONS.get(svc.source.type)
                if allowed is not None:
                    extra = [m for m in svc.source.options.members if m.key not in allowed]
                    groups.append((extra, allowed, f"`{svc.source.type}()` source"))
            for members, allowed, what in groups:
                for member in members:
                    meant = _suggest(member.key, allowed)
                    if member.key == "dockerfilePath" and "source" in what:
                        meant = "build: { dockerfilePath }"
                    message = (f"`{member.key}` is not a key of the {what} of service "
                               f"{svc.name}: the SDK ignores it and Railway never sees it")
                    if meant:
                        message += f"; did you mean {meant}?"
                    found.add(env, member.key_span, message,
                              fix=f"use {meant}" if meant else "delete the key")
        yield from found.hits()


# -- RS502 --------------------------------------------------------------------------


@rule("RS502", "iac-assignment-discards-settings", Severity.ERROR)
def iac_assignment_discards_settings(ctx: Context) -> Iterator[Hit]:
    """`svc.deploy = {...}` after `service(...)` discards what the constructor set.

    ## What it finds
    An assignment to a resource's `deploy` (or `build`) after it was created
    (`api.deploy = { cronSchedule: "0 3 * * *" }`), when the `service(...)`
    call already set deploy settings the new object does not repeat: a start
    command, a pre-deploy command, a healthcheck, replicas, a restart policy.
    Each lost setting is a related location.

    In `.railway/railway.py` every such assignment is reported: the Python SDK
    (0.7.0) writes the service as `service(...)` built it, so the assignment
    has no effect at all (docs/facts.md F19).

    ## Why it matters on Railway
    `service()` normalises its config into the node's `deploy` object at
    construction (railway-iac.md §1.2); assigning the property afterwards
    replaces that object whole, so the settings given at construction never
    reach the plan. `railway config pull` writes this shape for databases
    (§2.7), and it is easy to copy onto a service. The plan shows only a
    "safe" update of `deploy` (§2.4): a pre-deploy migration silently stops.

    ## Fix
    Put every deploy setting in the `service(...)` call (a raw
    `deploy: { ... }` key there is merged with the shortcuts), or assign single
    keys (`api.deploy.cronSchedule = ...`).
    """
    for source in iac_sources(ctx):
        found = _Collect(source)
        for env, svc in _services(source):
            before = svc.constructed_deploy
            for assignment in svc.resource.assignments:
                if source.language == "python":  # to_graph() ignores attribute writes (F19)
                    what = ".".join(assignment.path)
                    found.add(env, assignment.span,
                              f"this assignment to `{what}` of service {svc.name} has no effect: "
                              "railway_sdk writes the service as service(...) built it",
                              fix="pass the setting to service(...) instead")
                    continue
                if assignment.path != ("deploy",):
                    continue
                kept = {m.key: m for m in getattr(assignment.value, "members", ())}
                lost = [m for key, m in before.items() if key not in kept]
                if not lost:
                    continue
                names = ", ".join(f"`{m.key}`" for m in lost)
                found.add(
                    env, assignment.span,
                    f"this assignment replaces the `deploy` settings service {svc.name} was "
                    f"created with: {names} never reach Railway",
                    fix="move these settings into the service(...) call, or assign single keys "
                        "(svc.deploy.cronSchedule = ...)",
                    related=tuple(Related(source.doc.relpath, m.key_span,
                                          f"`{m.key}` set at construction, discarded")
                                  for m in lost[:12]),
                )
        yield from found.hits()


# -- RS503 / RS505 / RS513 / RS514: what the front-ends noted -------------------------


@rule("RS503", "iac-object-in-template", Severity.ERROR)
def iac_object_in_template(ctx: Context) -> Iterator[Hit]:
    """A resource reference interpolated into a JavaScript template string.

    ## What it finds
    `` `postgresql://${db.env.PGUSER}@${db.env.PGHOST}/app` `` and other
    template strings that interpolate `X.env.NAME`, `ref(...)` or a resource
    node. An escaped Railway reference (`` `\\${{Postgres.DATABASE_URL}}` ``)
    or a plain `"${{...}}"` string is correct and not reported.

    ## Why it matters on Railway
    `db.env.NAME` is a reference object, not text (railway-iac.md §1.1):
    JavaScript renders it as `[object Object]`, so the variable Railway
    receives is a broken literal, not a reference. The service starts with a
    database URL that cannot connect, or falls back to a default.

    ## Fix
    Give the reference itself (`DATABASE_URL: db.env.DATABASE_URL`), or write
    a Railway template string: `"postgresql://${{pg.PGUSER}}@${{pg.PGHOST}}/app"`
    (in a JavaScript template literal, escape it as `\\${{...}}`).
    """
    for source in iac_sources(ctx):
        found = _Collect(source)
        for env, note in _notes(source, "template-object"):
            found.add(env, note.span,
                      f"`{note.detail}` interpolates a reference object into a template string: "
                      "it renders as \"[object Object]\", not as a Railway reference",
                      fix="use the reference itself, or a Railway template string "
                          "\"${{service.VARIABLE}}\"")
        yield from found.hits()


@rule("RS505", "iac-plan-time-environment", Severity.WARNING)
def iac_plan_time_environment(ctx: Context) -> Iterator[Hit]:
    """The IaC file reads the environment of the machine that runs the plan.

    ## What it finds
    `process.env.X` in `.railway/railway.ts`, `os.environ` / `os.getenv` in
    `railway.py`, `os.Getenv` in `railway.go`.

    ## Why it matters on Railway
    The Railway CLI evaluates the file on the operator's machine or the CI
    runner that runs `railway config plan` / `apply` (railway-iac.md §0.1,
    §2.1), not in the service: the value is whatever that shell has. An
    unset variable turns into `undefined` and the key is dropped, or, if it
    feeds `env`, the operator's local value is written to production. railsafe
    cannot know the value, so what depends on it is unresolved.

    ## Fix
    Reference Railway variables (`db.env.DATABASE_URL`, `ctx.shared.NAME`,
    `preserve()`) instead of reading the local environment, or branch on
    `ctx.environment`.
    """
    for source in iac_sources(ctx):
        found = _Collect(source)
        for env, note in _notes(source, "process-env"):
            read = note.detail
            if source.language == "typescript" and not read.startswith("process."):
                read = f"process.env.{read}"
            found.add(env, note.span,
                      f"`{read}` is read on the machine that runs `railway config plan`, "
                      "not in the service: the plan depends on that shell's environment",
                      fix="reference Railway variables (db.env.X, ctx.shared.X, preserve()) "
                          "or branch on ctx.environment")
        yield from found.hits()


@rule("RS513", "iac-unresolved", Severity.INFO)
def iac_unresolved(ctx: Context) -> Iterator[Hit]:
    """A value in an IaC file that railsafe cannot read without running it.

    ## What it finds
    A value computed by a call railsafe does not model, an unknown spread or
    import, a computed key, a loop it does not unroll: the static reading
    stops there and says so at the expression, instead of guessing.

    ## Why it matters on Railway
    The Railway CLI runs the file to build the plan (railway-iac.md §2.1);
    railsafe never does (§0.2). A command or variable it cannot read may
    hold a test runner, a database reset or a literal secret that no other
    rule sees (§4.2).

    ## Fix
    Prefer literal values in `.railway/railway.*` (constants and literal
    objects are followed), or review the value by hand.
    """
    for source in iac_sources(ctx):
        found = _Collect(source)
        # the first reason said at a place speaks for it, in every environment reading
        # where something there is unresolved (not only the first one)
        first: dict[tuple[int, int], str] = {}
        for env, note in _notes(source, "unresolved"):
            detail = first.setdefault((note.span.line, note.span.column), note.detail)
            found.add(env, note.span, f"railsafe cannot read this statically ({detail}); "
                      "what it sets was not checked")
        yield from found.hits()


@rule("RS514", "iac-context-feature", Severity.INFO)
def iac_context_feature(ctx: Context) -> Iterator[Hit]:
    """The IaC file uses a `ctx` feature the Railway CLI may not provide.

    ## What it finds
    `ctx.shared`, `ctx.isEnvironment(...)`, `ctx.randomString(...)` and other
    context members beyond `ctx.environment` (Python `is_environment`,
    `random_string`; Go `IsEnvironment`, `RandomString`).

    ## Why it matters on Railway
    Railway CLI 5.42.0 to 5.43.1 called the program with an empty context:
    `ctx.shared.X` and `ctx.isEnvironment()` threw and the plan failed
    (railway-iac.md §0.3). Newer CLIs pass a real context (§6), but from which
    version is unknown: with an older CLI on a developer's machine or in CI
    the same file fails to plan.

    ## Fix
    Pin a recent Railway CLI where the plan runs, or compare
    `ctx.environment` directly.
    """
    for source in iac_sources(ctx):
        found = _Collect(source)
        for env, note in _notes(source, "ctx-feature"):
            found.add(env, note.span, f"`{note.detail}` needs a Railway CLI that passes a full "
                      "context; CLI 5.42.0-5.43.1 fail to plan this file")
        yield from found.hits()


# -- RS504 --------------------------------------------------------------------------


@rule("RS504", "iac-no-entry-point", Severity.ERROR)
def iac_no_entry_point(ctx: Context) -> Iterator[Hit]:
    """No program the Railway CLI would find in the IaC file.

    ## What it finds
    A `.railway/railway.ts` without `export default` (or a `main` / `Railway`
    export), a `railway.py` without a `main` / `Railway` / `default`
    function, a `railway.go` without `func Railway`, and an entry that builds
    no `project(...)` and declares no resource (an exported object shaped like
    `railway.json`, say).

    ## Why it matters on Railway
    The CLI picks `mod.default ?? mod.main ?? mod.Railway ?? mod` (TS),
    `main` → `Railway` → `default` (Python) or `Railway()` (Go) and plans
    what it returns (railway-iac.md §2.1). A function under another name, or
    a Config as Code object pasted into the file, plans an empty project: with
    a whole-project file, every existing service is planned for deletion.

    ## Fix
    `export default defineRailway((ctx) => project("name", { resources: [...] }))`;
    in Python `def main(ctx=None): return project(...)`; in Go
    `func Railway() railway.Project`.
    """
    for source in iac_sources(ctx):
        base = source.base
        if base is None or base.error is not None:
            continue
        name = source.doc.path.name
        if base.entry is None:
            names = ", ".join(f"`{n}`" for n, _ in base.exports[:5])
            span = base.exports[0][1] if base.exports else FILE_START
            expected = {"python": "`main`, `Railway` or `default`", "go": "`func Railway`"}.get(
                source.language, "`export default`, `main` or `Railway`")
            yield Hit(source.doc.relpath, span,
                      f"the Railway CLI finds no program in {name}: it looks for {expected}"
                      + (f", and this file defines {names}" if names else ""),
                      fix="export the program under a name the CLI reads")
        elif not base.resources and not base.notes_of("unresolved"):
            what = "builds no project(...)" if base.project_name is None else "lists no resource"
            yield Hit(source.doc.relpath, base.entry.span,
                      f"the program {name} exports declares no resource and {what}: the plan "
                      "is empty (a Config as Code object pasted here is not read)",
                      fix='return project("name", { resources: [...] }) from the program')


# -- RS506 / RS507 ------------------------------------------------------------------


@rule("RS506", "iac-env-value-type", Severity.ERROR)
def iac_env_value_type(ctx: Context) -> Iterator[Hit]:
    """A number or boolean as a variable value in a TypeScript IaC file.

    ## What it finds
    `env: { PORT: 8080, DEBUG: false }` (also under `variables`) in
    `.railway/railway.ts` / `.js`.

    ## Why it matters on Railway
    The TypeScript SDK (3.11.0) throws `TypeError: Cannot use 'in'
    operator...` on a number or boolean variable value (railway-iac.md §1.2):
    `railway config plan` fails for the whole project. (The Python SDK wraps
    such values, so `railway.py` is not reported.)

    ## Fix
    Quote the value: `PORT: "8080"`, `DEBUG: "false"`.
    """
    if not iac_sources(ctx):
        return  # the IaC reader is imported only for a tree that has an IaC file
    from railsafe.iac.values import Bool, Num

    for source in iac_sources(ctx):
        if source.language != "typescript":
            continue
        found = _Collect(source)
        for env, svc in _services(source):
            for name, member in svc.variables.items():
                if isinstance(member.value, Num | Bool):
                    kind = "number" if isinstance(member.value, Num) else "boolean"
                    found.add(env, member.value.span,
                              f"variable `{name}` of service {svc.name} is a {kind}: the "
                              "TypeScript SDK throws on it and `railway config plan` fails",
                              fix="quote the value")
        yield from found.hits()


@rule("RS507", "iac-pre-deploy-list", Severity.ERROR)
def iac_pre_deploy_list(ctx: Context) -> Iterator[Hit]:
    """More than one pre-deploy command: Railway fails the deploy.

    ## What it finds
    `preDeploy: ["a", "b"]` (also `preDeployCommand`, `run.preDeploy`, raw
    `deploy.preDeployCommand`) with more than one element.

    ## Why it matters on Railway
    A two-element `preDeployCommand` fails the whole deploy with
    "deploy.preDeployCommand: Array must contain at most 1 element(s)",
    visible only in the deployment's metadata (railway-iac.md §6; the Config
    as Code schema says `maxItems: 1` too).

    ## Fix
    Join the commands into one: `preDeploy: "npx prisma migrate deploy && node seed.js"`,
    or call a script.
    """
    if not iac_sources(ctx):
        return  # the IaC reader is imported only for a tree that has an IaC file
    from railsafe.iac.values import Seq

    for source in iac_sources(ctx):
        found = _Collect(source)
        for env, svc in _services(source):
            member = svc.deploy.get("preDeployCommand")
            if member is None or not isinstance(member.value, Seq) or len(member.value.items) < 2:
                continue
            found.add(env, member.value.span,
                      f"service {svc.name} has {len(member.value.items)} pre-deploy commands: "
                      "Railway accepts one and fails the deploy (\"Array must contain at most "
                      "1 element(s)\")",
                      fix="join them into one command with &&")
        yield from found.hits()


# -- RS508 / RS509 / RS512 ------------------------------------------------------------


# how each language names the partial the CLI reads (railway-iac.md §2.1, §1.5, §6)
_PARTIAL_FIX = {
    "typescript": 'export const partial = "<name>"',
    "python": 'PARTIAL = "<name>" at module level',
    "go": 'const Partial = "<name>"',
}


@rule("RS508", "iac-not-partial", Severity.WARNING)
def iac_not_partial(ctx: Context) -> Iterator[Hit]:
    """An IaC file that is not `partial` owns the whole environment.

    ## What it finds
    A `.railway/railway.*` without `export const partial = "<name>"`
    (Python `PARTIAL = "<name>"`, Go `const Partial = "<name>"`): a warning.
    As errors: a `partial` that is not a string (`export const partial =
    true`) or is empty, which the CLI reads as no partial at all, so the file
    the author meant to be partial owns the whole environment; and a name the
    CLI rejects (`"*"`, or one that does not match `[a-zA-Z0-9._-]{1,64}`),
    which makes every plan fail.

    ## Why it matters on Railway
    The CLI reads the export as a string only
    (`parse_partial_name(payload.get("partial").and_then(Value::as_str))`,
    railwayapp/cli `src/iac/eval.rs` and `src/iac/partial.rs`; docs/facts.md
    F23): `true`, a number or `""` count as no partial. A whole-project file
    plans `resource.delete` for every existing service and database it does
    not declare, and `variable.delete` for every
    variable of a declared service it does not list (railway-iac.md §0.5).
    `railway config migrate` leaves databases and volumes out of a merged
    file (§6, cli#1224): applied as a whole-project file, that plans deleting
    the production database. `apply --yes --confirm-destructive` in CI does it.

    ## Fix
    `export const partial = "<name>"` (Python `PARTIAL = "<name>"`, Go
    `const Partial = "<name>"`) to manage only what the file declares, and
    `preserve()` for variables whose values live in Railway.
    """
    if not iac_sources(ctx):
        return  # the IaC reader is imported only for a tree that has an IaC file
    from railsafe.iac.values import Str, Unresolved

    for source in iac_sources(ctx):
        base = source.base
        if base is None or base.error is not None:
            continue
        name = source.doc.path.name
        deletes = ("`railway config apply` deletes every service, database and variable of the "
                   "environment that it does not declare")
        partial = base.partial
        if partial is None:
            span = base.entry.span if base.entry is not None else FILE_START
            yield Hit(source.doc.relpath, span, f"{name} is not partial: {deletes}",
                      fix=_PARTIAL_FIX[source.language])
        elif isinstance(partial, Unresolved) or source.language == "go":
            continue  # RS513 says what cannot be read; Go's CLI finds `Partial` by substring
        elif (read := cli_partial(partial)) is None:
            shown = "an empty string" if isinstance(partial, Str) else "not a string"
            yield Hit(source.doc.relpath, partial.span,
                      f"this partial is {shown}: the Railway CLI reads only a name, so {name} "
                      f"is planned as the whole project and {deletes}",
                      fix=_PARTIAL_FIX[source.language], severity=Severity.ERROR)
        elif read == "*" or not PARTIAL_NAME.match(read):
            yield Hit(source.doc.relpath, partial.span,
                      f"the Railway CLI rejects the partial name {read!r} "
                      "(\"Invalid partial export\"): it takes 1-64 characters of "
                      "[a-zA-Z0-9._-], and every plan of this file fails",
                      fix=_PARTIAL_FIX[source.language], severity=Severity.ERROR)


@rule("RS509", "iac-multiple-files", Severity.ERROR)
def iac_multiple_files(ctx: Context) -> Iterator[Hit]:
    """More than one IaC file in one `.railway/` directory.

    ## What it finds
    `.railway/railway.ts` beside `.railway/railway.py` or `railway.go` (or two
    TypeScript/JavaScript variants).

    ## Why it matters on Railway
    The CLI refuses to run: "Multiple Railway configuration files found (...).
    Keep only one of .railway/railway.{ts,py,go}" (railway-iac.md §2.1).
    Every `railway config plan` and `apply` fails until one is removed.

    ## Fix
    Keep one file.
    """
    by_dir: dict[str, list[IacSource]] = {}
    for source in iac_sources(ctx):
        by_dir.setdefault(source.doc.relpath.rsplit("/", 1)[0], []).append(source)
    for sources in by_dir.values():
        if len(sources) < 2:
            continue
        for source in sources:
            others = [s.doc.relpath for s in sources if s is not source]
            yield Hit(source.doc.relpath, FILE_START,
                      f"{source.doc.path.name} shares .railway/ with {', '.join(others)}: the "
                      "Railway CLI refuses to plan until only one is left",
                      fix="keep one of .railway/railway.{ts,py,go}",
                      related=tuple(Related(o, FILE_START, "another IaC file") for o in others))


@rule("RS512", "iac-service-managed-by-config-file", Severity.ERROR)
def iac_service_managed_by_config_file(ctx: Context) -> Iterator[Hit]:
    """An IaC service that points back to a Config as Code file.

    ## What it finds
    `configFile: "railway.toml"` (or any path ending in `railway.json` /
    `railway.toml`) in a `service(...)` config.

    ## Why it matters on Railway
    "A service cannot be managed by both systems at the same time": the plan
    emits an error diagnostic for a service whose config file is
    `railway.json` / `railway.toml` and applies nothing for it
    (railway-iac.md §3); and Railway stopped reading those files on
    2026-12-01 (§5, §6).

    ## Fix
    Delete `configFile` and carry the file's settings into the service
    config (RS511 lists what is missing).
    """
    for source in iac_sources(ctx):
        found = _Collect(source)
        for env, svc in _services(source):
            value = svc.config_file
            text = getattr(value, "text", None)
            member = svc.config.member("configFile") if svc.config is not None else None
            if member is None or not isinstance(text, str):
                continue
            if re.search(r"railway\.(json|toml)$", text.strip()):
                found.add(env, member.key_span,
                          f"service {svc.name} is still managed by {text}: `railway config plan` "
                          "refuses to manage it from IaC",
                          fix="delete configFile and declare the settings here")
        yield from found.hits()


# -- RS510 / RS511: the move from Config as Code ---------------------------------------

# (section, key) -> what `railway config migrate` does with it (railway-iac.md §6)
_MIGRATE = {
    ("build", "dockerfilePath"): "writes it only as a comment",
    ("build", "builder"): "writes it only as a comment",
    ("deploy", "cronSchedule"): "writes it only as a comment",
    ("build", "watchPatterns"): "writes it only as a comment",
    ("deploy", "restartPolicyType"): "drops it silently",
    ("deploy", "restartPolicyMaxRetries"): "drops it silently",
    ("deploy", "sleepApplication"): "drops it silently",
    ("deploy", "drainingSeconds"): "drops it silently",
    ("deploy", "overlapSeconds"): "drops it silently",
    ("build", "nixpacksConfigPath"): "drops it silently",
    ("build", "railpackVersion"): "does not read it",
    ("deploy", "limitOverride"): "does not read it",
}
# IaC keys (graph keys of the normalised service) that carry each Config as Code setting
_IAC_EQUIVALENT = {
    ("build", "buildCommand"): ("build", "buildCommand"),
    ("deploy", "startCommand"): ("deploy", "startCommand"),
    ("deploy", "preDeployCommand"): ("deploy", "preDeployCommand"),
    ("deploy", "healthcheckPath"): ("deploy", "healthcheckPath"),
    ("deploy", "healthcheckTimeout"): ("deploy", "healthcheckTimeout"),
    ("deploy", "numReplicas"): ("deploy", "numReplicas"),
    ("deploy", "multiRegionConfig"): ("deploy", "multiRegionConfig"),
}


def _setting_value(doc: Document, path: tuple[str | int, ...]) -> object:
    value: object = doc.data
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _same_builder(ctx: Context, doc: Document, value: object) -> bool:
    """The old file's builder is the one the planner gives the IaC service in every
    environment without it (e.g. DOCKERFILE, with a Dockerfile at the service root)."""
    from railsafe.validate import normalise_enum

    builders = _builders_taking_over(ctx, doc)
    return isinstance(value, str) and builders == {normalise_enum(value)}


def _railway_keys() -> dict[str, frozenset[str]]:
    """The build / deploy keys Railway defines (the committed schema): other keys are
    typos or inventions RS002 / RS004 report, not settings a service could lose."""
    from railsafe.schema_files import schema

    defs = schema("railway").get("$defs", {})
    return {section: frozenset(defs.get(name, {}).get("properties", {}))
            for section, name in (("build", "Build"), ("deploy", "Deploy"))}


def _cac_settings(doc: Document) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """(key path, section, key) of every build / deploy setting Railway defines."""
    data = doc.data if isinstance(doc.data, dict) else {}
    known = _railway_keys()
    sections: list[tuple[tuple[str | int, ...], object]] = [(("build",), data.get("build")),
                                                          (("deploy",), data.get("deploy"))]
    for path, section in sections:
        if isinstance(section, dict):
            for key, value in section.items():
                if key not in known[str(path[-1])]:
                    continue
                if value is not None and not is_default_setting(str(path[-1]), str(key), value):
                    yield (*path, key), str(path[-1]), str(key)


def _matching_service(ctx: Context, doc: Document) -> tuple[IacSource, IacService] | None:
    """The IaC service that takes over a Config as Code file (built from its directory)."""
    found = iac_service_at(ctx, doc.path.parent)
    return (found.source, found.service) if found is not None else None


def _builders_taking_over(ctx: Context, doc: Document) -> frozenset[str]:
    """The builders the planner gives the IaC service that takes over `doc`, in every
    environment (a Dockerfile at its root is built whatever the config says, §1.3)."""
    found = iac_service_at(ctx, doc.path.parent)
    return found.builders if found is not None else frozenset()


@rule("RS510", "migrate-drops-setting", Severity.WARNING)
def migrate_drops_setting(ctx: Context) -> Iterator[Hit]:
    """A Config as Code setting that `railway config migrate` will not carry over.

    ## What it finds
    In `railway.toml` / `railway.json` with no IaC service taking it over yet,
    each key `railway config migrate` writes only as a comment (`builder`,
    `dockerfilePath`, `cronSchedule`, `watchPatterns`), drops silently
    (`restartPolicyType`, `restartPolicyMaxRetries`, `sleepApplication`,
    `drainingSeconds`, `overlapSeconds`, `nixpacksConfigPath`) or does not
    read at all (`railpackVersion`, `limitOverride`, every
    `environments.<name>` override), at the key's line.

    ## Why it matters on Railway
    Railway stopped reading these files on 2026-12-01 and its migration is
    lossy (railway-iac.md §6, cli PR #1167): the generated
    `.railway/railway.ts` plans and applies cleanly while the service loses
    its builder, its Dockerfile, its cron schedule or its restart policy. The
    `--lang py` / `--lang go` outputs carry even less (§2.6).

    ## Fix
    After `railway config migrate`, add each reported setting by hand: the
    SDK's typed objects accept them all, e.g.
    `build: { builder: "DOCKERFILE", dockerfilePath: "...", watchPatterns: [...] }`,
    `deploy: { cronSchedule: "...", restartPolicyType: "ON_FAILURE", ... }`
    (railway-iac.md §1.2). Environment overrides become
    `ctx.environment === "<name>" ? ... : ...` branches.
    """
    for doc in ctx.documents(*RAILWAY_KINDS):
        if doc.error is not None or _matching_service(ctx, doc) is not None:
            continue
        for path, section, key in _cac_settings(doc):
            what = _MIGRATE.get((section, key))
            if what is not None:
                yield hit(doc, path,
                          f"`railway config migrate` {what}: `{section}.{key}` will not reach "
                          ".railway/railway.ts unless you carry it over by hand",
                          fix=f"add {key} to the service's `{section}: {{ ... }}` object in "
                              ".railway/railway.ts")
        envs = doc.data.get("environments") if isinstance(doc.data, dict) else None
        if isinstance(envs, dict):
            for name, override in envs.items():
                if isinstance(override, dict) and override:
                    yield hit(doc, ("environments", name),
                              f"`railway config migrate` does not read environment overrides: "
                              f"what `{name}` sets will not reach .railway/railway.ts",
                              fix=f"branch on ctx.environment === {str(name)!r} in "
                                  ".railway/railway.ts")


@rule("RS511", "iac-lacks-config-as-code-setting", Severity.ERROR)
def iac_lacks_config_as_code_setting(ctx: Context) -> Iterator[Hit]:
    """The IaC service that replaced a Config as Code file lacks one of its settings.

    ## What it finds
    In a repository with both kinds, for the `railway.toml` / `railway.json`
    of a directory an IaC service is built from: every build and deploy
    setting (and environment override) of the old file that the IaC service
    does not set, at the old file's line, with the IaC service as a related
    location.

    ## Why it matters on Railway
    Railway stopped reading the old file on 2026-12-01; what it kept for the
    service at the cutoff is unknown (railway-iac.md §6), and applying the IaC
    file sets the service to what the IaC file says. A pre-deploy migration,
    healthcheck, cron schedule or restart policy the old file had and the new
    one lacks is gone, and the plan calls that change "safe" (§2.4).

    ## Fix
    Add the setting to the IaC service (typed `build` / `deploy` objects,
    railway-iac.md §1.2), or delete it from the old file if it is meant to go;
    then delete the old file.
    """
    for doc in ctx.documents(*RAILWAY_KINDS):
        if doc.error is not None:
            continue
        match = _matching_service(ctx, doc)
        if match is None:
            continue
        source, svc = match
        related = (Related(source.doc.relpath, svc.resource.call,
                           f"service {svc.name} in {source.doc.path.name}"),)
        for path, section, key in _cac_settings(doc):
            section_map = svc.build if section == "build" else svc.deploy
            target = _IAC_EQUIVALENT.get((section, key), (section, key))[1]
            if target in section_map or (key == "region" and "multiRegionConfig" in svc.deploy):
                continue
            if (section, key) == ("build", "dockerfilePath") and (
                    "RAILWAY_DOCKERFILE_PATH" in svc.variables):
                continue  # Railway reads the Dockerfile path from this variable too (§1.3)
            if (section, key) == ("build", "builder") and _same_builder(
                    ctx, doc, _setting_value(doc, path)):
                continue  # the IaC service is built that way anyway (a Dockerfile at its root)
            yield hit(doc, path,
                      f"`{section}.{key}` is set here but not in service {svc.name} of "
                      f"{source.doc.relpath}: once Railway stopped reading this file, the "
                      "service lost it",
                      fix=f"add {key} to `{section}: {{ ... }}` of service {svc.name}",
                      related=related)
        envs = doc.data.get("environments") if isinstance(doc.data, dict) else None
        if isinstance(envs, dict) and not source.environments[1:]:
            for name, override in envs.items():
                if isinstance(override, dict) and override:
                    yield hit(doc, ("environments", name),
                              f"the `{name}` override has no counterpart in {source.doc.relpath}, "
                              "which does not branch on ctx.environment",
                              fix=f"branch on ctx.environment === {str(name)!r}",
                              related=related)


@rule("RS515", "iac-root-without-source", Severity.WARNING)
def iac_root_without_source(ctx: Context) -> Iterator[Hit]:
    """A root directory given without a source: the SDK writes an empty source.

    ## What it finds
    `root` / `rootDirectory` in a `service(...)` config that has no `source`
    (`github(...)`, `image(...)`, ...).

    ## Why it matters on Railway
    The SDK compiles `root: "backend"` without a source into
    `source: { type: "empty", rootDirectory: "backend" }` (railway-iac.md
    §1.2; reproduced with npm `railway@3.11.0`). The plan compares `source`
    like any other field (§2.4): for a service deployed from a GitHub
    repository, `railway config plan` shows an update of its source to an
    empty one, classified "safe". What `apply` then does to the repository
    connection is not documented (docs/facts.md F22): the service may stop
    deploying from its repository. `railway config migrate` and hand-written
    files produce this shape.

    ## Fix
    Give the source with the root directory in it:
    `source: github("owner/repo", { rootDirectory: "backend" })`, or drop the
    root directory and keep it in the service's settings.
    """
    for source in iac_sources(ctx):
        found = _Collect(source)
        for env, svc in _services(source):
            member = svc.root_member
            if member is None or svc.source is not None or svc.root_directory is None:
                continue
            found.add(env, member.key_span,
                      f"service {svc.name} sets `{member.key}` without a `source`: the SDK writes "
                      f"source {{ type: \"empty\", rootDirectory: "
                      f"\"{svc.root_directory.text}\" }}, and for a service deployed from a "
                      "repository the plan changes its source",
                      fix=f'source: github("owner/repo", {{ rootDirectory: '
                          f'"{svc.root_directory.text}" }})')
        yield from found.hits()

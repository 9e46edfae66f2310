"""RS1xx (and RS304): what runs in the build, pre-deploy and start phases.

All rules here read the project model (`railsafe.project.services`) and the
command analysis (`railsafe.commands.analyze`), both computed once per check
and shared through `ctx.cached`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from railsafe.context import Context
from railsafe.findings import Related, Severity, Span
from railsafe.project import Command, Service, services
from railsafe.rules import Hit, rule

if TYPE_CHECKING:
    from railsafe.commands import Analysis

PHASE_NAMES = {"build": "build", "pre-deploy": "pre-deploy", "start": "start"}
MAX_RELATED = 12


@dataclass(frozen=True)
class Analyzed:
    service: Service
    command: Command
    environments: tuple[str | None, ...]
    analysis: Analysis


def analyzed(ctx: Context) -> list[Analyzed]:
    """Every distinct command of every service, analysed once per check."""
    return ctx.cached("phases.analyzed", lambda: list(_analyze_all(ctx)))


def _analyze_all(ctx: Context) -> Iterator[Analyzed]:
    from railsafe.commands import RepoResolver, analyze

    memo: dict[tuple[Path, str], Any] = {}
    for service in services(ctx):
        resolver = RepoResolver(ctx, service.root)
        for cmd, envs in service.unique_commands():
            key = (service.root, cmd.text)
            if key not in memo:
                memo[key] = analyze(cmd.text, resolver)
            yield Analyzed(service, cmd, envs, memo[key])


def _where(item: Analyzed) -> str:
    """'the build phase (railway.toml build.buildCommand, Railpack) in every environment'."""
    cmd, service = item.command, item.service
    builders = {service.plan(e).builder.title for e in item.environments}
    envs = service.describe_environments(item.environments)
    where = f"the {cmd.phase} phase ({cmd.label}"
    if len(builders) == 1:
        where += f"; built with {next(iter(builders))}"
    return where + f") in {envs}"


def _related(item: Analyzed, detection: Any, primary: Span) -> tuple[Related, ...]:
    cmd = item.command
    out: list[Related] = []
    seen = {(cmd.path, primary.line, primary.column)}
    for step in getattr(detection, "chain", ()) or ():
        key = (step.path, step.span.line, step.span.column)
        if key not in seen:
            seen.add(key)
            out.append(Related(step.path, step.span, step.label))
    for rel in cmd.provenance:
        key = (rel.path, rel.span.line, rel.span.column)
        if key not in seen:
            seen.add(key)
            out.append(rel)
    return tuple(out[:MAX_RELATED])


def _via(detection: Any) -> str:
    chain = getattr(detection, "chain", ()) or ()
    if not chain:
        return ""
    return " (reached through " + " → ".join(step.label for step in chain) + ")"


def _located(cmd: Command) -> str:
    """For builder defaults, say where the finding is pinned and why."""
    if not cmd.default:
        return ""
    return f"; reported at {cmd.path}, the file that makes the builder run this default"


def _detections(
    ctx: Context, category: str, phases: tuple[str, ...]
) -> Iterator[tuple[Analyzed, Any, Span]]:
    seen: set[tuple[str, int, int, str]] = set()
    for item in analyzed(ctx):
        if item.command.phase not in phases:
            continue
        for det in item.analysis.detections:
            if det.category != category:
                continue
            span = item.command.at(det.start, det.end)
            key = (item.command.path, span.line, span.column, det.what)
            if key in seen:
                continue
            seen.add(key)
            yield item, det, span


# what the message calls each detection category
_CATEGORY_LABEL = {
    "test-runner": "test runner",
    "destructive-db": "destructive database command",
    "migration": "migration",
}


def _phase_hits(
    ctx: Context,
    category: str,
    phases: tuple[str, ...],
    why: str,
    fix: Callable[[str], str],
) -> Iterator[Hit]:
    """One hit per detection of `category` in `phases`: what runs where, and why it matters."""
    for item, det, span in _detections(ctx, category, phases):
        yield Hit(
            item.command.path,
            span,
            f"{_CATEGORY_LABEL[category]} `{det.what}` runs in {_where(item)}{_via(det)}; "
            f"{why}{_located(item.command)}",
            fix=fix(item.command.phase),
            related=_related(item, det, span),
        )


@rule("RS101", "tests-in-build", Severity.ERROR)
def tests_in_build(ctx: Context) -> Iterator[Hit]:
    """A test runner runs in the build phase.

    ## What it finds
    `pytest`, `jest`, `npm test`, `go test`, `rake` (default task) and the
    other runners of the detection table, anywhere a build runs them:
    `build.buildCommand` (base or an `environments.<name>` override), Nixpacks
    phases (custom phases too), Railpack steps, a Procfile `release:` line
    under Nixpacks, the package.json `build` script the builder runs (with
    `prebuild`/`postbuild`), install lifecycle scripts, Dockerfile `RUN`, and
    scripts or make targets those commands call. The finding is at the
    command as written; the chain that reaches the runner is listed as
    related locations.

    ## Why it matters on Railway
    Every service variable, `DATABASE_URL` included, is visible to build
    commands (railway-facts §0.3, §5; under Nixpacks they are even baked into
    the image, §5.1). A test suite that resets its database will reset
    whichever database those variables name. No builder runs tests by itself
    (§0.1, §3.6, §4.4): a test run in the build is always one the repository
    asked for. A Procfile `release:` line is part of the image build under
    Nixpacks (§3.6), not a release step.

    ## Fix
    Run tests in CI against a disposable database, never in a Railway phase.
    Remove the runner from the build command / script; keep the build to
    installing and compiling.
    """
    yield from _phase_hits(
        ctx,
        "test-runner",
        ("build",),
        "build commands see every service variable, DATABASE_URL included (railway-facts §5)",
        lambda _: "Run tests in CI against a disposable database; remove them from the build.",
    )


@rule("RS102", "tests-in-deploy", Severity.ERROR)
def tests_in_deploy(ctx: Context) -> Iterator[Hit]:
    """A test runner runs in the pre-deploy or start phase.

    ## What it finds
    A test runner in `deploy.preDeployCommand` or `deploy.startCommand`
    (base or an `environments.<name>` override), in `nixpacks.toml`
    `start.cmd` or `railpack.json` `deploy.startCommand`, in the Procfile
    entry the builder starts, in a Dockerfile's final `CMD` / `ENTRYPOINT`,
    in the builder's default start (Nixpacks' bare `bundle exec rake` runs the
    default rake task, often `test`/`spec`), or in a script those call.

    ## Why it matters on Railway
    Pre-deploy commands run on the private network with the service's
    production variables (railway-facts §7.1), and the start command is the
    deployed process itself: here `DATABASE_URL` is the production database
    and it is reachable. A suite that truncates or drops tables does it to
    production.

    ## Fix
    Run tests in CI against a disposable database. Keep `preDeployCommand`
    for migrations and `startCommand` for starting the server.
    """
    yield from _phase_hits(
        ctx,
        "test-runner",
        ("pre-deploy", "start"),
        "this phase runs on the private network with production variables (railway-facts §7.1)",
        lambda phase: (
            "Run tests in CI against a disposable database; "
            + (
                "keep only migrations in preDeployCommand"
                if phase == "pre-deploy"
                else "keep only the server here."
            )
        ),
    )


@rule("RS103", "destructive-db-command", Severity.ERROR)
def destructive_db_command(ctx: Context) -> Iterator[Hit]:
    """A destructive database command runs in a deployment phase.

    ## What it finds
    Commands that drop, reset, flush or roll back a database: `prisma migrate
    reset`, `prisma db push --force-reset`, `alembic downgrade`, `manage.py
    flush`, `rails db:drop|reset|schema:load`, `mix ecto.reset`, `php artisan
    migrate:fresh`, `psql -c "DROP ..."` and the rest of the detection table,
    in any phase (build, pre-deploy, start), directly or through a script.

    ## Why it matters on Railway
    Each phase sees the service's variables, `DATABASE_URL` included
    (railway-facts §5, §7.1); pre-deploy and start run on the private network
    where the production database is reachable. A command that wipes data
    runs on every deploy, and with skipped builds a command can run in an
    environment it was not built for (§5.3).

    ## Fix
    Remove it from the deployment. Run resets by hand, against a database you
    mean to reset, and apply schema changes with forward migrations in
    `preDeployCommand`.
    """
    yield from _phase_hits(
        ctx,
        "destructive-db",
        ("build", "pre-deploy", "start"),
        "it acts on whatever database the service variables name (railway-facts §5, §7.1)",
        lambda _: "Remove it from the deployment; use forward migrations in preDeployCommand.",
    )


@rule("RS104", "migration-in-build", Severity.WARNING)
def migration_in_build(ctx: Context) -> Iterator[Hit]:
    """A database migration runs in the build phase.

    ## What it finds
    `manage.py migrate`, `alembic upgrade`, `prisma migrate deploy`, `rails
    db:migrate`, `mix ecto.migrate` (and Nixpacks' Elixir default `mix
    ecto.setup`, Railpack's `ecto.deploy` alias), ... in a build command, a
    build script, a Nixpacks phase, a Procfile `release:` line under Nixpacks
    or a Dockerfile `RUN`. Migrations in pre-deploy or start (such as the
    Django default start) are not reported.

    ## Why it matters on Railway
    The private network is not reachable during the build, so a migration
    against `*.railway.internal` fails, or worse succeeds only against a
    public URL (railway-facts §5.3, §0.4). With skipped builds an image built
    once can be deployed without rebuilding, so build-time migrations do not
    run per environment; Railway recommends moving build-time side effects to
    the pre-deploy command (§5.3, §7.1).

    ## Fix
    Move the migration to `deploy.preDeployCommand`, e.g.
    `preDeployCommand = ["python manage.py migrate"]`.
    """
    yield from _phase_hits(
        ctx,
        "migration",
        ("build",),
        "the private network is not reachable at build time and skipped builds do not rerun it "
        "(railway-facts §5.3)",
        lambda _: "Move the migration to deploy.preDeployCommand.",
    )


@rule("RS105", "unparsable-command", Severity.INFO)
def unparsable_command(ctx: Context) -> Iterator[Hit]:
    """A command railsafe could not parse, so it could not check what it runs.

    ## What it finds
    A build, pre-deploy or start command (or a script it calls) that the
    shell parser rejects: unbalanced quotes, unsupported syntax, a script
    nested too deeply. railsafe reports it instead of guessing.

    ## Why it matters on Railway
    Every phase command runs with the service's variables (railway-facts §5,
    §7.1); a command railsafe cannot read may run a test suite or a
    destructive database command that no other rule reports.

    ## Fix
    Simplify the command (move logic into a script file in the repository,
    which railsafe follows), or check it by hand.
    """
    seen: set[tuple[str, int, int]] = set()
    for item in analyzed(ctx):
        for bad in item.analysis.unparsable:
            span = item.command.at(bad.start, bad.end)
            key = (item.command.path, span.line, span.column)
            if key in seen:
                continue
            seen.add(key)
            yield Hit(
                item.command.path,
                span,
                f"cannot parse this command ({bad.reason}); railsafe did not check what it runs "
                f"in {_where(item)}",
            )


_VAR_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


@rule("RS304", "nixpacks-bakes-variables", Severity.WARNING)
def nixpacks_bakes_variables(ctx: Context) -> Iterator[Hit]:
    """A Nixpacks-built service uses secrets, and Nixpacks bakes variables into the image.

    ## What it finds
    One finding per service built with Nixpacks whose commands reference a
    secret-looking variable (`$DATABASE_URL`, `${SECRET_KEY}`, ...) or whose
    `nixpacks.toml` `[variables]` has secret-named entries. The finding is at
    the builder setting (or, when Nixpacks is only implied by a
    `nixpacks.toml`, at the first reference); every reference is a related
    location.

    ## Why it matters on Railway
    Nixpacks turns every service variable into `ARG` + `ENV` of the generated
    Dockerfile, so the values are persisted in the image config, readable
    with `docker inspect` by anyone who can pull the image (railway-facts
    §5.1). Railpack mounts variables as BuildKit secrets that are not stored
    in the image; a Dockerfile sees only the `ARG`s it declares (§5.1).
    Nixpacks is deprecated (§3.1).

    ## Fix
    Switch the service to Railpack (`builder = "RAILPACK"`) or to a Dockerfile
    that declares only the build arguments it needs, then rotate the secrets
    that were baked into existing images.
    """
    for service in services(ctx):
        nix_envs = [p.environment for p in service.plans if p.builder.name == "NIXPACKS"]
        refs = _secret_references(service, nix_envs) if nix_envs else []
        if not refs:
            continue
        builder = service.plan(nix_envs[0]).builder
        explicit = service.config is not None and builder.path == service.config.relpath
        path, span = (builder.path, builder.span) if explicit else (refs[0].path, refs[0].span)
        names = sorted({r.message.split("`")[1] for r in refs})
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        related = ([builder.related()] if not explicit else []) + [
            r for r in refs if (r.path, r.span) != (path, span)
        ]
        yield Hit(
            path,
            span,
            f"service {service.name} is built with Nixpacks and uses secrets ({shown}); Nixpacks "
            "bakes every service variable into the image's ENV, readable with docker inspect "
            "(railway-facts §5.1)",
            fix='Build with Railpack (builder = "RAILPACK") or a Dockerfile that declares only '
            "the ARGs it needs, then rotate the exposed secrets.",
            related=tuple(related[:MAX_RELATED]),
        )


def _secret_references(service: Service, envs: list[str | None]) -> list[Related]:
    """Secret-looking variables the service's Nixpacks plans reference or set."""
    from railsafe.redact import looks_like_secret_name

    refs: dict[tuple[str, int, int], Related] = {}
    for env in envs:
        for cmd in service.plan(env).commands():
            for m in _VAR_REF.finditer(cmd.text):
                if looks_like_secret_name(m[1]):
                    span = cmd.at(m.start(), m.end())
                    refs.setdefault(
                        (cmd.path, span.line, span.column),
                        Related(cmd.path, span, f"`{m[1]}` referenced by {cmd.label}"),
                    )
    nx = service.nixpacks
    variables = nx.data.get("variables") if nx is not None and isinstance(nx.data, dict) else None
    if nx is not None and isinstance(variables, dict):
        for name in variables:
            if looks_like_secret_name(str(name)):
                span = nx.locate(("variables", name), "key")
                refs.setdefault(
                    (nx.relpath, span.line, span.column),
                    Related(nx.relpath, span, f"`{name}` set in {nx.path.name} [variables]"),
                )
    return sorted(refs.values(), key=lambda r: (r.path, r.span.line, r.span.column))

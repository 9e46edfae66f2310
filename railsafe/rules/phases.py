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
from railsafe.findings import Related, Severity, Span, first_of_each, related_locations
from railsafe.loaders import Document
from railsafe.project import Command, Service, note_read, services
from railsafe.rules import Hit, rule
from railsafe.secrets import is_secret_name, looks_like_secret_name

if TYPE_CHECKING:
    from railsafe.commands import Analysis



@dataclass(frozen=True)
class Analyzed:
    service: Service
    command: Command
    environments: tuple[str | None, ...]
    analysis: Analysis


def analyzed(ctx: Context) -> list[Analyzed]:
    """Every distinct command of every service, analysed once per check."""
    return ctx.cached("phases.analyzed", lambda: list(_analyze_all(ctx)))


class _Recording(Context):
    """The check's Context (same documents, same cache) noting every file a command reads."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(**ctx.shared_state())
        self.why = ""
        self.read: dict[Path, None] = {}  # what the current command read, for a worker's replay

    def document_at(self, path: Path) -> Document | None:
        doc = super().document_at(path)
        if doc is not None and self.why:
            note_read(self, doc, self.why)
            self.read[path] = None
        return doc


def _resolver_takes_path_env() -> bool:
    """Whether RepoResolver looks bare names up in the image's PATH (`image_path_env`)."""
    import inspect

    from railsafe.commands import RepoResolver

    return "image_path_env" in inspect.signature(RepoResolver).parameters


def _analyze_all(ctx: Context) -> Iterator[Analyzed]:
    from railsafe import parallel
    from railsafe.commands import RepoResolver, analyze

    recording = _Recording(ctx)
    path_env = _resolver_takes_path_env()
    todo: dict[tuple[Path, str, tuple[tuple[str, str], ...], tuple[str, ...], str],
               tuple[Service, Command]] = {}
    found = []
    for service in services(ctx):
        for cmd, envs in service.unique_commands():
            key = (service.root, cmd.cwd or "", cmd.image_paths, cmd.image_path_env, cmd.text)
            todo.setdefault(key, (service, cmd))
            found.append((service, cmd, envs, key))

    def one(job: tuple[Service, Command]) -> tuple[Analysis, str, list[Path]]:
        service, cmd = job
        recording.why = f"{cmd.label} runs it in the {cmd.phase} phase"
        recording.read = {}
        extra: dict[str, Any] = {}
        if path_env and cmd.image_path_env:  # a Dockerfile command: the image's PATH
            extra["image_path_env"] = cmd.image_path_env
        resolver = RepoResolver(recording, service.root, image_paths=dict(cmd.image_paths), **extra)
        if cmd.cwd:  # a Dockerfile WORKDIR, mapped to the repository
            resolver = resolver.at(cmd.cwd)
        return analyze(cmd.text, resolver), recording.why, list(recording.read)

    # the analyses are independent: shared over processes on a large tree
    memo: dict[Any, Analysis] = {}
    for key, (analysis, why, read) in zip(todo, parallel.run(one, list(todo.values()),
                                                              ctx.jobs), strict=True):
        recording.why = why  # a worker's reads, read here too (the parent's own: no-op)
        for path in read:
            recording.document_at(path)
        memo[key] = analysis
    for service, cmd, envs, key in found:
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


def _related(
    ctx: Context, item: Analyzed, detection: Any, primary: Span
) -> tuple[Related, ...]:
    cmd = item.command
    chain = [Related(step.path, step.span, _step_label(ctx, step))
             for step in getattr(detection, "chain", ()) or ()]
    return related_locations([*chain, *cmd.provenance], primary=(cmd.path, primary))


_MAX_QUOTED = 60


def _step_label(ctx: Context, step: Any) -> str:
    """`scripts/start.sh:12` -> 'scripts/start.sh:12: runs `pytest -q`' (the text at the step)."""
    label = str(step.label)
    if label != f"{step.path}:{step.span.line}":
        return label
    doc = ctx.document_at(ctx.root / step.path)
    if doc is None:
        return label
    line = doc.line(step.span.line)
    start = max(step.span.column - 1, 0)
    end = step.span.end_column - 1 if step.span.end_line == step.span.line else len(line)
    text = " ".join(line[start:end].split()) if end > start else ""
    if not text:
        return label
    if len(text) > _MAX_QUOTED:
        text = text[: _MAX_QUOTED - 3].rstrip() + "..."
    return f"{label}: runs `{text.replace('`', chr(39))}`"


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
    """Each detection once per location; a builder default once per category.

    A default has no text of the user's: the detections it leads to (`mix
    ecto.setup` -> the alias's `ecto.create` and `ecto.migrate`) all land on
    the one span that stands for it, so the first speaks for them all.
    """
    found = first_of_each(
        ((item, det, item.command.at(det.start, det.end))
         for item in analyzed(ctx) if item.command.phase in phases
         for det in item.analysis.detections if det.category == category),
        lambda f: (f[0].command.path, f[2].line, f[2].column,
                   "" if f[0].command.default else f[1].what))
    yield from _once_per_origin(found, ctx.cached(f"phases.dropped:{category}", dict))


def _origin(det: Any) -> tuple[str, int, int] | None:
    """Where a detection reached through a chain really is: its last step."""
    chain = getattr(det, "chain", ()) or ()
    if not chain:
        return None
    last = chain[-1]
    return (last.path, last.span.line, last.span.column)


def _once_per_origin(
    found: list[tuple[Analyzed, Any, Span]],
    dropped: dict[tuple[str, int, int, str], Analyzed],
) -> Iterator[tuple[Analyzed, Any, Span]]:
    """A workspace root whose command only runs its packages' scripts (`npm run build
    --workspaces`, `turbo run build`) reaches the same test runner as the package's own
    service: report it once, at the service with the shorter chain (the package's)."""
    shortest: dict[tuple[str, int, int, str], int] = {}
    for item, det, _ in found:
        origin = _origin(det)
        if origin is not None:
            key = (*origin, item.command.phase)
            length = len(det.chain)
            shortest[key] = min(shortest.get(key, length), length)
    kept = []
    for item, det, span in found:  # every drop is known before the first hit is worded
        origin = _origin(det)
        if origin is not None and len(det.chain) > shortest[(*origin, item.command.phase)]:
            dropped.setdefault((*origin, item.command.phase), item)
            continue
        kept.append((item, det, span))
    yield from kept


def _also_from_root(ctx: Context, category: str, item: Analyzed, det: Any) -> str:
    """`; the workspace root's build command (npm) runs it too` when a longer chain from
    another service reaches the same place (`_once_per_origin` dropped that one)."""
    origin = _origin(det)
    if origin is None:
        return ""
    dropped: dict[tuple[str, int, int, str], Analyzed] = ctx.cached(
        f"phases.dropped:{category}", dict)
    other = dropped.get((*origin, item.command.phase))
    if other is None or other.command.path == item.command.path:
        return ""
    tool = _package_manager(other.command.text)
    phase = _PHASE_NAME.get(other.command.phase, "command")
    return (f"; the workspace root's {phase} ({other.command.path}, {tool}) runs it too, "
            "reported here once")


_PHASE_NAME = {"build": "build command", "pre-deploy": "pre-deploy command",
               "start": "start command"}
_MANAGERS = ("pnpm", "yarn", "npm", "bun", "turbo", "nx", "lerna", "rush")


def _package_manager(text: str) -> str:
    """The workspace tool a command runs: `pnpm`, `npm`, `turbo`, ..."""
    for word in re.findall(r"[A-Za-z][\w.-]*", text or ""):
        if word in _MANAGERS:
            return word
    return "its package manager"


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
    why: str | Callable[[Analyzed, Any], str],
    fix: Callable[[str], str],
) -> Iterator[Hit]:
    """One hit per detection of `category` in `phases`: what runs where, and why it matters."""
    for item, det, span in _detections(ctx, category, phases):
        reason = why(item, det) if callable(why) else why
        yield Hit(
            item.command.path,
            span,
            f"{_CATEGORY_LABEL[category]} `{det.what}` runs in {_where(item)}{_via(det)}; "
            f"{reason}{_located(item.command)}{_also_from_root(ctx, category, item, det)}",
            fix=fix(item.command.phase),
            related=_related(ctx, item, det, span),
        )


def _build_variables(item: Analyzed, detection: Any = None) -> str:
    """What service variables a build command sees, by builder (railway-facts §5.1)."""
    cmd, service = item.command, item.service
    builders = {service.plan(e).builder.name for e in item.environments}
    if builders == {"DOCKERFILE"}:
        declared = cmd.build_args or ()
        secret = [name for name in declared if is_secret_name(name)]
        if secret:
            shown = ", ".join(f"`{name}`" for name in secret[:4])
            shown += ", ..." if len(secret) > 4 else ""
            return (
                "a Dockerfile build sees only the variables its stage declares with `ARG`, "
                f"and this stage declares {shown} (docs/facts.md F32)"
            )
        return (
            "a Dockerfile build sees only the variables its stage declares with `ARG` "
            "(docs/facts.md F32), and this stage declares none that looks like a credential"
        )
    if builders == {"NIXPACKS"}:
        return (
            "Nixpacks passes every service variable to the build as ARG and ENV, "
            "DATABASE_URL included (docs/facts.md F32)"
        )
    if builders == {"RAILPACK"}:
        return (
            "Railpack mounts every service variable, DATABASE_URL included, into every "
            "build command (docs/facts.md F32)"
        )
    return "build commands see the service's variables, DATABASE_URL included (docs/facts.md F32)"


def _deploy_variables(item: Analyzed, detection: Any = None) -> str:
    """'production variables', or the named environments' own (PR environments, §2.2)."""
    envs = item.environments
    if any(item.service.is_production(e) for e in envs):
        return (
            "this phase runs on the private network with production variables "
            "(docs/facts.md F33)"
        )
    if envs == ("pr",):  # the `pr` override: every PR environment (railway-facts §2.2)
        whose = "each PR environment's own"
    else:
        whose = "that environment's" if len(envs) == 1 else "those environments'"
    return (
        f"this phase runs on the private network with {whose} variables "
        "(docs/facts.md F33, F34)"
    )


_DB_URL = re.compile(
    r"\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|sqlserver|mssql|"
    r"cockroachdb)://(?:[^\s@'\"/]*@)?(?P<host>[^\s/'\"?:@]+)(?::\d+)?(?P<path>/[^\s'\"?]*)?"
)


def _destructive_target(item: Analyzed, detection: Any) -> str:
    """Which database a destructive command acts on: the one its URL names, if it has one."""
    words = " ".join(
        t for t in (str(getattr(detection, "text", "") or ""),
                    item.command.text[detection.start: detection.end]) if t
    )
    for match in _DB_URL.finditer(words):
        if "$" in match[0] or "{{" in match[0]:
            continue  # a variable: whatever the service variables name
        where = match["host"] + (match["path"] or "")
        return (
            f"it acts on the database its URL names ({where}), whatever the service "
            "variables say, every time this phase runs (docs/facts.md F32, F33)"
        )
    return "it acts on whatever database the service variables name (docs/facts.md F32, F33)"


@rule("RS101", "tests-in-build", Severity.ERROR)
def tests_in_build(ctx: Context) -> Iterator[Hit]:
    """A test runner runs in the build phase.

    ## What it finds
    `pytest`, `jest`, `npm test`, `go test`, `rake` (default task) and the
    other runners of the detection table, anywhere a build runs them:
    `build.buildCommand` (base or an `environments.<name>` override), Nixpacks
    phases (custom phases too, and those of the file `build.nixpacksConfigPath`
    names), Railpack steps, a Procfile `release:` line under Nixpacks, the
    package.json `build` script the builder runs (with `prebuild`/`postbuild`),
    install lifecycle scripts, Dockerfile `RUN` (heredoc scripts `RUN <<EOT`
    included, run in the directory their `WORKDIR` maps to), and scripts or
    make targets those commands call. A `RUN` in a Dockerfile stage the final
    image does not depend on is not reported: Railway builds with BuildKit,
    which skips such stages (docs/facts.md F1, F2). The finding is at the
    command as written; the chain that reaches the runner is listed as
    related locations.

    ## Why it matters on Railway
    Build commands see the service's variables (railway-facts §0.3, §5.1):
    Nixpacks passes every one as `ARG` + `ENV` (baking them into the image),
    Railpack mounts every one into every build command, and a Dockerfile
    build sees those its stage declares with `ARG` (the message names the
    secret-looking ones, `DATABASE_URL` say). A test suite that resets its
    database will reset whichever database those variables name. No builder
    runs tests by itself (§0.1, §3.6, §4.4): a test run in the build is always
    one the repository asked for. A Procfile `release:` line is part of the
    image build under Nixpacks (§3.6), not a release step.

    ## Fix
    Run tests in CI against a disposable database, never in a Railway phase.
    Remove the runner from the build command / script; keep the build to
    installing and compiling.
    """
    yield from _phase_hits(
        ctx,
        "test-runner",
        ("build",),
        _build_variables,
        lambda _: "Run tests in CI against a disposable database; remove them from the build.",
    )


@rule("RS102", "tests-in-deploy", Severity.ERROR)
def tests_in_deploy(ctx: Context) -> Iterator[Hit]:
    """A test runner runs in the pre-deploy or start phase.

    ## What it finds
    A test runner in `deploy.preDeployCommand` or `deploy.startCommand`
    (base or an `environments.<name>` override), in `nixpacks.toml`
    `start.cmd` or `railpack.json` `deploy.startCommand`, in the Procfile
    entry the builder starts, in the final image's `CMD` / `ENTRYPOINT` (also
    inherited from the stage it is built `FROM`, the script an absolute
    in-image path such as `/rails/bin/docker-entrypoint` names, and the one a
    bare name such as `entrypoint` finds in the image's `PATH` where `COPY` put
    it: docs/facts.md F12, F13), in the
    builder's default start (Nixpacks' bare `bundle exec rake` runs the
    default rake task: railsafe reads the Rakefile and reports it only when
    that task is or depends on tests), or in a script those call.

    ## Why it matters on Railway
    Pre-deploy commands run on the private network with the service's
    variables (railway-facts §7.1), and the start command is the deployed
    process itself: in production `DATABASE_URL` is the production database
    and it is reachable. A suite that truncates or drops tables does it to
    production. In another environment (a PR environment, §2.2) it does it to
    whatever database that environment's variables name.

    ## Fix
    Run tests in CI against a disposable database. Keep `preDeployCommand`
    for migrations and `startCommand` for starting the server.
    """
    yield from _phase_hits(
        ctx,
        "test-runner",
        ("pre-deploy", "start"),
        _deploy_variables,
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
    in any phase (build, pre-deploy, start), directly or through a script. A
    command that names its database itself (`psql postgresql://...@db.example.com/prod
    -c "TRUNCATE ..."`) acts on that database, and the message says so.

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
        _destructive_target,
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
        "(docs/facts.md F35)",
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
    found = first_of_each(
        ((item, bad, item.command.at(bad.start, bad.end))
         for item in analyzed(ctx) for bad in item.analysis.unparsable),
        lambda f: (f[0].command.path, f[2].line, f[2].column))
    for item, bad, span in found:
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
    secret-looking variable (`$DATABASE_URL`, `${SECRET_KEY}`, ...), whose
    `nixpacks.toml` `[variables]` has secret-named entries, or whose
    `.railway/railway.*` service declares secret-named variables in `env`. The finding is at
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
        settings = [d.relpath for d in (service.config, service.iac and service.iac.doc) if d]
        explicit = builder.reason.startswith("build.builder") and builder.path in settings
        path, span = (builder.path, builder.span) if explicit else (refs[0].path, refs[0].span)
        names = sorted({r.message.split("`")[1] for r in refs})
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        related = ([builder.related()] if not explicit else []) + [
            r for r in refs if (r.path, r.span) != (path, span)
        ]
        yield Hit(
            path,
            span,
            f"{_service_label(service)} is built with Nixpacks and uses secrets ({shown}); "
            "Nixpacks "
            "bakes every service variable into the image's ENV, readable with docker inspect "
            "(docs/facts.md F32)",
            fix='Build with Railpack (builder = "RAILPACK") or a Dockerfile that declares only '
            "the ARGs it needs, then rotate the exposed secrets.",
            related=tuple(related),
        )


def _service_label(service: Service) -> str:
    """'service api', or 'the service at the repository root' for the checked root."""
    if service.name == ".":
        return "the service at the repository root"
    return f"service {service.name}"


def _secret_references(service: Service, envs: list[str | None]) -> list[Related]:
    """Secret-looking variables the service's Nixpacks plans reference or set."""
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
    if service.iac is not None and service.iac_name is not None:  # env the IaC file declares
        for env in envs:
            declared = service.iac.service(env, service.iac_name)
            for name, member in (declared.variables.items() if declared else ()):
                if looks_like_secret_name(name):
                    refs.setdefault(
                        (service.iac.doc.relpath, member.key_span.line, member.key_span.column),
                        Related(service.iac.doc.relpath, member.key_span,
                                f"`{name}` declared in {service.iac.doc.path.name} `env`"),
                    )
    configs = {
        doc.relpath: doc
        for doc in (*(service.nixpacks_configs.get(env) for env in envs), service.nixpacks)
        if doc is not None
    }
    for _, nx in sorted(configs.items()):
        variables = nx.data.get("variables") if isinstance(nx.data, dict) else None
        if not isinstance(variables, dict):
            continue
        for name in variables:
            if looks_like_secret_name(str(name)):
                span = nx.locate(("variables", name), "key")
                refs.setdefault(
                    (nx.relpath, span.line, span.column),
                    Related(nx.relpath, span, f"`{name}` set in {nx.path.name} [variables]"),
                )
    return sorted(refs.values(), key=lambda r: (r.path, r.span.line, r.span.column))

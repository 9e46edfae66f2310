"""RS0xx: file integrity rules that are not schema checks."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from railsafe.context import Context
from railsafe.dates import CONFIG_AS_CODE_CUTOFF
from railsafe.findings import FILE_START, Related, Severity, Span, related_locations
from railsafe.loaders import RAILWAY_KINDS, Document, KeyPath
from railsafe.rules import Hit, hit, rule
from railsafe.validate import normalise_enum


@rule("RS001", "invalid-syntax", Severity.ERROR)
def invalid_syntax(ctx: Context) -> Iterator[Hit]:
    """A config file that cannot be read or parsed.

    ## What it finds
    `railway.toml`, `railway.json`, `nixpacks.toml`, `nixpacks.json` or
    `railpack.json` that is not valid TOML / JSON / JSONC, a
    `.railway/railway.{ts,py,go}` that does not parse, a file that is not UTF-8 text,
    is binary, too large (over 2 MiB), or cannot be read. The location is the
    parser's own line and column.

    Also, as a warning, any other file on a deploy path that railsafe could
    not read: the Dockerfile, `package.json` or Procfile a service is planned
    from, a Nixpacks file `nixpacksConfigPath` names, a script or Makefile a
    phase command runs. Such a file is over 2 MiB, unreadable, binary, or (for
    `package.json` and the builders' files) not valid UTF-8 / JSON / TOML, so
    the commands in it were not checked by RS101-RS105. Text that is not valid
    UTF-8 is still read, with the bad bytes replaced.

    ## Why it matters on Railway
    A file Railway cannot parse fails the deploy, or (for the builders' files)
    leaves every setting in it unapplied. railway.toml is read as TOML 1.0:
    multi-line inline tables, valid only in TOML 1.1, are rejected.
    Railpack reads `railpack.json` as JSONC (comments and trailing commas are
    fine, railway-facts §4.1); `railway.json` and `nixpacks.json` are plain JSON.
    A deploy file railsafe could not read still runs on Railway with the
    service's variables (railway-facts §5, §7.1): a test runner or a database
    reset in it would go unreported, so railsafe says it did not look.

    ## Fix
    Correct the syntax at the reported position. `railsafe check --format json`
    gives the exact line and column for editors and CI. For a deploy file
    railsafe could not read, keep it a small UTF-8 text file, or review the
    commands it runs by hand.
    """
    checked = set()
    for doc in ctx.documents():
        checked.add(doc.relpath)
        if doc.error is not None:
            yield Hit(doc.relpath, doc.error.span, doc.error.message)
    yield from _iac_syntax(ctx, checked)
    yield from _unread_deploy_files(ctx, checked)


def _iac_syntax(ctx: Context, checked: set[str]) -> Iterator[Hit]:
    """IaC files that do not parse (the Railway CLI cannot evaluate them either), or
    that railsafe's own reader failed on (said, never hidden)."""
    if not ctx.files("railway-iac"):
        return
    from railsafe.project.iac import iac_sources

    for source in iac_sources(ctx):
        doc = source.doc
        checked.add(doc.relpath)
        base = source.base
        if doc.error is not None:
            yield Hit(doc.relpath, doc.error.span, doc.error.message)
        elif source.failure is not None:
            yield Hit(doc.relpath, FILE_START,
                      f"railsafe could not read this file ({source.failure}): what it declares "
                      "was not checked", severity=Severity.WARNING)
        elif base is not None and base.error is not None:
            yield Hit(doc.relpath, base.error_span or FILE_START,
                      f"{doc.path.name} does not parse: {base.error}")


def _unread_deploy_files(ctx: Context, checked: set[str]) -> Iterator[Hit]:
    """Files a phase command runs or the project model plans from that railsafe could not read."""
    from railsafe.project import read_log
    from railsafe.rules.phases import analyzed

    # The model and the command analysis note every file they read. Should the
    # analysis fail, RS101-RS105 report it; RS001 keeps its own findings.
    with contextlib.suppress(Exception):
        analyzed(ctx)
    for relpath, (doc, why) in sorted(read_log(ctx).items()):
        if relpath in checked or doc.error is None:
            continue
        if doc.source and b"\x00" in doc.source[:8192]:
            reason = "binary file (contains NUL bytes)"
        elif doc.source and not doc.syntax:
            continue  # text with bad bytes is read with replacement characters
        else:
            reason = doc.error.message
        yield Hit(
            relpath,
            doc.error.span,
            f"railsafe could not read this file ({reason}), but {why}: what it runs was "
            "not checked",
            severity=Severity.WARNING,
            fix="Keep deploy scripts and manifests small UTF-8 text files, or check this one "
            "by hand.",
        )


KNOWN_BUILDERS = ("RAILPACK", "DOCKERFILE", "NIXPACKS")
RETIRED_BUILDERS = ("HEROKU", "PAKETO")
# which program reads each config kind (RS004 names it)
_OWNER = {
    "railway-toml": "Railway", "railway-json": "Railway",
    "nixpacks-toml": "Nixpacks", "nixpacks-json": "Nixpacks", "railpack-json": "Railpack",
}


def is_test_command_key(key: object) -> bool:
    """`testCommand` in any spelling (RS004 owns it; RS002 leaves it alone)."""
    return isinstance(key, str) and key.lower().replace("_", "") in ("testcommand", "testcmd")


def _walk_keys(data: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    """Every (key path, value) in nested dicts and lists, depth first."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield (*path, key), value
            yield from _walk_keys(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _walk_keys(value, (*path, i))


def _builder_settings(doc: Document) -> Iterator[tuple[KeyPath, str]]:
    """`build.builder` of the base config and of every environment override."""
    data = doc.data if isinstance(doc.data, dict) else {}
    sections: list[tuple[KeyPath, Any]] = [(("build",), data.get("build"))]
    envs = data.get("environments")
    if isinstance(envs, dict):
        for name, env in envs.items():
            if isinstance(env, dict):
                sections.append((("environments", name, "build"), env.get("build")))
    for path, build in sections:
        if isinstance(build, dict) and isinstance(build.get("builder"), str):
            yield (*path, "builder"), build["builder"]


def _iac_builders(ctx: Context, *, applied: bool = False) -> Iterator[tuple[str, Span, str]]:
    """(path, value span, value) of each `build: { builder }` in `.railway/railway.*`,
    once per place whatever the environment. `applied`: only settings that decide the
    builder, not those of a service the project model says builds the Dockerfile in its
    root (a Dockerfile always wins, §1.3, §2.3; RS010's reasoning)."""
    if not ctx.files("railway-iac"):
        return
    from railsafe.iac.values import Str
    from railsafe.project import services
    from railsafe.project.iac import iac_sources

    overridden = {(s.iac.doc.relpath, s.iac_name) for s in services(ctx)
                  if applied and s.iac is not None and s.plans
                  and "Dockerfile" in s.files
                  and s.plan(None).builder.path == s.files["Dockerfile"].relpath}
    for source in iac_sources(ctx):
        seen: set[tuple[int, int]] = set()
        for declared in source.services.values():
            for svc in declared:
                member = svc.build.get("builder")
                if member is None or not isinstance(member.value, Str):
                    continue
                if (source.doc.relpath, svc.name) in overridden:
                    continue
                where = (member.value.span.line, member.value.span.column)
                if where not in seen:
                    seen.add(where)
                    yield source.doc.relpath, member.value.span, member.value.text


@rule("RS004", "test-command", Severity.ERROR)
def test_command(ctx: Context) -> Iterator[Hit]:
    """`testCommand` is not a Railway setting: it disables nothing.

    ## What it finds
    A `testCommand` key (any spelling: `testCommand`, `test_command`,
    `testCmd`) anywhere in `railway.toml`, `railway.json`, `nixpacks.toml`,
    `nixpacks.json` or `railpack.json`.

    ## Why it matters on Railway
    The incident report proposed `[build] testCommand = "echo ..."` to stop
    tests running in the build. No such key exists in Railway's schema, its
    GraphQL API, its CLI, Nixpacks or Railpack (railway-facts §1.6), and no
    builder runs tests on its own (§0.1, §3.6, §4.4). Tests run on Railway only
    where a command you wrote starts them: `buildCommand`, `preDeployCommand`,
    `startCommand`, builder phases, a Procfile `release:` line, a `package.json`
    `build` script, or a Dockerfile `RUN`. The key gives a false sense of
    safety while the real path to production stays open.

    ## Fix
    Delete the key. Keep test runners out of every deploy phase (rules RS101,
    RS102 find them), point the test suite at a test-only database
    (RS201-RS203), and install railsafe's pytest plugin so a session refuses a
    production database.
    """
    for doc in ctx.documents():
        for path, _ in _walk_keys(doc.data):
            key = path[-1]
            if is_test_command_key(key):
                yield hit(
                    doc,
                    path,
                    f"`{key}` is not a setting of {_OWNER.get(doc.kind, 'Railway')} and "
                    "disables nothing. No builder runs tests by itself; tests run only where a "
                    "command "
                    "you wrote starts them (buildCommand, preDeployCommand, startCommand, "
                    "builder phases, Procfile, package.json scripts, Dockerfile RUN)",
                    part="whole",
                    fix="delete this key and keep test runners out of every deploy phase",
                )


# what a Config as Code setting does for the service, as RS005 names it when lost
LOSABLE_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("deploy", "preDeployCommand", "pre-deploy command"),
    ("deploy", "startCommand", "start command"),
    ("build", "buildCommand", "build command"),
    ("deploy", "healthcheckPath", "healthcheck"),
    ("deploy", "healthcheckTimeout", "healthcheck timeout"),
    ("deploy", "restartPolicyType", "restart policy"),
    ("deploy", "restartPolicyMaxRetries", "restart policy"),
    ("deploy", "cronSchedule", "cron schedule"),
    ("build", "builder", "builder"),
    ("build", "dockerfilePath", "Dockerfile path"),
    ("build", "watchPatterns", "watch patterns"),
    ("build", "nixpacksConfigPath", "Nixpacks config path"),
    ("build", "nixpacksPlan", "Nixpacks plan"),
    ("build", "railpackVersion", "Railpack version"),
    ("deploy", "numReplicas", "replicas"),
    ("deploy", "multiRegionConfig", "regions"),
    ("deploy", "region", "regions"),
    ("deploy", "sleepApplication", "sleep setting"),
    ("deploy", "drainingSeconds", "draining time"),
    ("deploy", "overlapSeconds", "overlap time"),
    ("deploy", "limitOverride", "resource limits"),
    ("deploy", "requiredMountPath", "required mount path"),
)


def is_default_setting(section: str, key: str, value: Any) -> bool:
    """A value that only restates Railway's default: losing it loses nothing
    (Railpack is the default builder; `Dockerfile` the default Dockerfile path, §1.3)."""
    if (section, key) == ("build", "builder"):
        return isinstance(value, str) and normalise_enum(value) == "RAILPACK"
    if (section, key) == ("build", "dockerfilePath"):
        return isinstance(value, str) and value.strip().removeprefix("./") == "Dockerfile"
    return False


def _set_settings(doc: Document) -> list[tuple[KeyPath, str]]:
    """(key path, what it does) for each setting the file sets, environments last."""
    data = doc.data if isinstance(doc.data, dict) else {}
    found: list[tuple[KeyPath, str]] = []
    for section, key, what in LOSABLE_SETTINGS:
        part = data.get(section)
        if isinstance(part, dict) and part.get(key) is not None and not is_default_setting(
            section, key, part.get(key)
        ):
            found.append(((section, key), what))
    envs = data.get("environments")
    if isinstance(envs, dict):
        for name, override in envs.items():
            if isinstance(override, dict) and override:
                found.append((("environments", name), f"`{name}` environment override"))
    return found


@rule(
    "RS005",
    "config-as-code-deprecated",
    Severity.WARNING,
    from_day=(CONFIG_AS_CODE_CUTOFF, Severity.ERROR),
)
def config_as_code_deprecated(ctx: Context) -> Iterator[Hit]:
    """Railway stops reading railway.toml / railway.json on 2026-12-01.

    ## What it finds
    Every `railway.toml` and `railway.json`. Before 2026-12-01 this is a
    warning. From that date on it is an error that names what the service
    may have lost with the file (its pre-deploy command, healthcheck,
    restart policy, cron schedule, builder, watch patterns, environment
    overrides: whatever the file sets), each setting a related location; or,
    when a service of `.railway/railway.*` is built from the file's directory,
    that the IaC service now declares it (RS511 lists what it lacks).
    `railsafe rules` and `railsafe explain` show the severity of the day
    (`--today YYYY-MM-DD` or `RAILSAFE_TODAY` evaluate another day).

    The other rules keep analysing the file whatever the date: its commands
    are what the service was set up to run, and what `railway config
    migrate` carries into `.railway/railway.ts`. After the cutoff their
    findings say that the file is no longer read.

    ## Why it matters on Railway
    Config as Code is deprecated in favour of Infrastructure as Code
    (`.railway/railway.ts`, generally available; `.railway/railway.py` and
    `.railway/railway.go` in beta). Existing files "keep working until
    2026-12-01" (hard cutoff, railway-facts §1.1, railway-iac.md §5, §6),
    and since 2026-08-28 services that never used Config as Code ignore the
    file entirely: one public report shows an app failing because its
    pre-deploy migrations never ran (railway-iac.md §6). What Railway kept
    for each service at the cutoff is unknown (§6). `railway config migrate`
    writes `builder`, `dockerfilePath`, `cronSchedule` and `watchPatterns`
    only as comments, drops the restart policy, sleep, draining and overlap
    silently, and ignores `environments.*` (§6): rule RS510 reports each such
    key.

    ## Fix
    Declare the service in `.railway/railway.ts` with every setting this file
    sets (the SDK's typed `build` and `deploy` objects accept all of them,
    railway-iac.md §1.2), with `export const partial = "<name>"`, then
    `railway config plan` / `apply` and delete the old file.
    """
    for doc in ctx.documents(*RAILWAY_KINDS):
        if ctx.outside_tree(doc):
            continue  # RS001 says it is not read
        name = doc.path.name
        span = first_content(doc)
        fix = (
            "declare the service in .railway/railway.ts with every setting this file sets "
            "(RS510 lists what `railway config migrate` would drop), then delete the file"
        )
        if ctx.reads_config_as_code:
            yield Hit(
                doc.relpath,
                span,
                f"Config as Code is deprecated: Railway stops reading {name} on "
                f"{CONFIG_AS_CODE_CUTOFF.isoformat()}, and from then on no setting in it applies",
                fix=fix,
            )
            continue
        taken = _iac_service_for(ctx, doc)
        if taken is not None:
            yield Hit(
                doc.relpath,
                span,
                f"Railway stopped reading {name} on {CONFIG_AS_CODE_CUTOFF.isoformat()} (hard "
                f"cutoff); service {taken.service.name} of {taken.source.doc.relpath} now "
                "declares this service (RS511 reports any setting of this file it lacks)",
                fix="once RS511 reports nothing for this file, delete it",
                related=(Related(taken.source.doc.relpath, taken.service.resource.call,
                                 f"service {taken.service.name}"),),
            )
            continue
        settings = _set_settings(doc)
        lost: list[str] = []
        for _, what in settings:
            if what not in lost:
                lost.append(what)
        if lost:
            shown = ", ".join(lost[:-1]) + (" and " if len(lost) > 1 else "") + lost[-1]
            what_lost = (f"the service may have lost its {shown}, unless they were carried "
                         "into .railway/railway.ts")
        else:
            what_lost = "the file sets nothing a service would lose"
        related = sorted(
            (Related(doc.relpath, doc.locate(path, "key"), f"sets the {what}")
             for path, what in settings),
            key=lambda r: (r.span.line, r.span.column),
        )
        yield Hit(
            doc.relpath,
            span,
            f"Railway stopped reading {name} on {CONFIG_AS_CODE_CUTOFF.isoformat()} "
            f"(hard cutoff): {what_lost}",
            fix=fix,
            related=related_locations(related),
        )


def _iac_service_for(ctx: Context, doc: Document) -> Any:
    """The IaC service built from `doc`'s directory, if an IaC file declares one."""
    if not ctx.files("railway-iac"):
        return None
    from railsafe.project.planner import iac_service_at

    return iac_service_at(ctx, doc.path.parent)


def first_content(doc: Document) -> Span:
    """Where a whole-file finding points: a JSON file's first key (`"$schema"`), else the
    first line with content, comments skipped (`[build]`), trimmed; else 1:1."""
    if doc.syntax != "toml" and doc.error is None and isinstance(doc.data, dict) and doc.data:
        entry = doc.entry((next(iter(doc.data)),))
        if entry is not None:
            return entry.key
    fallback: Span | None = None
    for number, line in enumerate(doc.text.split("\n"), start=1):
        text = line.removesuffix("\r").rstrip()
        stripped = text.lstrip()
        if not stripped:
            continue
        span = Span(number, len(text) - len(stripped) + 1, number, len(text) + 1)
        if not stripped.startswith(("#", "//", "/*")):
            return span
        fallback = fallback or span
    return fallback or FILE_START


@rule("RS006", "nixpacks-builder", Severity.WARNING)
def nixpacks_builder(ctx: Context) -> Iterator[Hit]:
    """The NIXPACKS builder is in maintenance mode; Railpack is the default.

    ## What it finds
    `builder = "NIXPACKS"` (any case) in `build` or in an environment override,
    and `build: { builder: "NIXPACKS" }` in `.railway/railway.*`.

    ## Why it matters on Railway
    Nixpacks has been in maintenance mode since 2025-09-08 and Railpack has
    been Railway's default builder since 2025-09-16 (railway-facts §3.1).
    Nixpacks also bakes every service variable, `DATABASE_URL` included, into
    the image's `ENV` (§5.1), where anyone with the image can read it.

    ## Fix
    Switch to `builder = "RAILPACK"` (or a Dockerfile that declares only the
    `ARG`s it needs) and move `nixpacks.toml` settings to `railpack.json`.
    """
    for doc in ctx.documents(*RAILWAY_KINDS):
        if dockerfile_wins(ctx, doc) is not None:
            continue  # RS010: the Dockerfile is built, so this builder setting never applies
        for path, value in _builder_settings(doc):
            if normalise_enum(value) == "NIXPACKS":
                yield hit(doc, path, _NIXPACKS_MESSAGE, part="value", fix='builder = "RAILPACK"')
    for relpath, span, value in _iac_builders(ctx, applied=True):
        if normalise_enum(value) == "NIXPACKS":
            yield Hit(relpath, span, _NIXPACKS_MESSAGE, fix='build: { builder: "RAILPACK" }')


_NIXPACKS_MESSAGE = (
    "NIXPACKS is in maintenance mode and bakes every service variable into the image; "
    "Railpack is Railway's default builder"
)


@rule("RS007", "unsupported-builder", Severity.ERROR)
def unsupported_builder(ctx: Context) -> Iterator[Hit]:
    """A builder Railway does not offer (HEROKU, PAKETO or an unknown value).

    ## What it finds
    A `builder` value other than RAILPACK, DOCKERFILE or NIXPACKS (compared
    case-insensitively, `-` and `_` alike), in Config as Code or in the
    `build` object of an IaC service.

    ## Why it matters on Railway
    Railway's docs removed HEROKU and PAKETO as "incorrect builder values" on
    2025-09-11 and list only RAILPACK (the default) and DOCKERFILE
    (railway-facts §1.3). Values such as `maven`, `go` or a buildpack image
    name are not builders at all: the setting does not do what it says.

    ## Fix
    Use `builder = "RAILPACK"`, or `"DOCKERFILE"` with a Dockerfile.
    """
    for doc in ctx.documents(*RAILWAY_KINDS):
        for path, value in _builder_settings(doc):
            message = _unsupported_builder(value)
            if message is not None:
                yield hit(doc, path, message, part="value", fix='builder = "RAILPACK"')
    for relpath, span, value in _iac_builders(ctx):
        message = _unsupported_builder(value)
        if message is not None:
            yield Hit(relpath, span, message, fix='build: { builder: "RAILPACK" }')


def _unsupported_builder(value: str) -> str | None:
    """RS007's message for a builder value, or None when Railway offers that builder."""
    norm = normalise_enum(value)
    if norm in KNOWN_BUILDERS:
        return None
    why = "was removed from Railway's builders" if norm in RETIRED_BUILDERS else (
        "is not a Railway builder"
    )
    what = "builder is empty" if not value.strip() else f"builder `{value}` {why}"
    return f"{what}; use RAILPACK (the default) or DOCKERFILE"


def shadowed_by_toml(ctx: Context, doc: Document) -> bool:
    """A railway.json beside a railway.toml: Railway reads the TOML file only (RS008), so
    nothing in the JSON applies and other rules do not report its settings again."""
    if doc.kind != "railway-json":
        return False
    tomls = ctx.cached(
        "railway-toml-dirs", lambda: {d.path.parent for d in ctx.documents("railway-toml")}
    )
    return doc.path.parent in tomls


@rule("RS008", "duplicate-config", Severity.WARNING)
def duplicate_config(ctx: Context) -> Iterator[Hit]:
    """railway.toml and railway.json in one directory: the JSON file is ignored.

    ## What it finds
    A `railway.json` next to a `railway.toml`.

    ## Why it matters on Railway
    Railway's CLI picks `railway.toml` over `railway.json` in the same
    directory, "matching builderv3 selection" (railway-facts §2.3). Settings
    edited in the JSON file never apply.

    ## Fix
    Keep one file: merge what you need into `railway.toml` and delete
    `railway.json`.
    """
    for doc in ctx.documents("railway-json"):
        if shadowed_by_toml(ctx, doc):
            yield hit(
                doc,
                (),
                "railway.toml in the same directory takes precedence: nothing in this "
                "railway.json applies",
                fix="merge the settings into railway.toml and delete railway.json",
            )


def dockerfile_wins(ctx: Context, doc: Document) -> Any:
    """The `Dockerfile` that builds the service of a railway.toml / railway.json whatever
    builder the file names (RS010): the project model's choice (a Dockerfile in the service
    root, and no `dockerfilePath`), read here, not worked out again. None when there is none."""
    from railsafe.project import service_for_config

    service = service_for_config(ctx, doc)
    dockerfile = service.files.get("Dockerfile") if service is not None else None
    if service is None or dockerfile is None or not service.plans:
        return None
    builder = service.plan(None).builder
    built = builder.name == "DOCKERFILE" and builder.path == dockerfile.relpath
    return dockerfile if built else None


def nixpacks_never_read(ctx: Context, doc: Document) -> str | None:
    """Why Nixpacks never reads this nixpacks.toml / nixpacks.json (RS011), or None:
    other rules do not report settings in it again. The builder is the project model's
    choice for the service whose file it is (base environment), read here, not worked
    out again; Railpack as a mere default is not certain enough to say so."""
    from railsafe.project import services

    if doc.kind not in ("nixpacks-toml", "nixpacks-json"):
        return None
    by_file = ctx.cached("integrity.nixpacks-services", lambda: {
        s.nixpacks.relpath: s for s in services(ctx) if s.nixpacks is not None and s.plans})
    service = by_file.get(doc.relpath)
    if service is None:
        return None
    builder = service.plan(None).builder
    if builder.default or builder.name not in ("RAILPACK", "DOCKERFILE"):
        return None
    dockerfile = service.files.get("Dockerfile")
    if dockerfile is not None and builder.path == dockerfile.relpath:
        return "a Dockerfile in this directory is built instead"
    return f"the Railway config here builds with {builder.name}"


@rule("RS010", "dockerfile-overrides-builder", Severity.WARNING)
def dockerfile_overrides_builder(ctx: Context) -> Iterator[Hit]:
    """A Dockerfile beside a config that names another builder: Railway builds the Dockerfile.

    ## What it finds
    `builder = "RAILPACK"` or `"NIXPACKS"` in a railway.toml / railway.json
    whose directory also holds a `Dockerfile`, with no `dockerfilePath`.

    ## Why it matters on Railway
    "Railway will always build with a Dockerfile if it finds one"
    (railway-facts §1.3, §2.3). The builder named in the config, and any
    `nixpacks.toml` / `railpack.json` settings, are not what builds the image.

    ## Fix
    Either set `builder = "DOCKERFILE"` to say what really happens, or move or
    rename the Dockerfile if you meant the other builder to run.
    """
    for doc in ctx.documents(*RAILWAY_KINDS):
        dockerfile = dockerfile_wins(ctx, doc)
        if dockerfile is None:
            continue
        for path, value in _builder_settings(doc):
            if normalise_enum(value) in ("RAILPACK", "NIXPACKS"):
                yield hit(
                    doc,
                    path,
                    f"Railway builds the Dockerfile in this directory, not {value.upper()}: "
                    "a Dockerfile always wins",
                    part="value",
                    related=[Related(dockerfile.relpath, FILE_START, "the Dockerfile built")],
                    fix='builder = "DOCKERFILE"',
                )


NIXPACKS_ONLY_KEYS = ("nixpacksPlan", "nixpacksConfigPath", "nixpacksVersion")


@rule("RS011", "nixpacks-settings-unused", Severity.WARNING)
def nixpacks_settings_unused(ctx: Context) -> Iterator[Hit]:
    """Nixpacks settings for a service that another builder builds: they never apply.

    ## What it finds
    `nixpacksPlan`, `nixpacksConfigPath` or `nixpacksVersion` in a `build`
    section (base or `environments.<name>`) whose `builder` is RAILPACK or
    DOCKERFILE, and a `nixpacks.toml` / `nixpacks.json` of a service that the
    project model says another builder builds: its railway.toml / railway.json
    sets `builder = "RAILPACK"` or `"DOCKERFILE"` or a `dockerfilePath`, or a
    `Dockerfile` sits beside it. A service with no builder setting is left
    alone: Railpack is only the default, and the service's dashboard may name
    Nixpacks.

    ## Why it matters on Railway
    These keys configure Nixpacks only (railway-facts §1.3); Railpack reads
    `railpack.json` (§4.1), and "Railway will always build with a Dockerfile
    if it finds one" (§1.3, §2.3). The phases, packages and start command
    written for Nixpacks are not what builds or starts the service, so a
    reviewer reading them is misled about what runs.

    ## Fix
    Delete the Nixpacks settings, or move what you need to `railpack.json`
    (Railpack) or the Dockerfile.
    """
    for doc in ctx.documents(*RAILWAY_KINDS):
        if not isinstance(doc.data, dict):
            continue
        for path, value in _builder_settings(doc):
            builder = normalise_enum(value)
            if builder not in ("RAILPACK", "DOCKERFILE"):
                continue
            section = doc.data
            for part in path[:-1]:
                section = section.get(part, {}) if isinstance(section, dict) else {}
            for key in NIXPACKS_ONLY_KEYS:
                if isinstance(section, dict) and section.get(key) is not None:
                    yield hit(
                        doc,
                        (*path[:-1], key),
                        f"`{key}` configures Nixpacks, but this service builds with {builder}: "
                        "it has no effect",
                        fix=f"delete `{key}`",
                    )
    for doc in ctx.documents("nixpacks-toml", "nixpacks-json"):
        why = nixpacks_never_read(ctx, doc)
        if why is not None:
            yield hit(doc, (), f"Nixpacks never reads this file: {why}",
                      fix="delete it, or move what you need to railpack.json or the Dockerfile")

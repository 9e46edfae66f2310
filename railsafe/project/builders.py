"""Which builder builds a service, and what Nixpacks / Railpack run when nothing says.

The builder choice follows Railway (§1.3, §2.3, §3.1). For Nixpacks and
Railpack builds the commands come from, in order: the Railway setting > the
builder config file > the Procfile > the builder's defaults (§3.6, §4.4):
package.json lifecycle, build and start scripts, Django's migrate, Laravel's
artisan migrate, Elixir's mix ecto aliases, Ruby's rake.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Literal

from railsafe.findings import FILE_START, Span
from railsafe.project.configs import ServiceReader
from railsafe.project.spans import offset_span, text_span, value_command
from railsafe.project.types import APP_MARKERS, BUILDER_NAMES, Builder, Command, Phase
from railsafe.validate import normalise_enum

NODE_INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "prepare")
_PROCFILE_LINE = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)[ \t]*:[ \t]*(?P<cmd>\S.*?)[ \t]*$")


def choose_builder(r: ServiceReader, env: str | None) -> Builder:
    """The builder of one environment (§1.3): `build.dockerfilePath` or a Dockerfile,
    else `build.builder`, else Nixpacks for a service with only a nixpacks file, else Railpack."""
    found = r.setting(env, "build", "dockerfilePath")
    if found is not None and isinstance(found.value, str) and found.value:
        return Builder(
            "DOCKERFILE", f"build.dockerfilePath = {found.value!r} (railway-facts §1.3)",
            found.path, found.span,
        )
    if "Dockerfile" in r.s.files:
        return Builder(
            "DOCKERFILE",
            "a Dockerfile in the service root; Railway always builds with a Dockerfile "
            "when it finds one (railway-facts §1.3, §2.3)",
            r.s.files["Dockerfile"].relpath,
            FILE_START,
        )
    found = r.setting(env, "build", "builder")
    if found is not None and isinstance(found.value, str):
        name = normalise_enum(found.value)
        if name in BUILDER_NAMES:
            return Builder(
                name,  # type: ignore[arg-type]
                f"build.builder = {found.value!r}",
                found.path,
                found.span,
            )
    if r.s.nixpacks is not None and r.s.railpack is None:
        return Builder(
            "NIXPACKS",
            f"{r.s.nixpacks.path.name} and no builder in the Railway config: the service "
            "was set up for Nixpacks, the builder of services created before Railpack became "
            "the default (railway-facts §3.1)",
            r.s.nixpacks.relpath,
            FILE_START,
        )
    origin = r.origin()
    if origin is None and r.s.railpack is not None:
        origin = (r.s.railpack.relpath, FILE_START)
    if origin is None:
        marker = next((m for m in (*r.s.files, *APP_MARKERS) if r.exists(m)), "")
        origin = (r.rel(marker), FILE_START)
    return Builder(
        "RAILPACK",
        "no Dockerfile and no builder configured; Railpack is the default (railway-facts §1.3)",
        *origin,
        default=True,
    )


def buildpack_commands(
    r: ServiceReader, env: str | None, builder: Builder
) -> tuple[list[Command], list[Command]]:
    """(build, start) commands of a Nixpacks or Railpack build, Railway's settings first."""
    nix = builder.name == "NIXPACKS"
    section = "railway-facts §3.6" if nix else "railway-facts §4.4"
    build: list[Command] = []
    # config-file phases/steps: name -> (commands, spread "...")
    steps = r.nixpacks_phases(env) if nix else r.railpack_steps()
    install_cmds, install_spread = steps.pop("install", ([], True))
    build_cmds, build_spread = steps.pop("build", ([], True))
    for name in list(steps):
        if name == "setup":
            build.extend(steps.pop(name)[0])
    # install: the user's install commands, and the package manager's lifecycle scripts
    build.extend(install_cmds)
    if install_spread and _language(r) == "node":
        build.extend(_lifecycle_scripts(r, builder, section))
    # build: Railway buildCommand > builder config file > builder default
    override = r.config_commands(env, "build", "buildCommand", "build")
    if override is not None:
        build.extend(override)
    else:
        build.extend(build_cmds)
        if build_spread:
            build.extend(_default_build(r, builder, section))
    for _, (cmds, _spread) in steps.items():
        build.extend(cmds)  # custom phases / steps run during the image build
    procfile = _procfile(r)
    if nix and "release" in procfile:
        cmd = procfile["release"]
        build.append(
            replace(cmd, phase="build",
                    label="Procfile release (Nixpacks runs it during the image build, "
                          "railway-facts §3.6)",
                    provenance=(builder.related(),))
        )
    # start: Railway startCommand > builder config file > Procfile > builder default
    start = r.config_commands(env, "deploy", "startCommand", "start")
    if start is None:
        start = r.builder_start(nix, env)
    if start is None and procfile:
        start = _procfile_start(procfile, builder)
    if start is None:
        start = _default_start(r, builder, section)
    return build, start


def _procfile(r: ServiceReader) -> dict[str, Command]:
    sf = r.s.files.get("Procfile")
    if sf is None:
        return {}
    doc = r.load_file(sf)
    out: dict[str, Command] = {}
    for number, line in enumerate(doc.text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        match = _PROCFILE_LINE.match(line)
        if match is None or match["name"] in out:
            continue
        col = match.start("cmd") + 1
        text = match["cmd"]
        out[match["name"]] = Command(
            text, "start", doc.relpath, Span(number, col, number, col + len(text)),
            f"Procfile {match['name']}", column=col,
        )
    return out


def _procfile_start(procfile: dict[str, Command], builder: Builder) -> list[Command]:
    entries = {k: v for k, v in procfile.items() if k != "release"}
    if builder.name == "RAILPACK":
        entries = dict(procfile)  # Railpack: web > worker > any other entry (§4.4)
    if not entries:
        return []
    name = next((n for n in ("web", "worker") if n in entries), next(iter(entries)))
    cmd = entries[name]
    why = (
        "Railpack starts the service with it (web > worker > other, railway-facts §4.4)"
        if builder.name == "RAILPACK"
        else "Nixpacks starts the service with it (railway-facts §3.6)"
    )
    return [replace(cmd, label=f"Procfile {name} ({why})", provenance=(builder.related(),))]


def _package_manager(r: ServiceReader) -> str:
    for lock, pm in (("pnpm-lock.yaml", "pnpm"), ("yarn.lock", "yarn"), ("bun.lockb", "bun"),
                     ("bun.lock", "bun")):
        if r.exists(lock):
            return pm
    declared = (r.package or {}).get("packageManager")
    if isinstance(declared, str):
        for pm in ("pnpm", "yarn", "bun"):
            if declared.startswith(pm):
                return pm
    return "npm"


def _language(r: ServiceReader) -> str | None:
    """The provider the builder detects (Railpack's order, §4.4)."""
    checks = (
        ("php", ("composer.json", "index.php")),
        ("go", ("go.mod",)),
        ("java", ("pom.xml", "gradlew", "build.gradle")),
        ("rust", ("Cargo.toml",)),
        ("ruby", ("Gemfile",)),
        ("elixir", ("mix.exs",)),
        ("python", ("requirements.txt", "pyproject.toml", "Pipfile", "setup.py", "manage.py")),
        ("node", ("package.json",)),
    )
    for lang, markers in checks:
        if any(r.exists(m) for m in markers):
            return lang
    return None


def _default(
    text: str, phase: Phase, path: str, span: Span, what: str, builder: Builder
) -> Command:
    return Command(
        text, phase, path, span, f"builder default ({what})", default=True,
        provenance=(builder.related(),),
    )


def _run_script(
    r: ServiceReader, script: Literal["build", "start"], what: str, builder: Builder, section: str
) -> list[Command]:
    """`<pm> run <script>`, the default when package.json has that script."""
    doc = r.doc("package.json")
    assert doc is not None
    pm = _package_manager(r)
    return [_default(
        f"{pm} run {script}", script, doc.relpath, doc.locate(("scripts", script), "key"),
        f"{what} `{pm} run {script}` when package.json has a {script} script, {section}",
        builder)]


def _lifecycle_scripts(r: ServiceReader, builder: Builder, section: str) -> list[Command]:
    doc = r.doc("package.json")
    out = []
    pm = _package_manager(r)
    for name in NODE_INSTALL_SCRIPTS:
        text = r.script(name)
        if doc is None or text is None:
            continue
        out.append(
            value_command(
                doc, ("scripts", name), text, "build",
                label=f"package.json scripts.{name} (run by `{pm} install`, {section})",
                provenance=(builder.related(),),
            )
        )
    return out


def _default_build(r: ServiceReader, builder: Builder, section: str) -> list[Command]:
    lang = _language(r)
    nix = builder.name == "NIXPACKS"
    if lang == "node" and r.script("build") is not None:
        return _run_script(r, "build", f"{builder.title}:", builder, section)
    if lang == "elixir":
        doc = r.doc("mix.exs")
        text = doc.text if doc is not None else ""
        if nix and "postgrex" in text and "ecto" in text:
            return [_default("mix ecto.setup", "build", r.rel("mix.exs"),
                             _mix_ecto_span(text),
                             "Nixpacks Elixir with ecto and postgrex: `mix ecto.setup`, "
                             "railway-facts §3.6", builder)]
        if not nix and re.search(r"""["']?ecto\.deploy["']?\s*:""", text):
            return [_default("mix ecto.deploy", "build", r.rel("mix.exs"),
                             _mix_alias_span(text, "ecto.deploy"),
                             "Railpack Elixir runs the `ecto.deploy` alias, railway-facts §4.4",
                             builder)]
    return []


def _default_start(r: ServiceReader, builder: Builder, section: str) -> list[Command]:
    lang = _language(r)
    nix = builder.name == "NIXPACKS"
    point = Span(1, 1, 1, 2)
    if lang == "python" and r.exists("manage.py"):
        return [_default(
            "python manage.py migrate && gunicorn", "start", r.rel("manage.py"), point,
            f"Django start: `python manage.py migrate && gunicorn`, {section}", builder)]
    if lang == "php" and not nix and r.exists("artisan"):
        return [_default(
            "php artisan migrate --force", "start", r.rel("artisan"), point,
            "Railpack Laravel start script runs `php artisan migrate --force` unless "
            "RAILPACK_SKIP_MIGRATIONS=true, railway-facts §4.4", builder)]
    if lang == "node" and r.script("start") is not None:
        return _run_script(r, "start", f"{builder.title} Node start:", builder, section)
    if (
        lang == "ruby" and nix and r.exists("Rakefile")
        and not r.exists("config.ru") and not r.exists("config/application.rb")
    ):
        path, span = _rake_default_span(r)
        return [_default(
            "bundle exec rake", "start", path, span,
            "Nixpacks Ruby with only a Rakefile: `bundle exec rake` (the default task), "
            "railway-facts §3.6", builder)]
    return []


def _rake_default_span(r: ServiceReader) -> tuple[str, Span]:
    """Where the Rakefile says what `bundle exec rake` runs: the `task default`
    declaration that leads to a test task (else to a command, else the first one);
    the Rakefile's start when it declares no default task or cannot be read.

    The command analysis reads the same answer (RepoResolver.rake_default) to decide
    whether the default task is a test run (railsafe/commands/rake.py)."""
    from railsafe.commands import RepoResolver

    r.doc("Rakefile")  # noted as read: it decides what the service starts
    answer = RepoResolver(r.ctx, r.s.root).rake_default()
    if answer is not None:
        for kind in ("test", "command"):
            run = next((x for x in answer.runs if x.kind == kind and x.chain), None)
            if run is not None:
                return run.chain[0].path, run.chain[0].span
        if answer.declaration is not None:
            return answer.declaration.path, answer.declaration.span
    return r.rel("Rakefile"), Span(1, 1, 1, 2)


_MIX_ECTO = (
    re.compile(r"""["']?(ecto\.setup)["']?\s*:"""),  # the alias `mix ecto.setup` runs
    re.compile(r"\{\s*:(ecto(?:_sql)?)\s*,"),  # the ecto dependency
    re.compile(r"\becto\b"),
    re.compile(r"ecto"),  # Nixpacks matches the substring anywhere (§3.6)
)


def _mix_ecto_span(text: str) -> Span:
    """Where mix.exs makes Nixpacks run `mix ecto.setup`: the alias, else the dependency."""
    for pattern in _MIX_ECTO:
        match = pattern.search(text)
        if match is not None:
            group = 1 if match.re.groups else 0
            return offset_span(text, match.start(group), match.end(group))
    return Span(1, 1, 1, 2)


def _mix_alias_span(text: str, name: str) -> Span:
    """The name of alias `name` in mix.exs (`"ecto.deploy": [...]`), else its first mention."""
    match = re.search(r"""["']?(""" + re.escape(name) + r""")["']?\s*:""", text)
    if match is not None:
        return offset_span(text, match.start(1), match.end(1))
    return text_span(text, name)

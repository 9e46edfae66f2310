"""The project model: per service, which builder builds it and what runs in each phase.

A *service root* is a directory with `railway.toml` / `railway.json`, a
`Dockerfile`, `railpack.json` or `nixpacks.toml|json`, or the scanned root
itself when it holds an app (`package.json`, `requirements.txt`,
`pyproject.toml`, `Procfile`).

For each service the model computes one `Plan` per environment the Railway
config names (the base config first, then every `environments.<name>`),
merged the way Railway merges them (railway-facts §1.5, §2.1):
environment override > base config > builder config file (`nixpacks.toml`,
`railpack.json`, Dockerfile) > builder defaults (§3.6, §4.4).

A Dockerfile is read the way BuildKit builds it (docs/facts.md): only the
stages the final image needs run their `RUN`s (heredoc scripts included);
the start command is the final image's `ENTRYPOINT` / `CMD`, inherited
through `FROM <stage>`; `WORKDIR` and `COPY`/`ADD` tell each command which
repository directory it runs in and where in-image paths come from.
`build.nixpacksConfigPath` names the Nixpacks file a build reads.

Every `Command` keeps its provenance (file, span of the value, a label) and
can map a character offset inside its text back to a file position
(`Command.at`), so findings land on the exact column of the command.

Use `services(ctx)`: it is computed once per check and shared by all rules.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from railsafe.context import Context
from railsafe.discover import SourceFile
from railsafe.findings import FILE_START, Related, Span
from railsafe.loaders import CONFIG_FILES, Document
from railsafe.validate import normalise_enum

if TYPE_CHECKING:  # the Dockerfile parser is imported only when a tree has Dockerfiles
    from railsafe.loaders.dockerfile import Heredoc, Instruction, Place

Phase = Literal["build", "pre-deploy", "start"]
PHASES: tuple[Phase, ...] = ("build", "pre-deploy", "start")
BuilderName = Literal["DOCKERFILE", "NIXPACKS", "RAILPACK", "HEROKU", "PAKETO"]

RAILWAY_KINDS = ("railway-toml", "railway-json")
NIXPACKS_KINDS = ("nixpacks-toml", "nixpacks-json")
RAILPACK_KINDS = ("railpack-json",)
# canonical names win when several files of one kind share a directory (§2.3)
_PREFERRED = {"railway.toml": 0, "railway.json": 1, "nixpacks.toml": 0, "nixpacks.json": 1}
CONFIG_NAMES = frozenset(CONFIG_FILES)
APP_MARKERS = ("package.json", "requirements.txt", "pyproject.toml", "Procfile")
BUILDER_NAMES = {"DOCKERFILE", "NIXPACKS", "RAILPACK", "HEROKU", "PAKETO"}
NODE_INSTALL_SCRIPTS = ("preinstall", "install", "postinstall", "prepare")
_PROCFILE_LINE = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)[ \t]*:[ \t]*(?P<cmd>\S.*?)[ \t]*$")


# ---------------------------------------------------------------------------
# model types
# ---------------------------------------------------------------------------
# the override Railway applies to every PR environment (railway-facts §2.2)
PR_ENVIRONMENT = "pr"


def _environment_name(name: str, every: str = "every PR environment") -> str:
    return f"{every} (the `{name}` override)" if name == PR_ENVIRONMENT else name


@dataclass(frozen=True)
class Command:
    """One command string that runs in a phase, with where it was written."""

    text: str
    phase: Phase
    path: str  # relpath of the file it was written in (or that selects a default)
    span: Span  # the value (the whole string), or the locating span of a default
    label: str  # e.g. "railway.toml deploy.startCommand", "builder default (Django, §3.6)"
    environment: str | None = None  # set when written under environments.<name>
    default: bool = False  # a builder default: no text of the user's at `span`
    column: int | None = None  # 1-based column of text[0] when the source equals the text
    provenance: tuple[Related, ...] = ()  # how this command came to run (builder, env)
    position: Callable[[int], tuple[int, int]] | None = field(
        default=None, compare=False, hash=False, repr=False
    )
    # Dockerfile commands: the directory they run in (WORKDIR) and where the
    # image's files come from (absolute image path -> path), both relative to
    # the service root, the build context; and the ARGs their stage declares
    # (the only service variables a Dockerfile build sees, §5.1)
    cwd: str | None = None
    image_paths: tuple[tuple[str, str], ...] = ()
    build_args: tuple[str, ...] | None = None
    # Dockerfile commands: the image's PATH directories, where a bare command name
    # (`ENTRYPOINT ["entrypoint"]`) is looked up; () for other commands
    image_path_env: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.span.line, self.span.column, self.phase, self.text)

    def at(self, start: int, end: int | None = None) -> Span:
        """The file span of text[start:end]; the value start when not exactly mappable.

        A builder default has no text of the user's: every offset maps to the whole
        span that stands for it (the `"build"` key, the mix alias name).
        """
        if self.default:
            return self.span
        end = start + 1 if end is None or end <= start else end
        if self.position is not None:
            l1, c1 = self.position(start)
            l2, c2 = self.position(end)
            return Span(l1, c1, l2, c2)
        if self.column is not None:
            return Span(self.span.line, self.column + start, self.span.line, self.column + end)
        return Span(self.span.line, self.span.column, self.span.line, self.span.column + 1)


@dataclass(frozen=True)
class Builder:
    name: BuilderName
    reason: str
    path: str  # the file that selects it ("" when nothing in the repo does)
    span: Span

    @property
    def title(self) -> str:
        return {"DOCKERFILE": "Dockerfile"}.get(self.name, self.name.title())

    def related(self) -> Related:
        return Related(self.path, self.span, f"{self.title} builds this service: {self.reason}")


@dataclass(frozen=True)
class Plan:
    """What runs in each phase for one environment."""

    environment: str | None  # None = the base config
    builder: Builder
    build: tuple[Command, ...] = ()
    pre_deploy: tuple[Command, ...] = ()
    start: tuple[Command, ...] = ()

    def phase(self, name: Phase) -> tuple[Command, ...]:
        return {"build": self.build, "pre-deploy": self.pre_deploy, "start": self.start}[name]

    def commands(self) -> Iterator[Command]:
        yield from self.build
        yield from self.pre_deploy
        yield from self.start


@dataclass
class Service:
    root: Path  # absolute directory
    relroot: str  # "" for the scan root
    files: dict[str, SourceFile]  # discovered files directly in the root, by name
    config: Document | None = None  # railway.toml / railway.json
    nixpacks: Document | None = None
    railpack: Document | None = None
    plans: tuple[Plan, ...] = ()
    # the Nixpacks config each environment's build reads (nixpacksConfigPath or the file)
    nixpacks_configs: dict[str | None, Document] = field(default_factory=dict)

    @property
    def name(self) -> str:
        if self.config is not None and self.config.path.name not in _PREFERRED:
            return self.config.relpath
        return self.relroot or "."

    @property
    def builder(self) -> Builder:
        return self.plans[0].builder

    @property
    def environments(self) -> tuple[str | None, ...]:
        return tuple(p.environment for p in self.plans)

    def plan(self, environment: str | None = None) -> Plan:
        for p in self.plans:
            if p.environment == environment:
                return p
        return self.plans[0]

    def unique_commands(self) -> list[tuple[Command, tuple[str | None, ...]]]:
        """Each distinct command once, with the environments it runs in."""
        seen: dict[tuple[str, int, int, str, str], tuple[Command, list[str | None]]] = {}
        for p in self.plans:
            for cmd in p.commands():
                entry = seen.setdefault(cmd.key, (cmd, []))
                if p.environment not in entry[1]:
                    entry[1].append(p.environment)
        return [(cmd, tuple(envs)) for cmd, envs in seen.values()]

    def describe_environments(self, envs: tuple[str | None, ...]) -> str:
        """'every environment', 'environment production', ...

        The `pr` override applies to every PR environment (railway-facts §2.2),
        and is named that way.
        """
        everyone = self.environments
        if len(everyone) == 1 or set(envs) >= set(everyone):
            return "every environment"
        named = [e for e in envs if e is not None]
        if None in envs:
            others = [_environment_name(e, "PR environments") for e in everyone
                      if e is not None and e not in envs]
            return "every environment except " + ", ".join(others)
        if named == [PR_ENVIRONMENT]:
            return f"every PR environment (the `{PR_ENVIRONMENT}` override, §2.2)"
        parts = [_environment_name(e) for e in named]
        if len(parts) == 1:
            return "environment " + parts[0]
        return "environments " + ", ".join(parts)


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------
def services(ctx: Context) -> list[Service]:
    """Every service in the checked tree (computed once per Context)."""
    return ctx.cached("project.services", lambda: _find_services(ctx))


def read_log(ctx: Context) -> dict[str, tuple[Document, str]]:
    """Files the project model and the command analysis read, by relpath: (document, why).

    Rules use it to say which file on a deploy path could not be read (RS001).
    """
    return ctx.cached("project.reads", dict)


def note_read(ctx: Context, doc: Document, why: str) -> None:
    read_log(ctx).setdefault(doc.relpath, (doc, why))


def files_by_dir(ctx: Context) -> dict[Path, list[SourceFile]]:
    """Discovered files indexed by their directory (built once)."""

    def build() -> dict[Path, list[SourceFile]]:
        index: dict[Path, list[SourceFile]] = {}
        for f in [*ctx.discovery.files, *ctx.discovery.aliases]:
            index.setdefault(f.path.absolute().parent, []).append(f)
        return index

    return ctx.cached("project.files_by_dir", build)


def _find_services(ctx: Context) -> list[Service]:
    found: list[Service] = []
    root = ctx.root.absolute()
    index = files_by_dir(ctx)
    dirs = set(index)
    if (root / "requirements.txt").is_file() and (
        not index or any(d.is_relative_to(root) for d in index)
    ):
        dirs.add(root)  # requirements.txt is not a discovered kind
    for directory in sorted(dirs):
        files = index.get(directory, [])
        names = {f.path.name for f in files}
        railway = _ranked([f for f in files if f.kind in RAILWAY_KINDS])
        nix = _ranked([f for f in files if f.kind in NIXPACKS_KINDS])
        rail = _ranked([f for f in files if f.kind in RAILPACK_KINDS])
        is_root = directory == root
        if not (railway or nix or rail or "Dockerfile" in names) and not (
            is_root and any((directory / m).is_file() for m in APP_MARKERS)
        ):
            continue
        by_name = {f.path.name: f for f in files}
        relroot = _rel(directory, root)
        # Config files under other names (named on the command line, a corpus):
        # each is its own service. Otherwise one service: railway.toml wins over
        # railway.json (§2.3), nixpacks.toml over nixpacks.json (§3.2).
        configs = railway + nix + rail
        variants: list[tuple[SourceFile | None, SourceFile | None, SourceFile | None]]
        if any(f.path.name not in CONFIG_NAMES for f in configs):
            variants = [(f, None, None) for f in railway]
            variants += [(None, f, None) for f in nix] + [(None, None, f) for f in rail]
        else:
            variants = [(railway[0] if railway else None, nix[0] if nix else None,
                         rail[0] if rail else None)]
        for cfg, nx, rp in variants:
            service = Service(
                directory,
                relroot,
                by_name,
                ctx.load(cfg) if cfg else None,
                ctx.load(nx) if nx else None,
                ctx.load(rp) if rp else None,
            )
            service.plans = tuple(_Planner(ctx, service).plans())
            found.append(service)
    return found


def _ranked(files: list[SourceFile]) -> list[SourceFile]:
    return sorted(files, key=lambda f: (_PREFERRED.get(f.path.name, 0), f.path.name))


def _rel(path: Path, root: Path) -> str:
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
    return "" if rel == "." else rel


# ---------------------------------------------------------------------------
# reading values with their location
# ---------------------------------------------------------------------------
def _get(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or part >= len(data):
                return None
            data = data[part]
        else:
            if not isinstance(data, dict):
                return None
            data = data.get(part)
    return data


def _has(data: Any, path: tuple[str, ...]) -> bool:
    parent = _get(data, path[:-1])
    return isinstance(parent, dict) and path[-1] in parent


def _label_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (("." if out else "") + part)
    return out


def value_command(
    doc: Document,
    path: tuple[str | int, ...],
    text: str,
    phase: Phase,
    *,
    label: str | None = None,
    environment: str | None = None,
    provenance: tuple[Related, ...] = (),
) -> Command:
    """A command written as a TOML/JSON string value at `path` of `doc`.

    When the raw source between the quotes equals the command text (one line,
    no escapes), offsets map to exact columns; otherwise to the value start.
    """
    entry = doc.entry(path)
    span = entry.value if entry is not None else doc.locate(path, "value")
    column = None
    if entry is not None and span.line == span.end_line:
        raw = doc.line(span.line)[span.column - 1 : span.end_column - 1]
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'" and raw[1:-1] == text:
            column = span.column + 1
    return Command(
        text,
        phase,
        doc.relpath,
        span,
        label or f"{doc.path.name} {_label_path(path)}",
        environment=environment,
        column=column,
        provenance=provenance,
    )


def _strings(value: Any) -> list[tuple[int | None, str]]:
    """(index or None, text) for a string or a list of strings."""
    if isinstance(value, str):
        return [(None, value)] if value.strip() else []
    if isinstance(value, list):
        return [(i, v) for i, v in enumerate(value) if isinstance(v, str) and v.strip()]
    return []


# ---------------------------------------------------------------------------
# the planner: one service -> plans per environment
# ---------------------------------------------------------------------------
class _Planner:
    def __init__(self, ctx: Context, service: Service) -> None:
        self.ctx = ctx
        self.s = service
        cfg = service.config
        self.data: dict[str, Any] = (
            cfg.data if cfg is not None and isinstance(cfg.data, dict) else {}
        )
        envs = self.data.get("environments")
        self.env_names: list[str] = []
        if isinstance(envs, dict):
            self.env_names = [str(k) for k, v in envs.items() if isinstance(v, dict)]
        self._package: dict[str, Any] | None = None
        self._package_loaded = False

    # -- files -----------------------------------------------------------------
    def exists(self, name: str) -> bool:
        return name in self.s.files or (self.s.root / name).is_file()

    def rel(self, name: str) -> str:
        return _rel(self.s.root / name, self.ctx.root.absolute())

    def doc(self, name: str) -> Document | None:
        sf = self.s.files.get(name)
        if sf is not None:
            return self.load_file(sf)
        doc = self.ctx.document_at(self.s.root / name)
        if doc is not None:
            self.note(doc)
        return doc

    def note(self, doc: Document) -> None:
        who = "the service at the repository root" if self.s.name == "." else (
            f"service {self.s.name}")
        note_read(self.ctx, doc, f"it defines what {who} builds or starts")

    def load_file(self, sf: SourceFile) -> Document:
        doc = self.ctx.load(sf)
        self.note(doc)
        return doc

    def load(self, path: Path, kind: str, syntax: str) -> Document | None:
        """A file the Railway config names, parsed as `kind` whatever its name."""
        root = self.ctx.root.absolute()
        try:
            resolved = path.resolve()
            relpath = resolved.relative_to(root.resolve()).as_posix()
        except (OSError, ValueError, RuntimeError):
            return None
        if not resolved.is_file():
            return None
        doc = self.ctx.load(SourceFile(resolved, relpath, kind, syntax))
        self.note(doc)
        return doc

    @property
    def package(self) -> dict[str, Any] | None:
        if not self._package_loaded:
            self._package_loaded = True
            doc = self.doc("package.json") if "package.json" in self.s.files else None
            if doc is not None and isinstance(doc.data, dict):
                self._package = doc.data
        return self._package

    def script(self, name: str) -> str | None:
        scripts = (self.package or {}).get("scripts")
        value = scripts.get(name) if isinstance(scripts, dict) else None
        return value if isinstance(value, str) and value.strip() else None

    def package_manager(self) -> str:
        for lock, pm in (("pnpm-lock.yaml", "pnpm"), ("yarn.lock", "yarn"), ("bun.lockb", "bun"),
                         ("bun.lock", "bun")):
            if self.exists(lock):
                return pm
        declared = (self.package or {}).get("packageManager")
        if isinstance(declared, str):
            for pm in ("pnpm", "yarn", "bun"):
                if declared.startswith(pm):
                    return pm
        return "npm"

    def language(self) -> str | None:
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
            if any(self.exists(m) for m in markers):
                return lang
        return None

    # -- railway config values (environment override > base) --------------------
    def setting(
        self, env: str | None, section: str, key: str
    ) -> tuple[tuple[str | int, ...], Any, str | None] | None:
        """(keypath, value, environment) of the effective value, or None if unset."""
        for name in () if env is None else (env,):
            path: tuple[str, ...] = ("environments", name, section, key)
            if _has(self.data, path):
                return path, _get(self.data, path), name
        path = (section, key)
        if _has(self.data, path):
            return path, _get(self.data, path), None
        return None

    def env_provenance(
        self, environment: str | None, path: tuple[str | int, ...] = ()
    ) -> tuple[Related, ...]:
        """The override that sets a command: its key (`startCommand` under
        `[environments.staging.deploy]`), else the environment's own key."""
        if environment is None or self.s.config is None:
            return ()
        doc = self.s.config
        keys = tuple(p for p in path if isinstance(p, str))
        span = doc.locate(keys or ("environments", environment), "key")
        if environment == PR_ENVIRONMENT:
            label = (f"the `{PR_ENVIRONMENT}` override, applied to every PR environment "
                     "(railway-facts §2.2)")
        else:
            label = f"override for environment {environment} (§2.1)"
        return (Related(doc.relpath, span, label),)

    def config_commands(
        self, env: str | None, section: str, key: str, phase: Phase
    ) -> list[Command] | None:
        """Commands of a railway setting; None if unset, [] if set to null/empty."""
        found = self.setting(env, section, key)
        if found is None or self.s.config is None:
            return None
        path, value, environment = found
        out = []
        for index, text in _strings(value):
            full = path if index is None else (*path, index)
            out.append(
                value_command(self.s.config, full, text, phase, environment=environment,
                              provenance=self.env_provenance(environment, path))
            )
        return out

    # -- builder ---------------------------------------------------------------
    def builder(self, env: str | None) -> Builder:
        cfg = self.s.config
        found = self.setting(env, "build", "dockerfilePath")
        if cfg is not None and found is not None and isinstance(found[1], str) and found[1]:
            return Builder(
                "DOCKERFILE",
                f"build.dockerfilePath = {found[1]!r} (§1.3)",
                cfg.relpath,
                cfg.locate(found[0], "value"),
            )
        if "Dockerfile" in self.s.files:
            return Builder(
                "DOCKERFILE",
                "a Dockerfile in the service root; Railway always builds with a Dockerfile "
                "when it finds one (§1.3, §2.3)",
                self.s.files["Dockerfile"].relpath,
                FILE_START,
            )
        found = self.setting(env, "build", "builder")
        if cfg is not None and found is not None and isinstance(found[1], str):
            name = normalise_enum(found[1])
            if name in BUILDER_NAMES:
                return Builder(
                    name,  # type: ignore[arg-type]
                    f"build.builder = {found[1]!r}",
                    cfg.relpath,
                    cfg.locate(found[0], "value"),
                )
        if self.s.nixpacks is not None and self.s.railpack is None:
            return Builder(
                "NIXPACKS",
                f"{self.s.nixpacks.path.name} and no builder in the Railway config: the service "
                "was set up for Nixpacks, the builder of services created before Railpack became "
                "the default (§3.1)",
                self.s.nixpacks.relpath,
                FILE_START,
            )
        where = cfg or self.s.railpack
        marker = next((m for m in (*self.s.files, *APP_MARKERS) if self.exists(m)), "")
        return Builder(
            "RAILPACK",
            "no Dockerfile and no builder configured; Railpack is the default (§1.3)",
            where.relpath if where is not None else self.rel(marker),
            FILE_START,
        )

    # -- plans -----------------------------------------------------------------
    def plans(self) -> Iterator[Plan]:
        for env in (None, *self.env_names):
            yield self.plan(env)

    def plan(self, env: str | None) -> Plan:
        builder = self.builder(env)
        if builder.name == "DOCKERFILE":
            build, start = self.dockerfile(env, builder)
        elif builder.name in ("NIXPACKS", "RAILPACK"):
            build, start = self.buildpack(env, builder)
        else:  # Heroku / Paketo buildpacks: only what the Railway config says
            build = self.config_commands(env, "build", "buildCommand", "build") or []
            start = self.config_commands(env, "deploy", "startCommand", "start") or []
        pre = self.config_commands(env, "deploy", "preDeployCommand", "pre-deploy") or []
        return Plan(env, builder, tuple(build), tuple(pre), tuple(start))

    # -- Dockerfile ------------------------------------------------------------
    def dockerfile_doc(self, env: str | None) -> Document | None:
        found = self.setting(env, "build", "dockerfilePath")
        if found is not None and isinstance(found[1], str) and found[1].strip():
            for base in (self.s.root, self.ctx.root):
                doc = self.load(base / found[1].strip().lstrip("/"), "dockerfile", "")
                if doc is not None:
                    return doc
            return None
        if "Dockerfile" in self.s.files:
            return self.load_file(self.s.files["Dockerfile"])
        return None

    def dockerfile(self, env: str | None, builder: Builder) -> tuple[list[Command], list[Command]]:
        # Railway's build command setting does not apply to Dockerfile builds; a
        # start command replaces the image's ENTRYPOINT / CMD (docs/facts.md).
        start = self.config_commands(env, "deploy", "startCommand", "start")
        doc = self.dockerfile_doc(env)
        if doc is None:
            return [], start or []
        from railsafe.loaders import dockerfile as df

        parsed = doc
        model = self.ctx.cached(
            f"project.dockerfile:{doc.path}:{self.s.root}",
            lambda: _DockerModel(parsed, self.s.root),
        )
        build: list[Command] = []
        for index, instr in enumerate(model.instructions):
            if instr.keyword != "RUN":
                continue
            if model.needed is not None and instr.stage not in model.needed:
                continue  # BuildKit does not build stages the image does not need
            place = model.places[index]
            scripts = df.heredoc_scripts(instr)
            if scripts is None:
                build.append(self.instruction(doc, instr, "build", model, place))
            else:
                for heredoc in scripts:
                    build.append(
                        self.instruction(doc, instr, "build", model, place, heredoc=heredoc)
                    )
        if start is None:
            entrypoint, cmd = df.start_instructions(model.instructions)
            start = [
                self.instruction(doc, instr, "start", model, model.final)
                for instr in (entrypoint, cmd)
                if instr is not None
            ]
        return build, start

    def instruction(
        self,
        doc: Document,
        instr: Instruction,
        phase: Phase,
        model: _DockerModel,
        place: Place | None,
        heredoc: Heredoc | None = None,
    ) -> Command:
        exec_form = instr.exec_form
        base = instr.command_offset
        position: Callable[[int], tuple[int, int]]
        if exec_form is not None and heredoc is None:
            text, position = _exec_text(instr, exec_form)
        else:
            if heredoc is not None:
                text, base = heredoc.body, heredoc.body_offset
            else:
                text = instr.command

            def position(offset: int) -> tuple[int, int]:
                return instr.position(base + offset)

        line, col = position(0)
        where = f"line {instr.span.line}"
        if phase == "start" and instr.stage != model.final_stage:
            where += f", inherited from stage {model.stage_label(instr.stage)}"
        cwd = place.cwd() if place is not None else None
        return Command(
            text,
            phase,
            doc.relpath,
            Span(line, col, line, col + 1),
            f"{doc.path.name} {instr.keyword} ({where})",
            position=position,
            cwd=cwd or "",
            image_paths=tuple((image, path or ".") for image, path in place.paths)
            if place is not None
            else (),
            build_args=tuple(place.args) if phase == "build" and place is not None else None,
            image_path_env=place.path_dirs if place is not None else (),
        )

    # -- Nixpacks / Railpack ---------------------------------------------------
    def buildpack(self, env: str | None, builder: Builder) -> tuple[list[Command], list[Command]]:
        nix = builder.name == "NIXPACKS"
        section = "§3.6" if nix else "§4.4"
        build: list[Command] = []
        # config-file phases/steps: name -> (commands, spread "...")
        steps = self.nixpacks_phases(env) if nix else self.railpack_steps()
        install_cmds, install_spread = steps.pop("install", ([], True))
        build_cmds, build_spread = steps.pop("build", ([], True))
        for name in list(steps):
            if name == "setup":
                build.extend(steps.pop(name)[0])
        # install: the user's install commands, and the package manager's lifecycle scripts
        build.extend(install_cmds)
        if install_spread and self.language() == "node":
            build.extend(self.lifecycle_scripts(builder, section))
        # build: Railway buildCommand > builder config file > builder default
        override = self.config_commands(env, "build", "buildCommand", "build")
        if override is not None:
            build.extend(override)
        else:
            build.extend(build_cmds)
            if build_spread:
                build.extend(self.default_build(builder, section))
        for _, (cmds, _spread) in steps.items():
            build.extend(cmds)  # custom phases / steps run during the image build
        procfile = self.procfile()
        if nix and "release" in procfile:
            cmd = procfile["release"]
            build.append(
                Command(cmd.text, "build", cmd.path, cmd.span,
                        "Procfile release (Nixpacks runs it during the image build, §3.6)",
                        column=cmd.column, provenance=(builder.related(),))
            )
        # start: Railway startCommand > builder config file > Procfile > builder default
        start = self.config_commands(env, "deploy", "startCommand", "start")
        if start is None:
            start = self.builder_start(nix, env)
        if start is None and procfile:
            start = self.procfile_start(procfile, builder)
        if start is None:
            start = self.default_start(builder, section)
        return build, start

    def nixpacks_config(self, env: str | None) -> Document | None:
        """The Nixpacks config file the build reads.

        `build.nixpacksConfigPath` names a non-standard file (§1.3); Nixpacks
        then reads it instead of nixpacks.toml / nixpacks.json (its config
        file order, §3.2). Like `NIXPACKS_CONFIG_FILE` the path is taken
        relative to the service root, then to the repository root
        (docs/facts.md: which one Railway uses is unconfirmed). A path that
        names no file in the tree leaves the discovered file in use.
        """
        found = self.setting(env, "build", "nixpacksConfigPath")
        if found is not None and isinstance(found[1], str) and found[1].strip():
            name = found[1].strip()
            syntax = "json" if name.lower().endswith(".json") else "toml"
            for base in (self.s.root, self.ctx.root):
                doc = self.load(base / name.lstrip("/"), f"nixpacks-{syntax}", syntax)
                if doc is not None:
                    self.s.nixpacks_configs[env] = doc
                    return doc
        if self.s.nixpacks is not None:
            self.s.nixpacks_configs[env] = self.s.nixpacks
        return self.s.nixpacks

    def nixpacks_phases(self, env: str | None) -> dict[str, tuple[list[Command], bool]]:
        """Phase name -> (commands, whether provider defaults are spread in)."""
        out: dict[str, tuple[list[Command], bool]] = {}
        sources: list[tuple[Document, tuple[str, ...], str | None]] = []
        nx = self.nixpacks_config(env)
        if nx is not None and isinstance(nx.data, dict):
            sources.append((nx, ("phases",), None))
        cfg = self.s.config
        if cfg is not None:
            # railway config nixpacksPlan beats the file; environment beats base
            sources.append((cfg, ("build", "nixpacksPlan", "phases"), None))
            if env is not None:
                sources.append((cfg, ("environments", env, "build", "nixpacksPlan", "phases"), env))
        for doc, prefix, environment in sources:
            phases = _get(doc.data, prefix)
            if not isinstance(phases, dict):
                continue
            for name, phase in phases.items():
                if not isinstance(phase, dict):
                    continue
                key = "cmds" if "cmds" in phase else "commands" if "commands" in phase else None
                if key is None:
                    continue
                cmds, spread = self.command_list(
                    doc, (*prefix, name, key), phase[key], environment
                )
                out[str(name)] = (cmds, spread)
        return out

    def railpack_steps(self) -> dict[str, tuple[list[Command], bool]]:
        out: dict[str, tuple[list[Command], bool]] = {}
        rp = self.s.railpack
        steps = _get(rp.data, ("steps",)) if rp is not None else None
        if rp is None or not isinstance(steps, dict):
            return out
        for name, step in steps.items():
            if isinstance(step, dict) and "commands" in step:
                out[str(name)] = self.command_list(rp, ("steps", name, "commands"),
                                                   step["commands"], None)
        return out

    def command_list(
        self, doc: Document, path: tuple[str, ...], value: Any, environment: str | None
    ) -> tuple[list[Command], bool]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return [], True
        cmds: list[Command] = []
        spread = False  # a list without "..." replaces the builder's own commands (§3.4)
        for i, item in enumerate(value):
            full: tuple[str | int, ...] = (*path, i)
            if isinstance(item, dict):  # railpack exec command object
                if isinstance(item.get("cmd"), str):
                    full, item = (*full, "cmd"), item["cmd"]
                else:
                    continue
            if not isinstance(item, str) or not item.strip():
                continue
            if item in ("...", "@auto"):
                spread = True
                continue
            if doc.kind == "railpack-json" and item.startswith(("PATH:", "COPY:")):
                continue
            cmds.append(
                value_command(doc, full, item, "build", environment=environment,
                              provenance=self.env_provenance(environment, path))
            )
        return cmds, spread

    def builder_start(self, nix: bool, env: str | None = None) -> list[Command] | None:
        if nix:
            doc = self.nixpacks_config(env)
            path: tuple[str, ...] = ("start", "cmd")
        else:
            doc = self.s.railpack
            path = ("deploy", "startCommand")
        value = _get(doc.data, path) if doc is not None else None
        if doc is None or not isinstance(value, str) or not value.strip():
            return None
        return [value_command(doc, path, value, "start")]

    def procfile(self) -> dict[str, Command]:
        sf = self.s.files.get("Procfile")
        if sf is None:
            return {}
        doc = self.load_file(sf)
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

    def procfile_start(self, procfile: dict[str, Command], builder: Builder) -> list[Command]:
        entries = {k: v for k, v in procfile.items() if k != "release"}
        if builder.name == "RAILPACK":
            entries = dict(procfile)  # Railpack: web > worker > any other entry (§4.4)
        if not entries:
            return []
        name = next((n for n in ("web", "worker") if n in entries), next(iter(entries)))
        cmd = entries[name]
        why = (
            "Railpack starts the service with it (web > worker > other, §4.4)"
            if builder.name == "RAILPACK"
            else "Nixpacks starts the service with it (§3.6)"
        )
        return [
            Command(cmd.text, "start", cmd.path, cmd.span, f"Procfile {name} ({why})",
                    column=cmd.column, provenance=(builder.related(),))
        ]

    # -- builder defaults ----------------------------------------------------------
    def default(
        self, text: str, phase: Phase, path: str, span: Span, what: str, builder: Builder
    ) -> Command:
        return Command(
            text, phase, path, span, f"builder default ({what})", default=True,
            provenance=(builder.related(),),
        )

    def lifecycle_scripts(self, builder: Builder, section: str) -> list[Command]:
        doc = self.doc("package.json")
        out = []
        pm = self.package_manager()
        for name in NODE_INSTALL_SCRIPTS:
            text = self.script(name)
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

    def default_build(self, builder: Builder, section: str) -> list[Command]:
        lang = self.language()
        nix = builder.name == "NIXPACKS"
        if lang == "node" and self.script("build") is not None:
            doc = self.doc("package.json")
            assert doc is not None
            pm = self.package_manager()
            return [
                self.default(
                    f"{pm} run build", "build", doc.relpath,
                    doc.locate(("scripts", "build"), "key"),
                    f"{builder.title}: `{pm} run build` when package.json has a build script, "
                    f"{section}",
                    builder,
                )
            ]
        if lang == "elixir":
            doc = self.doc("mix.exs")
            text = doc.text if doc is not None else ""
            if nix and "postgrex" in text and "ecto" in text:
                return [self.default("mix ecto.setup", "build", self.rel("mix.exs"),
                                     _mix_ecto_span(text),
                                     "Nixpacks Elixir with ecto and postgrex: `mix ecto.setup`, "
                                     "§3.6", builder)]
            if not nix and re.search(r"""["']?ecto\.deploy["']?\s*:""", text):
                return [self.default("mix ecto.deploy", "build", self.rel("mix.exs"),
                                     _mix_alias_span(text, "ecto.deploy"),
                                     "Railpack Elixir runs the `ecto.deploy` alias, §4.4", builder)]
        return []

    def default_start(self, builder: Builder, section: str) -> list[Command]:
        lang = self.language()
        nix = builder.name == "NIXPACKS"
        point = Span(1, 1, 1, 2)
        if lang == "python" and self.exists("manage.py"):
            return [self.default(
                "python manage.py migrate && gunicorn", "start", self.rel("manage.py"), point,
                f"Django start: `python manage.py migrate && gunicorn`, {section}", builder)]
        if lang == "php" and not nix and self.exists("artisan"):
            return [self.default(
                "php artisan migrate --force", "start", self.rel("artisan"), point,
                "Railpack Laravel start script runs `php artisan migrate --force` unless "
                "RAILPACK_SKIP_MIGRATIONS=true, §4.4", builder)]
        if lang == "node" and self.script("start") is not None:
            doc = self.doc("package.json")
            assert doc is not None
            pm = self.package_manager()
            return [self.default(
                f"{pm} run start", "start", doc.relpath, doc.locate(("scripts", "start"), "key"),
                f"{builder.title} Node start: `{pm} run start` when package.json has a start "
                f"script, {section}", builder)]
        if (
            lang == "ruby" and nix and self.exists("Rakefile")
            and not self.exists("config.ru") and not self.exists("config/application.rb")
        ):
            return [self.default(
                "bundle exec rake", "start", self.rel("Rakefile"), point,
                "Nixpacks Ruby with only a Rakefile: `bundle exec rake` (the default task), "
                "§3.6", builder)]
        return []


def _exec_text(
    instr: Instruction, exec_form: tuple[str, ...]
) -> tuple[str, Callable[[int], tuple[int, int]]]:
    """An exec-form command as one shell-quoted line, and where each of its characters is.

    `["sh", "-c", "pytest -q"]` becomes `sh -c 'pytest -q'`; a character of an
    element maps to where it is written inside its JSON string, a quote shlex
    added to the element's `"`, and the blank after an element to where its text
    ends (past the `"` when shlex quoted it), so a span ends exactly where the
    text it covers ends.
    """
    from railsafe.loaders import dockerfile as df

    text = shlex.join(exec_form)
    elements = df.exec_elements(instr)
    if elements is None:  # no exact positions: the array's start, its end for the end
        start, stop = instr.position(instr.command_offset), instr.position(len(instr.args))
        return text, lambda offset: stop if offset >= len(text) and text else start
    offsets: list[int] = []
    for index, element in enumerate(elements):
        if index:  # the separating blank: where the previous element's text ends
            previous = elements[index - 1]
            offsets.append(previous.close_quote
                           + (shlex.quote(previous.value) != previous.value))
        quoted = shlex.quote(element.value)
        if quoted == element.value:
            offsets.extend(element.chars)
            continue
        offsets.append(element.open_quote)
        for char, at in zip(element.value, element.chars, strict=True):
            offsets.extend([at] * (len("'\"'\"'") if char == "'" else 1))
        offsets.append(element.close_quote)
    if not elements or len(offsets) != len(text):  # `[]`, or quoted unlike expected
        first = instr.position(elements[0].open_quote if elements else instr.command_offset)
        return text, lambda offset: first
    last = elements[-1]
    # the end of the text: the closing `"` itself when shlex quoted the last element
    end = last.close_quote + (shlex.quote(last.value) != last.value)

    def position(offset: int) -> tuple[int, int]:
        if offset >= len(offsets):
            return instr.position(end)
        return instr.position(offsets[max(offset, 0)])

    return text, position


class _DockerModel:
    """One Dockerfile as built for one service: stages, layout, start instructions."""

    def __init__(self, doc: Document, service_root: Path) -> None:
        from railsafe.loaders import dockerfile as df

        self.instructions = df.dockerfile_instructions(doc)
        self.stages = df.stages(self.instructions)
        self.final_stage = self.stages[-1].index if self.stages else -1
        self.needed = df.needed_stages(self.instructions)

        def is_dir(path: str) -> bool:
            if path.startswith("..") or path.startswith("/"):
                return False
            try:
                return (service_root / path).is_dir()
            except OSError:
                return False

        self.places, ends = df.image_layout(self.instructions, is_dir)
        self.final = ends.get(self.final_stage)

    def stage_label(self, index: int) -> str:
        for stage in self.stages:
            if stage.index == index:
                return stage.name or str(index)
        return str(index)


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
            return _offset_span(text, match.start(group), match.end(group))
    return Span(1, 1, 1, 2)


def _mix_alias_span(text: str, name: str) -> Span:
    """The name of alias `name` in mix.exs (`"ecto.deploy": [...]`), else its first mention."""
    match = re.search(r"""["']?(""" + re.escape(name) + r""")["']?\s*:""", text)
    if match is not None:
        return _offset_span(text, match.start(1), match.end(1))
    return _text_span(text, name)


def _offset_span(text: str, start: int, end: int) -> Span:
    line = text.count("\n", 0, start) + 1
    col = start - (text.rfind("\n", 0, start) + 1) + 1
    return Span(line, col, line, col + (end - start))


def _text_span(text: str, needle: str) -> Span:
    index = text.find(needle)
    if index < 0:
        return Span(1, 1, 1, 2)
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return Span(line, col, line, col + len(needle))

"""The project model's types: a service, its plan per environment, each command.

Kept apart so the rules (and the planner modules) share one definition of
what a `Command` carries: its text, phase and provenance, and how an offset
inside its text maps back to a file position (`Command.at`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from railsafe.discover import SourceFile
from railsafe.findings import Related, Span
from railsafe.loaders import CONFIG_FILES, Document

Phase = Literal["build", "pre-deploy", "start"]
PHASES: tuple[Phase, ...] = ("build", "pre-deploy", "start")
BuilderName = Literal["DOCKERFILE", "NIXPACKS", "RAILPACK", "HEROKU", "PAKETO"]
BUILDER_NAMES = {"DOCKERFILE", "NIXPACKS", "RAILPACK", "HEROKU", "PAKETO"}

if TYPE_CHECKING:
    from railsafe.iac.normalise import IacService
    from railsafe.iac.values import Language, Program

# the files that make a directory a service root
# canonical names win when several files of one kind share a directory (§2.3)
PREFERRED = {"railway.toml": 0, "railway.json": 1, "nixpacks.toml": 0, "nixpacks.json": 1}
CONFIG_NAMES = frozenset(CONFIG_FILES)
APP_MARKERS = ("package.json", "requirements.txt", "pyproject.toml", "Procfile")

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
    # chosen by nothing in the repository (Railpack as Railway's default): the service's
    # dashboard may name another builder, so rules do not treat it as certain
    default: bool = False

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
class IacSource:
    """One IaC file, read for each environment it distinguishes (None: any other)."""

    doc: Document
    language: Language
    programs: dict[str | None, Program] = field(default_factory=dict)
    services: dict[str | None, list[IacService]] = field(default_factory=dict)
    failure: str | None = None  # railsafe's own reader failed (reported, never hidden)
    _by_name: dict[tuple[str | None, str], IacService] | None = field(default=None, repr=False)

    @property
    def environments(self) -> tuple[str | None, ...]:
        return tuple(self.programs)

    @property
    def base(self) -> Program | None:
        return self.programs.get(None)

    def service(self, env: str | None, name: str) -> IacService | None:
        """The service `name` in environment `env` (the first one, if declared twice)."""
        if self._by_name is None:
            self._by_name = {}
            for environment, declared in self.services.items():
                for svc in declared:
                    self._by_name.setdefault((environment, svc.name), svc)
        return self._by_name.get((env, name))

    def service_names(self) -> list[str]:
        """Every service name the file declares in any environment, in order."""
        names: dict[str, None] = {}
        for env_services in self.services.values():
            for svc in env_services:
                names.setdefault(svc.name, None)
        return list(names)


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
    # a service an Infrastructure as Code file declares: the file and the service's name
    iac: IacSource | None = None
    iac_name: str | None = None

    @property
    def name(self) -> str:
        if self.iac_name is not None:
            return self.iac_name
        if self.config is not None and self.config.path.name not in PREFERRED:
            return self.config.relpath
        return self.relroot or "."

    def is_production(self, env: str | None) -> bool:
        """Whether a plan's environment is production: an override named production, or
        the base config; for an IaC file that names production, its base reading is every
        *other* environment."""
        if env is not None:
            return env.lower() == "production"
        return not (self.iac is not None and any(
            e is not None and e.lower() == "production" for e in self.environments))

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
            return f"every PR environment (the `{PR_ENVIRONMENT}` override, docs/facts.md F34)"
        parts = [_environment_name(e) for e in named]
        if len(parts) == 1:
            return "environment " + parts[0]
        return "environments " + ", ".join(parts)

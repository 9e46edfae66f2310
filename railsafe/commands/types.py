"""The public data types of railsafe.commands (re-exported from the package)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from railsafe.findings import Span


@dataclass(frozen=True)
class Step:
    """One link of a provenance chain."""

    path: str  # file relpath (as Document.relpath)
    span: Span  # where in that file
    label: str  # "package.json scripts.build", "scripts/migrate.sh:3", "Makefile target test"


@dataclass(frozen=True)
class Detection:
    category: str  # "test-runner" | "destructive-db" | "migration"
    what: str  # human label from the table: "pytest", "prisma migrate reset"
    start: int  # character offsets into the ORIGINAL top-level command string; for a
    end: int  # detection deep in a chain, those of the top-level invocation (`npm run build`)
    chain: tuple[Step, ...]  # files followed after the top-level command, outermost first
    text: str  # the exact command words that matched (for messages)


@dataclass(frozen=True)
class Unparsable:
    start: int
    end: int
    reason: str


@dataclass(frozen=True)
class WorkspacePackage:
    """A package of a JavaScript workspace (pnpm-workspace.yaml / package.json workspaces)."""

    name: str  # package.json `name` ("" when it has none)
    directory: str  # relative to the resolver's service directory ("." / "../../packages/db")
    dependencies: tuple[str, ...] = ()  # names of the other workspace packages it depends on
    root: bool = False  # the workspace root's own package.json


@dataclass(frozen=True)
class NxTarget:
    """How an Nx project runs a target (RepoResolver.nx_target)."""

    step: Step  # project.json `targets.<name>`, or package.json `scripts.<name>`
    executor: str = ""  # "nx:run-commands", "@nx/jest:jest"; "" for a package.json script
    commands: tuple[tuple[str, Step], ...] = ()  # nx:run-commands / the `command` shorthand
    cwd: str = "."  # where the commands run, relative to the project directory
    script: str = ""  # the package.json script it runs (nx:run-script, inferred targets)


@dataclass(frozen=True)
class RakeRun:
    """One thing the default rake task runs (RepoResolver.rake_default)."""

    kind: str  # "test": a test task (`text` is its name); "command": a shell command a
    # task body runs (`sh "ruby app.rb"`), or `rake <task>` for a task the Rakefile does
    # not define (a gem's, Rails')
    text: str
    chain: tuple[Step, ...]  # the `task default` declaration first, then each task on the way


@dataclass(frozen=True)
class RakeDefault:
    """What a bare `rake` runs: the Rakefile's `default` task."""

    declaration: Step | None  # the first `task default` (None: no default task, rake fails)
    runs: tuple[RakeRun, ...] = ()


@dataclass(frozen=True)
class Analysis:
    detections: tuple[Detection, ...]
    unparsable: tuple[Unparsable, ...]


class Resolver(Protocol):
    def package_script(self, name: str) -> tuple[str, Step] | None:
        """Text of package.json `scripts.<name>`; the Step spans the JSON string value."""

    def make_target(self, name: str) -> tuple[list[str], Step] | None:
        """Recipe of a Makefile target (`name == ""`: the default goal).

        The list holds the physical lines that follow the target's rule line, verbatim
        (recipe lines keep their leading tab; blank and comment lines are kept so that
        line i of the list is line `step.span.line + 1 + i` of the file)."""

    def script_file(self, path: str) -> tuple[str, Step] | None:
        """Text of a script named by a command (path relative to the service directory).

        An absolute path is an in-image path: None unless the resolver maps it."""


class ResolverExtras(Protocol):
    """The optional methods of a resolver, declared so that mypy checks every call.

    RepoResolver has them all; another resolver may have any of them. Callers reach
    one through `extra` (or `Walking.ask`, which memoises it): None when the resolver
    lacks the method, so the walker carries on without what it would have answered.
    """

    def at(self, subdir: str) -> Resolver:
        """The resolver of a subdirectory."""

    def make_prerequisites(self, name: str) -> list[str]: ...

    def make_variables(self) -> dict[str, str]: ...

    def map_image_path(self, path: str) -> str | None:
        """An in-image absolute path as a path relative to the service directory."""

    def mix_alias(self, name: str) -> tuple[list[str], Step] | None: ...

    def workspace_packages(self) -> list[WorkspacePackage]: ...

    def turbo_task_dependencies(self, task: str, package: str = "") -> list[str]:
        """turbo.json `dependsOn` of a task."""

    def turbo_task_dependency_steps(
        self, task: str, package: str = ""
    ) -> list[tuple[str, Step]]: ...

    def package_manager(self) -> tuple[str, int | None] | None:
        """("yarn", 4) from package.json `packageManager`."""

    def package_scripts(self) -> list[str]:
        """The names of package.json `scripts`."""

    def package_field(self, *keys: str) -> tuple[str, Step] | None:
        """A package.json string field (`prisma.seed`)."""

    def directory_files(self, path: str) -> list[str] | None:
        """The files of a directory (seeds)."""

    def which(self, name: str) -> str | None:
        """A bare program name through the image's PATH (`image_paths`)."""

    def nx_projects(self) -> list[WorkspacePackage]:
        """Nx projects (project.json, packages)."""

    def nx_target(self, target: str) -> NxTarget | None:
        """This project's target."""

    def nx_target_dependencies(self, target: str) -> list[str]:
        """Its `dependsOn` ("^build", "lint")."""

    def lerna_packages(self) -> list[WorkspacePackage]:
        """The packages `lerna run` runs in."""

    def rake_default(self) -> RakeDefault | None:
        """What a bare `rake` runs (None: no Rakefile readable)."""


P = ParamSpec("P")
T = TypeVar("T")


def extra(
    resolver: Resolver | None, method: Callable[Concatenate[ResolverExtras, P], T]
) -> Callable[P, T] | None:
    """`resolver`'s own `method` (one of ResolverExtras', e.g.
    `ResolverExtras.make_prerequisites`), or None when it has no such method."""
    found = getattr(resolver, method.__name__, None) if resolver is not None else None
    return found if callable(found) else None

"""The entry point: which directories of the tree are services, and each one's plans.

`services(ctx)` finds the service roots (see the package docstring), then
plans every service once per environment its Railway config names: the base
config first, then each `environments.<name>`. The builder decides where the
commands come from (`docker` for Dockerfile builds, `builders` for Nixpacks
and Railpack); the pre-deploy command always comes from the Railway config.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from railsafe.context import Context
from railsafe.discover import SourceFile
from railsafe.loaders import NIXPACKS_KINDS, RAILPACK_KINDS, RAILWAY_KINDS
from railsafe.project.builders import buildpack_commands, choose_builder
from railsafe.project.configs import ServiceReader, rel_path
from railsafe.project.docker import dockerfile_commands
from railsafe.project.types import (
    APP_MARKERS,
    CONFIG_NAMES,
    PREFERRED,
    IacSource,
    Plan,
    Service,
)

if TYPE_CHECKING:
    from railsafe.iac.normalise import IacService


def services(ctx: Context) -> list[Service]:
    """Every service in the checked tree (computed once per Context)."""
    return ctx.cached("project.services", lambda: _find_services(ctx))


def service_for_config(ctx: Context, doc: object) -> Service | None:
    """The service a railway.toml / railway.json declares (None for another document)."""

    def build() -> dict[str, Service]:
        return {s.config.relpath: s for s in services(ctx) if s.config is not None}

    relpath = getattr(doc, "relpath", None)
    return ctx.cached("project.by_config", build).get(relpath) if relpath else None


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
    declared = _iac_services(ctx, index)
    iac_roots = {s.root for s in declared}
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
        if not railway and directory in iac_roots:
            continue  # the IaC file declares the service built from here
        if not (railway or nix or rail or "Dockerfile" in names) and not (
            is_root and any((directory / m).is_file() for m in APP_MARKERS)
        ):
            continue
        by_name = {f.path.name: f for f in files}
        relroot = rel_path(directory, root)
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
            # A Config as Code file is analysed whatever the date: what Railway kept
            # at the cutoff is unknown, and `railway config migrate` carries its
            # commands into .railway/railway.ts (railway-iac.md §6). After the
            # cutoff the findings say so (engine) and RS005 is an error.
            service = Service(
                directory,
                relroot,
                by_name,
                ctx.load(cfg) if cfg else None,
                ctx.load(nx) if nx else None,
                ctx.load(rp) if rp else None,
            )
            service.plans = plan_service(ctx, service)
            found.append(service)
    return found + declared


def _iac_services(ctx: Context, index: dict[Path, list[SourceFile]]) -> list[Service]:
    """The services each `.railway/railway.*` declares, rooted where their root directory says."""
    from railsafe.project.iac import IacReader, iac_sources

    root = ctx.root.absolute()
    out: list[Service] = []
    for source in iac_sources(ctx):
        home = source.doc.path.parent.parent.absolute()  # the directory holding .railway/
        repo = _repository_of(home, root)
        for name in source.service_names():
            directory = _service_root(source, name, repo, home, root)
            files = index.get(directory, [])
            by_name = {f.path.name: f for f in files}
            nix = _ranked([f for f in files if f.kind in NIXPACKS_KINDS])
            rail = _ranked([f for f in files if f.kind in RAILPACK_KINDS])
            service = Service(
                directory, rel_path(directory, root), by_name, None,
                ctx.load(nix[0]) if nix else None, ctx.load(rail[0]) if rail else None,
                iac=source, iac_name=name,
            )
            reader = IacReader(ctx, service, source, name)
            envs = [e for e in source.environments if source.service(e, name) is not None]
            service.plans = tuple(_plan(reader, env) for env in envs)
            out.append(service)
    return out


def _repository_of(directory: Path, root: Path) -> Path:
    """What an IaC `rootDirectory` is relative to: the git repository holding the
    `.railway/` directory, kept inside the checked tree (railsafe reads nothing outside)."""
    from railsafe.discover import git_root

    repo = git_root(directory) or root
    return repo if repo.is_relative_to(root) else root


def _service_root(source: IacSource, name: str, repo: Path, home: Path, root: Path) -> Path:
    """The directory a service builds from (docs/facts.md F22): its `rootDirectory`, in the
    repository (else beside `.railway/`) when that directory is in the checked tree; without
    one, the directory that holds `.railway/`, where the file's author runs the CLI."""
    inside = root.resolve()
    for env in source.environments:
        svc = source.service(env, name)
        if svc is None or svc.root_directory is None:
            continue
        relative = svc.root_directory.text.strip().strip("/")
        for base in (repo, home):
            candidate = (base / relative).resolve()
            if candidate.is_dir() and candidate.is_relative_to(inside):
                return candidate.absolute()
    return home


def _ranked(files: list[SourceFile]) -> list[SourceFile]:
    return sorted(files, key=lambda f: (PREFERRED.get(f.path.name, 0), f.path.name))


def plan_service(ctx: Context, service: Service) -> tuple[Plan, ...]:
    """One plan per environment: the base config (None) first, then each override."""
    reader = ServiceReader(ctx, service)
    return tuple(_plan(reader, env) for env in (None, *reader.env_names))


def _plan(r: ServiceReader, env: str | None) -> Plan:
    builder = choose_builder(r, env)
    if builder.name == "DOCKERFILE":
        build, start = dockerfile_commands(r, env)
    elif builder.name in ("NIXPACKS", "RAILPACK"):
        build, start = buildpack_commands(r, env, builder)
    else:  # Heroku / Paketo buildpacks: only what the Railway config says
        build = r.config_commands(env, "build", "buildCommand", "build") or []
        start = r.config_commands(env, "deploy", "startCommand", "start") or []
    pre = r.config_commands(env, "deploy", "preDeployCommand", "pre-deploy") or []
    return Plan(env, builder, tuple(build), tuple(pre), tuple(start))


@dataclass(frozen=True)
class IacAt:
    """The IaC service built from a directory, and the builders the planner gives it."""

    source: IacSource
    service: IacService
    builders: frozenset[str]


def iac_service_at(ctx: Context, directory: Path) -> IacAt | None:
    """The IaC service whose root is `directory` (the one that takes over a Config as Code
    file there), from a map built once per check; None when no IaC file declares one."""
    from railsafe.project.iac import iac_sources

    if not iac_sources(ctx):
        return None

    def build() -> dict[Path, IacAt]:
        found: dict[Path, IacAt] = {}
        for service in services(ctx):
            if service.iac is None or service.iac_name is None:
                continue
            svc = service.iac.service(None, service.iac_name) or next(
                (s for e in service.iac.environments
                 if (s := service.iac.service(e, service.iac_name)) is not None), None)
            if svc is not None:
                builders = frozenset(p.builder.name for p in service.plans)
                found.setdefault(service.root.resolve(), IacAt(service.iac, svc, builders))
        return found

    return ctx.cached("project.iac.by_root", build).get(directory.resolve())

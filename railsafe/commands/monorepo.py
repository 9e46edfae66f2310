"""Nx projects and Lerna packages, read for RepoResolver (nx_projects, nx_target,
nx_target_dependencies, lerna_packages).

What this relies on about the tools:

- Nx. The workspace root is the directory of nx.json. Projects are the directories
  with a project.json under it, and the packages of the package-manager workspace
  (their package.json scripts are targets, `nx:run-script`). A project's name is its
  project.json / package.json `name`, else its directory's name. A project.json
  target runs its `executor`; `nx:run-commands` (and the `command` shorthand) runs
  `options.command` / `options.commands` in the workspace root, or in `options.cwd`
  relative to it (nx.dev run-commands: "If it's not specified the commands will run in
  the workspace root"); `nx:run-script` runs the package.json script
  `options.script`; a project.json target with no executor (inferred by a plugin) and
  a package.json script of the same name runs the script. `dependsOn` comes from the
  target, else nx.json `targetDefaults` (`"^build"`: the dependencies' build;
  `{"target": "build", "dependencies": true}` likewise).
- Lerna. `lerna run <script>` runs the script in every package that has it. The
  packages are lerna.json `packages`, else the package manager's workspaces (Lerna 7
  uses them when `packages` is absent), else `packages/*`.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from railsafe.commands.repofiles import json_data, json_index, workspace_members
from railsafe.commands.types import NxTarget, Step, WorkspacePackage
from railsafe.findings import FILE_START, Span

_SKIP = frozenset({"node_modules", ".git", "dist", "build", ".next", ".turbo", ".nx", "tmp"})
_MAX_DIRS = 5000


def nx_root(resolver: Any) -> Path | None:
    """The nearest directory with an nx.json, up to the checked root."""
    for directory in resolver.ancestors():
        if (directory / "nx.json").is_file():
            return Path(directory)
    return None


def _base(resolver: Any) -> Path:
    root = nx_root(resolver)
    if root is not None:
        return root
    found = resolver.workspace()
    return Path(found[0]) if found is not None else Path(os.path.realpath(resolver.service_dir))


def _project_json_dirs(root: Path) -> list[Path]:
    """Directories under `root` (itself included) holding a project.json (bounded walk;
    node_modules, dot-directories and build outputs skipped)."""
    out: list[Path] = []
    todo = [root]
    seen = 0
    while todo and seen < _MAX_DIRS:
        directory = todo.pop(0)
        seen += 1
        try:
            entries = sorted(directory.iterdir())
        except OSError:
            continue
        for child in entries:
            if child.name == "project.json" and child.is_file():
                out.append(directory)
            elif (
                child.is_dir()
                and child.name not in _SKIP
                and not child.name.startswith(".")
                and not child.is_symlink()
            ):
                todo.append(child)
    return out


def _read_json(resolver: Any, path: Path) -> tuple[Any, Any]:
    doc = resolver.ctx.document_at(path)
    if doc is None or not doc.source:
        return None, None
    return doc, json_data(doc.text)


def _projects(resolver: Any, root: Path) -> list[tuple[Path, str, tuple[str, ...]]]:
    found = resolver.workspace()
    members: dict[Path, tuple[str, set[str]]] = {}
    if found is not None:
        workspace_root, packages = found
        for directory, name, deps in packages:
            if Path(directory) != Path(workspace_root):
                members[Path(directory)] = (name, set(deps))
    for directory in _project_json_dirs(root):
        _, data = _read_json(resolver, directory / "project.json")
        name, deps = members.get(directory, ("", set()))
        if isinstance(data, dict):
            if isinstance(data.get("name"), str):
                name = data["name"]
            implicit = data.get("implicitDependencies")
            if isinstance(implicit, list):
                deps |= {d for d in implicit if isinstance(d, str) and not d.startswith("!")}
        members[directory] = (name, deps)
    out = []
    for directory, (name, deps) in members.items():
        out.append((directory, name or directory.name, tuple(sorted(deps))))
    names = {name for _, name, _ in out}
    return [(d, n, tuple(x for x in deps if x in names and x != n)) for d, n, deps in out]


def nx_projects(resolver: Any) -> list[WorkspacePackage]:
    root = _base(resolver)
    key = f"commands.nx:{root}"
    projects = resolver.ctx.cached(key, functools.partial(_projects, resolver, root))
    here = Path(os.path.realpath(resolver.service_dir))
    return [
        WorkspacePackage(name, Path(os.path.relpath(directory, here)).as_posix(), deps)
        for directory, name, deps in projects
    ]


def _index_span(resolver: Any, doc: Any, path: tuple[str | int, ...], part: str) -> Span:
    entry = json_index(resolver.ctx, doc).entries.get(path)
    return getattr(entry, part) if entry is not None else FILE_START


def nx_target(resolver: Any, target: str) -> NxTarget | None:
    here = Path(os.path.realpath(resolver.service_dir))
    doc, data = _read_json(resolver, here / "project.json")
    targets = data.get("targets") if isinstance(data, dict) else None
    spec = targets.get(target) if isinstance(targets, dict) else None
    script = resolver.package_script(target)
    if not isinstance(spec, dict):
        if script is not None:
            return NxTarget(step=script[1], script=target)
        return None
    base = ("targets", target)
    span = _index_span(resolver, doc, base, "key")
    step = Step(doc.relpath, span, f"{doc.relpath} targets.{target}")
    raw_executor = spec.get("executor")
    executor: str = raw_executor if isinstance(raw_executor, str) else ""
    raw_options = spec.get("options")
    options: dict[str, Any] = raw_options if isinstance(raw_options, dict) else {}
    commands: list[tuple[str, Step]] = []

    def command(value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, str) and value.strip():
            span = _index_span(resolver, doc, path, "value")
            commands.append((value, Step(doc.relpath, span, f"{doc.relpath} {_dotted(path)}")))

    if isinstance(spec.get("command"), str) and not executor:
        executor = "nx:run-commands"
        command(spec["command"], (*base, "command"))
    elif executor == "nx:run-commands":
        command(options.get("command"), (*base, "options", "command"))
        items = options.get("commands")
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    command(item.get("command"), (*base, "options", "commands", i, "command"))
                else:
                    command(item, (*base, "options", "commands", i))
    if executor == "nx:run-commands":
        root = _base(resolver)
        raw_cwd = options.get("cwd")
        cwd: str = raw_cwd if isinstance(raw_cwd, str) else ""
        where = Path(os.path.normpath(root / cwd)) if not cwd.startswith("/") else None
        rel = Path(os.path.relpath(where, here)).as_posix() if where is not None else ""
        return NxTarget(step, executor, tuple(commands), rel)
    if executor == "nx:run-script":
        name = options.get("script")
        return NxTarget(step, executor, script=name if isinstance(name, str) else target)
    if not executor and script is not None:
        return NxTarget(step=script[1], script=target)
    return NxTarget(step, executor)


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def nx_target_dependencies(resolver: Any, target: str) -> list[str]:
    """`dependsOn` of this project's target (project.json), else nx.json targetDefaults;
    as "^build" (the dependencies' build) / "lint" (this project's)."""
    here = Path(os.path.realpath(resolver.service_dir))
    _, data = _read_json(resolver, here / "project.json")
    targets = data.get("targets") if isinstance(data, dict) else None
    spec = targets.get(target) if isinstance(targets, dict) else None
    depends = spec.get("dependsOn") if isinstance(spec, dict) else None
    if depends is None:
        root = nx_root(resolver)
        if root is not None:
            _, config = _read_json(resolver, root / "nx.json")
            defaults = config.get("targetDefaults") if isinstance(config, dict) else None
            spec = defaults.get(target) if isinstance(defaults, dict) else None
            depends = spec.get("dependsOn") if isinstance(spec, dict) else None
    if not isinstance(depends, list):
        return []
    out: list[str] = []
    for item in depends:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("target"), str):
            projects = item.get("projects")
            if item.get("dependencies") is True or projects in ("dependencies", "^"):
                out.append("^" + item["target"])
            elif projects in (None, "self"):
                out.append(item["target"])
    return out


def lerna_packages(resolver: Any) -> list[WorkspacePackage]:
    for directory in resolver.ancestors():
        doc, data = _read_json(resolver, directory / "lerna.json")
        if doc is None:
            continue
        patterns = data.get("packages") if isinstance(data, dict) else None
        if not isinstance(patterns, list):
            found = resolver.workspace()
            if found is not None:
                return [p for p in resolver.workspace_packages() if not p.root]
            patterns = ["packages/*"]
        patterns = [p for p in patterns if isinstance(p, str)]
        key = f"commands.lerna:{directory}"
        members = resolver.ctx.cached(
            key, functools.partial(workspace_members, resolver.ctx, directory, patterns)
        )
        here = Path(os.path.realpath(resolver.service_dir))
        return [
            WorkspacePackage(name, Path(os.path.relpath(d, here)).as_posix(), deps)
            for d, name, deps in members
            if Path(d) != Path(directory)
        ]
    return [p for p in resolver.workspace_packages() if not p.root]

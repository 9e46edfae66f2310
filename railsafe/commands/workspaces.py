"""Workspace selection: which packages of a JavaScript workspace a command runs in.

pnpm selector syntax (`--filter` / `-F`, also turbo's `--filter` and the values of
`npm -w`, `yarn workspace`, `yarn workspaces foreach --include`): `name`, `@scope/*`,
`name...` (with its dependencies), `name^...` (only them), `...name` (with its
dependents), `./dir`, `{dir}`, `!name` (excluded), `[ref]` (changed since a git ref:
every package here). The packages come from RepoResolver.workspace_packages (pnpm and
turbo do not run the workspace root's own script in a recursive run).
"""

from __future__ import annotations

import fnmatch
import posixpath
from typing import TYPE_CHECKING

from railsafe.commands.types import ResolverExtras, WorkspacePackage

if TYPE_CHECKING:
    from railsafe.commands.walking import Walking


class Selection:
    """Which workspace packages a package-manager command runs in (and the directory
    options `--prefix` / `-C` / `pnpm -w` set: `cwd` when `cwd_set`).

    `selectors`: pnpm/turbo-style filters (`name`, `name...`, `...name`, `./dir`,
    `{dir}`, `!name`, globs); `everything`: every package (`pnpm -r`, `npm -ws`, `yarn
    workspaces foreach -A`, `turbo run`); `root`: the workspace root's package counts
    too; `recursive`: only the packages that have the script run (no binary fallback)."""

    def __init__(self) -> None:
        self.selectors: list[str] = []
        self.everything = False
        self.root = False
        self.recursive = False
        self.cwd: str | None = None
        self.cwd_set = False

    def __bool__(self) -> bool:
        return bool(self.selectors) or self.everything


def workspace_root(walker: Walking, cwd: str | None) -> str | None:
    """The workspace root's directory (`pnpm -w`), None when `cwd` is in no workspace."""
    for package in walker.ask(cwd, ResolverExtras.workspace_packages) or ():
        if package.root:
            return posixpath.normpath(posixpath.join(cwd or ".", package.directory))
    return None


def packages_for(walker: Walking, cwd: str | None, selection: Selection) -> list[str] | None:
    """The directories (relative to the service directory) a workspace selection
    names; None when there is no selection, no workspace, or nothing matches."""
    if not selection or cwd is None:
        return None
    packages = walker.ask(cwd, ResolverExtras.workspace_packages)
    if not packages:
        return None
    chosen = select_packages(packages, selection)
    if not chosen:
        return None
    return [posixpath.normpath(posixpath.join(cwd, p.directory)) for p in chosen]


def select_packages(
    packages: list[WorkspacePackage], selection: Selection
) -> list[WorkspacePackage]:
    """The workspace packages a selection names (pnpm/turbo filter syntax)."""
    members = [p for p in packages if not p.root or selection.root]
    if not selection.selectors:
        return members if selection.everything else []
    chosen: dict[str, WorkspacePackage] = {}
    excluded: set[str] = set()
    included = False
    for raw in selection.selectors:
        selector = raw.strip()
        negate = selector.startswith("!")
        matched = _match_selector(packages, selector[1:] if negate else selector)
        if negate:
            excluded.update(p.directory for p in matched)
        else:
            included = True
            for p in matched:
                chosen.setdefault(p.directory, p)
    base = list(chosen.values()) if included else members
    return [p for p in base if p.directory not in excluded]


def _match_selector(packages: list[WorkspacePackage], selector: str) -> list[WorkspacePackage]:
    """`name`, `@scope/*`, `name...` (with its dependencies), `name^...` (only them),
    `...name` (with its dependents), `./dir`, `{dir}`; `[ref]` (changed since a git
    ref: unknown here) selects every package."""
    if selector.startswith("["):
        return [p for p in packages if not p.root]
    deps = dependents = False
    itself = True
    if selector.endswith("..."):
        deps, selector = True, selector[:-3]
        if selector.endswith("^"):
            itself, selector = False, selector[:-1]
    if selector.startswith("..."):
        dependents, selector = True, selector[3:]
        if selector.startswith("^"):
            itself, selector = False, selector[1:]
    if "[" in selector:
        selector = selector.split("[", 1)[0]
    base = match_base(packages, selector)
    out = {p.directory: p for p in base} if itself else {}
    by_name = {p.name: p for p in packages if p.name}
    if deps:
        todo = list(base)
        while todo:
            for name in todo.pop().dependencies:
                found = by_name.get(name)
                if found is not None and found.directory not in out:
                    out[found.directory] = found
                    todo.append(found)
    if dependents:
        todo = list(base)
        while todo:
            current = todo.pop()
            for p in packages:
                if current.name and current.name in p.dependencies and p.directory not in out:
                    out[p.directory] = p
                    todo.append(p)
    return list(out.values())


def match_base(packages: list[WorkspacePackage], selector: str) -> list[WorkspacePackage]:
    if not selector:
        return []
    path = None
    if selector.startswith("{") and "}" in selector:
        path = selector[1 : selector.index("}")]
    elif selector.startswith("."):
        path = selector
    if path is None:
        found = [p for p in packages if p.name and fnmatch.fnmatchcase(p.name, selector)]
        if not found and "/" not in selector:  # `db` selects `@acme/db`
            found = [
                p
                for p in packages
                if p.name and fnmatch.fnmatchcase(p.name.rsplit("/", 1)[-1], selector)
            ]
        if found or selector.startswith("@") or "/" not in selector:
            return found
        path = selector  # npm -w packages/db
    if path.startswith("/"):
        return []
    want = posixpath.normpath(path)
    out = []
    for p in packages:
        directory = posixpath.normpath(p.directory)
        if (
            directory == want
            or fnmatch.fnmatchcase(directory, want)
            or (want.endswith("/**") and (directory + "/").startswith(want[:-2]))
        ):
            out.append(p)
    return out


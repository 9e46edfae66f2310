"""Repository files the resolver and its Nx / Lerna reader share: JSON(C) text, its
position index, and the members of a JavaScript workspace on disk.

Below resolver.py and monorepo.py, so both import it and neither imports the other's
internals.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

from railsafe.context import Context


def json_index(ctx: Context, doc: Any) -> Any:
    """A position index of a JSON(C) document read as text (turbo.json, project.json)."""

    def build() -> Any:
        from railsafe.loaders.jsonc import standardize
        from railsafe.loaders.positions import PositionIndex

        return PositionIndex(standardize(doc.text).encode("utf-8"), "json")

    return ctx.cached(f"commands.jsonindex:{doc.path}", build)


def json_data(text: str) -> Any:
    """JSON, else JSONC (comments, trailing commas), else None: turbo.json, project.json."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        from railsafe.loaders.jsonc import standardize

        return json.loads(standardize(text))
    except Exception:  # any unreadable turbo.json is simply not used
        return None


_SKIP_WORKSPACE_DIRS = frozenset({"node_modules", ".git", "dist", "build", ".next", ".turbo"})
_MAX_WORKSPACE_DIRS = 5000


def _glob_dirs(root: Path, pattern: str, budget: list[int]) -> list[Path]:
    parts = [p for p in pattern.strip().strip("/").split("/") if p not in ("", ".")]
    current = [root]
    for part in parts:
        following: list[Path] = []
        for directory in current:
            if part == "**":
                following.extend(_descendants(directory, budget))
            elif any(c in part for c in "*?[{"):
                following.extend(
                    child
                    for child in _children(directory, budget)
                    if fnmatch.fnmatchcase(child.name, part)
                )
            elif part == "..":
                continue  # workspace packages outside the root are not followed
            else:
                child = directory / part
                if child.is_dir() and child.name not in _SKIP_WORKSPACE_DIRS:
                    following.append(child)
        current = following
    return current


def _children(directory: Path, budget: list[int]) -> list[Path]:
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return []
    out = []
    for child in entries:
        if budget[0] <= 0:
            break
        if child.name in _SKIP_WORKSPACE_DIRS or child.name.startswith("."):
            continue
        if child.is_dir():
            budget[0] -= 1
            out.append(child)
    return out


def _descendants(directory: Path, budget: list[int]) -> list[Path]:
    out = [directory]
    index = 0
    while index < len(out) and budget[0] > 0:
        out.extend(_children(out[index], budget))
        index += 1
    return out


def workspace_members(
    ctx: Context, root: Path, patterns: list[str]
) -> list[tuple[Path, str, tuple[str, ...]]]:
    """The workspace packages under `root` that `patterns` name (a bounded walk):
    (directory, package.json `name`, the other members it depends on)."""
    budget = [_MAX_WORKSPACE_DIRS]
    chosen: dict[Path, None] = {root: None}
    excludes = [p[1:].strip().strip("/") for p in patterns if p.strip().startswith("!")]
    for pattern in patterns:
        if pattern.strip().startswith("!"):
            continue
        for directory in _glob_dirs(root, pattern, budget):
            rel = directory.relative_to(root).as_posix()
            if any(fnmatch.fnmatchcase(rel, e.removeprefix("./")) for e in excludes):
                continue
            if (directory / "package.json").is_file():
                chosen.setdefault(directory, None)
    raw: list[tuple[Path, str, set[str]]] = []
    for directory in chosen:
        doc = ctx.document_at(directory / "package.json")
        data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
        name = data.get("name")
        name = name if isinstance(name, str) else ""
        deps: set[str] = set()
        for key in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
            section = data.get(key)
            if isinstance(section, dict):
                deps.update(k for k in section if isinstance(k, str))
        raw.append((directory, name, deps))
    names = {name for _, name, _ in raw if name}
    return [(d, n, tuple(sorted(deps & names - {n}))) for d, n, deps in raw]

"""The `diff`, `show` and `config` commands' work, called from `railsafe.cli` (which stays
light: this module is imported only when one of them runs)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from railsafe.review.snapshot import Snapshot, build


class UsageError(Exception):
    """Reported on one line, exit 2."""


@dataclass
class Options:
    rules: list[Any] | None
    today: dt.date
    exclude: list[str]
    exclude_base: Path | None


def _relative_targets(paths: list[str], top: Path) -> list[str]:
    """PATHS as repository-relative prefixes ("" for the whole repository)."""
    out = []
    cwd = Path.cwd().resolve()
    for p in paths or ["."]:
        absolute = (cwd / p).resolve()
        try:
            rel = absolute.relative_to(top.resolve()).as_posix()
        except ValueError:
            raise UsageError(f"{p} is outside the git repository {top}") from None
        out.append("" if rel == "." else rel)
    return out


def git_snapshots(base: str, head: str | None, paths: list[str], opts: Options,
                  workdir: Path) -> tuple[Snapshot, Snapshot]:
    from railsafe.review import gitsides

    try:
        top = gitsides.toplevel(Path.cwd())
        prefixes = _relative_targets(paths, top)
        base_sha = gitsides.commit(top, base)
        head_sha = gitsides.commit(top, head) if head is not None else None
    except gitsides.GitError as exc:
        raise UsageError(str(exc)) from None
    if head_sha is None:  # the working tree, read in place (read only)
        for p, rel in zip(paths or ["."], prefixes, strict=True):
            if not (top / rel).exists():
                raise UsageError(f"no such file or directory: {p}")
    sides = []
    for name, sha, label in (("base", base_sha, base), ("head", head_sha, head)):
        if sha is None:
            targets = [top / rel for rel in prefixes]
            sides.append(build(targets, "working tree", opts.rules, opts.today, opts.exclude,
                               opts.exclude_base))
            continue
        tree = workdir / name
        tree.mkdir()
        try:
            gitsides.materialise(top, sha, prefixes, tree)
        except gitsides.GitError as exc:
            raise UsageError(str(exc)) from None
        targets = []
        for rel in prefixes:
            target = tree / rel
            if not target.exists():  # the path is new on this side: an empty tree
                target.mkdir(parents=True, exist_ok=True)
            targets.append(target)
        shown = f"{label} ({sha[:12]})" if label and label != sha else sha[:12]
        # `exclude` patterns are relative to the settings file: the same place in this tree
        base_dir = None
        if opts.exclude_base is not None:
            try:
                base_dir = tree / opts.exclude_base.resolve().relative_to(top.resolve())
            except ValueError:
                base_dir = None
        sides.append(build(targets, shown, opts.rules, opts.today, opts.exclude, base_dir))
    return sides[0], sides[1]


def path_snapshots(old: str, new: str, opts: Options, workdir: Path) -> tuple[Snapshot, Snapshot]:
    a, b = Path(old), Path(new)
    for p in (a, b):
        if not p.exists():
            raise UsageError(f"no such file or directory: {p}")
    if a.is_dir() != b.is_dir():
        raise UsageError("compare two files or two directories, not one of each")
    if not a.is_dir():
        # two files: each alone in a directory, under NEW's name, so both are the same
        # service at the same path (only their contents differ)
        copies = []
        for side, p in (("old", a), ("new", b)):
            (workdir / side).mkdir()
            copy = workdir / side / b.name
            try:
                copy.write_bytes(p.read_bytes())
            except OSError as exc:
                raise UsageError(f"cannot read {p}: {exc.strerror or exc}") from None
            copies.append(copy)
        a, b = copies
    return (build([a], old, opts.rules, opts.today, opts.exclude, opts.exclude_base),
            build([b], new, opts.rules, opts.today, opts.exclude, opts.exclude_base))


def temporary() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="railsafe-diff-", dir=os.environ.get("TMPDIR"))

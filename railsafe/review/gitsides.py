"""The two sides of `railsafe diff --base REV [--head REV]`, read through the `git` CLI.

A revision's tree is written into a temporary directory with `git ls-tree` and
`git cat-file --batch` (blobs only: no hooks, no filters, no `.gitattributes`
export rules, nothing written to the user's checkout or its `.git`), and the
same engine checks it. Works in a shallow clone with a detached HEAD, as long
as the base commit was fetched (`git fetch --depth 1 origin main`).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath


class GitError(Exception):
    """Not a repository, an unknown revision, git missing: a usage error (exit 2)."""


def _git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], input=data, capture_output=True,
                              env=env, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (needed for --base)") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout


def toplevel(directory: Path) -> Path:
    try:
        out = _git(directory, "rev-parse", "--show-toplevel")
    except GitError:
        raise GitError(f"not a git repository: {directory}") from None
    return Path(out.decode().strip())


def commit(repo: Path, rev: str) -> str:
    if not rev.strip() or rev.startswith("-"):
        raise GitError(f"unknown revision {rev!r}")
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options",
                    f"{rev}^{{commit}}").decode().strip()
    except GitError:
        raise GitError(f"unknown revision {rev!r} (in a shallow clone, fetch it first: "
                       f"git fetch --depth 1 origin <branch>)") from None


def materialise(repo: Path, sha: str, prefixes: list[str], target: Path) -> int:
    """Write the blobs of commit `sha` under `prefixes` (repo-relative; [] = all) into
    `target`; return how many files were written. Symlinks and submodules are skipped."""
    listing = _git(repo, "ls-tree", "-r", "-z", "--full-tree", sha, "--",
                   *[p for p in prefixes if p and p != "."])
    entries: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, obj = meta.decode().split()
        if kind != "blob" or mode == "120000":
            continue
        path = name.decode("utf-8", "surrogateescape")
        parts = PurePosixPath(path).parts
        if ".." in parts or path.startswith("/") or ".git" in parts:
            continue
        entries.append((obj, path))
    if not entries:
        return 0
    out = _git(repo, "cat-file", "--batch", data="".join(f"{o}\n" for o, _ in entries).encode())
    pos = 0
    for _, path in entries:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        body = out[header_end + 1: header_end + 1 + size]
        pos = header_end + 1 + size + 1
        dest = target / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(body)
    return len(entries)

"""Writing files safely: atomically, never over a file without `force` (then a backup),
and only after railsafe's own rules found nothing in the result."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path


class WriteRefused(Exception):
    """A write railsafe will not do; the message says why, in one line."""


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same directory and a rename,
    so a reader sees the old file or the new one, never half of one."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """`atomic_write` for bytes (a file's BOM and line endings kept as they are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = None
    if path.exists():
        mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".railsafe-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def backup_path(path: Path) -> Path:
    """`file.bak`, or `file.bak.1`, `file.bak.2`, ... : never an existing file."""
    candidate = path.with_name(path.name + ".bak")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak.{n}")
        n += 1
    return candidate


@dataclass
class Planned:
    """One file a writer wants to write: its path relative to the target root, and text."""

    relpath: str
    text: str


def write_all(root: Path, files: list[Planned], *, force: bool) -> list[str]:
    """Write `files` under `root`; returns one line per file written (and backups kept).

    Refuses (before writing anything) when a file exists and `force` is off; a file
    whose text is already the same is left alone (running twice changes nothing).
    """
    lines: list[str] = []
    todo: list[tuple[Path, Planned]] = []
    for planned in files:
        path = root / planned.relpath
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise WriteRefused(f"{planned.relpath} exists and is not a regular file")
        if path.exists():
            if path.read_text(encoding="utf-8", errors="replace") == planned.text:
                lines.append(f"unchanged {planned.relpath}")
                continue
            if not force:
                raise WriteRefused(
                    f"{planned.relpath} exists; railsafe never overwrites without --force "
                    "(which keeps a backup)"
                )
        todo.append((path, planned))
    for path, planned in todo:
        if path.exists():
            backup = backup_path(path)
            shutil.copy2(path, backup)
            lines.append(f"backup  {backup.relative_to(root).as_posix()}")
        atomic_write(path, planned.text)
        lines.append(f"wrote   {planned.relpath}")
    return lines


def findings_in(root: Path, files: list[Planned], *, copy: tuple[str, ...] = ()) -> list[str]:
    """railsafe's findings (`RULE path:line:col message`) on `files` as they would be
    written under `root`: checked in a temporary copy holding `files` and the files of
    `root` named in `copy` (e.g. the package manifests the commands name)."""
    from railsafe.engine import check

    with tempfile.TemporaryDirectory(prefix="railsafe-write-") as tmp:
        base = Path(tmp)
        for rel in copy:
            source = root / rel
            if source.is_file() and not source.is_symlink():
                target = base / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        for planned in files:
            target = base / planned.relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(planned.text, encoding="utf-8")
        report = check([base])
        out = [
            f"{f.rule} {f.path}:{f.span.line}:{f.span.column} {f.message}"
            for f in report.findings
        ]
        out += [f"internal error: {e}" for e in report.internal_errors]
        return out

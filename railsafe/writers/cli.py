"""`railsafe init`, `railsafe migrate`, `railsafe fix`: the Typer commands.

railsafe.cli's root group imports this module only when one of these commands
runs or the command list is shown; each command imports its writer when it runs,
so `railsafe --version` and `railsafe check` never load any of them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import click
import typer

LANGS = ("ts", "py")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"railsafe: {message}", err=True)
    return typer.Exit(code)


def _directory(path: str) -> Path:
    if not path.strip():
        raise _fail("an empty path was given (an unset variable?)")
    root = Path(path)
    if not root.is_dir():
        raise _fail(f"not a directory: {path}")
    return root


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise _fail(f"unknown --lang {lang!r}; choose one of {', '.join(LANGS)}")
    return lang


def migrate(
    path: Annotated[str, typer.Argument(help="The repository to migrate.")] = ".",
    lang: Annotated[str, typer.Option("--lang", help="ts (default) or py.")] = "ts",
    write: Annotated[
        bool, typer.Option("--write", help="Write .railway/railway.<lang> (never overwrites).")
    ] = False,
    harden: Annotated[
        bool,
        typer.Option("--harden", help="Remove test runners; move a build migration to pre-deploy."),
    ] = False,
    name: Annotated[
        list[str] | None,
        typer.Option("--name", help="DIR=SERVICE: the service name for the file in DIR."),
    ] = None,
    project: Annotated[
        str | None, typer.Option("--project", help="Project name (default: the directory's).")
    ] = None,
) -> None:
    """Move every railway.toml / railway.json into one .railway/railway.ts, losing nothing."""
    root = _directory(path)
    _lang(lang)
    names: dict[str, str] = {}
    for item in name or []:
        directory, sep, service = item.partition("=")
        if not sep or not service.strip():
            raise _fail(f"--name takes DIR=SERVICE, not {item!r}")
        names[directory.strip().strip("/") or "."] = service.strip()
    from railsafe.writers.files import WriteRefused, atomic_write
    from railsafe.writers.migrate import MigrateError, plan, removal_command

    try:
        migration = plan(root, lang=lang,  # type: ignore[arg-type]
                         names=names, harden=harden, project_name=project)
    except MigrateError as exc:
        raise _fail(str(exc), 1) from None
    err = sys.stderr
    if not write:
        sys.stdout.write(migration.text)
    err.write(migration.table())
    for line in migration.skipped:
        err.write(f"railsafe: not migrated: {line}\n")
    for row in migration.lost:
        err.write(f"railsafe: not carried: {row.where} {row.setting}: {row.note}\n")
    if write:
        target = root / migration.relpath
        others = [p.name for p in (root / ".railway").glob("railway.*")] \
            if (root / ".railway").is_dir() else []
        try:
            if target.exists():
                same = target.read_text(encoding="utf-8", errors="replace") == migration.text
                if not same:
                    raise WriteRefused(f"{migration.relpath} exists; migrate never overwrites it")
                err.write(f"railsafe: {migration.relpath} is already up to date\n")
            elif others:
                raise WriteRefused(
                    f".railway/ already holds {', '.join(sorted(others))}; the CLI refuses "
                    "more than one railway.* file there")
            else:
                atomic_write(target, migration.text)
                err.write(f"railsafe: wrote {migration.relpath}\n")
        except (WriteRefused, OSError) as exc:
            raise _fail(str(exc), 1) from None
    err.write(
        "railsafe: variables are not in railway.toml / railway.json: run `railway config pull` "
        "to see the services' variables and declare each (preserve() keeps its value), or "
        "`railway config plan` deletes them\n"
    )
    err.write(
        "railsafe: the old files stay; once `railway config plan` shows what you expect, "
        f"delete them with: {removal_command(migration)}\n"
    )


def init(
    path: Annotated[str, typer.Argument(help="The repository to set up.")] = ".",
    lang: Annotated[str, typer.Option("--lang", help="ts (default) or py.")] = "ts",
    force: Annotated[
        bool, typer.Option("--force", help="Replace existing files (a backup is kept).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the files; write nothing.")
    ] = False,
    whole_project: Annotated[
        bool,
        typer.Option("--whole-project", help="Manage the whole environment (no `partial`)."),
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="railway.toml or railway.json: refused (see the reason)."),
    ] = None,
) -> None:
    """Write a hardened .railway/railway.ts for the stack found, checked before it is written."""
    from railsafe.writers.init import REFUSED

    if fmt is not None:
        raise _fail(f"will not write {fmt}: {REFUSED}", 2)
    root = _directory(path)
    _lang(lang)
    from railsafe.writers.files import (
        WriteRefused,
        atomic_write,
        backup_path,
        findings_in,
        write_all,
    )
    from railsafe.writers.init import context_files, plan

    result = plan(root, lang=lang, whole_project=whole_project)  # type: ignore[arg-type]
    err = sys.stderr
    railway_dir = root / ".railway"
    others = sorted(p.name for p in railway_dir.glob("railway.*")
                    if p.name != f"railway.{lang}") if railway_dir.is_dir() else []
    if others:
        raise _fail(f".railway/ already holds {', '.join(others)}; the CLI refuses more than "
                    "one railway.* file there", 1)
    from railsafe.discover import discover
    from railsafe.loaders import RAILWAY_KINDS

    legacy = [f.relpath for f in discover([root]).of_kind(*RAILWAY_KINDS)][:5]
    if legacy:
        err.write(f"railsafe: note: {', '.join(legacy)} found: `railsafe migrate` carries their "
                  "settings into .railway/railway.ts; init writes a new configuration\n")
    for stack in result.stacks:
        err.write(f"railsafe: found {stack.name} in {stack.directory}: {stack.kind}"
                  + (f", {stack.package_manager}" if stack.package_manager else "")
                  + (f", migrations: {stack.migration}" if stack.migration else "")
                  + (", database" if stack.database else "") + "\n")
    written = {p.relpath for p in result.files}
    findings = [f for f in findings_in(root, result.files, copy=context_files(root, result.stacks))
                if f.split(" ", 2)[1].rsplit(":", 2)[0] in written
                and not (whole_project and f.startswith("RS508 "))]
    if findings:
        for line in findings:
            err.write(f"railsafe: {line}\n")
        raise _fail("init refuses to write a file with a finding (above); nothing was written", 1)
    if dry_run:
        for planned in result.files:
            sys.stdout.write(f"# {planned.relpath}\n{planned.text}")
    else:
        try:
            for line in write_all(root, result.files, force=force):
                err.write(f"railsafe: {line}\n")
        except (WriteRefused, OSError) as exc:
            raise _fail(str(exc), 1) from None
    for edit in result.edits:
        target = root / edit.relpath
        if force and not dry_run and edit.apply is not None and target.is_file():
            old = target.read_text(encoding="utf-8")
            new = edit.apply(old)
            if new != old:
                backup = backup_path(target)
                backup.write_text(old, encoding="utf-8")
                atomic_write(target, new)
                err.write(f"railsafe: added {edit.line} to {edit.relpath} (backup "
                          f"{backup.name})\n")
        else:
            err.write(f"railsafe: add {edit.what} to {edit.relpath}: {edit.line}"
                      + ("  (--force adds it)" if edit.apply is not None else "") + "\n")
    for note in result.notes:
        err.write(f"railsafe: note: {note}\n")
    err.write("railsafe: never edits conftest.py; railsafe's pytest plugin loads once railsafe "
              "is a test dependency\n")


def fix(
    paths: Annotated[list[str] | None, typer.Argument(help="Files or directories.")] = None,
    unsafe_fixes: Annotated[
        bool, typer.Option("--unsafe-fixes", help="Also remove test runners from commands.")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Print a unified diff; write nothing.")
    ] = False,
) -> None:
    """Repair findings in place, keeping comments, order, quoting and whitespace."""
    if paths is not None and any(not p.strip() for p in paths):
        raise _fail("an empty path was given (an unset variable?)")
    targets = [Path(p) for p in paths] if paths else [Path(".")]
    for target in targets:
        if not target.exists():
            raise _fail(f"no such file or directory: {target}")
    from railsafe.writers.fix import run, write

    result = run(targets, unsafe=unsafe_fixes)
    err = sys.stderr
    for applied in result.applied:
        err.write(f"railsafe: {applied.relpath}:{applied.line}: {applied.rule} "
                  f"({applied.kind} fix) {applied.what}\n")
    for note in result.notes:
        err.write(f"railsafe: {note}\n")
    if diff:
        sys.stdout.write(result.diff())
    elif result.changed:
        try:
            for relpath in write(result):
                err.write(f"railsafe: fixed {relpath}\n")
        except OSError as exc:
            raise _fail(f"cannot write: {exc}", 1) from None
    if not result.applied:
        err.write("railsafe: nothing to fix\n")
    elif not unsafe_fixes:
        err.write("railsafe: --unsafe-fixes also removes test runners from commands "
                  "(RS101, RS102) when the edit is unambiguous\n")


_app = typer.Typer(add_completion=False)
_app.command("init")(init)
_app.command("migrate")(migrate)
_app.command("fix")(fix)


def command(name: str) -> click.Command | None:
    """The click command `name` (init, migrate or fix), for railsafe.cli's root group."""
    group = typer.main.get_command(_app)
    assert isinstance(group, click.Group)
    return group.get_command(click.Context(group), name)

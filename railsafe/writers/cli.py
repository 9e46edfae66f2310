"""`railsafe init`, `railsafe migrate`, `railsafe fix`: the Typer commands.

Only typer is imported here; each command imports its writer when it runs, so
`railsafe --version` and `railsafe check` never load them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

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
        "railsafe: the old files stay; once `railway config plan` shows what you expect, "
        f"delete them with: {removal_command(migration)}\n"
    )


def register(app: typer.Typer) -> None:
    """Add the writer commands to railsafe's CLI."""
    app.command("migrate")(migrate)

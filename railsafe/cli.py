"""The command-line interface (Typer). Heavy modules are imported inside commands."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from railsafe import __version__

app = typer.Typer(
    name="railsafe",
    help="Keeps Railway deployments from destroying or leaking production data.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

FAIL_ON = ("error", "warning", "info", "never")
TODAY_HELP = "Evaluate dated rules as of YYYY-MM-DD (default: RAILSAFE_TODAY, else today)."


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"railsafe: {message}", err=True)
    return typer.Exit(code)


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for v in values or [] for part in v.split(",") if part.strip()]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"railsafe {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Keeps Railway deployments from destroying or leaking production data."""


@app.command()
def check(
    paths: Annotated[list[str] | None, typer.Argument(help="Files or directories.")] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="text, json, sarif, github or markdown.")
    ] = "text",
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on", help="Lowest failing severity: error|warning|info|never [default: error]."
        ),
    ] = None,
    select: Annotated[
        list[str] | None, typer.Option("--select", help="Only these rules (ids, prefixes, names).")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="Skip these rules (ids, prefixes, names).")
    ] = None,
    today: Annotated[str | None, typer.Option("--today", help=TODAY_HELP)] = None,
    no_ignores: Annotated[
        bool, typer.Option("--no-ignores", help="Report findings silenced by inline comments.")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Settings file (default: railsafe.toml or pyproject.toml)."),
    ] = None,
) -> None:
    """Lint Railway, Nixpacks and Railpack configuration (and what it runs)."""
    from railsafe.config import ConfigError, load_settings, settings_from_file
    from railsafe.engine import check as run_check
    from railsafe.engine import choose_rules
    from railsafe.findings import Severity
    from railsafe.render import FORMATS, render
    from railsafe.rules import select as select_rules

    if paths is not None and any(not p.strip() for p in paths):
        raise _fail("an empty path was given (an unset variable?)")
    targets = [Path(p) for p in paths] if paths else [Path(".")]
    _check_paths(targets)
    try:
        if config is not None:
            settings = settings_from_file(config)
        else:
            first = targets[0] if targets[0].is_dir() else targets[0].parent
            settings = load_settings(first if len(targets) == 1 else Path("."))
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    fail_on = fail_on or settings.fail_on or "error"
    if fmt not in FORMATS:
        raise _fail(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fail_on not in FAIL_ON:
        raise _fail(f"unknown --fail-on {fail_on!r}; choose one of {', '.join(FAIL_ON)}")
    # command-line selection wins outright: `--select RS005` is not undone by the
    # settings' `ignore`; `--ignore` still applies on top of either
    selected = _split(select) or settings.select
    ignored = _split(ignore) + ([] if _split(select) else settings.ignore)
    for ident in selected + ignored:
        if not any(True for _ in select_rules([ident])):
            raise _fail(f"unknown rule {ident!r} (see `railsafe rules`)")
    day = _day(today)
    report = run_check(
        targets,
        choose_rules(selected, ignored),
        today=day,
        exclude=settings.exclude,
        honour_ignores=not no_ignores,
        exclude_base=settings.source.parent if settings.source else None,
    )
    color = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    sys.stdout.write(render(report, fmt, color=color))
    for error in report.notes + report.errors + report.internal_errors:
        typer.echo(f"railsafe: {error}", err=True)
    if report.internal_errors:
        raise typer.Exit(3)
    if fail_on != "never":
        threshold = Severity.parse(fail_on)
        if any(f.severity >= threshold for f in report.findings):
            raise typer.Exit(1)


def _day(text: str | None) -> dt.date:
    """The day dated rules are evaluated on (railsafe.dates is the one source)."""
    from railsafe.dates import DateError, parse_day, today

    try:
        return parse_day(text) if text else today()
    except DateError as exc:
        raise _fail(str(exc)) from None


def _check_paths(targets: list[Path]) -> None:
    """Usage errors for paths that cannot be checked (exit 2, one line)."""
    for target in targets:
        try:
            if not target.exists():
                raise _fail(f"no such file or directory: {target}")
            if not (target.is_file() or target.is_dir()):
                raise _fail(f"not a regular file or directory: {target}")
        except OSError as exc:
            shown = str(target) if len(str(target)) < 120 else str(target)[:117] + "..."
            raise _fail(f"cannot use path {shown}: {exc.strerror or exc}") from None


@app.command("rules")
def list_rules(
    today: Annotated[str | None, typer.Option("--today", help=TODAY_HELP)] = None,
) -> None:
    """List every rule: id, name, the severity `check` gives it today, and summary."""
    from railsafe.rules import all_rules

    day = _day(today)
    for r in all_rules():
        typer.echo(f"{r.id}  {r.name:<36} {r.severity_on(day).label:<8} {r.summary}")


@app.command()
def explain(
    rule: Annotated[str, typer.Argument(help="Rule id (RS004) or name.")],
    today: Annotated[str | None, typer.Option("--today", help=TODAY_HELP)] = None,
) -> None:
    """Print a rule's documentation (the same text the code carries)."""
    from railsafe.rules import find_rule

    day = _day(today)
    found = find_rule(rule)
    if found is None:
        raise _fail(f"unknown rule {rule!r} (see `railsafe rules`)")
    dated = f"; {found.severity_label}" if found.from_day else ""
    typer.echo(f"{found.id} {found.name} ({found.severity_on(day).label}{dated})\n")
    typer.echo(found.doc)


@app.command()
def schema(
    kind: Annotated[
        str, typer.Argument(help="railway, nixpacks or railpack.")
    ],
) -> None:
    """Print the JSON Schema railsafe validates a config kind against."""
    from railsafe.schema_files import SCHEMA_KINDS, schema_text

    if kind not in SCHEMA_KINDS:
        raise _fail(f"unknown schema {kind!r}; choose one of {', '.join(SCHEMA_KINDS)}")
    sys.stdout.write(schema_text(kind))


# `railsafe db snapshot|verify`: railsafe/db/cli.py imports only typer at this point;
# SQLAlchemy and the driver load inside its commands (railsafe check never pays for them)
from railsafe.db.cli import db_app  # noqa: E402

app.add_typer(db_app, name="db")

# `railsafe init|migrate|fix`: railsafe/writers/cli.py imports only typer here
from railsafe.writers.cli import register as _register_writers  # noqa: E402

_register_writers(app)


def main() -> None:
    """Console entry point: never a traceback, whatever happens."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("railsafe: interrupted\n")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # the promise is one line, not a traceback
        sys.stderr.write(f"railsafe: internal error: {exc.__class__.__name__}: {exc}\n")
        sys.exit(3)

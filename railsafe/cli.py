"""The command-line interface (Typer). Heavy modules are imported inside commands."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from railsafe import __version__


class _Root(TyperGroup):
    """The root group: `init`, `migrate` and `fix` (railsafe/writers/cli.py) load only when
    one of them runs or the command list is shown, so `check` never imports the writers."""

    writers = ("init", "migrate", "fix")

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *self.writers]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.writers:
            from railsafe.writers.cli import command

            return command(cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    name="railsafe",
    help="Keeps Railway deployments from destroying or leaking production data.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=_Root,
)

FAIL_ON = ("error", "warning", "info", "never")  # as railsafe.check_command.FAIL_ON
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
    output: Annotated[
        list[str] | None,
        typer.Option("--output", "-o", help="Also write FORMAT=FILE (repeatable), e.g. "
                     "sarif=railsafe.sarif; stdout keeps --format."),
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="Report only findings not in this file.")
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option("--write-baseline", help="Record today's findings in this file (exit 0)."),
    ] = None,
    jobs: Annotated[
        str | None,
        typer.Option("--jobs", "-j", help="Processes to use: 1 for one, 0 for one per CPU "
                     "[default: RAILSAFE_JOBS, else 0]."),
    ] = None,
) -> None:
    """Lint Railway configuration (.railway/railway.*, railway.toml / .json), builder files,
    and what they run."""
    from railsafe import check_command

    code = _typer_exit(check_command.run, paths=paths, fmt=fmt, fail_on=fail_on,
                       select=select, ignore=ignore, today=today, no_ignores=no_ignores,
                       config=config, output=output, baseline=baseline,
                       write_baseline=write_baseline, jobs=jobs)
    if code:
        raise typer.Exit(code)


def _typer_exit(func: Any, *args: Any, **kwargs: Any) -> Any:
    """`func(...)`, its usage errors (`check_command.Exit`) as `typer.Exit`."""
    from railsafe.check_command import Exit

    try:
        return func(*args, **kwargs)
    except Exit as exc:
        raise typer.Exit(exc.code) from None


def _day(text: str | None) -> dt.date:
    """The day dated rules are evaluated on (railsafe.dates is the one source)."""
    from railsafe.check_command import day

    return _typer_exit(day, text)


def _check_paths(targets: list[Path]) -> None:
    """Usage errors for paths that cannot be checked (exit 2, one line)."""
    from railsafe.check_command import check_paths

    _typer_exit(check_paths, targets)


@app.command("rules")
def list_rules(
    today: Annotated[str | None, typer.Option("--today", help=TODAY_HELP)] = None,
) -> None:
    """List every rule: id, name, the severity `check` gives it today, summary, and whether
    `railsafe fix` repairs it (safe fix, or unsafe with --unsafe-fixes)."""
    from railsafe.rules import all_rules

    day = _day(today)
    for r in all_rules():
        fixable = f"  [{r.fix} fix]" if r.fix else ""
        typer.echo(f"{r.id}  {r.name:<36} {r.severity_on(day).label:<8} {r.summary}{fixable}")


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


def _review_options(start: Path, config: Path | None, select: list[str] | None,
                    ignore: list[str] | None, today: str | None) -> tuple[Any, Any]:
    """Settings and rule choice for `diff` / `show`, as `check` makes them."""
    from railsafe.config import ConfigError, load_settings, settings_from_file
    from railsafe.engine import choose_rules
    from railsafe.review.run import Options
    from railsafe.rules import select as select_rules

    try:
        settings = settings_from_file(config) if config is not None else load_settings(start)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    selected = _split(select) or settings.select
    ignored = _split(ignore) + ([] if _split(select) else settings.ignore)
    for ident in selected + ignored:
        if not any(True for _ in select_rules([ident])):
            raise _fail(f"unknown rule {ident!r} (see `railsafe rules`)")
    base = settings.source.parent if settings.source else None
    return settings, Options(choose_rules(selected, ignored), _day(today), settings.exclude, base)


DIFF_FORMATS = ("text", "json", "markdown")


@app.command()
def diff(
    args: Annotated[
        list[str] | None,
        typer.Argument(help="OLD NEW (two files or two directories), or PATHS with --base."),
    ] = None,
    base: Annotated[
        str | None, typer.Option("--base", help="Git revision of the old side (origin/main).")
    ] = None,
    head: Annotated[
        str | None, typer.Option("--head", help="Git revision of the new side [default: the "
                                 "working tree].")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or markdown.")] = "text",
    fail_on: Annotated[
        str, typer.Option("--fail-on", help="Lowest severity of a risk-raising change that "
                          "fails: error|warning|info|never.")
    ] = "error",
    select: Annotated[list[str] | None, typer.Option("--select", help="Only these rules.")] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="Skip these rules.")] = None,
    today: Annotated[str | None, typer.Option("--today", help=TODAY_HELP)] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings file.")] = None,
) -> None:
    """Compare two versions of a project: what the change does to production risk."""
    from railsafe.findings import Severity

    if fmt not in DIFF_FORMATS:
        raise _fail(f"unknown format {fmt!r}; choose one of {', '.join(DIFF_FORMATS)}")
    if fail_on not in FAIL_ON:
        raise _fail(f"unknown --fail-on {fail_on!r}; choose one of {', '.join(FAIL_ON)}")
    args = list(args or [])
    if any(not a.strip() for a in args):
        raise _fail("an empty path was given (an unset variable?)")
    if base is None and head is not None:
        raise _fail("--head needs --base")
    if base is None and len(args) != 2:
        raise _fail("give OLD and NEW, or --base REV [--head REV] [PATHS...]")
    start = Path(args[1] if base is None else (args[0] if args else "."))
    _, opts = _review_options(start if start.is_dir() else start.parent, config, select, ignore,
                              today)
    from railsafe.review import diff_render
    from railsafe.review.compare import compare
    from railsafe.review.run import UsageError, git_snapshots, path_snapshots, temporary

    try:
        with temporary() as tmp:
            if base is not None:
                old, new = git_snapshots(base, head, args, opts, Path(tmp))
            else:
                old, new = path_snapshots(args[0], args[1], opts, Path(tmp))
            result = compare(old, new)
            text = {"text": diff_render.render_text, "json": diff_render.render_json,
                    "markdown": diff_render.render_markdown}[fmt](result)
    except UsageError as exc:
        raise _fail(str(exc)) from None
    sys.stdout.write(text)
    threshold = None if fail_on == "never" else Severity.parse(fail_on)
    if result.fails(threshold):
        raise typer.Exit(1)


SHOW_FORMATS = ("text", "json", "mermaid")


@app.command()
def show(
    paths: Annotated[list[str] | None, typer.Argument(help="Files or directories.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or mermaid.")] = "text",
    today: Annotated[str | None, typer.Option("--today", help=TODAY_HELP)] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings file.")] = None,
) -> None:
    """Per service and environment: what runs in each phase, from where, reaching what."""
    if fmt not in SHOW_FORMATS:
        raise _fail(f"unknown format {fmt!r}; choose one of {', '.join(SHOW_FORMATS)}")
    if paths is not None and any(not p.strip() for p in paths):
        raise _fail("an empty path was given (an unset variable?)")
    targets = [Path(p) for p in paths] if paths else [Path(".")]
    _check_paths(targets)
    first = targets[0] if targets[0].is_dir() else targets[0].parent
    _, opts = _review_options(first, config, None, None, today)
    from railsafe.review import show as views
    from railsafe.review.snapshot import build

    snap = build(targets, "", opts.rules, opts.today, opts.exclude, opts.exclude_base)
    render = {"text": views.render_text, "json": views.render_json, "mermaid": views.mermaid}
    sys.stdout.write(render[fmt](snap))
    for error in snap.report.notes + snap.report.errors:
        typer.echo(f"railsafe: {error}", err=True)


@app.command("config")
def show_config(
    path: Annotated[str, typer.Argument(help="Where `check` would start looking.")] = ".",
    config: Annotated[Path | None, typer.Option("--config", help="Settings file.")] = None,
) -> None:
    """Print the effective settings and where each one comes from."""
    from railsafe.review.settings import render_settings

    try:
        sys.stdout.write(render_settings(Path(path), config))
    except ValueError as exc:
        raise _fail(str(exc)) from None


# `railsafe db snapshot|verify`: railsafe/db/cli.py imports only typer at this point;
# SQLAlchemy and the driver load inside its commands (railsafe check never pays for them)
from railsafe.db.cli import db_app  # noqa: E402

app.add_typer(db_app, name="db")


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

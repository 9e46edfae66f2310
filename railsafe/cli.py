"""The command-line interface (Typer). Heavy modules are imported inside commands."""

from __future__ import annotations

import datetime as dt
import os
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
) -> None:
    """Lint Railway configuration (.railway/railway.*, railway.toml / .json), builder files,
    and what they run."""
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
    outputs = _outputs(output, FORMATS)
    day = _day(today)
    report = run_check(
        targets,
        choose_rules(selected, ignored),
        today=day,
        exclude=settings.exclude,
        honour_ignores=not no_ignores,
        exclude_base=settings.source.parent if settings.source else None,
        allow_error_suppressions=settings.allow_error_suppressions,
    )
    notes = _baseline(report, baseline, write_baseline, settings)
    color = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    sys.stdout.write(render(report, fmt, color=color))
    for kind, file in outputs:
        try:
            file.write_text(render(report, kind), encoding="utf-8")
        except OSError as exc:
            raise _fail(f"{file}: cannot write: {exc.strerror or exc}") from None
    for error in report.notes + report.errors + report.internal_errors + notes:
        typer.echo(f"railsafe: {error}", err=True)
    if report.internal_errors:
        raise typer.Exit(3)
    if write_baseline is not None:
        return
    if fail_on != "never":
        threshold = Severity.parse(fail_on)
        if any(f.severity >= threshold for f in report.findings):
            raise typer.Exit(1)


def _outputs(values: list[str] | None, formats: tuple[str, ...]) -> list[tuple[str, Path]]:
    """`--output FORMAT=FILE` values, checked before anything runs."""
    out = []
    for value in values or []:
        kind, sep, file = value.partition("=")
        if not sep or not file.strip():
            raise _fail(f"--output takes FORMAT=FILE, got {value!r}")
        if kind not in formats:
            raise _fail(f"unknown format {kind!r} in --output; choose one of {', '.join(formats)}")
        out.append((kind, Path(file)))
    return out


def _baseline(
    report: Any, baseline: Path | None, write_baseline: Path | None, settings: Any
) -> list[str]:
    """Apply `--baseline` (or the settings' `baseline`) / write `--write-baseline`; notes."""
    if write_baseline is None and baseline is None and settings.baseline is None:
        return []
    from railsafe.review.baseline import BaselineError, apply, read, write

    try:
        if write_baseline is not None:
            count = write(report, write_baseline)
            return [f"wrote {count} finding(s) to {write_baseline}"]
        if baseline is None:
            baseline = settings.source.parent / settings.baseline
        applied = apply(report, read(baseline))
    except BaselineError as exc:
        raise _fail(str(exc)) from None
    notes = [f"{applied.baselined} finding(s) recorded in {baseline} not shown"]
    if applied.gone:
        notes.append(f"{applied.gone} baselined finding(s) are gone: refresh the file with "
                     f"`railsafe check --write-baseline {baseline}`")
    return notes


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
    from railsafe.review.model import build

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

"""The commands of `railsafe db`: `snapshot` and `verify`.

Loaded only when a `db` command runs (`railsafe.db.cli` mounts them lazily);
even here SQLAlchemy, the driver and the rest of railsafe.db load inside the
commands, so `--help` stays light.

Exit codes: 0 ok; 1 verification failed (each failing table named); 2 usage
error (bad option or setting, database URL variable unset, driver or
SQLAlchemy not installed, unreadable snapshot); 3 internal error (as for every
command); 4 the database could not be reached or queried (refused, timeout,
wrong credentials). Any non-zero code stops a Railway pre-deploy command.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from railsafe.db.settings import DbSettings

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 4

db_app = typer.Typer(name="db", add_completion=False)

UrlEnv = Annotated[
    str | None,
    typer.Option("--database-url-env", help="Variable holding the URL [default: DATABASE_URL]."),
]
Config = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (default: railsafe.toml or pyproject.toml)."),
]
StatementTimeout = Annotated[
    float | None,
    typer.Option("--statement-timeout", help="Seconds any one query may take [default: 5]."),
]
ConnectTimeout = Annotated[
    float | None,
    typer.Option("--connect-timeout", help="Seconds to wait for the server [default: 10]."),
]


def _say(message: str) -> None:
    typer.echo(f"railsafe: {message}", err=True)


def _settings(config: Path | None) -> DbSettings:
    from railsafe.config import ConfigError, load_settings, settings_from_file
    from railsafe.db.settings import from_table

    try:
        found = settings_from_file(config) if config is not None else load_settings(Path("."))
    except ConfigError as exc:
        raise _Usage(str(exc)) from None
    return from_table(found.source, found.db)


class _Usage(Exception):
    pass


_secrets: list[str] = []  # the URL's password spellings, once known (for internal errors)


def _run(body: Callable[[], int]) -> None:
    """Map railsafe.db's errors to exit codes, on one line each, never a traceback."""
    from railsafe.db import DbAccessError, DbUsageError

    try:
        code = body()
    except (DbUsageError, _Usage) as exc:
        _say(str(exc))
        raise typer.Exit(EXIT_USAGE) from None
    except DbAccessError as exc:
        _say(str(exc))
        raise typer.Exit(EXIT_UNREACHABLE) from None
    except Exception as exc:  # a bug: still one line, and still no password
        from railsafe.db.url import mask_text, one_line

        _say(f"internal error: {exc.__class__.__name__}: {mask_text(one_line(str(exc)), _secrets)}")
        raise typer.Exit(3) from None
    if code:
        raise typer.Exit(code)


def _timeouts(s: DbSettings, statement: float | None, connect: float | None) -> None:
    from railsafe.db.settings import parse_seconds

    if statement is not None:
        s.statement_timeout = parse_seconds(statement, "--statement-timeout")
    if connect is not None:
        s.connect_timeout = parse_seconds(connect, "--connect-timeout")


def _open(s: DbSettings, url_env: str | None) -> Any:
    from railsafe.db.connect import open_readonly
    from railsafe.db.url import url_from_env

    target = url_from_env(url_env or s.database_url_env)
    _secrets[:] = target.secrets
    return target, open_readonly(
        target, connect_timeout=s.connect_timeout, statement_timeout=s.statement_timeout
    )


def _access_error(target: Any, exc: Exception) -> Exception:
    from railsafe.db import DbAccessError

    return DbAccessError(f"database {target.shown}: {exc}")


@db_app.command()
def snapshot(
    database_url_env: UrlEnv = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the JSON here (default: stdout, summary on stderr)."
        ),
    ] = None,
    exact_count_threshold: Annotated[
        int | None,
        typer.Option("--exact-count-threshold", min=0,
                     help="Estimated rows above which the estimate is used [default: 1000000]."),
    ] = None,
    statement_timeout: StatementTimeout = None,
    connect_timeout: ConnectTimeout = None,
    config: Config = None,
) -> None:
    """Record tables, row counts and migration versions (read-only) as versioned JSON."""

    def body() -> int:
        from railsafe.db import DbAccessError
        from railsafe.db import snapshot as snap_mod
        from railsafe.db.url import railway_context

        s = _settings(config)
        _timeouts(s, statement_timeout, connect_timeout)
        if exact_count_threshold is not None:
            s.exact_count_threshold = exact_count_threshold
        railway = railway_context()
        target, session = _open(s, database_url_env)
        try:
            with session as db:
                data = snap_mod.take(db, railway, exact_threshold=s.exact_count_threshold)
        except DbAccessError as exc:
            raise _access_error(target, exc) from None
        line = snap_mod.summary(data, railway, str(output) if output else None)
        if output is not None:
            snap_mod.write(data, output)
            typer.echo(line)
        else:
            sys.stdout.write(json.dumps(data, indent=2) + "\n")
            typer.echo(line, err=True)
        return 0

    _run(body)


@db_app.command()
def verify(
    min_rows: Annotated[
        list[str] | None,
        typer.Option("--min-rows", help="TABLE=N[,TABLE=N...]: at least N rows (repeatable)."),
    ] = None,
    expect_tables: Annotated[
        list[str] | None,
        typer.Option("--expect-tables", help="TABLE[,TABLE...]: these tables must exist."),
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option("--against", help="A snapshot file: no table gone or shrunk past --max-drop."),
    ] = None,
    max_drop: Annotated[
        str | None,
        typer.Option(
            "--max-drop", help="Allowed shrink per table: 10% or a row count [default: 10%]."
        ),
    ] = None,
    database_url_env: UrlEnv = None,
    statement_timeout: StatementTimeout = None,
    connect_timeout: ConnectTimeout = None,
    config: Config = None,
) -> None:
    """Fail (exit 1) when tables are missing, emptied, or shrunk since a snapshot."""

    def body() -> int:
        from railsafe.db import DbAccessError
        from railsafe.db import snapshot as snap_mod
        from railsafe.db import verify as verify_mod
        from railsafe.db.settings import parse_max_drop, parse_min_rows, split_list

        s = _settings(config)
        _timeouts(s, statement_timeout, connect_timeout)
        if min_rows:
            s.min_rows = parse_min_rows(min_rows)
        if expect_tables:
            s.expect_tables = split_list(expect_tables)
        if against is not None:
            s.against = against
        if max_drop is not None:
            s.max_drop = parse_max_drop(max_drop)
        if not (s.min_rows or s.expect_tables or s.against):
            raise _Usage("nothing to verify: give --min-rows, --expect-tables or --against "
                         "(or set them in [tool.railsafe.db])")
        before = snap_mod.load(s.against) if s.against is not None else None
        target, session = _open(s, database_url_env)
        try:
            with session as db:
                out = verify_mod.verify(
                    db, min_rows=s.min_rows, expect_tables=s.expect_tables, against=before,
                    against_name=str(s.against), max_drop=s.max_drop,
                )
        except DbAccessError as exc:
            raise _access_error(target, exc) from None
        for note in out.notes:
            _say(f"note: {target.mask(note)}")
        checks = f"{out.checks} check{'s' if out.checks != 1 else ''}"
        if out.problems:
            for problem in out.problems:
                _say(target.mask(problem))
            _say(f"db verify failed: {len(out.problems)} of {checks} on {target.shown}")
            return EXIT_FAILED
        typer.echo(f"railsafe db verify: ok: {checks} passed on {target.shown}")
        return 0

    _run(body)

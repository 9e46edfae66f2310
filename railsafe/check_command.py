"""`railsafe check` without the command-line layer: its options read, and the check run.

Importing Typer and Click costs about a fifth of a one-service check, so
`railsafe.entry` reads the usual `check` command lines itself (`parse`) and
calls `run`; anything it does not know for sure (`--help`, an unknown or
repeated option, `--`, a value that starts with `-`) goes to the Typer command
in `railsafe.cli`, which calls the same `run`. Both give the same output and
exit code (tests/test_entry.py compares them).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

FAIL_ON = ("error", "warning", "info", "never")


class Exit(Exception):
    """Stop with this exit code (the message, if any, is already written)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def fail(message: str, code: int = 2) -> Exit:
    sys.stderr.write(f"railsafe: {message}\n")
    sys.stderr.flush()
    return Exit(code)


def split(values: list[str] | None) -> list[str]:
    return [part.strip() for v in values or [] for part in v.split(",") if part.strip()]


# option -> (keyword, takes a value, may repeat); the options of `railsafe.cli.check`
_OPTIONS: dict[str, tuple[str, bool, bool]] = {
    "--format": ("fmt", True, False),
    "-f": ("fmt", True, False),
    "--fail-on": ("fail_on", True, False),
    "--select": ("select", True, True),
    "--ignore": ("ignore", True, True),
    "--today": ("today", True, False),
    "--no-ignores": ("no_ignores", False, False),
    "--config": ("config", True, False),
    "--output": ("output", True, True),
    "-o": ("output", True, True),
    "--baseline": ("baseline", True, False),
    "--write-baseline": ("write_baseline", True, False),
    "--jobs": ("jobs", True, False),
    "-j": ("jobs", True, False),
}
_PATHS = ("config", "baseline", "write_baseline")


def parse(args: list[str]) -> dict[str, Any] | None:
    """The keyword arguments of `run` for the arguments after `check`, or None when the
    command line is anything but the plain options `run` takes (Click then reads it)."""
    found: dict[str, Any] = {"paths": []}
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("-") or arg == "-":
            if arg == "-":
                return None
            found["paths"].append(arg)
            continue
        name, value = arg, None
        if arg.startswith("--") and "=" in arg:
            name, value = arg.split("=", 1)
        elif not arg.startswith("--") and len(arg) > 2:
            name, value = arg[:2], arg[2:]
        option = _OPTIONS.get(name)
        if option is None:
            return None  # --help, --, an unknown option: Click's messages
        key, takes_value, repeats = option
        if not takes_value:
            if value is not None or key in found:
                return None
            found[key] = True
            continue
        if value is None:
            if i >= len(args) or args[i].startswith("-"):
                return None
            value = args[i]
            i += 1
        if repeats:
            found.setdefault(key, []).append(value)
        elif key in found:
            return None
        else:
            found[key] = Path(value) if key in _PATHS else value
    found["paths"] = found["paths"] or None
    return found


def run(
    paths: list[str] | None = None,
    fmt: str = "text",
    fail_on: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    today: str | None = None,
    no_ignores: bool = False,
    config: Path | None = None,
    output: list[str] | None = None,
    baseline: Path | None = None,
    write_baseline: Path | None = None,
    jobs: str | None = None,
) -> int:
    """`railsafe check`: the exit code (usage errors raise `Exit` after their message)."""
    from railsafe.config import ConfigError, load_settings, settings_from_file
    from railsafe.engine import check as run_check
    from railsafe.engine import choose_rules
    from railsafe.findings import Severity
    from railsafe.parallel import JobsError, parse_jobs
    from railsafe.render import FORMATS, render
    from railsafe.rules import select as select_rules

    if paths is not None and any(not p.strip() for p in paths):
        raise fail("an empty path was given (an unset variable?)")
    targets = [Path(p) for p in paths] if paths else [Path(".")]
    check_paths(targets)
    try:
        if config is not None:
            settings = settings_from_file(config)
        else:
            first = targets[0] if targets[0].is_dir() else targets[0].parent
            settings = load_settings(first if len(targets) == 1 else Path("."))
    except ConfigError as exc:
        raise fail(str(exc)) from None
    fail_on = fail_on or settings.fail_on or "error"
    if fmt not in FORMATS:
        raise fail(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fail_on not in FAIL_ON:
        raise fail(f"unknown --fail-on {fail_on!r}; choose one of {', '.join(FAIL_ON)}")
    # command-line selection wins outright: `--select RS005` is not undone by the
    # settings' `ignore`; `--ignore` still applies on top of either
    selected = split(select) or settings.select
    ignored = split(ignore) + ([] if split(select) else settings.ignore)
    for ident in selected + ignored:
        if not any(True for _ in select_rules([ident])):
            raise fail(f"unknown rule {ident!r} (see `railsafe rules`)")
    outputs = _outputs(output, FORMATS)
    on = day(today)
    try:
        processes = parse_jobs(jobs)
    except JobsError as exc:
        raise fail(str(exc)) from None
    report = run_check(
        targets,
        choose_rules(selected, ignored),
        today=on,
        exclude=settings.exclude,
        honour_ignores=not no_ignores,
        exclude_base=settings.source.parent if settings.source else None,
        allow_error_suppressions=settings.allow_error_suppressions,
        jobs=processes,
    )
    notes = _baseline(report, baseline, write_baseline, settings)
    color = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    sys.stdout.write(render(report, fmt, color=color))
    for kind, file in outputs:
        try:
            file.write_text(render(report, kind), encoding="utf-8")
        except OSError as exc:
            raise fail(f"{file}: cannot write: {exc.strerror or exc}") from None
    for error in report.notes + report.errors + report.internal_errors + notes:
        sys.stderr.write(f"railsafe: {error}\n")
        sys.stderr.flush()
    if report.internal_errors:
        return 3
    if write_baseline is not None:
        return 0
    if fail_on != "never":
        threshold = Severity.parse(fail_on)
        if any(f.severity >= threshold for f in report.findings):
            return 1
    return 0


def _outputs(values: list[str] | None, formats: tuple[str, ...]) -> list[tuple[str, Path]]:
    """`--output FORMAT=FILE` values, checked before anything runs."""
    out = []
    for value in values or []:
        kind, sep, file = value.partition("=")
        if not sep or not file.strip():
            raise fail(f"--output takes FORMAT=FILE, got {value!r}")
        if kind not in formats:
            raise fail(f"unknown format {kind!r} in --output; choose one of {', '.join(formats)}")
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
        raise fail(str(exc)) from None
    notes = [f"{applied.baselined} finding(s) recorded in {baseline} not shown"]
    if applied.gone:
        notes.append(f"{applied.gone} baselined finding(s) are gone: refresh the file with "
                     f"`railsafe check --write-baseline {baseline}`")
    return notes


def day(text: str | None) -> dt.date:
    """The day dated rules are evaluated on (railsafe.dates is the one source)."""
    from railsafe.dates import DateError, parse_day, today

    try:
        return parse_day(text) if text else today()
    except DateError as exc:
        raise fail(str(exc)) from None


def check_paths(targets: list[Path]) -> None:
    """Usage errors for paths that cannot be checked (exit 2, one line)."""
    for target in targets:
        try:
            if not target.exists():
                raise fail(f"no such file or directory: {target}")
            if not (target.is_file() or target.is_dir()):
                raise fail(f"not a regular file or directory: {target}")
        except OSError as exc:
            shown = str(target) if len(str(target)) < 120 else str(target)[:117] + "..."
            raise fail(f"cannot use path {shown}: {exc.strerror or exc}") from None

"""`railsafe --version` answers before the command-line layer loads (start-up time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from railsafe import __version__


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; sys.argv = ['railsafe', *sys.argv[1:]]\n"
        "from railsafe.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('typer', 'click', 'railsafe.cli') if m in sys.modules),"
        " file=sys.stderr)"
    )
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          check=False)


def test_version_loads_no_command_line_layer() -> None:
    result = _run("--version")
    assert result.stdout == f"railsafe {__version__}\n"
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_everything_else_goes_to_the_cli() -> None:
    result = _run("rules")
    assert result.stdout.startswith("RS001  invalid-syntax")
    assert result.stderr.strip().splitlines()[-1] == "['click', 'railsafe.cli', 'typer']"


def test_plain_check_loads_no_command_line_layer(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text('[deploy]\nstartCommand = "npm start"\n')
    result = _run("check", str(tmp_path), "--today", "2026-01-01")
    assert result.stderr.strip().splitlines()[-1] == "[]"
    assert "Found" in result.stdout


def _both(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], ...]:
    """`railsafe ARGS` through the entry point and through Typer alone."""
    fast = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['railsafe', "
                           "*sys.argv[1:]]; from railsafe.entry import main; main()", *args],
                          capture_output=True, text=True, check=False, cwd=cwd)
    typer = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['railsafe', "
                            "*sys.argv[1:]]; from railsafe.cli import main; main()", *args],
                           capture_output=True, text=True, check=False, cwd=cwd)
    return fast, typer


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["check", "."],
        ["check", ".", "-f", "json", "--today", "2026-01-01"],
        ["check", "--format=sarif", ".", "--today=2026-12-02"],
        ["check", "-fgithub", "--select", "RS005,RS006", "--select", "RS101", "."],
        ["check", ".", "--ignore", "RS005", "--fail-on", "warning", "--no-ignores"],
        ["check", ".", "-o", "json=out.json", "--output=sarif=out.sarif"],
        ["check", ".", "--format", "bogus"],
        ["check", ".", "--fail-on", "sometimes"],
        ["check", ".", "--select", "RS999"],
        ["check", ".", "--today", "yesterday"],
        ["check", "missing-dir"],
        ["check", ""],
        ["check", ".", "--config", "nope.toml"],
        ["check", ".", "--write-baseline", "base.json"],
        ["check", ".", "--baseline", "missing.json"],
        ["check", ".", "-o", "json"],
        # not read by the entry point: Click's own messages
        ["check", "--help"],
        ["check", ".", "--format"],
        ["check", ".", "--no-such-option"],
        ["check", ".", "-f", "json", "-f", "text"],
        ["check", "--", "."],
    ],
)
def test_check_without_typer_matches_typer(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "railway.toml").write_text(
        '[build]\nbuilder = "NIXPACKS"\n[deploy]\nstartCommand = "npm test && npm start"\n')
    fast, typer = _both(args, tmp_path)
    assert (fast.returncode, fast.stdout, fast.stderr) == \
        (typer.returncode, typer.stdout, typer.stderr)


def test_the_fast_check_knows_exactly_the_options_typer_declares() -> None:
    """One place for `check`'s options in effect: the table the fast path reads must
    match the Typer command option for option (a new option cannot be half-added)."""
    import click
    import typer.main

    from railsafe.check_command import _OPTIONS
    from railsafe.cli import app

    group = typer.main.get_command(app)
    assert isinstance(group, click.Group)
    command = group.commands["check"]
    declared: dict[str, tuple[str, bool, bool]] = {}
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in param.opts:
                declared[opt] = (str(param.name), not param.is_flag, bool(param.multiple))
    assert declared == _OPTIONS

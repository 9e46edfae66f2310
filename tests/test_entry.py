"""`railsafe --version` answers before the command-line layer loads (start-up time)."""

from __future__ import annotations

import subprocess
import sys

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

"""The console entry point: answers `--version` before the command-line layer loads.

Importing Typer and Click costs more than Python's own start-up; a version
check (shell completion, CI logs, `pre-commit`) should not pay for it.
Everything else goes to `railsafe.cli.main`.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from railsafe import __version__

        sys.stdout.write(f"railsafe {__version__}\n")
        return
    from railsafe.cli import main as cli_main

    cli_main()

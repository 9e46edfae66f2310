"""The console entry point: answers `--version` before the command-line layer loads.

Importing Typer and Click costs more than Python's own start-up; a version
check (shell completion, CI logs, `pre-commit`) should not pay for it.
A plain `check` command line (the options `railsafe.check_command.parse` knows
for sure) runs without it too. Everything else goes to `railsafe.cli.main`.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from railsafe import __version__

        sys.stdout.write(f"railsafe {__version__}\n")
        return
    if sys.argv[1:2] == ["check"]:
        from railsafe import check_command

        kwargs = check_command.parse(sys.argv[2:])
        if kwargs is not None:  # a plain `check` command line: no Typer, no Click
            try:
                code = check_command.run(**kwargs)
            except check_command.Exit as exc:
                code = exc.code
            sys.exit(code)
    from railsafe.cli import main as cli_main

    cli_main()

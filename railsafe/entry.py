"""The console entry point: answers `--version` before the command-line layer loads.

Importing Typer and Click costs more than Python's own start-up; a version
check (shell completion, CI logs, `pre-commit`) should not pay for it.
A plain `check` command line (the options `railsafe.check_command.parse` knows
for sure) runs without it too. Everything else goes to `railsafe.cli.main`.
"""

from __future__ import annotations

import sys


def _hard_exit(code: list[int]) -> None:
    """Leave without freeing every object one by one (half a second after a 2,000-service
    check; mypy does the same): the output is flushed, nothing else is left to do.
    An interrupted or failed run (no code) ends the usual way."""
    import os

    if not code:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the output is gone anyway
        pass
    os._exit(code[0])


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from railsafe import __version__

        sys.stdout.write(f"railsafe {__version__}\n")
        return
    if sys.argv[1:2] == ["check"]:
        from railsafe import check_command

        kwargs = check_command.parse(sys.argv[2:])
        if kwargs is not None:  # a plain `check` command line: no Typer, no Click
            import atexit
            import gc

            gc.disable()  # the process ends after one check (see railsafe.engine.check)
            code: list[int] = []
            atexit.register(_hard_exit, code)  # first in, last run: after the others
            try:
                code.append(check_command.run(**kwargs))
            except check_command.Exit as exc:
                code.append(exc.code)
            sys.exit(code[0])
    from railsafe.cli import main as cli_main

    cli_main()

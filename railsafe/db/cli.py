"""The `railsafe db` group, mounted by `railsafe.cli`, whose commands load on first use.

Declaring Typer commands costs a few milliseconds at every start (their
signatures are read to build the click options), even for `railsafe --version`.
This group lists and builds `snapshot` and `verify` (railsafe.db.commands) only
when `railsafe db ...` runs, so every other command starts as fast as before.
"""

from __future__ import annotations

from typing import Any

import click
import typer
from typer.core import TyperGroup

HELP = "Read-only database checks: snapshot the state, verify it before a deploy."


class _LazyDbGroup(TyperGroup):
    _loaded: click.Group | None = None

    def _group(self) -> click.Group:
        if self._loaded is None:
            from railsafe.db.commands import db_app as commands

            group = typer.main.get_command(commands)
            assert isinstance(group, click.Group)
            type(self)._loaded = group
        assert self._loaded is not None
        return self._loaded

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._group().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> Any:
        return self._group().get_command(ctx, cmd_name)


db_app = typer.Typer(
    name="db", help=HELP, cls=_LazyDbGroup, no_args_is_help=True, add_completion=False
)

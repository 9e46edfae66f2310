"""What a concern module may ask of the walker (`Walking`), so none imports walker.py.

walker.py dispatches to the concern modules (inline, make, mix, packages, runners,
rake, seeds, workspaces), which take the walker as an argument typed `Walking`:
imports run one way, from the walker down to its handlers, and the rarely used
handlers are still imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from railsafe.commands.shell import Env, Frame, Unit, Word
from railsafe.commands.table import Argv, Table
from railsafe.commands.types import Resolver, ResolverExtras, Step

P = ParamSpec("P")
T = TypeVar("T")


class Walking(Protocol):
    """The walker as its handlers see it (walker.Walker implements it)."""

    resolver: Resolver | None
    table: Table

    def resolver_at(self, cwd: str | None) -> Resolver | None:
        """The resolver for a working directory (relative to the service directory)."""

    def ask(
        self,
        cwd: str | None,
        method: Callable[Concatenate[ResolverExtras, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """An optional resolver method's answer for a directory, memoised; None when
        the resolver has no such method."""

    def detect(
        self,
        unit: Unit,
        category: str,
        what: str,
        start: int,
        end: int,
        text: str,
        via: tuple[Step, ...] = (),
    ) -> None:
        """Report a detection at unit[start:end]."""

    def follow(self, unit: Unit, start: int, end: int, key: tuple[str, ...]) -> Frame | None:
        """The frame for a file followed from unit[start:end], or None (depth, cycle)."""

    def cd(self, cwd: str | None, args: list[Word]) -> str | None:
        """The working directory after `cd args` from `cwd`."""

    def analyze_text(self, unit: Unit, env: Env) -> None:
        """Parse and walk a text (a script, a recipe, a package script)."""

    def inner_string(self, node: Any, unit: Unit, env: Env) -> None:
        """Walk the shell text inside a string node (`sh -c '...'`)."""

    def read_file(self, path: str | None, env: Env) -> str | None:
        """A data file a command reads (`psql -f x.sql`), through the resolver."""

    def dispatch(
        self,
        words: list[Word],
        unit: Unit,
        env: Env,
        redirects: list[Any],
        end: int,
        stdin: str | None = None,
        assigns: tuple[str, ...] = (),
    ) -> None:
        """Run one simple command: the handlers, then the detection table."""

    def match(
        self,
        words: list[Word],
        unit: Unit,
        env: Env,
        redirects: list[Any],
        start: int,
        end: int,
        stdin: str | None = None,
        assigns: tuple[str, ...] = (),
    ) -> bool:
        """Match a command against the detection table; True when it matched."""

    def argv(self, words: list[Word], assigns: tuple[str, ...] = ()) -> Argv:
        """The words as the detection table matches them."""

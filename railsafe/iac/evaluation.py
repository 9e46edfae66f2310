"""What the static evaluators of the three front-ends share: scopes and control flow.

Each front-end walks its own syntax tree, but a name is looked up and a
function returns the same way in all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Scope:
    """Names bound in one function or block, with the enclosing scope."""

    names: dict[str, Any] = field(default_factory=dict)
    parent: Scope | None = None

    def lookup(self, name: str) -> tuple[bool, Any]:
        """(found, value): a name bound here or in an enclosing scope."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return True, scope.names[name]
            scope = scope.parent
        return False, None

    def home(self, name: str) -> Scope:
        """The scope that binds `name` (this one when none does)."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope
            scope = scope.parent
        return self

    def assign(self, name: str, value: Any) -> bool:
        """Rebind `name` where it is bound; False when no scope binds it."""
        scope = self.home(name)
        if name not in scope.names:
            return False
        scope.names[name] = value
        return True


class Return(Exception):
    """A `return` inside a function being evaluated, carrying its value."""

    def __init__(self, value: Any) -> None:
        self.value = value


class Budget(Exception):
    """The work or depth budget of one file ran out: what is left is unresolved."""

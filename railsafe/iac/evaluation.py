"""What the static evaluators of the three front-ends share: scopes, control flow, budgets.

Each front-end walks its own syntax tree, but a name is looked up and a
function returns the same way in all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from railsafe.findings import Span
from railsafe.iac.values import Note, Obj, Program, Resource, ResourceVal, Seq, Str, Unresolved

# expressions evaluated per file: guards nested loops and recursion in what is read
STEP_BUDGET = 200_000


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


class Reader:
    """What the Python and Go readers share: the program they fill, each note once per
    place, the work budget, and the resources the SDK calls create. A front-end adds how
    its syntax nodes map to spans (`span`) and how it evaluates them."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.env = program.environment
        self.globals = Scope()
        self.steps = 0
        self.depth = 0
        self._note_keys: set[tuple[str, Span, str]] = set()
        self._resources: dict[int, tuple[ResourceVal, Resource]] = {}
        self._environments: dict[str, None] = {}

    def span(self, node: Any) -> Span:
        raise NotImplementedError

    def note(self, code: str, span: Span, detail: str = "") -> None:
        key = (code, span, detail)
        if key not in self._note_keys:
            self._note_keys.add(key)
            self.program.notes.append(Note(code, span, detail))

    def unresolved(self, node: Any, reason: str, note: bool = True) -> Unresolved:
        span = self.span(node)
        if note:
            self.note("unresolved", span, reason)
        return Unresolved(span, reason)

    def tick(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > STEP_BUDGET:
            raise Budget

    def resource(self, rtype: Any, kind: str, name: Str | Unresolved, span: Span,
                 config: Obj | Unresolved | None) -> ResourceVal:
        res = Resource(type=rtype, kind=kind, name=name, call=span, config=config)
        self.program.resources.append(res)
        value = ResourceVal(span, res.address)
        self._resources[id(value)] = (value, res)
        return value

    def flatten(self, value: Any, out: list[Any]) -> bool:
        """Resources of a (nested) list; False when part of it is unknown."""
        if isinstance(value, Seq):
            return all([self.flatten(item, out) for item in value.items])
        if isinstance(value, ResourceVal):
            out.append(value)
            return True
        return False

"""The rule registry.

A rule is a plain function decorated with `@rule(...)`. Its docstring is its
documentation (`railsafe explain`, `railsafe rules`, docs/rules.md all read
it). It receives the `Context` and yields `Hit`s; the engine turns hits into
findings carrying the rule's id, name and severity. A rule never prints and
never reads files itself: it asks the context.

Modules in this package are imported on first use of the registry, so adding
a rule is adding a module (or a function to a family module).
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

# Hit lives with the findings, below every producer of hits (testguard included)
from railsafe.findings import Hit, Related, Severity

if TYPE_CHECKING:
    from railsafe.context import Context
    from railsafe.loaders import Document, KeyPath, Part

DOCS_URL = "https://github.com/railsafe/railsafe/blob/main/docs/rules.md"


def hit(
    doc: Document,
    keypath: KeyPath,
    message: str,
    *,
    part: Part = "key",
    fix: str | None = None,
    related: Iterable[Related] = (),
    severity: Severity | None = None,
) -> Hit:
    """A hit located at `keypath` of `doc` through its position index."""
    return Hit(doc.relpath, doc.locate(keypath, part), message, fix, tuple(related), severity)


RuleFunc = Callable[["Context"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    check: RuleFunc = field(repr=False)
    doc: str = field(repr=False, default="")
    # a dated rule: from this day on its severity is this one (railsafe.dates)
    from_day: tuple[dt.date, Severity] | None = None
    # `railsafe fix` repairs it (railsafe/writers/fix.py): "safe" by default, "unsafe"
    # only with --unsafe-fixes
    fix: str | None = None

    def severity_on(self, day: dt.date) -> Severity:
        """The severity `check` gives this rule's findings on `day`."""
        if self.from_day is not None and day >= self.from_day[0]:
            return self.from_day[1]
        return self.severity

    @property
    def severity_label(self) -> str:
        """'warning', or 'warning, error from 2026-12-01' for a dated rule."""
        if self.from_day is None:
            return self.severity.label
        return f"{self.severity.label}, {self.from_day[1].label} from {self.from_day[0]}"

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""

    @property
    def help_url(self) -> str:
        return f"{DOCS_URL}#{self.id.lower()}-{self.name}"


_RULES: dict[str, Rule] = {}
_loaded = False
# the rules `railsafe fix` repairs today, for rules registered without `fix=`
FIXABLE = {"RS002": "safe", "RS004": "safe", "RS104": "safe", "RS501": "safe",
           "RS101": "unsafe", "RS102": "unsafe"}


def rule(
    id: str, name: str, severity: Severity, from_day: tuple[dt.date, Severity] | None = None,
    fix: str | None = None,
) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule function under a stable id and kebab-case name.

    `from_day` makes a dated rule: `(day, severity)` is its severity from `day` on.
    """

    def register(func: RuleFunc) -> RuleFunc:
        if id in _RULES or any(r.name == name for r in _RULES.values()):
            raise ValueError(f"duplicate rule {id} / {name}")
        _RULES[id] = Rule(id, name, severity, func, inspect.getdoc(func) or "", from_day,
                          fix or FIXABLE.get(id))
        return func

    return register


def all_rules() -> list[Rule]:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
    return sorted(_RULES.values(), key=lambda r: r.id)


def find_rule(ident: str) -> Rule | None:
    """A rule by id (case-insensitive) or kebab-case name."""
    wanted = ident.strip()
    for r in all_rules():
        if r.id.lower() == wanted.lower() or r.name == wanted.lower():
            return r
    return None


def select(selectors: Iterable[str]) -> Iterator[Rule]:
    """Rules matched by ids, id prefixes (`RS1`) or names."""
    wanted = [s.strip() for s in selectors if s.strip()]
    for r in all_rules():
        if any(r.id.lower().startswith(w.lower()) or r.name == w.lower() for w in wanted):
            yield r

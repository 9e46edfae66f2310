"""Imports run one way: a lower layer never imports a higher one (design: one place per thing).

Each package or top-level module of `railsafe` has a layer; an import from
layer A to layer B needs A > B (or A == B for the same unit). The imports are
read with `ast`, lazy ones inside functions included, so deferring an import
does not hide a wrong-way dependency. Known debt is listed by edge: the test
fails on a new wrong-way import, and on a listed edge that no longer exists,
so the list shrinks as the debt is paid.

Two more checks keep the house in order: no module imports another module's private
(`_name`) names, and no modules import each other in a loop, within a unit too
(known cycles listed the same way).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "railsafe"

# lowest first; units on one line share a layer and do not import each other
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__version__", "resources", "dates", "data", "hosts", "parallel"),
    ("secrets",),  # the secret patterns and name test; redact masks what it finds
    ("redact",),
    ("findings",),
    ("loaders", "iac", "schema_files", "suppress"),
    ("validate", "config_checks", "discover"),
    ("treescan",),
    ("context",),
    ("commands",),
    ("testguard",),
    ("project",),
    ("rules",),
    ("config", "engine"),
    ("render", "models", "docs"),
    ("review", "writers", "db", "pytest_plugin"),
    ("check_command",),  # `railsafe check` without Typer: entry and cli both call it
    ("cli",),
    ("entry",),
    ("__main__",),
)

# wrong-way imports that exist today (issue 11, "the house"); remove an entry when it goes
KNOWN_DEBT: set[tuple[str, str]] = set()


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _edges() -> set[tuple[str, str]]:
    edges: set[tuple[str, str]] = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(REPO).with_suffix("")
        module = ".".join(relative.parts).removesuffix(".__init__")
        source = _unit(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "railsafe":
                    targets = [f"railsafe.{alias.name}" for alias in node.names]
                elif node.module.startswith("railsafe."):
                    targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("railsafe.")]
            for target in targets:
                unit = _unit(target)
                if unit != source:
                    edges.add((source, unit))
    return edges


def _layer(unit: str) -> int:
    for index, units in enumerate(LAYERS):
        if unit in units:
            return index
    raise AssertionError(f"railsafe.{unit} has no layer: add it to LAYERS in {__file__}")


def test_every_unit_has_a_layer() -> None:
    units = {_unit(".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"))
             for p in PACKAGE.rglob("*.py")}
    for unit in units - {"railsafe"}:
        _layer(unit)


def test_imports_run_one_way() -> None:
    wrong = sorted((a, b) for a, b in _edges() if _layer(a) <= _layer(b))
    new = [f"railsafe.{a} imports railsafe.{b}" for a, b in wrong if (a, b) not in KNOWN_DEBT]
    assert not new, "imports running the wrong way (lower layer -> higher):\n" + "\n".join(new)


def test_known_debt_is_still_true() -> None:
    gone = sorted(KNOWN_DEBT - _edges())
    assert not gone, f"paid off, remove from KNOWN_DEBT: {gone}"


def test_the_scan_sees_lazy_imports() -> None:
    # discover imports railsafe.iac inside a function (grammars load only when needed)
    assert ("discover", "iac") in _edges()
    assert Path(PACKAGE / "discover.py").is_file()


# -- private names stay private; modules of one unit import each other one way --------


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"): p
            for p in PACKAGE.rglob("*.py")}


def _imported_names(path: Path) -> list[tuple[str, str, int]]:
    """(module, name, line) of every `from railsafe.x import name` in `path`."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
            continue
        if node.module == "railsafe" or node.module.startswith("railsafe."):
            out += [(node.module, alias.name, node.lineno) for alias in node.names]
    return out


# `from x import _y` across modules that cannot be fixed now (none)
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str]] = set()


def test_no_module_imports_another_modules_private_names() -> None:
    """A name with a leading underscore is its module's own: a module that needs it
    gets a public name (in the lowest module that fits), not a reach inside."""
    found = []
    for module, path in sorted(_modules().items()):
        for target, name, line in _imported_names(path):
            private = name.startswith("_") and not name.startswith("__")
            if private and target != module and (target, name) not in KNOWN_PRIVATE_IMPORTS:
                found.append(f"{path.relative_to(REPO)}:{line}: from {target} import {name}")
    assert not found, "private names imported from another module:\n" + "\n".join(found)


def test_known_private_imports_are_still_true() -> None:
    seen = {(t, n) for p in _modules().values() for t, n, _ in _imported_names(p)}
    gone = sorted(KNOWN_PRIVATE_IMPORTS - seen)
    assert not gone, f"fixed, remove from KNOWN_PRIVATE_IMPORTS: {gone}"


# module-level import cycles that exist today (none: keep it so), each one strongly connected
# set of modules (issue 11); remove one when it is broken
KNOWN_CYCLES: set[frozenset[str]] = set()


def _module_cycles() -> set[frozenset[str]]:
    """Sets of modules that import each other in a loop (lazy and TYPE_CHECKING imports
    included: a deferred import still ties the two modules together)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for target, name, _ in _imported_names(path):
            graph[module].add(f"{target}.{name}" if f"{target}.{name}" in modules else target)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                graph[module].update(a.name for a in node.names if a.name in modules)
    graph = {m: {t for t in targets if t in modules and t != m} for m, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: set[frozenset[str]] = set()

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.add(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_modules_import_each_other_one_way() -> None:
    """Within a unit too (the command walker and its handlers, the Dockerfile parser and
    its stage model): no loop of imports between modules."""
    new = [sorted(c) for c in _module_cycles() - KNOWN_CYCLES]
    assert not new, f"modules importing each other in a loop: {new}"


def test_known_cycles_are_still_true() -> None:
    gone = [sorted(c) for c in KNOWN_CYCLES - _module_cycles()]
    assert not gone, f"broken, remove from KNOWN_CYCLES: {gone}"


def _is_context(node: ast.expr) -> bool:
    """`ctx`, `context`, `self.ctx`: how modules hold the check's Context."""
    if isinstance(node, ast.Name):
        return node.id in ("ctx", "context")
    return isinstance(node, ast.Attribute) and node.attr == "ctx"


def test_no_module_reaches_into_context_privates() -> None:
    """What a rule or analysis may look at is Context's public surface (`load`,
    `cached`, `shared_state`, ...): its private fields stay free to change."""
    found = []
    for module, path in _modules().items():
        if module == "railsafe.context":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__") and _is_context(node.value)):
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: .{node.attr}")
    assert not found, "Context privates used outside railsafe.context:\n" + "\n".join(found)

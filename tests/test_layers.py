"""Imports run one way: a lower layer never imports a higher one (design: one place per thing).

Each package or top-level module of `railsafe` has a layer; an import from
layer A to layer B needs A > B (or A == B for the same unit). The imports are
read with `ast`, lazy ones inside functions included, so deferring an import
does not hide a wrong-way dependency. Known debt is listed by edge: the test
fails on a new wrong-way import, and on a listed edge that no longer exists,
so the list shrinks as the debt is paid.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "railsafe"

# lowest first; units on one line share a layer and do not import each other
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__version__", "resources", "dates", "data", "hosts"),
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

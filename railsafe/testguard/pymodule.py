"""One Python file, parsed with `ast` (never imported): names, imports, classes, spans."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from railsafe.findings import Span, code_point_column


@dataclass(frozen=True)
class ImportRef:
    module: str  # dotted module name as written (without leading dots)
    name: str | None  # the imported attribute (`from m import name`), None for `import m`
    level: int = 0  # relative import level


@dataclass
class PyModule:
    relpath: str
    text: str
    tree: ast.Module
    assigns: dict[str, list[ast.expr]] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    imports: dict[str, ImportRef] = field(default_factory=dict)
    parents: dict[int, ast.AST] = field(default_factory=dict)
    # every node of the tree in `ast.walk` order, listed once at parse: the analysis
    # looks through the whole module a dozen times, and re-walking it each time was
    # a tenth of a large check
    nodes: list[ast.AST] = field(default_factory=list)
    _lines: list[str] | None = None

    @classmethod
    def parse(cls, relpath: str, text: str) -> PyModule | None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            return None
        mod = cls(relpath, text, tree)
        for stmt in module_level(tree.body):
            mod._index(stmt)
        nodes, parents = mod.nodes, mod.parents
        nodes.append(tree)
        for node in nodes:  # breadth first, the order of ast.walk (the list grows)
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
                nodes.append(child)
        return mod

    def _index(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                for name in _target_names(target):
                    self.assigns.setdefault(name, []).append(stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            for name in _target_names(stmt.target):
                self.assigns.setdefault(name, []).append(stmt.value)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            self.functions[stmt.name] = stmt
        elif isinstance(stmt, ast.ClassDef):
            self.classes[stmt.name] = stmt
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.imports[alias.asname] = ImportRef(alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    self.imports[top] = ImportRef(top, None)
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if alias.name != "*":
                    ref = ImportRef(stmt.module or "", alias.name, stmt.level)
                    self.imports[alias.asname or alias.name] = ref

    def line(self, number: int) -> str:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""

    def _col(self, line: int, offset: int) -> int:
        return code_point_column(self.line(line).encode("utf-8"), offset)

    def span(self, node: ast.AST) -> Span:
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        col = self._col(line, getattr(node, "col_offset", 0))
        end_offset = getattr(node, "end_col_offset", None)
        end_col = self._col(end_line, end_offset) if end_offset is not None else col + 1
        return Span(line, col, end_line, end_col)

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The function `node` sits in (None at module or class level)."""
        parent = self.parents.get(id(node))
        while parent is not None:
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
                return parent
            parent = self.parents.get(id(parent))
        return None

    def under_main_guard(self, node: ast.AST) -> bool:
        """Whether `node` runs only when the module is the program (`if __name__ ==
        "__main__":`), never when a test imports it."""
        child, parent = node, self.parents.get(id(node))
        while parent is not None:
            if isinstance(parent, ast.If) and child in parent.body and _is_main_test(parent.test):
                return True
            child, parent = parent, self.parents.get(id(parent))
        return False

    def outside_pytest(self, node: ast.AST) -> bool:
        """Whether `node` sits in a branch a module takes only when pytest is not loaded
        (the `else` of `if "pytest" in sys.modules:`): a module that asks is tested with
        pytest, so under its tests that code never runs."""
        child, parent = node, self.parents.get(id(node))
        while parent is not None:
            if isinstance(parent, ast.If):
                loaded = self._pytest_loaded(parent.test)
                if loaded is not None and child in (parent.orelse if loaded else parent.body):
                    return True
            child, parent = parent, self.parents.get(id(parent))
        return False

    def _pytest_loaded(self, test: ast.expr) -> bool | None:
        """True for `"pytest" in sys.modules`, False for `not in`, else None."""
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1
                and isinstance(test.ops[0], ast.In | ast.NotIn)
                and const_str(test.left) == "pytest"
                and self.qualname(test.comparators[0]) == "sys.modules"):
            return None
        return isinstance(test.ops[0], ast.In)

    def qualname(self, expr: ast.expr) -> str:
        """`a.b.c` with the first name replaced by what it was imported as."""
        parts: list[str] = []
        node = expr
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Call):
            parts.append(self.qualname(node.func) + "()")
        elif isinstance(node, ast.Name):
            ref = self.imports.get(node.id)
            if ref is None:
                parts.append(node.id)
            elif ref.name is None:
                parts.append(ref.module)
            else:
                parts.append(f"{ref.module}.{ref.name}" if ref.module else ref.name)
        else:
            parts.append("?")
        return ".".join(reversed(parts))


def module_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements that run at import: the body, and inside module-level if/try/with."""
    out: list[ast.stmt] = []
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, ast.If):
            out.extend(module_level(stmt.body) + module_level(stmt.orelse))
        elif isinstance(stmt, ast.Try):
            out.extend(module_level(stmt.body) + module_level(stmt.orelse))
            for handler in stmt.handlers:
                out.extend(module_level(handler.body))
            out.extend(module_level(stmt.finalbody))
        elif isinstance(stmt, ast.With):
            out.extend(module_level(stmt.body))
    return out


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _target_names(elt)]
    return []


def const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def kwarg(call: ast.Call, *names: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg in names:
            return kw.value
    return None


def last_name(expr: ast.expr) -> str:
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Name):
        return expr.id
    return ""


def _is_main_test(test: ast.expr) -> bool:
    """`__name__ == "__main__"` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    values = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names and values)

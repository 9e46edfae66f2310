"""Where a database URL comes from: environment variables, literals, fallbacks.

`Resolver.sources(expr, module)` follows an expression through module-level
names, simple assignments in the enclosing function, imports of local modules,
small helper functions, pydantic-settings fields, `environ.Env` and
`dj_database_url`, and returns every `Source` it can end in. A source read
after an `or`, or as the default of a `getenv`, is marked `fallback`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from railsafe.testguard.pymodule import ImportRef, PyModule, const_str, kwarg, last_name
from railsafe.testguard.urls import is_url_variable

MAX_DEPTH = 12

ENV_GETTERS = {"os.getenv", "os.environ.get", "getenv", "environ.get", "os.environ.setdefault",
               "decouple.config", "os.environ.pop"}
STR_METHODS = {"replace", "strip", "rstrip", "lstrip", "format", "lower", "removeprefix",
               "removesuffix", "render_as_string", "set", "_replace"}
PASS_THROUGH = {"str", "make_url", "sqlalchemy.make_url", "sqlalchemy.engine.make_url",
                "sqlalchemy.engine.url.make_url", "URL", "PostgresDsn", "AnyUrl"}


@dataclass(frozen=True)
class Source:
    """One place a URL can come from."""

    kind: str  # "env" | "literal"
    value: str  # variable name, or the literal
    module: PyModule
    node: ast.AST
    fallback: bool = False
    guarded: bool = False  # resolution passed through a function that guards its result


Loader = Callable[[Path], PyModule | None]


class Resolver:
    def __init__(self, root: Path, loader: Loader) -> None:
        self.root = root
        self.loader = loader

    # -- modules -----------------------------------------------------------------
    def import_target(self, module: PyModule, ref: ImportRef) -> PyModule | None:
        """The local module an import refers to (searched from the file up to the root)."""
        here = (self.root / module.relpath).parent
        dotted = ref.module.split(".") if ref.module else []
        candidates: list[Path] = []
        if ref.level:
            base = here
            for _ in range(ref.level - 1):
                base = base.parent
            bases = [base]
        else:
            bases = []
            d = here
            while True:
                bases += [d, d / "src"]
                if d == self.root or d.parent == d or self.root not in d.parents:
                    break
                d = d.parent
        for base in bases:
            for extra in ([ref.name] if ref.name else []), []:
                parts = dotted + extra
                if not parts:
                    continue
                candidates += [base.joinpath(*parts).with_suffix(".py"),
                               base.joinpath(*parts, "__init__.py")]
        for path in candidates:
            if path.is_file():
                loaded = self.loader(path)
                if loaded is not None and loaded.relpath != module.relpath:
                    return loaded
        return None

    def lookup(self, name: str, module: PyModule, depth: int = 0
               ) -> list[tuple[PyModule, ast.expr | ast.FunctionDef | ast.AsyncFunctionDef
                              | ast.ClassDef]]:
        """Definitions of a module-level name, following `from x import name`."""
        found: list[tuple[PyModule, ast.expr | ast.FunctionDef | ast.AsyncFunctionDef
                          | ast.ClassDef]] = []
        for value in module.assigns.get(name, []):
            found.append((module, value))
        if name in module.functions:
            found.append((module, module.functions[name]))
        if name in module.classes:
            found.append((module, module.classes[name]))
        ref = module.imports.get(name)
        if not found and ref is not None and ref.name and depth < 4:
            target = self.import_target(module, ref)
            if target is not None:
                found += self.lookup(ref.name, target, depth + 1)
        return found

    # -- sources -----------------------------------------------------------------
    def sources(self, expr: ast.expr, module: PyModule,
                func: ast.FunctionDef | ast.AsyncFunctionDef | None = None,
                cls: ast.ClassDef | None = None, depth: int = 0) -> list[Source]:
        if depth > MAX_DEPTH:
            return []
        d = depth + 1
        if (text := const_str(expr)) is not None:
            return [Source("literal", text, module, expr)]
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            out = self.sources(expr.values[0], module, func, cls, d)
            for value in expr.values[1:]:
                more = self.sources(value, module, func, cls, d)
                out += [replace(s, fallback=True) for s in more]
            return out
        if isinstance(expr, ast.IfExp):
            return (self.sources(expr.body, module, func, cls, d)
                    + self.sources(expr.orelse, module, func, cls, d))
        if isinstance(expr, ast.JoinedStr):
            out = []
            for value in expr.values:
                if isinstance(value, ast.FormattedValue):
                    out += self.sources(value.value, module, func, cls, d)
            return out
        if isinstance(expr, ast.BinOp):
            return (self.sources(expr.left, module, func, cls, d)
                    + self.sources(expr.right, module, func, cls, d))
        if isinstance(expr, ast.Await):
            return self.sources(expr.value, module, func, cls, d)
        if isinstance(expr, ast.Subscript):
            qn = module.qualname(expr.value)
            key = const_str(expr.slice)
            if key is not None and qn in ("os.environ", "environ"):
                return [Source("env", key, module, expr)]
            return []
        if isinstance(expr, ast.Call):
            return self._call(expr, module, func, cls, d)
        if isinstance(expr, ast.Name):
            return self._name(expr, module, func, cls, d)
        if isinstance(expr, ast.Attribute):
            return self._attribute(expr, module, func, cls, d)
        return []

    def _env_call(self, call: ast.Call, module: PyModule, name: str, default: ast.expr | None,
                  func: ast.FunctionDef | ast.AsyncFunctionDef | None, cls: ast.ClassDef | None,
                  depth: int) -> list[Source]:
        out = [Source("env", name, module, call)]
        if default is not None:
            out += [replace(s, fallback=True)
                    for s in self.sources(default, module, func, cls, depth)]
        return out

    def _call(self, call: ast.Call, module: PyModule,
              func: ast.FunctionDef | ast.AsyncFunctionDef | None, cls: ast.ClassDef | None,
              depth: int) -> list[Source]:
        qn = module.qualname(call.func)
        short = last_name(call.func)
        first = call.args[0] if call.args else None
        if qn in ENV_GETTERS or (short == "config" and is_url_variable(const_str(first) or "")):
            var = const_str(first) or const_str(kwarg(call, "key"))
            if var is None:
                return []
            default = call.args[1] if len(call.args) > 1 else kwarg(call, "default")
            return self._env_call(call, module, var, default, func, cls, depth)
        if qn.endswith("dj_database_url.config"):
            var = const_str(kwarg(call, "env")) or "DATABASE_URL"
            return self._env_call(call, module, var, kwarg(call, "default"), func, cls, depth)
        if qn.endswith("dj_database_url.parse") and first is not None:
            return self.sources(first, module, func, cls, depth)
        if short in ("db", "db_url", "url", "str") and isinstance(call.func, ast.Attribute) and \
                self._is_environ_env(call.func.value, module):
            var = const_str(first) or const_str(kwarg(call, "var"))
            if var is None and short in ("db", "db_url"):
                var = "DATABASE_URL"
            if var is None:
                return []
            default = call.args[1] if len(call.args) > 1 else kwarg(call, "default")
            return self._env_call(call, module, var, default, func, cls, depth)
        if isinstance(call.func, ast.Name) and self._is_environ_env(call.func, module):
            var = const_str(first)
            if var is None:
                return []
            return self._env_call(call, module, var, kwarg(call, "default"), func, cls, depth)
        if qn in PASS_THROUGH or short in PASS_THROUGH:
            return self.sources(first, module, func, cls, depth) if first is not None else []
        if isinstance(call.func, ast.Attribute) and short in STR_METHODS:
            return self.sources(call.func.value, module, func, cls, depth)
        if isinstance(call.func, ast.Name):  # a local helper that returns the URL
            out: list[Source] = []
            for mod, definition in self.lookup(call.func.id, module):
                if isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
                    guarded = has_guard(definition.body)
                    for ret in ast.walk(definition):
                        if isinstance(ret, ast.Return) and ret.value is not None:
                            for s in self.sources(ret.value, mod, definition, None, depth):
                                out.append(replace(s, guarded=s.guarded or guarded))
            return out
        return []

    def _is_environ_env(self, expr: ast.expr, module: PyModule) -> bool:
        """Is `expr` an `environ.Env()` instance?"""
        if not isinstance(expr, ast.Name):
            return False
        for value in module.assigns.get(expr.id, []):
            if isinstance(value, ast.Call) and module.qualname(value.func).endswith(
                ("environ.Env", "environs.Env", "Env")
            ):
                return True
        return False

    def _name(self, node: ast.Name, module: PyModule,
              func: ast.FunctionDef | ast.AsyncFunctionDef | None, cls: ast.ClassDef | None,
              depth: int) -> list[Source]:
        if func is not None:
            local = _local_assigns(func, node.id)
            if local:
                out = []
                for value in local:
                    out += self.sources(value, module, func, cls, depth)
                return out
        out = []
        for mod, definition in self.lookup(node.id, module):
            if isinstance(definition, ast.expr):
                out += self.sources(definition, mod, None, None, depth)
        return out

    def _attribute(self, node: ast.Attribute, module: PyModule,
                   func: ast.FunctionDef | ast.AsyncFunctionDef | None, cls: ast.ClassDef | None,
                   depth: int) -> list[Source]:
        if isinstance(node.value, ast.Name) and node.value.id == "self" and cls is not None:
            return self.field_sources(cls, module, node.attr, depth)
        for mod, klass in self.settings_classes(node.value, module):
            found = self.field_sources(klass, mod, node.attr, depth)
            if found:
                return found
        return []

    # -- pydantic settings --------------------------------------------------------
    def settings_classes(self, expr: ast.expr, module: PyModule, depth: int = 0
                         ) -> list[tuple[PyModule, ast.ClassDef]]:
        """Settings classes `expr` may be an instance (or the class) of."""
        if depth > 6:
            return []
        if isinstance(expr, ast.Call):
            if isinstance(expr.func, ast.Name):
                out = []
                for mod, definition in self.lookup(expr.func.id, module):
                    if isinstance(definition, ast.ClassDef):
                        out.append((mod, definition))
                    elif isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
                        for ret in ast.walk(definition):
                            if isinstance(ret, ast.Return) and ret.value is not None:
                                out += self.settings_classes(ret.value, mod, depth + 1)
                return out
            return []
        if isinstance(expr, ast.Name):
            out = []
            for mod, definition in self.lookup(expr.id, module):
                if isinstance(definition, ast.ClassDef):
                    out.append((mod, definition))
                elif isinstance(definition, ast.expr):
                    out += self.settings_classes(definition, mod, depth + 1)
            return out
        return []

    def field_sources(self, klass: ast.ClassDef, module: PyModule, attr: str, depth: int
                      ) -> list[Source]:
        prefix = _env_prefix(klass)
        is_settings = any(last_name(b) in ("BaseSettings",) or "Settings" in last_name(b)
                          for b in klass.bases)
        for stmt in klass.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and \
                    stmt.target.id.lower() == attr.lower():
                if not is_settings:
                    return self.sources(stmt.value, module, None, klass, depth) \
                        if stmt.value is not None else []
                var = (prefix + stmt.target.id).upper()
                default = stmt.value
                if isinstance(default, ast.Call) and last_name(default.func) == "Field":
                    alias = const_str(kwarg(default, "validation_alias", "alias", "env"))
                    var = alias.upper() if alias else var
                    default = kwarg(default, "default") or (
                        default.args[0] if default.args and not (
                            isinstance(default.args[0], ast.Constant)
                            and default.args[0].value is Ellipsis) else None)
                out = [Source("env", var, module, stmt.target)]
                if default is not None:
                    out += [replace(s, fallback=True)
                            for s in self.sources(default, module, None, klass, depth + 1)]
                return out
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == attr for t in stmt.targets
            ):
                return self.sources(stmt.value, module, None, klass, depth + 1)
            if isinstance(stmt, ast.FunctionDef) and stmt.name == attr:
                out = []
                for ret in ast.walk(stmt):
                    if isinstance(ret, ast.Return) and ret.value is not None:
                        out += self.sources(ret.value, module, stmt, klass, depth + 1)
                return out
        return []


def _env_prefix(klass: ast.ClassDef) -> str:
    for stmt in ast.walk(klass):
        if isinstance(stmt, ast.keyword) and stmt.arg == "env_prefix":
            return const_str(stmt.value) or ""
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "env_prefix" for t in stmt.targets
        ):
            return const_str(stmt.value) or ""
    return ""


def _local_assigns(func: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> list[ast.expr]:
    out: list[ast.expr] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                out.append(node.value)
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None and \
                isinstance(node.target, ast.Name) and node.target.id == name:
            out.append(node.value)
    return out


# -- guards ----------------------------------------------------------------------
_GUARD_WORDS = ("test", "rlwy", "railway", "prod")
_REFUSERS = {"exit", "sys.exit", "pytest.exit", "os._exit", "pytest.fail", "quit"}


def _mentions_guard_condition(cond: ast.AST) -> bool:
    for node in ast.walk(cond):
        text = const_str(node)
        if text is not None and any(w in text.lower() for w in _GUARD_WORDS):
            return True
        name = node.id if isinstance(node, ast.Name) else (
            node.attr if isinstance(node, ast.Attribute) else "")
        if any(w in name.lower() for w in ("railway", "production", "is_test", "safe_db",
                                           "test_db", "testing")):
            return True
    return False


def _refuses(body: list[ast.stmt]) -> bool:
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Raise):
                return True
            if isinstance(node, ast.Call):
                names = {last_name(node.func), _dotted(node.func)}
                if names & _REFUSERS:
                    return True
    return False


def _dotted(expr: ast.expr) -> str:
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
    return ".".join(reversed(parts))


def is_guard(stmt: ast.AST) -> bool:
    """`if <not a test db / railway>: raise|exit` or `assert "test" in url`."""
    if isinstance(stmt, ast.Assert):
        return _mentions_guard_condition(stmt.test)
    if isinstance(stmt, ast.If):
        return _mentions_guard_condition(stmt.test) and (_refuses(stmt.body)
                                                          or _refuses(stmt.orelse))
    return False


def has_guard(body: list[ast.stmt]) -> bool:
    return any(is_guard(node) for stmt in body for node in ast.walk(stmt))

"""Where a database URL comes from: environment variables, literals, fallbacks.

`ImportResolver.sources(expr, module)` follows an expression through module-level
names, assignments in the enclosing function (in order: a later unconditional
assignment replaces an earlier one), imports of local modules, small helper
functions, pydantic-settings fields, `environ.Env` and `dj_database_url`, and
returns every `Source` it can end in. A source read after an `or`, or as the
default of a `getenv`, is marked `fallback` and remembers the variables it sits
`behind` (when one of them is always set, the fallback is never read). A URL
rewritten to a test database (`url.replace("app", "app_test")`,
`base + "/app_test"`, or `if "test" not in url: url = ...`) marks its sources
`guarded`. Literal parts of a concatenation or f-string are `fragment`s, never
judged as whole URLs.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from railsafe.testguard.pymodule import ImportRef, PyModule, const_str, kwarg, last_name
from railsafe.testguard.urls import is_url_variable

MAX_DEPTH = 12

ENV_GETTERS = {"os.getenv", "os.environ.get", "getenv", "environ.get", "os.environ.setdefault",
               "decouple.config", "os.environ.pop"}
# methods that return the same URL, or a piece of it, unchanged in what it points at
STR_METHODS = {"strip", "rstrip", "lstrip", "lower", "removeprefix", "removesuffix",
               "render_as_string", "set", "_replace", "rsplit", "split", "partition",
               "rpartition", "get_secret_value", "unicode_string", "encode", "decode"}
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
    # resolution passed through a function that guards its result, or the URL is
    # rewritten to a test database on the way
    guarded: bool = False
    fragment: bool = False  # a literal that is only part of a URL (a scheme prefix, say)
    behind: tuple[str, ...] = ()  # variables that, when set, leave this source unread
    lazy: bool = False  # read when a settings object is created, not when its module loads


Loader = Callable[[Path], PyModule | None]
Func = ast.FunctionDef | ast.AsyncFunctionDef


class ImportResolver:
    def __init__(self, root: Path, loader: Loader) -> None:
        self.root = root
        self.loader = loader
        self._targets: dict[tuple[str, ImportRef], PyModule | None] = {}
        # test-mode flags known for a helper while it is followed (id(function) -> values)
        self._assumed: dict[int, dict[str, bool]] = {}

    # -- test-mode flags -------------------------------------------------------------
    @contextmanager
    def assuming(self, func: Func, values: dict[str, bool]) -> Iterator[None]:
        """Follow `func` with its test-mode flags set (`test_mode=True` at the call)."""
        before = self._assumed.get(id(func))
        if values:
            self._assumed[id(func)] = values
        try:
            yield
        finally:
            if before is None:
                self._assumed.pop(id(func), None)
            else:
                self._assumed[id(func)] = before

    def decide(self, test: ast.expr, func: Func | None) -> bool | None:
        """The value of a condition on the assumed flags of `func`; None: not decided."""
        values = self._assumed.get(id(func)) if func is not None else None
        return decide_flag(test, values) if values else None

    def reachable(self, node: ast.AST, func: Func, module: PyModule) -> bool:
        """False when, with `func`'s assumed flags, `node` sits in a branch not taken or
        after a taken branch that returns or raises."""
        if id(func) not in self._assumed:
            return True
        child: ast.AST = node
        parent = module.parents.get(id(node))
        while parent is not None and child is not func:
            if isinstance(parent, ast.If | ast.IfExp):
                verdict = self.decide(parent.test, func)
                in_body = child in parent.body if isinstance(parent, ast.If) \
                    else child is parent.body
                in_else = child in parent.orelse if isinstance(parent, ast.If) \
                    else child is parent.orelse
                if (verdict is False and in_body) or (verdict is True and in_else):
                    return False
            for block in _blocks(parent):
                if child in block:
                    for stmt in block[:block.index(child)]:
                        if isinstance(stmt, ast.If) and _ends(_taken(stmt, self.decide(
                                stmt.test, func))):
                            return False
            child, parent = parent, module.parents.get(id(parent))
        return True

    # -- modules -----------------------------------------------------------------
    def import_target(self, module: PyModule, ref: ImportRef) -> PyModule | None:
        """The local module an import refers to (searched from the file up to the root)."""
        key = (module.relpath, ref)
        if key not in self._targets:
            self._targets[key] = self._import_target(module, ref)
        return self._targets[key]

    def _import_target(self, module: PyModule, ref: ImportRef) -> PyModule | None:
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
            if not module.outside_pytest(value):  # under the tests that branch never runs
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
    def sources(self, expr: ast.expr, module: PyModule, func: Func | None = None,
                cls: ast.ClassDef | None = None, depth: int = 0) -> list[Source]:
        if depth > MAX_DEPTH:
            return []
        d = depth + 1
        if (text := const_str(expr)) is not None:
            return [Source("literal", text, module, expr)]
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            out = self.sources(expr.values[0], module, func, cls, d)
            for value in expr.values[1:]:
                shadows = tuple(s.value for s in out if s.kind == "env")
                more = self.sources(value, module, func, cls, d)
                out += [replace(s, fallback=True, behind=s.behind + shadows) for s in more]
            return out
        if isinstance(expr, ast.IfExp):
            verdict = self.decide(expr.test, func)
            return ((self.sources(expr.body, module, func, cls, d) if verdict is not False
                     else [])
                    + (self.sources(expr.orelse, module, func, cls, d) if verdict is not True
                       else []))
        if isinstance(expr, ast.JoinedStr) or (
            isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add | ast.Mod)
        ):
            return self._concatenation(expr, module, func, cls, d)
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
            if key is None and isinstance(expr.slice, ast.Slice | ast.Constant | ast.UnaryOp):
                # url[len("postgres://"):], url.rsplit("/", 1)[0]: a piece of the same URL
                return self.sources(expr.value, module, func, cls, d)
            return []
        if isinstance(expr, ast.Call):
            return self._call(expr, module, func, cls, d)
        if isinstance(expr, ast.Name):
            return self._name(expr, module, func, cls, d)
        if isinstance(expr, ast.Attribute):
            return self._attribute(expr, module, func, cls, d)
        return []

    def _concatenation(self, expr: ast.expr, module: PyModule, func: Func | None,
                       cls: ast.ClassDef | None, depth: int) -> list[Source]:
        """`"postgresql+asyncpg://" + rest`, f-strings, `%` formatting."""
        parts = _concat_parts(expr)
        texts = [const_str(p) for p in parts]
        if all(t is not None for t in texts):
            return [Source("literal", "".join(t or "" for t in texts), module, expr)]
        out: list[Source] = []
        for part, text in zip(parts, texts, strict=True):
            if text is not None:
                out.append(Source("literal", text, module, part, fragment=True))
            else:
                out += self.sources(part, module, func, cls, depth)
        trailing = ""
        for text in reversed(texts):
            if text is None:
                break
            trailing = text + trailing
        if _names_test_database(trailing):  # base + "/app_test": the result is a test database
            out = [replace(s, guarded=True) for s in out]
        return out

    def _env_call(self, call: ast.Call, module: PyModule, name: str, default: ast.expr | None,
                  func: Func | None, cls: ast.ClassDef | None, depth: int) -> list[Source]:
        out = [Source("env", name, module, call)]
        if default is not None:
            out += [replace(s, fallback=True, behind=(*s.behind, name))
                    for s in self.sources(default, module, func, cls, depth)]
        return out

    def _call(self, call: ast.Call, module: PyModule, func: Func | None,
              cls: ast.ClassDef | None, depth: int) -> list[Source]:
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
        if isinstance(call.func, ast.Attribute) and short == "replace":
            rewritten = self.sources(call.func.value, module, func, cls, depth)
            old = const_str(first)
            new = const_str(call.args[1]) if len(call.args) > 1 else None
            if new is not None and "test" in new.lower() and "test" not in (old or "").lower():
                # rewritten to a test database
                rewritten = [replace(s, guarded=True) for s in rewritten]
            return rewritten
        if isinstance(call.func, ast.Attribute) and short == "format":
            receiver = self.sources(call.func.value, module, func, cls, depth)
            parts = [replace(s, fragment=True) if s.kind == "literal" else s for s in receiver]
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                parts += self.sources(arg, module, func, cls, depth)
            return parts
        if isinstance(call.func, ast.Attribute) and short in STR_METHODS:
            return self.sources(call.func.value, module, func, cls, depth)
        if isinstance(call.func, ast.Name):  # a local helper that returns the URL
            out: list[Source] = []
            for mod, definition in self.lookup(call.func.id, module):
                if isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
                    guarded = has_guard(definition.body, mod)
                    with self.assuming(definition, common_flags(definition, [call])):
                        for ret in _returns(definition):
                            if not self.reachable(ret, definition, mod):
                                continue
                            for s in self.sources(ret, mod, definition, None, depth):
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

    def _name(self, node: ast.Name, module: PyModule, func: Func | None,
              cls: ast.ClassDef | None, depth: int) -> list[Source]:
        out: list[Source] = []
        if func is not None:
            local = reaching(func.body, node.id, node.lineno,
                             lambda test: self.decide(test, func))
            if local is not None:
                for value, rewritten in local:
                    found = self.sources(value, module, func, cls, depth)
                    out += [replace(s, guarded=True) for s in found] if rewritten else found
                return out
        if node.id in module.assigns:
            # module level: the assignments that reach this read, in order (a read in a
            # function runs after the import, so it sees the final value)
            before = node.lineno if func is None else None
            for value, rewritten in reaching(module.tree.body, node.id, before) or []:
                found = self.sources(value, module, None, None, depth)
                out += [replace(s, guarded=True) for s in found] if rewritten else found
            return out
        for mod, definition in self.lookup(node.id, module):
            if isinstance(definition, ast.expr):
                out += self.sources(definition, mod, None, None, depth)
        return out

    def _attribute(self, node: ast.Attribute, module: PyModule, func: Func | None,
                   cls: ast.ClassDef | None, depth: int) -> list[Source]:
        if isinstance(node.value, ast.Name) and node.value.id == "self" and cls is not None:
            return self.field_sources(cls, module, node.attr, depth)
        passed = self._passed_fields(node.value, module, node.attr, func)
        if passed is not None:
            out = []
            for mod, value in passed:
                out += self.sources(value, mod, func if mod is module else None, None, depth + 1)
            return out
        for mod, klass in self.settings_classes(node.value, module, func=func):
            found = self.field_sources(klass, mod, node.attr, depth)
            if found:
                return found
        return []

    def _passed_fields(self, expr: ast.expr, module: PyModule, attr: str, func: Func | None
                       ) -> list[tuple[PyModule, ast.expr]] | None:
        """The values `settings.attr` has when every construction of the instance `expr`
        names passes the field itself (`settings = Settings(database_url="sqlite://")`):
        an argument beats the environment in pydantic settings. None otherwise."""
        if not isinstance(expr, ast.Name):
            return None
        if func is not None and reaching(func.body, expr.id, expr.lineno) is not None:
            return None  # a local name: settings_classes follows it
        out: list[tuple[PyModule, ast.expr]] = []
        for mod, definition in self.lookup(expr.id, module):
            if not (isinstance(definition, ast.Call) and isinstance(definition.func, ast.Name)
                    and any(isinstance(d, ast.ClassDef)
                            for _, d in self.lookup(definition.func.id, mod))):
                return None
            value = next((k.value for k in definition.keywords
                          if k.arg is not None and k.arg.lower() == attr.lower()), None)
            if value is None:
                return None
            out.append((mod, value))
        return out or None

    # -- pydantic settings --------------------------------------------------------
    def settings_classes(self, expr: ast.expr, module: PyModule, depth: int = 0,
                         func: Func | None = None) -> list[tuple[PyModule, ast.ClassDef]]:
        """Settings classes `expr` may be an instance (or the class) of.

        A name assigned in the enclosing function (`settings = get_settings()` in a
        fixture) is followed like a module-level one.
        """
        if depth > 6:
            return []
        if isinstance(expr, ast.Call):
            if isinstance(expr.func, ast.Name):
                out = []
                for mod, definition in self.lookup(expr.func.id, module):
                    if isinstance(definition, ast.ClassDef):
                        out.append((mod, definition))
                    elif isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
                        for ret in _returns(definition):
                            out += self.settings_classes(ret, mod, depth + 1, definition)
                return out
            return []
        if isinstance(expr, ast.Name):
            out = []
            if func is not None:
                local = reaching(func.body, expr.id, expr.lineno)
                if local is not None:
                    for value, _ in local:
                        out += self.settings_classes(value, module, depth + 1, func)
                    return out
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
                lazy = not _instantiated_at_import(klass, module)
                out = [Source("env", var, module, stmt.target, lazy=lazy)]
                if default is not None:
                    out += [replace(s, fallback=True, behind=(*s.behind, var), lazy=lazy)
                            for s in self.sources(default, module, None, klass, depth + 1)]
                return out
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == attr for t in stmt.targets
            ):
                return self.sources(stmt.value, module, None, klass, depth + 1)
            if isinstance(stmt, ast.FunctionDef) and stmt.name == attr:
                out = []
                for ret in _returns(stmt):
                    out += self.sources(ret, module, stmt, klass, depth + 1)
                return out
        return []


def _instantiated_at_import(klass: ast.ClassDef, module: PyModule) -> bool:
    """`settings = Settings()` at module level: the environment is read at import."""
    return any(isinstance(v, ast.Call) and last_name(v.func) == klass.name
               for values in module.assigns.values() for v in values)


def _returns(func: Func) -> Iterator[ast.expr]:
    for node in ast.walk(func):
        if isinstance(node, ast.Return) and node.value is not None:
            yield node.value


def _concat_parts(expr: ast.expr) -> list[ast.expr]:
    """The pieces of `a + b + c`, an f-string, or `"fmt" % (a, b)`, in order."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _concat_parts(expr.left) + _concat_parts(expr.right)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
        right = expr.right.elts if isinstance(expr.right, ast.Tuple) else [expr.right]
        return [expr.left, *right]
    if isinstance(expr, ast.JoinedStr):
        out: list[ast.expr] = []
        for value in expr.values:
            out.append(value.value if isinstance(value, ast.FormattedValue) else value)
        return out
    return [expr]


def _names_test_database(trailing: str) -> bool:
    """Does a constant URL tail (`"/app_test"`, `"_test"`) make the database name a test one?"""
    path = trailing.split("?", 1)[0]
    return "test" in path.rsplit("/", 1)[-1].lower()


def _env_prefix(klass: ast.ClassDef) -> str:
    for stmt in ast.walk(klass):
        if isinstance(stmt, ast.keyword) and stmt.arg == "env_prefix":
            return const_str(stmt.value) or ""
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "env_prefix" for t in stmt.targets
        ):
            return const_str(stmt.value) or ""
    return ""


# -- assignments that reach a read -----------------------------------------------------
@dataclass(frozen=True)
class _Def:
    value: ast.expr
    line: int
    conditional: bool  # inside an if/try/loop: may not run
    sanitising: bool  # inside `if "test" not in <name>:`: runs only for a non-test value


Decide = Callable[[ast.expr], "bool | None"]


def _definitions(body: list[ast.stmt], name: str, decide: Decide | None = None) -> list[_Def]:
    out: list[_Def] = []

    def walk(stmts: list[ast.stmt], conditional: bool, sanitising: bool) -> None:
        for stmt in stmts:
            if isinstance(stmt, ast.Assign):
                if any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
                    out.append(_Def(stmt.value, stmt.lineno, conditional, sanitising))
            elif isinstance(stmt, ast.AnnAssign):
                if isinstance(stmt.target, ast.Name) and stmt.target.id == name and \
                        stmt.value is not None:
                    out.append(_Def(stmt.value, stmt.lineno, conditional, sanitising))
            elif isinstance(stmt, ast.If):
                verdict = decide(stmt.test) if decide is not None else None
                if verdict is not None:  # a test-mode flag decides which branch runs
                    walk(stmt.body if verdict else stmt.orelse, conditional, sanitising)
                    continue
                walk(stmt.body, True, negated_test_check(stmt.test, name))
                walk(stmt.orelse, True, False)
            elif isinstance(stmt, ast.With | ast.AsyncWith):
                walk(stmt.body, conditional, sanitising)
            elif isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
                walk(stmt.body, True, False)
                walk(stmt.orelse, True, False)
            elif isinstance(stmt, ast.Try):
                walk(stmt.body, True, False)
                for handler in stmt.handlers:
                    walk(handler.body, True, False)
                walk(stmt.orelse, True, False)
                walk(stmt.finalbody, conditional, sanitising)
            elif not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                for node in ast.walk(stmt):
                    if isinstance(node, ast.NamedExpr) and node.target.id == name:
                        out.append(_Def(node.value, stmt.lineno, True, False))

    walk(body, False, False)
    return out


def reaching(body: list[ast.stmt], name: str, before: int | None,
             decide: Decide | None = None) -> list[tuple[ast.expr, bool]] | None:
    """The values of `name` that reach a read on line `before` (None: after the block).

    Each comes with whether it was sanitised: a later `if "test" not in name:
    name = ...` means an earlier value only survives when it names a test database.
    None when the block never assigns `name`.
    """
    defs = _definitions(body, name, decide)
    if not defs:
        return None
    current: list[tuple[ast.expr, bool]] = []
    for d in defs:
        if before is not None and d.line >= before:
            break
        if d.sanitising:
            current = [(value, True) for value, _ in current] + [(d.value, False)]
        elif d.conditional:
            current.append((d.value, False))
        else:
            current = [(d.value, False)]
    return current


def _refers_to(expr: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(expr))


def negated_test_check(test: ast.expr, name: str) -> bool:
    """`"test" not in name`, `not name.endswith("_test")`, ...: true for a non-test value."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(negated_test_check(v, name) for v in test.values)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and \
            isinstance(test.ops[0], ast.NotIn):
        text = const_str(test.left)
        return text is not None and "test" in text.lower() and \
            _refers_to(test.comparators[0], name)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = test.operand
        if isinstance(inner, ast.Compare) and len(inner.ops) == 1 and \
                isinstance(inner.ops[0], ast.In):
            text = const_str(inner.left)
            return text is not None and "test" in text.lower() and \
                _refers_to(inner.comparators[0], name)
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
            texts = [const_str(a) or "" for a in inner.args]
            return _refers_to(inner.func.value, name) and any("test" in t.lower()
                                                               for t in texts)
    return False


# -- guards ----------------------------------------------------------------------
_GUARD_WORDS = ("test", "rlwy", "railway", "prod", "localhost", "127.0.0.1")
_REFUSERS = {"exit", "sys.exit", "pytest.exit", "os._exit", "pytest.fail", "quit",
             "pytest.skip", "skip"}
_CHECKER_WORDS = ("is_test", "safe_db", "test_db", "testing", "test_database", "railway",
                  "production")
# an environment variable's name (TEST_DATABASE_URL), not a value
_VARIABLE_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_ENV_NAME_TAKERS = {"getenv", "get", "setdefault", "pop", "config", "environ", "env"}


def _parents(root: ast.AST) -> dict[int, ast.AST]:
    out: dict[int, ast.AST] = {}
    for node in ast.walk(root):
        for child in ast.iter_child_nodes(node):
            out[id(child)] = node
    return out


def _names_a_variable(node: ast.AST, text: str, parents: dict[int, ast.AST]) -> bool:
    """Is this string the name of a variable (`os.getenv("TEST_DATABASE_URL")`)?"""
    if _VARIABLE_NAME.match(text):
        return True
    parent = parents.get(id(node))
    if isinstance(parent, ast.Call) and parent.args and parent.args[0] is node and \
            last_name(parent.func) in _ENV_NAME_TAKERS:
        return True
    return isinstance(parent, ast.Compare) and parent.left is node and \
        any(last_name(c) == "environ" for c in parent.comparators)


def _mentions_guard_condition(cond: ast.AST, module: PyModule | None = None,
                              depth: int = 0) -> bool:
    """Does the condition test a URL's value (its text, name, host) or Railway variables?

    The presence of a test variable (`os.getenv("TEST_DATABASE_URL")`) is not such a
    test: the URL used can still come from `DATABASE_URL`.
    """
    parents = _parents(cond)
    for node in ast.walk(cond):
        text = const_str(node)
        if text is not None:
            lowered = text.lower()
            if _names_a_variable(node, text, parents):
                if lowered.startswith("railway"):
                    return True  # a Railway variable is set: running on Railway
                continue
            if any(w in lowered for w in _GUARD_WORDS):
                return True
            continue
        if isinstance(node, ast.Name | ast.Attribute):
            name = (node.id if isinstance(node, ast.Name) else node.attr).lower()
            if "railway" in name or "production" in name:
                return True
            parent = parents.get(id(node))
            is_called = isinstance(parent, ast.Call) and parent.func is node
            if is_called and module is not None and depth < 3 and \
                    isinstance(node, ast.Name) and node.id in module.functions:
                if _function_checks_value(module.functions[node.id], module, depth + 1):
                    return True
                continue
            if is_called and any(w in name for w in _CHECKER_WORDS):
                return True
            if isinstance(node, ast.Name) and module is not None and depth < 3:
                for value in module.assigns.get(node.id, []):
                    if _is_check(value, module, depth + 1):
                        return True  # IS_TEST_DB = "test" in URL; _RE = re.compile("_test$")
    return False


def _is_check(value: ast.expr, module: PyModule, depth: int) -> bool:
    """A name's value that is itself a check of a URL (not the URL: `not URL` is no guard)."""
    if isinstance(value, ast.Compare | ast.BoolOp | ast.UnaryOp):
        return _mentions_guard_condition(value, module, depth)
    if isinstance(value, ast.Call):
        if isinstance(value.func, ast.Name) and value.func.id in module.functions:
            return _function_checks_value(module.functions[value.func.id], module, depth)
        if last_name(value.func) == "compile":
            return any(w in (const_str(a) or "").lower() for a in value.args
                       for w in _GUARD_WORDS)
    return False


def _function_checks_value(func: Func, module: PyModule, depth: int) -> bool:
    for node in ast.walk(func):
        test: ast.AST | None = None
        if isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert):
            test = node.test
        elif isinstance(node, ast.Return):
            test = node.value
        if test is not None and _mentions_guard_condition(test, module, depth):
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


def is_guard(stmt: ast.AST, module: PyModule | None = None) -> bool:
    """`if <not a test db / railway>: raise|exit|skip` or `assert "test" in url`."""
    if isinstance(stmt, ast.Assert):
        return _mentions_guard_condition(stmt.test, module)
    if isinstance(stmt, ast.If):
        return (_refuses(stmt.body) or _refuses(stmt.orelse)) and \
            _mentions_guard_condition(stmt.test, module)
    return False


def is_skip_guard(stmt: ast.AST, module: PyModule | None = None) -> bool:
    """`pytestmark = pytest.mark.skipif(<not a test db>, ...)` (a list of marks too)."""
    if not (isinstance(stmt, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets
    )):
        return False
    for node in ast.walk(stmt.value):
        if isinstance(node, ast.Call) and last_name(node.func) == "skipif":
            cond = node.args[0] if node.args else kwarg(node, "condition")
            if cond is not None and _mentions_guard_condition(cond, module):
                return True
    return False


def has_guard(body: list[ast.stmt], module: PyModule | None = None) -> bool:
    return any(is_guard(node, module) for stmt in body for node in ast.walk(stmt))


# -- test-mode flags ---------------------------------------------------------------------
#
# `def get_engine(test_mode=False): host = os.environ["PGHOST"] if not test_mode else
# "localhost"`: which host a caller gets depends on the flag it passes. A parameter
# with `test` in its name and a bool default (or none) is such a flag; a call that
# passes a bool literal, or leaves the default, fixes it, and only the branches that
# value takes are followed. Anything else (a variable passed, a flag used in any
# other way) keeps every branch.


def flag_params(func: Func) -> dict[str, bool | None]:
    """Parameters that switch `func` between test and production settings -> default."""
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + \
        list(args.defaults)
    pairs = list(zip(positional, defaults, strict=True)) + \
        list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    rebound = _rebound(func)
    out: dict[str, bool | None] = {}
    for arg, default in pairs:
        if "test" not in arg.arg.lower() or arg.arg in rebound:
            continue
        if default is None:
            out[arg.arg] = None
        elif isinstance(default, ast.Constant) and isinstance(default.value, bool):
            out[arg.arg] = default.value
    return out


def _rebound(func: Func) -> set[str]:
    """Names `func` assigns again, or that a nested function or lambda takes as a
    parameter: a test there is no longer a test of the value the caller passed."""
    out: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            out.add(node.id)
        elif node is not func and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef |
                                             ast.Lambda):
            args = node.args
            out.update(a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])
    return out


def _call_flags(func: Func, call: ast.Call) -> dict[str, bool | None]:
    """The flags one call sets: a bool literal, or the default; None when unknown."""
    params = flag_params(func)
    if not params:
        return {}
    positional = [a.arg for a in [*func.args.posonlyargs, *func.args.args]]
    if positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    if any(isinstance(a, ast.Starred) for a in call.args) or \
            any(k.arg is None for k in call.keywords):
        return dict.fromkeys(params)  # *args / **kwargs: unknown
    out: dict[str, bool | None] = {}
    for name, default in params.items():
        value: ast.expr | None = kwarg(call, name)
        if value is None and name in positional and positional.index(name) < len(call.args):
            value = call.args[positional.index(name)]
        if value is None:
            out[name] = default
        elif isinstance(value, ast.Constant) and isinstance(value.value, bool):
            out[name] = value.value
        else:
            out[name] = None
    return out


def common_flags(func: Func, calls: list[ast.Call]) -> dict[str, bool]:
    """The flags every one of `calls` sets to the same bool (none when there is no call)."""
    out: dict[str, bool] = {}
    per_call = [_call_flags(func, call) for call in calls]
    for name in flag_params(func):
        values = {flags.get(name) for flags in per_call}
        if len(values) == 1 and (value := values.pop()) is not None:
            out[name] = value
    return out


def decide_flag(test: ast.expr, values: dict[str, bool]) -> bool | None:
    """`test_mode`, `not test_mode`, `test_mode is True`, `a and b`...: True / False
    when the flags decide it, None otherwise."""
    if isinstance(test, ast.Name):
        return values.get(test.id)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = decide_flag(test.operand, values)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        parts = [decide_flag(v, values) for v in test.values]
        if isinstance(test.op, ast.And):
            return False if False in parts else (True if all(p is True for p in parts) else None)
        return True if True in parts else (False if all(p is False for p in parts) else None)
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and \
            isinstance(test.ops[0], ast.Is | ast.IsNot | ast.Eq | ast.NotEq) and \
            isinstance(test.comparators[0], ast.Constant) and \
            isinstance(test.comparators[0].value, bool):
        left = decide_flag(test.left, values) if isinstance(test.left, ast.Name) else None
        if left is None:
            return None
        same = left is test.comparators[0].value
        return same if isinstance(test.ops[0], ast.Is | ast.Eq) else not same
    return None


def _blocks(node: ast.AST) -> list[list[ast.stmt]]:
    """The statement lists directly inside `node`."""
    out: list[list[ast.stmt]] = []
    for name in ("body", "orelse", "finalbody"):
        block = getattr(node, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            out.append(block)
    for handler in getattr(node, "handlers", []) or []:
        out.append(handler.body)
    return out


def _taken(stmt: ast.If, verdict: bool | None) -> list[ast.stmt]:
    """The branch an `if` takes when its test is decided (none when it is not)."""
    if verdict is None:
        return []
    return stmt.body if verdict else stmt.orelse


def _ends(block: list[ast.stmt]) -> bool:
    """A block that always leaves the function (its last statement returns or raises)."""
    return bool(block) and isinstance(block[-1], ast.Return | ast.Raise)

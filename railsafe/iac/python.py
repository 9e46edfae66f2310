"""Static reading of `.railway/railway.py` with `ast` (railway-iac.md §1.5, §4).

The CLI runs this file (`exec_module`, then `main(ctx)`); railsafe must not.
So this is a small, side-effect-free interpreter over the syntax tree: it
follows module and function bodies, binds names to located values, unrolls
loops and comprehensions over literal sequences, calls local factory
functions with known arguments, and decides `ctx.environment == "x"` for the
environment being read. Everything else becomes `Unresolved` plus a note,
never a guess.
"""

from __future__ import annotations

import ast
import itertools
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from railsafe.findings import FILE_START, Span, code_point_column
from railsafe.iac.evaluation import Budget, Reader, Return, Scope
from railsafe.iac.values import (
    Assignment,
    Bool,
    EntryPoint,
    Member,
    Null,
    Num,
    Obj,
    Preserve,
    Program,
    Ref,
    ResourceVal,
    Seq,
    Shared,
    SourceVal,
    Str,
    Unresolved,
    Val,
)

SDK_MODULES = ("railway_sdk", "railway_iac")
ENTRY_NAMES = ("main", "Railway", "default")
PARTIAL_NAMES = ("PARTIAL", "Partial", "partial")  # the order the SDK docs name them
SDK_NAMES = frozenset(
    {
        "service",
        "fn",
        "github",
        "image",
        "template",
        "empty",
        "postgres",
        "mysql",
        "redis",
        "mongo",
        "database",
        "volume",
        "bucket",
        "group",
        "ref",
        "preserve",
        "project",
        "define_railway",
        "defineRailway",
        "create_railway_context",
        "createRailwayContext",
        "Project",
        "Service",
        "ScheduleWindow",
        "ServiceCdn",
        "function_image",
        "function_start_command",
        "FUNCTION_IMAGES",
        "FUNCTION_SOURCE_MAX_BYTES",
    }
)
ENGINES = ("postgres", "mysql", "redis", "mongo")
_ENV_ATTRS = ("environment", "environmentName")
# loops, comprehensions and factory calls share one budget, so a hostile file
# (nested comprehensions over long literals, recursive factories) stays cheap
_MAX_CALL_DEPTH = 16
_NEWLINE = re.compile(r"\r\n|\r|\n")
_DEF = re.compile(r"(?:async\s+)?def\s+")


# -- internal values (never leave this module: `_val` turns them into Unresolved) --


@dataclass(frozen=True)
class _SdkFn:
    name: str


@dataclass(frozen=True)
class _Module:
    kind: str  # "sdk" | "os" | "os.environ"


@dataclass(frozen=True)
class _Ctx:
    pass


@dataclass(frozen=True)
class _CtxAttr:
    """`ctx.shared` (a namespace of shared references) or `ctx.<method>`."""

    name: str


@dataclass(frozen=True)
class _EnvRefs:
    """`db.env`: attribute or item access yields a reference."""

    address: str


@dataclass(frozen=True)
class _OsFn:
    name: str  # "getenv" | "environ.get"


@dataclass(frozen=True, eq=False)
class _Func:
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scope: Scope


@dataclass(frozen=True)
class _Project:
    span: Span


@dataclass(frozen=True)
class _Method:
    """A bound method on a known value: `"&&".join`, `env.update`, `items.append`."""

    target: Any
    name: str
    owner: ast.expr


def read_python(text: str, relpath: str, environment: str | None) -> Program:
    """Read one `railway.py` statically for one environment (None: one it does not name)."""
    program = Program(path=relpath, language="python", environment=environment)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # warnings about the checked file are not ours
            tree = ast.parse(text, filename=relpath)
    except SyntaxError as exc:
        program.error = f"syntax error: {exc.msg}"
        program.error_span = _syntax_span(exc)
        return program
    except (RecursionError, MemoryError, ValueError) as exc:
        program.error = f"cannot parse: {type(exc).__name__}: {exc}"[:200]
        program.error_span = FILE_START
        return program
    reader = _Reader(text, program)
    try:
        reader.run(tree)
    except RecursionError:
        program.error = "too deeply nested to read statically"
        program.error_span = FILE_START
    return program


def _syntax_span(exc: SyntaxError) -> Span:
    line = exc.lineno or 1
    column = exc.offset or 1
    end_line = exc.end_lineno or line
    end_column = exc.end_offset or 0
    if (end_line, end_column) <= (line, column):
        end_line, end_column = line, column + 1
    return Span(line, column, end_line, end_column)


class _Reader(Reader):
    def __init__(self, text: str, program: Program) -> None:
        super().__init__(program)
        self.lines = _NEWLINE.split(text)
        self._encoded: dict[int, bytes] = {}
        self._partials: dict[str, Any] = {}

    # -- spans -------------------------------------------------------------------
    def _col(self, lineno: int, byte_col: int) -> int:
        raw = self._encoded.get(lineno)
        if raw is None:
            line = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
            raw = self._encoded[lineno] = line.encode("utf-8")
        return code_point_column(raw, byte_col)

    def span(self, node: ast.AST) -> Span:
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        start = self._col(line, getattr(node, "col_offset", 0))
        end_col = getattr(node, "end_col_offset", None)
        end = self._col(end_line, end_col) if end_col is not None else start + 1
        return Span(line, start, end_line, end)

    def text_of(self, span: Span) -> str:
        if span.line != span.end_line:
            first = self.lines[span.line - 1][span.column - 1 :]
            return first + " …"
        return self.lines[span.line - 1][span.column - 1 : span.end_column - 1]

    def name_span(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Span:
        whole = self.span(node)
        line = self.lines[whole.line - 1]
        match = _DEF.match(line, whole.column - 1)
        start = match.end() + 1 if match else whole.column
        return Span(whole.line, start, whole.line, start + len(node.name))

    def keyword_span(self, keyword: ast.keyword) -> Span:
        whole = self.span(keyword)
        length = len(keyword.arg) if keyword.arg is not None else 2
        return Span(whole.line, whole.column, whole.line, whole.column + length)

    # -- driver ------------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        program = self.program
        exports: list[tuple[str, Span]] = []
        entries: dict[str, tuple[Span, ast.stmt]] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                span = self.name_span(stmt)
                exports.append((stmt.name, span))
                if stmt.name in ENTRY_NAMES:
                    entries[stmt.name] = (span, stmt)
            for target in _assigned_names(stmt):
                if target.id in ENTRY_NAMES:
                    span = self.span(target)
                    exports.append((target.id, span))
                    entries[target.id] = (span, stmt)
        program.exports = tuple(exports)
        # the CLI loads the file as a module: `if __name__ == "__main__":` is false
        self.globals.names["__name__"] = Str(FILE_START, "railway")
        try:
            self.exec_block(tree.body, self.globals)
        except Return:
            pass
        except Budget:
            self.note("unresolved", FILE_START, "too much to evaluate statically")
        if program.sdk_module is None:
            self.note("no-sdk-import", FILE_START, " or ".join(SDK_MODULES))
        for name in PARTIAL_NAMES:
            if name in self._partials:
                program.partial = self._partials[name]
                break
        for name in ENTRY_NAMES:
            if name not in entries:
                continue
            span, _stmt = entries[name]
            _found, value = self.globals.lookup(name)
            func = value if isinstance(value, _Func) else None
            program.entry = EntryPoint(name, span, callable=func is not None)
            if func is not None:
                self.steps = 0
                try:
                    self.call_entry(func)
                except Budget:
                    self.note("unresolved", span, "too much to evaluate statically")
            break
        # names in branches this reading did not take count too: the caller
        # reads the file once per name (model.Program)
        named = dict.fromkeys(_compared_names(tree))
        named.update(self._environments)
        program.environments = tuple(named)

    def call_entry(self, func: _Func) -> None:
        scope = Scope(parent=func.scope)
        args = func.node.args
        positional = [*args.posonlyargs, *args.args]
        if positional:
            scope.names[positional[0].arg] = _Ctx()
        elif args.vararg is not None:
            scope.names[args.vararg.arg] = Seq(self.span(args.vararg), ())
        self._bind_defaults(func, scope, skip=1 if positional else 0)
        self.run_body(func, scope)

    def _bind_defaults(self, func: _Func, scope: Scope, skip: int) -> None:
        args = func.node.args
        positional = [*args.posonlyargs, *args.args]
        defaults = list(args.defaults)
        offset = len(positional) - len(defaults)
        for i, arg in enumerate(positional):
            if i < skip or arg.arg in scope.names:
                continue
            if i >= offset:
                scope.names[arg.arg] = self._val(self.ev(defaults[i - offset], func.scope))
            else:
                scope.names[arg.arg] = self.unresolved(arg, f"parameter {arg.arg}", note=False)
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=False):
            if arg.arg in scope.names:
                continue
            if default is not None:
                scope.names[arg.arg] = self._val(self.ev(default, func.scope))
            else:
                scope.names[arg.arg] = self.unresolved(arg, f"parameter {arg.arg}", note=False)
        if args.kwarg is not None and args.kwarg.arg not in scope.names:
            scope.names[args.kwarg.arg] = Obj(self.span(args.kwarg), ())

    def run_body(self, func: _Func, scope: Scope) -> Any:
        node = func.node
        if isinstance(node, ast.Lambda):
            return self.ev(node.body, scope)
        try:
            self.exec_block(node.body, scope)
        except Return as ret:
            return ret.value
        return Null(self.span(node))

    # -- statements ----------------------------------------------------------------
    def exec_block(self, body: Iterable[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self.exec_stmt(stmt, scope)

    def exec_stmt(self, stmt: ast.stmt, scope: Scope) -> None:
        self.tick()
        if isinstance(stmt, ast.Expr):
            self.ev(stmt.value, scope)
        elif isinstance(stmt, ast.Assign):
            value = self.ev(stmt.value, scope)
            for target in stmt.targets:
                self.assign(target, value, stmt, scope)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.assign(stmt.target, self.ev(stmt.value, scope), stmt, scope)
        elif isinstance(stmt, ast.AugAssign):
            current = self.ev(stmt.target, scope)
            value = self.binop(stmt.op, current, self.ev(stmt.value, scope), stmt)
            self.assign(stmt.target, value, stmt, scope)
        elif isinstance(stmt, ast.Return):
            raise Return(self.ev(stmt.value, scope) if stmt.value else Null(self.span(stmt)))
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            self.define(stmt, scope)
        elif isinstance(stmt, ast.ImportFrom | ast.Import):
            self.imports(stmt, scope)
        elif isinstance(stmt, ast.If):
            self.exec_if(stmt, scope)
        elif isinstance(stmt, ast.For | ast.AsyncFor):
            self.exec_for(stmt, scope)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                value = self.ev(item.context_expr, scope)
                if item.optional_vars is not None:
                    self.assign(
                        item.optional_vars,
                        Unresolved(value_span(value, self.span(item.context_expr)), "with target"),
                        stmt,
                        scope,
                    )
            self.exec_block(stmt.body, scope)
        elif isinstance(stmt, ast.Try):
            self.exec_block(stmt.body, scope)
            self.exec_block(stmt.orelse, scope)
            self.exec_block(stmt.finalbody, scope)
        elif isinstance(stmt, ast.ClassDef):
            scope.names[stmt.name] = self.unresolved(stmt, f"class {stmt.name}", note=False)
        elif isinstance(stmt, ast.Match):
            self.exec_match(stmt, scope)
        elif isinstance(stmt, ast.While):
            self.unresolved(stmt, "while statement")
        # pass, global, nonlocal, del, assert, raise, break, continue: nothing to read

    def exec_if(self, stmt: ast.If, scope: Scope) -> None:
        decided = self.truth(self.ev(stmt.test, scope))
        if decided is True:
            self.exec_block(stmt.body, scope)
        elif decided is False:
            self.exec_block(stmt.orelse, scope)
        else:
            # both branches may run: read both, in order (later bindings win)
            self.exec_block(stmt.body, scope)
            self.exec_block(stmt.orelse, scope)

    def exec_match(self, stmt: ast.Match, scope: Scope) -> None:
        """`match ctx.environment:` with literal cases; an unknown case reads its body."""
        subject_is_env = self._is_ctx_env(stmt.subject, scope)
        subject = None if subject_is_env else _plain(self.ev(stmt.subject, scope))
        for case in stmt.cases:
            decided = self.case_matches(case.pattern, stmt.subject, subject_is_env, subject, scope)
            if case.guard is not None and decided is not False:
                guard = self.truth(self.ev(case.guard, scope))
                if guard is not True:
                    decided = guard
            if decided is not False:
                self.exec_block(case.body, scope)
            if decided is True:
                return

    def case_matches(
        self,
        pattern: ast.pattern,
        subject_node: ast.expr,
        is_env: bool,
        subject: Any,
        scope: Scope,
    ) -> bool | None:
        if isinstance(pattern, ast.MatchAs) and pattern.pattern is None:
            if pattern.name is not None:
                scope.names[pattern.name] = self.ev(subject_node, scope)
            return True
        if isinstance(pattern, ast.MatchOr):
            results = [
                self.case_matches(p, subject_node, is_env, subject, scope) for p in pattern.patterns
            ]
            return True if True in results else (None if None in results else False)
        if isinstance(pattern, ast.MatchValue):
            value = self.ev(pattern.value, scope)
            if is_env:
                if not isinstance(value, Str):
                    return None
                self.condition(self.span(pattern), [value.text])
                return self.env == value.text
            plain = _plain(value)
            if subject is _UNKNOWN or plain is _UNKNOWN:
                return None
            return bool(subject == plain)
        if isinstance(pattern, ast.MatchSingleton):
            if is_env:
                return pattern.value is None and self.env is None
            return None if subject is _UNKNOWN else subject is pattern.value
        self.unresolved(pattern, "match pattern")
        return None

    def exec_for(self, stmt: ast.For | ast.AsyncFor, scope: Scope) -> None:
        items = self.iterate(self.ev(stmt.iter, scope), stmt.iter)
        if items is None:
            self.unresolved(stmt.iter, "loop over an unknown sequence")
            return
        for item in items:
            self.tick()
            self.assign(stmt.target, item, stmt, scope)
            self.exec_block(stmt.body, scope)
        self.exec_block(stmt.orelse, scope)

    def define(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> None:
        for decorator in stmt.decorator_list:
            deco = self.ev(decorator, scope)
            if not (isinstance(deco, _SdkFn) and deco.name in ("define_railway", "defineRailway")):
                # read the body as written; say that a wrapper may change what runs
                self.unresolved(decorator, f"decorator {self.text_of(self.span(decorator))}")
        scope.names[stmt.name] = _Func(stmt, scope)

    def imports(self, stmt: ast.Import | ast.ImportFrom, scope: Scope) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                top = alias.name.split(".")[0]
                bound = alias.asname or top
                if alias.name in SDK_MODULES:
                    self.program.sdk_module = alias.name
                    scope.names[bound] = _Module("sdk")
                elif alias.name == "os" or (alias.asname is None and top == "os"):
                    scope.names[bound] = _Module("os")
                else:
                    scope.names[bound] = self.unresolved(stmt, f"module {alias.name}", note=False)
            return
        module = stmt.module or ""
        for alias in stmt.names:
            bound = alias.asname or alias.name
            if stmt.level == 0 and module in SDK_MODULES:
                self.program.sdk_module = module
                if alias.name == "*":
                    for name in SDK_NAMES:
                        scope.names[name] = _SdkFn(name)
                else:
                    scope.names[bound] = _SdkFn(alias.name)
            elif stmt.level == 0 and module == "os" and alias.name == "environ":
                scope.names[bound] = _Module("os.environ")
            elif stmt.level == 0 and module == "os" and alias.name == "getenv":
                scope.names[bound] = _OsFn("getenv")
            elif alias.name != "*":
                scope.names[bound] = self.unresolved(
                    stmt, f"imported {module}.{alias.name}", note=False
                )

    def assign(self, target: ast.expr, value: Any, stmt: ast.stmt, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.names[target.id] = value
            if scope is self.globals and target.id in PARTIAL_NAMES:
                self._partials[target.id] = self._val(value)
            bound = self._resources.get(id(value))
            if bound is None and isinstance(value, Seq) and value.items:
                # `backend = group("backend", [...])` is a list headed by the group
                head = self._resources.get(id(value.items[0]))
                if head is not None and head[1].type == "group" and head[1].call == value.span:
                    bound = head
            if bound is not None and bound[1].binding is None:
                bound[1].binding = target.id
        elif isinstance(target, ast.Tuple | ast.List):
            items = self.iterate(value, target)
            if items is not None and len(items) == len(target.elts):
                for sub, item in zip(target.elts, items, strict=True):
                    self.assign(sub, item, stmt, scope)
            else:
                for sub in target.elts:
                    self.assign(
                        sub, self.unresolved(sub, "unpacked value", note=False), stmt, scope
                    )
        elif isinstance(target, ast.Attribute | ast.Subscript):
            self.assign_into(target, value, stmt, scope)
        elif isinstance(target, ast.Starred):
            self.assign(
                target.value, self.unresolved(target, "starred target", note=False), stmt, scope
            )

    def assign_into(
        self, target: ast.Attribute | ast.Subscript, value: Any, stmt: ast.stmt, scope: Scope
    ) -> None:
        """`pg.deploy = {...}`, `api.deploy["preDeployCommand"] = ...`, `env["X"] = ...`."""
        path: list[str] = []
        node: ast.expr = target
        last_key: Str | None = None
        while isinstance(node, ast.Attribute | ast.Subscript):
            if isinstance(node, ast.Attribute):
                path.append(node.attr)
            else:
                key = self.ev(node.slice, scope)
                if not isinstance(key, Str):
                    self.unresolved(node.slice, "computed key")
                    return
                path.append(key.text)
                if last_key is None:
                    last_key = key
            node = node.value
        path.reverse()
        root = self.ev(node, scope)
        bound = self._resources.get(id(root))
        if bound is not None:
            bound[1].assignments.append(Assignment(tuple(path), self._val(value), self.span(stmt)))
            return
        if (
            isinstance(node, ast.Name)
            and isinstance(root, Obj)
            and len(path) == 1
            and isinstance(target, ast.Subscript)
        ):
            # the key where its text is written (a loop's literal list, or here)
            key_span = last_key.span if last_key is not None else self.span(target.slice)
            member = Member(path[0], key_span, self._val(value))
            scope_of = self._scope_of(node.id, scope)
            scope_of.names[node.id] = Obj(root.span, (*root.members, member), root.opaque)
            return
        if not isinstance(root, Unresolved):
            self.unresolved(target, "assignment into a value")

    def _scope_of(self, name: str, scope: Scope) -> Scope:
        current: Scope | None = scope
        while current is not None:
            if name in current.names:
                return current
            current = current.parent
        return scope

    # -- expressions ------------------------------------------------------------------
    def ev(self, node: ast.expr, scope: Scope) -> Any:
        method = getattr(self, "ev_" + type(node).__name__, None)
        if method is None:
            return self.unresolved(node, f"{type(node).__name__} expression")
        return method(node, scope)

    def _val(self, value: Any, node: ast.AST | None = None) -> Val:
        """A located value; the internal markers (ctx, modules, functions) are unknowable."""
        if isinstance(value, Val):
            return value
        span = self.span(node) if node is not None else FILE_START
        if isinstance(value, _Project):
            return Unresolved(value.span, "project")
        return Unresolved(span, "not a value")

    def ev_Constant(self, node: ast.Constant, scope: Scope) -> Any:
        span = self.span(node)
        value = node.value
        if isinstance(value, bool):
            return Bool(span, value)
        if value is None:
            return Null(span)
        if isinstance(value, int | float):
            return Num(span, value)
        if isinstance(value, str):
            return Str(span, value, self._str_column(span, value))
        return self.unresolved(node, f"{type(value).__name__} literal")

    def _str_column(self, span: Span, text: str) -> int | None:
        if span.line != span.end_line:
            return None
        source = self.text_of(span)
        body = source.lstrip("rRuUfF")
        prefix = len(source) - len(body)
        for quote in ('"""', "'''", '"', "'"):
            if body.startswith(quote) and body.endswith(quote) and len(body) >= 2 * len(quote):
                if body[len(quote) : len(body) - len(quote)] == text:
                    return span.column + prefix + len(quote)
                return None
        return None

    def ev_JoinedStr(self, node: ast.JoinedStr, scope: Scope) -> Any:
        parts: list[str] = []
        unknown = False
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                parts.append(part.value)
                continue
            if not isinstance(part, ast.FormattedValue):
                unknown = True
                continue
            value = self.ev(part.value, scope)
            if part.format_spec is not None or part.conversion not in (-1, ord("s")):
                unknown = True
            elif isinstance(value, Str):
                parts.append(value.text)
            elif isinstance(value, Num) and not isinstance(value.value, bool):
                parts.append(str(value.value))
            else:
                if not isinstance(value, Unresolved):
                    self.unresolved(part.value, "f-string part")
                unknown = True
        span = self.span(node)
        if unknown:
            return Unresolved(span, "f-string with unknown parts")
        text = "".join(parts)
        plain = all(isinstance(p, ast.Constant) for p in node.values)
        return Str(span, text, self._str_column(span, text) if plain else None)

    def ev_Name(self, node: ast.Name, scope: Scope) -> Any:
        found, value = scope.lookup(node.id)
        if found:
            return value
        if node.id in ("True", "False", "None"):  # pragma: no cover (Constant since 3.8)
            return Null(self.span(node))
        return self.unresolved(node, f"unknown name {node.id}")

    def ev_List(self, node: ast.List | ast.Tuple | ast.Set, scope: Scope) -> Any:
        items: list[Val] = []
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                inner = self.ev(elt.value, scope)
                spread = self.iterate(inner, elt.value)
                if spread is None:
                    items.append(
                        self.unresolved(elt, "unpacked sequence")
                        if not isinstance(inner, Unresolved)
                        else inner
                    )
                else:
                    items.extend(self._val(v, elt) for v in spread)
            else:
                items.append(self._val(self.ev(elt, scope), elt))
        return Seq(self.span(node), tuple(items))

    ev_Tuple = ev_List
    ev_Set = ev_List

    def ev_Dict(self, node: ast.Dict, scope: Scope) -> Any:
        members: list[Member] = []
        opaque: list[Unresolved] = []
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:
                self._spread(self.ev(value_node, scope), value_node, members, opaque)
                continue
            key = self.ev(key_node, scope)
            value = self._val(self.ev(value_node, scope), value_node)
            if isinstance(key, Str):
                members.append(Member(key.text, self.span(key_node), value))
            else:
                opaque.append(self._opaque(key, key_node, "computed key"))
        return Obj(self.span(node), tuple(members), tuple(opaque))

    def _opaque(self, value: Any, node: ast.AST, reason: str) -> Unresolved:
        if isinstance(value, Unresolved):
            return value
        return self.unresolved(node, reason)

    def _spread(
        self, value: Any, node: ast.AST, members: list[Member], opaque: list[Unresolved]
    ) -> None:
        if isinstance(value, Obj):
            members.extend(value.members)
            opaque.extend(value.opaque)
        else:
            opaque.append(self._opaque(value, node, "unpacked mapping"))

    def ev_DictComp(self, node: ast.DictComp, scope: Scope) -> Any:
        members: list[Member] = []
        opaque: list[Unresolved] = []
        span = self.span(node)
        for inner in self.comprehension(node.generators, scope, node):
            if inner is None:
                return Obj(span, (), (Unresolved(span, "comprehension over an unknown sequence"),))
            key = self.ev(node.key, inner)
            value = self._val(self.ev(node.value, inner), node.value)
            if isinstance(key, Str):
                members.append(Member(key.text, key.span, value))
            else:
                opaque.append(self._opaque(key, node.key, "computed key"))
        return Obj(span, tuple(members), tuple(opaque))

    def ev_ListComp(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp, scope: Scope
    ) -> Any:
        items: list[Val] = []
        span = self.span(node)
        for inner in self.comprehension(node.generators, scope, node):
            if inner is None:
                return Unresolved(span, "comprehension over an unknown sequence")
            items.append(self._val(self.ev(node.elt, inner), node.elt))
        return Seq(span, tuple(items))

    ev_SetComp = ev_ListComp
    ev_GeneratorExp = ev_ListComp

    def comprehension(
        self, generators: list[ast.comprehension], scope: Scope, node: ast.AST
    ) -> Iterator[Scope | None]:
        """Every binding of the comprehension's targets; None once when one is unknown."""
        if not generators:
            yield scope
            return
        first, rest = generators[0], generators[1:]
        items = self.iterate(self.ev(first.iter, scope), first.iter)
        if items is None:
            self.unresolved(first.iter, "comprehension over an unknown sequence")
            yield None
            return
        for item in items:
            self.tick()
            inner = Scope(parent=scope)
            self.assign(first.target, item, ast.Pass(), inner)
            keep: bool | None = True
            for cond in first.ifs:
                keep = self.truth(self.ev(cond, inner))
                if keep is not True:
                    break
            if keep is None:
                yield None
                return
            if keep:
                for result in self.comprehension(rest, inner, node):
                    yield result
                    if result is None:
                        return

    def iterate(self, value: Any, node: ast.AST) -> list[Any] | None:
        if isinstance(value, Seq):
            return list(value.items)
        if isinstance(value, Obj) and not value.opaque:
            return [Str(m.key_span, m.key) for m in _last_members(value)]
        if isinstance(value, Str):
            return [Str(value.span, ch) for ch in value.text]
        return None

    def ev_Attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        owner = self.ev(node.value, scope)
        attr = node.attr
        if isinstance(owner, _Module):
            if owner.kind == "sdk":
                return _SdkFn(attr)
            if owner.kind == "os" and attr == "environ":
                return _Module("os.environ")
            if owner.kind == "os" and attr == "getenv":
                return _OsFn("getenv")
            if owner.kind == "os.environ" and attr == "get":
                return _OsFn("environ.get")
            return self.unresolved(node, f"{owner.kind}.{attr}")
        if isinstance(owner, _Ctx):
            return self.ctx_attr(node, attr)
        if isinstance(owner, _CtxAttr) and owner.name == "shared":
            return Shared(self.span(node), attr)
        if isinstance(owner, ResourceVal):
            if attr == "env":
                return _EnvRefs(owner.address)
            if attr in ("name", "address", "type"):
                bound = self._resources.get(id(owner))
                if bound is not None and attr == "name":
                    return bound[1].name
                if attr == "address":
                    return Str(self.span(node), owner.address)
            return self.unresolved(node, f"resource attribute {attr}")
        if isinstance(owner, _EnvRefs):
            return Ref(self.span(node), owner.address, attr)
        if isinstance(owner, Str | Seq | Obj) and attr in (
            "join",
            "get",
            "update",
            "append",
            "extend",
            "items",
            "keys",
            "values",
            "format",
            "strip",
            "lower",
            "upper",
            "copy",
        ):
            return _Method(owner, attr, node.value)
        if isinstance(owner, Unresolved):
            return owner
        return self.unresolved(node, f"attribute {attr}")

    def ctx_attr(self, node: ast.Attribute, attr: str) -> Any:
        if attr in _ENV_ATTRS:
            if self.env is None:
                return self.unresolved(node, f"ctx.{attr}")
            return Str(self.span(node), self.env)
        if attr == "shared":
            self.note("ctx-feature", self.span(node), "ctx.shared")
            return _CtxAttr("shared")
        if attr in ("is_environment", "random_string", "isEnvironment", "randomString"):
            return _CtxAttr(attr)
        return self.unresolved(node, f"ctx.{attr}")

    def ev_Subscript(self, node: ast.Subscript, scope: Scope) -> Any:
        owner = self.ev(node.value, scope)
        if isinstance(owner, _Module) and owner.kind == "os.environ":
            span = self.span(node)
            self.note("process-env", span, self.text_of(span))
            return Unresolved(span, "os.environ")
        if isinstance(node.slice, ast.Slice):
            return self.slice(owner, node, node.slice, scope)
        key = self.ev(node.slice, scope)
        if isinstance(owner, _Ctx):
            if isinstance(key, Str) and key.text in _ENV_ATTRS:
                return self.ctx_attr(
                    ast.Attribute(value=node.value, attr=key.text, ctx=ast.Load(), **_loc(node)),
                    key.text,
                )
            return self.unresolved(node, "ctx item")
        if isinstance(owner, _CtxAttr) and owner.name == "shared" and isinstance(key, Str):
            return Shared(self.span(node), key.text)
        if isinstance(owner, _EnvRefs) and isinstance(key, Str):
            return Ref(self.span(node), owner.address, key.text)
        if isinstance(owner, Obj) and isinstance(key, Str):
            found = owner.get(key.text)
            if found is not None:
                return found
            if not owner.opaque:
                return self.unresolved(node, f"missing key {key.text}")
        if (
            isinstance(owner, Seq)
            and isinstance(key, Num)
            and isinstance(key.value, int)
            and -len(owner.items) <= key.value < len(owner.items)
        ):
            return owner.items[key.value]
        if isinstance(owner, Unresolved):
            return owner
        if isinstance(key, Unresolved):
            return key
        return self.unresolved(node, "subscript")

    def slice(self, owner: Any, node: ast.Subscript, part: ast.Slice, scope: Scope) -> Any:
        bounds: list[int | None] = []
        for bound in (part.lower, part.upper, part.step):
            value = self.ev(bound, scope) if bound is not None else None
            if value is None:
                bounds.append(None)
            elif _is_num(value) and isinstance(value.value, int):
                bounds.append(value.value)
            else:
                return self._opaque(value, bound or node, "slice bound")
        if bounds[2] == 0:
            return self.unresolved(node, "slice step 0")
        cut = slice(*bounds)
        span = self.span(node)
        if isinstance(owner, Seq):
            return Seq(span, owner.items[cut])
        if isinstance(owner, Str):
            return Str(span, owner.text[cut])
        return self._opaque(owner, node, "slice")

    def ev_BinOp(self, node: ast.BinOp, scope: Scope) -> Any:
        return self.binop(node.op, self.ev(node.left, scope), self.ev(node.right, scope), node)

    def binop(self, op: ast.operator, left: Any, right: Any, node: ast.AST) -> Any:
        span = self.span(node)
        if isinstance(op, ast.Add):
            if isinstance(left, Str) and isinstance(right, Str):
                return Str(span, left.text + right.text)
            if isinstance(left, Seq) and isinstance(right, Seq):
                return Seq(span, left.items + right.items)
        if isinstance(op, ast.BitOr) and isinstance(left, Obj) and isinstance(right, Obj):
            return Obj(span, left.members + right.members, left.opaque + right.opaque)
        if _is_num(left) and _is_num(right):
            a, b = left.value, right.value
            try:
                result = {
                    ast.Add: lambda: a + b,
                    ast.Sub: lambda: a - b,
                    ast.Mult: lambda: a * b,
                    ast.FloorDiv: lambda: a // b,
                    ast.Div: lambda: a / b,
                    ast.Mod: lambda: a % b,
                }[type(op)]()
            except (KeyError, ZeroDivisionError, OverflowError):
                pass
            else:
                return Num(span, result)
        if isinstance(left, Unresolved):
            return Unresolved(span, left.reason)
        if isinstance(right, Unresolved):
            return Unresolved(span, right.reason)
        return self.unresolved(node, "computed value")

    def ev_UnaryOp(self, node: ast.UnaryOp, scope: Scope) -> Any:
        value = self.ev(node.operand, scope)
        span = self.span(node)
        if isinstance(node.op, ast.Not):
            truth = self.truth(value)
            return Bool(span, not truth) if truth is not None else Unresolved(span, "condition")
        if isinstance(node.op, ast.USub) and _is_num(value):
            return Num(span, -value.value)
        if isinstance(node.op, ast.UAdd) and _is_num(value):
            return Num(span, value.value)
        return value if isinstance(value, Unresolved) else self.unresolved(node, "computed value")

    def ev_BoolOp(self, node: ast.BoolOp, scope: Scope) -> Any:
        is_and = isinstance(node.op, ast.And)
        result: Any = None
        for operand in node.values:
            result = self.ev(operand, scope)
            truth = self.truth(result)
            if truth is None:
                return Unresolved(self.span(node), "condition")
            if truth is not is_and:
                return result
        return result

    def ev_IfExp(self, node: ast.IfExp, scope: Scope) -> Any:
        truth = self.truth(self.ev(node.test, scope))
        if truth is True:
            return self.ev(node.body, scope)
        if truth is False:
            return self.ev(node.orelse, scope)
        # neither branch is known: read both (for their notes and resources)
        self.ev(node.body, scope)
        self.ev(node.orelse, scope)
        return Unresolved(self.span(node), "conditional")

    def ev_Compare(self, node: ast.Compare, scope: Scope) -> Any:
        span = self.span(node)
        left_node = node.left
        result = True
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            decided = self.compare(op, left_node, right_node, scope, span)
            if decided is None:
                return Unresolved(span, "comparison")
            result = result and decided
            left_node = right_node
        return Bool(span, result)

    def _is_ctx_env(self, node: ast.expr, scope: Scope) -> bool:
        if isinstance(node, ast.Attribute) and node.attr in _ENV_ATTRS:
            return isinstance(self.ev_quiet(node.value, scope), _Ctx)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            return node.slice.value in _ENV_ATTRS and isinstance(
                self.ev_quiet(node.value, scope), _Ctx
            )
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
        ):
            return (
                len(node.args) >= 1
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in _ENV_ATTRS
                and isinstance(self.ev_quiet(node.func.value, scope), _Ctx)
            )
        return False

    def ev_quiet(self, node: ast.expr, scope: Scope) -> Any:
        if isinstance(node, ast.Name):
            return scope.lookup(node.id)[1]
        return None

    def compare(
        self, op: ast.cmpop, left: ast.expr, right: ast.expr, scope: Scope, span: Span
    ) -> bool | None:
        left_env, right_env = self._is_ctx_env(left, scope), self._is_ctx_env(right, scope)
        if left_env or right_env:
            other = self.ev(right if left_env else left, scope)
            names: list[str] = []
            if isinstance(other, Str):
                names = [other.text]
            elif isinstance(other, Seq) and all(isinstance(i, Str) for i in other.items):
                names = [i.text for i in other.items if isinstance(i, Str)]
            else:
                return None
            self.condition(span, names)
            if isinstance(op, ast.Eq | ast.Is):
                return isinstance(other, Str) and self.env == other.text
            if isinstance(op, ast.NotEq | ast.IsNot):
                return not (isinstance(other, Str) and self.env == other.text)
            if isinstance(op, ast.In) and left_env:
                return self.env is not None and self.env in names
            if isinstance(op, ast.NotIn) and left_env:
                return not (self.env is not None and self.env in names)
            return None
        a, b = self.ev(left, scope), self.ev(right, scope)
        if isinstance(op, ast.Is | ast.IsNot) and (isinstance(a, _Ctx) or isinstance(b, _Ctx)):
            # ctx is given (railway-iac.md §6): `ctx is None` is false
            return isinstance(op, ast.IsNot)
        pa, pb = _plain(a), _plain(b)
        if pa is _UNKNOWN or pb is _UNKNOWN:
            return None
        try:
            if isinstance(op, ast.Eq | ast.Is):
                return bool(pa == pb)
            if isinstance(op, ast.NotEq | ast.IsNot):
                return bool(pa != pb)
            if isinstance(op, ast.In):
                return bool(pa in pb)
            if isinstance(op, ast.NotIn):
                return bool(pa not in pb)
            if isinstance(op, ast.Lt):
                return bool(pa < pb)
            if isinstance(op, ast.LtE):
                return bool(pa <= pb)
            if isinstance(op, ast.Gt):
                return bool(pa > pb)
            if isinstance(op, ast.GtE):
                return bool(pa >= pb)
        except TypeError:
            return None
        return None

    def condition(self, span: Span, names: list[str]) -> None:
        for name in names:
            self._environments.setdefault(name, None)
        self.note("ctx-condition", span, ", ".join(names))

    def truth(self, value: Any) -> bool | None:
        if isinstance(value, Bool):
            return value.value
        if isinstance(value, Null):
            return False
        if isinstance(value, Num):
            return bool(value.value)
        if isinstance(value, Str):
            return bool(value.text)
        if isinstance(value, Seq):
            return bool(value.items)
        if isinstance(value, Obj):
            return True if value.members else (None if value.opaque else False)
        if isinstance(value, Unresolved):
            return None
        return True  # ctx, resources, references, functions, modules

    def ev_NamedExpr(self, node: ast.NamedExpr, scope: Scope) -> Any:
        value = self.ev(node.value, scope)
        self.assign(node.target, value, ast.Pass(), scope)
        return value

    def ev_Lambda(self, node: ast.Lambda, scope: Scope) -> Any:
        return _Func(node, scope)

    def ev_Await(self, node: ast.Await, scope: Scope) -> Any:
        value = self.ev(node.value, scope)
        return value if isinstance(value, Unresolved) else self.unresolved(node, "await")

    def ev_Starred(self, node: ast.Starred, scope: Scope) -> Any:
        return self.unresolved(node, "starred expression")

    # -- calls -------------------------------------------------------------------------
    def ev_Call(self, node: ast.Call, scope: Scope) -> Any:
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(self.ev_quiet(node.func.value, scope), _Ctx)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in _ENV_ATTRS
        ):
            attr = ast.Attribute(
                value=node.func.value, attr=node.args[0].value, ctx=ast.Load(), **_loc(node)
            )
            return self.ctx_attr(attr, node.args[0].value)
        if isinstance(node.func, ast.Name) and not scope.lookup(node.func.id)[0]:
            func: Any = None  # an unknown callee: one note for the call, not for its name
        else:
            func = self.ev(node.func, scope)
        if isinstance(func, _SdkFn):
            return self.sdk_call(func.name, node, scope)
        if isinstance(func, _Func):
            return self.call_func(func, node, scope)
        if isinstance(func, _OsFn):
            span = self.span(node)
            self.note("process-env", span, self.text_of(span))
            for arg in node.args:
                self.ev(arg, scope)
            return Unresolved(span, "os.environ")
        if isinstance(func, _CtxAttr):
            return self.ctx_call(func.name, node, scope)
        if isinstance(func, _Method):
            return self.method_call(func, node, scope)
        if (
            isinstance(node.func, ast.Name)
            and node.func.id in _BUILTINS
            and not scope.lookup(node.func.id)[0]
        ):
            return self.builtin_call(node.func.id, node, scope)
        for arg in node.args:
            self.ev(arg.value if isinstance(arg, ast.Starred) else arg, scope)
        for keyword in node.keywords:
            self.ev(keyword.value, scope)
        return self.unresolved(node, f"call to {self.text_of(self.span(node.func))}")

    def builtin_call(self, name: str, node: ast.Call, scope: Scope) -> Any:
        span = self.span(node)
        if name == "dict":
            members: list[Member] = []
            opaque: list[Unresolved] = []
            for arg in node.args:
                self._spread(self.ev(arg, scope), arg, members, opaque)
            self._keywords(node.keywords, scope, members, opaque)
            return Obj(span, tuple(members), tuple(opaque))
        if name == "range":
            bounds = [self.ev(a, scope) for a in node.args]
            if bounds and all(_is_num(b) and isinstance(b.value, int) for b in bounds):
                numbers = range(*(b.value for b in bounds))
                if len(numbers) <= _MAX_RANGE:
                    return Seq(span, tuple(Num(span, n) for n in numbers))
            return self.unresolved(node, "range() of unknown bounds")
        if name == "str" and len(node.args) == 1:
            value = self.ev(node.args[0], scope)
            if isinstance(value, Str):
                return value
            if _is_num(value):
                return Str(span, str(value.value))
            return self._opaque(value, node, "str() of an unknown value")
        sequences = [self.iterate(self.ev(a, scope), a) for a in node.args]
        if not node.args and name != "len":
            return Seq(span, ())
        if any(items is None for items in sequences) or not sequences:
            return self.unresolved(node, f"{name}() of an unknown value")
        first = [self._val(i, node) for i in sequences[0] or []]
        if name == "len":
            return Num(span, len(first))
        if name == "enumerate":
            return Seq(span, tuple(Seq(v.span, (Num(v.span, n), v)) for n, v in enumerate(first)))
        if name == "zip":
            columns = [[self._val(i, node) for i in items or []] for items in sequences]
            return Seq(span, tuple(Seq(span, tuple(row)) for row in zip(*columns, strict=False)))
        if name == "reversed":
            return Seq(span, tuple(reversed(first)))
        if name == "sorted":
            keys = [_plain(v) for v in first]
            if node.keywords or any(k is _UNKNOWN for k in keys):
                return self.unresolved(node, "sorted() of unknown values")
            try:
                order = sorted(range(len(first)), key=lambda i: keys[i])
            except TypeError:
                return self.unresolved(node, "sorted() of mixed values")
            return Seq(span, tuple(first[i] for i in order))
        return Seq(span, tuple(first))

    def method_call(self, method: _Method, node: ast.Call, scope: Scope) -> Any:
        target, name = method.target, method.name
        span = self.span(node)
        args = [self.ev(a, scope) for a in node.args]
        if name == "join" and isinstance(target, Str) and len(args) == 1:
            items = self.iterate(args[0], node.args[0])
            if items is not None and all(isinstance(i, Str) for i in items):
                return Str(span, target.text.join(i.text for i in items))
        elif name in ("strip", "lower", "upper") and isinstance(target, Str) and not args:
            return Str(span, getattr(target.text, name)())
        elif name == "get" and isinstance(target, Obj) and args and isinstance(args[0], Str):
            found = target.get(args[0].text)
            if found is not None:
                return found
            if not target.opaque:
                return args[1] if len(args) > 1 else Null(span)
        elif name in ("items", "keys", "values") and isinstance(target, Obj) and not target.opaque:
            last = _last_members(target)
            if name == "keys":
                return Seq(span, tuple(Str(m.key_span, m.key) for m in last))
            if name == "values":
                return Seq(span, tuple(m.value for m in last))
            return Seq(
                span, tuple(Seq(m.key_span, (Str(m.key_span, m.key), m.value)) for m in last)
            )
        elif name == "copy" and isinstance(target, Obj | Seq):
            return target
        elif name in ("append", "extend", "update") and isinstance(method.owner, ast.Name):
            owner = method.owner.id
            home = self._scope_of(owner, scope)
            if name == "append" and isinstance(target, Seq) and len(args) == 1:
                home.names[owner] = Seq(target.span, (*target.items, self._val(args[0], node)))
                return Null(span)
            if name == "extend" and isinstance(target, Seq) and len(args) == 1:
                items = self.iterate(args[0], node.args[0])
                if items is not None:
                    home.names[owner] = Seq(
                        target.span, (*target.items, *(self._val(i, node) for i in items))
                    )
                    return Null(span)
            if name == "update" and isinstance(target, Obj):
                members, opaque = list(target.members), list(target.opaque)
                for arg, arg_node in zip(args, node.args, strict=True):
                    self._spread(arg, arg_node, members, opaque)
                self._keywords(node.keywords, scope, members, opaque)
                home.names[owner] = Obj(target.span, tuple(members), tuple(opaque))
                return Null(span)
        return self.unresolved(node, f"call to .{name}()")

    def ctx_call(self, name: str, node: ast.Call, scope: Scope) -> Any:
        span = self.span(node)
        if name in ("is_environment", "isEnvironment"):
            self.note("ctx-feature", span, f"ctx.{name}")
            arg = self.ev(node.args[0], scope) if node.args else None
            if isinstance(arg, Str):
                self.condition(span, [arg.text])
                return Bool(span, self.env == arg.text)
            return Unresolved(span, f"ctx.{name}")
        if name in ("random_string", "randomString"):
            self.note("ctx-feature", span, f"ctx.{name}")
            return Unresolved(span, f"ctx.{name}")
        return self.unresolved(node, f"ctx.{name}()")

    def call_func(self, func: _Func, node: ast.Call, scope: Scope) -> Any:
        """A local factory called with known arguments: read its body with them bound."""
        if self.depth >= _MAX_CALL_DEPTH:
            return self.unresolved(node, "recursion too deep")
        self.tick(10)
        args = func.node.args
        local = Scope(parent=func.scope)
        positional = [*args.posonlyargs, *args.args]
        extra: list[Val] = []
        index = 0
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                items = self.iterate(self.ev(arg.value, scope), arg)
                if items is None:
                    return self.unresolved(node, "call with unknown arguments")
                values = items
            else:
                values = [self.ev(arg, scope)]
            for value in values:
                if index < len(positional):
                    local.names[positional[index].arg] = value
                else:
                    extra.append(self._val(value, arg))
                index += 1
        if args.vararg is not None:
            local.names[args.vararg.arg] = Seq(self.span(node), tuple(extra))
        kwargs: list[Member] = []
        opaque: list[Unresolved] = []
        named = {a.arg for a in positional} | {a.arg for a in args.kwonlyargs}
        for keyword in node.keywords:
            value = self.ev(keyword.value, scope)
            if keyword.arg is None:
                if isinstance(value, Obj):
                    for member in _last_members(value):
                        if member.key in named:
                            local.names[member.key] = member.value
                        else:
                            kwargs.append(member)
                    opaque.extend(value.opaque)
                else:
                    opaque.append(self._opaque(value, keyword, "unpacked mapping"))
            elif keyword.arg in named:
                local.names[keyword.arg] = value
            else:
                kwargs.append(
                    Member(keyword.arg, self.keyword_span(keyword), self._val(value, keyword))
                )
        if args.kwarg is not None:
            local.names[args.kwarg.arg] = Obj(self.span(node), tuple(kwargs), tuple(opaque))
        self._bind_defaults(func, local, skip=0)
        self.depth += 1
        try:
            result = self.run_body(func, local)
        finally:
            self.depth -= 1
        return result

    def _keywords(
        self,
        keywords: list[ast.keyword],
        scope: Scope,
        members: list[Member],
        opaque: list[Unresolved],
    ) -> None:
        for keyword in keywords:
            value = self.ev(keyword.value, scope)
            if keyword.arg is None:
                self._spread(value, keyword.value, members, opaque)
            else:
                members.append(
                    Member(keyword.arg, self.keyword_span(keyword), self._val(value, keyword.value))
                )

    def _config(
        self, node: ast.Call, scope: Scope, keywords: list[ast.keyword], first: Obj | None = None
    ) -> Obj | None:
        """Keyword arguments as an `Obj` (keys spanned at the keyword names)."""
        members: list[Member] = list(first.members) if first else []
        opaque: list[Unresolved] = list(first.opaque) if first else []
        self._keywords(keywords, scope, members, opaque)
        if not members and not opaque and first is None:
            return None
        nodes: list[ast.AST] = list(keywords)
        if nodes:
            a, b = self.span(nodes[0]), self.span(nodes[-1])
            span = Span(a.line, a.column, b.end_line, b.end_column)
            if first is not None:
                span = Span(first.span.line, first.span.column, b.end_line, b.end_column)
        else:
            span = first.span if first is not None else self.span(node)
        return Obj(span, tuple(members), tuple(opaque))

    def _arg(
        self, node: ast.Call, index: int, name: str, scope: Scope
    ) -> tuple[Any, ast.AST] | None:
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        if index < len(positional):
            return self.ev(positional[index], scope), positional[index]
        for keyword in node.keywords:
            if keyword.arg == name:
                return self.ev(keyword.value, scope), keyword.value
        return None

    def _name(self, node: ast.Call, scope: Scope) -> Str | Unresolved:
        found = self._arg(node, 0, "name", scope)
        if found is None:
            return self.unresolved(node, "resource without a name")
        value, arg = found
        if isinstance(value, Str):
            return value
        return self._opaque(value, arg, "resource name")

    def sdk_call(self, name: str, node: ast.Call, scope: Scope) -> Any:
        span = self.span(node)
        skip = {"name"}
        allowed = _POSITIONAL.get(name)
        if allowed is not None and len(node.args) > allowed:
            # `service("api", {...})` (the TypeScript shape) raises TypeError when run
            extra_arg = node.args[allowed]
            self.unresolved(extra_arg, f"{name}() takes {allowed} positional argument(s)")
        if name in ("service", "fn"):
            rname = self._name(node, scope)
            extra: list[Member] = []
            if name == "fn":
                for index, key in ((1, "code_file"), (2, "runtime")):
                    if len(node.args) > index:
                        arg = node.args[index]
                        extra.append(
                            Member(key, self.span(arg), self._val(self.ev(arg, scope), arg))
                        )
            fn_args = Obj(span, tuple(extra)) if extra else None
            config = self._config(
                node, scope, [k for k in node.keywords if k.arg not in skip], fn_args
            )
            return self.resource(
                "service", "function" if name == "fn" else "service", rname, span, config
            )
        if name in ENGINES or name == "database":
            rname = self._name(node, scope)
            kind = name
            keywords = [k for k in node.keywords if k.arg not in skip]
            if name == "database":
                engine = self._arg(node, 1, "engine", scope)
                kind = engine[0].text if engine and isinstance(engine[0], Str) else "unknown"
                keywords = [k for k in keywords if k.arg != "engine"]
            return self.resource("database", kind, rname, span, self._config(node, scope, keywords))
        if name in ("volume", "bucket"):
            rname = self._name(node, scope)
            first_val = self._arg(node, 1, "config", scope)
            given: Obj | None = None
            if first_val is not None:
                value, arg_node = first_val
                if isinstance(value, Obj):
                    given = value
                elif not isinstance(value, Null):
                    given = Obj(
                        self.span(arg_node), (), (self._opaque(value, arg_node, f"{name} config"),)
                    )
            keywords = [k for k in node.keywords if k.arg not in ("name", "config")]
            return self.resource(
                name, name, rname, span, self._config(node, scope, keywords, given)
            )
        if name == "group":
            return self.group(node, scope)
        if name == "project":
            return self.project(node, scope)
        if name in ("github", "image", "template"):
            found = self._arg(
                node,
                0,
                {"github": "repo", "image": "image_name", "template": "template_name"}[name],
                scope,
            )
            value = found[0] if found else None
            if found is not None and not isinstance(value, Str):
                self._opaque(value, found[1], f"{name} source")
            options = self._config(node, scope, list(node.keywords))
            return SourceVal(span, name, value if isinstance(value, Str) else None, options)  # type: ignore[arg-type]
        if name == "empty":
            return SourceVal(span, "empty", None, self._config(node, scope, list(node.keywords)))
        if name == "preserve":
            return Preserve(span)
        if name == "ref":
            target = self._arg(node, 0, "resource", scope)
            output = self._arg(node, 1, "output", scope)
            if (
                target
                and output
                and isinstance(target[0], ResourceVal)
                and isinstance(output[0], Str)
            ):
                return Ref(span, target[0].address, output[0].text)
            return self.unresolved(node, "ref() to an unknown resource")
        if name in ("define_railway", "defineRailway"):
            return self.ev(node.args[0], scope) if node.args else self.unresolved(node, name)
        if name in ("ServiceCdn", "ScheduleWindow"):
            return self.camel_object(name, node, scope)
        for arg in node.args:
            self.ev(arg, scope)
        return self.unresolved(node, f"{name}()")

    def camel_object(self, name: str, node: ast.Call, scope: Scope) -> Obj:
        """`ServiceCdn(...)` / `ScheduleWindow(...)` serialise to camelCase mappings."""
        positional = {
            "ScheduleWindow": ("day", "start_hour", "end_hour"),
            "ServiceCdn": (
                "enabled",
                "default_ttl_seconds",
                "html_caching",
                "stale_while_revalidate",
                "purge_on_deploy",
            ),
        }[name]
        members: list[Member] = []
        opaque: list[Unresolved] = []
        for key, arg in zip(positional, node.args, strict=False):
            members.append(Member(_camel(key), self.span(arg), self._val(self.ev(arg, scope), arg)))
        for keyword in node.keywords:
            value = self.ev(keyword.value, scope)
            if keyword.arg is None:
                opaque.append(self._opaque(value, keyword, "unpacked mapping"))
            else:
                members.append(
                    Member(
                        _camel(keyword.arg),
                        self.keyword_span(keyword),
                        self._val(value, keyword.value),
                    )
                )
        return Obj(
            self.span(node),
            tuple(m for m in members if not isinstance(m.value, Null)),
            tuple(opaque),
        )

    def group(self, node: ast.Call, scope: Scope) -> Any:
        span = self.span(node)
        rname = self._name(node, scope)
        found = self._arg(node, 1, "resources", scope)
        opts = self._arg(node, 2, "options", scope)
        options: Any = opts[0] if opts else None
        resources: Any = found[0] if found else None
        if isinstance(resources, Obj) and options is None:
            options, resources = resources, None
        config = options if isinstance(options, Obj) else None
        if options is not None and config is None and not isinstance(options, Null):
            config = Obj(span, (), (self._opaque(options, node, "group options"),))
        value = self.resource("group", "group", rname, span, config)
        group = self._resources[id(value)][1]
        if resources is None or isinstance(resources, Null):
            return value
        items: list[Any] = []
        if not self.flatten(resources, items):
            self._opaque(resources, found[1] if found else node, "group resources")
        members: list[str] = []
        for item in items:
            bound = self._resources.get(id(item))
            if bound is not None:
                bound[1].group = group.name.text if isinstance(group.name, Str) else None
            members.append(item.address)
        group.members = tuple(members)
        seq_items: list[Val] = [value, *items]
        if isinstance(resources, Seq):
            seq_items += [i for i in resources.items if not isinstance(i, ResourceVal | Seq)]
        return Seq(span, tuple(seq_items))

    def project(self, node: ast.Call, scope: Scope) -> Any:
        span = self.span(node)
        program = self.program
        found = self._arg(node, 0, "name", scope)
        program.project_name = self._val(found[0], found[1]) if found else None
        program.project_call = span
        definition = self._arg(node, 1, "definition", scope)
        resources: Any = None
        for keyword in node.keywords:
            if keyword.arg in ("resources", "services") and (
                resources is None or keyword.arg == "resources"
            ):
                resources = self.ev(keyword.value, scope)
            elif keyword.arg is None or keyword.arg not in ("name", "definition"):
                self.ev(keyword.value, scope)
        if resources is None and definition is not None and isinstance(definition[0], Obj):
            resources = definition[0].get("resources") or definition[0].get("services")
            if resources is None and definition[0].opaque:
                resources = definition[0].opaque[0]
        elif resources is None and definition is not None and not isinstance(definition[0], Null):
            resources = self._opaque(definition[0], definition[1], "project definition")
        if resources is None or isinstance(resources, Null):
            program.listed = ()
        else:
            items: list[Any] = []
            program.listed = (
                tuple(i.address for i in items) if self.flatten(resources, items) else None
            )
        return _Project(span)


_UNKNOWN = object()
# positional parameters of railway_sdk 0.7.0's resource helpers (the rest are keywords)
_POSITIONAL = {
    "service": 1, "fn": 3, "postgres": 1, "mysql": 1, "redis": 1, "mongo": 1, "database": 2,
    "volume": 2, "bucket": 2, "group": 3, "project": 2, "github": 1, "image": 1, "template": 1,
    "empty": 0, "preserve": 0, "ref": 2,
}  # fmt: skip
_BUILTINS = (
    "dict",
    "list",
    "tuple",
    "sorted",
    "reversed",
    "range",
    "enumerate",
    "zip",
    "len",
    "str",
)
_MAX_RANGE = 10_000


def _plain(value: Any) -> Any:
    if isinstance(value, Str):
        return value.text
    if isinstance(value, Num | Bool):
        return value.value
    if isinstance(value, Null):
        return None
    if isinstance(value, Seq):
        items = [_plain(i) for i in value.items]
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else tuple(items)
    return _UNKNOWN


def _compared_names(tree: ast.Module) -> list[str]:
    """Every literal compared with `<x>.environment` anywhere in the file, in source order."""
    found: list[tuple[int, int, str]] = []

    def is_env(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr in _ENV_ATTRS

    def literals(node: ast.AST) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return [
                e.value
                for e in node.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
        return []

    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for a, b in itertools.pairwise(operands):
                if is_env(a):
                    names += literals(b)
                elif is_env(b):
                    names += literals(a)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("is_environment", "isEnvironment") and node.args:
                names += literals(node.args[0])
        elif isinstance(node, ast.Match) and is_env(node.subject):
            for case in node.cases:
                for pattern in ast.walk(case.pattern):
                    if isinstance(pattern, ast.MatchValue):
                        names += literals(pattern.value)
        found += [(getattr(node, "lineno", 0), getattr(node, "col_offset", 0), n) for n in names]
    return [name for _line, _col, name in sorted(found, key=lambda t: (t[0], t[1]))]


def _is_num(value: Any) -> bool:
    return isinstance(value, Num) and not isinstance(value.value, bool)


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def _last_members(obj: Obj) -> list[Member]:
    """Members as a dict would hold them: one per key, last value, first position."""
    order: dict[str, Member] = {}
    for member in obj.members:
        if member.key in order:
            first = order[member.key]
            order[member.key] = Member(member.key, first.key_span, member.value)
        else:
            order[member.key] = member
    return list(order.values())


def _assigned_names(stmt: ast.stmt) -> Iterator[ast.Name]:
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, ast.AnnAssign):
        targets = [stmt.target]
    for target in targets:
        if isinstance(target, ast.Name):
            yield target


def _loc(node: ast.AST) -> dict[str, Any]:
    return {k: getattr(node, k) for k in ("lineno", "col_offset", "end_lineno", "end_col_offset")}


def value_span(value: Any, default: Span) -> Span:
    return value.span if isinstance(value, Val) else default

"""Static reading of `.railway/railway.go` with tree-sitter-go (railway-iac.md §1.6, §2.1, §6).

The CLI `go run`s this file; railsafe never does. Both SDK generations are
read: the old package `iac` (`github.com/railwayapp/railway-go-iac/iac`) and
the new module `github.com/railwayapp/railway-go-sdk` (package `railway`).
Their public sources use the same names (`ServiceNamed`, `Fn`, `Postgres`,
`Mysql`, `Redis`, `Mongo`, `Database`, `Volume`, `Bucket`, `Group`,
`ProjectNamed`, `Github`, `Image`, `Template`, `Empty`, `Ref`, `Preserve`,
`Shared`, `x.Env(name)`), so one table serves both. A small interpreter
follows package-level consts and vars, then `func Railway`, unrolling
`range` loops over literal slices and calling local factory functions;
the rest is `Unresolved`, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from railsafe.findings import FILE_START, Span, code_point_column
from railsafe.iac.evaluation import Budget, Reader, Return, Scope
from railsafe.iac.values import (
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

# import path -> the package name it binds when imported without a name
SDK_PACKAGES = {
    "github.com/railwayapp/railway-go-sdk": "railway",
    "github.com/railwayapp/railway-go-iac/iac": "iac",
}
ENGINES = {"Postgres": "postgres", "Mysql": "mysql", "Redis": "redis", "Mongo": "mongo"}
_ENV_FIELDS = ("Environment", "EnvironmentName")
_MAX_CALL_DEPTH = 16
_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"',
}  # fmt: skip
_PARTIAL = re.compile(rb"Partial")


@cache
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_go

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_go.language()))


@dataclass(frozen=True)
class _Package:
    kind: str  # "sdk" | "os" | "strings" | other import path


@dataclass(frozen=True)
class _Ctx:
    pass


@dataclass(frozen=True)
class _Func:
    node: Any  # function_declaration / func_literal
    scope: Scope


@dataclass(frozen=True)
class _Project:
    span: Span


def read_go(text: str, relpath: str, environment: str | None) -> Program:
    """Read one `railway.go` statically for one environment (None: one it does not name)."""
    program = Program(path=relpath, language="go", environment=environment)
    source = text.encode("utf-8", "surrogatepass")
    reader = _Reader(source, program)
    tree = _parser().parse(source)
    if tree.root_node.has_error:
        bad = _first_error(tree.root_node)
        program.error = (
            f"syntax error: missing {bad.type}"
            if bad is not None and bad.is_missing
            else "syntax error"
        )
        span = reader.span(bad) if bad is not None else FILE_START
        if (span.end_line, span.end_column) <= (span.line, span.column):
            span = Span.point(span.line, span.column)  # a missing token: one column wide
        program.error_span = span
        return program
    try:
        reader.run(tree.root_node)
    except RecursionError:
        program.error = "too deeply nested to read statically"
        program.error_span = FILE_START
    return program


def _first_error(node: Any) -> Any:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "ERROR" or current.is_missing:
            return current
        if current.has_error:
            stack.extend(reversed(current.children))
    return None


def _named(node: Any) -> list[Any]:
    return [c for c in node.named_children if c.type != "comment"]


# ServiceConfig keys railway-go-sdk reads as map[string]any (asMap) or []any
_GO_ANY_KEYS = frozenset({
    "source", "build", "run", "deploy", "replicas", "regions", "networking", "variables", "env",
    "volumeMounts", "tracing", "domains", "tcp", "tcpProxies",
})


class _Reader(Reader):
    def __init__(self, source: bytes, program: Program) -> None:
        super().__init__(program)
        self.source = source
        self.lines = source.split(b"\n")
        # map and slice literals (and make()s) whose element type is not `any`, by span
        self._typed: dict[Span, str] = {}

    # -- spans -------------------------------------------------------------------
    def _col(self, row: int, byte_col: int) -> int:
        return code_point_column(self.lines[row] if row < len(self.lines) else b"", byte_col)

    def span(self, node: Any) -> Span:
        (r1, c1), (r2, c2) = node.start_point, node.end_point
        return Span(r1 + 1, self._col(r1, c1), r2 + 1, self._col(r2, c2))

    def text(self, node: Any) -> str:
        return str(node.text.decode("utf-8", "replace"))

    # -- driver --------------------------------------------------------------------
    def run(self, root: Any) -> None:
        program = self.program
        exports: list[tuple[str, Span]] = []
        entry: Any = None
        partial_found = False
        for node in _named(root):
            if node.type == "import_declaration":
                self.imports(node)
            elif node.type == "function_declaration":
                name_node = node.child_by_field_name("name")
                name = self.text(name_node)
                exports.append((name, self.span(name_node)))
                self.globals.names[name] = _Func(node, self.globals)
                if name == "Railway":
                    entry = node
        program.exports = tuple(exports)
        try:
            for node in _named(root):
                if node.type in ("const_declaration", "var_declaration"):
                    for name in self.declare(node, self.globals):
                        if name == "Partial":
                            _found, value = self.globals.lookup("Partial")
                            program.partial = self._val(value, node)
                            partial_found = True
        except Budget:
            self.note("unresolved", FILE_START, "too much to evaluate statically")
        if not partial_found:
            # the CLI's wrapper mentions `Partial` whenever the text contains it (§2.1)
            match = _PARTIAL.search(self.source)
            if match is not None:
                row = self.source.count(b"\n", 0, match.start())
                line_start = self.source.rfind(b"\n", 0, match.start()) + 1
                column = self._col(row, match.start() - line_start)
                span = Span(row + 1, column, row + 1, column + len("Partial"))
                program.partial = Str(span, "Partial", column)
        if program.sdk_module is None:
            self.note("no-sdk-import", FILE_START, " or ".join(SDK_PACKAGES))
        if entry is not None:
            name_node = entry.child_by_field_name("name")
            program.entry = EntryPoint("Railway", self.span(name_node), callable=True)
            self.steps = 0
            try:
                self.call_entry(entry)
            except Budget:
                self.note("unresolved", self.span(name_node), "too much to evaluate statically")
        # names in branches this reading did not take count too (model.Program)
        named = dict.fromkeys(self.compared_names(root))
        named.update(self._environments)
        program.environments = tuple(named)

    def compared_names(self, root: Any) -> list[str]:
        """Every string literal compared with `<x>.Environment` in the file, in source order."""
        found: list[tuple[tuple[int, int], str]] = []

        def is_env(node: Any) -> bool:
            if node is None or node.type != "selector_expression":
                return False
            return self.text(node.child_by_field_name("field")) in _ENV_FIELDS

        def literal(node: Any) -> str | None:
            if node is not None and node.type in (
                "interpreted_string_literal",
                "raw_string_literal",
            ):
                value = self.ev(node, self.globals)
                return value.text if isinstance(value, Str) else None
            return None

        stack = [root]
        while stack:
            node = stack.pop()
            stack.extend(node.named_children)
            names: list[str | None] = []
            if node.type == "binary_expression":
                left = node.child_by_field_name("left")
                right = node.child_by_field_name("right")
                if is_env(left):
                    names.append(literal(right))
                elif is_env(right):
                    names.append(literal(left))
            elif node.type == "call_expression":
                function = node.child_by_field_name("function")
                args = node.child_by_field_name("arguments")
                if (
                    function.type == "selector_expression"
                    and self.text(function.child_by_field_name("field")) == "IsEnvironment"
                    and args is not None
                    and _named(args)
                ):
                    names.append(literal(_named(args)[0]))
            elif node.type == "expression_switch_statement" and is_env(
                node.child_by_field_name("value")
            ):
                for case in _named(node):
                    values = (
                        case.child_by_field_name("value")
                        if case.type == "expression_case"
                        else None
                    )
                    names += [literal(v) for v in _named(values)] if values is not None else []
            found += [(node.start_point, n) for n in names if n is not None]
        return [name for _point, name in sorted(found, key=lambda item: item[0])]

    def imports(self, node: Any) -> None:
        for spec in self._descendants(node, "import_spec"):
            path_node = spec.child_by_field_name("path")
            name_node = spec.child_by_field_name("name")
            path = self.string(path_node)
            if not isinstance(path, Str):
                continue
            default = SDK_PACKAGES.get(path.text) or path.text.rsplit("/", 1)[-1]
            bound = self.text(name_node) if name_node is not None else default
            if path.text in SDK_PACKAGES:
                self.program.sdk_module = path.text
                kind = "sdk"
            else:
                kind = path.text
            if bound in ("_",):
                continue
            self.globals.names[bound] = _Package(kind)

    def _descendants(self, node: Any, kind: str) -> Iterator[Any]:
        for child in _named(node):
            if child.type == kind:
                yield child
            else:
                yield from self._descendants(child, kind)

    def call_entry(self, node: Any) -> None:
        scope = Scope(parent=self.globals)
        params = node.child_by_field_name("parameters")
        names = self._param_names(params)
        if names:
            scope.names[names[0]] = _Ctx()
        for extra in names[1:]:
            scope.names[extra] = Unresolved(self.span(params), f"parameter {extra}")
        self.run_body(node, scope)

    def _param_names(self, params: Any) -> list[str]:
        names: list[str] = []
        if params is None:
            return names
        for decl in _named(params):
            idents = [c for c in decl.children_by_field_name("name")]
            names.extend(self.text(i) for i in idents)
        return names

    def run_body(self, node: Any, scope: Scope) -> Any:
        body = node.child_by_field_name("body")
        if body is None:
            return Null(self.span(node))
        try:
            self.block(body, scope)
        except Return as ret:
            return ret.value
        return Null(self.span(node))

    # -- statements ------------------------------------------------------------------
    def block(self, node: Any, scope: Scope) -> None:
        for child in _named(node):
            if child.type == "statement_list":
                for stmt in _named(child):
                    self.stmt(stmt, scope)
            else:
                self.stmt(child, scope)

    def stmt(self, node: Any, scope: Scope) -> None:
        self.tick()
        kind = node.type
        if kind == "short_var_declaration" or kind == "assignment_statement":
            left = _named(node.child_by_field_name("left"))
            right_node = node.child_by_field_name("right")
            rights = _named(right_node) if right_node is not None else []
            operator = node.child_by_field_name("operator")
            op = self.text(operator) if operator is not None else ":="
            values = [self.ev(r, scope) for r in rights]
            if len(values) != len(left):
                values = [self.unresolved(right_node or node, "multiple values", note=False)] * len(
                    left
                )
            for target, value in zip(left, values, strict=True):
                if op == "+=":
                    value = self.binop("+", self.ev(target, scope), value, node)
                elif op not in ("=", ":="):
                    value = self.unresolved(node, f"{op} assignment", note=False)
                self.assign(target, value, scope, declare=kind == "short_var_declaration")
        elif kind in ("var_declaration", "const_declaration"):
            self.declare(node, scope)
        elif kind == "expression_statement":
            for child in _named(node):
                self.ev(child, scope)
        elif kind == "return_statement":
            exprs = _named(node)
            value = (
                self.ev(_named(exprs[0])[0], scope)
                if exprs and _named(exprs[0])
                else Null(self.span(node))
            )
            raise Return(value)
        elif kind == "if_statement":
            self.if_stmt(node, scope)
        elif kind == "for_statement":
            self.for_stmt(node, scope)
        elif kind == "block":
            self.block(node, Scope(parent=scope))
        elif kind == "expression_switch_statement":
            self.switch(node, scope)
        elif kind in ("inc_statement", "dec_statement", "empty_statement", "labeled_statement"):
            return
        elif kind in (
            "go_statement",
            "defer_statement",
            "select_statement",
            "type_switch_statement",
        ):
            self.unresolved(node, kind.replace("_", " "))

    def declare(self, node: Any, scope: Scope) -> list[str]:
        declared: list[str] = []
        specs = [c for c in self._descendants(node, "const_spec")] + [
            c for c in self._descendants(node, "var_spec")
        ]
        for spec in specs:
            names = [self.text(n) for n in spec.children_by_field_name("name")]
            value_node = spec.child_by_field_name("value")
            values = (
                [self.ev(v, scope) for v in _named(value_node)] if value_node is not None else []
            )
            for i, name in enumerate(names):
                if i < len(values):
                    value = values[i]
                elif value_node is None:
                    value = Null(self.span(spec))  # a zero value: nil map, "" etc.
                else:
                    value = self.unresolved(spec, f"{name} value", note=False)
                scope.names[name] = value
                self._bind(name, value)
                declared.append(name)
        return declared

    def _bind(self, name: str, value: Any) -> None:
        bound = self._resources.get(id(value))
        if bound is None and isinstance(value, Seq) and value.items:
            # `jobs := railway.Group("jobs", ...)` is a slice headed by the group
            head = self._resources.get(id(value.items[0]))
            if head is not None and head[1].type == "group" and head[1].call == value.span:
                bound = head
        if bound is not None and bound[1].binding is None:
            bound[1].binding = name

    def assign(self, target: Any, value: Any, scope: Scope, declare: bool) -> None:
        if target.type == "identifier":
            name = self.text(target)
            if name == "_":
                return
            home = scope if declare else scope.home(name)
            home.names[name] = value
            self._bind(name, value)
            return
        if target.type == "index_expression":
            operand = target.child_by_field_name("operand")
            index = target.child_by_field_name("index")
            key = self.ev(index, scope)
            if operand.type == "identifier":
                name = self.text(operand)
                found, current = scope.lookup(name)
                if found and isinstance(current, Obj | Null) and isinstance(key, Str):
                    base = current if isinstance(current, Obj) else Obj(current.span)
                    member = Member(key.text, key.span, self._val(value, target))
                    scope.home(name).names[name] = Obj(
                        base.span, (*base.members, member), base.opaque
                    )
                    return
                if found and isinstance(current, Obj):
                    opaque = self._opaque(key, index, "computed key")
                    scope.home(name).names[name] = Obj(
                        current.span, current.members, (*current.opaque, opaque)
                    )
                    return
        self.unresolved(target, "assignment into a value")

    def if_stmt(self, node: Any, scope: Scope) -> None:
        inner = Scope(parent=scope)
        init = node.child_by_field_name("initializer")
        if init is not None:
            self.stmt(init, inner)
        truth = self.truth(self.ev(node.child_by_field_name("condition"), inner))
        consequence = node.child_by_field_name("consequence")
        alternative = node.child_by_field_name("alternative")
        if truth is not False:
            self.block(consequence, Scope(parent=inner))
        if truth is not True and alternative is not None:
            if alternative.type == "if_statement":
                self.if_stmt(alternative, inner)
            else:
                self.block(alternative, Scope(parent=inner))

    def switch(self, node: Any, scope: Scope) -> None:
        value_node = node.child_by_field_name("value")
        chosen: Any = None
        default: Any = None
        undecided: list[Any] = []
        for case in _named(node):
            if case.type == "default_case":
                default = case
            elif case.type == "expression_case":
                values = case.child_by_field_name("value")
                for expr in _named(values):
                    if value_node is not None:
                        truth = self.compare("==", value_node, expr, scope, self.span(expr))
                    else:
                        truth = self.truth(self.ev(expr, scope))
                    if truth is True and chosen is None:
                        chosen = case
                    elif truth is None:
                        undecided.append(case)
        targets = [chosen] if chosen is not None else (undecided + ([default] if default else []))
        if chosen is None and not undecided and default is not None:
            targets = [default]
        for case in targets:
            inner = Scope(parent=scope)
            for stmt in _named(case):
                if stmt.type == "statement_list":
                    for sub in _named(stmt):
                        self.stmt(sub, inner)

    def for_stmt(self, node: Any, scope: Scope) -> None:
        clause = next((c for c in _named(node) if c.type == "range_clause"), None)
        body = node.child_by_field_name("body")
        if clause is None:
            self.unresolved(node, "loop")
            return
        right = clause.child_by_field_name("right")
        left = clause.child_by_field_name("left")
        sequence = self.ev(right, scope)
        pairs: list[tuple[Val, Val]] | None = None
        if isinstance(sequence, Seq):
            pairs = [(Num(item.span, i), item) for i, item in enumerate(sequence.items)]
        elif isinstance(sequence, Obj) and not sequence.opaque:
            pairs = [(Str(m.key_span, m.key), m.value) for m in sequence.members]
        if pairs is None:
            if not isinstance(sequence, Unresolved):
                self.unresolved(right, "loop over an unknown sequence")
            return
        targets = _named(left) if left is not None else []
        for first, second in pairs:
            self.tick()
            inner = Scope(parent=scope)
            for target, value in zip(targets, (first, second), strict=False):
                self.assign(target, value, inner, declare=True)
            self.block(body, inner)

    # -- expressions -----------------------------------------------------------------
    def ev(self, node: Any, scope: Scope) -> Any:
        method = getattr(self, "ev_" + node.type, None)
        if method is None:
            return self.unresolved(node, node.type.replace("_", " "))
        return method(node, scope)

    def _val(self, value: Any, node: Any) -> Val:
        if isinstance(value, Val):
            return value
        if isinstance(value, _Project):
            return Unresolved(value.span, "project")
        return Unresolved(self.span(node), "not a value")

    def _opaque(self, value: Any, node: Any, reason: str) -> Unresolved:
        if isinstance(value, Unresolved):
            return value
        return self.unresolved(node, reason)

    def string(self, node: Any) -> Str | Unresolved:
        value = self.ev(node, self.globals) if node is not None else None
        return value if isinstance(value, Str | Unresolved) else Unresolved(FILE_START, "string")

    def ev_interpreted_string_literal(self, node: Any, scope: Scope) -> Any:
        parts: list[str] = []
        escaped = False
        for child in node.named_children:
            if child.type == "escape_sequence":
                escaped = True
                parts.append(_unescape(self.text(child)))
            else:
                parts.append(self.text(child))
        span = self.span(node)
        column = span.column + 1 if not escaped and span.line == span.end_line else None
        return Str(span, "".join(parts), column)

    def ev_raw_string_literal(self, node: Any, scope: Scope) -> Any:
        span = self.span(node)
        raw = self.text(node)[1:-1]
        text = raw.replace("\r", "")
        column = span.column + 1 if span.line == span.end_line and text == raw else None
        return Str(span, text, column)

    def ev_int_literal(self, node: Any, scope: Scope) -> Any:
        raw = self.text(node).replace("_", "")
        try:
            value = int(raw, 0)
        except ValueError:
            try:
                value = int(raw, 8)  # Go's legacy octal `0755`
            except ValueError:
                return self.unresolved(node, "number")
        return Num(self.span(node), value)

    def ev_float_literal(self, node: Any, scope: Scope) -> Any:
        try:
            return Num(self.span(node), float(self.text(node).replace("_", "")))
        except ValueError:
            return self.unresolved(node, "number")

    def ev_true(self, node: Any, scope: Scope) -> Any:
        return Bool(self.span(node), True)

    def ev_false(self, node: Any, scope: Scope) -> Any:
        return Bool(self.span(node), False)

    def ev_nil(self, node: Any, scope: Scope) -> Any:
        return Null(self.span(node))

    def ev_parenthesized_expression(self, node: Any, scope: Scope) -> Any:
        inner = _named(node)
        return self.ev(inner[0], scope) if inner else self.unresolved(node, "expression")

    def ev_identifier(self, node: Any, scope: Scope) -> Any:
        name = self.text(node)
        found, value = scope.lookup(name)
        if found:
            return value
        return self.unresolved(node, f"unknown name {name}")

    def ev_literal_element(self, node: Any, scope: Scope) -> Any:
        return self.ev(_named(node)[0], scope)

    def ev_composite_literal(self, node: Any, scope: Scope) -> Any:
        type_node = node.child_by_field_name("type")
        body = node.child_by_field_name("body")
        span = self.span(node)
        type_kind = type_node.type if type_node is not None else ""
        elements = _named(body) if body is not None else []
        self._note_type(type_node, span)
        if type_kind in ("slice_type", "array_type", "implicit_length_array_type"):
            return Seq(span, tuple(self._val(self.ev(e, scope), e) for e in elements))
        is_map = type_kind == "map_type" or (
            type_kind == "qualified_type" and self.text(type_node).endswith(".ServiceConfig")
        )
        members: list[Member] = []
        opaque: list[Unresolved] = []
        for element in elements:
            if element.type != "keyed_element":
                opaque.append(self.unresolved(element, "positional field"))
                continue
            children = _named(element)
            key_node, value_node = children[0], children[-1]
            value = self._val(self.ev(value_node, scope), value_node)
            if is_map:
                key = self.ev(key_node, scope)
                if isinstance(key, Str):
                    members.append(Member(key.text, self.span(key_node), value))
                else:
                    opaque.append(self._opaque(key, key_node, "computed key"))
            else:  # a struct literal: keys are field names
                members.append(Member(self.text(key_node), self.span(key_node), value))
        return Obj(span, tuple(members), tuple(opaque))

    def ev_selector_expression(self, node: Any, scope: Scope) -> Any:
        operand = node.child_by_field_name("operand")
        name = self.text(node.child_by_field_name("field"))
        owner = self.ev(operand, scope)
        if isinstance(owner, _Ctx):
            if name in _ENV_FIELDS:
                if self.env is None:
                    return self.unresolved(node, f"ctx.{name}")
                return Str(self.span(node), self.env)
            return self.unresolved(node, f"ctx.{name}")
        if isinstance(owner, _Package):
            return self.unresolved(node, f"{self.text(operand)}.{name}")
        if isinstance(owner, Obj) and not isinstance(owner, ResourceVal):
            found = owner.get(name)
            if found is not None:
                return found
        if isinstance(owner, Unresolved):
            return owner
        return self.unresolved(node, f"field {name}")

    def ev_index_expression(self, node: Any, scope: Scope) -> Any:
        owner = self.ev(node.child_by_field_name("operand"), scope)
        key = self.ev(node.child_by_field_name("index"), scope)
        if isinstance(owner, Obj) and isinstance(key, Str):
            found = owner.get(key.text)
            if found is not None:
                return found
        if (
            isinstance(owner, Seq)
            and isinstance(key, Num)
            and isinstance(key.value, int)
            and 0 <= key.value < len(owner.items)
        ):
            return owner.items[key.value]
        if isinstance(owner, Unresolved):
            return owner
        return self.unresolved(node, "index")

    def ev_unary_expression(self, node: Any, scope: Scope) -> Any:
        operator = self.text(node.child_by_field_name("operator"))
        value = self.ev(node.child_by_field_name("operand"), scope)
        span = self.span(node)
        if operator == "!":
            truth = self.truth(value)
            return Bool(span, not truth) if truth is not None else Unresolved(span, "condition")
        if operator == "-" and isinstance(value, Num):
            return Num(span, -value.value)
        if operator == "&":
            return value
        return value if isinstance(value, Unresolved) else self.unresolved(node, "computed value")

    def ev_binary_expression(self, node: Any, scope: Scope) -> Any:
        operator = self.text(node.child_by_field_name("operator"))
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        span = self.span(node)
        if operator in ("&&", "||"):
            first = self.truth(self.ev(left, scope))
            if first is (operator == "||"):
                return Bool(span, first)
            second = self.truth(self.ev(right, scope))
            if first is None or second is None:
                return Unresolved(span, "condition")
            return Bool(span, second)
        if operator in ("==", "!="):
            truth = self.compare(operator, left, right, scope, span)
            return Bool(span, truth) if truth is not None else Unresolved(span, "comparison")
        return self.binop(operator, self.ev(left, scope), self.ev(right, scope), node)

    def binop(self, operator: str, left: Any, right: Any, node: Any) -> Any:
        span = self.span(node)
        if operator == "+" and isinstance(left, Str) and isinstance(right, Str):
            return Str(span, left.text + right.text)
        if isinstance(left, Num) and isinstance(right, Num) and operator in ("+", "-", "*"):
            a, b = left.value, right.value
            return Num(span, a + b if operator == "+" else a - b if operator == "-" else a * b)
        if isinstance(left, Unresolved) or isinstance(right, Unresolved):
            return Unresolved(span, "computed value")
        return self.unresolved(node, "computed value")

    def _is_ctx_env(self, node: Any, scope: Scope) -> bool:
        if node.type != "selector_expression":
            return False
        operand = node.child_by_field_name("operand")
        if self.text(node.child_by_field_name("field")) not in _ENV_FIELDS:
            return False
        return operand.type == "identifier" and isinstance(
            scope.lookup(self.text(operand))[1], _Ctx
        )

    def compare(
        self, operator: str, left: Any, right: Any, scope: Scope, span: Span
    ) -> bool | None:
        left_env, right_env = self._is_ctx_env(left, scope), self._is_ctx_env(right, scope)
        if left_env or right_env:
            other = self.ev(right if left_env else left, scope)
            if not isinstance(other, Str):
                return None
            self.condition(span, other.text)
            equal = self.env == other.text
            return equal if operator == "==" else not equal
        a, b = _plain(self.ev(left, scope)), _plain(self.ev(right, scope))
        if a is _UNKNOWN or b is _UNKNOWN:
            return None
        return (a == b) if operator == "==" else (a != b)

    def condition(self, span: Span, name: str) -> None:
        self._environments.setdefault(name, None)
        self.note("ctx-condition", span, name)

    def truth(self, value: Any) -> bool | None:
        if isinstance(value, Bool):
            return value.value
        return None

    def ev_func_literal(self, node: Any, scope: Scope) -> Any:
        return _Func(node, scope)

    # -- calls ---------------------------------------------------------------------
    def ev_call_expression(self, node: Any, scope: Scope) -> Any:
        function = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        args = _named(args_node) if args_node is not None else []
        span = self.span(node)
        if function.type == "selector_expression":
            operand = function.child_by_field_name("operand")
            name = self.text(function.child_by_field_name("field"))
            owner = (
                self.ev(operand, scope)
                if operand.type != "identifier"
                else self._lookup(operand, scope)
            )
            if isinstance(owner, _Package):
                if owner.kind == "sdk":
                    return self.sdk_call(name, node, args, scope)
                if owner.kind == "os" and name in ("Getenv", "LookupEnv", "Environ", "ExpandEnv"):
                    self.note("process-env", span, self.text(node))
                    return Unresolved(span, f"os.{name}")
                if owner.kind == "strings" and name == "Join" and len(args) == 2:
                    items, sep = self.ev(args[0], scope), self.ev(args[1], scope)
                    if (
                        isinstance(items, Seq)
                        and isinstance(sep, Str)
                        and all(isinstance(i, Str) for i in items.items)
                    ):
                        return Str(
                            span, sep.text.join(i.text for i in items.items if isinstance(i, Str))
                        )
            if isinstance(owner, _Ctx):
                return self.ctx_call(name, node, args, scope)
            if isinstance(owner, ResourceVal) and name == "Env" and len(args) == 1:
                output = self.ev(args[0], scope)
                if isinstance(output, Str):
                    return Ref(span, owner.address, output.text)
                return self._opaque(output, args[0], "Env() of an unknown name")
        elif function.type == "identifier":
            found, callee = scope.lookup(self.text(function))
            if isinstance(callee, _Func):
                return self.call_func(callee, node, args, scope)
            if not found and self.text(function) == "make" and args:
                # make(map[K]V, n) / make([]T, n, m): an empty map or slice (the sizes
                # are capacities, not contents)
                self._note_type(args[0], span)
                if args[0].type == "map_type":
                    return Obj(span)
                if args[0].type == "slice_type":
                    return Seq(span, ())
            if not found and self.text(function) == "append" and args:
                base = self.ev(args[0], scope)
                if isinstance(base, Seq | Null):
                    items = list(base.items) if isinstance(base, Seq) else []
                    for arg in args[1:]:
                        # `append(xs, ys...)`: tree-sitter-go wraps `ys...` in a
                        # variadic_argument node
                        spread = arg.type == "variadic_argument" and bool(_named(arg))
                        value = self.ev(_named(arg)[0] if spread else arg, scope)
                        if spread and isinstance(value, Seq):
                            items.extend(value.items)
                        elif spread:
                            return self._opaque(value, arg, "append of an unknown slice")
                        else:
                            items.append(self._val(value, arg))
                    return Seq(span, tuple(items))
        for arg in args:
            self.ev(arg, scope)
        return self.unresolved(node, f"call to {self.text(function)}")

    def _lookup(self, node: Any, scope: Scope) -> Any:
        found, value = scope.lookup(self.text(node))
        return value if found else None

    def ctx_call(self, name: str, node: Any, args: list[Any], scope: Scope) -> Any:
        span = self.span(node)
        if name == "IsEnvironment":
            self.note("ctx-feature", span, "ctx.IsEnvironment")
            arg = self.ev(args[0], scope) if args else None
            if isinstance(arg, Str):
                self.condition(span, arg.text)
                return Bool(span, self.env == arg.text)
            return Unresolved(span, "ctx.IsEnvironment")
        if name == "RandomString":
            self.note("ctx-feature", span, "ctx.RandomString")
            return Unresolved(span, "ctx.RandomString")
        return self.unresolved(node, f"ctx.{name}()")

    def call_func(self, func: _Func, node: Any, args: list[Any], scope: Scope) -> Any:
        """A local factory called with known arguments: read its body with them bound."""
        if self.depth >= _MAX_CALL_DEPTH:
            return self.unresolved(node, "recursion too deep")
        self.tick(10)
        local = Scope(parent=func.scope)
        params = func.node.child_by_field_name("parameters")
        names = self._param_names(params)
        # `names ...string`: the remaining arguments as one slice, unless the call
        # passes a slice on with `xs...`
        variadic = params is not None and any(
            d.type == "variadic_parameter_declaration" for d in _named(params))
        spread = bool(args) and args[-1].type == "variadic_argument"
        values = [self.ev(_named(a)[0] if a.type == "variadic_argument" and _named(a) else a,
                          scope) for a in args]
        for i, name in enumerate(names):
            if variadic and not spread and i == len(names) - 1:
                local.names[name] = Seq(self.span(node), tuple(
                    self._val(v, a) for v, a in zip(values[i:], args[i:], strict=True)))
                continue
            local.names[name] = (
                values[i]
                if i < len(values)
                else self.unresolved(node, f"parameter {name}", note=False)
            )
        self.depth += 1
        try:
            return self.run_body(func.node, local)
        finally:
            self.depth -= 1

    def _note_type(self, type_node: Any, span: Span) -> None:
        if type_node is None or type_node.type not in ("map_type", "slice_type"):
            return
        text = "".join(self.text(type_node).split())
        if not text.endswith(("]any", "]interface{}")):
            self._typed[span] = text

    def _untyped(self, config: Obj | None) -> Obj | None:
        """railway-go-sdk reads the maps of a ServiceConfig with a type switch on
        `map[string]any` (asMap) and its lists as `[]any`, so a `map[string]string` or
        `[]string` there may be ignored: unresolved, not read as if it were set."""
        if config is None:
            return None
        members = []
        for member in config.members:
            typed = self._typed.get(member.value.span)
            if typed is not None and member.key in _GO_ANY_KEYS and not (
                    member.key == "build" and isinstance(member.value, Str)):
                reason = (f"a {typed} as `{member.key}`: railway-go-sdk reads only "
                          f"{'[]any' if typed.startswith('[]') else 'map[string]any'} there")
                self.note("unresolved", member.value.span, reason)
                member = Member(member.key, member.key_span, Unresolved(member.value.span, reason))
            members.append(member)
        return Obj(config.span, tuple(members), config.opaque)

    def _options(self, args: list[Any], start: int, scope: Scope) -> Obj | None:
        """The first variadic `map[string]any` options argument (`opts ...map[string]any`)."""
        if len(args) <= start:
            return None
        value = self.ev(args[start], scope)
        for extra in args[start + 1 :]:
            self.ev(extra, scope)
        if isinstance(value, Obj):
            return value
        if isinstance(value, Null):
            return None
        return Obj(self.span(args[start]), (), (self._opaque(value, args[start], "options"),))

    def _name(self, node: Any, args: list[Any], scope: Scope) -> Str | Unresolved:
        if not args:
            return self.unresolved(node, "resource without a name")
        value = self.ev(args[0], scope)
        if isinstance(value, Str):
            return value
        return self._opaque(value, args[0], "resource name")

    def sdk_call(self, name: str, node: Any, args: list[Any], scope: Scope) -> Any:
        span = self.span(node)
        if name in ("ServiceNamed", "Fn"):
            rname = self._name(node, args, scope)
            config = self._untyped(self._options(args, 1, scope))
            kind = "function" if name == "Fn" else "service"
            return self.resource("service", kind, rname, span, config)
        if name in ENGINES:
            rname = self._name(node, args, scope)
            return self.resource(
                "database", ENGINES[name], rname, span, self._options(args, 1, scope)
            )
        if name == "Database":
            rname = self._name(node, args, scope)
            engine = self.ev(args[1], scope) if len(args) > 1 else None
            kind = engine.text if isinstance(engine, Str) else "unknown"
            return self.resource("database", kind, rname, span, self._options(args, 2, scope))
        if name in ("Volume", "Bucket"):
            rname = self._name(node, args, scope)
            rtype = name.lower()
            return self.resource(rtype, rtype, rname, span, self._options(args, 1, scope))
        if name == "Group":
            return self.group(node, args, scope)
        if name == "ProjectNamed":
            return self.project(node, args, scope)
        if name in ("Github", "Image", "Template"):
            value = self.ev(args[0], scope) if args else None
            if args and not isinstance(value, Str):
                self._opaque(value, args[0], f"{name} source")
            options = self._options(args, 1, scope)
            source_type: Any = name.lower()
            return SourceVal(span, source_type, value if isinstance(value, Str) else None, options)
        if name == "Empty":
            return SourceVal(span, "empty", None, self._options(args, 0, scope))
        if name == "Preserve":
            return Preserve(span)
        if name == "Shared":
            value = self.ev(args[0], scope) if args else None
            if isinstance(value, Str):
                return Shared(span, value.text)
            return self.unresolved(node, "Shared() of an unknown name")
        if name == "Ref" and len(args) == 2:
            target, output = self.ev(args[0], scope), self.ev(args[1], scope)
            if isinstance(target, ResourceVal) and isinstance(output, Str):
                return Ref(span, target.address, output.text)
            return self.unresolved(node, "Ref() to an unknown resource")
        if name == "NewContext" and len(args) == 1:
            # railway-go-sdk: NewContext(input) returns input with Environment and
            # EnvironmentName filled from each other, so the CLI's context stays itself
            given = self.ev(args[0], scope)
            if isinstance(given, _Ctx):
                return given
            return self._opaque(given, args[0], "NewContext() of a context railsafe "
                                "cannot read")
        for arg in args:
            self.ev(arg, scope)
        return self.unresolved(node, f"{name}()")

    def group(self, node: Any, args: list[Any], scope: Scope) -> Any:
        span = self.span(node)
        rname = self._name(node, args, scope)
        resources = self.ev(args[1], scope) if len(args) > 1 else None
        value = self.resource("group", "group", rname, span, self._options(args, 2, scope))
        group = self._resources[id(value)][1]
        items: list[ResourceVal] = []
        if (
            resources is not None
            and not isinstance(resources, Null)
            and not self.flatten(resources, items)
        ):
            self._opaque(resources, args[1], "group resources")
        for item in items:
            bound = self._resources.get(id(item))
            if bound is not None and isinstance(group.name, Str):
                bound[1].group = group.name.text
        group.members = tuple(i.address for i in items)
        return Seq(span, (value, *items))

    def project(self, node: Any, args: list[Any], scope: Scope) -> Any:
        span = self.span(node)
        program = self.program
        program.project_call = span
        program.project_name = self._val(self.ev(args[0], scope), args[0]) if args else None
        resources = self.ev(args[1], scope) if len(args) > 1 else None
        for extra in args[2:]:
            self.ev(extra, scope)
        if resources is None or isinstance(resources, Null):
            program.listed = ()
        else:
            items: list[ResourceVal] = []
            program.listed = (
                tuple(i.address for i in items) if self.flatten(resources, items) else None
            )
        return _Project(span)


_UNKNOWN = object()


def _plain(value: Any) -> Any:
    if isinstance(value, Str):
        return value.text
    if isinstance(value, Num | Bool):
        return value.value
    if isinstance(value, Null):
        return None
    return _UNKNOWN


def _unescape(escape: str) -> str:
    body = escape[1:]
    if body in _ESCAPES:
        return _ESCAPES[body]
    try:
        if body[:1] in ("x", "u", "U"):
            return chr(int(body[1:], 16))
        if body[:1].isdigit():
            return chr(int(body, 8))
    except ValueError:
        pass
    return escape

"""TypeScript / JavaScript front-end: `.railway/railway.{ts,mts,cts,js,mjs,cjs}`.

The CLI runs these files with Node (railway-iac.md §2.1); railsafe walks the
tree-sitter tree instead and evaluates only what it can know for sure: a
small interpreter over literals, consts, spreads, simple factories and
`ctx.environment` comparisons decided for one environment. Everything else
becomes `Unresolved` at its span, with a note, never a guess.

What it runs: imports of `railway/iac` (named, aliased, namespace, `require`),
ESM and CommonJS entry points as the CLI picks them, const/let bindings,
closures called with known arguments (factories, `.map`), `if`/`switch`/
`for...of` when their condition or list is known, `try` bodies, object and
array spreads, `Object.fromEntries/entries/keys/values`, `.join`, `.push` on
a local array, post-construction assignments to resource bindings. What it
does not: `while`/`for(;;)` loops, classes, `this`, getters, `Object.assign`,
imports from other files, anything read from the machine (`process.env`,
files); these are noted where they happen. Budgets on depth and work keep
any input (deep nesting, runaway recursion, nested loops) fast and safe.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from railsafe.findings import Span, code_point_column
from railsafe.iac.evaluation import STEP_BUDGET, Scope
from railsafe.iac.values import (
    Assignment,
    Bool,
    EntryPoint,
    Member,
    Note,
    Null,
    Num,
    Obj,
    Preserve,
    Program,
    Ref,
    Resource,
    ResourceVal,
    Seq,
    Shared,
    SourceVal,
    Str,
    Unresolved,
    Val,
)

# npm `railway` 3.11.0: `railway/iac`, and the package root, which re-exports every
# IaC value of `railway/iac` except `preserve` (checked against the package)
SDK_MODULES = frozenset({"railway/iac", "railway"})
_ROOT_LACKS = {"railway": frozenset({"preserve"})}
_RESOURCE_FUNCS = frozenset({
    "service", "fn", "postgres", "mysql", "redis", "mongo", "database", "volume", "bucket", "group",
})
_SDK_FUNCS = _RESOURCE_FUNCS | {
    "defineRailway", "define", "project", "github", "image", "template", "empty", "ref", "preserve",
}
# every value `railway/iac` 3.11.0 exports (the rest of its exports are types)
_SDK_VALUES = _SDK_FUNCS | {
    "createRailwayContext", "resourceAddress", "indexGraph", "validateGraph",
    "RAILWAY_GRAPH_VERSION",
}
_ENGINES = frozenset({"postgres", "mysql", "redis", "mongo"})
_CTX_ENV_FIELDS = frozenset({"environment", "environmentName"})
_MAX_DEPTH = 150  # nested expressions / calls before a value is given up as Unresolved
_MAX_CALLS = 5000  # function calls per file (guards runaway recursion in factories)
# Node strips types only where erasing them is enough (railway-iac.md §2.1)
_NOT_ERASABLE = "an enum or namespace: Node's type stripping rejects it, so the CLI cannot run it"
_STATEMENTS = {
    "if_statement": "an if on a condition railsafe cannot decide",
    "switch_statement": "a switch on a value railsafe cannot decide",
    "for_in_statement": "a loop over a list railsafe cannot read",
    "for_statement": "a for loop",
    "while_statement": "a while loop",
    "do_statement": "a do-while loop",
}


@cache
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_typescript as grammar

    return tree_sitter.Parser(tree_sitter.Language(grammar.language_typescript()))


# -- interpreter-only values (never stored in a Program) ---------------------------


@dataclass(frozen=True)
class _Sdk:
    """A function imported from the SDK (`service`, `r.project`, ...)."""

    name: str


@dataclass(frozen=True)
class _SdkNamespace:
    """`import * as r from "railway/iac"` (or from the `railway` package root)."""

    module: str = "railway/iac"


def _sdk_export(module: str, name: str, span: Span) -> Any:
    """The SDK function `name` as imported from `module`, or why it is not one."""
    lacks = _ROOT_LACKS.get(module, frozenset())
    if name in _SDK_FUNCS and name not in lacks:
        return _Sdk(name)
    if name in _SDK_VALUES and name not in lacks:
        return Unresolved(span, f"{module} {name}")
    # undefined when the file runs: calling it fails the plan
    return Unresolved(span, f"{name}, which {module} 3.11.0 does not export")


@dataclass
class _Closure:
    node: Any
    scope: Scope
    name: str = "function"


class _Ctx:
    """The program's first parameter: the Railway context."""


@dataclass(frozen=True)
class _CtxEnv:
    """`ctx.environment`: compared against names, decided for one environment."""

    span: Span


class _CtxShared:
    """`ctx.shared`."""


class _CtxIsEnv:
    """`ctx.isEnvironment`."""


class _CtxRandom:
    """`ctx.randomString`: not random at all, a hash of the environment name and a label."""


@dataclass(frozen=True)
class _EnvProxy:
    """`db.env`: any property is a reference to that resource's variable."""

    address: str


class _ProcessEnv:
    """`process.env`."""


@dataclass(frozen=True)
class _ObjectGlobal:
    """`Object` (for `Object.fromEntries` / `Object.entries` / `Object.keys`)."""


@dataclass(frozen=True)
class _Method:
    """A bound method of a known value: `[...].map`, `[...].join`."""

    target: Any
    name: str


@dataclass(frozen=True)
class _ProjectDef:
    """What `project(...)` returned."""

    span: Span


@dataclass
class _Return:
    value: Any


@dataclass(frozen=True)
class _Jump:
    """`break` / `continue`."""

    kind: str


_Signal = _Return | _Jump
_MAX_ITERATIONS = 1000  # loop iterations per loop statement


class _TooDeep(Exception):
    pass


@dataclass
class _Exports:
    values: dict[str, Any] = field(default_factory=dict)
    spans: dict[str, Span] = field(default_factory=dict)


def _children(node: Any) -> list[Any]:
    return [c for c in node.named_children if c.type != "comment"]


def _truthy(value: Any) -> bool | None:
    """JavaScript truthiness where it is known, else None."""
    if isinstance(value, Str):
        return value.text != ""
    if isinstance(value, Num):
        return value.value != 0
    if isinstance(value, Bool):
        return value.value
    if isinstance(value, Null):
        return False
    if isinstance(value, Unresolved):
        return None
    return True  # objects, references, and ctx.environment (always some name)


class _Reader:
    def __init__(self, text: str, relpath: str, environment: str | None) -> None:
        self.source = text.encode("utf-8", "surrogatepass")
        self.lines = self.source.split(b"\n")
        self.program = Program(path=relpath, language="typescript", environment=environment)
        self.environment = environment
        self.module = Scope()
        self.exports = _Exports()
        self.compared: set[str] = set()
        self.resources_by_address: dict[str, Resource] = {}
        self.depth = 0
        self.steps = 0
        self.calls = 0
        self.cjs_exports: Any = None  # what `module.exports = ...` assigned
        self.cjs_span: Span | None = None
        self.cjs_loose: list[str] = []  # names set by `exports.x = ...` on the original object
        self.cjs_replaced = False

    # -- positions -------------------------------------------------------------
    def _col(self, row: int, byte_col: int) -> int:
        return code_point_column(self.lines[row] if row < len(self.lines) else b"", byte_col)

    def span(self, node: Any, end: Any = None) -> Span:
        end = end if end is not None else node
        (r1, c1), (r2, c2) = node.start_point, end.end_point
        return Span(r1 + 1, self._col(r1, c1), r2 + 1, self._col(r2, c2))

    def text(self, node: Any) -> str:
        return str(node.text.decode("utf-8", "replace"))

    # -- notes -------------------------------------------------------------------
    def note(self, code: str, node_or_span: Any, detail: str = "") -> None:
        span = node_or_span if isinstance(node_or_span, Span) else self.span(node_or_span)
        self.program.notes.append(Note(code, span, detail))

    def unresolved(self, node: Any, reason: str) -> Unresolved:
        """An Unresolved value where static reading first lost track (noted once)."""
        self.note("unresolved", node, reason)
        return Unresolved(self.span(node), reason)

    def as_val(self, value: Any, node: Any) -> Val:
        """An interpreter value as a located `Val` for a Program (`node` may be a Span)."""
        if isinstance(value, Val):
            return value
        if isinstance(node, Span):
            return Unresolved(node, "a value railsafe does not model")
        if isinstance(value, _CtxEnv):
            if self.environment is None:
                return Unresolved(self.span(node), "ctx.environment (no environment assumed)")
            return Str(self.span(node), self.environment)
        if isinstance(value, _ProjectDef):
            return Unresolved(self.span(node), "a project() definition")
        what = {
            _Closure: "a function", _Sdk: "an SDK function", _EnvProxy: "a resource's env object",
            _ProcessEnv: "process.env", _Ctx: "ctx",
        }.get(type(value), "a value railsafe does not model")
        return Unresolved(self.span(node), what)

    # -- entry -------------------------------------------------------------------
    def read(self, tree: Any) -> Program:
        root = tree.root_node
        if root.has_error:
            self._syntax_error(root)
        try:
            self._hoist(_children(root), self.module)
            for statement in _children(root):
                self.module_statement(statement)
            self._finish()
        except (_TooDeep, RecursionError):
            self.note("unresolved", Span(1, 1, 1, 1), "the file is too deeply nested to read")
        program = self.program
        if program.sdk_module is None:
            program.notes.append(Note("no-sdk-import", Span(1, 1, 1, 1), "railway/iac"))
        program.environments = tuple(sorted(self.compared))
        seen: set[Note] = set()
        unique = []
        for n in program.notes:
            if n not in seen:
                seen.add(n)
                unique.append(n)
        program.notes = unique
        return program

    def _syntax_error(self, root: Any) -> None:
        stack = [root]
        while stack:
            node = stack.pop()
            if node.type == "ERROR" or node.is_missing:
                self.program.error = (
                    f"missing {node.type}" if node.is_missing else "syntax error"
                )
                self.program.error_span = self.span(node)
                return
            if node.has_error:
                stack.extend(reversed(node.children))
        self.program.error = "syntax error"
        self.program.error_span = Span(1, 1, 1, 1)

    def _finish(self) -> None:
        program = self.program
        values, spans = self.exports.values, self.exports.spans
        program.exports = tuple(spans.items())
        for name in ("partial", "PARTIAL", "Partial"):
            if name in values and not isinstance(values[name], Null):
                program.partial = self.as_val(values[name], None) if not isinstance(
                    values[name], Val) else values[name]
                break
        chosen: tuple[str, Any, Span] | None = None
        if self.cjs_span is not None:
            # CommonJS: the CLI's `import()` sees `module.exports` as the default export
            value: Any = self.cjs_exports
            if not self.cjs_replaced and "default" in self.cjs_loose:
                value = values.get("default")  # `exports.default = ...`, unwrapped by the CLI
            elif not self.cjs_replaced:
                value = Obj(self.cjs_span, tuple(
                    Member(n, spans[n], self.as_val(values[n], spans[n])) for n in self.cjs_loose
                    if n in values))
            chosen = ("module.exports", value, self.cjs_span)
        else:
            for name in ("default", "main", "Railway"):
                if name in values and not isinstance(values[name], Null):
                    chosen = (name, values[name], spans[name])
                    break
        if chosen is None:
            return
        name, value, span = chosen
        if name == "module.exports" and isinstance(value, Obj) and value.get(
                "default") is not None and "default" in values:
            value = values["default"]  # keeps a function the object held
        while isinstance(value, Obj) and value.get("default") is not None:
            value = value.get("default")
        if isinstance(value, _Closure):
            program.entry = EntryPoint(name, span, True)
            result = self.call_closure(value, [_Ctx(), _Sdk("project")], value.node)
            if isinstance(result, Obj) and program.project_call is None:
                # a program may return the definition itself: `{ name, resources }`
                self._project_from(result.get("name"), result, result.span)
        elif isinstance(value, _Sdk) and value.name in {"defineRailway", "define"}:
            program.entry = EntryPoint(name, span, True)
        else:
            program.entry = EntryPoint(name, span, False)
            if isinstance(value, Obj) and program.project_call is None and (
                    value.get("name") is not None or value.get("resources") is not None):
                self._project_from(value.get("name"), value, value.span)

    # -- module level --------------------------------------------------------------
    def module_statement(self, node: Any) -> None:
        kind = node.type
        if kind == "import_statement":
            self._import(node)
        elif kind == "export_statement":
            self._export(node)
        elif kind == "expression_statement" and self._cjs_export(node):
            return
        else:
            self.statement(node, self.module)

    def _import(self, node: Any) -> None:
        source = node.child_by_field_name("source")
        module = self._string_text(source) if source is not None else None
        if module is None:
            return
        if module not in SDK_MODULES:
            self._foreign_import(node, module)
            return
        self.program.sdk_module = module
        if any(c.type == "type" for c in node.children):
            return  # `import type { ... }`: erased before the file runs
        for clause in _children(node):
            if clause.type != "import_clause":
                continue
            for part in _children(clause):
                if part.type == "namespace_import":
                    for ident in _children(part):
                        self.module.names[self.text(ident)] = _SdkNamespace(module)
                elif part.type == "named_imports":
                    for spec in _children(part):
                        if spec.type != "import_specifier" or any(
                                c.type == "type" for c in spec.children):
                            continue  # `{ type X }`: erased too
                        name = spec.child_by_field_name("name")
                        alias = spec.child_by_field_name("alias") or name
                        if name is not None and alias is not None:
                            self._bind_sdk(self.text(name), self.text(alias), module,
                                           self.span(spec))
                elif part.type == "identifier":  # default import: the namespace
                    self.module.names[self.text(part)] = _SdkNamespace(module)

    def _foreign_import(self, node: Any, module: str) -> None:
        """Names from other modules are known to be unknowable: say where they come from."""
        span = self.span(node)
        names: list[str] = []
        for clause in _children(node):
            if clause.type != "import_clause":
                continue
            for part in _children(clause):
                if part.type == "identifier":
                    names.append(self.text(part))
                elif part.type == "namespace_import":
                    names.extend(self.text(i) for i in _children(part))
                elif part.type == "named_imports":
                    for spec in _children(part):
                        alias = spec.child_by_field_name("alias") or spec.child_by_field_name(
                            "name")
                        if alias is not None:
                            names.append(self.text(alias))
        for name in names:
            self.module.names[name] = Unresolved(span, f"{name} imported from {module}")

    def _bind_sdk(self, name: str, alias: str, module: str, span: Span) -> None:
        value = self.module.names[alias] = _sdk_export(module, name, span)
        # a PascalCase name may be one of the SDK's type exports (IntentServiceConfig, ...):
        # only a missing function or value is sure to fail the import
        if isinstance(value, Unresolved) and "does not export" in value.reason and (
                name[:1].islower()):
            # an ES module import of a missing name: loading the file is a SyntaxError,
            # so the CLI plans nothing (type-only names are erased before that)
            self.note("unresolved", span, f"import of {value.reason}: Node cannot load "
                      "the file")

    def _string_text(self, node: Any) -> str | None:
        if node.type != "string":
            return None
        return "".join(self.text(c) for c in _children(node) if c.type == "string_fragment")

    def _export(self, node: Any) -> None:
        declaration = node.child_by_field_name("declaration")
        value = node.child_by_field_name("value")
        is_default = any(c.type == "default" for c in node.children)
        if is_default:
            default_kw = next(c for c in node.children if c.type == "default")
            span = self.span(node.children[0], default_kw)
            target = value if value is not None else declaration
            if target is None:
                return
            if target.type in {"function_declaration", "generator_function_declaration",
                               "class_declaration"}:
                result: Any = self._closure(target, self.module)
                name_node = target.child_by_field_name("name")
                if name_node is not None:
                    self.module.names[self.text(name_node)] = result
            else:
                result = self.ev(target, self.module)
            self.exports.values["default"] = result
            self.exports.spans["default"] = span
            return
        if declaration is not None:
            self.statement(declaration, self.module)
            for name_node in self._declared_names(declaration):
                name = self.text(name_node)
                self.exports.spans[name] = self.span(name_node)
                self.exports.values[name] = self.module.lookup(name)[1]
            return
        for clause in _children(node):
            if clause.type != "export_clause":
                continue
            for spec in _children(clause):
                local = spec.child_by_field_name("name")
                alias = spec.child_by_field_name("alias") or local
                if local is None or alias is None:
                    continue
                name = self.text(alias) if alias.type != "string" else (
                    self._string_text(alias) or "")
                self.exports.spans[name] = self.span(alias)
                self.exports.values[name] = self.module.lookup(self.text(local))[1]

    def _declared_names(self, declaration: Any) -> list[Any]:
        if declaration.type in {"lexical_declaration", "variable_declaration"}:
            names = []
            for declarator in _children(declaration):
                target = declarator.child_by_field_name("name")
                if target is not None and target.type == "identifier":
                    names.append(target)
            return names
        name = declaration.child_by_field_name("name")
        return [name] if name is not None else []

    def _cjs_export(self, node: Any) -> bool:
        """`module.exports = ...`, `module.exports.main = ...`, `exports.default = ...`."""
        expr = _children(node)[0] if _children(node) else None
        if expr is None or expr.type != "assignment_expression":
            return False
        left = expr.child_by_field_name("left")
        right = expr.child_by_field_name("right")
        if left is None or right is None:
            return False
        path = self._member_path(left)
        if path is None:
            return False
        if path == ["module", "exports"]:
            raw = self._cjs_object(right)
            value = self.ev(right, self.module) if raw is None else Obj(
                self.span(right), tuple(m for m, _ in raw.values()))
            self.cjs_exports, self.cjs_span = value, self.span(left)
            # the object `exports.x = ...` wrote to is replaced: those names are gone
            for name in self.cjs_loose:
                self.exports.spans.pop(name, None)
                self.exports.values.pop(name, None)
            self.cjs_loose = []
            self.cjs_replaced = True
            if isinstance(value, Obj):
                for m in value.members:
                    self.exports.spans[m.key] = m.key_span
                    self.exports.values[m.key] = raw[m.key][1] if raw else m.value
            else:
                self.exports.spans["module.exports"] = self.span(left)
            return True
        if (len(path) == 3 and path[:2] == ["module", "exports"]) or (
                len(path) == 2 and path[0] == "exports"):
            name = path[-1]
            value = self.ev(right, self.module)
            if path[0] == "exports" and self.cjs_replaced:
                return True  # written to the old exports object, which nothing reads
            self.exports.spans[name] = self.span(left)
            self.exports.values[name] = value
            if not self.cjs_replaced:
                self.cjs_loose.append(name)
                self.cjs_span = self.cjs_span or self.span(left)
            return True
        return False

    def _cjs_object(self, node: Any) -> dict[str, tuple[Member, Any]] | None:
        """`module.exports = { default: fn, partial: "x" }`, member by member, keeping the
        functions (an `Obj` holds only values); None for any other shape."""
        if node.type != "object":
            return None
        parts = _children(node)
        simple = {"property_identifier", "string"}
        if not all(p.type == "shorthand_property_identifier" or (
                p.type == "pair" and (k := p.child_by_field_name("key")) is not None
                and k.type in simple) for p in parts):
            return None
        out: dict[str, tuple[Member, Any]] = {}
        for part in parts:
            if part.type == "shorthand_property_identifier":
                key, key_node = self.text(part), part
                found, value = self.module.lookup(key)
                if not found:
                    value = self.unresolved(part, f"unknown name {key}")
                at = part
            else:
                key_node = part.child_by_field_name("key")
                at = part.child_by_field_name("value")
                key = self._key_text(key_node, self.module) or ""
                value = self.ev(at, self.module) if at is not None else Null(self.span(part))
            out[key] = (Member(key, self.span(key_node), self.as_val(value, at or part)), value)
        return out

    def _member_path(self, node: Any) -> list[str] | None:
        parts: list[str] = []
        while node.type == "member_expression":
            prop = node.child_by_field_name("property")
            if prop is None:
                return None
            parts.append(self.text(prop))
            node = node.child_by_field_name("object")
            if node is None:
                return None
        if node.type != "identifier":
            return None
        parts.append(self.text(node))
        return parts[::-1]

    # -- statements ----------------------------------------------------------------
    def _hoist(self, statements: list[Any], scope: Scope) -> None:
        for statement in statements:
            target = statement
            if statement.type == "export_statement":
                target = statement.child_by_field_name("declaration") or statement
            if target.type == "function_declaration":
                name = target.child_by_field_name("name")
                if name is not None:
                    scope.names[self.text(name)] = self._closure(target, scope)

    def block(self, statements: list[Any], scope: Scope) -> _Signal | None:
        self._hoist(statements, scope)
        for statement in statements:
            result = self.statement(statement, scope)
            if result is not None:
                return result
        return None

    def statement(self, node: Any, scope: Scope) -> _Signal | None:
        if self.depth >= _MAX_DEPTH:
            self.note("unresolved", node, "statements nested too deeply")
            return None
        self.depth += 1
        try:
            return self._statement(node, scope)
        finally:
            self.depth -= 1

    def _statement(self, node: Any, scope: Scope) -> _Signal | None:
        kind = node.type
        if kind in {"lexical_declaration", "variable_declaration"}:
            for declarator in _children(node):
                if declarator.type == "variable_declarator":
                    self._declare(declarator, scope)
        elif kind == "expression_statement":
            for expr in _children(node):
                self._effect(expr, scope)
        elif kind == "return_statement":
            exprs = _children(node)
            return _Return(self.ev(exprs[0], scope) if exprs else Null(self.span(node)))
        elif kind == "statement_block":
            return self.block(_children(node), Scope(parent=scope))
        elif kind == "if_statement":
            return self._if(node, scope)
        elif kind in {"break_statement", "continue_statement"}:
            return _Jump(kind.split("_")[0])
        elif kind == "switch_statement":
            return self._switch(node, scope)
        elif kind == "for_in_statement":
            return self._for_of(node, scope)
        elif kind == "try_statement":
            # evaluation never throws here, so the try body is what runs
            body = node.child_by_field_name("body")
            return self.statement(body, scope) if body is not None else None
        elif kind in {"function_declaration", "import_statement", "empty_statement",
                      "type_alias_declaration", "interface_declaration", "comment",
                      "ambient_declaration", "class_declaration"}:
            return None
        elif kind == "enum_declaration":
            self.note("unresolved", node, _NOT_ERASABLE)
            return None
        elif kind == "export_statement":
            self._export(node)
        else:
            return self._opaque_statement(node, scope, kind)
        return None

    def _opaque_statement(self, node: Any, scope: Scope, kind: str) -> _Signal | None:
        """A statement railsafe does not run: what it assigns or returns is unknown."""
        what = _STATEMENTS.get(kind, f"a {kind.replace('_', ' ')}")
        self.note("unresolved", node, what)
        self._forget_assigned(node, scope)
        if self._contains(node, "return_statement"):
            return _Return(Unresolved(self.span(node), f"a return inside {what}"))
        return None

    def _contains(self, node: Any, kind: str) -> bool:
        stack = list(node.named_children)
        while stack:
            n = stack.pop()
            if n.type == kind:
                return True
            if n.type not in {"arrow_function", "function_expression", "function_declaration",
                              "method_definition"}:
                stack.extend(n.named_children)
        return False

    def _forget_assigned(self, node: Any, scope: Scope) -> None:
        stack = list(node.named_children)
        while stack:
            n = stack.pop()
            if n.type in {"assignment_expression", "augmented_assignment_expression"}:
                left = n.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    scope.assign(self.text(left), Unresolved(self.span(n), "assigned in a branch "
                                                             "railsafe cannot decide"))
            stack.extend(n.named_children)

    def _switch(self, node: Any, scope: Scope) -> _Signal | None:
        """`switch (ctx.environment) { case "production": ... }` with a known value."""
        value_node = node.child_by_field_name("value")
        body = node.child_by_field_name("body")
        if value_node is None or body is None:
            return None
        value = self.ev(value_node, scope)
        cases = [c for c in _children(body) if c.type in {"switch_case", "switch_default"}]
        start: int | None = None
        for index, case in enumerate(cases):
            if case.type == "switch_default":
                continue
            test_node = case.child_by_field_name("value")
            if test_node is None:
                continue
            test = self.ev(test_node, scope)
            if isinstance(value, _CtxEnv) and isinstance(test, Str):
                decided = self._compare_env(test, test_node, equal=True).value
            elif isinstance(value, Str | Num | Bool | Null) and isinstance(
                    test, Str | Num | Bool | Null):
                decided = type(value) is type(test) and _plain(value) == _plain(test)
            else:
                return self._opaque_statement(node, scope, "switch_statement")
            if decided and start is None:
                start = index
        if start is None:
            start = next((i for i, c in enumerate(cases) if c.type == "switch_default"), None)
        if start is None:
            return None
        inner = Scope(parent=scope)
        for case in cases[start:]:
            statements = [c for c in _children(case)
                          if case.field_name_for_named_child(case.named_children.index(c))
                          == "body"] if case.type == "switch_case" else _children(case)
            result = self.block(statements, inner)
            if isinstance(result, _Jump) and result.kind == "break":
                return None
            if result is not None:
                return result
        return None

    def _for_of(self, node: Any, scope: Scope) -> _Signal | None:
        """`for (const x of [literal, ...])`: the body runs once per known item."""
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        body = node.child_by_field_name("body")
        operator = node.child_by_field_name("operator")
        if left is None or right is None or body is None or operator is None:
            return self._opaque_statement(node, scope, "for_in_statement")
        iterable = self.ev(right, scope)
        if self.text(operator) == "in" and isinstance(iterable, Obj) and not iterable.opaque:
            items: tuple[Val, ...] = tuple(Str(m.key_span, k) for k, m in
                                           {m.key: m for m in iterable.members}.items())
        elif self.text(operator) == "of" and isinstance(iterable, Seq):
            items = iterable.items
        else:
            return self._opaque_statement(node, scope, "for_in_statement")
        for item in items[:_MAX_ITERATIONS]:
            inner = Scope(parent=scope)
            self.bind(left, item, inner, node, declare=True)
            result = self.statement(body, inner)
            if isinstance(result, _Jump):
                if result.kind == "break":
                    break
                continue
            if result is not None:
                return result
        return None

    def _if(self, node: Any, scope: Scope) -> _Signal | None:
        condition = node.child_by_field_name("condition")
        consequence = node.child_by_field_name("consequence")
        alternative = node.child_by_field_name("alternative")
        if condition is None or consequence is None:
            return None
        decided = _truthy(self.ev(condition, scope))
        if decided is None:
            return self._opaque_statement(node, scope, "if_statement")
        if decided:
            return self.statement(consequence, scope)
        if alternative is not None:
            branches = [c for c in _children(alternative)]
            for branch in branches:
                result = self.statement(branch, scope)
                if result is not None:
                    return result
        return None

    def _declare(self, declarator: Any, scope: Scope) -> None:
        target = declarator.child_by_field_name("name")
        value_node = declarator.child_by_field_name("value")
        if target is None:
            return
        if value_node is None:
            value: Any = Null(self.span(target))
        else:
            value = self.ev(value_node, scope)
            if value_node.type in {"arrow_function", "function_expression"} and isinstance(
                    value, _Closure) and target.type == "identifier":
                value.name = self.text(target)
        self.bind(target, value, scope, value_node or target, declare=True)
        if isinstance(value, ResourceVal) and target.type == "identifier":
            resource = self.resources_by_address.get(value.address)
            if resource is not None and resource.binding is None:
                resource.binding = self.text(target)

    def bind(self, target: Any, value: Any, scope: Scope, at: Any, declare: bool) -> None:
        """Bind a pattern (identifier, `{ a, b: c }`, `[a, b]`) to a value."""
        kind = target.type
        if kind == "identifier":
            name = self.text(target)
            if declare or not scope.assign(name, value):
                scope.names[name] = value
        elif kind == "object_pattern":
            for part in _children(target):
                if part.type == "shorthand_property_identifier_pattern":
                    key = self.text(part)
                    self.bind_name(key, self.prop(value, key, part), scope)
                elif part.type == "pair_pattern":
                    key_node = part.child_by_field_name("key")
                    inner = part.child_by_field_name("value")
                    if key_node is None or inner is None:
                        continue
                    pkey = self._key_text(key_node, scope)
                    psub = self.prop(value, pkey, part) if pkey is not None else Unresolved(
                        self.span(key_node), "computed key")
                    self.bind(inner, psub, scope, part, declare)
                elif part.type == "object_assignment_pattern":
                    left = part.child_by_field_name("left")
                    right = part.child_by_field_name("right")
                    if left is None:
                        continue
                    key = self.text(left)
                    dsub = self.prop(value, key, part)
                    if isinstance(dsub, Null) and right is not None:
                        dsub = self.ev(right, scope)
                    self.bind(left, dsub, scope, part, declare)
                elif part.type == "rest_pattern":
                    for ident in _children(part):
                        self.bind(ident, Unresolved(self.span(part), "rest of an object"), scope,
                                  part, declare)
        elif kind == "array_pattern":
            items = value.items if isinstance(value, Seq) else None
            for index, part in enumerate(_children(target)):
                if items is None:
                    sub: Any = Unresolved(self.span(part), "destructured from an unknown value")
                else:
                    sub = items[index] if index < len(items) else Null(self.span(part))
                if part.type == "assignment_pattern":
                    left = part.child_by_field_name("left")
                    right = part.child_by_field_name("right")
                    if isinstance(sub, Null) and right is not None:
                        sub = self.ev(right, scope)
                    if left is not None:
                        self.bind(left, sub, scope, part, declare)
                elif part.type != "rest_pattern":
                    self.bind(part, sub, scope, part, declare)
        elif kind == "assignment_pattern":
            left = target.child_by_field_name("left")
            right = target.child_by_field_name("right")
            if isinstance(value, Null) and right is not None:
                value = self.ev(right, scope)
            if left is not None:
                self.bind(left, value, scope, at, declare)

    def bind_name(self, name: str, value: Any, scope: Scope) -> None:
        scope.names[name] = value

    def _effect(self, expr: Any, scope: Scope) -> None:
        """An expression statement: assignments are tracked, calls run for their resources."""
        if expr.type == "assignment_expression":
            self._assign(expr, scope)
        elif expr.type == "internal_module":
            self.note("unresolved", expr, _NOT_ERASABLE)
        else:
            self.ev(expr, scope)

    def _assign(self, expr: Any, scope: Scope) -> Any:
        left = expr.child_by_field_name("left")
        right = expr.child_by_field_name("right")
        if left is None or right is None:
            return Unresolved(self.span(expr), "assignment")
        value = self.ev(right, scope)
        if left.type in {"identifier", "object_pattern", "array_pattern"}:
            self.bind(left, value, scope, expr, declare=False)
            return value
        path: list[str] = []
        node = left
        while node.type in {"member_expression", "subscript_expression"}:
            if node.type == "member_expression":
                prop = node.child_by_field_name("property")
                key = self.text(prop) if prop is not None else None
            else:
                index = node.child_by_field_name("index")
                key_val = self.ev(index, scope) if index is not None else None
                key = key_val.text if isinstance(key_val, Str) else None
            if key is None:
                self.note("unresolved", expr, "assignment to a computed property")
                return value
            path.append(key)
            node = node.child_by_field_name("object")
            if node is None:
                return value
        path.reverse()
        base = self.ev(node, scope) if node.type == "identifier" else None
        if isinstance(base, ResourceVal):
            resource = self.resources_by_address.get(base.address)
            if resource is not None:
                resource.assignments.append(
                    Assignment(tuple(path), self.as_val(value, right), self.span(expr)))
                return value
        if isinstance(base, Obj) and len(path) == 1 and node.type == "identifier":
            prop_node = left.child_by_field_name("property") or left
            member = Member(path[0], self.span(prop_node), self.as_val(value, right))
            scope.assign(self.text(node), Obj(base.span, (*base.members, member), base.opaque))
            return value
        self.note("unresolved", expr, f"assignment to {self.text(left)}")
        return value

    # -- expressions -----------------------------------------------------------------
    def ev(self, node: Any, scope: Scope) -> Any:
        self.steps += 1
        if self.steps > STEP_BUDGET:
            if self.steps == STEP_BUDGET + 1:
                self.note("unresolved", node, "evaluation stopped: the file asks for too much work")
            return Unresolved(self.span(node), "evaluation stopped")
        if self.depth >= _MAX_DEPTH:
            return self.unresolved(node, "an expression nested too deeply")
        self.depth += 1
        try:
            return self._ev(node, scope)
        finally:
            self.depth -= 1

    def _ev(self, node: Any, scope: Scope) -> Any:
        kind = node.type
        span = self.span(node)
        if kind in {"parenthesized_expression", "as_expression", "satisfies_expression",
                    "non_null_expression", "type_assertion", "await_expression"}:
            inner = [c for c in _children(node) if not c.type.endswith("type")
                     and c.type not in {"type_identifier", "predefined_type", "generic_type",
                                        "object_type", "type_arguments"}]
            if not inner:
                return self.unresolved(node, kind)
            return self.ev(inner[0], scope)
        if kind == "string":
            return self._string(node)
        if kind == "template_string":
            return self._template(node, scope)
        if kind == "number":
            return self._number(node)
        if kind in {"true", "false"}:
            return Bool(span, kind == "true")
        if kind in {"null", "undefined"}:
            return Null(span)
        if kind == "identifier":
            name = self.text(node)
            found, value = scope.lookup(name)
            if found:
                return value
            if name == "undefined":
                return Null(span)
            if name == "Object":
                return _ObjectGlobal()
            if name in {"process", "require", "module", "exports"}:
                return Unresolved(span, name)
            return self.unresolved(node, f"unknown name {name}")
        if kind == "array":
            return self._array(node, scope)
        if kind == "object":
            return self._object(node, scope)
        if kind in {"member_expression", "subscript_expression"}:
            return self._member(node, scope)
        if kind == "call_expression":
            return self._call(node, scope)
        if kind in {"arrow_function", "function_expression", "function"}:
            return self._closure(node, scope)
        if kind == "binary_expression":
            return self._binary(node, scope)
        if kind == "unary_expression":
            return self._unary(node, scope)
        if kind == "ternary_expression":
            return self._ternary(node, scope)
        if kind == "assignment_expression":
            return self._assign(node, scope)
        if kind == "sequence_expression":
            last: Any = Null(span)
            for child in _children(node):
                last = self.ev(child, scope)
            return last
        return self.unresolved(node, f"a {kind.replace('_', ' ')}")

    def _closure(self, node: Any, scope: Scope) -> _Closure:
        name = node.child_by_field_name("name")
        return _Closure(node, scope, self.text(name) if name is not None else "function")

    def _string(self, node: Any) -> Str:
        parts = []
        simple = node.start_point[0] == node.end_point[0]
        for child in _children(node):
            if child.type == "string_fragment":
                parts.append(self.text(child))
            elif child.type == "escape_sequence":
                simple = False
                parts.append(_unescape(self.text(child)))
            else:
                simple = False
        span = self.span(node)
        return Str(span, "".join(parts), span.column + 1 if simple else None)

    def _template(self, node: Any, scope: Scope) -> Val:
        parts: list[str] = []
        simple = node.start_point[0] == node.end_point[0]
        for child in _children(node):
            if child.type == "string_fragment":
                parts.append(self.text(child))
            elif child.type == "escape_sequence":
                simple = False
                parts.append(_unescape(self.text(child)))
            elif child.type == "template_substitution":
                simple = False
                inner = _children(child)
                value = self.ev(inner[0], scope) if inner else Null(self.span(child))
                if isinstance(value, Ref | ResourceVal | _EnvProxy | Shared | Preserve | Obj):
                    self.note("template-object", child, self.text(child))
                    parts.append("[object Object]")
                    continue
                text = self._stringify(value)
                if text is None:
                    reason = value.reason if isinstance(value, Unresolved) else self.text(child)
                    return Unresolved(self.span(node), f"template string with {reason}")
                parts.append(text)
        span = self.span(node)
        return Str(span, "".join(parts), span.column + 1 if simple else None)

    def _stringify(self, value: Any) -> str | None:
        if isinstance(value, Str):
            return value.text
        if isinstance(value, Num):
            return _num_text(value.value)
        if isinstance(value, Bool):
            return "true" if value.value else "false"
        if isinstance(value, Null):
            return "undefined"
        if isinstance(value, _CtxEnv) and self.environment is not None:
            return self.environment
        if isinstance(value, Seq):
            texts = [self._stringify(item) for item in value.items]
            if any(t is None for t in texts):
                return None
            return ",".join(t for t in texts if t is not None)
        return None

    def _number(self, node: Any) -> Val:
        raw = self.text(node).replace("_", "")
        try:
            if raw.lower().startswith(("0x", "0o", "0b")):
                return Num(self.span(node), int(raw, 0))
            if raw.endswith("n"):
                return Num(self.span(node), int(raw[:-1]))
            value = float(raw)
            return Num(self.span(node), int(value) if value.is_integer() and "." not in raw
                       and "e" not in raw.lower() else value)
        except ValueError:
            return self.unresolved(node, f"number {raw}")

    def _array(self, node: Any, scope: Scope) -> Val:
        items: list[Val] = []
        for child in _children(node):
            if child.type == "spread_element":
                inner = _children(child)
                value = self.ev(inner[0], scope) if inner else Null(self.span(child))
                if isinstance(value, Seq):
                    items.extend(value.items)
                else:
                    items.append(self.as_val(value, child) if not isinstance(value, Unresolved)
                                 else value)
            else:
                items.append(self.as_val(self.ev(child, scope), child))
        return Seq(self.span(node), tuple(items))

    def _key_text(self, key: Any, scope: Scope) -> str | None:
        if key.type in {"property_identifier", "identifier", "private_property_identifier"}:
            return self.text(key)
        if key.type == "string":
            return self._string_text(key)
        if key.type == "number":
            number = self._number(key)
            return _num_text(number.value) if isinstance(number, Num) else None
        if key.type == "computed_property_name":
            inner = _children(key)
            value = self.ev(inner[0], scope) if inner else None
            if isinstance(value, Str):
                return value.text
            if isinstance(value, Num):
                return _num_text(value.value)
            return None
        return None

    def _object(self, node: Any, scope: Scope) -> Obj:
        members: list[Member] = []
        opaque: list[Unresolved] = []
        for child in _children(node):
            if child.type == "pair":
                key_node = child.child_by_field_name("key")
                value_node = child.child_by_field_name("value")
                if key_node is None or value_node is None:
                    continue
                key = self._key_text(key_node, scope)
                value = self.ev(value_node, scope)
                if key is None:
                    opaque.append(self.unresolved(key_node, f"computed key {self.text(key_node)}"))
                    continue
                members.append(Member(key, self.span(key_node), self.as_val(value, value_node)))
            elif child.type == "shorthand_property_identifier":
                name = self.text(child)
                found, value = scope.lookup(name)
                if not found:
                    value = self.unresolved(child, f"unknown name {name}")
                members.append(Member(name, self.span(child), self.as_val(value, child)))
            elif child.type == "spread_element":
                inner = _children(child)
                value = self.ev(inner[0], scope) if inner else Null(self.span(child))
                if isinstance(value, SourceVal):
                    value = _source_obj(value)
                if isinstance(value, Obj):
                    members.extend(value.members)
                    opaque.extend(value.opaque)
                elif isinstance(value, Null | Bool | Num):
                    continue
                elif isinstance(value, Unresolved):
                    opaque.append(Unresolved(self.span(child), f"spread of {value.reason}"))
                else:
                    opaque.append(self.unresolved(child, f"spread of {self.text(child)}"))
            elif child.type == "method_definition":
                name = child.child_by_field_name("name")
                if name is not None:
                    members.append(Member(self.text(name), self.span(name),
                                          Unresolved(self.span(child), "a method")))
        return Obj(self.span(node), tuple(members), tuple(opaque))

    # -- member access -------------------------------------------------------------
    def _member(self, node: Any, scope: Scope) -> Any:
        obj_node = node.child_by_field_name("object")
        if obj_node is None:
            return self.unresolved(node, "member access")
        if node.type == "member_expression":
            prop_node = node.child_by_field_name("property")
            key: str | None = self.text(prop_node) if prop_node is not None else None
        key_val: Any = None
        if node.type != "member_expression":
            index = node.child_by_field_name("index")
            key_val = self.ev(index, scope) if index is not None else None
            key = key_val.text if isinstance(key_val, Str) else (
                _num_text(key_val.value) if isinstance(key_val, Num) else None)
        if obj_node.type == "identifier" and self.text(obj_node) == "process" and not (
                scope.lookup("process")[0]):
            return _ProcessEnv() if key == "env" else self.unresolved(node, self.text(node))
        base = self.ev(obj_node, scope)
        if key is None and node.type == "subscript_expression" and isinstance(key_val, _CtxEnv):
            return self._lookup_by_environment(base, node)
        if key is None:
            if isinstance(base, _EnvProxy):
                return self.unresolved(node, "a reference with a computed name")
            return self.unresolved(node, f"computed member {self.text(node)}")
        return self.prop(base, key, node)

    def _lookup_by_environment(self, base: Any, node: Any) -> Any:
        """`{ production: 3, staging: 1 }[ctx.environment]`: each key is a name compared."""
        if not isinstance(base, Obj):
            return self.unresolved(node, "a lookup by ctx.environment")
        names = base.keys()
        for key in names:
            self.compared.add(key)
            self.note("ctx-condition", node, key)
        if self.environment is not None:
            found = base.get(self.environment)
            if found is not None:
                return found
        if base.opaque:
            return Unresolved(self.span(node), "a lookup by ctx.environment in an object with "
                                               "unknown parts")
        return Null(self.span(node))

    def prop(self, base: Any, key: str, node: Any) -> Any:
        """`base.key` for the values the interpreter models."""
        span = self.span(node)
        if isinstance(base, _ProcessEnv):
            self.note("process-env", node, key)
            return Unresolved(span, f"process.env.{key}")
        if isinstance(base, _SdkNamespace):
            return _sdk_export(base.module, key, span)
        if isinstance(base, _Ctx):
            if key in _CTX_ENV_FIELDS:
                return _CtxEnv(span)
            if key == "shared":
                return _CtxShared()
            if key == "isEnvironment":
                self.note("ctx-feature", node, "ctx.isEnvironment")
                return _CtxIsEnv()
            if key == "randomString":
                self.note("ctx-feature", node, "ctx.randomString")
                return _CtxRandom()
            self.note("ctx-feature", node, f"ctx.{key}")
            return Unresolved(span, f"ctx.{key}")
        if isinstance(base, _CtxShared):
            self.note("ctx-feature", node, "ctx.shared")
            return Shared(span, key)
        if isinstance(base, ResourceVal):
            if key == "env":
                return _EnvProxy(base.address)
            if key == "address":
                return Str(span, base.address)
            return self.unresolved(node, f"property {key} of {base.address}")
        if isinstance(base, _EnvProxy):
            return Ref(span, base.address, key)
        if isinstance(base, _CtxEnv):
            if self.environment is None:
                return self.unresolved(node, f"ctx.environment.{key} (no environment assumed)")
            base = Str(base.span, self.environment)
        if isinstance(base, SourceVal):
            base = _source_obj(base)
        if isinstance(base, Obj):
            value = base.get(key)
            if value is not None:
                return value
            if base.opaque:
                return Unresolved(span, f"{key} of an object with unknown parts")
            return Null(span)
        if isinstance(base, Seq):
            if key == "length":
                return Num(span, len(base.items))
            if key.isdigit():
                index = int(key)
                return base.items[index] if index < len(base.items) else Null(span)
            if key in {"map", "join", "flat", "concat", "filter", "push", "includes"}:
                return _Method(base, key)
            return self.unresolved(node, f"array .{key}")
        if isinstance(base, Str):
            if key == "length":
                return Num(span, len(base.text))
            if key in {"trim", "toLowerCase", "toUpperCase", "startsWith", "endsWith",
                       "includes"}:
                return _Method(base, key)
            return self.unresolved(node, f"string .{key}")
        if isinstance(base, _ObjectGlobal):
            if key in {"fromEntries", "entries", "keys", "values", "assign"}:
                return _Method(base, key)
            return self.unresolved(node, f"Object.{key}")
        if isinstance(base, Unresolved):
            return Unresolved(span, base.reason)
        return self.unresolved(node, f"property {key}")

    # -- calls ---------------------------------------------------------------------
    def _call(self, node: Any, scope: Scope) -> Any:
        callee_node = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        if callee_node is None:
            return self.unresolved(node, "call")
        arg_nodes = _children(args_node) if args_node is not None else []
        if callee_node.type == "identifier" and self.text(callee_node) == "require" and not (
                scope.lookup("require")[0]):
            return self._require(node, arg_nodes)
        callee = self.ev(callee_node, scope)
        args: list[Any] = []
        for arg in arg_nodes:
            if arg.type == "spread_element":
                inner = _children(arg)
                value = self.ev(inner[0], scope) if inner else Null(self.span(arg))
                if isinstance(value, Seq):
                    args.extend(value.items)
                else:
                    return self.unresolved(node, "call with a spread argument")
            else:
                args.append(self.ev(arg, scope))
        if isinstance(callee, _Sdk):
            return self._sdk_call(callee.name, node, args, arg_nodes)
        if isinstance(callee, _Closure):
            return self.call_closure(callee, args, node)
        if isinstance(callee, _CtxIsEnv):
            if args and isinstance(args[0], Str):
                return self._compare_env(args[0], node, equal=True)
            return self.unresolved(node, "ctx.isEnvironment with an unknown name")
        if isinstance(callee, _CtxRandom):
            return self._random_string(args, node)
        if isinstance(callee, _Method):
            return self._method(callee, args, node, scope)
        if isinstance(callee, Unresolved):
            if callee.reason.startswith("ctx."):
                return Unresolved(self.span(node), callee.reason)
            if callee.reason.startswith("call to "):  # a function another call returned
                return self.unresolved(node, f"call to {self.text(callee_node)}, the result of "
                                       f"a {callee.reason}")
            if " imported from " in callee.reason or " does not export" in callee.reason:
                return self.unresolved(node, f"call to {callee.reason}")
            return self.unresolved(node, f"call to {self.text(callee_node)}")
        return self.unresolved(node, f"call to {self.text(callee_node)}")

    def _random_string(self, args: list[Any], node: Any) -> Val:
        """`createRailwayContext().randomString(label = "random", bytes = 12)` of the SDK:
        `sha256("railway-iac:<env>:<label>")`, hex, cut to `2 * bytes` characters."""
        label = args[0] if args and not isinstance(args[0], Null) else Str(self.span(node),
                                                                          "random")
        size = args[1] if len(args) > 1 and not isinstance(args[1], Null) else Num(
            self.span(node), 12)
        if self.environment is None:
            return Unresolved(self.span(node), "ctx.randomString (no environment assumed)")
        if not isinstance(label, Str) or not isinstance(size, Num) or not float(
                size.value).is_integer():
            return self.unresolved(node, "ctx.randomString with unknown arguments")
        digest = hashlib.sha256(
            f"railway-iac:{self.environment}:{label.text}".encode()).hexdigest()
        return Str(self.span(node), digest[: max(int(size.value) * 2, 0)])

    def _require(self, node: Any, arg_nodes: list[Any]) -> Any:
        module = self._string_text(arg_nodes[0]) if arg_nodes else None
        if module in SDK_MODULES:
            self.program.sdk_module = module
            return _SdkNamespace(module)
        return self.unresolved(node, f"require({module!r})" if module else "require")

    def call_closure(self, closure: _Closure, args: list[Any], at: Any) -> Any:
        self.calls += 1
        if self.calls > _MAX_CALLS or self.depth > _MAX_DEPTH - 10:
            return self.unresolved(at, f"too many calls to {closure.name}")
        node = closure.node
        scope = Scope(parent=closure.scope)
        params = node.child_by_field_name("parameters")
        param_nodes = _children(params) if params is not None else []
        if params is None:
            single = node.child_by_field_name("parameter")
            param_nodes = [single] if single is not None else []
        for index, param in enumerate(param_nodes):
            arg = args[index] if index < len(args) else Null(self.span(param))
            if param.type in {"required_parameter", "optional_parameter"}:
                pattern = param.child_by_field_name("pattern")
                default = param.child_by_field_name("value")
                if pattern is None:
                    continue
                if pattern.type == "rest_pattern":
                    rest = args[index:]
                    for ident in _children(pattern):
                        self.bind(ident, Seq(self.span(param), tuple(
                            self.as_val(a, param) for a in rest)), scope, param, True)
                    continue
                if isinstance(arg, Null) and default is not None:
                    arg = self.ev(default, scope)
                self.bind(pattern, arg, scope, param, declare=True)
            else:
                self.bind(param, arg, scope, param, declare=True)
        body = node.child_by_field_name("body")
        if body is None:
            return Null(self.span(at))
        if body.type == "statement_block":
            result = self.block(_children(body), scope)
            return result.value if isinstance(result, _Return) else Null(self.span(at))
        return self.ev(body, scope)

    def _method(self, method: _Method, args: list[Any], node: Any, scope: Scope) -> Any:
        target, name, span = method.target, method.name, self.span(node)
        if isinstance(target, _ObjectGlobal):
            return self._object_method(name, args, node)
        if isinstance(target, Str):
            if name in {"startsWith", "endsWith", "includes"}:
                if not args or not isinstance(args[0], Str):
                    return self.unresolved(node, f".{name} with an unknown argument")
                test = {"startsWith": target.text.startswith, "endsWith": target.text.endswith,
                        "includes": target.text.__contains__}[name]
                return Bool(span, test(args[0].text))
            if name == "trim":
                return Str(span, target.text.strip())
            return Str(span, target.text.lower() if name == "toLowerCase" else target.text.upper())
        assert isinstance(target, Seq)
        if name == "map":
            if not args or not isinstance(args[0], _Closure):
                return self.unresolved(node, ".map with an unknown callback")
            return Seq(span, tuple(
                self.as_val(self.call_closure(args[0], [item, Num(item.span, i)], node), node)
                for i, item in enumerate(target.items)))
        if name == "filter":
            return self.unresolved(node, ".filter")
        if name == "includes":
            return self._includes(target, args, node)
        if name == "push":
            return self._push(target, args, node, scope)
        if name == "join":
            sep = args[0].text if args and isinstance(args[0], Str) else ","
            texts = [self._stringify(item) for item in target.items]
            if any(t is None for t in texts):
                return self.unresolved(node, ".join of unknown parts")
            return Str(span, sep.join(t for t in texts if t is not None))
        if name == "flat":
            items: list[Val] = []
            for item in target.items:
                items.extend(item.items if isinstance(item, Seq) else [item])
            return Seq(span, tuple(items))
        if name == "concat":
            items = list(target.items)
            for arg in args:
                items.extend(arg.items if isinstance(arg, Seq) else [self.as_val(arg, node)])
            return Seq(span, tuple(items))
        return self.unresolved(node, f".{name}")

    def _includes(self, target: Seq, args: list[Any], node: Any) -> Any:
        """`["production", "staging"].includes(ctx.environment)` and literal membership."""
        needle = args[0] if args else Null(self.span(node))
        if isinstance(needle, _CtxEnv):
            names = [item for item in target.items if isinstance(item, Str)]
            if len(names) != len(target.items):
                return self.unresolved(node, ".includes over unknown items")
            results = [self._compare_env(item, node, equal=True).value for item in names]
            return Bool(self.span(node), any(results))
        if isinstance(needle, Str | Num | Bool | Null) and all(
                isinstance(i, Str | Num | Bool | Null) for i in target.items):
            return Bool(self.span(node), any(
                type(i) is type(needle) and _plain(i) == _plain(needle) for i in target.items))
        return self.unresolved(node, ".includes of an unknown value")

    def _push(self, target: Seq, args: list[Any], node: Any, scope: Scope) -> Any:
        """`list.push(x)` on a local array: the binding is rebound to the longer array."""
        callee = node.child_by_field_name("function")
        holder = callee.child_by_field_name("object") if callee is not None else None
        if holder is None or holder.type != "identifier":
            return self.unresolved(node, ".push on an expression")
        items = (*target.items, *(self.as_val(a, node) for a in args))
        if not scope.assign(self.text(holder), Seq(target.span, items)):
            return self.unresolved(node, ".push")
        return Num(self.span(node), len(items))

    def _object_method(self, name: str, args: list[Any], node: Any) -> Any:
        span = self.span(node)
        source = args[0] if args else None
        if name == "fromEntries":
            if not isinstance(source, Seq):
                return self.unresolved(node, "Object.fromEntries of an unknown value")
            members: list[Member] = []
            opaque: list[Unresolved] = []
            for pair in source.items:
                if (isinstance(pair, Seq) and len(pair.items) >= 1
                        and isinstance(pair.items[0], Str | Num)):
                    key_val = pair.items[0]
                    key = key_val.text if isinstance(key_val, Str) else _num_text(key_val.value)
                    value = pair.items[1] if len(pair.items) > 1 else Null(pair.span)
                    members.append(Member(key, key_val.span, value))
                else:
                    opaque.append(Unresolved(pair.span, "an entry railsafe cannot read"))
            return Obj(span, tuple(members), tuple(opaque))
        if not isinstance(source, Obj) or source.opaque:
            if name == "assign" and isinstance(source, ResourceVal):
                return self.unresolved(node, f"Object.assign on {source.address}")
            return self.unresolved(node, f"Object.{name} of an unknown value")
        if name == "assign":
            return self.unresolved(node, "Object.assign")
        entries = {m.key: m for m in source.members}
        if name == "keys":
            return Seq(span, tuple(Str(m.key_span, k) for k, m in entries.items()))
        if name == "values":
            return Seq(span, tuple(m.value for m in entries.values()))
        return Seq(span, tuple(Seq(m.key_span, (Str(m.key_span, k), m.value))
                               for k, m in entries.items()))

    # -- SDK calls -------------------------------------------------------------------
    def _sdk_call(self, name: str, node: Any, args: list[Any], arg_nodes: list[Any]) -> Any:
        span = self.span(node)

        def arg(i: int) -> Val | None:
            if i >= len(args):
                return None
            return self.as_val(args[i], arg_nodes[i] if i < len(arg_nodes) else node)

        if name in {"defineRailway", "define"}:
            return args[0] if args else self.unresolved(node, f"{name}() without a program")
        if name == "preserve":
            return Preserve(span)
        if name == "ref":
            target, output = [*args, None, None][:2]
            if isinstance(target, ResourceVal) and isinstance(output, Str):
                return Ref(span, target.address, output.text)
            return self.unresolved(node, "ref() of an unknown resource or output")
        if name in {"github", "image", "template", "empty"}:
            first = arg(0)
            options = arg(1)
            value = first if isinstance(first, Str) else None
            if name != "empty" and value is None:
                return self.unresolved(node, f"{name}() with an unknown name")
            kind = "image" if name == "image" else name
            return SourceVal(span, kind, value,  # type: ignore[arg-type]
                             options if isinstance(options, Obj) else None)
        if name == "project":
            definition = arg(1)
            self._project_from(arg(0), definition, span)
            return _ProjectDef(span)
        return self._resource(name, node, args, arg_nodes)

    def _project_from(self, name: Val | None, definition: Val | None, span: Span) -> None:
        program = self.program
        program.project_name = name
        program.project_call = span
        listed: tuple[str, ...] | None = None
        if isinstance(definition, Obj) and not definition.opaque:
            resources = definition.get("resources")
            if resources is None:
                resources = definition.get("services")
            if resources is None or isinstance(resources, Null):
                listed = ()
            elif isinstance(resources, Seq):
                addresses: list[str] = []
                for item in resources.items:
                    entries = item.items if isinstance(item, Seq) else (item,)
                    for entry in entries:
                        if isinstance(entry, ResourceVal):
                            addresses.append(entry.address)
                        else:
                            addresses = []
                            resources = None
                            break
                    if resources is None:
                        break
                listed = tuple(addresses) if resources is not None else None
        program.listed = listed

    def _resource(self, name: str, node: Any, args: list[Any], arg_nodes: list[Any]) -> Val:
        span = self.span(node)

        def arg(i: int) -> Val | None:
            if i >= len(args):
                return None
            return self.as_val(args[i], arg_nodes[i] if i < len(arg_nodes) else node)

        first = arg(0)
        if isinstance(first, Str):
            res_name: Str | Unresolved = first
        elif first is None:
            res_name = self.unresolved(node, f"{name}() without a name")
        elif isinstance(first, Unresolved):
            res_name = first
        else:
            res_name = self.unresolved(arg_nodes[0], f"{name}() with a non-string name")
        config_index = 1
        members: tuple[str, ...] = ()
        items: tuple[Val, ...] = ()
        if name in {"service", "fn"}:
            rtype, kind = "service", "service" if name == "service" else "function"
        elif name in _ENGINES:
            rtype, kind = "database", name
        elif name == "database":
            engine = arg(1)
            rtype, kind = "database", engine.text if isinstance(engine, Str) else "?"
            config_index = 2
        elif name == "group":
            rtype, kind = "group", "group"
            second = arg(1)
            if isinstance(second, Seq):
                config_index = 2
                items = tuple(_flatten(second))
                members = tuple(i.address for i in items if isinstance(i, ResourceVal))
        else:
            rtype, kind = name, name
        config = arg(config_index)
        if isinstance(config, Null):
            config = None
        if config is not None and not isinstance(config, Obj | Unresolved):
            config = Unresolved(config.span, f"{name}() options that are not an object")
        resource = Resource(rtype, kind, res_name, span, config, members=members)  # type: ignore[arg-type]
        self.program.resources.append(resource)
        self.resources_by_address[resource.address] = resource
        value = ResourceVal(span, resource.address)
        if rtype == "group" and isinstance(arg(1), Seq):
            group_name = res_name.text if isinstance(res_name, Str) else "?"
            for item in items:
                if isinstance(item, ResourceVal):
                    member = self.resources_by_address.get(item.address)
                    if member is not None:
                        member.group = group_name
            return Seq(span, (value, *items))
        return value

    # -- operators -----------------------------------------------------------------
    def _compare_env(self, name: Str, node: Any, equal: bool) -> Bool:
        self.compared.add(name.text)
        self.note("ctx-condition", node, name.text)
        same = self.environment is not None and self.environment == name.text
        return Bool(self.span(node), same == equal)

    def _binary(self, node: Any, scope: Scope) -> Any:
        op_node = node.child_by_field_name("operator")
        left_node = node.child_by_field_name("left")
        right_node = node.child_by_field_name("right")
        if op_node is None or left_node is None or right_node is None:
            return self.unresolved(node, "expression")
        op = self.text(op_node)
        span = self.span(node)
        left = self.ev(left_node, scope)
        if op in {"&&", "||", "??"}:
            if op == "??":
                decided = None if isinstance(left, Unresolved) else not isinstance(left, Null)
            else:
                decided = _truthy(left)
            if decided is None:
                self.ev(right_node, scope)
                return Unresolved(span, f"{self.text(left_node)} {op} ... (unknown)")
            take_left = decided if op in {"||", "??"} else not decided
            return left if take_left else self.ev(right_node, scope)
        right = self.ev(right_node, scope)
        if op in {"===", "==", "!==", "!="}:
            equal = op in {"===", "=="}
            if isinstance(left, _CtxEnv) and isinstance(right, Str):
                return self._compare_env(right, node, equal)
            if isinstance(right, _CtxEnv) and isinstance(left, Str):
                return self._compare_env(left, node, equal)
            known = (Str, Num, Bool, Null)
            if isinstance(left, known) and isinstance(right, known):
                same = type(left) is type(right) and _plain(left) == _plain(right)
                if op in {"==", "!="} and isinstance(left, Null) and isinstance(right, Null):
                    same = True
                return Bool(span, same == equal)
            if isinstance(left, Unresolved) or isinstance(right, Unresolved):
                return Unresolved(span, f"comparison {self.text(node)}")
            return self.unresolved(node, f"comparison {self.text(node)}")
        if op == "+":
            if isinstance(left, Num) and isinstance(right, Num):
                return Num(span, left.value + right.value)
            if isinstance(left, Str) or isinstance(right, Str):
                if isinstance(left, Ref | ResourceVal | Obj) or isinstance(
                        right, Ref | ResourceVal | Obj):
                    self.note("template-object", node, self.text(node))
                lt = "[object Object]" if isinstance(left, Ref | ResourceVal | Obj) else (
                    self._stringify(left))
                rt = "[object Object]" if isinstance(right, Ref | ResourceVal | Obj) else (
                    self._stringify(right))
                if lt is not None and rt is not None:
                    return Str(span, lt + rt)
            reason = next((v.reason for v in (left, right) if isinstance(v, Unresolved)), None)
            if reason is not None:
                return Unresolved(span, f"concatenation with {reason}")
            return self.unresolved(node, f"concatenation {self.text(node)}")
        if isinstance(left, Num) and isinstance(right, Num):
            try:
                result = {"-": lambda a, b: a - b, "*": lambda a, b: a * b,
                          "/": lambda a, b: a / b, "%": lambda a, b: a % b,
                          "<": lambda a, b: a < b, ">": lambda a, b: a > b,
                          "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
                          }[op](left.value, right.value)
            except (KeyError, ZeroDivisionError, OverflowError):
                return self.unresolved(node, f"operator {op}")
            if isinstance(result, bool):
                return Bool(span, result)
            return Num(span, int(result) if isinstance(result, float) and result.is_integer()
                       and op != "/" else result)
        if isinstance(left, Unresolved) or isinstance(right, Unresolved):
            return Unresolved(span, f"operator {op} with unknown parts")
        return self.unresolved(node, f"operator {op}")

    def _unary(self, node: Any, scope: Scope) -> Any:
        op_node = node.child_by_field_name("operator")
        arg_node = node.child_by_field_name("argument")
        if op_node is None or arg_node is None:
            return self.unresolved(node, "expression")
        op = self.text(op_node)
        value = self.ev(arg_node, scope)
        span = self.span(node)
        if op == "!":
            decided = _truthy(value)
            return Bool(span, not decided) if decided is not None else Unresolved(
                span, f"!{self.text(arg_node)}")
        if op == "-" and isinstance(value, Num):
            return Num(span, -value.value)
        if op == "+" and isinstance(value, Num):
            return Num(span, value.value)
        if op == "void":
            return Null(span)
        if isinstance(value, Unresolved):
            return Unresolved(span, value.reason)
        return self.unresolved(node, f"operator {op}")

    def _ternary(self, node: Any, scope: Scope) -> Any:
        condition = node.child_by_field_name("condition")
        consequence = node.child_by_field_name("consequence")
        alternative = node.child_by_field_name("alternative")
        if condition is None or consequence is None or alternative is None:
            return self.unresolved(node, "conditional")
        decided = _truthy(self.ev(condition, scope))
        if decided is None:
            return self.unresolved(node, f"condition {self.text(condition)}")
        return self.ev(consequence if decided else alternative, scope)


def _source_obj(source: SourceVal) -> Obj:
    """A source helper's result as the object the SDK returns (`github()` is
    `{type, repo, branch: branch ?? "main", ...options}`), for spreads and property reads."""
    span = source.span
    members = [Member("type", span, Str(span, source.type))]
    if source.type != "empty":
        key = {"github": "repo", "image": "image", "template": "template"}[source.type]
        members.append(Member(key, span, source.value or Null(span)))
        options = source.options.members if source.options is not None else ()
        if source.type == "github":
            branch = source.options.get("branch") if source.options is not None else None
            if branch is None or isinstance(branch, Null):
                members.append(Member("branch", span, Str(span, "main")))
        members.extend(options)
    return Obj(span, tuple(members), source.options.opaque if source.options else ())


def _flatten(seq: Seq) -> list[Val]:
    """`Array.prototype.flat(Infinity)` over located values."""
    out: list[Val] = []
    stack: list[Val] = list(reversed(seq.items))
    while stack:
        item = stack.pop()
        if isinstance(item, Seq):
            stack.extend(reversed(item.items))
        else:
            out.append(item)
    return out


def _plain(value: Val) -> object:
    if isinstance(value, Str):
        return value.text
    if isinstance(value, Num | Bool):
        return value.value
    return None


def _num_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _unescape(seq: str) -> str:
    """A JavaScript escape sequence (`\\n`, `\\u{1F600}`, `\\$`) as the text it stands for."""
    body = seq[1:]
    if not body:
        return ""
    if body[0] in _ESCAPES and len(body) == 1:
        return _ESCAPES[body[0]]
    try:
        if body[0] == "u":
            digits = body[2:-1] if body.startswith("u{") else body[1:]
            return chr(int(digits, 16))
        if body[0] == "x":
            return chr(int(body[1:], 16))
    except (ValueError, OverflowError):
        return body
    if body[0] in "\r\n":
        return ""  # line continuation
    return body


def read_typescript(text: str, relpath: str, environment: str | None) -> Program:
    """Read `.railway/railway.{ts,js,...}` statically for one environment (never raises)."""
    reader = _Reader(text, relpath, environment)
    try:
        tree = _parser().parse(reader.source)
        return reader.read(tree)
    except (RecursionError, _TooDeep):
        program = reader.program
        program.notes.append(Note("unresolved", Span(1, 1, 1, 1),
                                  "the file is too deeply nested to read"))
        return program

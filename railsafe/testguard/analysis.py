"""Test-suite database analysis over a checked tree (shared by the RS2xx rules).

For every Python test file (conftest.py, test_*.py, *_test.py) and Django/Flask
test settings, find the *connections* (a database URL flowing into
create_engine, psycopg/asyncpg connect, alembic's sqlalchemy.url, Django
DATABASES, Flask SQLALCHEMY_DATABASE_URI...), where each URL comes from, the
*destructive operations* in fixtures and hooks, and the *guards*. The rules turn
the result into findings.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from railsafe.context import Context
from railsafe.discover import SourceFile
from railsafe.testguard.pymodule import PyModule, const_str, kwarg, last_name, module_level
from railsafe.testguard.resolve import Resolver, Source, has_guard, is_guard
from railsafe.testguard.settings import PinnedVars, pinned_by_pytest_env
from railsafe.testguard.urls import classify, is_production_variable, looks_like_db_url

ENGINE_SINKS = {"create_engine", "create_async_engine", "engine_from_config", "make_url",
                "create_pool", "ConnectionPool", "AsyncConnectionPool", "Database",
                "connect_async", "SQLAlchemy"}
CONNECT_MODULES = ("psycopg", "psycopg2", "asyncpg", "pymysql", "MySQLdb", "aiopg",
                   "psycopg_pool", "databases", "sqlalchemy")
SESSION_WRAPPERS = {"sessionmaker", "async_sessionmaker", "scoped_session", "Session",
                    "AsyncSession"}
URL_SETTING_NAMES = {"SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_DATABASE_URL", "DATABASE_URL",
                     "DATABASE_URI", "DB_URL"}

HOOKS = {"pytest_configure", "pytest_sessionstart", "pytest_sessionfinish", "pytest_unconfigure",
         "pytest_collection_modifyitems", "pytest_runtest_setup", "pytest_runtest_teardown",
         "setup_module", "teardown_module", "setup_package", "teardown_package", "setUp",
         "tearDown", "setUpClass", "tearDownClass", "setUpModule", "tearDownModule",
         "setup_method", "teardown_method", "setup_class", "teardown_class", "asyncSetUp",
         "asyncTearDown", "setUpTestData"}
GUARD_HOOKS = {"pytest_configure", "pytest_sessionstart", "pytest_load_initial_conftests",
               "pytest_cmdline_main"}
SQL_EXECUTORS = {"execute", "executescript", "executemany", "exec_driver_sql", "text",
                 "fetch", "fetchrow", "fetchval", "run", "raw", "query"}

_SQL_DESTRUCTIVE = re.compile(r"\b(?:DROP\s+(?:TABLE|SCHEMA|DATABASE|OWNED|VIEW)|TRUNCATE)\b",
                              re.IGNORECASE)
_SQL_DELETE = re.compile(r"\bDELETE\s+FROM\b", re.IGNORECASE)
_SQL_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)


@dataclass(frozen=True)
class Connection:
    module: PyModule  # where the connection is made
    node: ast.AST  # the sink call / assignment
    sources: tuple[Source, ...]
    guarded: bool


@dataclass(frozen=True)
class Destructive:
    module: PyModule
    node: ast.AST
    what: str  # "metadata.drop_all()", "TRUNCATE in executed SQL", ...
    where: str  # "autouse session-scoped fixture `setup_database`"


@dataclass
class TestFileResult:
    module: PyModule
    connections: list[Connection] = field(default_factory=list)
    destructive: list[Destructive] = field(default_factory=list)
    guarded: bool = False
    loads_dotenv: bool = False


@dataclass
class Analysis:
    files: list[TestFileResult] = field(default_factory=list)
    pinned: dict[str, PinnedVars] = field(default_factory=dict)  # test relpath -> pinned

    def production_sources(self, result: TestFileResult, conn: Connection) -> list[Source]:
        """Env sources of `conn` that can be a production variable on Railway."""
        pinned = self.pinned.get(result.module.relpath)
        out = []
        for s in conn.sources:
            if s.kind != "env" or not is_production_variable(s.value) or s.guarded:
                continue
            if pinned is not None and s.value.upper() in pinned.safe:
                continue
            out.append(s)
        return out


def analyse(ctx: Context) -> Analysis:
    return ctx.cached("testguard.analysis", lambda: _Analyser(ctx).run())


class _Analyser:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.modules: dict[str, PyModule | None] = {}
        self.resolver = Resolver(ctx.root, self.load_path)

    def load_path(self, path: Path) -> PyModule | None:
        doc = self.ctx.document_at(path)
        if doc is None:
            return None
        return self._parse(doc.relpath, doc.text, doc.error is None)

    def load(self, source: SourceFile) -> PyModule | None:
        doc = self.ctx.load(source)
        return self._parse(doc.relpath, doc.text, doc.error is None)

    def _parse(self, relpath: str, text: str, ok: bool) -> PyModule | None:
        if relpath not in self.modules:
            self.modules[relpath] = PyModule.parse(relpath, text) if ok else None
        return self.modules[relpath]

    def run(self) -> Analysis:
        analysis = Analysis()
        tests = [m for f in self.ctx.files("python-test") if (m := self.load(f)) is not None]
        settings = [m for f in self.ctx.files("python-settings")
                    if (m := self.load(f)) is not None]
        conftests = {PurePosixPath(m.relpath).parent: m for m in tests
                     if m.relpath.endswith("conftest.py")}
        pinned_env = pinned_by_pytest_env(self.ctx)
        for module in tests + [s for s in settings if _is_test_settings(s.relpath)]:
            result = TestFileResult(module)
            is_test = module in tests
            result.connections = self.connections(module, settings_file=not is_test)
            result.destructive = self.destructive(module) if is_test else []
            ancestors = [conftests[d] for d in reversed(PurePosixPath(module.relpath).parents)
                         if d in conftests]
            result.guarded = any(self.file_guarded(m) for m in [module, *ancestors])
            result.loads_dotenv = _loads_dotenv(module)
            analysis.files.append(result)
            pins = PinnedVars()
            for scope in [module, *ancestors]:
                pins.merge(_pinned_in_module(scope))
            pins.merge(pinned_env.for_path(module.relpath))
            analysis.pinned[module.relpath] = pins
        # Flask-style test config classes in settings-like modules that are not test files
        for module in settings:
            if _is_test_settings(module.relpath):
                continue
            conns = self.test_config_classes(module)
            if conns:
                analysis.files.append(TestFileResult(module, conns))
        return analysis

    # -- connections -------------------------------------------------------------
    def connections(self, module: PyModule, settings_file: bool) -> list[Connection]:
        found: list[Connection] = []
        module_guard = any(is_guard(s) for s in module_level(module.tree.body))
        for node in ast.walk(module.tree):
            func = self._enclosing_function(module, node)
            url: ast.expr | None = None
            if isinstance(node, ast.Call):
                url = self._sink_url(module, node)
            elif isinstance(node, ast.Assign):
                url = self._assigned_url(module, node)
            if url is None:
                continue
            sources = self.resolver.sources(url, module, func)
            guarded = module_guard or (func is not None and has_guard(func.body))
            found.append(Connection(module, node, tuple(sources), guarded))
        if not settings_file:
            found += self.imported_connections(module)
        found += self.test_config_classes(module)
        return found

    def _enclosing_function(self, module: PyModule, node: ast.AST
                            ) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        parent = module.parents.get(id(node))
        while parent is not None:
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
                return parent
            parent = module.parents.get(id(parent))
        return None

    def _sink_url(self, module: PyModule, call: ast.Call) -> ast.expr | None:
        short = last_name(call.func)
        qn = module.qualname(call.func)
        first = call.args[0] if call.args else None
        if short == "set_main_option":
            if const_str(first) == "sqlalchemy.url" and len(call.args) > 1:
                return call.args[1]
            return None
        if (short in ENGINE_SINKS and short != "SQLAlchemy") or (
            short in ("connect", "create_pool", "connect_async")
            and qn.split(".")[0] in CONNECT_MODULES
        ):
            return first or kwarg(call, "url", "dsn", "conninfo", "database_url")
        if short == "update" and isinstance(call.func, ast.Attribute) and \
                last_name(call.func.value) == "config":
            return kwarg(call, *URL_SETTING_NAMES)
        return None

    def _assigned_url(self, module: PyModule, node: ast.Assign) -> ast.expr | None:
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == "DATABASES" and \
                    isinstance(node.value, ast.Dict):
                return _databases_default(node.value)
            if isinstance(target, ast.Subscript):
                key = const_str(target.slice)
                holder = last_name(target.value)
                if holder == "config" and key in URL_SETTING_NAMES:
                    return node.value  # app.config["SQLALCHEMY_DATABASE_URI"] = ...
                if holder == "DATABASES" and key == "default":
                    value = node.value
                    return _databases_default(ast.Dict([ast.Constant("default")], [value])) \
                        if isinstance(value, ast.Dict) else value
        return None

    def imported_connections(self, module: PyModule, depth: int = 0) -> list[Connection]:
        """Engines and session factories imported from local modules and used here."""
        used = {n.id for n in ast.walk(module.tree) if isinstance(n, ast.Name)}
        found = []
        for name, ref in module.imports.items():
            if ref.name is None or name not in used:
                continue
            for mod, definition in self.resolver.lookup(name, module):
                if isinstance(definition, ast.expr):
                    found += self._connection_of(mod, definition, 0)
        return found

    def _connection_of(self, module: PyModule, value: ast.expr, depth: int) -> list[Connection]:
        if depth > 4 or not isinstance(value, ast.Call):
            return []
        url = self._sink_url(module, value)
        guarded = any(is_guard(s) for s in module_level(module.tree.body))
        if url is not None:
            return [Connection(module, value, tuple(self.resolver.sources(url, module)), guarded)]
        if last_name(value.func) in SESSION_WRAPPERS:
            bind = kwarg(value, "bind") or (value.args[0] if value.args else None)
            if isinstance(bind, ast.Call):
                return self._connection_of(module, bind, depth + 1)
            if isinstance(bind, ast.Name):
                out = []
                for mod, definition in self.resolver.lookup(bind.id, module):
                    if isinstance(definition, ast.expr):
                        out += self._connection_of(mod, definition, depth + 1)
                return out
        return []

    def test_config_classes(self, module: PyModule) -> list[Connection]:
        """Flask-style `class TestingConfig: SQLALCHEMY_DATABASE_URI = ...`."""
        found = []
        for klass in module.classes.values():
            if "test" not in klass.name.lower():
                continue
            for stmt in klass.body:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else (
                    [stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
                value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
                if value is None:
                    continue
                if any(isinstance(t, ast.Name) and t.id in URL_SETTING_NAMES for t in targets):
                    sources = self.resolver.sources(value, module, None, klass)
                    found.append(Connection(module, stmt, tuple(sources), False))
        return found

    # -- destructive operations ------------------------------------------------------
    def destructive(self, module: PyModule) -> list[Destructive]:
        found: list[Destructive] = []
        for func in _all_functions(module.tree):
            where = _setup_role(func, module)
            if where is None:
                continue
            found += self._destructive_in(module, func, where, follow=True)
        for stmt in module.tree.body:  # module-level statements run at import
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found += [Destructive(module, n, what, "module level (runs at import)")
                          for n in ast.walk(stmt) if (what := _destructive_call(module, n))]
        return found

    def _destructive_in(self, module: PyModule, func: ast.FunctionDef | ast.AsyncFunctionDef,
                        where: str, follow: bool) -> list[Destructive]:
        if has_guard(func.body):
            return []
        found = []
        for node in ast.walk(func):
            what = _destructive_call(module, node)
            if what:
                found.append(Destructive(module, node, what, where))
            elif follow and isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in module.functions:
                helper = module.functions[node.func.id]
                if _setup_role(helper, module) is None:
                    found += self._destructive_in(module, helper, where, follow=False)
        return found

    # -- guards --------------------------------------------------------------------
    def file_guarded(self, module: PyModule) -> bool:
        if any(is_guard(s) for s in module_level(module.tree.body)):
            return True
        return any(has_guard(f.body) for name, f in module.functions.items()
                   if name in GUARD_HOOKS)


def _is_test_settings(relpath: str) -> bool:
    name = PurePosixPath(relpath)
    return "test" in name.name.lower() or any("test" in p.lower() for p in name.parts[:-1])


def _databases_default(value: ast.Dict) -> ast.expr | None:
    for key, item in zip(value.keys, value.values, strict=False):
        if const_str(key) == "default":
            return item if not isinstance(item, ast.Dict) else None
    return None


def _all_functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _setup_role(func: ast.FunctionDef | ast.AsyncFunctionDef, module: PyModule) -> str | None:
    """"autouse session-scoped fixture `x`", "hook `pytest_sessionstart`", or None."""
    for deco in func.decorator_list:
        call = deco if isinstance(deco, ast.Call) else None
        target = call.func if call else deco
        if last_name(target) == "fixture" or module.qualname(target).endswith("fixture"):
            scope = const_str(kwarg(call, "scope")) if call else None
            autouse = call is not None and isinstance(kwarg(call, "autouse"), ast.Constant) and \
                getattr(kwarg(call, "autouse"), "value", False) is True
            parts = (["autouse"] if autouse else []) + ([f"{scope}-scoped"] if scope else [])
            return " ".join([*parts, f"fixture `{func.name}`"])
    if func.name in HOOKS or func.name.startswith("pytest_"):
        return f"hook `{func.name}`"
    return None


def _sql_is_destructive(sql: str) -> str | None:
    for statement in sql.split(";"):
        if match := _SQL_DESTRUCTIVE.search(statement):
            return " ".join(match[0].upper().split())
        if _SQL_DELETE.search(statement) and not _SQL_WHERE.search(statement):
            return "DELETE FROM without WHERE"
    return None


def _strings(node: ast.AST) -> list[str]:
    out = []
    for sub in ast.walk(node):
        if (text := const_str(sub)) is not None:
            out.append(text)
    return out


def _destructive_call(module: PyModule, node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    short = last_name(node.func)
    qn = module.qualname(node.func)
    if short == "drop_all":
        return f"{_dotted_text(node.func)}() (drops every table)"
    if short == "drop_database":
        return "drop_database() (drops the whole database)"
    if short in SQL_EXECUTORS:
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            for text in _strings(arg):
                if what := _sql_is_destructive(text):
                    return f"`{what}` SQL"
    if short == "downgrade" and ("command" in qn or "alembic" in qn):
        return "alembic command.downgrade() (rolls the schema back)"
    if short == "call_command" and const_str(node.args[0] if node.args else None) in (
        "flush", "reset_db", "sqlflush"
    ):
        return f"call_command({const_str(node.args[0])!r}) (empties every table)"
    if short == "flush" and isinstance(node.func, ast.Attribute) and \
            "management" in qn:
        return "Django flush (empties every table)"
    if short == "delete" and isinstance(node.func, ast.Attribute):
        receiver = node.func.value
        if isinstance(receiver, ast.Call) and last_name(receiver.func) == "all" and \
                isinstance(receiver.func, ast.Attribute) and last_name(receiver.func.value) == \
                "objects":
            return "Model.objects.all().delete() (deletes every row)"
        if isinstance(receiver, ast.Call) and last_name(receiver.func) == "query":
            return "session.query(Model).delete() (deletes every row)"
    if short == "delete" and isinstance(node.func, ast.Name) and "sqlalchemy" in qn:
        parent = module.parents.get(id(node))
        if not (isinstance(parent, ast.Attribute) and parent.attr in ("where", "filter",
                                                                         "filter_by")):
            return "sqlalchemy delete() without where() (deletes every row)"
    return None


def _dotted_text(expr: ast.expr) -> str:
    try:
        return ast.unparse(expr)
    except Exception:  # pragma: no cover - unparse is total on parsed trees
        return last_name(expr)


def _loads_dotenv(module: PyModule) -> bool:
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call) and last_name(node.func) in ("load_dotenv", "dotenv_values",
                                                                   "read_dotenv"):
            return True
    return False


def _pinned_in_module(module: PyModule) -> PinnedVars:
    """`os.environ["DATABASE_URL"] = "<safe test url>"` at module level pins that variable."""
    pins = PinnedVars()
    for stmt in module_level(module.tree.body):
        if isinstance(stmt, ast.Assign):
            value = const_str(stmt.value)
            for target in stmt.targets:
                if isinstance(target, ast.Subscript) and \
                        module.qualname(target.value) in ("os.environ", "environ"):
                    key = const_str(target.slice)
                    if key and value is not None:
                        pins.add(key, value)
    return pins


def literal_problems(conn: Connection) -> list[tuple[Source, str]]:
    """Literal URLs in a connection that point at Railway or a non-test database."""
    out = []
    for s in conn.sources:
        if s.kind == "literal" and looks_like_db_url(s.value):
            verdict = classify(s.value)
            if verdict.problem:
                out.append((s, verdict.problem))
    return out

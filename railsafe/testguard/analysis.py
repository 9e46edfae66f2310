"""Test-suite database analysis over a checked tree (shared by the RS2xx rules).

For every Python test file (conftest.py, test_*.py, *_test.py) and Django/Flask
test settings, find the *connections* (a database URL flowing into
create_engine, psycopg/asyncpg connect, a local wrapper around them, alembic's
sqlalchemy.url, Django DATABASES, Flask SQLALCHEMY_DATABASE_URI, also in an
application config class a test configures the app with, or the Django settings
a `django_db_setup` override leaves in use...), where each
URL comes from, the *destructive operations* in fixtures, hooks and test
functions, the *guards*, and the *environment writes* of the test setup
(pytest-env, `os.environ[...] = ...`, `os.environ.setdefault`). The rules turn
the result into findings.
"""

from __future__ import annotations

import ast
import re
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from railsafe.context import Context
from railsafe.discover import SourceFile
from railsafe.testguard.pymodule import (
    ImportRef,
    PyModule,
    const_str,
    kwarg,
    last_name,
    module_level,
)
from railsafe.testguard.resolve import (
    ImportResolver,
    Source,
    common_flags,
    flag_params,
    has_guard,
    is_guard,
    is_skip_guard,
)
from railsafe.testguard.settings import outside_testpaths, pinned_by_pytest_env
from railsafe.testguard.urls import (
    classify_url,
    is_production_variable,
    is_url_variable,
    looks_like_db_url,
    railway_host,
)

ENGINE_SINKS = {"create_engine", "create_async_engine", "engine_from_config", "make_url",
                "create_pool", "ConnectionPool", "AsyncConnectionPool", "Database",
                "connect_async", "SQLAlchemy"}
CONNECT_MODULES = ("psycopg", "psycopg2", "asyncpg", "pymysql", "MySQLdb", "aiopg",
                   "psycopg_pool", "databases", "sqlalchemy")
CONNECT_NAMES = {"connect", "create_pool", "connect_async", "from_url", "create_engine"}
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
ENVIRON = ("os.environ", "environ")

# calls that name a config class without configuring an app with it
_NOT_CONFIGURING = {"isinstance", "issubclass", "setattr", "delattr", "getattr", "hasattr",
                    "patch", "object", "type", "print", "repr", "str"}
# pytest-django's settings module: `--ds=x`, `DJANGO_SETTINGS_MODULE = x` (ini / toml),
# os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x") (manage.py, conftest.py)
_DS_OPTION = re.compile(r"--ds[=\s]+['\"]?([A-Za-z_][\w.]*)")
_DS_INI = re.compile(r"^\s*DJANGO_SETTINGS_MODULE\s*[=:]\s*['\"]?([A-Za-z_][\w.]*)", re.M)
_DS_DEFAULT = re.compile(
    r"DJANGO_SETTINGS_MODULE['\"]\s*(?:,|\]\s*=)\s*['\"]([A-Za-z_][\w.]*)['\"]")
_DOTTED_CLASS = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")
_SQL_DESTRUCTIVE = re.compile(r"\b(?:DROP\s+(?:TABLE|SCHEMA|DATABASE|OWNED|VIEW)|TRUNCATE)\b",
                              re.IGNORECASE)
_SQL_DELETE = re.compile(r"\bDELETE\s+FROM\b", re.IGNORECASE)
_SQL_WHERE = re.compile(r"\bWHERE\b", re.IGNORECASE)


@dataclass(frozen=True)
class Via:
    """Where a test file makes application code its database settings.

    `create_app("config.TestingConfig")` or `app.config.from_object(TestingConfig)`
    (a Flask config class in application code), or a `django_db_setup` override
    that makes the tests use the Django settings' `DATABASES` as they are.
    """

    module: PyModule  # the test file
    node: ast.AST  # the call, or the overriding fixture
    label: str  # the related location's message
    what: str = "application code"  # how the message names the code it reaches


@dataclass(frozen=True)
class Connection:
    module: PyModule  # where the connection is made
    node: ast.AST  # the sink call / assignment
    sources: tuple[Source, ...]
    guarded: bool
    # Django DATABASES in test settings: the test runner (and pytest-django) create
    # and use a separate `test_<NAME>` database
    separate_test_db: bool = False
    test_name: ast.AST | None = None  # a DATABASES TEST NAME without `test` in it
    via: Via | None = None  # application settings a test file chose


@dataclass(frozen=True)
class Destructive:
    module: PyModule
    node: ast.AST
    what: str  # "metadata.drop_all()", "TRUNCATE in executed SQL", ...
    where: str  # "autouse session-scoped fixture `setup_database`"
    call: ast.AST | None = None  # in a helper: the fixture's or test's call of the helper
    caller: str = ""  # that fixture or test


@dataclass(frozen=True)
class EnvWrite:
    """A test setup putting a value into the environment before the tests run."""

    var: str  # upper-cased name
    module: PyModule | None  # None: pytest-env
    line: int
    sources: tuple[Source, ...]  # where the written value comes from (resolved)
    text: str | None  # the written literal, when it is one
    hard: bool  # replaces a value already set (False: only fills in an unset variable)
    conditional: bool  # may not run at all

    @property
    def safe_literal(self) -> bool:
        return self.text is not None and looks_like_db_url(self.text) and \
            classify_url(self.text).problem is None


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
    # test relpath -> environment writes that run before its tests, in order
    writes: dict[str, list[EnvWrite]] = field(default_factory=dict)
    # module relpath -> local modules it imports (transitively) before a line
    imports_before: dict[tuple[str, int], frozenset[str]] = field(default_factory=dict)

    def is_test_code(self, relpath: str) -> bool:
        return any(r.module.relpath == relpath for r in self.files)

    def effective_sources(self, result: TestFileResult, conn: Connection) -> list[Source]:
        """`conn`'s sources once the test setup's environment writes are applied.

        A variable written unconditionally (pytest-env without `D:`,
        `os.environ["X"] = ...`) reads what was written; a default
        (`setdefault`, `D:`, `if "X" not in os.environ: ...`) keeps what is
        already set and adds the default; a fallback behind a variable that is
        always set is never read.
        """
        writes = self.writes.get(result.module.relpath, [])
        if not writes:
            return list(conn.sources)
        out: list[Source] = []
        for s in conn.sources:
            if s.kind != "env":
                out.append(s)
                continue
            applicable = [w for w in writes if w.var == s.value.upper() and self._applies(w, s)]
            # a pin to a safe test URL, or to an expression we can follow (one we
            # cannot follow proves nothing: the variable stays a candidate)
            pins = [w for w in applicable if w.hard and not w.conditional and
                    (w.safe_literal or (w.text is None and w.sources))]
            if pins:
                pin = pins[-1]
                out += [replace(r, fallback=r.fallback or s.fallback,
                                guarded=r.guarded or s.guarded) for r in pin.sources]
                continue
            out.append(s)
            for w in applicable:
                if w.text is None or not w.safe_literal:
                    out += [replace(r, fallback=True) for r in w.sources]
        return [x for x in out
                if not any(self._always_set(var, x, writes) for var in x.behind)]

    def _always_set(self, var: str, source: Source, writes: list[EnvWrite]) -> bool:
        return any(w.var == var.upper() and not w.conditional and self._applies(w, source)
                   for w in writes)

    def _applies(self, write: EnvWrite, source: Source) -> bool:
        """Does the write run before `source` is read?"""
        if write.module is None or source.lazy:
            return True
        if source.module.enclosing_function(source.node) is not None:
            return True  # read when a fixture or helper runs, after every import
        line = getattr(source.node, "lineno", 0)
        if source.module.relpath == write.module.relpath:
            return line > write.line
        imported = self.imports_before.get((write.module.relpath, write.line), frozenset())
        return source.module.relpath not in imported

    def production_sources(self, result: TestFileResult, conn: Connection) -> list[Source]:
        """Env sources of `conn` that can be a production variable on Railway."""
        if conn.separate_test_db:
            return []
        return [s for s in self.effective_sources(result, conn)
                if s.kind == "env" and is_production_variable(s.value) and not s.guarded]

    def literal_problems(self, result: TestFileResult, conn: Connection
                         ) -> list[tuple[Source, str]]:
        """Complete literal URLs that point at Railway or a non-test database."""
        out = []
        for s in self.effective_sources(result, conn):
            if s.kind != "literal" or s.guarded:
                continue
            if s.fragment:  # a piece of a URL (a scheme prefix) is no URL
                if _railway_fragment(s.value):
                    out.append((s, "Railway host"))
                continue
            if looks_like_db_url(s.value):
                verdict = classify_url(s.value)
                # Django's test runner uses a `test_<NAME>` database: only the host matters
                if verdict.problem and (verdict.railway or not conn.separate_test_db):
                    out.append((s, verdict.problem))
        return out


def _railway_fragment(text: str) -> bool:
    return "${{" in text or any(railway_host(token)
                                for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9.-]*", text))


def analyze(ctx: Context) -> Analysis:
    return ctx.cached("testguard.analysis", lambda: _Analyser(ctx).run())


class _Analyser:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.modules: dict[str, PyModule | None] = {}
        self.resolver = ImportResolver(ctx.root, self.load_path)
        self._module_imports: dict[str, list[tuple[int, PyModule]]] = {}
        self._django_settings: list[PyModule] | None = None

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
        # test files outside the configured `testpaths` are not collected: not a path to
        # production (conftest.py files still load from the rootdir down)
        tests = [m for f in self.ctx.files("python-test")
                 if (f.relpath.endswith("conftest.py") or not outside_testpaths(self.ctx,
                                                                                 f.relpath))
                 and (m := self.load(f)) is not None]
        settings = [m for f in self.ctx.files("python-settings")
                    if (m := self.load(f)) is not None]
        conftests = {PurePosixPath(m.relpath).parent: m for m in tests
                     if m.relpath.endswith("conftest.py")}
        pytest_env = pinned_by_pytest_env(self.ctx)
        module_writes: dict[str, list[EnvWrite]] = {}
        test_ids = {id(m) for m in tests}  # one object per relpath: identity is equality
        for module in tests + [s for s in settings if _is_test_settings(s.relpath)]:
            result = TestFileResult(module)
            is_test = id(module) in test_ids
            result.connections = self.connections(module, settings_file=not is_test)
            result.destructive = self.destructive(module) if is_test else []
            ancestors = [conftests[d] for d in reversed(PurePosixPath(module.relpath).parents)
                         if d in conftests]
            result.guarded = any(self.file_guarded(m) for m in [*ancestors, module])
            if is_test:
                result.connections += self.django_without_test_db([*ancestors, module])
            result.loads_dotenv = _loads_dotenv(module)
            analysis.files.append(result)
            writes = [EnvWrite(e.name.upper(), None, 0, (), e.value, not e.default_only, False)
                      for e in pytest_env.entries_for(module.relpath)]
            scopes = ancestors + ([] if any(a is module for a in ancestors) else [module])
            for scope in scopes:
                if scope.relpath not in module_writes:
                    module_writes[scope.relpath] = self.env_writes(scope)
                writes += module_writes[scope.relpath]
            analysis.writes[module.relpath] = writes
            for w in writes:
                if w.module is not None and (w.module.relpath, w.line) not in \
                        analysis.imports_before:
                    analysis.imports_before[(w.module.relpath, w.line)] = \
                        self.imported_before(w.module, w.line)
        # test configuration in settings-like modules that are not test files: Flask-style
        # test config classes, and branches taken only under tests (`"test" in sys.argv`)
        for module in settings:
            if _is_test_settings(module.relpath):
                continue
            conns = self.test_config_classes(module) + self.test_branch_connections(module)
            if conns:
                analysis.files.append(TestFileResult(module, conns))
        return analysis

    # -- connections -------------------------------------------------------------
    def connections(self, module: PyModule, settings_file: bool) -> list[Connection]:
        found: list[Connection] = []
        module_guard = any(is_guard(s, module) for s in module_level(module.tree.body))
        test_name = _django_test_name(module)
        flags: dict[int, dict[str, bool]] = {}
        for node in module.nodes:
            if not isinstance(node, ast.Call | ast.Assign):
                continue
            func = module.enclosing_function(node)
            url: ast.expr | None = None
            django = False
            assumed: dict[str, bool] = {}
            if func is not None:
                if id(func) not in flags:
                    flags[id(func)] = self._local_flags(module, func)
                assumed = flags[id(func)]
            with self.resolver.assuming(func, assumed) if func is not None and assumed \
                    else nullcontext():
                if func is not None and assumed and \
                        not self.resolver.reachable(node, func, module):
                    continue  # a branch the helper's callers never take (`test_mode=True`)
                if isinstance(node, ast.Call):
                    url = self._sink_url(module, node) or \
                        self._unknown_connect(module, node, func)
                elif isinstance(node, ast.Assign):
                    url = self._assigned_url(module, node)
                    django = url is not None and func is None and _assigns_databases(node)
                if url is None or module.under_main_guard(node):
                    continue  # a client built only when the file runs as a program
                sources = self.resolver.sources(url, module, func)
            guarded = module_guard or (func is not None and has_guard(func.body, module))
            separate = django and test_name is None
            via = _flag_via(module, func, self._local_calls(module, func)) \
                if func is not None and assumed else None
            found.append(Connection(module, node, tuple(sources), guarded, separate,
                                    test_name if django else None, via))
        if not settings_file:
            found += self.imported_connections(module)
            found += self.config_class_connections(module)
        found += self.test_config_classes(module)
        return found

    def _local_flags(self, module: PyModule,
                     func: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, bool]:
        """The test-mode flags every call of a module-level helper in its own module
        passes (`connect(test_mode=True)`); none when it has no such flag or no call."""
        if module.functions.get(func.name) is not func or not flag_params(func):
            return {}
        return common_flags(func, self._local_calls(module, func))

    @staticmethod
    def _local_calls(module: PyModule, func: ast.FunctionDef | ast.AsyncFunctionDef
                     ) -> list[ast.Call]:
        return [n for n in module.nodes if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Name) and n.func.id == func.name]

    def _sink_url(self, module: PyModule, call: ast.Call, depth: int = 0) -> ast.expr | None:
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
            # component arguments: `connect(host=os.environ["PGHOST"], ...)`
            return first or kwarg(call, "url", "dsn", "conninfo", "database_url", "host")
        if short == "update" and isinstance(call.func, ast.Attribute) and \
                last_name(call.func.value) == "config":
            return kwarg(call, *URL_SETTING_NAMES)
        return self._wrapper_url(module, call, depth)

    def _unknown_connect(self, module: PyModule, call: ast.Call,
                         func: ast.FunctionDef | ast.AsyncFunctionDef | None) -> ast.expr | None:
        """`Db.connect(DATABASE_URL)` of a class this tree does not define: given a
        database URL variable, a `connect` / `create_pool` call connects to it."""
        if last_name(call.func) not in CONNECT_NAMES or not call.args:
            return None
        sources = self.resolver.sources(call.args[0], module, func)
        if any(s.kind == "env" and is_url_variable(s.value) for s in sources):
            return call.args[0]
        return None

    def _wrapper_url(self, module: PyModule, call: ast.Call, depth: int) -> ast.expr | None:
        """`Db.connect(url)` / `connect(url)`: a local function handing a parameter to a sink."""
        if depth > 2 or not (call.args or call.keywords):
            return None
        candidates: list[tuple[PyModule, ast.FunctionDef | ast.AsyncFunctionDef, int]] = []
        if isinstance(call.func, ast.Name):
            for mod, definition in self.resolver.lookup(call.func.id, module):
                if isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
                    candidates.append((mod, definition, 0))
                elif isinstance(definition, ast.ClassDef):
                    init = _method(definition, "__init__")
                    if init is not None:
                        candidates.append((mod, init, 1))
        elif isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            for mod, definition in self.resolver.lookup(call.func.value.id, module):
                if isinstance(definition, ast.ClassDef):
                    method = _method(definition, call.func.attr)
                    if method is not None:
                        static = any(last_name(d) == "staticmethod"
                                     for d in method.decorator_list)
                        candidates.append((mod, method, 0 if static else 1))
        for mod, target, skip in candidates:
            params = [a.arg for a in [*target.args.posonlyargs, *target.args.args]][skip:]
            for inner in ast.walk(target):
                if not isinstance(inner, ast.Call) or inner is call:
                    continue
                url = self._sink_url(mod, inner, depth + 1)
                if not isinstance(url, ast.Name) or url.id not in params + \
                        [a.arg for a in target.args.kwonlyargs]:
                    continue
                if url.id in params and params.index(url.id) < len(call.args):
                    return call.args[params.index(url.id)]
                return kwarg(call, url.id)
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

    def imported_connections(self, module: PyModule) -> list[Connection]:
        """Engines and session factories imported from local modules and used here."""
        used = {n.id for n in module.nodes if isinstance(n, ast.Name)}
        patched = _patched_targets(module)
        found = []
        for name, ref in module.imports.items():
            if ref.name is None or name not in used:
                continue
            here = module.relpath.removesuffix(".py").replace("/", ".")
            if {f"{ref.module}.{ref.name}", f"{here}.{name}", name} & patched:
                continue  # replaced by unittest.mock / pytest-mock before use
            for mod, definition in self.resolver.lookup(name, module):
                if isinstance(definition, ast.expr):
                    found += self._connection_of(mod, definition, 0)
                elif isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef) and \
                        mod is not module and _calls(module, name):
                    calls = [n for n in module.nodes if isinstance(n, ast.Call)
                             and isinstance(n.func, ast.Name) and n.func.id == name]
                    found += self._helper_connections(mod, definition, calls, module)
        return found

    def _helper_connections(self, module: PyModule,
                            func: ast.FunctionDef | ast.AsyncFunctionDef,
                            calls: list[ast.Call], caller: PyModule) -> list[Connection]:
        """Clients a helper function of another module builds when a test calls it
        (`with clean_db() as conn:`, `wipe()`): a plain function or a @contextmanager.
        Followed with the test-mode flags the test's calls pass (`connect(test_mode=True)`
        never reaches the production branch)."""
        if has_guard(func.body, module):
            return []
        found = []
        via = _flag_via(caller, func, calls)
        with self.resolver.assuming(func, common_flags(func, calls)):
            for node in ast.walk(func):
                if not isinstance(node, ast.Call) or \
                        not self.resolver.reachable(node, func, module):
                    continue
                url = self._sink_url(module, node)
                if url is None:
                    continue
                sources = self.resolver.sources(url, module, func)
                found.append(Connection(module, node, tuple(sources), False, via=via))
        return found

    def _connection_of(self, module: PyModule, value: ast.expr, depth: int) -> list[Connection]:
        if depth > 4 or not isinstance(value, ast.Call) or module.under_main_guard(value):
            return []
        url = self._sink_url(module, value)
        guarded = any(is_guard(s, module) for s in module_level(module.tree.body))
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

    def test_branch_connections(self, module: PyModule) -> list[Connection]:
        """Database settings a settings module makes only when it runs under tests.

        `if "test" in sys.argv:` (Django's `manage.py test`, a `flask test` command),
        `TESTING = "test" in sys.argv` then `if TESTING:`, `"pytest" in sys.modules`,
        and the `else` of their negations. Like a Flask `TestingConfig`
        (`test_config_classes`), a URL set there (`SQLALCHEMY_DATABASE_URI`, an
        engine) is the tests' database; Django `DATABASES` set there are Django test
        settings: the test runner still creates `test_<NAME>` (judged as in a
        `settings_test.py`).
        """
        flags: dict[str, bool] = {}
        for stmt in module_level(module.tree.body):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                    isinstance(stmt.targets[0], ast.Name):
                polarity = _testing_condition(stmt.value, module, flags)
                if polarity is not None:
                    flags[stmt.targets[0].id] = polarity
                else:  # `TESTING = True` later: no longer only under tests
                    flags.pop(stmt.targets[0].id, None)
        test_name = _django_test_name(module)
        module_guard = any(is_guard(s, module) for s in module_level(module.tree.body))
        found: list[Connection] = []
        seen: set[int] = set()
        for stmt in module_level(module.tree.body):
            if not isinstance(stmt, ast.If):
                continue
            polarity = _testing_condition(stmt.test, module, flags)
            if polarity is None:
                continue
            branch = stmt.body if polarity else stmt.orelse
            guarded = module_guard or has_guard(branch, module)
            condition = ast.unparse(stmt.test)
            via = Via(module, stmt, "this branch runs only under tests (`"
                      + (condition if len(condition) <= 60 else condition[:57] + "...")
                      + ("`)" if polarity else "` is false there)"))
            for node in (n for s in branch for n in ast.walk(s)):
                if id(node) in seen or module.enclosing_function(node) is not None:
                    continue
                seen.add(id(node))
                url: ast.expr | None = None
                django = False
                if isinstance(node, ast.Assign):
                    url = self._assigned_url(module, node) or _url_setting_value(node)
                    django = url is not None and _assigns_databases(node)
                elif isinstance(node, ast.Call):
                    url = self._sink_url(module, node)
                if url is None:
                    continue
                sources = self.resolver.sources(url, module)
                found.append(Connection(module, node, tuple(sources), guarded,
                                        django and test_name is None,
                                        test_name if django else None, via))
        return found

    def config_class_connections(self, module: PyModule) -> list[Connection]:
        """Test config classes of the application that a test file configures an app with.

        `create_app("config.TestingConfig")`, `create_app(TestingConfig)` (imported),
        `app.config.from_object(config.TestingConfig)`: the class's
        `SQLALCHEMY_DATABASE_URI` (its own or a base class's) is the URL the tests use.
        Classes defined in the test file itself are `test_config_classes`.
        """
        found: list[Connection] = []
        seen: set[tuple[str, int]] = set()
        for call in module.nodes:
            if not isinstance(call, ast.Call) or last_name(call.func) in _NOT_CONFIGURING:
                continue
            func = module.enclosing_function(call)
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                for mod, klass, lazy in self._referenced_classes(module, arg):
                    if mod is module or "test" not in klass.name.lower():
                        continue
                    setting = self._url_setting(mod, klass)
                    if setting is None:
                        continue
                    defmod, defclass, stmt, value = setting
                    if (defmod.relpath, id(stmt)) in seen:
                        continue
                    seen.add((defmod.relpath, id(stmt)))
                    sources = self.resolver.sources(value, defmod, None, defclass)
                    if lazy:  # imported by the call, after every module-level statement
                        sources = [replace(s, lazy=True) for s in sources]
                    guarded = (func is not None and has_guard(func.body, module)) or any(
                        is_guard(s, defmod) for s in module_level(defmod.tree.body))
                    via = Via(module, call, f"the test setup configures the app with "
                                            f"`{klass.name}` here")
                    found.append(Connection(defmod, stmt, tuple(sources), guarded, via=via))
        return found

    def _referenced_classes(self, module: PyModule, expr: ast.expr
                            ) -> list[tuple[PyModule, ast.ClassDef, bool]]:
        """Local classes `expr` names: a dotted string, a name, `module.Class`.

        The flag says the class's module is imported when the call runs (a string).
        """
        out: list[tuple[PyModule, ast.ClassDef, bool]] = []
        text = const_str(expr)
        if text is not None:
            if not _DOTTED_CLASS.match(text):
                return []
            path, _, name = text.rpartition(".")
            target = self.resolver.import_target(module, ImportRef(path, name))
            if target is not None:
                out += [(m, d, True) for m, d in self.resolver.lookup(name, target)
                        if isinstance(d, ast.ClassDef)]
        elif isinstance(expr, ast.Name):
            out += [(m, d, False) for m, d in self.resolver.lookup(expr.id, module)
                    if isinstance(d, ast.ClassDef)]
        elif isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            ref = module.imports.get(expr.value.id)
            target = self.resolver.import_target(module, ref) if ref is not None else None
            if target is not None:
                out += [(m, d, False) for m, d in self.resolver.lookup(expr.attr, target)
                        if isinstance(d, ast.ClassDef)]
        return out

    def _url_setting(self, module: PyModule, klass: ast.ClassDef, depth: int = 0
                     ) -> tuple[PyModule, ast.ClassDef, ast.stmt, ast.expr] | None:
        """The `SQLALCHEMY_DATABASE_URI = ...` a config class has, its own or inherited."""
        for stmt in klass.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else (
                [stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
            value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
            if value is not None and any(isinstance(t, ast.Name) and t.id in URL_SETTING_NAMES
                                         for t in targets):
                return module, klass, stmt, value
        if depth > 4:
            return None
        for base in klass.bases:
            if isinstance(base, ast.Name):
                for mod, definition in self.resolver.lookup(base.id, module):
                    if isinstance(definition, ast.ClassDef) and definition is not klass:
                        found = self._url_setting(mod, definition, depth + 1)
                        if found is not None:
                            return found
        return None

    def django_without_test_db(self, scopes: list[PyModule]) -> list[Connection]:
        """The Django settings' DATABASES, when a fixture in scope makes the tests use them.

        pytest-django's `django_db_setup` creates the test database (`test_<NAME>`);
        overriding it without requesting the original (`def django_db_setup(): pass`,
        the documented way to use an existing database: docs/facts.md F15) creates
        none, and the tests use `DATABASES` as the settings module configures it.
        An override that assigns `settings.DATABASES` itself is judged as written.
        """
        for scope in reversed(scopes):  # the nearest override wins
            override = _django_db_setup_override(scope)
            if override is None:
                continue
            if not isinstance(override, ast.FunctionDef | ast.AsyncFunctionDef):
                return []  # one that keeps pytest-django's test database
            via = Via(scope, override, "`django_db_setup` is overridden here without "
                      "requesting pytest-django's own: no test database is created, the "
                      "tests use DATABASES as the settings configure it",
                      what="the Django settings module")
            out = []
            for settings in self.django_settings():
                for conn in self.connections(settings, settings_file=True):
                    if isinstance(conn.node, ast.Assign) and _assigns_databases(conn.node):
                        out.append(replace(conn, separate_test_db=False, test_name=None,
                                           via=via))
            return out
        return []

    def django_settings(self) -> list[PyModule]:
        """The settings module pytest-django loads: `--ds` / `DJANGO_SETTINGS_MODULE` in
        the pytest config, else manage.py's or a conftest's default; else the only
        settings module that assigns DATABASES."""
        if self._django_settings is None:
            named: list[tuple[Path, str]] = []
            for kinds, patterns in ((("pytest-config",), (_DS_OPTION, _DS_INI)),
                                    (("django-manage", "python-test"), (_DS_DEFAULT,))):
                for source in self.ctx.files(*kinds):
                    doc = self.ctx.load(source)
                    if doc.error is None:
                        named += [(source.path.parent, m[1]) for p in patterns
                                  for m in p.finditer(doc.text)]
            bases = [self.ctx.root] + [s.path.parent for s in self.ctx.files("django-manage")]
            found: list[PyModule] = []
            for directory, dotted in named:
                parts = dotted.split(".")
                for base in [directory, directory / "src", *bases]:
                    for path in (base.joinpath(*parts).with_suffix(".py"),
                                 base.joinpath(*parts, "__init__.py")):
                        module = self.load_path(path) if path.is_file() else None
                        if module is not None and module not in found:
                            found.append(module)
                            break
                    else:
                        continue
                    break
                if found:
                    break
            if not named:
                assigning = [m for f in self.ctx.files("python-settings")
                             if (m := self.load(f)) is not None and "DATABASES" in m.assigns]
                found = assigning if len(assigning) == 1 else []
            self._django_settings = found
        return self._django_settings

    # -- environment writes ----------------------------------------------------------
    def env_writes(self, module: PyModule) -> list[EnvWrite]:
        """`os.environ[...] = ...`, `setdefault`, `update` run at import, in order."""
        out: list[EnvWrite] = []

        def add(var: str | None, value: ast.expr | None, line: int, hard: bool,
                conditional: bool) -> None:
            if var is None or value is None:
                return
            sources = tuple(self.resolver.sources(value, module))
            out.append(EnvWrite(var.upper(), module, line, sources, const_str(value), hard,
                                conditional))

        def walk(stmts: list[ast.stmt], conditional: bool, outer: bool,
                 unset: frozenset[str]) -> None:
            for stmt in stmts:
                if isinstance(stmt, ast.Assign):
                    for target in stmt.targets:
                        if isinstance(target, ast.Subscript) and \
                                module.qualname(target.value) in ENVIRON:
                            var = const_str(target.slice)
                            default = var is not None and var.upper() in unset
                            add(var, stmt.value, stmt.lineno, not default,
                                outer if default else conditional)
                elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                    call = stmt.value
                    qn = module.qualname(call.func)
                    if qn in ("os.environ.setdefault", "environ.setdefault") and \
                            len(call.args) == 2:
                        add(const_str(call.args[0]), call.args[1], stmt.lineno, False,
                            conditional)
                    elif qn in ("os.environ.update", "environ.update"):
                        pairs: list[tuple[str | None, ast.expr]] = [
                            (k.arg, k.value) for k in call.keywords if k.arg]
                        if call.args and isinstance(call.args[0], ast.Dict):
                            pairs += [(const_str(k), v) for k, v in
                                      zip(call.args[0].keys, call.args[0].values, strict=True)]
                        for var, value in pairs:
                            add(var, value, stmt.lineno, True, conditional)
                elif isinstance(stmt, ast.If):
                    checked = _unset_checks(stmt.test, module)
                    walk(stmt.body, True, conditional, checked)
                    walk(stmt.orelse, True, conditional, frozenset())
                elif isinstance(stmt, ast.With | ast.AsyncWith):
                    walk(stmt.body, conditional, outer, unset)
                elif isinstance(stmt, ast.Try):
                    walk(stmt.body, conditional, outer, unset)
                    for handler in stmt.handlers:
                        walk(handler.body, True, conditional, frozenset())
                    walk(stmt.orelse, True, conditional, frozenset())
                    walk(stmt.finalbody, conditional, outer, unset)
                elif isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
                    walk(stmt.body, True, conditional, frozenset())

        walk(module.tree.body, False, False, frozenset())
        return out

    def imported_before(self, module: PyModule, line: int) -> frozenset[str]:
        """Local modules that `module` imports (directly or not) at module level before `line`."""
        seen: set[str] = set()
        stack = [m for ln, m in self._imports_of(module) if ln < line]
        while stack:
            current = stack.pop()
            if current.relpath in seen or len(seen) > 200:
                continue
            seen.add(current.relpath)
            stack += [m for _, m in self._imports_of(current)]
        return frozenset(seen)

    def _imports_of(self, module: PyModule) -> list[tuple[int, PyModule]]:
        if module.relpath not in self._module_imports:
            found: list[tuple[int, PyModule]] = []
            for stmt in module_level(module.tree.body):
                refs: list[ImportRef] = []
                if isinstance(stmt, ast.Import):
                    refs = [ImportRef(a.name, None) for a in stmt.names]
                elif isinstance(stmt, ast.ImportFrom):
                    refs = [ImportRef(stmt.module or "", a.name, stmt.level) for a in stmt.names]
                for ref in refs:
                    target = self.resolver.import_target(module, ref)
                    if target is not None:
                        found.append((stmt.lineno, target))
            self._module_imports[module.relpath] = found
        return self._module_imports[module.relpath]

    # -- destructive operations ------------------------------------------------------
    def destructive(self, module: PyModule) -> list[Destructive]:
        found: list[Destructive] = []
        collected = not module.relpath.endswith("conftest.py")  # pytest collects no tests there
        not_tests = _not_tests(module)
        for func in _all_functions(module):
            where = _setup_role(func, module)
            if where is None and collected and func.name not in not_tests and \
                    _is_test_function(func, module):
                where = f"test `{func.name}`"
            if where is None:
                continue
            found += self._destructive_in(module, func, where, follow=True)
        for stmt in module.tree.body:  # module-level statements run at import
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found += [Destructive(module, n, what, "module level (runs at import)")
                          for n in ast.walk(stmt) if (what := _destructive_call(module, n))]
        return _outermost(module, found)

    def _destructive_in(self, module: PyModule, func: ast.FunctionDef | ast.AsyncFunctionDef,
                        where: str, follow: bool) -> list[Destructive]:
        if has_guard(func.body, module):
            return []
        found = []
        for node in ast.walk(func):
            what = _destructive_call(module, node)
            if what:
                found.append(Destructive(module, node, what, where))
            elif follow and isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in module.functions:
                helper = module.functions[node.func.id]
                if _setup_role(helper, module) is None and helper is not func:
                    found += [replace(d, call=node, caller=where) for d in self._destructive_in(
                        module, helper, f"`{helper.name}()` called from {where}", follow=False)]
            elif follow and isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in module.imports:  # a helper of another local module
                for mod, defined in self.resolver.lookup(node.func.id, module):
                    if mod is module or not isinstance(defined, ast.FunctionDef |
                                                       ast.AsyncFunctionDef):
                        continue
                    if _setup_role(defined, mod) is not None:
                        continue
                    label = f"`{defined.name}()` ({mod.relpath}) called from {where}"
                    found += [replace(d, call=node, caller=where)
                              for d in self._destructive_in(mod, defined, label, follow=False)]
        return found

    # -- guards --------------------------------------------------------------------
    def file_guarded(self, module: PyModule) -> bool:
        top = module_level(module.tree.body)
        if any(is_guard(s, module) for s in top):
            return True
        # pytestmark is ignored in conftest.py: it skips only the tests of a test module
        if not module.relpath.endswith("conftest.py") and \
                any(is_skip_guard(s, module) for s in top):
            return True
        return any(has_guard(f.body, module) for name, f in module.functions.items()
                   if name in GUARD_HOOKS)


def _django_db_setup_override(module: PyModule
                              ) -> ast.FunctionDef | ast.AsyncFunctionDef | bool | None:
    """A `django_db_setup` fixture in `module` that creates no test database.

    None: no override here; False: one that requests pytest-django's own
    (`def django_db_setup(django_db_setup, ...)`) or sets DATABASES itself.
    """
    func = module.functions.get("django_db_setup")
    if func is None or _setup_role(func, module) is None or "fixture" not in \
            (_setup_role(func, module) or ""):
        return None
    params = [a.arg for a in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]]
    if "django_db_setup" in params:
        return False
    for node in ast.walk(func):
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else [])
        if any(isinstance(n, ast.Name | ast.Attribute) and last_name(n) == "DATABASES"
               for t in targets for n in ast.walk(t)):
            return False
        if isinstance(node, ast.Call) and last_name(node.func) == "configure":
            return False  # settings.configure(DATABASES=...)
    return func


def _flag_via(caller: PyModule, func: ast.FunctionDef | ast.AsyncFunctionDef,
              calls: list[ast.Call]) -> Via | None:
    """Where the tests call a helper so that its test-mode flag is off
    (`connect()` with `def connect(test_mode=False)`): the place to fix."""
    off = [name for name, value in common_flags(func, calls).items() if value is False]
    if not off or not calls:
        return None
    return Via(caller, calls[0], f"`{func.name}()` is called here without `{off[0]}=True`, "
                                 "so it takes its production branch")


def _url_setting_value(node: ast.Assign) -> ast.expr | None:
    """`SQLALCHEMY_DATABASE_URI = ...` at a settings module's top level (Flask
    `from_object` / `from_pyfile` reads such names)."""
    if any(isinstance(t, ast.Name) and t.id in URL_SETTING_NAMES for t in node.targets):
        return node.value
    return None


def _testing_condition(test: ast.expr, module: PyModule, flags: dict[str, bool]
                       ) -> bool | None:
    """True: `test` holds only under tests (`"test" in sys.argv`, `sys.argv[1] == "test"`,
    `"pytest" in sys.modules`, a name assigned such a condition); False: it holds only
    outside them (`"test" not in sys.argv`: the `else` is the tests' branch); None:
    neither."""
    if isinstance(test, ast.Name):
        return flags.get(test.id)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _testing_condition(test.operand, module, flags)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        parts = [_testing_condition(v, module, flags) for v in test.values]
        if isinstance(test.op, ast.And):
            return True if True in parts else None  # `TESTING and X`: only under tests
        if all(p is True for p in parts):
            return True
        return False if False in parts else None  # `not TESTING or X`: else is tests only
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and \
            test.func.attr in ("endswith", "startswith", "__contains__") and \
            _is_argv(test.func.value, module) and \
            any("test" in (const_str(a) or "").lower() for a in test.args):
        return True  # sys.argv[0].endswith("pytest")
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    op, left, right = test.ops[0], test.left, test.comparators[0]
    if isinstance(op, ast.In | ast.NotIn):
        text = const_str(left)
        names_tests = text is not None and "test" in text.lower()
        if names_tests and (_is_argv(right, module) or module.qualname(right) == "sys.modules"):
            return isinstance(op, ast.In)
        return None
    if isinstance(op, ast.Eq | ast.NotEq):
        for one, other in ((left, right), (right, left)):
            texts = [const_str(e) for e in other.elts] if isinstance(other, ast.List |
                                                                      ast.Tuple) \
                else [const_str(other)]
            if _is_argv(one, module) and any(t is not None and "test" in t.lower()
                                             for t in texts):
                return isinstance(op, ast.Eq)
    return None


def _is_argv(expr: ast.expr, module: PyModule) -> bool:
    """`sys.argv`, `sys.argv[1]`, `sys.argv[1:2]`, `argv` imported from sys."""
    if isinstance(expr, ast.Subscript):
        expr = expr.value
    return module.qualname(expr) in ("sys.argv",)


def _is_test_settings(relpath: str) -> bool:
    name = PurePosixPath(relpath)
    return "test" in name.name.lower() or any("test" in p.lower() for p in name.parts[:-1])


def _databases_default(value: ast.Dict) -> ast.expr | None:
    for key, item in zip(value.keys, value.values, strict=False):
        if const_str(key) == "default":
            if not isinstance(item, ast.Dict):
                return item
            # {"default": {**dj_database_url.config(), "CONN_MAX_AGE": 600}}
            for inner_key, inner in zip(item.keys, item.values, strict=False):
                if inner_key is None and isinstance(inner, ast.Call):
                    return inner
            return None
    return None


def _assigns_databases(node: ast.Assign) -> bool:
    """`DATABASES = {...}` / `DATABASES["default"] = ...` in a Django settings module.

    Not `settings.DATABASES[...] = ...` in a fixture: that rewires live settings,
    and an overridden `django_db_setup` creates no test database.
    """
    return any(isinstance(t.value if isinstance(t, ast.Subscript) else t, ast.Name) and
               last_name(t.value if isinstance(t, ast.Subscript) else t) == "DATABASES"
               for t in node.targets)


def _django_test_name(module: PyModule) -> ast.AST | None:
    """A DATABASES `TEST` `NAME` (or old `TEST_NAME`) that is not a test database's name.

    Django names the test database `test_<NAME>` unless TEST NAME says otherwise;
    a TEST NAME without `test` in it (or not a literal) may be a real database.
    """
    for node in module.nodes:
        candidates: list[ast.expr] = []
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=False):
                if const_str(key) == "TEST_NAME":
                    candidates.append(value)
                if const_str(key) == "TEST" and isinstance(value, ast.Dict):
                    candidates += [v for k, v in zip(value.keys, value.values, strict=False)
                                   if const_str(k) == "NAME"]
        elif isinstance(node, ast.Call) and isinstance(kwarg(node, "test_options"), ast.Dict):
            options = kwarg(node, "test_options")
            assert isinstance(options, ast.Dict)
            candidates += [v for k, v in zip(options.keys, options.values, strict=False)
                           if const_str(k) == "NAME"]
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and const_str(target.slice) == "NAME" and \
                        isinstance(target.value, ast.Subscript) and \
                        const_str(target.value.slice) == "TEST":
                    candidates.append(node.value)
        for value in candidates:
            text = const_str(value)
            if text is None or "test" not in text.lower():
                return value
    return None


def _all_functions(module: PyModule) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in module.nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _method(klass: ast.ClassDef, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for stmt in klass.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == name:
            return stmt
    return None


def _is_test_function(func: ast.FunctionDef | ast.AsyncFunctionDef, module: PyModule) -> bool:
    """A test pytest or unittest collects: `test*` at module level or in a test class."""
    if not func.name.startswith("test"):
        return False
    parent = module.parents.get(id(func))
    if isinstance(parent, ast.Module):
        return True
    return isinstance(parent, ast.ClassDef) and isinstance(module.parents.get(id(parent)),
                                                            ast.Module)


def _not_tests(module: PyModule) -> set[str]:
    """Names marked `name.__test__ = False`."""
    out = set()
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Attribute) and target.attr == "__test__" and \
                        isinstance(target.value, ast.Name) and \
                        isinstance(stmt.value, ast.Constant) and stmt.value.value is False:
                    out.add(target.value.id)
    return out


def _outermost(module: PyModule, found: list[Destructive]) -> list[Destructive]:
    """One entry per operation: `execute(text("TRUNCATE ..."))` is the execute call only."""
    nodes = {id(d.node) for d in found}
    out: list[Destructive] = []
    seen: set[int] = set()
    for d in found:
        parent = module.parents.get(id(d.node))
        inner = False
        while parent is not None and not isinstance(parent, ast.stmt):
            if id(parent) in nodes:
                inner = True
                break
            parent = module.parents.get(id(parent))
        if not inner and id(d.node) not in seen:
            seen.add(id(d.node))
            out.append(d)
    return out


_SCOPED_SQL = re.compile(r"\b(?:DELETE\s+FROM|UPDATE)\b[^;]*\bWHERE\b", re.IGNORECASE)
_NARROWING = frozenset({"filter", "filter_by", "where", "get"})


def scoped_writes(module: PyModule) -> bool:
    """Whether the module deletes or updates only rows it names: SQL `DELETE ... WHERE` /
    `UPDATE ... WHERE` (f-strings read from their literal parts), `query.filter(...).delete()`,
    `Model.objects.filter(...).delete()`, `delete(T).where(...)`."""
    for node in module.nodes:
        if not isinstance(node, ast.Call):
            continue
        short = last_name(node.func)
        if short in SQL_EXECUTORS:
            for arg in node.args[:1]:
                if any(_SCOPED_SQL.search(text) for text in _strings(arg)):
                    return True
        if short == "delete" and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            if isinstance(receiver, ast.Call) and last_name(receiver.func) in _NARROWING:
                return True
        if short == "where" and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Call) and \
                last_name(node.func.value.func) in ("delete", "update"):
            return True
    return False


def _calls(module: PyModule, name: str) -> bool:
    """Whether `module` calls `name(...)` (directly, or as `with name(...)`)."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
               for n in module.nodes)


_PATCHERS = frozenset({"patch", "setattr"})


def _patched_targets(module: PyModule) -> set[str]:
    """What the module replaces with a double before it is used: `patch("app.db.engine")`
    (unittest.mock, as a decorator, context manager or call; `mocker.patch`),
    `monkeypatch.setattr("app.db.engine", ...)`, `patch.object(db, "engine")` (as
    `engine`). Dotted targets are kept whole; `patch.object` adds the attribute name."""
    out: set[str] = set()
    for node in module.nodes:
        if not isinstance(node, ast.Call):
            continue
        short = last_name(node.func)
        if short == "object" and isinstance(node.func, ast.Attribute) and \
                last_name(node.func.value) == "patch" and len(node.args) >= 2:
            if (attr := const_str(node.args[1])) is not None:
                out.add(attr)
            continue
        target = const_str(node.args[0]) if short in _PATCHERS and node.args else None
        if target is not None and "." in target:
            out.add(target)
    return out


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


_HOLE = "_"  # what an interpolated value stands for in SQL read from its literal parts


def _literal_parts(node: ast.AST) -> str | None:
    """SQL text built from literals, interpolations read as a placeholder:
    `f"DELETE FROM {t} WHERE id = :id"`, `"DELETE FROM {} WHERE x".format(t)`,
    `"DELETE FROM " + t + " WHERE ..."`, `"DELETE FROM %s" % t`; None for anything else."""
    if (text := const_str(node)) is not None:
        return text
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else _HOLE
            for v in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _literal_parts(node.left)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_parts(node.left), _literal_parts(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else _HOLE) + (right if right is not None else _HOLE)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr == "format":
        return _literal_parts(node.func.value)
    return None


def _strings(node: ast.AST) -> list[str]:
    """Every SQL text in `node`: a string built by an f-string, `.format()`, `+` or `%`
    is read whole from its literal parts (a `WHERE` after `{table}` still counts)."""
    out = []
    inside: set[int] = set()
    for sub in ast.walk(node):
        if id(sub) in inside:
            continue
        text = _literal_parts(sub)
        if text is None:
            continue
        out.append(text)
        inside.update(id(n) for n in ast.walk(sub))
    return out


def _destructive_call(module: PyModule, node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    short = last_name(node.func)
    qn = module.qualname(node.func)
    if short == "drop_all":
        return f"{_dotted_text(node.func)}() (drops every table)"
    if short == "run_sync":  # await conn.run_sync(Base.metadata.drop_all)
        for arg in node.args:
            if isinstance(arg, ast.Attribute | ast.Name) and last_name(arg) == "drop_all":
                return f"run_sync({_dotted_text(arg)}) (drops every table)"
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
    for node in module.nodes:
        if isinstance(node, ast.Call) and last_name(node.func) in ("load_dotenv", "dotenv_values",
                                                                   "read_dotenv"):
            return True
    return False


def _unset_checks(test: ast.expr, module: PyModule) -> frozenset[str]:
    """Variables `test` is true for when unset: `"X" not in os.environ`, `not os.getenv("X")`."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and \
            isinstance(test.ops[0], ast.NotIn) and \
            module.qualname(test.comparators[0]) in ENVIRON:
        var = const_str(test.left)
        return frozenset([var.upper()]) if var else frozenset()
    getter: ast.expr | None = None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        getter = test.operand
    elif isinstance(test, ast.Compare) and len(test.ops) == 1 and \
            isinstance(test.ops[0], ast.Is) and isinstance(test.comparators[0], ast.Constant) \
            and test.comparators[0].value is None:
        getter = test.left
    if isinstance(getter, ast.Call) and module.qualname(getter.func) in (
        "os.getenv", "os.environ.get", "getenv", "environ.get"
    ) and len(getter.args) == 1:
        var = const_str(getter.args[0])
        return frozenset([var.upper()]) if var else frozenset()
    return frozenset()

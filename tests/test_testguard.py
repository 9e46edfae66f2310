"""Unit tests of the test-suite guard's analysis (railsafe.testguard)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from railsafe.engine import check
from railsafe.findings import Finding, Severity
from railsafe.rules import find_rule
from railsafe.testguard import js
from railsafe.testguard.resolve import is_guard
from railsafe.testguard.settings import _ini_env, dotenv_entries
from railsafe.testguard.urls import classify_url, is_production_variable, railway_host
from tests.conftest import REPO


@pytest.mark.parametrize(
    "host",
    ["postgres.railway.internal", "roundhouse.proxy.rlwy.net", "x.rlwy.net",
     "containers-us-west-42.railway.app"],
)
def test_railway_hosts(host: str) -> None:
    assert railway_host(host)


@pytest.mark.parametrize("host", ["localhost", "myapp.up.railway.app", "db.example.com"])
def test_not_railway_hosts(host: str) -> None:
    assert not railway_host(host)


def test_classify_masks_nothing_and_names_problem() -> None:
    assert classify_url("postgresql://u:p@localhost/app_test").problem is None
    assert "no 'test'" in (classify_url("postgresql://u:p@localhost/app").problem or "")
    assert classify_url("postgresql://u:p@localhost/?dbname=x_test").problem is None
    assert classify_url("${{Postgres.DATABASE_URL}}").railway


def test_production_variables() -> None:
    assert is_production_variable("DATABASE_URL")
    assert is_production_variable("DATABASE_PUBLIC_URL")
    assert not is_production_variable("TEST_DATABASE_URL")
    assert not is_production_variable("SECRET_KEY")


def test_incident_example_reports_the_fallback_line() -> None:
    report = check([REPO / "examples" / "incident"], [find_rule("RS201")])  # type: ignore[list-item]
    [finding] = report.findings
    assert (finding.path, finding.span.line, finding.span.column) == (
        "backend/tests/conftest.py", 10, 50)
    assert any(r.span.line == 19 and "drop_all" in r.message for r in finding.related)


def _conftest(tmp_path: Path, body: str) -> list[str]:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text(body)
    rules = [find_rule("RS201"), find_rule("RS202")]
    report = check([tmp_path], rules)  # type: ignore[arg-type]
    return [f"{f.rule}:{f.span.line}" for f in report.findings]


def test_environ_env_db_and_helper_function(tmp_path: Path) -> None:
    body = (
        "import environ, pytest\nfrom sqlalchemy import create_engine\nenv = environ.Env()\n"
        "def url():\n    return env.db_url()\n"
        "engine = create_engine(url())\n"
        "@pytest.fixture(autouse=True)\ndef wipe():\n    yield\n    reset()\n"
        "def reset():\n    with engine.begin() as c:\n"
        "        c.exec_driver_sql('DROP SCHEMA public CASCADE')\n"
    )
    assert _conftest(tmp_path, body) == ["RS201:5"]


def test_guard_inside_url_helper_silences(tmp_path: Path) -> None:
    body = (
        "import os, pytest\nfrom sqlalchemy import create_engine\n"
        "def url():\n    u = os.environ['DATABASE_URL']\n"
        "    if 'rlwy.net' in u or not u.endswith('_test'):\n        raise RuntimeError(u)\n"
        "    return u\n"
        "engine = create_engine(url())\n"
    )
    assert _conftest(tmp_path, body) == []


def test_alembic_downgrade_and_set_main_option(tmp_path: Path) -> None:
    body = (
        "import os, pytest\nfrom alembic import command\nfrom alembic.config import Config\n"
        "@pytest.fixture(scope='session')\ndef migrated():\n    cfg = Config('alembic.ini')\n"
        "    cfg.set_main_option('sqlalchemy.url', os.environ['DATABASE_URL'])\n"
        "    command.upgrade(cfg, 'head')\n    yield\n    command.downgrade(cfg, 'base')\n"
    )
    assert _conftest(tmp_path, body) == ["RS201:7"]


def test_sqlalchemy_delete_with_where_is_not_a_wipe(tmp_path: Path) -> None:
    body = (
        "import os, pytest\nfrom sqlalchemy import create_engine, delete\n"
        "engine = create_engine(os.environ['DATABASE_URL'])\n"
        "@pytest.fixture\ndef s(session):\n    yield\n"
        "    session.execute(delete(User).where(User.email == 'x'))\n"
    )
    assert _conftest(tmp_path, body) == ["RS202:3"]


def test_js_scan_ignores_assignment_and_comments() -> None:
    text = (
        "// process.env.DATABASE_URL in a comment\n"
        "const before = new Pool({ connectionString: process.env.DATABASE_URL });\n"
        "process.env.DATABASE_URL = 'postgres://localhost/app_test';\n"
        "const pool = new Pool({ connectionString: process.env.DATABASE_URL });\n"
        "await pool.query('DELETE FROM users WHERE id = 1');\n"
    )
    setup = js.scan(text)
    # the assignment is no read, and a read below it sees the test database
    assert [s.line for _, s in setup.prod_reads] == [2]
    assert setup.destructive == []


def test_js_prisma_with_datasource_is_not_implicit() -> None:
    explicit = js.scan("const p = new PrismaClient({ datasourceUrl: url });\n")
    implicit = js.scan("const p = new PrismaClient({ log: ['query'] });\n")
    assert explicit.implicit == []
    assert [s.column for _, s in implicit.implicit] == [11]


def test_js_dotenv_test_file_with_override_pins_prisma() -> None:
    client = "const p = new PrismaClient();\n"
    loaded = "dotenv.config({ path: '.env.test', override: true });\n" + client
    kept = "dotenv.config({ path: '.env.test' });\n" + client
    assert js.scan(loaded).implicit == []
    assert len(js.scan(kept).implicit) == 1


def _check(tmp_path: Path, files: dict[str, str], *rules: str) -> list[Finding]:
    for name, body in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    report = check([tmp_path], [find_rule(r) for r in rules])  # type: ignore[misc]
    return report.findings


def test_related_locations_are_unique_and_sorted(tmp_path: Path) -> None:
    body = (
        "import os, pytest\nfrom sqlalchemy import create_engine, text\n"
        "@pytest.fixture(autouse=True)\ndef wipe():\n    yield\n"
        "    with engine.begin() as conn:\n        conn.execute(text('TRUNCATE users'))\n"
        "engine = create_engine(os.environ['DATABASE_URL'])\n"
    )
    [finding] = _check(tmp_path, {"tests/conftest.py": body}, "RS201")
    places = [(r.path, r.span.line, r.span.column) for r in finding.related]
    assert places == [("tests/conftest.py", 7, 9), ("tests/conftest.py", 8, 10)]


def test_js_no_wipe_gets_the_js_fix(tmp_path: Path) -> None:
    text = "export const pool = new Pool({ connectionString: process.env.DATABASE_URL });\n"
    [finding] = _check(tmp_path, {"tests/setup.ts": text}, "RS202")
    assert "throw new Error" in (finding.fix or "")
    assert "pytest" not in (finding.fix or "")


def test_rs203_wording_and_password_advice(tmp_path: Path) -> None:
    body = (
        "from sqlalchemy import create_engine\n"
        "a = create_engine('postgresql://db.acme-corp.io')\n"
        "b = create_engine('postgresql://app:secret@db.acme-corp.io/app')\n"
    )
    first, second = _check(tmp_path, {"tests/conftest.py": body}, "RS203")
    assert first.message == ("test setup points the database at postgresql://db.acme-corp.io: "
                             "names no database (the server's default database)")
    assert "rotate" not in (first.fix or "").lower()
    assert "rotate" in (second.fix or "").lower() and "secret" not in second.message


def test_application_code_names_the_test_file(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/db.py": "import os\nfrom sqlalchemy import create_engine\n"
                     "engine = create_engine(os.environ['DATABASE_URL'])\n",
        "tests/conftest.py": "from app.db import engine\nENGINE = engine\n",
    }
    [finding] = _check(tmp_path, files, "RS202")
    assert finding.path == "app/db.py"
    assert finding.message.startswith("application code imported by tests/conftest.py reads")


def test_skip_guard_through_a_helper_function(tmp_path: Path) -> None:
    body = (
        "import os, pytest\nfrom sqlalchemy import create_engine\n"
        "URL = os.getenv('TEST_DATABASE_URL') or os.getenv('DATABASE_URL')\n"
        "def _refuses(url):\n    if not url.endswith('_test'):\n        return 'not a test db'\n"
        "    return ''\n"
        "REASON = _refuses(URL)\n"
        "pytestmark = pytest.mark.skipif(bool(REASON), reason=REASON)\n"
        "engine = create_engine(URL)\n"
        "def test_x():\n    engine.dispose()\n"
    )
    assert _check(tmp_path, {"tests/test_db.py": body}, "RS201", "RS202") == []


@pytest.mark.parametrize(
    ("condition", "guard"),
    [
        ("'test' not in URL", True),
        ("not URL.endswith('_test')", True),
        ("os.getenv('RAILWAY_ENVIRONMENT_NAME')", True),
        ("'rlwy.net' in URL", True),
        ("not os.getenv('TEST_DATABASE_URL')", False),
        ("'TEST_DATABASE_URL' not in os.environ", False),
        ("not URL", False),
        ("not TEST_DB_URL", False),
    ],
)
def test_guard_conditions(condition: str, guard: bool) -> None:
    stmt = ast.parse(f"if {condition}:\n    raise SystemExit(1)\n").body[0]
    assert is_guard(stmt) is guard


def test_unconditional_reassignment_replaces_the_earlier_value(tmp_path: Path) -> None:
    body = (
        "import os\nfrom sqlalchemy import create_engine\n"
        "URL = os.getenv('TEST_DATABASE_URL') or os.getenv('DATABASE_URL')\n"
        "URL = 'sqlite:///./test.db'\n"
        "engine = create_engine(URL)\n"
    )
    assert _conftest(tmp_path, body) == []


def test_a_pin_after_the_import_comes_too_late(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/db.py": "import os\nfrom sqlalchemy import create_engine\n"
                     "engine = create_engine(os.environ['DATABASE_URL'])\n",
        "tests/conftest.py": "import os\nfrom app.db import engine\n"
                             "os.environ['DATABASE_URL'] = 'sqlite:///./test.db'\n"
                             "ENGINE = engine\n",
    }
    assert [f.path for f in _check(tmp_path, files, "RS202")] == ["app/db.py"]


def test_setdefault_of_the_test_variable_to_database_url(tmp_path: Path) -> None:
    body = (
        "import os\nfrom sqlalchemy import create_engine\n"
        "os.environ.setdefault('TEST_DATABASE_URL', os.environ['DATABASE_URL'])\n"
        "engine = create_engine(os.environ['TEST_DATABASE_URL'])\n"
    )
    assert _conftest(tmp_path, body) == ["RS202:3"]


def test_pytest_env_default_is_not_a_pin(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nenv =\n    D:DATABASE_URL=postgresql://localhost/app_test\n")
    body = "import os\nfrom sqlalchemy import create_engine\n" \
           "engine = create_engine(os.environ['DATABASE_URL'])\n"
    assert _conftest(tmp_path, body) == ["RS202:3"]


def test_pytest_ini_env_positions() -> None:
    entries = _ini_env("pytest.ini", "[pytest]\nenv =\n    R:DATABASE_URL=sqlite://\n",
                       ("pytest",))
    [entry] = entries
    assert (entry.name, entry.value, entry.span.line, entry.span.column) == (
        "DATABASE_URL", "sqlite://", 3, 20)


def test_dotenv_entries_quotes_and_export() -> None:
    [entry] = dotenv_entries(".env", "export DATABASE_URL='postgres://h/db' # c\n")
    assert (entry.value, entry.span.column) == ("postgres://h/db", 22)


# -- JavaScript: which reads reach a client, which files are test setup ----------------

_CLIENT_LINE = "const pool = new Pool({ connectionString: process.env.TEST_DATABASE_URL });\n"


@pytest.mark.parametrize(
    ("text", "counted"),
    [
        # presence checks and comparisons pass no value on
        ("const hasDb = Boolean(process.env.DATABASE_URL);\n" + _CLIENT_LINE, False),
        ("if (!process.env.DATABASE_URL) throw new Error('x');\n" + _CLIENT_LINE, False),
        ("const d = process.env.DATABASE_URL ? describe : describe.skip;\n" + _CLIENT_LINE,
         False),
        ("if (process.env.DATABASE_URL === process.env.TEST_DATABASE_URL) {}\n" + _CLIENT_LINE,
         False),
        ("if (process.env.DATABASE_URL.includes('rlwy')) process.exit(1);\n" + _CLIENT_LINE,
         False),
        ("describe.skipIf(!process.env.DATABASE_URL)('db', () => {});\n" + _CLIENT_LINE, False),
        ("const url = process.env.DATABASE_URL;\nconsole.log(url);\n" + _CLIENT_LINE, False),
        # the value reaches the client: in its arguments, or through a variable
        ("const pool = new Pool({ connectionString: process.env.DATABASE_URL });\n", True),
        ("const url = process.env.DATABASE_URL ?? '';\nnew Pool({ connectionString: url });\n",
         True),
        ("const url: string = process.env.TEST_DATABASE_URL\n  || process.env.DATABASE_URL\n"
         "const pool = new Pool({ connectionString: url })\n", True),
        ("const connectionString = process.env.DATABASE_URL;\n"
         "const pool = new Pool({ connectionString });\n", True),
        ("const config = {\n  connection: process.env.DATABASE_URL,\n};\n"
         "const db = knex(config);\n", True),
        ("const getUrl = () => process.env.DATABASE_URL;\n"
         "const pool = new Pool({ connectionString: getUrl() });\n", True),
        ("function url() {\n  return process.env.DATABASE_URL;\n}\n"
         "const pool = new Pool({ connectionString: url() });\n", True),
        ("const url = `${process.env.DATABASE_URL}?sslmode=disable`;\n"
         "const pool = new Pool({ connectionString: url });\n", True),
        ("let ds;\nbeforeAll(async () => {\n"
         "  ds = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL });\n});\n",
         True),
        # written to the environment: whatever reads it next (Prisma) gets it
        ("process.env.DATABASE_URL = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;\n"
         "const p = new PrismaClient();\n", True),
    ],
)
def test_js_read_counts_only_when_it_reaches_a_client(text: str, counted: bool) -> None:
    setup = js.scan(text)
    assert setup.client
    assert bool(setup.prod_reads) is counted


def test_js_runner_pin_silences_reads_and_implicit_prisma() -> None:
    text = ("const prisma = new PrismaClient();\n"
            "const pool = new Pool({ connectionString: process.env.DATABASE_URL });\n")
    assert js.scan(text).prod_reads and js.scan(text).implicit
    pinned = js.scan(text, pinned=frozenset({"DATABASE_URL"}))
    assert pinned.prod_reads == [] and pinned.implicit == []


def _write(root: Path, files: dict[str, str]) -> None:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)


def test_js_configs_name_setup_files(tmp_path: Path) -> None:
    from railsafe.context import Context
    from railsafe.discover import discover
    from railsafe.testguard import jsconfig
    from railsafe.testguard.checks import _js_setup_files

    _write(tmp_path, {
        "api/jest.config.js": (
            "module.exports = {\n  // setupFiles: ['./old.ts'],\n"
            "  setupFiles: ['dotenv/config', '<rootDir>/support/env'],\n"
            "  globalSetup: './support/reset.ts',\n};\n"
        ),
        "api/support/env.ts": "", "api/support/reset.ts": "", "api/old.ts": "",
        "web/package.json": '{"jest": {"setupFilesAfterEnv": ["./jest.setup.js"]}}',
        "web/jest.setup.js": "",
        "worker/.mocharc.yml": "require:\n  - ts-node/register\n  - hooks/db.js\n",
        "worker/hooks/db.js": "",
        "svc/vitest.config.ts": (
            "export default defineConfig({ test: {\n"
            "  env: { DATABASE_URL: 'postgresql://localhost:5432/svc_test', PORT: '0' },\n"
            "  setupFiles: ['./db/setup.ts'], globalSetup: ['./db/global.ts'] } });\n"
        ),
        "svc/db/setup.ts": "", "svc/db/global.ts": "", "svc/test/a.test.ts": "",
        "scripts/setup-dev-db.ts": "", "test/setup-db.ts": "", "src/teardown.ts": "",
    })
    ctx = Context(discover([tmp_path]))
    assert jsconfig.named_files(ctx) == {
        "api/support/env.ts": False, "api/support/reset.ts": True,
        "web/jest.setup.js": False, "worker/hooks/db.js": False,
        "svc/db/setup.ts": False, "svc/db/global.ts": True,
    }
    # test.env reaches the test files and setup files, not globalSetup (the main process)
    assert jsconfig.pinned_for(ctx, "svc/db/setup.ts") == {"DATABASE_URL"}
    assert jsconfig.pinned_for(ctx, "svc/test/a.test.ts") == {"DATABASE_URL"}
    assert jsconfig.pinned_for(ctx, "svc/db/global.ts") == frozenset()
    assert jsconfig.pinned_for(ctx, "api/support/env.ts") == frozenset()
    files = [relpath for relpath, _ in _js_setup_files(ctx)]
    assert "scripts/setup-dev-db.ts" not in files and "src/teardown.ts" not in files
    assert "test/setup-db.ts" in files and "svc/test/a.test.ts" in files
    assert "api/old.ts" not in files  # only in a comment


def test_js_vitest_env_with_a_production_url_pins_nothing(tmp_path: Path) -> None:
    from railsafe.context import Context
    from railsafe.discover import discover
    from railsafe.testguard import jsconfig

    _write(tmp_path, {
        "vitest.config.ts": "export default { test: { env: { DATABASE_URL: "
                            "'postgresql://u:p@db.proxy.rlwy.net:5432/railway' } } };\n",
        "test/a.test.ts": "",
    })
    ctx = Context(discover([tmp_path]))
    assert jsconfig.pinned_for(ctx, "test/a.test.ts") == frozenset()


# -- Flask config classes in application code ----------------------------------------
_FLASK_CONFIG = (
    "import os\n\n"
    "class Config:\n    SQLALCHEMY_DATABASE_URI = os.environ.get('DATABASE_URL')\n\n"
    "class TestingConfig(Config):\n    TESTING = True\n"
)
_FLASK_FALLBACK = ("    SQLALCHEMY_DATABASE_URI = os.environ.get('TEST_DATABASE_URL') or "
                   "os.environ.get('DATABASE_URL')\n")


def _flask_conftest(imports: str, configure: str) -> str:
    return (
        f"import pytest\nfrom app import create_app, db\n{imports}\n"
        "@pytest.fixture(scope='session', autouse=True)\ndef app():\n"
        f"    app = {configure}\n    with app.app_context():\n        db.drop_all()\n"
        "        yield app\n"
    )


@pytest.mark.parametrize(
    ("config_path", "imports", "configure"),
    [
        ("config.py", "", "create_app('config.TestingConfig')"),
        ("config.py", "from config import TestingConfig", "create_app(TestingConfig)"),
        ("app/config.py", "from app.config import TestingConfig", "create_app(TestingConfig)"),
        ("app/config.py", "from app import config", "create_app(config.TestingConfig)"),
        ("config.py", "import config",
         "create_app()\n    app.config.from_object(config.TestingConfig)"),
        ("app/config.py", "",
         "create_app()\n    app.config.from_object('app.config.TestingConfig')"),
    ],
)
def test_flask_config_class_reached_from_a_test(tmp_path: Path, config_path: str, imports: str,
                                                configure: str) -> None:
    files = {"app/__init__.py": "", config_path: _FLASK_CONFIG + _FLASK_FALLBACK,
             "tests/conftest.py": _flask_conftest(imports, configure)}
    [finding] = _check(tmp_path, files, "RS201", "RS202")
    assert (finding.rule, finding.path, finding.span.line) == ("RS201", config_path, 8)
    assert finding.message.startswith(
        "application code used by tests/conftest.py reads the test database URL from "
        "DATABASE_URL (as a fallback)")
    related = {(r.path, r.message) for r in finding.related}
    assert ("tests/conftest.py", "db.drop_all() (drops every table), in autouse "
            "session-scoped fixture `app`") in related
    assert ("tests/conftest.py", "the test setup configures the app with `TestingConfig` "
            "here") in related


def test_flask_config_class_inherits_the_url(tmp_path: Path) -> None:
    files = {"config.py": _FLASK_CONFIG,
             "tests/conftest.py": _flask_conftest("", "create_app('config.TestingConfig')")}
    [finding] = _check(tmp_path, files, "RS201")
    assert (finding.path, finding.span.line) == ("config.py", 4)
    assert "(directly)" in finding.message


@pytest.mark.parametrize(
    "configure",
    [
        # not configuring an app with the class
        "create_app()\n    assert issubclass(TestingConfig, object)",
        # only a test variable
        "create_app('config.SafeTestConfig')",
    ],
)
def test_flask_config_class_not_used_or_safe(tmp_path: Path, configure: str) -> None:
    config = _FLASK_CONFIG + (
        "\nclass SafeTestConfig(Config):\n"
        "    SQLALCHEMY_DATABASE_URI = os.environ['TEST_DATABASE_URL']\n")
    files = {"config.py": config,
             "tests/conftest.py": _flask_conftest("from config import TestingConfig",
                                                  configure)}
    assert _check(tmp_path, files, "RS201", "RS202") == []


def test_flask_config_class_literal_is_judged(tmp_path: Path) -> None:
    files = {
        "config.py": "class TestConfig:\n"
                     "    SQLALCHEMY_DATABASE_URI = 'postgresql://u:pw@db.acme-corp.io:5432/app'\n",
        "tests/test_app.py": "from app import create_app\n\ndef test_home():\n"
                             "    assert create_app('config.TestConfig')\n",
    }
    [finding] = _check(tmp_path, files, "RS203")
    assert (finding.path, finding.span.line) == ("config.py", 2)
    assert finding.message.startswith("application code used by tests/test_app.py points")
    assert ("tests/test_app.py", 4) in {(r.path, r.span.line) for r in finding.related}


def test_local_database_without_test_name_only_when_the_suite_writes(tmp_path: Path) -> None:
    """Issue 10 item 3: a local default is the naming convention, a warning at most."""
    reader = ("import os\nfrom sqlalchemy import create_engine\n"
              "engine = create_engine('postgresql://app:app@localhost:5432/app')\n")
    assert _check(tmp_path / "a", {"tests/conftest.py": reader}, "RS203") == []
    writer = reader + ("import pytest\n\n@pytest.fixture(autouse=True)\ndef wipe():\n"
                       "    yield\n    engine.execute('DELETE FROM orders')\n")
    [finding] = _check(tmp_path / "b", {"tests/conftest.py": writer}, "RS203")
    assert finding.severity is Severity.WARNING
    assert finding.message.endswith("reported because the suite writes to it)")
    compose = reader.replace("localhost:5432", "db:5432")
    assert _check(tmp_path / "c", {"tests/conftest.py": compose}, "RS203") == []


def test_client_built_only_as_a_program_is_not_reached(tmp_path: Path) -> None:
    """Issue 10 item 2: `if __name__ == "__main__":` never runs under pytest."""
    head = "import os\n\nimport psycopg\n\n\ndef test_x():\n    assert True\n\n\n"
    body = ("with psycopg.connect(os.environ['DATABASE_URL']) as conn:\n"
            "    conn.execute('select 1')\n")
    guarded = head + "if __name__ == '__main__':\n" + "".join(
        "    " + line + "\n" for line in body.splitlines())
    assert _check(tmp_path / "a", {"tests/test_a.py": guarded}, "RS202") == []
    [finding] = _check(tmp_path / "b", {"tests/test_b.py": head + body}, "RS202")
    assert finding.path == "tests/test_b.py"


def test_js_mock_and_cleared_variable(tmp_path: Path) -> None:
    """Issue 10 item 2: a module vi.mock replaces, a setup file that deletes the URL."""
    db = "import { Pool } from 'pg';\nexport const pool = new Pool({ connectionString: " \
         "process.env.DATABASE_URL });\n"
    test = "import { pool } from '../src/db';\nit('x', () => expect(pool).toBeDefined());\n"
    mocked = "vi.mock('../src/db');\n" + test
    assert _check(tmp_path / "a", {"src/db.ts": db, "tests/x.test.ts": mocked}, "RS202") == []
    assert len(_check(tmp_path / "b", {"src/db.ts": db, "tests/x.test.ts": test}, "RS202")) == 1
    assert js.setup_pins("delete process.env.DATABASE_URL;\n") == {"DATABASE_URL"}
    assert js.is_mocked("src/db/index.ts", {"../src/db"})
    assert not js.is_mocked("src/db/client.ts", {"../src/db"})


def test_scoped_writes_with_a_direct_read_are_info() -> None:
    """Issue 10 item 5: rows the tests name, a URL read with no fallback: info at most."""
    from tests.conftest import FIXTURES

    rule = find_rule("RS202")
    cases = FIXTURES / "rules" / "RS202"
    [scoped] = check([cases / "bad-direct-read-scoped-writes-is-info"], [rule]).findings
    assert scoped.severity is Severity.INFO
    [unscoped] = check([cases / "bad-direct-read-writes-unscoped-insert"], [rule]).findings
    assert unscoped.severity is Severity.WARNING


# -- pytest-django's django_db_setup overridden -----------------------------------------
_DJANGO = {
    "manage.py": "",
    "mysite/__init__.py": "",
    "mysite/settings.py": "import dj_database_url\n"
                          "DATABASES = {'default': dj_database_url.config(env='DATABASE_URL')}\n",
    "pytest.ini": "[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\naddopts = --reuse-db\n",
    "tests/test_x.py": "import pytest\n\n@pytest.mark.django_db\ndef test_x():\n"
                       "    assert True\n",
}


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("def django_db_setup():\n    pass\n", ["RS202"]),
        ("def django_db_setup(django_db_blocker):\n    '''Use the configured database.'''\n",
         ["RS202"]),
        # requests pytest-django's own: a test_<NAME> database is created
        ("def django_db_setup(django_db_setup, django_db_blocker):\n    pass\n", []),
        # points DATABASES somewhere itself: judged as written (a test database here)
        ("def django_db_setup():\n    from django.conf import settings\n"
         "    settings.DATABASES['default']['NAME'] = 'app_test'\n", []),
    ],
)
def test_django_db_setup_override(tmp_path: Path, override: str, expected: list[str]) -> None:
    conftest = "import pytest\n\n@pytest.fixture(scope='session')\n" + override
    findings = _check(tmp_path, {**_DJANGO, "tests/conftest.py": conftest}, "RS201", "RS202")
    assert [f.rule for f in findings] == expected
    for finding in findings:
        assert (finding.path, finding.span.line) == ("mysite/settings.py", 2)
        assert finding.message.startswith("the Django settings module used by "
                                          "tests/conftest.py reads the test database URL")
        assert any(r.path == "tests/conftest.py" and "django_db_setup" in r.message
                   for r in finding.related)


def test_django_db_setup_override_with_a_flush(tmp_path: Path) -> None:
    conftest = (
        "import pytest\nfrom django.core.management import call_command\n\n"
        "@pytest.fixture(scope='session')\ndef django_db_setup():\n    pass\n\n"
        "@pytest.fixture(autouse=True)\ndef clean(db):\n"
        "    call_command('flush', '--no-input')\n    yield\n"
    )
    without = {k: v for k, v in _DJANGO.items() if k != "pytest.ini"}
    pyproject = "[tool.pytest.ini_options]\naddopts = '--ds=mysite.settings'\n"
    for files in (_DJANGO, without, {**without, "pyproject.toml": pyproject}):
        [finding] = _check(tmp_path, {**files, "tests/conftest.py": conftest}, "RS201")
        assert (finding.path, finding.span.line) == ("mysite/settings.py", 2)
        assert any("call_command('flush')" in r.message for r in finding.related)


# -- JavaScript clients and imported client modules --------------------------------------
@pytest.mark.parametrize(
    ("text", "client"),
    [
        ('const knex = require("knex")({ client: "pg" });\n', True),
        ('const Knex = require("knex");\nconst db = Knex({ client: "pg" });\n', True),
        ('import pg from "pg";\nconst pool = new pg.Pool({});\n', True),
        ('import * as pgp from "postgres";\nconst sql = pgp(url);\n', True),
        ('import Sequelize from "sequelize";\nconst s = new Sequelize(url);\n', True),
        ('import knex = require("knex");\nconst db = knex(config);\n', True),
        ('const { Pool } = require("pg");\nconst p = new Pool({});\n', True),
        # bound but never called or new-ed; named helpers of a DB package are no client
        ('const Knex = require("knex");\nmodule.exports = Knex;\n', False),
        ('import { eq } from "drizzle-orm";\nconst c = eq(a, b);\n', False),
        ('const lodash = require("lodash");\nconst x = lodash(y);\n', False),
    ],
)
def test_js_clients_from_db_packages(text: str, client: bool) -> None:
    assert js.scan(text).client is client


def test_js_imported_client_read_is_a_related_location(tmp_path: Path) -> None:
    files = {
        "src/db/index.ts": (
            'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n'
            'import * as schema from "./schema";\n'
            "const pool = new Pool({ connectionString: process.env.DATABASE_URL });\n"
            "export const db = drizzle(pool, { schema });\n"),
        "tests/setup.ts": (
            'import { sql } from "drizzle-orm";\nimport { db } from "../src/db";\n'
            "beforeEach(async () => {\n"
            "  await db.execute(sql`TRUNCATE TABLE users`);\n});\n"),
    }
    [finding] = _check(tmp_path, files, "RS201")
    assert (finding.path, finding.span.line) == ("tests/setup.ts", 2)
    places = [(r.path, r.span.line, r.span.column) for r in finding.related]
    assert ("src/db/index.ts", 4, 43) in places
    del files["tests/setup.ts"]
    files["tests/setup.ts"] = 'import { db } from "../src/db";\nexport { db };\n'
    [warning] = _check(tmp_path, files, "RS202")
    assert [(r.path, r.span.line) for r in warning.related] == [("src/db/index.ts", 4)]


@pytest.mark.parametrize(
    ("test_entry", "reported"),
    [
        ("process.env.TEST_DATABASE_URL", False),
        ("process.env.TEST_DATABASE_URL || process.env.DATABASE_URL", True),
    ],
)
def test_js_knexfile_test_entry(tmp_path: Path, test_entry: str, reported: bool) -> None:
    files = {
        "knexfile.js": (
            f'module.exports = {{\n  test: {{ client: "pg", connection: {test_entry} }},\n'
            '  production: { client: "pg", connection: process.env.DATABASE_URL },\n};\n'),
        "tests/global-setup.js": (
            'const knex = require("knex")(require("../knexfile").test);\n'
            "module.exports = async () => { await knex.migrate.rollback({}, true); };\n"),
        "vitest.config.js":
            'export default { test: { globalSetup: "./tests/global-setup.js" } };\n',
    }
    findings = _check(tmp_path, files, "RS201")
    assert [(f.path, f.span.line) for f in findings] == (
        [("tests/global-setup.js", 1)] if reported else [])
    for finding in findings:
        assert ("knexfile.js", 2) in {(r.path, r.span.line) for r in finding.related}


# -- which test files jest / vitest collect (issue 10) -----------------------------------
def _collected(tmp_path: Path, files: dict[str, str], paths: list[str]) -> list[bool]:
    from railsafe.context import Context
    from railsafe.discover import discover
    from railsafe.testguard import jsconfig

    _write(tmp_path, files)
    for path in paths:
        _write(tmp_path, {path: "test('x', () => {});\n"})
    ctx = Context(discover([tmp_path]))
    return [jsconfig.collected(ctx, path) for path in paths]


def test_js_config_properties_have_paths() -> None:
    from railsafe.testguard.jsread import literal, properties, tokenize

    text = (
        'import { defineConfig, configDefaults } from "vitest/config";\n'
        '// include: ["commented out"]\n'
        "export default defineConfig({\n"
        '  test: {\n    include: ["src/**/*.{test,spec}.ts", `x/[ab].test.ts`],\n'
        '    exclude: [...configDefaults.exclude, "e2e/**"],\n'
        '    coverage: { include: ["src/**"] },\n    env: { A: `x${y}` },\n  },\n'
        "  other: cond ? { include: ['a'] } : {},\n"
        "  re: /[/]{/g,\n});\n"
        'module.exports = { testRegex: "(/__tests__/.*|(\\\\.|/)(test|spec))\\\\.tsx?$",'
        ' projects: [{ testMatch: ["a"] }] };\n'
    )
    tokens = tokenize(text)
    found = {(p.path, p.key): literal(tokens, p) for p in properties(tokens)}
    assert found[(("test",), "include")] == ["src/**/*.{test,spec}.ts", "x/[ab].test.ts"]
    assert found[(("test",), "exclude")] == [None, "e2e/**"]  # a spread cannot be read
    assert found[(("test", "coverage"), "include")] == ["src/**"]
    assert found[(("test", "env"), "A")] is None  # a template with ${}
    assert found[(("other()",), "include")] == ["a"]  # not the key's own object
    assert found[((), "testRegex")] == ["(/__tests__/.*|(\\.|/)(test|spec))\\.tsx?$"]
    assert found[(("projects[]",), "testMatch")] == ["a"]
    assert ((), "defineConfig") not in found  # an import list is no object
    assert ((), "re") in found  # the regular expression literal did not derail the scan


@pytest.mark.parametrize(
    ("path", "jest", "vitest"),
    [
        ("src/orders.test.ts", True, True),
        ("src/__tests__/orders.tsx", True, False),
        ("src/orders.spec.mjs", True, True),
        ("test.js", True, False),  # jest's ?(*.) takes a bare test.js, vitest's *. does not
        (".hidden/orders.test.ts", True, True),  # dot: true
        ("test/app.e2e-spec.ts", False, False),  # NestJS e2e specs need their own config
        ("src/orders.test.json", False, False),
        ("src/orders.ts", False, False),
    ],
)
def test_js_runner_default_globs(path: str, jest: bool, vitest: bool) -> None:
    from railsafe.testguard import jsglob

    assert jsglob.jest_collects(path, "", list(jsglob.JEST_TEST_MATCH), [],
                                list(jsglob.JEST_IGNORE)) is jest
    assert jsglob.vitest_collects(path, "", list(jsglob.VITEST_INCLUDE),
                                  list(jsglob.VITEST_EXCLUDE)) is vitest


@pytest.mark.parametrize(
    ("path", "root", "match", "regex", "ignore", "expected"),
    [
        ("tests/a.test.ts", "", ["<rootDir>/tests/**/*.test.ts"], [], [], True),
        ("scripts/a.test.ts", "", ["<rootDir>/tests/**/*.test.ts"], [], [], False),
        # `**` spans the directories above rootDir
        ("packages/api/src/a.test.ts", "packages/api", ["**/src/**/*.test.ts"], [], [], True),
        # a negated glob drops what the positive ones keep; all negated keeps the rest
        ("e2e/a.test.ts", "", ["**/*.test.ts", "!**/e2e/**"], [], [], False),
        ("src/a.test.ts", "", ["**/*.test.ts", "!**/e2e/**"], [], [], True),
        ("src/a.test.ts", "", ["!**/e2e/**"], [], [], True),
        # a relative glob matches no absolute path in jest; read relative to rootDir
        ("tests/a.test.ts", "", ["tests/**/*.test.ts"], [], [], True),
        ("x/a.test.ts", "", ["/abs/**/*.test.ts"], [], [], None),
        ("x/a.test.ts", "", [None], [], [], None),  # a value that cannot be read
        # testRegex, searched in the path
        ("src/a.spec.ts", "", None, [".*\\.spec\\.ts$"], [], True),
        ("src/a.test.ts", "", None, [".*\\.spec\\.ts$"], [], False),
        ("src/a.test.ts", "", None, ["[^]"], [], None),  # JavaScript-only syntax
        ("src/a.test.ts", "", None, ["(?<kind>test)\\.ts$"], [], True),
        # testPathIgnorePatterns: <rootDir> anchors; unanchored ones match anywhere
        ("legacy/a.test.ts", "", ["**/*.test.ts"], [], ["<rootDir>/legacy/"], False),
        ("src/legacy/a.test.ts", "", ["**/*.test.ts"], [], ["<rootDir>/legacy/"], True),
        ("src/legacy/a.test.ts", "", ["**/*.test.ts"], [], ["/legacy/"], False),
        ("api/legacy/a.test.ts", "api", ["**/*.test.ts"], [], ["<rootDir>/legacy/"], False),
        # anchored to an absolute path we cannot know: never counts as ignoring
        ("legacy/a.test.ts", "", ["**/*.test.ts"], [], ["^/legacy/"], True),
        ("outside/a.test.ts", "src", ["**/*.test.ts"], [], [], False),
    ],
)
def test_js_jest_collects(path: str, root: str, match: list[str | None] | None,
                          regex: list[str | None], ignore: list[str | None],
                          expected: bool | None) -> None:
    from railsafe.testguard import jsglob

    assert jsglob.jest_collects(path, root, match, regex, ignore) is expected


@pytest.mark.parametrize(
    ("path", "include", "exclude", "expected"),
    [
        ("src/a.test.ts", ["src/**/*.{test,spec}.ts"], ["src/e2e/**"], True),
        ("src/e2e/a.test.ts", ["src/**/*.{test,spec}.ts"], ["src/e2e/**"], False),
        ("tests/a.test.ts", ["./src/**/*.test.ts"], [], False),
        ("src/a.test.ts", ["src/**/*.test.ts"], [None], True),  # ...configDefaults.exclude
        ("src/a.test.ts", ["src/**/*.test.ts", None], [], None),  # ...configDefaults.include
        ("src/a.test.ts", ["../shared/**/*.test.ts"], [], None),
        ("src/a.test.ts", ["!src/**", "src/**/*.test.ts"], [], True),  # negated: no removal
    ],
)
def test_js_vitest_collects(path: str, include: list[str | None], exclude: list[str | None],
                            expected: bool | None) -> None:
    from railsafe.testguard import jsglob

    assert jsglob.vitest_collects(path, "", include, exclude) is expected


_JEST_SRC = 'module.exports = { testMatch: ["<rootDir>/src/**/*.test.ts"] };\n'
_VITEST_SRC = ('import { defineConfig } from "vitest/config";\n'
               'export default defineConfig({ test: { include: ["src/**/*.test.ts"] } });\n')


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # read and certain: the script is not collected
        ({"jest.config.js": _JEST_SRC}, [True, False]),
        ({"vitest.config.ts": _VITEST_SRC}, [True, False]),
        ({"jest.config.json": '{"testMatch": ["<rootDir>/src/**/*.test.ts"]}'}, [True, False]),
        ({"package.json": '{"jest": {"testMatch": ["<rootDir>/src/**/*.test.ts"]}}'},
         [True, False]),
        # any config that may collect it wins
        ({"jest.config.js": _JEST_SRC, "vitest.config.ts":
          'export default { test: { include: ["scripts/**"] } };\n'}, [True, True]),
        # no jest / vitest setup at all: nothing is known
        ({}, [True, True]),
        # unreadable: a preset, a spread, projects, a computed value, a wrapper, two objects
        ({"jest.config.js": 'module.exports = { preset: "ts-jest" };\n'}, [True, True]),
        ({"jest.config.js": 'module.exports = { ...base, testMatch: ["<rootDir>/src/**"] };\n'},
         [True, True]),
        ({"jest.config.js": 'module.exports = { projects: ["<rootDir>/api"], testMatch: '
                            '["<rootDir>/src/**/*.test.ts"] };\n'}, [True, True]),
        ({"jest.config.js": "module.exports = { testMatch: globs };\n"}, [True, True]),
        ({"jest.config.js": 'module.exports = createJestConfig({ testMatch: ["src/**"] });\n'},
         [True, True]),
        ({"jest.config.js": "module.exports = require('./jest.base');\n"}, [True, True]),
        ({"vitest.config.ts": 'export default mergeConfig(vite, defineConfig({ test: '
                              '{ include: ["src/**/*.test.ts"] } }));\n'}, [True, True]),
        ({"vitest.config.ts": 'export default defineConfig({ test: { root: "./app", '
                              'include: ["src/**/*.test.ts"] } });\n'}, [True, True]),
        ({"vitest.config.ts": _VITEST_SRC, "vitest.workspace.ts":
          'export default ["packages/*"];\n'}, [True, True]),
        # another way to run it: another runner, a script naming it, a config not read
        ({"jest.config.js": _JEST_SRC, "package.json":
          '{"devDependencies": {"@playwright/test": "1"}}'}, [True, True]),
        ({"jest.config.js": _JEST_SRC, "playwright.config.ts": "export default {};\n"},
         [True, True]),
        ({"jest.config.js": _JEST_SRC, "package.json":
          '{"scripts": {"drill": "tsx scripts/restore.test.ts"}}'}, [True, True]),
        ({"jest.config.js": _JEST_SRC, "package.json":
          '{"scripts": {"e2e": "jest --config ./e2e.config.js"}}'}, [True, True]),
        ({"jest.config.js": _JEST_SRC, "package.json":
          '{"scripts": {"all": "jest --testMatch \'**/*.test.ts\'"}}'}, [True, True]),
        ({"jest.config.js": _JEST_SRC, "package.json":
          '{"scripts": {"test": "jest --config jest.config.js"}}'}, [True, False]),
        ({"jest.config.js": _JEST_SRC, ".mocharc.yml": "spec: scripts/**/*.test.ts\n"},
         [True, True]),
        # a vite.config without `test` is a Vite app's, unless vitest is installed
        ({"jest.config.js": _JEST_SRC, "vite.config.ts": "export default { plugins: [] };\n"},
         [True, False]),
        ({"jest.config.js": _JEST_SRC, "vite.config.ts": "export default { plugins: [] };\n",
          "package.json": '{"devDependencies": {"vitest": "3"}}'}, [True, True]),
    ],
)
def test_js_test_files_collected(tmp_path: Path, files: dict[str, str],
                                 expected: list[bool]) -> None:
    paths = ["src/orders.test.ts", "scripts/restore.test.ts"]
    assert _collected(tmp_path, files, paths) == expected


def test_js_file_named_as_setup_is_always_collected(tmp_path: Path) -> None:
    files = {"jest.config.js": 'module.exports = { testMatch: ["<rootDir>/src/**"], '
                               'globalSetup: "<rootDir>/scripts/restore.test.ts" };\n'}
    assert _collected(tmp_path, files, ["scripts/restore.test.ts"]) == [True]


def test_js_nested_configs_each_judge_their_own_files(tmp_path: Path) -> None:
    files = {
        "packages/api/jest.config.js": _JEST_SRC,
        "packages/web/vitest.config.ts": _VITEST_SRC,
    }
    paths = ["packages/api/src/a.test.ts", "packages/api/scripts/b.test.ts",
             "packages/web/src/c.test.ts", "packages/web/scripts/d.test.ts",
             "tools/e.test.ts"]  # under no config: nothing is known
    assert _collected(tmp_path, files, paths) == [True, False, True, False, True]


# -- test branches of application settings (`"test" in sys.argv`) -------------------------
@pytest.mark.parametrize(
    ("condition", "polarity"),
    [
        ('"test" in sys.argv', True),
        ('"test" not in sys.argv', False),
        ("'test_coverage' in sys.argv", True),
        ('"pytest" in sys.modules', True),
        ('len(sys.argv) > 1 and sys.argv[1] == "test"', True),
        ('sys.argv[1:2] == ["test"]', True),
        ('sys.argv[0].endswith("pytest")', True),
        ('argv[1] != "test"', False),  # from sys import argv
        ("TESTING", True),
        ("not TESTING", False),
        ("TESTING and DEBUG", True),
        ("TESTING or DEBUG", None),  # also true outside tests
        ('"runserver" in sys.argv', None),
        ('"test" in os.environ', None),
        ("DEBUG", None),
    ],
)
def test_testing_conditions(condition: str, polarity: bool | None) -> None:
    from railsafe.testguard.analysis import _testing_condition
    from railsafe.testguard.pymodule import PyModule

    text = f"import os, sys\nfrom sys import argv\nx = {condition}\n"
    module = PyModule.parse("settings.py", text)
    assert module is not None
    value = module.assigns["x"][0]
    assert _testing_condition(value, module, {"TESTING": True}) is polarity


_SETTINGS_BRANCH = (
    "import os\nimport sys\n\nimport dj_database_url\n\n"
    # TESTING is assigned again: no longer a condition that holds only under tests
    'TESTING = "test" in sys.argv\nTESTING = os.environ.get("FLASK_ENV") == "development"\n'
    'DATABASES = {"default": dj_database_url.config(default="postgres://localhost/app")}\n'
    "if {condition}:\n    {body}\n"
)


@pytest.mark.parametrize(
    ("condition", "body", "rules"),
    [
        # a URL setting the tests use as it is: no test database is made for it
        ('"test" in sys.argv',
         'SQLALCHEMY_DATABASE_URI = os.getenv("TEST_DATABASE_URL") or os.getenv("DATABASE_URL")',
         ["RS202"]),
        ('"test" not in sys.argv', "pass\nelse:\n    SQLALCHEMY_DATABASE_URI = "
         'os.environ.get("TEST_DATABASE_URL", os.environ["DATABASE_URL"])', ["RS202"]),
        ('"test" in sys.argv', 'engine = create_engine(os.environ["DATABASE_URL"])', ["RS202"]),
        # the production branch of the same condition is not the tests'
        ('"test" not in sys.argv', 'SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]', []),
        # a branch that refuses a non-test URL
        ('"test" in sys.argv',
         'SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]\n'
         '    if not SQLALCHEMY_DATABASE_URI.endswith("_test"):\n'
         '        raise RuntimeError("not a test database")', []),
        # Django DATABASES: the test runner still creates test_<NAME> (docs/facts.md F41)
        ('"test" in sys.argv',
         'DATABASES = {"default": dj_database_url.config(default=os.environ.get("DATABASE_URL"))}',
         []),
        ('"test" in sys.argv',
         'DATABASES = {"default": {**dj_database_url.config(), "TEST": {"NAME": "app"}}}',
         ["RS202"]),
        ('"test" in sys.argv',
         'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}',
         []),
        ('"test" in sys.argv', 'DATABASES = {"default": dj_database_url.parse('
         '"postgres://postgres:pw@roundhouse.proxy.rlwy.net:41234/railway")}', ["RS203"]),
        # not a test branch: application settings, not the test suite's
        ('"runserver" in sys.argv', 'SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]', []),
        ('TESTING', 'SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]', []),
    ],
)
def test_settings_test_branch(tmp_path: Path, condition: str, body: str,
                              rules: list[str]) -> None:
    text = _SETTINGS_BRANCH.replace("{condition}", condition).replace("{body}", body)
    text = text.replace("import dj_database_url\n",
                        "import dj_database_url\nfrom sqlalchemy import create_engine\n")
    findings = _check(tmp_path, {"app/settings.py": text}, "RS201", "RS202", "RS203")
    assert [f.rule for f in findings] == rules
    for finding in findings:
        if finding.rule == "RS202":
            assert any("runs only under tests" in r.message for r in finding.related)


# -- helpers with a test-mode flag ---------------------------------------------------------
@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ("test_mode", {"test_mode": True}, True),
        ("not test_mode", {"test_mode": True}, False),
        ("test_mode is False", {"test_mode": True}, False),
        ("test_mode == True", {"test_mode": False}, False),
        ("test_mode and fast", {"test_mode": False}, False),
        ("test_mode and fast", {"test_mode": True}, None),
        ("test_mode or fast", {"test_mode": True}, True),
        ("other", {"test_mode": True}, None),
    ],
)
def test_flag_conditions(condition: str, values: dict[str, bool], expected: bool | None) -> None:
    from railsafe.testguard.resolve import decide_flag

    assert decide_flag(ast.parse(condition, mode="eval").body, values) is expected


@pytest.mark.parametrize(
    ("signature", "calls", "expected"),
    [
        ("test_mode=False", ["f()"], {"test_mode": False}),
        ("test_mode=False", ["f(test_mode=True)", "f(True)"], {"test_mode": True}),
        ("test_mode=False", ["f()", "f(test_mode=True)"], {}),  # both ways: keep both
        ("test_mode=False", ["f(test_mode=flag)"], {}),
        ("test_mode=False", ["f(**options)"], {}),
        ("url, *, testing=True", ["f(u)"], {"testing": True}),
        ("test_mode", ["f(True)"], {"test_mode": True}),
        ("debug=False", ["f()"], {}),  # not a test flag
        ("test_mode=None", ["f()"], {}),  # not a bool
        ("test_mode=False", [], {}),  # never called
    ],
)
def test_common_flags(signature: str, calls: list[str], expected: dict[str, bool]) -> None:
    from railsafe.testguard.resolve import common_flags

    func = ast.parse(f"def f({signature}):\n    pass\n").body[0]
    assert isinstance(func, ast.FunctionDef)
    nodes = [ast.parse(c, mode="eval").body for c in calls]
    assert common_flags(func, [n for n in nodes if isinstance(n, ast.Call)]) == expected


@pytest.mark.parametrize(
    "body",
    [
        "test_mode = test_mode or CI",  # assigned again: no longer the caller's value
        "check = lambda test_mode: test_mode",  # a nested parameter of the same name
    ],
)
def test_rebound_flags_are_no_flags(body: str) -> None:
    from railsafe.testguard.resolve import common_flags

    func = ast.parse(f"def f(test_mode=False):\n    {body}\n").body[0]
    assert isinstance(func, ast.FunctionDef)
    call = ast.parse("f(True)", mode="eval").body
    assert isinstance(call, ast.Call)
    assert common_flags(func, [call]) == {}


_FLAG_APP = (
    "import os\n\nimport psycopg\n\n\n"
    "def connect(test_mode=False):\n"
    '    host = os.environ["PGHOST"] if not test_mode else "localhost"\n'
    "    return psycopg.connect(host=host, dbname=\"app_test\")\n"
)
_FLAG_ENGINE = (
    "import os\n\nfrom sqlalchemy import create_engine\n\n\n"
    "def get_engine(test_mode=False):\n"
    "    if test_mode:\n"
    '        return create_engine("postgresql://localhost/app_test")\n'
    '    return create_engine(os.environ["DATABASE_URL"])\n'
)
_FLAG_CONFTEST = (
    "import pytest\n\nfrom app.db import {name}\n\n\n"
    "@pytest.fixture(autouse=True)\ndef db():\n"
    "    conn = {call}\n    yield conn\n"
    '    conn.execute("TRUNCATE orders")\n'
)


@pytest.mark.parametrize(
    ("app", "call", "reported"),
    [
        (_FLAG_APP, "connect()", True),
        (_FLAG_APP, "connect(test_mode=False)", True),
        (_FLAG_APP, "connect(test_mode=True)", False),
        (_FLAG_APP, "connect(True)", False),
        (_FLAG_APP.replace("test_mode=False", "test_mode=True"), "connect()", False),
        (_FLAG_APP, "connect(test_mode=settings.TESTING)", True),  # not a literal: both
        (_FLAG_ENGINE, "get_engine()", True),
        (_FLAG_ENGINE, "get_engine(test_mode=True)", False),  # the early return
    ],
)
def test_helper_test_mode_flag(tmp_path: Path, app: str, call: str, reported: bool) -> None:
    name = call.split("(")[0]
    files = {"app/__init__.py": "", "app/db.py": app,
             "tests/conftest.py": _FLAG_CONFTEST.replace("{name}", name).replace("{call}", call),
             "tests/test_x.py": "def test_x(db):\n    assert db\n"}
    findings = _check(tmp_path, files, "RS201", "RS202")
    assert [f.rule for f in findings] == (["RS201"] if reported else [])
    if reported and "settings" not in call:
        [finding] = findings
        assert any(r.path == "tests/conftest.py" and r.span.line == 8
                   and "without `test_mode=True`" in r.message for r in finding.related)


def test_helper_test_mode_flag_in_the_same_module(tmp_path: Path) -> None:
    body = (
        "import os\nimport pytest\nfrom sqlalchemy import create_engine\n\n"
        "def get_url(testing=False):\n    if testing:\n"
        '        return "postgresql://localhost/app_test"\n'
        '    return os.environ["DATABASE_URL"]\n\n'
        "engine = create_engine(get_url({arg}))\n\n"
        "@pytest.fixture(autouse=True)\ndef db():\n    with engine.begin() as c:\n"
        '        c.exec_driver_sql("TRUNCATE orders")\n    yield\n'
    )
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    assert _conftest(tmp_path / "a", body.replace("{arg}", "testing=True")) == []
    assert _conftest(tmp_path / "b", body.replace("{arg}", "")) == ["RS201:8"]


# -- the code frame after redaction ----------------------------------------------------------
def test_caret_stays_under_the_read_after_a_masked_password(tmp_path: Path) -> None:
    from railsafe.render import render

    line = ('engine = create_engine(os.getenv("TEST_DATABASE_URL", '
            '"postgresql://app:Zq8vLw3RtY6uXk@localhost/app_test") or os.getenv("DATABASE_URL"))')
    body = ("import os\nimport pytest\nfrom sqlalchemy import create_engine, text\n"
            f"{line}\n\n@pytest.fixture(autouse=True)\ndef wipe():\n    yield\n"
            "    with engine.begin() as c:\n        c.execute(text('TRUNCATE orders'))\n")
    _write(tmp_path, {"tests/conftest.py": body})
    report = check([tmp_path], [find_rule("RS201")])  # type: ignore[list-item]
    [finding] = report.findings
    assert finding.span.column == line.index('os.getenv("DATABASE_URL")') + 1
    out = render(report, "text")
    assert "Zq8vLw3RtY6uXk" not in out
    frame = out.splitlines()
    shown = next(i for i, ln in enumerate(frame) if ln.lstrip().startswith("4 |"))
    text, caret = frame[shown], frame[shown + 1]
    column = caret.index("^")
    assert text[column:].startswith('os.getenv("DATABASE_URL")')
    assert caret.count("^") == len('os.getenv("DATABASE_URL")')

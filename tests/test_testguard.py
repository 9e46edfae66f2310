"""Unit tests of the test-suite guard's analysis (railsafe.testguard)."""

from __future__ import annotations

from pathlib import Path

import pytest

from railsafe.engine import check
from railsafe.rules import find_rule
from railsafe.testguard import js
from railsafe.testguard.settings import _ini_env, dotenv_entries
from railsafe.testguard.urls import classify, is_production_variable, railway_host
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
    assert classify("postgresql://u:p@localhost/app_test").problem is None
    assert "no 'test'" in (classify("postgresql://u:p@localhost/app").problem or "")
    assert classify("postgresql://u:p@localhost/?dbname=x_test").problem is None
    assert classify("${{Postgres.DATABASE_URL}}").railway


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
        "process.env.DATABASE_URL = 'postgres://localhost/app_test';\n"
        "const pool = new Pool({ connectionString: process.env.DATABASE_URL });\n"
        "await pool.query('DELETE FROM users WHERE id = 1');\n"
    )
    setup = js.scan(text)
    assert [s.line for _, s in setup.prod_reads] == [3]
    assert setup.destructive == []


def test_pytest_ini_env_positions() -> None:
    entries = _ini_env("pytest.ini", "[pytest]\nenv =\n    R:DATABASE_URL=sqlite://\n",
                       ("pytest",))
    [entry] = entries
    assert (entry.name, entry.value, entry.span.line, entry.span.column) == (
        "DATABASE_URL", "sqlite://", 3, 20)


def test_dotenv_entries_quotes_and_export() -> None:
    [entry] = dotenv_entries(".env", "export DATABASE_URL='postgres://h/db' # c\n")
    assert (entry.value, entry.span.column) == ("postgres://h/db", 22)

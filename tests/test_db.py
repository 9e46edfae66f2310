"""`railsafe db snapshot` / `railsafe db verify` against real databases, through the real CLI.

PostgreSQL: the server `.ci/run` starts (tests/db_fixtures/postgres.sh exports
RAILSAFE_TEST_PG_URL, an administrator URL). Each test gets a database of its
own, created and dropped here. Without that variable the PostgreSQL tests skip,
except under CI=true, where they fail: CI must not pass by skipping them.
SQLite: real files, always. MySQL: only when RAILSAFE_TEST_MYSQL_URL names a
server (none is started by CI).
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from railsafe.cli import app
from railsafe.db import DbAccessError, DbUsageError
from railsafe.db.connect import describe_error, open_readonly
from railsafe.db.url import mask_url, parse_url
from tests.conftest import REPO

PG_ENV = "RAILSAFE_TEST_PG_URL"
RAILWAY_VARS = ("RAILWAY_ENVIRONMENT_NAME", "RAILWAY_ENVIRONMENT", "RAILWAY_PROJECT_ID",
                "RAILWAY_PROJECT_NAME", "RAILWAY_SERVICE_ID", "RAILWAY_SERVICE_NAME",
                "RAILWAY_ENVIRONMENT_ID", "RAILWAY_DEPLOYMENT_ID", "RAILWAY_REPLICA_ID",
                "RAILWAY_SNAPSHOT_ID", "RAILWAY_PRIVATE_DOMAIN")


# -- helpers ----------------------------------------------------------------------------
def _password(url: str) -> str:
    return url.partition("://")[2].rpartition("@")[0].partition(":")[2]


def run(url: str | None, *args: str, env: dict[str, str | None] | None = None) -> Any:
    """The CLI as a deploy runs it; asserts that no output shows the URL's password."""
    full: dict[str, str | None] = {name: None for name in RAILWAY_VARS}
    full["DATABASE_URL"] = url
    full.update(env or {})
    result = CliRunner().invoke(app, ["db", *args], env=full)
    password = _password(url or "")
    if len(password) >= 4:
        assert password not in result.stdout, result.stdout
        assert password not in result.stderr, result.stderr
    assert "Traceback" not in result.output
    return result


def pg_admin() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        reason = f"{PG_ENV} is not set (run through .ci/run or tests/db_fixtures/postgres.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: under CI the PostgreSQL tests must run")
        pytest.skip(reason)
    return url


def _with_db(url: str, name: str) -> str:
    base, _, rest = url.rpartition("/")
    return f"{base}/{name}{'?' + rest.partition('?')[2] if '?' in rest else ''}"


def pg_exec(url: str, *statements: str) -> list[Any]:
    """Write with an ordinary connection (the test's own, not railsafe's)."""
    import psycopg

    out: list[Any] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in statements:
            cur = conn.execute(sql)  # type: ignore[arg-type]
            out.append(cur.fetchall() if cur.description else None)
    return out


@pytest.fixture
def pg() -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database, dropped afterwards."""
    admin = pg_admin()
    name = f"railsafe_test_{secrets.token_hex(4)}"
    pg_exec(admin, f"CREATE DATABASE {name}")
    try:
        yield _with_db(admin, name)
    finally:
        pg_exec(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


SEED = (
    "CREATE TABLE users (id serial PRIMARY KEY, email text)",
    "INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 3) g",
    "CREATE TABLE clinics (id int)",
    "INSERT INTO clinics VALUES (1), (2)",
    "CREATE TABLE audit_log (id int)",
    "CREATE SCHEMA billing",
    "CREATE TABLE billing.invoices (id int)",
    "INSERT INTO billing.invoices SELECT g FROM generate_series(1, 5) g",
    "CREATE VIEW user_emails AS SELECT email FROM users",
)


def tables_of(snap: dict[str, Any]) -> dict[str, tuple[int | None, str]]:
    return {f"{t['schema']}.{t['name']}": (t["rows"], t["method"]) for t in snap["tables"]}


def snapshot_json(url: str, *args: str, env: dict[str, str | None] | None = None
                  ) -> tuple[dict[str, Any], Any]:
    result = run(url, "snapshot", *args, env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result


# -- snapshot ---------------------------------------------------------------------------
def test_snapshot_counts_every_table_exactly(pg: str) -> None:
    pg_exec(pg, *SEED)
    snap, result = snapshot_json(pg)
    assert snap["format"] == "railsafe-db-snapshot" and snap["version"] == 1
    assert tables_of(snap) == {
        "billing.invoices": (5, "exact"),
        "public.audit_log": (0, "exact"),
        "public.clinics": (2, "exact"),
        "public.users": (3, "exact"),
    }  # the view is not a table
    assert snap["database"]["dialect"] == "postgresql"
    assert snap["database"]["url"] == mask_url(pg) and "***" in snap["database"]["url"]
    assert snap["migrations"] == []
    assert snap["railway"]["detected"] is False
    # JSON alone on stdout, the one-line summary on stderr
    line = result.stderr.strip()
    assert "\n" not in line
    assert line.startswith(f"railsafe db snapshot: {mask_url(pg)} (postgresql, not on Railway)")
    assert "4 tables in 2 schemas, 10 rows" in line


def test_snapshot_output_file_and_railway_environment(pg: str, tmp_path: Path) -> None:
    pg_exec(pg, *SEED[:2])
    out = tmp_path / "snap.json"
    env: dict[str, str | None] = {"RAILWAY_ENVIRONMENT_NAME": "production",
                                  "RAILWAY_SERVICE_NAME": "api"}
    result = run(pg, "snapshot", "--output", str(out), env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1
    assert "on Railway, environment 'production'" in result.stdout
    assert f"written to {out}" in result.stdout
    snap = json.loads(out.read_text())
    assert snap["railway"] == {"detected": True, "environment": "production",
                               "project": None, "service": "api"}
    assert _password(pg) not in out.read_text()


def test_large_tables_use_the_planner_estimate_above_the_threshold(pg: str) -> None:
    pg_exec(
        pg,
        "CREATE TABLE events (id int)",
        "INSERT INTO events SELECT g FROM generate_series(1, 1000000) g",
        "ANALYZE events",
        "CREATE TABLE small (id int)",
        "INSERT INTO small VALUES (1)",
    )
    started = time.monotonic()
    snap, result = snapshot_json(pg, "--exact-count-threshold", "1000",
                                 "--statement-timeout", "2")
    assert time.monotonic() - started < 10
    rows, method = tables_of(snap)["public.events"]
    assert method == "estimate" and rows is not None and 900_000 <= rows <= 1_100_000
    assert tables_of(snap)["public.small"] == (1, "exact")
    assert snap["counting"] == {"exact_count_threshold": 1000, "statement_timeout_seconds": 2.0}
    assert "(1 estimated)" in result.stderr


@contextmanager
def locked(url: str, table: str) -> Iterator[None]:
    """Another session holds an ACCESS EXCLUSIVE lock, as a running migration would:
    every read of the table waits until the statement timeout cuts it short."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # type: ignore[arg-type]
        yield
        conn.rollback()


def test_an_exact_count_past_the_statement_timeout_falls_back_to_the_estimate(pg: str) -> None:
    pg_exec(
        pg,
        "CREATE TABLE events (id int)",
        "INSERT INTO events SELECT g FROM generate_series(1, 50000) g",
        "ANALYZE events",
        "CREATE TABLE fresh (id int) WITH (autovacuum_enabled = off)",
        "INSERT INTO fresh SELECT g FROM generate_series(1, 10) g",
    )
    started = time.monotonic()
    with locked(pg, "events"), locked(pg, "fresh"):
        snap, result = snapshot_json(pg, "--statement-timeout", "0.3")
        assert time.monotonic() - started < 10
        verified = run(pg, "verify", "--min-rows", "events=10,fresh=1", "--statement-timeout",
                       "0.3")
    events, fresh = sorted(snap["tables"], key=lambda t: t["name"])
    assert (events["rows"], events["method"]) == (50000, "estimate-after-timeout")
    assert events["note"] == "count(*) took longer than 0.3 s"
    # never analysed, and EXPLAIN waits for the lock too: no count at all
    assert (fresh["rows"], fresh["method"]) == (None, "uncounted")
    assert "1 not counted" in result.stderr
    assert verified.exit_code == 1
    assert verified.stderr.splitlines() == [
        "railsafe: note: events: counting 10 rows took longer than 0.3 s; "
        "the planner's estimate (50,000) was used",
        "railsafe: note: fresh: counting 1 row took longer than 0.3 s; "
        "the planner's estimate (none) was used",
        "railsafe: fresh: not counted within 0.3 s, fewer than the 1 required (min-rows)",
        f"railsafe: db verify failed: 1 of 2 checks on {mask_url(pg)}",
    ]


def test_a_table_never_analysed_is_counted_exactly(pg: str) -> None:
    pg_exec(
        pg,
        "CREATE TABLE fresh (id int) WITH (autovacuum_enabled = off)",
        "INSERT INTO fresh SELECT g FROM generate_series(1, 30000) g",
    )
    (reltuples,) = pg_exec(pg, "SELECT reltuples FROM pg_class WHERE relname = 'fresh'")[0][0]
    assert reltuples < 0  # no statistics to trust
    snap, _ = snapshot_json(pg, "--exact-count-threshold", "100")
    assert tables_of(snap)["public.fresh"] == (30000, "exact")


def test_migration_versions_of_alembic_django_and_prisma(pg: str) -> None:
    pg_exec(
        pg,
        "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
        "INSERT INTO alembic_version VALUES ('3f2a1b9c')",
        "CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255), "
        "name varchar(255), applied timestamptz)",
        "INSERT INTO django_migrations (app, name, applied) VALUES "
        "('contenttypes', '0001_initial', now()), ('auth', '0001_initial', now()), "
        "('auth', '0012_alter_user_first_name_max_length', now())",
        "CREATE SCHEMA app",
        'CREATE TABLE app._prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64), '
        "finished_at timestamptz, migration_name varchar(255), logs text, "
        "rolled_back_at timestamptz, started_at timestamptz DEFAULT now(), "
        "applied_steps_count int DEFAULT 0)",
        "INSERT INTO app._prisma_migrations (id, checksum, finished_at, migration_name) VALUES "
        "('a', 'x', now(), '20240101000000_init'), ('b', 'x', now(), '20240301000000_clinics'), "
        "('c', 'x', NULL, '20240401000000_broken')",
    )
    snap, result = snapshot_json(pg)
    by_tool = {m["tool"]: m for m in snap["migrations"]}
    assert by_tool["alembic"] == {"tool": "alembic", "schema": "public",
                                  "version": "3f2a1b9c", "heads": ["3f2a1b9c"]}
    assert by_tool["django"]["version"] == "auth.0012_alter_user_first_name_max_length"
    assert by_tool["django"]["applied"] == 3
    assert by_tool["django"]["latest"] == {"contenttypes": "0001_initial",
                                           "auth": "0012_alter_user_first_name_max_length"}
    assert by_tool["prisma"]["schema"] == "app"
    assert by_tool["prisma"]["version"] == "20240301000000_clinics"
    assert by_tool["prisma"]["unfinished"] == ["20240401000000_broken"]
    assert "alembic 3f2a1b9c" in result.stderr and "prisma 20240301000000_clinics" in result.stderr


# -- verify -----------------------------------------------------------------------------
def test_verify_passes_on_a_healthy_database(pg: str) -> None:
    pg_exec(pg, *SEED)
    result = run(pg, "verify", "--min-rows", "users=1,clinics=1",
                 "--min-rows", "billing.invoices=5",
                 "--expect-tables", "users,audit_log")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"railsafe db verify: ok: 5 checks passed on {mask_url(pg)}\n"


def test_verify_fails_on_an_emptied_table_even_when_the_estimate_is_stale(pg: str) -> None:
    pg_exec(pg, *SEED, "INSERT INTO clinics SELECT g FROM generate_series(1, 20000) g",
            "ANALYZE clinics", "DELETE FROM users", "DELETE FROM clinics")
    (stale,) = pg_exec(pg, "SELECT reltuples FROM pg_class WHERE relname = 'clinics'")[0][0]
    assert stale > 20000  # the planner still believes the rows are there
    result = run(pg, "verify", "--min-rows", "users=1,clinics=1")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "railsafe: users: 0 rows, fewer than the 1 required (min-rows)",
        "railsafe: clinics: 0 rows, fewer than the 1 required (min-rows)",
        f"railsafe: db verify failed: 2 of 2 checks on {mask_url(pg)}",
    ]


def test_verify_fails_on_a_dropped_table(pg: str) -> None:
    pg_exec(pg, *SEED, "DROP TABLE clinics")
    result = run(pg, "verify", "--min-rows", "users=1,clinics=1", "--expect-tables", "audit_log")
    assert result.exit_code == 1
    assert "railsafe: clinics: no such table (min-rows clinics=1)\n" in result.stderr
    assert "users" not in result.stderr


def test_verify_against_a_snapshot_with_a_maximum_drop(pg: str, tmp_path: Path) -> None:
    pg_exec(pg, *SEED, "INSERT INTO users (email) SELECT 'x' FROM generate_series(1, 97) g")
    snap = tmp_path / "before.json"
    assert run(pg, "snapshot", "-o", str(snap)).exit_code == 0
    pg_exec(pg, "DELETE FROM users WHERE id > 80", "DROP TABLE billing.invoices")
    result = run(pg, "verify", "--against", str(snap), "--max-drop", "10%")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"railsafe: billing.invoices: table is gone (it had 5 rows in {snap})",
        f"railsafe: users: 80 rows, down from 100 in {snap}: more than the 10% allowed "
        "(at least 90 must remain)",
        f"railsafe: db verify failed: 2 of 4 checks on {mask_url(pg)}",
    ]
    pg_exec(pg, "CREATE TABLE billing.invoices (id int)")
    assert run(pg, "verify", "--against", str(snap), "--max-drop", "25%").exit_code == 1
    pg_exec(pg, "INSERT INTO billing.invoices SELECT g FROM generate_series(1, 5) g")
    ok = run(pg, "verify", "--against", str(snap), "--max-drop", "20%")
    assert ok.exit_code == 0, ok.output
    assert run(pg, "verify", "--against", str(snap), "--max-drop", "20").exit_code == 0
    assert run(pg, "verify", "--against", str(snap), "--max-drop", "19").exit_code == 1


def test_verify_reads_its_rules_from_the_settings(pg: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pg_exec(pg, *SEED)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.railsafe.db]\ndatabase-url-env = "APP_DB"\n'
        'min-rows = { users = 1, clinics = 3 }\nstatement-timeout = 3\n'
    )
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["check", "."]).exit_code == 0  # `check` accepts the table
    result = run(None, "verify", env={"APP_DB": pg})
    assert result.exit_code == 1
    assert "railsafe: clinics: 2 rows, fewer than the 3 required (min-rows)" in result.stderr
    # the command line replaces the file's min-rows
    assert run(None, "verify", "--min-rows", "clinics=2", env={"APP_DB": pg}).exit_code == 0
    (tmp_path / "railsafe.toml").write_text('[db]\ndatabase-url-env = "APP_DB"\n'
                                            'expect-tables = ["users", "payments"]\n')
    result = run(None, "verify", env={"APP_DB": pg})  # railsafe.toml wins in one directory
    assert result.exit_code == 1 and "payments: no such table (expect-tables)" in result.stderr


# -- read-only --------------------------------------------------------------------------
def test_a_write_through_the_same_connection_fails_on_postgresql(pg: str) -> None:
    pg_exec(pg, *SEED[:2])
    target = parse_url(pg)
    with pytest.raises(DbAccessError, match="read-only transaction"):  # noqa: SIM117
        with open_readonly(target) as db:
            assert db.scalar("SELECT count(*) FROM users") == 3
            db.conn.exec_driver_sql("INSERT INTO users (email) VALUES ('evil')")
    # out of the read-only transaction, the session's default still refuses writes
    with open_readonly(target) as db:
        raw = db.conn.connection.driver_connection
        raw.rollback()  # type: ignore[union-attr]
        raw.read_only = False  # type: ignore[union-attr]
        raw.autocommit = True  # type: ignore[union-attr]
        with pytest.raises(Exception, match="read-only transaction"):
            raw.execute("CREATE TABLE evil (id int)")  # type: ignore[union-attr]
        with pytest.raises(Exception, match="read-only transaction"):
            raw.execute("DELETE FROM users")  # type: ignore[union-attr]
    assert pg_exec(pg, "SELECT count(*) FROM users")[0] == [(3,)]


def test_a_write_through_the_same_connection_fails_on_sqlite(tmp_path: Path) -> None:
    path = _sqlite_db(tmp_path)
    with pytest.raises(DbAccessError, match=r"readonly|read-only|query_only"):  # noqa: SIM117
        with open_readonly(parse_url(f"sqlite:///{path}")) as db:
            assert db.scalar("SELECT count(*) FROM users") == 2
            db.conn.exec_driver_sql("DELETE FROM users")
    with open_readonly(parse_url(f"sqlite:///{path}")) as db:
        raw = db.conn.connection.driver_connection
        raw.execute("PRAGMA query_only = OFF")  # type: ignore[union-attr]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            raw.execute("DROP TABLE users")  # type: ignore[union-attr]  # mode=ro still refuses
    assert sqlite3.connect(path).execute("SELECT count(*) FROM users").fetchone() == (2,)


# -- errors -----------------------------------------------------------------------------
def test_wrong_credentials_exit_4_without_the_password(pg: str) -> None:
    wrong = pg.replace(f":{_password(pg)}@", ":not-the-Passw0rd@")
    result = run(wrong, "verify", "--min-rows", "users=1")
    assert result.exit_code == 4
    assert "password authentication failed" in result.stderr
    assert result.stderr.startswith(f"railsafe: database {mask_url(wrong)}: ")
    assert "not-the-Passw0rd" not in result.output and result.stderr.count("\n") == 1


@pytest.mark.parametrize("host", ["127.0.0.1:1", "10.255.255.1:5432"])
def test_an_unreachable_host_fails_fast_with_exit_4(host: str) -> None:
    url = f"postgresql://postgres:Secret-pw-123@{host}/railway"
    started = time.monotonic()
    result = run(url, "snapshot", "--connect-timeout", "2")
    assert time.monotonic() - started < 15
    assert result.exit_code == 4, result.output
    assert result.stderr.startswith(
        f"railsafe: database postgresql://postgres:***@{host}/railway: ")
    assert result.stderr.count("\n") == 1 and "Secret-pw-123" not in result.output


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    url = "postgresql://postgres:Secret-pw-123@127.0.0.1:1/railway"
    unset = run(None, "verify", "--min-rows", "users=1")
    assert unset.exit_code == 2
    assert unset.stderr.startswith("railsafe: DATABASE_URL is not set")
    assert run(url, "verify").stderr.startswith("railsafe: nothing to verify")
    bad = run(url, "verify", "--min-rows", "users=many")
    assert bad.exit_code == 2 and "'many' is not a whole number" in bad.stderr
    assert run(url, "verify", "--against", "x.json", "--max-drop", "150%").exit_code == 2
    missing = run(url, "verify", "--against", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "no such snapshot file" in missing.stderr
    (tmp_path / "other.json").write_text('{"version": 1}')
    assert "not a railsafe snapshot" in run(url, "verify", "--against",
                                            str(tmp_path / "other.json")).stderr
    scheme = run("mongodb://u:Secret-pw-123@h/db", "snapshot")
    assert scheme.exit_code == 2 and "unsupported database URL scheme" in scheme.stderr
    port = run("postgresql://u:Secret-pw-123@h:abc/db", "snapshot")
    assert port.exit_code == 2
    assert "cannot use database URL postgresql://u:***@h:abc/db" in port.stderr
    memory = run("sqlite://", "snapshot")
    assert memory.exit_code == 2 and "in-memory database" in memory.stderr
    (tmp_path / "railsafe.toml").write_text("[db]\nmin-row = 1\n")
    cfg = run(url, "verify", "--config", str(tmp_path / "railsafe.toml"))
    assert cfg.exit_code == 2 and "unknown setting(s): min-row" in cfg.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.railsafe]\ndb = 1\n")
    cfg = run(url, "verify", "--config", str(tmp_path / "pyproject.toml"))
    assert cfg.exit_code == 2 and "`db` must be a table" in cfg.stderr
    checked = CliRunner().invoke(app, ["check", str(tmp_path), "--config",
                                       str(tmp_path / "pyproject.toml")])
    assert checked.exit_code == 2  # `check` reads the same file and refuses it too


@pytest.mark.parametrize(
    ("blocked", "expected"),
    [
        ("psycopg", "railsafe: the postgresql driver (psycopg) is not installed: "
                    "pip install 'railsafe[postgres]'"),
        ("sqlalchemy", "railsafe: railsafe db needs SQLAlchemy, which is not installed: "
                       "pip install 'railsafe[postgres]'"),
    ],
)
def test_a_missing_driver_is_one_line_naming_the_extra(blocked: str, expected: str) -> None:
    code = (f"import sys; sys.modules[{blocked!r}] = None; sys.argv = ['railsafe', 'db', "
            "'verify', '--min-rows', 'users=1']; from railsafe.cli import main; main()")
    env = {**os.environ, "DATABASE_URL": "postgres://postgres:Secret-pw-123@10.0.0.1:5432/railway"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == expected + "\n" and proc.stdout == ""


def test_check_and_version_never_import_sqlalchemy() -> None:
    """Nor the db commands themselves: they load when `railsafe db` runs."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from railsafe.cli import app\n"
        "r = CliRunner().invoke(app, ['--version'])\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(app, ['check', 'examples/incident'])\n"
        "assert r.exit_code == 1, r.output\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'psycopg', 'pymysql') or m == 'railsafe.db.commands')\n"
        "print(heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_driver_messages_are_masked() -> None:
    target = parse_url("postgresql://postgres:p%40ss-Word9@db.railway.internal:5432/railway")
    assert target.secrets == ("p%40ss-Word9", "p@ss-Word9")
    error = RuntimeError('could not connect to "postgresql://postgres:p%40ss-Word9@db'
                         '.railway.internal:5432/railway"\n\tpassword p@ss-Word9 was rejected')
    shown = describe_error(error, target)
    assert "Word9" not in shown and "\n" not in shown
    assert "postgresql://postgres:***@db.railway.internal:5432/railway" in shown
    assert mask_url("mysql://root:x'y@z@mysql.railway.internal:3306/railway") == (
        "mysql://root:***@mysql.railway.internal:3306/railway")
    with pytest.raises(DbUsageError):
        parse_url("not a url")


# -- SQLite -----------------------------------------------------------------------------
def _sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);"
        "INSERT INTO users (email) VALUES ('a'), ('b');"
        "CREATE TABLE clinics (id INTEGER);"
        "CREATE TABLE alembic_version (version_num TEXT);"
        "INSERT INTO alembic_version VALUES ('abc123');"
    )
    conn.commit()
    conn.close()
    return path


def test_sqlite_snapshot_and_verify(tmp_path: Path) -> None:
    path = _sqlite_db(tmp_path)
    before = path.read_bytes()
    url = f"sqlite:///{path}"
    snap, result = snapshot_json(url)
    assert tables_of(snap) == {"main.alembic_version": (1, "exact"),
                               "main.clinics": (0, "exact"), "main.users": (2, "exact")}
    assert snap["migrations"][0]["version"] == "abc123"
    assert "3 tables in 1 schema, 3 rows; migrations: alembic abc123" in result.stderr
    ok = run(url, "verify", "--min-rows", "users=2", "--expect-tables", "clinics")
    assert ok.exit_code == 0, ok.output
    failed = run(url, "verify", "--min-rows", "users=1,clinics=1")
    assert failed.exit_code == 1
    assert "railsafe: clinics: 0 rows, fewer than the 1 required (min-rows)" in failed.stderr
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]  # no journal, no WAL


def test_sqlite_missing_file_is_not_created(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path / 'gone.db'}", "verify", "--min-rows", "users")
    assert result.exit_code == 4
    assert result.stderr.startswith("railsafe: database sqlite:///")
    assert "no such SQLite database file" in result.stderr
    assert not (tmp_path / "gone.db").exists()


# -- MySQL (optional) -------------------------------------------------------------------
def test_mysql_is_read_only_when_a_server_is_given() -> None:
    url = os.environ.get("RAILSAFE_TEST_MYSQL_URL")
    if not url:
        pytest.skip("RAILSAFE_TEST_MYSQL_URL is not set (CI starts no MySQL server)")
    with pytest.raises(DbAccessError, match=r"(?i)read.only"):  # noqa: SIM117
        with open_readonly(parse_url(url)) as db:
            db.conn.exec_driver_sql("CREATE TABLE railsafe_evil (id int)")
    result = run(url, "snapshot")
    assert result.exit_code == 0, result.output

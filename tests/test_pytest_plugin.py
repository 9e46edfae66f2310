"""The pytest plugin, run for real: a pytest subprocess in a temporary directory."""

from __future__ import annotations

import shutil

import pytest

from railsafe.pytest_plugin import (
    REFUSED_EXIT_CODE,
    Settings,
    allowed_by,
    decide,
    mask,
    read_settings,
    refusal_message,
)
from tests.conftest import REPO

REFUSED = REFUSED_EXIT_CODE  # a refusal's own exit code (4 is pytest's usage error)

pytest_plugins = ["pytester"]

RAILWAY_URL = "postgresql://postgres:s3cretpw@roundhouse.proxy.rlwy.net:41234/railway"
TEST_FILE = "def test_ok():\n    assert True\n"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith(("RAILWAY_", "RAILSAFE_")) or name.endswith(
            ("DATABASE_URL", "DATABASE_PUBLIC_URL")
        ) or name in ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
            monkeypatch.delenv(name)
    return monkeypatch


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_one=TEST_FILE)
    return pytester.runpytest_subprocess(*args)


def test_railway_environment_refused(pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch
                                     ) -> None:
    clean_env.setenv("RAILWAY_ENVIRONMENT_NAME", "production")
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines([
        "ERROR: railsafe: refusing to run the tests: running inside Railway environment "
        "'production'",
        "*RAILWAY_ENVIRONMENT_NAME set*running under Railway*'production'*REFUSED*",
        "*hint:*allow-railway-environments*railway.internal*still refused*intended*",
    ])
    assert "1 passed" not in result.stdout.str()


def test_railway_project_id_alone_refused(pytester: pytest.Pytester,
                                          clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("RAILWAY_PROJECT_ID", "0d2c5d8e")
    assert run(pytester).ret == REFUSED


def test_railway_host_refused_and_password_hidden(pytester: pytest.Pytester,
                                                  clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", RAILWAY_URL)
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines([
        "ERROR: railsafe: refusing to run the tests: DATABASE_URL points at a Railway host "
        "(roundhouse.proxy.rlwy.net)",
        "  railsafe: DATABASE_URL=postgresql://postgres:***@roundhouse.proxy.rlwy.net:41234/"
        "railway (Railway host) — running locally — REFUSED",
    ])
    assert "s3cretpw" not in result.stdout.str() + result.stderr.str()


def test_conftest_not_imported_before_refusal(pytester: pytest.Pytester,
                                              clean_env: pytest.MonkeyPatch) -> None:
    pytester.makeconftest("import pathlib\npathlib.Path('imported').write_text('x')\n")
    clean_env.setenv("DATABASE_URL", RAILWAY_URL)
    result = run(pytester)
    assert result.ret == REFUSED
    assert not (pytester.path / "imported").exists()


def test_non_test_database_name_refused(pytester: pytest.Pytester,
                                        clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TEST_DATABASE_URL", "postgresql://app:pw@localhost:5432/app")
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines(["*TEST_DATABASE_URL=*'app' has no 'test'*REFUSED",
                                 "*hint: Point TEST_DATABASE_URL at a test database*"])


def test_configured_variable_checked(pytester: pytest.Pytester,
                                     clean_env: pytest.MonkeyPatch) -> None:
    pytester.makepyprojecttoml('[tool.railsafe]\ndatabase-url-variables = ["APP_DB_URL"]\n')
    clean_env.setenv("APP_DB_URL", "postgresql://u:p@postgres.railway.internal:5432/railway")
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines(["*APP_DB_URL=*railway.internal*Railway host*REFUSED"])


def test_local_test_database_allowed(pytester: pytest.Pytester,
                                     clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TEST_DATABASE_URL", "postgresql://app:pw@localhost:5432/app_test")
    clean_env.setenv("DATABASE_URL", "sqlite:///:memory:")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([
        "railsafe: TEST_DATABASE_URL=postgresql://app:***@localhost:5432/app_test (test "
        "database)*running locally*ok",
        "*1 passed*",
    ])


def test_no_variables_runs(pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    result = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["railsafe: no database URL variable set*ok", "*1 passed*"])


def test_allow_list_in_pyproject(pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    pytester.makepyprojecttoml(
        '[tool.railsafe]\nallow-database-urls = ["postgresql://*@localhost:5432/app_dev"]\n'
    )
    clean_env.setenv("DATABASE_URL", "postgresql://me:pw@localhost:5432/app_dev")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*DATABASE_URL=*app_dev*allowed by allow-database-urls*",
                                 "*1 passed*"])


def test_allow_list_is_narrow(pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    pytester.makepyprojecttoml(
        '[tool.railsafe]\nallow-database-urls = ["postgresql://*@localhost:5432/app_dev"]\n'
    )
    clean_env.setenv("DATABASE_URL", RAILWAY_URL)
    assert run(pytester).ret == REFUSED
    # `*` never crosses `@`, `/`, `?` or `:`: the host is evil.proxy.rlwy.net, not localhost
    clean_env.setenv("DATABASE_URL", "postgresql://postgres:pw@evil.proxy.rlwy.net:1/x"
                                     "?h=@localhost:5432/app_dev")
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines(["*DATABASE_URL=*evil.proxy.rlwy.net*(Railway host)*REFUSED"])


def test_allow_list_in_environment(pytester: pytest.Pytester,
                                   clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", "postgresql://me:pw@db.example.com:5432/staging")
    clean_env.setenv("RAILSAFE_ALLOW_DATABASE_URLS", "postgresql://me:***@db.example.com:*/staging")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*allowed by allow-database-urls*", "*1 passed*"])


def test_allowed_railway_environment(pytester: pytest.Pytester,
                                     clean_env: pytest.MonkeyPatch) -> None:
    pytester.makepyprojecttoml('[tool.railsafe]\nallow-railway-environments = ["pr-*"]\n')
    clean_env.setenv("RAILWAY_ENVIRONMENT_NAME", "pr-42")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    clean_env.setenv("RAILWAY_ENVIRONMENT_NAME", "production")
    assert run(pytester).ret == REFUSED


def test_disabled_with_p_no_railsafe(pytester: pytest.Pytester,
                                     clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", RAILWAY_URL)
    clean_env.setenv("RAILWAY_ENVIRONMENT_NAME", "production")
    result = run(pytester, "-p", "no:railsafe")
    assert result.ret == pytest.ExitCode.OK
    assert "railsafe:" not in result.stdout.str() + result.stderr.str()


# -- the decision function, without a subprocess ---------------------------------------
@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("sqlite://", False),
        ("sqlite:///:memory:", False),
        ("sqlite:///./tests/test.db", False),
        ("sqlite:///./app.db", True),
        ("postgresql://localhost/app_test", False),
        ("postgresql://localhost/", True),
        ("postgresql://u:p@containers-us-west-12.railway.app:6543/railway_test", True),
        ("mysql://u:p@tramway.proxy.rlwy.net:3306/test", True),
        ("redis://localhost:6379/0", False),
    ],
)
def test_decide_urls(url: str, refused: bool) -> None:
    assert decide({"DATABASE_URL": url}, Settings()).refused is refused


def test_read_settings_env_and_ini(tmp_path: pytest.TempPathFactory) -> None:
    settings = read_settings(None, {"RAILSAFE_DATABASE_URL_VARIABLES": "A_URL, B_URL"},
                             {"railsafe_allow_database_urls": ["mysql://*@db.local:*/x_*"],
                              "railsafe_allow_railway_environments": ["pr-*"]})
    assert settings.variables[-2:] == ["A_URL", "B_URL"]
    assert settings.allow_urls == ["mysql://*@db.local:*/x_*"]
    assert settings.allow_railway == ["pr-*"]
    assert not settings.errors
    assert read_settings(None, {}, {"railsafe_allow_database_urls": ["x*"]}).allow_urls == []


# -- 1. the environment the tests actually see: pytest-env, plugins, conftest.py --------
PYTEST_ENV_URL = "postgresql://postgres:pw@roundhouse.proxy.rlwy.net:41234/railway"
IMPORTED = "import pathlib\npathlib.Path('imported').write_text('x')\n"


def test_pytest_env_in_pyproject_refused_before_conftest(pytester: pytest.Pytester,
                                                         clean_env: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pytest_env")
    pytester.makepyprojecttoml(
        f'[tool.pytest.ini_options]\nenv = ["DATABASE_URL={PYTEST_ENV_URL}"]\n')
    pytester.makeconftest(IMPORTED)
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines([
        "ERROR: railsafe: refusing to run the tests: DATABASE_URL points at a Railway host*",
        "*DATABASE_URL=postgresql://postgres:***@roundhouse*[[]set by pytest-env in "
        "pyproject.toml] (Railway host)*REFUSED",
        "*hint:*change the pytest-env `env` entry that sets it (in pyproject.toml)*",
    ])
    assert not (pytester.path / "imported").exists()
    assert ":pw@" not in result.stderr.str()


def test_pytest_env_in_pytest_ini_refused(pytester: pytest.Pytester,
                                          clean_env: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pytest_env")
    pytester.makeini(f"[pytest]\nenv =\n    D:TEST_DATABASE_URL=sqlite://\n"
                     f"    DATABASE_URL={PYTEST_ENV_URL}\n")
    pytester.makeconftest(IMPORTED)
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines(["*DATABASE_URL=*[[]set by pytest-env in tox.ini]*REFUSED"])
    assert not (pytester.path / "imported").exists()


def test_pytest_env_toml_table_and_test_database(pytester: pytest.Pytester,
                                                 clean_env: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pytest_env")
    pytester.makepyprojecttoml(
        '[tool.pytest_env]\nTEST_DATABASE_URL = "postgresql://localhost/app_test"\n'
        'DATABASE_URL = { unset = true }\n')
    clean_env.setenv("DATABASE_URL", "postgresql://localhost/app_dev")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.OK, result.stderr.str()
    result.stdout.fnmatch_lines(["*TEST_DATABASE_URL=*app_test [[]set by pytest-env in "
                                 "pyproject.toml] (test database)*ok", "*1 passed*"])


def test_pytest_env_files_judged_at_session_start(pytester: pytest.Pytester,
                                                  clean_env: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pytest_env")
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\nenv_files = [".env.test"]\n')
    (pytester.path / ".env.test").write_text(f"DATABASE_URL={PYTEST_ENV_URL}\n")
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines([
        "ERROR: railsafe: refusing*DATABASE_URL points at a Railway host*",
        "*DATABASE_URL=*[[]changed during start-up, by a plugin or conftest.py]*REFUSED",
    ])
    assert "1 passed" not in result.stdout.str()


def test_plugin_setting_environment_after_the_first_check(pytester: pytest.Pytester,
                                                          clean_env: pytest.MonkeyPatch) -> None:
    """Without pytest-env: a plugin that sets the variable in its own start-up hook,
    after railsafe's first check (a plain hook runs after railsafe's tryfirst one)."""
    pytester.makepyfile(late_env=(
        "import os\n"
        "def pytest_load_initial_conftests(early_config):\n"
        f"    os.environ['DATABASE_URL'] = {PYTEST_ENV_URL!r}\n"))
    result = run(pytester, "-p", "late_env")
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines(
        ["*DATABASE_URL=*[[]changed during start-up*(Railway host)*REFUSED"])
    assert "1 passed" not in result.stdout.str()


def test_conftest_setting_environment_refused(pytester: pytest.Pytester,
                                              clean_env: pytest.MonkeyPatch) -> None:
    pytester.makeconftest(f"import os\nos.environ['DATABASE_URL'] = {PYTEST_ENV_URL!r}\n")
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines(["*DATABASE_URL=*changed during start-up*REFUSED"])


def test_test_module_setting_environment_refused_before_tests(
        pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_one=(
        f"import os\nos.environ['DATABASE_URL'] = {PYTEST_ENV_URL!r}\n"
        "def test_ok():\n    open('ran', 'w').close()\n"))
    result = pytester.runpytest_subprocess()
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines(["*DATABASE_URL=*REFUSED"])
    assert not (pytester.path / "ran").exists()


# -- 2. values that are not URLs ---------------------------------------------------------
def test_libpq_key_value_string_refused_and_masked(pytester: pytest.Pytester,
                                                   clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", "host=roundhouse.proxy.rlwy.net port=41234 dbname=railway "
                                     "password=hunter2")
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines([
        "ERROR: railsafe: refusing*DATABASE_URL points at a Railway host "
        "(roundhouse.proxy.rlwy.net)",
        "*DATABASE_URL=host=roundhouse.proxy.rlwy.net port=41234 dbname=railway password=*** "
        "(Railway host)*REFUSED",
    ])
    assert "hunter2" not in result.stdout.str() + result.stderr.str()


def test_unparseable_value_refused(pytester: pytest.Pytester,
                                   clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", "not a url")
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines([
        "ERROR: railsafe: refusing*DATABASE_URL is not a database URL*cannot judge*",
        "*DATABASE_URL=not a url (not a database URL: cannot judge)*REFUSED",
    ])
    assert "(test database)" not in result.stderr.str()
    pytester.makepyprojecttoml('[tool.railsafe]\nallow-database-urls = ["not a url"]\n')
    result = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*cannot judge)*allowed by allow-database-urls 'not a url'"])


@pytest.mark.parametrize(
    ("value", "label", "refused"),
    [
        ("host=roundhouse.proxy.rlwy.net port=41234 dbname=railway password=hunter2",
         "(Railway host)", True),
        ("host=localhost dbname=app_test", "(test database)", False),
        ("host=localhost dbname=app", "no 'test' in its name", True),
        ("host='db' dbname='app_test'", "(test database)", False),
        ("not a url", "(not a database URL: cannot judge)", True),
        ("file:test.db", "(test database)", False),
        ("file:app.db", "SQLite file 'app.db'", True),
        ("file::memory:", "(test database)", False),
        ("postgresql://u:p@/app_test?host=roundhouse.proxy.rlwy.net", "(Railway host)", True),
        ("postgresql://u:p@localhost/app_test?hostaddr=10.0.0.1,x.rlwy.net", "(Railway host)",
         True),
        ("postgresql://u:p@/app_test?host=/var/run/postgresql", "(test database)", False),
        ("postgresql://u:p@localhost,db.railway.internal/app_test", "(Railway host)", True),
        ("service=production", "pg_service.conf", True),
        ("${{Postgres.DATABASE_URL}}", "unresolved Railway reference", True),
    ],
)
def test_decide_values(value: str, label: str, refused: bool) -> None:
    decision = decide({"DATABASE_URL": value}, Settings())
    assert decision.refused is refused
    assert label in decision.lines[0]
    assert "hunter2" not in decision.lines[0]


def test_mask_key_value_passwords() -> None:
    assert mask("host=h password=hunter2 dbname=x") == "host=h password=*** dbname=x"
    assert mask("host=h password='a b c' dbname=x") == "host=h password=*** dbname=x"
    assert mask("postgresql://u:pw@h/db?sslpassword=k") == "postgresql://u:***@h/db?sslpassword=***"


# -- 3. narrow allow-lists ------------------------------------------------------------------
@pytest.mark.parametrize(
    "pattern",
    ["*", "**", "*://*", "postgresql://*@*:5432/app_dev", "postgresql://*@*.*/x", "sqlite:///*",
     "postgresql://localhost/x?host=*"],
)
def test_blanket_url_patterns_rejected(pattern: str) -> None:
    settings = read_settings(None, {"RAILSAFE_ALLOW_DATABASE_URLS": pattern})
    [error] = settings.errors
    assert repr(pattern) in error and "too broad" in error and "\n" not in error


def test_blanket_pattern_is_a_usage_error(pytester: pytest.Pytester,
                                          clean_env: pytest.MonkeyPatch) -> None:
    pytester.makepyprojecttoml('[tool.railsafe]\nallow-database-urls = ["*://*"]\n')
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: railsafe: allow-database-urls pattern '*://*' "
                                 "([[]tool.railsafe] allow-database-urls) is too broad: *"])
    assert len([line for line in result.stderr.lines if line.strip()]) == 1


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        ("postgresql://me:pw@localhost:5432/app_dev", True),
        ("postgresql://localhost/app_dev", True),  # no port: the default, 5432
        ("postgres://me@localhost/app_dev", True),
        ("postgresql+asyncpg://me:pw@localhost:5432/app_dev", True),
        ("host=localhost dbname=app_dev password=x", True),
        ("postgresql://postgres:pw@evil.proxy.rlwy.net:1/x?h=@localhost:5432/app_dev", False),
        ("postgresql://me:pw@localhost:5433/app_dev", False),
        ("postgresql://me:pw@localhost:5432/app_dev2", False),
        ("postgresql://me:pw@localhost:5432/app_dev?host=evil.proxy.rlwy.net", False),
        ("postgresql://me:pw@localhost,evil.proxy.rlwy.net:5432/app_dev", False),
        ("postgresql://localhost@evil.proxy.rlwy.net:5432/app_dev", False),
        ("mysql://me:pw@localhost:5432/app_dev", False),
    ],
)
def test_allow_list_matches_component_wise(value: str, allowed: bool) -> None:
    assert (allowed_by(value, ["postgresql://*@localhost:5432/app_dev"]) is not None) is allowed


def test_allow_list_wildcards_stay_in_their_component() -> None:
    assert allowed_by("postgresql://u@db.example.com:6543/app_dev", ["*://db.example.com:*/app_*"])
    assert not allowed_by("postgresql://u@db.example.com:6543/app/dev",
                          ["postgresql://db.example.com:*/a*v"])
    assert not allowed_by("postgresql://u@x.example.com.evil.rlwy.net/app",
                          ["postgresql://*.example.com/app"])


# -- 4. readable refusals, Railway environments --------------------------------------------
def test_error_prefix_on_the_reason_not_on_an_ok_line(pytester: pytest.Pytester,
                                                      clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TEST_DATABASE_URL", "postgresql://localhost/app_test")
    clean_env.setenv("DATABASE_URL", RAILWAY_URL)
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines([
        "ERROR: railsafe: refusing to run the tests: DATABASE_URL points at a Railway host*",
        "  railsafe: TEST_DATABASE_URL=postgresql://localhost/app_test (test database) — "
        "running locally — ok",
        "  railsafe: DATABASE_URL=* — running locally — REFUSED",
        "  hint: *DATABASE_URL is also in the environment*`env -u DATABASE_URL pytest`*",
    ])
    [error] = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert "— ok" not in error


def test_railway_project_id_alone_names_the_missing_environment(
        pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    pytester.makepyprojecttoml('[tool.railsafe]\nallow-railway-environments = ["pr-*"]\n')
    clean_env.setenv("RAILWAY_PROJECT_ID", "0d2c5d8e")
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines([
        "ERROR: railsafe: refusing to run the tests: running inside a Railway environment",
        "*RAILWAY_PROJECT_ID set — running under Railway (environment name unknown) — REFUSED*",
        "*RAILWAY_ENVIRONMENT_NAME is not set, so no allow-railway-environments pattern can "
        "match*",
    ])


def test_blanket_railway_pattern_rejected(pytester: pytest.Pytester,
                                          clean_env: pytest.MonkeyPatch) -> None:
    pytester.makepyprojecttoml('[tool.railsafe]\nallow-railway-environments = ["*"]\n')
    clean_env.setenv("RAILWAY_PROJECT_ID", "0d2c5d8e")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: railsafe: allow-railway-environments pattern '*' *"
                                 "too broad*"])
    assert read_settings(None, {"RAILSAFE_ALLOW_RAILWAY_ENVIRONMENTS": "**"}).errors


def test_allowed_railway_environment_still_refuses_its_database() -> None:
    settings = Settings(allow_railway=["pr-*"])
    env = {"RAILWAY_ENVIRONMENT_NAME": "pr-42",
           "DATABASE_URL": "postgresql://postgres:pw@postgres.railway.internal:5432/railway"}
    decision = decide(env, settings)
    assert decision.refused
    assert "allowed by allow-railway-environments 'pr-*'" in decision.lines[0]
    message = refusal_message(decision)
    assert "refused even in an allowed Railway environment" in message
    assert "postgresql://*@postgres.railway.internal:5432/railway" in message
    settings.allow_urls.append("postgresql://*@postgres.railway.internal:5432/railway")
    assert not decide(env, settings).refused


# -- 5. unknown [tool.railsafe] keys -------------------------------------------------------
def test_misspelled_key_warned(pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    pytester.makepyprojecttoml('[tool.railsafe]\nallow-databse-urls = ["x"]\nfail-on = "error"\n')
    result = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([
        "*PytestConfigWarning: railsafe: unknown key 'allow-databse-urls' in [[]tool.railsafe]*"
        "ignored (did you mean 'allow-database-urls'?)",
    ])
    assert "'fail-on'" not in result.stdout.str()


# -- 6. a non-test DATABASE_URL beside a test TEST_DATABASE_URL ----------------------------
def test_non_test_database_url_beside_test_database(pytester: pytest.Pytester,
                                                    clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TEST_DATABASE_URL", "postgresql://localhost/app_test")
    clean_env.setenv("DATABASE_URL", "postgresql://localhost/app_dev")
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines([
        "*hint: The tests' own database (TEST_DATABASE_URL) is a test database, but DATABASE_URL "
        "is also in the environment and names a non-test database ('app_dev'): code that reads "
        "DATABASE_URL*would reach it. Unset it for the test run (`env -u DATABASE_URL pytest`) "
        "or allow this exact database with [[]tool.railsafe] allow-database-urls = "
        "[[]\"postgresql://*@localhost/app_dev\"]*",
    ])
    assert "Point the tests at a test database" not in result.stderr.str()


# -- 7. the copy-paste conftest template ---------------------------------------------------
def test_conftest_template_refuses_railway_and_allows_test_database(
        pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch) -> None:
    tests = pytester.mkdir("tests")
    shutil.copy(REPO / "templates" / "conftest_guard.py", tests / "conftest.py")
    (tests / "test_one.py").write_text(TEST_FILE)
    no_plugin = ("-p", "no:railsafe")  # the template alone

    clean_env.setenv("TEST_DATABASE_URL", RAILWAY_URL)
    result = pytester.runpytest_subprocess(*no_plugin)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line.strip()] == [
        "ERROR: refusing to run tests: TEST_DATABASE_URL points at a Railway host "
        "(roundhouse.proxy.rlwy.net)"]
    assert "Traceback" not in result.stdout.str() + result.stderr.str()

    clean_env.setenv("TEST_DATABASE_URL", "postgresql://app:pw@localhost:5432/app_test")
    result = pytester.runpytest_subprocess(*no_plugin)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*1 passed*"])

    clean_env.setenv("RAILWAY_SERVICE_ID", "svc")
    result = pytester.runpytest_subprocess(*no_plugin)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: refusing to run tests: running inside a Railway "
                                 "environment (RAILWAY_SERVICE_ID set)"])


def test_conftest_template_checks_the_plugins_railway_variables() -> None:
    from railsafe.testguard.urls import RAILWAY_MARKERS

    template = (REPO / "templates" / "conftest_guard.py").read_text(encoding="utf-8")
    assert all(f'"{name}"' in template for name in RAILWAY_MARKERS)


# -- 8. help text, PYTEST_DISABLE_PLUGIN_AUTOLOAD ----------------------------------------
def test_help_lists_environment_variables(pytester: pytest.Pytester,
                                          clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", RAILWAY_URL)  # --help still works
    result = pytester.runpytest_subprocess("--help")
    assert result.ret == pytest.ExitCode.OK
    text = " ".join(result.stdout.str().split())
    for name in ("RAILSAFE_DATABASE_URL_VARIABLES", "RAILSAFE_ALLOW_DATABASE_URLS",
                 "RAILSAFE_ALLOW_RAILWAY_ENVIRONMENTS"):
        assert name in text


def test_autoload_disabled_needs_p_railsafe(pytester: pytest.Pytester,
                                            clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", RAILWAY_URL)
    clean_env.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert run(pytester).ret == pytest.ExitCode.OK  # documented: the guard is off too
    assert run(pytester, "-p", "railsafe").ret == REFUSED


def test_read_settings_pyproject_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "pyproject.toml").write_text(
        '[tool.railsafe]\nselect = ["RS2"]\nallow-database-urls = 5\nallow-railway-envs = []\n')
    settings = read_settings(tmp_path, {})
    assert settings.errors == [f"railsafe: [tool.railsafe] allow-database-urls in "
                               f"{tmp_path / 'pyproject.toml'} must be a string or a list of "
                               "strings"]
    [warning] = settings.warnings
    assert "unknown key 'allow-railway-envs'" in warning
    assert "did you mean 'allow-railway-environments'?" in warning


# -- 9. one settings reader: railsafe.config's discovery, as `railsafe check` ----------------
APP_DB_RAILWAY = "postgresql://app:pw@roundhouse.proxy.rlwy.net:41234/railway"


def test_railsafe_toml_honoured(pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch
                                ) -> None:
    pytester.makefile(".toml", railsafe='database-url-variables = ["APP_DB_URL"]\n')
    clean_env.setenv("APP_DB_URL", APP_DB_RAILWAY)
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines(["*APP_DB_URL=postgresql://app:***@roundhouse.proxy.rlwy.net*"
                                 "(Railway host)*REFUSED"])


def test_railsafe_toml_wins_over_pyproject(pytester: pytest.Pytester,
                                           clean_env: pytest.MonkeyPatch) -> None:
    pytester.makepyprojecttoml(
        '[tool.railsafe]\nallow-database-urls = ["postgresql://*@localhost:5432/app_dev"]\n')
    pytester.makefile(".toml", railsafe='database-url-variables = ["APP_DB_URL"]\n')
    clean_env.setenv("DATABASE_URL", "postgresql://me:pw@localhost:5432/app_dev")
    result = run(pytester)  # the pyproject.toml allow-list is not read: railsafe.toml is
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines(["*DATABASE_URL=*app_dev*REFUSED"])
    (pytester.path / "railsafe.toml").write_text(
        'allow-database-urls = ["postgresql://*@localhost:5432/app_dev"]\n')
    result = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*allowed by allow-database-urls*", "*1 passed*"])


def test_settings_found_above_rootdir_up_to_the_git_root(pytester: pytest.Pytester,
                                                        clean_env: pytest.MonkeyPatch) -> None:
    (pytester.path / ".git").mkdir()
    pytester.makefile(".toml", railsafe='database-url-variables = ["APP_DB_URL"]\n')
    sub = pytester.mkdir("sub")
    (sub / "pytest.ini").write_text("[pytest]\n")  # the rootdir: sub
    (sub / "test_one.py").write_text(TEST_FILE)
    clean_env.setenv("APP_DB_URL", APP_DB_RAILWAY)
    result = pytester.runpytest_subprocess("sub")
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines(["*APP_DB_URL=*(Railway host)*REFUSED"])
    (sub / ".git").mkdir()  # sub is a repository of its own: run from it, the search stops there
    clean_env.chdir(sub)
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["rootdir: *sub*", "*1 passed*"])


def test_malformed_railsafe_toml_is_a_usage_error(pytester: pytest.Pytester,
                                                  clean_env: pytest.MonkeyPatch) -> None:
    pytester.makefile(".toml", railsafe='database-url-variables = ["APP_DB_URL"\n')
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in result.stderr.lines if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("ERROR: railsafe: ") and "railsafe.toml: invalid TOML: " in lines[0]
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_railsafe_toml_keys_validated(pytester: pytest.Pytester,
                                      clean_env: pytest.MonkeyPatch) -> None:
    pytester.makefile(".toml", railsafe='allow-database-urls = 5\n')
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: railsafe: allow-database-urls in *railsafe.toml must be "
                                 "a string or a list of strings"])
    (pytester.path / "railsafe.toml").write_text('allow-databse-urls = []\n')
    result = run(pytester)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*railsafe: unknown key 'allow-databse-urls' in *railsafe.toml, "
                                 "ignored (did you mean 'allow-database-urls'?)"])


def test_load_settings_has_the_plugin_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from railsafe.config import load_settings

    (tmp_path / "railsafe.toml").write_text(
        'database-url-variables = "A_URL, B_URL"\nallow-railway-environments = ["pr-*"]\n')
    settings = load_settings(tmp_path)
    assert settings.database_url_variables == ["A_URL", "B_URL"]
    assert settings.allow_database_urls == []
    assert settings.allow_railway_environments == ["pr-*"]
    assert read_settings(tmp_path, {}).variables[-2:] == ["A_URL", "B_URL"]


# -- 10. a URL password holding `'` is masked whole ----------------------------------------
QUOTED_PASSWORD_URL = "postgresql://app:it's@t0p/secret@roundhouse.proxy.rlwy.net:41234/railway"


def test_mask_url_password_with_quote() -> None:
    assert mask("postgresql://app:it's-secret@h:5432/db") == "postgresql://app:***@h:5432/db"
    assert mask("postgresql://app:a'b@c:d@h/db?x=@y") == "postgresql://app:***@h/db?x=@y"
    assert (mask("postgresql://u:pw@evil.proxy.rlwy.net:1/x?h=@localhost:5432/app_dev")
            == "postgresql://u:***@evil.proxy.rlwy.net:1/x?h=@localhost:5432/app_dev")
    assert mask("postgresql://localhost@h/db") == "postgresql://localhost@h/db"
    assert mask("host=h password='it''s' dbname=x").startswith("host=h password=***")


def test_url_password_with_quote_masked(pytester: pytest.Pytester,
                                        clean_env: pytest.MonkeyPatch) -> None:
    secret = "it's-s3cret"
    clean_env.setenv("DATABASE_URL", f"postgresql://app:{secret}@roundhouse.proxy.rlwy.net:41234/"
                                     "railway")
    result = run(pytester)
    assert result.ret == REFUSED
    result.stderr.fnmatch_lines(["*DATABASE_URL=postgresql://app:***@roundhouse.proxy.rlwy.net:"
                                 "41234/railway (Railway host)*REFUSED"])
    output = result.stdout.str() + result.stderr.str()
    assert "s3cret" not in output and "it's" not in output


# -- 11. a wildcard over Railway hosts is a blanket pattern ---------------------------------
@pytest.mark.parametrize(
    "pattern",
    ["postgresql://*@*.rlwy.net:*/*", "postgresql://*@*.proxy.rlwy.net:*/railway",
     "postgresql://*@*.railway.internal:5432/railway", "mysql://*@*.railway.app/x",
     "postgresql://*@db*.proxy.rlwy.net:*/railway", "postgresql://*@*rlwy.net/railway",
     "postgresql://*@*example.com/app_dev", "postgresql://localhost/x?host=*.rlwy.net"],
)
def test_wildcard_railway_host_patterns_rejected(pattern: str) -> None:
    settings = read_settings(None, {"RAILSAFE_ALLOW_DATABASE_URLS": pattern})
    [error] = settings.errors
    assert repr(pattern) in error and "too broad" in error and "\n" not in error


@pytest.mark.parametrize(
    "pattern",
    ["postgresql://*@roundhouse.proxy.rlwy.net:41234/railway",
     "postgresql://*@postgres.railway.internal:5432/railway",
     "postgresql://*@db-*.example.com:*/app_dev"],
)
def test_concrete_hosts_accepted(pattern: str) -> None:
    settings = read_settings(None, {"RAILSAFE_ALLOW_DATABASE_URLS": pattern})
    assert not settings.errors and settings.allow_urls == [pattern]


def test_wildcard_railway_host_is_a_usage_error(pytester: pytest.Pytester,
                                                clean_env: pytest.MonkeyPatch) -> None:
    pytester.makefile(".toml", railsafe='allow-database-urls = ["postgresql://*@*.rlwy.net:*/*"]\n')
    clean_env.setenv("DATABASE_URL", APP_DB_RAILWAY)
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: railsafe: allow-database-urls pattern "
                                 "'postgresql://[*]@[*].rlwy.net:[*]/[*]' (railsafe.toml "
                                 "allow-database-urls) is too broad: its host '[*].rlwy.net'*"])
    assert len([line for line in result.stderr.lines if line.strip()]) == 1


def test_the_nearest_settings_to_where_pytest_runs_win(pytester: pytest.Pytester,
                                                       clean_env: pytest.MonkeyPatch) -> None:
    """A stricter railsafe.toml in a subproject is not overruled by the rootdir's pyproject."""
    (pytester.path / ".git").mkdir()
    pytester.makepyprojecttoml(
        '[tool.railsafe]\nallow-database-urls = ["postgresql://*@db.example.com:5432/app_prod"]\n'
    )
    proj = pytester.mkdir("proj")
    (proj / "railsafe.toml").write_text(
        'allow-database-urls = ["postgresql://*@db.example.com:5432/other"]\n'
    )
    (proj / "test_one.py").write_text(TEST_FILE)
    clean_env.setenv("DATABASE_URL", "postgresql://u:pw@db.example.com:5432/app_prod")
    clean_env.chdir(proj)
    result = pytester.runpytest_subprocess()
    assert result.ret == REFUSED

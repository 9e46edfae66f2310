"""The pytest plugin, run for real: a pytest subprocess in a temporary directory."""

from __future__ import annotations

import pytest

from railsafe.pytest_plugin import Settings, decide, read_settings

pytest_plugins = ["pytester"]

RAILWAY_URL = "postgresql://postgres:s3cretpw@roundhouse.proxy.rlwy.net:41234/railway"
TEST_FILE = "def test_ok():\n    assert True\n"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in list(os.environ):
        if name.startswith(("RAILWAY_", "RAILSAFE_")) or name.endswith(
            ("DATABASE_URL", "DATABASE_PUBLIC_URL")
        ):
            monkeypatch.delenv(name)
    return monkeypatch


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_one=TEST_FILE)
    return pytester.runpytest_subprocess(*args)


def test_railway_environment_refused(pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch
                                     ) -> None:
    clean_env.setenv("RAILWAY_ENVIRONMENT_NAME", "production")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*RAILWAY_ENVIRONMENT_NAME set*running under Railway*"
                                 "'production'*refusing*"])
    assert "1 passed" not in result.stdout.str()


def test_railway_project_id_alone_refused(pytester: pytest.Pytester,
                                          clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("RAILWAY_PROJECT_ID", "0d2c5d8e")
    assert run(pytester).ret == pytest.ExitCode.USAGE_ERROR


def test_railway_host_refused_and_password_hidden(pytester: pytest.Pytester,
                                                  clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", RAILWAY_URL)
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*railsafe: DATABASE_URL=postgresql://postgres:***@roundhouse.proxy.rlwy.net:41234/"
        "railway (Railway host)*running locally*refusing*"
    ])
    assert "s3cretpw" not in result.stdout.str() + result.stderr.str()


def test_conftest_not_imported_before_refusal(pytester: pytest.Pytester,
                                              clean_env: pytest.MonkeyPatch) -> None:
    pytester.makeconftest("import pathlib\npathlib.Path('imported').write_text('x')\n")
    clean_env.setenv("DATABASE_URL", RAILWAY_URL)
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert not (pytester.path / "imported").exists()


def test_non_test_database_name_refused(pytester: pytest.Pytester,
                                        clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TEST_DATABASE_URL", "postgresql://app:pw@localhost:5432/app")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*TEST_DATABASE_URL=*'app' has no 'test'*refusing*"])


def test_configured_variable_checked(pytester: pytest.Pytester,
                                     clean_env: pytest.MonkeyPatch) -> None:
    pytester.makepyprojecttoml('[tool.railsafe]\ndatabase-url-variables = ["APP_DB_URL"]\n')
    clean_env.setenv("APP_DB_URL", "postgresql://u:p@postgres.railway.internal:5432/railway")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*APP_DB_URL=*railway.internal*Railway host*refusing*"])


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
    assert run(pytester).ret == pytest.ExitCode.USAGE_ERROR


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
    assert run(pytester).ret == pytest.ExitCode.USAGE_ERROR


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
                             {"railsafe_allow_database_urls": ["x*"]})
    assert settings.variables[-2:] == ["A_URL", "B_URL"]
    assert settings.allow_urls == ["x*"]

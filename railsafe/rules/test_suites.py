"""RS2xx: test suites that can run against, and wipe, the production database.

The analysis lives in `railsafe.testguard` and is imported only when the
checked tree holds test code or test settings, which keeps start-up fast."""

from __future__ import annotations

from collections.abc import Iterator

from railsafe.context import Context
from railsafe.findings import Severity
from railsafe.rules import Hit, rule

# the files the test-suite analysis reads; without any of them there is nothing to check
TEST_SETUP_KINDS = (
    "python-test", "python-settings", "env-file", "pytest-config", "js-test-setup",
    "js-test-candidate", "js-test-config",
)


def _has_test_setup(ctx: Context) -> bool:
    """Test code or settings in the tree, or a package.json with a jest / mocha config."""
    if ctx.files(*TEST_SETUP_KINDS):
        return True
    for source in ctx.files("package-json"):
        data = ctx.load(source).data
        if isinstance(data, dict) and ("jest" in data or "mocha" in data):
            return True
    return False


@rule("RS201", "test-db-falls-back-to-production", Severity.ERROR)
def test_db_falls_back_to_production(ctx: Context) -> Iterator[Hit]:
    """The test suite's database URL can resolve to DATABASE_URL and a fixture wipes it.

    ## What it finds
    A test setup (conftest.py, test modules, Django/Flask test settings; in
    JavaScript a `*.test.*` / `*.spec.*` / `*.e2e-spec.*` file, a file a jest, vitest
    or mocha config names as setup, or a file with setup or teardown in its name in
    a `test/`, `tests/`, `__tests__/`, `e2e/` or `spec/` directory) whose database
    URL can come from `DATABASE_URL` or another
    production database variable, directly (`os.environ["DATABASE_URL"]`,
    pydantic-settings `database_url`, also on a settings object a fixture creates
    with `get_settings()`, `dj_database_url.config()`, `process.env.DATABASE_URL`,
    a `new PrismaClient()` without a datasource URL, which reads `DATABASE_URL`
    itself) or as a fallback (`os.getenv("TEST_DATABASE_URL") or
    os.getenv("DATABASE_URL")`). That URL may sit in application code the tests
    choose: a Flask test config class they configure the app with
    (`create_app("config.TestingConfig")`, `create_app(TestingConfig)`,
    `app.config.from_object(...)`), or the Django settings' `DATABASES` when a
    conftest overrides pytest-django's `django_db_setup` without requesting the
    original (`def django_db_setup(): pass`: no test database is created,
    docs/facts.md F15). This holds while a fixture, setup hook, test function or
    module-level statement runs a destructive operation: `metadata.drop_all()`
    (called, or passed to `run_sync`), `DROP`/`TRUNCATE`/`DELETE FROM` without
    `WHERE` in executed SQL, alembic `command.downgrade`, Django `flush`,
    `Model.objects.all().delete()`, `prisma migrate reset`, `deleteMany()`.

    Nothing guards the path: a `raise`, `pytest.exit`, `pytest.skip`, `sys.exit` or
    `assert` on the URL's value (its text, database name or host containing `test`,
    a Railway host) or on `RAILWAY_*` variables, or a `pytestmark =
    pytest.mark.skipif(...)` on such a condition in a test module (pytest ignores
    `pytestmark` in conftest.py). Checking only that `TEST_DATABASE_URL` is set is
    not a guard when the URL used can still come from `DATABASE_URL`. A default
    (`os.environ.setdefault`, pytest-env `D:`, `if "DATABASE_URL" not in
    os.environ: ...`) keeps a `DATABASE_URL` that is already set, so it does not
    make the suite safe; a URL rewritten to a test database
    (`if "test" not in url: url = url.rsplit("/", 1)[0] + "/app_test"`) does, and
    so does a vitest `test.env` that sets `DATABASE_URL` to a test database, for
    the test and setup files that config covers (not `globalSetup`, which runs
    outside it: docs/facts.md F11). In JavaScript a read counts only when its value
    reaches the client; `Boolean(process.env.DATABASE_URL)`, a comparison or another
    presence check does not. A client is one the file, or a module it imports with
    a relative path (a `knexfile` whose `test` entry it takes), builds: `new Pool`,
    `knex(...)`, `require("knex")({...})`, or any name bound to a database package
    (`const Knex = require("knex")`, `import pg from "pg"`; knex, pg, postgres,
    mysql2, @prisma/client, drizzle-orm, sequelize, typeorm, kysely, mongodb,
    mongoose) that is called or `new`-ed.

    The finding sits on the variable read; the destructive call is a related
    location. When the read is in application code (a settings class, an engine
    module), the message names the test file that reaches it. In JavaScript a
    read in a client module the setup imports is reported at the import, with the
    read itself as a related location.

    The database may also be named by its components (`connect(host=os.environ[
    "PGHOST"], ...)`, `new Pool({ host: process.env.PGHOST })`, `DB_HOST`,
    `MYSQL_HOST`: docs/facts.md F38), reached through a NestJS `PrismaService`
    (a `PrismaClient` subclass without a datasource) that a test gets by
    dependency injection (`app.get(PrismaService)`), or wiped by a helper
    function of another module (a plain function or a `@contextmanager`) that a
    test calls. SQL built with f-strings, `.format()`, `+` or `%` is read from
    its literal parts, so `f"DELETE FROM {t} WHERE id = :id"` has its `WHERE`.
    Test files outside pytest's `testpaths` are not collected and not reported.

    ## Why it matters on Railway
    On Railway `DATABASE_URL` is the production database (railway-facts §6.2).
    Wherever the suite runs with the service's variables (`railway run pytest`, a
    test command in `startCommand`/`preDeployCommand`/`buildCommand`, a CI job holding
    production secrets, a shell linked to production: railway-facts §0) the fallback
    is taken and the fixture drops production. This is exactly the incident.
    Similar reports: railway-facts §8 ("Tests wiping databases").

    ## Fix
    Read only a test-only variable (`TEST_DATABASE_URL`) with no fallback, and refuse
    to continue when the URL is not a test database or points at a Railway host
    (railway-facts §6.3). With Prisma, pass the URL explicitly
    (`new PrismaClient({ datasourceUrl: url })`). railsafe's pytest plugin refuses
    such sessions at start-up.
    """
    if not _has_test_setup(ctx):
        return
    from railsafe.testguard.checks import test_db_falls_back_to_production as check

    yield from check(ctx)


@rule("RS202", "test-db-may-be-production", Severity.WARNING)
def test_db_may_be_production(ctx: Context) -> Iterator[Hit]:
    """The test suite's database URL can resolve to DATABASE_URL (no wipe found).

    ## What it finds
    The same resolution as RS201 (a test setup whose database URL can come from
    `DATABASE_URL` or another production database variable, directly or as a
    fallback, with no guard on the path) when no destructive operation was found:
    the tests still connect to whatever database that is.

    Django test settings (`settings/test.py`, `settings_test.py`) whose
    `DATABASES` come from `DATABASE_URL` (`dj_database_url.config()`) are not
    reported: Django's test runner, and pytest-django, create a separate test
    database named `test_<NAME>` and run the tests in it (Django's documented
    test-database behaviour), so the tests write no production rows. They are
    reported when `DATABASES[...]["TEST"]["NAME"]` names a database without
    `test` in its name: the test runner then uses, and recreates, that database;
    and when a conftest overrides pytest-django's `django_db_setup` without
    requesting the original (`def django_db_setup(): pass`, pytest-django's
    documented way to use an existing database: docs/facts.md F15): then no test
    database is created and the settings module's `DATABASES` (the one
    `DJANGO_SETTINGS_MODULE` or `--ds` names) is the database the tests use.

    A suite that reads `DATABASE_URL` directly (no fallback expression: it is built
    to run on the database it is given) and whose only writes are scoped to rows
    it names (`DELETE ... WHERE id = %s`, `query.filter(...).delete()`) is
    reported as info. Test doubles are not paths to production: a module
    `jest.mock` / `vi.mock` replaces, a setup file that deletes or empties
    `DATABASE_URL`, a client built only under `if __name__ == "__main__":`, a
    `unittest.mock.patch` of the engine, and test files outside pytest's
    `testpaths`.

    ## Why it matters on Railway
    With the service's variables (`railway run`, a test command in a start,
    pre-deploy or build command: railway-facts §0) `DATABASE_URL` is production
    (railway-facts §6.2): the suite writes its rows into it, and the next fixture
    someone adds with `drop_all()` or `TRUNCATE` wipes it (RS201).

    ## Fix
    Read the test database URL from a test-only variable with no fallback, or refuse
    to run when it is not a test database; or pin it for the test run (pytest-env
    `env = DATABASE_URL=postgresql://localhost/app_test`, without `D:`). railsafe's
    pytest plugin refuses production-looking URLs at session start.
    """
    if not _has_test_setup(ctx):
        return
    from railsafe.testguard.checks import test_db_may_be_production as check

    yield from check(ctx)


@rule("RS203", "production-url-in-test-settings", Severity.ERROR)
def production_url_in_test_settings(ctx: Context) -> Iterator[Hit]:
    """A test settings or env file sets a database URL to Railway or a non-test database.

    ## What it finds
    A database URL that points at a Railway host (`*.railway.internal`,
    `*.proxy.rlwy.net`, `*.rlwy.net`, `containers-*.railway.app`), holds an unresolved
    Railway reference (`${{Postgres.DATABASE_URL}}`), or names a database without
    `test` in its name (a SQLite file without `test` in its path), in: pytest-env
    `env =` entries (pytest.ini, setup.cfg, tox.ini, pyproject.toml), `.env.test*`
    files, a `.env` file that the tests load with `load_dotenv()`, Django test
    settings, Flask `TestingConfig` (also one in application code that a test
    configures the app with), and literal URLs that conftest/test modules
    connect to, also a default in application code the tests reach (the message
    names the test file). The password is never shown.

    Only complete URLs are judged: a piece of a concatenation or f-string (a
    `"postgresql+asyncpg://"` prefix) is reported only when it names a Railway
    host, and a URL the tests rewrite to a test database
    (`url.replace("app", "app_test")`, `base + "/app_test"`) is not reported. In
    Django test settings only Railway hosts are reported: Django's test runner uses
    a `test_<NAME>` database there (Django's documented test-database behaviour).
    A local database (`localhost`, `127.0.0.1`, a Compose service such as `db`)
    without `test` in its name is not production: it is reported only when the
    suite writes to a database (a fixture, hook or test that wipes), and then as a
    warning about the naming convention.

    ## Why it matters on Railway
    Railway's database URLs point at `*.railway.internal` (private) or
    `*.proxy.rlwy.net` (public, reachable from anywhere: railway-facts §6.3). A test
    setting that names one of them runs the suite, and its teardown, against that
    database. railway-facts §8 records a suite whose `.env.test` held the production
    URL and wiped it on every CI run.

    ## Fix
    Point test settings at a dedicated test database (`postgresql://localhost/app_test`,
    `sqlite:///:memory:`), and keep production credentials out of files tests load.
    If the URL holds a password that was committed, rotate it.
    """
    if not _has_test_setup(ctx):
        return
    from railsafe.testguard.checks import production_url_in_test_settings as check

    yield from check(ctx)

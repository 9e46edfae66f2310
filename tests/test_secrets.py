"""Secret detection (railsafe.secrets) and the promise that no output shows a secret."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from railsafe.cli import app
from railsafe.redact import redact
from railsafe.render import FORMATS
from railsafe.secrets import (
    find_secrets,
    is_literal_secret,
    is_local_credential,
    is_placeholder,
    is_secret_name,
    value_secrets,
)
from tests.conftest import FIXTURES

SECRET_FIXTURES = sorted((FIXTURES / "rules").glob("RS30*/bad-*"))


def _found(text: str) -> list[tuple[str, str]]:
    return [(text[m.start : m.end], m.kind) for m in find_secrets(text)]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("DATABASE_URL=postgresql://postgres:s3cr3tPw@roundhouse.proxy.rlwy.net:5432/railway x",
         "s3cr3tPw"),
        ("redis://:pw123456@redis.railway.internal:6379", "pw123456"),
        ("mongodb+srv://admin:MongoPw123@cluster0.x.mongodb.net/db", "MongoPw123"),
        ("curl https://api.example.com/hook?token=abc123def", "abc123def"),
        ("export API_TOKEN=\"abc def\" && run", '"abc def"'),
        ("mysql --password hunter22 -e x", "hunter22"),
        ("mysql --password=hunter22 -e x", "hunter22"),
        ("ENV JWT_SECRET legacy-form-value", "legacy-form-value"),
        ("SECRET_KEY=django-insecure-abc123 gunicorn", "django-insecure-abc123"),
        ("AWS_ACCESS_KEY_ID=AKIA4HX7Q2MZ9KTR3WVB", "AKIA4HX7Q2MZ9KTR3WVB"),
        ("PGPASSWORD=Pa55word99 psql -h db.example.com", "Pa55word99"),
        # Railway hosts are never local, whatever the password
        ("postgresql://admin:admin@roundhouse.proxy.rlwy.net:41234/railway", "admin"),
        ("redis://default:root@redis.railway.internal:6379", "root"),
        # a server-only token under a public name ships to every browser
        ("NEXT_PUBLIC_STRIPE_KEY=sk_live_51HxQ2aLkjH8sd7Fq9Zx0PqRs next build",
         "sk_live_51HxQ2aLkjH8sd7Fq9Zx0PqRs"),
        ("SESSION_SECRET=Zq8vLw3RtY6uXk2p ./run", "Zq8vLw3RtY6uXk2p"),
        ("git clone https://x:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r",
         "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ],
)
def test_finds(text: str, secret: str) -> None:
    found = _found(text)
    assert [s for s, _ in found] == [secret]
    assert secret not in " ".join(k for _, k in found)  # the kind never quotes the value


@pytest.mark.parametrize(
    "text",
    [
        "DATABASE_URL=${{Postgres.DATABASE_URL}} npm start",
        "DATABASE_URL=$DATABASE_URL pytest",
        "DATABASE_URL=${DATABASE_URL} pytest",
        "postgresql://localhost/app_test",
        "postgresql://postgres:postgres@localhost:5432/app_test",
        "postgresql://${{PGUSER}}:${{POSTGRES_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:5432/db",
        "postgres://user:<password>@host/db",
        "postgres://user:password@host/db",
        "postgres://user:changeme@host/db",
        "postgres://user:****@host/db",
        "PASSWORD= npm start",
        "SECRET_KEY=$(openssl rand -hex 32) ./run",
        "AUTH_PROVIDER=google JWT_SECRET_TTL=3600 TOKEN_EXPIRY=1h",
        "NEXT_PUBLIC_STRIPE_KEY=pk_test_abc SECRET_KEY_FILE=/run/secrets/key",
        "mysql --password=\"$MYSQL_PASSWORD\"",
        "pip install pytest && npm run build",
        "AUTH_ENABLED=true",
        # filler and documentation examples inside token shapes
        "STRIPE_SECRET_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx",
        "sk_live_XXXXXXXXXXXXXXXXXXXXXXXX",
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "GITHUB_TOKEN=ghp_000000000000000000000000000000000000",
        # documentation hosts (RFC 2606 / 6761), docker-compose services, throwaway passwords
        "postgresql://johndoe:randompassword@db.example.com:5432/mydb",
        "postgresql://u:Zq8vLw3RtY6u@db.example.org/app",
        "postgresql://u:Zq8vLw3RtY6u@db.test/app postgres://u:Zq8vLw3RtY6u@box.local/app",
        "redis://default:redispw@redis:6379",
        "mongodb://root:example@mongo:27017",
        "postgres://app:app@db.acme.io:5432/app_development",
        "postgres://u:postgres@db.acme.io/app postgres://u:root@db.acme.io/app",
        "DATABASE_URL=postgresql://postgres:postgres@postgres:5432/ci_test vitest run",
        "docker run --rm -d --name pg -e POSTGRES_PASSWORD=postgres -p 5432:5432 postgres:16",
        # dev / test words in a secret-named value
        "SESSION_SECRET=dev-session-secret JWT_SECRET=test-secret API_KEY=fake_key_123",
        "SECRET_KEY=dummy-secret-for-ci NEXTAUTH_SECRET=placeholder_value",
        # public-by-design JWTs and browser keys
        "NEXT_PUBLIC_SUPABASE_ANON_KEY=eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJlX2hlcmU",
        "VITE_FIREBASE_API_KEY=AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
    ],
)
def test_silent(text: str) -> None:
    assert find_secrets(text) == []


def test_names_and_values() -> None:
    assert is_secret_name("DATABASE_URL") and is_secret_name("STRIPE_SECRET_KEY")
    assert is_secret_name("PGPASSWORD") and is_secret_name("MYSQL_ROOT_PASSWORD")
    assert not is_secret_name("NODE_VERSION")
    assert not is_secret_name("VITE_API_KEY")
    assert not is_secret_name("JWT_SECRET_EXPIRES_IN")
    assert is_placeholder("${{shared.X}}") and is_placeholder("<token>") and is_placeholder("")
    assert not is_placeholder("Zq8vLw3RtY6u")
    assert not is_literal_secret("8080") and not is_literal_secret("postgres://h/db")
    assert value_secrets("SECRET_KEY", "abc123xyz")[0][:2] == (0, 9)
    assert value_secrets("DATABASE_URL", "postgresql://localhost/app_test") == []
    assert value_secrets("NODE_ENV", "production") == []


@pytest.mark.parametrize(
    "name",
    [
        "SECRET_KEY_BASE_DUMMY", "API_TOKEN_DUMMY", "PASSWORD_RESET_URL", "OAUTH_TOKEN_URL",
        "AUTH_CALLBACK_URL", "PASSWORD_POLICY", "TOKEN_POLICY", "JWT_SECRET_LENGTH",
        "PASSWORD_MIN_LENGTH", "AUTH_ENABLED", "SECRET_ROTATION_ENABLED",
        "GOOGLE_APPLICATION_CREDENTIALS", "API_KEY_PLACEHOLDER",
    ],
)
def test_names_that_describe_a_secret_are_not_secret(name: str) -> None:
    assert not is_secret_name(name)
    assert find_secrets(f"{name}=Zq8vLw3RtY6uXk2p") == []
    assert value_secrets(name, "Zq8vLw3RtY6uXk2p") == []


@pytest.mark.parametrize(
    "name",
    [
        "DATABASE_URL", "DATABASE_PUBLIC_URL", "REDIS_URL", "MONGO_URL", "SECRET_KEY_BASE",
        "SESSION_SECRET", "STRIPE_SECRET_KEY", "DB_PASSWORD", "AUTH_TOKEN", "API_KEY",
    ],
)
def test_names_that_hold_a_secret_still_are(name: str) -> None:
    assert is_secret_name(name)


def test_a_password_inside_any_url_is_still_found() -> None:
    text = "PASSWORD_RESET_URL=https://admin:Hunter2Pw@reset.acme-corp.io/r"
    assert [text[m.start : m.end] for m in find_secrets(text)] == ["Hunter2Pw"]


def test_a_url_password_may_hold_a_quote_or_an_at_sign() -> None:
    text = "DATABASE_URL=postgresql://app:It'sS3cret@db.corp.acme-corp.io:5432/app"
    assert [text[m.start : m.end] for m in find_secrets(text)] == ["It'sS3cret"]
    text = "mysql://app:p@ssw0rd@db.acme-corp.io/app"
    assert [text[m.start : m.end] for m in find_secrets(text)] == ["p@ssw0rd"]


def test_an_assignment_after_a_name_value_pair_is_found() -> None:
    # the shared `ASSIGNMENT` overlaps: `x: PGPASSWORD=...` is both `x: ...` and `PGPASSWORD=...`
    text = "x: PGPASSWORD=s3cr3tvalue"
    assert [m.name for m in find_secrets(text)] == ["PGPASSWORD"]


def test_patterns_have_one_home() -> None:
    """`redact` holds the URL-credential and assignment patterns; `secrets` uses them."""
    import railsafe.redact
    import railsafe.secrets

    assert railsafe.secrets.URL_CREDENTIALS is railsafe.redact.URL_CREDENTIALS
    for name in ("_URL_CREDENTIALS", "_ASSIGNMENT", "_URL_PASSWORD"):
        assert not hasattr(railsafe.secrets, name)
        assert not hasattr(railsafe.redact, name)


def test_redact_masks_everything_found() -> None:
    for text in [
        "mysql --password hunter22 -e x",
        "ENV API_TOKEN abc123def",
        "export SESSION_SECRET=\"two words\"",
        "x postgres://u:Pw12345678@db.acme-corp.io/app",
        'PASSWORD="correct horse battery staple"',
        "API_KEY = abcd1234efgh5678zz",
        "x postgresql://app:It'sS3cret@db.corp.acme-corp.io:5432/app",
    ]:
        masked = redact(text)
        for m in find_secrets(text):
            assert text[m.start : m.end] not in masked


def _secrets_in(case: Path) -> list[str]:
    """The literal secret values a bad fixture contains (as the detector sees them)."""
    out = []
    for path in case.rglob("*"):
        if path.is_file() and path.name != "expected.txt":
            text = path.read_text(encoding="utf-8")
            out += [text[m.start : m.end].strip("\"'") for m in find_secrets(text)]
    return [s for s in out if len(s) >= 6]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", SECRET_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_output_format_prints_a_secret(case: Path, fmt: str, tmp_path: Path) -> None:
    work = tmp_path / case.name
    shutil.copytree(case, work, ignore=shutil.ignore_patterns("expected.txt"))
    result = CliRunner().invoke(app, ["check", str(work), "-f", fmt, "--select", "RS3"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if case.parent.name == "RS301":
        assert "RS301" in result.output
    for secret in _secrets_in(case):
        assert secret not in result.output, f"{fmt} output shows a secret of {case.name}"


# The Supabase CLI's demo keys (`supabase start`): `"iss": "supabase-demo"` in the payload.
SUPABASE_DEMO_ANON = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAi"
    "OjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0"
)
SUPABASE_DEMO_SERVICE = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZS"
    "IsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU"
)
# the same shape with a project's issuer: a real service-role key
REAL_SERVICE = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiY2RlZmdoaWprbG1ub3Aw"
    "MTIzIiwicm9sZSI6InNlcnZpY2Vfcm9sZSJ9.Zq8vLw3RtY6uXk2pZq8vLw3RtY6uXk2pZq8vLw3RtY6u"
)


def test_jwts() -> None:
    assert value_secrets("SUPABASE_SERVICE_ROLE_KEY", SUPABASE_DEMO_SERVICE) == []
    assert value_secrets(None, SUPABASE_DEMO_ANON) == []
    assert find_secrets(f"SERVICE_ROLE_KEY={SUPABASE_DEMO_SERVICE}") == []
    [found] = value_secrets("SUPABASE_SERVICE_ROLE_KEY", REAL_SERVICE)
    assert (found.start, found.end, found.kind) == (0, len(REAL_SERVICE), "JSON Web Token")
    # public names hold public JWTs; the template mode still checks token shapes
    for name in ("NEXT_PUBLIC_SUPABASE_ANON_KEY", "SUPABASE_ANON_KEY", "VITE_SUPABASE_KEY"):
        assert value_secrets(name, REAL_SERVICE) == []
        assert value_secrets(name, REAL_SERVICE, by_name=False) == []
    assert value_secrets("SERVICE_KEY", REAL_SERVICE, by_name=False) != []
    assert find_secrets(f"SUPABASE_ANON_KEY={REAL_SERVICE} next build") == []
    assert len(find_secrets(f"SUPABASE_KEY={REAL_SERVICE} next build")) == 1


def test_local_and_throwaway_credentials() -> None:
    local = ["localhost", "127.0.0.1", "db", "redis", "postgres", "db.example.com", "example.org",
             "api.example", "db.test", "box.local", "host.docker.internal", "x.invalid"]
    assert all(is_local_credential("u", "Zq8vLw3RtY6u", host) for host in local)
    real = ["db.acme.io", "10.0.0.5", "roundhouse.proxy.rlwy.net", "postgres.railway.internal",
            "example.com.evil.io", "mytest.io"]
    assert not any(is_local_credential("u", "Zq8vLw3RtY6u", host) for host in real)
    assert is_local_credential("app", "app", "db.acme.io")
    assert is_local_credential("u", "postgres", "db.acme.io")
    # on Railway's hosts nothing is local
    assert not is_local_credential("postgres", "postgres", "x.proxy.rlwy.net")


def test_stand_in_values_are_not_literal_secrets() -> None:
    for value in ("dev-session-secret", "test-secret", "my_dev_key", "example", "postgres",
                  "root", "fake-token", "changeme", "whsec_...", "sk_test_xxxxxxxxxxxx"):
        assert not is_literal_secret(value), value
    for value in ("Zq8vLw3RtY6u", "django-insecure-abc123", "hunter2hunter2", "devote-42-kq"):
        assert is_literal_secret(value), value
    # words, not substrings: "latest", "devops" and "contest" are no markers
    assert is_literal_secret("latest-devops-contest-9f8e")


def _covered(root: Path, finding) -> str:  # type: ignore[no-untyped-def]
    """The source text a finding's span covers (several lines joined by newlines)."""
    lines = (root / finding.path).read_text(encoding="utf-8").split("\n")
    span = finding.span
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    first, last = lines[span.line - 1], lines[span.end_line - 1]
    middle = lines[span.line : span.end_line - 1]
    return "\n".join([first[span.column - 1 :], *middle, last[: span.end_column - 1]])


def test_spans_in_toml_and_json_cover_the_secret_exactly(tmp_path: Path) -> None:
    from railsafe.engine import check
    from railsafe.rules import find_rule

    (tmp_path / "railway.toml").write_text(
        "[build]\n"
        'buildCommand = "echo \\"caf\\u00e9\\" && psql postgres://u:Zq8vLw3RtY6u@db.acme.io/db"\n'
        "\n[deploy]\n"
        'startCommand = "DATABASE_URL=postgresql://postgres:Xk29sLpQ7vNw@roundhouse.proxy.rlwy.net'
        ':41234/railway node dist/index.js"\n'
        "preDeployCommand = 'psql postgres://u:Lt5sPq9wZx2m@db.acme.io/db -c \"select 1\"'\n"
        '[environments.staging.deploy]\nstartCommand = """\n'
        "npm run migrate && \\\n     API_TOKEN=t0k3nValue42Qz node server.js\"\"\"\n",
        encoding="utf-8",
    )
    (tmp_path / "package.json").write_text(
        '{ "name": "r", "scripts": { "build": "echo \\"\\ud83d\\ude80\\" && SENTRY_AUTH_TOKEN='
        'sntrys_abcdefghijklmnopqrstuvwxyz0123456789 tsc" } }\n',
        encoding="utf-8",
    )
    rule = find_rule("RS301")
    assert rule is not None
    report = check([tmp_path], [rule])
    covered = sorted(_covered(tmp_path, f) for f in report.findings)
    assert covered == sorted(
        [
            "Zq8vLw3RtY6u",
            "Xk29sLpQ7vNw",
            "Lt5sPq9wZx2m",
            "t0k3nValue42Qz",
            "sntrys_abcdefghijklmnopqrstuvwxyz0123456789",
        ]
    )


def _rs302_messages(tmp_path: Path, dockerfile: str) -> list[str]:
    from railsafe.engine import check
    from railsafe.rules import find_rule

    (tmp_path / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    rule = find_rule("RS302")
    assert rule is not None
    return [f.message for f in check([tmp_path], [rule]).findings]


def test_rs302_says_whose_history_records_the_argument(tmp_path: Path) -> None:
    # the final image only copies from `build`: the value is not in its history
    [copied] = _rs302_messages(
        tmp_path,
        "FROM node:20 AS build\nARG DATABASE_URL\nRUN npm ci\n"
        "FROM build AS test\nRUN npm test\n"
        "FROM node:20-slim\nCOPY --from=build /app/dist ./dist\nCOPY --from=test /x ./\n",
    )
    assert "visible to the build steps of stage `build`" in copied
    assert "not to the final image's history" in copied
    # the final image is built FROM the ARG's stage: its history records the value
    [inherited] = _rs302_messages(
        tmp_path, "FROM node:20 AS base\nARG NPM_TOKEN\nRUN npm ci\nFROM base\nCMD node x\n"
    )
    assert "recorded in the image history" in inherited
    [single] = _rs302_messages(tmp_path, "FROM node:20\nARG NPM_TOKEN\nRUN npm ci\n")
    assert "recorded in the image history" in single

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
        ("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        ("PGPASSWORD=Pa55word99 psql -h db.example.com", "Pa55word99"),
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
    text = "PASSWORD_RESET_URL=https://admin:Hunter2Pw@reset.example.com/r"
    assert [text[m.start : m.end] for m in find_secrets(text)] == ["Hunter2Pw"]


def test_redact_masks_everything_found() -> None:
    for text in [
        "mysql --password hunter22 -e x",
        "ENV API_TOKEN abc123def",
        "export SESSION_SECRET=\"two words\"",
        "x postgres://u:Pw12345678@db.example.com/app",
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

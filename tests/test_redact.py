"""The redactor masks credentials and leaves code that merely names them readable."""

import pytest

from railsafe.redact import redact, redact_mapped
from railsafe.secrets import find_secrets


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "postgresql://postgres:hunter2@roundhouse.proxy.rlwy.net:41234/railway",
            "postgresql://postgres:***@roundhouse.proxy.rlwy.net:41234/railway",
        ),
        ("DATABASE_URL=postgres://x:y@h/db", "DATABASE_URL=***"),
        ("API_KEY=abc123 node server.js", "API_KEY=*** node server.js"),
        ('SECRET_KEY = "abc"', 'SECRET_KEY = "***"'),
        ('{"JWT_SECRET": "abc"}', '{"JWT_SECRET": "***"}'),
        ('os.environ["SECRET_KEY"] = "hunter2"', 'os.environ["SECRET_KEY"] = "***"'),
        ("token ghp_abcdefghijklmnopqrstuvwxyz123", "token ghp_***"),
        ("REDIS_URL=redis://default:pw@redis.railway.internal:6379", "REDIS_URL=***"),
        ("SECRET_KEY_BASE=abc123def", "SECRET_KEY_BASE=***"),
        # a quoted value is masked whole, spaces and all (not `"*** horse battery staple"`)
        ('PASSWORD="correct horse battery staple"', 'PASSWORD="***"'),
        ("PASSWORD='correct horse battery staple'", "PASSWORD='***'"),
        ('DB_PASSWORD = "correct horse battery staple"', 'DB_PASSWORD = "***"'),
        # a spaced .env assignment of a plain word is a value, not code
        ("API_KEY = abcd1234efgh5678zz", "API_KEY = ***"),
        # `'` is legal in a URL password (RFC 3986 sub-delims)
        (
            "DATABASE_URL=postgresql://app:It'sS3cret@db.corp.example.org:5432/app",
            "DATABASE_URL=***",
        ),
        (
            "url postgresql://app:It'sS3cret@db.corp.example.org:5432/app",
            "url postgresql://app:***@db.corp.example.org:5432/app",
        ),
        # a raw `@` in the password: masked up to the last `@` before the host
        ("mysql://app:p@ss@db.corp.example.org/app", "mysql://app:***@db.corp.example.org/app"),
        # an earlier `Name: value` does not hide the assignment after it
        (
            'Example: `DATABASE_URL = "postgresql://u:pw1234567@h.example.io/db"`',
            'Example: `DATABASE_URL = "***"`',
        ),
    ],
)
def test_masks_credentials(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        'DATABASE_URL = os.getenv("TEST_DATABASE_URL") or os.getenv("DATABASE_URL")',
        "token: str = Field(...)",
        "DB_PASSWORD = settings.DB_PASSWORD",
        "DATABASE_URL=$DATABASE_URL",
        "DATABASE_URL=${{Postgres.DATABASE_URL}}",
        "PORT=8080",
        # names that hold no credential: a stand-in, a setting, a file path, a plain URL
        "RUN SECRET_KEY_BASE_DUMMY=1 ./bin/rails assets:precompile",
        "ARG PASSWORD_RESET_URL=https://example.com/reset",
        "PASSWORD_POLICY=strict JWT_SECRET_LENGTH=64 AUTH_ENABLED=true",
        "ENV GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/gcp.json",
        # code shapes: a keyword or type name, a subscript, a call, attribute access
        "PASSWORD = None",
        "password: Optional[str] = None",
        'SECRET_KEY = secrets["django"]',
        "API_TOKEN = get_token()",
        "self.api_key = config.api_key",
    ],
)
def test_leaves_code_and_references_alone(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "DATABASE_URL=postgres://x:y@h/db node a.js",
        "token ghp_abcdefghijklmnopqrstuvwxyz123 and sk_live_abcdefghijklmnopqrstuv",
        "PORT=8080 API_KEY=abc123 postgres://u:Pw12345678@db.acme.io/app",
        "nothing secret here",
        "",
        'PASSWORD="correct horse battery staple" next',
        "API_KEY = abcd1234efgh5678zz",
        "DATABASE_URL=postgresql://app:It'sS3cret@db.corp.example.org:5432/app x",
        "GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz123 ghp_abcdefghijklmnopqrstuvwxyz456",
    ],
)
def test_redact_mapped_agrees_with_redact(text: str) -> None:
    shown, origin = redact_mapped(text)
    assert shown == redact(text)
    assert len(origin) == len(shown)
    kept = [i for i, (lo, hi) in enumerate(origin) if hi - lo == 1 and shown[i] == text[lo]]
    assert len(kept) >= len(shown) - shown.count("*")  # unmasked characters map to themselves


def test_redact_mapped_mask_stands_for_the_whole_value() -> None:
    text = "DATABASE_URL=postgres://x:y@h/db node"
    shown, origin = redact_mapped(text)
    assert shown == "DATABASE_URL=*** node"
    at = shown.index("***")
    assert origin[at : at + 3] == [(13, 32)] * 3
    assert origin[at + 4] == (33, 34)  # "node" still maps to itself


@pytest.mark.parametrize(
    "text",
    [
        'PASSWORD="correct horse battery staple"',
        "API_KEY = abcd1234efgh5678zz",
        "DATABASE_URL=postgresql://app:It'sS3cret@db.corp.example.org:5432/app",
        "run --password 'two words' PGPASSWORD=s3cr3tvalue",
        "x: PASSWORD=s3cr3tvalue, TOKEN='a b c'",
    ],
)
def test_nothing_find_secrets_flags_survives(text: str) -> None:
    shown = redact(text)
    for match in find_secrets(text):
        secret = text[match.start : match.end].strip("\"'")
        for word in secret.split():
            assert word not in shown, (word, shown)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('"build":"AUTH_TOKEN=\\"SECRETJJJ spaced\\" next build"', "SECRETJJJ"),
        ('url = "postgresql://user:pa\\"SECRETQ2@host/db"', "SECRETQ2"),
        ('postgres://u:"SECRETQ3"@h/db', "SECRETQ3"),
    ],
)
def test_escaped_and_quoted_values_are_masked_whole(text: str, secret: str) -> None:
    assert secret not in redact(text)

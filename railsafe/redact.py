"""Redaction: nothing that looks like a credential leaves railsafe.

Every renderer passes every string it prints through `redact`, so a rule that
quotes a command cannot leak the password inside it, whatever the format.
"""

from __future__ import annotations

import re

MASK = "***"

# user:password@ inside any URL-like string
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'\"]*:)(?P<secret>[^\s@/'\"]+)(?=@)")

# Well-known token shapes (prefix kept so the reader knows what it was).
TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})")),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{16,}")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    ("Stripe key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("OpenAI/Anthropic key", re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_\-]{20,}")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    (
        "JSON Web Token",
        re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
    ),
    ("private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("SendGrid key", re.compile(r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b")),
    ("Hugging Face token", re.compile(r"\bhf_[A-Za-z]{34}\b")),
)

SECRET_NAME = re.compile(
    r"(?i)(?:^|_)(?:SECRET|TOKEN|PASSWORD|PASSWD|PASS|PWD|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|"
    r"CREDENTIALS?|AUTH)(?:$|_)|(?:_KEY|_SECRET|_TOKEN)$|^(?:DATABASE|DB|POSTGRES|MYSQL|MONGO(?:DB)?|"
    r"REDIS)_(?:PUBLIC_|PRIVATE_)?URL$"
)

# NAME=value / NAME: value / "NAME": "value" where NAME looks secret
_ASSIGNMENT = re.compile(
    r"(?P<name>\b[A-Za-z_][A-Za-z0-9_]*)(?P<sep>[\"']?\]?\s*[:=]\s*[\"']?)(?P<value>[^\s\"',;}()\[\]]+)"
)


# Names with a secret word that hold no credential: a stand-in (`SECRET_KEY_BASE_DUMMY`,
# Rails' flag for precompiling assets without the real key), a setting about a
# secret (`PASSWORD_POLICY`, `JWT_SECRET_LENGTH`, `AUTH_ENABLED`), or the path of
# a credentials file (`GOOGLE_APPLICATION_CREDENTIALS`, Google's convention).
NOT_SECRET_NAME = re.compile(
    r"(?i)_(?:DUMMY|PLACEHOLDER|EXAMPLE|SAMPLE|POLICY|POLICIES|LENGTH|LEN|MIN_LENGTH|"
    r"MAX_LENGTH|ENABLED|DISABLED|REQUIRED)$|^GOOGLE_APPLICATION_CREDENTIALS$"
)
# A `*_URL` / `*_URI` holds a credential by its name only when it names a data
# store or queue, whose URLs carry a password (`DATABASE_URL`, `REDIS_URL`,
# `MONGO_URI`, `AMQP_URL`); other URLs (`PASSWORD_RESET_URL`) are addresses, and
# a password written inside any URL is found by its `user:password@` shape.
_URL_NAME = re.compile(r"(?i)_(?:URL|URI)$")
_STORE_URL_NAME = re.compile(
    r"(?i)(?:^|_)(?:DATABASE|DB|POSTGRES(?:QL)?|PG|MYSQL|MARIADB|MONGO(?:DB)?|REDIS|VALKEY|"
    r"AMQP|RABBITMQ|CLOUDAMQP|BROKER)(?:_|$)"
)


def describes_secret(name: str) -> bool:
    """A secret-looking name that holds no credential itself (see NOT_SECRET_NAME)."""
    if NOT_SECRET_NAME.search(name):
        return True
    return bool(_URL_NAME.search(name)) and not _STORE_URL_NAME.search(name)


def looks_like_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not describes_secret(name)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def _is_code(match: re.Match[str]) -> bool:
    """`URL = os.getenv(...)`, `token: str`, `KEY = settings.X`: code, not a value."""
    if match["sep"].endswith(("'", '"')):
        return False  # a quoted literal
    after = match.string[match.end() : match.end() + 1]
    if after in ("(", "["):
        return True
    spaced = match["sep"].strip() != match["sep"]
    return spaced and _IDENTIFIER.fullmatch(match["value"]) is not None


def _masks_assignment(match: re.Match[str]) -> bool:
    value = match["value"]
    if not looks_like_secret_name(match["name"]) or value.startswith(("$", "${")) or value == MASK:
        return False
    return not _is_code(match)


# An edit replaces text[start:end] with a string; `origin` maps every character
# of the current text to the [start, end) range of the original it stands for.
Edit = tuple[int, int, str]
Origin = list[tuple[int, int]]


def _apply(text: str, edits: list[Edit], origin: Origin | None) -> tuple[str, Origin | None]:
    """`text` with `edits` (sorted, not overlapping) applied; `origin` follows them."""
    if not edits:
        return text, origin
    parts: list[str] = []
    moved: Origin | None = [] if origin is not None else None
    pos = 0
    for start, end, replacement in edits:
        parts += (text[pos:start], replacement)
        if origin is not None and moved is not None:
            moved += origin[pos:start]
            if end > start:
                covers = (origin[start][0], origin[end - 1][1])
            else:  # an insertion stands for the point where it is
                at = origin[start][0] if start < len(origin) else (origin[-1][1] if origin else 0)
                covers = (at, at)
            moved += [covers] * len(replacement)
        pos = end
    parts.append(text[pos:])
    if origin is not None and moved is not None:
        moved += origin[pos:]
    return "".join(parts), moved


def _redact(text: str, origin: Origin | None) -> tuple[str, Origin | None]:
    text, origin = _apply(
        text,
        [(m.start("secret"), m.end("secret"), MASK) for m in _URL_PASSWORD.finditer(text)],
        origin,
    )
    for _, pattern in TOKEN_PATTERNS:  # the first four characters stay: the kind shows
        edits = [(min(m.start() + 4, m.end()), m.end(), MASK) for m in pattern.finditer(text)]
        text, origin = _apply(text, edits, origin)
    edits = [
        (m.start("value"), m.end("value"), MASK)
        for m in _ASSIGNMENT.finditer(text)
        if _masks_assignment(m)
    ]
    text, origin = _apply(text, edits, origin)
    # Whatever the rules detect as a literal secret is masked too, so a
    # finding's code frame never shows the value it reports.
    from railsafe.secrets import find_secrets  # imported here: it imports this module

    edits = [(m.start, m.end, MASK) for m in find_secrets(text)]
    return _apply(text, edits, origin)


def redact(text: str) -> str:
    """`text` with URL passwords, token shapes and secret-named values masked."""
    if not text:
        return text
    return _redact(text, None)[0]


def redact_mapped(text: str) -> tuple[str, Origin]:
    """`redact(text)`, and for each character of it the range of `text` it stands for.

    A mask stands for the whole value it replaced, so a span of `text` can be
    followed into the redacted text (`text_format` puts its caret there).
    """
    shown, origin = _redact(text, [(i, i + 1) for i in range(len(text))])
    assert origin is not None
    return shown, origin

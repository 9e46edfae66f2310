"""Secret detection: where a credential is written literally in a text.

This module is the single home of the secret patterns (`URL_CREDENTIALS`,
`ASSIGNMENT`, `TOKEN_PATTERNS`) and of the secret-name test
(`looks_like_secret_name`, with `is_secret_name` the rules' stricter policy on
top of it). It decides which matches are real literal secrets and where exactly
they are, so rules can point at them. `railsafe.redact` uses the same patterns
and masks everything `find_secrets` finds, so a finding's code frame never shows
what it reports. Which hosts are Railway's or local is `railsafe.hosts`'.

What counts as a secret:

- **credentials inside a URL**: the password of `scheme://user:password@host`
  (also `redis://:password@host`) and `password=`/`token=`-like query
  parameters, unless the password is a placeholder (below) or the URL is
  local or made up (`is_local_credential`): a loopback host (`localhost`,
  `127.0.0.1`, `::1`, `0.0.0.0`), a docker-compose service (a single-label
  host such as `db`, `redis`, `postgres`), a documentation host (RFC 2606 /
  6761: `example.com`, `*.example`, `*.test`, `*.local`, ...), or a
  throwaway password (the user name again, `postgres`, `root`, `dev`, ...).
  A local test database's credentials are not production data. A Railway
  host (`*.proxy.rlwy.net`, `*.railway.internal`) is never local;
- **well-known token shapes** (`TOKEN_PATTERNS`: GitHub, GitLab, AWS,
  Stripe, OpenAI/Anthropic, Slack, Google, JWT, private keys, npm, SendGrid,
  Hugging Face), whatever the name they are assigned to, except filler
  (`sk_test_xxxxxxxx`: a run of `x`, `X`, `0` or `*`), documentation examples
  (AWS's `...EXAMPLE` keys, the Supabase demo JWTs whose payload says
  `"iss": "supabase-demo"`), and JWTs or Google API keys assigned to a name
  that is public by design (`NEXT_PUBLIC_*`, `VITE_*`, `*_ANON_KEY`,
  `*_PUBLISHABLE_KEY`: a Supabase anon key, a Firebase browser key); a
  server-only shape (`sk_live_...`) under a public name is still a leak, one
  that ships to every browser;
- **a secret-named assignment with a literal value**: `NAME=value`
  (optionally `export`ed), a legacy `ENV NAME value` line, or a
  `--password value` / `--token=value` style option, where the name looks
  secret (`looks_like_secret_name`, minus names that are public by
  design or describe a secret rather than hold one; see `is_secret_name`)
  and the value is literal (see `is_literal_secret`).

Not secrets (placeholders): empty values; references (`${{Service.VAR}}`,
`$VAR`, `${VAR}`, `%(VAR)s`); templates (`{{ .Password }}`, `<password>`,
`[password]`); masked or filler values (`***`, `xxxx`, `...`); the
conventional stand-ins `password`, `pass`, `secret`, `changeme`, `change_me`,
`changeit`, `example`, `placeholder`, `redacted`, `dummy`, `your...`,
`my-secret...`-like `your_password`; booleans, numbers and file paths.
For secret-named values, a value with a dev/test word (`dev-session-secret`,
`test_secret`, `example`, `dummy`, `fake`, `placeholder`, `changeme`) and a
throwaway password (`postgres`, `root`, `dev`, ...) are stand-ins too.
`changeme`-style values are placeholders by convention: they are meant to be
replaced, and flagging them would bury real leaks.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from typing import NamedTuple

from railsafe.hosts import is_made_up_host, is_railway_host

# `scheme://user:password@host`: the password runs to the last `@` before the
# host and holds any character but `/` and whitespace (RFC 3986 allows `'`,
# `!`, `$`, `&`, `(`... in userinfo; a raw `@` belongs in it only encoded, but
# is written anyway). `"`, `` ` ``, `<`, `>` are not URL characters: they end it.
URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<user>[^\s:/@'\"`<>]*):"
    r"(?P<password>[^\s/`<>]+)@(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s/'\"`?#:@]*)"
)

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

# AUTH counts as a secret word only at the end (`BASIC_AUTH`, `PROXY_AUTH`): inside a
# name it names a setting of an auth library (`BETTER_AUTH_IP_ADDRESS_HEADERS`,
# `AUTH_COOKIE_SAME_SITE`); `AUTH_TOKEN` / `AUTH_SECRET` are secret by their last word.
SECRET_NAME = re.compile(
    r"(?i)(?:^|_)(?:SECRET|TOKEN|PASSWORD|PASSWD|PASS|PWD|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|"
    r"CREDENTIALS?)(?:$|_)|(?:^|_)AUTH$|(?:_KEY|_SECRET|_TOKEN)$|"
    r"^(?:DATABASE|DB|POSTGRES|MYSQL|MONGO(?:DB)?|REDIS)_(?:PUBLIC_|PRIVATE_)?URL$"
)

# NAME=value / NAME: value / "NAME": "value" / os.environ["NAME"] = 'value'. A
# quoted value is taken whole (spaces and all); a bare one ends at whitespace or
# a shell, list or call delimiter. `sep` is exactly "=" for a shell-style
# assignment (what `secrets` looks for). Matches may overlap (see `assignments`).
ASSIGNMENT = re.compile(
    r"(?=(?P<name>\b[A-Za-z_][A-Za-z0-9_]*)(?P<sep>[\"']?\]?[ \t]*[:=][ \t]*)"
    # a value: \"escaped quotes\" (inside a JSON string), "double", 'single', or a bare word
    r"(?P<value>\\\"(?:(?!\\\")[^\n])*\\\"|\"(?:\\.|[^\"\\\n])*\"|'[^'\n]*'"
    r"|[^\s;&|'\"`()<>,\[\]][^\s;&|\"`()<>,\[\]]*))"
)


def assignments(text: str) -> Iterator[re.Match[str]]:
    """Every `ASSIGNMENT` in `text`, overlapping ones too (`A: B=c` has two).

    Spans are the groups': the match itself is empty (a lookahead).
    """
    return ASSIGNMENT.finditer(text)


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


# `PGPASSWORD`, `MYSQLPASSWORD`: the secret word glued to a prefix
_GLUED_SECRET_NAME = re.compile(r"(?i)[A-Z0-9](?:PASSWORD|PASSWD|SECRET)$")


def describes_secret(name: str) -> bool:
    """A secret-looking name that holds no credential itself (see NOT_SECRET_NAME)."""
    if NOT_SECRET_NAME.search(name):
        return True
    return bool(_URL_NAME.search(name)) and not _STORE_URL_NAME.search(name)


def looks_like_secret_name(name: str) -> bool:
    """The one secret-name test: a secret word in the name (`SECRET_NAME`, or glued as in
    `PGPASSWORD`), and not a name that describes a secret (`describes_secret`).

    It is redaction's policy as it stands: a value under such a name is masked, erring
    on the side of masking. The rules report on the stricter `is_secret_name`.
    """
    if not (SECRET_NAME.search(name) or _GLUED_SECRET_NAME.search(name)):
        return False
    return not describes_secret(name)


class SecretMatch(NamedTuple):
    start: int  # offset of the secret value in the text
    end: int  # exclusive
    kind: str  # what it is, for messages: never the value itself
    name: str | None = None  # the variable / option it was assigned to, if any


_URL_QUERY_SECRET = re.compile(
    r"(?i)[?&](?P<name>password|passwd|pwd|pass|token|access_token|api_key|apikey|secret|"
    r"client_secret)=(?P<value>[^\s&#'\"`]+)"
)


def _shell_assignments(text: str) -> list[re.Match[str]]:
    """`NAME=value` (shell style: no spaces, no `:`), from `ASSIGNMENT`.

    The name is not a member or an option's tail (`a.B=`, `--x-B=`, `$B=`, `/B=`).
    """
    return [
        m
        for m in assignments(text)
        if m["sep"] == "=" and (m.start("name") == 0 or text[m.start("name") - 1] not in "$.-/")
    ]


_LEGACY_ENV = re.compile(
    r"(?im)^[ \t]*ENV[ \t]+(?P<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]+(?P<value>[^\s=][^\n]*?)[ \t]*$"
)
_OPTION = re.compile(
    r"(?<![\w-])--(?P<name>password|passwd|pass|token|api-key|apikey|secret|client-secret|"
    r"auth-token|access-token)(?:=|[ \t]+)(?P<value>\"(?:\\.|[^\"\\])*\"|'[^']*'|"
    r"[^\s;&|'\"`()<>]+)"
)

_REFERENCE = re.compile(r"\$(?:\{|\(|[A-Za-z_])|%\([A-Za-z_]+\)s|\{\{.*\}\}|^%s$")
_TEMPLATE = re.compile(r"^(?:<[^<>]*>|\[[^\[\]]*\]|\{[^{}]*\})$")
_FILLER = re.compile(r"^(?:\*+|x+|X+|\.+|_+|-+|#+|0+|\?+)$")
_PLACEHOLDER_WORDS = frozenset(
    {
        "password", "passwd", "pass", "pwd", "secret", "token", "apikey", "key", "changeme",
        "changeit", "example", "placeholder", "redacted", "dummy", "sample", "test", "none",
        "null", "nil", "undefined", "todo", "tbd", "fixme", "replaceme", "yourpassword",
        "yoursecret", "yourtoken", "yourkey", "yourapikey", "mypassword", "mysecret",
        "secretkey", "xxxxx", "user", "username", "string", "value", "hidden", "masked",
    }
)
# a run of filler inside a value or token shape: `sk_test_xxxxxxxx`, `AKIA0000...`, `whsec_...`
_FILLER_RUN = re.compile(r"[xX]{6,}|0{8,}|\*{3,}|\.{3,}|…")
# AWS's documentation keys (`AKIAIOSFODNN7EXAMPLE`, `wJalr...EXAMPLEKEY`) and the like
_EXAMPLE_TOKEN = re.compile(r"EXAMPLE(?:KEY)?$")
# words that mark a secret-named value as a stand-in: `dev-session-secret`, `test_secret`
_STAND_IN_WORDS = frozenset(
    {
        "dev", "development", "test", "testing", "example", "dummy", "fake", "placeholder",
        "changeme", "sample",
    }
)
# passwords of local databases and containers nobody would use for real data
_THROWAWAY = frozenset(
    {
        "postgres", "postgresql", "password", "secret", "root", "example", "test", "dev",
        "admin", "mysql", "guest", "pass", "passwd", "pw", "redis", "mongo",
    }
)
_BOOLEANS = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1", "enabled", "disabled"})
# Names that look secret but are public by design, or that describe a secret
# (its lifetime, length, location) rather than hold one.
_PUBLIC_PREFIX = re.compile(
    r"(?i)^(?:NEXT_PUBLIC|NUXT_PUBLIC|EXPO_PUBLIC|VITE|REACT_APP|PUBLIC|GATSBY|STORYBOOK)_"
)
_PUBLIC_PART = re.compile(r"(?i)(?:^|_)(?:PUBLISHABLE|PUBLIC_KEY|ANON_KEY)(?:$|_)")
_DESCRIPTIVE_SUFFIX = re.compile(
    r"(?i)_(?:TTL|EXPIRY|EXPIRES(?:_IN)?|EXPIRATION|LIFETIME|AGE|LENGTH|LEN|SIZE|TIMEOUT|"
    r"PATH|FILE|DIR|NAME|TYPE|MODE|ENABLED|DISABLED|PROVIDER|ALGORITHM|ALG|ISSUER|AUDIENCE|"
    r"HEADER|HOST|HOSTNAME|PORT|USER|USERNAME|DOMAIN|VERSION|REGION|METHOD|STRATEGY|ROUNDS|"
    r"ENDPOINT|ID|KEY_ID|URI|CALLBACK|REDIRECT|SCOPE|SCOPES|PREFIX|FORMAT|LOCATION|"
    r"SECONDS|MINUTES|HOURS|DAYS|MS)$"
)


def is_secret_name(name: str) -> bool:
    """A variable name that holds a secret: the rules' policy, stricter than redaction's
    `looks_like_secret_name` (a rule reports; the redactor errs on the side of masking).

    `DATABASE_URL`-like names count (their value is judged as a URL), names
    public by design (`NEXT_PUBLIC_*`, `VITE_*`, `*_PUBLISHABLE_KEY`, ...) and
    names describing a secret (`JWT_SECRET_TTL`, `API_KEY_PATH`,
    `AUTH_PROVIDER`, `PASSWORD_POLICY`, `SECRET_KEY_BASE_DUMMY`,
    `GOOGLE_APPLICATION_CREDENTIALS`, a `*_URL` that is not a data store's such
    as `PASSWORD_RESET_URL`; `describes_secret`) do not.
    """
    if not looks_like_secret_name(name) or is_public_name(name):
        return False
    return not (_DESCRIPTIVE_SUFFIX.search(name) and not _URL_NAME.search(name))


def is_public_name(name: str) -> bool:
    """A name whose value is public by design: `NEXT_PUBLIC_*`, `VITE_*`, `*_ANON_KEY`, ..."""
    return bool(_PUBLIC_PREFIX.search(name) or _PUBLIC_PART.search(name))


def is_reference(value: str) -> bool:
    """`${{Service.VAR}}`, `$VAR`, `${VAR}`, `$(cmd)`, `%(name)s`, `{{ .X }}` anywhere in it."""
    return bool(_REFERENCE.search(value))


def is_placeholder(value: str) -> bool:
    """A value that stands in for a secret instead of being one (see module doc)."""
    text = value.strip().strip("\"'")
    if not text or is_reference(text) or _TEMPLATE.match(text) or _FILLER.match(text):
        return True
    if _FILLER_RUN.search(text) or has_placeholder_words(text) or is_low_entropy(text):
        return True
    word = re.sub(r"[^a-z0-9]", "", text.lower())
    if not word or word in _PLACEHOLDER_WORDS:
        return True
    return word.startswith(("your", "changeme", "replace", "insert", "enter", "put"))


# words that, standing alone between separators, mark a value as written for a
# reader to replace: `sk-ant-api03-your_key_here`, `re_your_resend_api_key_here`,
# `sk-your-openai-api-key-here`, `postgres://u:your-password@host`
_PLACEHOLDER_PARTS = frozenset(
    {
        "your", "here", "placeholder", "replace", "replaceme", "changeme", "changeit",
        "example", "sample", "dummy", "fake", "insert", "redacted", "todo", "tbd", "fixme",
        "xxx", "xxxx", "xxxxx", "goes",
    }
)
# keyboard rows and counting: `abcdef`, `123456`, `qwerty`, `abc123`
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "9876543210", "qwertyuiop",
              "asdfghjkl", "zxcvbnm")
_WEAK = frozenset({"letmein", "iloveyou", "trustno", "welcome", "admin", "password", "secret",
                   "pass", "test", "qwerty", "monkey", "dragon"})


def has_placeholder_words(text: str) -> bool:
    """`your` / `here` / `example` / `changeme` ... as a separate word of the value."""
    return any(w in _PLACEHOLDER_PARTS for w in re.split(r"[^a-z]+", text.lower()) if w)


def is_low_entropy(text: str) -> bool:
    """Filler nobody would use as a real credential: one or two characters repeated
    (`aaaaaa`, `121212`), counting or keyboard runs (`abcdef`, `123456`, `qwerty`,
    `abc123`), a weak word with a counter (`password123`, `admin1`)."""
    lowered = text.lower()
    if len(lowered) >= 4 and len(set(lowered)) <= 2:
        return True
    if not re.fullmatch(r"[a-z0-9]+", lowered):
        return False
    runs = re.findall(r"[a-z]+|[0-9]+", lowered)

    def sequential(run: str) -> bool:
        return len(set(run)) == 1 or any(run in seq for seq in _SEQUENCES)

    if len(runs) == 1:
        return len(runs[0]) >= 4 and sequential(runs[0])
    return len(runs) == 2 and (runs[0] in _WEAK or sequential(runs[0])) and sequential(runs[1])


def echoes_name(name: str | None, value: str) -> bool:
    """`ACCESS_TOKEN_SECRET=access_token_secret`: the value only repeats its name
    (or a part of it, `JWT_SECRET=jwt-secret`, `API_KEY=my_api_key`)."""
    if not name:
        return False
    plain = re.sub(r"[^a-z0-9]", "", value.lower())
    named = re.sub(r"[^a-z0-9]", "", name.lower())
    if not plain:
        return False
    if plain == named or (len(plain) >= 3 and plain in named):
        return True
    return plain.removeprefix("my") in named or plain.removeprefix("the") in named


def is_stand_in(value: str) -> bool:
    """A placeholder, a throwaway password, or a value with a dev/test word in it."""
    text = value.strip().strip("\"'").strip()
    if is_placeholder(text) or text.lower() in _THROWAWAY or is_example_token(text):
        return True
    return any(w in _STAND_IN_WORDS for w in re.split(r"[^a-z]+", text.lower()))


def is_literal_secret(value: str) -> bool:
    """A literal value that could be a credential (not a stand-in, flag or path)."""
    text = value.strip().strip("\"'").strip()
    if is_stand_in(text):
        return False
    if text.lower() in _BOOLEANS or re.fullmatch(r"[0-9]+[smhdwy]?", text):
        return False
    if text.startswith(("/", "./", "../", "~/")):
        return False
    # a URL: judged by its credentials only (see url_secrets)
    return not re.match(r"[A-Za-z][A-Za-z0-9+.\-]*://", text)


def is_local_credential(user: str, password: str, host: str) -> bool:
    """URL credentials of a local, documentation or throwaway database (see module doc)."""
    if is_railway_host(host):
        return False
    if is_made_up_host(host):
        return True
    return password.lower() in _THROWAWAY or (bool(user) and password.lower() == user.lower())


def _url_secrets(text: str) -> list[SecretMatch]:
    out: list[SecretMatch] = []
    for m in URL_CREDENTIALS.finditer(text):
        password, host = m["password"], m["host"]
        if is_placeholder(password) or is_local_credential(m["user"], password, host):
            continue
        scheme = m["scheme"].lower()
        where = " for a Railway database host" if is_railway_host(host) else ""
        kind = f"password in a {scheme}:// URL{where}"
        out.append(SecretMatch(m.start("password"), m.end("password"), kind))
    for m in _URL_QUERY_SECRET.finditer(text):
        if is_placeholder(m["value"]):
            continue
        out.append(
            SecretMatch(m.start("value"), m.end("value"), f"`{m['name']}` parameter in a URL")
        )
    return out


# token shapes that a public-by-design name may hold: a Supabase anon key, a Firebase key
_PUBLIC_KINDS = frozenset({"JSON Web Token", "Google API key"})


def _jwt_claims(token: str) -> dict[str, object]:
    """The payload of a JWT, or {} when it does not decode."""
    parts = token.split(".")
    if len(parts) < 2:
        return {}
    body = parts[1]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def is_example_token(token: str) -> bool:
    """A token filled with filler or taken from documentation (see module doc)."""
    if _FILLER_RUN.search(token) or _EXAMPLE_TOKEN.search(token):
        return True
    if not token.startswith("eyJ") and has_placeholder_words(token):
        return True  # `sk-ant-api03-your_key_here`: a real prefix, placeholder words
    return token.startswith("eyJ") and _jwt_claims(token).get("iss") == "supabase-demo"


Range = tuple[int, int]


def _token_secrets(text: str, public: list[Range] | None = None) -> list[SecretMatch]:
    """Token shapes in `text`, minus those public names may hold inside `public` ranges."""
    out: list[SecretMatch] = []
    for kind, pattern in TOKEN_PATTERNS:
        for m in pattern.finditer(text):
            if is_example_token(m[0]):
                continue
            if kind in _PUBLIC_KINDS and any(s <= m.start() < e for s, e in public or ()):
                continue
            out.append(SecretMatch(m.start(), m.end(), kind))
    return out


def _public_values(text: str) -> list[Range]:
    """Where the values of public-by-design `NAME=value` assignments are."""
    return [m.span("value") for m in _shell_assignments(text) if is_public_name(m["name"])]


def _named_secrets(text: str) -> list[SecretMatch]:
    out: list[SecretMatch] = []
    for matches in (_shell_assignments(text), _LEGACY_ENV.finditer(text)):
        for m in matches:
            name, value = m["name"], m["value"]
            if is_secret_name(name) and is_literal_secret(value) and not echoes_name(name, value):
                out.append(
                    SecretMatch(
                        m.start("value"), m.end("value"), f"literal value of `{name}`", name
                    )
                )
    for m in _OPTION.finditer(text):
        if is_literal_secret(m["value"]):
            name = "--" + m["name"]
            out.append(SecretMatch(m.start("value"), m.end("value"), f"literal `{name}`", name))
    return out


def _merge(matches: list[SecretMatch]) -> list[SecretMatch]:
    """Sorted, without overlaps: the first found (most specific) wins."""
    kept: list[SecretMatch] = []
    for match in matches:
        if any(match.start < k.end and k.start < match.end for k in kept):
            continue
        kept.append(match)
    return sorted(kept)


def find_secrets(text: str) -> list[SecretMatch]:
    """Literal secrets in free text (a command, a Procfile line, a Dockerfile line)."""
    if not text:
        return []
    tokens = _token_secrets(text, _public_values(text))
    return _merge(_url_secrets(text) + tokens + _named_secrets(text))


def value_secrets(name: str | None, value: str, *, by_name: bool = True) -> list[SecretMatch]:
    """Literal secrets in the value of variable `name` (offsets index `value`).

    URL credentials and token shapes inside the value, or, failing those (and
    unless `by_name` is off, as in templates), the whole value when the name
    is secret-like and the value literal. A name public by design exempts the
    token shapes such names hold (see module doc).
    """
    if not isinstance(value, str) or not value:
        return []
    public = [(0, len(value))] if name is not None and is_public_name(name) else []
    found = _merge(_url_secrets(value) + _token_secrets(value, public))
    if found:
        return [m._replace(name=name) for m in found]
    if (
        by_name and name is not None and is_secret_name(name) and is_literal_secret(value)
        and not echoes_name(name, value.strip().strip("\"'"))
    ):
        return [SecretMatch(0, len(value), f"literal value of `{name}`", name)]
    return []

"""RS306, RS307: production database credentials anywhere in the repository.

Both read `Context.tree_texts`: every text file of the checked tree that one
pre-filter pass (`railsafe.treescan`, which respects .gitignore, size limits
and binaries) found holding a `user:password@` URL, a libpq `password=` or a
database URL variable name. No message ever contains the password.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import NamedTuple

from railsafe.context import Context
from railsafe.findings import Severity, Span
from railsafe.hosts import is_railway_host
from railsafe.loaders import Document
from railsafe.rules import Hit, rule
from railsafe.secrets import URL_CREDENTIALS, is_local_credential, is_placeholder
from railsafe.treescan import is_app_code

# schemes of databases, caches and queues whose URL carries a password
_DB_SCHEMES = frozenset(
    {
        "postgres", "postgresql", "postgis", "pgsql", "psql", "mysql", "mysql2", "mariadb",
        "mysqlx", "mongodb", "mongodb+srv", "redis", "rediss", "valkey", "amqp", "amqps",
        "mssql", "sqlserver", "cockroachdb", "clickhouse", "timescaledb", "redshift",
        "postgresql+asyncpg", "postgresql+psycopg", "postgresql+psycopg2", "mysql+pymysql",
        "mysql+aiomysql", "mysql+mysqldb", "jdbc:postgresql", "jdbc:mysql",
    }
)

# managed database hosts other than Railway's (docs/facts.md F31): suffix -> provider
MANAGED_HOSTS: tuple[tuple[str, str], ...] = (
    (".neon.tech", "Neon"),
    (".supabase.co", "Supabase"),
    (".supabase.com", "Supabase"),
    (".rds.amazonaws.com", "Amazon RDS"),
    (".cache.amazonaws.com", "Amazon ElastiCache"),
    (".mongodb.net", "MongoDB Atlas"),
    (".psdb.cloud", "PlanetScale"),
    (".upstash.io", "Upstash"),
    (".render.com", "Render"),
    (".aivencloud.com", "Aiven"),
    (".cockroachlabs.cloud", "CockroachDB Cloud"),
    (".db.ondigitalocean.com", "DigitalOcean"),
    (".database.azure.com", "Azure Database"),
    (".redis.cache.windows.net", "Azure Cache for Redis"),
    (".redis-cloud.com", "Redis Cloud"),
    (".redislabs.com", "Redis Cloud"),
    (".tsdb.cloud.timescale.com", "Timescale"),
    (".cloudamqp.com", "CloudAMQP"),
)

_RAILWAY_SHAPES = (
    (".proxy.rlwy.net", "`*.proxy.rlwy.net`"),
    (".rlwy.net", "`*.rlwy.net`"),
    (".railway.internal", "`*.railway.internal`"),
    (".railway.app", "`containers-*.railway.app`"),
)

_KEYWORD_HOST = re.compile(r"(?i)(?<![\w.])host\s*=\s*['\"]?(?P<host>[A-Za-z0-9_.\-]+)")
_KEYWORD_PASSWORD = re.compile(
    r"(?i)(?<![\w.])password\s*=\s*(?P<q>['\"]?)(?P<password>[^\s'\"]+)(?P=q)"
)

_RS306_FIX = (
    "Rotate the database password now (the value stays in the git history), then delete it "
    "from the file: keep the URL in Railway's variables only (`${{Postgres.DATABASE_URL}}` in "
    "other services) and write `postgresql://user:***@host:port/db` where a document needs "
    "the shape."
)


def managed_provider(host: str) -> str | None:
    """The managed database provider a host belongs to, Railway excluded."""
    host = host.lower().rstrip(".")
    for suffix, provider in MANAGED_HOSTS:
        if host.endswith(suffix):
            return provider
    return None


def _railway_shape(host: str) -> str:
    host = host.lower().rstrip(".")
    return next((shape for suffix, shape in _RAILWAY_SHAPES if host.endswith(suffix)),
                "a Railway host")


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts += [m.end() for m in re.finditer("\n", text)]
    return starts


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    import bisect

    index = bisect.bisect_right(starts, offset) - 1
    return index + 1, offset - starts[index] + 1


class _Credential(NamedTuple):
    start: int
    end: int
    scheme: str
    user: str
    password: str
    host: str


_KEYWORD_FORM = re.compile(r"(?i)\bpassword\s*=")


def _url_matches(text: str) -> Iterator[re.Match[str]]:
    """`URL_CREDENTIALS` matches, searched only on the lines that hold `://` (the regex
    over a whole long file costs more than finding those lines)."""
    pos = text.find("://")
    while pos != -1:
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        yield from URL_CREDENTIALS.finditer(text, start, end)
        pos = text.find("://", end)


def _credentials(text: str) -> Iterator[_Credential]:
    if "://" not in text and _KEYWORD_FORM.search(text) is None:
        return
    for m in _url_matches(text):
        scheme = m["scheme"].lower()
        before = text[max(0, m.start() - 5) : m.start()].lower()
        if before.endswith("jdbc:"):
            scheme = "jdbc:" + scheme
        if scheme not in _DB_SCHEMES:
            continue
        yield _Credential(m.start("password"), m.end("password"), scheme, m["user"],
                          m["password"], m["host"])
    if _KEYWORD_FORM.search(text) is None:
        return
    for line in re.finditer(r"[^\n]+", text):
        pw = _KEYWORD_PASSWORD.search(line[0])
        host = _KEYWORD_HOST.search(line[0])
        if pw is None or host is None or "://" in line[0]:
            continue
        start = line.start() + pw.start("password")
        yield _Credential(start, start + len(pw["password"]), "libpq", "",
                          pw["password"], host["host"])


def _judge(cred: _Credential) -> tuple[Severity, str] | None:
    """(severity, where) for a credential worth reporting, None for a stand-in or a
    local database."""
    password = cred.password
    if is_placeholder(password) or password.lower() == cred.user.lower():
        return None
    if is_railway_host(cred.host):
        return Severity.ERROR, f"Railway's ({_railway_shape(cred.host)})"
    provider = managed_provider(cred.host)
    if provider is not None:
        return Severity.ERROR, f"a managed database host ({provider})"
    if is_local_credential(cred.user, password, cred.host) or "." not in cred.host:
        return None
    return Severity.WARNING, "not a local one"


# the kinds of file RS301 reads (railsafe.rules.secrets.literal_secret)
_RS301_KINDS = frozenset({"railway-toml", "railway-json", "nixpacks-toml", "nixpacks-json",
                          "railpack-json", "package-json", "railway-iac", "procfile",
                          "dockerfile", "env-file"})


def _rs301_positions(ctx: Context) -> set[tuple[str, int, int]]:
    """Where RS301 already reports a secret: one root cause, one finding."""

    def compute() -> set[tuple[str, int, int]]:
        from railsafe.rules.secrets import literal_secret

        try:
            return {(h.path, h.span.line, h.span.column) for h in literal_secret(ctx)}
        except Exception:  # RS301's own failure is reported by the engine under its id
            return set()

    return ctx.cached("rs301-positions", compute)


def _file_label(doc: Document) -> str:
    return f"`{PurePosixPath(doc.relpath).name}`"


@rule("RS306", "committed-database-credential", Severity.ERROR)
def committed_database_credential(ctx: Context) -> Iterator[Hit]:
    """A database URL with its password committed anywhere in the repository.

    ## What it finds
    In every text file of the checked tree that git would track (what
    `.gitignore` ignores, `node_modules`, virtual environments, binaries and
    files over 1 MB are skipped; one pass reads each file once): Markdown
    runbooks, shell and JavaScript scripts, patch files, source code,
    commented-out lines of a committed `.env`, a database URL (`postgresql://`,
    `mysql://`, `mongodb+srv://`, `redis://`, `amqp://`, SQLAlchemy and JDBC
    variants, ...) or a libpq key/value string (`host=... password=...`) whose
    password looks real. It is an error when the host is Railway's
    (`*.proxy.rlwy.net`, `*.rlwy.net`, `*.railway.internal`,
    `containers-*.railway.app`) or another managed database host (Neon,
    Supabase, Amazon RDS, MongoDB Atlas, PlanetScale, Upstash, ...; docs/facts.md
    F31), a warning for any other host that is not local. Local and made-up
    hosts (`localhost`, a Compose service name such as `db`, `example.com`)
    and placeholder passwords (`your-password`, `changeme`, `<password>`,
    `${PGPASSWORD}`, `123456`; see the README's "What railsafe treats as a
    placeholder") are not reported, nor is a value RS301 already reports in a
    config file. The finding points at the password; no output shows it.

    ## Why it matters on Railway
    `*.proxy.rlwy.net` is the public TCP proxy of a Railway database
    (railway-facts §6.3): anyone with the repository, a fork or an old clone
    can connect to the production database from anywhere, with the password
    written beside it. Generic secret scanners (gitleaks, trufflehog) find
    such strings too, but do not know which hosts are production on Railway.

    ## Fix
    Rotate the password (Railway's database service: regenerate the
    credentials; the old value stays in the git history), then remove it from
    the file. Keep the URL in Railway's service variables only, reference it
    as `${{Postgres.DATABASE_URL}}`, and write `postgresql://user:***@host/db`
    in documentation.
    """
    for doc in ctx.tree_texts():
        text = doc.text
        starts: list[int] | None = None
        for cred in _credentials(text):
            verdict = _judge(cred)
            if verdict is None:
                continue
            if starts is None:
                starts = _line_starts(text)
            line, column = _position(starts, cred.start)
            end_line, end_column = _position(starts, cred.end)
            if doc.kind in _RS301_KINDS and (doc.relpath, line, column) in _rs301_positions(ctx):
                continue
            severity, where = verdict
            yield Hit(
                doc.relpath,
                Span(line, column, end_line, end_column),
                f"a {cred.scheme} database password is committed in {_file_label(doc)}, and "
                f"its host is {where}: anyone with the repository can use it",
                fix=_RS306_FIX,
                severity=None if severity is Severity.ERROR else severity,
            )


# -- RS307 ------------------------------------------------------------------------

# a call that writes to stdout / stderr / a logger
_LOG_CALL = re.compile(
    r"(?<![\w.])(?P<call>print|pprint|console\.(?:log|info|warn|error|debug|trace)|"
    r"(?:self\.)?(?:logger|log|logging|LOGGER|_logger|app\.logger|fastify\.log|server\.log)"
    r"\.(?:info|debug|warn|warning|error|critical|exception|log|fatal|trace)|"
    r"fmt\.(?:Print|Println|Printf|Fprintf|Fprintln)|log\.(?:Print|Println|Printf|Fatal|Fatalf)|"
    r"process\.(?:stdout|stderr)\.write)\s*\("
)
_URL_NAME = (
    r"(?:[A-Za-z0-9]+_)*(?:DATABASE|DB|POSTGRES(?:QL)?|PG|MYSQL|MONGO(?:DB)?|REDIS)"
    r"_(?:(?:PUBLIC|PRIVATE)_)?(?:URL|URI|DSN)"
)
# the environment read directly: os.environ["DATABASE_URL"], process.env.DATABASE_URL, ...
_ENV_READ = re.compile(
    r"(?:os\.environ(?:\.get)?|os\.getenv|os\.Getenv|environ(?:\.get)?|getenv|Deno\.env\.get|"
    r"ENV|process\.env)\s*(?:\[|\(|\.)\s*['\"`]?(?P<name>" + _URL_NAME + r")\b",
    re.IGNORECASE,
)
# a name that holds the URL: DATABASE_URL, settings.database_url, config.dbUrl, databaseUrl
_URL_IDENT = re.compile(
    r"(?<![\w\"'])(?:[A-Za-z_][\w]*\.)*(?P<name>" + _URL_NAME + r"|(?:database|db|postgres|pg|"
    r"mongo|redis)(?:Url|Uri|URL|URI|Dsn|DSN))\b(?!\s*\()",
    re.IGNORECASE,
)
# what makes the logged value safe: a mask, or only a part / a property of the URL
_SAFE = re.compile(
    r"(?i)mask|redact|saniti[sz]|obfuscat|censor|hide|scrub|hostname|\.host\b|\.port\b|"
    r"\.scheme\b|\.protocol\b|\.database\b|\.pathname\b|\bbool\(|\blen\(|\.length\b|"
    r"\bis (?:not )?None\b|!!|\bBoolean\(|\?\s*['\"`]|!==?|==|\bin\b|\.startswith|\.startsWith|"
    r"split\(\s*['\"]@|\btype(?:of)?\b|\bisinstance\b|\bsub\(|\.replace(?:All)?\("
)


def _blank_strings(text: str) -> str:
    """`text` with the contents of plain string literals blanked (same length); the
    `{...}` of f-strings and `${...}` of template literals are kept: they are code."""
    out = list(text)
    i = 0
    while i < len(text):
        char = text[i]
        if char in "'\"`":
            fstring = char == "`" or (i > 0 and text[i - 1] in "fF")
            j = i + 1
            depth = 0
            while j < len(text) and not (text[j] == char and depth == 0 and text[j - 1] != "\\"):
                if fstring and text[j] == "{":
                    depth += 1
                elif fstring and text[j] == "}" and depth:
                    depth -= 1
                elif depth == 0 and not (fstring and text[j] == "$"):
                    out[j] = " "
                j += 1
            i = j + 1
            continue
        i += 1
    return "".join(out)


def _call_args(line: str, start: int) -> str:
    """The text of the call's arguments from `start` (just after the `(`) to its `)`."""
    depth = 1
    for i in range(start, len(line)):
        if line[i] in "([{":
            depth += 1
        elif line[i] in ")]}":
            depth -= 1
            if depth == 0:
                return line[start:i]
    return line[start:]


@rule("RS307", "database-url-logged", Severity.WARNING)
def database_url_logged(ctx: Context) -> Iterator[Hit]:
    """Application code that prints or logs the database URL unmasked.

    ## What it finds
    In Python, JavaScript / TypeScript and Go source files outside test
    directories: a `print(...)`, `console.log(...)`, `logger.info(...)`,
    `logging.warning(...)`, `fmt.Println(...)`, `process.stdout.write(...)`
    call whose arguments hold the database URL, read from the environment
    (`os.environ["DATABASE_URL"]`, `os.getenv("DATABASE_URL")`,
    `process.env.DATABASE_URL`, `os.Getenv("DATABASE_URL")`) or from a name
    that holds it (`DATABASE_URL`, `settings.database_url`, `config.dbUrl`),
    whole or sliced (`DATABASE_URL[:50]`), also inside an f-string or a
    template literal. A name written inside a plain string
    (`print("DATABASE_URL is not set")`) is not the value. Calls that mask
    the value or log only a part or a property of it (`mask(...)`,
    `redact(...)`, `.hostname`, `.host`, `bool(...)`, `is None`, a
    comparison, `split("@")`, a `re.sub` / `.replace` that rewrites it) are
    not reported.

    ## Why it matters on Railway
    What a service prints to stdout and stderr is its deploy log, kept and
    shown in the dashboard to everyone with access to the project
    (railway-facts §5, §7.1: the start and pre-deploy commands run with the
    production `DATABASE_URL`). The URL's password is in its first characters,
    so even a slice such as `DATABASE_URL[:50]` prints it.

    ## Fix
    Log the masked form, `postgresql://user:***@host:5432/db`: in Python
    `re.sub(r"//([^:/@]+):[^@]*@", r"//\\1:***@", url)`, in JavaScript
    `url.replace(/\\/\\/([^:/@]+):[^@]*@/, "//$1:***@")`, or log only the host
    (`urlparse(url).hostname`, `new URL(url).host`).
    """
    for doc in ctx.tree_texts():
        if not is_app_code(doc.relpath):
            continue
        text = doc.text
        if _LOG_CALL.search(text) is None:
            continue
        for number, line in enumerate(text.split("\n"), start=1):
            if "(" not in line:
                continue
            for call in _LOG_CALL.finditer(line):
                args_start = call.end()
                args = _call_args(line, args_start)
                if _SAFE.search(args):
                    continue
                found = _ENV_READ.search(args)
                if found is None:
                    found = _URL_IDENT.search(_blank_strings(args))
                if found is None:
                    continue
                column = args_start + found.start() + 1
                name = found["name"]
                yield Hit(
                    doc.relpath,
                    Span(number, column, number, args_start + found.end() + 1),
                    f"`{call['call']}` writes the database URL (`{name}`) to the deploy "
                    "log unmasked: its password is readable by everyone who can see the "
                    "service's logs",
                    fix="Log the masked form instead, `postgresql://user:***@host:5432/db` "
                    "(replace the password before logging), or only the host.",
                )
                break

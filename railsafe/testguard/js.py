"""jest / vitest setup files: a light, conservative scan (no JavaScript parser).

Reports a setup file only when it reads a production database variable
(`process.env.DATABASE_URL`, not only `TEST_DATABASE_URL`), or builds a
`new PrismaClient()` without a datasource URL (Prisma then reads `DATABASE_URL`
itself), builds a database client in the same file or in a module it imports
with a relative path, and (for the destructive case) truncates, drops, deletes
without WHERE, resets migrations, or force-syncs. A variable the file sets to a
test database (`process.env.DATABASE_URL = "postgres://localhost/app_test"`)
is not a production read. A file that throws or exits on a check mentioning
`test`, `RAILWAY_` or a Railway host is guarded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from railsafe.findings import Span
from railsafe.testguard.urls import classify, is_production_variable, looks_like_db_url

_ENV_READ = re.compile(
    r"process\.env(?:\.(?P<a>[A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"](?P<b>[A-Za-z_][A-Za-z0-9_]*)['\"]\s*\])"
)
_CLIENT = re.compile(
    r"\bnew\s+(?:Pool|Client|PrismaClient|Sequelize|MongoClient|Kysely|PostgresDialect)\b|"
    r"\b(?:postgres|drizzle|knex|createClient|createPool|createConnection|neon|connect)\s*\(|"
    # any factory handed the URL straight from the environment: createDb(process.env.X)
    r"\b[A-Za-z_$][\w$]*\s*\(\s*process\.env\b"
)
_DESTRUCTIVE = (
    (re.compile(r"\b(?:TRUNCATE|DROP\s+(?:TABLE|SCHEMA|DATABASE|OWNED))\b", re.I), "{m} SQL"),
    (re.compile(r"\bmigrate\s+reset\b|--force-reset\b"), "a migration reset ({m})"),
    (re.compile(r"\.deleteMany\(\s*(?:\{\s*\}\s*)?\)"), "{m} (every row)"),
    (re.compile(r"\.sync\(\s*\{\s*force\s*:\s*true"), "sequelize {m} (drops every table)"),
    (re.compile(r"\.dropDatabase\(\s*\)"), "dropDatabase() (drops the database)"),
    (re.compile(r"\.migrate\.rollback\("), "knex migrate.rollback() (undoes migrations)"),
    # drizzle: `db.delete(users)` with no `.where(...)` deletes every row of the table
    (
        re.compile(
            r"\b(?:db|tx|database|drizzle)\.delete\(\s*[A-Za-z_$][\w$.]*\s*\)(?!\s*\.where\b)"
        ),
        "{m} (every row)",
    ),
)
_DELETE = re.compile(r"\bDELETE\s+FROM\b[^;`'\"]*", re.I)
_GUARD_COND = re.compile(
    r"(?:includes|match|startsWith|endsWith|test|indexOf)\s*\([^)]*(?:test|rlwy|railway)|"
    r"/[^/\n]*test[^/\n]*/\.test\(|RAILWAY_|rlwy\.net|railway\.internal",
    re.I,
)
_REFUSE = re.compile(r"\bthrow\b|process\.exit\s*\(")
_PRISMA = re.compile(r"\bnew\s+PrismaClient\s*\(")
_EXPLICIT_DATASOURCE = re.compile(r"\b(?:datasources|datasourceUrl|adapter)\b")
_ASSIGNED = re.compile(r"\s*=(?!=)\s*(?:(?P<q>['\"`])(?P<value>[^'\"`]*)(?P=q))?")
# dotenv.config({ path: ".env.test", override: true }): the test file's values win
_DOTENV_OVERRIDE = re.compile(
    r"\bconfig\s*\(\s*\{[^}]*path\s*:\s*['\"`][^'\"`]*test[^'\"`]*['\"`][^}]*"
    r"override\s*:\s*true|\bconfig\s*\(\s*\{[^}]*override\s*:\s*true[^}]*path\s*:\s*"
    r"['\"`][^'\"`]*test"
)
_RELATIVE_IMPORT = re.compile(
    r"""(?:\bfrom\s+|\bimport\s+|\brequire\s*\(\s*)(['"])(?P<spec>\.{1,2}/[^'"]+)\1"""
)


@dataclass
class JsSetup:
    prod_reads: list[tuple[str, Span]] = field(default_factory=list)  # (variable, span)
    # clients that read DATABASE_URL themselves: (what, span in this file)
    implicit: list[tuple[str, Span]] = field(default_factory=list)
    destructive: list[tuple[str, Span]] = field(default_factory=list)
    client: bool = False
    guarded: bool = False


@dataclass(frozen=True)
class Imported:
    """A module the setup file imports with a relative path."""

    relpath: str
    text: str
    span: Span  # of the import in the setup file


def _blank_comments(text: str) -> str:
    """Comments replaced by spaces (offsets kept); strings are left alone."""

    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match[0])

    return re.sub(r"/\*.*?\*/|(?<![:\\\"'`])//[^\n]*", blank, text, flags=re.S)


def _span(text: str, start: int, end: int) -> Span:
    line = text.count("\n", 0, start) + 1
    col = start - (text.rfind("\n", 0, start) + 1) + 1
    end_line = text.count("\n", 0, end) + 1
    end_col = end - (text.rfind("\n", 0, end) + 1) + 1
    return Span(line, col, end_line, end_col)


def relative_imports(text: str) -> list[tuple[str, Span]]:
    """`import x from "../src/db"`, `require("./db")`: (specifier, span)."""
    code = _blank_comments(text)
    return [(m["spec"], _span(code, m.start(), m.end())) for m in _RELATIVE_IMPORT.finditer(code)]


def _implicit_prisma(code: str) -> list[tuple[int, int]]:
    """`new PrismaClient()` without a datasource URL: Prisma reads DATABASE_URL itself."""
    out = []
    for match in _PRISMA.finditer(code):
        depth, end = 1, match.end()
        while end < len(code) and depth:
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            end += 1
        if not _EXPLICIT_DATASOURCE.search(code[match.end(): end]):
            out.append((match.start(), end))
    return out


def scan(text: str, imported: tuple[Imported, ...] = ()) -> JsSetup:
    code = _blank_comments(text)
    found = JsSetup()
    pinned: set[str] = set()  # set to a test database above the current position
    for match in _ENV_READ.finditer(code):
        name = match["a"] or match["b"]
        assigned = _ASSIGNED.match(code, match.end())
        if assigned:  # an assignment sets the variable; reads below see the new value
            value = assigned["value"]
            if value is not None and looks_like_db_url(value) and classify(value).problem is None:
                pinned.add(name.upper())
            else:
                pinned.discard(name.upper())
            continue
        if is_production_variable(name) and name.upper() not in pinned:
            found.prod_reads.append((name, _span(code, match.start(), match.end())))
    if _DOTENV_OVERRIDE.search(code):
        pinned.add("DATABASE_URL")  # a .env.test file (RS203 judges it) overrides the rest
    for module in imported:  # a client module the setup imports: located at the import
        for match in _ENV_READ.finditer(_blank_comments(module.text)):
            name = match["a"] or match["b"]
            if is_production_variable(name) and name.upper() not in pinned:
                found.prod_reads.append((f"{name} (read in {module.relpath})", module.span))
                break
    if "DATABASE_URL" not in pinned:
        found.implicit = [("`new PrismaClient()`", _span(code, start, end))
                          for start, end in _implicit_prisma(code)]
        for module in imported:
            if _implicit_prisma(_blank_comments(module.text)):
                found.implicit.append((f"`new PrismaClient()` in {module.relpath}", module.span))
    found.client = bool(_CLIENT.search(code)) or any(
        _CLIENT.search(_blank_comments(m.text)) for m in imported)
    for pattern, label in _DESTRUCTIVE:
        for match in pattern.finditer(code):
            words = " ".join(match[0].split())
            found.destructive.append((label.format(m=words),
                                      _span(code, match.start(), match.end())))
    for match in _DELETE.finditer(code):
        if not re.search(r"\bWHERE\b", match[0], re.I):
            found.destructive.append(("DELETE FROM without WHERE",
                                      _span(code, match.start(), match.end())))
    found.destructive.sort(key=lambda d: (d[1].line, d[1].column))
    found.guarded = bool(_GUARD_COND.search(code)) and bool(_REFUSE.search(code))
    return found

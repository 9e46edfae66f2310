"""jest / vitest setup files: a light, conservative scan (no JavaScript parser).

Reports a setup file only when it reads a production database variable
(`process.env.DATABASE_URL`, not only `TEST_DATABASE_URL`), builds a database
client in the same file, and (for the destructive case) truncates, drops,
deletes without WHERE, resets migrations, or force-syncs. A file that throws or
exits on a check mentioning `test`, `RAILWAY_` or a Railway host is guarded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from railsafe.findings import Span
from railsafe.testguard.urls import is_production_variable

_ENV_READ = re.compile(
    r"process\.env(?:\.(?P<a>[A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"](?P<b>[A-Za-z_][A-Za-z0-9_]*)['\"]\s*\])"
)
_CLIENT = re.compile(
    r"\bnew\s+(?:Pool|Client|PrismaClient|Sequelize|MongoClient|Kysely|PostgresDialect)\b|"
    r"\b(?:postgres|drizzle|knex|createClient|createPool|createConnection|neon|connect)\s*\("
)
_DESTRUCTIVE = (
    (re.compile(r"\b(?:TRUNCATE|DROP\s+(?:TABLE|SCHEMA|DATABASE|OWNED))\b", re.I), "{m} SQL"),
    (re.compile(r"\bmigrate\s+reset\b|--force-reset\b"), "a migration reset ({m})"),
    (re.compile(r"\.deleteMany\(\s*(?:\{\s*\}\s*)?\)"), "{m} (every row)"),
    (re.compile(r"\.sync\(\s*\{\s*force\s*:\s*true"), "sequelize {m} (drops every table)"),
    (re.compile(r"\.dropDatabase\(\s*\)|\.migrate\.rollback\("), "{m}"),
)
_DELETE = re.compile(r"\bDELETE\s+FROM\b[^;`'\"]*", re.I)
_GUARD_COND = re.compile(
    r"(?:includes|match|startsWith|endsWith|test|indexOf)\s*\([^)]*(?:test|rlwy|railway)|"
    r"/[^/\n]*test[^/\n]*/\.test\(|RAILWAY_|rlwy\.net|railway\.internal",
    re.I,
)
_REFUSE = re.compile(r"\bthrow\b|process\.exit\s*\(")


@dataclass
class JsSetup:
    prod_reads: list[tuple[str, Span]] = field(default_factory=list)  # (variable, span)
    destructive: list[tuple[str, Span]] = field(default_factory=list)
    client: bool = False
    guarded: bool = False


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


def scan(text: str) -> JsSetup:
    code = _blank_comments(text)
    found = JsSetup()
    for match in _ENV_READ.finditer(code):
        name = match["a"] or match["b"]
        after = code[match.end(): match.end() + 4]
        if re.match(r"\s*=(?!=)", after):  # an assignment pins the variable
            continue
        if is_production_variable(name):
            found.prod_reads.append((name, _span(code, match.start(), match.end())))
    found.client = bool(_CLIENT.search(code))
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

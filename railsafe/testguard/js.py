"""jest / vitest / mocha setup and test files: a light, conservative scan (no JavaScript parser).

Which files are scanned is decided in `railsafe.testguard.checks` with the
runner configs (`railsafe.testguard.jsconfig`). A file is reported only when it
reads a production database variable (`process.env.DATABASE_URL`, not only
`TEST_DATABASE_URL`) whose value reaches a client (its arguments, or a variable
passed on to it: not a presence check such as `Boolean(process.env.X)`), or builds a
`new PrismaClient()` without a datasource URL (Prisma then reads `DATABASE_URL`
itself), builds a database client in the same file or in a module it imports
with a relative path (`new Pool`, `knex(...)`, `require("knex")({...})`, a name
bound to a database package that is called or `new`-ed), and (for the
destructive case) truncates, drops, deletes
without WHERE, resets migrations, or force-syncs. A variable the file sets to a
test database (`process.env.DATABASE_URL = "postgres://localhost/app_test"`)
is not a production read. A file that throws or exits on a check mentioning
`test`, `RAILWAY_` or a Railway host is guarded.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from railsafe.findings import Span
from railsafe.testguard.urls import classify_url, is_production_variable, looks_like_db_url

_ENV_READ = re.compile(
    r"process\.env(?:\.(?P<a>[A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"](?P<b>[A-Za-z_][A-Za-z0-9_]*)['\"]\s*\])"
)
_CLIENT = re.compile(
    r"\bnew\s+(?:Pool|Client|PrismaClient|Sequelize|MongoClient|Kysely|PostgresDialect|"
    r"DataSource|MikroORM)\b|"
    r"\b(?:postgres|drizzle|knex|createClient|createPool|createConnection|neon|connect|"
    r"MikroORM\.init)\s*\("
)
# any factory handed the URL straight from the environment: createDb(process.env.X)
_FACTORY = re.compile(r"\b([A-Za-z_$][\w$]*)\s*\(\s*process\.env\b")
# database client packages: an identifier bound to one (`const Knex = require("knex")`,
# `import pg from "pg"`, `import * as mongoose from "mongoose"`) that is called or
# `new`-ed builds a client, and so does `require("knex")({...})`
DB_PACKAGES = ("knex", "pg", "postgres", "mysql2", "@prisma/client", "drizzle-orm", "sequelize",
               "typeorm", "kysely", "mongodb", "mongoose")
_PACKAGE = r"(?:" + "|".join(re.escape(p) for p in DB_PACKAGES) + r")(?:/[^'\"`\n]*)?"
_BOUND = re.compile(
    r"\b(?:const|let|var|import)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:await\s+)?require\s*\(\s*"
    r"(['\"`])" + _PACKAGE + r"\2\s*\)(?!\s*[.(\[])|"
    r"\bimport\s+(?:([A-Za-z_$][\w$]*)\s*,?\s*)?(?:\{[^}]*\}\s*)?(?:\*\s*as\s+([A-Za-z_$][\w$]*)\s*)?"
    r"from\s*(['\"])" + _PACKAGE + r"\5"
)
_REQUIRE_CALLED = re.compile(
    r"\brequire\s*\(\s*(['\"`])" + _PACKAGE + r"\1\s*\)\s*(?:\.\s*[A-Za-z_$][\w$]*\s*)?\("
)
# a knexfile's `test: { ... }` entry
_TEST_ENTRY = re.compile(r"""(?<![\w$.])["']?test["']?\s*:\s*\{""")
# the setup takes the knexfile's test entry: `config.test`, `require("../knexfile").test`
_USES_TEST_ENTRY = re.compile(r"""\.\s*test\b(?!\s*\()|\[\s*['"`]test['"`]\s*\]""")
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
# the statement runs to the end of its string; `"DELETE FROM " + table + " WHERE ..."`
# is read across the concatenation, so the WHERE after the table name counts
_DELETE = re.compile(
    r"\bDELETE\s+FROM\b(?:[^;`'\"]|['\"`]\s*\+\s*[\w.$\[\]]+\s*\+\s*['\"`])*", re.I
)
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
    # reads in an imported module that reach its client: (relpath, variable, span there)
    imported_reads: list[tuple[str, str, Span]] = field(default_factory=list)
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


# -- does a read reach a client? ----------------------------------------------------
#
# A production read counts only when its value can reach a database client: inside
# the arguments of a call (`new Pool({ connectionString: process.env.X })`,
# `createDb(process.env.X)`), or assigned to a variable (or an environment variable)
# that does, followed through a few assignments. A presence check
# (`Boolean(process.env.X)`, `!process.env.X`, `process.env.X ? a : b`, a
# comparison, `.includes(...)`) does not pass the value on.

# calls whose arguments do not become a connection
_NOT_CLIENT = frozenset({
    "Boolean", "String", "Number", "parseInt", "parseFloat", "isNaN", "URL", "URLSearchParams",
    "Error", "TypeError", "RangeError", "log", "warn", "error", "info", "debug", "trace",
    "assert", "expect", "ok", "equal", "strictEqual", "deepEqual", "includes", "startsWith",
    "endsWith", "match", "test", "indexOf", "search", "skipIf", "runIf", "describe", "it",
    "if", "while", "for", "switch", "catch", "typeof", "encodeURIComponent",
    "decodeURIComponent", "stringify", "exit", "fetch", "setTimeout", "setInterval", "require",
})
_KEYWORD_PARENS = frozenset({"if", "while", "for", "switch", "catch"})
_PRESENCE_AFTER = re.compile(
    r"\s*(?:[!=]==?|[<>]=?(?!>)|&&|\?(?![?.])|(?:\?\.|\.)\s*(?:includes|startsWith|endsWith|"
    r"match|test|indexOf|search|length)\b)"
)
_PRESENCE_BEFORE = re.compile(r"(?:!|\btypeof|\bvoid|\bdelete|[!=]==?|(?<!=)[<>]=?)\s*$")
_CALLEE = re.compile(
    r"(?:\b(new)\s+)?([A-Za-z_$][\w$]*(?:\s*\??\.\s*[A-Za-z_$][\w$]*)*)\s*(?:\?\.)?\s*$"
)
_DECLARED = re.compile(
    r"\s*(?:export\s+)?(?:(?:const|let|var)\s+)?([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)"
    r"\s*(?::[^=;]*)?(?<![=!<>])=(?![=>])"
)
_CONT_END = frozenset("=([{,+-*/%&|?:!<>.")
_CONT_START = frozenset(".?:)]}+-*/%&|,=<>")


def _mask_strings(code: str) -> str:
    """String and template contents replaced by spaces (quotes kept, offsets kept)."""
    out = list(code)
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        if ch in "'\"`":
            j = i + 1
            while j < n and code[j] != ch and (ch == "`" or code[j] != "\n"):
                if code[j] == "\\":
                    out[j] = " "
                    j += 1
                if j < n and code[j] != "\n":
                    out[j] = " "
                j += 1
            i = j + 1
            continue
        i += 1
    return "".join(out)


class _Flow:
    def __init__(self, code: str) -> None:
        self.code = _mask_strings(code)
        self.opener: dict[int, int] = {}  # close -> open
        # the innermost bracket open at each offset (-1: none); a closing bracket
        # still belongs to its pair, an opening one to the pair around it
        self.inside = array("l", [-1]) * (len(self.code) + 1)
        stack: list[int] = []
        for i, ch in enumerate(self.code):
            self.inside[i] = stack[-1] if stack else -1
            if ch in "([{":
                stack.append(i)
            elif ch in ")]}" and stack and "([{"[")]}".index(ch)] == self.code[stack[-1]]:
                self.opener[i] = stack.pop()
        self.inside[len(self.code)] = stack[-1] if stack else -1

        self.closed = set(self.opener.values())

    def _enclosing(self, pos: int) -> int | None:
        found = self.inside[pos] if 0 <= pos < len(self.inside) else -1
        while found >= 0 and found not in self.closed:  # never closed: not a pair
            found = self.inside[found]
        return None if found < 0 else found

    def _before(self, pos: int) -> str:
        return self.code[max(0, pos - 200): pos]

    def _is_block(self, brace: int) -> bool:
        before = self._before(brace).rstrip()
        if not before:
            return True
        if before.endswith("=>") or before[-1] in ");{}":
            return True
        if before[-1] in "(,:=[?&|!+":
            return False
        return not re.search(r"\b(?:return|yield|await|default)$", before)

    def _calls_a_result(self, opening: int) -> bool:
        """Is the parenthesis at `opening` a call of what a call returned: `f(a)(url)`?"""
        i = opening - 1
        while i >= 0 and self.code[i] in " \t\r\n":
            i -= 1
        if i < 0 or self.code[i] != ")" or i not in self.opener:
            return False
        word = re.search(r"([A-Za-z_$][\w$]*)\s*$", self._before(self.opener[i]))
        return word is None or word[1] not in _KEYWORD_PARENS

    def _statement_start(self, pos: int) -> int:
        depth, i = 0, pos - 1
        code = self.code
        while i >= 0:
            ch = code[i]
            if ch in ")]}":
                if depth == 0 and ch == "}" and i in self.opener and self._is_block(self.opener[i]):
                    return i + 1
                depth += 1
            elif ch in "([{":
                if depth == 0:
                    return i + 1
                depth -= 1
            elif depth == 0 and ch == ";":
                return i + 1
            elif depth == 0 and ch == "\n":
                j = i - 1
                while j >= 0 and code[j] in " \t\r\n":
                    j -= 1
                after = code[i + 1: pos].lstrip()
                if j >= 0 and code[j] not in _CONT_END and after and after[0] not in _CONT_START:
                    return i + 1
            i -= 1
        return 0

    def reaches(self, start: int, end: int, seen: frozenset[str] = frozenset()) -> bool:
        code = self.code
        if _PRESENCE_AFTER.match(code, end) or _PRESENCE_BEFORE.search(self._before(start)):
            return False
        pos = start
        while True:
            opening = self._enclosing(pos)
            if opening is None:
                break
            ch = code[opening]
            if ch == "(":
                callee = _CALLEE.search(self._before(opening))
                if callee is None:
                    if self._calls_a_result(opening):  # require("knex")({ ... })
                        return True
                    pos = opening  # a grouping parenthesis
                    continue
                name = re.split(r"\s*\??\.\s*", callee[2])[-1]
                if name in _KEYWORD_PARENS or name in _NOT_CLIENT:
                    return False
                if name in ("return", "await", "yield", "typeof", "void", "in", "of"):
                    pos = opening
                    continue
                return True
            if ch == "[" or not self._is_block(opening):
                pos = opening
                continue
            break
        statement = self._statement_start(pos)
        head = code[statement:pos]
        declared = _DECLARED.match(head)
        if declared is not None:
            target = declared[1]
            if target.startswith("process.env."):
                return True  # an environment variable: whatever reads it later gets it
            if target == "exports" or target.startswith(("exports.", "module.exports")):
                return True  # exported: a client elsewhere can get it
            return self._name_reaches(target, seen)
        # a returned or exported value can reach a client elsewhere
        return bool(re.match(r"\s*(?:return\b|export\s+default\b|module\.exports\b)", head)) \
            or head.rstrip().endswith("=>")

    def _name_reaches(self, name: str, seen: frozenset[str]) -> bool:
        """Does variable `name` reach a client anywhere it is used (not assigned)?"""
        if name in seen or len(seen) > 4:
            return False
        seen = seen | {name}
        pattern = re.compile(r"(?<![\w$.])" + re.escape(name) + r"(?![\w$])")
        for match in pattern.finditer(self.code):
            after = self.code[match.end(): match.end() + 3]
            if re.match(r"\s*=(?![=>])", after):
                continue  # reassigned here
            if re.match(r"\s*:(?!:)", self.code[match.end():]) and \
                    self._before(match.start()).rstrip()[-1:] in ("{", ","):
                continue  # an object key, not the variable
            if self.reaches(match.start(), match.end(), seen):
                return True
        return False


def _has_client(code: str) -> bool:
    if _CLIENT.search(code) or _REQUIRE_CALLED.search(code) or any(
        m[1] not in _NOT_CLIENT for m in _FACTORY.finditer(code)
    ):
        return True
    for bound in _BOUND.finditer(code):
        for name in filter(None, (bound[1], bound[3], bound[4])):
            used = re.compile(r"(?<![\w$.])" + re.escape(name) + r"\s*\(|\bnew\s+" +
                              re.escape(name) + r"\s*(?:\.\s*[A-Za-z_$][\w$]*\s*)?\(")
            if used.search(code, bound.end()):
                return True
    return False


def _reported_read(reads: list[tuple[str, int, int]], code: str) -> tuple[str, int, int]:
    """The read to report: one after `||` / `??` (a fallback) if there is one."""
    for read in reads:
        if re.search(r"(\|\||\?\?)\s*$", code[max(0, read[1] - 40): read[1]]):
            return read
    return reads[0]


def _entry_reads(module: Imported, code: str, setup_code: str,
                 reads: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """A knexfile the setup takes `.test` from: only the reads in its `test` entry count
    (when that entry reads the environment at all)."""
    if not PurePosixPath(module.relpath).name.startswith("knexfile") or \
            not _USES_TEST_ENTRY.search(setup_code):
        return reads
    entry = _TEST_ENTRY.search(code)
    if entry is None:
        return reads
    depth, end = 1, entry.end()
    while end < len(code) and depth:
        depth += {"{": 1, "}": -1}.get(code[end], 0)
        end += 1
    if not _ENV_READ.search(code, entry.end(), end):
        return reads  # the entry takes its URL from elsewhere in the file
    return [r for r in reads if entry.end() <= r[1] < end]


# `jest.mock("../src/db")`, `vi.mock("@prisma/client", () => ...)`, `vi.doMock(...)`
_MOCK = re.compile(
    r"\b(?:jest|vi)\.(?:mock|doMock|unstable_mockModule)\s*\(\s*(['\"`])([^'\"`]+)\1"
)
# `delete process.env.DATABASE_URL`: the variable is gone for the code that runs after
_DELETE_ENV = re.compile(
    r"\bdelete\s+process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\])"
)
_CLEARED = re.compile(r"\s*=(?!=)\s*(?:undefined|null|''|\"\"|``)\s*[;\n]")


def mocked_specifiers(code: str) -> set[str]:
    """What `jest.mock` / `vi.mock` replace in this file (hoisted: before any import)."""
    return {m[2] for m in _MOCK.finditer(code)}


def _module_key(specifier_or_path: str) -> str:
    """`../src/db.ts`, `./src/db/index.js`, `src/db` -> `src/db`."""
    path = re.sub(r"\.(?:[cm]?[jt]sx?)$", "", specifier_or_path)
    path = re.sub(r"/index$", "", path)
    parts = [p for p in path.split("/") if p not in (".", "..", "")]
    return "/".join(parts)


def is_mocked(relpath: str, mocked: set[str]) -> bool:
    """Whether the module at `relpath` is one a relative `jest.mock` / `vi.mock` replaces
    (matched on its path's tail: `../src/db` replaces `src/db.ts`, not `src/db/client.ts`)."""
    key = _module_key(relpath)
    for specifier in mocked:
        if not specifier.startswith("."):
            continue
        tail = _module_key(specifier)
        if tail and (key == tail or key.endswith("/" + tail)):
            return True
    return False


def cleared(code: str) -> set[str]:
    """Variables the file deletes or empties (`delete process.env.DATABASE_URL`,
    `process.env.DATABASE_URL = undefined`) and does not set again later."""
    out: set[str] = set()
    for match in _DELETE_ENV.finditer(code):
        out.add((match[1] or match[2]).upper())
    for match in _ENV_READ.finditer(code):
        if _CLEARED.match(code, match.end()):
            out.add((match["a"] or match["b"]).upper())
    return out


def setup_pins(text: str) -> set[str]:
    """Variables a setup file leaves pinned to a test database or cleared: test files
    that run after it (jest `setupFiles`, vitest `setupFiles`) do not see production."""
    code = _blank_comments(text)
    return _pins_after(code, set()) | cleared(code)


# NestJS: `export class PrismaService extends PrismaClient` (no datasource given: Prisma
# reads DATABASE_URL), obtained in a test by dependency injection: `app.get(PrismaService)`,
# `moduleRef.get<PrismaService>(PrismaService)`, `module.resolve(PrismaService)`
_PRISMA_SUBCLASS = re.compile(r"\bclass\s+([A-Za-z_$][\w$]*)\s+extends\s+PrismaClient\b")
_DATASOURCE = re.compile(r"\bdatasources?\s*:|\bdatasourceUrl\s*:")


def _injected_prisma(code: str, imported: list[Imported]) -> list[tuple[str, Span]]:
    """A PrismaClient subclass of an imported module that the file gets from the DI
    container (or builds): it connects to DATABASE_URL like `new PrismaClient()`."""
    out = []
    for module in imported:
        text = _blank_comments(module.text)
        if _DATASOURCE.search(text):
            continue
        for match in _PRISMA_SUBCLASS.finditer(text):
            name = re.escape(match[1])
            use = re.search(
                rf"\.(?:get|resolve)\s*(?:<[^>()]*>)?\s*\(\s*{name}\b|\bnew\s+{name}\s*\(", code)
            if use is not None:
                out.append((f"`{match[1]}` (extends PrismaClient) in {module.relpath}",
                            _span(code, use.start(), use.end())))
    return out


def _pins_to_test(value: str | None) -> bool:
    """An assigned value that points the variable away from production: a test
    database URL, or a Prisma SQLite URL (`file:./test.db`, `file:${dbPath}`), a local
    file whatever its name (a Railway database is never one)."""
    if value is None:
        return False
    if value.startswith("file:"):
        return True
    return looks_like_db_url(value) and classify_url(value).problem is None


def _pins_after(code: str, pinned: set[str]) -> set[str]:
    """The variables pinned to a test database at the end of the file."""
    for match in _ENV_READ.finditer(code):
        assigned = _ASSIGNED.match(code, match.end())
        if assigned:
            name = (match["a"] or match["b"]).upper()
            if _pins_to_test(assigned["value"]):
                pinned.add(name)
            else:
                pinned.discard(name)
    return pinned


def _flowing_reads(code: str, pinned: set[str]) -> list[tuple[str, int, int]]:
    """Production reads whose value reaches a client: (variable, start, end)."""
    flow: _Flow | None = None
    out = []
    pinned = set(pinned)
    for match in _ENV_READ.finditer(code):
        name = match["a"] or match["b"]
        assigned = _ASSIGNED.match(code, match.end())
        if assigned:  # an assignment sets the variable; reads below see the new value
            if _pins_to_test(assigned["value"]):
                pinned.add(name.upper())
            else:
                pinned.discard(name.upper())
            continue
        if is_production_variable(name) and name.upper() not in pinned:
            flow = flow or _Flow(code)
            if flow.reaches(match.start(), match.end()):
                out.append((name, match.start(), match.end()))
    return out


def scan(
    text: str, imported: tuple[Imported, ...] = (), pinned: frozenset[str] = frozenset()
) -> JsSetup:
    """`pinned`: variables the test runner's config sets to a test database (vitest `test.env`)."""
    code = _blank_comments(text)
    found = JsSetup()
    mocked = mocked_specifiers(code)
    pinned = frozenset(pinned | cleared(code))
    # a database package the file mocks builds no real client here (`vi.mock("pg")`)
    fake_clients = any(m.split("/")[0] in DB_PACKAGES or m in DB_PACKAGES for m in mocked)
    found.prod_reads = [] if fake_clients else [
        (name, _span(code, start, end)) for name, start, end in _flowing_reads(code, set(pinned))]
    final = _pins_after(code, set(pinned))
    if _DOTENV_OVERRIDE.search(code):
        final.add("DATABASE_URL")  # a .env.test file (RS203 judges it) overrides the rest
    for module in imported:  # a client module the setup imports: located at the import
        if is_mocked(module.relpath, mocked):
            continue  # replaced by jest.mock / vi.mock before anything imports it
        module_code = _blank_comments(module.text)
        reads = _entry_reads(module, module_code, code, _flowing_reads(module_code, final))
        if reads:
            name, start, end = _reported_read(reads, module_code)
            found.prod_reads.append((f"{name} (read in {module.relpath})", module.span))
            found.imported_reads.append((module.relpath, name, _span(module_code, start, end)))
    if "DATABASE_URL" not in final:
        found.implicit = [("`new PrismaClient()`", _span(code, start, end))
                          for start, end in _implicit_prisma(code)]
        for module in imported:
            if _implicit_prisma(_blank_comments(module.text)):
                found.implicit.append((f"`new PrismaClient()` in {module.relpath}", module.span))
    real = [m for m in imported if not is_mocked(m.relpath, mocked)]
    if "DATABASE_URL" not in final and not fake_clients:
        found.implicit += _injected_prisma(code, real)
    if fake_clients:
        found.implicit = [i for i in found.implicit if " in " in i[0]]
    found.implicit = [i for i in found.implicit
                      if " in " not in i[0] or any(i[0].endswith(m.relpath) for m in real)]
    found.client = (_has_client(code) and not fake_clients) or any(
        _has_client(_blank_comments(m.text)) for m in real)
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

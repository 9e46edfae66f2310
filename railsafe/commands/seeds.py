"""Seeders that wipe tables: `knex seed:run`, `sequelize db:seed:all`, `prisma db seed`
and package scripts named like seeds (`npm run seed`) are followed into the
JavaScript/TypeScript files they run, which are read (not parsed: a scan of the text
with comments blanked) for statements that delete every row:

- knex: `knex('users').del()` / `.delete()` / `.truncate()` on a query with no
  `.where...(` in its chain (knex's seed template starts with
  `await knex('table_name').del()`, "Deletes ALL existing entries");
- Prisma, Mongoose: `.deleteMany()` / `.deleteMany({})` / `.deleteMany({ where: {} })`;
- Sequelize (only in a seeder's `up`, which `db:seed:all` runs; `down` is what
  `db:seed:undo` runs): `bulkDelete(table)`, `bulkDelete(table, null | undefined | {})`,
  `destroy({ truncate: true })`, `destroy({ where: {} })`;
- raw SQL handed to `.raw(...)`, `.query(...)`, `.execute(...)`, `$executeRaw`,
  `$executeRawUnsafe(...)` that matches `[sql] patterns` (TRUNCATE, DROP TABLE, DELETE
  without WHERE).

Where the files are: knex reads `seeds.directory` from the knexfile (knexfile.js / .ts /
.cjs / .mjs in the working directory, or `--knexfile`), default `./seeds` next to it,
every file in it (`--specific` one); sequelize-cli reads `seeders/` in the working
directory, or `--seeders-path`, or `.sequelizerc` `'seeders-path'`; `prisma db seed`
runs package.json `prisma.seed` (or prisma.config.ts `seed`), a command analysed like
a package script whose JavaScript files are then read.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from railsafe.commands.types import ResolverExtras, Step
from railsafe.findings import Span

if TYPE_CHECKING:
    from railsafe.commands.walking import Walking

JS_EXTENSIONS = (".js", ".ts", ".cjs", ".mjs", ".cts", ".mts")
KNEXFILES = tuple(f"knexfile{ext}" for ext in (".js", ".ts", ".cjs", ".mjs"))
# programs that run a JavaScript/TypeScript file given as an argument
JS_PROGRAMS = frozenset(
    {"node", "tsx", "ts-node", "ts-node-esm", "ts-node-dev", "babel-node", "bun", "deno",
     "esno", "esr", "vite-node", "jiti", "sucrase-node", "swc-node"}
)  # fmt: skip
_EXEC = frozenset({"npx", "bunx", "pnpx"})
_VALUE_OPTIONS = frozenset(
    {"-r", "--require", "--import", "--loader", "--experimental-loader", "-P", "--project",
     "--tsconfig", "-O", "--compiler-options", "--env-file", "-C", "--conditions"}
)  # fmt: skip

_WHERE = re.compile(r"\.(?:\w*[wW]here\w*|first|limit)\s*\(")
_KNEX_BASE = re.compile(  # knex('users'), knex.table('users') (over string-blanked text)
    r"""(?:\b[\w$]+\s*\(\s*(['"`])[^'"`\n]*\1\s*(?:,[^()]*)?\)|\.(?:table|from|into)\s*\()"""
)
_DELETE_CALL = re.compile(r"\.(del|delete|truncate)\s*\(\s*\)")
_DELETE_MANY = re.compile(
    r"\.deleteMany\s*\(\s*(?:\{\s*\}|\{\s*where\s*:\s*\{\s*\}\s*,?\s*\})?\s*\)"
)
_BULK_DELETE = re.compile(
    r"\bbulkDelete\s*\(\s*[^,()]+?\s*(?:\)|,\s*(?:null|undefined|\{\s*\})\s*[,)])"
)
_DESTROY_ALL = re.compile(
    r"\.destroy\s*\(\s*\{[^{}]*?(?:\btruncate\s*:\s*true\b|\bwhere\s*:\s*\{\s*\})"
)
_RAW_CALL = re.compile(
    r"""(?:\.(?:raw|query|execute|exec)|\$executeRawUnsafe|\$queryRawUnsafe|\$executeRaw)"""
    r"""\s*\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1"""
)
_RAW_TAGGED = re.compile(r"\$executeRaw(?:Unsafe)?\s*`((?:\\.|[^`\\])*)`")
_UP = re.compile(
    r"\bup\s*(?::\s*)?(?:async\s+)?(?:function\b[^(]*)?\(([^()]*)\)\s*(?:=>\s*)?(\{)?"
)


# --- scanning -------------------------------------------------------------------------


def _blank_comments(text: str, strings: bool = False) -> str:
    """JavaScript text with `//` and `/* */` comments blanked (offsets kept); with
    `strings`, the contents of string literals too (their quotes kept)."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"`":
            k = i + 1
            while k < n and text[k] != ch:
                k += 2 if text[k] == "\\" else 1
            if strings:
                for j in range(i + 1, min(k, n)):
                    if out[j] != "\n":
                        out[j] = " "
            i = k + 1
            continue
        if ch == "/" and i + 1 < n and text[i + 1] in "/*":
            end = text.find("\n", i) if text[i + 1] == "/" else text.find("*/", i + 2)
            end = n if end < 0 else (end if text[i + 1] == "/" else end + 2)
            for k in range(i, end):
                if out[k] != "\n":
                    out[k] = " "
            i = end
            continue
        i += 1
    return "".join(out)


def _statement_start(text: str, at: int) -> int:
    """Where the expression that ends at `at` starts: back to the `;`, `{`, `}` or
    unmatched `(` / `[` / `,` before it (brackets and strings skipped)."""
    depth = 0
    i = at - 1
    while i >= 0:
        ch = text[i]
        if ch in ")]":
            depth += 1
        elif ch in "([":
            if depth == 0:
                return i + 1
            depth -= 1
        elif ch in "'\"`":
            k = i - 1
            while k >= 0 and not (text[k] == ch and (k == 0 or text[k - 1] != "\\")):
                k -= 1
            i = k
        elif depth == 0 and ch in ";{},":
            return i + 1
        elif depth == 0 and ch == ">" and i > 0 and text[i - 1] == "=":
            return i + 1  # an arrow function's body
        elif (
            depth == 0
            and ch == "="
            and text[i - 1 : i] not in ("=", "!", "<", ">")
            and text[i + 1 : i + 2] not in ("=", ">")
        ):
            return i + 1  # an assignment's value
        elif depth == 0 and ch == "\n" and _line_break_ends(text, i):
            return i + 1
        i -= 1
    return 0


def _line_break_ends(text: str, i: int) -> bool:
    """Whether the newline at `i` ends a statement (no semicolons): the next line does
    not continue a chain (`.del()`) and this one does not leave an operator open."""
    after = text[i + 1 :].lstrip()
    before = text[:i].rstrip()
    return not after.startswith((".", "?.")) and not before.endswith(
        tuple(".(,=+-*/&|?:[{!<>")
    )


def scan(text: str, sql_hit: Any, only_up: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, snippet) of each statement of a JavaScript/TypeScript file that
    deletes every row (see the module docstring); `only_up`: inside the `up` function
    of a Sequelize seeder only."""
    code = _blank_comments(text)
    bare = _blank_comments(text, strings=True)  # structure: no match inside a string
    ranges = _up_ranges(bare) if only_up else [(0, len(code))]
    hits: list[tuple[int, int, str]] = []

    def add(start: int, end: int) -> None:
        if any(a <= start < b for a, b in ranges):
            snippet = " ".join(code[start:end].split())
            hits.append((start, end, snippet if len(snippet) <= 80 else snippet[:77] + "..."))

    for m in _DELETE_CALL.finditer(bare):
        begin = _statement_start(bare, m.start())
        chain = bare[begin : m.start()]
        if _KNEX_BASE.search(chain) and not _WHERE.search(chain):
            add(_skip_keywords(bare, begin), m.end())
    for pattern in (_DELETE_MANY, _BULK_DELETE, _DESTROY_ALL):
        for m in pattern.finditer(bare):
            add(_skip_keywords(bare, _statement_start(bare, m.start())), _call_end(bare, m))
    for m in _RAW_CALL.finditer(code):
        if bare[m.start()] != " " and sql_hit(m.group(2)) is not None:
            add(_skip_keywords(bare, _statement_start(bare, m.start())), _call_end(bare, m))
    for m in _RAW_TAGGED.finditer(code):
        if bare[m.start()] != " " and sql_hit(m.group(1)) is not None:
            add(_skip_keywords(bare, _statement_start(bare, m.start())), m.end())
    hits.sort()
    return hits


def _call_end(code: str, m: re.Match[str]) -> int:
    """The end of the call a match starts (its closing parenthesis), else the match's."""
    opening = code.find("(", m.start(), m.end())
    if opening < 0:
        return m.end()
    close = _closing(code, opening, "()")
    return close + 1 if close is not None else m.end()


def _skip_keywords(code: str, at: int) -> int:
    """Past whitespace and `await` / `return` / `=>` at the start of a statement."""
    while True:
        while at < len(code) and code[at].isspace():
            at += 1
        found = re.match(r"(?:await|return|void|=>)\b|=>", code[at:])
        if found is None:
            return at
        at += found.end()


def _up_ranges(code: str) -> list[tuple[int, int]]:
    out = []
    for m in _UP.finditer(code):
        if m.group(2):
            close = _closing(code, m.end() - 1)
            out.append((m.end(), close if close is not None else len(code)))
        elif "=>" in code[m.start() : m.end()]:
            following = re.search(r"\bdown\b\s*[:(]", code[m.end() :])
            out.append((m.end(), m.end() + following.start() if following else len(code)))
    return out


def _closing(code: str, open_index: int, pair: str = "{}") -> int | None:
    """The index of the bracket (`pair[1]`) that closes the one at `open_index`
    (strings skipped); None when it is never closed."""
    opener, closer = pair[0], pair[1]
    depth = 0
    i = open_index
    while i < len(code):
        ch = code[i]
        if ch in "'\"`":
            k = i + 1
            while k < len(code) and code[k] != ch:
                k += 2 if code[k] == "\\" else 1
            i = k + 1
            continue
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _point(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _report(
    walker: Walking,
    unit: Any,
    start: int,
    end: int,
    tool: str,
    path: str,
    text: str,
    step: Step,
    only_up: bool = False,
    via: tuple[Step, ...] = (),
) -> None:
    from railsafe.commands.table import sql_hit

    for a, b, snippet in scan(text, lambda sql: sql_hit(sql, walker.table), only_up):
        line, column = _point(text, a)
        end_line, end_column = _point(text, b)
        if end_line != line:
            end_line, end_column = line, len(text.split("\n")[line - 1]) + 1
        here = Step(step.path, Span(line, column, end_line, end_column), f"{step.path}:{line}")
        what = f"{tool}: {snippet}"
        walker.detect(unit, "destructive-db", what, start, end, unit.text[start:end], (*via, here))


def _read(walker: Walking, path: str) -> tuple[str, Step] | None:
    resolver = walker.resolver_at(".")
    if resolver is None:
        return None
    got = resolver.script_file(path)
    return got if got is not None else None


def _js_files(walker: Walking, directory: str) -> list[str]:
    names = walker.ask(".", ResolverExtras.directory_files, directory)
    if not isinstance(names, list):
        return []
    return [
        posixpath.join(directory, n)
        for n in names
        if n.endswith(JS_EXTENSIONS) and not n.endswith(".d.ts")
    ]


# --- the seeders ------------------------------------------------------------------------


def seed(
    walker: Walking, name: str, words: list[Any], unit: Any, env: Any, start: int, end: int
) -> None:
    """Read the files a seeder command runs (`knex seed:run`, `sequelize db:seed:all`,
    `prisma db seed`) and report those that delete every row."""
    if env.cwd is None or walker.resolver is None:
        return
    texts = [w.text for w in words[1:]]
    if any(t is None for t in texts):
        return
    args: list[str] = [t for t in texts if t is not None]
    if name == "knex" and "seed:run" in args:
        _knex(walker, args, unit, env, start, end)
    elif name in ("sequelize", "sequelize-cli") and ("db:seed:all" in args or "db:seed" in args):
        _sequelize(walker, args, unit, env, start, end)
    elif name == "prisma" and args[:2] == ["db", "seed"]:
        _prisma(walker, unit, env, start, end)


def _option(args: list[str], *names: str) -> str | None:
    for k, t in enumerate(args):
        key, eq, value = t.partition("=")
        if key in names:
            if eq:
                return value
            return args[k + 1] if k + 1 < len(args) else None
    return None


def _knex(walker: Walking, args: list[str], unit: Any, env: Any, start: int, end: int) -> None:
    cwd = env.cwd
    moved = _option(args, "--cwd")
    if moved is not None:
        if moved.startswith(("/", "~", "$")):
            return
        cwd = posixpath.normpath(posixpath.join(cwd, moved))
    named = _option(args, "--knexfile")
    candidates = [named] if named else list(KNEXFILES)
    knexfile = None
    for candidate in candidates:
        if candidate.startswith(("/", "~", "$")):
            return
        path = posixpath.normpath(posixpath.join(cwd, candidate))
        got = _read(walker, path)
        if got is not None:
            knexfile = (path, got[0])
            break
    base = posixpath.dirname(knexfile[0]) if knexfile else cwd
    directories = _knex_seed_directories(knexfile[1]) if knexfile else None
    if directories is None:
        directories = ["./seeds"]
    specific = _option(args, "--specific")
    for directory in directories:
        folder = posixpath.normpath(posixpath.join(base or ".", directory))
        for path in _js_files(walker, folder):
            if specific and posixpath.basename(path) != posixpath.basename(specific):
                continue
            got = _read(walker, path)
            if got is not None:
                _report(walker, unit, start, end, "knex seed:run", path, got[0], got[1])


_KNEX_SEEDS = re.compile(r"\bseeds\s*:\s*\{")
_DIRECTORY = re.compile(
    r"""\bdirectory\s*:\s*(?:(['"`])([^'"`$]+)\1|path\.(?:join|resolve)\(([^()]*)\)"""
    r"""|\[([^\]]*)\])"""
)
_LITERAL = re.compile(r"""['"`]([^'"`$]+)['"`]""")


def _knex_seed_directories(text: str) -> list[str] | None:
    """`seeds: { directory: ... }` values of a knexfile (every environment's); None
    when the knexfile sets none (knex's default `./seeds`)."""
    code = _blank_comments(text)
    out: list[str] = []
    saw = False
    for block in _KNEX_SEEDS.finditer(code):
        saw = True
        close = _closing(code, block.end() - 1)
        body = code[block.end() : close if close is not None else len(code)]
        found = _DIRECTORY.search(body)
        if found is None:
            out.append("./seeds")
            continue
        if found.group(2):
            out.append(found.group(2))
        elif found.group(3) is not None:  # path.join(__dirname, 'db', 'seeds')
            parts = _LITERAL.findall(found.group(3))
            if parts:
                out.append(posixpath.join(*parts))
        else:
            out.extend(_LITERAL.findall(found.group(4) or ""))
    if not saw:
        return None
    return list(dict.fromkeys(out))


_SEEDERS_PATH = re.compile(
    r"""['"]seeders-path['"]\s*:\s*(?:path\.(?:resolve|join)\(([^)]*)\)|(['"`])([^'"`$]+)\2)"""
)


def _sequelize(walker: Walking, args: list[str], unit: Any, env: Any, start: int, end: int) -> None:
    cwd = env.cwd
    folder = _option(args, "--seeders-path")
    if folder is None:
        rc = _read(walker, posixpath.join(cwd, ".sequelizerc"))
        found = _SEEDERS_PATH.search(_blank_comments(rc[0])) if rc is not None else None
        if found is not None and found.group(1) is not None:
            parts = re.findall(r"""['"`]([^'"`$]+)['"`]""", found.group(1))
            folder = posixpath.join(*parts) if parts else None
        elif found is not None:
            folder = found.group(3)
        folder = folder or "seeders"
    if folder.startswith(("/", "~", "$")):
        return
    one = _option(args, "--seed") if "db:seed" in args else None
    for path in _js_files(walker, posixpath.normpath(posixpath.join(cwd, folder))):
        if one and posixpath.basename(path) not in (one, one + ".js", one + ".ts"):
            continue
        got = _read(walker, path)
        if got is not None:
            tool = "sequelize " + ("db:seed" if one else "db:seed:all")
            _report(walker, unit, start, end, tool, path, got[0], got[1], only_up=True)


_PRISMA_CONFIG_SEED = re.compile(r"""\bseed\s*:\s*(['"`])([^'"`$]+)\1""")


def _prisma(walker: Walking, unit: Any, env: Any, start: int, end: int) -> None:
    from railsafe.commands.shell import Env, JsonValueOrigin, LinesOrigin, Unit

    found = walker.ask(env.cwd, ResolverExtras.package_field, "prisma", "seed")
    origin: Any
    if isinstance(found, tuple):
        text, step = found
        origin = JsonValueOrigin(text, step)
    else:
        config = None
        for name in ("prisma.config.ts", "prisma.config.mts", "prisma.config.js"):
            config = _read(walker, posixpath.join(env.cwd, name))
            if config is not None:
                break
        if config is None:
            return
        hit = _PRISMA_CONFIG_SEED.search(_blank_comments(config[0]))
        if hit is None:
            return
        text = hit.group(2)
        line, column = _point(config[0], hit.start(2))
        step = Step(config[1].path, Span(line, column, line, column + len(text)), config[1].path)
        origin = LinesOrigin(text, line, column)
    frame = walker.follow(unit, start, end, ("seed", env.cwd, "prisma"))
    if frame is None:
        return
    frame = replace(frame, origin=origin, chain=(*frame.chain, step), seed=True)
    walker.analyze_text(Unit(text, frame), Env(env.cwd))


def run_js(walker: Walking, words: list[Any], unit: Any, env: Any, start: int, end: int) -> None:
    """In a seed script (`"seed": "tsx prisma/seed.ts"`): read the file a JavaScript
    program runs and report the statements that delete every row."""
    if env.cwd is None or not words or words[0].text is None:
        return
    i = 0
    name = posixpath.basename(words[0].text)
    if name in _EXEC or name in ("npm", "pnpm", "yarn"):
        i = 1
        while i < len(words) and words[i].text in ("exec", "dlx", "x", "--yes", "-y"):
            i += 1
        if i >= len(words) or words[i].text is None:
            return
        name = posixpath.basename(words[i].text or "")
    if name not in JS_PROGRAMS:
        return
    k = i + 1
    while k < len(words):
        t = words[k].text
        if t is None:
            return
        if t in _VALUE_OPTIONS:
            k += 2
            continue
        if t.startswith("-") or t in ("run", "watch"):
            k += 1
            continue
        if t.endswith(JS_EXTENSIONS):
            path = t if t.startswith("/") else posixpath.normpath(posixpath.join(env.cwd, t))
            got = _read(walker, path)
            if got is not None:
                tool = " ".join(unit.text[words[i].start : words[k].end].split())
                _report(walker, unit, start, end, tool, got[1].path, got[0], got[1])
        return

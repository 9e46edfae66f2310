"""Shell command analysis: parse with tree-sitter-bash, follow scripts, match the table.

What the walker relies on about the tools it follows:

- Package scripts. `npm run x -- a b`, `npm run x a` (npm takes the options after the
  script name as its own unless they follow `--`), `pnpm run x a`, `pnpm x a`,
  `yarn x a`, `bun run x a`: the package manager appends the arguments to the script's
  text and runs it with `sh -c`, so the script is analysed with them appended.
- Pre/post scripts (`prebuild`, `postbuild` around `build`):
  npm runs them (docs.npmjs.com "scripts": "Pre and post commands with matching names
  will be run for those as well");
  Yarn Berry (Yarn >= 2: package.json `"packageManager": "yarn@2+"` or a .yarnrc.yml)
  does not: yarnpkg.com/advanced/lifecycle-scripts, "we intentionally don't support
  arbitrary pre and post hooks for user-defined scripts (such as prestart)" (it keeps
  the lifecycle scripts: preinstall/install/postinstall, prepack/postpack...);
  Yarn 1 does;
  pnpm 6 to 8 did not by default (setting `enable-pre-post-scripts`, pnpm/pnpm#2891),
  pnpm 9 and later do: pnpm is treated as running them, the current default;
  bun does not.
- Workspaces. `pnpm --filter <selector>` / `-F` (pnpm selector syntax: `name`,
  `name...`, `...name`, `./dir`, `{dir}`, `!name`), `pnpm -r`, `npm -w <name|dir>` /
  `--workspaces`, `yarn workspace <name>`, `yarn workspaces foreach`, `bun --filter`
  and `turbo run <task>` (every workspace package with the script, `--filter`, and
  the tasks turbo.json `dependsOn` adds) run the scripts of the workspace packages
  (RepoResolver.workspace_packages); recursive runs skip the packages without the
  script. pnpm and turbo do not run the workspace root's own script in a recursive run.
- Script runners, Nx and Lerna: see railsafe/commands/runners.py; seeders:
  railsafe/commands/seeds.py.
- A bare program name (`entrypoint`) is looked up through the image's PATH
  (RepoResolver.which: `image_paths`, `image_path_env`) before `name.sh` is tried in
  the working directory.
- Mix aliases (mix.exs `aliases`) replace the task of that name; an alias naming its
  own name runs the task (`test: ["ecto.create", "test"]`).
- GNU make drops a circular prerequisite ("Circular build <- deps dependency
  dropped") and builds each target once per run.
- Railway references (`${{Postgres.DATABASE_URL}}`, railway-facts §6.2) are opaque
  words: expansions whose value is unknown.
"""

from __future__ import annotations

import bisect
import fnmatch
import posixpath
import re
import shlex
import sys
from dataclasses import dataclass, field, replace
from typing import Any

from railsafe.commands.model import (
    Analysis,
    Detection,
    Resolver,
    Step,
    Unparsable,
    WorkspacePackage,
)
from railsafe.commands.table import (
    Argv,
    Table,
    load_table,
    match_argv,
    match_entry,
    python_hit,
    script_entry,
    sql_hit,
)
from railsafe.findings import Span

SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ash", "ksh", "mksh", "busybox"})
PACKAGE_MANAGERS = frozenset({"npm", "yarn", "pnpm", "bun"})
_PYTHON = re.compile(r"^(?:python|pypy)(?:\d+(?:\.\d+)*)?$")
_NAME_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_STATIC_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=[\w.:/@%+,-]*$")
_UNIT_COST = 4  # recursion a parsed text costs, in walk levels
_MAX_MAKE_CHAIN = 64  # prerequisites of prerequisites...
_SQL_OPTIONS = frozenset(
    {"-c", "--command", "-e", "--execute", "-Q", "-q", "--query", "--eval"}
)
# package-manager options that take a value
_PM_TAKES = frozenset(
    {
        "--prefix",
        "--cwd",
        "-C",
        "--dir",
        "-w",
        "--workspace",
        "--filter",
        "-F",
        "--filter-prod",
        "--loglevel",
        "--registry",
        "--reporter",
        "--workspace-concurrency",
        "--resume-from",
    }
)
# turbo options that take a value (`--filter x` as well as `--filter=x`)
_TURBO_TAKES = frozenset(
    {
        "--filter",
        "-F",
        "--scope",
        "--ignore",
        "--cwd",
        "--concurrency",
        "--cache-dir",
        "--output-logs",
        "--log-order",
        "--log-prefix",
        "--env-mode",
        "--ui",
        "--cache",
        "--team",
        "--token",
        "--api",
        "--login",
        "--global-deps",
        "--since",
        "--profile",
        "--anon-profile",
        "--heap",
        "--trace",
        "--remote-cache-timeout",
        "--framework-inference",
        "--pkg-inference-root",
        "--verbosity",
        "--summarize",
    }
)
# turbo subcommands that run no task
_TURBO_COMMANDS = frozenset(
    {
        "login",
        "logout",
        "link",
        "unlink",
        "prune",
        "gen",
        "generate",
        "daemon",
        "bin",
        "telemetry",
        "info",
        "ls",
        "query",
        "boundaries",
        "scan",
        "completion",
        "devtools",
        "docs",
        "config",
    }
)
# node options after which the next word is not the program file
_NODE_NOT_A_FILE = frozenset({"--test", "--run", "-e", "--eval", "-p", "--print"})
_MAKE_VAR = re.compile(
    r"^\s*(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*(?:\?|:{1,3}|\+|!)?=\s*(.*)$"
)

# commands followed by railsafe/commands/runners.py and seeds.py (imported on first use)
_RUNNER_NAMES = frozenset(
    {"npm-run-all", "npm-run-all2", "run-s", "run-p", "concurrently", "nx", "lerna", "node"}
)
_SEEDER_NAMES = frozenset({"knex", "sequelize", "sequelize-cli", "prisma"})

_parser: Any = None


def _parse(data: bytes) -> Any:
    global _parser
    if _parser is None:
        import tree_sitter
        import tree_sitter_bash

        _parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    return _parser.parse(data)


# --- where a parsed text came from ----------------------------------------------


class _Origin:
    """A text that offsets refer to: the top-level command or a followed file."""

    def span(self, start: int, end: int) -> Span | None:
        return None

    def label(self, step: Step, start: int) -> str:
        return step.label

    def where(self, start: int) -> str:
        return ""


class _LinesOrigin(_Origin):
    """Text whose first character sits at (first_line, first_column) of a file."""

    def __init__(self, text: str, first_line: int = 1, first_column: int = 1, number: bool = False):
        self.text = text
        self.first_line = first_line
        self.first_column = first_column
        self.number = number
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def point(self, offset: int) -> tuple[int, int]:
        row = bisect.bisect_right(self.starts, offset) - 1
        column = offset - self.starts[row] + 1
        if row == 0:
            column += self.first_column - 1
        return self.first_line + row, column

    def span(self, start: int, end: int) -> Span:
        line, column = self.point(start)
        end_line, end_column = self.point(max(end, start + 1))
        return Span(line, column, end_line, end_column)

    def label(self, step: Step, start: int) -> str:
        return f"{step.label}:{self.point(start)[0]}" if self.number else step.label

    def where(self, start: int) -> str:
        return f":{self.point(start)[0]}"


class _JsonValueOrigin(_Origin):
    """A package.json script value; exact columns when the JSON string has no escapes.

    Offsets past the value (arguments appended by `npm run x -- args`) are clamped to
    its end."""

    def __init__(self, value: str, step: Step):
        s = step.span
        self.exact = s.line == s.end_line and s.end_column - s.column == len(value) + 2
        self.step = step
        self.length = len(value)

    def span(self, start: int, end: int) -> Span:
        s = self.step.span
        if not self.exact:
            return s
        start = min(start, max(self.length - 1, 0))
        end = min(max(end, start + 1), max(self.length, 1))
        return Span(s.line, s.column + 1 + start, s.line, s.column + 1 + end)

    def where(self, start: int) -> str:
        return f":{self.step.span.line}"


# --- state while walking ------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """What is being followed: the top-level anchor, the chain so far, the depth."""

    origin: _Origin
    anchor: tuple[int, int] | None = None  # offsets of the top-level invocation
    chain: tuple[Step, ...] = ()  # the last Step is the file `origin` belongs to
    visiting: frozenset[tuple[str, ...]] = frozenset()
    strings: int = 0  # nesting of `sh -c '...'`
    seed: bool = False  # a seed script's text: the JavaScript files it runs are read


@dataclass
class _Env:
    cwd: str | None = "."  # relative to the service directory; None: unknown
    functions: dict[str, tuple[Any, _Unit]] = field(default_factory=dict)

    def copy(self) -> _Env:
        return _Env(self.cwd, dict(self.functions))


@dataclass(frozen=True)
class _Word:
    text: str | None  # static value, None when it holds an expansion
    start: int  # char offsets in the unit's text
    end: int
    node: Any = None


_REFERENCE = re.compile(r"\$\{\{[^{}\n]*\}\}")


def _mask_references(text: str) -> str:
    """Railway references (`${{Postgres.DATABASE_URL}}`, railway-facts §6.2) replaced
    by a same-length shell expansion (`$R______...`): tree-sitter-bash rejects `${{`,
    and the value is unknown anyway (an expansion never matches the table)."""
    return _REFERENCE.sub(lambda m: "$R" + "_" * (len(m[0]) - 2), text)


class _Unit:
    """One parsed text: its characters, their offsets in the origin text, its frame.

    The text parsed (`data`) has Railway references masked; `text` stays as written,
    with the same character offsets."""

    def __init__(self, text: str, frame: _Frame, offsets: list[int] | None = None):
        self.text = text
        self.frame = frame
        self.offsets = offsets  # len(text) + 1 entries; None: identity
        parsed = _mask_references(text) if "${{" in text else text
        data = parsed.encode("utf-8")
        self.data = data
        self.b2c: list[int] | None = None
        if len(data) != len(parsed):
            table = [0] * (len(data) + 1)
            pos = 0
            for i, ch in enumerate(parsed):
                width = len(ch.encode("utf-8"))
                for k in range(width):
                    table[pos + k] = i
                pos += width
            table[len(data)] = len(text)
            self.b2c = table

    def c(self, byte: int) -> int:
        return self.b2c[byte] if self.b2c is not None else byte

    def s(self, node: Any) -> int:
        return self.c(node.start_byte)

    def e(self, node: Any) -> int:
        return self.c(node.end_byte)

    def raw(self, node: Any) -> str:
        return self.text[self.s(node) : self.e(node)]

    def o(self, index: int) -> int:
        """Offset in the origin text."""
        if self.offsets is None:
            return index
        return self.offsets[min(index, len(self.offsets) - 1)]

    def with_frame(self, frame: _Frame) -> _Unit:
        """The same parsed text seen from another frame (a function body's caller)."""
        twin = _Unit.__new__(_Unit)
        twin.__dict__.update(self.__dict__)
        twin.frame = frame
        return twin


# --- words ----------------------------------------------------------------------------

_DQ_ESCAPES = frozenset('\\"$`\n')


def _unescape_word(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw, flags=re.DOTALL)


def _static(node: Any, unit: _Unit) -> str | None:
    kind = node.type
    raw = unit.raw(node)
    if kind == "word":
        return _unescape_word(raw)
    if kind == "number":
        return raw
    if kind == "raw_string":
        return raw[1:-1]
    if kind == "string":
        parts = []
        for child in node.children:
            if child.type == '"':
                continue
            if child.type != "string_content":
                return None
            parts.append(re.sub(r'\\([\\"$`\n])', r"\1", unit.raw(child)))
        return "".join(parts)
    if kind == "concatenation":
        pieces = [_static(child, unit) for child in node.children]
        if any(p is None for p in pieces):
            return None
        return "".join(p for p in pieces if p is not None)
    return None


def _reparse(node: Any, unit: _Unit) -> tuple[str, list[int]]:
    """A word's value as an inner shell sees it, with each char's offset in `unit.text`.

    Expansions are kept as written (the inner shell parses them again)."""
    s, e = unit.s(node), unit.e(node)
    text = unit.text
    if node.type == "raw_string":
        return text[s + 1 : e - 1], list(range(s + 1, e))
    if node.type == "string":
        chars: list[str] = []
        where: list[int] = []
        i = s + 1
        while i < e - 1:
            if text[i] == "\\" and i + 1 < e - 1 and text[i + 1] in _DQ_ESCAPES:
                chars.append(text[i + 1])
                where.append(i + 1)
                i += 2
                continue
            chars.append(text[i])
            where.append(i)
            i += 1
        return "".join(chars), [*where, e - 1]
    if node.type == "concatenation":
        out, offs = "", []
        for child in node.children:
            piece, where = _reparse(child, unit)
            out += piece
            offs.extend(where[:-1] if len(where) > len(piece) else where)
        return out, [*offs, e]
    if node.type == "word":
        chars, where = [], []
        i = s
        while i < e:
            if text[i] == "\\" and i + 1 < e:
                i += 1
            chars.append(text[i])
            where.append(i)
            i += 1
        return "".join(chars), [*where, e]
    return text[s:e], [*range(s, e), e]


def _base(word: str) -> str:
    return word.rstrip("/").rsplit("/", 1)[-1]


def _strip_version(package: str) -> str:
    """`prisma@5` -> `prisma`; `@scope/pkg@1` -> `pkg`."""
    if package.startswith("@"):
        package = package.split("/", 1)[-1]
    return _base(package.split("@", 1)[0])


def _is_option(word: _Word) -> bool:
    return word.text is not None and word.text.startswith("-") and word.text != "-"


def _skip_options(words: list[_Word], i: int, takes_value: frozenset[str] = frozenset()) -> int:
    """Index of the first non-option word at or after i (`--` is consumed)."""
    while i < len(words):
        t = words[i].text
        if t == "--":
            return i + 1
        if t is None or not t.startswith("-") or t == "-":
            return i
        i += 2 if t in takes_value else 1
    return i


def _after_dashdash(words: list[_Word], i: int) -> int | None:
    for k in range(i, len(words)):
        if words[k].text == "--":
            return k + 1
    return None


# wrapper name -> options that take a value (the wrapped command follows the options)
_PLAIN_WRAPPERS: dict[str, frozenset[str]] = {
    "exec": frozenset({"-a"}),
    "time": frozenset({"-f", "-o", "--format", "--output"}),
    "nohup": frozenset(),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "-n", "-p"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "command": frozenset(),
    "builtin": frozenset(),
    "sudo": frozenset({"-u", "-g", "-h", "-p", "-C", "-U", "-r", "-t", "-D"}),
    "tini": frozenset({"-s", "-p", "-e"}),
    "dumb-init": frozenset({"-r", "--rewrite"}),
    "xvfb-run": frozenset({"-n", "-s", "-f", "-e", "-p"}),
    "unbuffer": frozenset(),
    "with-contenv": frozenset(),
    "ddtrace-run": frozenset(),
    "opentelemetry-instrument": frozenset(
        {"--traces_exporter", "--metrics_exporter", "--service_name"}
    ),
    "bundle": frozenset(),  # only `bundle exec`, checked below
    "railway": frozenset({"-s", "--service", "-e", "--environment"}),  # `railway run`
}
# `<tool> run ...` runners: tool -> options of `run` that take a value
_RUNNERS: dict[str, frozenset[str]] = {
    "poetry": frozenset({"-C", "--directory", "-P", "--project"}),
    "pipenv": frozenset(),
    "pdm": frozenset({"-p", "--project"}),
    "hatch": frozenset({"-e", "--env"}),
    "rye": frozenset(),
    "uv": frozenset(
        {
            "--with",
            "--python",
            "-p",
            "--project",
            "--directory",
            "--extra",
            "--group",
            "--env-file",
            "--package",
            "--with-requirements",
            "--index",
            "--index-url",
            "--extra-index-url",
            "--only-group",
            "--no-group",
        }
    ),
    "conda": frozenset({"-n", "--name", "-p", "--prefix", "--cwd"}),
    "mamba": frozenset({"-n", "--name", "-p", "--prefix"}),
    "micromamba": frozenset({"-n", "--name", "-p", "--prefix"}),
    "doppler": frozenset({"-c", "--config", "-p", "--project", "--token"}),
    "infisical": frozenset({"--env", "--token", "--projectId", "--path"}),
    "op": frozenset({"--env-file"}),
    "railway": frozenset({"-s", "--service", "-e", "--environment"}),
    "pixi": frozenset({"-e", "--environment", "--manifest-path"}),
}


class _Selection:
    """Which workspace packages a package-manager command runs in (and the directory
    options `--prefix` / `-C` / `pnpm -w` set: `cwd` when `cwd_set`).

    `selectors`: pnpm/turbo-style filters (`name`, `name...`, `...name`, `./dir`,
    `{dir}`, `!name`, globs); `everything`: every package (`pnpm -r`, `npm -ws`, `yarn
    workspaces foreach -A`, `turbo run`); `root`: the workspace root's package counts
    too; `recursive`: only the packages that have the script run (no binary fallback)."""

    def __init__(self) -> None:
        self.selectors: list[str] = []
        self.everything = False
        self.root = False
        self.recursive = False
        self.cwd: str | None = None
        self.cwd_set = False

    def __bool__(self) -> bool:
        return bool(self.selectors) or self.everything


class _Walker:
    def __init__(self, resolver: Resolver | None, max_depth: int, top: str, limit: int = 200):
        self.resolver = resolver
        self.max_depth = max_depth
        self.table: Table = load_table()
        self.detections: list[Detection] = []
        self.unparsable: list[Unparsable] = []
        self.top = top
        self._resolvers: dict[str, Any] = {}
        self._memo: dict[tuple[str, str], Any] = {}
        self.depth = 0  # recursion spent (walk levels; a parsed text costs _UNIT_COST)
        self.limit = limit
        self.too_deep = False

    # -- bookkeeping -------------------------------------------------------------

    def _at(self, cwd: str | None) -> Any:
        """The resolver for a working directory (relative to the service directory)."""
        if self.resolver is None or cwd is None:
            return None
        if cwd == ".":
            return self.resolver
        if cwd not in self._resolvers:
            at = getattr(self.resolver, "at", None)
            self._resolvers[cwd] = at(cwd) if callable(at) else None
        return self._resolvers[cwd]

    def _ask(self, cwd: str | None, method: str, *args: Any) -> Any:
        """An optional resolver method's answer for a directory, memoised; None when the
        resolver has no such method."""
        key = (cwd or "", method + "\0" + "\0".join(map(str, args)))
        if key not in self._memo:
            resolver = self._at(cwd)
            function = getattr(resolver, method, None) if resolver is not None else None
            self._memo[key] = function(*args) if callable(function) else None
        return self._memo[key]

    def _chain(self, unit: _Unit, start: int, end: int) -> tuple[Step, ...]:
        frame = unit.frame
        if not frame.chain:
            return ()
        last = frame.chain[-1]
        o_start, o_end = unit.o(start), unit.o(end)
        span = frame.origin.span(o_start, o_end) or last.span
        refined = replace(last, span=span, label=frame.origin.label(last, o_start))
        return (*frame.chain[:-1], refined)

    def _anchor(self, unit: _Unit, start: int, end: int) -> tuple[int, int]:
        if unit.frame.anchor is not None:
            return unit.frame.anchor
        return unit.o(start), unit.o(end)

    def detect(
        self,
        unit: _Unit,
        category: str,
        what: str,
        start: int,
        end: int,
        text: str,
        via: tuple[Step, ...] = (),
    ) -> None:
        """Report a detection at unit[start:end]; `via`: Steps past the unit's chain
        (the project.json target, the seed file line)."""
        a, b = self._anchor(unit, start, end)
        found = Detection(category, what, a, b, (*self._chain(unit, start, end), *via), text)
        if found not in self.detections:
            self.detections.append(found)

    def follow(self, unit: _Unit, start: int, end: int, key: tuple[str, ...]) -> _Frame | None:
        """The frame for a file followed from unit[start:end], or None (depth, cycle)."""
        frame = unit.frame
        if key in frame.visiting or len(frame.chain) >= self.max_depth:
            return None
        return _Frame(
            origin=frame.origin,  # replaced by the caller
            anchor=self._anchor(unit, start, end),
            chain=self._chain(unit, start, end),
            visiting=frame.visiting | {key},
        )

    def _cd(self, cwd: str | None, args: list[_Word]) -> str | None:
        """The directory `cd args` moves to; an absolute in-image directory is mapped
        through the resolver's `map_image_path` when it has one."""
        targets = [w for w in args if not (w.text or "").startswith("-") or w.text == "-"]
        if targets and (targets[0].text or "").startswith("/"):
            mapped = self._ask(".", "map_image_path", targets[0].text)
            return posixpath.normpath(mapped) if isinstance(mapped, str) else None
        return _cd(cwd, args)

    def nested_too_deeply(self, unit: _Unit, start: int, end: int) -> None:
        if self.too_deep:
            return
        self.too_deep = True
        path = unit.frame.chain[-1].path if unit.frame.chain else ""
        where = f" ({path}{unit.frame.origin.where(unit.o(start))})" if path else ""
        reason = (
            f"cannot analyse the command{where}: it is nested too deeply;"
            " the rest was not analysed"
        )
        a, b = self._anchor(unit, start, max(end, start + 1))
        self.unparsable.append(Unparsable(a, b, reason))

    # -- parsing -----------------------------------------------------------------

    def analyze_text(self, unit: _Unit, env: _Env) -> None:
        if self.depth + _UNIT_COST > self.limit:
            self.nested_too_deeply(unit, 0, len(unit.text))
            return
        self.depth += _UNIT_COST
        try:
            self._analyze_text(unit, env)
        finally:
            self.depth -= _UNIT_COST

    def _analyze_text(self, unit: _Unit, env: _Env) -> None:
        tree = _parse(unit.data)
        root = tree.root_node
        if root.has_error:
            bad = _first_error(root)
            start = unit.s(bad) if bad is not None else 0
            end = unit.e(bad) if bad is not None else len(unit.text)
            if bad is not None and bad.is_missing:
                what = f"missing `{bad.type}`"
                end = len(unit.text)
            else:
                what = "shell syntax error"
            o_start = unit.o(start)
            where = unit.frame.origin.where(o_start)
            path = unit.frame.chain[-1].path if unit.frame.chain else ""
            reason = f"cannot parse the command ({what}); it was not analysed"
            if path:
                reason = f"cannot parse {path}{where} ({what}); it was not analysed"
            a, b = self._anchor(unit, start, max(end, start + 1))
            self.unparsable.append(Unparsable(a, b, reason))
            return
        self.walk(root, unit, env)

    def walk(self, node: Any, unit: _Unit, env: _Env) -> None:
        if self.depth >= self.limit:
            self.nested_too_deeply(unit, unit.s(node), unit.e(node))
            return
        self.depth += 1
        try:
            self._walk(node, unit, env)
        finally:
            self.depth -= 1

    def _walk(self, node: Any, unit: _Unit, env: _Env) -> None:
        kind = node.type
        if kind == "comment":
            return
        if kind == "command":
            self.command(node, unit, env, [])
        elif kind == "redirected_statement":
            self.redirected(node, unit, env, None, False)
        elif kind == "pipeline":
            self.pipeline(node, unit, env.copy(), None)
        elif kind in ("subshell", "command_substitution", "process_substitution"):
            inner = env.copy()
            for child in node.named_children:
                self.walk(child, unit, inner)
        elif kind == "list":
            # `a && b || c` nests to the left: flatten it (no recursion per operator)
            items: list[Any] = []
            stack = [node]
            while stack:
                current = stack.pop()
                if current.type == "list":
                    stack.extend(reversed(current.named_children))
                else:
                    items.append(current)
            for item in items:
                self.walk(item, unit, env)
        elif kind == "function_definition":
            name = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            if name is not None and body is not None:
                env.functions[unit.raw(name)] = (body, unit)
        else:
            for child in node.named_children:
                self.walk(child, unit, env)

    def redirected(
        self, node: Any, unit: _Unit, env: _Env, stdin: str | None, piped: bool
    ) -> str | None:
        """A redirected statement; returns what its command writes to stdout when that
        is `piped` on (or a here-document pipeline follows) and known."""
        body = node.child_by_field_name("body")
        redirects = [c for c in node.named_children if c is not body]
        out = None
        if body is not None and body.type == "command":
            self.command(body, unit, env, redirects, stdin)
            if piped or any(
                r.type == "heredoc_redirect" and any(c.type == "pipeline" for c in r.named_children)
                for r in redirects
            ):
                out = self.stdout_text(body, unit, env, redirects)
        elif body is not None:
            self.walk(body, unit, env)
        for r in redirects:
            pipelines = [c for c in r.named_children if c.type == "pipeline"]
            if r.type == "heredoc_redirect" and pipelines:
                # `cat <<EOF | psql`: the pipeline hangs under the here-document
                for child in r.named_children:
                    if child.type == "pipeline":
                        self.pipeline(child, unit, env.copy(), out)
                    elif child.type not in ("heredoc_start", "heredoc_end"):
                        self.walk(child, unit, env)
            else:
                self.walk(r, unit, env)
        return out

    def pipeline(self, node: Any, unit: _Unit, env: _Env, stdin: str | None) -> None:
        """Each command of a pipeline, knowing the text the previous one writes when it
        is static (`echo 'DROP TABLE x' | psql`, `cat reset.sql | psql`)."""
        previous = stdin
        children = node.named_children
        for index, child in enumerate(children):
            piped = index + 1 < len(children)
            if child.type == "command":
                self.command(child, unit, env, [], previous)
                previous = self.stdout_text(child, unit, env, []) if piped else None
            elif child.type == "redirected_statement":
                previous = self.redirected(child, unit, env, previous, piped)
            else:
                self.walk(child, unit, env)
                previous = None

    def stdout_text(self, node: Any, unit: _Unit, env: _Env, redirects: list[Any]) -> str | None:
        """What `echo ...` / `printf ...` / `cat file` / `cat <<EOF` writes (expansions
        kept as written), or None."""
        words = [c for c in node.children if _field(node, c) in ("name", "argument")]
        if not words:
            return None
        head = words[0].named_children[0] if words[0].named_children else words[0]
        name = _base(_static(head, unit) or "")
        args = [_reparse(w, unit)[0] for w in words[1:]]
        if name == "echo":
            while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
                args = args[1:]
            return " ".join(args)
        if name == "printf":
            return " ".join(args)
        if name != "cat":
            return None
        texts = []
        for r in redirects:
            for child in r.named_children:
                if child.type == "heredoc_body":
                    texts.append(unit.raw(child))
                elif r.type == "herestring_redirect":
                    texts.append(_reparse(child, unit)[0])
                elif r.type == "file_redirect" and unit.raw(r).lstrip().startswith("<"):
                    got = self.read_file(_static(child, unit), env)
                    if got is not None:
                        texts.append(got)
        for word in words[1:]:
            value = _static(word, unit)
            if value and not value.startswith("-"):
                got = self.read_file(value, env)
                if got is not None:
                    texts.append(got)
        return "\n".join(texts) if texts else None

    def read_file(self, path: str | None, env: _Env) -> str | None:
        """A data file a command reads (`psql -f x.sql`, `cat x.sql`), through the resolver."""
        if not path or env.cwd is None or path.startswith(("~", "$")):
            return None
        resolver = self._at(".")
        if resolver is None:
            return None
        rel = path if path.startswith("/") else posixpath.normpath(posixpath.join(env.cwd, path))
        got = resolver.script_file(rel)
        return got[0] if got is not None else None

    # -- one simple command -----------------------------------------------------------

    def command(
        self,
        node: Any,
        unit: _Unit,
        env: _Env,
        redirects: list[Any],
        stdin: str | None = None,
    ) -> None:
        words: list[_Word] = []
        assigns: list[str] = []
        for child in node.children:
            field_name = _field(node, child)
            if child.type == "variable_assignment":
                self.walk(child, unit, env)
                raw = unit.raw(child)
                if _STATIC_ASSIGN.match(raw):
                    assigns.append(raw)
            elif field_name == "name":
                target = child.named_children[0] if child.named_children else child
                words.append(_Word(_static(target, unit), unit.s(target), unit.e(target), target))
            elif field_name == "argument":
                words.append(_Word(_static(child, unit), unit.s(child), unit.e(child), child))
                self.walk(child, unit, env)  # command substitutions inside arguments
            elif field_name == "redirect" or child.type.endswith("_redirect"):
                redirects = [*redirects, child]
        if not words:
            return
        end = unit.e(node)
        self.dispatch(words, unit, env, redirects, end, stdin, tuple(assigns))

    def dispatch(
        self,
        words: list[_Word],
        unit: _Unit,
        env: _Env,
        redirects: list[Any],
        end: int,
        stdin: str | None = None,
        assigns: tuple[str, ...] = (),
    ) -> None:
        start = words[0].start
        if unit.frame.seed:  # a seed script: the JavaScript file it runs is read
            from railsafe.commands import seeds

            seeds.run_js(self, words, unit, env, start, end)
        words, more = self.unwrap(words)
        assigns = (*assigns, *more)
        if not words or words[0].text is None:
            return
        name_raw = words[0].text
        name = _base(name_raw)
        args = words[1:]

        if name_raw in env.functions:
            self.call_function(name_raw, unit, env, start, end)
            return
        if name in ("cd", "pushd") and "/" not in name_raw:
            env.cwd = self._cd(env.cwd, args)
            return
        if name == "popd":
            env.cwd = None
            return
        if name in SHELLS and "/" not in name_raw.rstrip("/").rsplit("/", 1)[-1]:
            self.shell(words, unit, env, redirects, start, end)
            return
        if name in ("source", ".") and args and args[0].text:
            self.script(args[0].text, unit, env, start, end, same_shell=True)
            return
        if name in PACKAGE_MANAGERS:
            self.package_manager(name, args, unit, env, start, end)
            return
        if name in ("make", "gmake"):
            self.make(args, unit, env, start, end)
            return
        if name == "turbo":
            self.turbo(args, unit, env, start, end)
            return
        if name in _RUNNER_NAMES:
            from railsafe.commands import runners

            if runners.run(self, name, words, unit, env, start, end):
                return
        if name == "mix" and self.mix(words, unit, env, start, end):
            return
        if name in _SEEDER_NAMES:  # the seed files a seeder runs
            from railsafe.commands import seeds

            seeds.seed(self, name, words, unit, env, start, end)
        if self.match(words, unit, env, redirects, start, end, stdin, assigns):
            return
        if "/" not in name_raw and name_raw not in self.table.names:
            # a bare name runs what PATH finds: a script the image copied there
            # (`COPY scripts/entrypoint.sh /usr/local/bin/entrypoint`)
            found = self._ask(".", "which", name_raw)
            if isinstance(found, str):
                self.script(found, unit, env, start, end, same_shell=False)
                return
        if "/" in name_raw or name_raw.endswith(".sh"):
            self.script(name_raw, unit, env, start, end, same_shell=False)

    def call_function(self, name: str, unit: _Unit, env: _Env, start: int, end: int) -> None:
        """Run a shell function's body, wherever it was defined (this text, or a file
        sourced earlier: `. ./lib.sh; setup_db`)."""
        body, fn_unit = env.functions[name]
        key = ("function", name, str(id(body)))
        frame = unit.frame
        if key in frame.visiting:
            return
        if fn_unit is unit or fn_unit.frame is frame:
            inner = fn_unit.with_frame(replace(frame, visiting=frame.visiting | {key}))
        else:
            chain = self._chain(unit, start, end)
            if fn_unit.frame.chain:
                defined = fn_unit.frame.chain[-1]
                if chain and chain[-1].path == defined.path:
                    chain = chain[:-1]
                chain = (*chain, defined)
            inner = fn_unit.with_frame(
                _Frame(
                    origin=fn_unit.frame.origin,
                    anchor=self._anchor(unit, start, end),
                    chain=chain,
                    visiting=frame.visiting | {key},
                    strings=frame.strings,
                )
            )
        self.depth += 2  # the frames between a call and the body's walk
        try:
            self.walk(body, inner, env)
        finally:
            self.depth -= 2

    def match(
        self,
        words: list[_Word],
        unit: _Unit,
        env: _Env,
        redirects: list[Any],
        start: int,
        end: int,
        stdin: str | None = None,
        assigns: tuple[str, ...] = (),
    ) -> bool:
        """Report the table entries `words` match; True when there was any."""
        argv = self.argv(words, assigns)
        hits = match_argv(argv, self.table)
        extra = [
            self.sql(argv, words, unit, env, redirects, stdin),
            self.code(argv, words, unit, env, redirects, stdin),
        ]
        for hit in hits:
            last = words[hit.last_arg + 1] if hit.last_arg + 1 < len(words) else words[0]
            text = unit.text[words[0].start : max(last.end, words[0].end)]
            self.detect(unit, hit.entry.category, hit.what, start, end, text)
        for found in extra:
            if found is not None:
                what, text = found
                self.detect(unit, "destructive-db", what, start, end, text)
        return bool(hits) or any(found is not None for found in extra)

    # -- wrappers ---------------------------------------------------------------------

    def unwrap(self, words: list[_Word]) -> tuple[list[_Word], tuple[str, ...]]:
        """Strip env prefixes and wrappers; python -m X / python file -> X / file.

        Also returns the static assignments `env X=1 ...` wrappers set."""
        assigns: list[str] = []
        for _ in range(12):
            if not words or words[0].text is None:
                return words, tuple(assigns)
            name = _base(words[0].text)
            rest = self._unwrap_once(name, words)
            if rest is None:
                return words, tuple(assigns)
            if name in ("env", "cross-env", "cross-env-shell"):
                consumed = words[1 : len(words) - len(rest)]
                assigns.extend(
                    w.text for w in consumed if w.text and _STATIC_ASSIGN.match(w.text)
                )
            words = rest
        return words, tuple(assigns)

    def _unwrap_once(self, name: str, words: list[_Word]) -> list[_Word] | None:
        n = len(words)
        if name in ("env", "cross-env", "cross-env-shell"):
            i = 1
            while i < n:
                t = words[i].text
                if t is None:
                    return None
                if t in ("-u", "--unset", "-C", "--chdir"):
                    i += 2
                elif t.startswith("-") or _NAME_ASSIGN.match(t):
                    i += 1
                else:
                    break
            return words[i:] if i < n else None
        if name == "bundle":
            return words[2:] if n > 2 and words[1].text == "exec" else None
        if (
            name in _RUNNERS
            and n > 1
            and words[1].text in ("run", "exec" if name == "conda" else "run")
        ):
            if name in ("doppler", "op", "infisical"):
                after = _after_dashdash(words, 2)
                if after is not None:
                    return words[after:] or None
            i = _skip_options(words, 2, _RUNNERS[name])
            first = words[i].text if i < n else None
            if name == "hatch" and first is not None and ":" in first:
                return None  # `hatch run env:script` names a hatch script
            return words[i:] or None
        if name in _PLAIN_WRAPPERS and name not in ("bundle", "railway"):
            if name == "command" and n > 1 and words[1].text in ("-v", "-V"):
                return None
            i = _skip_options(words, 1, _PLAIN_WRAPPERS[name])
            return words[i:] or None
        if name == "timeout":
            i = _skip_options(words, 1, frozenset({"-s", "--signal", "-k", "--kill-after"}))
            return words[i + 1 :] or None
        if name in ("gosu", "su-exec", "chpst", "s6-setuidgid", "setpriv"):
            return words[2:] or None
        if name in (
            "wait-for-it",
            "wait-for-it.sh",
            "wait-for",
            "wait-for.sh",
            "dotenv",
            "dotenvx",
        ):
            after = _after_dashdash(words, 1)
            if after is not None:
                return words[after:] or None
            if name.startswith("dotenv"):
                for k in range(1, n):
                    if words[k].text == "run":
                        return (
                            words[_skip_options(words, k + 1, frozenset({"-f", "--file"})) :]
                            or None
                        )
            return None
        if name in ("npx", "bunx", "pnpx", "uvx"):
            return self._exec_package(words, 1)
        if name == "pipx" and n > 1 and words[1].text == "run":
            return self._exec_package(words, 2)
        if name in ("newrelic-admin",) and n > 1 and words[1].text == "run-program":
            return words[2:] or None
        if _PYTHON.match(name) or name == "coverage":
            return self._python(words, name)
        if name in ("node", "php", "ruby", "deno") and n > 1:
            takes = frozenset({"-r", "--require", "--import", "--loader", "-d", "-c", "-I"})
            i = _skip_options(words, 1, takes)
            if name == "deno" or i >= n or words[i].text is None:
                return None
            if name == "node" and any(
                (w.text or "").split("=", 1)[0] in _NODE_NOT_A_FILE for w in words[1:i]
            ):
                return None  # `node --test src/`: the test runner; `node --run x`: a script
            target = words[i]
            if name == "node" and "/" not in (target.text or ""):
                return None  # `node server.js`: a program, not a tool we know
            return [replace(target, text=_base(target.text or "")), *words[i + 1 :]]
        return None

    def _exec_package(self, words: list[_Word], i: int) -> list[_Word] | None:
        takes = frozenset({"-p", "--package", "--from", "--with", "--python", "-c", "--call"})
        package = None
        while i < len(words):
            t = words[i].text
            if t is None:
                return None
            if t in ("-c", "--call"):
                return None  # a shell string (`npx -c '...'`): not analysed
            if t in ("-p", "--package", "--from") and i + 1 < len(words):
                package = words[i + 1].text
            if t == "--":
                i += 1
                break
            if not t.startswith("-"):
                break
            i += 2 if t in takes else 1
        if i >= len(words) or words[i].text is None:
            return None
        del package  # the command is the first positional either way
        first = words[i]
        return [replace(first, text=_strip_version(first.text or "")), *words[i + 1 :]]

    def _python(self, words: list[_Word], name: str) -> list[_Word] | None:
        i = 1
        if name == "coverage":
            if len(words) < 2 or words[1].text != "run":
                return None
            i = _skip_options(
                words, 2, frozenset({"--rcfile", "--source", "--omit", "--include", "--data-file"})
            )
            if i < len(words) and words[i - 1].text == "-m":
                i -= 1
        takes = frozenset({"-W", "-X", "--check-hash-based-pycs"})
        while i < len(words):
            t = words[i].text
            if t is None:
                return None
            if t == "-m" and i + 1 < len(words):
                module = words[i + 1]
                if module.text is None:
                    return None
                head = _Word(module.text, words[0].start, module.end, module.node)
                return [head, *words[i + 2 :]]
            if t.startswith("-m") and len(t) > 2:
                head = _Word(t[2:], words[0].start, words[i].end, words[i].node)
                return [head, *words[i + 1 :]]
            if t in ("-c",):
                return None
            if t.startswith("-"):
                i += 2 if t in takes else 1
                continue
            return [replace(words[i], text=_base(t)), *words[i + 1 :]]
        return None

    def argv(self, words: list[_Word], assigns: tuple[str, ...] = ()) -> Argv:
        shown = _base(words[0].text or "")
        name = self.table.aliases.get(shown, shown)
        if _PYTHON.match(name):
            name = "python"  # python3.12, pypy3: the table's `python`
        return Argv(name, shown, tuple(_arg_text(w) for w in words[1:]), assigns)

    # -- shells and scripts ----------------------------------------------------------------

    def shell(
        self, words: list[_Word], unit: _Unit, env: _Env, redirects: list[Any], start: int, end: int
    ) -> None:
        i = 1
        command_string = False
        while i < len(words):
            t = words[i].text
            if t is None:
                break
            if t == "--":
                i += 1
                break
            if t in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
                i += 2
                continue
            if t.startswith(("-", "+")) and not t.startswith("--"):
                if "c" in t[1:]:
                    command_string = True
                i += 1
                continue
            if t.startswith("--"):
                i += 1
                continue
            break
        if command_string:
            if i < len(words) and words[i].node is not None:
                self.inner_string(words[i].node, unit, env.copy())
            return
        if i < len(words):
            if words[i].text:
                self.script(words[i].text or "", unit, env, start, end, same_shell=False)
            return
        for r in redirects:  # `bash <<EOF ... EOF`, `sh <<< "..."`
            self.redirect_text(r, unit, env.copy())

    def inner_string(self, node: Any, unit: _Unit, env: _Env) -> None:
        if unit.frame.strings > 8:
            return
        text, where = _reparse(node, unit)
        offsets = [unit.o(k) for k in where]
        frame = replace(unit.frame, strings=unit.frame.strings + 1)
        self.analyze_text(_Unit(text, frame, offsets), env)

    def redirect_text(self, node: Any, unit: _Unit, env: _Env) -> None:
        for child in node.named_children:
            if child.type == "heredoc_body":
                s, e = unit.s(child), unit.e(child)
                offsets = [unit.o(k) for k in range(s, e + 1)]
                frame = replace(unit.frame, strings=unit.frame.strings + 1)
                self.analyze_text(_Unit(unit.text[s:e], frame, offsets), env)
            elif node.type == "herestring_redirect" and child.type in (
                "string",
                "raw_string",
                "word",
                "concatenation",
            ):
                self.inner_string(child, unit, env)

    def script(
        self, path: str, unit: _Unit, env: _Env, start: int, end: int, same_shell: bool
    ) -> None:
        if path.startswith(("~", "$")):
            return
        if path.startswith("/"):
            rel = posixpath.normpath(path)  # an in-image path: the resolver maps it or not
        elif env.cwd is None:
            return
        else:
            rel = posixpath.normpath(posixpath.join(env.cwd, path))
        resolver = self._at(".")
        if resolver is None:
            return
        frame = self.follow(unit, start, end, ("file", rel))
        if frame is None:
            return
        found = resolver.script_file(rel)
        if found is None:
            return
        text, step = found
        if not _is_shell_script(text):
            return
        frame = replace(frame, origin=_LinesOrigin(text, number=True), chain=(*frame.chain, step))
        self.analyze_text(_Unit(text, frame), env if same_shell else _Env(env.cwd))

    # -- package managers ----------------------------------------------------------------

    def package_manager(
        self, pm: str, args: list[_Word], unit: _Unit, env: _Env, start: int, end: int
    ) -> None:
        cwd: str | None = env.cwd
        selection = _Selection()
        i = self._pm_options(pm, args, 0, selection, env)
        if i is None:
            return
        if selection.cwd_set:
            cwd = selection.cwd
        sub = args[i].text if i < len(args) else None
        rest = args[i + 1 :]
        if sub is None:
            if i >= len(args) and pm == "yarn":
                self.install_scripts(pm, unit, cwd, start, end)
            return
        if pm == "yarn" and sub == "workspace" and len(rest) >= 2:
            if rest[0].text is None:
                return
            selection.selectors.append(rest[0].text)
            sub, rest = rest[1].text, rest[2:]
            if sub is None:
                return
        elif pm == "yarn" and sub == "workspaces" and rest:
            found = self._yarn_foreach(rest, selection)
            if found is None or found[0] is None:
                return
            sub, rest = found[0], found[1]
        if sub in ("run", "run-script", "rum", "urn") or (pm == "bun" and sub == "run"):
            found_k = self._pm_options(pm, rest, 0, selection, env)  # `run -r build`
            if found_k is None:
                return
            k = found_k + 1 if found_k < len(rest) and rest[found_k].text == "--" else found_k
            if selection.cwd_set:
                cwd = selection.cwd
            if k >= len(rest) or rest[k].text is None:
                return
            script = rest[k].text or ""
            extra = self._script_args(pm, rest[k + 1 :], selection, env)
            invocation = unit.text[start : rest[k].end]
            self.run_script(
                pm, script, extra, unit, env, cwd, selection, start, end, invocation,
                bins=pm != "npm",
            )
            return
        if sub in _PM_EXEC.get(pm, ()):
            k = _skip_options(rest, 0, frozenset({"-p", "--package", "-c", "--call"}))
            if any(w.text in ("-c", "--call") for w in rest[:k]):
                return
            if k < len(rest):
                inner = [replace(rest[k], text=_strip_version(rest[k].text or "")), *rest[k + 1 :]]
                chosen = self.packages_for(cwd, selection)
                places: list[str | None] = [*chosen] if chosen else [cwd]
                for where in places:
                    self.dispatch(inner, unit, _Env(where, env.functions), [], end)
            return
        if sub in _PM_INSTALL.get(pm, ()):
            if not any(not _is_option(w) for w in rest):
                self.install_scripts(pm, unit, cwd, start, end)
            if sub in ("it", "install-test", "cit", "install-ci-test", "clean-install-test"):
                invocation = unit.text[start : args[i].end]
                self.run_script(
                    pm, "test", [], unit, env, cwd, selection, start, end, invocation, bins=False
                )
            return
        lifecycle = _PM_LIFECYCLE.get(pm, {})
        if sub in lifecycle:
            invocation = unit.text[start : args[i].end]
            extra = self._script_args(pm, rest, selection, env)
            self.run_script(
                pm, lifecycle[sub], extra, unit, env, cwd, selection, start, end, invocation,
                bins=False,
            )
            return
        if pm == "npm" or sub in _PM_BUILTINS.get(pm, frozenset()):
            if pm == "bun" and sub == "test":
                self.match([_Word("bun", start, start + 3), *args[i:]], unit, env, [], start, end)
            return
        invocation = unit.text[start : args[i].end]
        extra = self._script_args(pm, rest, selection, env)
        self.run_script(
            pm, sub, extra, unit, env, cwd, selection, start, end, invocation, bins=True
        )

    def _pm_options(
        self,
        pm: str,
        args: list[_Word],
        i: int,
        selection: _Selection,
        env: _Env,
    ) -> int | None:
        """Read package-manager options from args[i:] up to the first positional (its
        index; None when a word has an expansion). Workspace options go to
        `selection`; a directory option sets `selection.cwd`."""
        while i < len(args):
            t = args[i].text
            if t is None:
                return None
            if not t.startswith("-") or t == "--":
                return i
            key, eq, value = t.partition("=")
            if pm == "pnpm" and key in ("-w", "--workspace-root"):
                root = self._workspace_root(selection.cwd if selection.cwd_set else env.cwd)
                if root is not None:
                    selection.cwd, selection.cwd_set = root, True
                i += 1
                continue
            if key in _PM_TAKES:
                if not eq:
                    value = (args[i + 1].text or "") if i + 1 < len(args) else ""
                    i += 1
                base = selection.cwd if selection.cwd_set else env.cwd
                if key in ("--prefix", "--cwd", "--dir") or (key == "-C" and pm == "pnpm"):
                    selection.cwd, selection.cwd_set = self._cd(base, [_Word(value, 0, 0)]), True
                elif key in ("-w", "--workspace", "--filter", "-F", "--filter-prod"):
                    selection.selectors.append(value)
            elif key in ("-r", "--recursive", "-ws", "--workspaces"):
                selection.everything = selection.recursive = True
            elif key == "--include-workspace-root":
                selection.root = True
            i += 1
        return i

    def _script_args(
        self, pm: str, words: list[_Word], selection: _Selection, env: _Env
    ) -> list[_Word]:
        """The words a package manager passes on to the script it runs.

        npm parses options after the script name as its own (`--workspace=x`) and
        passes positionals plus everything after `--`; pnpm, yarn and bun pass every
        word after the script name (a leading `--` dropped)."""
        if pm != "npm":
            return words[1:] if words and words[0].text == "--" else list(words)
        out: list[_Word] = []
        i = 0
        while i < len(words):
            t = words[i].text
            if t == "--":
                return out + list(words[i + 1 :])
            if t is not None and t.startswith("-") and t != "-":
                got = self._pm_options(pm, words, i, selection, env)
                i = got if got is not None and got > i else i + 1
                continue
            out.append(words[i])
            i += 1
        return out

    def _yarn_foreach(
        self, rest: list[_Word], selection: _Selection
    ) -> tuple[str | None, list[_Word]] | None:
        """`yarn workspaces foreach [-A] [--include x] run build` (Berry) and
        `yarn workspaces run build` (classic): (subcommand, its words)."""
        if rest[0].text == "run":  # yarn 1
            selection.everything = selection.recursive = True
            return "run", rest[1:]
        if rest[0].text != "foreach":
            return None
        selection.everything = selection.recursive = selection.root = True
        takes = frozenset({"--include", "--exclude", "--from", "-j", "--jobs", "--since"})
        i = 1
        while i < len(rest):
            t = rest[i].text
            if t is None:
                return None
            if not t.startswith("-"):
                break
            key, eq, value = t.partition("=")
            if key in takes:
                if not eq:
                    value = (rest[i + 1].text or "") if i + 1 < len(rest) else ""
                    i += 1
                if key == "--include":
                    selection.selectors.append(value)
                    selection.everything = False
                elif key == "--exclude":
                    selection.selectors.append("!" + value)
            i += 1
        if i >= len(rest):
            return None
        return rest[i].text, rest[i + 1 :]

    # -- workspaces ------------------------------------------------------------------------

    def _workspace_root(self, cwd: str | None) -> str | None:
        for package in self._ask(cwd, "workspace_packages") or ():
            if package.root:
                return posixpath.normpath(posixpath.join(cwd or ".", package.directory))
        return None

    def packages_for(self, cwd: str | None, selection: _Selection) -> list[str] | None:
        """The directories (relative to the service directory) a workspace selection
        names; None when there is no selection, no workspace, or nothing matches."""
        if not selection or cwd is None:
            return None
        packages = self._ask(cwd, "workspace_packages")
        if not packages:
            return None
        chosen = _select_packages(packages, selection)
        if not chosen:
            return None
        return [posixpath.normpath(posixpath.join(cwd, p.directory)) for p in chosen]

    def _has_script(self, cwd: str, name: str) -> bool:
        resolver = self._at(cwd)
        return resolver is not None and resolver.package_script(name) is not None

    def _runs_pre_post(self, pm: str, cwd: str | None) -> bool:
        """Whether `<pm> run x` also runs `prex` and `postx` (see `analyze`)."""
        if pm not in ("npm", "yarn", "pnpm"):  # bun, `node --run`, `deno task`
            return False
        if pm == "yarn":
            used = self._ask(cwd, "package_manager")
            if used is not None and used[0] == "yarn" and (used[1] or 1) >= 2:
                return False  # Yarn Berry: only lifecycle scripts
        return True

    def run_script(
        self,
        pm: str,
        script: str,
        extra: list[_Word],
        unit: _Unit,
        env: _Env,
        cwd: str | None,
        selection: _Selection | None,
        start: int,
        end: int,
        invocation: str,
        bins: bool,
        via: tuple[Step, ...] = (),
    ) -> None:
        """Follow `<pm> run <script>` into package.json. `via`: Steps that lead from the
        invocation to the script (a turbo.json `dependsOn` entry, an Nx target)."""
        if selection:
            where = self.packages_for(cwd, selection)
            if where is None:  # another workspace we cannot see: by the script's name
                entry = script_entry(script, self.table)
                if entry is not None:
                    what = entry.label.replace("{pm}", pm).replace("{script}", script)
                    self.detect(unit, entry.category, what, start, end, invocation)
                return
            # like pnpm, skip the selected packages without the script; when none has
            # it, a recursive run does nothing and a named one falls back to a binary
            having = [d for d in where if self._has_script(d, script)]
            if not having and not selection.recursive:
                having = where[:1]
            for directory in having:
                self.run_script(
                    pm, script, extra, unit, env, directory, None, start, end, invocation,
                    bins=bins and not selection.recursive,
                )
            return
        resolver = self._at(cwd)
        found = resolver.package_script(script) if resolver is not None else None
        followed = False
        if found is not None and resolver is not None:
            names = [script]
            if self._runs_pre_post(pm, cwd):
                names = [f"pre{script}", script, f"post{script}"]
            for name in names:
                got = found if name == script else resolver.package_script(name)
                if got is None:
                    continue
                frame = self.follow(unit, start, end, ("script", cwd or ".", name))
                if frame is None:
                    continue
                followed = True
                text, step = got
                frame = replace(
                    frame,
                    origin=_JsonValueOrigin(text, step),
                    chain=(*frame.chain, *via, step),
                    seed=_is_seed_script(name),
                )
                offsets = None
                if name == script and extra:
                    # like npm/pnpm/yarn: the arguments are appended to the script's text
                    suffix = " " + " ".join(_quoted(w, unit) for w in extra)
                    offsets = [*range(len(text) + 1), *[len(text)] * len(suffix)]
                    text += suffix
                self.analyze_text(_Unit(text, frame, offsets), _Env(cwd))
        if followed:
            return
        entry = script_entry(script, self.table)
        if entry is not None:
            what = entry.label.replace("{pm}", pm).replace("{script}", script)
            self.detect(unit, entry.category, what, start, end, invocation)
        if bins and found is None:
            # yarn/pnpm/bun run a binary of that name when there is no such script
            first = _Word(script, start, end)
            self.dispatch([first, *extra], unit, _Env(cwd, env.functions), [], end)

    def turbo(self, args: list[_Word], unit: _Unit, env: _Env, start: int, end: int) -> None:
        """`turbo run build [--filter=x]`: each selected workspace package's script, with
        the tasks turbo.json `dependsOn` adds (`^build`: the dependencies' build)."""
        tasks: list[str] = []
        filters: list[str] = []
        passthrough: list[_Word] = []
        only = False
        cwd = env.cwd
        i = 0
        seen_sub = False
        while i < len(args):
            t = args[i].text
            if t is None:
                i += 1
                continue
            if t == "--":
                passthrough = list(args[i + 1 :])
                break
            key, eq, value = t.partition("=")
            if t.startswith("-"):
                if key in _TURBO_TAKES and not eq:
                    value = (args[i + 1].text or "") if i + 1 < len(args) else ""
                    i += 1
                if key in ("--filter", "-F", "--scope"):
                    filters.append(value)
                elif key == "--cwd":
                    cwd = self._cd(cwd, [_Word(value, 0, 0)])
                elif key in ("--dry-run", "--dry", "--graph", "-h", "--help", "--version"):
                    return  # nothing runs
                elif key == "--only":
                    only = True
                i += 1
                continue
            if not seen_sub:
                seen_sub = True
                if t in ("run", "watch"):
                    i += 1
                    continue
                if t in _TURBO_COMMANDS:
                    return
            tasks.append(t)
            i += 1
        if not tasks or cwd is None:
            return
        invocation = unit.text[start:end]
        used = self._ask(cwd, "package_manager")
        pm = used[0] if used is not None and used[0] in PACKAGE_MANAGERS else "npm"
        packages = self._ask(cwd, "workspace_packages") or []
        members = [p for p in packages if not p.root]
        if not members:  # a single-package repository: the root's scripts
            for task in tasks:
                if self._has_script(cwd, task):
                    self.run_script(
                        pm, task, passthrough, unit, env, cwd, None, start, end, invocation,
                        bins=False,
                    )
            return
        selection = _Selection()
        selection.selectors = filters
        selection.everything = not filters
        chosen = _select_packages(packages, selection) if filters else members
        by_name = {p.name: p for p in packages if p.name}
        # (package, task, the turbo.json dependsOn entries that pulled it in)
        todo: list[tuple[Any, str, tuple[Step, ...]]] = [
            (p, task, ()) for task in tasks for p in chosen
        ]
        seen: set[tuple[str, str]] = set()
        runs: list[tuple[Any, str, tuple[Step, ...]]] = []
        while todo:
            package, task, via = todo.pop(0)
            if (package.directory, task) in seen or len(seen) > 2000:
                continue
            seen.add((package.directory, task))
            runs.append((package, task, via))
            if only:
                continue
            for dep, step in self._turbo_dependencies(cwd, task, package.name):
                if dep.startswith("$"):
                    continue
                path = (*via, step) if step is not None else via
                if dep.startswith("^"):
                    todo.extend(
                        (by_name[d], dep[1:], path) for d in package.dependencies if d in by_name
                    )
                elif "#" in dep:
                    owner, _, other = dep.partition("#")
                    target = next((p for p in packages if p.root), None)
                    target = target if owner == "//" else by_name.get(owner)
                    if target is not None:
                        todo.append((target, other, path))
                else:
                    todo.append((package, dep, path))
        for package, task, via in runs:
            directory = posixpath.normpath(posixpath.join(cwd, package.directory))
            if not self._has_script(directory, task):
                continue
            self.run_script(
                pm, task, passthrough if task in tasks else [], unit, env, directory, None,
                start, end, invocation, bins=False, via=via,
            )

    def _turbo_dependencies(
        self, cwd: str | None, task: str, package: str
    ) -> list[tuple[str, Step | None]]:
        """turbo.json `dependsOn` of a task, with the Step of each entry when the
        resolver locates them (`turbo_task_dependency_steps`)."""
        steps = self._ask(cwd, "turbo_task_dependency_steps", task, package)
        if steps is not None:
            return list(steps)
        return [(d, None) for d in self._ask(cwd, "turbo_task_dependencies", task, package) or ()]

    # -- mix ---------------------------------------------------------------------------------

    def mix(self, words: list[_Word], unit: _Unit, env: _Env, start: int, end: int) -> bool:
        """`mix name` where mix.exs defines the alias `name`: its tasks instead (an
        alias that names another alias is expanded too; one that names itself runs the
        task of that name, as Mix does). False when no alias is involved."""
        args = words[1:]
        if not args or args[0].text is None:
            return False
        groups: list[list[_Word]] = [[]]
        if args[0].text == "do":
            for w in args[1:]:
                t = w.text
                if t in ("+", ","):
                    groups.append([])
                elif t is not None and t.endswith(",") and t != ",":
                    groups[-1].append(replace(w, text=t[:-1]))
                    groups.append([])
                else:
                    groups[-1].append(w)
        else:
            groups = [list(args)]
        plan: list[tuple[list[_Word], Any, tuple[str, str, str]]] = []
        for group in groups:
            if not group or group[0].text is None:
                continue
            key = ("mix", env.cwd or ".", group[0].text)
            found = None
            if key not in unit.frame.visiting:
                found = self._ask(env.cwd, "mix_alias", group[0].text)
            plan.append((group, found, key))
        if not any(found is not None for _, found, _ in plan):
            return False
        for group, found, key in plan:
            if found is None:
                self.match([words[0], *group], unit, env, [], start, end)
                continue
            frame = self.follow(unit, start, end, key)
            if frame is None:
                continue
            items, step = found
            lines = []
            for n, item in enumerate(items):
                try:
                    tokens = shlex.split(item)
                except ValueError:
                    continue
                if n == len(items) - 1:  # Mix appends the alias's arguments to its last task
                    tokens += [w.text for w in group[1:] if w.text is not None]
                if tokens:
                    lines.append("mix " + " ".join(shlex.quote(t) for t in tokens))
            frame = replace(frame, origin=_Origin(), chain=(*frame.chain, step))
            self.analyze_text(_Unit("\n".join(lines), frame), _Env(env.cwd))
        return True

    def install_scripts(self, pm: str, unit: _Unit, cwd: str | None, start: int, end: int) -> None:
        resolver = self._at(cwd)
        if resolver is None:
            return
        for name in (
            "preinstall",
            "install",
            "postinstall",
            "prepublish",
            "preprepare",
            "prepare",
            "postprepare",
        ):
            got = resolver.package_script(name)
            if got is None:
                continue
            frame = self.follow(unit, start, end, ("script", cwd or ".", name))
            if frame is None:
                continue
            text, step = got
            frame = replace(frame, origin=_JsonValueOrigin(text, step), chain=(*frame.chain, step))
            self.analyze_text(_Unit(text, frame), _Env(cwd))

    # -- make --------------------------------------------------------------------------------

    def make(self, args: list[_Word], unit: _Unit, env: _Env, start: int, end: int) -> None:
        cwd = env.cwd
        targets: list[str] = []
        i = 0
        while i < len(args):
            t = args[i].text
            if t is None:
                i += 1
                continue
            nxt = args[i + 1].text if i + 1 < len(args) else None
            if t in ("-C", "--directory") and nxt is not None:
                cwd = _cd(cwd, [_Word(nxt, 0, 0)])
                i += 2
                continue
            if t.startswith("--directory="):
                cwd = _cd(cwd, [_Word(t.split("=", 1)[1], 0, 0)])
            elif t.startswith("-C") and len(t) > 2:
                cwd = _cd(cwd, [_Word(t[2:], 0, 0)])
            elif t in ("-f", "--file", "--makefile") or t.startswith(
                ("--file=", "--makefile=", "-f")
            ):
                return  # another makefile: not followed
            elif (
                t in ("-j", "--jobs", "-l", "--load-average") and nxt is not None and nxt.isdigit()
            ) or t in ("-I", "--include-dir", "-o", "-W", "--what-if", "--old-file", "--new-file"):
                i += 2
                continue
            elif not t.startswith("-") and not _NAME_ASSIGN.match(t):
                targets.append(t)
            i += 1
        resolver = self._at(cwd)
        if resolver is None:
            return
        made: set[str] = set()  # one make run builds each target once
        for target in targets or [""]:
            self.make_target(resolver, target, unit, cwd, start, end, made, ())

    def make_target(
        self,
        resolver: Any,
        target: str,
        unit: _Unit,
        cwd: str | None,
        start: int,
        end: int,
        made: set[str],
        pending: tuple[str, ...],
    ) -> None:
        """A target's prerequisites, then its recipe. Like GNU make, a prerequisite that
        leads back to a target being made (`build: deps`, `deps: build`) is dropped
        ("Circular build <- deps dependency dropped")."""
        if target in made or target in pending or len(pending) > _MAX_MAKE_CHAIN:
            return
        frame = self.follow(unit, start, end, ("make", cwd or ".", target))
        if frame is None:
            return
        made.add(target)
        prerequisites = getattr(resolver, "make_prerequisites", None)
        if callable(prerequisites):
            for pre in prerequisites(target):
                self.make_target(resolver, pre, unit, cwd, start, end, made, (*pending, target))
        found = resolver.make_target(target)
        if found is None:
            return
        lines, step = found
        variables_of = getattr(resolver, "make_variables", None)
        variables: dict[str, str] = variables_of() if callable(variables_of) else {}
        block = "\n".join(lines)
        origin = _LinesOrigin(block, first_line=step.span.line + 1)
        frame = replace(frame, origin=origin, chain=(*frame.chain, step))
        for text, offsets in _recipe_commands(lines, variables):
            self.analyze_text(_Unit(text, frame, offsets), _Env(cwd))

    # -- SQL and inline code ------------------------------------------------------------------

    def inline_texts(
        self,
        words: list[_Word],
        unit: _Unit,
        env: _Env,
        redirects: list[Any],
        stdin: str | None,
        options: frozenset[str],
        reads_stdin: bool,
        file_options: tuple[str, ...] = ("-f", "--file"),
    ) -> list[str]:
        """Texts a command is given to run: the values of `options` (`-c TEXT`,
        `--command=TEXT`), `-f file` / `--file=file`, here-documents, here-strings,
        `< file` and the text piped in (the last four only when `reads_stdin`)."""
        texts: list[str] = []
        args = words[1:]
        files: list[str] = []
        for k, w in enumerate(args):
            t = w.text
            if t is None:
                continue
            nxt = args[k + 1].text if k + 1 < len(args) else None
            key, eq, value = t.partition("=")
            if t in options and nxt:
                texts.append(nxt)
            elif eq and key.startswith("--") and key in options:
                texts.append(value)
            elif t in file_options and nxt:
                files.append(nxt)
            elif eq and key in file_options:
                files.append(value)
        if reads_stdin:
            for r in redirects:
                for child in r.named_children:
                    if child.type == "heredoc_body":
                        texts.append(unit.raw(child))
                    elif r.type == "herestring_redirect":
                        texts.append(_reparse(child, unit)[0])
                    elif r.type == "file_redirect" and unit.raw(r).lstrip().startswith("<"):
                        name = _static(child, unit)
                        if name:
                            files.append(name)
            if stdin is not None:
                texts.append(stdin)
        for f in files:
            got = self.read_file(f, env)
            if got is not None:
                texts.append(got)
        return texts

    def sql(
        self,
        argv: Argv,
        words: list[_Word],
        unit: _Unit,
        env: _Env,
        redirects: list[Any],
        stdin: str | None = None,
    ) -> tuple[str, str] | None:
        entries = [e for e in self.table.sql_entries if argv.name in e.names]
        if not entries or any(a in ("--help", "--version") for a in argv.args):
            return None
        texts = self.inline_texts(words, unit, env, redirects, stdin, _SQL_OPTIONS, True)
        if argv.name == "sqlite3":
            pos = [w.text for w in words[1:] if w.text and not w.text.startswith("-")]
            texts.extend(pos[1:])
        for entry in entries:
            for text in texts:
                kind = sql_hit(text, self.table, entry.patterns)
                if kind is not None:
                    what = entry.label.replace("{cmd}", argv.shown).replace("{sql}", kind)
                    return what, f"{argv.shown}: {kind}"
        return None

    def code(
        self,
        argv: Argv,
        words: list[_Word],
        unit: _Unit,
        env: _Env,
        redirects: list[Any],
        stdin: str | None = None,
    ) -> tuple[str, str] | None:
        """Inline Python (`python -c CODE`, `python - <<'PY'`, `manage.py shell -c`)
        that drops tables: see `python_hit`."""
        for entry in self.table.code_entries:
            if match_entry(entry, argv, self.table) is None:
                continue
            texts: list[str] = []
            reads_stdin = True
            skip = False
            for k, w in enumerate(words[1:], 1):
                t = w.text
                if skip or t in ("-W", "-X"):  # python options that take a value
                    skip = not skip
                    continue
                if t in ("-c", "--command") or (t or "").startswith(("--command=", "-m")):
                    reads_stdin = False
                    if t in ("-c", "--command") and k + 1 < len(words):
                        nxt = words[k + 1].text
                        if nxt is not None:
                            texts.append(nxt)
                    elif (t or "").startswith("--command="):
                        texts.append((t or "").split("=", 1)[1])
                    break
                if argv.name == "python" and t is not None and t.startswith("-c") and len(t) > 2:
                    texts.append(t[2:])
                    reads_stdin = False
                    break
                if argv.name == "python" and (t is None or not t.startswith("-") or t == "-"):
                    reads_stdin = t == "-"  # `python file.py` reads code from the file
                    break
            if reads_stdin:
                texts += self.inline_texts(
                    words, unit, env, redirects, stdin, frozenset(), True, file_options=()
                )
            for text in texts:
                hit = python_hit(text, self.table)
                if hit is not None:
                    what = entry.label.replace("{cmd}", argv.shown).replace("{sql}", hit)
                    return what, f"{argv.shown}: {hit}"
        return None


_PM_EXEC = {
    "npm": ("exec", "x"),
    "pnpm": ("exec", "dlx"),
    "yarn": ("exec", "dlx"),
    "bun": ("x", "exec"),
}
_PM_INSTALL = {
    "npm": (
        "install",
        "i",
        "ci",
        "add",
        "clean-install",
        "isntall",
        "in",
        "it",
        "install-test",
        "cit",
        "install-ci-test",
        "clean-install-test",
    ),
    "pnpm": ("install", "i"),
    "yarn": ("install",),
    "bun": ("install", "i"),
}
_PM_LIFECYCLE: dict[str, dict[str, str]] = {
    "npm": {
        "test": "test",
        "t": "test",
        "tst": "test",
        "start": "start",
        "stop": "stop",
        "restart": "restart",
    },
    "pnpm": {"test": "test", "t": "test", "start": "start"},
    "yarn": {},
    "bun": {},
}
_PM_BUILTINS: dict[str, frozenset[str]] = {
    "yarn": frozenset(
        [
            "add",
            "audit",
            "autoclean",
            "bin",
            "cache",
            "check",
            "config",
            "constraints",
            "create",
            "dedupe",
            "dlx",
            "exec",
            "explain",
            "global",
            "help",
            "import",
            "info",
            "init",
            "install",
            "licenses",
            "link",
            "list",
            "login",
            "logout",
            "node",
            "npm",
            "outdated",
            "owner",
            "pack",
            "patch",
            "plugin",
            "policies",
            "publish",
            "rebuild",
            "remove",
            "search",
            "set",
            "stage",
            "tag",
            "team",
            "unlink",
            "unplug",
            "up",
            "upgrade",
            "upgrade-interactive",
            "version",
            "versions",
            "why",
            "workspaces",
        ]
    ),
    "pnpm": frozenset(
        [
            "add",
            "audit",
            "bin",
            "config",
            "create",
            "dedupe",
            "deploy",
            "dlx",
            "env",
            "exec",
            "fetch",
            "import",
            "init",
            "install-test",
            "licenses",
            "link",
            "list",
            "ll",
            "ls",
            "outdated",
            "pack",
            "patch",
            "patch-commit",
            "prune",
            "publish",
            "rebuild",
            "remove",
            "rm",
            "root",
            "server",
            "setup",
            "store",
            "un",
            "uninstall",
            "unlink",
            "up",
            "update",
            "why",
        ]
    ),
    "bun": frozenset(
        [
            "test",
            "install",
            "i",
            "add",
            "a",
            "remove",
            "rm",
            "update",
            "upgrade",
            "build",
            "create",
            "init",
            "link",
            "unlink",
            "pm",
            "x",
            "exec",
            "outdated",
            "publish",
            "patch",
            "audit",
            "info",
        ]
    ),
}


_SEED_SCRIPT = re.compile(r"^(?:seeds?|db:seed|seed[:-].*|.*[:-]seed|db:seed:.*)$")


def _is_seed_script(name: str) -> bool:
    """A package script named like a seeder (`seed`, `db:seed`, `seed:dev`): the
    JavaScript files it runs are read for statements that delete every row."""
    return bool(_SEED_SCRIPT.match(name))


def _field(parent: Any, child: Any) -> str | None:
    for i, c in enumerate(parent.children):
        if c.id == child.id:
            name: str | None = parent.field_name_for_child(i)
            return name
    return None


def _first_error(node: Any) -> Any:
    """The first ERROR or missing node, depth first (iterative: trees can be deep)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "ERROR" or current.is_missing:
            return current
        stack.extend(
            child
            for child in reversed(current.children)
            if child.has_error or child.is_missing or child.type == "ERROR"
        )
    return None


def _cd(cwd: str | None, args: list[_Word]) -> str | None:
    """The directory after `cd args` (relative to the service directory; it may climb
    out of it with `..`, the resolver never reads outside the checked root)."""
    targets = [w for w in args if not (w.text or "").startswith("-") or w.text == "-"]
    if cwd is None or not targets:
        return None
    t = targets[0].text
    if t is None or t.startswith(("/", "~", "$", "-")):
        return None
    return posixpath.normpath(posixpath.join(cwd, t))


def _arg_text(word: _Word) -> str | None:
    """A word as the table sees it: its static text; for an option whose value is an
    expansion (`-url=$URL`, `--schema=$S`) the option part and `$`, so that it still
    counts as an option; None for any other word with an expansion."""
    if word.text is not None:
        return word.text
    node = word.node
    if node is not None and node.type == "concatenation" and node.children:
        first = node.children[0]
        if first.type == "word":
            head = (first.text or b"").decode("utf-8", "replace")
            if head.startswith("-") and "=" in head:
                return head + "$"
    return None


def _quoted(word: _Word, unit: _Unit) -> str:
    """A word as shell text for the script it is passed to (an expansion stays one)."""
    return shlex.quote(word.text) if word.text is not None else '"$ARG"'


def _select_packages(packages: list[WorkspacePackage], selection: Any) -> list[WorkspacePackage]:
    """The workspace packages a selection names (pnpm/turbo filter syntax)."""
    members = [p for p in packages if not p.root or selection.root]
    if not selection.selectors:
        return members if selection.everything else []
    chosen: dict[str, WorkspacePackage] = {}
    excluded: set[str] = set()
    included = False
    for raw in selection.selectors:
        selector = raw.strip()
        negate = selector.startswith("!")
        matched = _match_selector(packages, selector[1:] if negate else selector)
        if negate:
            excluded.update(p.directory for p in matched)
        else:
            included = True
            for p in matched:
                chosen.setdefault(p.directory, p)
    base = list(chosen.values()) if included else members
    return [p for p in base if p.directory not in excluded]


def _match_selector(packages: list[WorkspacePackage], selector: str) -> list[WorkspacePackage]:
    """`name`, `@scope/*`, `name...` (with its dependencies), `name^...` (only them),
    `...name` (with its dependents), `./dir`, `{dir}`; `[ref]` (changed since a git
    ref: unknown here) selects every package."""
    if selector.startswith("["):
        return [p for p in packages if not p.root]
    deps = dependents = False
    itself = True
    if selector.endswith("..."):
        deps, selector = True, selector[:-3]
        if selector.endswith("^"):
            itself, selector = False, selector[:-1]
    if selector.startswith("..."):
        dependents, selector = True, selector[3:]
        if selector.startswith("^"):
            itself, selector = False, selector[1:]
    if "[" in selector:
        selector = selector.split("[", 1)[0]
    base = _match_base(packages, selector)
    out = {p.directory: p for p in base} if itself else {}
    by_name = {p.name: p for p in packages if p.name}
    if deps:
        todo = list(base)
        while todo:
            for name in todo.pop().dependencies:
                found = by_name.get(name)
                if found is not None and found.directory not in out:
                    out[found.directory] = found
                    todo.append(found)
    if dependents:
        todo = list(base)
        while todo:
            current = todo.pop()
            for p in packages:
                if current.name and current.name in p.dependencies and p.directory not in out:
                    out[p.directory] = p
                    todo.append(p)
    return list(out.values())


def _match_base(packages: list[WorkspacePackage], selector: str) -> list[WorkspacePackage]:
    if not selector:
        return []
    path = None
    if selector.startswith("{") and "}" in selector:
        path = selector[1 : selector.index("}")]
    elif selector.startswith("."):
        path = selector
    if path is None:
        found = [p for p in packages if p.name and fnmatch.fnmatchcase(p.name, selector)]
        if not found and "/" not in selector:  # `db` selects `@acme/db`
            found = [
                p
                for p in packages
                if p.name and fnmatch.fnmatchcase(p.name.rsplit("/", 1)[-1], selector)
            ]
        if found or selector.startswith("@") or "/" not in selector:
            return found
        path = selector  # npm -w packages/db
    if path.startswith("/"):
        return []
    want = posixpath.normpath(path)
    out = []
    for p in packages:
        directory = posixpath.normpath(p.directory)
        if (
            directory == want
            or fnmatch.fnmatchcase(directory, want)
            or (want.endswith("/**") and (directory + "/").startswith(want[:-2]))
        ):
            out.append(p)
    return out


def _is_shell_script(text: str) -> bool:
    first = text.split("\n", 1)[0]
    if not first.startswith("#!"):
        return True
    interpreter = first[2:].strip().split()
    if not interpreter:
        return True
    program = _base(interpreter[0])
    if program == "env" and len(interpreter) > 1:
        rest = [w for w in interpreter[1:] if not w.startswith("-")]
        program = _base(rest[0]) if rest else ""
    return program in SHELLS


def _recipe_commands(lines: list[str], variables: dict[str, str]) -> list[tuple[str, list[int]]]:
    """Each recipe command of a make rule: (shell text, offsets into "\\n".join(lines))."""
    out: list[tuple[str, list[int]]] = []
    base = 0
    current: list[tuple[str, int]] = []  # (line text without the tab, its offset)
    for line in lines:
        if current:
            # continuation: make drops the recipe prefix of the next line
            if line.startswith("\t"):
                current.append((line[1:], base + 1))
            else:
                current.append((line, base))
        elif line.startswith("\t"):
            current = [(line[1:], base + 1)]
        base += len(line) + 1
        if current and not current[-1][0].endswith("\\"):
            out.append(_expand_recipe(current, variables))
            current = []
    if current:
        out.append(_expand_recipe(current, variables))
    return [(t, o) for t, o in out if t.strip()]


def _expand_recipe(
    parts: list[tuple[str, int]], variables: dict[str, str]
) -> tuple[str, list[int]]:
    text = ""
    offsets: list[int] = []
    for k, (piece, at) in enumerate(parts):
        if k:
            text += "\n"
            offsets.append(at - 1)
        text += piece
        offsets.extend(range(at, at + len(piece)))
    # strip the recipe-line prefixes @ - +
    lead = 0
    while lead < len(text) and text[lead] in "@-+ \t":
        lead += 1
    text, offsets = text[lead:], offsets[lead:]
    end = offsets[-1] + 1 if offsets else 0
    out, out_offsets = _expand_make_vars(text, offsets, variables, 0)
    return out, [*out_offsets, end]


def _expand_make_vars(
    text: str, offsets: list[int], variables: dict[str, str], depth: int
) -> tuple[str, list[int]]:
    out: list[str] = []
    where: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "$" or i + 1 >= len(text):
            out.append(ch)
            where.append(offsets[i])
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            where.append(offsets[i])
            i += 2
            continue
        if nxt in "({":
            close = ")" if nxt == "(" else "}"
            level, j = 0, i + 1
            while j < len(text):
                if text[j] == nxt:
                    level += 1
                elif text[j] == close:
                    level -= 1
                    if level == 0:
                        break
                j += 1
            name = text[i + 2 : j].strip()
            value = _make_value(name, variables, depth)
            out.append(value)
            where.extend([offsets[i]] * len(value))
            i = j + 1
            continue
        # $@, $<, $X: automatic / one-letter variables
        value = _make_value(nxt, variables, depth)
        out.append(value)
        where.extend([offsets[i]] * len(value))
        i += 2
    return "".join(out), where


def _make_value(name: str, variables: dict[str, str], depth: int) -> str:
    if name in ("MAKE",):
        return "make"
    if name in variables and depth < 5 and " " not in name:
        raw = variables[name]
        value, _ = _expand_make_vars(raw, [0] * len(raw), variables, depth + 1)
        return value
    return "${MAKEVAR}"  # unknown: an expansion, never matches anything


def _stack_depth() -> int:
    frame: Any = sys._getframe(1)
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def analyze(command: str, resolver: Resolver | None = None, *, max_depth: int = 6) -> Analysis:
    """Detections (test runs, destructive database commands, migrations) in a shell command.

    `resolver` lets the analysis follow `npm run X`, `make X` and `./script.sh` into the
    repository; without it only the command itself is analysed.

    A command nested too deeply to analyse within Python's recursion limit (hundreds of
    `$(...)` levels) gets an Unparsable ("nested too deeply") for what was not analysed;
    what was found up to there is kept."""
    budget = sys.getrecursionlimit() - _stack_depth() - 150
    walker = _Walker(resolver, max_depth, command, limit=max(16, budget // 3))
    try:
        walker.analyze_text(_Unit(command, _Frame(_Origin())), _Env())
    except RecursionError:  # a last resort: the depth budget above should prevent it
        walker.too_deep = False
        walker.nested_too_deeply(_Unit(command, _Frame(_Origin())), 0, len(command))
    return Analysis(tuple(walker.detections), tuple(walker.unparsable))

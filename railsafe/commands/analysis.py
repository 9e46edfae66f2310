"""Shell command analysis: parse with tree-sitter-bash, follow scripts, match the table."""

from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import dataclass, field, replace
from typing import Any

from railsafe.commands.model import Analysis, Detection, Resolver, Step, Unparsable
from railsafe.commands.table import Argv, Table, load_table, match_argv, script_entry, sql_hit
from railsafe.findings import Span

SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ash", "ksh", "mksh", "busybox"})
PACKAGE_MANAGERS = frozenset({"npm", "yarn", "pnpm", "bun"})
_PYTHON = re.compile(r"^(?:python|pypy)(?:\d+(?:\.\d+)*)?$")
_NAME_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_MAKE_VAR = re.compile(
    r"^\s*(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*(?:\?|:{1,3}|\+|!)?=\s*(.*)$"
)

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
    """A package.json script value; exact columns when the JSON string has no escapes."""

    def __init__(self, value: str, step: Step):
        s = step.span
        self.exact = s.line == s.end_line and s.end_column - s.column == len(value) + 2
        self.step = step

    def span(self, start: int, end: int) -> Span:
        s = self.step.span
        if not self.exact:
            return s
        return Span(s.line, s.column + 1 + start, s.line, s.column + 1 + max(end, start + 1))

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


class _Unit:
    """One parsed text: its characters, their offsets in the origin text, its frame."""

    def __init__(self, text: str, frame: _Frame, offsets: list[int] | None = None):
        self.text = text
        self.frame = frame
        self.offsets = offsets  # len(text) + 1 entries; None: identity
        data = text.encode("utf-8")
        self.data = data
        self.b2c: list[int] | None = None
        if len(data) != len(text):
            table = [0] * (len(data) + 1)
            pos = 0
            for i, ch in enumerate(text):
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


class _Walker:
    def __init__(self, resolver: Resolver | None, max_depth: int, top: str):
        self.resolver = resolver
        self.max_depth = max_depth
        self.table: Table = load_table()
        self.detections: list[Detection] = []
        self.unparsable: list[Unparsable] = []
        self.top = top
        self._resolvers: dict[str, Any] = {}

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
        self, unit: _Unit, category: str, what: str, start: int, end: int, text: str
    ) -> None:
        a, b = self._anchor(unit, start, end)
        found = Detection(category, what, a, b, self._chain(unit, start, end), text)
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

    # -- parsing -----------------------------------------------------------------

    def analyze_text(self, unit: _Unit, env: _Env) -> None:
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
        kind = node.type
        if kind == "comment":
            return
        if kind == "command":
            self.command(node, unit, env, [])
        elif kind == "redirected_statement":
            body = node.child_by_field_name("body")
            redirects = [c for c in node.named_children if c is not body]
            if body is not None and body.type == "command":
                self.command(body, unit, env, redirects)
            elif body is not None:
                self.walk(body, unit, env)
            for r in redirects:
                self.walk(r, unit, env)
        elif kind in ("subshell", "pipeline", "command_substitution", "process_substitution"):
            inner = env.copy()
            for child in node.named_children:
                self.walk(child, unit, inner)
        elif kind == "function_definition":
            name = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            if name is not None and body is not None:
                env.functions[unit.raw(name)] = (body, unit)
        else:
            for child in node.named_children:
                self.walk(child, unit, env)

    # -- one simple command -----------------------------------------------------------

    def command(self, node: Any, unit: _Unit, env: _Env, redirects: list[Any]) -> None:
        words: list[_Word] = []
        for child in node.children:
            field_name = _field(node, child)
            if child.type == "variable_assignment":
                self.walk(child, unit, env)
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
        self.dispatch(words, unit, env, redirects, end)

    def dispatch(
        self, words: list[_Word], unit: _Unit, env: _Env, redirects: list[Any], end: int
    ) -> None:
        start = words[0].start
        words = self.unwrap(words)
        if not words or words[0].text is None:
            return
        name_raw = words[0].text
        name = _base(name_raw)
        args = words[1:]

        if name_raw in env.functions:
            body, fn_unit = env.functions[name_raw]
            key = ("function", name_raw, str(id(body)))
            if key not in unit.frame.visiting and fn_unit is unit:
                inner = _Unit.__new__(_Unit)
                inner.__dict__.update(unit.__dict__)
                inner.frame = replace(unit.frame, visiting=unit.frame.visiting | {key})
                self.walk(body, inner, env)
            return
        if name in ("cd", "pushd") and "/" not in name_raw:
            env.cwd = _cd(env.cwd, args)
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
        if self.match(words, unit, env, redirects, start, end):
            return
        if "/" in name_raw or name_raw.endswith(".sh"):
            self.script(name_raw, unit, env, start, end, same_shell=False)

    def match(
        self, words: list[_Word], unit: _Unit, env: _Env, redirects: list[Any], start: int, end: int
    ) -> bool:
        """Report the table entries `words` match; True when there was any."""
        argv = self.argv(words)
        hits = match_argv(argv, self.table)
        sql = self.sql(argv, words, unit, env, redirects)
        for hit in hits:
            last = words[hit.last_arg + 1] if hit.last_arg + 1 < len(words) else words[0]
            text = unit.text[words[0].start : max(last.end, words[0].end)]
            self.detect(unit, hit.entry.category, hit.what, start, end, text)
        if sql is not None:
            what, text = sql
            self.detect(unit, "destructive-db", what, start, end, text)
        return bool(hits) or sql is not None

    # -- wrappers ---------------------------------------------------------------------

    def unwrap(self, words: list[_Word]) -> list[_Word]:
        """Strip env prefixes and wrappers; python -m X / python file -> X / file."""
        for _ in range(12):
            if not words or words[0].text is None:
                return words
            name = _base(words[0].text)
            rest = self._unwrap_once(name, words)
            if rest is None:
                return words
            words = rest
        return words

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

    def argv(self, words: list[_Word]) -> Argv:
        shown = _base(words[0].text or "")
        name = self.table.aliases.get(shown, shown)
        return Argv(name, shown, tuple(w.text for w in words[1:]))

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
        if path.startswith(("/", "~", "$")) or env.cwd is None:
            return
        resolver = self._at(".")
        if resolver is None:
            return
        rel = posixpath.normpath(posixpath.join(env.cwd, path))
        if rel.startswith("../"):
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
        takes = frozenset(
            {
                "--prefix",
                "--cwd",
                "-C",
                "--dir",
                "-w",
                "--workspace",
                "--filter",
                "-F",
                "--loglevel",
                "--registry",
                "--reporter",
            }
        )
        cwd: str | None = env.cwd
        elsewhere = False
        i = 0
        while i < len(args):
            t = args[i].text
            if t is None:
                return
            if not t.startswith("-"):
                break
            key, _, value = t.partition("=")
            if key in takes:
                if not value:
                    value = args[i + 1].text or "" if i + 1 < len(args) else ""
                    i += 1
                if key in ("--prefix", "--cwd", "--dir") or (key == "-C" and pm == "pnpm"):
                    cwd = _cd(cwd, [_Word(value, 0, 0)])
                else:
                    elsewhere = True
            elif key in ("-r", "--recursive", "-ws", "--workspaces"):
                elsewhere = True
            i += 1
        sub = args[i].text if i < len(args) else None
        rest = args[i + 1 :]
        if sub is None:
            if i >= len(args) and pm == "yarn":
                self.install_scripts(pm, unit, cwd, start, end)
            return
        if pm == "yarn" and sub in ("workspace",) and len(rest) >= 2:
            elsewhere = True
            sub, rest = rest[1].text, rest[2:]
            if sub is None:
                return
        if sub in ("run", "run-script", "rum", "urn") or (pm == "bun" and sub == "run"):
            k = _skip_options(rest, 0, takes)
            if k >= len(rest) or rest[k].text is None:
                return
            script = rest[k].text or ""
            for w in rest[k + 1 :]:
                if w.text == "--":
                    break
                if (w.text or "").split("=", 1)[0] in ("-w", "--workspace", "--workspaces", "-ws"):
                    elsewhere = True
            invocation = unit.text[start : rest[k].end]
            self.run_script(
                pm,
                script,
                rest[k + 1 :],
                unit,
                env,
                cwd,
                elsewhere,
                start,
                end,
                invocation,
                bins=pm != "npm",
            )
            return
        if sub in _PM_EXEC.get(pm, ()):
            k = _skip_options(rest, 0, frozenset({"-p", "--package", "-c", "--call"}))
            if any(w.text in ("-c", "--call") for w in rest[:k]):
                return
            if k < len(rest):
                inner = [replace(rest[k], text=_strip_version(rest[k].text or "")), *rest[k + 1 :]]
                self.dispatch(inner, unit, _Env(cwd, env.functions), [], end)
            return
        if sub in _PM_INSTALL.get(pm, ()):
            if not any(not _is_option(w) for w in rest):
                self.install_scripts(pm, unit, cwd, start, end)
            if sub in ("it", "install-test", "cit", "install-ci-test", "clean-install-test"):
                invocation = unit.text[start : args[i].end]
                self.run_script(
                    pm, "test", [], unit, env, cwd, elsewhere, start, end, invocation, bins=False
                )
            return
        lifecycle = _PM_LIFECYCLE.get(pm, {})
        if sub in lifecycle:
            invocation = unit.text[start : args[i].end]
            self.run_script(
                pm,
                lifecycle[sub],
                rest,
                unit,
                env,
                cwd,
                elsewhere,
                start,
                end,
                invocation,
                bins=False,
            )
            return
        if pm == "npm" or sub in _PM_BUILTINS.get(pm, frozenset()):
            if pm == "bun" and sub == "test":
                self.match([_Word("bun", start, start + 3), *args[i:]], unit, env, [], start, end)
            return
        invocation = unit.text[start : args[i].end]
        self.run_script(pm, sub, rest, unit, env, cwd, elsewhere, start, end, invocation, bins=True)

    def run_script(
        self,
        pm: str,
        script: str,
        rest: list[_Word],
        unit: _Unit,
        env: _Env,
        cwd: str | None,
        elsewhere: bool,
        start: int,
        end: int,
        invocation: str,
        bins: bool,
    ) -> None:
        resolver = None if elsewhere else self._at(cwd)
        found = resolver.package_script(script) if resolver is not None else None
        followed = False
        if found is not None and resolver is not None:
            names = [script] if pm == "bun" else [f"pre{script}", script, f"post{script}"]
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
                    frame, origin=_JsonValueOrigin(text, step), chain=(*frame.chain, step)
                )
                self.analyze_text(_Unit(text, frame), _Env(cwd))
        if followed:
            return
        entry = script_entry(script, self.table)
        if entry is not None:
            what = entry.label.replace("{pm}", pm).replace("{script}", script)
            self.detect(unit, entry.category, what, start, end, invocation)
        if bins and found is None:
            # yarn/pnpm/bun run a binary of that name when there is no such script
            first = _Word(script, start, end)
            self.dispatch([first, *rest], unit, _Env(cwd, env.functions), [], end)

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
        for target in targets or [""]:
            self.make_target(resolver, target, unit, cwd, start, end)

    def make_target(
        self, resolver: Any, target: str, unit: _Unit, cwd: str | None, start: int, end: int
    ) -> None:
        frame = self.follow(unit, start, end, ("make", cwd or ".", target))
        if frame is None:
            return
        prerequisites = getattr(resolver, "make_prerequisites", None)
        if callable(prerequisites):
            for pre in prerequisites(target):
                self.make_target(resolver, pre, unit, cwd, start, end)
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

    # -- SQL ---------------------------------------------------------------------------------

    def sql(
        self, argv: Argv, words: list[_Word], unit: _Unit, env: _Env, redirects: list[Any]
    ) -> tuple[str, str] | None:
        entries = [e for e in self.table.sql_entries if argv.name in e.names]
        if not entries or any(a in ("--help", "--version") for a in argv.args):
            return None
        texts: list[str] = []
        args = words[1:]
        files: list[str] = []
        for k, w in enumerate(args):
            t = w.text
            if t is None:
                continue
            nxt = args[k + 1].text if k + 1 < len(args) else None
            if t in ("-c", "--command", "-e", "--execute", "-Q", "-q", "--query") and nxt:
                texts.append(nxt)
            elif t.startswith(("--command=", "--execute=", "--query=")):
                texts.append(t.split("=", 1)[1])
            elif t in ("-f", "--file") and nxt:
                files.append(nxt)
            elif t.startswith("--file="):
                files.append(t.split("=", 1)[1])
        if argv.name == "sqlite3":
            pos = [w.text for w in args if w.text and not w.text.startswith("-")]
            texts.extend(pos[1:])
        for r in redirects:
            for child in r.named_children:
                if child.type == "heredoc_body":
                    texts.append(unit.raw(child))
                elif r.type == "herestring_redirect":
                    value, _ = _reparse(child, unit)
                    texts.append(value)
                elif r.type == "file_redirect" and unit.raw(r).lstrip().startswith("<"):
                    name = _static(child, unit)
                    if name:
                        files.append(name)
        resolver = self._at(".")
        if resolver is not None and env.cwd is not None:
            for f in files:
                if not f.startswith("/"):
                    got = resolver.script_file(posixpath.normpath(posixpath.join(env.cwd, f)))
                    if got is not None:
                        texts.append(got[0])
        for text in texts:
            kind = sql_hit(text, self.table)
            if kind is not None:
                what = entries[0].label.replace("{cmd}", argv.shown).replace("{sql}", kind)
                return what, f"{argv.shown}: {kind}"
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


def _field(parent: Any, child: Any) -> str | None:
    for i, c in enumerate(parent.children):
        if c.id == child.id:
            name: str | None = parent.field_name_for_child(i)
            return name
    return None


def _first_error(node: Any) -> Any:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing or child.type == "ERROR":
            found = _first_error(child)
            if found is not None:
                return found
    return None


def _cd(cwd: str | None, args: list[_Word]) -> str | None:
    targets = [w for w in args if not (w.text or "").startswith("-") or w.text == "-"]
    if cwd is None or not targets:
        return None
    t = targets[0].text
    if t is None or t.startswith(("/", "~", "$", "-")):
        return None
    joined = posixpath.normpath(posixpath.join(cwd, t))
    return None if joined == ".." or joined.startswith("../") else joined


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


def analyze(command: str, resolver: Resolver | None = None, *, max_depth: int = 6) -> Analysis:
    """Detections (test runs, destructive database commands, migrations) in a shell command.

    `resolver` lets the analysis follow `npm run X`, `make X` and `./script.sh` into the
    repository; without it only the command itself is analysed."""
    walker = _Walker(resolver, max_depth, command)
    walker.analyze_text(_Unit(command, _Frame(_Origin())), _Env())
    return Analysis(tuple(walker.detections), tuple(walker.unparsable))

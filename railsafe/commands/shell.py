"""The shell text the walker reads: tree-sitter-bash parsing, words and offsets.

Every text the walker analyses (the command, a followed script, a package.json value,
a recipe) is a `Unit`: its characters, where each one sits in the text the user wrote
(`Origin`: the command, or a line and column of a followed file), and the `Frame` that
says how it was reached. Words are read here (`static_value`: the value of a word
without expansions; `reparse`: a word as an inner `sh -c` sees it). tree_sitter is
imported on the first parse.

Railway references (`${{Postgres.DATABASE_URL}}`, railway-facts §6.2) are opaque
words: expansions whose value is unknown (`mask_references`).
"""

from __future__ import annotations

import bisect
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from railsafe.commands.types import Step
from railsafe.findings import Span

SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ash", "ksh", "mksh", "busybox"})
NAME_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
STATIC_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=[\w.:/@%+,-]*$")

_parser: Any = None


def parse(data: bytes) -> Any:
    global _parser
    if _parser is None:
        import tree_sitter

        from railsafe.resources import grammar

        _parser = tree_sitter.Parser(tree_sitter.Language(grammar("tree_sitter_bash")))
    return _parser.parse(data)


# --- where a parsed text came from ----------------------------------------------


class Origin:
    """A text that offsets refer to: the top-level command or a followed file."""

    def span(self, start: int, end: int) -> Span | None:
        return None

    def label(self, step: Step, start: int) -> str:
        return step.label

    def where(self, start: int) -> str:
        return ""


class LinesOrigin(Origin):
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


class JsonValueOrigin(Origin):
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
class Frame:
    """What is being followed: the top-level anchor, the chain so far, the depth."""

    origin: Origin
    anchor: tuple[int, int] | None = None  # offsets of the top-level invocation
    chain: tuple[Step, ...] = ()  # the last Step is the file `origin` belongs to
    visiting: frozenset[tuple[str, ...]] = frozenset()
    strings: int = 0  # nesting of `sh -c '...'`
    seed: bool = False  # a seed script's text: the JavaScript files it runs are read


@dataclass
class Env:
    cwd: str | None = "."  # relative to the service directory; None: unknown
    functions: dict[str, tuple[Any, Unit]] = field(default_factory=dict)

    def copy(self) -> Env:
        return Env(self.cwd, dict(self.functions))


@dataclass(frozen=True)
class Word:
    text: str | None  # static value, None when it holds an expansion
    start: int  # char offsets in the unit's text
    end: int
    node: Any = None


_REFERENCE = re.compile(r"\$\{\{[^{}\n]*\}\}")


def mask_references(text: str) -> str:
    """Railway references (`${{Postgres.DATABASE_URL}}`, railway-facts §6.2) replaced
    by a same-length shell expansion (`$R______...`): tree-sitter-bash rejects `${{`,
    and the value is unknown anyway (an expansion never matches the table)."""
    return _REFERENCE.sub(lambda m: "$R" + "_" * (len(m[0]) - 2), text)


class Unit:
    """One parsed text: its characters, their offsets in the origin text, its frame.

    The text parsed (`data`) has Railway references masked; `text` stays as written,
    with the same character offsets."""

    def __init__(self, text: str, frame: Frame, offsets: list[int] | None = None):
        self.text = text
        self.frame = frame
        self.offsets = offsets  # len(text) + 1 entries; None: identity
        parsed = mask_references(text) if "${{" in text else text
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

    def with_frame(self, frame: Frame) -> Unit:
        """The same parsed text seen from another frame (a function body's caller)."""
        twin = Unit.__new__(Unit)
        twin.__dict__.update(self.__dict__)
        twin.frame = frame
        return twin


# --- words ----------------------------------------------------------------------------

_DQ_ESCAPES = frozenset('\\"$`\n')


def _unescape_word(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw, flags=re.DOTALL)


def static_value(node: Any, unit: Unit) -> str | None:
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
        pieces = [static_value(child, unit) for child in node.children]
        if any(p is None for p in pieces):
            return None
        return "".join(p for p in pieces if p is not None)
    return None


def reparse(node: Any, unit: Unit) -> tuple[str, list[int]]:
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
            piece, where = reparse(child, unit)
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


def base_name(word: str) -> str:
    return word.rstrip("/").rsplit("/", 1)[-1]


def strip_version(package: str) -> str:
    """`prisma@5` -> `prisma`; `@scope/pkg@1` -> `pkg`."""
    if package.startswith("@"):
        package = package.split("/", 1)[-1]
    return base_name(package.split("@", 1)[0])


def is_option(word: Word) -> bool:
    return word.text is not None and word.text.startswith("-") and word.text != "-"


def skip_options(words: list[Word], i: int, takes_value: frozenset[str] = frozenset()) -> int:
    """Index of the first non-option word at or after i (`--` is consumed)."""
    while i < len(words):
        t = words[i].text
        if t == "--":
            return i + 1
        if t is None or not t.startswith("-") or t == "-":
            return i
        i += 2 if t in takes_value else 1
    return i


def after_dashdash(words: list[Word], i: int) -> int | None:
    for k in range(i, len(words)):
        if words[k].text == "--":
            return k + 1
    return None


def field_of(parent: Any, child: Any) -> str | None:
    for i, c in enumerate(parent.children):
        if c.id == child.id:
            name: str | None = parent.field_name_for_child(i)
            return name
    return None


def first_error(node: Any) -> Any:
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


def cd_path(cwd: str | None, args: list[Word]) -> str | None:
    """The directory after `cd args` (relative to the service directory; it may climb
    out of it with `..`, the resolver never reads outside the checked root)."""
    targets = [w for w in args if not (w.text or "").startswith("-") or w.text == "-"]
    if cwd is None or not targets:
        return None
    t = targets[0].text
    if t is None or t.startswith(("/", "~", "$", "-")):
        return None
    return posixpath.normpath(posixpath.join(cwd, t))


def arg_text(word: Word) -> str | None:
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


def quoted(word: Word) -> str:
    """A word as shell text for the script it is passed to (an expansion stays one)."""
    return shlex.quote(word.text) if word.text is not None else '"$ARG"'


# files in another language: `bun src/app.ts`, `node dist/x.js`, `deno run x.ts`,
# `python app.py`, `./main.rb` run a program, not a shell script
PROGRAM_SUFFIXES = frozenset(
    {
        ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".py", ".pyw", ".rb",
        ".php", ".go", ".pl", ".pm", ".java", ".kt", ".kts", ".rs", ".ex", ".exs", ".lua",
        ".jl", ".r", ".dart", ".swift", ".scala", ".groovy", ".cs", ".fs", ".json", ".toml",
        ".yaml", ".yml", ".sql", ".md",
    }
)


def is_shell_script(text: str, path: str = "") -> bool:
    """Whether a file a command runs is read as shell: a shell shebang, or no shebang
    and a name that is not a program in another language (`src/app.ts`, `app.py`)."""
    first = text.split("\n", 1)[0]
    if path and posixpath.splitext(path)[1].lower() in PROGRAM_SUFFIXES:
        return first.startswith("#!") and _shebang_is_shell(first)
    return _shebang_is_shell(first) if first.startswith("#!") else True


def _shebang_is_shell(first: str) -> bool:
    if not first.startswith("#!"):
        return True
    interpreter = first[2:].strip().split()
    if not interpreter:
        return True
    program = base_name(interpreter[0])
    if program == "env" and len(interpreter) > 1:
        rest = [w for w in interpreter[1:] if not w.startswith("-")]
        program = base_name(rest[0]) if rest else ""
    return program in SHELLS

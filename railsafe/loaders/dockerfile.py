"""Dockerfile parser with exact positions.

A small, careful reimplementation of BuildKit's line handling (the
`tree-sitter-dockerfile` grammar was tried and rejected: valid input such as
`ARG A B=2` turns the rest of the file into an ERROR node, and it knows no
`# escape=` directive):

- parser directives at the very top (`# syntax=`, `# escape=`, `# check=`);
  only `escape` changes parsing (`\\` or a backtick);
- comment lines (`#` after optional whitespace) and empty lines, also inside
  a continuation, where BuildKit skips them too;
- line continuations: the escape character followed by optional blanks at
  the end of a line; it and the newline are removed, the next line is
  appended as written (BuildKit inserts no space);
- heredocs (`<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`) for RUN, COPY and ADD,
  best effort: their lines are appended to `args` (newline separated, the
  terminator included) and described in `Instruction.heredocs`.

`Instruction.position(offset)` maps any character of `args` back to its
1-based (line, column) in the file, columns counted in code points like the
rest of railsafe.

The build model on top of the instructions (stages, the stages the image
needs, inherited ENTRYPOINT / CMD, WORKDIR and COPY paths, PATH) lives in
`railsafe.loaders.dockerfile_stages`, which imports this parser (never the
other way round).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from railsafe.findings import Span

if TYPE_CHECKING:
    from railsafe.loaders import Document

_DIRECTIVE = re.compile(r"^\s*#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$")
_KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_KEYWORD = re.compile(r"\s*(\S+)")
_HEREDOC = re.compile(r"(?<![<\w])<<(-?)\s*([\"']?)([A-Za-z_][A-Za-z0-9_.-]*)\2")
_HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
_EXEC_FORM_KEYWORDS = frozenset({"RUN", "CMD", "ENTRYPOINT"})
_FLAG = re.compile(r"--[A-Za-z][A-Za-z0-9-]*(?:=(?:\"[^\"]*\"|'[^']*'|\S)*)?(?=\s|$)")


@dataclass(frozen=True)
class Heredoc:
    """One heredoc of a RUN/COPY/ADD; offsets index `Instruction.args`."""

    name: str
    strip_tabs: bool  # `<<-`
    body: str  # lines between the marker line and the terminator, `\n`-joined
    body_offset: int  # where `body` starts in `args`


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper-case: FROM, RUN, ARG, ENV, CMD, ENTRYPOINT, ...
    args: str  # text after the keyword, continuation lines joined
    span: Span  # whole instruction, from the keyword (heredoc terminator included)
    exec_form: tuple[str, ...] | None  # JSON-array form of RUN/CMD/ENTRYPOINT, else None
    stage: int  # 0-based FROM stage; -1 for instructions before the first FROM
    flags: tuple[str, ...] = ()  # leading `--name=value` options (RUN, COPY, FROM, ...)
    command_offset: int = 0  # where the text after the flags starts in `args`
    heredocs: tuple[Heredoc, ...] = ()
    # (offset in args, line, 0-based column) for each piece of `args`, ascending
    _pieces: tuple[tuple[int, int, int], ...] = field(default=(), repr=False, compare=False)

    @property
    def command(self) -> str:
        """`args` without the leading flags (for RUN: the shell or exec command)."""
        return self.args[self.command_offset :]

    @property
    def line(self) -> int:
        return self.span.line

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) in the file of character `offset` of `args`.

        `offset == len(args)` (the end) is allowed; offsets are clamped.
        """
        if not self._pieces:
            return self.span.line, self.span.column
        offset = max(0, min(offset, len(self.args)))
        starts = [p[0] for p in self._pieces]
        i = bisect.bisect_right(starts, offset) - 1
        start, line, col0 = self._pieces[max(i, 0)]
        return line, col0 + (offset - start) + 1

    def span_of(self, start: int, end: int) -> Span:
        """The file span of `args[start:end]` (end exclusive)."""
        line, col = self.position(start)
        if end <= start:
            return Span(line, col, line, col)
        end_line, end_col = self.position(end - 1)
        return Span(line, col, end_line, end_col + 1)


class Pair(NamedTuple):
    """A name (and value) of an ARG or ENV instruction.

    `value` is unquoted (quotes and escapes removed, variables not expanded);
    it is None for `ARG NAME` without a default. `raw_value` is the text as
    written; `value_span` covers it (quotes included), or is an empty span just
    after the name when there is no value.
    """

    name: str
    value: str | None
    name_span: Span
    value_span: Span
    raw_value: str = ""
    name_offset: int = 0  # where the name starts in `Instruction.args`
    value_offset: int = 0  # where `raw_value` starts in `Instruction.args`


# -- parsing ------------------------------------------------------------------


def _directives(lines: list[str]) -> tuple[str, int]:
    """(escape character, index of the first line after the directives)."""
    escape = "\\"
    seen: set[str] = set()
    for i, line in enumerate(lines):
        match = _DIRECTIVE.match(line)
        if not match:
            return escape, i
        key = match[1].lower()
        if key not in _KNOWN_DIRECTIVES or key in seen:
            return escape, i
        seen.add(key)
        if key == "escape" and match[2] in ("\\", "`"):
            escape = match[2]
    return escape, len(lines)


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.lstrip()
    return not stripped or stripped.startswith("#")


def _continues(line: str, escape: str) -> int | None:
    """Index of the escape char that continues `line`, or None."""
    trimmed = line.rstrip(" \t")
    if trimmed.endswith(escape):
        return len(trimmed) - 1
    return None


def _flags(args: str) -> tuple[tuple[str, ...], int]:
    flags: list[str] = []
    pos = len(args) - len(args.lstrip())
    while args.startswith("--", pos):
        match = _FLAG.match(args, pos)
        if not match:
            break
        flags.append(match[0])
        pos = match.end()
        pos += len(args[pos:]) - len(args[pos:].lstrip())
    return tuple(flags), pos


def parse_exec_form(command: str) -> tuple[str, ...] | None:
    """The strings of an exec-form command (`["npm", "start"]`), or None for shell form."""
    text = command.strip()
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


@dataclass(frozen=True)
class ExecElement:
    """One string of an exec-form array; offsets index `Instruction.args`."""

    value: str
    open_quote: int  # offset of the opening `"`
    close_quote: int  # offset of the closing `"`
    chars: tuple[int, ...]  # offset where each character of `value` is written


_JSON_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\",
                 "/": "/"}


def exec_elements(instr: Instruction) -> tuple[ExecElement, ...] | None:
    """Where each string of an exec-form RUN / CMD / ENTRYPOINT is written, or None.

    None when the instruction is not in exec form, or the array is not the
    plain JSON this reader follows (the caller then has no exact positions).
    """
    if instr.exec_form is None:
        return None
    args, i = instr.args, instr.command_offset
    n = len(args)
    while i < n and args[i] in " \t\r\n":
        i += 1
    if i >= n or args[i] != "[":
        return None
    i += 1
    out: list[ExecElement] = []
    while i < n:
        ch = args[i]
        if ch in " \t\r\n,":
            i += 1
            continue
        if ch == "]":
            break
        if ch != '"':
            return None
        start, i = i, i + 1
        chars: list[int] = []
        value: list[str] = []
        while i < n and args[i] != '"':
            if args[i] == "\\" and i + 1 < n:
                esc = args[i + 1]
                if esc == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", args[i + 2: i + 6]):
                    code, width = int(args[i + 2: i + 6], 16), 6
                    low = args[i + 6: i + 12]
                    low_surrogate = re.fullmatch(r"\\u[dD][c-fC-F][0-9A-Fa-f]{2}", low)
                    if 0xD800 <= code < 0xDC00 and low_surrogate:
                        code = 0x10000 + ((code - 0xD800) << 10) + (int(low[2:], 16) - 0xDC00)
                        width = 12
                    value.append(chr(code))
                    chars.append(i)
                    i += width
                    continue
                if esc not in _JSON_ESCAPES:
                    return None
                value.append(_JSON_ESCAPES[esc])
                chars.append(i)
                i += 2
                continue
            value.append(args[i])
            chars.append(i)
            i += 1
        if i >= n:
            return None
        out.append(ExecElement("".join(value), start, i, tuple(chars)))
        i += 1
    if tuple(e.value for e in out) != instr.exec_form:
        return None
    return tuple(out)


class _Builder:
    """`args` under construction, with the file position of each piece."""

    def __init__(self) -> None:
        self.pieces: list[tuple[int, int, int]] = []
        self.parts: list[str] = []
        self.length = 0

    def add(self, chunk: str, line_no: int, col0: int) -> None:
        self.pieces.append((self.length, line_no, col0))
        self.parts.append(chunk)
        self.length += len(chunk)

    def text(self) -> str:
        return "".join(self.parts)


def parse_dockerfile(text: str) -> list[Instruction]:
    """Every instruction of a Dockerfile, in order; never raises."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text.split("\n")]
    escape, i = _directives(lines)
    out: list[Instruction] = []
    stage = -1
    while i < len(lines):
        line = lines[i]
        if _is_blank_or_comment(line):
            i += 1
            continue
        kw = _KEYWORD.match(line)
        assert kw is not None  # the line has a non-blank character
        keyword = kw[1].upper()
        start_line, start_col = i + 1, kw.start(1) + 1
        rest_start = kw.end(1)
        rest_start += len(line[rest_start:]) - len(line[rest_start:].lstrip(" \t"))
        buf = _Builder()
        add = buf.add
        cont = _continues(line, escape)
        add(line[rest_start:cont] if cont is not None else line[rest_start:], i + 1, rest_start)
        last_line, last_len = i + 1, len(line)
        i += 1
        while cont is not None and i < len(lines):
            nxt = lines[i]
            i += 1
            if _is_blank_or_comment(nxt):
                continue
            cont = _continues(nxt, escape)
            add(nxt[:cont] if cont is not None else nxt, i, 0)
            last_line, last_len = i, len(nxt)
        heredocs: list[Heredoc] = []
        if keyword in _HEREDOC_KEYWORDS:
            for match in _HEREDOC.finditer(buf.text()):
                strip_tabs, name = match[1] == "-", match[3]
                add("\n", last_line, last_len)
                body_offset = buf.length
                body: list[str] = []
                while i < len(lines):
                    body_line = lines[i]
                    i += 1
                    candidate = body_line.lstrip("\t") if strip_tabs else body_line
                    if candidate == name:
                        if body:
                            add("\n", last_line, last_len)
                        add(body_line, i, 0)
                        last_line, last_len = i, len(body_line)
                        break
                    if body:
                        add("\n", last_line, last_len)
                    add(body_line, i, 0)
                    body.append(body_line)
                    last_line, last_len = i, len(body_line)
                heredocs.append(Heredoc(name, strip_tabs, "\n".join(body), body_offset))
        args = buf.text()
        if keyword == "FROM":
            stage += 1
        flags, command_offset = _flags(args) if args.lstrip().startswith("--") else ((), 0)
        exec_form = (
            parse_exec_form(args[command_offset:])
            if keyword in _EXEC_FORM_KEYWORDS and not heredocs
            else None
        )
        out.append(
            Instruction(
                keyword=keyword,
                args=args,
                span=Span(start_line, start_col, last_line, last_len + 1),
                exec_form=exec_form,
                stage=stage,
                flags=flags,
                command_offset=command_offset,
                heredocs=tuple(heredocs),
                _pieces=tuple(buf.pieces),
            )
        )
    return out


_CACHE_ATTR = "_railsafe_dockerfile"


def dockerfile_instructions(doc: Document) -> list[Instruction]:
    """The instructions of a Dockerfile document, parsed once per document."""
    cached = doc.__dict__.get(_CACHE_ATTR)
    if cached is None:
        # a Dockerfile that is not valid UTF-8 is still parsed (bad bytes replaced);
        # an unreadable, oversized or binary one is not
        readable = bool(doc.source) and b"\x00" not in doc.source[:8192]
        cached = tuple(parse_dockerfile(doc.text)) if readable else ()
        doc.__dict__[_CACHE_ATTR] = cached
    return list(cached)


# -- ARG / ENV ----------------------------------------------------------------


def split_words(text: str, escape: str = "\\") -> list[tuple[int, int]]:
    """(start, end) of each blank-separated word, quotes and escapes respected."""
    words: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        start = i
        quote = ""
        while i < n:
            ch = text[i]
            if quote:
                if ch == escape and quote == '"' and i + 1 < n:
                    i += 2
                    continue
                if ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == escape and i + 1 < n:
                i += 2
                continue
            elif ch in " \t\r\n":
                break
            i += 1
        words.append((start, i))
    return words


def unquote(raw: str, escape: str = "\\") -> str:
    """Quotes and escape characters removed (no variable expansion)."""
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(raw):
        ch = raw[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote == '"' and i + 1 < len(raw):
                i += 1
                out.append(raw[i])
            else:
                out.append(ch)
        elif ch in "\"'":
            quote = ch
        elif ch == escape and i + 1 < len(raw):
            i += 1
            out.append(raw[i])
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def pairs(instr: Instruction) -> list[Pair]:
    """Name/value pairs of an ARG or ENV instruction (empty for other keywords).

    `ARG A B=2`, `ENV A=1 B="two words"` and the legacy `ENV NAME value with
    blanks` form are understood.
    """
    if instr.keyword not in ("ARG", "ENV"):
        return []
    args = instr.args
    words = split_words(args)
    if not words:
        return []
    out: list[Pair] = []
    first_start, first_end = words[0]
    if instr.keyword == "ENV" and "=" not in args[first_start:first_end]:
        # legacy `ENV NAME value...`: the value is the rest of the line
        name = args[first_start:first_end]
        rest = args[first_end:]
        value_start = first_end + len(rest) - len(rest.lstrip())
        raw = args[value_start:].rstrip()
        value_end = value_start + len(raw)
        out.append(
            Pair(
                name,
                unquote(raw),
                instr.span_of(first_start, first_end),
                instr.span_of(value_start, value_end),
                raw,
                first_start,
                value_start,
            )
        )
        return out
    for start, end in words:
        word = args[start:end]
        eq = word.find("=")
        if eq < 0:
            name_span = instr.span_of(start, end)
            after = instr.span_of(end, end)
            out.append(Pair(word, None, name_span, after, "", start, end))
            continue
        name = word[:eq]
        if not name:
            continue  # `=value` without a name: BuildKit rejects it
        raw = word[eq + 1 :]
        out.append(
            Pair(
                name,
                unquote(raw),
                instr.span_of(start, start + eq),
                instr.span_of(start + eq + 1, end),
                raw,
                start,
                start + eq + 1,
            )
        )
    return out

# -- heredoc RUN ------------------------------------------------------------------

_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})


def heredoc_scripts(instr: Instruction) -> list[Heredoc] | None:
    """The heredocs of `RUN <<EOT` that are scripts, or None when the RUN is not that form.

    BuildKit runs the body of a heredoc given as the whole command (`RUN <<EOT`,
    several: `RUN <<A <<B`) as a script with the default shell, or with the
    interpreter its `#!` line names. Bodies with a non-shell `#!` (python, node)
    are left out. With a command before the marker (`RUN bash <<EOT`,
    `RUN python3 <<EOF`) the heredoc is that command's stdin: None.
    """
    if instr.keyword != "RUN" or not instr.heredocs:
        return None
    first_line = instr.args[instr.command_offset : instr.heredocs[0].body_offset - 1]
    if _HEREDOC.sub("", first_line).strip():
        return None
    out = []
    for doc in instr.heredocs:
        first = doc.body.split("\n", 1)[0]
        if first.startswith("#!"):
            words = first[2:].split()
            interpreter = words[0].rsplit("/", 1)[-1] if words else ""
            if interpreter == "env" and len(words) > 1:
                interpreter = words[1]
            if interpreter not in _SHELLS:
                continue
        out.append(doc)
    return out

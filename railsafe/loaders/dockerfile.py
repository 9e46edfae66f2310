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
"""

from __future__ import annotations

import bisect
import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from railsafe.findings import Span

if TYPE_CHECKING:
    from railsafe.loaders import Document

__all__ = [
    "DEFAULT_PATH",
    "ExecElement",
    "Heredoc",
    "Instruction",
    "Pair",
    "Place",
    "Stage",
    "dockerfile_instructions",
    "exec_elements",
    "heredoc_scripts",
    "image_layout",
    "lineage",
    "needed_stages",
    "pairs",
    "parse_dockerfile",
    "split_words",
    "stages",
    "start_instructions",
]

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


def _exec_form(command: str) -> tuple[str, ...] | None:
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
            _exec_form(args[command_offset:])
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


# -- stages, reachability and the image layout --------------------------------
#
# docs/facts.md: Railway builds Dockerfiles with BuildKit, which builds only the
# stages the target (the last stage) depends on: its `FROM` parent, the stages
# it `COPY --from`s and the stages a `RUN --mount=...,from=` reads, transitively.
# A child stage inherits its parent's WORKDIR, ENV, CMD and ENTRYPOINT, but not
# its ARGs; an ENTRYPOINT resets a CMD inherited from the parent.

_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_GLOB = re.compile(r"[*?\[]")

# docs/facts.md F12: the PATH of an image that sets none (BuildKit's
# `system.DefaultPathEnvUnix`, also what the official Debian-based images set)
DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
# directories every Linux base image has: a file COPY'd onto one without a
# trailing slash lands inside it (fsutil `prepareTargetDir`, docs/facts.md F13)
_BASE_DIRS = frozenset({
    "/", "/bin", "/etc", "/home", "/opt", "/root", "/sbin", "/srv", "/tmp", "/usr", "/usr/bin",
    "/usr/local", "/usr/local/bin", "/usr/local/sbin", "/usr/sbin", "/usr/share", "/usr/src",
    "/var",
})


@dataclass(frozen=True)
class Stage:
    index: int
    name: str | None  # the `AS` alias, lower-cased
    base: str  # the FROM reference, global ARG defaults expanded
    parent: int | None  # the earlier stage this one is built FROM
    instruction: Instruction


def _expand(text: str, known: dict[str, str]) -> str | None:
    """`$NAME` / `${NAME}` replaced from `known`; None when one is unknown."""
    missing = False

    def sub(match: re.Match[str]) -> str:
        nonlocal missing
        name = match[1] or match[2]
        if name not in known:
            missing = True
            return ""
        return known[name]

    out = _VARIABLE.sub(sub, text)
    return None if missing or "$" in out else out


def _global_args(instructions: list[Instruction]) -> dict[str, str]:
    known: dict[str, str] = {}
    for instr in instructions:
        if instr.keyword == "FROM":
            break
        if instr.keyword == "ARG":
            for pair in pairs(instr):
                if pair.value is not None:
                    known[pair.name] = pair.value
    return known


def stages(instructions: list[Instruction]) -> list[Stage]:
    """Every FROM stage, with the earlier stage it is built on (by alias)."""
    known = _global_args(instructions)
    aliases: dict[str, int] = {}
    out: list[Stage] = []
    for instr in instructions:
        if instr.keyword != "FROM":
            continue
        words = [unquote(instr.command[s:e]) for s, e in split_words(instr.command)]
        raw = words[0] if words else ""
        base = _expand(raw, known) or raw
        name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
        parent = aliases.get(base.lower())
        out.append(Stage(instr.stage, name, base, parent, instr))
        if name is not None:
            aliases[name] = instr.stage
    return out


def _flag_values(instr: Instruction, flag: str) -> list[str]:
    prefix = f"--{flag}="
    return [unquote(f[len(prefix) :]) for f in instr.flags if f.startswith(prefix)]


def _mount_sources(instr: Instruction) -> list[str]:
    out = []
    for spec in _flag_values(instr, "mount"):
        for part in spec.split(","):
            key, _, value = part.partition("=")
            if key.strip().lower() == "from" and value:
                out.append(value.strip())
    return out


_UNRESOLVED = -1


def _stage_ref(ref: str, aliases: dict[str, int], current: int) -> int | None:
    """A stage index, None for an external image, _UNRESOLVED for a variable."""
    if "$" in ref:
        return _UNRESOLVED
    if ref.isdigit():
        index = int(ref)
        return index if index < current else None
    return aliases.get(ref.lower())


def needed_stages(instructions: list[Instruction]) -> frozenset[int] | None:
    """The stages BuildKit builds for the last stage, or None when unknown.

    None when a stage reference holds a variable railsafe cannot resolve:
    then every stage may be built.
    """
    found = stages(instructions)
    if not found:
        return frozenset()
    known = _global_args(instructions)
    aliases: dict[str, int] = {}
    deps: dict[int, set[int]] = {s.index: set() for s in found}
    for stage in found:
        if "$" in stage.base:
            return None
    for instr in instructions:
        if instr.keyword == "FROM":
            stage = found[instr.stage]
            if stage.parent is not None:
                deps[stage.index].add(stage.parent)
            if stage.name is not None:
                aliases[stage.name] = stage.index
            continue
        if instr.stage < 0:
            continue
        refs = _flag_values(instr, "from") if instr.keyword in ("COPY", "ADD") else []
        if instr.keyword == "RUN":
            refs = _mount_sources(instr)
        for ref in refs:
            target = _stage_ref(_expand(ref, known) or ref, aliases, instr.stage)
            if target == _UNRESOLVED:
                return None
            if target is not None:
                deps[instr.stage].add(target)
    needed: set[int] = set()
    todo = [found[-1].index]
    while todo:
        index = todo.pop()
        if index in needed:
            continue
        needed.add(index)
        todo.extend(deps.get(index, ()))
    return frozenset(needed)


def lineage(instructions: list[Instruction], stage: int | None = None) -> list[int]:
    """`stage` (default: the last) and the stages it is built FROM, root first."""
    found = stages(instructions)
    if not found:
        return []
    index: int | None = found[-1].index if stage is None else stage
    out: list[int] = []
    while index is not None and index not in out and 0 <= index < len(found):
        out.append(index)
        index = found[index].parent
    return out[::-1]


def start_instructions(
    instructions: list[Instruction],
) -> tuple[Instruction | None, Instruction | None]:
    """The (ENTRYPOINT, CMD) of the final image, inherited through FROM stages.

    An ENTRYPOINT resets a CMD inherited from the parent stage unless the
    stage sets its own CMD (BuildKit's `dispatchEntrypoint`).
    """
    entrypoint: Instruction | None = None
    cmd: Instruction | None = None
    for index in lineage(instructions):
        cmd_set = False
        for instr in instructions:
            if instr.stage != index:
                continue
            if instr.keyword == "CMD":
                cmd, cmd_set = instr, True
            elif instr.keyword == "ENTRYPOINT":
                entrypoint = instr
                if not cmd_set:
                    cmd = None
    return entrypoint, cmd


@dataclass(frozen=True)
class Place:
    """Where an instruction runs: WORKDIR, where repository files sit, ARGs in scope.

    `paths` maps absolute image paths (directories or files) to paths relative
    to the build context ("" is the context root), as COPY / ADD put them there.
    """

    workdir: str | None  # None when it holds a variable railsafe cannot resolve
    paths: tuple[tuple[str, str], ...] = ()
    args: tuple[str, ...] = ()  # ARG names declared in the stage so far
    # the image's PATH directories (ENV PATH=..., else the default PATH), in order
    path_dirs: tuple[str, ...] = DEFAULT_PATH

    def to_context(self, image_path: str) -> str | None:
        """The build-context path an absolute image path comes from, or None."""
        return image_to_context(image_path, dict(self.paths))

    def cwd(self) -> str | None:
        """The build-context directory WORKDIR corresponds to, or None."""
        if self.workdir is None:
            return None
        found = self.to_context(self.workdir)
        if found is not None:
            return found
        for image, context in self.paths:  # `COPY package.json ./` then `RUN npm ci`
            if posixpath.dirname(image) == self.workdir and posixpath.basename(
                image
            ) == posixpath.basename(context):
                return posixpath.dirname(context)
        return None


def _under(path: str, root: str) -> str | None:
    """`path` relative to `root` ("" when equal), or None when outside it."""
    if path == root:
        return ""
    prefix = root if root.endswith("/") else root + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None


def _join(base: str, rest: str) -> str:
    joined = posixpath.normpath(posixpath.join(base, rest)) if rest else base
    return "" if joined == "." else joined


def image_to_context(image_path: str, paths: dict[str, str]) -> str | None:
    best: tuple[int, str] | None = None
    for image, context in paths.items():
        rest = _under(image_path, image)
        if rest is not None and (best is None or len(image) > best[0]):
            best = (len(image), _join(context, rest))
    return None if best is None else best[1]


def _copy_words(instr: Instruction) -> list[str]:
    command = instr.command.strip()
    if command.startswith("["):
        parsed = _exec_form(command)
        return list(parsed) if parsed is not None else []
    return [unquote(command[s:e]) for s, e in split_words(command)]


_End = tuple[str | None, dict[str, str], dict[str, str], set[str]]


def _path_dirs(env: dict[str, str]) -> tuple[str, ...]:
    value = env.get("PATH")
    if value is None:
        return DEFAULT_PATH
    return tuple(d for d in value.split(":") if d.startswith("/") and "$" not in d)


def _set_path(raw: str, known: dict[str, str], env: dict[str, str]) -> None:
    """`ENV PATH=/opt/venv/bin:$PATH`: the parts railsafe can resolve, in order."""
    parts = []
    for part in raw.split(":"):
        value = _expand(part, known)
        if value is not None:
            parts.append(value)
    env["PATH"] = ":".join(p for p in parts if p)


def _parents(path: str) -> set[str]:
    out = set()
    while path not in ("/", ""):
        path = posixpath.dirname(path)
        out.add(path)
    return out


def image_layout(
    instructions: list[Instruction], is_dir: Callable[[str], bool]
) -> tuple[list[Place], dict[int, Place]]:
    """The Place of every instruction (before it runs) and of every stage's end.

    `is_dir(path)` tells whether a build-context path is a directory.
    """
    known_global = _global_args(instructions)
    aliases: dict[str, int] = {}
    ends: dict[int, _End] = {}
    workdir: str | None = "/"
    paths: dict[str, str] = {}
    env: dict[str, str] = {}
    dirs: set[str] = set()  # directories the stage made (WORKDIR, COPY of a directory)
    args: list[str] = []
    arg_values: dict[str, str] = {}
    places: list[Place] = []
    stage = -1
    for instr in instructions:
        if instr.keyword == "FROM":
            if stage >= 0:
                ends[stage] = (workdir, dict(paths), dict(env), set(dirs))
            stage = instr.stage
            words = [unquote(instr.command[s:e]) for s, e in split_words(instr.command)]
            base = (_expand(words[0], known_global) or words[0]) if words else ""
            parent = aliases.get(base.lower())
            if len(words) >= 3 and words[1].lower() == "as":
                aliases[words[2].lower()] = stage
            if parent is not None and parent in ends:
                workdir, inherited, inherited_env, inherited_dirs = ends[parent]
                paths, env, dirs = dict(inherited), dict(inherited_env), set(inherited_dirs)
            else:
                # an external image: its own PATH, taken as the default (docs/facts.md F12)
                workdir, paths, env, dirs = "/", {}, {"PATH": ":".join(DEFAULT_PATH)}, set()
            args, arg_values = [], {}
        places.append(Place(workdir, tuple(sorted(paths.items())), tuple(args), _path_dirs(env)))
        if stage < 0:
            continue
        known = {**arg_values, **env}
        if instr.keyword == "ARG":
            for pair in pairs(instr):
                if pair.name not in args:
                    args.append(pair.name)
                value = pair.value if pair.value is not None else known_global.get(pair.name)
                if value is not None:
                    arg_values[pair.name] = value
        elif instr.keyword == "ENV":
            for pair in pairs(instr):
                if pair.name == "PATH":
                    _set_path(pair.value or "", known, env)
                    continue
                value = _expand(pair.value or "", known)
                if value is not None:
                    env[pair.name] = value
                else:
                    env.pop(pair.name, None)
        elif instr.keyword == "WORKDIR":
            target = _expand(unquote(instr.command.strip()), known)
            if target is None or (workdir is None and not target.startswith("/")):
                workdir = None
            else:
                workdir = posixpath.normpath(posixpath.join(workdir or "/", target))
                dirs.add(workdir)
        elif instr.keyword in ("COPY", "ADD") and not instr.heredocs:
            if any(f.startswith("--parents") for f in instr.flags):
                continue
            _copy(instr, _copy_words(instr), workdir, paths, dirs, known, aliases, ends, is_dir)
    if stage >= 0:
        ends[stage] = (workdir, dict(paths), dict(env), set(dirs))
    final = {
        index: Place(wd, tuple(sorted(p.items())), (), _path_dirs(e))
        for index, (wd, p, e, _d) in ends.items()
    }
    return places, final


def _existing_dir(dest: str, paths: dict[str, str], dirs: set[str]) -> bool:
    """Is `dest` a directory of the image already (so a file copied onto it goes inside)?"""
    if dest in _BASE_DIRS or dest in dirs:
        return True
    return any(dest in _parents(image) for image in paths) or any(
        dest in _parents(d) for d in dirs
    )


def _copy(
    instr: Instruction,
    words: list[str],
    workdir: str | None,
    paths: dict[str, str],
    dirs: set[str],
    known: dict[str, str],
    aliases: dict[str, int],
    ends: dict[int, _End],
    is_dir: Callable[[str], bool],
) -> None:
    if len(words) < 2:
        return
    dest = _expand(words[-1], known)
    if dest is None:
        return
    if not dest.startswith("/"):
        if workdir is None:
            return
        dest = posixpath.join(workdir, dest)
    # BuildKit: a destination of "." or ending in "/" is a directory (dispatchCopy);
    # several sources go into one; so does a file copied onto an existing directory
    raw_dest = words[-1]
    dest = posixpath.normpath(dest)
    into_dir = (raw_dest.endswith("/") or raw_dest in (".", "..") or len(words) > 2
                or _existing_dir(dest, paths, dirs))
    sources = words[:-1]
    froms = _flag_values(instr, "from")
    if froms:
        ref = _stage_ref(froms[-1], aliases, instr.stage)
        if ref is None or ref not in ends:
            return
        stage_paths = ends[ref][1]
        for src in sources:
            if _GLOB.search(src) or "$" in src:
                continue
            src_abs = posixpath.normpath(posixpath.join("/", src))
            below = {k: v for k, v in stage_paths.items() if _under(k, src_abs) not in (None, "")}
            exact = image_to_context(src_abs, stage_paths)
            src_is_dir = bool(below) or (exact is not None and is_dir(exact))
            target = dest
            if into_dir and not src_is_dir:
                target = posixpath.join(dest, posixpath.basename(src_abs))
            if exact is not None:
                paths[target] = exact
            for image, context in below.items():
                rest = _under(image, src_abs)
                if rest:
                    paths[posixpath.join(target, rest)] = context
            if src_is_dir:
                dirs.add(target)
        return
    for src in sources:
        if _GLOB.search(src) or "$" in src or "://" in src or src.startswith("git@"):
            continue
        rel = _join("", posixpath.normpath(src.lstrip("/")))
        if rel.startswith(".."):
            continue
        if is_dir(rel):
            paths[dest] = rel
            dirs.add(dest)
        else:
            target = posixpath.join(dest, posixpath.basename(rel)) if into_dir else dest
            paths[target] = rel


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

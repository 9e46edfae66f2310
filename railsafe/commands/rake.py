"""Rake: what a bare `rake` (the default task) runs, read from the Rakefile.

`rake` with no task runs the task named `default`, whatever the project made it: a
test suite (`task default: :test`, `task :default => [:spec]`, `task default: %i[test
rubocop]`), a server (`task :default do sh "ruby app.rb" end`), or nothing at all (no
`default` task: rake stops with "Don't know how to build task 'default'"). Nixpacks'
Ruby start falls back to `bundle exec rake` when only a Rakefile exists (railway-facts
§3.6), so the difference is that between a test run in the start phase and a server.

The Rakefile is Ruby, which Python cannot parse: a small tokenizer (strings, symbols,
`%w[]` / `%i[]`, heredocs, comments) and a statement reader find the `task`
declarations (with their `namespace`s, prerequisites and block bodies), the tasks
that test classes define (`Rake::TestTask.new(:test)`, `RSpec::Core::RakeTask.new`,
`Minitest::TestTask.create`, ...), `Rake::Task[...].clear` / `.invoke`, and the
commands a task body runs (`sh "..."`, `system`, `exec`, `ruby "app.rb"`, backticks).
Files the Rakefile imports (`import` / `load` / `Dir.glob("tasks/*.rake")`), the
`rakelib/*.rake` files rake loads by itself and, for a Rails app
(`Rails.application.load_tasks`: Rails' own default task is `test`), `lib/tasks` are
read too.

`rake_default(ctx, directories)` (RepoResolver.rake_default) says what the default
task runs: the test tasks it is or depends on, the shell commands its bodies run and
the tasks the Rakefile does not define (as `rake <task>` commands); `rake(walker, ...)`
turns that into detections for a bare `rake` / `rake default`.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from railsafe.commands.shell import Env, Origin, Unit, Word
from railsafe.commands.types import RakeDefault, RakeRun, ResolverExtras, Step
from railsafe.findings import Span

if TYPE_CHECKING:
    from railsafe.commands.walking import Walking

RAKEFILES = ("rakefile", "Rakefile", "rakefile.rb", "Rakefile.rb")  # rake's search order
TEST_TASKS = ("test", "test:*", "spec", "spec:*")  # tasks named for a test run
# classes that define a task running a test suite, and the task name they default to
RUNNER_CLASSES = {
    "Rake::TestTask": "test",
    "Minitest::TestTask": "test",
    "Rails::TestTask": "test",
    "RSpec::Core::RakeTask": "spec",
    "Spec::Rake::SpecTask": "spec",
    "Cucumber::Rake::Task": "cucumber",
}
# Ruby in a task body that runs a test suite in-process
RUNNER_CONSTANTS = ("RSpec::Core::Runner", "Rails::TestUnit::Runner", "Rails::TestRunner",
                    "Test::Unit::AutoRunner", "Minitest")
_SHELL_CALLS = frozenset({"sh", "system", "exec", "spawn", "ruby"})
# rake options after which a bare `rake` is not the default task of this directory's
# Rakefile (another Rakefile or directory, Ruby code, or nothing runs)
_OTHER_RAKEFILE = frozenset({"-f", "--rakefile", "-C", "--directory", "-e", "--execute",
                             "-p", "--execute-print", "-E", "--execute-continue", "-N",
                             "--no-search", "--nosearch", "-R", "--rakelibdir", "--rakelib",
                             "-G", "--no-system", "--nosystem"})
# options with which rake lists or describes tasks, or only pretends to run them
_NOTHING_RUNS = frozenset({"-T", "--tasks", "-D", "--describe", "-P", "--prereqs", "-W",
                           "--where", "-n", "--dry-run", "-h", "-H", "--help", "-V",
                           "--version"})
_MAX_FILES = 64
_MAX_RUNS = 64
_MAX_DEPTH = 12
_MAX_VISITS = 2000


# --- tokens -------------------------------------------------------------------------


@dataclass(frozen=True)
class Tok:
    kind: str  # "nl" | "id" | "sym" | "str" | "xstr" | "words" | "label" | "num" | "op"
    value: str
    start: int
    end: int
    items: tuple[str, ...] = ()  # %w[] / %i[] words
    dynamic: bool = False  # a string with `#{...}` (its value holds `$RUBY` there)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_HEREDOC = re.compile(r"<<([~-]?)(?:([A-Za-z_]\w*)|'([^'\n]+)'|\"([^\"\n]+)\")")
_BLOCK_END = re.compile(r"^=end\b.*$", re.MULTILINE)
_NUMBER = re.compile(r"[0-9][0-9_.a-zA-Z]*")
INTERPOLATED = "$RUBY"  # what `#{...}` becomes: an expansion, a word that never matches


def _string(text: str, i: int, close: str, opener: str = "", interpolate: bool = True,
            ) -> tuple[str, int, bool]:
    """The value of a string literal whose content starts at i, the index past its end,
    and whether it interpolates."""
    out: list[str] = []
    depth = 0
    dynamic = False
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if interpolate:
                out.append({"n": "\n", "t": "\t", "s": " ", "0": "\0"}.get(nxt, nxt))
            else:
                out.append(nxt if nxt in ("\\", close) else "\\" + nxt)
            i += 2
            continue
        if interpolate and ch == "#" and text.startswith("{", i + 1):
            dynamic = True
            level, k = 0, i + 1
            while k < n:
                if text[k] == "{":
                    level += 1
                elif text[k] == "}":
                    level -= 1
                    if level == 0:
                        break
                k += 1
            out.append(INTERPOLATED)
            i = k + 1
            continue
        if opener and ch == opener:
            depth += 1
        elif ch == close:
            if depth == 0:
                return "".join(out), i + 1, dynamic
            depth -= 1
        out.append(ch)
        i += 1
    return "".join(out), n, dynamic


def _heredoc_body(text: str, i: int, squiggly: bool, indented: bool, ident: str
                  ) -> tuple[str, int, int]:
    """(body, its start offset, the offset past the terminator line) from line start i."""
    lines: list[str] = []
    k = i
    n = len(text)
    while k < n:
        stop = text.find("\n", k)
        stop = n if stop < 0 else stop
        line = text[k:stop]
        if (line.strip() if indented or squiggly else line.rstrip("\r")) == ident:
            k = min(stop + 1, n)
            break
        lines.append(line)
        k = stop + 1
    else:
        k = n
    if squiggly:
        widths = [len(x) - len(x.lstrip(" \t")) for x in lines if x.strip()]
        cut = min(widths) if widths else 0
        lines = [x[cut:] for x in lines]
    return "\n".join(lines), i, k


def tokenize(text: str) -> list[Tok]:
    """Ruby tokens, enough to read Rakefile statements (comments and `=begin` blocks
    dropped, `__END__` ends the code)."""
    out: list[Tok] = []
    n = len(text)
    i = 0
    pending: list[tuple[int, bool, bool, str, bool]] = []  # heredocs opened on this line
    line_start = True
    while i < n:
        ch = text[i]
        if line_start:
            line_start = False
            if text.startswith("=begin", i):
                block_end = _BLOCK_END.search(text, i)
                i = block_end.end() if block_end else n
                continue
            if text.startswith("__END__", i) and text[i + 7 : i + 8] in ("", "\n", "\r"):
                break
        if ch == "\n":
            out.append(Tok("nl", "\n", i, i + 1))
            i += 1
            line_start = True
            for index, squiggly, indented, ident, raw in pending:
                body, start, i = _heredoc_body(text, i, squiggly, indented, ident)
                dynamic = not raw and "#{" in body
                if dynamic:
                    body = re.sub(r"#\{[^}]*\}", INTERPOLATED, body)
                out[index] = replace(out[index], value=body, start=start, end=i, dynamic=dynamic)
            pending = []
            continue
        if ch in " \t\r":
            i += 1
            continue
        if ch == "\\" and text.startswith("\n", i + 1):
            i += 2
            continue
        if ch == "#":
            stop = text.find("\n", i)
            i = n if stop < 0 else stop
            continue
        if ch == ";":
            out.append(Tok("nl", ";", i, i + 1))
            i += 1
            continue
        if ch in "\"'`":
            value, end, dynamic = _string(text, i + 1, ch, interpolate=ch != "'")
            kind = "xstr" if ch == "`" else "str"
            if kind == "str" and text.startswith(":", end) and not text.startswith("::", end):
                out.append(Tok("label", value, i, end, dynamic=dynamic))  # "name": x
                i = end + 1
                continue
            out.append(Tok(kind, value, i, end, dynamic=dynamic))
            i = end
            continue
        if ch == "%" and i + 1 < n:
            kind_char = text[i + 1]
            delimiter = ""
            content = i + 2
            if kind_char in "([{<":
                kind_char, delimiter = "Q", kind_char
            elif kind_char in "wWiIqQxs" and i + 2 < n and text[i + 2] in "([{<|!/^":
                delimiter, content = text[i + 2], i + 3
            if delimiter:
                close = _PAIRS.get(delimiter, delimiter)
                opener = delimiter if delimiter in _PAIRS else ""
                value, end, dynamic = _string(text, content, close, opener,
                                              interpolate=kind_char in "WIQx")
                if kind_char in "wWiI":
                    out.append(Tok("words", value, i, end, items=tuple(value.split())))
                elif kind_char == "s":
                    out.append(Tok("sym", value, i, end))
                else:
                    out.append(Tok("xstr" if kind_char == "x" else "str", value, i, end,
                                   dynamic=dynamic))
                i = end
                continue
        if ch == "<" and text.startswith("<<", i):
            heredoc = _HEREDOC.match(text, i)
            if heredoc and (heredoc[1] or heredoc[3] or heredoc[4] or heredoc[2].isupper()):
                ident = heredoc[2] or heredoc[3] or heredoc[4]
                pending.append((len(out), heredoc[1] == "~", heredoc[1] == "-", ident,
                                bool(heredoc[3])))
                out.append(Tok("str", "", i, heredoc.end()))
                i = heredoc.end()
                continue
        if ch == ":":
            if text.startswith("::", i):
                out.append(Tok("op", "::", i, i + 2))
                i += 2
                continue
            if i + 1 < n and text[i + 1] in "\"'":
                value, end, dynamic = _string(text, i + 2, text[i + 1],
                                              interpolate=text[i + 1] == '"')
                out.append(Tok("sym", value, i, end, dynamic=dynamic))
                i = end
                continue
            word = _IDENT.match(text, i + 1)
            if word:
                end = word.end()
                if end < n and text[end] in "?!" and not text.startswith("=", end + 1):
                    end += 1
                out.append(Tok("sym", text[i + 1 : end], i, end))
                i = end
                continue
            out.append(Tok("op", ":", i, i + 1))
            i += 1
            continue
        word = _IDENT.match(text, i)
        if word:
            end = word.end()
            if end < n and text[end] in "?!" and not text.startswith("=", end + 1):
                end += 1
            if end < n and text[end] == ":" and not text.startswith("::", end):
                out.append(Tok("label", text[i:end], i, end))  # name: value (`:` not in it)
                i = end + 1
                continue
            out.append(Tok("id", text[i:end], i, end))
            i = end
            continue
        if ch.isdigit():
            number = _NUMBER.match(text, i)
            end = number.end() if number else i + 1
            out.append(Tok("num", text[i:end], i, end))
            i = end
            continue
        for op in ("=>", "&.", "**", "==", "||", "&&"):
            if text.startswith(op, i):
                out.append(Tok("op", "." if op == "&." else op, i, i + len(op)))
                i += len(op)
                break
        else:
            out.append(Tok("op", ch, i, i + 1))
            i += 1
    return out


# --- statements ---------------------------------------------------------------------


@dataclass
class Decl:
    """One contribution to a task: a `task` declaration, or a test class's task."""

    name: str  # qualified with its namespaces ("db:reset")
    scope: tuple[str, ...]  # the namespaces it was declared in
    tok: Tok  # where its name is written
    prerequisites: list[tuple[str, Tok]] = field(default_factory=list)
    commands: list[tuple[str, int, int]] = field(default_factory=list)  # text, start, end
    invokes: list[tuple[str, Tok]] = field(default_factory=list)
    runner: str = ""  # the test class that defines it ("Rake::TestTask")
    runs_tests: Tok | None = None  # a test runner called in its body
    kind: str = "task"  # "task" | "clear" | "clear_prerequisites" | "clear_actions"
    rails: bool = False  # Rails.application.load_tasks (Rails' `task default: :test`)


@dataclass
class Parsed:
    decls: list[Decl] = field(default_factory=list)  # in file order
    imports: list[str] = field(default_factory=list)  # `.rake` paths and globs named
    rails: bool = False


@dataclass
class _Block:
    task: Decl | None  # the task whose body this block is part of
    scope: tuple[str, ...]  # the enclosing namespaces


class _Reader:
    def __init__(self, tokens: list[Tok]) -> None:
        self.t = tokens
        self.out = Parsed()
        self.openers: dict[int, tuple[str, Any]] = {}  # token index -> what its block is

    def tok(self, k: int) -> Tok | None:
        return self.t[k] if 0 <= k < len(self.t) else None

    def kind(self, k: int) -> str:
        tok = self.tok(k)
        return tok.kind if tok is not None else ""

    def is_op(self, k: int, *values: str) -> bool:
        tok = self.tok(k)
        return tok is not None and tok.kind == "op" and tok.value in values

    def is_id(self, k: int, *values: str) -> bool:
        tok = self.tok(k)
        return tok is not None and tok.kind == "id" and tok.value in values

    def statement_start(self, k: int) -> bool:
        prev = self.tok(k - 1)
        return (
            prev is None
            or prev.kind == "nl"
            or (prev.kind == "op" and prev.value in ("{", "|", "("))
            or (prev.kind == "id" and prev.value in ("do", "then", "else", "begin"))
        )

    def method_call(self, k: int) -> bool:
        """Token k is a receiver's method (`x.task`, `A::task`), not a bare call."""
        return self.is_op(k - 1, ".", "::")

    # -- arguments --------------------------------------------------------------

    def name_at(self, k: int) -> str | None:
        tok = self.tok(k)
        if tok is not None and tok.kind in ("sym", "str") and not tok.dynamic and tok.value:
            return tok.value
        return None

    def deps(self, k: int) -> tuple[list[tuple[str, Tok]], int]:
        """Prerequisite names at k (a name, an array, `%i[...]`), and the index after."""
        tok = self.tok(k)
        if tok is None:
            return [], k
        if tok.kind in ("sym", "str"):
            return ([(tok.value, tok)] if not tok.dynamic and tok.value else []), k + 1
        if tok.kind == "words":
            return [(w, tok) for w in tok.items], k + 1
        if tok.kind == "op" and tok.value == "[":
            out: list[tuple[str, Tok]] = []
            j = k + 1
            while j < len(self.t) and not self.is_op(j, "]"):
                item = self.t[j]
                if item.kind in ("sym", "str") and not item.dynamic and item.value:
                    out.append((item.value, item))
                elif item.kind == "words":
                    out.extend((w, item) for w in item.items)
                j += 1
            return out, j + 1
        return [], k

    def skip_nl(self, k: int) -> int:
        while self.tok(k) is not None and self.t[k].kind == "nl":
            k += 1
        return k

    # -- statements ---------------------------------------------------------------

    def task(self, k: int, block: _Block) -> None:
        """`task NAME [=> deps] [do ... end]` in its forms, from the `task` token k."""
        j = k + 1
        paren = self.is_op(j, "(") and self.t[j].start == self.t[k].end
        if paren:
            j = self.skip_nl(j + 1)
        first = self.tok(j)
        if first is None:
            return
        deps: list[tuple[str, Tok]] = []
        if first.kind == "label":
            if first.dynamic or not first.value:
                return
            deps, j = self.deps(self.skip_nl(j + 1))
        elif first.kind in ("sym", "str") and not first.dynamic and first.value:
            j += 1
            if self.is_op(j, ","):  # task :name, [:args] => deps  /  task :name, :arg
                j = self.skip_nl(j + 1)
                if self.is_op(j, "["):
                    while j < len(self.t) and not self.is_op(j, "]"):
                        j += 1
                    j += 1
                elif self.name_at(j) is not None or self.kind(j) == "words":
                    j += 1
            if self.is_op(j, "=>"):
                deps, j = self.deps(self.skip_nl(j + 1))
        else:
            return
        if paren:
            while j < len(self.t) and self.t[j].kind != "nl" and not self.is_op(j, ")"):
                j += 1
            if self.is_op(j, ")"):
                j += 1
        name = ":".join((*block.scope, first.value))
        decl = Decl(name, block.scope, first, deps)
        if self.is_op(j, ".") and self.tok(j + 1) is not None and self.t[j + 1].value in (
            "clear", "clear_prerequisites", "clear_actions"
        ):
            decl.kind = self.t[j + 1].value
            decl.prerequisites = []
        elif self.is_id(j, "do") or self.is_op(j, "{"):
            self.openers[j] = ("task", decl)
        self.out.decls.append(decl)

    def constant(self, k: int, block: _Block) -> int:
        """A constant path from k (`Rake::TestTask`, `Rake::Task[...]`); the index after it."""
        parts = [self.t[k].value]
        j = k + 1
        while self.is_op(j, "::") and self.tok(j + 1) is not None and self.t[j + 1].kind == "id":
            parts.append(self.t[j + 1].value)
            j += 2
        path = "::".join(parts)
        if path in RUNNER_CLASSES and self.is_op(j, ".") and self.is_id(
            j + 1, "new", "create", "define"
        ):
            self.runner(path, j + 2, block)
        elif path == "Rake::Task" and self.is_op(j, "["):
            self.task_reference(j, block)
        elif path == "Rake" and self.is_op(j, ".") and self.is_id(j + 1, "application") and (
            self.is_op(j + 2, "[")
        ):
            self.task_reference(j + 2, block)
        elif block.task is not None and block.task.runs_tests is None and (
            any(path == c or path.startswith(c + "::") for c in RUNNER_CONSTANTS if c != "Minitest")
            or (path == "Minitest" and self.is_op(j, ".") and self.is_id(j + 1, "run"))
        ):
            block.task.runs_tests = self.t[k]
        return j

    def runner(self, cls: str, j: int, block: _Block) -> None:
        """`Rake::TestTask.new(:name) do |t| ... end`: a task that runs a test suite."""
        name_tok = self.t[j - 1]
        name = RUNNER_CLASSES[cls]
        deps: list[tuple[str, Tok]] = []
        paren = self.is_op(j, "(")
        if paren or (self.tok(j) is not None and self.t[j].kind in ("sym", "str", "label")):
            at = self.skip_nl(j + 1) if paren else j
            first = self.tok(at)
            if first is not None and first.kind in ("sym", "str") and not first.dynamic:
                name, name_tok = first.value, first
            elif first is not None and first.kind == "label" and not first.dynamic:
                name, name_tok = first.value, first
                deps, _ = self.deps(self.skip_nl(at + 1))
            depth = 0
            k = j
            while k < len(self.t):  # past the arguments
                tok = self.t[k]
                if tok.kind == "op" and tok.value in ("(", "["):
                    depth += 1
                elif tok.kind == "op" and tok.value in (")", "]"):
                    depth -= 1
                    if depth <= 0 and paren:
                        k += 1
                        break
                elif depth <= 0 and (
                    tok.kind == "nl" or (not paren and (self.is_id(k, "do") or self.is_op(k, "{")))
                ):
                    break
                k += 1
            j = k
        decl = Decl(":".join((*block.scope, name)), block.scope, name_tok, deps, runner=cls)
        if self.is_id(j, "do") or self.is_op(j, "{"):
            self.openers[j] = ("runner", decl)
        self.out.decls.append(decl)

    def task_reference(self, j: int, block: _Block) -> None:
        """`Rake::Task[NAME].clear` / `.enhance([...])` / `.invoke` / `.execute` (j: the `[`)."""
        name = self.name_at(j + 1)
        if name is None or not self.is_op(j + 2, "]") or not self.is_op(j + 3, "."):
            return
        method = self.tok(j + 4)
        if method is None or method.kind != "id":
            return
        if method.value in ("clear", "clear_prerequisites", "clear_actions"):
            self.out.decls.append(Decl(name, (), self.t[j + 1], kind=method.value))
        elif method.value == "enhance":  # Rake::Task[:default].enhance([:spec])
            at = j + 6 if self.is_op(j + 5, "(") else j + 5
            deps, _ = self.deps(at)
            if deps:
                self.out.decls.append(Decl(name, (), self.t[j + 1], deps))
        elif method.value in ("invoke", "execute", "invoke_with_call_chain") and block.task:
            block.task.invokes.append((name, self.t[j + 1]))

    def shell(self, k: int, block: _Block) -> None:
        """`sh "cmd"`, `sh("cmd", "arg")`, `system ...`, `exec ...`, `ruby "app.rb"`."""
        assert block.task is not None
        call = self.t[k]
        j = k + 1
        if self.is_op(j, "(") and self.t[j].start == call.end:
            j += 1
        if self.is_op(j, "{"):  # an environment hash first: sh({"X" => "1"}, "cmd")
            depth = 0
            while j < len(self.t):
                if self.is_op(j, "{"):
                    depth += 1
                elif self.is_op(j, "}"):
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            j += 1
            if self.is_op(j, ","):
                j = self.skip_nl(j + 1)
        args: list[Tok] = []
        while self.tok(j) is not None and self.t[j].kind == "str":
            args.append(self.t[j])
            if not self.is_op(j + 1, ","):
                break
            j = self.skip_nl(j + 2)
        if not args:
            return
        values = [a.value for a in args]
        if len(values) == 1:
            text = values[0]
        else:  # exec form: each argument one word
            text = " ".join(
                a.value if a.dynamic else shlex.quote(a.value) for a in args
            )
        if call.value == "ruby":
            text = "ruby " + text
        block.task.commands.append((text, call.start, max(a.end for a in args)))

    def read(self) -> Parsed:
        stack: list[_Block] = []
        root = _Block(None, ())
        loop_line = False
        k = 0
        while k < len(self.t):
            tok = self.t[k]
            block = stack[-1] if stack else root
            if tok.kind == "nl":
                loop_line = False
            elif tok.kind == "id" and not self.method_call(k):
                value = tok.value
                if k in self.openers:
                    kind, data = self.openers[k]
                    if kind == "task":
                        stack.append(_Block(data, block.scope))
                    elif kind == "ns":
                        stack.append(_Block(None, data))
                    else:
                        stack.append(_Block(None, block.scope))
                elif value == "do":
                    if loop_line:
                        loop_line = False
                    else:
                        stack.append(_Block(block.task, block.scope))
                elif value == "end":
                    if stack:
                        stack.pop()
                elif value in ("def", "class", "module", "begin", "case"):
                    if not (value == "def" and self.endless_def(k)):
                        stack.append(_Block(block.task, block.scope))
                elif value in ("if", "unless", "while", "until", "for") and (
                    self.statement_start(k) or self.is_op(k - 1, "=")
                ):
                    stack.append(_Block(block.task, block.scope))
                    loop_line = value in ("while", "until", "for")
                elif value in ("task", "multitask") and self.statement_start(k):
                    self.task(k, block)
                elif value == "namespace" and self.statement_start(k):
                    j = k + 2 if self.is_op(k + 1, "(") else k + 1
                    name = self.name_at(j)
                    after = j + 2 if self.is_op(j + 1, ")") else j + 1
                    if name is not None and (self.is_id(after, "do") or self.is_op(after, "{")):
                        self.openers[after] = ("ns", (*block.scope, name))
                elif value[:1].isupper():
                    k = self.constant(k, block)
                    continue
                elif value in _SHELL_CALLS and block.task is not None:
                    self.shell(k, block)
            elif tok.kind == "id" and tok.value == "load_tasks":
                self.out.rails = True
                self.out.decls.append(Decl("default", (), tok, [("test", tok)], rails=True))
            elif tok.kind == "op" and tok.value == "{":
                if k in self.openers:
                    kind, data = self.openers[k]
                    scope = data if kind == "ns" else block.scope
                    stack.append(_Block(data if kind == "task" else None, scope))
                else:
                    stack.append(_Block(block.task, block.scope))
            elif tok.kind == "op" and tok.value == "}":
                if stack:
                    stack.pop()
            elif tok.kind == "xstr" and block.task is not None and tok.value.strip():
                block.task.commands.append((tok.value, tok.start, tok.end))
            if tok.kind in ("str", "words") and not tok.dynamic:
                for value in (tok.items or (tok.value,)):
                    if value.endswith(".rake"):
                        self.out.imports.append(value)
            k += 1
        return self.out

    def endless_def(self, k: int) -> bool:
        """`def name(args) = expression`: a method without `end`."""
        j = k + 1
        while self.tok(j) is not None and (self.t[j].kind == "id" or self.is_op(j, ".")):
            j += 1
        if self.is_op(j, "("):
            depth = 0
            while j < len(self.t):
                if self.is_op(j, "("):
                    depth += 1
                elif self.is_op(j, ")"):
                    depth -= 1
                    if depth == 0:
                        j += 1
                        break
                j += 1
        return self.is_op(j, "=")


def parse_rakefile(text: str) -> Parsed:
    """The task declarations of a Rakefile (or `.rake` file)."""
    return _Reader(tokenize(text)).read()


# --- what the default task runs ------------------------------------------------------


@dataclass
class _File:
    relpath: str
    text: str
    parsed: Parsed
    starts: list[int]

    def span(self, start: int, end: int) -> Span:
        import bisect

        row = bisect.bisect_right(self.starts, start) - 1
        line_end = self.starts[row + 1] - 1 if row + 1 < len(self.starts) else len(self.text)
        column = start - self.starts[row] + 1
        stop = min(max(end, start + 1), line_end) if line_end > start else start + 1
        return Span(row + 1, column, row + 1, column + (stop - start))

    def step(self, tok: Tok, label: str) -> Step:
        return Step(self.relpath, self.span(tok.start, tok.end), f"{self.relpath} {label}")


def _is_test(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in TEST_TASKS)


def _resolve(name: str, scope: tuple[str, ...], tasks: dict[str, Any]) -> str:
    """Rake's name lookup: the innermost enclosing namespace first, then outwards."""
    if name.startswith("rake:"):
        return name[5:]
    while name.startswith("^") and scope:
        name, scope = name[1:], scope[:-1]
    name = name.lstrip("^")
    for depth in range(len(scope), 0, -1):
        candidate = ":".join((*scope[:depth], name))
        if candidate in tasks:
            return candidate
    return name


def default_runs(files: list[_File]) -> RakeDefault:
    """What `rake` (the default task) runs, from the parsed files in load order."""
    tasks: dict[str, list[tuple[_File, Decl]]] = {}
    for f in files:
        for decl in f.parsed.decls:
            if decl.kind == "task":
                tasks.setdefault(decl.name, []).append((f, decl))
                continue
            if decl.kind == "clear":  # `Rake::Task[:default].clear`: a new start
                tasks.pop(decl.name, None)
                continue
            for _, earlier in tasks.get(decl.name, []):
                if decl.kind == "clear_prerequisites":
                    earlier.prerequisites = []
                if decl.kind == "clear_actions":
                    earlier.commands, earlier.invokes = [], []
                    earlier.runner, earlier.runs_tests = "", None
                    earlier.rails = False
    runs: list[RakeRun] = []
    budget = [_MAX_VISITS]  # tasks visited: a wide graph is read along its first paths

    def add(run: RakeRun) -> None:
        if len(runs) < _MAX_RUNS and run not in runs:
            runs.append(run)

    def visit(name: str, chain: tuple[Step, ...], seen: frozenset[str], mention: Step) -> None:
        """A task the default task reaches; `mention`: where it is named."""
        budget[0] -= 1
        if budget[0] < 0:
            return
        entries = tasks.get(name, [])
        if _is_test(name) or any(d.runner for _, d in entries):
            found = next(((f, d) for f, d in entries if d.runner), entries[0] if entries else None)
            if found is None:
                add(RakeRun("test", name, (*chain, mention)))
            else:
                f, decl = found
                label = f"{decl.runner} {name}" if decl.runner else f"task {name}"
                add(RakeRun("test", name, (*chain, f.step(decl.tok, label))))
            return
        if not entries:  # defined elsewhere (a gem, Rails): the table decides
            add(RakeRun("command", "rake " + shlex.quote(name), (*chain, mention)))
            return
        for f, decl in entries:
            follow(f, decl, (*chain, f.step(decl.tok, f"task {name}")), seen)

    def follow(f: _File, decl: Decl, here: tuple[Step, ...], seen: frozenset[str]) -> None:
        if len(here) > _MAX_DEPTH:
            return
        for prerequisite, tok in decl.prerequisites:
            target = _resolve(prerequisite, decl.scope, tasks)
            if target not in seen:
                visit(target, here, seen | {target}, f.step(tok, f"prerequisite {prerequisite}"))
        if decl.runs_tests is not None:
            add(RakeRun("test", decl.name, (*here, f.step(decl.runs_tests, "runs a test suite"))))
        for text, start, end in decl.commands:
            span = f.span(start, end)
            add(RakeRun("command", text, (*here, Step(f.relpath, span,
                                                       f"{f.relpath}:{span.line}"))))
        for invoked, tok in decl.invokes:
            target = _resolve(invoked, decl.scope, tasks)
            if target not in seen:
                visit(target, here, seen | {target}, f.step(tok, f"invokes {invoked}"))

    declaration: Step | None = None
    for f, decl in tasks.get("default", []):
        if decl.rails:
            label = "Rails.application.load_tasks (Rails' default task is test)"
            step = f.step(decl.tok, label)
            if decl.prerequisites:
                add(RakeRun("test", "test", (step,)))
                declaration = declaration or step
            continue
        step = f.step(decl.tok, "task default")
        declaration = declaration or step
        follow(f, decl, (step,), frozenset({"default"}))
    return RakeDefault(declaration, tuple(runs))


def _glob(base: Path, pattern: str) -> list[Path]:
    """The files a `.rake` path or glob names, relative to the Rakefile's directory."""
    if pattern.startswith(("/", "~")) or "{" in pattern or INTERPOLATED in pattern:
        return []
    if any(c in pattern for c in "*?["):
        try:
            found = sorted(base.glob(pattern))
        except (OSError, ValueError, NotImplementedError):
            return []
        return [p for p in found if p.is_file()][:_MAX_FILES]
    return [base / pattern]


def rake_default(ctx: Any, directories: list[Path]) -> RakeDefault | None:
    """What the default task of the Rakefile rake finds from directories[0] runs (rake
    searches the parent directories too); None when there is no readable Rakefile."""
    rakefile = None
    for directory in directories:
        for name in RAKEFILES:
            doc = ctx.document_at(directory / name)
            if doc is not None and doc.source and b"\x00" not in doc.source[:8192]:
                rakefile = doc
                break
        if rakefile is not None:
            break
    if rakefile is None:
        return None
    base = rakefile.path.parent
    files: list[_File] = []
    seen: set[str] = set()
    queue: list[Any] = [rakefile]

    def load(doc: Any) -> None:
        if doc.relpath in seen or len(files) >= _MAX_FILES:
            return
        seen.add(doc.relpath)
        text = doc.text
        starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        parsed = parse_rakefile(text)
        files.append(_File(doc.relpath, text, parsed, starts))
        patterns = list(parsed.imports)
        if doc is rakefile:
            patterns.append("rakelib/*.rake")  # rake imports these by itself
            if parsed.rails:
                patterns.append("lib/tasks/**/*.rake")
        for pattern in patterns:
            for path in _glob(base, pattern):
                found = ctx.document_at(path)
                if found is not None and found.source:
                    queue.append(found)

    while queue and len(files) < _MAX_FILES:
        load(queue.pop(0))
    return default_runs(files)


# --- the walker's `rake` ---------------------------------------------------------------


def rake(walker: Walking, words: list[Word], unit: Unit, env: Env, start: int, end: int,
         assigns: tuple[str, ...] = ()) -> bool:
    """A bare `rake` (or `rake default`) whose Rakefile the resolver reads: what the
    default task runs instead of the table's "rake (default task)". False when the
    table decides (a task named, another Rakefile, no Rakefile readable)."""
    from railsafe.commands.table import positionals

    argv = walker.argv(words, assigns)
    for arg in argv.args:
        if arg is None:  # an expansion: which task, or which option, is unknown
            return False
        option = arg.split("=", 1)[0] if arg.startswith("-") else ""
        if option in _NOTHING_RUNS:
            return True
        if option in _OTHER_RAKEFILE:
            return False
    tasks = [word for _, word in positionals(argv, walker.table)]
    if tasks not in ([], ["default"]):
        return False
    key = ("rake", env.cwd or ".", "default")
    if key in unit.frame.visiting:
        return True  # the default task runs `rake` again: already followed
    answer = walker.ask(env.cwd, ResolverExtras.rake_default)
    if not isinstance(answer, RakeDefault):
        return False
    text = unit.text[words[0].start : words[-1].end]
    for run in answer.runs:
        if run.kind == "test":
            what = "rake (default task)" if run.text == "default" else (
                f"rake (default task: {run.text})")
            walker.detect(unit, "test-runner", what, start, end, text, via=run.chain)
            continue
        frame = walker.follow(unit, start, end, key)
        if frame is None:
            continue
        frame = replace(frame, origin=Origin(), chain=(*frame.chain, *run.chain))
        walker.analyze_text(Unit(run.text, frame), Env(env.cwd))
    return True


__all__ = ["RakeDefault", "RakeRun", "parse_rakefile", "rake", "rake_default",
           "tokenize"]

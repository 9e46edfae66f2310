"""The walker: a traversal of tree-sitter-bash syntax trees that finds what runs.

`Walker` goes through lists, pipelines, subshells, command substitutions, function
definitions and calls, `cd` / `pushd`, redirections and here-documents, `sh -c '...'`
strings, `trap` handlers (analysed once the text that sets them is done), and scripts
(`./x.sh`, `bash x.sh`, `source f`); each simple command is stripped of its wrappers
(wrappers.py) and dispatched: package managers (packages.py), `make` (make.py), `mix`
(mix.py), a bare `rake` (rake.py), task runners, turbo, Nx and Lerna (runners.py),
seeders (seeds.py); the rest is matched against the detection table, with the SQL and
Python it is given (inline.py). The concern modules are functions that take the walker,
typed `walking.Walking` so that none imports this module back; the walker keeps the
state: the resolver (and one per working directory), the memoised resolver answers,
the detections, and the recursion spent. Optional resolver methods are asked through
`ask(cwd, ResolverExtras.<method>, ...)`, so mypy checks each call.

A bare program name (`entrypoint`) is looked up through the image's PATH
(RepoResolver.which: `image_paths`, `image_path_env`) before `name.sh` is tried in the
working directory.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Concatenate, ParamSpec, TypeVar

from railsafe.commands import inline, make, mix, packages
from railsafe.commands.packages import PACKAGE_MANAGERS
from railsafe.commands.shell import (
    SHELLS,
    STATIC_ASSIGN,
    Env,
    Frame,
    LinesOrigin,
    Unit,
    Word,
    arg_text,
    base_name,
    cd_path,
    field_of,
    first_error,
    is_shell_script,
    parse,
    reparse,
    static_value,
)
from railsafe.commands.table import Argv, Table, load_table, match_argv
from railsafe.commands.types import (
    Detection,
    Resolver,
    ResolverExtras,
    Step,
    Unparsable,
    extra,
)
from railsafe.commands.wrappers import PYTHON, unwrap

P = ParamSpec("P")
T = TypeVar("T")

_UNIT_COST = 4  # recursion a parsed text costs, in walk levels
# commands followed by railsafe/commands/runners.py and seeds.py (imported on first use)
_RUNNER_NAMES = frozenset(
    {"npm-run-all", "npm-run-all2", "run-s", "run-p", "concurrently", "nx", "lerna", "node",
     "turbo"}
)  # fmt: skip
_SEEDER_NAMES = frozenset({"knex", "sequelize", "sequelize-cli", "prisma"})


class Walker:
    """One analysis: walks the syntax trees of the texts it reaches and collects the
    detections and the unparsable parts (`analyze` runs one per command)."""

    def __init__(self, resolver: Resolver | None, max_depth: int, limit: int = 200):
        self.resolver = resolver
        self.max_depth = max_depth
        self.table: Table = load_table()
        self.detections: list[Detection] = []
        self.unparsable: list[Unparsable] = []
        self._resolvers: dict[str, Resolver | None] = {}
        self._memo: dict[tuple[str, str], Any] = {}
        self.depth = 0  # recursion spent (walk levels; a parsed text costs _UNIT_COST)
        self.limit = limit
        self.too_deep = False
        # `trap` handlers set in the texts being analysed, run when each text is done
        self.traps: list[tuple[Any, Unit, Env]] = []

    # -- bookkeeping -------------------------------------------------------------

    def resolver_at(self, cwd: str | None) -> Resolver | None:
        """The resolver for a working directory (relative to the service directory)."""
        if self.resolver is None or cwd is None:
            return None
        if cwd == ".":
            return self.resolver
        if cwd not in self._resolvers:
            at = extra(self.resolver, ResolverExtras.at)
            self._resolvers[cwd] = at(cwd) if at is not None else None
        return self._resolvers[cwd]

    def ask(
        self,
        cwd: str | None,
        method: Callable[Concatenate[ResolverExtras, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """An optional resolver method's answer for a directory, memoised; None when the
        resolver has no such method (`ask(cwd, ResolverExtras.which, name)`)."""
        words = (*map(str, args), *(f"{k}={v}" for k, v in sorted(kwargs.items())))
        key = (cwd or "", method.__name__ + "\0" + "\0".join(words))
        if key not in self._memo:
            function = extra(self.resolver_at(cwd), method)
            self._memo[key] = function(*args, **kwargs) if function is not None else None
        answer: T | None = self._memo[key]
        return answer

    def _chain(self, unit: Unit, start: int, end: int) -> tuple[Step, ...]:
        frame = unit.frame
        if not frame.chain:
            return ()
        last = frame.chain[-1]
        o_start, o_end = unit.o(start), unit.o(end)
        span = frame.origin.span(o_start, o_end) or last.span
        refined = replace(last, span=span, label=frame.origin.label(last, o_start))
        return (*frame.chain[:-1], refined)

    def _anchor(self, unit: Unit, start: int, end: int) -> tuple[int, int]:
        if unit.frame.anchor is not None:
            return unit.frame.anchor
        return unit.o(start), unit.o(end)

    def detect(
        self,
        unit: Unit,
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

    def follow(self, unit: Unit, start: int, end: int, key: tuple[str, ...]) -> Frame | None:
        """The frame for a file followed from unit[start:end], or None (depth, cycle)."""
        frame = unit.frame
        if key in frame.visiting or len(frame.chain) >= self.max_depth:
            return None
        return Frame(
            origin=frame.origin,  # replaced by the caller
            anchor=self._anchor(unit, start, end),
            chain=self._chain(unit, start, end),
            visiting=frame.visiting | {key},
        )

    def cd(self, cwd: str | None, args: list[Word]) -> str | None:
        """The directory `cd args` moves to; an absolute in-image directory is mapped
        through the resolver's `map_image_path` when it has one."""
        targets = [w for w in args if not (w.text or "").startswith("-") or w.text == "-"]
        first = (targets[0].text or "") if targets else ""
        if first.startswith("/"):
            mapped = self.ask(".", ResolverExtras.map_image_path, first)
            return posixpath.normpath(mapped) if isinstance(mapped, str) else None
        return cd_path(cwd, args)

    def nested_too_deeply(self, unit: Unit, start: int, end: int) -> None:
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

    def analyze_text(self, unit: Unit, env: Env) -> None:
        if self.depth + _UNIT_COST > self.limit:
            self.nested_too_deeply(unit, 0, len(unit.text))
            return
        self.depth += _UNIT_COST
        mark = len(self.traps)
        try:
            self._analyze_text(unit, env)
            while len(self.traps) > mark:  # the shell exits (or fails): its traps run
                node, where, trap_env = self.traps.pop(mark)
                self.inner_string(node, where, trap_env.copy())
        finally:
            del self.traps[mark:]
            self.depth -= _UNIT_COST

    def _analyze_text(self, unit: Unit, env: Env) -> None:
        tree = parse(unit.data)
        root = tree.root_node
        if root.has_error:
            bad = first_error(root)
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

    def walk(self, node: Any, unit: Unit, env: Env) -> None:
        if self.depth >= self.limit:
            self.nested_too_deeply(unit, unit.s(node), unit.e(node))
            return
        self.depth += 1
        try:
            self._walk(node, unit, env)
        finally:
            self.depth -= 1

    def _walk(self, node: Any, unit: Unit, env: Env) -> None:
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
        self, node: Any, unit: Unit, env: Env, stdin: str | None, piped: bool
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
                out = inline.stdout_text(self, body, unit, env, redirects)
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

    def pipeline(self, node: Any, unit: Unit, env: Env, stdin: str | None) -> None:
        """Each command of a pipeline, knowing the text the previous one writes when it
        is static (`echo 'DROP TABLE x' | psql`, `cat reset.sql | psql`)."""
        previous = stdin
        children = node.named_children
        for index, child in enumerate(children):
            piped = index + 1 < len(children)
            if child.type == "command":
                self.command(child, unit, env, [], previous)
                previous = inline.stdout_text(self, child, unit, env, []) if piped else None
            elif child.type == "redirected_statement":
                previous = self.redirected(child, unit, env, previous, piped)
            else:
                self.walk(child, unit, env)
                previous = None

    def read_file(self, path: str | None, env: Env) -> str | None:
        """A data file a command reads (`psql -f x.sql`, `cat x.sql`), through the resolver."""
        if not path or env.cwd is None or path.startswith(("~", "$")):
            return None
        resolver = self.resolver_at(".")
        if resolver is None:
            return None
        rel = path if path.startswith("/") else posixpath.normpath(posixpath.join(env.cwd, path))
        got = resolver.script_file(rel)
        return got[0] if got is not None else None

    # -- one simple command -----------------------------------------------------------

    def command(
        self,
        node: Any,
        unit: Unit,
        env: Env,
        redirects: list[Any],
        stdin: str | None = None,
    ) -> None:
        words: list[Word] = []
        assigns: list[str] = []
        for child in node.children:
            field_name = field_of(node, child)
            if child.type == "variable_assignment":
                self.walk(child, unit, env)
                raw = unit.raw(child)
                if STATIC_ASSIGN.match(raw):
                    assigns.append(raw)
            elif field_name == "name":
                target = child.named_children[0] if child.named_children else child
                value = static_value(target, unit)
                words.append(Word(value, unit.s(target), unit.e(target), target))
            elif field_name == "argument":
                words.append(Word(static_value(child, unit), unit.s(child), unit.e(child), child))
                self.walk(child, unit, env)  # command substitutions inside arguments
            elif field_name == "redirect" or child.type.endswith("_redirect"):
                redirects = [*redirects, child]
        if not words:
            return
        end = unit.e(node)
        self.dispatch(words, unit, env, redirects, end, stdin, tuple(assigns))

    def dispatch(
        self,
        words: list[Word],
        unit: Unit,
        env: Env,
        redirects: list[Any],
        end: int,
        stdin: str | None = None,
        assigns: tuple[str, ...] = (),
    ) -> None:
        start = words[0].start
        if unit.frame.seed:  # a seed script: the JavaScript file it runs is read
            from railsafe.commands import seeds

            seeds.run_js(self, words, unit, env, start, end)
        words, more = unwrap(words)
        assigns = (*assigns, *more)
        if not words or words[0].text is None:
            return
        name_raw = words[0].text
        name = base_name(name_raw)
        args = words[1:]

        if name_raw in env.functions:
            self.call_function(name_raw, unit, env, start, end)
            return
        if name == "trap" and "/" not in name_raw:
            self.trap(args, unit, env)
            return
        if name in ("cd", "pushd") and "/" not in name_raw:
            env.cwd = self.cd(env.cwd, args)
            return
        if name == "popd":
            env.cwd = None
            return
        if name in SHELLS and "/" not in name_raw.rstrip("/").rsplit("/", 1)[-1]:
            self.shell(words, unit, env, redirects, start, end)
            return
        if name in ("source", ".") and args and args[0].text:
            self.script(args[0].text, unit, env, start, end, same_shell=True, by_shell=True)
            return
        if name in PACKAGE_MANAGERS:
            packages.package_manager(self, name, args, unit, env, start, end)
            return
        if name in ("make", "gmake"):
            make.make(self, args, unit, env, start, end)
            return
        if name in _RUNNER_NAMES:
            from railsafe.commands import runners

            if runners.run(self, name, words, unit, env, start, end):
                return
        if name == "mix" and mix.mix(self, words, unit, env, start, end):
            return
        if name == "rake":
            from railsafe.commands import rake

            if rake.rake(self, words, unit, env, start, end, assigns):
                return
        if name in _SEEDER_NAMES:  # the seed files a seeder runs
            from railsafe.commands import seeds

            seeds.seed(self, name, words, unit, env, start, end)
        if self.match(words, unit, env, redirects, start, end, stdin, assigns):
            return
        if "/" not in name_raw and name_raw not in self.table.names:
            # a bare name runs what PATH finds: a script the image copied there
            # (`COPY scripts/entrypoint.sh /usr/local/bin/entrypoint`)
            found = self.ask(".", ResolverExtras.which, name_raw)
            if isinstance(found, str):
                self.script(found, unit, env, start, end, same_shell=False)
                return
        if "/" in name_raw or name_raw.endswith(".sh"):
            self.script(name_raw, unit, env, start, end, same_shell=False)

    def trap(self, args: list[Word], unit: Unit, env: Env) -> None:
        """`trap 'handler' EXIT ERR TERM ...`: the handler runs when the shell exits, a
        command fails or a signal comes (Railway sends SIGTERM on every redeploy).

        Its text is analysed like `sh -c` (offsets mapped back), once the text that set
        it has been walked: a handler that names a function (`trap cleanup ERR`) finds
        it even when it is defined after the `trap`. `trap -l` / `trap -p` only list,
        `trap - SIG` and `trap '' SIG` reset or ignore the signal."""
        i = 0
        while i < len(args):
            t = args[i].text
            if t == "--":
                i += 1
                break
            if t is None or not t.startswith("-") or t == "-":
                break
            if t in ("-l", "-p", "-P"):
                return
            i += 1
        operands = args[i:]
        if len(operands) < 2:
            return
        action = operands[0]
        if action.node is None or action.text in ("-", "") or (action.text or "").isdigit():
            return
        self.traps.append((action.node, unit, env))

    def call_function(self, name: str, unit: Unit, env: Env, start: int, end: int) -> None:
        """Run a shell function's body, wherever it was defined (this text, or a file
        sourced earlier: `. ./lib.sh; setup_db`)."""
        body, fn_unit = env.functions[name]
        key = ("function", name, str(id(body)))
        frame = unit.frame
        if key in frame.visiting:
            return
        same_text = (  # called from a string of the same text (`trap cleanup EXIT`)
            fn_unit.frame.origin is frame.origin
            and fn_unit.frame.chain == frame.chain
            and fn_unit.frame.anchor == frame.anchor
        )
        if fn_unit is unit or fn_unit.frame is frame or same_text:
            inner = fn_unit.with_frame(replace(frame, visiting=frame.visiting | {key}))
        else:
            chain = self._chain(unit, start, end)
            if fn_unit.frame.chain:
                defined = fn_unit.frame.chain[-1]
                if chain and chain[-1].path == defined.path:
                    chain = chain[:-1]
                chain = (*chain, defined)
            inner = fn_unit.with_frame(
                Frame(
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
        words: list[Word],
        unit: Unit,
        env: Env,
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
            inline.sql(self, argv, words, unit, env, redirects, stdin),
            inline.code(self, argv, words, unit, env, redirects, stdin),
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

    def argv(self, words: list[Word], assigns: tuple[str, ...] = ()) -> Argv:
        shown = base_name(words[0].text or "")
        name = self.table.aliases.get(shown, shown)
        if PYTHON.match(name):
            name = "python"  # python3.12, pypy3: the table's `python`
        return Argv(name, shown, tuple(arg_text(w) for w in words[1:]), assigns)

    # -- shells and scripts ----------------------------------------------------------------

    def shell(
        self, words: list[Word], unit: Unit, env: Env, redirects: list[Any], start: int, end: int
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
                self.script(words[i].text or "", unit, env, start, end, same_shell=False,
                            by_shell=True)
            return
        for r in redirects:  # `bash <<EOF ... EOF`, `sh <<< "..."`
            self.redirect_text(r, unit, env.copy())

    def inner_string(self, node: Any, unit: Unit, env: Env) -> None:
        if unit.frame.strings > 8:
            return
        text, where = reparse(node, unit)
        offsets = [unit.o(k) for k in where]
        frame = replace(unit.frame, strings=unit.frame.strings + 1)
        self.analyze_text(Unit(text, frame, offsets), env)

    def redirect_text(self, node: Any, unit: Unit, env: Env) -> None:
        for child in node.named_children:
            if child.type == "heredoc_body":
                s, e = unit.s(child), unit.e(child)
                offsets = [unit.o(k) for k in range(s, e + 1)]
                frame = replace(unit.frame, strings=unit.frame.strings + 1)
                self.analyze_text(Unit(unit.text[s:e], frame, offsets), env)
            elif node.type == "herestring_redirect" and child.type in (
                "string",
                "raw_string",
                "word",
                "concatenation",
            ):
                self.inner_string(child, unit, env)

    def script(
        self, path: str, unit: Unit, env: Env, start: int, end: int, same_shell: bool,
        by_shell: bool = False,
    ) -> None:
        """Follow a file a command runs. Run directly (`./x`, `bun x`), a file named as
        a program in another language (`src/app.ts`, `app.py`) is not read as shell;
        given to a shell (`sh x`, `. x`), it is whatever its name."""
        if path.startswith(("~", "$")):
            return
        if path.startswith("/"):
            rel = posixpath.normpath(path)  # an in-image path: the resolver maps it or not
        elif env.cwd is None:
            return
        else:
            rel = posixpath.normpath(posixpath.join(env.cwd, path))
        resolver = self.resolver_at(".")
        if resolver is None:
            return
        frame = self.follow(unit, start, end, ("file", rel))
        if frame is None:
            return
        found = resolver.script_file(rel)
        if found is None:
            return
        text, step = found
        if not is_shell_script(text, "" if by_shell else rel):
            return
        frame = replace(frame, origin=LinesOrigin(text, number=True), chain=(*frame.chain, step))
        self.analyze_text(Unit(text, frame), env if same_shell else Env(env.cwd))


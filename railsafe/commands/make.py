"""GNU make: `make X` into the Makefile's rule for X.

A target's prerequisites are made first, then its recipe runs: each recipe command
(continuation lines joined, the `@` / `-` / `+` prefixes dropped, make variables
expanded from RepoResolver.make_variables; an unknown one stays an expansion) is
analysed as shell text, located at its line of the Makefile. GNU make drops a circular
prerequisite ("Circular build <- deps dependency dropped") and builds each target once
per run; so does this.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from railsafe.commands.shell import NAME_ASSIGN, Env, LinesOrigin, Unit, Word, cd_path
from railsafe.commands.types import Resolver, ResolverExtras, extra

if TYPE_CHECKING:
    from railsafe.commands.walking import Walking

_MAX_MAKE_CHAIN = 64  # prerequisites of prerequisites...


def make(walker: Walking, args: list[Word], unit: Unit, env: Env, start: int, end: int) -> None:
    """`make [-C dir] [targets]`: each target's prerequisites and recipe, from the
    Makefile of the directory (the default goal without a target)."""
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
            cwd = cd_path(cwd, [Word(nxt, 0, 0)])
            i += 2
            continue
        if t.startswith("--directory="):
            cwd = cd_path(cwd, [Word(t.split("=", 1)[1], 0, 0)])
        elif t.startswith("-C") and len(t) > 2:
            cwd = cd_path(cwd, [Word(t[2:], 0, 0)])
        elif t in ("-f", "--file", "--makefile") or t.startswith(
            ("--file=", "--makefile=", "-f")
        ):
            return  # another makefile: not followed
        elif (
            t in ("-j", "--jobs", "-l", "--load-average") and nxt is not None and nxt.isdigit()
        ) or t in ("-I", "--include-dir", "-o", "-W", "--what-if", "--old-file", "--new-file"):
            i += 2
            continue
        elif not t.startswith("-") and not NAME_ASSIGN.match(t):
            targets.append(t)
        i += 1
    resolver = walker.resolver_at(cwd)
    if resolver is None:
        return
    made: set[str] = set()  # one make run builds each target once
    for target in targets or [""]:
        make_target(walker, resolver, target, unit, cwd, start, end, made, ())


def make_target(
    walker: Walking,
    resolver: Resolver,
    target: str,
    unit: Unit,
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
    frame = walker.follow(unit, start, end, ("make", cwd or ".", target))
    if frame is None:
        return
    made.add(target)
    prerequisites = extra(resolver, ResolverExtras.make_prerequisites)
    if prerequisites is not None:
        for pre in prerequisites(target):
            make_target(walker, resolver, pre, unit, cwd, start, end, made, (*pending, target))
    found = resolver.make_target(target)
    if found is None:
        return
    lines, step = found
    variables_of = extra(resolver, ResolverExtras.make_variables)
    variables = variables_of() if variables_of is not None else {}
    block = "\n".join(lines)
    origin = LinesOrigin(block, first_line=step.span.line + 1)
    frame = replace(frame, origin=origin, chain=(*frame.chain, step))
    for text, offsets in _recipe_commands(lines, variables):
        walker.analyze_text(Unit(text, frame, offsets), Env(cwd))


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


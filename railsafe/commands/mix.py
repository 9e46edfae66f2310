"""Mix aliases: `mix name` where mix.exs `aliases` defines `name` runs the alias's
tasks instead (RepoResolver.mix_alias); an alias naming its own name runs the task
(`test: ["ecto.create", "test"]`), and the arguments go to the alias's last task.
"""

from __future__ import annotations

import shlex
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from railsafe.commands.shell import Env, Origin, Unit, Word
from railsafe.commands.types import ResolverExtras

if TYPE_CHECKING:
    from railsafe.commands.walking import Walking


def mix(walker: Walking, words: list[Word], unit: Unit, env: Env, start: int, end: int) -> bool:
    """`mix name` where mix.exs defines the alias `name`: its tasks instead (an
    alias that names another alias is expanded too; one that names itself runs the
    task of that name, as Mix does). False when no alias is involved."""
    args = words[1:]
    if not args or args[0].text is None:
        return False
    groups: list[list[Word]] = [[]]
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
    plan: list[tuple[list[Word], Any, tuple[str, str, str]]] = []
    for group in groups:
        if not group or group[0].text is None:
            continue
        key = ("mix", env.cwd or ".", group[0].text)
        found = None
        if key not in unit.frame.visiting:
            found = walker.ask(env.cwd, ResolverExtras.mix_alias, group[0].text)
        plan.append((group, found, key))
    if not any(found is not None for _, found, _ in plan):
        return False
    for group, found, key in plan:
        if found is None:
            walker.match([words[0], *group], unit, env, [], start, end)
            continue
        frame = walker.follow(unit, start, end, key)
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
        frame = replace(frame, origin=Origin(), chain=(*frame.chain, step))
        walker.analyze_text(Unit("\n".join(lines), frame), Env(env.cwd))
    return True


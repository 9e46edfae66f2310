"""Shell command analysis: the entry point, `analyze(command, resolver)`.

The work is split by concern, each module imported on the first analysis:

- shell.py: tree-sitter-bash parsing, Railway `${{...}}` references masked, words and
  their static values, `Unit` (a parsed text) and the offsets back to the command or
  the followed file;
- walker.py: `Walker`, the traversal (lists, pipelines, subshells, functions, `cd`,
  env prefixes, `sh -c`, scripts) and the dispatch of each simple command; matching
  against the detection table (table.py, railsafe/data/detections.toml);
- wrappers.py: `env`, `sudo`, `timeout`, `poetry run`, `npx`, `python -m`... stripped;
- packages.py: npm / yarn / pnpm / bun into package.json (arguments, pre/post and
  lifecycle scripts), workspaces.py: which workspace packages a command selects;
- runners.py: npm-run-all, concurrently, `node --run`, turbo, Nx and Lerna (with
  monorepo.py for the Nx and Lerna projects); seeds.py: seeders;
- make.py: Makefile targets, mix.py: mix.exs aliases;
- inline.py: SQL given to database clients and inline Python (pycode.py);
- resolver.py: RepoResolver, the repository files the walker follows.
"""

from __future__ import annotations

import sys
from typing import Any

from railsafe.commands.types import Analysis, Resolver


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
    from railsafe.commands.shell import Env, Frame, Origin, Unit
    from railsafe.commands.walker import Walker

    budget = sys.getrecursionlimit() - _stack_depth() - 150
    walker = Walker(resolver, max_depth, limit=max(16, budget // 3))
    try:
        walker.analyze_text(Unit(command, Frame(Origin())), Env())
    except RecursionError:  # a last resort: the depth budget above should prevent it
        walker.too_deep = False
        walker.nested_too_deeply(Unit(command, Frame(Origin())), 0, len(command))
    return Analysis(tuple(walker.detections), tuple(walker.unparsable))

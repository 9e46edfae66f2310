"""Command analysis: what a shell command really runs.

`analyze(command, resolver)` parses a command with tree-sitter-bash, follows
`npm run X` / `yarn X` / `pnpm X` / `bun run X` into package.json (with the arguments
passed on, pre/post scripts, and workspace-scoped runs: `pnpm --filter`, `npm -w`,
`yarn workspace`, `turbo run` into the workspace packages' package.json), `make X`
into the Makefile, `mix X` into mix.exs aliases and `./script.sh` / `bash script.sh` /
`source f` into script files (functions they define included; through the resolver,
to a bounded depth, with cycle detection), and reports every test run, destructive
database command and migration from the table in railsafe/data/detections.toml (SQL
given to a client, inline Python that drops tables), each with the chain of files that
led to it.
"""

from __future__ import annotations

from railsafe.commands.analysis import analyze
from railsafe.commands.model import (
    Analysis,
    Detection,
    Resolver,
    Step,
    Unparsable,
    WorkspacePackage,
)
from railsafe.commands.resolver import RepoResolver

__all__ = [
    "Analysis",
    "Detection",
    "RepoResolver",
    "Resolver",
    "Step",
    "Unparsable",
    "WorkspacePackage",
    "analyze",
]

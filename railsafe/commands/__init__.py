"""Command analysis: what a shell command really runs.

`analyze(command, resolver)` parses a command with tree-sitter-bash, follows
`npm run X` / `yarn X` / `pnpm X` / `bun run X` into package.json (with the arguments
passed on, pre/post scripts, and workspace-scoped runs: `pnpm --filter`, `npm -w`,
`yarn workspace`, `turbo run` into the workspace packages' package.json, with the
turbo.json `dependsOn` entries that pull tasks in), script runners (npm-run-all /
run-s / run-p, concurrently, `node --run`: runners.py), Nx targets and `lerna run`
(runners.py, monorepo.py), `make X` into the Makefile, `mix X` into mix.exs aliases,
`./script.sh` / `bash script.sh` / `source f` into script files (functions they define
included, `trap` handlers too), a bare `rake` into the Rakefile's default task (rake.py)
and a bare program name through the image's PATH (`ENTRYPOINT ["entrypoint"]`); seeders
(`knex seed:run`, `sequelize db:seed:all`, `prisma db seed`,
`npm run seed`) into the seed files that delete every row (seeds.py). Through the
resolver, to a bounded depth, with cycle detection. It reports every test run,
destructive database command and migration from the table in
railsafe/data/detections.toml (SQL given to a client, inline Python that executes
destructive SQL or drops tables: pycode.py), each with the chain of files that led
to it.
"""

from __future__ import annotations

from railsafe.commands.analysis import analyze
from railsafe.commands.resolver import RepoResolver
from railsafe.commands.types import (
    Analysis,
    Detection,
    NxTarget,
    RakeDefault,
    RakeRun,
    Resolver,
    Step,
    Unparsable,
    WorkspacePackage,
)

__all__ = [
    "Analysis",
    "Detection",
    "NxTarget",
    "RakeDefault",
    "RakeRun",
    "RepoResolver",
    "Resolver",
    "Step",
    "Unparsable",
    "WorkspacePackage",
    "analyze",
]

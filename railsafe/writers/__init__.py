"""Writers: `railsafe init`, `railsafe migrate`, `railsafe fix`.

They build files from what railsafe reads (the loaders, the project model,
the static IaC reading) and check what they write with railsafe's own rules
before writing. Nothing here is imported by `railsafe check` or
`railsafe --version`: the CLI imports these modules inside the commands.

- `emit`: TypeScript / Python literals and the `.railway/railway.{ts,py}` layout;
- `files`: atomic writes, backups, the check of a file set before it is written;
- `migrate`: Config as Code files -> one `.railway/railway.ts` that keeps every setting;
- `detect`, `init`: stack detection and hardened configuration;
- `fix`: in-place repairs that keep comments and formatting;
- `cli`: the Typer commands (imports only typer at module level).
"""

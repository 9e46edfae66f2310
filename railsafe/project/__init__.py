"""The project model: per service, which builder builds it and what runs in each phase.

A *service root* is a directory with `railway.toml` / `railway.json`, a
`Dockerfile`, `railpack.json` or `nixpacks.toml|json`, or the scanned root
itself when it holds an app (`package.json`, `requirements.txt`,
`pyproject.toml`, `Procfile`).

For each service the model computes one `Plan` per environment the Railway
config names (the base config first, then every `environments.<name>`),
merged the way Railway merges them (railway-facts §1.5, §2.1):
environment override > base config > builder config file (`nixpacks.toml`,
`railpack.json`, Dockerfile) > builder defaults (§3.6, §4.4).

A Dockerfile is read the way BuildKit builds it (docs/facts.md): only the
stages the final image needs run their `RUN`s (heredoc scripts included);
the start command is the final image's `ENTRYPOINT` / `CMD`, inherited
through `FROM <stage>`; `WORKDIR` and `COPY`/`ADD` tell each command which
repository directory it runs in and where in-image paths come from.
`build.nixpacksConfigPath` names the Nixpacks file a build reads.

Every `Command` keeps its provenance (file, span of the value, a label) and
can map a character offset inside its text back to a file position
(`Command.at`), so findings land on the exact column of the command.

Use `services(ctx)`: it is computed once per check and shared by all rules.

Where each part lives:

- `model`: the types (`Service`, `Plan`, `Builder`, `Command`) and names;
- `planner`: `services()`, the service roots, one `Plan` per environment;
- `configs`: reading a service's files, the Railway settings merged per
  environment, Nixpacks / Railpack config commands, the read log;
- `builders`: the builder choice and the Nixpacks / Railpack defaults;
- `docker`: the commands of a Dockerfile build;
- `spans`: where each character of a command is in its file.
"""

from railsafe.loaders import NIXPACKS_KINDS, RAILPACK_KINDS, RAILWAY_KINDS
from railsafe.project.builders import NODE_INSTALL_SCRIPTS
from railsafe.project.configs import note_read, read_log
from railsafe.project.planner import files_by_dir, service_for_config, services
from railsafe.project.spans import value_command
from railsafe.project.types import (
    APP_MARKERS,
    BUILDER_NAMES,
    CONFIG_NAMES,
    PHASES,
    PR_ENVIRONMENT,
    Builder,
    BuilderName,
    Command,
    Phase,
    Plan,
    Service,
)

__all__ = [
    "APP_MARKERS",
    "BUILDER_NAMES",
    "CONFIG_NAMES",
    "NIXPACKS_KINDS",
    "NODE_INSTALL_SCRIPTS",
    "PHASES",
    "PR_ENVIRONMENT",
    "RAILPACK_KINDS",
    "RAILWAY_KINDS",
    "Builder",
    "BuilderName",
    "Command",
    "Phase",
    "Plan",
    "Service",
    "files_by_dir",
    "note_read",
    "read_log",
    "service_for_config",
    "services",
    "value_command",
]

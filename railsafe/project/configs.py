"""Reading one service's files: the Railway config merged per environment, builder configs.

`ServiceReader` is what the planner modules (`builders`, `docker`) read a
service through: its files (each read noted in the read log, for RS001), the
Railway settings with an environment's override winning over the base config
(railway-facts §1.5, §2.1), and the commands of the builder config files
(`nixpacks.toml|json` phases, `build.nixpacksPlan`, `railpack.json` steps).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from railsafe.context import Context
from railsafe.discover import SourceFile
from railsafe.findings import FILE_START, Related, Span
from railsafe.loaders import Document
from railsafe.project.spans import value_command
from railsafe.project.types import PR_ENVIRONMENT, Command, Phase, Service


def read_log(ctx: Context) -> dict[str, tuple[Document, str]]:
    """Files the project model and the command analysis read, by relpath: (document, why).

    Rules use it to say which file on a deploy path could not be read (RS001).
    """
    return ctx.cached("project.reads", dict)


def note_read(ctx: Context, doc: Document, why: str) -> None:
    read_log(ctx).setdefault(doc.relpath, (doc, why))


def rel_path(path: Path, root: Path) -> str:
    """`path` relative to `root` ("" for the root itself), else as given."""
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
    return "" if rel == "." else rel


def _get(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or part >= len(data):
                return None
            data = data[part]
        else:
            if not isinstance(data, dict):
                return None
            data = data.get(part)
    return data


def _has(data: Any, path: tuple[str, ...]) -> bool:
    parent = _get(data, path[:-1])
    return isinstance(parent, dict) and path[-1] in parent


def _strings(value: Any) -> list[tuple[int | None, str]]:
    """(index or None, text) for a string or a list of strings."""
    if isinstance(value, str):
        return [(None, value)] if value.strip() else []
    if isinstance(value, list):
        return [(i, v) for i, v in enumerate(value) if isinstance(v, str) and v.strip()]
    return []


class Setting(NamedTuple):
    """The effective value of one Railway setting, and where it is written."""

    keypath: tuple[str | int, ...]  # in a Config as Code file; () for an IaC file
    value: Any
    environment: str | None  # the `environments.<name>` override that sets it
    path: str  # relpath of the file that sets it
    span: Span  # the value


class ServiceReader:
    """One service as the planner reads it, for one check."""

    def __init__(self, ctx: Context, service: Service) -> None:
        self.ctx = ctx
        self.s = service
        cfg = service.config
        self.data: dict[str, Any] = (
            cfg.data if cfg is not None and isinstance(cfg.data, dict) else {}
        )
        envs = self.data.get("environments")
        self.env_names: list[str] = []
        if isinstance(envs, dict):
            self.env_names = [str(k) for k, v in envs.items() if isinstance(v, dict)]
        self._package: dict[str, Any] | None = None
        self._package_loaded = False

    # -- files -----------------------------------------------------------------
    def exists(self, name: str) -> bool:
        return name in self.s.files or (self.s.root / name).is_file()

    def rel(self, name: str) -> str:
        return rel_path(self.s.root / name, self.ctx.root.absolute())

    def doc(self, name: str) -> Document | None:
        sf = self.s.files.get(name)
        if sf is not None:
            return self.load_file(sf)
        doc = self.ctx.document_at(self.s.root / name)
        if doc is not None:
            self.note(doc)
        return doc

    def note(self, doc: Document) -> None:
        who = "the service at the repository root" if self.s.name == "." else (
            f"service {self.s.name}")
        note_read(self.ctx, doc, f"it defines what {who} builds or starts")

    def load_file(self, sf: SourceFile) -> Document:
        doc = self.ctx.load(sf)
        self.note(doc)
        return doc

    def load(self, path: Path, kind: str, syntax: str) -> Document | None:
        """A file the Railway config names, parsed as `kind` whatever its name."""
        root = self.ctx.root.absolute()
        try:
            resolved = self.ctx.resolve(path)
            relpath = resolved.relative_to(self.ctx.resolve(root)).as_posix()
        except (OSError, ValueError, RuntimeError):
            return None
        if not resolved.is_file():
            return None
        doc = self.ctx.load(SourceFile(resolved, relpath, kind, syntax))
        self.note(doc)
        return doc

    def load_named(self, name: str, kind: str, syntax: str) -> Document | None:
        """A file a setting names: relative to the service root, then to the repository root."""
        for base in (self.s.root, self.ctx.root):
            doc = self.load(base / name.lstrip("/"), kind, syntax)
            if doc is not None:
                return doc
        return None

    @property
    def package(self) -> dict[str, Any] | None:
        if not self._package_loaded:
            self._package_loaded = True
            doc = self.doc("package.json") if "package.json" in self.s.files else None
            if doc is not None and isinstance(doc.data, dict):
                self._package = doc.data
        return self._package

    def script(self, name: str) -> str | None:
        scripts = (self.package or {}).get("scripts")
        value = scripts.get(name) if isinstance(scripts, dict) else None
        return value if isinstance(value, str) and value.strip() else None

    # -- railway config values (environment override > base) --------------------
    def origin(self) -> tuple[str, Span] | None:
        """The settings source that declares this service: (file, span), if any."""
        if self.s.config is None:
            return None
        return (self.s.config.relpath, FILE_START)

    def setting(self, env: str | None, section: str, key: str) -> Setting | None:
        """The effective value (environment override > base), or None if unset."""
        cfg = self.s.config
        if cfg is None:
            return None
        for name in () if env is None else (env,):
            path: tuple[str, ...] = ("environments", name, section, key)
            if _has(self.data, path):
                return Setting(path, _get(self.data, path), name, cfg.relpath,
                               cfg.locate(path, "value"))
        path = (section, key)
        if _has(self.data, path):
            return Setting(path, _get(self.data, path), None, cfg.relpath,
                           cfg.locate(path, "value"))
        return None

    def env_provenance(
        self, environment: str | None, path: tuple[str | int, ...] = ()
    ) -> tuple[Related, ...]:
        """The override that sets a command: its key (`startCommand` under
        `[environments.staging.deploy]`), else the environment's own key."""
        if environment is None or self.s.config is None:
            return ()
        doc = self.s.config
        keys = tuple(p for p in path if isinstance(p, str))
        span = doc.locate(keys or ("environments", environment), "key")
        if environment == PR_ENVIRONMENT:
            label = (f"the `{PR_ENVIRONMENT}` override, applied to every PR environment "
                     "(docs/facts.md F34)")
        else:
            label = f"override for environment {environment} (docs/facts.md F34)"
        return (Related(doc.relpath, span, label),)

    def config_commands(
        self, env: str | None, section: str, key: str, phase: Phase
    ) -> list[Command] | None:
        """Commands of a railway setting; None if unset, [] if set to null/empty."""
        found = self.setting(env, section, key)
        if found is None or self.s.config is None:
            return None
        path, value, environment = found.keypath, found.value, found.environment
        out = []
        for index, text in _strings(value):
            full = path if index is None else (*path, index)
            out.append(
                value_command(self.s.config, full, text, phase, environment=environment,
                              provenance=self.env_provenance(environment, path))
            )
        return out

    # -- builder config files (Nixpacks / Railpack) --------------------------------
    def nixpacks_config(self, env: str | None) -> Document | None:
        """The Nixpacks config file the build reads.

        `build.nixpacksConfigPath` names a non-standard file (§1.3); Nixpacks
        then reads it instead of nixpacks.toml / nixpacks.json (its config
        file order, §3.2). Like `NIXPACKS_CONFIG_FILE` the path is taken
        relative to the service root, then to the repository root
        (docs/facts.md: which one Railway uses is unconfirmed). A path that
        names no file in the tree leaves the discovered file in use.
        """
        found = self.setting(env, "build", "nixpacksConfigPath")
        if found is not None and isinstance(found.value, str) and found.value.strip():
            name = found.value.strip()
            syntax = "json" if name.lower().endswith(".json") else "toml"
            doc = self.load_named(name, f"nixpacks-{syntax}", syntax)
            if doc is not None:
                self.s.nixpacks_configs[env] = doc
                return doc
        if self.s.nixpacks is not None:
            self.s.nixpacks_configs[env] = self.s.nixpacks
        return self.s.nixpacks

    def nixpacks_phases(self, env: str | None) -> dict[str, tuple[list[Command], bool]]:
        """Phase name -> (commands, whether provider defaults are spread in)."""
        out: dict[str, tuple[list[Command], bool]] = {}
        sources: list[tuple[Document, tuple[str, ...], str | None]] = []
        nx = self.nixpacks_config(env)
        if nx is not None and isinstance(nx.data, dict):
            sources.append((nx, ("phases",), None))
        cfg = self.s.config
        if cfg is not None:
            # railway config nixpacksPlan beats the file; environment beats base
            sources.append((cfg, ("build", "nixpacksPlan", "phases"), None))
            if env is not None:
                sources.append((cfg, ("environments", env, "build", "nixpacksPlan", "phases"), env))
        for doc, prefix, environment in sources:
            phases = _get(doc.data, prefix)
            if not isinstance(phases, dict):
                continue
            for name, phase in phases.items():
                if not isinstance(phase, dict):
                    continue
                key = "cmds" if "cmds" in phase else "commands" if "commands" in phase else None
                if key is None:
                    continue
                cmds, spread = self.command_list(
                    doc, (*prefix, name, key), phase[key], environment
                )
                out[str(name)] = (cmds, spread)
        return out

    def railpack_steps(self) -> dict[str, tuple[list[Command], bool]]:
        out: dict[str, tuple[list[Command], bool]] = {}
        rp = self.s.railpack
        steps = _get(rp.data, ("steps",)) if rp is not None else None
        if rp is None or not isinstance(steps, dict):
            return out
        for name, step in steps.items():
            if isinstance(step, dict) and "commands" in step:
                out[str(name)] = self.command_list(rp, ("steps", name, "commands"),
                                                   step["commands"], None)
        return out

    def command_list(
        self, doc: Document, path: tuple[str, ...], value: Any, environment: str | None
    ) -> tuple[list[Command], bool]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return [], True
        cmds: list[Command] = []
        spread = False  # a list without "..." replaces the builder's own commands (§3.4)
        for i, item in enumerate(value):
            full: tuple[str | int, ...] = (*path, i)
            if isinstance(item, dict):  # railpack exec command object
                if isinstance(item.get("cmd"), str):
                    full, item = (*full, "cmd"), item["cmd"]
                else:
                    continue
            if not isinstance(item, str) or not item.strip():
                continue
            if item in ("...", "@auto"):
                spread = True
                continue
            if doc.kind == "railpack-json" and item.startswith(("PATH:", "COPY:")):
                continue
            cmds.append(
                value_command(doc, full, item, "build", environment=environment,
                              provenance=self.env_provenance(environment, path))
            )
        return cmds, spread

    def builder_start(self, nix: bool, env: str | None = None) -> list[Command] | None:
        if nix:
            doc = self.nixpacks_config(env)
            path: tuple[str, ...] = ("start", "cmd")
        else:
            doc = self.s.railpack
            path = ("deploy", "startCommand")
        value = _get(doc.data, path) if doc is not None else None
        if doc is None or not isinstance(value, str) or not value.strip():
            return None
        return [value_command(doc, path, value, "start")]

"""RS002/RS003/RS009: schema checks of railway.toml/json, nixpacks.toml/json and railpack.json.

Documents are validated once (shared through the context cache) with
jsonschema_rs against the committed schemas; see railsafe.validate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from railsafe.context import Context
from railsafe.findings import Severity
from railsafe.loaders import Document
from railsafe.loaders.positions import KeyPath
from railsafe.rules import Hit, hit, rule
from railsafe.rules.integrity import (
    is_test_command_key,
    nixpacks_never_read,
    shadowed_by_toml,
)

PLATFORM = {"railway": "Railway", "nixpacks": "Nixpacks", "railpack": "Railpack"}

VARIABLE_TABLES = frozenset(
    {"variables", "env", "envs", "envVars", "vars", "environmentVariables", "secrets"}
)

# nixpacks phase keys RS009 reports (Nixpacks ignores them; RS002 stays quiet)
NIXPACKS_PHASE_IGNORED = {
    "cmd": (
        "phases have no `cmd` key (only `start` has one); Nixpacks ignores it, so this command "
        "never runs at build time"
    ),
    "nixpkgs": (
        "Nixpacks reads `nixPkgs` (capital P); it ignores `nixpkgs`, so these Nix packages are "
        "never installed"
    ),
}

# Railway nixpacksPlan phase fields Railway's schema accepts but Nixpacks' serde ignores
RAILWAY_PLAN_IGNORED = {
    "nixPkgsArchive": "nixpkgsArchive",
    "includedFiles": "onlyIncludeFiles",
}


# keys other platforms (fly.toml `[[mounts]]`, docker-compose `volumes:`, render.yaml
# `disk`, Kubernetes `volumeMounts`) use to declare persistent storage
_VOLUME_KEY = re.compile(
    r"(?i)^(?:volumes?|mounts?|volume_?mounts?|volume_?attachments?|disks?|"
    r"persistent_?(?:volumes?|storage|disks?)|storage)$"
)


def is_volume_key(key: object) -> bool:
    """A key that declares a volume on another platform (RS012 reports it, RS002 not)."""
    return isinstance(key, str) and bool(_VOLUME_KEY.match(key))


def schema_documents(ctx: Context) -> Iterator[tuple[Document, str]]:
    """Each config document with a schema, and the schema's name (files RS008 / RS011
    say are not read are left out)."""
    from railsafe.schema_files import schema_name_for_kind

    for doc in ctx.documents():
        if doc.error is not None or doc.data is None:
            continue
        if shadowed_by_toml(ctx, doc) or nixpacks_never_read(ctx, doc):
            continue  # RS008 / RS011 say nothing in this file applies: not reported again
        name = schema_name_for_kind(doc.kind)
        if name is not None:
            yield doc, name


def schema_issues(ctx: Context, doc: Document, name: str) -> list[Any]:
    """The schema issues of a document, validated once per check for every rule."""
    def run() -> list[Any]:
        from railsafe.validate import validate

        return validate(doc.data, name)

    return ctx.cached(f"schema-issues:{ctx.resolve(doc.path)}", run)


def _where(parent: KeyPath) -> str:
    from railsafe.validate import dotted

    return f"in `{dotted(parent)}`" if parent else "at the top level"


def _same(key: str, valid: list[str]) -> str | None:
    """The valid key spelt with the same letters in another case (or with `-`/`_`)."""
    folded = {v.lower().replace("_", "").replace("-", ""): v for v in valid}
    return folded.get(key.lower().replace("_", "").replace("-", ""))


def _suggest(key: str, valid: list[str]) -> str | None:
    """The valid key `key` most likely means: same letters in another case, else a close one."""
    exact = _same(key, valid)
    if exact is not None:
        return exact
    import difflib  # only for a key that is not valid

    lowered = {v.lower(): v for v in valid}
    close = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.75)
    if close:
        return lowered[close[0]]
    return _abbreviated(key.lower(), lowered)


def _abbreviated(key: str, lowered: dict[str, str]) -> str | None:
    """`user` -> `username`, `sleepApp` -> `sleepApplication`, `cacheDirs` ->
    `cacheDirectories`: the one valid key sharing a long enough prefix."""
    def shared(a: str, b: str) -> int:
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        return n

    scored = [(shared(key, v), v) for v in lowered]
    best = max((n for n, _ in scored), default=0)
    if best < max(4, int(0.6 * len(key))):
        return None
    winners = [v for n, v in scored if n == best]
    return lowered[winners[0]] if len(winners) == 1 else None


def _value_at(data: Any, keypath: KeyPath) -> Any:
    node = data
    for part in keypath:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _railway_hint(doc: Document, keypath: KeyPath, key: str, valid: list[str]) -> str | None:
    from railsafe.validate import keys_at

    parent = keypath[:-1]
    build_keys = keys_at("railway", ("build",))
    deploy_keys = keys_at("railway", ("deploy",))
    file = "railway.toml" if doc.kind == "railway-toml" else "railway.json"
    if key in ("releaseCommand", "release"):
        return (
            "this is Heroku's release phase; on Railway use `deploy.preDeployCommand`, which "
            "runs once before each deploy"
        )
    if parent == () and key in ("services", "service"):
        return (
            f"one {file} configures one service; in a monorepo give each service its own file "
            "and point that service's Railway Config File setting at it (an absolute path such "
            "as `/backend/railway.toml`)"
        )
    value = _value_at(doc.data, keypath)
    looks_like_env = key == "environment" and not (
        isinstance(value, dict) and ({"build", "deploy"} & set(value))
    )
    if key in VARIABLE_TABLES or looks_like_env:
        return (
            f"variables cannot be set in {file}; set them as service variables in Railway "
            "(the service's Variables tab or the CLI)"
        )
    if key == "environment":
        return "did you mean `environments`?"
    if len(parent) == 2 and parent[0] == "environments":
        for section, keys in (("deploy", deploy_keys), ("build", build_keys)):
            match = _same(key, keys)
            if match is not None:
                return f"it must be under `{section}`: `environments.{parent[1]}.{section}.{match}`"
    if parent in ((), ("build",), ("deploy",)):
        own = parent[0] if parent else ""
        for section, keys in (("deploy", deploy_keys), ("build", build_keys)):
            if section == own:
                continue
            match = _same(key, keys)
            if match is not None and _suggest(key, valid) is None:
                return f"it belongs under `{section}`: `{section}.{match}`"
    if parent in RAILWAY_KEY_HINTS.get(key, {}):
        return RAILWAY_KEY_HINTS[key][parent]
    if "nixpacksPlan" in parent and key in ("nixpkgsArchive", "onlyIncludeFiles"):
        railway_name = {v: k for k, v in RAILWAY_PLAN_IGNORED.items()}[key]
        return (
            f"Railway's schema names this field `{railway_name}`, which Nixpacks in turn "
            f"ignores; set `{key}` in nixpacks.toml instead"
        )
    return None


_START = "did you mean `deploy.startCommand`?"
RAILWAY_KEY_HINTS: dict[str, dict[KeyPath, str]] = {
    "start": {(): _START, ("build",): _START},
    "command": {
        ("deploy",): "did you mean `startCommand`?",
        ("build",): "did you mean `buildCommand`?",
    },
    "cmd": {
        ("deploy",): "did you mean `startCommand`?",
        ("build",): "did you mean `buildCommand`?",
    },
    "installCommand": {
        ("build",): "Railway has no separate install command; put it in `buildCommand`"
    },
    "restartPolicyAmount": {("deploy",): "did you mean `restartPolicyMaxRetries`?"},
    "restartPolicyRetries": {("deploy",): "did you mean `restartPolicyMaxRetries`?"},
    "maxRetries": {("deploy",): "did you mean `restartPolicyMaxRetries`?"},
    "restartPolicyDelay": {("deploy",): "Railway has no restart delay setting"},
    "numInstances": {("deploy",): "did you mean `numReplicas`?"},
    "replicas": {("deploy",): "did you mean `numReplicas`?"},
    "healthcheckInterval": {
        ("deploy",): (
            "Railway's healthcheck has only `healthcheckPath` and `healthcheckTimeout`; it is "
            "polled during the deploy, not continuously"
        )
    },
    "phases": {(): "Nixpacks phases go in nixpacks.toml (or under `build.nixpacksPlan.phases`)"},
}

RAILPACK_TOP_HINTS = {
    "buildCmd": "build commands go in `steps.build.commands`",
    "buildCommand": "build commands go in `steps.build.commands`",
    "installCmd": "install commands go in `steps.install.commands`",
    "installCommand": "install commands go in `steps.install.commands`",
    "startCmd": "the start command is `deploy.startCommand`",
    "startCommand": "the start command is `deploy.startCommand`",
    "start": "the start command is `deploy.startCommand`",
    "build": (
        "railpack.json has no `build` section (that is railway.json's layout); steps go in "
        "top-level `steps` and the provider in `provider`"
    ),
}


def _railpack_hint(keypath: KeyPath, key: str) -> str | None:
    from railsafe.validate import keys_at

    parent = keypath[:-1]
    if parent == () and key in RAILPACK_TOP_HINTS:
        return RAILPACK_TOP_HINTS[key]
    if key in VARIABLE_TABLES - {"variables", "secrets"} and parent[:1] in (
        ("steps",),
        ("deploy",),
    ):
        return "did you mean `variables`?"
    if parent == ("deploy",):
        railway_key = _suggest(key, keys_at("railway", ("deploy",)))
        if railway_key is not None and railway_key != "startCommand":
            return (
                f"`{railway_key}` is a Railway service setting, not a Railpack one; set it in "
                "railway.toml/json `deploy` or the service settings"
            )
    return None


NIXPACKS_TOP_HINTS = {
    "setup": "phases go under `phases`: did you mean `phases.setup`?",
    "install": "phases go under `phases`: did you mean `phases.install`?",
    "build": "phases go under `phases`: did you mean `phases.build`?",
    "env": "did you mean `variables`?",
    "envs": "did you mean `variables`?",
}


def _nixpacks_hint(keypath: KeyPath, key: str) -> str | None:
    parent = keypath[:-1]
    if parent == () and key in NIXPACKS_TOP_HINTS:
        return NIXPACKS_TOP_HINTS[key]
    if parent == ("start",) and key in ("command", "startCommand", "cmds"):
        return "did you mean `cmd`?"
    if len(parent) == 2 and parent[0] == "phases" and key == "includedFiles":
        return "did you mean `onlyIncludeFiles`? (`includedFiles` is Railway's nixpacksPlan name)"
    return None


def _is_rs009(name: str, keypath: KeyPath) -> bool:
    return (
        name == "nixpacks"
        and len(keypath) == 3
        and keypath[0] == "phases"
        and keypath[2] in NIXPACKS_PHASE_IGNORED
    )


def unknown_key_message(doc: Document, name: str, keypath: KeyPath) -> str:
    from railsafe.validate import keys_at

    key = str(keypath[-1])
    parent = keypath[:-1]
    valid = keys_at(name, parent)
    if name == "railway":  # whether Railway ignores or rejects it is unconfirmed (§1.7)
        text = (
            f"unknown key `{key}` {_where(parent)}: not a Railway setting (Railway's schema "
            "rejects it), so it has no effect"
        )
    else:  # Nixpacks and Railpack drop unknown keys silently (§3.3, §4.1)
        text = (
            f"unknown key `{key}` {_where(parent)}; {PLATFORM[name]} ignores it, "
            "so this setting never applies"
        )
    if name == "railway":
        hint = _railway_hint(doc, keypath, key, valid)
    elif name == "railpack":
        hint = _railpack_hint(keypath, key)
    else:
        hint = _nixpacks_hint(keypath, key)
    if hint is None:
        match = _suggest(key, valid)
        hint = f"did you mean `{match}`?" if match else None
    return f"{text} — {hint}" if hint else text


@rule("RS002", "unknown-key", Severity.ERROR)
def unknown_key(ctx: Context) -> Iterator[Hit]:
    """A key that Railway, Nixpacks or Railpack does not define.

    ## What it finds
    Keys in `railway.toml`/`railway.json`, `nixpacks.toml`/`nixpacks.json` and
    `railpack.json` that the file's schema does not define: misspellings
    (`startcommand`, `healthCheckPath`), keys at the wrong level
    (`environments.production.startCommand` instead of
    `environments.production.deploy.startCommand`), and keys borrowed from
    other platforms (Heroku's `releaseCommand`, docker-compose-style
    `[[services]]`, `[variables]`/`env` tables in railway.toml, flat
    `buildCmd`/`startCmd` in railpack.json). One finding per unknown key, at
    the key, with a did-you-mean suggestion where one fits. `testCommand` is
    left to RS004, volume declarations (`[[mounts]]`, `volumes`) to RS012.

    ## Why it matters on Railway
    Railway's config schema forbids unknown keys at every level except inside
    `build.nixpacksPlan` (railway-facts §1.2, §1.7); Nixpacks and Railpack
    read their files without rejecting unknown keys and simply drop them
    (§3.3, §4.1). Either way the setting you wrote never applies: the start
    command, healthcheck or restart policy you meant to set is not the one that
    runs. Variables cannot be set in railway.toml at all; they are service
    variables (railway-facts §5, anchors §6.8). One railway.toml configures one
    service; a monorepo points each service's Railway Config File setting at
    its own file (§2.3).

    ## Fix
    Rename the key to the suggested spelling, move it under the section the
    message names, or delete it. Set variables as service variables. Run
    `railsafe schema railway` (or `nixpacks`, `railpack`) to see every key.
    """
    for doc, name in schema_documents(ctx):
        for issue in schema_issues(ctx, doc, name):
            if issue.kind != "unknown-key":
                continue
            keypath = issue.keypath
            if is_test_command_key(keypath[-1]) or _is_rs009(name, keypath):
                continue
            if name == "railway" and is_volume_key(keypath[-1]):
                continue  # RS012: a volume Railway never attaches is data loss
            yield hit(doc, keypath, unknown_key_message(doc, name, keypath), part="key")


def _is_builder(keypath: KeyPath) -> bool:
    return keypath == ("build", "builder") or (
        len(keypath) == 4 and keypath[0] == "environments" and keypath[2:] == ("build", "builder")
    )


@rule("RS003", "invalid-value", Severity.ERROR)
def invalid_value(ctx: Context) -> Iterator[Hit]:
    """A value of the wrong type, outside its range, or not one of the allowed values.

    ## What it finds
    Values in `railway.toml`/`railway.json`, `nixpacks.toml`/`nixpacks.json` and
    `railpack.json` that their schema rejects: a string where a number or list
    belongs, `numReplicas` outside 1..200, `restartPolicyMaxRetries` below 1,
    negative `overlapSeconds`/`drainingSeconds`, a `cronSchedule` that is not
    five crontab fields with values in range and runs at least 5 minutes apart,
    a `preDeployCommand` list that is empty or has more than one command, a
    Nixpacks phase that sets a field under both its names (`cmds` and
    `commands`: Nixpacks fails with "duplicate field"), a Railpack command or
    layer object that matches none of its forms,
    an unknown `restartPolicyType`, `runtime` or railpack `provider`. Enum
    values are accepted in any case with `-` and `_` interchangeable
    (`on_failure`, `on-failure`, `Never`), as real files and Railway's own docs
    write them. Builder values are left to RS006/RS007. The location is the
    value.

    ## Why it matters on Railway
    Railway validates config-as-code against its schema (railway-facts §1.2,
    §1.3); a value it cannot use fails the deploy or leaves the dashboard
    setting in force. `preDeployCommand` takes a string or a one-element list
    (§7.1); `cronSchedule` is a five-field UTC crontab (§7.3); the restart
    policy is ON_FAILURE, ALWAYS or NEVER (§7.4). Nixpacks and Railpack fail the
    build on a value of the wrong type (§3.3, §4.2).

    ## Fix
    Write the value the message asks for. For several pre-deploy commands, join
    them with `&&` or call one script.
    """
    from railsafe.config_checks import semantic_issues

    for doc, name in schema_documents(ctx):
        for issue in schema_issues(ctx, doc, name):
            if issue.kind == "unknown-key":
                continue
            if name == "railway" and issue.kind == "enum" and _is_builder(issue.keypath):
                continue
            yield hit(doc, issue.keypath, issue.message, part="value")
        for keypath, message, part in semantic_issues(doc.data, name):
            yield hit(doc, keypath, message, part=part)


def _plan_phases(data: Any) -> Iterator[tuple[KeyPath, dict[str, Any]]]:
    if not isinstance(data, dict):
        return
    bases: list[tuple[KeyPath, Any]] = [(("build",), data.get("build"))]
    envs = data.get("environments")
    if isinstance(envs, dict):
        for env, override in envs.items():
            if isinstance(override, dict):
                bases.append((("environments", env, "build"), override.get("build")))
    for prefix, build in bases:
        plan = build.get("nixpacksPlan") if isinstance(build, dict) else None
        phases = plan.get("phases") if isinstance(plan, dict) else None
        if not isinstance(phases, dict):
            continue
        for phase_name, phase in phases.items():
            if isinstance(phase, dict):
                yield (*prefix, "nixpacksPlan", "phases", phase_name), phase


@rule("RS009", "ignored-nixpacks-plan-field", Severity.WARNING)
def ignored_nixpacks_plan_field(ctx: Context) -> Iterator[Hit]:
    """A Nixpacks phase field that Nixpacks never reads.

    ## What it finds
    In `build.nixpacksPlan.phases.<name>` of railway.toml/railway.json, the
    fields `nixPkgsArchive` and `includedFiles`: Railway's schema spells them
    this way, but Nixpacks reads `nixpkgsArchive` and `onlyIncludeFiles`. In
    nixpacks.toml/nixpacks.json, a phase key `cmd` (singular; only `start` has
    `cmd`, phases have `cmds`) or a lowercase `nixpkgs` (Nixpacks reads
    `nixPkgs`).

    ## Why it matters on Railway
    Nixpacks' serde structs do not reject unknown fields, they drop them
    (railway-facts §3.3). Railway's schema accepts the two plan fields, so no
    editor warns, yet the phase runs without them (§1.3). A phase `cmd` never
    runs and lowercase `nixpkgs` installs nothing: the build then fails later,
    or succeeds without the step you added.

    ## Fix
    In nixpacks.toml use `cmds = ["..."]` and `nixPkgs = [...]`. For an inline
    plan, move `nixpkgsArchive` / `onlyIncludeFiles` into nixpacks.toml, where
    Nixpacks reads them, or switch the service to Railpack (Nixpacks is in
    maintenance mode, §3.1).
    """
    for doc, _name in schema_documents(ctx):
        data = doc.data
        if doc.kind.startswith("railway-"):
            for prefix, phase in _plan_phases(data):
                for key, nixpacks_name in RAILWAY_PLAN_IGNORED.items():
                    if key in phase:
                        yield hit(
                            doc,
                            (*prefix, key),
                            f"`{key}` is accepted by Railway's schema but Nixpacks reads "
                            f"`{nixpacks_name}` and ignores `{key}`, so this setting never applies",
                            part="key",
                        )
        elif doc.kind.startswith("nixpacks-") and isinstance(data, dict):
            phases = data.get("phases")
            if not isinstance(phases, dict):
                continue
            for phase_name, phase in phases.items():
                if not isinstance(phase, dict):
                    continue
                for key, text in NIXPACKS_PHASE_IGNORED.items():
                    if key in phase:
                        if key != "cmd":
                            fix = "rename it to `nixPkgs`"
                        elif phase_name == "start":  # a server command: not a build step
                            fix = "the start command belongs in `[start] cmd = ...`"
                        else:
                            fix = "use `cmds = [...]`"
                        yield hit(
                            doc,
                            ("phases", phase_name, key),
                            f"`phases.{phase_name}.{key}`: {text}; {fix}",
                            part="key",
                        )

"""Value checks a JSON Schema cannot express, for RS003.

Cron timing (Railway runs cron services at least 5 minutes apart, §7.3),
fields Nixpacks reads under two names (its serde aliases make both at once a
"duplicate field" error, §3.3), and the shapes of Railpack commands and layers
(§4.2). Each check returns (key path, message, part) triples.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any, Literal

from railsafe.loaders.positions import KeyPath

Part = Literal["key", "value", "whole"]
Issue = tuple[KeyPath, str, Part]

# (name, lowest, highest) of the five crontab fields
_CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31),
                ("month", 1, 12), ("day of week", 0, 7))
_NAMES = {
    "month": ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    "day of week": ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
}

# Nixpacks phase fields and their serde aliases
NIXPACKS_ALIASES = {
    "cmds": "commands", "nixPkgs": "nixPackages", "nixLibs": "nixLibraries",
    "aptPkgs": "aptPackages", "paths": "envPaths",
}


def semantic_issues(data: Any, schema: str) -> list[Issue]:
    if not isinstance(data, dict):
        return []
    if schema == "railway":
        return list(_railway(data))
    if schema == "nixpacks":
        return list(_nixpacks(data))
    return list(_railpack(data))


# -- railway ------------------------------------------------------------------------
def _deploy_sections(data: dict[str, Any]) -> Iterator[tuple[KeyPath, dict[str, Any]]]:
    if isinstance(data.get("deploy"), dict):
        yield ("deploy",), data["deploy"]
    envs = data.get("environments")
    if isinstance(envs, dict):
        for name, env in envs.items():
            if isinstance(env, dict) and isinstance(env.get("deploy"), dict):
                yield ("environments", name, "deploy"), env["deploy"]


def _railway(data: dict[str, Any]) -> Iterator[Issue]:
    for prefix, deploy in _deploy_sections(data):
        cron = deploy.get("cronSchedule")
        if isinstance(cron, str):
            problem = cron_problem(cron)
            if problem:
                yield (*prefix, "cronSchedule"), problem, "value"
        if deploy.get("preDeployCommand") == []:
            yield (*prefix, "preDeployCommand"), (
                "`preDeployCommand` is an empty list: give one command, or remove the key"
            ), "value"


def _field_values(text: str, name: str, low: int, high: int) -> set[int] | str:
    """The values one crontab field allows, or why it is not valid."""
    values: set[int] = set()
    for part in text.lower().split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                return f"step `/{step_text}` in the {name} field is not a positive number"
            step = int(step_text)
        if base == "*":
            start, end = low, high
        else:
            bounds = base.split("-")
            numbers = []
            for b in bounds:
                if b.isdigit():
                    numbers.append(int(b))
                elif b in _NAMES.get(name, []):
                    numbers.append(_NAMES[name].index(b) + (1 if name == "month" else 0))
                else:
                    return f"`{base}` is not a valid {name}"
            if len(numbers) > 2:
                return f"`{base}` is not a valid {name} range"
            start, end = numbers[0], numbers[-1]
            if step_text and len(numbers) == 1:
                end = high
            if not (low <= start <= high and low <= end <= high) or start > end:
                return f"{name} `{base}` is outside {low}-{high}"
        values.update(range(start, end + 1, step))
    return values


def cron_problem(expression: str) -> str | None:
    """Why Railway cannot run `expression`, or None (railway-facts §7.3)."""
    fields = expression.split()
    if len(fields) != 5:
        return None  # the schema's pattern reports the field count
    allowed: list[set[int]] = []
    for text, (name, low, high) in zip(fields, _CRON_FIELDS, strict=True):
        got = _field_values(text, name, low, high)
        if isinstance(got, str):
            return f"cronSchedule `{expression}`: {got}"
        allowed.append(got)
    minutes = sorted(allowed[0])
    gaps = [b - a for a, b in itertools.pairwise(minutes)]
    if len(allowed[1]) > 1 and len(minutes) > 0:  # from the last minute of one hour to the next
        hours = sorted(allowed[1])
        adjacent = any(b - a == 1 for a, b in itertools.pairwise(hours))
        if adjacent or len(hours) == 24 or {0, 23} <= set(hours):  # 23:58 then 00:00
            gaps.append(60 - minutes[-1] + minutes[0])
    if gaps and min(gaps) < 5:
        return (
            f"cronSchedule `{expression}` runs {min(gaps)} minute(s) apart; Railway runs cron "
            "jobs at least 5 minutes apart (docs/facts.md F36)"
        )
    return None


# -- nixpacks -----------------------------------------------------------------------
def _nixpacks(data: dict[str, Any]) -> Iterator[Issue]:
    phases = data.get("phases")
    if not isinstance(phases, dict):
        return
    for phase_name, phase in phases.items():
        if not isinstance(phase, dict):
            continue
        for field, alias in NIXPACKS_ALIASES.items():
            if field in phase and alias in phase:
                yield ("phases", phase_name, alias), (
                    f"`{field}` and `{alias}` are one field to Nixpacks (`{alias}` is an alias): "
                    f"setting both fails the build with \"duplicate field `{field}`\"; keep one"
                ), "key"


# -- railpack -----------------------------------------------------------------------
_COMMAND_FORMS = (("cmd",), ("path", "name"), ("path",), ("src", "dest"))
_COMMAND_KEYS = {"cmd", "customName", "path", "name", "mode", "src", "dest", "image"}
_LAYER_SOURCES = ("step", "image", "local")
_COPY = re.compile(r"^COPY:\S+\s+\S+$")


def _railpack(data: dict[str, Any]) -> Iterator[Issue]:
    steps = data.get("steps")
    if isinstance(steps, dict):
        for step_name, step in steps.items():
            if not isinstance(step, dict):
                continue
            commands = step.get("commands")
            if isinstance(commands, list):
                for i, command in enumerate(commands):
                    problem = _command_problem(command)
                    if problem:
                        yield ("steps", step_name, "commands", i), problem, "value"
            for key in ("inputs",):
                yield from _layers(step.get(key), ("steps", step_name, key))
    deploy = data.get("deploy")
    if isinstance(deploy, dict):
        yield from _layers(deploy.get("inputs"), ("deploy", "inputs"))
        if isinstance(deploy.get("base"), dict):
            problem = _layer_problem(deploy["base"])
            if problem:
                yield ("deploy", "base"), problem, "value"


def _command_problem(command: Any) -> str | None:
    if isinstance(command, str):
        if command.startswith("COPY:") and not _COPY.match(command):
            return f"`{command}`: the COPY shorthand is `COPY:<src> <dest>`"
        if command.startswith("PATH:") and not command[5:].strip():
            return "`PATH:` needs a directory: `PATH:/app/bin`"
        return None
    if not isinstance(command, dict) or not command:
        return None  # the schema reports the type and the empty object
    if set(command) - _COMMAND_KEYS:
        return None  # RS002 reports the unknown key, the likelier mistake
    keys = set(command) - {"customName", "mode", "image"}
    for form in _COMMAND_FORMS:
        if set(form) == keys:
            return None
    return (
        f"a command object with {', '.join(sorted(command)) or 'no keys'} matches none of "
        "Railpack's forms: {cmd}, {path}, {src, dest} or {path, name} (docs/facts.md F37)"
    )


def _layer_problem(layer: Any) -> str | None:
    if not isinstance(layer, dict) or "spread" in layer:
        return None
    sources = [k for k in _LAYER_SOURCES if k in layer]
    if len(sources) == 1:
        return None
    if not sources:
        return "a layer needs one of `step`, `image` or `local` to say where files come from"
    return f"a layer takes one source, not {' and '.join(f'`{s}`' for s in sources)}"


def _layers(value: Any, prefix: KeyPath) -> Iterator[Issue]:
    if isinstance(value, list):
        for i, layer in enumerate(value):
            problem = _layer_problem(layer)
            if problem:
                yield (*prefix, i), problem, "value"

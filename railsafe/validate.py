"""Validate parsed config data against the committed JSON Schemas (jsonschema_rs).

Pure functions: data in, issues out. `validate(data, "railway")` returns one
`Issue` per problem, with the key path of the offending key (unknown keys) or
value (everything else). jsonschema_rs is imported on first use only, and
pydantic / jsonschema are never imported here (start-up budget).

Enums marked forgiving in the schema (they list several spellings of one
value) are compared case-insensitively with `-`/`_` interchangeable, so any
casing Railway accepts passes, not only the listed spellings.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, NamedTuple

from railsafe.loaders.positions import KeyPath

UNKNOWN_KEY = "unknown-key"


class Issue(NamedTuple):
    keypath: KeyPath
    kind: str  # "unknown-key", "type", "enum", "minimum", "maximum", "pattern", "max-items", ...
    message: str


@cache
def _validator(name: str) -> Any:
    import jsonschema_rs

    from railsafe.schema_files import schema

    return jsonschema_rs.validator_for(schema(name))


def normalise_enum(value: str) -> str:
    """How a forgiving enum compares values: case-insensitive, `-` equals `_`.

    Railway's own docs write `builder = "railpack"` and `restartPolicyType =
    "never"`, and real files write `on-failure` too (railway-facts §1.4).
    """
    return value.upper().replace("-", "_")



def is_forgiving(options: list[Any]) -> bool:
    """An enum listing several spellings of the same value compares forgivingly."""
    strings = [o for o in options if isinstance(o, str)]
    return len({normalise_enum(s) for s in strings}) < len(strings)


def canonical_options(options: list[Any]) -> list[str]:
    """The enum's distinct values, first spelling of each (canonical comes first)."""
    seen: dict[str, str] = {}
    for option in options:
        if isinstance(option, str):
            seen.setdefault(normalise_enum(option), option)
    return list(seen.values())


def dotted(keypath: KeyPath) -> str:
    out = ""
    for part in keypath:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a table/object",
    "null": "null",
}


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table/object"
    return type(value).__name__


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


_PATTERN_MESSAGES = {
    "cronSchedule": (
        "must be a five-field crontab expression (minute hour day-of-month month day-of-week, "
        'in UTC), e.g. "0 3 * * *"'
    ),
    "overlapSeconds": "must be a number of seconds (a number, or a string of digits)",
    "drainingSeconds": "must be a number of seconds (a number, or a string of digits)",
}


def _message(keypath: KeyPath, kind: str, error: Any) -> str | None:
    where = f"`{dotted(keypath)}`" if keypath else "the file"
    k = error.kind
    value = error.instance
    if kind == "type":
        wanted = [t for t in k.types if t != "null"] or list(k.types)
        names = " or ".join(_TYPE_NAMES.get(t, t) for t in wanted)
        return f"{where} must be {names}, not {type_name(value)} ({_show(value)})"
    if kind == "enum":
        options = canonical_options(list(k.options))
        text = ", ".join(options)
        suffix = " (any case)" if is_forgiving(list(k.options)) else ""
        return f"{where} must be one of {text}{suffix}, not {_show(value)}"
    if kind == "minimum":
        return f"{where} must be at least {_num(k.limit)}, not {_show(value)}"
    if kind == "maximum":
        return f"{where} must be at most {_num(k.limit)}, not {_show(value)}"
    if kind == "pattern":
        last = next((p for p in reversed(keypath) if isinstance(p, str)), "")
        found = _PATTERN_MESSAGES.get(last)
        if found is not None:
            text = found
        else:
            if last in ("inputs", "base"):
                text = 'as a string must be ".", "..." or "$<step name>", or use an object'
            else:
                text = f"must match {k.pattern}"
        return f"{where} {text}, not {_show(value)}"
    if kind == "max-items":
        last = next((p for p in reversed(keypath) if isinstance(p, str)), "")
        if last == "preDeployCommand":
            return (
                f"{where} takes one command: a string or a one-element list, not {len(value)} "
                "items; join them with `&&` or call a script"
            )
        return f"{where} must have at most {k.limit} items, not {len(value)}"
    if kind == "min-properties":
        return f"{where} must not be empty"
    return f"{where}: {error.message}"


def _num(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


_KINDS = {
    "Type": "type",
    "Enum": "enum",
    "Minimum": "minimum",
    "Maximum": "maximum",
    "ExclusiveMinimum": "minimum",
    "ExclusiveMaximum": "maximum",
    "Pattern": "pattern",
    "MaxItems": "max-items",
    "MinItems": "min-items",
    "MinProperties": "min-properties",
    "AdditionalProperties": UNKNOWN_KEY,
}


def validate(data: Any, name: str) -> list[Issue]:
    """Schema issues of `data` against the committed schema `name`, in document order."""
    issues: list[Issue] = []
    try:
        errors = list(_validator(name).iter_errors(data))
    except ValueError:  # jsonschema-rs stops past 255 levels of nesting
        return [Issue((), "depth", "nested too deeply to validate (more than 255 levels)")]
    for error in errors:
        keypath: KeyPath = tuple(error.instance_path)
        kind = _KINDS.get(type(error.kind).__name__, type(error.kind).__name__.lower())
        if kind == UNKNOWN_KEY:
            for key in error.kind.unexpected:
                issues.append(Issue((*keypath, key), UNKNOWN_KEY, f"unknown key `{key}`"))
            continue
        if kind == "enum" and isinstance(error.instance, str):
            options = list(error.kind.options)
            if is_forgiving(options) and normalise_enum(error.instance) in {
                normalise_enum(o) for o in options if isinstance(o, str)
            }:
                continue
        message = _message(keypath, kind, error)
        if message is not None:
            issues.append(Issue(keypath, kind, message))
    return issues


# -- the schema as a map of valid keys ------------------------------------------


def _resolve(root: dict[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
        seen += 1
    return node


def subschema(root: dict[str, Any], keypath: KeyPath) -> dict[str, Any] | None:
    """The (resolved) schema that applies at `keypath`, or None if nothing does."""
    node: Any = _resolve(root, root)
    for part in keypath:
        if not isinstance(node, dict):
            return None
        if isinstance(part, int):
            node = node.get("items")
        else:
            props = node.get("properties", {})
            if part in props:
                node = props[part]
            else:
                extra = node.get("additionalProperties")
                node = extra if isinstance(extra, dict) else None
        node = _resolve(root, node)
    return node if isinstance(node, dict) else None


def keys_at(name: str, keypath: KeyPath) -> list[str]:
    """The keys the schema `name` defines for the object at `keypath`."""
    from railsafe.schema_files import schema

    node = subschema(schema(name), keypath)
    return list(node.get("properties", {})) if node else []

"""Shared pieces of the config models: strict base classes, forgiving enums, schema output.

The models are the source of truth for the committed JSON Schemas in
`schemas/`. They are imported only by the schema generator and the tests;
`railsafe check` validates with jsonschema_rs against the committed files.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler

from railsafe.validate import normalise_enum

SCHEMA_BASE = "https://raw.githubusercontent.com/railsafe/railsafe/main/schemas"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


class Strict(BaseModel):
    """An object its tool defines completely: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Open(BaseModel):
    """An object that accepts keys beyond the ones modelled."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


def spellings(canonical: tuple[str, ...]) -> list[str]:
    """Accepted spellings, canonical first: as written, UPPER, lower, Capitalised, -/_ swapped."""
    out: list[str] = []

    def add(value: str) -> None:
        if value not in out:
            out.append(value)

    for value in canonical:
        add(value)
    for value in canonical:
        for v in dict.fromkeys((value, value.replace("_", "-"), value.replace("-", "_"))):
            add(v.upper())
            add(v.lower())
            add(v.capitalize())
            sep = "-" if "-" in v else "_"
            parts = v.split(sep)
            if len(parts) > 1:
                add(sep.join(p.capitalize() for p in parts))
    return out


class Choice:
    """Annotated metadata: a string enum, forgiving (any case, `-` = `_`) or exact.

    `Annotated[str, Choice("ON_FAILURE", "ALWAYS", "NEVER")]`. The JSON Schema
    lists the accepted spellings, canonical first; the runtime validator
    (railsafe.validate) also accepts any other casing of a forgiving enum.
    """

    def __init__(self, *values: str, description: str = "", forgiving: bool = True) -> None:
        self.values = values
        self.description = description
        self.forgiving = forgiving

    def _check(self, value: str) -> str:
        if not self.forgiving:
            if value not in self.values:
                raise ValueError(f"expected one of {', '.join(self.values)}")
            return value
        wanted = {normalise_enum(v): v for v in self.values}
        if normalise_enum(value) not in wanted:
            raise ValueError(f"expected one of {', '.join(self.values)}")
        return wanted[normalise_enum(value)]

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> Any:
        options = spellings(self.values) if self.forgiving else list(self.values)
        out: dict[str, Any] = {"type": "string", "enum": options}
        if self.description:
            out["description"] = self.description
        return out


# -- schema output -------------------------------------------------------------


def _is_null(node: Any) -> bool:
    return isinstance(node, dict) and node.get("type") == "null" and len(node) == 1


def _add_null(node: dict[str, Any]) -> None:
    kind = node.get("type")
    if isinstance(kind, str):
        node["type"] = [kind, "null"] if kind != "null" else "null"
    elif isinstance(kind, list) and "null" not in kind:
        node["type"] = [*kind, "null"]
    if "enum" in node and None not in node["enum"]:
        node["enum"] = [*node["enum"], None]


def _collapse(node: Any, defs: dict[str, Any], nullable_defs: set[str]) -> Any:
    """Turn pydantic's `anyOf[X, null]` into `X` with "null" in its type.

    anyOf hides the inner error (a bad enum value becomes "not valid under any
    of the schemas"), so the committed schemas use type lists instead.
    """
    if isinstance(node, list):
        return [_collapse(n, defs, nullable_defs) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _collapse(v, defs, nullable_defs) for k, v in node.items()}
    options = node.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and any(_is_null(o) for o in options):
        inner = next(o for o in options if not _is_null(o))
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        merged = {**inner, **rest}
        if "$ref" in inner:
            nullable_defs.add(inner["$ref"].rsplit("/", 1)[-1])
        else:
            _add_null(merged)
        node = merged
    if "default" in node and node["default"] is None:
        del node["default"]
    return node


def _strip_titles(node: Any, keep: bool = False) -> Any:
    """Drop pydantic's per-property titles (they repeat the key); keep model titles."""
    if isinstance(node, list):
        return [_strip_titles(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {k: _strip_titles(v) for k, v in value.items()}
        elif key == "$defs" and isinstance(value, dict):
            out[key] = {k: _strip_titles(v, keep=True) for k, v in value.items()}
        else:
            out[key] = _strip_titles(value) if isinstance(value, (dict, list)) else value
    is_leaf = "type" in out or "$ref" in out or "enum" in out
    is_model = out.get("type") == "object" and "properties" in out
    if not keep and "title" in out and is_leaf and not is_model:
        out.pop("title")
    return out


def build_schema(model: type[BaseModel], name: str, title: str, description: str) -> dict[str, Any]:
    """The committed JSON Schema (draft 2020-12) for a root model."""
    raw = model.model_json_schema(by_alias=True, mode="validation")
    defs: dict[str, Any] = raw.pop("$defs", {})
    nullable: set[str] = set()
    body = _collapse(raw, defs, nullable)
    defs = {k: _collapse(v, defs, nullable) for k, v in defs.items()}
    for key in nullable:
        _add_null(defs[key])
    body = _strip_titles(body, keep=True)
    defs = {k: _strip_titles(v, keep=True) for k, v in sorted(defs.items())}
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": f"{SCHEMA_BASE}/{name}.schema.json",
        "title": title,
        "description": description,
    }
    body.pop("title", None)
    body.pop("description", None)
    schema.update(body)
    if defs:
        schema["$defs"] = defs
    return copy.deepcopy(schema)

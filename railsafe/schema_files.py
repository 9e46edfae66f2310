"""The committed JSON Schemas (generated from `railsafe.models`) and their validators."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from railsafe.resources import resource_dir

# schema name -> document kinds it validates
SCHEMA_KINDS: dict[str, tuple[str, ...]] = {
    "railway": ("railway-toml", "railway-json"),
    "nixpacks": ("nixpacks-toml", "nixpacks-json"),
    "railpack": ("railpack-json",),
}


def schema_path_for(name: str) -> Any:
    return resource_dir("schemas") / f"{name}.schema.json"


def schema_text(name: str) -> str:
    return schema_path_for(name).read_text(encoding="utf-8")


@cache
def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(name))
    return loaded


def schema_name_for_kind(kind: str) -> str | None:
    for name, kinds in SCHEMA_KINDS.items():
        if kind in kinds:
            return name
    return None

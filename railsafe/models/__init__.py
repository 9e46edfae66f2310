"""Pydantic models of railway.toml/json, nixpacks.toml/json and railpack.json.

They generate the committed JSON Schemas in `schemas/` (`python -m railsafe.models`).
Nothing on the `railsafe check` path imports this package: runtime validation
uses jsonschema_rs against the committed files (railsafe.validate).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_NAMES = ("railway", "nixpacks", "railpack")


def json_schemas() -> dict[str, dict[str, Any]]:
    """Schema name -> JSON Schema generated from the models."""
    from railsafe.models import nixpacks, railpack, railway

    return {
        "railway": railway.json_schema(),
        "nixpacks": nixpacks.json_schema(),
        "railpack": railpack.json_schema(),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generated() -> dict[str, str]:
    """Schema name -> the exact text the committed file should have."""
    return {name: render(s) for name, s in json_schemas().items()}


def schema_file(name: str) -> Path:
    from railsafe.schema_files import schema_path_for

    return Path(schema_path_for(name))

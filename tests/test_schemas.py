"""The committed JSON Schemas: fresh, valid draft 2020-12, and served by `railsafe schema`."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
from typer.testing import CliRunner

from railsafe.cli import app
from railsafe.models import SCHEMA_NAMES, generated, schema_file
from railsafe.schema_files import schema, schema_text

GENERATED = generated()


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_committed_schema_is_fresh(name: str) -> None:
    committed = schema_file(name).read_text(encoding="utf-8")
    assert committed == GENERATED[name], (
        f"schemas/{name}.schema.json is stale; run `python -m railsafe.models`"
    )


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    loaded = schema(name)
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert loaded["$id"].endswith(f"/{name}.schema.json")
    assert loaded["title"] and loaded["description"]
    jsonschema.Draft202012Validator.check_schema(loaded)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_has_no_anyof(name: str) -> None:
    """anyOf/oneOf hide the specific cause of an error; the schemas use type lists."""
    text = schema_text(name)
    assert '"anyOf"' not in text and '"oneOf"' not in text


def test_every_railway_property_is_described() -> None:
    loaded = schema("railway")
    for def_name in ("Build", "Deploy"):
        for key, prop in loaded["$defs"][def_name]["properties"].items():
            assert prop.get("description"), f"{def_name}.{key} has no description"


def test_generator_check_mode_passes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "railsafe.models", "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_generator_check_mode_detects_stale(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import railsafe.models.__main__ as gen

    monkeypatch.setattr(gen, "schema_file", lambda name: tmp_path / f"{name}.schema.json")
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0
    assert json.loads((tmp_path / "railway.schema.json").read_text())["title"]


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_cli_prints_committed_schema(name: str) -> None:
    result = CliRunner().invoke(app, ["schema", name])
    assert result.exit_code == 0
    assert result.stdout == schema_text(name)
    assert json.loads(result.stdout)["$id"].endswith(f"{name}.schema.json")


def test_cli_rejects_unknown_schema() -> None:
    result = CliRunner().invoke(app, ["schema", "heroku"])
    assert result.exit_code == 2

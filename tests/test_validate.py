"""railsafe.validate: issues by key path, forgiving enums, and agreement with `jsonschema`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from railsafe.loaders import load
from railsafe.schema_files import schema
from railsafe.validate import keys_at, validate
from tests.conftest import SHARED

CORPUS = SHARED / "corpus"
KINDS = {
    "railway-toml": ("railway", "toml"),
    "railway-json": ("railway", "json"),
    "nixpacks-toml": ("nixpacks", "toml"),
    "nixpacks-json": ("nixpacks", "json"),
    "railpack-json": ("railpack", "jsonc"),
}


def _kinds(data: object, name: str) -> set[tuple[tuple[str | int, ...], str]]:
    return {(i.keypath, i.kind) for i in validate(data, name)}


@pytest.mark.parametrize(
    "value", ["ON_FAILURE", "on_failure", "on-failure", "On-Failure", "Never", "aLwAyS", None]
)
def test_restart_policy_any_case(value: str | None) -> None:
    assert validate({"deploy": {"restartPolicyType": value}}, "railway") == []


@pytest.mark.parametrize("value", ["nixpacks", "Dockerfile", "RAILPACK", "heroku", "paketo"])
def test_builder_any_case(value: str) -> None:
    assert validate({"build": {"builder": value}}, "railway") == []


def test_enum_error_is_specific() -> None:
    issues = validate({"deploy": {"restartPolicyType": "sometimes"}}, "railway")
    assert [(i.keypath, i.kind) for i in issues] == [(("deploy", "restartPolicyType"), "enum")]
    assert "ON_FAILURE, ALWAYS, NEVER" in issues[0].message


def test_unknown_keys_one_issue_each_at_the_key() -> None:
    data = {"deploy": {"startcommand": "x", "ingress": {"path": "/", "port": 1}}, "env": {}}
    assert _kinds(data, "railway") == {
        (("deploy", "startcommand"), "unknown-key"),
        (("deploy", "ingress"), "unknown-key"),
        (("env",), "unknown-key"),
    }


@pytest.mark.parametrize(
    ("deploy", "path", "kind"),
    [
        ({"numReplicas": 0}, ("deploy", "numReplicas"), "minimum"),
        ({"numReplicas": 201}, ("deploy", "numReplicas"), "maximum"),
        ({"numReplicas": "2"}, ("deploy", "numReplicas"), "type"),
        ({"restartPolicyMaxRetries": 0}, ("deploy", "restartPolicyMaxRetries"), "minimum"),
        ({"overlapSeconds": -1}, ("deploy", "overlapSeconds"), "minimum"),
        ({"drainingSeconds": "soon"}, ("deploy", "drainingSeconds"), "pattern"),
        ({"cronSchedule": "0 3 * *"}, ("deploy", "cronSchedule"), "pattern"),
        ({"preDeployCommand": ["a", "b"]}, ("deploy", "preDeployCommand"), "max-items"),
        ({"preDeployCommand": [1]}, ("deploy", "preDeployCommand", 0), "type"),
        (
            {"multiRegionConfig": {"us-west2": {"numReplicas": 0}}},
            ("deploy", "multiRegionConfig", "us-west2", "numReplicas"),
            "minimum",
        ),
        ({"healthcheckTimeout": "300"}, ("deploy", "healthcheckTimeout"), "type"),
    ],
)
def test_invalid_values(deploy: dict[str, object], path: tuple[str | int, ...], kind: str) -> None:
    assert _kinds({"deploy": deploy}, "railway") == {(path, kind)}


def test_valid_railway_shapes() -> None:
    data = {
        "$schema": "https://railway.com/railway.schema.json",
        "build": {
            "nixpacksPlan": {"variables": {"A": "1"}, "phases": {"setup": {"nixPkgs": ["..."]}}}
        },
        "deploy": {
            "preDeployCommand": "npm run migrate",
            "overlapSeconds": "60",
            "drainingSeconds": 0,
            "cronSchedule": "*/5 * * * *",
            "multiRegionConfig": {"us-west2": None},
        },
        "environments": {"pr": {"deploy": {"preDeployCommand": ["x"]}}, "staging": None},
    }
    assert validate(data, "railway") == []


def test_nixpacks_plan_phase_is_strict() -> None:
    data = {"build": {"nixpacksPlan": {"phases": {"setup": {"cmd": "x"}}}}}
    assert _kinds(data, "railway") == {
        (("build", "nixpacksPlan", "phases", "setup", "cmd"), "unknown-key")
    }


def test_nixpacks_aliases_and_spread() -> None:
    data = {
        "providers": ["...", "python"],
        "phases": {"setup": {"nixPackages": ["@auto", "x"], "aptPackages": ["curl"]}},
        "start": {"cmd": "run", "user": "app"},
    }
    assert validate(data, "nixpacks") == []


def test_railpack_commands_and_layers() -> None:
    data = {
        "provider": "Python",
        "steps": {"build": {"commands": ["...", {"cmd": "x"}, {"src": "a", "dest": "b"}]}},
        "deploy": {"inputs": ["...", "$build", ".", {"step": "build"}]},
    }
    assert validate(data, "railpack") == []
    assert _kinds({"steps": {"b": {"commands": [{"run": "x"}]}}}, "railpack") == {
        (("steps", "b", "commands", 0, "run"), "unknown-key")
    }


def test_keys_at() -> None:
    assert "startCommand" in keys_at("railway", ("deploy",))
    assert "startCommand" in keys_at("railway", ("environments", "pr", "deploy"))
    assert "nixPkgsArchive" in keys_at("railway", ("build", "nixpacksPlan", "phases", "setup"))
    assert "cmds" in keys_at("nixpacks", ("phases", "anything"))
    assert keys_at("railway", ("nope", "deeper")) == []


def test_check_path_does_not_import_pydantic_or_jsonschema(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text('[deploy]\nstartcommand = "x"\n', encoding="utf-8")
    code = (
        "import sys\n"
        "from railsafe.engine import check\n"
        "from railsafe.rules import find_rule\n"
        "rules = [find_rule(r) for r in ('RS002', 'RS003', 'RS009')]\n"
        f"report = check([__import__('pathlib').Path({str(tmp_path)!r})], rules)\n"
        "assert any(f.rule == 'RS002' for f in report.findings), report.findings\n"
        "bad = [m for m in ('pydantic', 'jsonschema') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.glob("*/*") if p.is_file() and p.parent.name in KINDS)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: f"{p.parent.name}/{p.name[:40]}")
def test_jsonschema_and_jsonschema_rs_agree(path: Path) -> None:
    import jsonschema_rs

    name, syntax = KINDS[path.parent.name]
    doc = load(path, path.name, path.parent.name, syntax)
    if doc.error is not None:
        pytest.skip("does not parse")
    data = json.loads(json.dumps(doc.data, default=str))  # TOML dates -> strings, as both see them
    python_ok = jsonschema.Draft202012Validator(schema(name)).is_valid(data)
    rust_ok = jsonschema_rs.validator_for(schema(name)).is_valid(data)
    assert python_ok == rust_ok

"""Differential tests: railsafe's static reading of IaC files against the real SDKs.

railsafe never runs a `.railway/railway.{ts,py}` file; it reads it
(`railsafe.iac.read`) and applies the SDK's semantics itself
(`railsafe.iac.normalise.graph`). Whether it got those semantics right is
only known by running the SDK, so these tests do that, on railsafe's own
fixtures only (`tests/fixtures/iac/sdk/*/.railway/`), in subprocesses that
evaluate each file as the Railway CLI does (`tests/sdk/eval.mjs` with npm
`railway@3.11.0`, `tests/sdk/eval_py.py` with PyPI `railway-sdk==0.7.0`).

A fixture with an `sdk-error.txt` is one the SDK cannot evaluate (the CLI
plans nothing); the SDK must fail on it with that text.

Each fixture is compared for every environment its reading names, for
"production" (a reading must agree there even when the file never names it),
and for no environment (the SDK gets an unused name, UNNAMED). Compared: the
resource addresses, per resource `source.rootDirectory`, `build`, `deploy`
and `variables`, and `partial`.

Without the SDKs installed the tests skip and say how to install them; with
`CI=true` they fail instead, so CI cannot silently lose the oracle.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from railsafe.iac import SUFFIXES, read
from tests.conftest import FIXTURES, TESTS

SDK_FIXTURES = FIXTURES / "iac" / "sdk"
SDK_DIR = TESTS / "sdk"
NODE_MODULES = SDK_DIR / "node_modules"
TS_SDK_VERSION = "3.11.0"  # tests/sdk/package.json
PY_SDK_VERSION = "0.7.0"  # pyproject.toml, test extra
# The SDK side of "no environment": a name no fixture compares against.
UNNAMED = "staging-xyz"
ALWAYS = ("production",)
TIMEOUT = 120  # seconds, for one batch of evaluations
# In a fixture's directory: the SDK must fail on it with this text (e.g. a
# number as a variable value crashes the TypeScript SDK), nothing to compare.
SDK_ERROR = "sdk-error.txt"

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def fixture_files() -> list[Path]:
    """Every fixture's IaC file, TypeScript/JavaScript and Python (Go has no oracle here)."""
    files = []
    for suffix, language in SUFFIXES.items():
        if language != "go":
            files.extend(SDK_FIXTURES.glob(f"*/.railway/railway{suffix}"))
    return sorted(files)


def language_of(file: Path) -> str:
    return SUFFIXES[file.suffix]


def relpath(file: Path) -> str:
    return file.relative_to(file.parent.parent).as_posix()


def environments(file: Path) -> tuple[str, ...]:
    """The names railsafe's reading compares against, plus ALWAYS.

    Read at collection; a front-end that fails here fails in the `None`
    case of the same fixture, with its traceback, not at collection.
    """
    try:
        program = read(file.read_text(encoding="utf-8"), relpath(file), language_of(file), None)
        named = tuple(program.environments)
    except Exception:
        named = ()
    return tuple(dict.fromkeys((*named, *ALWAYS)))


def cases() -> list[Any]:
    params = []
    for file in fixture_files():
        name = file.parent.parent.name
        for environment in (None, *environments(file)):
            params.append(
                pytest.param(file, environment, id=f"{name}@{environment or '<none>'}")
            )
    return params


# -- running the SDKs ----------------------------------------------------------------


def _missing(reason: str) -> None:
    """Skip for a user's clone, fail under CI."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def require_sdk(language: str) -> None:
    if language == "python":
        if importlib.util.find_spec("railway_sdk") is None:
            _missing(
                f"railway_sdk is not importable; install the test extra: "
                f"pip install '.[test]' (railway-sdk=={PY_SDK_VERSION})"
            )
        version = importlib.metadata.version("railway-sdk")
        assert version == PY_SDK_VERSION, (
            f"railway-sdk {version} installed, the oracle is pinned to {PY_SDK_VERSION}: "
            f"pip install '.[test]'"
        )
        return
    if shutil.which("node") is None:
        _missing("node is not on PATH; install Node.js 20+, then: npm ci --prefix tests/sdk")
    package = NODE_MODULES / "railway" / "package.json"
    if not package.is_file() or not (NODE_MODULES / "tsx").is_dir():
        _missing("tests/sdk/node_modules is missing; install it with: npm ci --prefix tests/sdk")
    version = json.loads(package.read_text(encoding="utf-8"))["version"]
    assert version == TS_SDK_VERSION, (
        f"npm railway {version} in tests/sdk/node_modules, the oracle is pinned to "
        f"{TS_SDK_VERSION}: npm ci --prefix tests/sdk"
    )


@functools.cache
def evaluations(language: str) -> dict[tuple[Path, str], dict[str, Any]]:
    """Every (file, SDK environment) of one language, in one subprocess, once a session."""
    jobs = []
    for file in fixture_files():
        if language_of(file) != language:
            continue
        for environment in (None, *environments(file)):
            jobs.append({"file": str(file), "environment": environment or UNNAMED})
    if language == "python":
        command = [sys.executable, str(SDK_DIR / "eval_py.py"), "--batch"]
    else:
        command = ["node", str(SDK_DIR / "eval.mjs"), "--batch"]
    # A clean environment: a fixture reading os.environ / process.env sees nothing.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "SYSTEMROOT") if key in os.environ}
    done = subprocess.run(
        command, input=json.dumps(jobs), capture_output=True, text=True,
        timeout=TIMEOUT, env=env, cwd=SDK_DIR, check=False,
    )
    assert done.returncode == 0, f"{command[:2]} failed:\n{done.stderr}"
    results = json.loads(done.stdout)
    return {
        (Path(job["file"]), job["environment"]): result
        for job, result in zip(jobs, results, strict=True)
    }


def sdk_outcome(file: Path, environment: str | None) -> dict[str, Any]:
    """`{"result": {partial, project}}` or `{"error": traceback}`."""
    language = "python" if language_of(file) == "python" else "typescript"
    require_sdk(language)
    return evaluations(language)[(file, environment or UNNAMED)]


def sdk_graph(file: Path, environment: str | None) -> dict[str, Any]:
    outcome = sdk_outcome(file, environment)
    assert "error" not in outcome, f"the SDK failed to evaluate {file}:\n{outcome['error']}"
    result: dict[str, Any] = outcome["result"]
    return result


# -- comparing ------------------------------------------------------------------------


def _flatten(items: Any) -> list[Any]:
    if isinstance(items, list):
        return [leaf for item in items for leaf in _flatten(item)]
    return [items]


def compared(graph: dict[str, Any]) -> dict[str, Any]:
    """The parts of `{partial, project}` railsafe's rules rely on, as the CLI sees them.

    The CLI flattens nested resource lists, gives a resource without an
    address `<type>.<name>` (default `service.web`), moves a raw `start`
    into `deploy.startCommand` and a string `build` into `build.buildCommand`
    (`normalize_project`, `project_definition_to_graph`); both sides get the
    same treatment, so only a difference the CLI would see is reported.
    """
    project = graph.get("project") or {}
    resources = _flatten(project.get("resources") or project.get("Resources") or [])
    addresses: list[str] = []
    fields: dict[str, Any] = {}
    for resource in resources:
        if not isinstance(resource, dict):
            addresses.append(f"<not an object: {resource!r}>")
            continue
        address = resource.get("address") or (
            f"{resource.get('type') or 'service'}.{resource.get('name') or 'web'}"
        )
        addresses.append(address)
        deploy = resource.get("deploy")
        if "start" in resource:
            deploy = dict(deploy or {})
            deploy.setdefault("startCommand", resource["start"])
        build = resource.get("build")
        if isinstance(build, str):
            build = {"buildCommand": build}
        source = resource.get("source")
        root = source.get("rootDirectory") if isinstance(source, dict) else None
        fields[address] = {
            "source.rootDirectory": root,
            "build": build,
            "deploy": deploy,
            "variables": resource.get("variables"),
        }
    return {"partial": graph.get("partial"), "addresses": sorted(addresses), "resources": fields}


def _same(a: Any, b: Any) -> bool:
    """JSON equality that keeps booleans apart from numbers (Python: True == 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def differences(ours: Any, sdk: Any, path: str = "") -> list[str]:
    """One line per leaf where railsafe and the SDK disagree."""
    if _same(ours, sdk):
        return []
    if isinstance(ours, dict) and isinstance(sdk, dict):
        lines = []
        for key in [*ours, *(k for k in sdk if k not in ours)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in ours:
                lines.append(f"{where}: railsafe has nothing, SDK {json.dumps(sdk[key])}")
            elif key not in sdk:
                ours_text = json.dumps(ours[key], default=repr)
                lines.append(f"{where}: railsafe {ours_text}, SDK nothing")
            else:
                lines.extend(differences(ours[key], sdk[key], where))
        return lines
    return [f"{path}: railsafe {json.dumps(ours, default=repr)}, SDK {json.dumps(sdk)}"]


# -- the tests ------------------------------------------------------------------------

CASES = cases()


@pytest.mark.skipif(not CASES, reason="no fixtures in tests/fixtures/iac/sdk")
@pytest.mark.parametrize(("file", "environment"), CASES)
def test_static_reading_matches_sdk(file: Path, environment: str | None) -> None:
    expected_error = file.parent.parent / SDK_ERROR
    if expected_error.is_file():
        # a file the SDK itself cannot evaluate: the CLI plans nothing, there is no graph
        outcome = sdk_outcome(file, environment)
        needle = expected_error.read_text(encoding="utf-8").strip()
        assert needle and needle in outcome.get("error", ""), (
            f"{SDK_ERROR} expects the SDK to fail with {needle!r}; it gave {outcome}"
        )
        return
    sdk = compared(sdk_graph(file, environment))
    from railsafe.iac.normalise import graph

    program = read(file.read_text(encoding="utf-8"), relpath(file), language_of(file), environment)
    assert program.error is None, f"railsafe could not parse {file}: {program.error}"
    ours = compared(graph(program))
    lines = differences(ours, sdk)
    label = environment or f"<none> (SDK: {UNNAMED!r})"
    if lines:
        pytest.fail(
            f"{file.relative_to(SDK_FIXTURES)} for environment {label}: railsafe's static "
            f"reading differs from the SDK ({len(lines)}):\n  " + "\n  ".join(lines),
            pytrace=False,
        )


def test_oracle_fixtures_exist() -> None:
    """The oracle runs on both languages; an empty glob would pass vacuously."""
    languages = {language_of(file) for file in fixture_files()}
    assert {"typescript", "python"} <= languages, sorted(languages)


@pytest.mark.parametrize(
    "fixture", ["oracle-ts-shop/.railway/railway.ts", "oracle-py-shop/.railway/railway.py"]
)
def test_oracle_sees_environment_branches(fixture: str) -> None:
    """The SDK really receives the environment: the shop's replica count branches on it."""
    file = SDK_FIXTURES / fixture
    replicas = {
        str(name): compared(sdk_graph(file, name))["resources"]["service.api"]["deploy"]
        for name in ("production", None)
    }
    replicas = {name: deploy["numReplicas"] for name, deploy in replicas.items()}
    assert replicas == {"production": 3, "None": 1}


def test_differences_are_readable() -> None:
    """The failure report names each disagreeing leaf by its path."""
    ours = {"resources": {"service.api": {"deploy": {"numReplicas": 1, "sleepApplication": 1}}}}
    sdk = {"resources": {"service.api": {"deploy": {"numReplicas": 3, "sleepApplication": True}}}}
    assert differences(ours, sdk) == [
        "resources.service.api.deploy.numReplicas: railsafe 1, SDK 3",
        "resources.service.api.deploy.sleepApplication: railsafe 1, SDK true",
    ]


@pytest.mark.parametrize(
    ("language", "name"), [("typescript", "railway.ts"), ("python", "railway.py")]
)
def test_oracles_run_only_fixtures(tmp_path: Path, language: str, name: str) -> None:
    """The oracles execute code: they refuse any file outside tests/fixtures/."""
    require_sdk(language)
    marker = tmp_path / "ran"
    (tmp_path / ".railway").mkdir()
    file = tmp_path / ".railway" / name
    if language == "python":
        file.write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
        command = [sys.executable, str(SDK_DIR / "eval_py.py"), str(file), "production"]
    else:
        code = 'import { writeFileSync } from "node:fs";\n'
        code += f"writeFileSync({json.dumps(str(marker))}, '');\n"
        file.write_text(code, encoding="utf-8")
        command = ["node", str(SDK_DIR / "eval.mjs"), str(file), "production"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode != 0 and "refusing to run" in done.stderr, done.stderr
    assert not marker.exists()


def test_readme_and_ci_install_the_oracle() -> None:
    """A clone following the README, and CI, get the npm side of the oracle."""
    readme = (TESTS.parent / "README.md").read_text(encoding="utf-8")
    ci = (TESTS.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "npm ci --prefix tests/sdk" in readme and "npm ci --prefix tests/sdk" in ci
    lock = json.loads((SDK_DIR / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/railway"]["version"] == TS_SDK_VERSION

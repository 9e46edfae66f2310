"""Running the real TypeScript SDK (npm railway@3.11.0, tests/sdk) on files railsafe wrote.

`tests/sdk/eval_written.mjs` evaluates `<dir>/.railway/railway.ts` as the
Railway CLI does, for directories named `railsafe-written-*` under the
system's temporary directory only. Without the SDK the tests skip and say
how to install it; with `CI=true` they fail, so CI cannot lose the oracle.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TESTS

SDK_DIR = TESTS / "sdk"
NODE_MODULES = SDK_DIR / "node_modules"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
PREFIX = "railsafe-written-"
# the SDK's side of "an environment the file does not name"
UNNAMED = "railsafe-unnamed-env"


def missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def require_node_sdk(*, tsc: bool = False) -> None:
    if shutil.which("node") is None:
        missing("node is not on PATH; install Node.js 20+, then: npm ci --prefix tests/sdk")
    needed = ["railway", "tsx"] + (["typescript"] if tsc else [])
    for package in needed:
        if not (NODE_MODULES / package / "package.json").is_file():
            missing(f"tests/sdk/node_modules/{package} is missing; install with: "
                    "npm ci --prefix tests/sdk")


def require_python_sdk() -> None:
    if importlib.util.find_spec("railway_sdk") is None:
        missing("railway_sdk is not importable; install the test extra: pip install '.[test]'")


def evaluate(jobs: list[tuple[Path, str | None]], lang: str = "ts") -> list[dict[str, Any]]:
    """`{result: {partial, project}}` or `{error}` per (directory, environment): the
    `.railway/railway.ts` (npm railway) or, with lang="py", `.railway/railway.py`
    (railway_sdk) of each directory."""
    if lang == "py":
        require_python_sdk()
        command = [sys.executable, str(SDK_DIR / "eval_written_py.py")]
    else:
        require_node_sdk()
        command = ["node", str(SDK_DIR / "eval_written.mjs")]
    payload = [{"dir": str(d), "environment": env or UNNAMED} for d, env in jobs]
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    done = subprocess.run(
        command, input=json.dumps(payload),
        capture_output=True, text=True, timeout=600, env=env, cwd=SDK_DIR, check=False,
    )
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def resources(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    project = graph.get("project") or {}
    out: dict[str, dict[str, Any]] = {}
    for resource in project.get("resources") or []:
        if isinstance(resource, dict):
            out[str(resource.get("address"))] = resource
    return out

"""`--jobs`: the work shared over processes gives the same report, byte for byte.

The thresholds below which a check stays in one process are lowered here, so a
small tree takes every parallel path: the rules apart in a worker, the command
analyses shared out, the worker's reads replayed.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from railsafe import engine, parallel
from railsafe.render import render
from railsafe.rules import all_rules

SERVICES = 12


def _tree(root: Path) -> Path:
    """Services of several shapes: Dockerfile, Nixpacks, Railpack; scripts the commands
    follow (one not a discovered kind, with a suppression comment only the command
    analysis reads); test suites; a credential in a runbook."""
    (root / "package.json").write_text('{"name": "mono", "private": true}\n')
    for i in range(SERVICES):
        svc = root / "services" / f"svc-{i:02d}"
        (svc / "tests").mkdir(parents=True)
        (svc / "bin").mkdir()
        builder = ("DOCKERFILE", "NIXPACKS", "RAILPACK")[i % 3]
        (svc / "railway.toml").write_text(
            f'[build]\nbuilder = "{builder}"\nbuildCommand = "npm run build"\n'
            f'[deploy]\npreDeployCommand = ["./bin/migrate"]\nstartCommand = "./start.sh"\n'
            f'[environments.staging.deploy]\nnumReplicas = {i % 2 + 1}\n')
        scripts = {"build": "tsc && jest" if i % 2 else "tsc", "start": "node dist/server.js",
                   "migrate": "prisma migrate reset --force" if i % 4 == 0
                   else "prisma migrate deploy"}
        (svc / "package.json").write_text(json.dumps({"name": f"svc-{i}", "scripts": scripts}))
        (svc / "Dockerfile").write_text(
            "FROM node:20-slim\nARG DATABASE_URL\nCOPY . .\nRUN npm ci && npm test\n"
            'CMD ["./start.sh"]\n')
        (svc / "start.sh").write_text('#!/bin/sh\nexec node dist/server.js "$@"\n')
        (svc / "bin" / "migrate").write_text(
            "#!/bin/sh\n# railsafe: ignore[RS103] reviewed\nnpm run migrate\n")
        (svc / "tests" / "conftest.py").write_text(
            "import os\nimport pytest\n\n@pytest.fixture\ndef db():\n"
            '    return os.environ.get("DATABASE_URL")\n')
    (root / "docs").mkdir()
    (root / "docs" / "runbook.md").write_text(
        "psql postgresql://postgres:Tq8ZvN3kLm2XwR7pYc4HbJ@roundhouse.proxy.rlwy.net:51234/x\n")
    return root


def _outputs(root: Path, jobs: int, **kwargs: Any) -> list[str]:
    report = engine.check([root], jobs=jobs, **kwargs)
    assert not report.internal_errors
    return [render(report, fmt) for fmt in ("text", "json", "sarif")] + [
        repr(report.errors), repr(report.notes), repr(report.suppressed), repr(report.files)]


@pytest.fixture
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every parallel path, whatever the size of the tree."""
    monkeypatch.setattr(parallel, "MIN_PER_WORKER", 1)
    monkeypatch.setattr(engine, "_APART_FROM_FILES", 1)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
@pytest.mark.usefixtures("eager")
@pytest.mark.parametrize("kwargs", [{}, {"honour_ignores": False},
                                    {"rules": engine.choose_rules(["RS1", "RS3"])}],
                         ids=["all", "no-ignores", "select"])
def test_parallel_report_is_the_serial_report(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    root = _tree(tmp_path)
    serial = _outputs(root, 1, **kwargs)
    assert ("RS103" in serial[0] and "RS306" in serial[0]) or "rules" in kwargs
    assert "Tq8ZvN3kLm2XwR7pYc4HbJ" not in "".join(serial)
    for jobs in (2, 3, 8):
        assert _outputs(root, jobs, **kwargs) == serial


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
@pytest.mark.usefixtures("eager")
def test_a_worker_that_cannot_start_or_fails_costs_only_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    serial = _outputs(root, 1)

    def no_fork() -> int:
        raise OSError("no more processes")

    with monkeypatch.context() as m:
        m.setattr(os, "fork", no_fork)
        assert _outputs(root, 2) == serial

    def broken(*args: Any, **kwargs: Any) -> bytes:  # the worker cannot send its results
        raise TypeError("cannot pickle")

    with monkeypatch.context() as m:
        m.setattr(pickle, "dumps", broken)
        assert _outputs(root, 2) == serial


def test_small_work_stays_in_this_process() -> None:
    assert parallel.workers(8, 10) == 1
    assert parallel.workers(1, 100_000) == 1
    assert parallel.workers(2, 2 * parallel.MIN_PER_WORKER) == 2 or not hasattr(os, "fork")


def test_the_rules_apart_share_no_model_with_the_others(tmp_path: Path) -> None:
    """The worker's rules never build the project model or the command analysis (which
    would then be built twice, once per process)."""
    root = _tree(tmp_path)
    apart = [r for r in all_rules() if r.check.__module__ in engine._APART]
    assert {r.id[:3] for r in apart} == {"RS2", "RS3"}
    report = engine.check([root], apart)
    assert report.context is not None
    built = set(report.context._cache)
    assert not {k for k in built if k.startswith(("project.", "phases."))}, built


def test_jobs_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(parallel.ENV, raising=False)
    assert parallel.parse_jobs(None) == parallel.cpus()
    assert parallel.parse_jobs("1") == 1
    assert parallel.parse_jobs("0") == parallel.cpus()
    monkeypatch.setenv(parallel.ENV, "3")
    assert parallel.parse_jobs(None) == 3
    assert parallel.parse_jobs("2") == 2  # the option wins over the variable
    for bad in ("-1", "two", "1.5"):
        with pytest.raises(parallel.JobsError):
            parallel.parse_jobs(bad)


@pytest.mark.parametrize(("args", "env"), [(["--jobs", "x"], {}), ([], {"RAILSAFE_JOBS": "-2"})])
def test_a_bad_jobs_value_is_a_usage_error(
    tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    (tmp_path / "railway.toml").write_text('[deploy]\nstartCommand = "npm start"\n')
    result = subprocess.run([sys.executable, "-m", "railsafe", "check", str(tmp_path), *args],
                            capture_output=True, text=True, check=False,
                            env={**os.environ, **env})
    assert result.returncode == 2
    assert result.stderr.startswith("railsafe: ") and len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_cli_output_and_exit_code_do_not_depend_on_jobs(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    runs = [subprocess.run([sys.executable, "-m", "railsafe", "check", str(root), *args],
                           capture_output=True, text=True, check=False)
            for args in (["--jobs", "1"], ["-j", "2"], [])]
    assert len({(r.returncode, r.stdout, r.stderr) for r in runs}) == 1
    assert runs[0].returncode == 1

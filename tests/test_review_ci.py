"""CI features: baselines, several outputs in one run, `railsafe config`, suppression
settings, the pre-commit hook (run for real by pre-commit, offline), the GitHub Action's
file, and start-up cost (check never imports railsafe.review)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from railsafe.cli import app
from tests.conftest import REPO

runner = CliRunner()

RAILWAY = """[build]
buildCommand = "npm run build && npm test"

[deploy]
startCommand = "node server.js"
preDeployCommand = "npx prisma migrate deploy"
"""


def _run(args: list[str]) -> tuple[int, str, str]:
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "railway.toml").write_text(RAILWAY)
    return root


# ---- baseline ------------------------------------------------------------------------


def test_baseline_reports_only_new_findings(project: Path, tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    code, _, err = _run(["check", str(project), "--write-baseline", str(base)])
    assert code == 0 and "wrote" in err
    data = json.loads(base.read_text())
    assert data["version"] == 1 and {e["rule"] for e in data["findings"]} >= {"RS101"}
    assert all(":" in e["id"] for e in data["findings"])
    code, out, err = _run(["check", str(project), "--baseline", str(base)])
    assert code == 0 and "No findings" in out and "recorded in" in err
    # moving the line does not make it new (identity ignores the line number)
    (project / "railway.toml").write_text("\n\n# a comment\n" + RAILWAY)
    assert _run(["check", str(project), "--baseline", str(base)])[0] == 0
    # a new problem is reported alone
    (project / "railway.toml").write_text(RAILWAY.replace(
        "prisma migrate deploy", "prisma migrate reset --force"))
    code, out, err = _run(["check", str(project), "--baseline", str(base), "--format", "json"])
    assert code == 1
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["RS103"]
    # fixed problems: the baseline says how many of its entries are gone
    (project / "railway.toml").write_text('[deploy]\nstartCommand = "node server.js"\n')
    code, _, err = _run(["check", str(project), "--baseline", str(base)])
    assert "baselined finding(s) are gone" in err and "--write-baseline" in err


def test_baseline_from_settings_and_bad_files(project: Path, tmp_path: Path) -> None:
    _run(["check", str(project), "--write-baseline", str(project / "rs-baseline.json")])
    (project / "railsafe.toml").write_text('baseline = "rs-baseline.json"\n')
    assert _run(["check", str(project)])[0] == 0
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = _run(["check", str(project), "--baseline", str(bad)])
    assert code == 2 and "not a railsafe baseline" in err
    code, _, err = _run(["check", str(project), "--baseline", str(tmp_path / "none.json")])
    assert code == 2 and "cannot read baseline" in err


def test_baseline_never_holds_a_secret(tmp_path: Path) -> None:
    root = tmp_path / "s"
    root.mkdir()
    (root / "nixpacks.toml").write_text(
        '[variables]\nDATABASE_URL = "postgresql://u:hunter2pass@h.proxy.rlwy.net:5432/r"\n')
    base = tmp_path / "b.json"
    _run(["check", str(root), "--write-baseline", str(base)])
    assert "hunter2pass" not in base.read_text()
    assert json.loads(base.read_text())["findings"]


# ---- several outputs in one run --------------------------------------------------------


def test_outputs_besides_stdout(project: Path, tmp_path: Path) -> None:
    sarif, md = tmp_path / "r.sarif", tmp_path / "summary.md"
    code, out, _ = _run(["check", str(project), "--output", f"sarif={sarif}",
                         "--output", f"markdown={md}", "--format", "json"])
    assert code == 1
    assert json.loads(out)["version"] == 1
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert md.read_text().startswith("<!-- railsafe-report -->")


@pytest.mark.parametrize("value, message", [
    ("sarif", "FORMAT=FILE"), ("xml=out.xml", "unknown format 'xml'"), ("json=", "FORMAT=FILE")])
def test_output_usage_errors(project: Path, value: str, message: str) -> None:
    code, _, err = _run(["check", str(project), "--output", value])
    assert code == 2 and message in err


# ---- suppressions and settings ------------------------------------------------------------


def test_error_suppressions_can_be_forbidden(project: Path) -> None:
    (project / "railway.toml").write_text(RAILWAY.replace(
        "[build]\n", "[build]\n# railsafe: ignore[RS101] legacy\n"))
    code, out, _ = _run(["check", str(project), "--format", "json"])
    assert "RS101" not in {f["rule"] for f in json.loads(out)["findings"]}
    (project / "railsafe.toml").write_text("allow-error-suppressions = false\n")
    code, out, _ = _run(["check", str(project), "--format", "json"])
    rules = [f["rule"] for f in json.loads(out)["findings"]]
    assert "RS101" in rules and "RS022" in rules and code == 1


def test_config_command(project: Path) -> None:
    code, out, _ = _run(["config", str(project)])
    assert code == 0
    assert 'fail-on = "error"  # default' in out and "none found" in out
    (project / "railsafe.toml").write_text('fail-on = "warning"\nignore = ["RS005"]\n')
    code, out, _ = _run(["config", str(project)])
    source = str((project / "railsafe.toml").resolve())
    assert f'fail-on = "warning"  # {source}' in out
    assert f'ignore = ["RS005"]  # {source}' in out
    assert "allow-error-suppressions = true  # default" in out
    (project / "railsafe.toml").write_text("fail-on = 3\n")
    code, _, err = _run(["config", str(project)])
    assert code == 2 and "fail-on" in err


# ---- start-up: check and --version never load the review package -------------------------


@pytest.mark.parametrize("argv", [["--version"], ["check", "--help"]])
def test_review_is_not_imported_at_start(argv: list[str]) -> None:
    code = ("import sys; from railsafe import cli; sys.argv = ['railsafe', *sys.argv[1:]]\n"
            "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('railsafe.review')))")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


# ---- pre-commit: the hook, run by pre-commit itself ----------------------------------------


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_pre_commit_manifest_is_valid() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = {h["id"]: h for h in load_manifest(REPO / ".pre-commit-hooks.yaml")}
    assert set(hooks) == {"railsafe", "railsafe-warnings"}
    assert hooks["railsafe"]["entry"] == "railsafe check"
    assert hooks["railsafe"]["pass_filenames"] is False


@pytest.mark.skipif(shutil.which("pre-commit") is None and not (
    Path(sys.executable).parent / "pre-commit").exists(), reason="pre-commit not installed")
def test_pre_commit_hook_runs(tmp_path: Path) -> None:
    """A real `pre-commit run` in a temporary repository, offline: the hook of
    .pre-commit-hooks.yaml is used as a `repo: local` hook with `language: system`, so
    pre-commit runs the railsafe of this environment instead of installing one from the
    network (everything else, id, entry, files, pass_filenames, is the manifest's)."""
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = {**manifest[0], "language": "system"}
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}))
    (repo / "README.md").write_text("docs\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    pre_commit = [sys.executable, "-m", "pre_commit"]

    def run() -> subprocess.CompletedProcess[str]:
        _git(repo, "add", "-A")
        return subprocess.run([*pre_commit, "run"], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=120)

    done = run()  # no file railsafe reads is staged: the hook is skipped
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no files to check" in done.stdout.lower() or "skipped" in done.stdout.lower()
    (repo / "railway.toml").write_text(RAILWAY)
    done = run()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "RS101 tests-in-build" in done.stdout
    (repo / "railway.toml").write_text(
        '[deploy]\nstartCommand = "node server.js"\nhealthcheckPath = "/health"\n'
        "# railsafe: ignore-file[RS005] migrating in PR 12\n")
    done = run()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout


# ---- the GitHub Action --------------------------------------------------------------------


def test_action_file() -> None:
    """action.yml's required keys (GitHub's metadata syntax for composite actions), inputs
    that exist, and no `${{ }}` expression inside a `run:` script (inputs are passed through
    `env:`, so a branch name cannot inject shell)."""
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert {"name", "description", "runs"} <= set(action)
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    for name, spec in inputs.items():
        assert "description" in spec, name
    text = (REPO / "action.yml").read_text()
    import re

    for used in re.findall(r"inputs\.([a-z-]+)", text):
        assert used in inputs, used
    steps = action["runs"]["steps"]
    for step in steps:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step.get("shell") == "bash"
            assert "${{" not in step["run"], step["name"]
    scripts = "\n".join(s.get("run", "") for s in steps)
    assert "railsafe check" in scripts and "--output \"sarif=" in scripts
    assert "railsafe diff --base" in scripts and "GITHUB_STEP_SUMMARY" in scripts
    (diff_step,) = [s for s in steps if "railsafe diff" in s.get("run", "")]
    assert "pull_request" in diff_step["if"]
    for name, output in action.get("outputs", {}).items():
        assert "value" in output and "description" in output, name

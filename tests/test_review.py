"""`railsafe diff` and `railsafe show`: fixture trees per change kind, golden outputs for
every format, and real git repositories (two commits; a shallow clone with a detached HEAD).

Rewrite the golden files with

    RAILSAFE_UPDATE_GOLDEN=1 pytest tests/test_review.py

and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from railsafe.cli import app
from tests.conftest import FIXTURES, TESTS

REVIEW = FIXTURES / "review"
GOLDEN = TESTS / "golden" / "review"
UPDATE = os.environ.get("RAILSAFE_UPDATE_GOLDEN") == "1"
runner = CliRunner()


def _run(args: list[str]) -> tuple[int, str, str]:
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def _diff_json(case: str) -> dict:  # type: ignore[type-arg]
    code, out, _ = _run(["diff", str(REVIEW / case / "before"), str(REVIEW / case / "after"),
                         "--format", "json"])
    data = json.loads(out)
    data["exit"] = code
    return data


def _changes(data: dict) -> list[tuple[str, str | None, str, str, str]]:  # type: ignore[type-arg]
    return [(c["service"], c["environment"], c["facet"], c["risk"], c["severity"])
            for c in data["changes"]]


def _rules(items: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [f["rule"] for f in items]


# ---- one before/after tree per change kind --------------------------------------

KINDS = {
    # case: (changes, new finding rules, resolved finding rules, exit code)
    "pre-deploy-reset": ([(".", None, "pre-deploy", "raises", "error")], ["RS103"], [], 1),
    "healthcheck-removed": ([(".", None, "healthcheck", "raises", "warning")], [], [], 0),
    "testcommand-removed": ([(".", None, "build.testCommand", "neutral", "info")], [],
                            ["RS004"], 0),
    "build-runs-tests": ([(".", None, "build", "raises", "error")], ["RS101"], [], 1),
    "fixture-falls-back": ([], ["RS201"], [], 1),
    "iac-not-partial": ([("api", None, "IaC partial", "raises", "error")], ["RS508"], [], 1),
    "deploy-settings": ([
        (".", None, "restart policy", "raises", "warning"),
        (".", None, "cron", "neutral", "info"),
        (".", None, "replicas", "neutral", "info"),
        (".", None, "watch patterns", "neutral", "info"),
    ], ["RS510"], [], 0),
    "builder-variables": ([
        (".", None, "variables", "raises", "warning"),
        (".", None, "build", "neutral", "info"),
        (".", None, "builder", "neutral", "info"),
    ], [], ["RS510", "RS006"], 0),
    "environment-override": ([(".", "production", "start", "raises", "error")],
                             ["RS510", "RS102"], [], 1),
    # an IaC file's production branch: only production changes
    "iac-environment-branch": ([("api", "production", "pre-deploy", "raises", "error")],
                               ["RS103"], [], 1),
    # not changes: reformatting, reordering, comments, quoting, enum spelling
    "reformatted": ([], [], [], 0),
    # a service moved from railway.toml into .railway/railway.ts unchanged: only the
    # Config as Code finding goes away
    "moved-to-iac": ([], [], ["RS005"], 0),
}


@pytest.mark.parametrize("case", sorted(KINDS))
def test_change_kind(case: str) -> None:
    changes, new, resolved, code = KINDS[case]
    data = _diff_json(case)
    assert _changes(data) == changes
    assert _rules(data["new_findings"]) == new
    assert _rules(data["resolved_findings"]) == resolved
    assert data["exit"] == code


def test_every_change_has_a_one_line_reason() -> None:
    for case in KINDS:
        for c in _diff_json(case)["changes"]:
            assert c["reason"] and "\n" not in c["reason"]
            assert c["risk"] in ("raises", "lowers", "neutral")


def test_reasons_name_the_consequence() -> None:
    (c,) = _diff_json("pre-deploy-reset")["changes"]
    assert c["reason"] == ("pre-deploy now runs `npx prisma migrate reset --force`: every "
                           "deploy wipes the database")
    (c,) = _diff_json("testcommand-removed")["changes"]
    assert c["reason"] == "`testCommand` removed: no effect on Railway"
    (c,) = _diff_json("healthcheck-removed")["changes"]
    assert c["reason"].startswith("healthcheck removed")


def test_reverse_diff_lowers_risk() -> None:
    code, out, _ = _run(["diff", str(REVIEW / "pre-deploy-reset" / "after"),
                         str(REVIEW / "pre-deploy-reset" / "before"), "--format", "json"])
    data = json.loads(out)
    assert code == 0
    assert [(c["facet"], c["risk"]) for c in data["changes"]] == [("pre-deploy", "lowers")]
    assert _rules(data["resolved_findings"]) == ["RS103"]


def test_fail_on() -> None:
    case = REVIEW / "healthcheck-removed"
    args = ["diff", str(case / "before"), str(case / "after")]
    assert _run(args)[0] == 0
    assert _run([*args, "--fail-on", "warning"])[0] == 1
    case = REVIEW / "pre-deploy-reset"
    assert _run(["diff", str(case / "before"), str(case / "after"), "--fail-on", "never"])[0] == 0


def test_two_files() -> None:
    case = REVIEW / "healthcheck-removed"
    _, out, _ = _run(["diff", str(case / "before" / "railway.toml"),
                         str(case / "after" / "railway.toml"), "--format", "json"])
    assert [c["facet"] for c in json.loads(out)["changes"]] == ["healthcheck"]


@pytest.mark.parametrize("args, message", [
    (["diff", "nope-a", "nope-b"], "no such file or directory"),
    (["diff", str(REVIEW)], "give OLD and NEW"),
    (["diff", str(REVIEW / "pre-deploy-reset" / "before"),
      str(REVIEW / "pre-deploy-reset" / "after" / "railway.toml")], "two files or two"),
    (["diff", "a", "b", "--format", "sarif"], "unknown format"),
    (["diff", "--head", "HEAD"], "--head needs --base"),
])
def test_usage_errors(args: list[str], message: str) -> None:
    code, out, err = _run(args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_secrets_are_redacted_in_every_format(tmp_path: Path) -> None:
    secret = "s3cr3t-Pa55word"
    before, after = tmp_path / "before", tmp_path / "after"
    before.mkdir()
    after.mkdir()
    (before / "railway.toml").write_text('[deploy]\nstartCommand = "node server.js"\n')
    (after / "railway.toml").write_text(
        '[deploy]\nstartCommand = "DATABASE_URL=postgresql://app:'
        f'{secret}@db.internal:5432/app node server.js"\n')
    for fmt in ("text", "json", "markdown"):
        _, out, _ = _run(["diff", str(before), str(after), "--format", fmt])
        assert out and secret not in out
    for fmt in ("text", "json", "mermaid"):
        _, out, _ = _run(["show", str(after), "--format", fmt])
        assert out and secret not in out


# ---- golden outputs ----------------------------------------------------------------


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"golden {name} changed"


@pytest.mark.parametrize("fmt, ext", [("text", "txt"), ("json", "json"), ("markdown", "md")])
def test_diff_golden(fmt: str, ext: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REVIEW / "pull-request")
    code, out, _ = _run(["diff", "before", "after", "--format", fmt])
    assert code == 1
    _golden(f"diff.{ext}", out)


@pytest.mark.parametrize("fmt, ext", [("text", "txt"), ("json", "json"), ("mermaid", "mmd")])
def test_show_golden(fmt: str, ext: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REVIEW / "pull-request")
    code, out, _ = _run(["show", "after", "--format", fmt])
    assert code == 0
    _golden(f"show.{ext}", out)


def test_markdown_is_github_safe() -> None:
    text = (GOLDEN / "diff.md").read_text(encoding="utf-8")
    assert text.startswith("<!-- railsafe-diff -->\n")
    assert text.count("<details") == text.count("</details>")
    assert "```mermaid" in text
    for line in text.splitlines():
        if line.startswith("|"):
            # every row has the header's number of unescaped cell separators
            assert line.replace("\\|", "").count("|") in (5, 6)
    # the changed pre-deploy step is marked changed and risky in the diagram
    assert "class " in text and " changed" in text and " risky" in text


def test_show_reachability() -> None:
    _, out, _ = _run(["show", str(REVIEW / "pull-request" / "after"), "--format", "json"])
    services = {s["service"]: s for s in json.loads(out)["services"]}
    steps = {st["phase"]: st for st in services["backend"]["steps"]}
    assert steps["build"]["network"] == "no private network"
    assert steps["pre-deploy"]["network"] == "private network"
    assert [f["rule"] for f in steps["pre-deploy"]["findings"]] == ["RS103"]
    assert steps["pre-deploy"]["path"] == "backend/railway.toml"
    # a cron service: the start command also runs on the schedule
    assert [s["phase"] for s in services["worker"]["steps"]] == ["start", "cron"]


def test_show_puts_a_finding_on_its_environment_only() -> None:
    """Two environments' commands on one line of an IaC file (a ternary): the finding
    sits on the branch it is about."""
    _, out, _ = _run(["show", str(REVIEW / "iac-environment-branch" / "after"), "-f", "json"])
    found = {(s["environment"], st["phase"]): [f["rule"] for f in st["findings"]]
             for s in json.loads(out)["services"] for st in s["steps"]}
    assert found[("production", "pre-deploy")] == ["RS103"]
    assert found[(None, "pre-deploy")] == []


# ---- real git repositories -------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose second commit is the pull request of tests/fixtures/review."""
    work = tmp_path / "origin"
    shutil.copytree(REVIEW / "pull-request" / "before", work)
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "base")
    _git(work, "checkout", "-q", "-b", "feature")
    shutil.rmtree(work / "backend")
    shutil.rmtree(work / "worker")
    shutil.copytree(REVIEW / "pull-request" / "after", work, dirs_exist_ok=True)
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "the pull request")
    return work


def _tree_state(path: Path) -> str:
    return _git(path, "status", "--porcelain", "--ignored") + _git(path, "stash", "list")


def test_git_base_against_working_tree(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    before = _tree_state(repo)
    code, out, err = _run(["diff", "--base", "main", "--format", "json"])
    assert code == 1, err
    data = json.loads(out)
    assert data["base"].startswith("main (") and data["head"] == "working tree"
    assert ("backend", None, "pre-deploy", "raises", "error") in _changes(data)
    assert _tree_state(repo) == before  # nothing written to the checkout


def test_git_base_and_head_revisions(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    (repo / "backend" / "railway.toml").write_text("not = [valid toml\n")  # uncommitted
    code, out, _ = _run(["diff", "--base", "main", "--head", "feature", "--format", "json"])
    expected = json.loads((GOLDEN / "diff.json").read_text(encoding="utf-8"))
    data = json.loads(out)
    assert code == 1
    assert data["changes"] == expected["changes"]
    assert _rules(data["new_findings"]) == _rules(expected["new_findings"])


def test_git_paths_limit_the_diff(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    code, out, _ = _run(["diff", "--base", "main", "worker", "--format", "json"])
    data = json.loads(out)
    assert {c["service"] for c in data["changes"]} == {"."}  # worker/ is the checked root
    assert code == 0


def test_git_shallow_clone_detached_head(repo: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """What a CI checkout looks like: depth 1, detached HEAD, the base fetched on its own."""
    head = _git(repo, "rev-parse", "feature")
    clone = tmp_path / "ci"
    _git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{repo}",
         str(clone))
    _git(clone, "checkout", "-q", "--detach", head)
    assert _git(clone, "rev-parse", "--is-shallow-repository") == "true"
    monkeypatch.chdir(clone)
    code, _, err = _run(["diff", "--base", "origin/main"])
    assert code == 2 and "unknown revision 'origin/main'" in err
    _git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    code, out, err = _run(["diff", "--base", "origin/main", "--format", "markdown"])
    assert code == 1, err
    base = _git(clone, "rev-parse", "origin/main")[:12]
    assert out == (GOLDEN / "diff.md").read_text(encoding="utf-8").replace(
        "Comparing `before` with `after`", f"Comparing `origin/main ({base})` with `working tree`")


def test_git_usage_errors(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    code, _, err = _run(["diff", "--base", "no-such-branch"])
    assert code == 2 and "unknown revision 'no-such-branch'" in err
    code, _, err = _run(["diff", "--base", "main", "missing-dir"])
    assert code == 2 and "no such file or directory: missing-dir" in err
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)
    code, _, err = _run(["diff", "--base", "main"])
    assert code == 2 and "not a git repository" in err


def test_readme_shows_real_review_and_diagram() -> None:
    """The README's review is the golden markdown (only the compared revisions' names
    differ), and its diagram is what `railsafe show --format mermaid` prints."""
    import re

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- review:start -->\n(.*?)<!-- review:end -->", readme, re.S)
    assert block, "README lost its review block"
    golden = (GOLDEN / "diff.md").read_text(encoding="utf-8")
    assert re.sub(r"Comparing `[^`]*` with `[^`]*`", "C", block[1]) == re.sub(
        r"Comparing `[^`]*` with `[^`]*`", "C", golden)
    assert "railsafe diff --base origin/main --format markdown" in readme
    assert (GOLDEN / "show.mmd").read_text(encoding="utf-8") in readme
    assert (GOLDEN / "show.txt").read_text(encoding="utf-8") in readme


def test_git_honours_exclude_settings(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`exclude` is relative to the settings file on both sides, the revision's too."""
    (repo / "railsafe.toml").write_text('exclude = ["backend/"]\n')
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "exclude backend")
    _git(repo, "checkout", "-q", "main")
    (repo / "railsafe.toml").write_text('exclude = ["backend/"]\n')
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "exclude backend on main too")
    monkeypatch.chdir(repo)
    code, out, _ = _run(["diff", "--base", "main", "--head", "feature", "--format", "json"])
    data = json.loads(out)
    assert {c["service"] for c in data["changes"]} == {"worker"}
    assert code == 0


@pytest.mark.parametrize(
    ("export", "shown"),
    [('"api"', "yes (api)"), ("true", "no (whole project)"), ('""', "no (whole project)")],
)
def test_show_reads_partial_as_the_cli_does(tmp_path: Path, export: str, shown: str) -> None:
    """`partial = true` is no partial to the Railway CLI (docs/facts.md F23)."""
    (tmp_path / ".railway").mkdir()
    (tmp_path / ".railway" / "railway.ts").write_text(
        'import { project, service } from "railway/iac";\n'
        f"export const partial = {export};\n"
        'export default () => project("p", { resources: [service("api", { start: "x" })] });\n'
    )
    result = CliRunner().invoke(app, ["show", str(tmp_path), "--format", "json"])
    partials = {view["partial"] for view in json.loads(result.stdout)["services"]}
    assert partials == {shown}

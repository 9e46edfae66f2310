"""Issue 10: what railsafe reads beyond the config files, and what it never reads.

The tree-wide pass (`railsafe.treescan`) behind RS306 / RS307; RS306's severities
and redaction in every format; symlinks that leave the tree, binary files and
directories named like a config file.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from railsafe.cli import app
from railsafe.engine import check
from railsafe.findings import Severity
from railsafe.pytest_plugin import REFUSED_EXIT_CODE
from railsafe.rules import find_rule
from railsafe.treescan import MAX_BYTES, scan_tree
from tests.conftest import TODAY

PASSWORD = "Tq8ZvN3kLm2XwR7pYc4HbJ"
RAILWAY_URL = f"postgresql://postgres:{PASSWORD}@roundhouse.proxy.rlwy.net:51234/railway"


def _cli(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_scan_respects_gitignore_size_binaries_and_symlinks(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "ignored").mkdir()
    (repo / "node_modules" / "pg").mkdir(parents=True)
    (repo / ".gitignore").write_text("ignored/\n*.local\n")
    (repo / "docs" / "runbook.md").write_text(f"psql {RAILWAY_URL}\n")
    (repo / "docs" / "plain.md").write_text("nothing to see\n")
    (repo / "ignored" / "notes.md").write_text(f"{RAILWAY_URL}\n")
    (repo / "notes.local").write_text(f"{RAILWAY_URL}\n")
    (repo / "node_modules" / "pg" / "x.js").write_text(f"'{RAILWAY_URL}'\n")
    (repo / "dump.bin").write_bytes(b"\0" + RAILWAY_URL.encode())
    (repo / "big.sql").write_text("-- x\n" * (MAX_BYTES // 5) + RAILWAY_URL + "\n")
    outside = tmp_path / "outside.md"
    outside.write_text(f"{RAILWAY_URL}\n")
    (repo / "linked.md").symlink_to(outside)
    scan = scan_tree(repo)
    assert [t.relpath for t in scan.texts] == ["docs/runbook.md"]
    assert scan.skipped_binary == 1
    assert scan.skipped_large == 1


def test_rs306_severity_by_host_and_redacted_everywhere(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "query.cjs").write_text(
        f'const a = "{RAILWAY_URL}";\n'
        f'const b = "postgres://app:{PASSWORD}@db.internal.acme-corp.io:5432/app";\n'
        f'const c = "postgres://app:{PASSWORD}@localhost:5432/app";\n'
    )
    rule = find_rule("RS306")
    assert rule is not None
    report = check([tmp_path], [rule], today=TODAY)
    got = [(f.span.line, f.severity) for f in report.findings]
    assert got == [(1, Severity.ERROR), (2, Severity.WARNING)]
    for fmt in ("text", "json", "sarif", "github", "markdown"):
        code, out, err = _cli("check", tmp_path, "--select", "RS306", "--format", fmt,
                              "--today", TODAY.isoformat())
        assert code == 1, (fmt, err)
        assert PASSWORD not in out + err, fmt


def test_rs306_caret_under_the_masked_password(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(f"Production: {RAILWAY_URL}\n")
    _, out, _ = _cli("check", tmp_path, "--select", "RS306", "--today", TODAY.isoformat())
    lines = out.splitlines()
    shown = next(i for i, line in enumerate(lines) if "Production:" in line)
    assert lines[shown + 1].index("^") == lines[shown].index("***")


def test_named_files_only_when_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "runbook.md").write_text(f"{RAILWAY_URL}\n")
    (tmp_path / ".env").write_text(f"# DATABASE_URL={RAILWAY_URL}\n")
    rule = find_rule("RS306")
    assert rule is not None
    report = check([tmp_path / ".env"], [rule], today=TODAY)
    assert [f.path for f in report.findings] == [".env"]


def test_symlink_leaving_the_tree_is_reported_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "railway.json").symlink_to(secret)
    for fmt in ("text", "json"):
        code, out, err = _cli("check", repo, "--format", fmt, "--today", TODAY.isoformat())
        assert code == 1
        assert "root:x" not in out + err
    _, out, _ = _cli("check", repo, "--format", "json", "--today", TODAY.isoformat())
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["path"]) for f in findings] == [("RS001", "railway.json")]
    assert "outside the checked tree" in findings[0]["message"]


def test_binary_config_has_no_code_frame(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_bytes(b'[deploy]\x00\x01startCommand = "x"\n')
    _, out, _ = _cli("check", tmp_path, "--select", "RS001", "--today", TODAY.isoformat())
    assert "binary file" in out
    assert " | " not in out  # no frame, no bytes


def test_directory_named_like_a_config_file_gets_a_note(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").mkdir()
    (tmp_path / "railway.toml" / "x.txt").write_text("x\n")
    code, _, err = _cli("check", tmp_path, "--today", TODAY.isoformat())
    assert code == 0
    assert "railway.toml: a directory named like a config file" in err


def test_refusal_exit_code_is_not_one_of_pytests() -> None:
    import pytest

    assert REFUSED_EXIT_CODE not in {int(c) for c in pytest.ExitCode}


def test_scan_nested_gitignores_deeper_wins(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "packages" / "api" / "docs").mkdir(parents=True)
    (repo / ".gitignore").write_text("*.local\n")
    (repo / "packages" / "api" / ".gitignore").write_text("!keep.local\ndocs/private.md\n")
    for name in ("drop.local", "keep.local", "docs/private.md", "docs/runbook.md"):
        (repo / "packages" / "api" / name).write_text(f"{RAILWAY_URL}\n")
    scan = scan_tree(repo)
    assert [t.relpath for t in scan.texts] == [
        "packages/api/docs/runbook.md", "packages/api/keep.local"]

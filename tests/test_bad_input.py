"""Bad input through the CLI: never a traceback, exit codes as in the contract.

Contract (../shared/docs/design.md): exit 1 when a finding is at or above
--fail-on (a file that does not parse is such a finding: RS001, located at the
parser's line and column); exit 2 for usage errors (unknown option, missing
path, unknown --format); errors are one line on stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from railsafe.cli import app
from tests.conftest import TODAY

BOM = b"\xef\xbb\xbf"


def run(*args: str | Path) -> Any:
    runner = CliRunner()
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=True)
    # CliRunner catches what `main()` would turn into "internal error": show it
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}"
    )
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stderr
    return result


def check_json(*args: str | Path) -> tuple[int, list[dict[str, Any]], str]:
    result = run("check", "--format", "json", "--today", TODAY.isoformat(), *args)
    report = json.loads(result.stdout)
    return result.exit_code, report["findings"], result.stderr


def rs001(findings: list[dict[str, Any]]) -> list[tuple[str, int, int]]:
    return [(f["path"], f["line"], f["column"]) for f in findings if f["rule"] == "RS001"]


def only_cutoff_errors(findings: list[dict[str, Any]]) -> bool:
    """The only errors are RS005's: the tests run after Railway's Config as Code cutoff."""
    errors = {f["rule"] for f in findings if f["severity"] == "error"}
    return errors == {"RS005"}


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# -- files that do not parse: a located RS001, exit 1 ---------------------------------
@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("railway.toml", b'[deploy\nstartCommand = "x"\n', (1, 8)),
        ("railway.toml", b'[deploy]\nstartCommand = "x\n', (2, 18)),
        ("nixpacks.toml", b'{"providers": ["node"]}\n', (1, 1)),  # JSON under a .toml name
        ("railway.json", b'{\n  "deploy": {"startCommand": "x",}\n}\n', (2, 34)),
        ("railway.json", b'{"build": {}}\n}\n', (2, 1)),
        ("railway.json", b"", (1, 1)),
        ("railpack.json", b'{"deploy": {"startCommand": "x"}', (1, 33)),
    ],
    ids=["toml-header", "toml-string", "json-in-toml", "json-comma", "json-extra", "json-empty",
         "jsonc-eof"],
)
def test_syntax_error_is_located(tmp_path: Path, name: str, content: bytes, where: tuple) -> None:
    (tmp_path / name).write_bytes(content)
    code, findings, _ = check_json(tmp_path)
    assert rs001(findings) == [(name, *where)]
    assert code == 1


def test_binary_file(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_bytes(bytes(range(256)) * 4)
    code, findings, _ = check_json(tmp_path)
    assert rs001(findings) == [("railway.toml", 1, 1)]
    assert code == 1


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_bytes(b'[deploy]\nstartCommand = "caf\xe9"\n')
    code, findings, _ = check_json(tmp_path)
    assert rs001(findings) == [("railway.toml", 2, 20)]
    assert code == 1


def test_huge_file(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_bytes(b"# padding\n" * (220 * 1024))  # > 2 MiB
    code, findings, _ = check_json(tmp_path)
    assert rs001(findings) == [("railway.toml", 1, 1)]
    assert "MiB" in next(f["message"] for f in findings if f["rule"] == "RS001")
    assert code == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("railway.toml", "a = " + "[" * 100_000),
        ("railway.toml", "a = " + "{b = " * 100_000),
        ("railway.json", "[" * 100_000),
        ("railway.json", '{"a":' * 100_000),
        ("railpack.json", "[" * 100_000),
    ],
    ids=["toml-arrays", "toml-tables", "json-arrays", "json-objects", "jsonc-arrays"],
)
def test_absurdly_deep_nesting(tmp_path: Path, name: str, content: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    code, findings, _ = check_json(tmp_path)
    assert rs001(findings) and rs001(findings)[0][0] == name
    assert code == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("railway.json", '{"deploy": {"x": ' + '{"a": ' * 400 + "1" + "}" * 400 + "}}"),
        ("railway.toml", "[deploy]\nx = " + "[" * 400 + "1" + "]" * 400 + "\n"),
        ("railpack.json", '{"steps": ' + "[" * 400 + "]" * 400 + "}"),
    ],
    ids=["json", "toml", "jsonc"],
)
def test_deep_but_valid_nesting(tmp_path: Path, name: str, content: str) -> None:
    """Parses fine, so whatever rules say about it, they must not crash."""
    (tmp_path / name).write_text(content, encoding="utf-8")
    code, findings, _ = check_json(tmp_path)
    assert not rs001(findings)
    assert code in (0, 1)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "railway.toml"
    path.write_text('[deploy]\nstartCommand = "x"\n', encoding="utf-8")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user that can read a chmod 000 file (root)")
        code, findings, _ = check_json(tmp_path)
        assert rs001(findings) == [("railway.toml", 1, 1)]
        assert code == 1
    finally:
        path.chmod(0o644)


def test_symlink_loops(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "svc").mkdir(parents=True)
    (repo / "svc" / "railway.toml").write_text('[deploy]\nstartCommand = "x"\n', encoding="utf-8")
    (repo / "svc" / "loop").symlink_to("..", target_is_directory=True)
    (repo / "self").symlink_to(repo, target_is_directory=True)
    (repo / "railway.json").symlink_to("railway.json")  # a file symlink to itself
    (repo / "nixpacks.toml").symlink_to("railpack.json")
    (repo / "railpack.json").symlink_to("nixpacks.toml")  # a two-link cycle
    code, findings, _ = check_json(repo)
    assert {f["path"] for f in findings} <= {"svc/railway.toml", "railway.json", "nixpacks.toml",
                                             "railpack.json"}
    assert code in (0, 1)


def test_explicit_symlink_loop_is_a_usage_error(tmp_path: Path) -> None:
    loop = tmp_path / "railway.toml"
    loop.symlink_to("railway.toml")
    result = run("check", loop)
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith("railsafe: ")


# -- files that parse: no RS001 --------------------------------------------------------
def test_empty_toml(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_bytes(b"")
    (tmp_path / "nixpacks.toml").write_bytes(b"\n\n# nothing\n")
    code, findings, _ = check_json(tmp_path)
    assert not rs001(findings)
    assert code == 1 and only_cutoff_errors(findings)


def test_bom(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_bytes(BOM + b'[deploy]\nstartCommand = "npm start"\n')
    (tmp_path / "nixpacks.toml").write_bytes(BOM + b'[start]\ncmd = "npm start"\n')
    (tmp_path / "railpack.json").write_bytes(BOM + b'{"deploy": {"startCommand": "x"}}\n')
    code, findings, _ = check_json(tmp_path)
    assert not rs001(findings)
    assert code == 1 and only_cutoff_errors(findings)


def test_bom_and_typo_on_line_two(tmp_path: Path) -> None:
    (tmp_path / "railway.json").write_bytes(BOM + b'{\n"deploy": {"startComand": "x"}}\n')
    code, findings, _ = check_json(tmp_path)
    errors = [(f["rule"], f["line"], f["column"]) for f in findings if f["severity"] == "error"]
    assert errors == [("RS005", 2, 1), ("RS002", 2, 12)]
    assert code == 1


def test_bom_and_typo_on_line_one(tmp_path: Path) -> None:
    (tmp_path / "railway.json").write_bytes(BOM + b'{"deploy": {"startComand": "x"}}\n')
    _, findings, _ = check_json(tmp_path)
    # `{"deploy": {` is 12 characters; the BOM before it is not a column
    assert [(f["rule"], f["line"], f["column"]) for f in findings if f["rule"] == "RS002"] == [
        ("RS002", 1, 13)
    ]


def test_crlf(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_bytes(b'[deploy]\r\nstartComand = "npm start"\r\n')
    code, findings, _ = check_json(tmp_path)
    assert [(f["rule"], f["line"], f["column"]) for f in findings if f["rule"] == "RS002"] == [
        ("RS002", 2, 1)
    ]
    assert code == 1
    text = run("check", "--today", TODAY.isoformat(), tmp_path)
    assert "\r" not in text.stdout


# -- usage errors: exit 2, one line ------------------------------------------------------
def test_missing_path(tmp_path: Path) -> None:
    result = run("check", tmp_path / "nope")
    assert result.exit_code == 2
    assert "nope" in one_line(result.stderr)


def test_unknown_format(tmp_path: Path) -> None:
    result = run("check", "--format", "xml", tmp_path)
    assert result.exit_code == 2
    assert "xml" in one_line(result.stderr)


def test_unknown_option(tmp_path: Path) -> None:
    result = run("check", "--bogus", tmp_path)
    assert result.exit_code == 2
    assert "--bogus" in result.stderr  # click prints usage lines before the error


@pytest.mark.parametrize(
    "args",
    [("--fail-on", "fatal"), ("--today", "26/11/2026"), ("--select", "RS999")],
    ids=["fail-on", "today", "select"],
)
def test_bad_option_value(tmp_path: Path, args: tuple[str, str]) -> None:
    result = run("check", *args, tmp_path)
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith("railsafe: ")


def test_real_process(tmp_path: Path) -> None:
    """The console path (`python -m railsafe`), not CliRunner: exit code and streams."""
    (tmp_path / "railway.toml").write_bytes(b'[deploy\nstartCommand = "x"\n')
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "railsafe", "check", "--today", TODAY.isoformat(), str(tmp_path)],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "railway.toml:1:8" in proc.stdout
    assert "RS001" in proc.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "railsafe", "check", str(tmp_path / "nope")],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )
    assert missing.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1

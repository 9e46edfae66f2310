"""Settings files, inline suppressions and exit codes, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from railsafe.cli import app

runner = CliRunner()
BAD = '[build]\nbuilder = "RAILPACK"\ntestCommand = "echo skip"\n'


def _run(*args: str, today: str = "2026-12-04") -> tuple[int, dict]:
    result = runner.invoke(app, ["check", *args, "--format", "json", "--today", today])
    payload = json.loads(result.stdout) if result.stdout.startswith("{") else {}
    return result.exit_code, payload


def _rules(payload: dict) -> list[str]:
    return [f"{f['rule']}@{f['line']}:{f['column']}" for f in payload["findings"]]


def test_exit_codes_follow_fail_on(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(BAD)
    assert _run(str(tmp_path))[0] == 1
    assert _run(str(tmp_path), "--fail-on", "never")[0] == 0
    # RS005 is a warning before Railway's cutoff (2026-12-01), an error from then on
    before = "2026-11-30"
    assert _run(str(tmp_path), "--select", "RS005", today=before)[0] == 0
    assert _run(str(tmp_path), "--select", "RS005", "--fail-on", "warning", today=before)[0] == 1
    assert _run(str(tmp_path), "--select", "RS005", today="2026-12-01")[0] == 1


def test_rules_and_explain_show_the_severity_check_uses() -> None:
    before = runner.invoke(app, ["rules", "--today", "2026-11-30"]).stdout
    after = runner.invoke(app, ["rules", "--today", "2026-12-01"]).stdout
    line = "RS005  config-as-code-deprecated            {:<8} Railway stops reading"
    assert line.format("warning") in before and line.format("error") in after
    explained = runner.invoke(app, ["explain", "RS005", "--today", "2026-12-04"]).stdout
    assert explained.startswith(
        "RS005 config-as-code-deprecated (error; warning, error from 2026-12-01)\n"
    )


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["check", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(app, ["check", str(tmp_path), "--format", "xml"]).exit_code == 2
    assert runner.invoke(app, ["check", str(tmp_path), "--select", "RS999"]).exit_code == 2
    assert runner.invoke(app, ["check", str(tmp_path), "--today", "tomorrow"]).exit_code == 2
    assert runner.invoke(app, ["check", "--no-such-option"]).exit_code == 2
    assert runner.invoke(app, ["explain", "RS999"]).exit_code == 2
    assert runner.invoke(app, ["check", "/dev/null"]).exit_code == 2  # not a file or directory


def test_select_by_prefix_and_name(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(BAD)
    _, by_prefix = _run(str(tmp_path), "--select", "RS00")
    _, by_name = _run(str(tmp_path), "--select", "test-command")
    assert _rules(by_name) == ["RS004@3:1"]
    assert "RS004@3:1" in _rules(by_prefix) and "RS005@1:1" in _rules(by_prefix)


def test_pyproject_settings_apply_and_cli_wins(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(BAD)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.railsafe]\nignore = ["RS004"]\nfail-on = "warning"\n'
    )
    code, payload = _run(str(tmp_path), today="2026-11-30")
    assert _rules(payload) == ["RS005@1:1"] and code == 1
    code, _ = _run(str(tmp_path), "--fail-on", "error", today="2026-11-30")
    assert code == 0


def test_railsafe_toml_exclude(tmp_path: Path) -> None:
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "railway.toml").write_text(BAD)
    (tmp_path / "railsafe.toml").write_text('exclude = ["legacy/"]\n')
    assert _run(str(tmp_path))[1]["findings"] == []


def test_bad_settings_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "railsafe.toml").write_text('selcet = ["RS1"]\n')
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown railsafe setting(s): selcet" in result.stderr


def test_inline_ignore_on_the_line_and_above(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(
        "[build]\n"
        "# railsafe: ignore[RS004] kept until the migration lands\n"
        'testCommand = "echo skip"\n'
        'testCmd = "x"  # railsafe: ignore[test-command]\n'
        'test_command = "y"\n'
    )
    _, payload = _run(str(tmp_path), "--select", "RS004")
    assert _rules(payload) == ["RS004@5:1"]
    _, payload = _run(str(tmp_path), "--select", "RS004", "--no-ignores")
    assert _rules(payload) == ["RS004@3:1", "RS004@4:1", "RS004@5:1"]


def test_file_level_ignore(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(
        '# railsafe: ignore-file[RS005] migrating in PR 42\n[build]\nbuilder = "RAILPACK"\n'
    )
    _, payload = _run(str(tmp_path), "--select", "RS005")
    assert payload["findings"] == []


def test_text_output_has_location_and_code_frame(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(BAD)
    result = runner.invoke(app, ["check", str(tmp_path), "--select", "RS004"])
    lines = result.stdout.splitlines()
    assert lines[0].startswith("railway.toml:3:1: error RS004 test-command:")
    assert lines[2] == '  3 | testCommand = "echo skip"'
    assert lines[3].endswith("^" * len('testCommand = "echo skip"'))
    assert "\x1b[" not in result.stdout  # no colour off a terminal


def test_rules_and_explain_share_the_docstring() -> None:
    listing = runner.invoke(app, ["rules"]).stdout
    assert "RS004  test-command" in listing
    doc = runner.invoke(app, ["explain", "test-command"]).stdout
    assert doc.startswith("RS004 test-command (error)")
    assert "## Why it matters on Railway" in doc


def test_pytest_plugin_keys_are_valid_settings(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(BAD)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.railsafe]\n"
        'database-url-variables = ["APP_DB_URL"]\n'
        'allow-database-urls = ["postgresql://*@localhost:5432/app_dev"]\n'
        'allow-railway-environments = ["pr-*"]\n'
    )
    code, payload = _run(str(tmp_path), "--select", "RS004")
    assert code == 1 and _rules(payload) == ["RS004@3:1"]


def test_a_crashing_rule_loses_nothing_else(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from railsafe import rules as registry

    def explode(ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom postgresql://u:hunter2@h/db")
        yield

    broken = registry.find_rule("RS005")
    assert broken is not None
    monkeypatch.setitem(
        registry._RULES, "RS005", registry.Rule("RS005", broken.name, broken.severity, explode, "x")
    )
    (tmp_path / "railway.toml").write_text(BAD)
    result = runner.invoke(app, ["check", str(tmp_path), "--format", "json"])
    assert result.exit_code == 3
    assert "internal error in RS005" in result.stderr and "hunter2" not in result.stderr
    assert any(f["rule"] == "RS004" for f in json.loads(result.stdout)["findings"])


def test_settings_are_found_above_the_checked_directory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "railsafe.toml").write_text('ignore = ["RS005"]\nexclude = ["legacy/"]\n')
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "railway.toml").write_text(BAD)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "railway.toml").write_text(BAD)
    _, payload = _run(str(tmp_path / "api"))
    assert _rules(payload) == ["RS004@3:1"]  # RS005 ignored by the root settings
    # exclude patterns are relative to the settings file, wherever the check starts
    assert _run(str(tmp_path / "legacy"))[1]["findings"] == []
    # ...but a file named on the command line is always checked
    _, payload = _run(str(tmp_path / "legacy" / "railway.toml"))
    assert _rules(payload) == ["RS004@3:1"]


def test_command_line_select_wins_over_settings_ignore(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(BAD)
    (tmp_path / "railsafe.toml").write_text('ignore = ["RS0"]\n')
    assert _run(str(tmp_path))[1]["findings"] == []
    _, payload = _run(str(tmp_path), "--select", "RS005")
    assert _rules(payload) == ["RS005@1:1"]


def test_config_option_reads_a_tool_railsafe_table(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(BAD)
    other = tmp_path / "ci.toml"
    other.write_text('[tool.railsafe]\nignore = ["RS005"]\n')
    _, payload = _run(str(tmp_path), "--config", str(other))
    assert _rules(payload) == ["RS004@3:1"]
    empty = tmp_path / "empty.toml"
    empty.write_text("[tool.other]\nx = 1\n")
    result = runner.invoke(app, ["check", str(tmp_path), "--config", str(empty)])
    assert result.exit_code == 2 and "no [tool.railsafe] table" in result.stderr


def test_empty_path_and_unknown_files(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", ""])
    assert result.exit_code == 2 and "empty path" in result.stderr
    readme = tmp_path / "README.md"
    readme.write_text("# hello\n")
    result = runner.invoke(app, ["check", str(readme)])
    assert result.exit_code == 0 and "not a file railsafe checks; skipped" in result.stderr


def test_bare_ignore_silences_every_rule_on_the_line(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(
        '[build]\ntestCommand = "x"  # railsafe: ignore\ntestCmd = "y"\n'
    )
    _, payload = _run(str(tmp_path), "--select", "RS004")
    assert _rules(payload) == ["RS004@3:1"]

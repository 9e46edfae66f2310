"""The README shows real output: its example block is what `railsafe check` prints."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from railsafe.cli import app
from tests.conftest import REPO, TODAY


def test_readme_example_output_is_current() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- example:start -->\n```text\n(.*?)```\n<!-- example:end -->", readme, re.S
    )
    assert block, "README lost its example block"
    result = CliRunner().invoke(
        app, ["check", str(REPO / "examples" / "incident"), "--today", TODAY.isoformat()]
    )
    assert result.stdout == block[1], "update the README example with the real output"


def test_readme_names_the_test_command_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest -q" in readme and "python -m pytest -q" in ci

"""Rewrite the README's example block with the real output of the incident example."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from typer.testing import CliRunner

from railsafe.cli import app

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-12-04"  # the date the tests pin (tests/conftest.py)


def main() -> int:
    readme_path = REPO / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    result = CliRunner().invoke(
        app, ["check", str(REPO / "examples" / "incident"), "--today", TODAY]
    )
    block = f"<!-- example:start -->\n```text\n{result.stdout}```\n<!-- example:end -->"
    updated = re.sub(
        r"<!-- example:start -->.*?<!-- example:end -->", lambda _: block, readme, flags=re.S
    )
    readme_path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

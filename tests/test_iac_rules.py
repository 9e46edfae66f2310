"""IaC rules (RS5xx) beyond what a fixture's expected.txt can say: fix texts per language."""

from __future__ import annotations

import pytest

from railsafe.engine import check
from railsafe.rules import find_rule
from tests.conftest import FIXTURES, TODAY

RULES = FIXTURES / "rules"


@pytest.mark.parametrize(
    ("case", "fix"),
    [
        ("RS508/bad-whole-project", 'export const partial = "<name>"'),
        ("RS508/bad-whole-project-go", 'const Partial = "<name>"'),
    ],
)
def test_not_partial_fix_is_in_the_file_s_language(case: str, fix: str) -> None:
    rule = find_rule("RS508")
    assert rule is not None
    report = check([RULES / case], [rule], today=TODAY)
    assert [f.fix for f in report.findings] == [fix]


def test_not_partial_fix_for_python(tmp_path) -> None:  # type: ignore[no-untyped-def]
    railway = tmp_path / ".railway"
    railway.mkdir()
    (railway / "railway.py").write_text(
        "from railway_sdk import define_railway, project, service\n\n\n"
        "@define_railway\ndef main(ctx=None):\n"
        '    return project("shop", resources=[service("api", start="./server")])\n',
        encoding="utf-8",
    )
    rule = find_rule("RS508")
    assert rule is not None
    report = check([tmp_path], [rule], today=TODAY)
    assert [f.fix for f in report.findings] == ['PARTIAL = "<name>" at module level']

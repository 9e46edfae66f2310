"""Every rule fires on its `bad-*` fixtures and stays silent on its `good-*` ones.

Layout: tests/fixtures/rules/<RULE_ID>/<bad-or-good>-<case>/ is a small
repository. `expected.txt` in a bad case lists one finding of that rule per
line as `path:line:col: message` (paths relative to the case directory; the
message must match exactly, so a changed message is a failing test, not only
a moved one); a good case has no (or an empty) expected.txt and must produce
no finding of that rule. An optional
`today.txt` holds the date (YYYY-MM-DD) dated rules evaluate against; an
optional `railsafe.toml` its settings (`allow-error-suppressions`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from railsafe.config import load_settings
from railsafe.engine import check
from railsafe.rules import all_rules, find_rule
from tests.conftest import FIXTURES, TODAY

RULE_FIXTURES = FIXTURES / "rules"
CASES = sorted(p for p in RULE_FIXTURES.glob("RS*/*") if p.is_dir())


def _expected(case: Path) -> set[str]:
    path = case / "expected.txt"
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")}


def _today(case: Path) -> dt.date:
    path = case / "today.txt"
    return dt.date.fromisoformat(path.read_text().strip()) if path.exists() else TODAY


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rule_case(case: Path) -> None:
    rule = find_rule(case.parent.name)
    assert rule is not None, f"fixture folder names an unknown rule: {case.parent.name}"
    settings = load_settings(case) if (case / "railsafe.toml").is_file() else None
    allow = settings.allow_error_suppressions if settings is not None else True
    # suppression hygiene is about the other rules' findings: run them all, keep this one's
    every = rule.id in ("RS021", "RS022")
    report = check([case], all_rules() if every else [rule], today=_today(case),
                   allow_error_suppressions=allow)
    report.findings = [f for f in report.findings if f.rule == rule.id]
    expected = _expected(case)
    bare = sorted(line for line in expected if ": " not in line)
    assert not bare, f"{case}: expected lines need their message: {bare}"
    got = {f"{f.path}:{f.span.line}:{f.span.column}: {f.message}" for f in report.findings}
    if case.name.startswith("bad-"):
        assert expected, f"{case}: a bad case needs expected.txt"
    else:
        assert case.name.startswith("good-"), f"{case}: name cases bad-* or good-*"
    assert got == expected


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_rule_has_both_kinds_of_fixture(rule) -> None:  # type: ignore[no-untyped-def]
    folder = RULE_FIXTURES / rule.id
    names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    assert any(n.startswith("bad-") for n in names), f"{rule.id} has no bad-* fixture"
    assert any(n.startswith("good-") for n in names), f"{rule.id} has no good-* fixture"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_every_rule_is_documented(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.summary, f"{rule.id} has no docstring"
    for heading in ("## What it finds", "## Why it matters on Railway", "## Fix"):
        assert heading in rule.doc, f"{rule.id} docstring lacks {heading!r}"

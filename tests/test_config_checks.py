"""Value checks beyond the schemas: cron timing and ranges, Nixpacks aliases, Railpack forms."""

import pytest

from railsafe.config_checks import cron_problem, semantic_issues


@pytest.mark.parametrize(
    "expression",
    [
        "*/5 * * * *",
        "0 3 * * *",
        "0,30 * * * *",
        "15 9 1 jan-jun mon-fri",
        "0 */2 * * *",
        "55 * * * *",
        "0 0 29 2 *",
    ],
)
def test_cron_accepted(expression: str) -> None:
    assert cron_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("* * * * *", "1 minute(s) apart"),
        ("*/2 * * * *", "2 minute(s) apart"),
        ("0,3 * * * *", "3 minute(s) apart"),
        ("58 * * * *", None),  # once an hour: fine
        ("0,58 * * * *", "2 minute(s) apart"),  # 58 then 0 of the next hour
        ("0,58 0,23 * * *", "2 minute(s) apart"),  # 23:58 then 00:00
        ("61 * * * *", "outside 0-59"),
        ("0 25 * * *", "outside 0-23"),
        ("0 0 0 * *", "outside 1-31"),
        ("0 0 * 13 *", "outside 1-12"),
        ("0 0 * * funday", "not a valid day of week"),
        ("*/0 * * * *", "not a positive number"),
    ],
)
def test_cron_rejected(expression: str, words: str | None) -> None:
    problem = cron_problem(expression)
    if words is None:
        assert problem is None
    else:
        assert problem is not None and words in problem


def test_nixpacks_alias_and_field_together() -> None:
    issues = semantic_issues(
        {"phases": {"setup": {"nixPkgs": ["a"], "nixPackages": ["b"]}}}, "nixpacks"
    )
    assert [i[0] for i in issues] == [("phases", "setup", "nixPackages")]
    assert semantic_issues({"phases": {"setup": {"nixPackages": ["b"]}}}, "nixpacks") == []


@pytest.mark.parametrize(
    ("text", "broken"),
    [
        ('{"a": 1,}', False),
        ('{"a": [1, 2,],}', False),
        ("{,}", True),
        ("[,]", True),
        ('{"a": 1} /* unterminated', True),
        ('{"a": 1 // comment\n}', False),
    ],
)
def test_jsonc_accepts_what_railpack_accepts(text: str, broken: bool) -> None:
    from railsafe.loaders import parse_json

    _, error = parse_json(text, jsonc=True)
    assert (error is not None) == broken

"""The generated rule docs and the README's rules table match the code."""

from railsafe.docs import main


def test_rule_docs_are_fresh() -> None:
    assert main(["--check"]) == 0, "run `python -m railsafe.docs` and commit the result"

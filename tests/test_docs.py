"""The generated rule docs and the README's rules table match the code."""

from railsafe.docs import main


def test_rule_docs_are_fresh() -> None:
    assert main(["--check"]) == 0, "run `python -m railsafe.docs` and commit the result"


def test_a_rule_is_found_from_its_id() -> None:
    """Rule `RSnnn some-name` is the function `some_name` in a `railsafe/rules/` module, and its
    fixtures are `tests/fixtures/rules/RSnnn/`: the docs' index table says which module."""
    from railsafe.rules import all_rules
    from tests.conftest import REPO

    for r in all_rules():
        assert r.check.__name__ == r.name.replace("-", "_"), r.id
        assert r.check.__module__.startswith("railsafe.rules."), r.id
        assert (REPO / "tests" / "fixtures" / "rules" / r.id).is_dir(), r.id

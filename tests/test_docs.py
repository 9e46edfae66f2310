"""The generated rule docs and the README's rules table match the code."""

import re
from pathlib import Path

import pytest

from railsafe.docs import main
from tests.conftest import REPO


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


_CITATION = re.compile(r"(railway-facts|railway-iac)(?:\.md)? ((?:§[\d.]*\d(?:, )?)+)")
_SHARED = REPO.parent / "shared" / "docs"


def _cited_files() -> list[Path]:
    files = [*(REPO / "railsafe").rglob("*.py"), *(REPO / "schemas").glob("*.json"),
             REPO / "README.md", *(REPO / "docs").glob("*.md")]
    return [p for p in files if p.name not in ("railway-facts.md", "railway-iac.md")]


def _sections(text: str) -> set[str]:
    """Numbered headings (`### 1.3 ...`), and `0.N` for item N of section 0's list (the
    documents cite their summary points that way)."""
    found = set(re.findall(r"^#+ ([\d.]*\d)\.? ", text, re.M))
    summary = re.search(r"^## 0\. .*?(?=^## )", text, re.M | re.S)
    if summary:
        found |= {f"0.{n}" for n in re.findall(r"^(\d+)\. ", summary[0], re.M)}
    return found


def test_citations_of_the_research_documents_resolve() -> None:
    """`railway-facts §N` / `railway-iac.md §N` in code, messages, schemas and docs name a
    section of the copy vendored in docs/, so every citation resolves inside the repository."""
    headings = {name: _sections((REPO / "docs" / f"{name}.md").read_text(encoding="utf-8"))
                for name in ("railway-facts", "railway-iac")}
    missing = []
    for path in _cited_files():
        for name, sections in _CITATION.findall(path.read_text(encoding="utf-8")):
            for section in re.findall(r"§([\d.]*\d)", sections):
                if section not in headings[name]:
                    missing.append(f"{path.relative_to(REPO)}: {name} §{section}")
    assert not missing, "citations of sections that do not exist:\n" + "\n".join(missing)


def test_facts_cited_by_number_exist() -> None:
    """`docs/facts.md Fnn` in code and docs names a row of docs/facts.md."""
    facts = set(re.findall(r"^\| (F\d+) \|", (REPO / "docs" / "facts.md").read_text(
        encoding="utf-8"), re.M))
    missing = [f"{p.relative_to(REPO)}: {f}" for p in _cited_files()
               for f in re.findall(r"docs/facts\.md (F\d+)", p.read_text(encoding="utf-8"))
               if f not in facts]
    assert not missing, "\n".join(missing)


@pytest.mark.skipif(not _SHARED.is_dir(), reason="../shared is not beside the checkout "
                    "(a user's clone): nothing to compare the vendored copies with")
@pytest.mark.parametrize("name", ["railway-facts.md", "railway-iac.md"])
def test_vendored_research_documents_match_the_shared_ones(name: str) -> None:
    vendored = (REPO / "docs" / name).read_text(encoding="utf-8")
    _, _, body = vendored.partition("-->\n\n")
    assert body == (_SHARED / name).read_text(encoding="utf-8"), (
        f"docs/{name} differs from ../shared/docs/{name}: copy it again")

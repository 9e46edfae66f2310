"""railsafe over every real config file in ../shared/corpus (issue 2, item 8).

- no crash on any file;
- the number of files that parse is pinned (tomllib reads TOML 1.0, so two
  files with multi-line inline tables, valid TOML 1.1, do not parse; two
  nixpacks.toml files hold JSON; one railway.json is broken), and each that
  does not parse gets exactly one RS001 at the parser's position;
- the ERROR findings per file, compared as `RULE line:col`, equal the reviewed
  list in tests/corpus/expected_errors.json. After a rule change, run
  `python scripts/corpus_review.py` to see the difference and
  `python scripts/corpus_review.py --update` to accept it, then review the diff.
"""

from __future__ import annotations

import pytest

from tests.corpus import harness

if not (harness.CORPUS / "MANIFEST.tsv").is_file():
    pytest.skip(
        f"corpus not found at {harness.CORPUS} (the shared corpus sits beside the repository)",
        allow_module_level=True,
    )

FILES = 373
PARSE = 368
DO_NOT_PARSE = {
    "nixpacks-toml/037__1kailas__Stray_Care__backend-node__nixpacks.toml": "1:1",  # JSON
    "nixpacks-toml/054__Arun-Kumar21__mist__server__nixpacks.toml": "1:1",  # JSON
    "railway-json/099__railwayapp__railpack__railway.json": "11:1",  # extra `}`
    "railway-toml/088__1gassner__energy-management-mvp__backend__railway.toml": "12:14",  # TOML 1.1
    "railway-toml/089__1gassner__energy-management-mvp__railway.toml": "11:14",  # TOML 1.1
}


@pytest.fixture(scope="module")
def found() -> dict[str, list[str]]:
    return harness.errors()


def test_corpus_parse_count() -> None:
    files = harness.corpus_files()
    assert len(files) == FILES
    failures = harness.parse_failures(files)
    assert {name: error.split(" ", 1)[0] for name, error in failures.items()} == DO_NOT_PARSE
    assert len(files) - len(failures) == PARSE


def test_corpus_syntax_errors_are_reported(found: dict[str, list[str]]) -> None:
    rs001 = {
        name: [harness.compare_key(e).split(" ")[1] for e in lines if e.startswith("RS001 ")]
        for name, lines in found.items()
    }
    assert {name: spots for name, spots in rs001.items() if spots} == {
        name: [where] for name, where in DO_NOT_PARSE.items()
    }


def test_corpus_errors_match_reviewed_list(found: dict[str, list[str]]) -> None:
    difference = harness.diff(harness.read_expected(), found)
    assert not difference, (
        "ERROR findings on the corpus changed (- reviewed, + now). Check each new one is true, "
        "then run `python scripts/corpus_review.py --update`:\n" + "\n".join(difference)
    )


def test_after_the_cutoff_only_rs005_is_added(found: dict[str, list[str]]) -> None:
    """From 2026-12-01 every railway.toml / railway.json gains one RS005 error, and the
    analysis of the files is otherwise unchanged: no finding is lost or moved."""
    from tests.conftest import TODAY

    after = harness.errors(today=TODAY)
    added: dict[str, list[str]] = {}
    for name in sorted(set(found) | set(after)):
        before_keys = {harness.compare_key(e) for e in found.get(name, [])}
        after_keys = {harness.compare_key(e) for e in after.get(name, [])}
        assert before_keys <= after_keys, f"{name} lost {before_keys - after_keys}"
        added[name] = sorted(k.split(" ")[0] for k in after_keys - before_keys)
    railway = [f.name for f in harness.corpus_files() if f.kind in ("railway-toml", "railway-json")]
    assert {name: rules for name, rules in added.items() if rules} == {
        name: ["RS005"] for name in railway
    }

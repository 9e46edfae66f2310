"""Run railsafe over every file of the shared corpus; shared by the test and the review script.

Each corpus file is copied, under the name Railway gives it (`railway.toml`,
`nixpacks.toml`, ...), into a directory of its own and checked there, so it is
checked as the kind MANIFEST.tsv says it is (corpus names such as
`070__railwayapp__nixpacks__...__nixpacks.toml` would fool a name-based guess)
and no rule sees another file. "Today" is fixed so dated rules stay put.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from railsafe.findings import Severity
from railsafe.loaders import CONFIG_FILES, load

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
EXPECTED = Path(__file__).resolve().parent / "expected_errors.json"
TODAY = dt.date(2026, 11, 26)
MESSAGE_CHARS = 90

# kind -> the file name Railway reads
FILE_NAMES = {kind: name for name, (kind, _) in CONFIG_FILES.items()}


class CorpusCrash(Exception):
    """railsafe raised on a corpus file."""


@dataclass(frozen=True)
class CorpusFile:
    name: str  # path inside the corpus, e.g. "railway-toml/001__...__railway.toml"
    kind: str

    @property
    def path(self) -> Path:
        return CORPUS / self.name

    @property
    def syntax(self) -> str:
        return CONFIG_FILES[FILE_NAMES[self.kind]][1]


def corpus_files() -> list[CorpusFile]:
    rows = (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    files = [CorpusFile(*row.split("\t")[:2]) for row in rows if row.strip()]
    return sorted(files, key=lambda f: f.name)


def parse_failures(files: list[CorpusFile]) -> dict[str, str]:
    """Corpus file -> load error, for the files that do not parse."""
    failures = {}
    for f in files:
        doc = load(f.path, FILE_NAMES[f.kind], f.kind, f.syntax)
        if doc.error is not None:
            failures[f.name] = f"{doc.error.span.line}:{doc.error.span.column} {doc.error.message}"
    return failures


def line_of(rule: str, line: int, column: int, message: str) -> str:
    message = " ".join(message.split())
    if len(message) > MESSAGE_CHARS:
        message = message[: MESSAGE_CHARS - 1] + "…"
    return f"{rule} {line}:{column} {message}"


def compare_key(entry: str) -> str:
    """What the test compares: `RS002 12:3` (the message is for the reviewer)."""
    return " ".join(entry.split(" ", 2)[:2])


def _checked(files: list[CorpusFile]) -> Iterator[tuple[CorpusFile, Path]]:
    with tempfile.TemporaryDirectory(prefix="railsafe-corpus-") as tmp:
        for i, f in enumerate(files):
            directory = Path(tmp) / f"{i:03d}"
            directory.mkdir()
            target = directory / FILE_NAMES[f.kind]
            shutil.copyfile(f.path, target)
            yield f, directory


def errors(
    files: list[CorpusFile] | None = None, today: dt.date = TODAY
) -> dict[str, list[str]]:
    """Corpus file -> its ERROR findings as `RULE line:col message`, files with none left out.

    Reviewed as of TODAY, before Railway's Config as Code cutoff; `today` checks another day.
    """
    from railsafe.engine import check

    found: dict[str, list[str]] = {}
    for f, directory in _checked(files if files is not None else corpus_files()):
        try:
            report = check([directory], today=today)
        except Exception as exc:  # name the file: the promise is no crash on any of them
            raise CorpusCrash(f"{f.name}: {type(exc).__name__}: {exc}") from exc
        lines = [
            line_of(x.rule, x.span.line, x.span.column, x.message)
            for x in report.findings
            if x.severity >= Severity.ERROR
        ]
        if lines:
            found[f.name] = sorted(set(lines), key=_order)
    return found


def _order(entry: str) -> tuple[int, int, str]:
    rule, where, *_ = entry.split(" ", 2)
    line, column = where.split(":")
    return int(line), int(column), rule


def read_expected() -> dict[str, list[str]]:
    if not EXPECTED.exists():
        return {}
    data = json.loads(EXPECTED.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def write_expected(found: dict[str, list[str]]) -> None:
    data: dict[str, object] = {
        "_comment": (
            "ERROR findings of railsafe on ../shared/corpus, reviewed: every entry must be true. "
            "Regenerate with `python scripts/corpus_review.py --update`, then review the diff."
        )
    }
    data.update(dict(sorted(found.items())))
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    EXPECTED.write_text(text, encoding="utf-8")


def diff(expected: dict[str, list[str]], found: dict[str, list[str]]) -> list[str]:
    """Readable per-file differences, compared on `RULE line:col` only."""
    out = []
    for name in sorted(set(expected) | set(found)):
        old = {compare_key(e): e for e in expected.get(name, [])}
        new = {compare_key(e): e for e in found.get(name, [])}
        if old.keys() == new.keys():
            continue
        out.append(name)
        for key in sorted(old.keys() | new.keys(), key=lambda k: _order(k + " ")):
            if key not in new:
                out.append(f"  - {old[key]}")
            elif key not in old:
                out.append(f"  + {new[key]}")
    return out

"""Baselines: record today's findings, then report only new ones.

The file is JSON (`version` 1): one entry per finding with its stable identity
(`railsafe.findings.identities`: rule, path and the normalised offending text,
not the line number), plus the rule, path and redacted message for people
reading the file in review. Matching is by identity alone, so a recorded
finding whose line moves stays recorded; one whose text changes is new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from railsafe.findings import identities
from railsafe.redact import redact

if TYPE_CHECKING:
    from railsafe.engine import Report

VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or written (a usage error, exit 2)."""


@dataclass
class Applied:
    kept: int
    baselined: int
    gone: int  # recorded findings no longer present: refresh the file


def write(report: Report, path: Path) -> int:
    ids = identities(report.findings, report.sources)
    entries = [
        {"id": ident, "rule": f.rule, "path": f.path, "message": redact(f.message)}
        for f, ident in zip(report.findings, ids, strict=True)
    ]
    payload = {"version": VERSION, "tool": "railsafe", "findings": entries}
    try:
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None
    return len(entries)


def read(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise BaselineError(f"{path}: not a railsafe baseline (invalid JSON)") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(
        data.get("findings"), list
    ):
        raise BaselineError(f"{path}: not a railsafe baseline (version {VERSION} expected)")
    out = set()
    for entry in data["findings"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise BaselineError(f"{path}: a baseline entry has no `id`")
        out.add(entry["id"])
    return out


def apply(report: Report, recorded: set[str]) -> Applied:
    """Drop the recorded findings from `report`; count what is gone."""
    ids = identities(report.findings, report.sources)
    kept = [f for f, ident in zip(report.findings, ids, strict=True) if ident not in recorded]
    present = set(ids)
    baselined = len(report.findings) - len(kept)
    report.findings = kept
    return Applied(len(kept), baselined, len(recorded - present))

"""Rule documentation generated from the rules' docstrings.

`python -m railsafe.docs` rewrites docs/rules.md and the rules table in
README.md; `--check` exits 1 when either is stale (a test runs it), so the
docs cannot drift from the code. Each rule's section ends with an example: its
smallest `bad-*` fixture and what `railsafe check` reports on it (redacted).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

from railsafe.rules import Rule, all_rules

REPO = Path(__file__).resolve().parent.parent
START, END = "<!-- rules:start -->", "<!-- rules:end -->"
FIXTURES = REPO / "tests" / "fixtures" / "rules"
# the day examples are evaluated on when a fixture pins none (the tests pin the same)
EXAMPLE_DAY = dt.date(2026, 12, 4)
_FENCE = {".toml": "toml", ".json": "json", ".py": "python", ".ts": "ts", ".js": "js",
          ".go": "go", ".sh": "sh", "Dockerfile": "dockerfile", ".yml": "yaml", ".yaml": "yaml"}
_MAX_LINES = 30

FAMILIES = {
    "RS0": "File integrity",
    "RS1": "What runs in deploy phases",
    "RS2": "Test suites that can reach a production database",
    "RS3": "Secrets and build-time variables",
    "RS5": "Infrastructure as Code",
}


def rules_table() -> str:
    rows = ["| id | name | severity | what it finds |", "|---|---|---|---|"]
    for r in all_rules():
        anchor = f"docs/rules.md#{r.id.lower()}-{r.name}"
        rows.append(f"| [{r.id}]({anchor}) | `{r.name}` | {r.severity_label} | {r.summary} |")
    return "\n".join(rows)


def _where(rule: Rule) -> str:
    """Where a rule lives: `railsafe/rules/<module>.py` and its function, so a reader goes
    from an id to its code (and to its fixtures, `tests/fixtures/rules/<ID>/`)."""
    module = rule.check.__module__.replace(".", "/") + ".py"
    return f"[`{module}`](../{module}) `{rule.check.__name__}`"


def index_table() -> str:
    """One row per rule: id, name, where its code and its fixtures are."""
    rows = ["| id | name | code | fixtures |", "|---|---|---|---|"]
    for r in all_rules():
        fixtures = f"tests/fixtures/rules/{r.id}"
        rows.append(f"| [{r.id}](#{r.id.lower()}-{r.name}) | `{r.name}` | {_where(r)} | "
                    f"[`{fixtures}/`](../{fixtures}) |")
    return "\n".join(rows)


def _example(rule: Rule) -> list[str]:
    """The rule's smallest `bad-*` fixture and what `railsafe check` reports on it, so the
    docs show a real case (and cannot drift from it: the docs test regenerates them)."""
    from railsafe.engine import check
    from railsafe.redact import redact

    cases = []
    for case in sorted((FIXTURES / rule.id).glob("bad-*")):
        files = sorted(p for p in case.rglob("*") if p.is_file()
                       and p.name not in ("expected.txt", "today.txt", "railsafe.toml"))
        texts = [(p, p.read_text(encoding="utf-8", errors="replace")) for p in files]
        if not texts or any(t.count("\n") > _MAX_LINES for _, t in texts):
            continue
        cases.append((len(texts), sum(len(t) for _, t in texts), case, texts))
    if not cases:
        return []
    _, _, case, texts = min(cases, key=lambda c: (c[0], c[1], c[2].name))
    today = case / "today.txt"
    day = dt.date.fromisoformat(today.read_text().strip()) if today.exists() else EXAMPLE_DAY
    report = check([case], [rule], today=day)
    out = ["#### Example", "", f"`{case.relative_to(REPO).as_posix()}/`:", ""]
    for path, text in texts:
        fence = _FENCE.get(path.name) or _FENCE.get(path.suffix, "text")
        out += [f"`{path.relative_to(case).as_posix()}`:", "", f"```{fence}",
                redact(text).rstrip("\n"), "```", ""]
    lines = [f"{f.path}:{f.span.line}:{f.span.column}: {f.severity.label} {f.rule} "
             f"{f.name}: {redact(f.message)}" for f in report.findings]
    out += ["railsafe reports:", "", "```text", *lines, "```", ""]
    return out


def rules_markdown() -> str:
    out = [
        "# railsafe rules",
        "",
        "Generated from the rules' docstrings by `python -m railsafe.docs`; "
        "`railsafe explain ID` prints the same text.",
        "",
        "## Where each rule lives",
        "",
        index_table(),
        "",
    ]
    family = ""
    for r in all_rules():
        if r.id[:3] != family:
            family = r.id[:3]
            out += [f"## {FAMILIES.get(family, family)} ({family}xx)", ""]
        body = re.sub(r"^## ", "#### ", r.doc.split("\n", 1)[1].strip(), flags=re.M)
        out += [
            f"### {r.id} {r.name}",
            "",
            f"**Severity:** {r.severity_label}. {r.summary}",
            "",
            f"**Code:** {_where(r)}. **Fixtures:** `tests/fixtures/rules/{r.id}/`.",
            "",
            body,
            "",
            *_example(r),
        ]
    return "\n".join(out).rstrip() + "\n"


def readme_with_table(readme: str) -> str:
    if START not in readme or END not in readme:
        return readme
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{rules_table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    targets = {
        REPO / "docs" / "rules.md": rules_markdown(),
        REPO / "README.md": readme_with_table((REPO / "README.md").read_text(encoding="utf-8")),
    }
    stale = []
    for path, wanted in targets.items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != wanted:
            stale.append(path.name)
            if not check:
                path.write_text(wanted, encoding="utf-8")
    if check and stale:
        print(f"stale: {', '.join(stale)} (run `python -m railsafe.docs`)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

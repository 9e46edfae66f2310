"""Rule documentation generated from the rules' docstrings.

`python -m railsafe.docs` rewrites docs/rules.md and the rules table in
README.md; `--check` exits 1 when either is stale (a test runs it), so the
docs cannot drift from the code.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from railsafe.rules import all_rules

REPO = Path(__file__).resolve().parent.parent
START, END = "<!-- rules:start -->", "<!-- rules:end -->"

FAMILIES = {
    "RS0": "File integrity",
    "RS1": "What runs in deploy phases",
    "RS2": "Test suites that can reach a production database",
    "RS3": "Secrets and build-time variables",
    "RS4": "Deploy hygiene",
    "RS5": "Infrastructure as Code",
}


def rules_table() -> str:
    rows = ["| id | name | severity | what it finds |", "|---|---|---|---|"]
    for r in all_rules():
        anchor = f"docs/rules.md#{r.id.lower()}-{r.name}"
        rows.append(f"| [{r.id}]({anchor}) | `{r.name}` | {r.severity_label} | {r.summary} |")
    return "\n".join(rows)


def rules_markdown() -> str:
    out = [
        "# railsafe rules",
        "",
        "Generated from the rules' docstrings by `python -m railsafe.docs`; "
        "`railsafe explain ID` prints the same text.",
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
            body,
            "",
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

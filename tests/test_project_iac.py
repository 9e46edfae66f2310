"""Services declared in `.railway/railway.*` in the project model (settings sources)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from railsafe.context import Context
from railsafe.discover import discover
from railsafe.engine import check
from railsafe.project import services
from tests.conftest import BEFORE_CUTOFF, TODAY

TS = """import {{ defineRailway, github, project, service }} from "railway/iac";

export const partial = "api";

export default defineRailway((ctx) => {{
  const api = service("api", {{
{config}
  }});
  return project("shop", {{ resources: [api] }});
}});
"""


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _services(root: Path) -> dict[str, object]:
    return {s.name: s for s in services(Context(discover([root]), TODAY))}


def test_root_directory_is_taken_in_the_git_repository(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    _write(tmp_path, "infra/.railway/railway.ts",
           TS.format(config='    source: github("a/b", { rootDirectory: "api" }),\n'
                            '    start: "node server.js",'))
    _write(tmp_path, "api/package.json", '{"scripts": {"build": "tsc"}}')
    api = _services(tmp_path)["api"]
    assert api.relroot == "api"  # type: ignore[attr-defined]
    assert [c.text for c in api.plan().start] == ["node server.js"]  # type: ignore[attr-defined]


def test_without_root_directory_the_service_is_where_railway_dir_is(tmp_path: Path) -> None:
    _write(tmp_path, "backend/.railway/railway.ts", TS.format(config='    start: "node a.js",'))
    _write(tmp_path, "backend/package.json", '{"scripts": {"build": "tsc && jest"}}')
    api = _services(tmp_path)["api"]
    assert api.relroot == "backend"  # type: ignore[attr-defined]
    report = check([tmp_path], today=TODAY)
    rs101 = [(f.path, f.span.line, f.span.column) for f in report.findings if f.rule == "RS101"]
    assert rs101 == [("backend/package.json", 1, 14)]  # the build script Railpack runs


def test_root_outside_the_checked_tree_is_not_followed(tmp_path: Path) -> None:
    _write(tmp_path, "repo/.railway/railway.ts",
           TS.format(config='    root: "../../etc",\n    start: "node a.js",'))
    api = _services(tmp_path / "repo")["api"]
    assert api.relroot == ""  # type: ignore[attr-defined]


def test_one_plan_per_environment_the_file_names(tmp_path: Path) -> None:
    _write(tmp_path, ".railway/railway.ts", TS.format(config=(
        '    start: "node server.js",\n'
        '    preDeploy: ctx.environment === "production" ? "npx prisma migrate deploy"'
        ' : "npx prisma db push --force-reset",')))
    api = _services(tmp_path)["api"]
    plans = {p.environment: [c.text for c in p.pre_deploy]  # type: ignore[attr-defined]
             for p in api.plans}  # type: ignore[attr-defined]
    assert plans == {None: ["npx prisma db push --force-reset"],
                     "production": ["npx prisma migrate deploy"]}
    report = check([tmp_path], today=TODAY)
    [rs103] = [f for f in report.findings if f.rule == "RS103"]
    assert (rs103.path, rs103.span.line, rs103.span.column) == (".railway/railway.ts", 8, 82)
    assert "in every environment except production" in rs103.message


def test_an_iac_service_is_not_planned_twice_from_its_directory(tmp_path: Path) -> None:
    _write(tmp_path, ".railway/railway.ts", TS.format(config='    start: "node a.js",'))
    _write(tmp_path, "package.json", '{"scripts": {"build": "tsc", "start": "node b.js"}}')
    found = services(Context(discover([tmp_path]), TODAY))
    assert [s.name for s in found] == ["api"]


def test_iac_findings_do_not_change_at_the_cutoff(tmp_path: Path) -> None:
    _write(tmp_path, ".railway/railway.ts", TS.format(config=(
        '    preDeploy: "npm test",\n    start: "node a.js",')))
    _write(tmp_path, "package.json", '{"scripts": {"test": "vitest run"}}')

    def seen(day: object) -> list[tuple[str, str]]:
        report = check([tmp_path], today=day)  # type: ignore[arg-type]
        return [(f.rule, f.message) for f in report.findings]

    assert seen(BEFORE_CUTOFF) == seen(TODAY)
    assert any(rule == "RS102" for rule, _ in seen(TODAY))

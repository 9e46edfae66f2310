"""`railsafe init`: per-stack fixtures (tests/fixtures/init/<stack>/) give files with zero
findings that type-check with `tsc --noEmit` against the real SDK's types and evaluate
with it (npm railway@3.11.0); the write is safe (never overwrites without --force, a
backup then, --dry-run writes nothing, refuses railway.toml / railway.json and files
with a finding); running it twice changes nothing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from railsafe.cli import app
from railsafe.engine import check
from railsafe.iac import read
from railsafe.iac.normalise import services
from railsafe.writers import init as init_mod
from railsafe.writers.detect import detect
from railsafe.writers.files import findings_in
from tests.conftest import FIXTURES
from tests.writers import sdk

INIT = FIXTURES / "init"
STACKS = sorted(p.name for p in INIT.iterdir() if p.is_dir())
# fixture -> (service name -> stack kind, package manager, migration tool)
EXPECTED = {
    "django": {"django": ("python-django", "pip", "django")},
    "docker": {"docker": ("python-flask", "pip", None)},
    "express-yarn": {"express-yarn": ("node-express", "yarn", None)},
    "fastapi-uv": {"fastapi-uv": ("python-fastapi", "uv", "alembic")},
    "flask-poetry": {"flask-poetry": ("python-flask", "poetry", None)},
    "generic": {"generic": ("generic", None, None)},
    "go": {"go": ("go", None, None)},
    "laravel": {"laravel": ("php-laravel", None, "laravel")},
    "monorepo": {"api": ("python-fastapi", "pip", None), "web": ("node-next", "npm", None)},
    "next-pnpm": {"next-pnpm": ("node-next", "pnpm", "prisma")},
    "node-npm": {"node-npm": ("node", "npm", None)},
    "phoenix": {"phoenix": ("elixir-phoenix", None, "ecto")},
    "python-pdm": {"python-pdm": ("python", "pdm", None)},
    "rails": {"rails": ("ruby-rails", None, "rails")},
    "vite-bun": {"vite-bun": ("node-vite", "bun", None)},
}
TSCONFIG = {
    "compilerOptions": {
        "strict": True, "noEmit": True, "module": "nodenext", "moduleResolution": "nodenext",
        "target": "es2022", "skipLibCheck": False, "types": [],
    },
    "include": [".railway/railway.ts"],
}


@pytest.fixture(scope="module")
def written() -> Iterator[dict[str, Path]]:
    """Each fixture copied into a railsafe-written-* directory, `railsafe init` run there."""
    top = Path(tempfile.mkdtemp(prefix=sdk.PREFIX))
    out = {}
    try:
        for stack in STACKS:
            target = top / stack
            shutil.copytree(INIT / stack, target)
            result = CliRunner().invoke(app, ["init", str(target)])
            assert result.exit_code == 0, (stack, result.output)
            out[stack] = target
        yield out
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_every_stack_has_an_expectation() -> None:
    assert sorted(EXPECTED) == STACKS


@pytest.mark.parametrize("stack", STACKS)
def test_detection(stack: str) -> None:
    found = {s.name: (s.kind, s.package_manager, s.migration) for s in detect(INIT / stack)}
    assert found == EXPECTED[stack]


@pytest.mark.parametrize("stack", STACKS)
def test_written_file_has_zero_findings(stack: str, written: dict[str, Path]) -> None:
    report = check([written[stack]])
    mine = [f"{f.rule} {f.path}:{f.span.line} {f.message}" for f in report.findings
            if f.path.startswith(".railway/")]
    assert mine == []
    assert not report.internal_errors
    text = (written[stack] / ".railway" / "railway.ts").read_text(encoding="utf-8")
    # a name: the CLI reads `partial = true` as no partial at all (docs/facts.md F23)
    assert re.search(r'^export const partial = "[a-zA-Z0-9._-]{1,64}";$', text, re.M)
    assert not (written[stack] / "railway.toml").exists()
    assert not (written[stack] / "railway.json").exists()


@pytest.mark.parametrize("stack", STACKS)
def test_python_variant_has_zero_findings(stack: str) -> None:
    plan = init_mod.plan(INIT / stack, lang="py")
    found = findings_in(INIT / stack, plan.files,
                        copy=init_mod.context_files(INIT / stack, plan.stacks))
    assert [f for f in found if " .railway/" in f] == []
    program = read(plan.files[0].text, ".railway/railway.py", "python", None)
    assert program.error is None
    assert {s.name for s in services(program)} == set(EXPECTED[stack])


def test_hardening_choices(written: dict[str, Path]) -> None:
    text = (written["django"] / ".railway" / "railway.ts").read_text(encoding="utf-8")
    assert 'builder: "RAILPACK"' in text
    assert ("python manage.py migrate --noinput && railsafe db verify --against "
            "/tmp/railsafe-before.json --max-drop 10%") in text
    assert "DATABASE_URL: db.env.DATABASE_URL" in text and "SECRET_KEY: preserve()" in text
    assert 'restartPolicyType: "ON_FAILURE"' in text and "restartPolicyMaxRetries: 5" in text
    assert "healthcheckPath" in text and '"!tests/**"' in text
    # every setting line is under a one-line comment saying why
    lines = text.splitlines()
    for n, line in enumerate(lines):
        stripped = line.strip()
        if stripped.endswith(",") and ":" in stripped and not stripped.startswith(("//", '"')) \
                and lines[n - 1].strip().startswith("//") is False \
                and not stripped.startswith(("build:", "deploy:", "env:")):
            raise AssertionError(f"no comment above line {n + 1}: {line}")
    pnpm = (written["next-pnpm"] / ".railway" / "railway.ts").read_text(encoding="utf-8")
    assert '"pnpm exec prisma migrate deploy"' in pnpm and '"pnpm run build"' in pnpm


def test_type_checks_with_the_real_sdk(written: dict[str, Path]) -> None:
    sdk.require_node_sdk(tsc=True)
    for stack, directory in written.items():
        (directory / "tsconfig.json").write_text(json.dumps(TSCONFIG), encoding="utf-8")
        link = directory / "node_modules"
        if not link.exists():
            link.symlink_to(sdk.NODE_MODULES, target_is_directory=True)
        (directory / "package.json").exists() or (directory / "package.json").write_text(
            '{"type": "module"}\n', encoding="utf-8")
        done = subprocess.run(
            ["node", str(sdk.NODE_MODULES / "typescript" / "bin" / "tsc"), "-p",
             str(directory / "tsconfig.json")],
            capture_output=True, text=True, timeout=300, check=False,
        )
        assert done.returncode == 0, (stack, done.stdout, done.stderr)


def test_evaluates_with_the_real_sdk(written: dict[str, Path]) -> None:
    jobs: list[tuple[Path, str | None]] = [(d, "production") for d in written.values()]
    results = sdk.evaluate(jobs)
    for (directory, _), outcome in zip(jobs, results, strict=True):
        assert "error" not in outcome, (directory.name, outcome.get("error"))
        graph = sdk.resources(outcome["result"])
        names = {a.split(".", 1)[1] for a in graph if a.startswith("service.")}
        assert names == set(EXPECTED[directory.name]), directory.name
        assert re.fullmatch(r"[a-zA-Z0-9._-]{1,64}", outcome["result"]["partial"])
        for address, resource in graph.items():
            if address.startswith("service."):
                deploy = resource.get("deploy") or {}
                assert deploy.get("restartPolicyType") == "ON_FAILURE"
                assert len(deploy.get("preDeployCommand") or []) <= 1
                assert resource["build"]["builder"] in ("RAILPACK", "DOCKERFILE")
                variables = resource.get("variables") or {}
                for name, value in variables.items():
                    assert value["type"] in ("reference", "preserve"), (name, value)
        if directory.name == "django":
            web = graph["service.django"]
            assert web["variables"]["DATABASE_URL"] == {
                "type": "reference", "resource": "database.Postgres", "output": "DATABASE_URL"}
            assert web["variables"]["SECRET_KEY"] == {"type": "preserve"}


# -- the write itself -------------------------------------------------------------------


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    target = tmp_path / "django"
    shutil.copytree(INIT / "django", target)
    return target


def test_dry_run_writes_nothing(app_dir: Path) -> None:
    result = CliRunner().invoke(app, ["init", "--dry-run", str(app_dir)])
    assert result.exit_code == 0
    assert "# .railway/railway.ts" in result.stdout
    assert not (app_dir / ".railway").exists()


def test_twice_changes_nothing_and_never_overwrites(app_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(app_dir)]).exit_code == 0
    target = app_dir / ".railway" / "railway.ts"
    first = target.read_bytes()
    again = runner.invoke(app, ["init", str(app_dir)])
    assert again.exit_code == 0 and "unchanged .railway/railway.ts" in again.output
    assert target.read_bytes() == first
    target.write_text("// mine\n", encoding="utf-8")
    refused = runner.invoke(app, ["init", str(app_dir)])
    assert refused.exit_code == 1 and "never overwrites without --force" in refused.output
    assert target.read_text(encoding="utf-8") == "// mine\n"
    forced = runner.invoke(app, ["init", "--force", str(app_dir)])
    assert forced.exit_code == 0, forced.output
    assert target.read_bytes() == first
    assert (app_dir / ".railway" / "railway.ts.bak").read_text(encoding="utf-8") == "// mine\n"


def test_force_adds_the_dependencies_once(app_dir: Path) -> None:
    runner = CliRunner()
    before = (app_dir / "requirements-dev.txt").read_text(encoding="utf-8")
    assert runner.invoke(app, ["init", str(app_dir)]).exit_code == 0
    assert (app_dir / "requirements-dev.txt").read_text(encoding="utf-8") == before
    assert runner.invoke(app, ["init", "--force", str(app_dir)]).exit_code == 0
    assert (app_dir / "requirements-dev.txt").read_text(encoding="utf-8") == before + "railsafe\n"
    assert (app_dir / "requirements.txt").read_text(encoding="utf-8").endswith(
        "railsafe[postgres]\n")
    snapshot = {p: p.read_bytes() for p in app_dir.rglob("*") if p.is_file()}
    assert runner.invoke(app, ["init", "--force", str(app_dir)]).exit_code == 0
    assert {p: p.read_bytes() for p in app_dir.rglob("*") if p.is_file()} == snapshot


def test_pyproject_edit_keeps_formatting(tmp_path: Path) -> None:
    target = tmp_path / "fastapi"
    shutil.copytree(INIT / "fastapi-uv", target)
    assert CliRunner().invoke(app, ["init", "--force", str(target)]).exit_code == 0
    text = (target / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith('[project]\nname = "api"\nversion = "0.1.0"\n')
    assert '"railsafe[postgres]"' in text and 'dev = ["pytest", "railsafe"]' in text


@pytest.mark.parametrize("fmt", ["railway.toml", "railway.json"])
def test_refuses_config_as_code(fmt: str, app_dir: Path) -> None:
    result = CliRunner().invoke(app, ["init", "--format", fmt, str(app_dir)])
    assert result.exit_code == 2
    assert "Railway stopped reading railway.toml / railway.json on 2026-12-01" in result.output
    assert not (app_dir / fmt).exists() and not (app_dir / ".railway").exists()


def test_refuses_a_file_with_a_finding(app_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = init_mod.render

    def bad(*args: object, **kwargs: object) -> tuple[str, list[str]]:
        text, notes = real(*args, **kwargs)  # type: ignore[arg-type]
        return text.replace('startCommand: "gunicorn', 'startCommand: "pytest && gunicorn'), notes

    monkeypatch.setattr(init_mod, "render", bad)
    result = CliRunner().invoke(app, ["init", str(app_dir)])
    assert result.exit_code == 1
    assert "RS102" in result.output and "refuses to write" in result.output
    assert not (app_dir / ".railway").exists()


def test_whole_project_drops_partial(app_dir: Path) -> None:
    result = CliRunner().invoke(app, ["init", "--whole-project", "--dry-run", str(app_dir)])
    assert result.exit_code == 0
    assert "partial" not in result.stdout.split("export default")[0]


def test_python_variant_evaluates_with_the_real_sdk() -> None:
    top = Path(tempfile.mkdtemp(prefix=sdk.PREFIX))
    try:
        jobs: list[tuple[Path, str | None]] = []
        for stack in STACKS:
            target = top / stack
            shutil.copytree(INIT / stack, target)
            result = CliRunner().invoke(app, ["init", "--lang", "py", str(target)])
            assert result.exit_code == 0, (stack, result.output)
            jobs.append((target, "production"))
        for (directory, _), outcome in zip(jobs, sdk.evaluate(jobs, "py"), strict=True):
            assert "error" not in outcome, (directory.name, outcome.get("error"))
            graph = sdk.resources(outcome["result"])
            names = {a.split(".", 1)[1] for a in graph if a.startswith("service.")}
            assert names == set(EXPECTED[directory.name]), directory.name
            assert re.fullmatch(r"[a-zA-Z0-9._-]{1,64}", outcome["result"]["partial"])
            for address, resource in graph.items():
                if address.startswith("service."):
                    assert resource["deploy"]["restartPolicyType"] == "ON_FAILURE"
                    variables = resource.get("variables") or {}
                    if "DATABASE_URL" in variables:
                        assert variables["DATABASE_URL"]["type"] == "reference"
    finally:
        shutil.rmtree(top, ignore_errors=True)

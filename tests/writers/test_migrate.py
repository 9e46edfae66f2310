"""`railsafe migrate`: prints the file and a table, --write never overwrites, --lang py,
--harden, monorepos (one service per file, names overridable), and railsafe's own reading
of the result holds every setting in every environment."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from railsafe.engine import check
from railsafe.iac import read
from railsafe.iac.normalise import services
from railsafe.project.iac import plain
from railsafe.writers.migrate import plan

runner = CliRunner()
ROOT_TOML = """\
[build]
builder = "DOCKERFILE"
dockerfilePath = "docker/api.Dockerfile"
watchPatterns = ["api/**"]
testCommand = "echo skip"

[deploy]
preDeployCommand = "alembic upgrade head"
startCommand = "pytest && uvicorn app:app"
cronSchedule = "0 3 * * *"
restartPolicyType = "ON_FAILURE"
restartPolicyMaxRetries = 3
sleepApplication = false
drainingSeconds = 30
overlapSeconds = 10

[deploy.multiRegionConfig]
"us-west2" = { numReplicas = 2 }
"europe-west4-drams3a" = { numReplicas = 1 }

[environments.staging.deploy]
cronSchedule = "0 4 * * *"
numReplicas = 1

[environments.pr.build]
watchPatterns = ["**"]
"""
WEB_JSON = ('{"build": {"buildCommand": "npm ci && npx prisma migrate deploy && npm run build"},'
            ' "deploy": {"startCommand": "npm start", "healthcheckPath": "/health"}}\n')


def _repo(tmp_path: Path) -> Path:
    (tmp_path / "railway.toml").write_text(ROOT_TOML)
    (tmp_path / "web").mkdir(exist_ok=True)
    (tmp_path / "web" / "railway.json").write_text(WEB_JSON)
    (tmp_path / "worker").mkdir(exist_ok=True)
    (tmp_path / "worker" / "railway.toml").write_text('[deploy]\nstartCommand = "node w.js"\n')
    (tmp_path / "worker" / "railway.json").write_text('{"deploy": {"startCommand": "x"}}\n')
    return tmp_path


def _app():  # the CLI, imported late so the module reads as its tests
    from railsafe.cli import app

    return app


def test_prints_the_file_and_the_table(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    root.mkdir()
    (root / "railway.toml").write_text(ROOT_TOML)
    result = runner.invoke(_app(), ["migrate", str(root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("// .railway/railway.ts, written by `railsafe migrate`")
    assert 'const shop = service("shop", {' in result.stdout
    assert "railway.toml:3   build.dockerfilePath" in result.stderr
    assert "NOT CARRIED" in result.stderr and "build.testCommand" in result.stderr
    assert "git rm railway.toml" in result.stderr
    assert not (root / ".railway").exists()
    assert (root / "railway.toml").read_text() == ROOT_TOML  # never deletes or edits


def test_static_reading_holds_every_setting_per_environment(tmp_path: Path) -> None:
    for lang in ("ts", "py"):
        m = plan(_repo(tmp_path), lang=lang, annotate=False)  # type: ignore[arg-type]
        language = "typescript" if lang == "ts" else "python"
        relpath = f".railway/railway.{lang}"
        for env in (None, "staging", "pr"):
            program = read(m.text, relpath, language, env)
            assert program.error is None
            by_name = {s.name: s for s in services(program)}
            root = by_name[tmp_path.name]
            deploy = {k: plain(v.value) for k, v in root.deploy.items()}
            build = {k: plain(v.value) for k, v in root.build.items()}
            assert deploy["cronSchedule"] == ("0 4 * * *" if env == "staging" else "0 3 * * *")
            assert deploy["multiRegionConfig"] == {"us-west2": {"numReplicas": 2},
                                                   "europe-west4-drams3a": {"numReplicas": 1}}
            assert deploy["preDeployCommand"] == ["alembic upgrade head"]
            assert deploy["drainingSeconds"] == 30 and deploy["sleepApplication"] is False
            assert build["watchPatterns"] == (["**"] if env == "pr" else ["api/**"])
            assert ("numReplicas" in deploy) is (env == "staging")
            assert "testCommand" not in build
            web = by_name["web"]
            assert web.root_directory is not None and web.root_directory.text == "web"
            assert plain(by_name["worker"].start) == "node w.js"
        assert [s for s in m.skipped if "worker/railway.json" in s]


def test_write_is_atomic_and_never_overwrites(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    result = runner.invoke(_app(), ["migrate", "--write", "--name", "web=frontend", str(root)])
    assert result.exit_code == 0, result.output
    text = (root / ".railway" / "railway.ts").read_text()
    assert 'service("frontend", {' in text and result.stdout == ""
    again = runner.invoke(_app(), ["migrate", "--write", "--name", "web=frontend", str(root)])
    assert again.exit_code == 0 and "already up to date" in again.stderr
    other = runner.invoke(_app(), ["migrate", "--write", str(root)])
    assert other.exit_code == 1 and "never overwrites" in other.stderr
    assert (root / ".railway" / "railway.ts").read_text() == text
    assert list((root / ".railway").iterdir()) == [root / ".railway" / "railway.ts"]
    # what railsafe reads of the result: no setting lost (RS511); testCommand, not carried,
    # is not a Railway setting (RS004 reports it, RS511 does not)
    report = check([root])
    lost = [(f.path, f.span.line) for f in report.findings if f.rule == "RS511"]
    assert lost == []
    assert [(f.path, f.span.line) for f in report.findings if f.rule == "RS004"] == [
        ("railway.toml", 5)
    ]


def test_comments_name_findings_and_harden_removes_them(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    m = plan(root, names={"web": "web"})
    assert "// railsafe RS102 tests-in-deploy" in m.text
    assert '"npm ci && npx prisma migrate deploy && npm run build"' in m.text
    hardened = plan(root, names={"web": "web"}, harden=True)
    assert "RS102" not in hardened.text and 'startCommand: "uvicorn app:app"' in hardened.text
    assert 'buildCommand: "npm ci && npm run build"' in hardened.text
    assert 'preDeployCommand: ["npx prisma migrate deploy"]' in hardened.text


def test_nothing_to_migrate(tmp_path: Path) -> None:
    result = runner.invoke(_app(), ["migrate", str(tmp_path)])
    assert result.exit_code == 1 and "no railway.toml or railway.json" in result.stderr
    bad = runner.invoke(_app(), ["migrate", "--lang", "go", str(tmp_path)])
    assert bad.exit_code == 2


def test_check_never_imports_the_writers(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "railway.toml").write_text(ROOT_TOML)
    code = (
        "import sys; sys.argv = ['railsafe', 'check', sys.argv[1]]\n"
        "from railsafe.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('railsafe.writers')), "
        "file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, check=False)
    assert done.stderr.strip().splitlines()[-1] == "[]"

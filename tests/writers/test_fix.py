"""`railsafe fix`: repairs keep comments and formatting, remove the findings they fix, bring
up no new finding, and a second run changes nothing; property-tested on generated Config
as Code files and run on every corpus railway file in a temporary directory."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from railsafe.cli import app
from railsafe.engine import check
from railsafe.loaders import load
from railsafe.rules import all_rules
from railsafe.writers.fix import EXPECTED_AFTER, FIXES, run, write
from tests.corpus import harness

runner = CliRunner()

TOML = """\
# the API service
[build]
builder = "RAILPACK"   # Railway's default
buildCommand = 'npm ci && npx prisma migrate deploy && npm run build'
watchPatern = ["src/**"]
testCommand = "echo skip"

[deploy]
startCommand = "pytest -q && uvicorn app:app --port $PORT"  # serve
healthcheckPath = "/health"
"""


def _counts(directory: Path) -> Counter[str]:
    return Counter(f.rule for f in check([directory]).findings)


def _fix_and_verify(directory: Path, unsafe: bool) -> tuple[int, dict[str, str]]:
    """Fix `directory` and check the four properties; returns (fixes, texts after)."""
    before = _counts(directory)
    originals = {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}
    result = run([directory], unsafe=unsafe)
    write(result)
    after = _counts(directory)
    for p in directory.iterdir():
        if p.name in ("railway.toml", "railway.json"):
            kind, syntax = ("railway-toml", "toml") if p.suffix == ".toml" else \
                ("railway-json", "json")
            assert load(p, p.name, kind, syntax).error is None, p.read_text()
    fixed = Counter(a.rule for a in result.applied)
    for rule, n in fixed.items():
        assert after[rule] <= before[rule] - n, (rule, before, after)  # the fixed ones are gone
    grown = {r for r in after if after[r] > before[r] and r not in EXPECTED_AFTER}
    assert not grown, (grown, before, after)  # no new finding
    if not result.applied:  # nothing to fix: byte-identical
        assert {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()} == originals
    again = run([directory], unsafe=unsafe)
    assert not again.changed and not again.applied  # a second run changes nothing
    return len(result.applied), {p.name: p.read_text() for p in directory.iterdir()}


def test_toml_safe_fixes_keep_comments_and_quoting(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(TOML)
    n, texts = _fix_and_verify(tmp_path, unsafe=False)
    assert n == 3
    text = texts["railway.toml"]
    assert text.startswith("# the API service\n[build]\nbuilder = \"RAILPACK\"   # Railway's")
    assert "buildCommand = 'npm ci && npm run build'\n" in text  # single quotes kept
    assert 'watchPatterns = ["src/**"]\n' in text
    assert '# railsafe fix: removed testCommand = "echo skip": not a Railway setting' in text
    assert 'preDeployCommand = "npx prisma migrate deploy"' in text
    assert 'startCommand = "pytest -q && uvicorn app:app --port $PORT"  # serve' in text


def test_toml_unsafe_fix_removes_the_test_run(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(TOML)
    n, texts = _fix_and_verify(tmp_path, unsafe=True)
    assert n == 4
    assert 'startCommand = "uvicorn app:app --port $PORT"  # serve\n' in texts["railway.toml"]


def test_json_fixes_position_preserving(tmp_path: Path) -> None:
    source = (
        '{\n  "$schema": "https://railway.com/railway.schema.json",\n'
        '  "build": {\n    "buildCommand": '
        '"pip install -r requirements.txt && alembic upgrade head",'
        '\n    "testCommand": "pytest"\n  },\n'
        '  "deploy": {\n    "startComand": "gunicorn app:app"\n  }\n}\n'
    )
    (tmp_path / "railway.json").write_text(source)
    n, texts = _fix_and_verify(tmp_path, unsafe=False)
    assert n == 3
    assert json.loads(texts["railway.json"]) == {
        "$schema": "https://railway.com/railway.schema.json",
        "build": {"buildCommand": "pip install -r requirements.txt"},
        "deploy": {"startCommand": "gunicorn app:app",
                   "preDeployCommand": "alembic upgrade head"},
    }
    assert texts["railway.json"].startswith('{\n  "$schema"')
    assert '\n    "startCommand": "gunicorn app:app",\n    "preDeployCommand"' in \
        texts["railway.json"]


def test_iac_rename_and_unsafe_test_removal(tmp_path: Path) -> None:
    (tmp_path / ".railway").mkdir()
    source = (
        'import { defineRailway, project, service } from "railway/iac";\n\n'
        "export const partial = \"api\";\n\n"
        "export default defineRailway(() => {\n"
        '  const api = service("api", {\n'
        '    start: "pytest && uvicorn app:app", // serve\n'
        '    deploy: { restartPolicyTyp: "ON_FAILURE" },\n'
        "  });\n"
        '  return project("shop", { resources: [api] });\n'
        "});\n"
    )
    (tmp_path / ".railway" / "railway.ts").write_text(source)
    result = run([tmp_path], unsafe=True)
    assert sorted(a.rule for a in result.applied) == ["RS102", "RS501"]
    write(result)
    text = (tmp_path / ".railway" / "railway.ts").read_text()
    assert text == source.replace("pytest && uvicorn", "uvicorn").replace(
        "restartPolicyTyp:", "restartPolicyType:")
    assert not run([tmp_path], unsafe=True).changed


def test_nothing_to_fix_is_byte_identical(tmp_path: Path) -> None:
    raw = b'\xef\xbb\xbf[deploy]\r\nstartCommand = "uvicorn app:app"\r\n'
    (tmp_path / "railway.toml").write_bytes(raw)
    result = runner.invoke(app, ["fix", "--unsafe-fixes", str(tmp_path)])
    assert result.exit_code == 0 and "nothing to fix" in result.output
    assert (tmp_path / "railway.toml").read_bytes() == raw


def test_crlf_and_bom_survive_a_fix(tmp_path: Path) -> None:
    raw = b'\xef\xbb\xbf[build]\r\ntestCommand = "x"\r\n\r\n[deploy]\r\nstartCommand = "a"\r\n'
    (tmp_path / "railway.toml").write_bytes(raw)
    write(run([tmp_path]))
    new = (tmp_path / "railway.toml").read_bytes()
    assert new.startswith(b"\xef\xbb\xbf[build]\r\n# railsafe fix: removed testCommand")
    assert new.endswith(b'\r\n\r\n[deploy]\r\nstartCommand = "a"\r\n')


def test_diff_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text(TOML)
    result = runner.invoke(app, ["fix", "--diff", str(tmp_path)])
    assert result.exit_code == 0
    assert "-testCommand = \"echo skip\"" in result.stdout and "+++ b/railway.toml" in result.stdout
    assert (tmp_path / "railway.toml").read_text() == TOML


def test_a_rename_that_would_start_tests_is_not_made(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text('[deploy]\nstartComand = "pytest && node x.js"\n')
    result = run([tmp_path])
    assert not result.changed
    assert any("would bring up RS102" in n for n in result.notes)


def test_rules_lists_the_fixes() -> None:
    registry = {r.id: r.fix for r in all_rules() if r.fix}
    assert registry == FIXES
    listing = runner.invoke(app, ["rules"]).stdout
    assert "RS004  test-command" in listing and "[safe fix]" in listing
    assert any(line.startswith("RS101") and line.endswith("[unsafe fix]")
               for line in listing.splitlines())


# -- property tests --------------------------------------------------------------------------

COMMANDS = st.sampled_from([
    "npm ci && npm run build", "pytest && npm run build", "npm ci && npx prisma migrate deploy",
    "python manage.py migrate && python manage.py collectstatic --noinput",
    "pip install -r requirements.txt", "npm test && npm start", "uvicorn app:app",
    "pytest -q; uvicorn app:app", "alembic upgrade head && gunicorn app:app",
    "go test ./... && go build -o app", "echo 'a && b'",
])
KEYS = {
    "build": st.sampled_from(["buildCommand", "testCommand", "buildComand", "watchPatern",
                              "builder"]),
    "deploy": st.sampled_from(["startCommand", "startComand", "preDeployCommand",
                               "healthcheckPath", "test_command", "restartPolicyTyp"]),
}


def _value(key: str, command: str) -> object:
    if key.startswith("watch"):
        return ["src/**"]
    if key == "builder":
        return "RAILPACK"
    if key.startswith("restart"):
        return "ON_FAILURE"
    if key == "healthcheckPath":
        return "/health"
    return command


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, str]:
    sections: dict[str, dict[str, object]] = {}
    for section in ("build", "deploy"):
        keys = draw(st.lists(KEYS[section], max_size=4, unique=True))
        if keys:
            sections[section] = {k: _value(k, draw(COMMANDS)) for k in keys}
    if draw(st.booleans()):
        lines = []
        for section, values in sections.items():
            if draw(st.booleans()):
                lines.append(f"# {section} settings")
            lines.append(f"[{section}]")
            for k, v in values.items():
                pad = " " * draw(st.integers(0, 2))
                comment = draw(st.sampled_from(["", "  # note", " #x"]))
                lines.append(f"{k}{pad} = {json.dumps(v)}{comment}")
            lines.append("")
        return "railway.toml", "\n".join(lines)
    indent = draw(st.sampled_from([2, 4]))
    return "railway.json", json.dumps(sections, indent=indent) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.booleans())
def test_fix_properties(doc: tuple[str, str], unsafe: bool) -> None:
    name, text = doc
    with tempfile.TemporaryDirectory(prefix="railsafe-fix-test-") as tmp:
        directory = Path(tmp)
        (directory / name).write_text(text)
        _fix_and_verify(directory, unsafe)


# -- corpus -----------------------------------------------------------------------------------


@pytest.mark.skipif(not (harness.CORPUS / "MANIFEST.tsv").is_file(),
                    reason=f"corpus not found at {harness.CORPUS}")
def test_fix_on_every_corpus_railway_file(tmp_path: Path) -> None:
    files = fixes = 0
    for n, f in enumerate(harness.corpus_files()):
        if f.kind not in ("railway-toml", "railway-json"):
            continue
        directory = tmp_path / f"{n:03d}"
        directory.mkdir()
        shutil.copyfile(f.path, directory / harness.FILE_NAMES[f.kind])
        if load(directory / harness.FILE_NAMES[f.kind], "x", f.kind,
                "toml" if f.kind == "railway-toml" else "json").error is not None:
            result = run([directory], unsafe=True)
            assert not result.changed  # a file that does not parse is left alone
            continue
        applied, _ = _fix_and_verify(directory, unsafe=True)
        files += 1
        fixes += applied
    assert files == 248
    assert fixes >= 12


def test_iac_rename_not_made_when_the_key_is_set(tmp_path: Path) -> None:
    (tmp_path / ".railway").mkdir()
    source = (
        'import { defineRailway, project, service } from "railway/iac";\n\n'
        "export const partial = \"api\";\n\n"
        "export default defineRailway(() => {\n"
        '  const api = service("api", {\n'
        '    deploy: { restartPolicyTyp: "ALWAYS", restartPolicyType: "ON_FAILURE" },\n'
        "  });\n"
        '  return project("shop", { resources: [api] });\n'
        "});\n"
    )
    (tmp_path / ".railway" / "railway.ts").write_text(source)
    assert not run([tmp_path]).changed


def test_iac_migration_moves_to_pre_deploy(tmp_path: Path) -> None:
    (tmp_path / ".railway").mkdir()
    source = (
        'import { defineRailway, project, service } from "railway/iac";\n\n'
        "export const partial = \"api\";\n\n"
        "export default defineRailway(() => {\n"
        '  const api = service("api", {\n'
        '    build: "npm ci && npx prisma migrate deploy && npm run build", // the build\n'
        '    start: "npm start",\n'
        "  });\n"
        '  return project("shop", { resources: [api] });\n'
        "});\n"
    )
    (tmp_path / ".railway" / "railway.ts").write_text(source)
    result = run([tmp_path])
    assert [a.rule for a in result.applied] == ["RS104"]
    write(result)
    assert (tmp_path / ".railway" / "railway.ts").read_text() == source.replace(
        '"npm ci && npx prisma migrate deploy && npm run build", // the build\n',
        '"npm ci && npm run build", // the build\n    preDeploy: "npx prisma migrate deploy",\n')
    assert not run([tmp_path]).changed


def test_python_iac_fixes(tmp_path: Path) -> None:
    (tmp_path / ".railway").mkdir()
    source = (
        "from railway_sdk import define_railway, project, service\n\n"
        "PARTIAL = \"api\"\n\n\n"
        "@define_railway\n"
        "def main(ctx=None):\n"
        "    api = service(\n"
        '        "api",\n'
        '        build="pip install -r requirements.txt && alembic upgrade head",\n'
        '        start="pytest && uvicorn app:app",  # serve\n'
        '        deploy={"restartPolicyTyp": "ON_FAILURE"},\n'
        "    )\n"
        '    return project("shop", resources=[api])\n'
    )
    (tmp_path / ".railway" / "railway.py").write_text(source)
    result = run([tmp_path], unsafe=True)
    assert sorted(a.rule for a in result.applied) == ["RS102", "RS104", "RS501"]
    write(result)
    text = (tmp_path / ".railway" / "railway.py").read_text()
    assert '        build="pip install -r requirements.txt",\n' \
           '        preDeploy="alembic upgrade head",\n' in text
    assert '        start="uvicorn app:app",  # serve\n' in text
    assert '"restartPolicyType": "ON_FAILURE"' in text
    assert not run([tmp_path], unsafe=True).changed

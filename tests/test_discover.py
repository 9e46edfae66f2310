"""Discovery: every directory (monorepos), nothing from build output, ignored or vendored trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from railsafe.discover import classify_explicit, discover


def _touch(root: Path, *relpaths: str) -> None:
    for rel in relpaths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("[build]\n")


def _found(root: Path) -> dict[str, str]:
    return {f.relpath: f.kind for f in discover([root]).files}


def test_monorepo_every_level(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "railway.toml",
        "apps/api/railway.json",
        "apps/api/nixpacks.toml",
        "apps/web/railpack.json",
        "services/worker/deep/nixpacks.json",
    )
    assert _found(tmp_path) == {
        "railway.toml": "railway-toml",
        "apps/api/railway.json": "railway-json",
        "apps/api/nixpacks.toml": "nixpacks-toml",
        "apps/web/railpack.json": "railpack-json",
        "services/worker/deep/nixpacks.json": "nixpacks-json",
    }


@pytest.mark.parametrize(
    "skipped",
    [
        ".git/railway.toml",
        "node_modules/pkg/railway.toml",
        ".venv/lib/railway.toml",
        "venv/railway.toml",
        "dist/railway.toml",
        "build/railway.toml",
        ".next/railway.toml",
        "target/railway.toml",
        "__pycache__/railway.toml",
    ],
)
def test_skips_vendored_and_build_output(tmp_path: Path, skipped: str) -> None:
    _touch(tmp_path, "railway.toml", skipped)
    assert list(_found(tmp_path)) == ["railway.toml"]


def test_skips_any_virtualenv_by_its_marker(tmp_path: Path) -> None:
    _touch(tmp_path, "railway.toml", "pyenv311/railway.toml")
    (tmp_path / "pyenv311" / "pyvenv.cfg").write_text("home = /usr\n")
    assert list(_found(tmp_path)) == ["railway.toml"]


def test_skips_git_ignored_paths(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "railway.toml",
        "generated/railway.toml",
        "apps/a/railway.toml",
        "apps/a/tmp/railway.toml",
        "apps/b/keep.toml",
    )
    (tmp_path / ".gitignore").write_text("generated/\n")
    (tmp_path / "apps" / "a" / ".gitignore").write_text("tmp/\n")
    assert sorted(_found(tmp_path)) == ["apps/a/railway.toml", "railway.toml"]


def test_explicit_files_are_checked_under_any_name(tmp_path: Path) -> None:
    _touch(tmp_path, "deploy/prod-railway.toml", "ignored/railway.toml")
    (tmp_path / ".gitignore").write_text("ignored/\n")
    files = discover([tmp_path / "deploy/prod-railway.toml", tmp_path / "ignored/railway.toml"])
    assert sorted(f.kind for f in files.files) == ["railway-toml", "railway-toml"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("prod.railway.json", "railway-json"),
        ("020__railwayapp__nixpacks__examples__nixpacks.toml", "nixpacks-toml"),
        ("012__railway-demo__railpack.json", "railpack-json"),
        ("railway-staging.toml", "railway-toml"),
        ("Dockerfile.prod", "dockerfile"),
    ],
)
def test_explicit_kind_by_name(name: str, kind: str) -> None:
    found = classify_explicit(name)
    assert found is not None and found[0] == kind


@pytest.mark.parametrize("name", ["README.md", "docker-compose.yml", "custom.json", "notes.txt"])
def test_explicit_files_of_no_known_kind_are_skipped(name: str) -> None:
    assert classify_explicit(name) is None


def test_symlink_loops_do_not_hang(tmp_path: Path) -> None:
    _touch(tmp_path, "a/railway.toml")
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    os.symlink(tmp_path / "a" / "self.toml", tmp_path / "a" / "self.toml")
    assert list(_found(tmp_path)) == ["a/railway.toml"]


def test_javascript_test_names(tmp_path: Path) -> None:
    """Test files by name; setup-named files and runner configs for testguard to decide."""
    _touch(
        tmp_path,
        "test/app.e2e-spec.ts",
        "src/Button.test.tsx",
        "src/api.spec.mjs",
        "lib/util.test.cts",
        "test/setup.ts",
        "scripts/setup-dev-db.ts",
        "tests/globalTeardown.mjs",
        "jest.config.ts",
        "test/jest-e2e.json",
        "vitest.config.mts",
        "vite.config.ts",
        "vitest.workspace.ts",
        ".mocharc.yml",
        "src/index.ts",
        "src/setup.py",
    )
    found = _found(tmp_path)
    assert found == {
        "test/app.e2e-spec.ts": "js-test-setup",
        "src/Button.test.tsx": "js-test-setup",
        "src/api.spec.mjs": "js-test-setup",
        "lib/util.test.cts": "js-test-setup",
        "test/setup.ts": "js-test-candidate",
        "scripts/setup-dev-db.ts": "js-test-candidate",
        "tests/globalTeardown.mjs": "js-test-candidate",
        "jest.config.ts": "js-test-config",
        "test/jest-e2e.json": "js-test-config",
        "vitest.config.mts": "js-test-config",
        "vite.config.ts": "js-test-config",
        "vitest.workspace.ts": "js-test-config",
        ".mocharc.yml": "js-test-config",
    }


def test_a_named_config_still_reaches_the_script_it_calls(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from railsafe.engine import check

    svc = tmp_path / "svc"
    svc.mkdir()
    (svc / "railway.toml").write_text('[deploy]\npreDeployCommand = "./release.sh"\n')
    (svc / "release.sh").write_text("python -m pytest\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    report = check([svc / "railway.toml"], today=None)
    assert [(f.rule, f.path) for f in report.findings if f.rule == "RS102"] == [
        ("RS102", "railway.toml")
    ]


def test_a_named_git_ignored_directory_is_checked(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("legacy/\n")
    _touch(tmp_path, "legacy/svc/railway.toml")
    assert list(_found(tmp_path / "legacy")) == ["svc/railway.toml"]
    assert list(_found(tmp_path)) == []


def test_file_names_that_are_not_utf8_print(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from railsafe.cli import app

    odd = Path(os.fsdecode(bytes(tmp_path) + b"/svc\xff"))
    odd.mkdir()
    (odd / "railway.toml").write_text('[build]\nbuilder = "nixpacks"\n')
    for fmt in ("json", "sarif", "text"):
        result = CliRunner().invoke(app, ["check", str(tmp_path), "-f", fmt, "--select", "RS006"])
        assert result.exit_code == 0, result.stderr
        shown = "svc%EF%BF%BD/railway.toml" if fmt == "sarif" else "svc\ufffd/railway.toml"
        assert shown in result.stdout
        if fmt == "json":
            assert json.loads(result.stdout)["findings"][0]["path"] == "svc\ufffd/railway.toml"

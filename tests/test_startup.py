"""What `railsafe check` loads depends on what the tree holds (start-up time).

The benchmark measures the time; these tests pin the cause: a tree without an
IaC file loads neither the IaC reader nor its grammars.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HEAVY = ("railsafe.iac", "railsafe.iac.values", "tree_sitter_typescript", "tree_sitter_go")


def _modules_after_check(repo: Path, wanted: str, *args: str) -> Any:
    """Run `railsafe check repo *args` in a fresh interpreter, then evaluate `wanted` (an
    expression over `sys.modules`) there and return its JSON value."""
    code = (
        f"import sys; sys.argv = ['railsafe', 'check', sys.argv[1], *{list(args)!r}]\n"
        "from railsafe.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"import json; print(json.dumps({wanted}), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(repo)], capture_output=True,
                            text=True, check=False)
    return json.loads(result.stderr.strip().splitlines()[-1])


def _loaded(repo: Path) -> list[str]:
    return list(_modules_after_check(repo, f"[m for m in {HEAVY!r} if m in sys.modules]"))


def test_config_as_code_tree_loads_no_iac_reader(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text('[deploy]\nstartCommand = "npm start"\n')
    assert _loaded(tmp_path) == []


def test_iac_tree_loads_only_its_language(tmp_path: Path) -> None:
    (tmp_path / ".railway").mkdir()
    (tmp_path / ".railway" / "railway.ts").write_text(
        'import { project, service } from "railway/iac";\n'
        'export default () => project("p", { resources: [service("a")] });\n'
    )
    assert _loaded(tmp_path) == ["railsafe.iac", "railsafe.iac.values", "tree_sitter_typescript"]


def test_grammars_load_without_their_package_init(tmp_path: Path) -> None:
    """railsafe.resources.grammar loads a grammar's `_binding` alone: the package's
    `__init__` imports importlib.resources (about 5 ms) for queries railsafe never reads."""
    (tmp_path / "railway.toml").write_text('[deploy]\nstartCommand = "npm start"\n')
    loaded = _modules_after_check(tmp_path, "sorted(m for m in sys.modules if m.startswith("
                                  "('tree_sitter_', 'importlib.resources')))")
    assert loaded == ["tree_sitter_bash._binding", "tree_sitter_toml._binding"]


def test_grammar_falls_back_to_the_package(tmp_path: Path, monkeypatch: Any) -> None:
    from railsafe.resources import grammar

    (tmp_path / "fake_grammar").mkdir()
    (tmp_path / "fake_grammar" / "__init__.py").write_text("def language():\n    return 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert grammar("fake_grammar") == 42


def test_suggestions_load_only_when_needed(tmp_path: Path) -> None:
    """difflib (a "did you mean" for an unknown key) is imported by the code that needs
    it, not by the rule modules."""
    wanted = "'difflib' in sys.modules"
    (tmp_path / "railway.toml").write_text('[deploy]\nstartCommand = "npm start"\n')
    assert _modules_after_check(tmp_path, wanted) is False
    (tmp_path / "railway.toml").write_text('[deploy]\nstartComand = "npm start"\n')
    assert _modules_after_check(tmp_path, wanted) is True


def test_a_small_tree_is_checked_in_one_process(tmp_path: Path) -> None:
    """A worker costs more than a one-service check: none is started (pickle, which only
    a worker's results need, is never imported)."""
    (tmp_path / "railway.toml").write_text('[deploy]\nstartCommand = "npm start"\n')
    assert _modules_after_check(tmp_path, "'pickle' in sys.modules", "--jobs", "8") is False

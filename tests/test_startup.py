"""What `railsafe check` loads depends on what the tree holds (start-up time).

The benchmark measures the time; these tests pin the cause: a tree without an
IaC file loads neither the IaC reader nor its grammars.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("railsafe.iac", "railsafe.iac.model", "tree_sitter_typescript", "tree_sitter_go")


def _loaded(repo: Path) -> list[str]:
    code = (
        "import sys; sys.argv = ['railsafe', 'check', sys.argv[1]]\n"
        "from railsafe.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"import json; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]),"
        " file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(repo)], capture_output=True,
                            text=True, check=False)
    return list(json.loads(result.stderr.strip().splitlines()[-1]))


def test_config_as_code_tree_loads_no_iac_reader(tmp_path: Path) -> None:
    (tmp_path / "railway.toml").write_text('[deploy]\nstartCommand = "npm start"\n')
    assert _loaded(tmp_path) == []


def test_iac_tree_loads_only_its_language(tmp_path: Path) -> None:
    (tmp_path / ".railway").mkdir()
    (tmp_path / ".railway" / "railway.ts").write_text(
        'import { project, service } from "railway/iac";\n'
        'export default () => project("p", { resources: [service("a")] });\n'
    )
    assert _loaded(tmp_path) == ["railsafe.iac", "railsafe.iac.model", "tree_sitter_typescript"]

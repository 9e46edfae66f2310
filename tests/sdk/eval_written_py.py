"""Test oracle for files railsafe WRITES (railsafe migrate / init --lang py): evaluate
`<dir>/.railway/railway.py` with `railway_sdk` as the Railway CLI does (the evaluation of
eval_py.py), for directories the tests created: under the system's temporary
directory, named `railsafe-written-*`. Never a user's repository.

Usage: python eval_written_py.py < jobs.json     jobs: [{dir, environment}]
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_py import context_payload, first_truthy

TMP = Path(tempfile.gettempdir()).resolve()


def evaluate(directory: str, environment: str, index: int) -> dict[str, Any]:
    from railway_sdk import create_railway_context

    real = Path(directory).resolve()
    top = real
    while top.parent != TMP and top.parent != top:
        top = top.parent
    if top.parent != TMP or not top.name.startswith("railsafe-written-"):
        raise ValueError(f"refusing to run {directory}: only railsafe-written-* directories")
    payload = context_payload(environment)
    os.environ["RAILWAY_IAC_CONTEXT"] = json.dumps(payload)
    ctx = create_railway_context(payload)
    path = real / ".railway" / "railway.py"
    spec = importlib.util.spec_from_file_location(f"railway_sdk_written_{index}", path)
    assert spec is not None and spec.loader is not None, path
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    partial = first_truthy(mod, ("PARTIAL", "Partial", "partial"))
    candidate = first_truthy(mod, ("main", "Railway", "default"))
    if callable(candidate):
        try:
            params = list(inspect.signature(candidate).parameters.values())
        except (TypeError, ValueError):
            params = [None]  # type: ignore[list-item]
        project = candidate(ctx) if params else candidate()
    else:
        project = candidate
    if hasattr(project, "to_graph"):
        project = project.to_graph()
    return json.loads(json.dumps({"partial": partial, "project": project}, default=str))


def main() -> int:
    jobs = json.load(sys.stdin)
    results: list[dict[str, Any]] = []
    for index, job in enumerate(jobs):
        try:
            with contextlib.redirect_stdout(sys.stderr):
                results.append({"result": evaluate(job["dir"], job["environment"], index)})
        except BaseException:
            results.append({"error": traceback.format_exc()})
    sys.stdout.write(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

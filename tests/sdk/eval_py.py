"""Test oracle: evaluate `.railway/railway.py` as the Railway CLI does, with `railway_sdk`.

Used by tests/test_iac_sdk.py on railsafe's own fixtures only: this RUNS the
file (in a subprocess), which railsafe itself never does. Mirrors the newer
CLI's `evaluate_python` (railway-iac.md §2.1, §6): the context is
`railway_sdk.create_railway_context(payload)` with the payload the CLI puts in
RAILWAY_IAC_CONTEXT; the entry is the first truthy of `main`, `Railway`,
`default`, called with `ctx` when it takes a parameter and with nothing
otherwise; a result with `to_graph()` is converted; `partial` is the first
truthy of `PARTIAL`, `Partial`, `partial`. Only files under tests/fixtures/
are accepted: never a user's repository.

Usage:
    python eval_py.py FILE ENVIRONMENT       one file, prints {partial, project}
    python eval_py.py --batch < jobs.json    [{file, environment}] -> [{result} | {error}]
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def context_payload(environment: str) -> dict[str, Any]:
    """The JSON the CLI puts in RAILWAY_IAC_CONTEXT (`EvalContext::to_json`)."""
    return {
        "command": "plan",
        "projectId": None,
        "projectName": None,
        "environmentId": None,
        "environment": environment,
        "environmentName": environment,
    }


def first_truthy(mod: object, names: tuple[str, ...]) -> Any:
    """`getattr(mod, a, None) or getattr(mod, b, None) or ...`, as the CLI picks."""
    return next(filter(None, (getattr(mod, name, None) for name in names)), None)


def evaluate(path: str, environment: str, index: int) -> dict[str, Any]:
    from railway_sdk import create_railway_context

    if not Path(path).resolve().is_relative_to(FIXTURES):
        raise ValueError(f"refusing to run {path}: only railsafe's fixtures ({FIXTURES}) are run")
    payload = context_payload(environment)
    os.environ["RAILWAY_IAC_CONTEXT"] = json.dumps(payload)
    ctx = create_railway_context(payload)
    # a fresh module per evaluation, as in the CLI's one process per plan
    spec = importlib.util.spec_from_file_location(f"railway_sdk_user_{index}", path)
    assert spec is not None and spec.loader is not None, path
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    partial = first_truthy(mod, ("PARTIAL", "Partial", "partial"))
    candidate = first_truthy(mod, ("main", "Railway", "default"))
    if callable(candidate):
        try:
            params = list(inspect.signature(candidate).parameters.values())
        except (TypeError, ValueError):
            params = [None]
        project = candidate(ctx) if params else candidate()
    else:
        project = candidate
    if hasattr(project, "to_graph"):
        project = project.to_graph()
    # JSON round trip with str() for the rest: what the CLI reads
    return json.loads(json.dumps({"partial": partial, "project": project}, default=str))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--batch"]:
        jobs = json.load(sys.stdin)
    elif len(argv) == 2:
        jobs = [{"file": argv[0], "environment": argv[1]}]
    else:
        print("usage: eval_py.py FILE ENVIRONMENT | --batch < jobs.json", file=sys.stderr)
        return 2
    results: list[dict[str, Any]] = []
    for index, job in enumerate(jobs):
        try:
            # what the file prints must not mix with the JSON on stdout
            with contextlib.redirect_stdout(sys.stderr):
                result = evaluate(job["file"], job["environment"], index)
            results.append({"result": result})
        except BaseException:  # a fixture may even call sys.exit(); report it, go on
            results.append({"error": traceback.format_exc()})
    if argv[:1] == ["--batch"]:
        sys.stdout.write(json.dumps(results))
        return 0
    if "error" in results[0]:
        sys.stderr.write(results[0]["error"])
        return 1
    print(json.dumps(results[0]["result"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

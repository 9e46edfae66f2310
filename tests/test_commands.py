"""railsafe.commands: shell parsing, following into the repository, the detection table."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import pytest

from railsafe.commands import Analysis, RepoResolver, Step, analyze
from railsafe.commands.table import load_table, parse_table
from railsafe.context import Context
from railsafe.discover import discover
from railsafe.findings import Span

TABLE = load_table()


def _label_glob(label: str) -> str:
    for key in ("{cmd}", "{task}", "{sql}", "{pm}", "{script}"):
        label = label.replace(key, "*")
    return label


EXAMPLES = [
    pytest.param(entry, example, id=f"{entry.category}:{entry.label}:{example}")
    for entry in TABLE.entries
    for example in entry.examples
]
COUNTEREXAMPLES = [
    pytest.param(entry, example, id=f"{entry.category}:{entry.label}:{example}")
    for entry in TABLE.entries
    for example in entry.counterexamples
]


def test_every_entry_has_an_example() -> None:
    missing = [e.label for e in TABLE.entries if not e.examples]
    assert not missing


@pytest.mark.parametrize(("entry", "example"), EXAMPLES)
def test_entry_examples_are_detected(entry, example) -> None:
    result = analyze(example)
    assert not result.unparsable
    whats = [d.what for d in result.detections if d.category == entry.category]
    assert any(fnmatch.fnmatchcase(w, _label_glob(entry.label)) for w in whats), result


@pytest.mark.parametrize(("entry", "example"), COUNTEREXAMPLES)
def test_entry_counterexamples_are_not_detected(entry, example) -> None:
    result = analyze(example)
    assert not [d for d in result.detections if d.category == entry.category], result


@pytest.mark.parametrize(
    "command",
    [
        "npm run latest",
        "echo contest",
        "mvn -DskipTests package",
        "pip install pytest",
        "uv add pytest",
        "npm i -D jest",
        "pip install -r requirements-test.txt",
        "uvicorn test_server:app --port $PORT",
        "node dist/test-utils.js",
        "echo pytest",
        "printf '%s' 'pytest'",
        "# pytest",
        "gunicorn app:app  # then pytest",
        "cat requirements-test.txt",
        "ls tests/",
        "grep -r pytest .",
        "npm run build",
        "python -c 'import pytest'",
        "vitest build",
        "docker run --rm app pytest-lint",
        "pytest-cov --help",
        "echo 'DROP TABLE users'",
        "git log --grep 'prisma migrate reset'",
    ],
)
def test_precision(command: str) -> None:
    result = analyze(command)
    assert result.detections == (), result


def test_offsets_and_text() -> None:
    command = "npm ci && FOO=1 pytest -x tests && gunicorn app:app"
    (found,) = analyze(command).detections
    assert found.what == "pytest"
    assert command[found.start : found.end] == "pytest -x tests"
    assert found.chain == ()
    assert found.text == "pytest"


def test_offsets_after_non_ascii() -> None:
    command = "echo 'héllo wörld' && pytest"
    (found,) = analyze(command).detections
    assert command[found.start : found.end] == "pytest"


@pytest.mark.parametrize(
    ("command", "inner"),
    [
        ("sh -c 'cd app && pytest -q'", "pytest -q"),
        ('bash -lc "echo start; python -m pytest"', "python -m pytest"),
        ('bash -c "echo \\"x\\" && pytest"', "pytest"),
        ("sh -c \"sh -c 'alembic downgrade base'\"", "alembic downgrade base"),
        ("/bin/sh -ec 'pytest'", "pytest"),
    ],
)
def test_sh_c_recursion_maps_offsets_back(command: str, inner: str) -> None:
    (found,) = analyze(command).detections
    assert command[found.start : found.end] == inner


@pytest.mark.parametrize(
    "command",
    [
        "FOO=1 BAR=2 pytest",
        "env DJANGO_SETTINGS_MODULE=x pytest",
        "env -u HOME pytest",
        "exec pytest",
        "time pytest",
        "nohup pytest &",
        "timeout 60 pytest",
        "dotenv -e .env -- pytest",
        "dotenv run pytest",
        "cross-env NODE_ENV=test jest",
        "(pytest)",
        "{ pytest; }",
        "true || pytest",
        "pytest | tee out.log",
        "if true; then pytest; fi",
        "x=$(pytest)",
        "echo $(pytest)",
        "f() { pytest; }; f",
        "bundle exec rspec",
        "railway run pytest",
        "doppler run -- pytest",
        "sudo -u app pytest",
        "gosu app pytest",
    ],
)
def test_wrappers_and_structure(command: str) -> None:
    result = analyze(command)
    assert [d.category for d in result.detections] == ["test-runner"], result


def test_function_defined_but_not_called_is_not_detected() -> None:
    assert analyze("f() { pytest; }; echo ok").detections == ()


def test_unparsable_command_is_reported_not_guessed() -> None:
    result = analyze("pytest && echo 'unterminated")
    assert result.detections == ()
    (bad,) = result.unparsable
    assert "cannot parse" in bad.reason
    assert 0 <= bad.start < bad.end <= len("pytest && echo 'unterminated")


def test_unparsable_inside_sh_c() -> None:
    command = "sh -c 'echo \"oops'"
    result = analyze(command)
    assert result.detections == ()
    assert len(result.unparsable) == 1


def test_script_invocation_without_resolver_is_detected_by_name() -> None:
    command = "npm ci && npm run test:unit"
    (found,) = analyze(command).detections
    assert found.what == "npm run test:unit"
    assert command[found.start : found.end] == "npm run test:unit"
    assert found.text == "npm run test:unit"


def test_multiple_categories_in_one_command() -> None:
    result = analyze("rake db:drop db:create db:migrate")
    assert sorted(d.category for d in result.detections) == ["destructive-db", "migration"]


def test_table_rejects_bad_entries() -> None:
    with pytest.raises(ValueError, match="unknown category"):
        parse_table('[[entry]]\ncategory = "nope"\nlabel = "x"\nargv = ["x"]\n')
    with pytest.raises(ValueError, match="needs argv"):
        parse_table('[[entry]]\ncategory = "migration"\nlabel = "x"\n')


# --- following into a repository --------------------------------------------------------


def _repo(tmp_path: Path, files: dict[str, str]) -> tuple[Context, RepoResolver]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    ctx = Context(discover([tmp_path]))
    return ctx, RepoResolver(ctx, tmp_path)


def _package(scripts: dict[str, str]) -> str:
    return json.dumps({"name": "app", "scripts": scripts}, indent=2) + "\n"


def _find(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the occurrence-th `needle` in text."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def test_follows_package_json_scripts(tmp_path: Path) -> None:
    package = _package(
        {"build": "tsc && npm test", "test": "jest --ci", "start": "node dist/index.js"}
    )
    _, resolver = _repo(tmp_path, {"package.json": package})
    command = "npm ci && npm run build"
    (found,) = analyze(command, resolver).detections
    assert found.what == "jest"
    assert command[found.start : found.end] == "npm run build"
    assert [s.label for s in found.chain] == [
        "package.json scripts.build",
        "package.json scripts.test",
    ]
    build, test = found.chain
    line, column = _find(package, "npm test")
    assert build.span == Span(line, column, line, column + len("npm test"))
    line, column = _find(package, "jest --ci")
    assert test.span == Span(line, column, line, column + len("jest --ci"))
    assert all(s.path == "package.json" for s in found.chain)


def test_test_script_that_is_never_invoked_is_not_detected(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"package.json": _package({"build": "tsc", "test": "jest"})})
    assert analyze("npm run build", resolver).detections == ()


def test_test_script_that_runs_nothing_is_not_detected_when_followed(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"package.json": _package({"test": "echo no tests"})})
    assert analyze("npm test", resolver).detections == ()
    assert analyze("npm test").detections != ()  # without the repository: by its name


def test_pre_and_post_scripts(tmp_path: Path) -> None:
    scripts = {
        "prebuild": "prisma migrate reset --force",
        "build": "tsc",
        "postbuild": "vitest run",
    }
    _, resolver = _repo(tmp_path, {"package.json": _package(scripts)})
    for command in ("npm run build", "yarn build", "pnpm run build"):
        result = analyze(command, resolver)
        assert sorted(d.what for d in result.detections) == ["prisma migrate reset", "vitest"], (
            command
        )
    result = analyze("bun run build", resolver)
    assert result.detections == ()


def test_missing_script_falls_back_to_binaries_for_yarn(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"package.json": _package({"build": "tsc"})})
    (found,) = analyze("yarn prisma migrate deploy", resolver).detections
    assert found.what == "prisma migrate deploy"
    assert analyze("npm run jest", resolver).detections == ()


def test_cd_changes_the_package_json_followed(tmp_path: Path) -> None:
    _, resolver = _repo(
        tmp_path,
        {
            "package.json": _package({"build": "tsc"}),
            "web/package.json": _package({"build": "vitest"}),
        },
    )
    (found,) = analyze("cd web && npm run build", resolver).detections
    assert found.chain[0].path == "web/package.json"
    assert analyze("(cd web); npm run build", resolver).detections == ()
    (found,) = analyze("npm --prefix web run build", resolver).detections
    assert found.chain[0].label == "web/package.json scripts.build"


def test_package_script_cycle_terminates(tmp_path: Path) -> None:
    scripts = {"a": "npm run b", "b": "npm run a && pytest"}
    _, resolver = _repo(tmp_path, {"package.json": _package(scripts)})
    result = analyze("npm run a", resolver)
    (found,) = result.detections
    assert [s.label for s in found.chain] == ["package.json scripts.a", "package.json scripts.b"]


def test_depth_bound(tmp_path: Path) -> None:
    scripts = {f"s{i}": f"npm run s{i + 1}" for i in range(10)}
    scripts["s10"] = "pytest"
    _, resolver = _repo(tmp_path, {"package.json": _package(scripts)})
    assert analyze("npm run s0", resolver).detections == ()
    assert analyze("npm run s0", resolver, max_depth=11).detections != ()
    assert analyze("npm run s5", resolver, max_depth=6).detections != ()
    assert analyze("npm run s4", resolver, max_depth=6).detections == ()


def test_follows_script_files(tmp_path: Path) -> None:
    script = (
        "#!/bin/sh\nset -e\n\n# run the migrations\n  alembic upgrade head\nexec gunicorn app:app\n"
    )
    _, resolver = _repo(tmp_path, {"scripts/start.sh": script})
    for command in (
        "./scripts/start.sh",
        "bash scripts/start.sh",
        "sh -e ./scripts/start.sh",
        ". scripts/start.sh",
        "source scripts/start.sh",
        "cd scripts && ./start.sh",
    ):
        (found,) = analyze(command, resolver).detections
        assert found.what == "alembic upgrade", command
        assert (found.start, found.end) != (0, 0)
        (step,) = found.chain
        assert step.path == "scripts/start.sh"
        assert step.label == "scripts/start.sh:5"
        assert step.span == Span(5, 3, 5, 3 + len("alembic upgrade head"))


def test_script_file_offsets_point_at_the_invocation(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"start.sh": "pytest\n"})
    command = "echo hi && ./start.sh --fast"
    (found,) = analyze(command, resolver).detections
    assert command[found.start : found.end] == "./start.sh --fast"


def test_non_shell_script_is_not_followed(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"bin/tool": "#!/usr/bin/env python3\nimport os  # pytest\n"})
    assert analyze("./bin/tool", resolver).detections == ()


def test_script_that_calls_itself(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"loop.sh": "./loop.sh\nbash loop.sh\npytest\n"})
    result = analyze("./loop.sh", resolver)
    assert len(result.detections) == 1
    assert result.detections[0].chain[-1].label == "loop.sh:3"


def test_unparsable_script_file(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"bad.sh": "echo ok\nif then fi ((\npytest 'x\n"})
    result = analyze("bash bad.sh", resolver)
    assert result.detections == ()
    (bad,) = result.unparsable
    assert "bad.sh" in bad.reason
    assert (bad.start, bad.end) == (0, len("bash bad.sh"))


def test_script_outside_the_repository_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "evil.sh").write_text("pytest\n")
    ctx = Context(discover([tmp_path / "repo"]))
    resolver = RepoResolver(ctx, tmp_path / "repo")
    assert analyze("bash ../evil.sh", resolver).detections == ()
    assert analyze("bash /etc/profile", resolver).detections == ()


MAKEFILE = """\
PYTHON ?= python3
.PHONY: all test migrate deploy

all: build

build:
\t@echo building
\tnpm run build

# runs the suite
test:
\t$(PYTHON) -m pytest -q

migrate:
\t-$(PYTHON) manage.py \\
\t    migrate --noinput

deploy: migrate
\t$(MAKE) test

loop:
\t$(MAKE) loop
"""


def test_follows_makefile_targets(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"Makefile": MAKEFILE})
    (found,) = analyze("make test", resolver).detections
    assert found.what == "pytest"
    (step,) = found.chain
    assert step.path == "Makefile"
    assert step.label == "Makefile target test"
    line, column = _find(MAKEFILE, "$(PYTHON) -m pytest")
    assert (step.span.line, step.span.column) == (line, column)


def test_makefile_continuation_lines_and_prefixes(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"Makefile": MAKEFILE})
    (found,) = analyze("make migrate", resolver).detections
    assert found.what == "manage.py migrate"
    line, column = _find(MAKEFILE, "$(PYTHON) manage.py")
    assert (found.chain[0].span.line, found.chain[0].span.column) == (line, column)


def test_makefile_prerequisites_and_recursive_make(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"Makefile": MAKEFILE})
    whats = sorted(d.what for d in analyze("make deploy", resolver).detections)
    assert whats == ["manage.py migrate", "pytest"]


def test_bare_make_runs_the_first_target(tmp_path: Path) -> None:
    package = _package({"build": "jest"})
    _, resolver = _repo(tmp_path, {"Makefile": MAKEFILE, "package.json": package})
    (found,) = analyze("make", resolver).detections
    assert found.what == "jest"
    assert [s.label for s in found.chain] == ["Makefile target build", "package.json scripts.build"]


def test_make_cycle_terminates(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"Makefile": MAKEFILE})
    assert analyze("make loop", resolver) == Analysis((), ())


def test_chain_through_three_kinds_of_file(tmp_path: Path) -> None:
    files = {
        "package.json": _package({"build": "make release"}),
        "Makefile": "release:\n\tsh scripts/release.sh\n",
        "scripts/release.sh": (
            "#!/usr/bin/env bash\npsql \"$DATABASE_URL\" -c 'DROP SCHEMA public CASCADE'\n"
        ),
    }
    _, resolver = _repo(tmp_path, files)
    command = "npm run build"
    (found,) = analyze(command, resolver).detections
    assert found.category == "destructive-db"
    assert (found.start, found.end) == (0, len(command))
    assert [s.label for s in found.chain] == [
        "package.json scripts.build",
        "Makefile target release",
        "scripts/release.sh:2",
    ]
    assert found.chain[1].span.line == 2
    assert found.chain[2].span == Span(
        2, 1, 2, len(files["scripts/release.sh"].splitlines()[1]) + 1
    )


def test_sql_file_given_to_psql(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"db/reset.sql": "TRUNCATE users;\n", "db/ok.sql": "SELECT 1;\n"})
    (found,) = analyze("psql $DATABASE_URL -f db/reset.sql", resolver).detections
    assert found.what == "psql: TRUNCATE"
    assert analyze("psql $DATABASE_URL < db/reset.sql", resolver).detections != ()
    assert analyze("psql $DATABASE_URL -f db/ok.sql", resolver).detections == ()


def test_resolver_steps(tmp_path: Path) -> None:
    ctx, resolver = _repo(
        tmp_path, {"package.json": _package({"build": "tsc"}), "run.sh": "echo\n"}
    )
    text, step = resolver.package_script("build") or ("", None)
    assert text == "tsc"
    assert isinstance(step, Step) and step.label == "package.json scripts.build"
    assert resolver.package_script("nope") is None
    assert resolver.make_target("x") is None
    found = resolver.script_file("run.sh")
    assert found is not None and found[1].path == "run.sh"
    assert resolver.script_file("../x.sh") is None
    assert ctx.root == tmp_path.resolve()

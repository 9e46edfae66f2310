"""railsafe.commands: shell parsing, following into the repository, the detection table."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import pytest

from railsafe.commands import Analysis, RepoResolver, Step, analyze
from railsafe.commands.table import load_table, load_table_source, main, parse_table
from railsafe.context import Context
from railsafe.discover import discover
from railsafe.findings import Span

TABLE = load_table_source()



def _no_migrations(result):  # type: ignore[no-untyped-def]
    """The detections other than migrations: `prisma migrate reset` is both destructive
    and a migration (issue 10: one command, both rules), and these tests follow the
    destructive one."""
    return tuple(d for d in result.detections if d.category != "migration")

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
        whats = sorted(d.what for d in _no_migrations(result))
        assert whats == ["prisma migrate reset", "vitest"], command
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


# --- arguments passed to package scripts -------------------------------------------------

NEST_SCRIPTS = {
    "typeorm": "typeorm-ts-node-commonjs -d src/data-source.ts",
    "schema:drop": "npm run typeorm -- schema:drop",
    "migration:run": "npm run typeorm -- migration:run",
    "prestart:prod": "npm run schema:drop && npm run migration:run",
    "start:prod": "node dist/main",
    "prisma": "prisma",
    "manage": "python manage.py",
}


@pytest.mark.parametrize(
    ("command", "what"),
    [
        ("npm run typeorm -- schema:drop", "typeorm schema:drop"),
        ("npm run schema:drop", "typeorm schema:drop"),
        ("npm run start:prod", "typeorm schema:drop"),
        ("pnpm run typeorm -- schema:drop", "typeorm schema:drop"),
        ("pnpm typeorm schema:drop", "typeorm schema:drop"),
        ("yarn typeorm schema:drop", "typeorm schema:drop"),
        ("yarn run typeorm schema:drop", "typeorm schema:drop"),
        ("bun run typeorm schema:drop", "typeorm schema:drop"),
        ("pnpm prisma migrate reset --force", "prisma migrate reset"),
        ("npm run prisma -- migrate reset --force", "prisma migrate reset"),
        ("npm run manage -- flush --no-input", "manage.py flush"),
        ("npm run manage flush", "manage.py flush"),  # npm passes positionals on
    ],
)
def test_arguments_are_appended_to_the_script(tmp_path: Path, command: str, what: str) -> None:
    _, resolver = _repo(tmp_path, {"package.json": _package(NEST_SCRIPTS)})
    whats = [d.what for d in analyze(command, resolver).detections]
    assert what in whats, (command, whats)


def test_script_arguments_keep_chain_and_offsets(tmp_path: Path) -> None:
    package = _package(NEST_SCRIPTS)
    _, resolver = _repo(tmp_path, {"package.json": package})
    command = "npm ci && npm run typeorm -- schema:drop"
    (found,) = analyze(command, resolver).detections
    assert command[found.start : found.end] == "npm run typeorm -- schema:drop"
    (step,) = found.chain
    assert step.label == "package.json scripts.typeorm"
    value = NEST_SCRIPTS["typeorm"]
    line, column = _find(package, value)
    assert step.span == Span(line, column, line, column + len(value))  # clamped to the value


def test_npm_options_after_the_script_name_are_npm_s(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"package.json": _package(NEST_SCRIPTS)})
    # `--no-input` without `--` is an npm option, not an argument of the script
    assert analyze("npm run manage --no-input flush", resolver).detections != ()
    assert analyze("npm run typeorm --silent", resolver).detections == ()
    # pre/post scripts do not get the arguments
    scripts = {"prebuild": "prisma", "build": "tsc"}
    _, resolver = _repo(tmp_path / "b", {"package.json": _package(scripts)})
    assert analyze("npm run build -- migrate reset", resolver).detections == ()


# --- mix aliases -----------------------------------------------------------------------------

MIX_EXS = """\
defmodule Hello.MixProject do
  use Mix.Project

  def project do
    [app: :hello, deps: deps(), aliases: aliases()]
  end

  # aliases: ["fake.alias": ["ecto.drop"]]
  defp aliases do
    [
      setup: ["deps.get", "ecto.setup"],  # a comment ] with a bracket
      "ecto.setup": ["ecto.create", "ecto.migrate", "run priv/repo/seeds.exs"],
      "ecto.reset": ["ecto.drop", "ecto.setup"],
      "db.rebuild": ["ecto.drop", "ecto.create", "ecto.migrate"],
      "test.all": ["ecto.reset", "test"],
      "db.fn": [&reset_db/1],
      "db.mixed": [&reset_db/1, "ecto.rollback --all"],
      single: "ecto.drop",
      test: ["ecto.create --quiet", "ecto.migrate --quiet", "test"],
      loop_a: ["loop_b"],
      loop_b: ["loop_a", "ecto.rollback"]
    ]
  end

  defp reset_db(_), do: :ok
end
"""


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("mix db.rebuild", ["mix ecto.create", "mix ecto.drop", "mix ecto.migrate"]),
        ("mix test.all", ["mix ecto.create", "mix ecto.drop", "mix ecto.migrate", "mix test"]),
        ("mix ecto.reset", ["mix ecto.create", "mix ecto.drop", "mix ecto.migrate"]),
        ("mix setup", ["mix ecto.create", "mix ecto.migrate"]),
        ("mix single", ["mix ecto.drop"]),
        ("mix db.mixed", ["mix ecto.rollback"]),
        ("mix db.fn", []),  # a function: not analysed, and not matched by name either
        ("mix test", ["mix ecto.create", "mix ecto.migrate", "mix test"]),
        ("mix loop_a", ["mix ecto.rollback"]),  # alias cycle: terminates
        ("mix do db.rebuild, phx.server", ["mix ecto.create", "mix ecto.drop", "mix ecto.migrate"]),
        ("mix ecto.migrate", ["mix ecto.migrate"]),  # no such alias: the task
        ("mix fake.alias", []),  # in a comment
    ],
)
def test_mix_aliases_are_expanded(tmp_path: Path, command: str, expected: list[str]) -> None:
    _, resolver = _repo(tmp_path, {"mix.exs": MIX_EXS})
    found = analyze(command, resolver).detections
    assert sorted({d.what for d in found}) == expected


def test_mix_alias_chain_points_at_the_alias(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"mix.exs": MIX_EXS})
    command = "MIX_ENV=prod mix test.all"
    found = {d.what: d for d in analyze(command, resolver).detections}
    drop = found["mix ecto.drop"]
    assert drop.category == "destructive-db"
    assert command[drop.start : drop.end] == "mix test.all"
    assert [s.label for s in drop.chain] == [
        "mix.exs aliases.test.all",
        "mix.exs aliases.ecto.reset",
    ]
    line, column = _find(MIX_EXS, '"test.all":')
    assert (drop.chain[0].path, drop.chain[0].span.line, drop.chain[0].span.column) == (
        "mix.exs",
        line,
        column,
    )


def test_mix_alias_resolver(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"mix.exs": MIX_EXS})
    got = resolver.mix_alias("ecto.setup")
    assert got is not None
    assert got[0] == ["ecto.create", "ecto.migrate", "run priv/repo/seeds.exs"]
    assert resolver.mix_alias("db.fn") is None
    assert resolver.mix_alias("nope") is None
    _, bare = _repo(tmp_path / "none", {"x.txt": ""})
    assert bare.mix_alias("setup") is None


# --- robustness ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "makefile",
    [
        "build: build\n\tgo build ./...\n",
        "build: deps\n\tgo build ./...\ndeps: build\n\tgo mod download\n",
        "all: build\nbuild: all\n\tgo build ./...\n",
    ],
)
def test_makefile_prerequisite_cycles_are_dropped(tmp_path: Path, makefile: str) -> None:
    _, resolver = _repo(tmp_path, {"Makefile": makefile})
    assert analyze("make build", resolver) == Analysis((), ())
    assert analyze("make", resolver) == Analysis((), ())


def test_makefile_prerequisite_cycle_still_runs_the_recipes(tmp_path: Path) -> None:
    makefile = "all: build\nbuild: all test\n\tgo build ./...\ntest: build\n\tgo test ./...\n"
    _, resolver = _repo(tmp_path, {"Makefile": makefile})
    (found,) = analyze("make build", resolver).detections
    assert found.what == "go test"
    assert found.chain[0].label == "Makefile target test"


def test_makefile_long_prerequisite_chain(tmp_path: Path) -> None:
    rules = "".join(f"t{i}: t{i + 1}\n" for i in range(3000)) + "t3000:\n\tpytest\n"
    _, resolver = _repo(tmp_path, {"Makefile": rules})
    assert analyze("make t0", resolver).unparsable == ()  # bounded, no crash


def test_very_long_and_list() -> None:
    command = " && ".join(["true"] * 1000 + ["pytest"])
    result = analyze(command)
    assert [d.what for d in result.detections] == ["pytest"]
    assert result.unparsable == ()


@pytest.mark.parametrize(
    "command",
    [
        "echo " + "$(echo " * 300 + "$(pytest)" + ")" * 300,
        "(" * 300 + "pytest" + ")" * 300,
        "if true; then " * 300 + "pytest" + "; fi" * 300,
    ],
)
def test_too_deep_nesting_is_reported_not_crashed(command: str) -> None:
    result = analyze(command)
    (bad,) = result.unparsable
    assert "nested too deeply" in bad.reason
    assert 0 <= bad.start < bad.end <= len(command)


def test_too_deep_nesting_under_a_low_recursion_limit() -> None:
    import sys

    command = "echo " + "$(echo " * 80 + "$(pytest)" + ")" * 80
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(250)
    try:
        result = analyze(command)
    finally:
        sys.setrecursionlimit(old)
    assert "nested too deeply" in result.unparsable[0].reason
    assert analyze(command).detections != ()  # with the usual limit it is analysed


# --- Railway references -----------------------------------------------------------------------


def test_railway_references_are_opaque_words() -> None:
    command = "DATABASE_URL=${{Postgres.DATABASE_PUBLIC_URL}} pytest -q && node server.js"
    result = analyze(command)
    assert result.unparsable == ()
    (found,) = result.detections
    assert command[found.start : found.end] == "pytest -q"
    command = 'psql "${{Postgres.DATABASE_URL}}" -c "DROP TABLE users" && echo ${{shared.X}}é'
    (found,) = analyze(command).detections
    assert found.what == "psql: DROP TABLE"
    assert command[found.start : found.end].startswith('psql "${{Postgres.DATABASE_URL}}"')
    # a reference never matches the table, like any expansion
    assert analyze("${{api.CMD}} test").detections == ()


# --- functions of sourced files ---------------------------------------------------------------


def test_functions_from_a_sourced_file(tmp_path: Path) -> None:
    files = {
        "start.sh": "#!/bin/sh\n. ./scripts/lib.sh\nsetup_db\nexec node server.js\n",
        "scripts/lib.sh": "setup_db() {\n  npx prisma migrate reset --force\n}\n",
    }
    _, resolver = _repo(tmp_path, files)
    (found,) = _no_migrations(analyze("./start.sh", resolver))
    assert found.what == "prisma migrate reset"
    assert [s.label for s in found.chain] == ["start.sh:3", "scripts/lib.sh:2"]
    assert found.chain[1].span.line == 2
    # sourced from the command itself
    command = "source scripts/lib.sh && setup_db"
    (found,) = _no_migrations(analyze(command, resolver))
    assert command[found.start : found.end] == "setup_db"
    assert [s.label for s in found.chain] == ["scripts/lib.sh:2"]
    # defined but never called
    assert analyze(". scripts/lib.sh && echo ok", resolver).detections == ()


def test_recursive_functions_across_files_terminate(tmp_path: Path) -> None:
    files = {"lib.sh": "a() { b; }\nb() { a; pytest; }\n"}
    _, resolver = _repo(tmp_path, files)
    (found,) = analyze(". ./lib.sh; a", resolver).detections
    assert found.what == "pytest"


# --- Yarn Berry and pre/post scripts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "command", "runs_prestart"),
    [
        ({"packageManager": "yarn@4.2.2"}, "yarn start", False),
        ({"packageManager": "yarn@2.4.3"}, "yarn run start", False),
        ({"packageManager": "yarn@1.22.19"}, "yarn start", True),
        ({}, "yarn start", True),
        ({".yarnrc.yml": ""}, "yarn start", False),
        ({"packageManager": "yarn@4.2.2"}, "npm start", True),
        ({"packageManager": "pnpm@9.1.0"}, "pnpm start", True),
        ({"packageManager": "pnpm@8.15.0"}, "pnpm run start", True),
        ({}, "bun run start", False),
    ],
)
def test_pre_scripts_per_package_manager(
    tmp_path: Path, files: dict[str, str], command: str, runs_prestart: bool
) -> None:
    data: dict[str, object] = {"scripts": {"prestart": "jest", "start": "node x"}}
    extra = {}
    for key, value in files.items():
        if key.startswith("."):
            extra[key] = value
        else:
            data[key] = value
    _, resolver = _repo(tmp_path, {"package.json": json.dumps(data), **extra})
    assert bool(analyze(command, resolver).detections) is runs_prestart


def test_package_manager_of_a_workspace_package(tmp_path: Path) -> None:
    files = {
        "package.json": json.dumps({"packageManager": "yarn@3.6.0", "workspaces": ["app"]}),
        "app/package.json": json.dumps(
            {"name": "app", "scripts": {"pretest": "jest", "test": "echo"}}
        ),
    }
    _, resolver = _repo(tmp_path, files)
    assert resolver.at("app").package_manager() == ("yarn", 3)
    assert analyze("cd app && yarn test", resolver).detections == ()


# --- in-image paths -------------------------------------------------------------------------------

ENTRYPOINT = """\
#!/bin/bash -e
if [ "${1}" == "./bin/rails" ] && [ "${2}" == "server" ]; then
  ./bin/rails db:reset
fi
exec "${@}"
"""


def test_image_paths_map_absolute_scripts(tmp_path: Path) -> None:
    for name, text in {
        "bin/docker-entrypoint": ENTRYPOINT,
        "db/reset.sql": "DROP TABLE x;",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    ctx = Context(discover([tmp_path]))
    plain = RepoResolver(ctx, tmp_path)
    assert analyze("/rails/bin/docker-entrypoint", plain).detections == ()
    resolver = RepoResolver(ctx, tmp_path, image_paths={"/rails": "."})
    (found,) = analyze("/rails/bin/docker-entrypoint ./bin/rails server", resolver).detections
    assert found.what == "rails db:reset"
    assert found.chain[0].label == "bin/docker-entrypoint:3"
    assert resolver.map_image_path("/rails/bin/x") == "bin/x"
    assert resolver.map_image_path("/railsx/bin/x") is None
    assert resolver.map_image_path("bin/x") is None
    assert analyze("cd /rails && bin/docker-entrypoint", resolver).detections != ()
    assert analyze("cd /other && bin/docker-entrypoint", resolver).detections == ()
    assert analyze("psql -f /rails/db/reset.sql", resolver).detections != ()
    # a subdirectory resolver keeps the mapping
    assert resolver.at("bin").map_image_path("/rails/bin/x") == "x"


def test_image_paths_never_leave_the_root(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "evil.sh").write_text("pytest\n")
    ctx = Context(discover([tmp_path / "repo"]))
    resolver = RepoResolver(ctx, tmp_path / "repo", image_paths={"/app": ".."})
    assert analyze("/app/evil.sh", resolver).detections == ()


# --- inline Python -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "what"),
    [
        (
            'python -c "from app.db import Base, engine; Base.metadata.drop_all(engine)" && x',
            "python: drop_all()",
        ),
        ("python3.12 -c 'import db; db.drop_all()'", "python3.12: drop_all()"),
        ("python -W ignore -c 'import db; db.drop_all()'", "python: drop_all()"),
        (
            "python - <<'PY'\nfrom app.db import Base, engine\nBase.metadata.drop_all(engine)\nPY",
            "python: drop_all()",
        ),
        (
            "python3 -u - <<EOF\nimport os\ncur.execute('DROP TABLE users')\nEOF",
            "python3: DROP TABLE",
        ),
        ("python <<< 'import db; db.drop_all()'", "python: drop_all()"),
        ("echo 'import db; db.drop_all()' | python3", "python3: drop_all()"),
        ("poetry run python -c 'c.execute(f\"TRUNCATE {t}\")'", "python: TRUNCATE"),
        (
            "python manage.py shell -c 'from app import db; db.drop_all()'",
            "manage.py shell: drop_all()",
        ),
    ],
)
def test_inline_python(command: str, what: str) -> None:
    result = analyze(command)
    assert result.unparsable == ()
    assert [(d.category, d.what) for d in result.detections] == [("destructive-db", what)]


@pytest.mark.parametrize(
    "command",
    [
        "python -c 'import pytest'",
        "python -c 'print(\"drop_all(\")'",
        "python -c 'not python drop_all('",
        "python script.py <<EOF\nimport db; db.drop_all()\nEOF",  # stdin is the script's data
        "python -m http.server <<< 'db.drop_all()'",
        'python -c "$CODE"',
    ],
)
def test_inline_python_counterexamples(command: str) -> None:
    assert analyze(command).detections == ()


# --- SQL piped into a client ---------------------------------------------------------------------


def test_sql_piped_from_a_file(tmp_path: Path) -> None:
    _, resolver = _repo(
        tmp_path, {"db/reset.sql": "DROP SCHEMA public CASCADE;\n", "ok.sql": "SELECT 1;"}
    )
    (found,) = analyze('cat db/reset.sql | psql "$DATABASE_URL"', resolver).detections
    assert found.what == "psql: DROP SCHEMA"
    assert analyze('cat ok.sql | psql "$DATABASE_URL"', resolver).detections == ()
    assert analyze("cat db/reset.sql | grep DROP | psql", resolver).detections == ()
    command = "cd db && cat reset.sql | psql"
    assert analyze(command, resolver).detections != ()


# --- workspaces -----------------------------------------------------------------------------------


def _workspace(tmp_path: Path, declare: str = "pnpm") -> RepoResolver:
    root: dict[str, object] = {
        "name": "root",
        "private": True,
        "scripts": {"build": "turbo run build", "test": "turbo run test"},
    }
    files = {
        "turbo.json": '{\n  // turbo allows comments\n  "tasks": {'
        '"build": {"dependsOn": ["^build"]}, "test": {"dependsOn": ["build"]}}\n}\n',
        "apps/api/package.json": json.dumps(
            {
                "name": "@acme/api",
                "scripts": {"build": "tsc", "start": "node dist", "test": "jest"},
                "dependencies": {"@acme/db": "workspace:*"},
            }
        ),
        "apps/web/package.json": json.dumps({"name": "web", "scripts": {"build": "next build"}}),
        "packages/db/package.json": json.dumps(
            {"name": "@acme/db", "scripts": {"build": "prisma migrate reset --force && tsc"}}
        ),
        "packages/db/fixtures/x/package.json": json.dumps(
            {"name": "fixture", "scripts": {"build": "pytest"}}
        ),
    }
    if declare == "pnpm":
        files["pnpm-workspace.yaml"] = (
            "# workspace\npackages:\n  - 'apps/*'   # apps\n  - \"packages/*\"\n"
            "  - '!**/fixtures/**'\ncatalog:\n  react: ^18\n"
        )
    elif declare == "flow":
        files["pnpm-workspace.yaml"] = "packages: ['apps/*', 'packages/*']\n"
    elif declare == "array":
        root["workspaces"] = ["apps/*", "packages/*"]
    else:
        root["workspaces"] = {"packages": ["apps/*", "packages/*"]}
    files["package.json"] = json.dumps(root)
    _, resolver = _repo(tmp_path, files)
    return resolver


@pytest.mark.parametrize("declare", ["pnpm", "flow", "array", "object"])
def test_workspace_packages(tmp_path: Path, declare: str) -> None:
    resolver = _workspace(tmp_path, declare)
    packages = {p.name: p for p in resolver.workspace_packages()}
    assert set(packages) == {"root", "@acme/api", "web", "@acme/db"}
    assert packages["root"].root and packages["root"].directory == "."
    assert packages["@acme/api"].directory == "apps/api"
    assert packages["@acme/api"].dependencies == ("@acme/db",)
    inner = {p.name: p.directory for p in resolver.at("apps/api").workspace_packages()}
    assert inner["@acme/db"] == "../../packages/db"


DB_RESET = ("prisma migrate reset", "packages/db/package.json scripts.build")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("pnpm --filter @acme/db build", [DB_RESET]),
        ("pnpm -F @acme/db build", [DB_RESET]),
        ("pnpm --filter=@acme/db run build", [DB_RESET]),
        ("pnpm --filter db build", [DB_RESET]),  # unscoped name
        ("pnpm --filter ./packages/db build", [DB_RESET]),
        ("pnpm --filter '{packages/**}' build", [DB_RESET]),
        ("pnpm --filter @acme/api build", []),
        ("pnpm --filter @acme/api... build", [DB_RESET]),  # with its dependencies
        ("pnpm --filter ...@acme/db build", [DB_RESET]),  # with its dependents
        ("pnpm --filter @acme/api^... build", [DB_RESET]),
        ("pnpm --filter web build", []),
        ("pnpm -r build", [DB_RESET]),
        ("pnpm --recursive run build", [DB_RESET]),
        ("pnpm -r --filter '!@acme/db' build", []),
        ("npm run build --workspace=@acme/db", [DB_RESET]),
        ("npm run build -w @acme/db", [DB_RESET]),
        ("npm run build -w packages/db", [DB_RESET]),
        ("npm --workspace=@acme/db run build", [DB_RESET]),
        ("npm run build --workspaces", [DB_RESET]),
        ("npm run build -ws", [DB_RESET]),
        ("npm run build --workspace=web", []),
        ("yarn workspace @acme/db build", [DB_RESET]),
        ("yarn workspace @acme/db run build", [DB_RESET]),
        ("yarn workspaces foreach --all run build", [DB_RESET]),
        ("yarn workspaces foreach -A --include '@acme/*' run build", [DB_RESET]),
        ("yarn workspaces foreach -A --exclude '@acme/db' --exclude root run build", []),
        ("yarn workspaces run build", [DB_RESET]),
        ("turbo run build", [DB_RESET]),
        ("turbo build", [DB_RESET]),
        ("npx turbo run build", [DB_RESET]),
        ("pnpm turbo run build", [DB_RESET]),
        ("pnpm exec turbo build", [DB_RESET]),
        ("turbo run build --filter=web", []),
        ("turbo run build --filter @acme/api", [DB_RESET]),  # ^build: its dependencies
        ("turbo run build --filter=@acme/api --only", []),
        ("turbo run build --dry-run", []),
        ("turbo run lint", []),
        ("bun run --filter '@acme/*' build", [DB_RESET]),
        ("cd apps/api && pnpm --filter @acme/db build", [DB_RESET]),
        ("pnpm --filter @acme/nothing build", []),
    ],
)
def test_workspace_scoped_runs(tmp_path: Path, command: str, expected: list) -> None:
    resolver = _workspace(tmp_path)
    result = analyze(command, resolver)
    got = sorted({(d.what, d.chain[-1].label) for d in result.detections})
    assert got == sorted(expected), result
    for d in result.detections:
        assert d.end == len(command)


def test_turbo_from_the_root_build_script(tmp_path: Path) -> None:
    resolver = _workspace(tmp_path)
    (found,) = _no_migrations(analyze("npm run build", resolver))
    assert [s.label for s in found.chain] == [
        "package.json scripts.build",
        "packages/db/package.json scripts.build",
    ]
    whats = sorted({d.what for d in analyze("pnpm test", resolver).detections})
    assert whats == ["jest", "prisma migrate reset"]  # test dependsOn build


def test_workspace_runs_skip_packages_without_the_script(tmp_path: Path) -> None:
    resolver = _workspace(tmp_path)
    (found,) = analyze("pnpm --filter @acme/api... test", resolver).detections
    assert found.what == "jest"  # @acme/db has no test script: skipped, not matched by name
    (found,) = analyze("pnpm -r test", resolver).detections
    assert found.what == "jest"
    # a named package without the script: its binary (yarn workspace x prisma ...)
    (found,) = _no_migrations(analyze("yarn workspace web prisma migrate reset", resolver))
    assert found.what == "prisma migrate reset"


def test_workspace_selection_without_a_workspace_falls_back_to_the_name(tmp_path: Path) -> None:
    files = {
        "package.json": _package({}),
        "apps/web/package.json": json.dumps({"name": "web", "scripts": {"test": "echo"}}),
    }
    _, resolver = _repo(tmp_path, files)
    (found,) = analyze("pnpm --filter web test", resolver).detections
    assert found.what == "pnpm run test"
    assert analyze("pnpm --filter web build", resolver).detections == ()


def test_turbo_in_a_single_package_repository(tmp_path: Path) -> None:
    scripts = {"build": "turbo run build:app test", "build:app": "tsc", "test": "vitest run"}
    _, resolver = _repo(tmp_path, {"package.json": _package(scripts)})
    (found,) = analyze("turbo run build:app test", resolver).detections
    assert found.what == "vitest"
    # `npm run build` -> turbo -> build:app and test; never `build` again
    (found,) = analyze("npm run build", resolver).detections
    assert [s.label for s in found.chain] == [
        "package.json scripts.build",
        "package.json scripts.test",
    ]


def test_pnpm_workspace_root_option_and_parent_directories(tmp_path: Path) -> None:
    resolver = _workspace(tmp_path)
    api = resolver.at("apps/api")
    (found,) = _no_migrations(analyze("pnpm -w build", api))  # the root's build: turbo
    assert found.chain[0].label == "package.json scripts.build"
    (found,) = _no_migrations(analyze("cd ../.. && npm run build", api))
    assert found.chain[0].label == "package.json scripts.build"
    (found,) = analyze("bash ../../scripts/x.sh", _x_script(tmp_path, api)).detections
    assert found.chain[0].label == "scripts/x.sh:1"


def _x_script(tmp_path: Path, resolver: RepoResolver) -> RepoResolver:
    (tmp_path / "scripts").mkdir(exist_ok=True)
    (tmp_path / "scripts" / "x.sh").write_text("pytest\n")
    return RepoResolver(Context(discover([tmp_path])), resolver.service_dir)


# --- commands that print SQL or run no test ------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "liquibase rollback-count-sql 1",
        "alembic downgrade head:base --sql > downgrade.sql",
        "python manage.py sqlflush",
        "php artisan migrate:rollback --pretend",
        "php artisan migrate:refresh --pretend",
        "jest --clearCache && tsc",
        "npx jest --listTests",
        "jest --showConfig",
        "npx vitest --version && vite build",
        "go test -run XXX -c -o /dev/null ./...",
        "go test -list . ./...",
        "pytest --collect-only -q",
        "pytest --co",
        "pytest --fixtures",
        "pytest --markers",
        "./gradlew build -x check",
        "python -c \"import app; print('TRUNCATE')\"",
        "sqlx migrate revert --dry-run",
        "atlas migrate down --url x --dry-run",
    ],
)
def test_commands_that_only_print_or_list(command: str) -> None:
    assert analyze(command).detections == (), command


def test_a_skip_flag_turned_off_does_not_skip() -> None:
    (found,) = analyze("mvn -B -DskipTests=false package").detections
    assert found.what == "mvn package"
    assert analyze("mvn -B -DskipTests=true package").detections == ()
    assert analyze("go test -c=false ./...").detections != ()


@pytest.mark.parametrize(
    ("code", "hit"),
    [
        ("print('TRUNCATE')", None),
        ("log.info('DROP TABLE users skipped')", None),
        ("cur.execute('DROP TABLE users')", "DROP TABLE"),
        ("sql = 'TRUNCATE users'\nprint(sql)", None),
        ("sql = 'TRUNCATE users'\ncur.execute(sql)", "TRUNCATE"),
        ("q = 'DROP TABLE ' + name\nstmt = q\nconn.execute(stmt)", "DROP TABLE"),
        ("conn.execute(text('DROP SCHEMA public CASCADE'))", "DROP SCHEMA"),
        ("stmt = sa.text('TRUNCATE t')\nawait session.execute(stmt)", "TRUNCATE"),
        ("cur.executemany('DELETE FROM users', [])", "DELETE FROM"),
        ("cur.execute('DELETE FROM users WHERE id = %s' % x)", None),
        ("cur.execute('TRUNCATE %s' % table)", "TRUNCATE"),
        ("cur.execute(sql.SQL('DROP TABLE {}').format(sql.Identifier(t)))", "DROP TABLE"),
        ("db.drop_all()", "drop_all()"),
        ("Base.metadata.drop_all(bind=engine)", "drop_all()"),
    ],
)
def test_python_sql_must_reach_an_execute_call(code: str, hit: str | None) -> None:
    from railsafe.commands.table import python_hit

    assert python_hit(code) == hit


# --- npm-run-all, concurrently, node's runner ------------------------------------------------

RUNNER_SCRIPTS = {
    "test": "jest",
    "test:unit": "vitest run",
    "test:unit:slow": "mocha",
    "lint": "eslint .",
    "compile": "tsc",
    "typecheck": "tsc --noEmit",
    "test:types": "tsc --noEmit",
    "test-e2e": "playwright test",
    "db:reset": "prisma migrate reset --force",
}


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        ("run-s lint test compile", {"jest"}),
        ("run-p typecheck test:types compile", set()),
        ("run-p lint test:*", {"vitest"}),  # `test:*` is one level: not `test`
        ("npm-run-all --parallel lint test:* --sequential compile", {"vitest"}),
        ("npm-run-all -s test:**", {"jest", "vitest", "mocha"}),  # `**`: zero or more
        ("npm-run-all -p lint 'test -- --ci'", {"jest"}),
        ("npm-run-all --serial 'test{,-e2e}'", {"jest", "playwright test"}),
        ("npx run-s compile db:reset", {"prisma migrate reset"}),
        ('concurrently "npm:test" "npm:compile"', {"jest"}),
        ("concurrently -n a,b -c red,blue npm:lint 'yarn:test:unit'", {"vitest"}),
        ('concurrently "npm:test:*(!slow)"', {"vitest"}),
        ('concurrently "npm:test-*"', {"playwright test"}),
        ("concurrently 'tsc -w' 'node --test'", {"node --test"}),
        ('concurrently --kill-others "pytest -x" "tsc"', {"pytest"}),
        ("concurrently --teardown 'npm run db:reset' 'tsc'", {"prisma migrate reset"}),
        ("node --run test", {"jest"}),
        ("node --test && tsc", {"node --test"}),
        ("node --test src/", {"node --test"}),
        ("npx tsx --test src/**/*.test.ts", {"tsx --test"}),
        ("bun test", {"bun test"}),
        ("deno test -A", {"deno test"}),
        ("node server.js --test", set()),
    ],
)
def test_script_runners(tmp_path: Path, build: str, expected: set[str]) -> None:
    scripts = {**RUNNER_SCRIPTS, "build": build}
    _, resolver = _repo(tmp_path, {"package.json": _package(scripts)})
    result = analyze("npm run build", resolver)
    assert result.unparsable == ()
    assert {d.what for d in result.detections} == expected, result


def test_script_runner_chain_points_at_the_followed_script(tmp_path: Path) -> None:
    package = _package({**RUNNER_SCRIPTS, "build": "concurrently npm:test npm:compile"})
    _, resolver = _repo(tmp_path, {"package.json": package})
    (found,) = analyze("npm run build", resolver).detections
    assert [s.label for s in found.chain] == [
        "package.json scripts.build",
        "package.json scripts.test",
    ]
    line, column = _find(package, "npm:test")
    assert (found.chain[0].span.line, found.chain[0].span.column) == (line, column)


def test_runner_arguments_reach_the_script(tmp_path: Path) -> None:
    scripts = {"manage": "python manage.py", "build": "run-s 'manage -- flush --no-input'"}
    _, resolver = _repo(tmp_path, {"package.json": _package(scripts)})
    assert [d.what for d in analyze("npm run build", resolver).detections] == ["manage.py flush"]
    scripts["build"] = "concurrently 'npm:manage -- flush'"
    _, resolver = _repo(tmp_path / "b", {"package.json": _package(scripts)})
    assert [d.what for d in analyze("npm run build", resolver).detections] == ["manage.py flush"]
    scripts["build"] = "node --run manage -- flush"
    _, resolver = _repo(tmp_path / "c", {"package.json": _package(scripts)})
    assert [d.what for d in analyze("npm run build", resolver).detections] == ["manage.py flush"]


def test_concurrently_full_commands_keep_their_offsets() -> None:
    command = "concurrently 'tsc -w' 'python -m pytest -q'"
    (found,) = analyze(command).detections
    assert command[found.start : found.end] == "python -m pytest -q"


def test_script_runners_without_a_repository_go_by_the_name() -> None:
    whats = {d.what for d in analyze("run-s lint test build").detections}
    assert whats == {"npm run test"}
    assert {d.what for d in analyze("concurrently npm:test:unit npm:build").detections} == {
        "npm run test:unit"
    }
    assert analyze("run-p lint build").detections == ()


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("test:*", "test:unit", True),
        ("test:*", "test", False),
        ("test:*", "test:unit:slow", False),
        ("test:**", "test:unit:slow", True),
        ("*", "build", True),
        ("*", "test:unit", False),
        ("build:{a,b}", "build:b", True),
        ("lint", "lint", True),
    ],
)
def test_npm_run_all_globs(pattern: str, name: str, matches: bool) -> None:
    from railsafe.commands.runners import task_glob_match

    assert task_glob_match(pattern, name) is matches


# --- Nx and Lerna ------------------------------------------------------------------------------


def _nx_repo(tmp_path: Path) -> RepoResolver:
    files = {
        "nx.json": json.dumps(
            {"targetDefaults": {"build": {"dependsOn": ["^build"]}, "test": {"cache": True}}}
        ),
        "package.json": json.dumps({"name": "nxws", "scripts": {"build": "nx run-many -t build"}}),
        "apps/api/project.json": json.dumps(
            {
                "name": "api",
                "implicitDependencies": ["db"],
                "targets": {
                    "build": {"executor": "@nx/esbuild:esbuild"},
                    "test": {"executor": "@nx/jest:jest"},
                    "seed": {
                        "executor": "nx:run-commands",
                        "options": {"command": "prisma migrate reset --force", "cwd": "apps/api"},
                    },
                    "lint": {"command": "eslint ."},
                },
            },
            indent=2,
        ),
        "libs/db/project.json": json.dumps(
            {
                "name": "db",
                "targets": {
                    "build": {
                        "executor": "nx:run-commands",
                        "options": {"commands": ["tsc", {"command": "vitest run"}]},
                    },
                    "e2e": {"executor": "@acme/custom:thing"},
                },
            },
            indent=2,
        ),
    }
    _, resolver = _repo(tmp_path, files)
    return resolver


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("npx nx run-many -t lint test build", {"nx test (@nx/jest:jest)", "vitest"}),
        ("nx run-many --targets=lint,build", {"vitest"}),
        ("nx run-many --target=build --projects=api", {"vitest"}),  # ^build: db's build
        ("nx run-many -t build -p api --exclude-task-dependencies", set()),
        ("nx run-many -t build --exclude db", {"vitest"}),  # api's ^build still runs db's
        ("nx run-many -t build --exclude db --exclude-task-dependencies", set()),
        ("nx affected -t test", {"nx test (@nx/jest:jest)"}),
        ("nx build api", {"vitest"}),
        ("nx run api:seed", {"prisma migrate reset"}),
        ("nx run db:e2e", {"nx e2e (@acme/custom:thing)"}),
        ("nx test db", {"nx run test"}),  # no such target: a plugin may infer it
        ("nx graph", set()),
        ("nx run-many -t build --dry-run", set()),
        ("pnpm nx run-many -t test", {"nx test (@nx/jest:jest)"}),
    ],
)
def test_nx_targets(tmp_path: Path, command: str, expected: set[str]) -> None:
    resolver = _nx_repo(tmp_path)
    result = analyze(command, resolver)
    assert result.unparsable == ()
    assert {d.what for d in result.detections} == expected, result


def test_nx_chains_point_at_project_json(tmp_path: Path) -> None:
    resolver = _nx_repo(tmp_path)
    (found,) = _no_migrations(analyze("nx run api:seed", resolver))
    (step,) = found.chain
    assert step.path == "apps/api/project.json"
    assert step.label == "apps/api/project.json targets.seed.options.command"
    text = (tmp_path / "apps/api/project.json").read_text()
    line, column = _find(text, "prisma migrate reset")
    assert (step.span.line, step.span.column) == (line, column)
    (found,) = analyze("nx test api", resolver).detections
    assert [s.label for s in found.chain] == ["apps/api/project.json targets.test"]
    # run-commands run in the workspace root unless `cwd` says otherwise
    assert resolver.at("libs/db").nx_target("build").cwd == "../.."  # type: ignore[union-attr]
    assert resolver.at("apps/api").nx_target("seed").cwd == "."  # type: ignore[union-attr]


def test_nx_and_lerna_in_a_package_workspace(tmp_path: Path) -> None:
    files = {
        "package.json": json.dumps(
            {"name": "root", "private": True, "workspaces": ["packages/*", "apps/*"]}
        ),
        "packages/lib/package.json": json.dumps(
            {"name": "@x/lib", "scripts": {"build": "vitest run && tsc", "test": "vitest run"}}
        ),
        "apps/web/package.json": json.dumps(
            {"name": "web", "dependencies": {"@x/lib": "*"}, "scripts": {"build": "next build"}}
        ),
    }
    _, resolver = _repo(tmp_path, files)
    (found,) = analyze("npx nx run-many -t build", resolver).detections
    assert found.what == "vitest"
    assert found.chain[-1].label == "packages/lib/package.json scripts.build"
    assert analyze("nx build web", resolver).detections == ()  # no nx.json: no dependsOn
    (found,) = analyze("nx build @x/lib", resolver).detections
    assert found.what == "vitest"
    for command in ("lerna run build", "npx lerna run build --stream", "lerna run test,build"):
        (found,) = {(d.what, d.chain[-1].path) for d in analyze(command, resolver).detections}
        assert found == ("vitest", "packages/lib/package.json"), command
    assert analyze("lerna run build --scope web", resolver).detections == ()
    assert analyze("lerna run build --ignore '@x/*'", resolver).detections == ()
    assert analyze("lerna run lint", resolver).detections == ()
    assert analyze("lerna bootstrap", resolver).detections == ()
    (found,) = analyze("lerna run test").detections  # without a repository: by the name
    assert found.what == "lerna run test"


def test_lerna_json_packages(tmp_path: Path) -> None:
    files = {
        "lerna.json": json.dumps({"packages": ["modules/*"]}),
        "package.json": json.dumps({"name": "root"}),
        "modules/a/package.json": json.dumps({"name": "a", "scripts": {"build": "jest"}}),
        "packages/b/package.json": json.dumps({"name": "b", "scripts": {"build": "mocha"}}),
    }
    _, resolver = _repo(tmp_path, files)
    assert {d.what for d in analyze("lerna run build", resolver).detections} == {"jest"}


# --- seeders ---------------------------------------------------------------------------------

KNEX_SEED = """\
/**
 * @param { import("knex").Knex } knex
 */
exports.seed = async function(knex) {
  // Deletes ALL existing entries
  await knex('table_name').del()
  await knex('table_name').insert([{id: 1, colName: 'rowValue1'}]);
};
"""
KNEX_SEED_WHERE = """\
exports.seed = async (knex) => {
  await knex('users').where({ email: 'demo@example.com' }).del();
  await knex('users').whereIn('id', [1, 2]).delete();
  // await knex('users').truncate()
  cache.delete();
  await knex('users').insert({ email: 'demo@example.com' });
};
"""


def test_knex_seed_run_reads_the_seed_files(tmp_path: Path) -> None:
    files = {
        "package.json": _package(
            {"start": "knex migrate:latest && knex seed:run && node index.js"}
        ),
        "seeds/01_users.js": KNEX_SEED,
        "seeds/02_demo.js": KNEX_SEED_WHERE,
        "seeds/README.md": "knex('x').del()",
    }
    _, resolver = _repo(tmp_path, files)
    result = analyze("npm start", resolver)
    found = [d for d in result.detections if d.category == "destructive-db"]
    assert [d.what for d in found] == ["knex seed:run: knex('table_name').del()"]
    assert [s.label for s in found[0].chain] == [
        "package.json scripts.start",
        "seeds/01_users.js:6",
    ]
    assert found[0].chain[-1].span == Span(6, 9, 6, 9 + len("knex('table_name').del()"))
    assert analyze("knex seed:run --specific 02_demo.js", resolver).detections == ()
    assert analyze("knex seed:run").detections == ()  # no repository: nothing to read


def test_knex_seed_directory_from_the_knexfile(tmp_path: Path) -> None:
    knexfile = """\
const path = require('path');
module.exports = {
  production: {
    client: 'pg',
    connection: process.env.DATABASE_URL,
    migrations: { directory: './db/migrations' },
    seeds: { directory: path.join(__dirname, 'db', 'seeds') },
  },
  development: { client: 'pg', seeds: { directory: './db/dev-seeds' } },
};
"""
    files = {
        "knexfile.js": knexfile,
        "db/dev-seeds/a.js": "exports.seed = (knex) => knex('t').truncate();\n",
        "seeds/b.js": KNEX_SEED,  # not the configured directory
    }
    _, resolver = _repo(tmp_path, files)
    (found,) = analyze("npx knex seed:run --env production", resolver).detections
    assert found.what == "knex seed:run: knex('t').truncate()"
    assert found.chain[-1].label == "db/dev-seeds/a.js:1"


SEQUELIZE_SEEDER = """\
'use strict';
module.exports = {
  async up (queryInterface, Sequelize) {
    await queryInterface.bulkDelete('People', null, {});
    await queryInterface.bulkInsert('People', [{ name: 'John Doe' }], {});
  },
  async down (queryInterface, Sequelize) {
    await queryInterface.bulkDelete('People', null, {});
  }
};
"""
SEQUELIZE_SEEDER_SAFE = """\
module.exports = {
  up: async (queryInterface) => {
    await queryInterface.bulkDelete('Roles', { name: 'demo' });
    await queryInterface.bulkInsert('Roles', [{ name: 'demo' }]);
  },
  down: (queryInterface) => queryInterface.bulkDelete('Roles', null, {}),
};
"""


def test_sequelize_seeders_up_only(tmp_path: Path) -> None:
    files = {
        "seeders/20240101-people.js": SEQUELIZE_SEEDER,
        "seeders/20240102-roles.js": SEQUELIZE_SEEDER_SAFE,
    }
    _, resolver = _repo(tmp_path, files)
    (found,) = analyze("npx sequelize-cli db:seed:all", resolver).detections
    assert found.what == "sequelize db:seed:all: queryInterface.bulkDelete('People', null, {})"
    assert found.chain[-1].label == "seeders/20240101-people.js:4"
    assert analyze("npx sequelize-cli db:seed --seed 20240102-roles.js", resolver).detections == ()
    # `.sequelizerc` moves the seeders
    files = {
        ".sequelizerc": "const path = require('path');\nmodule.exports = {\n"
        "  'seeders-path': path.resolve('db', 'seeders'),\n};\n",
        "db/seeders/x.js": SEQUELIZE_SEEDER,
    }
    _, resolver = _repo(tmp_path / "rc", files)
    assert analyze("sequelize db:seed:all", resolver).detections != ()


PRISMA_SEED = """\
import { PrismaClient } from '@prisma/client'
const prisma = new PrismaClient()
async function main() {
  await prisma.post.deleteMany()
  await prisma.user.deleteMany({ where: { email: { contains: 'test' } } })
  await prisma.$executeRaw`TRUNCATE TABLE "Session" CASCADE`
  await prisma.user.create({ data: { email: 'a@b.c' } })
}
main()
"""


def test_prisma_db_seed_and_seed_scripts(tmp_path: Path) -> None:
    package = json.dumps(
        {
            "name": "app",
            "scripts": {
                "seed": "tsx prisma/seed.ts",
                "db:seed": "node --loader ts-node/esm prisma/seed.ts",
                "start": "node prisma/seed.ts",  # not a seed script: not read
            },
            "prisma": {
                "seed": "ts-node --compiler-options {\"module\":\"CommonJS\"} prisma/seed.ts"
            },
        },
        indent=2,
    )
    _, resolver = _repo(tmp_path, {"package.json": package, "prisma/seed.ts": PRISMA_SEED})
    result = analyze("npx prisma db seed", resolver)
    assert [d.what for d in result.detections] == [
        'ts-node --compiler-options {"module":"CommonJS"} prisma/seed.ts: '
        "prisma.post.deleteMany()",
        'ts-node --compiler-options {"module":"CommonJS"} prisma/seed.ts: '
        'prisma.$executeRaw`TRUNCATE TABLE "Session" CASCADE`',
    ]
    assert [s.label for s in result.detections[0].chain] == [
        "package.json prisma.seed",
        "prisma/seed.ts:4",
    ]
    (first, _) = analyze("npm run seed", resolver).detections
    assert first.what == "tsx prisma/seed.ts: prisma.post.deleteMany()"
    assert analyze("npm run db:seed", resolver).detections != ()
    assert analyze("npm start", resolver).detections == ()
    # prisma.config.ts
    config = "export default defineConfig({\n  migrations: { seed: 'tsx prisma/seed.ts' },\n})\n"
    files = {"prisma.config.ts": config, "prisma/seed.ts": PRISMA_SEED}
    _, resolver = _repo(tmp_path / "cfg", files)
    found = analyze("prisma db seed", resolver).detections
    assert [s.label for s in found[0].chain] == ["prisma.config.ts", "prisma/seed.ts:4"]
    assert found[0].chain[0].span == Span(2, 24, 2, 24 + len("tsx prisma/seed.ts"))


def test_js_seed_scan() -> None:
    from railsafe.commands.seeds import scan
    from railsafe.commands.table import sql_hit

    def hits(code: str, only_up: bool = False) -> list[str]:
        return [s for _, _, s in scan(code, sql_hit, only_up)]

    assert hits("await knex('a').del();") == ["knex('a').del()"]
    assert hits("return knex.table('a').truncate()") == ["knex.table('a').truncate()"]
    assert hits("await db('a').where('id', 1).del()") == []
    assert hits("redis.del('key'); map.delete(k); set.delete()") == []
    assert hits("await User.deleteMany({})") == ["User.deleteMany({})"]
    assert hits("await prisma.user.deleteMany({ where: {} })") == [
        "prisma.user.deleteMany({ where: {} })"
    ]
    assert hits("await prisma.user.deleteMany({ where: { id: 1 } })") == []
    assert hits("await knex.raw('TRUNCATE users CASCADE')") == [
        "knex.raw('TRUNCATE users CASCADE')"
    ]
    assert hits("await knex.raw('SELECT 1')") == []
    assert hits("await User.destroy({ truncate: true })") == ["User.destroy({ truncate: true })"]
    assert hits("await knex('users')\n  .where('id', 1)\n  .del()\n") == []
    assert hits("await knex('users')\n  .del()\nawait knex('x').where('a', 1).del()") == [
        "knex('users') .del()"
    ]
    assert hits("/* await knex('a').del() */ const x = 1") == []
    assert hits("const s = \"knex('a').del()\"") == []


# --- turbo dependsOn, PATH ---------------------------------------------------------------------


def test_turbo_depends_on_entry_is_in_the_chain(tmp_path: Path) -> None:
    turbo = (
        '{\n  "tasks": {\n    "build": { "dependsOn": ["^build", "test"] },\n'
        '    "test": {}\n  }\n}\n'
    )
    files = {
        "package.json": json.dumps(
            {"name": "mono", "workspaces": ["apps/*"], "scripts": {"build": "turbo run build"}}
        ),
        "turbo.json": turbo,
        "apps/api/package.json": json.dumps(
            {"name": "api", "scripts": {"build": "tsc", "test": "vitest run"}}
        ),
    }
    _, resolver = _repo(tmp_path, files)
    (found,) = analyze("npm run build", resolver).detections
    assert [s.label for s in found.chain] == [
        "package.json scripts.build",
        'turbo.json tasks.build.dependsOn "test"',
        "apps/api/package.json scripts.test",
    ]
    line, column = _find(turbo, '"test"')
    assert found.chain[1].span == Span(line, column, line, column + len('"test"'))
    assert found.chain[1].path == "turbo.json"


ENTRY_SH = "#!/usr/bin/env bash\nset -e\npython manage.py flush --no-input\nexec \"$@\"\n"


def test_bare_names_are_looked_up_through_path(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "entrypoint.sh").write_text(ENTRY_SH)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "migrate-all").write_text("alembic upgrade head\n")
    ctx = Context(discover([tmp_path]))
    # `COPY scripts/entrypoint.sh /usr/local/bin/entrypoint` + `ENTRYPOINT ["entrypoint"]`
    resolver = RepoResolver(
        ctx, tmp_path, image_paths={"/usr/local/bin/entrypoint": "scripts/entrypoint.sh"}
    )
    assert resolver.which("entrypoint") == "/usr/local/bin/entrypoint"
    (found,) = analyze("entrypoint gunicorn app:app", resolver).detections
    assert found.what == "manage.py flush"
    assert [s.label for s in found.chain] == ["scripts/entrypoint.sh:3"]
    assert analyze("entrypoint", RepoResolver(ctx, tmp_path)).detections == ()  # not copied
    assert resolver.which("gunicorn") is None
    # a directory copied onto a directory of PATH, and the image's own PATH
    resolver = RepoResolver(
        ctx, tmp_path, image_paths={"/opt/tools": "bin", "/usr/local/bin/": "scripts"}
    )
    assert analyze("entrypoint.sh", resolver).detections != ()
    assert analyze("migrate-all", resolver).detections == ()  # /opt/tools is not on PATH
    resolver = RepoResolver(
        ctx, tmp_path, image_paths={"/opt/tools": "bin"}, image_path_env=("/opt/tools", "$HOME/x")
    )
    (found,) = analyze("migrate-all", resolver).detections
    assert found.what == "alembic upgrade"
    assert resolver.at("bin").which("migrate-all") == "/opt/tools/migrate-all"
    # a table tool is never looked up
    resolver = RepoResolver(ctx, tmp_path, image_paths={"/usr/local/bin/pytest": "bin/migrate-all"})
    assert [d.what for d in analyze("pytest", resolver).detections] == ["pytest"]


def test_compiled_table_is_fresh_and_matches_the_source() -> None:
    assert main(["--check"]) == 0, "run `python scripts/compile_detections.py` and commit"
    compiled, source = load_table(), load_table_source()
    assert [e.label for e in compiled.entries] == [e.label for e in source.entries]
    assert compiled.aliases == source.aliases and compiled.value_options == source.value_options


# --- rake: what a bare `rake` runs (the Rakefile's default task) --------------------------

_RAKE_TESTTASK = (
    'require "rake/testtask"\nRake::TestTask.new(:test) do |t|\n  t.pattern = "x"\nend\n'
)


@pytest.mark.parametrize(
    ("rakefile", "expected"),
    [
        # no default task: a bare `rake` fails, it runs nothing
        ('task :hello do\n  puts "hi"\nend\n', []),
        ('# task default: "test"\ntask :hello do\n  puts "x"\nend\n', []),
        # the default task runs a server
        ('task default: :serve\ntask :serve do\n  ruby "app.rb"\nend\n', []),
        ('task :default do\n  sh "ruby app.rb"\nend\n', []),
        ('task(:default) { system("bundle exec puma") }\n', []),
        ('task :default do\n  sh "#{RUBY} app.rb"\nend\n', []),
        ('require "bundler/gem_tasks"\ntask default: :build\n', []),  # a gem's task
        ('task :default do\n  sh "rake"\nend\n', []),  # runs itself: followed once
        # the default task is, or depends on, a test task
        (_RAKE_TESTTASK + "task default: :test\n", ["rake (default task: test)"]),
        (_RAKE_TESTTASK + "RuboCop::RakeTask.new\ntask default: %i[test rubocop]\n",
         ["rake (default task: test)"]),
        ("task :default => [:spec]\n", ["rake (default task: spec)"]),
        ('task default: "test"\n', ["rake (default task: test)"]),
        ('task "default" => "spec"\n', ["rake (default task: spec)"]),
        ("task(default: [:spec])\n", ["rake (default task: spec)"]),
        ("multitask default: [:spec, :lint]\n", ["rake (default task: spec)"]),
        ("task :default, [:x] => [:spec] do |t, args|\nend\n", ["rake (default task: spec)"]),
        ('require "rspec/core/rake_task"\nRSpec::Core::RakeTask.new(:spec)\ntask default: :spec\n',
         ["rake (default task: spec)"]),
        ("Rake::TestTask.new(:unit) do |t|\nend\ntask default: :unit\n",
         ["rake (default task: unit)"]),
        ('require "minitest/test_task"\nMinitest::TestTask.create\ntask default: :test\n',
         ["rake (default task: test)"]),
        ('namespace :test do\n  Rake::TestTask.new(:unit) { |t| t.pattern = "x" }\n'
         '  task all: [:unit]\nend\ntask test: "test:all"\ntask default: "test"\n',
         ["rake (default task: test)"]),
        ('task :ci => [:lint, :spec]\ntask :lint do\n  sh "rubocop"\nend\ntask default: :ci\n',
         ["rake (default task: spec)"]),
        ('def helper(a = 1)\n  a\nend\ntask default: :test\ntask :test do\n  sh "ruby x.rb"\nend\n',
         ["rake (default task: test)"]),
        # a task body that runs a test runner
        ('task :default do\n  sh "bundle exec rspec"\nend\n', ["rspec"]),
        ("task :default do\n  exec 'MODE=test bundle exec rspec'\nend\n", ["rspec"]),
        ("task :default do\n  `rspec`\nend\n", ["rspec"]),
        ("task :default do\n  sh <<~SH\n    bundle exec rspec\n  SH\nend\n", ["rspec"]),
        ('task :default do\n  puts "x" if true\n  sh "rspec" unless ENV["X"]\nend\n', ["rspec"]),
        ('task :default do\n  Rake::Task["spec"].invoke\nend\n', ["rake (default task: spec)"]),
        ('task :default\nRake::Task["default"].enhance(["spec"])\n', ["rake (default task: spec)"]),
        ("task :default do\n  RSpec::Core::Runner.run([])\nend\n", ["rake (default task)"]),
        ("task :ci do\n  Minitest.run\nend\ntask default: :ci\n", ["rake (default task: ci)"]),
        # a cleared default task, and Rails (whose own default task is `test`)
        (_RAKE_TESTTASK + "task default: :test\nRake::Task[:default].clear\n"
         'task default: :serve\ntask :serve do\n  ruby "app.rb"\nend\n', []),
        ('require_relative "config/application"\nRails.application.load_tasks\n',
         ["rake (default task: test)"]),
        ('require_relative "config/application"\nRails.application.load_tasks\n'
         'Rake::Task["default"].clear\ntask default: :serve\n'
         'task(:serve) { sh "bin/rails server" }\n', []),
        # other categories through tasks the Rakefile does not define
        ('task default: ["db:drop", :serve]\ntask :serve do\n  system("ruby app.rb")\nend\n',
         ["rake db:drop"]),
    ],
)
def test_bare_rake_runs_the_default_task(
    tmp_path: Path, rakefile: str, expected: list[str]
) -> None:
    _, resolver = _repo(tmp_path, {"Rakefile": rakefile})
    for command in ("rake", "bundle exec rake", "bin/rake --trace", "rake default"):
        found = analyze(command, resolver).detections
        assert sorted(d.what for d in found) == expected, command


def test_bare_rake_reads_imported_and_rakelib_files(tmp_path: Path) -> None:
    _, resolver = _repo(
        tmp_path / "a",
        {"Rakefile": 'import "tasks/ci.rake"\n', "tasks/ci.rake": "task default: :spec\n"},
    )
    (found,) = analyze("rake", resolver).detections
    assert found.what == "rake (default task: spec)"
    assert found.chain[0].path == "tasks/ci.rake"
    _, resolver = _repo(
        tmp_path / "b",
        {"Rakefile": "puts 1\n", "rakelib/default.rake": "task :default => :test\n"},
    )
    assert [d.what for d in analyze("rake", resolver).detections] == [
        "rake (default task: test)"
    ]
    _, resolver = _repo(
        tmp_path / "c",
        {"Rakefile": 'Dir.glob("lib/tasks/*.rake").each { |r| import r }\n',
         "lib/tasks/x.rake": "task default: %w[spec]\n"},
    )
    assert [d.what for d in analyze("rake", resolver).detections] == [
        "rake (default task: spec)"
    ]


def test_bare_rake_chain_points_at_the_default_declaration(tmp_path: Path) -> None:
    rakefile = _RAKE_TESTTASK + "\ntask default: :test\n"
    _, resolver = _repo(tmp_path, {"Rakefile": rakefile})
    command = "bundle exec rake"
    (found,) = analyze(command, resolver).detections
    assert found.category == "test-runner"
    assert command[found.start : found.end] == command
    assert [s.label for s in found.chain] == [
        "Rakefile task default",
        "Rakefile Rake::TestTask test",
    ]
    assert (found.chain[0].span.line, found.chain[0].span.column) == _find(rakefile, "default:")
    answer = resolver.rake_default()
    assert answer is not None and answer.declaration == found.chain[0]
    # a command a task body runs: its line
    rakefile = 'task :default do\n  sh "bundle exec rspec"\nend\n'
    _, resolver = _repo(tmp_path / "body", {"Rakefile": rakefile})
    (found,) = analyze("rake", resolver).detections
    assert [s.label for s in found.chain] == ["Rakefile task default", "Rakefile:2"]
    assert (found.chain[1].span.line, found.chain[1].span.column) == (2, 3)


def test_bare_rake_without_a_readable_rakefile_is_a_test_run(tmp_path: Path) -> None:
    # no resolver, or no Rakefile: the table's conservative "rake (default task)"
    assert [d.what for d in analyze("bundle exec rake").detections] == ["rake (default task)"]
    _, resolver = _repo(tmp_path, {"x.txt": ""})
    assert resolver.rake_default() is None
    assert [d.what for d in analyze("rake", resolver).detections] == ["rake (default task)"]
    # another Rakefile, or a task named: the table decides
    _, resolver = _repo(tmp_path / "r", {"Rakefile": "task :default do\nend\n"})
    assert [d.what for d in analyze("rake -f other.rake", resolver).detections] == [
        "rake (default task)"
    ]
    assert [d.what for d in analyze("rake spec", resolver).detections] == ["rake spec"]
    assert analyze("rake", resolver).detections == ()
    # rake only lists or describes tasks
    assert analyze("rake -T", resolver).detections == ()
    assert analyze("bundle exec rake --tasks db", resolver).detections == ()


def test_bare_rake_in_a_subdirectory_finds_the_parent_rakefile(tmp_path: Path) -> None:
    _, resolver = _repo(tmp_path, {"Rakefile": "task default: :spec\n", "app/x.rb": ""})
    assert [d.what for d in analyze("cd app && rake", resolver).detections] == [
        "rake (default task: spec)"
    ]


# --- trap: handlers run when the shell exits, fails or gets a signal ----------------------


@pytest.mark.parametrize(
    ("command", "inner"),
    [
        ('trap "python manage.py flush --no-input" EXIT; exec gunicorn app',
         "python manage.py flush --no-input"),
        ("trap -- 'prisma migrate reset --force' TERM INT; node server.js",
         "prisma migrate reset --force"),
        ("trap 'echo bye; rails db:drop' ERR", "rails db:drop"),
    ],
)
def test_trap_handler_is_analysed(command: str, inner: str) -> None:
    (found,) = _no_migrations(analyze(command))
    assert found.category == "destructive-db"
    assert command[found.start : found.end] == inner


@pytest.mark.parametrize(
    "command",
    [
        "cleanup() { python manage.py flush --no-input; }; trap cleanup ERR; gunicorn app",
        "trap cleanup EXIT; cleanup() { python manage.py flush --no-input; }; gunicorn app",
    ],
)
def test_trap_handler_that_names_a_function(command: str) -> None:
    (found,) = analyze(command).detections
    assert found.what == "manage.py flush"
    assert command[found.start : found.end] == "python manage.py flush --no-input"


@pytest.mark.parametrize(
    "command",
    [
        "trap - EXIT",
        "trap '' INT TERM",
        "trap -p EXIT",
        "trap -l",
        "trap 'rails db:drop'",  # one operand: resets the signal named `rails db:drop`
        "f() { python manage.py flush --no-input; }; trap g EXIT",  # another function
        "trap 0 1 2",
    ],
)
def test_trap_that_runs_nothing(command: str) -> None:
    assert analyze(command).detections == ()


def test_trap_in_a_followed_script(tmp_path: Path) -> None:
    script = (
        "#!/bin/bash\nset -e\ntrap cleanup ERR\n"
        "cleanup() { python manage.py flush --no-input; }\nexec gunicorn app.wsgi\n"
    )
    _, resolver = _repo(tmp_path, {"start.sh": script})
    (found,) = analyze("bash start.sh", resolver).detections
    assert found.what == "manage.py flush"
    assert [s.label for s in found.chain] == ["start.sh:4"]
    assert (found.chain[0].span.line, found.chain[0].span.column) == _find(script, "python")

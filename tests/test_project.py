"""The project model: service roots, builder choice, merged phases, provenance."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from railsafe.context import Context
from railsafe.discover import discover
from railsafe.findings import Span
from railsafe.project import Command, Service, services
from tests.conftest import FIXTURES


def build(tmp_path: Path, tree: dict[str, str]) -> list[Service]:
    for name, text in tree.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return services(Context(discover([tmp_path])))


def one(tmp_path: Path, tree: dict[str, str]) -> Service:
    found = build(tmp_path, tree)
    assert len(found) == 1, [s.relroot for s in found]
    return found[0]


def texts(cmds: tuple[Command, ...]) -> list[str]:
    return [c.text for c in cmds]


# -- service roots -------------------------------------------------------------


def test_monorepo_service_roots(tmp_path: Path) -> None:
    found = build(
        tmp_path,
        {
            "README.md": "x",
            "api/railway.toml": "[deploy]\nstartCommand = 'python app.py'\n",
            "web/Dockerfile": "FROM node:20\nCMD node server.js\n",
            "worker/nixpacks.toml": "[start]\ncmd = 'python worker.py'\n",
            "jobs/railpack.json": '{"deploy": {"startCommand": "node jobs.js"}}\n',
            "lib/package.json": '{"name": "lib"}\n',  # not a root: no config, not the scan root
        },
    )
    assert [s.relroot for s in found] == ["api", "jobs", "web", "worker"]
    assert [s.builder.name for s in found] == ["RAILPACK", "RAILPACK", "DOCKERFILE", "NIXPACKS"]


def test_scan_root_with_app_marker_is_a_service(tmp_path: Path) -> None:
    service = one(tmp_path, {"requirements.txt": "flask\n", "app.py": ""})
    assert service.relroot == ""
    assert service.builder.name == "RAILPACK"


def test_railway_toml_wins_over_railway_json(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "railway.toml": "[deploy]\nstartCommand = 'from-toml'\n",
            "railway.json": '{"deploy": {"startCommand": "from-json"}}\n',
        },
    )
    assert texts(service.plan().start) == ["from-toml"]


def test_odd_named_configs_in_one_directory_are_separate_services(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a__railway.toml").write_text("[build]\nbuildCommand = 'a'\n")
    (tmp_path / "b__railway.toml").write_text("[build]\nbuildCommand = 'b'\n")
    ctx = Context(discover([tmp_path / "a__railway.toml", tmp_path / "b__railway.toml"]))
    found = services(ctx)
    assert sorted(texts(s.plan().build)[0] for s in found) == ["a", "b"]


# -- builder -------------------------------------------------------------------


def test_dockerfile_wins_over_configured_builder(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "railway.toml": "[build]\nbuilder = 'NIXPACKS'\nbuildCommand = 'make'\n",
            "Dockerfile": "FROM python:3.12\nRUN pip install -r requirements.txt\n"
            "CMD python app.py\n",
        },
    )
    b = service.builder
    assert (b.name, b.path) == ("DOCKERFILE", "Dockerfile")
    assert "always builds with a Dockerfile" in b.reason
    plan = service.plan()
    # Railway's build command does not apply to Dockerfile builds; RUN is the build
    assert texts(plan.build) == ["pip install -r requirements.txt"]
    assert texts(plan.start) == ["python app.py"]
    assert (plan.build[0].path, plan.build[0].at(0).line, plan.build[0].at(0).column) == (
        "Dockerfile", 2, 5,
    )


def test_dockerfile_path_selects_dockerfile(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "railway.toml": "[build]\ndockerfilePath = 'docker/api.Dockerfile'\n",
            "docker/api.Dockerfile": "FROM node:20 AS deps\nRUN npm ci\nFROM node:20\n"
            "COPY --from=deps /node_modules /node_modules\n"
            "ENTRYPOINT [\"./entry.sh\"]\nCMD [\"node\", \"server.js\"]\n",
        },
    )
    assert service.builder.name == "DOCKERFILE"
    assert "dockerfilePath" in service.builder.reason
    assert (service.builder.path, service.builder.span.line) == ("railway.toml", 2)
    plan = service.plan()
    assert texts(plan.build) == ["npm ci"]
    assert texts(plan.start) == ["./entry.sh", "node server.js"]
    # exec form: offsets map into the JSON strings (`node` is at columns 7-10)
    assert plan.start[1].at(0, 4) == Span(6, 7, 6, 11)
    assert plan.start[1].at(5, 14) == Span(6, 15, 6, 24)  # server.js


@pytest.mark.parametrize("value", ["NIXPACKS", "nixpacks", "Nixpacks"])
def test_builder_key_is_case_insensitive(tmp_path: Path, value: str) -> None:
    service = one(tmp_path, {"railway.toml": f"[build]\nbuilder = '{value}'\n"})
    assert service.builder.name == "NIXPACKS"
    assert service.builder.span.line == 2 and service.builder.span.column == 11


def test_default_builder_is_railpack(tmp_path: Path) -> None:
    service = one(tmp_path, {"railway.json": '{"deploy": {"startCommand": "x"}}'})
    assert service.builder.name == "RAILPACK"
    assert "default" in service.builder.reason


def test_nixpacks_config_alone_implies_nixpacks(tmp_path: Path) -> None:
    service = one(tmp_path, {"nixpacks.toml": "[start]\ncmd = 'python app.py'\n"})
    assert service.builder.name == "NIXPACKS"
    assert service.builder.path == "nixpacks.toml"


def test_builder_per_environment(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "railway.toml": """
                [build]
                builder = "RAILPACK"
                [environments.legacy.build]
                builder = "NIXPACKS"
            """
        },
    )
    assert service.plan(None).builder.name == "RAILPACK"
    assert service.plan("legacy").builder.name == "NIXPACKS"


# -- merge order ---------------------------------------------------------------

LAYERS = {
    "railway.toml": """
        [build]
        builder = "NIXPACKS"
        [deploy]
        startCommand = "base-start"
        [environments.production.deploy]
        startCommand = "production-start"
    """,
    "nixpacks.toml": "[start]\ncmd = 'nixpacks-start'\n",
    "Procfile": "web: procfile-web\n",
    "manage.py": "",
    "requirements.txt": "django\n",
}


def test_environment_override_beats_base(tmp_path: Path) -> None:
    service = one(tmp_path, LAYERS)
    assert service.environments == (None, "production")
    assert texts(service.plan("production").start) == ["production-start"]
    assert texts(service.plan(None).start) == ["base-start"]
    prod = service.plan("production").start[0]
    assert prod.environment == "production"
    assert prod.label == "railway.toml environments.production.deploy.startCommand"
    assert prod.span.line == 6
    assert prod.provenance[0].message == "override for environment production (docs/facts.md F34)"


def test_base_config_beats_builder_file(tmp_path: Path) -> None:
    layers = dict(LAYERS, **{"railway.toml": "[build]\nbuilder = 'NIXPACKS'\n"})
    assert texts(one(tmp_path, layers).plan().start) == ["nixpacks-start"]


def test_builder_file_beats_procfile_beats_default(tmp_path: Path) -> None:
    layers = {k: v for k, v in LAYERS.items() if k != "nixpacks.toml"}
    layers["railway.toml"] = "[build]\nbuilder = 'NIXPACKS'\n"
    service = one(tmp_path / "a", layers)
    assert texts(service.plan().start) == ["procfile-web"]
    assert service.plan().start[0].label.startswith("Procfile web")
    layers.pop("Procfile")
    service = one(tmp_path / "b", layers)
    (start,) = service.plan().start
    assert start.default and start.text == "python manage.py migrate && gunicorn"
    assert (start.path, start.span.line) == ("manage.py", 1)
    assert "§3.6" in start.label


def test_null_override_unsets(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "railway.json": """
                {"deploy": {"preDeployCommand": "python migrate.py"},
                 "environments": {"pr": {"deploy": {"preDeployCommand": null}}}}
            """
        },
    )
    assert texts(service.plan(None).pre_deploy) == ["python migrate.py"]
    assert service.plan("pr").pre_deploy == ()


def test_unique_commands_and_environment_description(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "railway.toml": """
                [build]
                buildCommand = "make"
                [deploy]
                startCommand = "serve"
                [environments.staging.deploy]
                numReplicas = 1
                [environments.production.deploy]
                startCommand = "serve --prod"
            """
        },
    )
    seen = {c.text: envs for c, envs in service.unique_commands()}
    assert seen["make"] == (None, "staging", "production")
    assert seen["serve"] == (None, "staging")
    assert seen["serve --prod"] == ("production",)
    assert service.describe_environments(seen["make"]) == "every environment"
    assert service.describe_environments(seen["serve"]) == "every environment except production"
    assert service.describe_environments(seen["serve --prod"]) == "environment production"


# -- builder config files and defaults ---------------------------------------


def test_nixpacks_phases_custom_phase_and_build_command_override(tmp_path: Path) -> None:
    tree = {
        "nixpacks.toml": """
            [phases.install]
            cmds = ["pip install -r requirements.txt"]
            [phases.build]
            cmds = ["python build.py"]
            [phases.check]
            dependsOn = ["build"]
            cmds = ["python check.py"]
        """,
    }
    service = one(tmp_path / "a", tree)
    assert texts(service.plan().build) == [
        "pip install -r requirements.txt", "python build.py", "python check.py",
    ]
    assert service.plan().build[2].label == "nixpacks.toml phases.check.cmds[0]"
    tree["railway.toml"] = "[build]\nbuildCommand = 'python other.py'\n"
    service = one(tmp_path / "b", tree)
    # railway buildCommand replaces the build phase, not install or custom phases
    assert texts(service.plan().build) == [
        "pip install -r requirements.txt", "python other.py", "python check.py",
    ]


def test_node_defaults_and_lifecycle_scripts(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "railway.toml": "[build]\nbuilder = 'RAILPACK'\n",
            "package.json": """
                {"scripts": {"postinstall": "prisma generate", "build": "next build",
                             "start": "next start", "test": "jest"}}
            """,
            "pnpm-lock.yaml": "",
        },
    )
    plan = service.plan()
    assert texts(plan.build) == ["prisma generate", "pnpm run build"]
    assert plan.build[0].label.startswith("package.json scripts.postinstall")
    assert plan.build[1].default and plan.build[1].path == "package.json"
    assert texts(plan.start) == ["pnpm run start"]
    assert "jest" not in " ".join(c.text for c in plan.commands())


def test_spread_keeps_builder_default(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "nixpacks.toml": "[phases.build]\ncmds = ['...', 'node post.js']\n",
            "package.json": '{"scripts": {"build": "tsc"}}',
        },
    )
    assert texts(service.plan().build) == ["node post.js", "npm run build"]


def test_railpack_steps_and_start(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "railpack.json": """
                {
                  // JSONC
                  "steps": {"build": {"commands": ["PATH:/x", {"cmd": "make all"}, "make docs"]}},
                  "deploy": {"startCommand": "./run"},
                }
            """,
        },
    )
    plan = service.plan()
    assert texts(plan.build) == ["make all", "make docs"]
    assert plan.build[0].label == "railpack.json steps.build.commands[1].cmd"
    assert texts(plan.start) == ["./run"]


def test_procfile_under_each_builder(tmp_path: Path) -> None:
    tree = {"Procfile": "worker: python worker.py\nrelease: pytest\n", "requirements.txt": ""}
    railpack = one(tmp_path / "rp", tree).plan()
    assert texts(railpack.build) == []
    assert texts(railpack.start) == ["python worker.py"]
    nix = one(tmp_path / "nx", dict(tree, **{"railway.toml": "[build]\nbuilder='NIXPACKS'\n"}))
    assert texts(nix.plan().build) == ["pytest"]
    assert nix.plan().build[0].label.startswith("Procfile release")
    assert nix.plan().build[0].at(0).column == 10
    only = one(tmp_path / "only", {"Procfile": "release: pytest\n", "requirements.txt": ""})
    assert texts(only.plan().start) == ["pytest"]


def test_laravel_elixir_ruby_defaults(tmp_path: Path) -> None:
    laravel = one(tmp_path / "php", {"composer.json": "{}", "artisan": "", "railpack.json": "{}"})
    (start,) = laravel.plan().start
    assert start.text == "php artisan migrate --force" and "RAILPACK_SKIP_MIGRATIONS" in start.label
    mix = 'defmodule A do\n  defp deps, do: [{:ecto_sql, "~> 3.0"}, {:postgrex, ">= 0.0.0"}]\n' \
        '  defp aliases, do: ["ecto.deploy": ["ecto.migrate"]]\nend\n'
    nix = one(tmp_path / "ex1", {"mix.exs": mix, "nixpacks.toml": ""})
    assert texts(nix.plan().build) == ["mix ecto.setup"]
    rp = one(tmp_path / "ex2", {"mix.exs": mix, "railpack.json": "{}"})
    (deploy,) = rp.plan().build
    assert deploy.text == "mix ecto.deploy" and deploy.span.line == 3
    ruby = one(tmp_path / "rb", {"Gemfile": "", "Rakefile": "", "nixpacks.toml": ""})
    assert texts(ruby.plan().start) == ["bundle exec rake"]


@pytest.mark.parametrize(
    ("rakefile", "where"),
    [
        ("", (1, 1)),  # no default task: the Rakefile's start
        ('task :hello do\n  puts "hi"\nend\n', (1, 1)),
        ("require 'rake/testtask'\nRake::TestTask.new\n\ntask default: :test\n", (4, 6)),
        ("task :lint\ntask :default => [:lint]\ntask default: %i[spec]\n", (3, 6)),
        ('task :default do\n  sh "ruby app.rb"\nend\n', (1, 6)),
    ],
)
def test_ruby_rake_default_is_located_at_the_default_task(
    tmp_path: Path, rakefile: str, where: tuple[int, int]
) -> None:
    ruby = one(tmp_path, {"Gemfile": "", "Rakefile": rakefile, "nixpacks.toml": ""})
    (start,) = ruby.plan().start
    assert start.text == "bundle exec rake" and start.default
    assert (start.path, start.span.line, start.span.column) == ("Rakefile", *where)
    assert (start.at(0).line, start.at(0).column) == where


@pytest.mark.parametrize(
    ("rakefile", "expected"),
    [
        ('task :hello do\n  puts "hi"\nend\n', []),  # no default task: rake fails
        ('require_relative "app"\ntask default: :serve\ntask :serve do\n  ruby "app.rb"\nend\n',
         []),
        ('task :default do\n  sh "ruby app.rb"\nend\n', []),
        ('require "rake/testtask"\nRake::TestTask.new(:test) do |t|\n  t.libs << "test"\nend\n'
         "task default: :test\n", ["Rakefile:5:6"]),
        ('require "rspec/core/rake_task"\nRSpec::Core::RakeTask.new(:spec)\ntask default: :spec\n',
         ["Rakefile:3:6"]),
    ],
)
def test_ruby_rake_default_is_a_test_run_only_when_it_runs_tests(
    tmp_path: Path, rakefile: str, expected: list[str]
) -> None:
    tree = {"Gemfile": 'gem "rake"\n', "Rakefile": rakefile,
            "railway.toml": '[build]\nbuilder = "NIXPACKS"\n'}
    for name, text in tree.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    found = _findings(tmp_path, "RS102")
    assert [f"{f.path}:{f.span.line}:{f.span.column}" for f in found] == expected
    for finding in found:
        assert "reported at Rakefile" in finding.message


# -- provenance and offsets ----------------------------------------------------


def test_offsets_map_to_exact_columns(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "railway.toml": """
                [build]
                buildCommand = "npm ci && npm test"
                [deploy]
                startCommand = 'node  "server.js"'
                preDeployCommand = ["echo \\"x\\" && migrate"]
            """
        },
    )
    plan = service.plan()
    build, start, pre = plan.build[0], plan.start[0], plan.pre_deploy[0]
    assert build.label == "railway.toml build.buildCommand"
    span = build.at(10, 18)
    assert (span.line, span.column, span.end_column) == (2, 27, 35)
    assert start.at(7).column == 17 + 7  # literal string: raw equals text
    # escapes: raw source differs from the text, fall back to the value start
    assert pre.column is None and (pre.at(12).line, pre.at(12).column) == (5, 21)


def test_json_offsets(tmp_path: Path) -> None:
    service = one(tmp_path, {"railway.json": '{\n  "deploy": {"startCommand": "a && b"}\n}\n'})
    cmd = service.plan().start[0]
    assert cmd.at(5).line == 2 and cmd.at(5).column == 31 + 5


def test_fixture_monorepo() -> None:
    ctx = Context(discover([FIXTURES / "project" / "monorepo"]))
    found = {s.relroot: s for s in services(ctx)}
    assert set(found) == {"", "services/api", "services/web"}
    api = found["services/api"]
    assert api.builder.name == "NIXPACKS"
    assert texts(api.plan("production").pre_deploy) == ["alembic upgrade head"]
    assert texts(api.plan(None).pre_deploy) == []
    web = found["services/web"]
    assert web.builder.name == "DOCKERFILE"
    assert texts(web.plan().start) == ["node server.js"]
    assert found[""].builder.name == "RAILPACK"


# -- rules over the model: chain, deduplication, per-environment location -----


def _findings(case: Path, rule_id: str) -> list:  # type: ignore[type-arg]
    from railsafe.engine import check
    from railsafe.rules import find_rule

    rule = find_rule(rule_id)
    assert rule is not None
    return check([case], [rule]).findings


def test_finding_carries_the_chain(tmp_path: Path) -> None:
    (finding,) = _findings(FIXTURES / "rules" / "RS101" / "bad-npm-build-script", "RS101")
    assert (finding.path, finding.span.line, finding.span.column) == ("railway.json", 4, 22)
    assert "jest" in finding.message and "build phase" in finding.message
    assert [(r.path, r.span.line) for r in finding.related] == [("package.json", 4)]


def test_inherited_command_reported_once_override_at_its_line(tmp_path: Path) -> None:
    build(
        tmp_path,
        {
            "railway.toml": """
                [build]
                buildCommand = "pytest"
                [environments.staging.deploy]
                numReplicas = 1
                [environments.production.build]
                buildCommand = "npm ci && pytest -x"
            """
        },
    )
    found = _findings(tmp_path, "RS101")
    assert [(f.span.line, f.span.column) for f in found] == [(2, 17), (6, 27)]
    assert "every environment except production" in found[0].message
    assert "environment production" in found[1].message
    assert found[1].related[0].message == "override for environment production (docs/facts.md F34)"


def test_builder_default_says_where_it_is_reported(tmp_path: Path) -> None:
    (finding,) = _findings(FIXTURES / "rules" / "RS102" / "bad-ruby-bare-rake", "RS102")
    assert "builder default" in finding.message and "reported at Rakefile" in finding.message


# -- Dockerfile: image paths, WORKDIR, unreachable stages, start inheritance -----


def test_dockerfile_commands_run_in_their_mapped_workdir(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "Dockerfile": """
                FROM node:20 AS build
                WORKDIR /app
                COPY frontend/ .
                RUN npm run build
                FROM node:20
                WORKDIR /srv
                COPY --from=build /app/dist ./dist
                COPY scripts/start.sh /usr/local/bin/start.sh
                ENTRYPOINT ["/usr/local/bin/start.sh"]
            """,
            "frontend/package.json": '{"scripts": {"build": "vite build && vitest run"}}',
            "frontend/.keep": "",
            "scripts/start.sh": "#!/bin/sh\nexec node dist/server.js\n",
        },
    )
    (build,) = service.plan().build
    assert build.cwd == "frontend" and dict(build.image_paths)["/app"] == "frontend"
    (start,) = service.plan().start
    assert start.text == "/usr/local/bin/start.sh"
    assert dict(start.image_paths)["/usr/local/bin/start.sh"] == "scripts/start.sh"
    (finding,) = _findings(tmp_path, "RS101")
    assert "vitest" in finding.message
    assert [r.path for r in finding.related] == ["frontend/package.json"]


def test_dockerfile_build_args_and_the_rs101_message(tmp_path: Path) -> None:
    build(
        tmp_path,
        {
            "Dockerfile": """
                FROM python:3.12 AS test
                ARG DATABASE_URL
                ARG NODE_ENV
                COPY . .
                RUN pytest
                FROM test
                ARG APP_VERSION
                RUN python -m pytest -x
                CMD ["gunicorn", "app:app"]
            """,
        },
    )
    first, second = _findings(tmp_path, "RS101")
    assert "declares `DATABASE_URL`" in first.message and "ARG" in first.message
    assert "DATABASE_URL" not in second.message  # ARGs do not carry over FROM
    assert "declares none that looks like a credential" in second.message


@pytest.mark.parametrize(
    ("builder", "says"),
    [
        ("NIXPACKS", "Nixpacks passes every service variable to the build as ARG and ENV"),
        ("RAILPACK", "Railpack mounts every service variable, DATABASE_URL included"),
    ],
)
def test_rs101_message_per_builder(tmp_path: Path, builder: str, says: str) -> None:
    build(tmp_path, {"railway.toml": f'[build]\nbuilder = "{builder}"\nbuildCommand = "pytest"\n'})
    (finding,) = _findings(tmp_path, "RS101")
    assert says in finding.message


def test_pr_environment_is_not_called_production(tmp_path: Path) -> None:
    build(
        tmp_path,
        {
            "railway.toml": """
                [environments.pr.deploy]
                startCommand = "pytest && python manage.py flush --no-input"
                [environments.production.deploy]
                preDeployCommand = ["pytest"]
                [environments.staging.deploy]
                startCommand = "npm test"
            """
        },
    )
    pr, production, staging = sorted(
        _findings(tmp_path, "RS102"), key=lambda f: f.span.line
    )
    assert "in every PR environment (the `pr` override, docs/facts.md F34)" in pr.message
    assert "production" not in pr.message
    assert "each PR environment's own variables" in pr.message
    assert "production variables" in production.message
    assert "production" not in staging.message
    (flush,) = _findings(tmp_path, "RS103")
    assert "production" not in flush.message


def test_unreachable_stage_is_not_built(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "Dockerfile": """
                FROM golang:1.22 AS build
                RUN go build -o /server .
                FROM build AS test
                RUN go test ./...
                FROM gcr.io/distroless/static
                COPY --from=build /server /server
                ENTRYPOINT ["/server"]
            """
        },
    )
    assert texts(service.plan().build) == ["go build -o /server ."]


def test_inherited_cmd_is_the_start_command(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {"Dockerfile": "FROM node:20 AS base\nCMD npm test\nFROM base AS prod\nRUN npm ci\n"},
    )
    (start,) = service.plan().start
    assert start.text == "npm test" and start.span.line == 2
    assert "inherited from stage base" in start.label


def test_heredoc_run_positions(tmp_path: Path) -> None:
    service = one(
        tmp_path, {"Dockerfile": "FROM python\nRUN <<EOT\nset -e\n  pytest -q\nEOT\n"}
    )
    (run,) = service.plan().build
    assert run.text == "set -e\n  pytest -q"
    span = run.at(run.text.index("pytest"), run.text.index("pytest") + 6)
    assert (span.line, span.column, span.end_column) == (4, 3, 9)


# -- nixpacksConfigPath ------------------------------------------------------------


def test_nixpacks_config_path_replaces_nixpacks_toml(tmp_path: Path) -> None:
    service = one(
        tmp_path / "repo",
        {
            "railway.toml": """
                [build]
                builder = "NIXPACKS"
                nixpacksConfigPath = "config/nixpacks.prod.toml"
                [environments.staging.build]
                nixpacksConfigPath = "config/staging.nixpacks.json"
            """,
            "nixpacks.toml": "[phases.build]\ncmds = ['npm run build']\n",
            "config/nixpacks.prod.toml": "[phases.verify]\ncmds = ['pytest -q']\n"
            "[start]\ncmd = 'gunicorn app:app'\n",
            "config/staging.nixpacks.json": '{"phases": {"check": {"cmds": ["tox"]}}}',
        },
    )
    base = service.plan()
    assert texts(base.build) == ["pytest -q"]
    assert base.build[0].path == "config/nixpacks.prod.toml"
    assert (base.build[0].at(0).line, base.build[0].at(0).column) == (2, 10)
    assert texts(base.start) == ["gunicorn app:app"]
    assert texts(service.plan("staging").build) == ["tox"]


def test_nixpacks_config_path_relative_to_repository_root(tmp_path: Path) -> None:
    found = build(
        tmp_path,
        {
            "api/railway.toml": '[build]\nbuilder = "NIXPACKS"\n'
            'nixpacksConfigPath = "ops/api.nixpacks.toml"\n',
            "ops/api.nixpacks.toml": "[phases.test]\ncmds = ['pytest']\n",
        },
    )
    (api,) = [s for s in found if s.relroot == "api"]
    assert texts(api.plan().build) == ["pytest"]
    # a path naming no file leaves the discovered nixpacks.toml in use
    missing = one(
        tmp_path / "m",
        {
            "railway.toml": '[build]\nbuilder = "NIXPACKS"\nnixpacksConfigPath = "nope.toml"\n',
            "nixpacks.toml": "[phases.build]\ncmds = ['make']\n",
        },
    )
    assert texts(missing.plan().build) == ["make"]


# -- files railsafe could not read (RS001) -----------------------------------------


def test_oversized_files_on_a_deploy_path_are_reported(tmp_path: Path) -> None:
    (tmp_path / "railway.json").write_text('{"deploy": {"startCommand": "./start.sh"}}')
    (tmp_path / "start.sh").write_text("#!/bin/sh\n" + "# pad\n" * 400_000 + "pytest\n")
    (tmp_path / "other.sh").write_text("#!/bin/sh\n" + "# pad\n" * 400_000)  # run by nothing
    big = tmp_path / "pkg"
    big.mkdir()
    (big / "package.json").write_text('{"scripts": {"build": "jest"}, "x": "'
                                      + "y" * 2_200_000 + '"}')
    (big / "railway.toml").write_text("[build]\nbuilder = 'RAILPACK'\n")
    found = {f.path: f for f in _findings(tmp_path, "RS001")}
    assert set(found) == {"start.sh", "pkg/package.json"}
    assert "larger than 2 MiB" in found["start.sh"].message
    assert "railway.json deploy.startCommand runs it in the start phase" in found[
        "start.sh"
    ].message
    assert found["start.sh"].severity.label == "warning"
    assert "service pkg" in found["pkg/package.json"].message


# -- small things ----------------------------------------------------------------------


def test_related_script_line_quotes_the_command(tmp_path: Path) -> None:
    build(
        tmp_path,
        {
            "railway.json": '{"deploy": {"startCommand": "./scripts/start.sh"}}',
            "scripts/start.sh": "#!/bin/sh\nset -e\ncase \"$1\" in\n  test) exec pytest -q ;;\n"
            "  *) exec gunicorn app:app ;;\nesac\n",
        },
    )
    (finding,) = _findings(tmp_path, "RS102")
    (related,) = finding.related
    assert related.message == "scripts/start.sh:4: runs `exec pytest -q`"


def test_elixir_default_is_reported_at_the_alias_or_dependency(tmp_path: Path) -> None:
    mix = (
        "defmodule A.MixProject do\n  defp deps do\n    [{:phoenix_ecto, \"~> 4.4\"},\n"
        "     {:ecto_sql, \"~> 3.10\"}, {:postgrex, \">= 0.0.0\"}]\n  end\n"
    )
    aliases = '  defp aliases, do: ["ecto.setup": ["ecto.create", "ecto.migrate"]]\nend\n'
    with_alias = one(tmp_path / "a", {"mix.exs": mix + aliases, "nixpacks.toml": ""})
    (default,) = with_alias.plan().build
    assert default.span == Span(6, 23, 6, 33)  # the alias name, ecto.setup
    dep_only = one(tmp_path / "b", {"mix.exs": mix + "end\n", "nixpacks.toml": ""})
    (default,) = dep_only.plan().build
    assert (default.span.line, default.span.column) == (4, 8)  # :ecto_sql, not phoenix_ecto


def test_rs304_names_the_root_service(tmp_path: Path) -> None:
    build(tmp_path, {"nixpacks.toml": "[variables]\nSECRET_KEY = 'x'\n"})
    (finding,) = _findings(tmp_path, "RS304")
    assert finding.message.startswith("the service at the repository root is built with Nixpacks")
    build(tmp_path / "svc", {"api/nixpacks.toml": "[variables]\nAPI_TOKEN = 'x'\n"})
    (finding,) = _findings(tmp_path / "svc", "RS304")
    assert finding.message.startswith("service api is built")


def test_symlinked_dockerfile_is_one_file(tmp_path: Path) -> None:
    from railsafe.engine import check
    from railsafe.rules import find_rule

    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile.prod").write_text("FROM node\nRUN npm test\n")
    (tmp_path / "Dockerfile").symlink_to("docker/Dockerfile.prod")
    discovery = discover([tmp_path])
    assert [f.relpath for f in discovery.files] == ["Dockerfile"]
    assert [f.relpath for f in discovery.aliases] == ["docker/Dockerfile.prod"]
    rule = find_rule("RS101")
    assert rule is not None
    report = check([tmp_path], [rule])
    assert report.files == 1 and len(report.findings) == 1
    # a service whose Dockerfile is a symlink to another service's still builds with it
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "Dockerfile").symlink_to("../docker/Dockerfile.prod")
    (tmp_path / "api" / "railway.toml").write_text("[deploy]\nnumReplicas = 1\n")
    found = {s.relroot: s for s in services(Context(discover([tmp_path])))}
    assert found["api"].builder.name == "DOCKERFILE"
    assert texts(found["api"].plan().build) == ["npm test"]


def test_rs304_reads_the_variables_of_the_named_nixpacks_config(tmp_path: Path) -> None:
    build(
        tmp_path,
        {
            "railway.toml": '[build]\nbuilder = "NIXPACKS"\nnixpacksConfigPath = "ops/np.toml"\n',
            "ops/np.toml": "[variables]\nSTRIPE_SECRET_KEY = 'x'\n",
        },
    )
    (finding,) = _findings(tmp_path, "RS304")
    assert "STRIPE_SECRET_KEY" in finding.message
    assert [r.path for r in finding.related] == ["ops/np.toml"]


def test_dockerfile_commands_carry_the_image_path(tmp_path: Path) -> None:
    """A bare ENTRYPOINT name is looked up in the image's PATH through `image_paths`."""
    service = one(
        tmp_path,
        {
            "Dockerfile": "FROM python:3.12-slim\nWORKDIR /code\nCOPY . .\n"
            "COPY scripts/entrypoint.sh /usr/local/bin/\nENV PATH=/code/bin:$PATH\n"
            'ENTRYPOINT ["entrypoint.sh"]\nCMD ["gunicorn", "app.wsgi"]\n',
            "scripts/entrypoint.sh": "#!/bin/sh\nexec \"$@\"\n",
        },
    )
    entry, cmd = service.plan().start
    assert entry.text == "entrypoint.sh"
    assert ("/usr/local/bin/entrypoint.sh", "scripts/entrypoint.sh") in entry.image_paths
    assert ("/code", ".") in entry.image_paths
    assert entry.image_path_env[:2] == ("/code/bin", "/usr/local/sbin")
    assert "/usr/local/bin" in entry.image_path_env
    assert cmd.image_path_env == entry.image_path_env


def test_exec_form_shell_script_maps_inside_the_string(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {"Dockerfile": "FROM python\nCMD [\"sh\", \"-c\", "
                       "\"python manage.py flush --no-input && gunicorn x\"]\n"},
    )
    [cmd] = service.plan().start
    assert cmd.text == "sh -c 'python manage.py flush --no-input && gunicorn x'"
    start = cmd.text.index("python")
    end = cmd.text.index(" && ")
    # `python manage.py flush --no-input` is written at columns 19-51 of line 2
    assert cmd.at(start, end) == Span(2, 19, 2, 52)
    # the whole quoted word covers the JSON string, quotes included
    assert cmd.at(6, len(cmd.text)) == Span(2, 18, 2, 67)


def test_builder_defaults_cover_their_locating_text(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {"package.json": '{\n  "scripts": {\n    "build": "tsc && jest"\n  }\n}\n'},
    )
    [build] = [c for c in service.plan().build if c.default]
    assert build.at(0, 3) == Span(3, 5, 3, 12)  # the whole "build" key


def test_mix_alias_defaults_cover_the_alias_name(tmp_path: Path) -> None:
    mix = (
        "defmodule A.MixProject do\n  defp aliases do\n    [\n"
        '      "ecto.setup": ["ecto.create", "ecto.migrate"],\n'
        '      "ecto.deploy": ["ecto.migrate"]\n    ]\n  end\n'
        "  defp deps, do: [{:ecto_sql, \"~> 3.0\"}, {:postgrex, \">= 0.0.0\"}]\nend\n"
    )
    nix = one(tmp_path / "nix", {"mix.exs": mix, "railway.toml": "[build]\nbuilder = 'NIXPACKS'\n"})
    rail = one(tmp_path / "rail", {"mix.exs": mix, "railway.toml": "[deploy]\n"})
    [setup] = [c for c in nix.plan().build if c.default]
    [deploy] = [c for c in rail.plan().build if c.default]
    assert setup.at(0) == Span(4, 8, 4, 18)  # ecto.setup
    assert deploy.at(0) == Span(5, 8, 5, 19)  # ecto.deploy


def test_environment_overrides_point_at_the_overriding_key(tmp_path: Path) -> None:
    service = one(
        tmp_path,
        {
            "railway.toml": "[deploy]\nstartCommand = 'node a.js'\n\n"
            "[environments.staging.deploy]\nstartCommand = 'node b.js'\n\n"
            "[environments.pr.deploy]\nstartCommand = 'node c.js'\n",
        },
    )
    [staging] = service.plan("staging").start
    [pr] = service.plan("pr").start
    [rel] = staging.provenance
    assert (rel.span.line, rel.span.column) == (5, 1)
    assert rel.message == "override for environment staging (docs/facts.md F34)"
    [rel] = pr.provenance
    assert (rel.span.line, rel.span.column) == (8, 1)
    assert "every PR environment" in rel.message and "docs/facts.md F34" in rel.message
    assert service.describe_environments(("pr",)) == (
        "every PR environment (the `pr` override, docs/facts.md F34)"
    )
    assert service.describe_environments((None, "staging")) == (
        "every environment except PR environments (the `pr` override)"
    )


def test_rs103_names_the_database_a_command_names_itself(tmp_path: Path) -> None:
    build(
        tmp_path,
        {
            "railway.toml": "[deploy]\n"
            "preDeployCommand = \"psql postgresql://admin:pw@db.acme.io:5432/prod "
            "-c 'TRUNCATE sessions'\"\n"
            "startCommand = \"psql $DATABASE_URL -c 'DROP TABLE x' && node a.js\"\n"
        },
    )
    own, variables = sorted(_findings(tmp_path, "RS103"), key=lambda f: f.span.line)
    assert "acts on the database its URL names (db.acme.io/prod)" in own.message
    assert "whatever database the service variables name" not in own.message
    assert "pw" not in own.message
    assert "whatever database the service variables name" in variables.message

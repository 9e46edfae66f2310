"""The project model: service roots, builder choice, merged phases, provenance."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from railsafe.context import Context
from railsafe.discover import discover
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
            "ENTRYPOINT [\"./entry.sh\"]\nCMD [\"node\", \"server.js\"]\n",
        },
    )
    assert service.builder.name == "DOCKERFILE"
    assert "dockerfilePath" in service.builder.reason
    assert (service.builder.path, service.builder.span.line) == ("railway.toml", 2)
    plan = service.plan()
    assert texts(plan.build) == ["npm ci"]
    assert texts(plan.start) == ["./entry.sh", "node server.js"]
    assert plan.start[1].at(3).line == 5 and plan.start[1].at(3).column == 5


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
    assert prod.provenance[0].message == "override for environment production (§2.1)"


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
    assert found[1].related[0].message == "override for environment production (§2.1)"


def test_builder_default_says_where_it_is_reported(tmp_path: Path) -> None:
    (finding,) = _findings(FIXTURES / "rules" / "RS102" / "bad-ruby-bare-rake", "RS102")
    assert "builder default" in finding.message and "reported at Rakefile" in finding.message

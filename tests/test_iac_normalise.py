"""The SDK's semantics over a statically read program: precedence, members, graph()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from railsafe.findings import Span
from railsafe.iac.normalise import IacService, databases, graph, resource_graph, services
from railsafe.iac.typescript import read_typescript
from railsafe.iac.values import Member, Num, Program, Seq, Str, Unresolved

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "iac"
HEAD = 'import { service, postgres, volume, project, github, image } from "railway/iac";\n'


def sp(text: str, needle: str, nth: int = 0) -> Span:
    """The span of the nth occurrence of a one-line needle, found in the text itself."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - text.rfind("\n", 0, index)
    return Span(line, column, line, column + len(needle))


def one(body: str, environment: str | None = "production") -> tuple[IacService, str]:
    src = HEAD + body
    (svc,) = services(read_typescript(src, "railway.ts", environment))
    return svc, src


def text(member: Member | None) -> object:
    assert member is not None
    value = member.value
    if isinstance(value, Str):
        return value.text
    if isinstance(value, Seq):
        return [v.text if isinstance(v, Str) else v for v in value.items]
    return value


# -- precedence ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "winner_key", "winner", "nth"),
    [
        ('start: "a", startCommand: "b", run: { command: "c" }, deploy: { startCommand: "d" }',
         "start", '"a"', 0),
        ('startCommand: "b", run: { command: "c" }, deploy: { startCommand: "d" }',
         "startCommand", '"b"', 0),
        ('run: { command: "c" }, deploy: { startCommand: "d" }', "command", '"c"', 0),
        ('deploy: { startCommand: "d" }', "startCommand", '"d"', 0),
        ('start: "", startCommand: "b"', "start", '""', 0),
        ('start: null, startCommand: "b"', "startCommand", '"b"', 0),
        ('startCommand: null, deploy: { startCommand: "d" }', "startCommand", '"d"', 1),
    ],
)
def test_start_precedence(config: str, winner_key: str, winner: str, nth: int) -> None:
    svc, src = one(f'service("api", {{ {config} }});\n')
    member = svc.deploy["startCommand"]
    assert member.key == winner_key
    assert member.key_span == sp(src, winner_key, nth)
    assert member.value.span == sp(src, winner)
    assert isinstance(svc.start, Str) and svc.start.text == winner.strip('"')
    assert svc.graph()["deploy"]["startCommand"] == winner.strip('"')


def test_python_uses_or_for_start_and_healthcheck() -> None:
    src = HEAD + ('service("api", { start: "", startCommand: "b", healthcheck: "",'
                  ' healthcheckPath: "/h" });\n')
    program = read_typescript(src, "railway.ts", None)
    program.language = "python"
    (svc,) = services(program)
    assert svc.deploy["startCommand"].key == "startCommand"
    assert svc.deploy["healthcheckPath"].key == "healthcheckPath"
    program.language = "typescript"
    (ts,) = services(program)
    assert ts.deploy["startCommand"].key == "start"
    assert ts.deploy["healthcheckPath"].key == "healthcheck"


def test_pre_deploy_string_is_wrapped_and_points_at_its_key() -> None:
    svc, src = one('service("api", { preDeploy: "migrate", preDeployCommand: ["other"] });\n')
    member = svc.deploy["preDeployCommand"]
    assert member.key == "preDeploy"
    assert member.key_span == sp(src, "preDeploy")
    assert member.value == Seq(sp(src, '"migrate"'), (Str(sp(src, '"migrate"'), "migrate",
                                                         sp(src, '"migrate"').column + 1),))
    assert svc.pre_deploy == member.value.items
    assert svc.graph()["deploy"]["preDeployCommand"] == ["migrate"]


@pytest.mark.parametrize(
    ("config", "key", "expected"),
    [
        ('preDeployCommand: ["a", "b"], run: { preDeploy: "c" }', "preDeployCommand", ["a", "b"]),
        ('run: { preDeploy: "c" }, deploy: { preDeployCommand: ["d"] }', "preDeploy", ["c"]),
        ('preDeploy: "", deploy: { preDeployCommand: ["d"] }', "preDeployCommand", ["d"]),
        # a raw deploy string is not wrapped by the SDK
        ('deploy: { preDeployCommand: "raw" }', "preDeployCommand", "raw"),
    ],
)
def test_pre_deploy_precedence(config: str, key: str, expected: object) -> None:
    svc, _ = one(f'service("api", {{ {config} }});\n')
    assert svc.deploy["preDeployCommand"].key == key
    assert text(svc.deploy["preDeployCommand"]) == expected
    assert svc.graph()["deploy"]["preDeployCommand"] == expected


def test_healthcheck_and_timeout_precedence() -> None:
    svc, src = one(
        'service("api", { healthcheckPath: "/b", run: { healthcheck: "/c", healthcheckTimeout: 5 },'
        " deploy: { healthcheckPath: \"/d\", healthcheckTimeout: 9 } });\n")
    assert svc.deploy["healthcheckPath"] == Member(
        "healthcheckPath", sp(src, "healthcheckPath"), Str(sp(src, '"/b"'), "/b",
                                                          sp(src, '"/b"').column + 1))
    assert svc.deploy["healthcheckTimeout"].key_span == sp(src, "healthcheckTimeout")
    assert svc.deploy["healthcheckTimeout"].value == Num(sp(src, "5"), 5)


def test_raw_deploy_first_then_fields_override_and_nulls_pruned() -> None:
    svc, src = one(
        'service("api", { replicas: 2, deploy: { numReplicas: 9, cronSchedule: null,'
        ' restartPolicyType: "NEVER",'
        ' multiRegionConfig: { "us-west2": { numReplicas: 1 } } } });\n')
    assert list(svc.deploy) == ["numReplicas", "restartPolicyType", "multiRegionConfig"]
    assert svc.deploy["numReplicas"].key_span == sp(src, "replicas")
    assert svc.graph()["deploy"] == {
        "numReplicas": 2, "restartPolicyType": "NEVER",
        "multiRegionConfig": {"us-west2": {"numReplicas": 1}},
    }


def test_replica_map_and_the_lost_count_quirk() -> None:
    svc, src = one(
        'service("api", { replicas: { "us-west2": 2, "eu": { count: 3, stacker: "x" },'
        ' "asia": { numReplicas: 4 } }, regions: { ignored: 1 } });\n')
    assert svc.graph()["deploy"] == {"multiRegionConfig": {
        "us-west2": {"numReplicas": 2}, "eu": {"numReplicas": 3, "stackerAssignment": "x"},
        "asia": {}}}
    assert [(m.key, m.key_span) for m in svc.replica_quirks] == [("asia", sp(src, '"asia"'))]
    assert svc.deploy["multiRegionConfig"].key_span == sp(src, "replicas")


def test_regions_used_only_without_replicas() -> None:
    svc, _ = one('service("api", { regions: { "us-west2": 1 } });\n')
    assert svc.graph()["deploy"] == {"multiRegionConfig": {"us-west2": {"numReplicas": 1}}}
    assert svc.deploy["multiRegionConfig"].key == "regions"


def test_env_wins_over_variables() -> None:
    svc, src = one('service("api", { env: { A: "env" }, variables: { A: "var", B: "b" } });\n')
    assert list(svc.variables) == ["A", "B"]
    assert svc.variables["A"].key_span == sp(src, "A")
    assert text(svc.variables["A"]) == "env"
    assert svc.graph()["variables"] == {
        "A": {"type": "literal", "value": "env"}, "B": {"type": "literal", "value": "b"},
    }


def test_variable_forms() -> None:
    svc, _ = one(
        'const db = postgres("pg");\n'
        'service("api", { env: { L: "x", R: db.env.DATABASE_URL, S: { value: "v", isSealed: true },'
        ' T: { type: "preserve" }, N: 3, U: process.env.X } });\n')
    assert svc.graph()["variables"] == {
        "L": {"type": "literal", "value": "x"},
        "R": {"type": "reference", "resource": "database.pg", "output": "DATABASE_URL"},
        "S": {"type": "raw", "value": {"value": "v", "isSealed": True}},
        "T": {"type": "preserve"},
        "N": {"unresolved": "a number or boolean variable value (the TypeScript SDK throws)"},
        "U": {"unresolved": "process.env.X"},
    }


def test_unknown_keys() -> None:
    svc, src = one(
        'service("api", { preDeployCommnd: "typo", healthCheck: "/h", run: { cmd: "x" },'
        ' build: { builder: "DOCKERFILE", dockerFile: "x" }, deploy: { cron: "* * * * *" } });\n')
    assert [(m.key, m.key_span) for m in svc.unknown_keys] == [
        ("preDeployCommnd", sp(src, "preDeployCommnd")), ("healthCheck", sp(src, "healthCheck")),
        ("cmd", sp(src, "cmd"))]
    assert [m.key for m in svc.unknown_build_keys] == ["dockerFile"]
    assert [m.key for m in svc.unknown_deploy_keys] == ["cron"]
    assert list(svc.build) == ["builder", "dockerFile"]
    assert "preDeployCommand" not in svc.deploy


def test_python_extras_are_known_in_python_only() -> None:
    program = read_typescript(HEAD + 'service("a", { tracing: { enabled: true } });\n', "x", None)
    (ts,) = services(program)
    assert [m.key for m in ts.unknown_keys] == ["tracing"]
    program.language = "python"
    (py,) = services(program)
    assert py.unknown_keys == []


def test_go_reads_tracing_but_not_cdn() -> None:
    """railway-go-sdk's serviceNode copies `tracing` into the node; it has no `cdn`."""
    program = read_typescript(
        HEAD + 'service("a", { tracing: { enabled: true }, cdn: { enabled: true } });\n', "x", None)
    program.language = "go"
    (go,) = services(program)
    assert [m.key for m in go.unknown_keys] == ["cdn"]


def test_build_string_and_object() -> None:
    svc, src = one('service("api", { build: "make" });\n')
    assert svc.build == {"buildCommand": Member("build", sp(src, "build"),
                                                Str(sp(src, '"make"'), "make",
                                                    sp(src, '"make"').column + 1))}
    assert isinstance(svc.build_command, Str) and svc.build_command.text == "make"
    svc, _ = one('service("api", { build: { buildCommand: "npm run build",'
                 ' watchPatterns: ["a/**"] } });\n')
    assert isinstance(svc.build_command, Str) and svc.build_command.text == "npm run build"
    assert svc.graph()["build"] == {"buildCommand": "npm run build", "watchPatterns": ["a/**"]}


@pytest.mark.parametrize(
    ("config", "root", "source"),
    [
        ('source: github("o/r", { rootDirectory: "a" }), root: "b"', "a",
         {"type": "github", "repo": "o/r", "branch": "main", "rootDirectory": "a"}),
        ('source: github("o/r"), root: "b", rootDirectory: "c"', "b",
         {"type": "github", "repo": "o/r", "branch": "main", "rootDirectory": "b"}),
        ('rootDirectory: "c"', "c", {"type": "empty", "rootDirectory": "c"}),
        ('source: { repo: "o/r", rootDirectory: "ignored" }, root: "b"', "b",
         {"type": "github", "repo": "o/r", "branch": "main", "rootDirectory": "b"}),
        ('source: { image: "nginx" }', None, {"type": "image", "image": "nginx"}),
    ],
)
def test_root_directory_and_source(config: str, root: str | None, source: dict[str, str]) -> None:
    svc, _ = one(f'service("api", {{ {config} }});\n')
    assert (svc.root_directory.text if svc.root_directory else None) == root
    assert svc.graph()["source"] == source


def test_kinds() -> None:
    program = read_typescript(
        'import { service, fn, image, github, template } from "railway/iac";\n'
        'service("a", { source: image("x") }); service("b", { source: github("o/r") });\n'
        'service("c", { source: template("t") }); service("d"); fn("e", { source: image("y") });\n',
        "x", None)
    assert [s.graph()["kind"] for s in services(program)] == [
        "docker-image", "github", "template", "empty", "function"]


def test_post_construction_assignments_win() -> None:
    src = HEAD + (
        'const api = service("api", { preDeploy: "a", deploy: { cronSchedule: "0 * * * *" } });\n'
        'api.deploy.preDeployCommand = ["b"];\n'
        'const pg = postgres("pg");\n'
        'pg.deploy = { startCommand: "postgres" };\n'
    )
    program = read_typescript(src, "x", None)
    (svc,) = services(program)
    member = svc.deploy["preDeployCommand"]
    assert member.key_span == sp(src, 'api.deploy.preDeployCommand = ["b"]')
    assert svc.pre_deploy is not None and [v.text for v in svc.pre_deploy] == ["b"]  # type: ignore[attr-defined]
    assert svc.graph()["deploy"] == {"cronSchedule": "0 * * * *", "preDeployCommand": ["b"]}
    (pg,) = databases(program)
    assert resource_graph(pg, program)["deploy"] == {"startCommand": "postgres"}


def test_unresolved_config_and_opaque_parts() -> None:
    src = HEAD + 'service("a", cfg); service("b", { ...base, start: "x" });\n'
    a, b = services(read_typescript(src, "x", None))
    assert a.graph() == {"address": "service.a", "type": "service", "kind": "empty", "name": "a",
                         "unresolved": "unknown name cfg"}
    assert [u.reason for u in b.opaque] == ["spread of unknown name base"]
    assert b.graph()["unresolved"] == "spread of unknown name base"
    assert isinstance(b.start, Str)


def test_unresolved_value_renders_as_a_marker() -> None:
    svc, _ = one('service("a", { start: process.env.CMD });\n')
    assert isinstance(svc.start, Unresolved)
    assert svc.graph()["deploy"] == {"startCommand": {"unresolved": "process.env.CMD"}}


def test_other_resource_nodes() -> None:
    src = (
        'import { postgres, database, volume, bucket, group, service, project }'
        ' from "railway/iac";\n'
        'const v = volume("data", { sizeMB: 100 });\n'
        'export default project("p", { resources: [postgres("pg", { region: "us-west2" }),'
        ' database("d", "private", { image: "img" }), v, bucket("b"),'
        ' ...group("G", [service("s", { volumeMounts: { "/data": v } })])] });\n'
    )
    got = graph(read_typescript(src, "x", None))
    assert got["partial"] is None
    assert got["project"]["name"] == "p"
    resources = got["project"]["resources"]
    assert resources[0] == {
        "address": "database.pg", "type": "database", "kind": "database", "engine": "postgres",
        "name": "pg", "image": "ghcr.io/railwayapp-templates/postgres-ssl:18",
        "output": "DATABASE_URL", "defaultMountPath": "/var/lib/postgresql/data",
        "source": {"type": "image", "image": "ghcr.io/railwayapp-templates/postgres-ssl:18"},
        "deploy": {"multiRegionConfig": {"us-west2": {"numReplicas": 1}}},
    }
    assert resources[1] == {
        "address": "database.d", "type": "database", "kind": "database", "engine": "private",
        "name": "d", "image": "img", "output": "DATABASE_URL",
        "source": {"type": "image", "image": "img"},
    }
    assert resources[2] == {"address": "volume.data", "type": "volume", "name": "data",
                            "config": {"sizeMB": 100}}
    assert resources[3] == {"address": "bucket.b", "type": "bucket", "name": "b", "config": {}}
    assert resources[4] == {"address": "group.G", "type": "group", "name": "G"}
    assert resources[5] == {
        "address": "service.s", "type": "service", "kind": "empty", "name": "s",
        "volumeMounts": {},
        "volumeAttachments": {"data": {"volume": "volume.data", "mountPath": "/data",
                                       "volumeConfig": {"sizeMB": 100}}},
        "groupId": "G",
    }


def test_graph_lists_every_resource_when_the_list_is_unknown() -> None:
    program = read_typescript(HEAD + 'service("a"); service("b");\n', "x", None)
    assert program.listed is None
    assert [r["address"] for r in graph(program)["project"]["resources"]] == [
        "service.a", "service.b"]


def test_graph_keeps_only_listed_resources_in_list_order() -> None:
    program = read_typescript(
        HEAD + 'const a = service("a"); const b = service("b"); service("orphan");\n'
        'export const partial = "x";\n'
        'export default project("p", { resources: [b, a] });\n', "x", None)
    got = graph(program)
    assert got["partial"] == "x"
    assert [r["address"] for r in got["project"]["resources"]] == ["service.b", "service.a"]


# -- differential: the recorded output of the real SDK ------------------------------------------

RECORDED = json.loads((FIXTURES / "ts-sdk-recorded.json").read_text())
CASES = [(name, env) for name in sorted(RECORDED) if name.startswith("ts-")
         for env in ("production", "staging")]


@pytest.mark.parametrize(("name", "environment"), CASES)
def test_graph_equals_the_sdk(name: str, environment: str) -> None:
    path = FIXTURES / "sdk" / name / ".railway" / "railway.ts"
    program: Program = read_typescript(path.read_text(), str(path), environment)
    expected = RECORDED[name][environment]
    got = graph(program)
    assert got["partial"] == expected["partial"]
    assert got["project"]["name"] == expected["project"]["name"]
    assert got["project"]["resources"] == expected["project"]["resources"]


# -- the Python SDK's semantics (railway_sdk 0.7.0) ---------------------------------------------


def python_service(body: str) -> IacService:
    program = read_typescript(HEAD + body, "railway.ts", None)
    program.language = "python"
    (svc,) = services(program)
    return svc


def test_python_pre_deploy_takes_the_first_key_given_and_wraps_any_string() -> None:
    svc = python_service('service("a", { preDeploy: "", deploy: { preDeployCommand: ["d"] } });\n')
    assert svc.graph()["deploy"] == {"preDeployCommand": [""]}
    svc = python_service(
        'service("a", { preDeploy: null, deploy: { preDeployCommand: ["d"] } });\n')
    assert svc.graph()["deploy"] == {"preDeployCommand": ["d"]}


def test_python_timeout_given_as_none_is_dropped() -> None:
    svc = python_service(
        'service("a", { healthcheckTimeout: null, run: { healthcheckTimeout: 45 } });\n')
    assert "healthcheckTimeout" not in svc.deploy
    ts, _ = one('service("a", { healthcheckTimeout: null, run: { healthcheckTimeout: 45 } });\n')
    assert ts.graph()["deploy"] == {"healthcheckTimeout": 45}


def test_python_variables_wrap_numbers_and_empty_containers_are_false() -> None:
    svc = python_service('service("a", { env: { N: 2, B: true, Z: null } });\n')
    assert svc.graph()["variables"] == {
        "N": {"type": "raw", "value": 2}, "B": {"type": "raw", "value": True},
        "Z": {"type": "raw", "value": None}}
    empty = python_service('service("a", { env: {}, domains: [], volumeMounts: {} });\n')
    assert empty.graph() == {"address": "service.a", "type": "service", "kind": "empty",
                             "name": "a"}
    ts, _ = one('service("a", { env: {}, domains: [], volumeMounts: {} });\n')
    assert ts.graph() == {"address": "service.a", "type": "service", "kind": "empty", "name": "a",
                          "variables": {}, "networking": {"customDomains": {}},
                          "volumeMounts": {}, "volumeAttachments": {}}


def test_python_root_directory_uses_or() -> None:
    svc = python_service(
        'service("a", { source: github("o/r", { rootDirectory: "" }), root: "b" });\n')
    assert svc.graph()["source"]["rootDirectory"] == "b"
    assert svc.root_directory is not None and svc.root_directory.text == "b"
    ts, _ = one('service("a", { source: github("o/r", { rootDirectory: "" }), root: "b" });\n')
    assert ts.graph()["source"]["rootDirectory"] == ""


def test_python_assignments_do_not_reach_the_graph() -> None:
    src = HEAD + 'const pg = postgres("pg");\npg.deploy = { startCommand: "x" };\n'
    program = read_typescript(src, "x", None)
    program.language = "python"
    (pg,) = databases(program)
    assert "deploy" not in resource_graph(pg, program)


def test_python_function_code_file_and_runtime() -> None:
    src = HEAD + 'service("f", { code_file: "handler.ts", runtime: "bun:1.2.0" });\n'
    program = read_typescript(src, "x", None)
    program.language = "python"
    program.resources[0].kind = "function"
    (svc,) = services(program)
    assert svc.unknown_keys == []
    graph_node = svc.graph()
    assert graph_node["kind"] == "function"
    assert graph_node["source"] == {"type": "image",
                                    "image": "ghcr.io/railwayapp/function-bun:1.2.0"}
    assert isinstance(svc.start, Unresolved)
    assert graph_node["deploy"]["startCommand"] == {
        "unresolved": "the function's code, read from code_file at plan time"}

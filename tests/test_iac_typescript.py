"""The TypeScript/JavaScript IaC front-end: static reading, exact values and spans."""

from __future__ import annotations

import time

import pytest

from railsafe.findings import Span
from railsafe.iac.typescript import read_typescript
from railsafe.iac.values import (
    Assignment,
    Bool,
    Member,
    Null,
    Num,
    Obj,
    Preserve,
    Program,
    Ref,
    ResourceVal,
    Seq,
    Shared,
    SourceVal,
    Str,
    Unresolved,
)

IMPORT = 'import { defineRailway, github, postgres, project, service } from "railway/iac";\n'


def read(text: str, environment: str | None = "production", path: str = "railway.ts") -> Program:
    return read_typescript(text, path, environment)


def config(program: Program, address: str) -> Obj:
    resource = program.by_address(address)
    assert resource is not None, [r.address for r in program.resources]
    assert isinstance(resource.config, Obj)
    return resource.config


def sp(text: str, needle: str, nth: int = 0) -> Span:
    """The span of the nth occurrence of a one-line needle, found in the text itself."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - text.rfind("\n", 0, index)
    return Span(line, column, line, column + len(needle))


def lit(text: str, quoted: str, nth: int = 0) -> Str:
    """A simple one-line string literal as the reader should give it."""
    span = sp(text, quoted, nth)
    return Str(span, quoted[1:-1], span.column + 1)


def notes(program: Program, code: str) -> list[tuple[str, Span]]:
    return [(n.detail, n.span) for n in program.notes if n.code == code]


# -- imports and entry points ---------------------------------------------------------


def test_named_and_aliased_imports_bind_the_sdk() -> None:
    src = (
        'import { service as svc, project } from "railway/iac";\n'
        'export default () => project("p", { resources: [svc("api", { start: "x" })] });\n'
    )
    program = read(src)
    assert program.sdk_module == "railway/iac"
    assert [r.address for r in program.resources] == ["service.api"]
    assert program.listed == ("service.api",)
    start = config(program, "service.api").member("start")
    assert start == Member("start", sp(src, "start"), lit(src, '"x"'))
    assert start.key_span == Span(2, 62, 2, 67)
    assert not notes(program, "no-sdk-import")


def test_namespace_import() -> None:
    src = (
        'import * as r from "railway/iac";\n'
        "export default r.defineRailway(() => {\n"
        '  const db = r.postgres("pg");\n'
        '  return r.project("p", { resources: [db] });\n'
        "});\n"
    )
    program = read(src)
    (db,) = program.resources
    assert (db.type, db.kind, db.binding) == ("database", "postgres", "db")
    assert db.name == lit(src, '"pg"')
    assert db.call == sp(src, 'r.postgres("pg")')
    assert program.project_name == lit(src, '"p"')
    assert program.project_call == sp(src, 'r.project("p", { resources: [db] })')


def test_require_in_commonjs() -> None:
    program = read(
        'const { service, project } = require("railway/iac");\n'
        "module.exports = (ctx) => project(\"p\", { resources: [service(\"w\")] });\n",
        path="railway.cjs",
    )
    assert program.sdk_module == "railway/iac"
    assert program.entry is not None
    assert (program.entry.name, program.entry.callable) == ("module.exports", True)
    assert program.entry.span == Span(2, 1, 2, 15)
    assert program.listed == ("service.w",)


def test_no_sdk_import_is_noted() -> None:
    program = read('export default () => ({ name: "x" });\n')
    assert program.sdk_module is None
    assert notes(program, "no-sdk-import") == [("railway/iac", Span(1, 1, 1, 1))]


@pytest.mark.parametrize(
    ("source", "name", "span"),
    [
        ('export default defineRailway(() => project("p", {}));', "default", Span(2, 1, 2, 15)),
        ('export default function (ctx) { return project("p", {}); }', "default",
         Span(2, 1, 2, 15)),
        ('export const main = () => project("p", {});', "main", Span(2, 14, 2, 18)),
        ('export function Railway() { return project("p", {}); }', "Railway",
         Span(2, 17, 2, 24)),
    ],
)
def test_entry_points(source: str, name: str, span: Span) -> None:
    program = read(IMPORT + source + "\n")
    assert program.entry is not None
    assert (program.entry.name, program.entry.span, program.entry.callable) == (name, span, True)
    assert isinstance(program.project_name, Str) and program.project_name.text == "p"
    assert program.listed == ()


def test_default_wins_over_main_and_exports_are_listed() -> None:
    program = read(
        IMPORT
        + 'export const main = () => project("from-main", {});\n'
        + 'export default () => project("from-default", {});\n'
        + "const x = 1;\nexport { x as y };\n"
    )
    assert program.entry is not None and program.entry.name == "default"
    assert isinstance(program.project_name, Str) and program.project_name.text == "from-default"
    assert program.exports == (
        ("main", Span(2, 14, 2, 18)), ("default", Span(3, 1, 3, 15)), ("y", Span(5, 15, 5, 16)),
    )


def test_project_value_default_export_with_module_level_resources() -> None:
    program = read(
        IMPORT
        + 'const api = service("api", { start: "node a.js" });\n'
        + 'export default project("shop", { resources: [api] });\n'
    )
    assert program.entry is not None
    assert (program.entry.name, program.entry.callable) == ("default", False)
    assert program.listed == ("service.api",)
    assert program.resources[0].binding == "api"


def test_object_literal_default_export_is_the_project() -> None:
    program = read(IMPORT + 'export default { name: "lit", resources: [service("x")] };\n')
    assert isinstance(program.project_name, Str) and program.project_name.text == "lit"
    assert program.listed == ("service.x",)


@pytest.mark.parametrize("name", ["partial", "PARTIAL", "Partial"])
def test_partial(name: str) -> None:
    program = read(IMPORT + f'export const {name} = "api";\n')
    column = 14 + len(name) + 3
    assert program.partial == Str(Span(2, column, 2, column + 5), "api", column + 1)


# -- resources and projects ---------------------------------------------------------------


def test_every_resource_kind() -> None:
    program = read(
        'import { service, fn, postgres, mysql, redis, mongo, database, volume, bucket, group,'
        ' project } from "railway/iac";\n'
        "export default () => project(\"p\", { resources: [\n"
        '  service("s"), fn("f"), postgres("pg"), mysql("my"), redis("rd"), mongo("mg"),\n'
        '  database("d", "private", { image: "x" }), volume("v", { sizeMB: 10 }), bucket("b"),\n'
        '  ...group("G", [service("in-g")], { color: "red" }),\n'
        "] });\n"
    )
    got = [(r.type, r.kind, r.address) for r in program.resources]
    assert got == [
        ("service", "service", "service.s"), ("service", "function", "service.f"),
        ("database", "postgres", "database.pg"), ("database", "mysql", "database.my"),
        ("database", "redis", "database.rd"), ("database", "mongo", "database.mg"),
        ("database", "private", "database.d"), ("volume", "volume", "volume.v"),
        ("bucket", "bucket", "bucket.b"), ("service", "service", "service.in-g"),
        ("group", "group", "group.G"),
    ]
    group = program.by_address("group.G")
    assert group is not None and group.members == ("service.in-g",)
    assert isinstance(group.config, Obj) and group.config.keys() == ["color"]
    inside = program.by_address("service.in-g")
    assert inside is not None and inside.group == "G"
    assert program.listed == (
        "service.s", "service.f", "database.pg", "database.my", "database.rd", "database.mg",
        "database.d", "volume.v", "bucket.b", "group.G", "service.in-g",
    )


def test_unknown_list_member_makes_listed_unknown() -> None:
    src = IMPORT + "export default () => project(\"p\", { resources: [mystery] });\n"
    program = read(src)
    assert program.listed is None
    assert notes(program, "unresolved") == [("unknown name mystery", sp(src, "mystery"))]


def test_non_literal_name_is_unresolved() -> None:
    src = IMPORT + "export default () => project(\"p\", { resources: [service(nm)] });\n"
    program = read(src)
    (resource,) = program.resources
    assert resource.name == Unresolved(sp(src, "nm"), "unknown name nm")
    assert resource.address == "service.?"


# -- values ---------------------------------------------------------------------------------


def test_literal_values_and_their_spans() -> None:
    src = (
        IMPORT
        + "export default () => project(\"p\", { resources: [service(\"a\", {\n"
        + '  s: "x", t: `y`, n: 42, f: 1.5, neg: -3, b: true, z: null, u: undefined,\n'
        + '  arr: ["a", 1], obj: { "quoted-key": 1 }, esc: "a\\"b",\n'
        + "})] });\n"
    )
    program = read(src)
    c = config(program, "service.a")
    assert c.get("s") == Str(Span(3, 6, 3, 9), "x", 7)
    assert c.get("t") == Str(Span(3, 14, 3, 17), "y", 15)
    assert c.get("n") == Num(Span(3, 22, 3, 24), 42)
    assert c.get("f") == Num(Span(3, 29, 3, 32), 1.5)
    assert c.get("neg") == Num(Span(3, 39, 3, 41), -3)
    assert c.get("b") == Bool(Span(3, 46, 3, 50), True)
    assert c.get("z") == Null(Span(3, 55, 3, 59))
    assert c.get("u") == Null(Span(3, 64, 3, 73))
    assert c.get("arr") == Seq(Span(4, 8, 4, 16), (Str(Span(4, 9, 4, 12), "a", 10),
                                                   Num(Span(4, 14, 4, 15), 1)))
    obj = c.get("obj")
    assert isinstance(obj, Obj)
    assert obj.members == (Member("quoted-key", Span(4, 25, 4, 37), Num(Span(4, 39, 4, 40), 1)),)
    # an escape: the text is decoded, but offsets no longer map into the source
    assert c.get("esc") == Str(sp(src, '"a\\"b"'), 'a"b', None)


def test_columns_count_code_points() -> None:
    src = IMPORT + ('export default () => { const é = "ü"; return project("p", { resources:'
                    ' [service("a", { start: "日本" })] }); };\n')
    program = read(src)
    start = config(program, "service.a").member("start")
    assert start is not None
    assert start.key_span == sp(src, "start") == Span(2, 88, 2, 93)
    assert start.value == lit(src, '"日本"') == Str(Span(2, 95, 2, 99), "日本", 96)


def test_multiline_string_has_no_column() -> None:
    program = read(IMPORT + 'const a = service("a", { start: `line1\nline2` });\n')
    value = config(program, "service.a").get("start")
    assert value == Str(Span(2, 33, 3, 7), "line1\nline2", None)


def test_const_propagation_templates_and_concatenation() -> None:
    src = (
        IMPORT
        + 'const BIN = "node";\n'
        + "export default () => {\n"
        + '  const entry = "dist/main.js";\n'
        + '  const api = service("api", { start: `${BIN} ${entry}`, build: "npm ci && " + "npm run"'
        + ' + " build" });\n'
        + "  return project(\"p\", { resources: [api] });\n"
        + "};\n"
    )
    program = read(src)
    c = config(program, "service.api")
    assert c.get("start") == Str(sp(src, "`${BIN} ${entry}`"), "node dist/main.js", None)
    assert c.get("build") == Str(
        sp(src, '"npm ci && " + "npm run" + " build"'), "npm ci && npm run build", None)


def test_references_and_special_values() -> None:
    src = (
        'import { service, postgres, ref, preserve, github, image, template, empty }'
        ' from "railway/iac";\n'
        "export default (ctx) => {\n"
        '  const db = postgres("pg");\n'
        '  service("a", { env: { A: db.env.DATABASE_URL, B: db.env["PGHOST"], C: ref(db, "X"),\n'
        "    D: preserve(), E: ctx.shared.SECRET },\n"
        '    source: github("o/r", { branch: "dev" }) });\n'
        '  service("b", { source: image("nginx:1") });\n'
        '  service("c", { source: template("t") });\n'
        '  service("d", { source: empty() });\n'
        "};\n"
    )
    program = read(src)
    env = config(program, "service.a").get("env")
    assert isinstance(env, Obj)
    assert env.get("A") == Ref(sp(src, "db.env.DATABASE_URL"), "database.pg", "DATABASE_URL")
    assert env.get("B") == Ref(sp(src, 'db.env["PGHOST"]'), "database.pg", "PGHOST")
    assert env.get("C") == Ref(sp(src, 'ref(db, "X")'), "database.pg", "X")
    assert env.get("D") == Preserve(sp(src, "preserve()"))
    assert env.get("E") == Shared(sp(src, "ctx.shared.SECRET"), "SECRET")
    assert notes(program, "ctx-feature") == [("ctx.shared", sp(src, "ctx.shared.SECRET"))]
    source = config(program, "service.a").get("source")
    assert isinstance(source, SourceVal) and source.type == "github"
    assert source.value == lit(src, '"o/r"')
    assert source.options is not None and source.options.keys() == ["branch"]
    b_source = config(program, "service.b").get("source")
    assert isinstance(b_source, SourceVal) and b_source.type == "image"
    assert b_source.value is not None and b_source.value.text == "nginx:1"
    c_source = config(program, "service.c").get("source")
    assert isinstance(c_source, SourceVal) and c_source.type == "template"
    assert config(program, "service.d").get("source") == SourceVal(
        sp(src, "empty()"), "empty", None, None)


def test_objects_spreads_shorthand_and_computed_keys() -> None:
    program = read(
        IMPORT
        + "export default () => {\n"
        + '  const common = { healthcheck: "/h", start: "old" };\n'
        + '  const env = { A: "1" };\n'
        + '  const k = "KEY";\n'
        + '  service("a", { ...common, start: "new", env, ...unknown, [k]: 1, [other]: 2 });\n'
        + "};\n"
    )
    c = config(program, "service.a")
    assert c.keys() == ["healthcheck", "start", "env", "KEY"]
    assert c.get("start") == Str(Span(6, 36, 6, 41), "new", 37)
    assert c.member("healthcheck") == Member(
        "healthcheck", Span(3, 20, 3, 31), Str(Span(3, 33, 3, 37), "/h", 34))
    assert c.member("env") == Member("env", Span(6, 43, 6, 46), Obj(Span(4, 15, 4, 25), (
        Member("A", Span(4, 17, 4, 18), Str(Span(4, 20, 4, 23), "1", 21)),)))
    assert [u.reason for u in c.opaque] == ["spread of unknown name unknown",
                                            "computed key [other]"]
    assert c.opaque[0].span == Span(6, 48, 6, 58)


def test_conditional_spread_both_branches() -> None:
    source = IMPORT + (
        'export default (ctx) => { service("a", { start: "s", ...(ctx.environment === "production"'
        ' ? { preDeploy: "migrate" } : {}) }); };\n'
    )
    prod = config(read(source, "production"), "service.a")
    assert prod.keys() == ["start", "preDeploy"]
    assert prod.member("preDeploy") == Member(
        "preDeploy", Span(2, 95, 2, 104), Str(Span(2, 106, 2, 115), "migrate", 107))
    assert config(read(source, "staging"), "service.a").keys() == ["start"]
    assert config(read(source, None), "service.a").keys() == ["start"]


def test_object_from_entries_and_map() -> None:
    program = read(
        'import { service, preserve } from "railway/iac";\n'
        'const NAMES = ["A", "B"];\n'
        'service("a", { env: Object.fromEntries(NAMES.map((n) => [n, preserve()])) });\n'
        'service("b", { env: Object.fromEntries([["X", "1"], ["Y", "2"]]) });\n'
    )
    a_env = config(program, "service.a").get("env")
    assert isinstance(a_env, Obj) and not a_env.opaque
    assert a_env.members == (
        Member("A", Span(2, 16, 2, 19), Preserve(Span(3, 61, 3, 71))),
        Member("B", Span(2, 21, 2, 24), Preserve(Span(3, 61, 3, 71))),
    )
    b_env = config(program, "service.b").get("env")
    assert isinstance(b_env, Obj)
    assert [(m.key, m.key_span, m.value) for m in b_env.members] == [
        ("X", Span(4, 42, 4, 45), Str(Span(4, 47, 4, 50), "1", 48)),
        ("Y", Span(4, 54, 4, 57), Str(Span(4, 59, 4, 62), "2", 60)),
    ]


def test_factories_are_inlined() -> None:
    src = (
        IMPORT
        + 'const mk = (name, extra = {}) => service(name, { start: "run " + name, ...extra });\n'
        + "function worker(q) {\n"
        + '  return service(`worker-${q}`, { start: `work ${q}` });\n'
        + "}\n"
        + "export default () => project(\"p\", { resources: [\n"
        + '  mk("web", { healthcheck: "/h" }), mk("api"), ...["a", "b"].map((q) => worker(q)),\n'
        + "] });\n"
    )
    program = read(src)
    assert program.listed == ("service.web", "service.api", "service.worker-a", "service.worker-b")
    web = config(program, "service.web")
    assert web.get("start") == Str(sp(src, '"run " + name'), "run web", None)
    assert web.get("healthcheck") == lit(src, '"/h"')
    assert config(program, "service.api").keys() == ["start"]
    assert config(program, "service.worker-b").get("start") == Str(
        sp(src, "`work ${q}`"), "work b", None)
    name = program.resources[2].name
    assert name == Str(sp(src, "`worker-${q}`"), "worker-a", None)


def test_post_construction_assignments() -> None:
    program = read(
        IMPORT
        + "export default () => {\n"
        + '  const pg = postgres("pg");\n'
        + '  pg.deploy = { startCommand: "postgres -c x=1" };\n'
        + '  const api = service("api", { deploy: {} });\n'
        + '  api.deploy.preDeployCommand = ["migrate"];\n'
        + "  return project(\"p\", { resources: [pg, api] });\n"
        + "};\n"
    )
    pg = program.by_address("database.pg")
    assert pg is not None and len(pg.assignments) == 1
    assert pg.assignments[0].path == ("deploy",)
    assert pg.assignments[0].span == Span(4, 3, 4, 50)
    api = program.by_address("service.api")
    assert api is not None
    assert api.assignments == [Assignment(
        ("deploy", "preDeployCommand"),
        Seq(Span(6, 33, 6, 44), (Str(Span(6, 34, 6, 43), "migrate", 35),)),
        Span(6, 3, 6, 44))]


def test_pull_style_template_references_are_plain_literals() -> None:
    program = read(
        'import { service } from "railway/iac";\n'
        'service("a", { env: { A: "${{Postgres.DATABASE_URL}}", B: `\\${{shared.X}}` } });\n'
    )
    env = config(program, "service.a").get("env")
    assert isinstance(env, Obj)
    assert env.get("A") == Str(Span(2, 26, 2, 54), "${{Postgres.DATABASE_URL}}", 27)
    assert env.get("B") == Str(Span(2, 59, 2, 75), "${{shared.X}}", None)
    assert not notes(program, "template-object")


def test_template_object_note() -> None:
    program = read(
        'import { service, postgres } from "railway/iac";\n'
        'const db = postgres("pg");\n'
        'service("a", { env: { URL: `postgres://${db.env.PGHOST}:5432`, B: "x" + db } });\n'
    )
    env = config(program, "service.a").get("env")
    assert isinstance(env, Obj)
    assert env.get("URL") == Str(Span(3, 28, 3, 62), "postgres://[object Object]:5432", None)
    assert env.get("B") == Str(Span(3, 67, 3, 75), "x[object Object]", None)
    assert notes(program, "template-object") == [
        ("${db.env.PGHOST}", Span(3, 40, 3, 56)), ('"x" + db', Span(3, 67, 3, 75))]


def test_process_env_is_unresolved_and_noted() -> None:
    program = read(
        'import { service } from "railway/iac";\n'
        'service("a", { start: process.env.START_CMD, build: `make ${process.env.TARGET}` });\n'
    )
    c = config(program, "service.a")
    assert c.get("start") == Unresolved(Span(2, 23, 2, 44), "process.env.START_CMD")
    build = c.get("build")
    assert isinstance(build, Unresolved)
    assert build.reason == "template string with process.env.TARGET"
    assert notes(program, "process-env") == [
        ("START_CMD", Span(2, 23, 2, 44)), ("TARGET", Span(2, 61, 2, 79))]


def test_unresolved_calls_are_noted_with_what() -> None:
    program = read(
        'import { service } from "railway/iac";\n'
        'import { readFileSync } from "node:fs";\n'
        'service("a", { start: readFileSync("cmd.txt", "utf8"), replicas: count });\n'
    )
    c = config(program, "service.a")
    assert c.get("start") == Unresolved(
        Span(3, 23, 3, 54), "call to readFileSync imported from node:fs")
    assert c.get("replicas") == Unresolved(Span(3, 66, 3, 71), "unknown name count")
    # an imported name is known to be unknowable: only the call is noted
    assert notes(program, "unresolved") == [
        ("call to readFileSync imported from node:fs", Span(3, 23, 3, 54)),
        ("unknown name count", Span(3, 66, 3, 71)),
    ]


# -- the context -------------------------------------------------------------------------------

CTX = IMPORT + (
    "export default defineRailway((c) => {\n"
    '  const api = service("api", {\n'
    '    replicas: c.environment === "production" ? 3 : 1,\n'
    '    start: "staging" == c.environmentName ? "dev" : "prod",\n'
    '    healthcheck: c.environment !== "production" ? "/dev" : "/prod",\n'
    '    preDeploy: c.isEnvironment("production") && "migrate",\n'
    "  });\n"
    '  return project("p", { resources: [api] });\n'
    "});\n"
)


@pytest.mark.parametrize(
    ("environment", "replicas", "start", "health", "pre"),
    [
        ("production", 3, "prod", "/prod", lit(CTX, '"migrate"')),
        ("staging", 1, "dev", "/dev", Bool(sp(CTX, 'c.isEnvironment("production")'), False)),
        (None, 1, "prod", "/dev", Bool(sp(CTX, 'c.isEnvironment("production")'), False)),
    ],
)
def test_ctx_conditions_decided_per_environment(
    environment: str | None, replicas: int, start: str, health: str, pre: object
) -> None:
    program = read(CTX, environment)
    c = config(program, "service.api")
    chosen = sp(CTX, "? 3" if replicas == 3 else ": 1,")
    assert c.get("replicas") == Num(Span(4, chosen.column + 2, 4, chosen.column + 3), replicas)
    start_val = c.get("start")
    assert isinstance(start_val, Str) and start_val.text == start
    health_val = c.get("health" + "check")
    assert isinstance(health_val, Str) and health_val.text == health
    assert c.get("preDeploy") == pre
    assert program.environments == ("production", "staging")
    assert notes(program, "ctx-condition") == [
        ("production", sp(CTX, 'c.environment === "production"')),
        ("staging", sp(CTX, '"staging" == c.environmentName')),
        ("production", sp(CTX, 'c.environment !== "production"')),
        ("production", sp(CTX, 'c.isEnvironment("production")')),
    ]
    assert notes(program, "ctx-feature") == [("ctx.isEnvironment", sp(CTX, "c.isEnvironment"))]


def test_destructured_ctx_and_if_else_returns() -> None:
    source = IMPORT + (
        "export function Railway({ environment }) {\n"
        '  let start = "a";\n'
        '  if (environment === "production") { start = "p"; } else { start = "s"; }\n'
        '  if ("preview" === environment) {\n'
        '    return project("preview", { resources: [] });\n'
        "  } else {\n"
        '    return project("main", { resources: [service("api", { start })] });\n'
        "  }\n"
        "}\n"
    )
    prod = read(source, "production")
    assert isinstance(prod.project_name, Str) and prod.project_name.text == "main"
    assert config(prod, "service.api").get("start") == lit(source, '"p"')
    preview = read(source, "preview")
    assert isinstance(preview.project_name, Str) and preview.project_name.text == "preview"
    assert preview.resources == []
    other = read(source, None)
    assert config(other, "service.api").get("start") == lit(source, '"s"')
    assert other.environments == ("preview", "production")


def test_other_ctx_features_are_noted_and_unresolved() -> None:
    src = (
        IMPORT + 'export default (ctx) => { service("a", { env: { R: ctx.randomString("k"),'
        " C: ctx.command } }); };\n"
    )
    program = read(src)
    env = config(program, "service.a").get("env")
    assert isinstance(env, Obj)
    # the SDK's randomString is sha256("railway-iac:<env>:<label>"), cut to 2 * 12 hex digits
    assert env.get("R") == Str(sp(src, 'ctx.randomString("k")'), "629535b303284375acd5cc39")
    other = config(read(src, None), "service.a").get("env")
    assert isinstance(other, Obj)
    assert other.get("R") == Unresolved(
        sp(src, 'ctx.randomString("k")'), "ctx.randomString (no environment assumed)")
    assert env.get("C") == Unresolved(sp(src, "ctx.command"), "ctx.command")
    assert notes(program, "ctx-feature") == [
        ("ctx.randomString", sp(src, "ctx.randomString")), ("ctx.command", sp(src, "ctx.command"))]


def test_undecidable_condition_is_unresolved() -> None:
    program = read(IMPORT + 'service("a", { replicas: flag ? 2 : 1 });\n')
    value = config(program, "service.a").get("replicas")
    assert value == Unresolved(Span(2, 26, 2, 38), "condition flag")


def test_undecidable_if_forgets_assignments_and_returns() -> None:
    src = IMPORT + (
        "export default () => {\n"
        '  let start = "a";\n'
        '  if (process.env.CI) { start = "b"; }\n'
        '  service("api", { start });\n'
        "  if (process.env.X) return project(\"x\", {});\n"
        '  return project("p", {});\n'
        "};\n"
    )
    program = read(src)
    assert config(program, "service.api").get("start") == Unresolved(
        sp(src, 'start = "b"'), "assigned in a branch railsafe cannot decide")
    assert program.project_call is None
    assert notes(program, "unresolved") == [
        ("an if on a condition railsafe cannot decide",
         sp(src, 'if (process.env.CI) { start = "b"; }')),
        ("an if on a condition railsafe cannot decide",
         sp(src, 'if (process.env.X) return project("x", {});')),
    ]


def test_loops_over_unknown_lists_are_not_run_and_say_so() -> None:
    src = IMPORT + "for (const n of names) { service(n); }\n"
    program = read(src)
    assert program.resources == []
    assert notes(program, "unresolved") == [
        ("unknown name names", sp(src, "names")),
        ("a loop over a list railsafe cannot read",
         sp(src, "for (const n of names) { service(n); }")),
    ]


def test_loops_over_literal_lists_push_and_continue() -> None:
    src = IMPORT + (
        "export default () => {\n"
        "  const list = [];\n"
        '  for (const n of ["a", "skip", "b"]) {\n'
        '    if (n === "skip") continue;\n'
        "    list.push(service(n));\n"
        "  }\n"
        "  for (const k in { x: 1 }) list.push(service(k));\n"
        '  try { list.push(service("t")); } catch (e) { list.push(service("never")); }\n'
        '  return project("p", { resources: list });\n'
        "};\n"
    )
    program = read(src)
    assert program.listed == ("service.a", "service.b", "service.x", "service.t")
    assert program.resources[0].name == lit(src, '"a"')
    key = sp(src, "x: 1")
    assert program.resources[2].name == Str(
        Span(key.line, key.column, key.line, key.column + 1), "x", None)


SWITCH = IMPORT + (
    "export default (ctx) => {\n"
    "  let replicas = 1;\n"
    "  switch (ctx.environment) {\n"
    '    case "production":\n'
    '    case "prod":\n'
    "      replicas = 3;\n"
    "      break;\n"
    '    case "staging":\n'
    "      return project(\"staging-only\", {});\n"
    "    default:\n"
    "      replicas = 0;\n"
    "  }\n"
    '  return project("p", { resources: [service("api", { replicas })] });\n'
    "};\n"
)


@pytest.mark.parametrize(
    ("environment", "replicas"), [("production", 3), ("prod", 3), ("dev", 0), (None, 0)])
def test_switch_on_the_environment(environment: str | None, replicas: int) -> None:
    program = read(SWITCH, environment)
    value = config(program, "service.api").get("replicas")
    assert isinstance(value, Num) and value.value == replicas
    number = sp(SWITCH, f"= {replicas};")
    assert value.span == Span(number.line, number.column + 2, number.line, number.column + 3)
    assert program.environments == ("prod", "production", "staging")
    assert notes(program, "ctx-condition") == [
        ("production", sp(SWITCH, '"production"')),
        ("prod", sp(SWITCH, '"prod"')),
        ("staging", sp(SWITCH, '"staging"')),
    ]


def test_switch_return_branch() -> None:
    program = read(SWITCH, "staging")
    assert isinstance(program.project_name, Str) and program.project_name.text == "staging-only"
    assert program.resources == []


def test_resource_value_in_a_list() -> None:
    program = read(IMPORT + 'const a = service("a");\nconst list = [a];\n')
    assert program.resources[0].binding == "a"
    assert isinstance(program.resources[0].config, type(None))
    assert ResourceVal(Span(2, 11, 2, 23), "service.a") == ResourceVal(
        Span(2, 11, 2, 23), program.resources[0].address)


# -- bad input -----------------------------------------------------------------------------------


def test_syntax_error_is_reported_not_raised() -> None:
    program = read(IMPORT + 'service("a", { start: "x" \n')
    assert program.error is not None
    assert program.error_span is not None and program.error_span.line == 2


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x01\x02\ufffd",
        "\ud800 lone surrogate",
        "(" * 3000 + "1" + ")" * 3000,
        IMPORT + "export default () => " + "[" * 2000 + "]" * 2000,
        IMPORT + "const f = (n) => f(n); export default () => f(1);",
        IMPORT + "const x = 1 " + "+ 1 " * 3000 + ";",
        IMPORT + 'export default (ctx) => { switch (ctx.environment) { case "a": return 1; } };',
    ],
)
def test_never_raises(text: str) -> None:
    for environment in (None, "production"):
        program = read(text, environment)
        assert isinstance(program, Program)


def test_deep_nesting_is_noted() -> None:
    program = read("(" * 3000 + "1" + ")" * 3000)
    assert notes(program, "unresolved") == [
        ("an expression nested too deeply", Span(1, 150, 1, 5853))]


def test_runaway_loops_stop() -> None:
    src = IMPORT + (
        "const xs = [" + ", ".join(["1"] * 200) + "];\n"
        "let n = 0;\n"
        "for (const a of xs) for (const b of xs) for (const c of xs) n = n + 1;\n"
    )
    program = read(src)
    assert ("evaluation stopped: the file asks for too much work") in [
        d for d, _ in notes(program, "unresolved")]


def test_two_hundred_services_read_fast() -> None:
    lines = [IMPORT.rstrip("\n"), "export default defineRailway((ctx) => {",
             '  const db = postgres("pg");']
    for i in range(200):
        lines.append(
            f'  const s{i} = service("svc-{i}", {{ source: github("acme/app", {{ rootDirectory:'
            f' "apps/s{i}" }}), start: "node s{i}.js", preDeploy: "node migrate.js",'
            ' replicas: ctx.environment === "production" ? 2 : 1,'
            ' env: { DATABASE_URL: db.env.DATABASE_URL } });')
    lines.append('  return project("big", { resources: [db, '
                 + ", ".join(f"s{i}" for i in range(200)) + "] });")
    lines.append("});")
    started = time.perf_counter()
    program = read("\n".join(lines))
    elapsed = time.perf_counter() - started
    assert len(program.resources) == 201
    assert program.listed is not None and len(program.listed) == 201
    print(f"200 services read in {elapsed * 1000:.0f} ms")


# -- CommonJS -------------------------------------------------------------------------------------


def test_exports_before_module_exports_are_lost() -> None:
    src = (
        'const { project, service } = require("railway/iac");\n'
        'exports.partial = "lost";\n'
        'module.exports = { default: () => project("p", { resources: [service("a")] }) };\n'
        'module.exports.partial = "kept";\n'
        'exports.ignored = "written to the replaced object";\n'
    )
    program = read(src, path="railway.cjs")
    assert program.partial == lit(src, '"kept"')
    assert [name for name, _ in program.exports] == ["default", "partial"]
    assert program.entry is not None
    assert (program.entry.name, program.entry.callable) == ("module.exports", True)
    assert program.listed == ("service.a",)


def test_exports_default_is_the_entry() -> None:
    src = (
        'const { project, service } = require("railway/iac");\n'
        'exports.partial = "p";\n'
        'exports.default = () => project("p", { resources: [service("b")] });\n'
    )
    program = read(src, path="railway.cjs")
    assert program.partial == lit(src, '"p"')
    assert program.entry is not None and program.entry.span == sp(src, "exports.partial")
    assert program.listed == ("service.b",)


def test_spread_and_properties_of_a_source_helper() -> None:
    src = IMPORT + (
        'const src = github("o/r", { branch: "dev" });\n'
        'service("a", { source: { ...src, rootDirectory: "x" }, start: src.repo + " " + src.branch'
        ' });\n'
    )
    c = config(read(src), "service.a")
    source = c.get("source")
    assert isinstance(source, Obj)
    assert [(m.key, getattr(m.value, "text", None)) for m in source.members] == [
        ("type", "github"), ("repo", "o/r"), ("branch", "dev"), ("rootDirectory", "x")]
    start = c.get("start")
    assert isinstance(start, Str) and start.text == "o/r dev"


LOOKUPS = IMPORT + (
    "export default (ctx) => {\n"
    "  const replicas = { production: 3, staging: 2 }[ctx.environment] ?? 1;\n"
    '  const preview = ctx.environment.startsWith("pr-");\n'
    '  const big = ["production", "canary"].includes(ctx.environment);\n'
    '  service("a", { replicas, start: preview ? "preview" : big ? "big" : "small" });\n'
    "};\n"
)


@pytest.mark.parametrize(
    ("environment", "replicas", "start"),
    [("production", 3, "big"), ("staging", 2, "small"), ("pr-7", 1, "preview"),
     ("canary", 1, "big")],
)
def test_lookups_and_string_tests_on_the_environment(
    environment: str, replicas: int, start: str
) -> None:
    program = read(LOOKUPS, environment)
    c = config(program, "service.a")
    value = c.get("replicas")
    assert isinstance(value, Num) and value.value == replicas
    start_value = c.get("start")
    assert isinstance(start_value, Str) and start_value.text == start
    assert program.environments == ("canary", "production", "staging")
    lookup = sp(LOOKUPS, "{ production: 3, staging: 2 }[ctx.environment]")
    includes = sp(LOOKUPS, '["production", "canary"].includes(ctx.environment)')
    assert notes(program, "ctx-condition") == [
        ("production", lookup), ("staging", lookup), ("production", includes),
        ("canary", includes)]


def test_string_tests_on_an_unnamed_environment_are_unresolved() -> None:
    program = read(LOOKUPS, None)
    c = config(program, "service.a")
    one = sp(LOOKUPS, "?? 1;")
    assert c.get("replicas") == Num(Span(one.line, one.column + 3, one.line, one.column + 4), 1)
    assert isinstance(c.get("start"), Unresolved)
    assert ("ctx.environment.startsWith (no environment assumed)",
            sp(LOOKUPS, "ctx.environment.startsWith")) in notes(program, "unresolved")


def test_enums_and_namespaces_are_noted() -> None:
    src = IMPORT + "enum Tier { Web }\nnamespace N {}\ntype T = string;\n"
    program = read(src)
    detail = "an enum or namespace: Node's type stripping rejects it, so the CLI cannot run it"
    assert notes(program, "unresolved") == [
        (detail, sp(src, "enum Tier { Web }")), (detail, sp(src, "namespace N {}"))]


def test_helpers_from_the_package_root_are_the_sdk() -> None:
    """npm `railway` 3.11.0 re-exports every IaC value of `railway/iac` from its root but
    `preserve` (found in the package, and run by the qa-ts-package-root SDK fixtures)."""
    text = (
        'import { defineRailway, project, service } from "railway";\n'
        'import * as r from "railway";\n'
        "export default defineRailway(() => project(\"p\", { resources: [\n"
        '  service("api", { build: "npm test", start: "node a.js" }),\n'
        '  r.service("worker", { start: "node w.js" }),\n'
        "] }));\n"
    )
    program = read(text)
    assert program.sdk_module == "railway"
    assert config(program, "service.api").get("build") == lit(text, '"npm test"')
    assert config(program, "service.worker").get("start") == lit(text, '"node w.js"')
    assert notes(program, "unresolved") == []


def test_an_import_the_sdk_does_not_export_is_noted_at_the_import() -> None:
    text = (
        'import { defineProject } from "railway/iac";\n'
        'import { preserve, service } from "railway";\n'
        "export default defineProject(() => ({}));\n"
    )
    program = read(text)
    found = notes(program, "unresolved")
    assert ("import of defineProject, which railway/iac 3.11.0 does not export: Node cannot "
            "load the file", sp(text, "defineProject")) in found
    assert ("import of preserve, which railway 3.11.0 does not export: Node cannot load the "
            "file", sp(text, "preserve")) in found
    assert ("call to defineProject, which railway/iac 3.11.0 does not export",
            sp(text, "defineProject(() => ({}))")) in found


def test_a_call_of_a_function_a_call_returned_names_it_once() -> None:
    text = (
        IMPORT + 'import { promisify } from "node:util";\n'
        "const run = promisify(exec);\n"
        'const out = run("railway variables");\n'
    )
    found = [d for d, _ in notes(read(text), "unresolved")]
    assert "call to run, the result of a call to promisify imported from node:util" in found
    assert not any(d.startswith("call to call to") for d in found)


def test_type_imports_from_the_sdk_are_not_noted() -> None:
    """`import type {...}` and `{ type X }` are erased before the file runs; a PascalCase
    name may be one of the SDK's type exports, so only a missing function is noted."""
    text = (
        'import { github, type IntentServiceConfig, project, service } from "railway/iac";\n'
        'import type { DeployConfig } from "railway/iac";\n'
        'import { defineRailway, ServiceConfigInput } from "railway/iac";\n'
        "const sleepy = { deploy: { sleepApplication: true } } satisfies IntentServiceConfig;\n"
        "export default defineRailway(() => project(\"p\", { resources: [\n"
        '  service("api", { ...sleepy, start: "node a.js" }),\n'
        "] }));\n"
    )
    program = read(text)
    assert notes(program, "unresolved") == []
    assert config(program, "service.api").get("start") == lit(text, '"node a.js"')

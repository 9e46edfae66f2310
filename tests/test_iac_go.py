# ruff: noqa: E501  (sources under test are kept on one line, as users write them)
"""The Go IaC front-end: `.railway/railway.go` read with tree-sitter-go, never run.

Spans are exact (1-based line, 1-based code-point column, exclusive end);
`at()` finds them in the source text independently of the reader.
"""

from __future__ import annotations

import textwrap
import time

import pytest

from railsafe.findings import FILE_START, Span
from railsafe.iac import read
from railsafe.iac.golang import read_go
from railsafe.iac.values import (
    Bool,
    Null,
    Num,
    Obj,
    Preserve,
    Program,
    Ref,
    Seq,
    Shared,
    SourceVal,
    Str,
    Unresolved,
)
from tests.conftest import FIXTURES

REL = ".railway/railway.go"
GO_FIXTURES = FIXTURES / "iac" / "go"


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def at(text: str, needle: str, nth: int = 1) -> Span:
    start = -1
    for _ in range(nth):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return Span(line, column, line, column + len(needle))


def lit(text: str, literal: str, nth: int = 1) -> Str:
    """A plain one-line string literal `"x"` as the reader gives it."""
    span = at(text, literal, nth)
    return Str(span, literal[1:-1], span.column + 1)


def rd(text: str, environment: str | None = None) -> Program:
    program = read_go(text, REL, environment)
    assert program.error is None, (program.error, program.error_span)
    return program


def config(program: Program, address: str) -> Obj:
    resource = program.by_address(address)
    assert resource is not None, [r.address for r in program.resources]
    assert isinstance(resource.config, Obj)
    return resource.config


def notes(program: Program, code: str) -> list[tuple[Span, str]]:
    return [(n.span, n.detail) for n in program.notes if n.code == code]


SDK = (GO_FIXTURES / "sdk-basic" / ".railway" / "railway.go").read_text(encoding="utf-8")


def test_new_sdk_module_resources_and_names() -> None:
    p = rd(SDK, "production")
    assert p.language == "go" and p.sdk_module == "github.com/railwayapp/railway-go-sdk"
    assert p.entry is not None
    assert (p.entry.name, p.entry.span, p.entry.callable) == ("Railway", Span(9, 6, 9, 13), True)
    assert p.exports == (("Railway", Span(9, 6, 9, 13)),)
    assert [r.address for r in p.resources] == ["database.db", "service.api"]
    db, api = p.resources
    assert (db.type, db.kind, db.binding, db.config) == ("database", "postgres", "db", None)
    assert db.name == lit(SDK, '"db"')
    assert db.call == at(SDK, 'railway.Postgres("db")')
    assert (api.type, api.kind, api.binding) == ("service", "service", "api")
    assert api.name == lit(SDK, '"api"', 2)
    assert api.call.line == 22 and api.call.column == 9 and api.call.end_line == 32
    assert p.partial == lit(SDK, '"api"')
    assert p.project_name == lit(SDK, '"acme"')
    assert p.project_call == at(SDK, 'railway.ProjectNamed("acme", []any{db, api})')
    assert p.listed == ("database.db", "service.api")


def test_service_config_map_keys_values_spans() -> None:
    p = rd(SDK, "production")
    c = config(p, "service.api")
    assert c.keys() == ["source", "start", "preDeploy", "replicas", "deploy", "env"]
    start = c.member("start")
    assert start is not None and start.key_span == at(SDK, '"start"')
    assert start.value == lit(SDK, '"./bin/api"')
    pre = c.member("preDeploy")
    assert pre is not None and pre.key_span == at(SDK, '"preDeploy"')
    assert pre.value == lit(SDK, '"./bin/migrate"')
    source = c.get("source")
    assert isinstance(source, SourceVal) and source.type == "github"
    assert source.value == lit(SDK, '"acme/api"')
    assert source.options is not None and source.options.keys() == ["rootDirectory"]
    assert source.options.members[0].key_span == at(SDK, '"rootDirectory"')
    deploy = c.get("deploy")
    assert isinstance(deploy, Obj)
    assert deploy.get("restartPolicyType") == lit(SDK, '"ON_FAILURE"')
    assert deploy.get("cronSchedule") == Null(at(SDK, "nil"))


def test_env_map_built_in_a_range_loop() -> None:
    env = config(rd(SDK), "service.api").get("env")
    assert isinstance(env, Obj) and not env.opaque
    assert env.keys() == ["DATABASE_URL", "TOKEN", "SECRET_KEY", "STRIPE_KEY"]
    assert env.get("DATABASE_URL") == Ref(
        at(SDK, 'db.Env("DATABASE_URL")'), "database.db", "DATABASE_URL"
    )
    assert env.get("TOKEN") == Shared(at(SDK, 'railway.Shared("TOKEN")'), "TOKEN")
    assert env.get("SECRET_KEY") == Preserve(at(SDK, "railway.Preserve()"))
    # keys written in the literal slice are spanned there
    assert env.members[2].key_span == at(SDK, '"SECRET_KEY"')
    assert env.members[3].key_span == at(SDK, '"STRIPE_KEY"')


def test_ctx_condition_both_branches() -> None:
    prod = config(rd(SDK, "production"), "service.api").get("replicas")
    assert prod == Num(at(SDK, "3"), 3)
    other = config(rd(SDK, "staging"), "service.api").get("replicas")
    assert other == Num(Span(18, 14, 18, 15), 1)
    none = config(rd(SDK, None), "service.api").get("replicas")
    assert none == other
    p = rd(SDK, None)
    assert p.environments == ("production",)
    assert notes(p, "ctx-condition") == [(at(SDK, 'ctx.Environment == "production"'), "production")]


LEGACY = (GO_FIXTURES / "iac-legacy" / ".railway" / "railway.go").read_text(encoding="utf-8")


def test_old_iac_package() -> None:
    p = rd(LEGACY)
    assert p.sdk_module == "github.com/railwayapp/railway-go-iac/iac"
    assert [(r.address, r.kind) for r in p.resources] == [
        ("database.pg", "postgres"),
        ("database.cache", "redis"),
        ("service.web", "service"),
        ("group.jobs", "group"),
    ]
    assert config(p, "database.cache").get("region") == lit(LEGACY, '"us-west2"')
    web = config(p, "service.web")
    source = web.get("source")
    assert source == SourceVal(
        at(LEGACY, 'iac.Image("ghcr.io/acme/web:1.2.0")'),
        "image",
        lit(LEGACY, '"ghcr.io/acme/web:1.2.0"'),
        None,
    )
    build = web.get("build")
    assert isinstance(build, Obj) and build.get("dockerfilePath") == lit(LEGACY, '"Dockerfile.web"')
    env = web.get("env")
    assert isinstance(env, Obj)
    assert env.get("DATABASE_URL") == Ref(
        at(LEGACY, 'iac.Ref(db, "DATABASE_URL")'), "database.pg", "DATABASE_URL"
    )
    assert env.get("REDIS_URL") == Ref(
        at(LEGACY, 'cache.Env("REDIS_URL")'), "database.cache", "REDIS_URL"
    )
    assert env.get("API_KEY") == Unresolved(at(LEGACY, 'os.Getenv("API_KEY")'), "os.Getenv")
    assert notes(p, "process-env") == [(at(LEGACY, 'os.Getenv("API_KEY")'), 'os.Getenv("API_KEY")')]
    group = p.by_address("group.jobs")
    assert group is not None and group.members == ("service.web",)
    assert isinstance(group.config, Obj) and group.config.get("color") == lit(LEGACY, '"green"')
    assert p.by_address("service.web").group == "jobs"  # type: ignore[union-attr]
    assert p.listed == ("database.pg", "database.cache", "group.jobs", "service.web")
    assert p.entry is not None and p.entry.callable
    assert p.partial is None  # the text never says Partial


def test_partial_from_the_substring_only() -> None:
    text = (GO_FIXTURES / "partial-substring" / ".railway" / "railway.go").read_text(
        encoding="utf-8"
    )
    p = rd(text)
    span = at(text, "Partial")
    assert p.partial == Str(span, "Partial", span.column)


def test_partial_const_in_a_block_and_var() -> None:
    text = src(
        """
        package main

        import "github.com/railwayapp/railway-go-sdk"

        const (
            app     = "api"
            Partial = app
        )
        """
    )
    assert rd(text).partial == lit(text, '"api"')
    text2 = 'package main\n\nvar Partial = strings.ToLower("API")\n'
    p = rd(text2)
    assert isinstance(p.partial, Unresolved) and p.partial.span == at(
        text2, 'strings.ToLower("API")'
    )


FACTORIES = (GO_FIXTURES / "factories" / ".railway" / "railway.go").read_text(encoding="utf-8")


def test_factories_loops_append_and_switch() -> None:
    p = rd(FACTORIES, "production")
    assert p.sdk_module == "github.com/railwayapp/railway-go-sdk"
    assert [(r.address, r.kind) for r in p.resources] == [
        ("service.worker-default", "service"),
        ("service.worker-mail", "service"),
        ("service.api", "function"),
    ]
    w = p.resources[0]
    assert w.name == Str(at(FACTORIES, '"worker-"+queue'), "worker-default")
    assert config(p, "service.worker-mail").get("start") == Str(
        at(FACTORIES, '"celery -A jobs worker -Q " + queue'), "celery -A jobs worker -Q mail"
    )
    source = config(p, "service.worker-default").get("source")
    assert isinstance(source, SourceVal) and source.value == lit(FACTORIES, '"acme/jobs"')
    assert p.listed == ("service.worker-default", "service.worker-mail", "service.api")
    assert config(p, "service.api").get("start") == lit(FACTORIES, '"./serve"', 2)
    staging = config(rd(FACTORIES, "staging"), "service.api").get("start")
    assert staging == Str(at(FACTORIES, 'start + " --debug"'), "./migrate && ./serve --debug")
    other = config(rd(FACTORIES, None), "service.api").get("start")
    assert other == Str(
        at(FACTORIES, 'strings.Join([]string{"./migrate", "./serve"}, " && ")'),
        "./migrate && ./serve",
    )
    assert p.environments == ("production", "staging")
    assert notes(p, "ctx-feature") == [
        (at(FACTORIES, 'ctx.RandomString("seed", 8)'), "ctx.RandomString")
    ]
    seed = config(p, "service.api").get("seed")
    assert seed == Unresolved(at(FACTORIES, 'ctx.RandomString("seed", 8)'), "ctx.RandomString")


def test_is_environment_and_values() -> None:
    text = src(
        """
        package main

        import railway "github.com/railwayapp/railway-go-sdk"

        func Railway(c railway.Context) railway.Project {
            region := "us-east4"
            if c.IsEnvironment("production") {
                region = "europe-west4"
            } else if "staging" == c.EnvironmentName {
                region = "asia"
            }
            s := railway.ServiceNamed("s", railway.ServiceConfig{
                "region": region, "f": 1.5, "b": true, "n": -2, "raw": `a\\b`, "esc": "a\\tb", "list": []string{"x"},
                "env": c.Environment, "u": unknownThing,
            })
            return railway.ProjectNamed("p", []any{s})
        }
        """
    )
    prod = config(rd(text, "production"), "service.s")
    assert prod.get("region") == lit(text, '"europe-west4"')
    assert prod.get("env") == Str(at(text, "c.Environment", 2), "production")
    staging = config(rd(text, "staging"), "service.s")
    assert staging.get("region") == lit(text, '"asia"')
    p = rd(text, None)
    c = config(p, "service.s")
    assert c.get("region") == lit(text, '"us-east4"')
    assert c.get("f") == Num(at(text, "1.5"), 1.5)
    assert c.get("b") == Bool(at(text, "true"), True)
    assert c.get("n") == Num(at(text, "-2"), -2)
    assert c.get("raw") == Str(at(text, "`a\\b`"), "a\\b", at(text, "`a\\b`").column + 1)
    assert c.get("esc") == Str(at(text, '"a\\tb"'), "a\tb", None)
    assert c.get("list") == Seq(at(text, '[]string{"x"}'), (lit(text, '"x"'),))
    assert c.get("env") == Unresolved(at(text, "c.Environment", 2), "ctx.Environment")
    assert c.get("u") == Unresolved(at(text, "unknownThing"), "unknown name unknownThing")
    assert p.environments == ("production", "staging")
    assert notes(p, "ctx-condition") == [
        (at(text, 'c.IsEnvironment("production")'), "production"),
        (at(text, '"staging" == c.EnvironmentName'), "staging"),
    ]
    assert notes(p, "ctx-feature") == [
        (at(text, 'c.IsEnvironment("production")'), "ctx.IsEnvironment")
    ]
    assert (at(text, "unknownThing"), "unknown name unknownThing") in notes(p, "unresolved")


def test_other_resources_and_sources() -> None:
    text = src(
        """
        package main

        import iac "github.com/railwayapp/railway-go-iac/iac"

        func Railway() iac.Project {
            v := iac.Volume("data", map[string]any{"sizeMB": 500})
            b := iac.Bucket("assets")
            d := iac.Database("x", "private", map[string]any{"image": "me/db:1"})
            m := iac.Mysql("my")
            t := iac.ServiceNamed("t", iac.ServiceConfig{"source": iac.Template("tpl"), "volumeMounts": map[string]any{"/data": v}})
            e := iac.Fn("e", iac.ServiceConfig{"source": iac.Empty()})
            n := iac.ServiceNamed("n", nil)
            return iac.ProjectNamed("p", append([]any{v, b, d, m}, t, e, n))
        }
        """
    )
    p = rd(text)
    assert [(r.type, r.kind, r.address) for r in p.resources] == [
        ("volume", "volume", "volume.data"),
        ("bucket", "bucket", "bucket.assets"),
        ("database", "private", "database.x"),
        ("database", "mysql", "database.my"),
        ("service", "service", "service.t"),
        ("service", "function", "service.e"),
        ("service", "service", "service.n"),
    ]
    assert config(p, "volume.data").members[0].key_span == at(text, '"sizeMB"')
    assert p.by_address("bucket.assets").config is None  # type: ignore[union-attr]
    assert p.by_address("service.n").config is None  # type: ignore[union-attr]
    t = config(p, "service.t")
    assert t.get("source") == SourceVal(
        at(text, 'iac.Template("tpl")'), "template", lit(text, '"tpl"'), None
    )
    mounts = t.get("volumeMounts")
    assert isinstance(mounts, Obj) and mounts.get("/data") is not None
    assert config(p, "service.e").get("source") == SourceVal(
        at(text, "iac.Empty()"), "empty", None, None
    )
    assert p.listed == (
        "volume.data", "bucket.assets", "database.x", "database.my", "service.t", "service.e", "service.n",
    )  # fmt: skip


def test_no_entry_no_sdk() -> None:
    text = "package main\n\nfunc build() {}\n"
    p = rd(text)
    assert p.entry is None and p.exports == (("build", at(text, "build")),)
    assert notes(p, "no-sdk-import") == [
        (
            FILE_START,
            "github.com/railwayapp/railway-go-sdk or github.com/railwayapp/railway-go-iac/iac",
        )
    ]


def test_unknown_project_list() -> None:
    text = src(
        """
        package main

        import "github.com/railwayapp/railway-go-sdk"

        func Railway() railway.Project {
            return railway.ProjectNamed("p", load())
        }
        """
    )
    p = rd(text)
    assert p.listed is None
    assert (at(text, "load()"), "call to load") in notes(p, "unresolved")


def test_syntax_error_is_reported_not_raised() -> None:
    text = 'package main\n\nfunc Railway() railway.Project {\n\treturn railway.ProjectNamed("p", []any{\n}\n'
    p = read_go(text, REL, None)
    assert p.error == "syntax error"
    assert p.error_span == Span(3, 32, 5, 2)
    assert p.resources == []
    p = read_go("package main\nfunc Railway() {\n\tx := \n}\n", REL, None)
    assert p.error == "syntax error: missing identifier"
    assert p.error_span == Span(3, 6, 3, 7)


def test_deep_nesting_is_reported_not_raised() -> None:
    text = "package main\n\nvar x = " + "(" * 20000 + "1" + ")" * 20000 + "\n"
    p = read_go(text, REL, None)
    assert p.error == "too deeply nested to read statically" and p.error_span == FILE_START


def test_non_ascii_columns_are_code_points() -> None:
    text = 'package main\n\nimport "github.com/railwayapp/railway-go-sdk"\n\nvar s = railway.ServiceNamed("ünï", railway.ServiceConfig{"start": "ß"})\n'
    p = rd(text)
    assert p.resources[0].name == Str(Span(5, 30, 5, 35), "ünï", 31)
    start = config(p, "service.ünï").member("start")
    assert start is not None and start.key_span == Span(5, 59, 5, 66)
    assert start.value == Str(Span(5, 68, 5, 71), "ß", 69)


def test_reading_through_the_dispatcher() -> None:
    p = read(SDK, REL, "go", "production")
    assert p.language == "go" and len(p.resources) == 2


def test_environments_include_cases_not_taken() -> None:
    assert rd(FACTORIES, "production").environments == ("production", "staging")
    assert rd(FACTORIES, "staging").environments == ("production", "staging")


def test_group_binding() -> None:
    group = rd(LEGACY).by_address("group.jobs")
    assert group is not None and group.binding == "jobs"


def test_two_hundred_services_are_read_quickly(capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["package main", "", 'import "github.com/railwayapp/railway-go-sdk"', ""]
    lines += [
        "func Railway(ctx railway.Context) railway.Project {",
        '    db := railway.Postgres("db")',
        "    res := []any{db}",
    ]
    for i in range(200):
        lines += [
            f'    s{i} := railway.ServiceNamed("svc-{i}", railway.ServiceConfig{{"source": railway.Github("acme/mono", map[string]any{{"rootDirectory": "svc/{i}"}}), "start": "./run {i}", "env": map[string]any{{"DATABASE_URL": db.Env("DATABASE_URL"), "S": railway.Preserve()}}}})',
            f"    res = append(res, s{i})",
        ]
    lines += ['    return railway.ProjectNamed("mono", res)', "}"]
    text = "\n".join(lines) + "\n"
    started = time.perf_counter()
    p = read_go(text, REL, "production")
    elapsed = time.perf_counter() - started
    assert (
        p.error is None
        and len(p.resources) == 201
        and p.listed is not None
        and len(p.listed) == 201
    )
    with capsys.disabled():
        print(
            f"\n[railsafe] 200-service railway.go ({len(text)} bytes) read in {elapsed * 1000:.1f} ms"
        )


NEW_CONTEXT = src('''
    package main

    import "github.com/railwayapp/railway-go-sdk"

    const Partial = "api"

    func Railway(ctx railway.Context) railway.Project {
        ctx = railway.NewContext(ctx)
        start := "node server.js"
        if ctx.IsEnvironment("staging") {
            start = "node server.js --verbose"
        }
        api := railway.ServiceNamed("api", railway.ServiceConfig{"start": start})
        return railway.ProjectNamed("shop", []any{api})
    }
''')


def test_new_context_of_the_cli_context_is_that_context() -> None:
    """railway-go-sdk's NewContext(input) returns input (Environment and EnvironmentName
    filled from each other), so `ctx = railway.NewContext(ctx)` keeps the context."""
    staging = rd(NEW_CONTEXT, "staging")
    assert staging.environments == ("staging",)
    assert config(staging, "service.api").get("start") == lit(NEW_CONTEXT, '"node server.js --verbose"')
    other = rd(NEW_CONTEXT, None)
    assert config(other, "service.api").get("start") == lit(NEW_CONTEXT, '"node server.js"')
    assert notes(other, "unresolved") == []


def test_new_context_of_an_unknown_value_is_unresolved() -> None:
    text = NEW_CONTEXT.replace("railway.NewContext(ctx)", "railway.NewContext(other())")
    found = notes(rd(text, None), "unresolved")
    assert (at(text, "other()"), "call to other") in found


VARIADIC = src("""
    package main

    import railway "github.com/railwayapp/railway-go-sdk"

    func preserved(names ...string) map[string]any {
        out := make(map[string]any, len(names))
        for _, name := range names {
            out[name] = railway.Preserve()
        }
        return out
    }

    func Railway() railway.Project {
        env := preserved("SESSION_SECRET", "DATABASE_URL")
        env["PORT"] = "8000"
        more := []string{"A", "B"}
        api := railway.ServiceNamed("api", railway.ServiceConfig{"env": env, "variables": preserved(more...)})
        return railway.ProjectNamed("shop", []any{api})
    }
""")


def test_variadic_helper_and_make_build_a_map() -> None:
    """`make(map[string]any, n)` is an empty map and `names ...string` collects the
    remaining arguments (or takes `xs...` as it is), so the variable names are known."""
    p = rd(VARIADIC)
    api = config(p, "service.api")
    env = api.get("env")
    assert isinstance(env, Obj)
    assert env.keys() == ["SESSION_SECRET", "DATABASE_URL", "PORT"]
    assert isinstance(env.get("SESSION_SECRET"), Preserve)
    assert env.get("PORT") == lit(VARIADIC, '"8000"')
    variables = api.get("variables")
    assert isinstance(variables, Obj) and variables.keys() == ["A", "B"]
    assert notes(p, "unresolved") == []


def test_append_of_a_spread_slice() -> None:
    """`append(xs, ys...)`: tree-sitter-go wraps `ys...` in a variadic_argument node."""
    text = src("""
        package main

        import railway "github.com/railwayapp/railway-go-sdk"

        func Railway() railway.Project {
            a := railway.ServiceNamed("a", railway.ServiceConfig{"start": "./a"})
            b := railway.ServiceNamed("b", railway.ServiceConfig{"start": "./b"})
            more := []any{b}
            return railway.ProjectNamed("shop", append([]any{a}, more...))
        }
    """)
    p = rd(text)
    assert p.listed == ("service.a", "service.b")
    assert notes(p, "unresolved") == []


TYPED = src("""
    package main

    import railway "github.com/railwayapp/railway-go-sdk"

    const Partial = "api"

    func Railway() railway.Project {
        env := map[string]string{"SESSION_SECRET": "x"}
        api := railway.ServiceNamed("api", railway.ServiceConfig{
            "start":     "./server",
            "env":       env,
            "deploy":    map[string]any{"cronSchedule": "0 3 * * *"},
            "domains":   []string{"shop.example.com"},
            "preDeploy": []string{"./migrate"},
            "replicas":  map[string]int{"us-west2": 2},
        })
        return railway.ProjectNamed("shop", []any{api})
    }
""")


def test_typed_maps_and_slices_in_a_service_config_are_unresolved() -> None:
    """railway-go-sdk reads a ServiceConfig's maps with a type switch on map[string]any
    (asMap) and its domain/tcp lists as []any: a map[string]string or []string there may
    be ignored, so it is unresolved rather than read as set."""
    p = rd(TYPED)
    api = config(p, "service.api")
    env = api.get("env")
    assert env == Unresolved(
        at(TYPED, 'map[string]string{"SESSION_SECRET": "x"}'),
        "a map[string]string as `env`: railway-go-sdk reads only map[string]any there",
    )
    assert isinstance(api.get("deploy"), Obj)
    assert isinstance(api.get("preDeploy"), Seq)  # a []string pre-deploy is kept (not a map)
    assert [d for _, d in notes(p, "unresolved")] == [
        "a map[string]string as `env`: railway-go-sdk reads only map[string]any there",
        "a []string as `domains`: railway-go-sdk reads only []any there",
        "a map[string]int as `replicas`: railway-go-sdk reads only map[string]any there",
    ]

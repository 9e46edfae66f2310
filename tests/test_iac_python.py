# ruff: noqa: E501  (sources under test are kept on one line, as users write them)
"""The Python IaC front-end: `.railway/railway.py` read with `ast`, never run.

Spans are exact (1-based line, 1-based code-point column, exclusive end);
`at()` finds them in the source text independently of the reader.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from railsafe.findings import FILE_START, Span
from railsafe.iac import read
from railsafe.iac.python import read_python
from railsafe.iac.values import (
    Bool,
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

REL = ".railway/railway.py"


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def at(text: str, needle: str, nth: int = 1) -> Span:
    """The span of the nth occurrence of a one-line needle."""
    start = -1
    for _ in range(nth):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return Span(line, column, line, column + len(needle))


def rd(text: str, environment: str | None = None) -> Program:
    program = read_python(text, REL, environment)
    assert program.error is None, program.error
    return program


def config(program: Program, address: str) -> Obj:
    resource = program.by_address(address)
    assert resource is not None, [r.address for r in program.resources]
    assert isinstance(resource.config, Obj)
    return resource.config


def notes(program: Program, code: str) -> list[tuple[Span, str]]:
    return [(n.span, n.detail) for n in program.notes if n.code == code]


BASIC = src(
    """
    # .railway/railway.py
    from railway_sdk import define_railway, github, postgres, preserve, project, service

    @define_railway
    def main(ctx=None):
        db = postgres("pg")
        api = service(
            "api",
            source=github("acme/shop", rootDirectory="backend"),
            build="pip install -r requirements.txt",
            start="gunicorn shop.wsgi --bind 0.0.0.0:$PORT",
            preDeploy="python manage.py migrate --noinput",
            healthcheck="/healthz",
            healthcheckTimeout=60,
            deploy={"restartPolicyType": "ON_FAILURE", "cronSchedule": None},
            env={"DATABASE_URL": db.env.DATABASE_URL, "SECRET_KEY": preserve(), "DEBUG": "0"},
        )
        return project("shop", resources=[db, api])
    """
)


def test_basic_file_resources_names_and_spans() -> None:
    p = rd(BASIC)
    assert p.language == "python" and p.path == REL
    assert p.sdk_module == "railway_sdk"
    assert p.entry is not None
    assert (p.entry.name, p.entry.span, p.entry.callable) == ("main", Span(5, 5, 5, 9), True)
    assert p.exports == (("main", Span(5, 5, 5, 9)),)
    assert [r.address for r in p.resources] == ["database.pg", "service.api"]
    db, api = p.resources
    assert (db.type, db.kind, db.binding, db.config) == ("database", "postgres", "db", None)
    assert db.name == Str(at(BASIC, '"pg"'), "pg", at(BASIC, '"pg"').column + 1)
    assert db.call == at(BASIC, 'postgres("pg")')
    assert (api.type, api.kind, api.binding) == ("service", "service", "api")
    assert api.call == Span(7, 11, 17, 6)
    assert api.name == Str(Span(8, 9, 8, 14), "api", 10)
    assert p.project_name == Str(at(BASIC, '"shop"'), "shop", at(BASIC, '"shop"').column + 1)
    assert p.project_call == at(BASIC, 'project("shop", resources=[db, api])')
    assert p.listed == ("database.pg", "service.api")
    assert p.partial is None and p.environments == () and p.notes == []


def test_keyword_config_keys_values_and_spans() -> None:
    c = config(rd(BASIC), "service.api")
    assert c.keys() == [
        "source", "build", "start", "preDeploy", "healthcheck", "healthcheckTimeout", "deploy", "env",
    ]  # fmt: skip
    env_kw = at(
        BASIC, 'env={"DATABASE_URL": db.env.DATABASE_URL, "SECRET_KEY": preserve(), "DEBUG": "0"}'
    )
    assert c.span == Span(9, 9, 16, env_kw.end_column)
    start = c.member("start")
    assert start is not None
    assert start.key_span == Span(11, 9, 11, 14)
    assert start.value == Str(
        at(BASIC, '"gunicorn shop.wsgi --bind 0.0.0.0:$PORT"'),
        "gunicorn shop.wsgi --bind 0.0.0.0:$PORT",
        16,
    )
    pre = c.member("preDeploy")
    assert pre is not None and pre.key_span == Span(12, 9, 12, 18)
    assert pre.value == Str(Span(12, 19, 12, 55), "python manage.py migrate --noinput", 20)
    assert c.get("healthcheckTimeout") == Num(Span(14, 28, 14, 30), 60)
    source = c.get("source")
    assert isinstance(source, SourceVal) and source.type == "github"
    assert source.value == Str(
        at(BASIC, '"acme/shop"'), "acme/shop", at(BASIC, '"acme/shop"').column + 1
    )
    assert source.options is not None
    root = source.options.member("rootDirectory")
    assert root is not None and root.key_span == at(BASIC, "rootDirectory")
    deploy = c.get("deploy")
    assert isinstance(deploy, Obj)
    assert deploy.get("restartPolicyType") == Str(
        at(BASIC, '"ON_FAILURE"'), "ON_FAILURE", at(BASIC, '"ON_FAILURE"').column + 1
    )
    assert deploy.get("cronSchedule") == Null(at(BASIC, "None", 2))
    member = deploy.member("cronSchedule")
    assert member is not None and member.key_span == at(BASIC, '"cronSchedule"')
    env = c.get("env")
    assert isinstance(env, Obj)
    assert env.get("DATABASE_URL") == Ref(
        at(BASIC, "db.env.DATABASE_URL"), "database.pg", "DATABASE_URL"
    )
    assert env.get("SECRET_KEY") == Preserve(at(BASIC, "preserve()"))
    assert env.get("DEBUG") == Str(at(BASIC, '"0"'), "0", at(BASIC, '"0"').column + 1)


def test_reading_through_the_dispatcher() -> None:
    p = read(BASIC, REL, "python", "production")
    assert p.environment == "production" and len(p.resources) == 2


ALIASES = src(
    """
    import railway_sdk as r
    from railway_iac import service as svc, postgres as pg

    def Railway(ctx):
        db = pg("db")
        web = svc("web", startCommand="./web", variables={"U": r.ref(db, "DATABASE_URL")})
        cache = r.redis("cache")
        return r.project("x", resources=[db, web, cache])
    """
)


def test_aliases_module_import_and_railway_entry() -> None:
    p = rd(ALIASES)
    assert p.sdk_module == "railway_iac"  # the last SDK import read
    assert [r.address for r in p.resources] == ["database.db", "service.web", "database.cache"]
    assert (
        p.entry is not None and p.entry.name == "Railway" and p.entry.span == at(ALIASES, "Railway")
    )
    env = config(p, "service.web").get("variables")
    assert isinstance(env, Obj)
    assert env.get("U") == Ref(
        at(ALIASES, 'r.ref(db, "DATABASE_URL")'), "database.db", "DATABASE_URL"
    )
    assert p.listed == ("database.db", "service.web", "database.cache")


def test_entry_precedence_main_then_railway_then_default() -> None:
    text = src(
        """
        from railway_sdk import project
        def default(ctx): return project("d")
        def Railway(ctx): return project("r")
        def main(): return project("m")
        """
    )
    p = rd(text)
    assert p.entry is not None and p.entry.name == "main" and p.entry.span == Span(4, 5, 4, 9)
    assert isinstance(p.project_name, Str) and p.project_name.text == "m"
    assert [name for name, _ in p.exports] == ["default", "Railway", "main"]


def test_no_entry_records_every_top_level_function() -> None:
    text = src(
        """
        from railway_sdk import project, service

        def build(ctx):
            return project("x", resources=[service("a")])

        async def helper():
            pass
        """
    )
    p = rd(text)
    assert p.entry is None
    assert p.exports == (("build", Span(3, 5, 3, 10)), ("helper", Span(6, 11, 6, 17)))
    assert p.resources == []  # a function nobody calls is not read


def test_value_entry_and_module_level_resources() -> None:
    text = src(
        """
        from railway_sdk import project, service
        api = service("api", start="x")
        main = project("p", resources=[api])
        """
    )
    p = rd(text)
    assert p.entry is not None
    assert (p.entry.name, p.entry.span, p.entry.callable) == ("main", Span(3, 1, 3, 5), False)
    assert p.listed == ("service.api",)
    assert p.resources[0].binding == "api"


def test_define_railway_called_on_a_function() -> None:
    text = src(
        """
        from railway_sdk import defineRailway, project
        def build(ctx):
            return project("p", resources=[])
        main = defineRailway(build)
        """
    )
    p = rd(text)
    assert p.entry is not None and p.entry.callable
    assert p.listed == () and isinstance(p.project_name, Str)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("PARTIAL = 'api'", "PARTIAL"),
        ("Partial = 'api'", "Partial"),
        ("partial = 'api'", "partial"),
    ],
)
def test_partial_constants(line: str, name: str) -> None:
    text = f"from railway_sdk import project\n{line}\n"
    p = rd(text)
    assert p.partial == Str(Span(2, len(name) + 4, 2, len(name) + 9), "api", len(name) + 5)


def test_partial_order_prefers_upper_case() -> None:
    p = rd("from railway_sdk import project\npartial = 'b'\nPARTIAL = 'a'\n")
    assert isinstance(p.partial, Str) and p.partial.text == "a"


def test_partial_from_a_constant() -> None:
    p = rd("from railway_sdk import project\nNAME = 'api'\nPARTIAL = NAME\n")
    assert p.partial == Str(Span(2, 8, 2, 13), "api", 9)


def test_snake_case_keys_kept_as_written() -> None:
    text = "from railway_sdk import service\napi = service('api', pre_deploy='m', healthcheck_path='/h')\n"
    c = config(rd(text), "service.api")
    assert c.keys() == ["pre_deploy", "healthcheck_path"]
    assert c.members[0].key_span == Span(2, 22, 2, 32)
    assert c.members[1].key_span == Span(2, 38, 2, 54)


COMMON = src(
    """
    from railway_sdk import preserve, service
    VARIABLES = ("SECRET_KEY", "STRIPE_KEY")
    common = {"healthcheck": "/h", "replicas": 2}
    a = service("a", **common, replicas=3, env={name: preserve() for name in VARIABLES})
    b = service("b", **unknown)
    """
)


def test_spread_of_known_dict_and_comprehension_env() -> None:
    p = rd(COMMON)
    a = config(p, "service.a")
    assert [m.key for m in a.members] == ["healthcheck", "replicas", "replicas", "env"]
    assert a.get("replicas") == Num(at(COMMON, "3"), 3)  # the last one wins
    assert a.members[0].key_span == at(COMMON, '"healthcheck"')  # where the spread dict has it
    env = a.get("env")
    assert isinstance(env, Obj) and not env.opaque
    assert env.keys() == ["SECRET_KEY", "STRIPE_KEY"]
    assert env.members[0].key_span == at(COMMON, '"SECRET_KEY"')
    assert env.members[1].key_span == at(COMMON, '"STRIPE_KEY"')
    assert env.get("STRIPE_KEY") == Preserve(at(COMMON, "preserve()"))


def test_spread_of_unknown_is_opaque() -> None:
    p = rd(COMMON)
    b = config(p, "service.b")
    assert b.members == ()
    assert b.opaque == (Unresolved(at(COMMON, "unknown"), "unknown name unknown"),)
    assert (at(COMMON, "unknown"), "unknown name unknown") in notes(p, "unresolved")


def test_loop_builds_env_and_keys_are_spanned_where_written() -> None:
    text = src(
        """
        from railway_sdk import preserve, service
        NAMES = ["A", "B"]
        def main(ctx):
            env = {"X": "1"}
            for name in NAMES:
                env[name] = preserve()
            env["Y"] = "2"
            service("s", env=env)
        """
    )
    env = config(rd(text), "service.s").get("env")
    assert isinstance(env, Obj)
    assert env.keys() == ["X", "A", "B", "Y"]
    assert [m.key_span for m in env.members] == [
        at(text, '"X"'), at(text, '"A"'), at(text, '"B"'), at(text, '"Y"'),
    ]  # fmt: skip


def test_values_literals_and_fstrings() -> None:
    text = src(
        """
        from railway_sdk import service
        APP = "shop"
        N = 2
        s = service(
            f"{APP}-web",
            a=1.5, b=True, c=None, d=[1, "x"], e=("t",), f=f"run {APP} -w {N}",
            g=f"{missing}/x", h="a" "b", i=" && ".join(["m", "s"]), j=-3, k="é",
        )
        """
    )
    p = rd(text)
    assert p.resources[0].address == "service.shop-web"
    assert p.resources[0].name == Str(at(text, 'f"{APP}-web"'), "shop-web")
    c = config(p, "service.shop-web")
    assert c.get("a") == Num(at(text, "1.5"), 1.5)
    assert c.get("b") == Bool(at(text, "True"), True)
    assert c.get("c") == Null(at(text, "None"))
    d = at(text, '[1, "x"]').column
    assert c.get("d") == Seq(
        at(text, '[1, "x"]'),
        (Num(Span(6, d + 1, 6, d + 2), 1), Str(Span(6, d + 4, 6, d + 7), "x", d + 5)),
    )
    e = at(text, '("t",)').column
    assert c.get("e") == Seq(at(text, '("t",)'), (Str(Span(6, e + 1, 6, e + 4), "t", e + 2),))
    assert c.get("f") == Str(at(text, 'f"run {APP} -w {N}"'), "run shop -w 2")
    assert c.get("g") == Unresolved(at(text, 'f"{missing}/x"'), "f-string with unknown parts")
    assert (at(text, "missing"), "unknown name missing") in notes(p, "unresolved")
    assert c.get("h") == Str(at(text, '"a" "b"'), "ab")  # implicit concatenation: no column
    assert c.get("i") == Str(at(text, '" && ".join(["m", "s"])'), "m && s")
    assert c.get("j") == Num(at(text, "-3"), -3)
    assert c.get("k") == Str(at(text, '"é"'), "é", at(text, '"é"').column + 1)


def test_non_ascii_columns_are_code_points() -> None:
    text = 'from railway_sdk import service\ns = service("ünï", start="ß")\n'
    p = rd(text)
    assert p.resources[0].name == Str(Span(2, 13, 2, 18), "ünï", 14)
    start = config(p, "service.ünï").member("start")
    assert start is not None and start.key_span == Span(2, 20, 2, 25)
    assert start.value == Str(Span(2, 26, 2, 29), "ß", 27)


def test_references_in_every_form() -> None:
    text = src(
        """
        from railway_sdk import mysql, ref, service
        db = mysql("my")
        s = service("s", env={"A": db.env.MYSQL_URL, "B": db.env["X"], "C": ref(db, "Y"), "D": ref(other, "Z")})
        """
    )
    p = rd(text)
    env = config(p, "service.s").get("env")
    assert isinstance(env, Obj)
    assert env.get("A") == Ref(at(text, "db.env.MYSQL_URL"), "database.my", "MYSQL_URL")
    assert env.get("B") == Ref(at(text, 'db.env["X"]'), "database.my", "X")
    assert env.get("C") == Ref(at(text, 'ref(db, "Y")'), "database.my", "Y")
    assert env.get("D") == Unresolved(at(text, 'ref(other, "Z")'), "ref() to an unknown resource")


def test_sources() -> None:
    text = src(
        """
        from railway_sdk import empty, image, service, template
        a = service("a", source=image("redis:7", autoUpdates={"type": "patch"}))
        b = service("b", source=template("t"))
        c = service("c", source=empty())
        """
    )
    p = rd(text)
    a = config(p, "service.a").get("source")
    assert isinstance(a, SourceVal) and a.type == "image"
    assert a.value == Str(at(text, '"redis:7"'), "redis:7", at(text, '"redis:7"').column + 1)
    assert a.options is not None and a.options.keys() == ["autoUpdates"]
    assert a.options.members[0].key_span == at(text, "autoUpdates")
    b = config(p, "service.b").get("source")
    assert isinstance(b, SourceVal) and b.type == "template" and b.options is None
    assert config(p, "service.c").get("source") == SourceVal(
        at(text, "empty()"), "empty", None, None
    )


def test_databases_volumes_buckets_functions() -> None:
    text = src(
        """
        from railway_sdk import bucket, database, fn, mongo, redis, volume
        d = database("x", "private", image="me/db:1")
        v = volume("data", {"sizeMB": 500}, region="ams")
        b = bucket("assets", region="sin")
        f = fn("hook", "hook.ts", "bun", start="x")
        m = mongo("mg")
        """
    )
    p = rd(text)
    assert [(r.type, r.kind, r.address) for r in p.resources] == [
        ("database", "private", "database.x"),
        ("volume", "volume", "volume.data"),
        ("bucket", "bucket", "bucket.assets"),
        ("service", "function", "service.hook"),
        ("database", "mongo", "database.mg"),
    ]
    assert config(p, "database.x").keys() == ["image"]
    v = config(p, "volume.data")
    assert v.keys() == ["sizeMB", "region"]
    assert v.members[0].key_span == at(text, '"sizeMB"')
    assert v.members[1].key_span == at(text, "region")
    f = config(p, "service.hook")
    assert f.keys() == ["code_file", "runtime", "start"]
    assert f.members[0].key_span == at(text, '"hook.ts"')


def test_groups_members_and_listing() -> None:
    text = src(
        """
        from railway_sdk import group, project, redis, service
        def main(ctx):
            api = service("api")
            cache = redis("cache")
            backend = group("backend", [api, cache], {"color": "blue"})
            lone = group("lone", {"icon": "x"})
            return project("p", resources=[backend, lone])
        """
    )
    p = rd(text)
    g = p.by_address("group.backend")
    assert g is not None and g.members == ("service.api", "database.cache")
    assert g.config is not None and isinstance(g.config, Obj) and g.config.keys() == ["color"]
    assert p.by_address("service.api").group == "backend"  # type: ignore[union-attr]
    lone = p.by_address("group.lone")
    assert lone is not None and lone.members == () and isinstance(lone.config, Obj)
    assert lone.config.keys() == ["icon"]
    assert p.listed == ("group.backend", "service.api", "database.cache", "group.lone")


def test_factories_and_list_comprehensions() -> None:
    text = src(
        """
        from railway_sdk import project, service
        QUEUES = ["default", "mail"]
        def worker(queue, concurrency=2, **extra):
            return service(f"w-{queue}", start=f"celery -Q {queue} -c {concurrency}", **extra)
        def main(ctx):
            workers = [worker(q) for q in QUEUES]
            big = worker("big", 8, replicas=3)
            return project("p", resources=[*workers, big])
        """
    )
    p = rd(text)
    assert [r.address for r in p.resources] == [
        "service.w-default",
        "service.w-mail",
        "service.w-big",
    ]
    assert p.resources[0].name == Str(at(text, 'f"w-{queue}"'), "w-default")
    assert p.resources[0].call == at(
        text, 'service(f"w-{queue}", start=f"celery -Q {queue} -c {concurrency}", **extra)'
    )
    big = config(p, "service.w-big")
    assert big.get("start") == Str(
        at(text, 'f"celery -Q {queue} -c {concurrency}"'), "celery -Q big -c 8"
    )
    assert big.get("replicas") == Num(at(text, "3"), 3)
    assert big.member("replicas").key_span == at(text, "replicas")  # type: ignore[union-attr]
    assert p.listed == ("service.w-default", "service.w-mail", "service.w-big")


def test_post_construction_assignments() -> None:
    text = src(
        """
        from railway_sdk import postgres, service
        pg = postgres("Postgres")
        pg.deploy = {"restartPolicyType": "ALWAYS"}
        api = service("api")
        api.deploy["preDeployCommand"] = ["m"]
        """
    )
    p = rd(text)
    pg, api = p.resources
    assert len(pg.assignments) == 1
    assert pg.assignments[0].path == ("deploy",)
    assert pg.assignments[0].span == at(text, 'pg.deploy = {"restartPolicyType": "ALWAYS"}')
    assert isinstance(pg.assignments[0].value, Obj)
    assert api.assignments[0].path == ("deploy", "preDeployCommand")
    assert api.assignments[0].value == Seq(
        at(text, '["m"]'), (Str(at(text, '"m"'), "m", at(text, '"m"').column + 1),)
    )


CTX = src(
    """
    from railway_sdk import project, service
    def main(ctx=None):
        prod = ctx and ctx.environment == "production"
        if ctx.is_environment("staging"):
            seed = "yes"
        else:
            seed = "no"
        if ctx.environment != "production":
            start = "dev"
        else:
            start = "prod"
        s = service(
            "s",
            replicas=3 if prod else 1,
            start=start,
            seed=seed,
            region=ctx.environment,
            who=ctx.environmentName if ctx.environment in ("qa", "production") else "other",
            token=ctx.shared.TOKEN,
            other=ctx.shared["OTHER"],
            rand=ctx.random_string("x"),
        )
        return project("p", resources=[s])
    """
)


def _ctx_values(environment: str | None) -> Obj:
    return config(rd(CTX, environment), "service.s")


def test_ctx_production_branch() -> None:
    c = _ctx_values("production")
    assert c.get("replicas") == Num(at(CTX, "3"), 3)
    assert c.get("start") == Str(at(CTX, '"prod"'), "prod", at(CTX, '"prod"').column + 1)
    assert c.get("seed") == Str(at(CTX, '"no"'), "no", at(CTX, '"no"').column + 1)
    assert c.get("region") == Str(at(CTX, "ctx.environment", 3), "production")
    assert c.get("who") == Str(at(CTX, "ctx.environmentName"), "production")


def test_ctx_staging_branch() -> None:
    c = _ctx_values("staging")
    assert c.get("replicas") == Num(Span(14, 33, 14, 34), 1)
    assert c.get("start") == Str(at(CTX, '"dev"'), "dev", at(CTX, '"dev"').column + 1)
    assert c.get("seed") == Str(at(CTX, '"yes"'), "yes", at(CTX, '"yes"').column + 1)
    assert c.get("who") == Str(at(CTX, '"other"'), "other", at(CTX, '"other"').column + 1)


def test_ctx_unnamed_environment_makes_every_equality_false() -> None:
    p = rd(CTX, None)
    c = config(p, "service.s")
    assert c.get("replicas") == Num(Span(14, 33, 14, 34), 1)
    assert isinstance(c.get("start"), Str) and c.get("start").text == "dev"  # type: ignore[union-attr]
    assert isinstance(c.get("seed"), Str) and c.get("seed").text == "no"  # type: ignore[union-attr]
    assert c.get("region") == Unresolved(at(CTX, "ctx.environment", 3), "ctx.environment")
    assert (at(CTX, "ctx.environment", 3), "ctx.environment") in notes(p, "unresolved")


def test_ctx_notes_and_environment_names() -> None:
    p = rd(CTX, "production")
    assert p.environments == ("production", "staging", "qa")
    assert notes(p, "ctx-condition") == [
        (at(CTX, 'ctx.environment == "production"'), "production"),
        (at(CTX, 'ctx.is_environment("staging")'), "staging"),
        (at(CTX, 'ctx.environment != "production"'), "production"),
        (at(CTX, 'ctx.environment in ("qa", "production")'), "qa, production"),
    ]
    assert notes(p, "ctx-feature") == [
        (at(CTX, 'ctx.is_environment("staging")'), "ctx.is_environment"),
        (at(CTX, "ctx.shared"), "ctx.shared"),
        (at(CTX, "ctx.shared", 2), "ctx.shared"),
        (at(CTX, 'ctx.random_string("x")'), "ctx.random_string"),
    ]
    c = config(p, "service.s")
    assert c.get("token") == Shared(at(CTX, "ctx.shared.TOKEN"), "TOKEN")
    assert c.get("other") == Shared(at(CTX, 'ctx.shared["OTHER"]'), "OTHER")
    assert c.get("rand") == Unresolved(at(CTX, 'ctx.random_string("x")'), "ctx.random_string")


def test_ctx_is_given_even_when_defaulted_to_none() -> None:
    text = src(
        """
        from railway_sdk import service
        def main(ctx=None):
            if ctx is None:
                service("old")
            else:
                service("new")
        """
    )
    assert [r.address for r in rd(text).resources] == ["service.new"]


def test_process_env_reads() -> None:
    text = src(
        """
        import os
        from os import getenv
        from railway_sdk import service
        s = service("s", a=os.environ["A"], b=os.getenv("B", "x"), c=os.environ.get("C"), d=getenv("D"))
        """
    )
    p = rd(text)
    expected = ['os.environ["A"]', 'os.getenv("B", "x")', 'os.environ.get("C")', 'getenv("D")']
    assert notes(p, "process-env") == [(at(text, e), e) for e in expected]
    c = config(p, "service.s")
    assert c.get("a") == Unresolved(at(text, 'os.environ["A"]'), "os.environ")
    assert notes(p, "unresolved") == []


def test_unresolved_calls_and_conditions() -> None:
    text = src(
        """
        from railway_sdk import service
        import json
        cfg = json.load(open("x.json"))
        s = service("s", start=cfg["start"], n=compute())
        if flag():
            service("maybe")
        """
    )
    p = rd(text)
    c = config(p, "service.s")
    assert c.get("start") == Unresolved(
        at(text, 'json.load(open("x.json"))'), "call to json.load"
    )
    assert (at(text, 'open("x.json")'), "call to open") in notes(p, "unresolved")
    assert c.get("n") == Unresolved(at(text, "compute()"), "call to compute")
    assert (at(text, "compute()"), "call to compute") in notes(p, "unresolved")
    assert (at(text, "flag()"), "call to flag") in notes(p, "unresolved")
    assert [r.address for r in p.resources] == ["service.s", "service.maybe"]  # both branches read


def test_unresolved_resource_name() -> None:
    p = rd("from railway_sdk import service\nservice(NAME)\n")
    r = p.resources[0]
    assert r.name == Unresolved(Span(2, 9, 2, 13), "unknown name NAME") and r.address == "service.?"


def test_project_with_unknown_resources_list() -> None:
    p = rd("from railway_sdk import project\nproject('p', resources=things)\n")
    assert p.listed is None
    p = rd("from railway_sdk import project\nproject('p')\n")
    assert p.listed == ()
    p = rd(
        "from railway_sdk import project, service\nproject('p', {'resources': [service('a')]})\n"
    )
    assert p.listed == ("service.a",)


def test_no_sdk_import_note() -> None:
    p = rd("def main(ctx):\n    return None\n")
    assert notes(p, "no-sdk-import") == [(FILE_START, "railway_sdk or railway_iac")]
    p = rd("from railway_sdk import *\nservice('a')\n")
    assert notes(p, "no-sdk-import") == [] and p.resources[0].address == "service.a"


def test_resource_values_in_lists() -> None:
    p = rd("from railway_sdk import service\nall = [service('a')]\n")
    assert isinstance(p.resources[0], object)
    assert p.resources[0].binding is None
    assert isinstance(ResourceVal(Span(2, 8, 2, 20), "service.a"), ResourceVal)


def test_syntax_error_is_reported_not_raised() -> None:
    p = read_python("from railway_sdk import service\nservice('a'\n", REL, None)
    assert p.error is not None and p.error.startswith("syntax error")
    assert p.error_span == Span(2, 8, 2, 9)
    assert p.resources == []


def test_deep_nesting_is_reported_not_raised() -> None:
    deep = "x = " + "[" * 5000 + "]" * 5000 + "\n"
    p = read_python(deep, REL, None)
    assert p.error is not None and p.error_span is not None
    deeper = "from railway_sdk import service\nx = " + "-" * 200_000 + "1\n"
    p = read_python(deeper, REL, None)
    assert p.error is not None


def test_hostile_loops_stay_bounded() -> None:
    text = "from railway_sdk import service\nX = list(range(10))\nfor a in 'a' * 1:\n    pass\n" + (
        "Y = [[[i for i in 'abcdefghij'] for j in 'abcdefghij'] for k in 'abcdefghij']\n" * 300
    )
    started = time.perf_counter()
    p = read_python(text, REL, None)
    assert p.error is None
    assert time.perf_counter() - started < 30


def test_null_bytes_do_not_raise() -> None:
    p = read_python("x = 1\x00\n", REL, None)
    assert p.error is not None


def test_two_hundred_services_are_read_quickly(capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        "from railway_sdk import define_railway, github, postgres, preserve, project, service",
        "",
    ]
    lines += [
        "@define_railway",
        "def main(ctx=None):",
        '    db = postgres("db")',
        "    services = []",
    ]
    for i in range(200):
        lines += [
            f'    s{i} = service("svc-{i}", source=github("acme/mono", rootDirectory="svc/{i}"),',
            f'        start="./run {i}", preDeploy="./migrate {i}", replicas=3 if ctx.environment == "production" else 1,',
            f'        env={{"DATABASE_URL": db.env.DATABASE_URL, "SECRET": preserve(), "N": "{i}"}})',
            f"    services.append(s{i})",
        ]
    lines.append('    return project("mono", resources=[db, *services])')
    text = "\n".join(lines) + "\n"
    started = time.perf_counter()
    p = read_python(text, REL, "production")
    elapsed = time.perf_counter() - started
    assert p.error is None
    assert len(p.resources) == 201 and p.listed is not None and len(p.listed) == 201
    with capsys.disabled():
        print(
            f"\n[railsafe] 200-service railway.py ({len(text)} bytes) read in {elapsed * 1000:.1f} ms"
        )


def test_the_checked_file_is_never_executed(tmp_path: object) -> None:
    # a file whose module code would write a marker if run or imported
    text = src(
        """
        import pathlib
        pathlib.Path("/tmp/railsafe-iac-python-ran").write_text("ran")
        from railway_sdk import service
        service("a")
        """
    )
    script = (
        "from railsafe.iac.python import read_python\nimport sys\n"
        "p = read_python(sys.stdin.read(), 'x', None)\nprint(len(p.resources))\n"
    )
    import pathlib

    marker = pathlib.Path("/tmp/railsafe-iac-python-ran")
    marker.unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", script], input=text, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "1"
    assert not marker.exists()


MATCH = src(
    """
    from railway_sdk import group, project, service

    def main(ctx):
        match ctx.environment:
            case "production" | "prod":
                n = 3
            case "staging":
                n = 2
            case _:
                n = 1
        names = [f"w{i}" for i in range(2)]
        for i, name in enumerate(sorted(["b", "a"])):
            service(name, n=i, k=len(names), s=str(i), z=f"plain", w=list(zip(names, ["x", "y"]))[1])
        backend = group("backend", [service("x", replicas=n)])
        return project("p", resources=[backend])

    if __name__ == "__main__":
        print(main(None))
    """
)


def test_match_on_the_environment_every_branch() -> None:
    three = Num(at(MATCH, "3"), 3)
    assert config(rd(MATCH, "production"), "service.x").get("replicas") == Num(three.span, 3)
    assert config(rd(MATCH, "prod"), "service.x").get("replicas") == three
    assert config(rd(MATCH, "staging"), "service.x").get("replicas") == Num(at(MATCH, "2"), 2)
    p = rd(MATCH, None)
    assert config(p, "service.x").get("replicas") == Num(at(MATCH, "1"), 1)
    assert notes(p, "ctx-condition") == [
        (at(MATCH, '"production"'), "production"),
        (at(MATCH, '"prod"'), "prod"),
        (at(MATCH, '"staging"'), "staging"),
    ]


def test_environments_include_branches_not_taken() -> None:
    # reading for production stops at the first case, yet names every environment
    assert rd(MATCH, "production").environments == ("production", "prod", "staging")
    text = src(
        """
        from railway_sdk import service
        def main(ctx):
            r = 3 if ctx.environment == "production" else (2 if ctx.environment == "staging" else 1)
            service("s", replicas=r)
        """
    )
    assert rd(text, "production").environments == ("production", "staging")


def test_builtins_over_literals_and_main_guard() -> None:
    p = rd(MATCH, "production")
    # the `if __name__ == "__main__":` block is not run: main is read once
    assert [r.address for r in p.resources] == [
        "service.a",
        "service.b",
        "service.x",
        "group.backend",
    ]
    a = config(p, "service.a")
    assert a.get("n") == Num(at(MATCH, '"a"'), 0)  # enumerate: located at the item
    assert isinstance(a.get("k"), Num) and a.get("k").value == 2  # type: ignore[union-attr]
    assert isinstance(a.get("s"), Str) and a.get("s").text == "0"  # type: ignore[union-attr]
    assert a.get("z") == Str(at(MATCH, 'f"plain"'), "plain", at(MATCH, 'f"plain"').column + 2)
    w = a.get("w")
    assert isinstance(w, Seq) and [v.text for v in w.items if isinstance(v, Str)] == ["w1", "y"]
    assert p.resources[0].name == Str(at(MATCH, '"a"'), "a", at(MATCH, '"a"').column + 1)


def test_group_binding() -> None:
    p = rd(MATCH, "production")
    backend = p.by_address("group.backend")
    assert (
        backend is not None and backend.binding == "backend" and backend.members == ("service.x",)
    )
    assert p.listed == ("group.backend", "service.x")


def test_syntax_warnings_are_not_printed() -> None:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = read_python("from railway_sdk import service\nx = 1if True else 2\ns = '\\d'\n", REL, None)
    assert p.error is None
    assert caught == []


def test_unknown_decorator_is_noted_and_the_body_still_read() -> None:
    text = "import functools\nfrom railway_sdk import service\n@functools.cache\ndef main(ctx):\n    service('a')\n"
    p = rd(text)
    assert p.entry is not None and p.entry.callable
    assert [r.address for r in p.resources] == ["service.a"]
    assert (Span(3, 2, 3, 17), "decorator functools.cache") in notes(p, "unresolved")


def test_typescript_shaped_positional_config_is_noted() -> None:
    text = "from railway_sdk import service\nservice('api', {'start': 'x'})\n"
    p = rd(text)
    assert (at(text, "{'start': 'x'}"), "service() takes 1 positional argument(s)") in notes(p, "unresolved")
    assert p.resources[0].config is None

"""What a static reading of `.railway/railway.{ts,py,go}` yields.

The language front-ends (`typescript`, `python`, `golang`) never execute the
file: they evaluate the expressions they can (literals, consts, spreads of
literal objects, simple factories) into *located values* (`Val`), each
keeping the span of the expression it came from, and record everything they
cannot resolve as `Unresolved` at its span. `normalise` then applies the
SDK's own semantics (alias precedence, `env` over `variables`, `preDeploy`
wrapping; railway-iac.md §1.2) once for all three languages.

Spans are 1-based lines and columns in code points (as everywhere in
railsafe); `end_column` is exclusive.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from railsafe.findings import Span

Language = Literal["typescript", "python", "go"]


# -- located values -------------------------------------------------------------


@dataclass(frozen=True)
class Val:
    """A statically evaluated value and the span of the expression it came from."""

    span: Span


@dataclass(frozen=True)
class Str(Val):
    text: str
    # 1-based column of text[0] when the literal's source between its quotes is
    # exactly `text` on one line (no escapes, no substitutions), else None: then
    # offsets inside the text map to `span.column` only.
    column: int | None = None


@dataclass(frozen=True)
class Num(Val):
    value: float | int


@dataclass(frozen=True)
class Bool(Val):
    value: bool


@dataclass(frozen=True)
class Null(Val):
    """`null`, `undefined`, Python `None`, Go `nil`."""


@dataclass(frozen=True)
class Seq(Val):
    """An array / list / tuple / Go slice literal."""

    items: tuple[Val, ...] = ()


@dataclass(frozen=True)
class Member:
    """One `key: value` of an object literal (a spread's entries are copied in)."""

    key: str
    key_span: Span
    value: Val


@dataclass(frozen=True)
class Obj(Val):
    """An object literal / dict / keyword arguments / Go `map[string]any{...}`.

    `members` keeps every entry in source order, duplicates included (the
    last one wins, as at run time: use `get`). `opaque` lists the parts that
    could not be resolved (a spread of an unknown value, a computed key): the
    object may hold more keys than `members` shows.
    """

    members: tuple[Member, ...] = ()
    opaque: tuple[Unresolved, ...] = ()

    def get(self, key: str) -> Val | None:
        for member in reversed(self.members):
            if member.key == key:
                return member.value
        return None

    def member(self, key: str) -> Member | None:
        for member in reversed(self.members):
            if member.key == key:
                return member
        return None

    def keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for member in self.members:
            seen[member.key] = None
        return list(seen)


@dataclass(frozen=True)
class Ref(Val):
    """A reference to another resource's variable: `db.env.DATABASE_URL`,
    `ref(db, "DATABASE_URL")`, Go `db.Env("DATABASE_URL")`."""

    resource: str  # the resource's address, `database.pg`
    output: str


@dataclass(frozen=True)
class Shared(Val):
    """`ctx.shared.NAME`: a shared-variable reference."""

    name: str


@dataclass(frozen=True)
class Preserve(Val):
    """`preserve()`: keep the value already set in Railway."""


@dataclass(frozen=True)
class ResourceVal(Val):
    """A value that is a resource node (a `service(...)` call or its binding)."""

    address: str


@dataclass(frozen=True)
class SourceVal(Val):
    """`github(repo, opts)`, `image(name, opts)`, `template(...)`, `empty()`."""

    type: Literal["github", "image", "template", "empty"]
    value: Str | None  # the repo / image / template name
    options: Obj | None


@dataclass(frozen=True)
class Unresolved(Val):
    """What static reading cannot know (`process.env.X`, a call, an f-string with
    unknown parts, an unknown spread). Never guessed: rules report it as info."""

    reason: str


# -- what the program declares ----------------------------------------------------

ResourceType = Literal["service", "database", "volume", "bucket", "group"]


@dataclass(frozen=True)
class Assignment:
    """A post-construction write: `pg.deploy = {...}` (what `railway config pull`
    emits for databases), `api.deploy.preDeployCommand = [...]`."""

    path: tuple[str, ...]  # ("deploy",) or ("deploy", "preDeployCommand")
    value: Val
    span: Span  # the whole assignment


@dataclass
class Resource:
    """One resource call as written: `service("api", {...})`, `postgres("pg")`, ...

    `config` is the second argument as written (for `service` / `fn` the
    service config; for databases, volumes and buckets their options), or
    None when absent. Python keyword arguments and Go `ServiceConfig` maps
    are given as an `Obj` too.
    """

    type: ResourceType
    kind: str  # service: "service" | "function"; database: the engine; else = type
    name: Str | Unresolved
    call: Span  # the whole call expression
    config: Obj | Unresolved | None = None
    binding: str | None = None  # the variable it is bound to, if any
    assignments: list[Assignment] = field(default_factory=list)
    members: tuple[str, ...] = ()  # for a group: addresses of the resources it holds
    group: str | None = None  # the group() this resource was placed in

    @property
    def address(self) -> str:
        name = self.name.text if isinstance(self.name, Str) else "?"
        return f"{self.type}.{name}"


@dataclass(frozen=True)
class Note:
    """Something a front-end saw that a rule may report (never a guess).

    Codes:
    - `unresolved`: a value railsafe cannot read statically (detail: what).
    - `process-env`: `process.env.X` / `os.environ` / `os.Getenv` read when the plan is made.
    - `template-object`: a resource reference interpolated into a JS template
      string (`${db.env.HOST}` renders "[object Object]").
    - `ctx-feature`: a `ctx` feature the CLI may not provide (detail: the feature,
      e.g. `ctx.shared`, `ctx.isEnvironment`, `ctx.randomString`).
    - `ctx-condition`: a branch on the environment (detail: the names compared).
    - `no-sdk-import`: the file does not import the SDK.
    """

    code: str
    span: Span
    detail: str = ""


@dataclass(frozen=True)
class EntryPoint:
    """How the CLI finds the program: `export default` / `main` / `Railway`."""

    name: str  # "default", "main", "Railway", ...
    span: Span  # the export / def / func name
    callable: bool  # a function (called with ctx) or a value (project(...) / object)


@dataclass
class Program:
    """One IaC file, read for one environment.

    `environment` is the environment the reading assumes: a name (the file's
    `ctx.environment === "production"` comparisons are decided against it) or
    None (an environment the file does not name: every comparison with a
    name is false). `environments` lists every name the file compares
    against, so a caller reads the file once per name and once with None.
    """

    path: str  # relpath of the file
    language: Language
    environment: str | None = None
    sdk_module: str | None = None  # "railway/iac", "railway_sdk", "railway_iac", go module
    entry: EntryPoint | None = None
    exports: tuple[tuple[str, Span], ...] = ()  # every exported / top-level name, for RS5xx
    partial: Val | None = None
    project_name: Val | None = None
    project_call: Span | None = None
    listed: tuple[str, ...] | None = None  # addresses in project(resources=...); None: unknown
    resources: list[Resource] = field(default_factory=list)  # every call evaluated, in order
    environments: tuple[str, ...] = ()
    notes: list[Note] = field(default_factory=list)
    error: str | None = None  # a syntax error the parser reported (with `error_span`)
    error_span: Span | None = None

    def services(self) -> Iterator[Resource]:
        for r in self.resources:
            if r.type == "service":
                yield r

    def notes_of(self, code: str) -> list[Note]:
        return [n for n in self.notes if n.code == code]

    def by_address(self, address: str) -> Resource | None:
        for r in self.resources:
            if r.address == address:
                return r
        return None

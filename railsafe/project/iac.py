"""Infrastructure as Code as a settings source: the services `.railway/railway.*` declares.

A Config as Code file declares one service (its directory); an IaC file
declares many, each with its root directory, builder, commands and
variables, located in the IaC file. The file is read statically
(`railsafe.iac`), once per environment it names and once for any other
environment (railway-iac.md §6: the CLI now passes a real context, so both
branches of `ctx.environment === "production" ? A : B` can apply).
`IacReader` lets the planner (builders, Dockerfile, defaults) read an IaC
service exactly as it reads a Config as Code one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from railsafe.context import Context
from railsafe.findings import Span
from railsafe.loaders import Document
from railsafe.project.configs import ServiceReader, Setting
from railsafe.project.types import Command, IacSource, Phase, Service

if TYPE_CHECKING:
    from railsafe.iac.normalise import IacService
    from railsafe.iac.values import Language, Member, Val


def iac_sources(ctx: Context) -> list[IacSource]:
    """Every `.railway/railway.*` of the tree, read once per check."""
    return ctx.cached("project.iac", lambda: [_read(ctx.load(f)) for f in ctx.files("railway-iac")])


def _read(doc: Document) -> IacSource:
    from railsafe.iac import read
    from railsafe.iac.normalise import services

    language: Language = doc.syntax  # type: ignore[assignment]
    source = IacSource(doc, language)
    if doc.error is not None:
        return source
    try:
        base = read(doc.text, doc.relpath, language, None)
        source.programs[None] = base
        for name in base.environments:
            source.programs[name] = read(doc.text, doc.relpath, language, name)
        for env, program in source.programs.items():
            source.services[env] = services(program) if program.error is None else []
    except (RecursionError, Exception) as exc:  # a bug of ours: say so, lose nothing else
        source.programs, source.services = {}, {}
        source.failure = f"{exc.__class__.__name__}: {exc}"
    return source


# a partial name the Railway CLI accepts (railwayapp/cli src/iac/partial.rs); `*` is reserved
PARTIAL_NAME = re.compile(r"^[a-zA-Z0-9._-]{1,64}$")


def cli_partial(value: Val | None) -> str | None:
    """The partial name the Railway CLI reads from the export: a non-blank string only.
    `true`, a number, `""` or no export are no partial: the whole project (facts F23)."""
    from railsafe.iac.values import Str

    if isinstance(value, Str) and value.text.strip():
        return value.text.strip()
    return None


def plain(value: Val | None) -> Any:
    """A located value as plain data (what a Config as Code file would hold), None if unknown."""
    from railsafe.iac.values import Bool, Num, Obj, Seq, Str

    if isinstance(value, Str):
        return value.text
    if isinstance(value, Num | Bool):
        return value.value
    if isinstance(value, Seq):
        return [plain(v) for v in value.items]
    if isinstance(value, Obj):
        return {m.key: plain(m.value) for m in value.members}
    return None  # null, or a value only the SDK knows


_DOCKERFILE_VARIABLE = "RAILWAY_DOCKERFILE_PATH"


# Config as Code (section, key) -> the IaC service setting that plays its part
def _member(svc: IacService, section: str, key: str) -> Member | None:
    if section == "build":
        return svc.build.get(key)
    if section == "deploy":
        return svc.deploy.get(key)
    return None


class IacReader(ServiceReader):
    """An IaC service read through the planner's `ServiceReader` interface."""

    def __init__(self, ctx: Context, service: Service, source: IacSource, name: str) -> None:
        super().__init__(ctx, service)
        self.source = source
        self.service_name = name
        self.env_names = [e for e in source.environments if e is not None]

    def _svc(self, env: str | None) -> IacService | None:
        return self.source.service(env, self.service_name)

    def origin(self) -> tuple[str, Span] | None:
        svc = self._svc(None) or next(
            (s for e in self.env_names if (s := self._svc(e)) is not None), None
        )
        if svc is None:
            return (self.source.doc.relpath, Span(1, 1, 1, 1))
        return (self.source.doc.relpath, svc.resource.call)

    def setting(self, env: str | None, section: str, key: str) -> Setting | None:
        from railsafe.iac.values import Str

        svc = self._svc(env)
        member = _member(svc, section, key) if svc is not None else None
        if member is None and svc is not None and (section, key) == ("build", "dockerfilePath"):
            # Railway reads the Dockerfile path from this service variable too
            # (railway-facts §1.3 `dockerfilePath`): a literal one in `env` is that setting
            variable = svc.variables.get(_DOCKERFILE_VARIABLE)
            if variable is not None and isinstance(variable.value, Str):
                member = variable
        if member is None:
            return None
        return Setting((), plain(member.value), None, self.source.doc.relpath, member.value.span)

    def config_commands(
        self, env: str | None, section: str, key: str, phase: Phase
    ) -> list[Command] | None:
        from railsafe.iac.values import Str

        svc = self._svc(env)
        if svc is None:
            return None
        member = _member(svc, section, key)
        if member is None:
            return None
        values: tuple[Val, ...]
        if key == "preDeployCommand":
            values = svc.pre_deploy or ()
        elif key == "buildCommand":
            values = (svc.build_command,) if svc.build_command is not None else ()
        else:
            values = (member.value,)
        name = self.source.doc.path.name
        label = f"{name} service {self.service_name} `{member.key}`"
        return [
            Command(v.text, phase, self.source.doc.relpath, v.span, label, column=v.column)
            for v in values
            if isinstance(v, Str) and v.text.strip()
        ]

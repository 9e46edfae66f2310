"""The SDK's semantics over a statically read `Program`, once for every language.

Each front-end reports what the file *wrote* (`Resource.config` as an `Obj`);
what Railway will *get* depends on the SDK's normalisation: alias precedence
(`start ?? startCommand ?? run.command ?? deploy.startCommand`), the raw
`deploy` spread first, `preDeploy` wrapped into an array, `env` over
`variables`, the replica-map quirk (railway-iac.md §1.2, checked against
`npm:railway@3.11.0` `dist/iac/index.js`). Rules read the effective settings
here, each with the `Member` that set it, so a finding points at the key
that decided the value.

`graph()` renders the node the SDK would emit, so a static reading can be
compared field by field with the real SDK's output (differential tests).
Values railsafe could not read render as `{"unresolved": reason}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from railsafe.findings import Span
from railsafe.iac.values import (
    Bool,
    Language,
    Member,
    Null,
    Num,
    Obj,
    Preserve,
    Program,
    Ref,
    Resource,
    ResourceVal,
    Seq,
    Shared,
    SourceVal,
    Str,
    Unresolved,
    Val,
)

# IntentServiceConfig (npm railway 3.11.0) and the Python SDK's extras (§1.5).
SERVICE_KEYS = frozenset({
    "source", "root", "rootDirectory", "build", "start", "startCommand", "preDeploy",
    "preDeployCommand", "healthcheck", "healthcheckPath", "healthcheckTimeout", "run", "replicas",
    "regions", "deploy", "domains", "tcp", "tcpProxies", "networking", "env", "variables",
    "volumeMounts", "configFile", "parentServiceId", "groupId", "clusterRole", "replicaConfig",
    "clusterDisplay",
})
PYTHON_EXTRA_KEYS = frozenset({"tracing", "cdn"})
# railway-go-sdk's serviceNode copies `tracing` into the node too (no `cdn`)
GO_EXTRA_KEYS = frozenset({"tracing"})


def extra_service_keys(language: str) -> frozenset[str]:
    """Service config keys one language's SDK reads beyond npm railway 3.11.0's."""
    return {"python": PYTHON_EXTRA_KEYS, "go": GO_EXTRA_KEYS}.get(language, frozenset())
PYTHON_FN_ARGS = frozenset({"code_file", "runtime"})  # fn(name, code_file, runtime, **config)
RUN_KEYS = frozenset({"command", "preDeploy", "healthcheck", "healthcheckTimeout"})
BUILD_KEYS = frozenset({
    "builder", "watchPatterns", "buildCommand", "buildEnvironment", "dockerfilePath",
    "nixpacksConfigPath", "nixpacksPlan", "nixpacksVersion", "railpackVersion",
})
DEPLOY_KEYS = frozenset({
    "startCommand", "preDeployCommand", "numReplicas", "healthcheckPath", "healthcheckTimeout",
    "sleepApplication", "runtime", "registryCredentials", "restartPolicyType",
    "restartPolicyMaxRetries", "cronSchedule", "region", "multiRegionConfig", "limitOverride",
    "requiredMountPath", "overlapSeconds", "drainingSeconds", "useLegacyStacker",
    "ipv6EgressEnabled",
})
# postgres()/mysql()/redis()/mongo() defaults: image, output, defaultMountPath.
ENGINE_DEFAULTS = {
    "postgres": ("ghcr.io/railwayapp-templates/postgres-ssl:18", "DATABASE_URL",
                 "/var/lib/postgresql/data"),
    "mysql": ("mysql:9", "MYSQL_URL", "/var/lib/mysql"),
    "redis": ("railwayapp/redis:8.2", "REDIS_URL", "/bitnami"),
    "mongo": ("mongo:8", "MONGO_URL", "/data/db"),
}
# service() copies these top-level keys when truthy.
_COPIED_KEYS = ("configFile", "parentServiceId", "groupId", "clusterRole", "replicaConfig",
                "clusterDisplay")


# -- JSON rendering -----------------------------------------------------------------


def to_json(value: Val | None) -> Any:
    """A located value as the JSON the SDK would print (Unresolved as a marker)."""
    if value is None or isinstance(value, Null):
        return None
    if isinstance(value, Str):
        return value.text
    if isinstance(value, Num | Bool):
        return value.value
    if isinstance(value, Seq):
        return [to_json(item) for item in value.items]
    if isinstance(value, Obj):
        out = {m.key: to_json(m.value) for m in value.members}
        if value.opaque:
            out["unresolved"] = "; ".join(u.reason for u in value.opaque)
        return out
    if isinstance(value, Ref):
        return {"type": "reference", "resource": value.resource, "output": value.output}
    if isinstance(value, Shared):
        return {"type": "sharedReference", "name": value.name}
    if isinstance(value, Preserve):
        return {"type": "preserve"}
    if isinstance(value, SourceVal):
        return _source_json(value)
    if isinstance(value, ResourceVal):
        return {"address": value.address}
    if isinstance(value, Unresolved):
        return {"unresolved": value.reason}
    return {"unresolved": type(value).__name__}


def _source_json(source: SourceVal) -> dict[str, Any]:
    """github()/image()/template()/empty() as the SDK builds them (a Python
    `github(branch=None)` has no branch; TypeScript's `branch ?? "main"` has one)."""
    options = to_json(source.options) if source.options is not None else {}
    name = to_json(source.value)
    if source.type == "github":
        branch = options.get("branch")
        given = source.options is not None and source.options.member("branch") is not None
        if branch is None and not given:
            branch = "main"
        return _prune({"type": "github", "repo": name, **options, "branch": branch}) or {}
    if source.type == "image":
        return {"type": "image", "image": name, **options}
    if source.type == "template":
        return {"type": "template", "template": name, **options}
    return {"type": "empty"}


def _prune(value: dict[str, Any]) -> dict[str, Any] | None:
    """The SDK's `pruneEmpty`: drop null members; an empty object is no object."""
    out = {k: v for k, v in value.items() if v is not None}
    return out or None


def _set_path(node: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[path[-1]] = value


# -- precedence -----------------------------------------------------------------------


def _present(member: Member | None) -> bool:
    return member is not None and not isinstance(member.value, Null)


def _truthy(value: Val, language: Language = "typescript") -> bool | None:
    """Truthiness where it is known: JavaScript's, or Python's (empty containers are false)."""
    if isinstance(value, Str):
        return value.text != ""
    if isinstance(value, Num | Bool):
        return bool(value.value)
    if isinstance(value, Null):
        return False
    if isinstance(value, Unresolved):
        return None
    if language == "python":
        if isinstance(value, Seq):
            return bool(value.items)
        if isinstance(value, Obj):
            return True if value.members else (None if value.opaque else False)
    return True


def _first(language: Language, *candidates: Member | None) -> Member | None:
    """`a ?? b ?? c` in TypeScript and Go; `a or b or c` in Python (§1.5), which is
    the first truthy one or else the last (a missing key is None)."""
    if language == "python":
        for member in candidates:
            if member is not None and _truthy(member.value, language) is not False:
                return member
        return candidates[-1] if candidates else None
    for member in candidates:
        if member is not None and not isinstance(member.value, Null):
            return member
    return None


def _given(*candidates: Member | None) -> Member | None:
    """Python's `d.get("a", d.get("b", ...))`: the first key present, even when None."""
    for member in candidates:
        if member is not None:
            return member
    return None


def _int(value: Val) -> bool:
    """Python's `isinstance(x, int)` (booleans included)."""
    return isinstance(value, Bool) or (isinstance(value, Num) and isinstance(value.value, int))


def _obj(value: Val | None) -> Obj | None:
    return value if isinstance(value, Obj) else None


def _member(obj: Obj | None, key: str) -> Member | None:
    return obj.member(key) if obj is not None else None


# -- services -----------------------------------------------------------------------------


@dataclass
class IacService:
    """One `service(...)` / `fn(...)` with its effective settings.

    `build`, `deploy` and `variables` map the graph key to the `Member` that set
    it (its `key` is the key as written: `start` for `deploy.startCommand`).
    `build` holds every key of a `build: {...}` object (unknown ones are also
    in `unknown_build_keys`); a string `build` is `build["buildCommand"]`.
    `deploy` is after precedence, pruning and post-construction assignments
    (an assignment's `Member.key_span` is the whole assignment). `opaque` lists
    config parts railsafe could not read: any effective value may be overridden
    by them.
    """

    resource: Resource
    name: str
    address: str
    kind: str  # "service" | "function"
    language: Language
    root_directory: Str | None = None
    root_member: Member | None = None
    source: SourceVal | Obj | None = None
    source_member: Member | None = None
    build_command: Val | None = None
    build: dict[str, Member] = field(default_factory=dict)
    start: Val | None = None
    pre_deploy: tuple[Val, ...] | None = None
    deploy: dict[str, Member] = field(default_factory=dict)
    variables: dict[str, Member] = field(default_factory=dict)
    unknown_keys: list[Member] = field(default_factory=list)
    unknown_build_keys: list[Member] = field(default_factory=list)
    unknown_deploy_keys: list[Member] = field(default_factory=list)
    config_file: Val | None = None
    replica_quirks: list[Member] = field(default_factory=list)  # region values whose count is lost
    opaque: tuple[Unresolved, ...] = ()

    @property
    def config(self) -> Obj | None:
        return _obj(self.resource.config)

    def setting(self, key: str) -> Member | None:
        """The Member behind an effective `deploy` key (`startCommand`, `cronSchedule`...)."""
        return self.deploy.get(key)

    def graph(self) -> dict[str, Any]:
        """The service node as `service()` / `fn()` of the SDK would emit it."""
        config = self.config
        source = _graph_source(self)
        node: dict[str, Any] = {
            "address": self.address, "type": "service",
            "kind": "function" if self.kind == "function" else _graph_kind(source),
            "name": self.name,
        }
        if isinstance(self.resource.config, Unresolved):
            node["unresolved"] = self.resource.config.reason
            return _with_group_and_assignments(node, self.resource, self.language)
        if source is not None:
            node["source"] = source
        build_member = _member(config, "build")
        if build_member is not None and isinstance(build_member.value, Str):
            node["build"] = {"buildCommand": build_member.value.text}
        elif build_member is not None:
            build = to_json(build_member.value)
            build = _prune(build) if isinstance(build, dict) else build
            if build is not None:
                node["build"] = build
        deploy = _prune({k: to_json(m.value) for k, m in self._deploy_before_assignments.items()})
        if deploy is not None:
            node["deploy"] = deploy
        language = self.language
        networking = _graph_networking(config, language)
        if networking is not None:
            node["networking"] = networking
        if language == "python":
            for key in PYTHON_EXTRA_KEYS:
                extra = _member(config, key)
                rendered = to_json(extra.value) if extra is not None else None
                rendered = _prune(rendered) if isinstance(rendered, dict) else rendered
                if rendered is not None:
                    node[key] = rendered
        env, variables = _member(config, "env"), _member(config, "variables")
        if (env is not None and _truthy(env.value, language) is not False) or (
                variables is not None and _truthy(variables.value, language) is not False):
            node["variables"] = {k: _variable_json(m.value, language)
                                 for k, m in self.variables.items()}
        node.update(_graph_volume_mounts(_member(config, "volumeMounts"), self._volumes,
                                         language))
        for key in _COPIED_KEYS:
            member = _member(config, key)
            if member is None:
                continue
            # Python copies what is not None; TypeScript what is truthy
            kept = (not isinstance(member.value, Null)) if language == "python" else (
                _truthy(member.value) is not False)
            if kept:
                node[key] = to_json(member.value)
        if self.opaque:
            node["unresolved"] = "; ".join(u.reason for u in self.opaque)
        return _with_group_and_assignments(node, self.resource, self.language)

    # the deploy members before `x.deploy = ...` assignments (graph() applies those itself)
    _deploy_before_assignments: dict[str, Member] = field(default_factory=dict, repr=False)

    @property
    def constructed_deploy(self) -> dict[str, Member]:
        """The deploy settings the `service(...)` call itself gave (before assignments)."""
        return self._deploy_before_assignments
    _root_alias: Member | None = field(default=None, repr=False)  # root ?? rootDirectory
    _volumes: dict[str, Any] = field(default_factory=dict, repr=False)  # address -> config


def _graph_kind(source: dict[str, Any] | None) -> str:
    kind = source.get("type") if source else None
    return {"github": "github", "image": "docker-image", "template": "template"}.get(
        kind if isinstance(kind, str) else "", "empty")


def _graph_source(service: IacService) -> dict[str, Any] | None:
    """`normalizeSource(config.source, config.root ?? config.rootDirectory)` (Python: `or`)."""
    py = service.language == "python"
    alias = service._root_alias
    root = to_json(alias.value) if alias is not None else None
    source = service.source
    if source is None:
        return {"type": "empty", "rootDirectory": root} if root else None
    rendered = to_json(source)
    if not isinstance(rendered, dict):
        return None
    if rendered.get("type"):
        own = rendered.get("rootDirectory")
        chosen = (own or root) if py else (own if own is not None else root)
        return _prune({**rendered, "rootDirectory": chosen})
    if rendered.get("repo"):
        branch = rendered.get("branch")
        branch = (branch or "main") if py else (branch if branch is not None else "main")
        return _prune({"type": "github", "repo": rendered["repo"], "branch": branch,
                       "rootDirectory": root})
    if rendered.get("image"):
        return _prune({"type": "image", "image": rendered["image"], "rootDirectory": root})
    return {"type": "empty", "rootDirectory": root} if root else None


def _variable_json(value: Val, language: Language = "typescript") -> Any:
    """`normalizeVariables`: a string is a literal, a typed object passes, others are raw
    (Python wraps numbers, booleans and None as raw; TypeScript throws on them)."""
    if isinstance(value, Str):
        return {"type": "literal", "value": value.text}
    if isinstance(value, Ref | Shared | Preserve):
        return to_json(value)
    if isinstance(value, Obj):
        rendered = to_json(value)
        return rendered if "type" in rendered else {"type": "raw", "value": rendered}
    if isinstance(value, Seq) or (language == "python" and isinstance(value, Num | Bool | Null)):
        return {"type": "raw", "value": to_json(value)}
    if isinstance(value, Num | Bool):
        return {"unresolved": "a number or boolean variable value (the TypeScript SDK throws)"}
    if isinstance(value, Null):
        return {"unresolved": "a null variable value (the TypeScript SDK throws)"}
    return to_json(value)


def _graph_networking(config: Obj | None, language: Language) -> dict[str, Any] | None:
    """`normalizeNetworking`: domains and tcp ports merged over raw `networking`."""
    if config is None:
        return None
    out: dict[str, Any] = {}
    raw = _member(config, "networking")
    if raw is not None and isinstance(raw.value, Obj):
        out.update(to_json(raw.value))
    domains = _member(config, "domains")
    if domains is not None and _truthy(domains.value, language) is False:
        domains = None
    if domains is not None and isinstance(domains.value, Seq):
        custom: dict[str, Any] = {}
        for item in domains.value.items:
            if isinstance(item, Str):
                custom[item.text] = {"port": 8080}
            elif isinstance(item, Obj):
                port = to_json(item.get("port"))
                if language == "python":
                    port = port or 8080
                custom[str(to_json(item.get("domain")))] = {
                    "port": port if port is not None else 8080}
            else:
                custom[str(to_json(item))] = {"unresolved": "a domain railsafe cannot read"}
        out["customDomains"] = custom
    elif domains is not None:
        out["customDomains"] = to_json(domains.value)
    tcp = _member(config, "tcp")
    proxies = _member(config, "tcpProxies")
    chosen = tcp if tcp is not None and _truthy(tcp.value, language) is not False else proxies
    if chosen is not None and _truthy(chosen.value, language) is False:
        chosen = None
    if chosen is not None and isinstance(chosen.value, Seq):
        out["tcpProxies"] = {_port_text(p): {} for p in chosen.value.items}
    elif chosen is not None:
        out["tcpProxies"] = to_json(chosen.value)
    return _prune(out)


def _port_text(value: Val) -> str:
    if isinstance(value, Num):
        number = value.value
        return str(int(number)) if float(number).is_integer() else str(number)
    return str(to_json(value))


def _graph_volume_mounts(member: Member | None, volumes: dict[str, Any],
                         language: Language) -> dict[str, Any]:
    """`normalizeVolumeMounts`: `volume()` values become attachments, others stay raw
    (both objects stay, even empty, whenever the key is given and truthy)."""
    if member is None or _truthy(member.value, language) is False:
        return {}
    if not isinstance(member.value, Obj):
        return {"volumeMounts": to_json(member.value)}
    raw: dict[str, Any] = {}
    attachments: dict[str, Any] = {}
    for m in member.value.members:
        if isinstance(m.value, ResourceVal) and m.value.address.startswith("volume."):
            name = m.value.address.removeprefix("volume.")
            attachments[name] = {"volume": m.value.address, "mountPath": m.key,
                                 "volumeConfig": volumes.get(m.value.address, {})}
        else:
            raw[m.key] = to_json(m.value)
    return {"volumeMounts": raw, "volumeAttachments": attachments}


def _with_group_and_assignments(node: dict[str, Any], resource: Resource,
                                language: Language) -> dict[str, Any]:
    """`group()` copies carry `groupId`; `x.deploy = ...` writes into the TypeScript node,
    while a Python `Service` keeps the attribute beside its graph (`to_graph` ignores it)."""
    if resource.group is not None:
        node["groupId"] = resource.group
    if language == "python":
        return node
    for assignment in resource.assignments:
        if assignment.path:
            _set_path(node, assignment.path, to_json(assignment.value))
    return node


def _volume_configs(program: Program | None) -> dict[str, Any]:
    if program is None:
        return {}
    return {r.address: to_json(r.config) if r.config is not None else {}
            for r in program.resources if r.type == "volume"}


def _service(resource: Resource, language: Language, volumes: dict[str, Any]) -> IacService:
    name = resource.name.text if isinstance(resource.name, Str) else "?"
    svc = IacService(resource=resource, name=name, address=resource.address,
                     kind=resource.kind, language=language, _volumes=volumes)
    config = resource.config
    if isinstance(config, Unresolved):
        svc.opaque = (config,)
        return svc
    if config is None:
        config = Obj(resource.call)
    svc.opaque = config.opaque
    allowed = SERVICE_KEYS | extra_service_keys(language)
    if language == "python" and resource.kind == "function":
        allowed = allowed | PYTHON_FN_ARGS
        config = _python_function(config)
    svc.unknown_keys = [m for m in config.members if m.key not in allowed]
    run = _obj(config.get("run"))
    if run is not None:
        svc.unknown_keys += [m for m in run.members if m.key not in RUN_KEYS]
    raw_deploy = _obj(config.get("deploy"))
    if raw_deploy is not None:
        svc.unknown_deploy_keys = [m for m in raw_deploy.members if m.key not in DEPLOY_KEYS]
    elif isinstance(config.get("deploy"), Unresolved):
        svc.opaque = (*svc.opaque, config.get("deploy"))  # type: ignore[arg-type]

    # source and root directory
    source_member = config.member("source")
    if source_member is not None and isinstance(source_member.value, SourceVal | Obj):
        svc.source, svc.source_member = source_member.value, source_member
    root = _first(language, config.member("root"), config.member("rootDirectory"))
    if root is not None and _truthy(root.value, language) is False and language == "python":
        root = None  # `root or rootDirectory` that is falsy: no root directory
    own_root = _source_root(svc.source, language)
    svc._root_alias = root
    svc.root_member = own_root if own_root is not None else root
    if svc.root_member is not None and isinstance(svc.root_member.value, Str):
        svc.root_directory = svc.root_member.value

    # build
    build = config.member("build")
    if build is not None and isinstance(build.value, Str):
        svc.build = {"buildCommand": build}
        svc.build_command = build.value
    elif build is not None and isinstance(build.value, Obj):
        svc.build = {m.key: m for m in build.value.members if not isinstance(m.value, Null)}
        svc.unknown_build_keys = [m for m in build.value.members if m.key not in BUILD_KEYS]
        command = build.value.member("buildCommand")
        svc.build_command = command.value if command is not None else None
    elif build is not None and isinstance(build.value, Unresolved):
        svc.build_command = build.value

    svc._deploy_before_assignments = _deploy(config, run, raw_deploy, language, svc)
    deploy = dict(svc._deploy_before_assignments)
    # a Python Service keeps `svc.deploy = ...` beside its graph: no effect there
    for assignment in resource.assignments if language != "python" else []:
        path = assignment.path
        if path == ("deploy",):
            assigned = _obj(assignment.value)
            deploy = {m.key: m for m in assigned.members} if assigned is not None else {
                "": Member("deploy", assignment.span, assignment.value)}
        elif len(path) == 2 and path[0] == "deploy":
            deploy[path[1]] = Member(path[1], assignment.span, assignment.value)
    svc.deploy = deploy
    start = deploy.get("startCommand")
    svc.start = start.value if start is not None else None
    pre = deploy.get("preDeployCommand")
    if pre is not None:
        svc.pre_deploy = pre.value.items if isinstance(pre.value, Seq) else (pre.value,)

    # variables: {...variables, ...env}
    for key in ("variables", "env"):
        member = config.member(key)
        if member is None:
            continue
        if isinstance(member.value, Obj):
            for m in member.value.members:
                svc.variables[m.key] = m
            svc.opaque = (*svc.opaque, *member.value.opaque)
        elif isinstance(member.value, Unresolved):
            svc.opaque = (*svc.opaque, member.value)
    config_file = config.get("configFile")
    svc.config_file = config_file if config_file is not None and not isinstance(
        config_file, Null) else None
    return svc


def _source_root(source: SourceVal | Obj | None, language: Language) -> Member | None:
    """`source.rootDirectory` where the SDK honours it (typed sources only; Python: if truthy)."""
    if isinstance(source, SourceVal):
        member = _member(source.options, "rootDirectory")
    elif isinstance(source, Obj) and source.get("type") is not None and _truthy(
            source.get("type") or Null(source.span)):
        member = source.member("rootDirectory")
    else:
        return None
    if member is None or isinstance(member.value, Null):
        return None
    if language == "python" and _truthy(member.value, language) is False:
        return None
    return member


def _python_function(config: Obj) -> Obj:
    """Python `fn(name, code_file, runtime)`: the SDK reads `code_file` at evaluation and
    makes it the start command, with a function image as the source unless one is given."""
    code_file, runtime = config.member("code_file"), config.member("runtime")
    if code_file is None and runtime is None:
        return config
    extra: list[Member] = []
    if config.member("source") is None or isinstance(config.get("source"), Null):
        image_name = _function_image(runtime.value if runtime is not None else None)
        at = runtime or code_file
        assert at is not None
        source: Val = SourceVal(at.key_span, "image", image_name, None) if isinstance(
            image_name, Str) else image_name
        extra.append(Member("source", at.key_span, source))
    if code_file is not None and not isinstance(code_file.value, Null):
        extra.append(Member("start", code_file.key_span, Unresolved(
            code_file.value.span, "the function's code, read from code_file at plan time")))
    return Obj(config.span, (*config.members, *extra), config.opaque)


def _function_image(runtime: Val | None) -> Str | Unresolved:
    """`railway_sdk.function_image(runtime)`."""
    prefix = "ghcr.io/railwayapp/function-"
    if runtime is None or isinstance(runtime, Null):
        return Str(Span(1, 1, 1, 1), prefix + "bun:1.4.0")
    if not isinstance(runtime, Str):
        return Unresolved(runtime.span, "a function runtime railsafe cannot read")
    name = runtime.text.strip()
    if name.lower().startswith(prefix):
        text = name
    elif name == "bun":
        text = prefix + "bun:1.4.0"
    else:
        text = prefix + name
    return Str(runtime.span, text)


def _deploy(config: Obj, run: Obj | None, raw: Obj | None, language: Language,
            svc: IacService) -> dict[str, Member]:
    """`normalizeDeploy`: raw `deploy` first, then the aliases by precedence, then pruned."""
    deploy: dict[str, Member] = {m.key: m for m in raw.members} if raw is not None else {}

    def put(key: str, member: Member | None) -> None:
        if member is None or isinstance(member.value, Null):
            deploy.pop(key, None)
        else:
            deploy[key] = member

    py = language == "python"
    put("startCommand", _first(language, config.member("start"), config.member("startCommand"),
                               _member(run, "command"), _member(raw, "startCommand")))
    pre_candidates = (config.member("preDeploy"), config.member("preDeployCommand"),
                      _member(run, "preDeploy"))
    # TypeScript: `a ?? b ?? c`, a string wrapped when truthy; Python: the first key given,
    # any string wrapped (`""` too)
    pre = _given(*pre_candidates) if py else _first(language, *pre_candidates)
    if pre is not None and isinstance(pre.value, Seq | Unresolved):
        put("preDeployCommand", pre)
    elif pre is not None and isinstance(pre.value, Str) and (py or _truthy(pre.value)):
        put("preDeployCommand", Member(pre.key, pre.key_span, Seq(pre.value.span, (pre.value,))))
    elif pre is not None and py and not isinstance(pre.value, Null):
        put("preDeployCommand", pre)
    else:
        put("preDeployCommand", _member(raw, "preDeployCommand"))
    put("healthcheckPath", _first(language, config.member("healthcheck"),
                                  config.member("healthcheckPath"), _member(run, "healthcheck"),
                                  _member(raw, "healthcheckPath")))
    timeouts = (config.member("healthcheckTimeout"), _member(run, "healthcheckTimeout"),
                _member(raw, "healthcheckTimeout"))
    put("healthcheckTimeout", _given(*timeouts) if py else _first(language, *timeouts))
    replicas, regions = config.member("replicas"), config.member("regions")
    region_map: Member | None = None
    if replicas is not None and (
            isinstance(replicas.value, Unresolved)
            or (_int(replicas.value) if py else isinstance(replicas.value, Num))):
        deploy["numReplicas"] = replicas
    elif replicas is not None and (
            isinstance(replicas.value, Obj) if py else _truthy(replicas.value)):
        region_map = replicas
    elif regions is not None and (
            isinstance(regions.value, Obj) if py else _truthy(regions.value) is not False):
        region_map = regions
    if region_map is not None:
        computed = _regions(region_map, svc, language)
        raw_regions = _member(raw, "multiRegionConfig")
        if py and _truthy(computed.value, language) is False and raw_regions is not None and (
                _truthy(raw_regions.value, language)):
            computed = raw_regions  # Python keeps a truthy raw map over an empty computed one
        deploy["multiRegionConfig"] = computed
    return {k: m for k, m in deploy.items() if not isinstance(m.value, Null)}


def _regions(member: Member, svc: IacService, language: Language) -> Member:
    """`normalizeRegions`: `{region: n | {count|replicas, stacker}}`; other keys lose the count."""
    value = member.value
    if not isinstance(value, Obj):
        return member
    regions: dict[str, Member] = {}
    for m in value.members:
        if _int(m.value) if language == "python" else isinstance(m.value, Num):
            inner: Val = Obj(m.value.span, (Member("numReplicas", m.key_span, m.value),))
        elif isinstance(m.value, Obj):
            counts = (m.value.member("count"), m.value.member("replicas"))
            count = _given(*counts) if language == "python" else _first(language, *counts)
            if count is not None and isinstance(count.value, Null):
                count = None
            stacker = m.value.member("stacker")
            parts = []
            if count is not None:
                parts.append(Member("numReplicas", count.key_span, count.value))
            if _present(stacker):
                assert stacker is not None
                parts.append(Member("stackerAssignment", stacker.key_span, stacker.value))
            if not parts:
                svc.replica_quirks.append(m)
            inner = Obj(m.value.span, tuple(parts), m.value.opaque)
        else:
            inner = m.value
        regions[m.key] = Member(m.key, m.key_span, inner)
    return Member(member.key, member.key_span, Obj(value.span, tuple(regions.values()),
                                                    value.opaque))


# -- other resources ---------------------------------------------------------------------


def resource_graph(resource: Resource, program: Program | None = None) -> dict[str, Any]:
    """Any resource as the SDK's graph node (services through `IacService.graph`)."""
    language: Language = program.language if program is not None else "typescript"
    if resource.type == "service":
        return _service(resource, language, _volume_configs(program)).graph()
    name = resource.name.text if isinstance(resource.name, Str) else "?"
    config = to_json(resource.config) if resource.config is not None else {}
    if not isinstance(config, dict):
        config = {"unresolved": str(config)}
    node: dict[str, Any]
    if resource.type == "database":
        defaults = ENGINE_DEFAULTS.get(resource.kind)
        options: dict[str, Any] = {}
        if defaults is not None:
            options = {"image": defaults[0], "output": defaults[1],
                       "defaultMountPath": defaults[2]}
        options.update(config)
        output = options.get("output")
        if language == "python":
            output = output or None  # `options.get("output") or "DATABASE_URL"`
        mount = options.get("defaultMountPath")
        node = {"address": resource.address, "type": "database", "kind": "database",
                "engine": resource.kind, "name": name, "image": options.get("image"),
                "output": output if output is not None else "DATABASE_URL",
                "defaultMountPath": (mount or None) if language == "python" else mount,
                "source": _prune({"type": "image", "image": options.get("image")})}
        node = {k: v for k, v in node.items() if v is not None}
        region = options.get("region")
        if isinstance(region, str) and region:
            node["deploy"] = {"multiRegionConfig": {region: {"numReplicas": 1}}}
        elif region:
            node["deploy"] = {"unresolved": "a region railsafe cannot read"}
    elif resource.type == "group":
        node = {"address": resource.address, "type": "group", "name": name, **config}
    else:
        node = {"address": resource.address, "type": resource.type, "name": name,
                "config": config}
    return _with_group_and_assignments(node, resource, language)


def services(program: Program) -> list[IacService]:
    """Every `service(...)` and `fn(...)` the file evaluates, in source order."""
    volumes = _volume_configs(program)
    return [_service(r, program.language, volumes) for r in program.resources
            if r.type == "service"]


def databases(program: Program) -> list[Resource]:
    """Every database resource, in source order (their nodes: `resource_graph`)."""
    return [r for r in program.resources if r.type == "database"]


def graph(program: Program) -> dict[str, Any]:
    """`{partial, project: {name, resources}}` as the SDK prints it, for the listed resources
    (every resource evaluated when the project's list is not statically known)."""
    if program.listed is None:
        chosen = list(program.resources)
    else:
        by_address: dict[str, list[Resource]] = {}
        for resource in program.resources:
            by_address.setdefault(resource.address, []).append(resource)
        chosen = []
        for address in program.listed:
            candidates = by_address.get(address)
            if not candidates:
                continue
            chosen.append(candidates.pop(0) if len(candidates) > 1 else candidates[0])
    name = to_json(program.project_name) if program.project_name is not None else None
    return {
        "partial": to_json(program.partial) if program.partial is not None else None,
        "project": {"name": name,
                    "resources": [resource_graph(r, program) for r in chosen]},
    }

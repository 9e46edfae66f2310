"""RS30x: secrets written into files, build arguments and images.

Detection lives in `railsafe.secrets` (patterns in `railsafe.redact`); the
rules here decide where to look and how to say it. No message ever contains
the secret value: it names the variable, option or kind of credential only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from railsafe.context import Context
from railsafe.findings import Severity, Span
from railsafe.loaders import NIXPACKS_KINDS, RAILWAY_KINDS, Document, KeyPath
from railsafe.rules import Hit, hit, rule
from railsafe.secrets import SecretMatch, find_secrets, is_secret_name, value_secrets

if TYPE_CHECKING:
    from railsafe.loaders.dockerfile import Instruction, Pair


def _secrets_in(ctx: Context, text: str, name: str | None = None) -> list[SecretMatch]:
    """`value_secrets(name, text)` for a named value, else `find_secrets(text)`, once per
    distinct text in a check: a monorepo repeats its commands and values in every
    service (36,000 calls on 17 texts in the 2,000-service benchmark)."""
    memo: dict[tuple[str | None, str], list[SecretMatch]] = ctx.cached(
        "rules.secrets.secrets-by-text", dict)
    found = memo.get((name, text))
    if found is None:
        found = value_secrets(name, text) if name is not None else find_secrets(text)
        memo[(name, text)] = found
    return found


# The Dockerfile parser is imported only when a tree has Dockerfiles (start-up time).
def dockerfile_instructions(doc: Document) -> list[Instruction]:
    from railsafe.loaders import dockerfile

    return dockerfile.dockerfile_instructions(doc)


def pairs(instr: Instruction) -> list[Pair]:
    from railsafe.loaders import dockerfile

    return dockerfile.pairs(instr)


_RS301_FIX = (
    "Delete the value from the file, rotate the credential (it stays in the git history), "
    "and set it as a Railway service variable, referenced as `${{Service.NAME}}` in other "
    "variables or read from the environment (`$NAME`) by the command."
)


# -- where values and commands are ----------------------------------------------


_COMMAND_KEYS = frozenset({"cmd", "cmds", "commands", "command"})


def _is_command(path: KeyPath) -> bool:
    return any(
        isinstance(p, str) and (p in _COMMAND_KEYS or p.endswith("Command")) for p in path
    )


def _config_leaves(
    data: Any, path: KeyPath = (), name: str | None = None, depth: int = 0
) -> Iterator[tuple[KeyPath, str | None, str]]:
    """Every string of a Railway / Nixpacks / Railpack config: (keypath, variable name, text).

    The name is None for commands (`buildCommand`, `startCommand`,
    `preDeployCommand`, Nixpacks `cmds` and `start.cmd`, Railpack step
    `commands` and `deploy.startCommand`, under `environments.*` too), whose
    text is searched for `NAME=value` assignments; otherwise it is the key
    the string is stored under (`[variables]`, `deploy.variables`,
    `steps.*.variables`, and any other table, even one Railway ignores, such
    as a `[variables]` table in railway.toml: the secret is in the repository
    all the same).
    """
    if depth > 64:
        return
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _config_leaves(value, (*path, key), str(key), depth + 1)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _config_leaves(item, (*path, i), name, depth + 1)
    elif isinstance(data, str) and data:
        yield path, None if _is_command(path) else name, data


def _package_values(data: Any) -> Iterator[tuple[KeyPath, str | None, str]]:
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if isinstance(scripts, dict):
        for name, cmd in scripts.items():
            if isinstance(cmd, str):
                yield ("scripts", name), None, cmd


def _dotted(path: KeyPath) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")


_SIMPLE_ESCAPES = {
    "b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "e": "\x1b",
    '"': '"', "\\": "\\", "/": "/", "'": "'",
}
_HEX_ESCAPES = {"u": 4, "U": 8, "x": 2}


def _decode_string(raw: str) -> list[tuple[str, int, int]] | None:
    """A quoted TOML / JSON string: each decoded character with its [start, end) in `raw`.

    Handles basic and literal strings, single- and multi-line, escapes
    (`\\"`, `\\uXXXX`, surrogate pairs, a TOML line-ending backslash); None
    when `raw` is not a quoted string.
    """
    for quote in ('"""', "'''", '"', "'"):
        if len(raw) >= 2 * len(quote) and raw.startswith(quote) and raw.endswith(quote):
            break
    else:
        return None
    pos, stop = len(quote), len(raw) - len(quote)
    if len(quote) == 3:  # a newline right after the opening delimiter is trimmed
        pos += 2 if raw.startswith("\r\n", pos) else 1 if raw.startswith("\n", pos) else 0
    out: list[tuple[str, int, int]] = []
    while pos < stop:
        char = raw[pos]
        if char != "\\" or quote[0] == "'":
            out.append((char, pos, pos + 1))
            pos += 1
            continue
        code = raw[pos + 1 : pos + 2]
        if code in _SIMPLE_ESCAPES:
            out.append((_SIMPLE_ESCAPES[code], pos, pos + 2))
            pos += 2
        elif code in _HEX_ESCAPES:
            end = pos + 2 + _HEX_ESCAPES[code]
            try:
                value = int(raw[pos + 2 : end], 16)
            except ValueError:
                return None
            low = raw[end : end + 6]
            if 0xD800 <= value < 0xDC00 and low.startswith("\\u"):  # a JSON surrogate pair
                try:
                    value = 0x10000 + ((value - 0xD800) << 10) + (int(low[2:], 16) - 0xDC00)
                except ValueError:
                    return None
                end += 6
            if value > 0x10FFFF:
                return None
            out.append((chr(value), pos, end))
            pos = end
        elif len(quote) == 3 and raw[pos + 1 : stop].lstrip(" \t\r").startswith("\n"):
            pos += 1  # a line-ending backslash: whitespace and newlines up to the text go
            while pos < stop and raw[pos] in " \t\r\n":
                pos += 1
        else:
            return None
    return out


def _locate_in_value(doc: Document, path: KeyPath, value: str, start: int, end: int) -> Span:
    """The exact position of `value[start:end]` inside the quoted string stored at `path`.

    The value's whole span when the source cannot be matched to `value`.
    """
    entry = doc.entry(path)
    if entry is None:
        return doc.locate(path, "value")
    span = entry.value
    places: list[tuple[int, int]] = []  # (line, column) of each source character
    lines: list[str] = []
    for number in range(span.line, span.end_line + 1):
        text = doc.line(number)
        first = span.column - 1 if number == span.line else 0
        stop = span.end_column - 1 if number == span.end_line else len(text)
        if number != span.line:
            lines.append("\n")
            places.append((number - 1, len(doc.line(number - 1)) + 1))
        lines.append(text[first:stop])
        places += [(number, column + 1) for column in range(first, stop)]
    chars = _decode_string("".join(lines))
    if chars is None or "".join(c for c, _, _ in chars) != value or not 0 <= start < end:
        return span
    if end > len(chars):
        return span
    (first_line, column), (end_line, last) = places[chars[start][1]], places[chars[end - 1][2] - 1]
    return Span(first_line, column, end_line, last + 1)


def _message(found: SecretMatch, where: str) -> str:
    return f"literal secret in {where}: {found.kind}; anyone with the repository has it"


# -- RS301 ------------------------------------------------------------------------


def _config_hits(ctx: Context) -> Iterator[Hit]:
    sources = (
        ((*RAILWAY_KINDS, *NIXPACKS_KINDS, "railpack-json"), _config_leaves),
        (("package-json",), _package_values),
    )
    for kinds, walk in sources:
        for doc in ctx.documents(*kinds):
            if doc.error is not None or doc.data is None:
                continue
            for path, name, text in walk(doc.data):
                found = _secrets_in(ctx, text, name)
                where = f"`{doc.relpath.rsplit('/', 1)[-1]}` `{_dotted(path)}`"
                for match in found:
                    span = _locate_in_value(doc, path, text, match.start, match.end)
                    yield Hit(doc.relpath, span, _message(match, where), fix=_RS301_FIX)


# Templates meant to be copied (`.env.example`, `.env.sample`, `.env.local.example`)
# and files for development, tests, CI and docker-compose (`.env.development`,
# `.env.test.local`, `.env.ci`, `.env.docker`): only unmistakable credentials
# count there, URL passwords for real hosts and token shapes; a secret-named
# value is a local stand-in.
_ENV_TEMPLATE_PARTS = frozenset(
    {
        "example", "sample", "template", "dist", "defaults", "default", "development", "dev",
        "test", "testing", "tests", "e2e", "ci", "docker",
    }
)


def is_env_template(filename: str) -> bool:
    """`.env.example`, `.env.development`, `.env.test.local`, ... (see above)."""
    parts = re.split(r"[.\-_]", filename.lower())
    return any(part in _ENV_TEMPLATE_PARTS for part in parts[2:])


# a header comment telling the reader to copy the file: `# Copy this file to .env`,
# `# cp .env.dist .env and fill in`, `# Rename to .env`
_COPY_HEADER = re.compile(
    r"(?i)\b(?:copy|cp|rename|duplicate)\b.{0,40}(?:\.env\b|this file|to env)"
    r"|\bfill (?:in|out)\b|\btemplate\b"
)


def says_copy_me(text: str) -> bool:
    """A file whose leading comments say it is a template to copy (checked on the comment
    lines before the first assignment)."""
    for line in text.splitlines()[:20]:
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            return False
        if _COPY_HEADER.search(stripped):
            return True
    return False


def _env_file_hits(ctx: Context) -> Iterator[Hit]:
    """`.env` files that discovery found are not git-ignored: they are committed."""
    from railsafe.loaders.dotenv import parse_dotenv

    for doc in ctx.documents("env-file"):
        if doc.error is not None:
            continue
        template = is_env_template(doc.path.name) or says_copy_me(doc.text)
        for entry in parse_dotenv(doc.text):
            for match in value_secrets(entry.name, entry.value, by_name=not template):
                span = Span(
                    entry.span.line,
                    entry.span.column + match.start,
                    entry.span.line,
                    entry.span.column + match.end,
                )
                yield Hit(doc.relpath, span, _message(match, f"`{doc.path.name}` `{entry.name}`"),
                          fix=_RS301_FIX)


def _procfile_hits(ctx: Context) -> Iterator[Hit]:
    for doc in ctx.documents("procfile"):
        if doc.error is not None:
            continue
        for number, line in enumerate(doc.text.splitlines(), start=1):
            if line.lstrip().startswith("#") or ":" not in line:
                continue
            process = line.split(":", 1)[0].strip()
            for match in find_secrets(line):
                if match.start < len(process):
                    continue
                column = match.start + 1
                yield Hit(
                    doc.relpath,
                    Span(number, column, number, match.end + 1),
                    _message(match, f"the Procfile `{process}` command"),
                    fix=_RS301_FIX,
                )


def _instr_span(instr: Instruction, start: int, end: int) -> Span:
    return instr.span_of(start, end)


def _dockerfile_hits(ctx: Context) -> Iterator[Hit]:
    for doc in ctx.documents("dockerfile"):
        for instr in dockerfile_instructions(doc):
            if instr.keyword in ("ARG", "ENV"):
                for pair in pairs(instr):
                    if pair.value is None or not pair.raw_value:
                        continue
                    for match in _secrets_in(ctx, pair.raw_value, pair.name):
                        where = f"Dockerfile `{instr.keyword} {pair.name}`"
                        start = pair.value_offset + match.start
                        yield Hit(
                            doc.relpath,
                            _instr_span(instr, start, pair.value_offset + match.end),
                            _message(match, where),
                            fix=_RS301_FIX,
                        )
                continue
            for match in _secrets_in(ctx, instr.args):
                yield Hit(
                    doc.relpath,
                    _instr_span(instr, match.start, match.end),
                    _message(match, f"Dockerfile `{instr.keyword}`"),
                    fix=_RS301_FIX,
                )


def _iac_hits(ctx: Context) -> Iterator[Hit]:
    """Literal values of `env` / `variables` and commands in `.railway/railway.*`.

    A variable's value is also the `value` / `defaultValue` of a raw variable
    object (`{ value: "..." }`, sent to Railway verbatim, railway-iac.md §1.2),
    and a value computed by `ctx.randomString(label)` for a secret-named
    variable counts as written in the file: all three SDKs return a SHA-256
    prefix of "railway-iac:<environment>:<label>", which anyone with the
    repository can compute.
    """
    if not ctx.files("railway-iac"):
        return
    from railsafe.iac.values import Obj, Str, Val
    from railsafe.project.iac import iac_sources

    for source in iac_sources(ctx):
        seen: set[tuple[int, int]] = set()
        derived = {
            (note.span.line, note.span.column): note.detail
            for program in source.programs.values() for note in program.notes
            if note.code == "ctx-feature" and note.detail in _RANDOM_STRING
        }
        for env_services in source.services.values():
            for svc in env_services:
                values: list[tuple[str | None, Str, str]] = []
                for name, member in svc.variables.items():
                    where = f"`env` `{name}` of service {svc.name}"
                    given: list[Val] = [member.value]
                    if isinstance(member.value, Obj):
                        given = [v for k in ("value", "defaultValue")
                                 if (v := member.value.get(k)) is not None]
                    for value in given:
                        at = (value.span.line, value.span.column)
                        if at in derived and is_secret_name(name):
                            if at not in seen:
                                seen.add(at)
                                yield Hit(source.doc.relpath, value.span,
                                          f"derived secret in `{source.doc.path.name}` {where}: "
                                          f"{derived[at]}() is a SHA-256 of the environment "
                                          "name and a label written in the file; anyone with "
                                          "the repository can compute it",
                                          fix=_RS301_FIX + " In IaC, `preserve()` keeps the "
                                          "value set in Railway.")
                        elif isinstance(value, Str) and at not in derived:
                            values.append((name, value, where))
                commands = [svc.build_command, svc.start, *(svc.pre_deploy or ())]
                for command in commands:
                    if isinstance(command, Str):
                        values.append((None, command, f"a command of service {svc.name}"))
                for variable, text, where in values:
                    found = _secrets_in(ctx, text.text, variable or None)
                    for match in found:
                        if text.column is not None:
                            line = text.span.line
                            span = Span(line, text.column + match.start, line,
                                        text.column + match.end)
                        else:
                            span = text.span
                        if (span.line, span.column) in seen:
                            continue
                        seen.add((span.line, span.column))
                        yield Hit(source.doc.relpath, span,
                                  _message(match, f"`{source.doc.path.name}` {where}"),
                                  fix=_RS301_FIX + " In IaC, `preserve()` keeps the value set "
                                  "in Railway.")


# the ctx-feature notes of a random string (TypeScript, Python, Go spellings)
_RANDOM_STRING = frozenset({"ctx.randomString", "ctx.random_string", "ctx.RandomString"})


@rule("RS301", "literal-secret", Severity.ERROR)
def literal_secret(ctx: Context) -> Iterator[Hit]:
    """A password, token or key written literally into a config file or command.

    ## What it finds
    A credential written as a literal value in: `nixpacks.toml` / `nixpacks.json`
    `[variables]`, phase `cmds` and `start.cmd`; `railpack.json`
    `deploy.variables`, `steps.<name>.variables`, step commands and
    `deploy.startCommand`; a Dockerfile `ENV` value, `ARG` default or any other
    instruction (`RUN`, `CMD`, ...); a Procfile line; `buildCommand`,
    `startCommand` and `preDeployCommand` of `railway.toml` / `railway.json`
    (also under `environments.<name>` and in `build.nixpacksPlan`);
    `package.json` scripts; `env` / `variables` values and the commands of
    services in `.railway/railway.{ts,py,go}`; and `.env` files that are not git-ignored (so
    committed), where in templates (`.env.example`, `.env.sample`, ..., and an
    env file whose leading comments say to copy it) only URL passwords and token
    shapes count.

    A credential is the password of a URL (`postgresql://user:PASSWORD@host`,
    unless the host is `localhost` or another loopback address), a well-known
    token shape (GitHub, Stripe, AWS, OpenAI, Slack, JWT, private keys, ...), or
    a literal value given to a secret-named variable (`*_SECRET`, `*_TOKEN`,
    `*_KEY`, `PASSWORD`, `DATABASE_URL`, ...) or option (`--password`).
    References are not literals and are never reported: `${{Postgres.DATABASE_URL}}`,
    `$DATABASE_URL`, `DATABASE_URL=${DATABASE_URL} cmd`; neither are empty values
    and placeholders (`<password>`, `changeme`, `xxxx`, a real key prefix with
    placeholder words such as `sk-ant-your-key`, a value that echoes its name,
    `abcdef` / `123456` filler: the README's "What railsafe treats as a
    placeholder"). The finding points at the value and its message names the
    variable or kind, never the value.

    ## Why it matters on Railway
    Anyone who can read the repository (or a fork, or an old commit) has the
    credential. Railway makes it worse: `nixpacks.toml` variables are "included
    in the final image" (railway-facts §3.3) and `railpack.json`
    `deploy.variables` are baked into it (§4.2), so the value is readable with
    `docker inspect`; a Dockerfile `ENV` or `ARG` default is in the image
    config or history (§5.1); commands are echoed into build and deploy logs.
    A literal production `DATABASE_URL` (a `*.proxy.rlwy.net` host, §6.3) is
    reachable from anywhere, builds included.

    ## Fix
    Remove the value, rotate the credential (it stays in git history), and
    store it as a Railway service variable: reference it from other variables
    with `${{Service.VAR}}` (§6.2) and read it from the environment at run time.
    """
    yield from _config_hits(ctx)
    yield from _iac_hits(ctx)
    yield from _procfile_hits(ctx)
    yield from _dockerfile_hits(ctx)
    yield from _env_file_hits(ctx)


# -- RS302 / RS303 ----------------------------------------------------------------


@rule("RS302", "secret-build-arg", Severity.WARNING)
def secret_build_arg(ctx: Context) -> Iterator[Hit]:
    """A Dockerfile `ARG` whose name looks like a secret.

    ## What it finds
    `ARG NAME` (with or without a default, also several per line) where NAME
    looks like a credential: `*_SECRET`, `*_TOKEN`, `*_KEY`, `*PASSWORD*`,
    `DATABASE_URL`, `REDIS_URL`, ... Names that are public by design
    (`NEXT_PUBLIC_*`, `VITE_*`, `*_PUBLISHABLE_KEY`) or that describe a secret
    rather than hold one (`JWT_SECRET_TTL`, `API_KEY_PATH`, `PASSWORD_POLICY`,
    `JWT_SECRET_LENGTH`, `AUTH_ENABLED`, Rails' `SECRET_KEY_BASE_DUMMY`, the
    credentials-file path `GOOGLE_APPLICATION_CREDENTIALS`, a `*_URL` other
    than a data store's such as `PASSWORD_RESET_URL`) are not reported, nor
    are ordinary build arguments such as `NODE_VERSION`.

    ## Why it matters on Railway
    With the Dockerfile builder, Railway passes a service variable into the
    build only when the Dockerfile declares it with `ARG` (railway-facts §5.1,
    §5.2), so `ARG DATABASE_URL` is exactly what brings the production
    credential into the build. Build-argument values are recorded in the image
    history of every layer a `RUN` creates after the `ARG` (`docker history`
    shows them), and every command of the stage can read and log them.

    ## Fix
    Do the work that needs the secret at run time instead: in
    `preDeployCommand` (which runs with production variables on the private
    network, §7.1) or in the start command. If the build truly needs it, use a
    BuildKit secret mount (`RUN --mount=type=secret,...`), which never enters
    the image metadata, where your build setup supports it.
    """
    for doc in ctx.documents("dockerfile"):
        instructions = dockerfile_instructions(doc)
        lineage = final_lineage(instructions)
        for instr in instructions:
            if instr.keyword != "ARG":
                continue
            for pair in pairs(instr):
                if not is_secret_name(pair.name):
                    continue
                if instr.stage < 0 or instr.stage in lineage:
                    why = (
                        "build-argument values are recorded in the image history of the "
                        "layers built after it"
                    )
                else:
                    stage = stage_label(instructions, instr.stage)
                    why = (
                        f"its value is visible to the build steps of {stage} and to their "
                        "build cache and log, though not to the final image's history: the "
                        "final image is not built FROM that stage"
                    )
                yield Hit(
                    doc.relpath,
                    pair.name_span,
                    f"build argument `{pair.name}` looks like a secret, and {why}",
                    fix="Use it at run time (preDeployCommand or the start command), or "
                    "a BuildKit secret mount, instead of a build argument.",
                )


_REF = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?+\-][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))")


def final_lineage(instructions: list[Instruction]) -> set[int]:
    """The final stage and the stages it is built `FROM` (`dockerfile_stages.lineage`)."""
    from railsafe.loaders import dockerfile_stages

    return set(dockerfile_stages.lineage(instructions))


def stage_label(instructions: list[Instruction], index: int) -> str:
    """How messages name a stage: stage `build` for `AS build`, else stage 2."""
    from railsafe.loaders import dockerfile_stages

    found = dockerfile_stages.stages(instructions)
    name = found[index].name if 0 <= index < len(found) else None
    return f"stage `{name}`" if name else f"stage {index}"


@rule("RS303", "secret-baked-into-env", Severity.ERROR)
def secret_baked_into_env(ctx: Context) -> Iterator[Hit]:
    """A Dockerfile `ENV` that copies a secret build argument into the image.

    ## What it finds
    `ENV X=$X`, `ENV X=${X}`, `ENV URL=postgres://u:${DB_PASSWORD}@host/db` and
    the like, where the referenced variable is declared with `ARG` earlier in
    the same stage and it, or the `ENV` name, looks like a secret. A reference
    to a variable that is not an `ARG` of the stage expands to an earlier `ENV`
    or to nothing, so it is not reported. In an intermediate stage that the
    final image is not built `FROM`, the finding is a warning: the value is
    baked into that stage's image and build cache, not the deployed image.

    ## Why it matters on Railway
    Railway passes service variables into a Dockerfile build as build
    arguments of the declared `ARG`s (railway-facts §5.1). `ENV` then writes
    the value into the image configuration: every container started from the
    image, and anyone who can pull it, can read it with `docker inspect`. The
    Railway guide warns against exactly this (§5.1, Dockerfile builder).

    ## Fix
    Delete the `ENV` line. Railway already provides every service variable to
    the running container, so the value does not need to be in the image; if
    a build command needs it, pass it to that one `RUN` only (or use a
    BuildKit secret mount).
    """
    for doc in ctx.documents("dockerfile"):
        instructions = dockerfile_instructions(doc)
        lineage = final_lineage(instructions)
        args_in_stage: dict[int, set[str]] = {}
        for instr in instructions:
            declared = args_in_stage.setdefault(instr.stage, set())
            if instr.keyword == "ARG":
                declared.update(p.name for p in pairs(instr))
                continue
            if instr.keyword != "ENV" or instr.stage < 0:
                continue
            for pair in pairs(instr):
                if pair.raw_value.startswith("'"):
                    continue  # single quotes: no expansion
                for ref in _REF.finditer(pair.raw_value):
                    source = ref[1] or ref[2]
                    if source not in declared:
                        continue
                    if not (is_secret_name(source) or is_secret_name(pair.name)):
                        continue
                    final = instr.stage in lineage
                    where = "the image" if final else f"the intermediate stage {instr.stage}"
                    copied = (
                        f"`{source}`" if source == pair.name else f"`{source}` (as `{pair.name}`)"
                    )
                    yield Hit(
                        doc.relpath,
                        pair.name_span,
                        f"ENV bakes the secret build argument {copied} into {where}'s "
                        "configuration, readable with `docker inspect`",
                        fix="Delete this ENV: Railway provides service variables to the "
                        "running container.",
                        severity=None if final else Severity.WARNING,
                    )
                    break


# -- RS305 ------------------------------------------------------------------------


@rule("RS305", "railpack-step-secrets-no-restriction", Severity.INFO)
def railpack_step_secrets_no_restriction(ctx: Context) -> Iterator[Hit]:
    """A `railpack.json` step `secrets` list, which does not restrict what the step sees.

    ## What it finds
    `steps.<name>.secrets` set to a list without `"*"`: `[]` or a list of
    variable names, as if it limited the variables the step's commands can
    read.

    ## Why it matters on Railway
    Railpack mounts every variable it is given, and Railway gives it every
    service variable, `DATABASE_URL` included, into every command of every
    step: "We want to add all secrets to all commands, even if they are not
    specified in the step" (railway-facts §5.1). A step's `secrets` only
    decides which variables invalidate the step's layer cache when they
    change. The Railpack docs sentence saying an empty array makes no secrets
    available contradicts the code (§5.1). A step that must not see
    production credentials still sees them.

    ## Fix
    Keep the list if you want it for caching, but do not rely on it for
    isolation: move commands that must not touch production data out of the
    build, or use a Dockerfile and declare only the `ARG`s the build needs
    (§5.2).
    """
    for doc in ctx.documents("railpack-json"):
        data = doc.data
        steps = data.get("steps") if isinstance(data, dict) else None
        if not isinstance(steps, dict):
            continue
        for name, step in steps.items():
            if not isinstance(step, dict):
                continue
            secrets = step.get("secrets")
            if not isinstance(secrets, list) or "*" in secrets:
                continue
            listed = "an empty list" if not secrets else "a list of names"
            yield hit(
                doc,
                ("steps", name, "secrets"),
                f"step `{name}` sets `secrets` to {listed}: this only decides which "
                "variables invalidate the step's cache; every service variable is still "
                "available to every command of the step",
                fix="Do not rely on step `secrets` to keep production variables out of a "
                "build step.",
            )

"""`railsafe init`: a hardened `.railway/railway.ts` (or `.py`) for the stack it finds.

Every choice carries a one-line comment saying why. The result is checked
with railsafe's own rules in a temporary copy before anything is written, and
init refuses to write a file with a finding. It writes only new files; a file
that exists is replaced only with `--force`, which keeps a backup. Changes to
existing dependency files (railsafe's pytest plugin, `railsafe[postgres]` for
`railsafe db verify` in the pre-deploy) are printed, and applied only with
`--force`. It never writes `railway.toml` / `railway.json`: Railway stopped
reading them on 2026-12-01.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from railsafe.dates import CONFIG_AS_CODE_CUTOFF
from railsafe.loaders import CONFIG_FILES, RAILWAY_KINDS
from railsafe.writers.detect import TEST_FILES as TEST_REQUIREMENTS
from railsafe.writers.detect import Stack, detect, load_stacks_table
from railsafe.writers.emit import (
    INDENT,
    Lang,
    comment,
    identifier,
    key,
    literal,
    partial_name,
    string,
)
from railsafe.writers.files import Planned

# railway.toml / railway.json, as the loaders name them
CONFIG_AS_CODE_FILES = frozenset(name for name, (kind, _) in CONFIG_FILES.items()
                                 if kind in RAILWAY_KINDS)
PM_EXEC = {"npm": "npx", "pnpm": "pnpm exec", "yarn": "yarn", "bun": "bunx"}
PM_RUN = {"npm": "npm run", "pnpm": "pnpm run", "yarn": "yarn", "bun": "bun run"}
REFUSED = (f"Railway stopped reading railway.toml / railway.json on "
           f"{CONFIG_AS_CODE_CUTOFF.isoformat()}: init writes "
           ".railway/railway.ts (or --lang py) instead")
SNAPSHOT = "/tmp/railsafe-before.json"


@dataclass
class Edit:
    """A line to add to an existing dependency file: printed, applied with --force."""

    relpath: str
    what: str  # "railsafe (the pytest plugin)"
    line: str  # the text to add
    apply: Any = None  # callable(text) -> new text, or None when only printed


@dataclass
class InitPlan:
    root: Path
    lang: Lang
    stacks: list[Stack]
    files: list[Planned] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _fill(template: str, stack: Stack) -> str:
    pm = stack.package_manager or "npm"
    values = {"pm_exec": PM_EXEC.get(pm, "npx"), "pm_run": PM_RUN.get(pm, "npm run"),
              "main": "main.py", "wsgi": "app:app", "asgi": "main:app", **stack.values}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def _github_repo(root: Path) -> str | None:
    """owner/name of the `origin` remote when it is on GitHub (read from .git/config)."""
    config = root / ".git" / "config"
    if not config.is_file():
        return None
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(config.read_text(encoding="utf-8", errors="replace"))
    except configparser.Error:
        return None
    url = parser.get('remote "origin"', "url", fallback="")
    match = re.search(r"github\.com[:/]([\w.-]+/[\w.-]+?)(?:\.git)?/?$", url)
    return match.group(1) if match else None


@dataclass
class _Member:
    key: str
    value: Any  # plain data, or _Code
    why: str


@dataclass
class _Code:
    ts: str
    py: str


def _settings(stack: Stack, table: dict[str, Any], partial: bool) -> tuple[
        list[_Member], list[_Member], list[str]]:
    """(build members, deploy members, notes) for one service."""
    entry = table.get(stack.kind, {})
    build: list[_Member] = []
    deploy: list[_Member] = []
    notes: list[str] = []
    prefix = "" if stack.directory == "." else stack.directory + "/"
    if stack.dockerfile:
        build.append(_Member("builder", "DOCKERFILE", "the Dockerfile builds this service, as "
                             "Railway would anyway: saying so keeps the plan honest"))
        build.append(_Member("dockerfilePath", f"{prefix}Dockerfile",
                             "the Dockerfile, from the repository root"))
    else:
        build.append(_Member("builder", "RAILPACK", "an explicit builder: Railpack, Railway's "
                             "default (Nixpacks is in maintenance mode)"))
        if entry.get("build"):
            build.append(_Member("buildCommand", _fill(entry["build"], stack),
                                 "the build only builds: no tests, no migrations (the build "
                                 "cannot reach the private database)"))
    build.append(_Member(
        "watchPatterns",
        [f"{prefix}**", f"!{prefix}tests/**", f"!{prefix}test/**", f"!{prefix}docs/**",
         f"!{prefix}**/*.md"],
        "only changes to the app redeploy it: tests and docs do not"))
    migration = table["migrations"].get(stack.migration or "")
    if migration:
        command = _fill(migration, stack)
        why = "migrations run once per release, before it takes traffic, in one command"
        if stack.database and stack.language == "python":
            command = (f"railsafe db snapshot -o {SNAPSHOT} && {command} && "
                       f"railsafe db verify --against {SNAPSHOT} --max-drop 10%")
            why += "; railsafe db stops the deploy if a table lost more than 10% of its rows"
            notes.append(f"{stack.name}: the pre-deploy runs `railsafe db`: railsafe[postgres] "
                         "must be in the app's dependencies")
        elif stack.database:
            notes.append(f"{stack.name}: `railsafe db verify` needs Python in the image; once "
                         "it is there, join it to the pre-deploy with && (README: railsafe db)")
        deploy.append(_Member("preDeployCommand", [command], why))
    if entry.get("start") and not stack.dockerfile:
        deploy.append(_Member("startCommand", _fill(entry["start"], stack),
                              "starts the server only: nothing that changes data"))
    if entry.get("healthcheck"):
        deploy.append(_Member("healthcheckPath", entry["healthcheck"],
                              entry.get("healthcheck_why", "a new release takes traffic only "
                                        "once this answers 200")))
        deploy.append(_Member("healthcheckTimeout", 120,
                              "seconds a release may take to answer before Railway gives up"))
    deploy.append(_Member("restartPolicyType", "ON_FAILURE",
                          "restart after a crash, not after a clean exit"))
    deploy.append(_Member("restartPolicyMaxRetries", 5,
                          "bounded: a crash loop stops instead of restarting forever"))
    return build, deploy, notes


def _object(members: list[_Member], lang: Lang, depth: int) -> list[str]:
    pad = INDENT * depth
    lines = ["{"]
    for m in members:
        value = m.value
        text = (value.ts if lang == "ts" else value.py) if isinstance(value, _Code) \
            else literal(value, lang, depth)
        lines.append(pad + comment(m.why, lang))
        lines.append(f"{pad}{key(m.key, lang)}: {text},")
    lines.append(INDENT * (depth - 1) + "}")
    return lines


def render(root: Path, stacks: list[Stack], lang: Lang, partial: bool,
           table: dict[str, Any]) -> tuple[str, list[str]]:
    """The IaC file for `stacks`, and notes for the user."""
    notes: list[str] = []
    database = any(s.database for s in stacks)
    secrets = any(s.secrets for s in stacks)
    repo = _github_repo(root)
    names = ["defineRailway", "project", "service"]
    if database:
        names.append("postgres")
    if secrets:
        names.append("preserve")
    if repo and any(s.directory != "." for s in stacks):
        names.append("github")
    names.sort()
    labels = ", ".join(f"{s.name} ({table.get(s.kind, {}).get('label', s.kind)}"
                       + (f", {s.package_manager}" if s.package_manager else "") + ")"
                       for s in stacks)
    c = lambda text: comment(text, lang)  # noqa: E731
    out = [
        c(f".railway/railway.{lang}, written by `railsafe init` for {labels}."),
        c("Each setting says why it is there. Check changes with `railsafe check`; apply with"),
        c("`railway config plan`, then `railway config apply` (Railway does not read this "
          "file on deploy)."),
    ]
    if lang == "ts":
        out.append(f"import {{ {', '.join(names)} }} from \"railway/iac\";")
    else:
        py_names = sorted("define_railway" if n == "defineRailway" else n for n in names)
        out.append(f"from railway_sdk import {', '.join(py_names)}")
    out.append("")
    if partial:
        out.append(c("partial: this file manages only what it declares; the project's other "
                     "services,"))
        out.append(c("databases and volumes stay as they are (a whole-project file plans "
                     "their deletion)."))
        name = string(partial_name(root.resolve().name))  # a name: `true` is no partial (F23)
        out.append(f"export const partial = {name};" if lang == "ts" else f"PARTIAL = {name}")
        out.append("")
    if lang == "ts":
        out.append("export default defineRailway(() => {")
    else:
        out += ["", "@define_railway", "def main(ctx=None):"]
    body: list[str] = []
    resources: list[str] = []
    taken: set[str] = {"db"}
    if database:
        body.append(INDENT + c("the database, named like Railway's Postgres template: use your "
                               "database's name if it differs"))
        body.append(INDENT + ("const db = " if lang == "ts" else "db = ")
                    + 'postgres("Postgres")' + (";" if lang == "ts" else ""))
        body.append("")
        resources.append("db")
    for stack in stacks:
        build, deploy, stack_notes = _settings(stack, table, partial)
        notes += stack_notes + [f"{stack.name}: {n}" for n in stack.notes]
        var = identifier(stack.name, taken)
        resources.append(var)
        pad = INDENT * 2
        members: list[str] = []
        if stack.directory != ".":
            if repo:
                members.append(pad + c("built from its directory of the repository"))
                src = (f'github({string(repo)}, {{ rootDirectory: {string(stack.directory)} }})'
                       if lang == "ts" else
                       f'github({string(repo)}, rootDirectory={string(stack.directory)})')
                members.append(f"{pad}source{': ' if lang == 'ts' else '='}{src},")
            else:  # a root directory without a source compiles to an empty source (RS515)
                members.append(pad + c(f"built from {stack.directory}/: no GitHub remote was "
                                       "found, so set the root directory in the service's"))
                members.append(pad + c("settings, or add `source: github(\"owner/repo\", "
                                       f"{{ rootDirectory: {string(stack.directory)} }})`"))
        for section, values in (("build", build), ("deploy", deploy)):
            obj = _object(values, lang, 3)
            members.append(f"{pad}{section}{': ' if lang == 'ts' else '='}{obj[0]}")
            members += obj[1:-1]
            members.append(obj[-1] + ",")
        env: list[_Member] = []
        if stack.database:
            env.append(_Member("DATABASE_URL", _Code("db.env.DATABASE_URL", "db.env.DATABASE_URL"),
                               "a reference to the database, never a literal URL"))
        for secret in stack.secrets:
            env.append(_Member(secret, _Code("preserve()", "preserve()"),
                               "a secret: keep the value set in Railway, never write it here"))
        if env:
            obj = _object(env, lang, 3)
            members.append(f"{pad}env{': ' if lang == 'ts' else '='}{obj[0]}")
            members += obj[1:-1]
            members.append(obj[-1] + ",")
        members.insert(0, pad + c("variables not listed here: `railway config plan` shows "
                                  "them as deleted unless declared (preserve() keeps one)"))
        if lang == "ts":
            body.append(f"{INDENT}const {var} = service({string(stack.name)}, {{")
            body += members
            body.append(f"{INDENT}}});")
        else:
            body.append(f"{INDENT}{var} = service(")
            body.append(f"{pad}{string(stack.name)},")
            body += members
            body.append(f"{INDENT})")
        body.append("")
    name = partial_name(root.resolve().name)
    if lang == "ts":
        body.append(f"{INDENT}return project({string(name)}, {{ resources: "
                    f"[{', '.join(resources)}] }});")
        body.append("});")
    else:
        body.append(f"{INDENT}return project({string(name)}, resources=[{', '.join(resources)}])")
    return "\n".join(out + body) + "\n", notes


# -- dependency files -----------------------------------------------------------------


def _has_railsafe(text: str) -> bool:
    return re.search(r"(?im)^[\s\"']*railsafe\b", text) is not None or \
        re.search(r"""["']railsafe[\[>=<~!;"' ]""", text) is not None


def _append_line(line: str) -> Any:
    def apply(text: str) -> str:
        return text + ("" if text.endswith("\n") or not text else "\n") + line + "\n"
    return apply


def _toml_array_add(path: tuple[str, ...], item: str) -> Any:
    def apply(text: str) -> str:
        import tomlkit

        doc = tomlkit.parse(text)
        node: Any = doc
        for part in path:
            node = node[part]
        node.append(item)
        return tomlkit.dumps(doc)
    return apply


def _dependency_edits(root: Path, stack: Stack) -> list[Edit]:
    """railsafe for the pytest plugin (test dependencies) and, with a database, the
    `railsafe[postgres]` runtime dependency the pre-deploy command needs."""
    import tomllib

    directory = root / stack.directory
    prefix = "" if stack.directory == "." else stack.directory + "/"
    edits: list[Edit] = []
    pyproject_text = ""
    pyproject: dict[str, Any] = {}
    if (directory / "pyproject.toml").is_file():
        pyproject_text = (directory / "pyproject.toml").read_text(encoding="utf-8",
                                                                  errors="replace")
        try:
            pyproject = tomllib.loads(pyproject_text)
        except tomllib.TOMLDecodeError:
            pyproject = {}
    if stack.pytest:
        edit: Edit | None = None
        for name in TEST_REQUIREMENTS:
            path = directory / name
            if path.is_file():
                if not _has_railsafe(path.read_text(encoding="utf-8", errors="replace")):
                    edit = Edit(prefix + name, "railsafe (its pytest plugin guards the test "
                                "database)", "railsafe", _append_line("railsafe"))
                else:
                    edit = Edit(prefix + name, "", "")
                break
        if edit is None and pyproject:
            groups = [("project", "optional-dependencies", g) for g in ("test", "tests", "dev")] \
                + [("dependency-groups", g) for g in ("test", "tests", "dev")]
            for path_keys in groups:
                node: Any = pyproject
                for part in path_keys:
                    node = node.get(part) if isinstance(node, dict) else None
                if isinstance(node, list):
                    if not any(isinstance(i, str) and _has_railsafe(f'"{i}"') for i in node):
                        edit = Edit(prefix + "pyproject.toml",
                                    f"railsafe in [{'.'.join(path_keys[:-1])}] "
                                    f"{path_keys[-1]} (its pytest plugin guards the test database)",
                                    '"railsafe"', _toml_array_add(tuple(path_keys), "railsafe"))
                    else:
                        edit = Edit(prefix + "pyproject.toml", "", "")
                    break
        requirements = directory / "requirements.txt"
        if edit is None and requirements.is_file() and "pytest" in requirements.read_text(
                encoding="utf-8", errors="replace").lower():
            # pytest is a declared dependency there: railsafe goes beside it
            text = requirements.read_text(encoding="utf-8", errors="replace")
            edit = Edit(prefix + "requirements.txt", "", "") if _has_railsafe(text) else None
            if edit is None and not (stack.database and stack.migration
                                     and stack.language == "python"):
                edit = Edit(prefix + "requirements.txt", "railsafe (its pytest plugin guards "
                            "the test database)", "railsafe", _append_line("railsafe"))
            edit = edit or Edit(prefix + "requirements.txt", "", "")  # railsafe[postgres] below
        if edit is None:
            edit = Edit(prefix + "(your test dependencies)",
                        "railsafe (its pytest plugin guards the test database)", "railsafe")
        if edit.line:
            edits.append(edit)
    if stack.database and stack.migration and stack.language == "python":
        runtime = "railsafe[postgres]"
        req = directory / "requirements.txt"
        deps = pyproject.get("project", {}).get("dependencies") if pyproject else None
        if req.is_file():
            if not _has_railsafe(req.read_text(encoding="utf-8", errors="replace")):
                edits.append(Edit(prefix + "requirements.txt", "railsafe[postgres] (the "
                                  "pre-deploy runs `railsafe db`)", runtime,
                                  _append_line(runtime)))
        elif isinstance(deps, list):
            if not any(isinstance(i, str) and _has_railsafe(f'"{i}"') for i in deps):
                edits.append(Edit(prefix + "pyproject.toml", "railsafe[postgres] in "
                                  "[project] dependencies (the pre-deploy runs `railsafe db`)",
                                  f'"{runtime}"', _toml_array_add(("project", "dependencies"),
                                                                  runtime)))
        else:
            edits.append(Edit(prefix + "(your dependencies)", "railsafe[postgres] (the "
                              "pre-deploy runs `railsafe db`)", runtime))
    return edits


def plan(root: Path, *, lang: Lang = "ts", whole_project: bool = False) -> InitPlan:
    stacks = detect(root)
    table = load_stacks_table()
    text, notes = render(root, stacks, lang, not whole_project, table)
    result = InitPlan(root, lang, stacks, [Planned(f".railway/railway.{lang}", text)],
                      notes=notes)
    for stack in stacks:
        result.edits += _dependency_edits(root, stack)
    return result


def context_files(root: Path, stacks: list[Stack]) -> tuple[str, ...]:
    """The files of each service directory a check of the written file needs to see
    (manifests, Dockerfile, manage.py, ...): its regular top-level files but `.env*`."""
    out: list[str] = []
    for stack in stacks:
        directory = root / stack.directory
        for path in sorted(directory.iterdir()):
            if path.is_file() and not path.is_symlink() and not path.name.startswith(".env") \
                    and path.name not in CONFIG_AS_CODE_FILES and path.stat().st_size < 1_000_000:
                out.append(path.relative_to(root).as_posix())
    return tuple(out)

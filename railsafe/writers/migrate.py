"""`railsafe migrate`: every Config as Code file of a repository into one
`.railway/railway.ts` (or `.py`) that keeps every setting.

Railway stopped reading `railway.toml` / `railway.json` on 2026-12-01 and its
own `railway config migrate` drops or comments out builder, Dockerfile path,
watch patterns, cron, restart policy, draining, overlap, sleep and every
`environments.*` override (railway-iac.md §2.6, §6). The SDK's typed `build`
and `deploy` objects accept all of them (§1.2), so each service is written as

    service("<name>", { rootDirectory, build: { ...build keys }, deploy: { ...deploy keys } })

with the values copied as they are (a one-command `preDeployCommand` string
becomes the one-element list the SDK's type asks for). An `environments.<name>`
override becomes a `ctx.environment === "<name>"` branch holding the merged
settings (override over base, as Railway merged them). Multi-region settings
stay in `deploy.multiRegionConfig`, which keeps their counts (the `replicas`
shortcut would lose them). What the SDK cannot express (a key that is not a
Railway setting, `registryCredentials`, which holds a password) is reported
by key and line and never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from railsafe.iac.normalise import BUILD_KEYS, DEPLOY_KEYS
from railsafe.loaders import RAILWAY_KINDS, Document
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

SECTIONS = ("build", "deploy")
# not carried although the SDK types it: a password has no place in a committed file
_SECRET_KEYS = {("deploy", "registryCredentials")}
# rules about the old file itself: not worth a comment in the new one
_FILE_RULES = {"RS005", "RS008", "RS510", "RS511"}
# findings --harden resolves: test runners, a migration in the build
_HARDENED_RULES = {"RS101", "RS102", "RS104"}


@dataclass
class Row:
    """One line of the table of what moved where."""

    where: str  # "backend/railway.toml:5"
    setting: str  # "deploy.startCommand", "environments.production.deploy.numReplicas"
    target: str  # "service backend: deploy.startCommand" or "NOT CARRIED"
    note: str = ""


@dataclass
class Source:
    """One Config as Code file and the service it becomes."""

    doc: Document
    directory: str  # relative to the root, "." for the root
    name: str
    var: str = ""
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)  # build / deploy
    environments: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)  # key path -> line
    notes: dict[tuple[str, ...], list[str]] = field(default_factory=dict)  # comments
    hardened: set[tuple[str, ...]] = field(default_factory=set)  # paths --harden changed


@dataclass
class Migration:
    root: Path
    lang: Lang
    sources: list[Source]
    rows: list[Row]
    lost: list[Row]  # settings not carried (also in rows)
    skipped: list[str]  # files not migrated, with the reason
    text: str = ""

    @property
    def relpath(self) -> str:
        return f".railway/railway.{self.lang}"

    def table(self) -> str:
        rows = [("from", "setting", "to", "note")] + [
            (r.where, r.setting, r.target, r.note) for r in self.rows
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        out = []
        for r in rows:
            out.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(r[:3])) + "  " + r[3])
        return "\n".join(line.rstrip() for line in out) + "\n"


class MigrateError(Exception):
    """Nothing to migrate, or the target cannot be read: one line for the user."""


def _config_files(root: Path) -> tuple[list[Document], list[str]]:
    """Every railway.toml / railway.json under `root` (one per directory: the TOML file
    wins, as Railway and the CLI choose it), and the files left out with why."""
    from railsafe.discover import discover
    from railsafe.loaders import load

    discovery = discover([root])
    by_dir: dict[str, list[Document]] = {}
    for f in discovery.of_kind(*RAILWAY_KINDS):
        if f.path.name not in ("railway.toml", "railway.json"):
            continue
        doc = load(f.path, f.relpath, f.kind, f.syntax)
        by_dir.setdefault(str(Path(f.relpath).parent.as_posix()), []).append(doc)
    docs: list[Document] = []
    skipped: list[str] = []
    for directory in sorted(by_dir):
        found = sorted(by_dir[directory], key=lambda d: d.path.name != "railway.toml")
        first, rest = found[0], found[1:]
        for other in rest:
            skipped.append(f"{other.relpath}: Railway read {first.path.name} in the same "
                           "directory and ignored this file")
        if first.error is not None:
            skipped.append(f"{first.relpath}:{first.error.span.line}: does not parse "
                           f"({first.error.message}); fix it, then migrate")
            continue
        if not isinstance(first.data, dict):
            skipped.append(f"{first.relpath}: not a table / object at its top level")
            continue
        docs.append(first)
    return docs, skipped


def _service_name(directory: str, root: Path, names: dict[str, str]) -> str:
    if directory in names:
        return names[directory]
    base = root.resolve().name if directory == "." else Path(directory).name
    clean = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.") or "web"
    return clean[:64]


def _line(doc: Document, path: tuple[str | int, ...]) -> int:
    entry = doc.entry(path)
    return entry.key.line if entry is not None else doc.locate(path).line


def _carry(doc: Document, src: Source, prefix: tuple[str, ...], section: str,
           values: dict[str, Any], rows: list[Row], lost: list[Row],
           harden: bool) -> dict[str, Any]:
    """The settings of one `build` / `deploy` table that the SDK can hold."""
    out: dict[str, Any] = {}
    allowed = BUILD_KEYS if section == "build" else DEPLOY_KEYS
    env_path: tuple[str, ...] = (prefix[1],) if prefix[:1] == ("environments",) else ()
    label = f"environments.{prefix[1]}." if env_path else ""
    for name, value in values.items():
        path = (*prefix, name)
        where = f"{doc.relpath}:{_line(doc, path)}"
        setting = f"{label}{section}.{name}"
        if name not in allowed or (section, name) in _SECRET_KEYS:
            why = ("holds a password: set it in the service settings, never in a file"
                   if (section, name) in _SECRET_KEYS
                   else f"not a Railway {section} setting: Railway ignored it, and the SDK "
                        "has no such key")
            row = Row(where, setting, "NOT CARRIED", why)
            rows.append(row)
            lost.append(row)
            continue
        if value is None:
            rows.append(Row(where, setting, "-", "null (unset): nothing to carry"))
            out[name] = None
            continue
        note = ""
        if name == "preDeployCommand" and isinstance(value, str):
            value = [value]
            note = "a string becomes the one-element list the SDK types"
        out[name] = value
        src.lines[(*env_path, section, name)] = _line(doc, path)
        target = f"service {src.name}: {section}.{name}"
        if prefix[:1] == ("environments",):
            target += f" when ctx.environment === {string(prefix[1])}"
        rows.append(Row(where, setting, target, note))
    if harden:
        _harden(out, section, src, env_path, rows)
    return out


def _harden(out: dict[str, Any], section: str, src: Source, env_path: tuple[str, ...],
            rows: list[Row]) -> None:
    from railsafe.writers.shell_edit import without_tests

    label = f"environments.{env_path[0]}." if env_path else ""
    for name in ("buildCommand", "startCommand"):
        value = out.get(name)
        if isinstance(value, str):
            changed = without_tests(value)
            if changed is not None:
                out[name] = changed
                src.hardened.add((*env_path, section, name))
                src.notes.setdefault((*env_path, section, name), []).append(
                    f"--harden removed the test run: was {value!r}")
                rows.append(Row(src.doc.relpath, f"{label}{section}.{name}", "hardened",
                                "test runner removed"))
    pre = out.get("preDeployCommand")
    if isinstance(pre, list) and len(pre) == 1 and isinstance(pre[0], str):
        changed = without_tests(pre[0])
        if changed is not None:
            out["preDeployCommand"] = [changed]
            src.hardened.add((*env_path, section, "preDeployCommand"))
            src.notes.setdefault((*env_path, section, "preDeployCommand"), []).append(
                f"--harden removed the test run: was {pre[0]!r}")


def _move_migration(src: Source, rows: list[Row]) -> None:
    """--harden: a migration in the base build command moves to an empty pre-deploy."""
    from railsafe.writers.shell_edit import split_migration

    build, deploy = src.sections.get("build", {}), src.sections.setdefault("deploy", {})
    value = build.get("buildCommand")
    if not isinstance(value, str) or deploy.get("preDeployCommand"):
        return
    split = split_migration(value)
    if split is None:
        return
    build["buildCommand"], deploy["preDeployCommand"] = split[0], [split[1]]
    src.hardened.update({("build", "buildCommand"), ("deploy", "preDeployCommand")})
    src.notes.setdefault(("deploy", "preDeployCommand"), []).append(
        f"--harden moved the migration out of the build command (was {value!r}): the build "
        "cannot reach the private database, the pre-deploy runs once per release")
    rows.append(Row(src.doc.relpath, "build.buildCommand", "hardened",
                    "migration moved to deploy.preDeployCommand"))


def _finding_notes(root: Path, sources: list[Source], lost: list[Row]) -> None:
    """Comments naming railsafe's findings on each carried setting (`RS101 ...`); a key
    not carried that is a typo of a setting says that `railsafe fix` renames it."""
    from railsafe.engine import check

    report = check([root])
    for row in lost:
        for f in report.findings:
            meant = re.search(r"did you mean `([A-Za-z]+)`", f.message)
            if f.rule == "RS002" and meant and row.where == f"{f.path}:{f.span.line}":
                row.note += f" (a typo of {meant.group(1)}: `railsafe fix` renames it; then " \
                            "migrate again)"
    by_file: dict[str, list[Any]] = {}
    for finding in report.findings:
        if finding.rule not in _FILE_RULES:
            by_file.setdefault(finding.path, []).append(finding)
    for src in sources:
        findings = by_file.get(src.doc.relpath, [])
        for path, line in src.lines.items():
            doc_path: tuple[str | int, ...] = (("environments", *path)
                                               if len(path) == 3 else path)
            entry = src.doc.entry(doc_path)
            last = entry.whole.end_line if entry is not None else line
            for f in findings:
                if path in src.hardened and f.rule in _HARDENED_RULES:
                    continue  # the value written is no longer the one the finding is about
                if line <= f.span.line <= last:
                    message = f.message.split("; Railway stopped reading")[0]
                    text = f"railsafe {f.rule} {f.name}: {message}"
                    if text not in src.notes.get(path, []):
                        src.notes.setdefault(path, []).append(text)


def plan(root: Path, *, lang: Lang = "ts", names: dict[str, str] | None = None,
         harden: bool = False, project_name: str | None = None,
         annotate: bool = True) -> Migration:
    """Read every Config as Code file under `root` and build the migrated file."""
    docs, skipped = _config_files(root)
    if not docs:
        detail = ("; " + "; ".join(skipped)) if skipped else ""
        raise MigrateError(f"no railway.toml or railway.json to migrate under {root}{detail}")
    names = names or {}
    rows: list[Row] = []
    lost: list[Row] = []
    sources: list[Source] = []
    used: dict[str, int] = {}
    taken: set[str] = set()
    for doc in docs:
        directory = Path(doc.relpath).parent.as_posix()
        name = _service_name(directory, root, names)
        if name in used:
            used[name] += 1
            name = f"{name}-{used[name]}"
        used.setdefault(name, 1)
        src = Source(doc, directory, name)
        src.var = identifier(name, taken)
        data = doc.data
        for top, value in data.items():
            where = f"{doc.relpath}:{_line(doc, (top,))}"
            if top == "$schema":
                rows.append(Row(where, "$schema", "-", "an editor hint, not a setting"))
            elif top in SECTIONS and isinstance(value, dict):
                src.sections[top] = _carry(doc, src, (top,), top, value, rows, lost, harden)
            elif top == "environments" and isinstance(value, dict):
                for env, override in value.items():
                    if not isinstance(override, dict):
                        row = Row(f"{doc.relpath}:{_line(doc, (top, env))}", f"environments.{env}",
                                  "NOT CARRIED", "not a table / object")
                        rows.append(row)
                        lost.append(row)
                        continue
                    carried: dict[str, dict[str, Any]] = {}
                    for section, values in override.items():
                        path = (top, env, section)
                        if section in SECTIONS and isinstance(values, dict):
                            carried[section] = _carry(doc, src, path, section, values, rows,
                                                      lost, harden)
                        else:
                            row = Row(f"{doc.relpath}:{_line(doc, path)}",
                                      f"environments.{env}.{section}", "NOT CARRIED",
                                      "not a build or deploy table: Railway ignored it")
                            rows.append(row)
                            lost.append(row)
                    if not carried and override:
                        row = Row(f"{doc.relpath}:{_line(doc, (top, env))}",
                                  f"environments.{env}", "NOT CARRIED",
                                  "holds no build or deploy table: Railway read nothing here")
                        rows.append(row)
                        lost.append(row)
                        continue
                    src.environments[str(env)] = carried
                    if env == "pr":
                        rows.append(Row(f"{doc.relpath}:{_line(doc, (top, env))}",
                                        "environments.pr", f"service {name}",
                                        "Railway applied `pr` to every PR environment; the "
                                        "branch matches an environment named pr: add your PR "
                                        "environments' names"))
            else:
                row = Row(where, str(top), "NOT CARRIED",
                          "not a Railway setting: Railway ignored it")
                rows.append(row)
                lost.append(row)
        if harden:
            _move_migration(src, rows)
        sources.append(src)
    if annotate:
        _finding_notes(root, sources, lost)
    migration = Migration(root, lang, sources, rows, lost, skipped)
    migration.text = render(migration, project_name or _project_name(root))
    return migration


def _project_name(root: Path) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", root.resolve().name).strip("-.") or "app"


# -- rendering ------------------------------------------------------------------------


def merged(src: Source, section: str, env: str | None) -> dict[str, Any]:
    """The settings of `section` in environment `env` (None: the base), as Railway
    merged them: the override's keys over the base's; a null is unset."""
    base = dict(src.sections.get(section, {}))
    if env is not None:
        base.update(src.environments.get(env, {}).get(section, {}))
    return {k: v for k, v in base.items() if v is not None}


def _section_lines(src: Source, section: str, env: str | None, lang: Lang,
                   depth: int) -> list[str]:
    """The members of `section` in `env`, one a line at `depth` (comments above)."""
    values = merged(src, section, env)
    pad = INDENT * depth
    lines: list[str] = []
    for name, value in values.items():
        path: tuple[str, ...] = (section, name)
        if env is not None and name in src.environments.get(env, {}).get(section, {}):
            path = (env, section, name)
        for note in src.notes.get(path, []):
            lines.append(pad + comment(note, lang))
        line = src.lines.get(path)
        where = f"  {comment(f'{src.doc.relpath}:{line}', lang)}" if line else ""
        lines.append(f"{pad}{key(name, lang)}: {literal(value, lang, depth)},{where}")
    return lines


def _section(src: Source, section: str, lang: Lang, depth: int) -> list[str]:
    """`{...}` or, with overrides, a chain of `ctx.environment` branches, each a whole
    object (the merged settings of that environment); the first line has no indent."""
    envs = [e for e, parts in src.environments.items() if section in parts]
    pad = INDENT * depth
    out: list[str] = []
    opener = ""
    for env in envs:
        body = _section_lines(src, section, env, lang, depth + 1)
        if lang == "ts":
            out.append(f"{opener}ctx.environment === {string(env)} ? {{")
            out.extend(body)
            opener = f"{pad}}} : "
        else:
            out.append(f"{opener}{{")
            out.extend(body)
            opener = f"{pad}}} if ctx is not None and ctx.environment == {string(env)} else "
    out.append(f"{opener}{{")
    out.extend(_section_lines(src, section, None, lang, depth + 1))
    out.append(f"{pad}}}")
    return out


def _service_block(src: Source, lang: Lang) -> list[str]:
    pad = INDENT * 2
    lines = [f"{INDENT}{comment('from ' + src.doc.relpath, lang)}"]
    if lang == "ts":
        lines.append(f"{INDENT}const {src.var} = service({string(src.name)}, {{")
    else:
        lines.append(f"{INDENT}{src.var} = service(")
        lines.append(f"{pad}{string(src.name)},")
    assign = ": " if lang == "ts" else "="
    lines.append(pad + comment(
        "variables: Config as Code files hold none; `railway config plan` shows every variable "
        "of the service not declared here as deleted (declare each: preserve() keeps a value)",
        lang))
    if src.directory != ".":
        lines.append(pad + comment(
            f"the directory {src.doc.path.name} was in. Without a source this is an empty "
            "source with this root: check `railway config plan` keeps the repository", lang))
        lines.append(f"{pad}rootDirectory{assign}{string(src.directory)},")
    for section in SECTIONS:
        if section not in src.sections and not any(
                section in parts for parts in src.environments.values()):
            continue
        body = _section(src, section, lang, 2)
        lines.append(f"{pad}{section}{assign}{body[0]}")
        lines.extend(body[1:])
        lines[-1] += ","
    lines.append(f"{INDENT}}});" if lang == "ts" else f"{INDENT})")
    return lines


def render(m: Migration, project_name: str) -> str:
    files = ", ".join(s.doc.relpath for s in m.sources)
    envs = sorted({e for s in m.sources for e in s.environments})
    resources = ", ".join(s.var for s in m.sources)
    if m.lang == "ts":
        head = [
            "// .railway/railway.ts, written by `railsafe migrate` from " + files + ".",
            "// Every build and deploy setting of those files is here, in the SDK's typed",
            "// `build` / `deploy` objects (railway config migrate drops or comments out many).",
        ]
        if envs:
            head.append("// Their `environments.*` overrides are `ctx.environment` branches: "
                        + ", ".join(envs) + ".")
        head += [
            'import { defineRailway, project, service } from "railway/iac";',
            "",
            "// partial: manage only these services; the databases and volumes this file does not",
            "// declare stay as they are (a whole-project file would plan their deletion).",
            f"export const partial = {string(partial_name(project_name))};",
            "",
            "export default defineRailway((ctx) => {",
        ]
        body: list[str] = []
        for src in m.sources:
            body += [*_service_block(src, "ts"), ""]
        tail = [f"{INDENT}return project({string(project_name)}, {{ resources: [{resources}] }});",
                "});", ""]
        return "\n".join(head + body + tail)
    head = [
        "# .railway/railway.py, written by `railsafe migrate` from " + files + ".",
        "# Every build and deploy setting of those files is here, in the SDK's `build` /",
        "# `deploy` dicts (railway config migrate drops or comments out many).",
    ]
    if envs:
        head.append("# Their `environments.*` overrides are `ctx.environment` branches: "
                    + ", ".join(envs) + ".")
    head += [
        "from railway_sdk import define_railway, project, service",
        "",
        "# partial: manage only these services; the databases and volumes this file does not",
        "# declare stay as they are (a whole-project file would plan their deletion).",
        f"PARTIAL = {string(partial_name(project_name))}",
        "",
        "",
        "@define_railway",
        "def main(ctx=None):",
    ]
    body = []
    for src in m.sources:
        body += [*_service_block(src, "py"), ""]
    tail = [f"{INDENT}return project({string(project_name)}, resources=[{resources}])", ""]
    return "\n".join(head + body + tail)


def removal_command(m: Migration) -> str:
    """The command that would delete the old files (railsafe never deletes them)."""
    import shlex

    return "git rm " + " ".join(shlex.quote(s.doc.relpath) for s in m.sources)


def iter_settings(doc_data: dict[str, Any]) -> Iterator[tuple[str | None, str, str, Any]]:
    """(environment or None, section, key, value) of every build / deploy setting of a
    Config as Code file, base and overrides (what the migrated file must hold)."""
    for section in SECTIONS:
        values = doc_data.get(section)
        if isinstance(values, dict):
            for name, value in values.items():
                yield None, section, str(name), value
    envs = doc_data.get("environments")
    if isinstance(envs, dict):
        for env, override in envs.items():
            if isinstance(override, dict):
                for section in SECTIONS:
                    values = override.get(section)
                    if isinstance(values, dict):
                        for name, value in values.items():
                            yield str(env), section, str(name), value

"""`railsafe fix`: repair findings in place, keeping comments, order, quoting and whitespace.

Each repair is an edit at a position railsafe already knows (the position
index of a Config as Code file, the spans of the static IaC reading), or, for
a structural addition to TOML, tomlkit, which round-trips everything it does
not touch. Every repair is tried on a temporary copy of the files railsafe
reads and kept only when, after it, the file still parses, the finding it
repairs is gone and no finding appeared (counted per rule and file): a rename
that would bring a test run to life is not made.

Safe fixes (by default):
- RS004: remove `testCommand` (TOML and IaC keep a comment saying what it was
  and why; JSON cannot hold one, so the command prints it);
- RS002 / RS501: rename an unknown key to the unambiguous key it is a typo of,
  when that key is not set;
- RS104: move a migration out of the base build command into an empty
  pre-deploy command (Config as Code files; IaC files that do not branch on
  the environment, as a `preDeploy` member after `build`).

Unsafe fixes (`--unsafe-fixes`), RS101 / RS102: remove a test runner from a
build, pre-deploy or start command when the command is a plain `&&` chain
(`pytest && uvicorn app:app` becomes `uvicorn app:app`).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from railsafe.findings import Finding, Span
from railsafe.loaders import RAILWAY_KINDS, Document, load
from railsafe.rules import FIXABLE

SAFE, UNSAFE = "safe", "unsafe"
# rule -> the kind of fix this module has for it (the registry's, which `railsafe rules` shows)
FIXES = FIXABLE
CAC_KINDS = RAILWAY_KINDS
COMMAND_KEYS = ("buildCommand", "startCommand", "preDeployCommand")
_TEST_COMMAND = re.compile(r"^test[_-]?command$", re.I)
_MEANT = re.compile(r"did you mean `([A-Za-z][A-Za-z0-9]*)`")
MAX_ROUNDS = 40


@dataclass
class Applied:
    relpath: str
    rule: str
    kind: str
    line: int
    what: str


@dataclass
class Candidate:
    rule: str
    kind: str
    line: int
    what: str
    apply: Callable[[str], str | None]
    key: tuple[Any, ...]  # identifies it across rounds (rejected ones are not retried)


@dataclass
class FixResult:
    root: Path
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # relpath -> old, new
    applied: list[Applied] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def diff(self) -> str:
        import difflib

        out: list[str] = []
        for relpath, (old, new) in sorted(self.changed.items()):
            out += difflib.unified_diff(old.splitlines(keepends=True),
                                        new.splitlines(keepends=True),
                                        f"a/{relpath}", f"b/{relpath}")
        return "".join(line if line.endswith("\n") else line + "\n" for line in out)


# -- text positions ---------------------------------------------------------------------


def _offset(text: str, line: int, column: int) -> int:
    """String index of a 1-based line and code-point column ("\\n" ends a line)."""
    start = 0
    for _ in range(line - 1):
        found = text.find("\n", start)
        if found < 0:
            return len(text)
        start = found + 1
    return start + column - 1


def _span_slice(text: str, span: Span) -> tuple[int, int]:
    return _offset(text, span.line, span.column), _offset(text, span.end_line, span.end_column)


def _replace(text: str, span: Span, new: str) -> str:
    start, end = _span_slice(text, span)
    return text[:start] + new + text[end:]


def _toml_string(old_literal: str, value: str) -> str | None:
    """`value` as a TOML string in the quoting `old_literal` used, where it can."""
    if old_literal.startswith(('"""', "'''")):
        return None
    if old_literal.startswith("'") and "'" not in value and "\n" not in value:
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)


# -- Config as Code ---------------------------------------------------------------------


def _entry_at(doc: Document, span: Span) -> tuple[tuple[Any, ...], Any] | None:
    for path, entry in doc.index.entries.items():
        if entry.key.line == span.line and entry.key.column == span.column:
            return path, entry
    return None


def _table(data: Any, path: tuple[Any, ...]) -> Any:
    node = data
    for part in path:
        if (isinstance(node, dict) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and part < len(node)):
            node = node[part]
        else:
            return None
    return node


def _rename(doc: Document, span: Span, new: str) -> Callable[[str], str | None]:
    def apply(text: str) -> str | None:
        start, end = _span_slice(text, span)
        raw = text[start:end]
        quote = raw[:1] if raw[:1] in "\"'" else ""
        return text[:start] + f"{quote}{new}{quote}" + text[end:]
    return apply


def _remove_toml_pair(entry: Any, path: tuple[Any, ...], value: Any) -> Callable[[str], str | None]:
    def apply(text: str) -> str | None:
        start = _offset(text, entry.whole.line, 1)
        end_line_start = _offset(text, entry.whole.end_line, 1)
        end = text.find("\n", end_line_start)
        end = len(text) if end < 0 else end
        if text[end - 1:end] == "\r":
            end -= 1
        before = text[start:_offset(text, entry.key.line, entry.key.column)]
        after = text[_offset(text, entry.whole.end_line, entry.whole.end_column):end]
        if before.strip() or (after.strip() and not after.strip().startswith("#")):
            return None  # not on a line of its own (an inline table): left alone
        shown = value if isinstance(value, str) else json.dumps(value)
        note = (f"# railsafe fix: removed {path[-1]} = {json.dumps(shown, ensure_ascii=False)}: "
                "not a Railway setting, it disabled nothing (RS004); keep test runners out of "
                "every deploy phase")
        return text[:start] + before + note + text[end:]
    return apply


def _remove_json_pair(entry: Any) -> Callable[[str], str | None]:
    def apply(text: str) -> str | None:
        start, end = _span_slice(text, entry.whole)
        rest = text[end:]
        stripped = rest.lstrip(" \t\r\n")
        if stripped.startswith(","):
            end += len(rest) - len(stripped) + 1
        else:  # the last member: take the comma before it
            head = text[:start].rstrip(" \t\r\n")
            if head.endswith(","):
                start = len(head) - 1
            end_ws = text[:start]
            return end_ws + text[end:]
        # drop the line if it is left blank
        line_start = text.rfind("\n", 0, start) + 1
        if not text[line_start:start].strip():
            nl = text.find("\n", end)
            tail = text[end:nl if nl >= 0 else len(text)]
            if not tail.strip():
                return text[:line_start] + text[(nl + 1) if nl >= 0 else len(text):]
            start = line_start + len(text[line_start:start])
        return text[:start] + text[end:].lstrip(" \t")
    return apply


def _value_edit(doc: Document, entry: Any, value: str) -> Callable[[str], str | None]:
    def apply(text: str) -> str | None:
        start, end = _span_slice(text, entry.value)
        old = text[start:end]
        if doc.syntax == "toml":
            literal = _toml_string(old, value)
        else:
            literal = json.dumps(value, ensure_ascii=False)
        if literal is None:
            return None
        return text[:start] + literal + text[end:]
    return apply


def _add_pre_deploy(doc: Document, command: str) -> Callable[[str], str | None]:
    """Set the base `deploy.preDeployCommand` (absent or empty) to `command`."""
    def apply(text: str) -> str | None:
        if doc.syntax == "toml":
            import tomlkit

            parsed = tomlkit.parse(text)
            deploy = parsed.get("deploy")
            if deploy is None:
                table = tomlkit.table()
                table.add("preDeployCommand", command)
                parsed.add(tomlkit.nl())
                parsed.add("deploy", table)
            elif isinstance(deploy, dict):
                if deploy.get("preDeployCommand") not in (None, "", []):
                    return None
                deploy["preDeployCommand"] = command
            else:
                return None
            return tomlkit.dumps(parsed)
        return _json_set_pre_deploy(text, command)
    return apply


def _json_set_pre_deploy(text: str, command: str) -> str | None:
    from railsafe.loaders import parse_json
    from railsafe.loaders.positions import PositionIndex

    data, error = parse_json(text)
    if error is not None or not isinstance(data, dict):
        return None
    index = PositionIndex(text.encode("utf-8"), "json")
    literal = json.dumps(command, ensure_ascii=False)
    deploy = data.get("deploy")
    if isinstance(deploy, dict) and "preDeployCommand" in deploy:
        entry = index.entries.get(("deploy", "preDeployCommand"))
        if entry is None or deploy["preDeployCommand"] not in (None, "", []):
            return None
        return _replace(text, entry.value, literal)
    target, member = (("deploy",), f'"preDeployCommand": {literal}') if isinstance(
        deploy, dict) else ((), f'"deploy": {{"preDeployCommand": {literal}}}')
    if target:
        entry = index.entries.get(target)
        if entry is None:
            return None
        obj_start, obj_end = _span_slice(text, entry.value)
    else:
        obj_start = text.find("{")
        obj_end = text.rfind("}") + 1
        if obj_start < 0 or obj_end <= obj_start:
            return None
    inner = text[obj_start + 1:obj_end - 1]
    if not inner.strip():
        return text[:obj_start + 1] + member + text[obj_end - 1:]
    # after the last member, in its indentation
    body_end = obj_start + 1 + len(inner.rstrip())
    last_nl = text.rfind("\n", obj_start, body_end)
    if last_nl >= 0:
        line = text[last_nl + 1:body_end]
        indent = line[:len(line) - len(line.lstrip())]
        newline = "\r\n" if text[last_nl - 1:last_nl] == "\r" else "\n"
        return text[:body_end] + f",{newline}{indent}{member}" + text[body_end:]
    return text[:body_end] + f", {member}" + text[body_end:]


def _cac_candidates(doc: Document, findings: list[Finding], unsafe: bool) -> Iterator[Candidate]:
    from railsafe.writers.shell_edit import split_migration, without_tests

    data = doc.data if isinstance(doc.data, dict) else {}
    for f in findings:
        if f.rule == "RS004":
            found = _entry_at(doc, f.span)
            if found is None or not _TEST_COMMAND.match(str(found[0][-1])):
                continue
            path, entry = found
            value = _table(data, path)
            apply = (_remove_toml_pair(entry, path, value) if doc.syntax == "toml"
                     else _remove_json_pair(entry))
            yield Candidate("RS004", SAFE, f.span.line, f"removed {'.'.join(map(str, path))} = "
                            f"{json.dumps(value, ensure_ascii=False)} (not a Railway setting)",
                            apply, ("RS004", path))
        elif f.rule == "RS002":
            meant = _MEANT.search(f.message)
            found = _entry_at(doc, f.span)
            if meant is None or found is None:
                continue
            path, entry = found
            table = _table(data, path[:-1])
            if not isinstance(table, dict) or meant.group(1) in table:
                continue
            yield Candidate("RS002", SAFE, f.span.line,
                            f"renamed {path[-1]} to {meant.group(1)}",
                            _rename(doc, entry.key, meant.group(1)), ("RS002", path))
        elif f.rule == "RS104":
            build = data.get("build")
            command = build.get("buildCommand") if isinstance(build, dict) else None
            entry = doc.entry(("build", "buildCommand"))
            deploy = data.get("deploy")
            current = deploy.get("preDeployCommand") if isinstance(deploy, dict) else None
            if not isinstance(command, str) or entry is None or current not in (None, "", []):
                continue
            if not (entry.value.line <= f.span.line <= entry.value.end_line):
                continue
            split = split_migration(command)
            if split is None:
                continue
            rest, migration = split
            first = _value_edit(doc, entry, rest)

            def both(text: str, first: Any = first, migration: str = migration) -> str | None:
                edited = first(text)
                return None if edited is None else _add_pre_deploy(doc, migration)(edited)

            yield Candidate("RS104", SAFE, f.span.line,
                            f"moved `{migration}` from build.buildCommand to "
                            "deploy.preDeployCommand", both, ("RS104",))
        elif f.rule in ("RS101", "RS102") and unsafe:
            for path, entry in doc.index.entries.items():
                if not path or str(path[-1] if not isinstance(path[-1], int) else path[-2]) \
                        not in COMMAND_KEYS:
                    continue
                value = _table(data, path)
                if not isinstance(value, str):
                    continue
                if not (entry.value.line <= f.span.line <= entry.value.end_line):
                    continue
                changed = without_tests(value)
                if changed is None:
                    continue
                yield Candidate(f.rule, UNSAFE, f.span.line,
                                f"removed the test run from {'.'.join(map(str, path))}: "
                                f"{value!r} -> {changed!r}",
                                _value_edit(doc, entry, changed), (f.rule, path, value))


# -- Infrastructure as Code ---------------------------------------------------------------


def _iac_strings(doc: Document) -> Iterator[Any]:
    """Every command string of every service, in every environment the file names."""
    from railsafe.iac import read
    from railsafe.iac.normalise import services

    program = read(doc.text, doc.relpath, doc.syntax, None)  # type: ignore[arg-type]
    programs = [program] + [read(doc.text, doc.relpath, doc.syntax, e)  # type: ignore[arg-type]
                            for e in program.environments]
    for p in programs:
        if p.error is not None:
            continue
        for svc in services(p):
            yield from (svc.build_command, svc.start, *(svc.pre_deploy or ()))


def _iac_move_migration(doc: Document, f: Finding) -> Iterator[Candidate]:
    """RS104 in an IaC file: a service whose build command (a plain string literal) runs a
    migration and which sets no pre-deploy gets `preDeploy: "<migration>"` after its
    `build` member, and the migration leaves the build command."""
    from railsafe.iac import read
    from railsafe.iac.normalise import services
    from railsafe.iac.values import Obj, Str
    from railsafe.writers.shell_edit import split_migration

    program = read(doc.text, doc.relpath, doc.syntax, None)  # type: ignore[arg-type]
    if program.error is not None or program.environments:
        return  # a file that branches on the environment: left to the reader's judgement
    for svc in services(program):
        value = svc.build_command
        config = svc.resource.config
        if not isinstance(value, Str) or value.column is None or not isinstance(config, Obj):
            continue
        if svc.pre_deploy is not None or "preDeployCommand" in svc.deploy:
            continue
        span = value.span
        if span.line != f.span.line or not (span.column <= f.span.column < span.end_column):
            continue
        member = config.member("build")
        if member is None or any(m.key in ("preDeploy", "preDeployCommand", "run")
                                 for m in config.members):
            continue
        split = split_migration(value.text)
        if split is None:
            continue
        rest, migration = split
        inner = Span(span.line, value.column, span.line, value.column + len(value.text))
        after = member.value.span
        assign = "=" if doc.syntax == "python" else ": "

        def apply(text: str, inner: Span = inner, after: Span = after, old: str = value.text,
                  rest: str = rest, migration: str = migration,
                  key_line: int = member.key_span.line, assign: str = assign) -> str | None:
            start, end = _span_slice(text, inner)
            if text[start:end] != old:
                return None
            at = _offset(text, after.end_line, after.end_column)
            tail = text[at:]
            stripped = tail.lstrip(" \t")
            if not stripped.startswith(","):
                return None  # the last member without a trailing comma: left alone
            at += len(tail) - len(stripped) + 1
            line_end = text.find("\n", at)
            line_end = len(text) if line_end < 0 else line_end
            rest_of_line = text[at:line_end].rstrip("\r").strip()
            if not rest_of_line or rest_of_line.startswith(("//", "#")):
                at = line_end - (1 if text[line_end - 1:line_end] == "\r" else 0)
            line = text[_offset(text, key_line, 1):]
            indent = line[:len(line) - len(line.lstrip(" \t"))]
            eol = "\r\n" if "\r\n" in text else "\n"
            insert = f"{eol}{indent}preDeploy{assign}{json.dumps(migration, ensure_ascii=False)},"
            edited = text[:at] + insert + text[at:]
            return edited[:start] + rest + edited[end:]

        yield Candidate("RS104", SAFE, f.span.line,
                        f"moved `{migration}` from the build command of service {svc.name} to "
                        "preDeploy", apply, ("RS104", svc.name))


def _iac_key_taken(doc: Document, span: Span, key: str) -> bool:
    """Whether the object holding the key at `span` already sets `key` (or is not found:
    then the rename is not made either)."""
    from railsafe.iac import read
    from railsafe.iac.values import Obj, Seq, SourceVal

    def objects(value: Any) -> Iterator[Obj]:
        if isinstance(value, Obj):
            yield value
            for member in value.members:
                yield from objects(member.value)
        elif isinstance(value, Seq):
            for item in value.items:
                yield from objects(item)
        elif isinstance(value, SourceVal) and value.options is not None:
            yield from objects(value.options)

    program = read(doc.text, doc.relpath, doc.syntax, None)  # type: ignore[arg-type]
    programs = [program] + [read(doc.text, doc.relpath, doc.syntax, e)  # type: ignore[arg-type]
                            for e in program.environments]
    found = False
    for p in programs:
        for resource in p.resources:
            for obj in objects(resource.config):
                if any(m.key_span == span for m in obj.members):
                    found = True
                    if any(m.key == key for m in obj.members):
                        return True
    return not found


def _iac_candidates(doc: Document, findings: list[Finding], unsafe: bool) -> Iterator[Candidate]:
    from railsafe.iac.values import Str
    from railsafe.writers.shell_edit import without_tests

    for f in findings:
        if f.rule == "RS501":
            meant = _MEANT.search(f.message)
            if meant is None or _iac_key_taken(doc, f.span, meant.group(1)):
                continue
            yield Candidate("RS501", SAFE, f.span.line,
                            f"renamed {f.message.split('`')[1]} to {meant.group(1)}",
                            _rename(doc, f.span, meant.group(1)), ("RS501", f.span))
        elif f.rule == "RS104":
            yield from _iac_move_migration(doc, f)
        elif f.rule in ("RS101", "RS102") and unsafe:
            for value in _iac_strings(doc):
                if not isinstance(value, Str) or value.column is None:
                    continue
                span = value.span
                if span.line != f.span.line or not (span.column <= f.span.column < span.end_column):
                    continue
                changed = without_tests(value.text)
                if changed is None:
                    continue
                inner = Span(span.line, value.column, span.line, value.column + len(value.text))

                def apply(text: str, inner: Span = inner, old: str = value.text,
                          new: str = changed) -> str | None:
                    start, end = _span_slice(text, inner)
                    return text[:start] + new + text[end:] if text[start:end] == old else None

                yield Candidate(f.rule, UNSAFE, f.span.line,
                                f"removed the test run: {value.text!r} -> {changed!r}", apply,
                                (f.rule, span, value.text))


# -- driver --------------------------------------------------------------------------------


def _parses(path: Path, relpath: str, kind: str, syntax: str) -> bool:
    doc = load(path, relpath, kind, syntax)
    if doc.error is not None:
        return False
    if kind == "railway-iac":
        from railsafe.iac import read

        return read(doc.text, relpath, syntax, None).error is None  # type: ignore[arg-type]
    return True


# A rename that makes a key real may bring up RS510 (`railway config migrate` would drop
# the now-effective setting): that finding is about carrying the setting over, not a hazard
# the repair made, so it does not block the repair (the command lists it).
EXPECTED_AFTER = frozenset({"RS510"})


def _new_findings(grown: Counter[tuple[str, str]]) -> list[tuple[str, str]]:
    return [k for k in grown if k[0] not in EXPECTED_AFTER]


def _counts(findings: list[Finding]) -> Counter[tuple[str, str]]:
    return Counter((f.rule, f.path) for f in findings)


def run(paths: list[Path], *, unsafe: bool = False) -> FixResult:
    """Compute the repairs of `paths` (nothing is written here: see `write`)."""
    from railsafe.discover import discover
    from railsafe.engine import check

    discovery = discover(paths)
    result = FixResult(discovery.root)
    targets = [f for f in discovery.files
               if f.kind in CAC_KINDS or (f.kind == "railway-iac" and f.syntax != "go")]
    if not targets:
        return result
    with tempfile.TemporaryDirectory(prefix="railsafe-fix-") as tmp:
        base = Path(tmp)
        copies: dict[str, Path] = {}
        for f in discovery.files:
            if f.path.is_file() and not f.path.is_symlink():
                target = base / f.relpath
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f.path, target)
                copies[f.relpath] = target
        findings = check([base]).findings
        originals: dict[str, bytes] = {}
        for f in targets:
            copy = copies.get(f.relpath)
            if copy is None:
                continue
            originals[f.relpath] = copy.read_bytes()
            rejected: set[tuple[Any, ...]] = set()
            for _ in range(MAX_ROUNDS):
                doc = load(copy, f.relpath, f.kind, f.syntax)
                if doc.error is not None:
                    break
                mine = [x for x in findings if x.path == f.relpath and x.rule in FIXES]
                producer = _cac_candidates if f.kind in CAC_KINDS else _iac_candidates
                accepted = False
                for cand in producer(doc, mine, unsafe):
                    if cand.key in rejected:
                        continue
                    rejected.add(cand.key)
                    old_bytes = copy.read_bytes()
                    bom = old_bytes.startswith(b"\xef\xbb\xbf")
                    try:
                        new_text = cand.apply(doc.text)
                    except Exception as exc:  # a repair that cannot be made is not made
                        result.notes.append(f"{f.relpath}:{cand.line}: {cand.rule} not fixed "
                                            f"({exc.__class__.__name__})")
                        new_text = None
                    if new_text is None or new_text == doc.text:
                        continue
                    copy.write_bytes((b"\xef\xbb\xbf" if bom else b"") + new_text.encode("utf-8"))
                    after = check([base]).findings
                    before_counts, after_counts = _counts(findings), _counts(after)
                    ok = _parses(copy, f.relpath, f.kind, f.syntax) \
                        and after_counts[(cand.rule, f.relpath)] < \
                        before_counts[(cand.rule, f.relpath)] \
                        and not _new_findings(after_counts - before_counts)
                    if ok:
                        findings = after
                        result.applied.append(Applied(f.relpath, cand.rule, cand.kind,
                                                      cand.line, cand.what))
                        accepted = True
                        break
                    copy.write_bytes(old_bytes)
                    grown = sorted(r for r, _ in _new_findings(after_counts - before_counts))
                    result.notes.append(
                        f"{f.relpath}:{cand.line}: {cand.rule} left as it is: the repair "
                        + (f"would bring up {', '.join(grown)}" if grown
                           else "did not remove the finding or broke the file"))
                if not accepted:
                    break
        for relpath, old in originals.items():
            new = copies[relpath].read_bytes()
            if new != old:
                result.changed[relpath] = (old.decode("utf-8-sig", "replace"),
                                           new.decode("utf-8-sig", "replace"))
        result._bytes = {rel: copies[rel].read_bytes() for rel in result.changed}  # type: ignore[attr-defined]
    return result


def write(result: FixResult) -> list[str]:
    """Write the repaired files atomically; returns their relpaths."""
    from railsafe.writers.files import atomic_write_bytes

    done = []
    for relpath in sorted(result.changed):
        atomic_write_bytes(result.root / relpath, result._bytes[relpath])  # type: ignore[attr-defined]
        done.append(relpath)
    return done

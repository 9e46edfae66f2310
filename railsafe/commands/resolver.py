"""RepoResolver: package.json scripts, Makefile targets and script files of a service."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from railsafe.commands.model import Step
from railsafe.context import Context
from railsafe.findings import FILE_START, Span

MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
_RULE = re.compile(r"^([^\t#=:][^#=:]*?)\s*(::?|&:)(?!=)\s*(.*)$")
_VAR = re.compile(
    r"^\s*(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(\?|:{1,3}|\+|!)?=\s*(.*)$"
)


class RepoResolver:
    """Resolves what commands name against a service directory, through the Context.

    Paths are relative to `service_dir`; nothing outside the checked root is read.
    Beyond the `Resolver` protocol it offers `at(subdir)` (the resolver of a
    subdirectory, for `cd dir && npm run x`), `make_prerequisites(target)` and
    `make_variables()`, which `analyze` uses when present."""

    def __init__(self, ctx: Context, service_dir: Path) -> None:
        self.ctx = ctx
        self.service_dir = service_dir if service_dir.is_absolute() else ctx.root / service_dir
        self._makefile: Any = None
        self._rules: dict[str, tuple[int, int, list[str], list[str]]] | None = None
        self._default = ""
        self._variables: dict[str, str] = {}

    def at(self, subdir: str) -> RepoResolver:
        return RepoResolver(self.ctx, self.service_dir / subdir)

    # -- package.json -------------------------------------------------------------

    def package_script(self, name: str) -> tuple[str, Step] | None:
        doc = self.ctx.document_at(self.service_dir / "package.json")
        if doc is None or doc.error is not None or not isinstance(doc.data, dict):
            return None
        scripts = doc.data.get("scripts")
        if not isinstance(scripts, dict):
            return None
        value = scripts.get(name)
        if not isinstance(value, str):
            return None
        span = doc.locate(("scripts", name), "value")
        return value, Step(doc.relpath, span, f"{doc.relpath} scripts.{name}")

    # -- scripts ------------------------------------------------------------------

    def script_file(self, path: str) -> tuple[str, Step] | None:
        if not path or path.startswith("/"):
            return None
        clean = posixpath.normpath(path)
        if clean.startswith("../") or clean == "..":
            return None
        doc = self.ctx.document_at(self.service_dir / clean)
        if doc is None or (doc.error is not None and not doc.source):
            return None
        if b"\x00" in doc.source[:8192]:
            return None
        return doc.text, Step(doc.relpath, FILE_START, doc.relpath)

    # -- Makefile -----------------------------------------------------------------

    def _load_makefile(self) -> Any:
        if self._rules is not None:
            return self._makefile
        self._rules = {}
        for name in MAKEFILES:
            doc = self.ctx.document_at(self.service_dir / name)
            if doc is not None and doc.source:
                self._makefile = doc
                break
        if self._makefile is None:
            return None
        lines = self._makefile.text.splitlines()
        index = 0
        while index < len(lines):
            line = lines[index]
            if line.startswith("\t") or not line.strip() or line.lstrip().startswith("#"):
                index += 1
                continue
            var = _VAR.match(line)
            rule = _RULE.match(line)
            if var and (rule is None or var.start(2 if var.group(2) else 3) < rule.start(2)):
                self._variables.setdefault(var.group(1), var.group(3).strip())
                index += 1
                continue
            if rule is None:
                index += 1
                continue
            targets = rule.group(1).split()
            rest = rule.group(3)
            prerequisites = rest.split(";", 1)[0].split("|", 1)[0].split()
            body: list[str] = []
            k = index + 1
            while k < len(lines) and (
                lines[k].startswith("\t") or not lines[k].strip() or lines[k].startswith("#")
            ):
                body.append(lines[k])
                k += 1
            while body and not body[-1].strip():
                body.pop()
            column = line.find(targets[0]) + 1 if targets else 1
            for target in targets:
                if target.startswith(".") and target != ".DEFAULT":
                    continue
                if not self._default and "%" not in target:
                    self._default = target
                if target not in self._rules:
                    where = line.find(target)
                    self._rules[target] = (
                        index + 1,
                        where + 1 if where >= 0 else column,
                        prerequisites,
                        body,
                    )
            index = k
        goal = self._variables.get(".DEFAULT_GOAL")
        if goal:
            self._default = goal.split()[0]
        return self._makefile

    def make_target(self, name: str) -> tuple[list[str], Step] | None:
        doc = self._load_makefile()
        if doc is None or self._rules is None:
            return None
        target = name or self._default
        rule = self._rules.get(target)
        if rule is None:
            return None
        line, column, _, body = rule
        span = Span(line, column, line, column + len(target))
        return list(body), Step(doc.relpath, span, f"{doc.relpath} target {target}")

    def make_prerequisites(self, name: str) -> list[str]:
        self._load_makefile()
        rule = (self._rules or {}).get(name or self._default)
        return [p for p in rule[2] if "$" not in p and "%" not in p] if rule else []

    def make_variables(self) -> dict[str, str]:
        self._load_makefile()
        return dict(self._variables)

"""RepoResolver: package.json scripts, Makefile targets, script files, mix aliases and
JavaScript workspaces of a service."""

from __future__ import annotations

import functools
import os
import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from railsafe.commands.repofiles import json_data, json_index, workspace_members
from railsafe.commands.types import (
    NxTarget,
    RakeDefault,
    Resolver,
    ResolverExtras,
    Step,
    WorkspacePackage,
)
from railsafe.context import Context
from railsafe.findings import FILE_START, Span
from railsafe.loaders import Document
from railsafe.loaders.images import DEFAULT_PATH

MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
_RULE = re.compile(r"^([^\t#=:][^#=:]*?)\s*(::?|&:)(?!=)\s*(.*)$")
_VAR = re.compile(
    r"^\s*(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(\?|:{1,3}|\+|!)?=\s*(.*)$"
)


class RepoResolver:
    """Resolves what commands name against a service directory, through the Context.

    Paths are relative to `service_dir` (they may climb out of it with `..`, never out
    of the checked root: `Context.document_at` reads nothing outside it). Beyond the
    `Resolver` protocol it offers `at(subdir)` (the resolver of a subdirectory, for
    `cd dir && npm run x`), `make_prerequisites(target)`, `make_variables()`,
    `map_image_path(path)`, `mix_alias(name)`, `rake_default()`, `workspace_packages()`,
    `turbo_task_dependencies(task)` and `package_manager()`, which `analyze` uses when
    present.

    `image_paths` maps absolute directories inside the built image to directories
    relative to `service_dir` (`{"/rails": "."}` for a Dockerfile `WORKDIR /rails` +
    `COPY . .`), so that `/rails/bin/docker-entrypoint` is read from
    `bin/docker-entrypoint`; an entry may also map one file
    (`{"/usr/local/bin/entrypoint": "scripts/entrypoint.sh"}` for `COPY
    scripts/entrypoint.sh /usr/local/bin/entrypoint`). `image_path_env` is the image's
    `PATH` (a Dockerfile `ENV PATH=...`, expanded), searched before the usual
    directories when a command names a program by bare name (`which`)."""

    def __init__(
        self,
        ctx: Context,
        service_dir: Path,
        *,
        image_paths: dict[str, str] | None = None,
        image_path_env: tuple[str, ...] | None = None,
    ) -> None:
        self.ctx = ctx
        directory = service_dir if service_dir.is_absolute() else ctx.root / service_dir
        self.service_dir = Path(os.path.normpath(directory))
        self._makefile: Any = None
        self._rules: dict[str, tuple[int, int, list[str], list[str]]] | None = None
        self._default = ""
        self._variables: dict[str, str] = {}
        self._images: list[tuple[str, Path]] = sorted(
            (
                (posixpath.normpath(k), Path(os.path.normpath(self.service_dir / v)))
                for k, v in (image_paths or {}).items()
                if k.startswith("/") and not v.startswith("/")
            ),
            key=lambda kv: -len(kv[0]),
        )
        self._aliases: dict[str, tuple[list[str], int]] | None = None
        self._mixfile: Any = None
        self._path_dirs = _path_dirs(image_path_env)
        self._package: tuple[Document | None] | None = None  # (package.json or None,) once read

    def at(self, subdir: str) -> RepoResolver:
        child = RepoResolver(self.ctx, self.service_dir / subdir)
        child._images = self._images
        child._path_dirs = self._path_dirs
        return child

    def _relative(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.service_dir)).as_posix()

    # -- in-image paths -------------------------------------------------------------

    def map_image_path(self, path: str) -> str | None:
        """`/rails/bin/x` -> `bin/x` (relative to the service directory) through
        `image_paths`; None for a path no mapping covers."""
        if not path.startswith("/"):
            return None
        clean = posixpath.normpath(path)
        for prefix, target in self._images:
            if clean == prefix or clean.startswith(prefix.rstrip("/") + "/"):
                rest = clean[len(prefix) :].lstrip("/")
                return self._relative(target / rest if rest else target)
        return None

    def which(self, name: str) -> str | None:
        """The in-image path a bare program name resolves to through PATH (`entrypoint`
        -> `/usr/local/bin/entrypoint`), when `image_paths` maps that path to a file of
        the repository; None otherwise."""
        if not name or "/" in name or not self._images:
            return None
        for directory in self._path_dirs:
            candidate = posixpath.join(directory, name)
            mapped = self.map_image_path(candidate)
            if mapped is None:
                continue
            doc = self.ctx.document_at(self.service_dir / mapped)
            if doc is not None:
                return candidate
        return None

    def directory_files(self, path: str) -> list[str] | None:
        """Names of the regular files of a directory (relative to the service
        directory; sorted), or None when it is not a directory inside the checked root."""
        clean = posixpath.normpath(path or ".")
        directory = Path(os.path.realpath(self.service_dir / clean))
        root = Path(os.path.realpath(self.ctx.root))
        if not directory.is_relative_to(root) or not directory.is_dir():
            return None
        try:
            names = sorted(p.name for p in directory.iterdir() if p.is_file())
        except OSError:
            return None
        return names[:2000]

    # -- package.json -------------------------------------------------------------

    def _package_json(self) -> Document | None:
        """The directory's package.json document (None without one), asked of the
        Context once per resolver: one command looks up several scripts in it
        (`prebuild`, `build`, `postbuild`, the seven install scripts)."""
        if self._package is None:
            self._package = (self.ctx.document_at(self.service_dir / "package.json"),)
        return self._package[0]

    def package_scripts(self) -> list[str]:
        """The names of package.json `scripts`, in file order."""
        doc = self._package_json()
        if doc is None or doc.error is not None or not isinstance(doc.data, dict):
            return []
        scripts = doc.data.get("scripts")
        if not isinstance(scripts, dict):
            return []
        return [k for k, v in scripts.items() if isinstance(v, str)]

    def package_field(self, *keys: str) -> tuple[str, Step] | None:
        """A string field of package.json (`package_field("prisma", "seed")`); the Step
        spans the JSON string value."""
        doc = self._package_json()
        if doc is None or doc.error is not None:
            return None
        value: Any = doc.data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str):
            return None
        span = doc.locate(keys, "value")
        return value, Step(doc.relpath, span, f"{doc.relpath} {'.'.join(keys)}")

    def package_script(self, name: str) -> tuple[str, Step] | None:
        doc = self._package_json()
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
        if not path:
            return None
        if path.startswith("/"):
            mapped = self.map_image_path(path)
            if mapped is None:
                return None
            path = mapped
        clean = posixpath.normpath(path)
        doc = self.ctx.document_at(self.service_dir / clean)  # None outside the root
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

    # -- mix.exs aliases ----------------------------------------------------------

    def mix_alias(self, name: str) -> tuple[list[str], Step] | None:
        """The task strings of a mix.exs alias (`"db.rebuild": ["ecto.drop", ...]`).

        mix.exs is Elixir, which Python cannot parse: the keyword list of
        `defp aliases do [...] end` (or `aliases: [...]` in `project/0`) is read with a
        small bracket-aware scanner. Function captures (`&reset/1`) are skipped; an
        alias made only of functions, or one written in any other form, is None."""
        if self._aliases is None:
            self._aliases = {}
            doc = self.ctx.document_at(self.service_dir / "mix.exs")
            if doc is not None and doc.source:
                self._mixfile = doc
                self._aliases = _mix_aliases(doc.text)
        found = self._aliases.get(name)
        if found is None or not found[0]:
            return None
        items, offset = found
        text = self._mixfile.text
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        key_end = text.find(":", offset)
        span = Span(line, column, line, column + max(1, key_end - offset))
        relpath = self._mixfile.relpath
        return list(items), Step(relpath, span, f"{relpath} aliases.{name}")

    # -- Rakefile -------------------------------------------------------------------

    def rake_default(self) -> RakeDefault | None:
        """What a bare `rake` run here does: the default task of the Rakefile rake finds
        (this directory's, else the nearest parent's within the checked root), read by
        railsafe/commands/rake.py. None when no Rakefile can be read."""
        from railsafe.commands import rake

        return rake.rake_default(self.ctx, self.ancestors())

    # -- JavaScript workspaces ----------------------------------------------------

    def ancestors(self) -> list[Path]:
        """The service directory and its parents up to the checked root (inclusive)."""
        root = Path(os.path.realpath(self.ctx.root))
        here = Path(os.path.realpath(self.service_dir))
        if not here.is_relative_to(root):
            return []
        out = [here]
        while here != root and here.parent != here:
            here = here.parent
            out.append(here)
        return out

    def workspace(self) -> tuple[Path, list[tuple[Path, str, tuple[str, ...]]]] | None:
        """The nearest workspace root above the service and its members, or None."""
        for directory in self.ancestors():
            patterns = _workspace_patterns(self.ctx, directory)
            if patterns is not None:
                key = f"commands.workspace:{directory}"
                members = functools.partial(workspace_members, self.ctx, directory, patterns)
                packages: list[tuple[Path, str, tuple[str, ...]]] = self.ctx.cached(key, members)
                return directory, packages
        return None

    def workspace_packages(self) -> list[WorkspacePackage]:
        """Every package of the workspace this directory belongs to (the root first).

        The workspace root is the nearest directory, up to the checked root, with a
        pnpm-workspace.yaml `packages:` list or a package.json `workspaces` field
        (an array, or `{"packages": [...]}`); its globs are expanded on disk
        (node_modules and dot-directories skipped, `!pattern` excludes)."""
        found = self.workspace()
        if found is None:
            return []
        root, members = found
        real = Path(os.path.realpath(self.service_dir))
        out = []
        for directory, name, dependencies in members:
            rel = Path(os.path.relpath(directory, real)).as_posix()
            out.append(WorkspacePackage(name, rel, dependencies, root=directory == root))
        return out

    def turbo_task_dependencies(self, task: str, package: str = "") -> list[str]:
        """`dependsOn` of a task in the workspace root's turbo.json (`pkg#task` first)."""
        return [dep for dep, _ in self.turbo_task_dependency_steps(task, package)]

    def turbo_task_dependency_steps(self, task: str, package: str = "") -> list[tuple[str, Step]]:
        """`dependsOn` of a task in the workspace root's turbo.json (`pkg#task` first),
        each with a Step spanning its element of the `dependsOn` array."""
        found = self.workspace()
        base = found[0] if found is not None else Path(os.path.realpath(self.service_dir))
        doc = self.ctx.document_at(base / "turbo.json")
        if doc is None or not doc.source:
            return []
        data = json_data(doc.text)
        if not isinstance(data, dict):
            return []
        section = "tasks" if "tasks" in data else "pipeline"
        tasks = data.get(section)
        if not isinstance(tasks, dict):
            return []
        key = f"{package}#{task}" if package else task
        spec = tasks.get(key) if package else None
        if not isinstance(spec, dict):
            key, spec = task, tasks.get(task)
        depends = spec.get("dependsOn") if isinstance(spec, dict) else None
        if not isinstance(depends, list):
            return []
        index = json_index(self.ctx, doc)
        out = []
        for i, dep in enumerate(depends):
            if isinstance(dep, str):
                span = _index_span(index, (section, key, "dependsOn", i))
                label = f'{doc.relpath} {section}.{key}.dependsOn "{dep}"'
                out.append((dep, Step(doc.relpath, span, label)))
        return out

    # -- Nx and Lerna (railsafe/commands/monorepo.py) --------------------------------

    def nx_projects(self) -> list[WorkspacePackage]:
        """The projects of the Nx workspace this directory belongs to."""
        from railsafe.commands import monorepo

        return monorepo.nx_projects(self)

    def nx_target(self, target: str) -> NxTarget | None:
        """How this directory's Nx project runs `target` (None: it has no such target)."""
        from railsafe.commands import monorepo

        return monorepo.nx_target(self, target)

    def nx_target_dependencies(self, target: str) -> list[str]:
        from railsafe.commands import monorepo

        return monorepo.nx_target_dependencies(self, target)

    def lerna_packages(self) -> list[WorkspacePackage]:
        """The packages `lerna run` runs in (the workspace root excluded)."""
        from railsafe.commands import monorepo

        return monorepo.lerna_packages(self)

    def package_manager(self) -> tuple[str, int | None] | None:
        """The package manager a directory uses: package.json `packageManager`
        ("yarn@4.2.2" -> ("yarn", 4)) of the nearest package.json that has one, else
        ("yarn", 2) when a .yarnrc.yml (Yarn Berry only) is found on the way up."""
        for directory in self.ancestors():
            doc = self.ctx.document_at(directory / "package.json")
            if doc is not None and isinstance(doc.data, dict):
                spec = doc.data.get("packageManager")
                if isinstance(spec, str):
                    got = re.match(r"^\s*(@?[\w.-]+?)(?:@v?(\d+))?(?:[.@+].*)?\s*$", spec)
                    if got:
                        major = int(got.group(2)) if got.group(2) else None
                        return got.group(1), major
            if (directory / ".yarnrc.yml").is_file():
                return "yarn", 2
        return None


# --- helpers -----------------------------------------------------------------------



def _path_dirs(image_path_env: tuple[str, ...] | None) -> tuple[str, ...]:
    out: list[str] = []
    for directory in (*(image_path_env or ()), *DEFAULT_PATH):
        if directory.startswith("/") and "$" not in directory:
            clean = posixpath.normpath(directory)
            if clean not in out:
                out.append(clean)
    return tuple(out)


def _index_span(index: Any, path: tuple[str | int, ...]) -> Span:
    entry = index.entries.get(path) if index is not None else None
    return entry.value if entry is not None else FILE_START


_MIX_BLOCK = re.compile(
    r"\bdefp?\s+aliases\b(?:\s*\(\s*\))?\s*(?:do\b|,\s*do:)\s*\[|\baliases:\s*\["
)
_MIX_KEY = re.compile(r'\s*(?:"((?:[^"\\#]|\\.)+)"|([A-Za-z_][\w.]*[?!]?)):\s')
_ELIXIR_STRING = re.compile(r'^"((?:[^"\\#]|\\.|#(?!\{))*)"$', re.DOTALL)


def _blank_comments(text: str) -> str:
    """Elixir text with its comments blanked (offsets kept); strings are kept."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            i = _skip_string(text, i)
        elif ch == "?" and i + 1 < n:  # character literal: ?# ?"
            i += 2
        elif ch == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            for k in range(i, end):
                out[k] = " "
            i = end
        else:
            i += 1
    return "".join(out)


def _skip_string(text: str, i: int) -> int:
    quote = text[i]
    if text.startswith(quote * 3, i):
        end = text.find(quote * 3, i + 3)
        return len(text) if end < 0 else end + 3
    k = i + 1
    while k < len(text):
        if text[k] == "\\":
            k += 2
            continue
        if text[k] == quote:
            return k + 1
        k += 1
    return len(text)


def _top_level(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Comma-separated pieces of text[start:end] at bracket depth 0 (None: unbalanced)."""
    pieces: list[tuple[int, int]] = []
    depth, i, begin = 0, start, start
    while i < end:
        ch = text[i]
        if ch in "\"'":
            i = _skip_string(text, i)
            continue
        if ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
        elif ch == "," and depth == 0:
            pieces.append((begin, i))
            begin = i + 1
        i += 1
    pieces.append((begin, end))
    return [(a, b) for a, b in pieces if text[a:b].strip()]


def _closing(text: str, open_index: int) -> int | None:
    depth, i = 0, open_index
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            i = _skip_string(text, i)
            continue
        if ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _elixir_string(raw: str) -> str | None:
    found = _ELIXIR_STRING.match(raw.strip())
    if found is None:
        return None
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), found[1])


def _mix_aliases(source: str) -> dict[str, tuple[list[str], int]]:
    """alias name -> (its task strings, offset of its key) from mix.exs text."""
    text = _blank_comments(source)
    aliases: dict[str, tuple[list[str], int]] = {}
    for block in _MIX_BLOCK.finditer(text):
        open_index = block.end() - 1
        close = _closing(text, open_index)
        if close is None:
            continue
        for a, b in _top_level(text, open_index + 1, close):
            key = _MIX_KEY.match(text, a, b)
            if key is None:
                continue
            name = key.group(1) if key.group(1) is not None else key.group(2)
            where = key.start(1) - 1 if key.group(1) is not None else key.start(2)
            value = text[key.end() : b].strip()
            items: list[str] = []
            if value.startswith("["):
                inner_start = text.index("[", key.end())
                inner_end = _closing(text, inner_start)
                if inner_end is None:
                    continue
                for c, d in _top_level(text, inner_start + 1, inner_end):
                    item = _elixir_string(text[c:d])
                    if item is not None:
                        items.append(item)
            else:
                item = _elixir_string(value)
                if item is not None:
                    items.append(item)
            if name not in aliases:
                aliases[name] = (items, where)
    return aliases


def _workspace_patterns(ctx: Context, directory: Path) -> list[str] | None:
    """Workspace globs declared in a directory (None: not a workspace root)."""
    patterns: list[str] | None = None
    yaml = ctx.document_at(directory / "pnpm-workspace.yaml")
    if yaml is not None and yaml.source:
        found = _pnpm_packages(yaml.text)
        if found is not None:
            patterns = found
    doc = ctx.document_at(directory / "package.json")
    if doc is not None and isinstance(doc.data, dict):
        workspaces = doc.data.get("workspaces")
        if isinstance(workspaces, dict):
            workspaces = workspaces.get("packages")
        if isinstance(workspaces, list):
            patterns = (patterns or []) + [w for w in workspaces if isinstance(w, str)]
    return patterns


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _pnpm_packages(text: str) -> list[str] | None:
    """The `packages:` list of pnpm-workspace.yaml (block or flow style), read line by
    line: the file is simple YAML and railsafe has no YAML dependency."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        found = re.match(r"^packages\s*:\s*(.*)$", line)
        if not found:
            continue
        rest = re.sub(r"\s+#.*$", "", found.group(1)).strip()
        if rest.startswith("["):
            inner = rest[1:].split("]", 1)[0]
            return [_unquote(p) for p in inner.split(",") if _unquote(p)]
        out: list[str] = []
        for item in lines[index + 1 :]:
            stripped = item.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if not item[:1].isspace() and not stripped.startswith("-"):
                break  # the next top-level key
            if stripped.startswith("-"):
                value = re.sub(r"\s+#.*$", "", stripped[1:]).strip()
                if _unquote(value):
                    out.append(_unquote(value))
        return out
    return None


if TYPE_CHECKING:  # RepoResolver has the required methods and every optional one, as declared

    def _conforms(resolver: RepoResolver) -> tuple[Resolver, ResolverExtras]:
        return resolver, resolver

"""The Dockerfile as BuildKit builds it: stages, what the image needs, where files land.

Kept apart from the parser (`railsafe.loaders.dockerfile`): this is the build
model on top of parsed instructions; it imports the parser, not the reverse.

docs/facts.md: Railway builds Dockerfiles with BuildKit, which builds only the
stages the target (the last stage) depends on: its `FROM` parent, the stages
it `COPY --from`s and the stages a `RUN --mount=...,from=` reads, transitively.
A child stage inherits its parent's WORKDIR, ENV, CMD and ENTRYPOINT, but not
its ARGs; an ENTRYPOINT resets a CMD inherited from the parent.

- `stages`, `needed_stages`, `lineage`: the FROM graph and what the final
  image needs;
- `start_instructions`: the final image's ENTRYPOINT / CMD, inherited;
- `image_layout` / `Place`: per instruction, the WORKDIR, where COPY / ADD put
  the build context's files, the ARGs in scope and the PATH.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from railsafe.loaders.dockerfile import Instruction, pairs, parse_exec_form, split_words, unquote
from railsafe.loaders.images import DEFAULT_PATH

_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_GLOB = re.compile(r"[*?\[]")

# directories every Linux base image has: a file COPY'd onto one without a
# trailing slash lands inside it (fsutil `prepareTargetDir`, docs/facts.md F13)
_BASE_DIRS = frozenset({
    "/", "/bin", "/etc", "/home", "/opt", "/root", "/sbin", "/srv", "/tmp", "/usr", "/usr/bin",
    "/usr/local", "/usr/local/bin", "/usr/local/sbin", "/usr/sbin", "/usr/share", "/usr/src",
    "/var",
})


@dataclass(frozen=True)
class Stage:
    index: int
    name: str | None  # the `AS` alias, lower-cased
    base: str  # the FROM reference, global ARG defaults expanded
    parent: int | None  # the earlier stage this one is built FROM
    instruction: Instruction


def _expand(text: str, known: dict[str, str]) -> str | None:
    """`$NAME` / `${NAME}` replaced from `known`; None when one is unknown."""
    missing = False

    def sub(match: re.Match[str]) -> str:
        nonlocal missing
        name = match[1] or match[2]
        if name not in known:
            missing = True
            return ""
        return known[name]

    out = _VARIABLE.sub(sub, text)
    return None if missing or "$" in out else out


def _global_args(instructions: list[Instruction]) -> dict[str, str]:
    known: dict[str, str] = {}
    for instr in instructions:
        if instr.keyword == "FROM":
            break
        if instr.keyword == "ARG":
            for pair in pairs(instr):
                if pair.value is not None:
                    known[pair.name] = pair.value
    return known


def _words(text: str) -> list[str]:
    return [unquote(text[s:e]) for s, e in split_words(text)]


def _from_target(instr: Instruction, known: dict[str, str]) -> tuple[str, str | None]:
    """(the image or stage a FROM builds on, its `AS` alias lower-cased or None)."""
    words = _words(instr.command)
    raw = words[0] if words else ""
    name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
    return _expand(raw, known) or raw, name


def stages(instructions: list[Instruction]) -> list[Stage]:
    """Every FROM stage, with the earlier stage it is built on (by alias)."""
    known = _global_args(instructions)
    aliases: dict[str, int] = {}
    out: list[Stage] = []
    for instr in instructions:
        if instr.keyword != "FROM":
            continue
        base, name = _from_target(instr, known)
        parent = aliases.get(base.lower())
        out.append(Stage(instr.stage, name, base, parent, instr))
        if name is not None:
            aliases[name] = instr.stage
    return out


def _flag_values(instr: Instruction, flag: str) -> list[str]:
    prefix = f"--{flag}="
    return [unquote(f[len(prefix) :]) for f in instr.flags if f.startswith(prefix)]


def _mount_sources(instr: Instruction) -> list[str]:
    out = []
    for spec in _flag_values(instr, "mount"):
        for part in spec.split(","):
            key, _, value = part.partition("=")
            if key.strip().lower() == "from" and value:
                out.append(value.strip())
    return out


_UNRESOLVED = -1


def _stage_ref(ref: str, aliases: dict[str, int], current: int) -> int | None:
    """A stage index, None for an external image, _UNRESOLVED for a variable."""
    if "$" in ref:
        return _UNRESOLVED
    if ref.isdigit():
        index = int(ref)
        return index if index < current else None
    return aliases.get(ref.lower())


def needed_stages(instructions: list[Instruction]) -> frozenset[int] | None:
    """The stages BuildKit builds for the last stage, or None when unknown.

    None when a stage reference holds a variable railsafe cannot resolve:
    then every stage may be built.
    """
    found = stages(instructions)
    if not found:
        return frozenset()
    known = _global_args(instructions)
    aliases: dict[str, int] = {}
    deps: dict[int, set[int]] = {s.index: set() for s in found}
    for stage in found:
        if "$" in stage.base:
            return None
    for instr in instructions:
        if instr.keyword == "FROM":
            stage = found[instr.stage]
            if stage.parent is not None:
                deps[stage.index].add(stage.parent)
            if stage.name is not None:
                aliases[stage.name] = stage.index
            continue
        if instr.stage < 0:
            continue
        refs = _flag_values(instr, "from") if instr.keyword in ("COPY", "ADD") else []
        if instr.keyword == "RUN":
            refs = _mount_sources(instr)
        for ref in refs:
            target = _stage_ref(_expand(ref, known) or ref, aliases, instr.stage)
            if target == _UNRESOLVED:
                return None
            if target is not None:
                deps[instr.stage].add(target)
    needed: set[int] = set()
    todo = [found[-1].index]
    while todo:
        index = todo.pop()
        if index in needed:
            continue
        needed.add(index)
        todo.extend(deps.get(index, ()))
    return frozenset(needed)


def lineage(instructions: list[Instruction], stage: int | None = None) -> list[int]:
    """`stage` (default: the last) and the stages it is built FROM, root first."""
    found = stages(instructions)
    if not found:
        return []
    index: int | None = found[-1].index if stage is None else stage
    out: list[int] = []
    while index is not None and index not in out and 0 <= index < len(found):
        out.append(index)
        index = found[index].parent
    return out[::-1]


def start_instructions(
    instructions: list[Instruction],
) -> tuple[Instruction | None, Instruction | None]:
    """The (ENTRYPOINT, CMD) of the final image, inherited through FROM stages.

    An ENTRYPOINT resets a CMD inherited from the parent stage unless the
    stage sets its own CMD (BuildKit's `dispatchEntrypoint`).
    """
    entrypoint: Instruction | None = None
    cmd: Instruction | None = None
    for index in lineage(instructions):
        cmd_set = False
        for instr in instructions:
            if instr.stage != index:
                continue
            if instr.keyword == "CMD":
                cmd, cmd_set = instr, True
            elif instr.keyword == "ENTRYPOINT":
                entrypoint = instr
                if not cmd_set:
                    cmd = None
    return entrypoint, cmd


@dataclass(frozen=True)
class Place:
    """Where an instruction runs: WORKDIR, where repository files sit, ARGs in scope.

    `paths` maps absolute image paths (directories or files) to paths relative
    to the build context ("" is the context root), as COPY / ADD put them there.
    """

    workdir: str | None  # None when it holds a variable railsafe cannot resolve
    paths: tuple[tuple[str, str], ...] = ()
    args: tuple[str, ...] = ()  # ARG names declared in the stage so far
    # the image's PATH directories (ENV PATH=..., else the default PATH), in order
    path_dirs: tuple[str, ...] = DEFAULT_PATH

    def to_context(self, image_path: str) -> str | None:
        """The build-context path an absolute image path comes from, or None."""
        return image_to_context(image_path, dict(self.paths))

    def cwd(self) -> str | None:
        """The build-context directory WORKDIR corresponds to, or None."""
        if self.workdir is None:
            return None
        found = self.to_context(self.workdir)
        if found is not None:
            return found
        for image, context in self.paths:  # `COPY package.json ./` then `RUN npm ci`
            if posixpath.dirname(image) == self.workdir and posixpath.basename(
                image
            ) == posixpath.basename(context):
                return posixpath.dirname(context)
        return None


def _under(path: str, root: str) -> str | None:
    """`path` relative to `root` ("" when equal), or None when outside it."""
    if path == root:
        return ""
    prefix = root if root.endswith("/") else root + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None


def _join(base: str, rest: str) -> str:
    joined = posixpath.normpath(posixpath.join(base, rest)) if rest else base
    return "" if joined == "." else joined


def image_to_context(image_path: str, paths: dict[str, str]) -> str | None:
    best: tuple[int, str] | None = None
    for image, context in paths.items():
        rest = _under(image_path, image)
        if rest is not None and (best is None or len(image) > best[0]):
            best = (len(image), _join(context, rest))
    return None if best is None else best[1]


def _copy_words(instr: Instruction) -> list[str]:
    command = instr.command.strip()
    if command.startswith("["):
        parsed = parse_exec_form(command)
        return list(parsed) if parsed is not None else []
    return _words(command)


_End = tuple[str | None, dict[str, str], dict[str, str], set[str]]


def _path_dirs(env: dict[str, str]) -> tuple[str, ...]:
    value = env.get("PATH")
    if value is None:
        return DEFAULT_PATH
    return tuple(d for d in value.split(":") if d.startswith("/") and "$" not in d)


def _set_path(raw: str, known: dict[str, str], env: dict[str, str]) -> None:
    """`ENV PATH=/opt/venv/bin:$PATH`: the parts railsafe can resolve, in order."""
    parts = []
    for part in raw.split(":"):
        value = _expand(part, known)
        if value is not None:
            parts.append(value)
    env["PATH"] = ":".join(p for p in parts if p)


def _parents(path: str) -> set[str]:
    out = set()
    while path not in ("/", ""):
        path = posixpath.dirname(path)
        out.add(path)
    return out


def image_layout(
    instructions: list[Instruction], is_dir: Callable[[str], bool]
) -> tuple[list[Place], dict[int, Place]]:
    """The Place of every instruction (before it runs) and of every stage's end.

    `is_dir(path)` tells whether a build-context path is a directory.
    """
    known_global = _global_args(instructions)
    aliases: dict[str, int] = {}
    ends: dict[int, _End] = {}
    workdir: str | None = "/"
    paths: dict[str, str] = {}
    env: dict[str, str] = {}
    dirs: set[str] = set()  # directories the stage made (WORKDIR, COPY of a directory)
    args: list[str] = []
    arg_values: dict[str, str] = {}
    places: list[Place] = []
    stage = -1
    for instr in instructions:
        if instr.keyword == "FROM":
            if stage >= 0:
                ends[stage] = (workdir, dict(paths), dict(env), set(dirs))
            stage = instr.stage
            base, name = _from_target(instr, known_global)
            parent = aliases.get(base.lower())
            if name is not None:
                aliases[name] = stage
            if parent is not None and parent in ends:
                workdir, inherited, inherited_env, inherited_dirs = ends[parent]
                paths, env, dirs = dict(inherited), dict(inherited_env), set(inherited_dirs)
            else:
                # an external image: its own PATH, taken as the default (docs/facts.md F12)
                workdir, paths, env, dirs = "/", {}, {"PATH": ":".join(DEFAULT_PATH)}, set()
            args, arg_values = [], {}
        places.append(Place(workdir, tuple(sorted(paths.items())), tuple(args), _path_dirs(env)))
        if stage < 0:
            continue
        known = {**arg_values, **env}
        if instr.keyword == "ARG":
            for pair in pairs(instr):
                if pair.name not in args:
                    args.append(pair.name)
                value = pair.value if pair.value is not None else known_global.get(pair.name)
                if value is not None:
                    arg_values[pair.name] = value
        elif instr.keyword == "ENV":
            for pair in pairs(instr):
                if pair.name == "PATH":
                    _set_path(pair.value or "", known, env)
                    continue
                value = _expand(pair.value or "", known)
                if value is not None:
                    env[pair.name] = value
                else:
                    env.pop(pair.name, None)
        elif instr.keyword == "WORKDIR":
            target = _expand(unquote(instr.command.strip()), known)
            if target is None or (workdir is None and not target.startswith("/")):
                workdir = None
            else:
                workdir = posixpath.normpath(posixpath.join(workdir or "/", target))
                dirs.add(workdir)
        elif instr.keyword in ("COPY", "ADD") and not instr.heredocs:
            if any(f.startswith("--parents") for f in instr.flags):
                continue
            _copy(instr, _copy_words(instr), workdir, paths, dirs, known, aliases, ends, is_dir)
    if stage >= 0:
        ends[stage] = (workdir, dict(paths), dict(env), set(dirs))
    final = {
        index: Place(wd, tuple(sorted(p.items())), (), _path_dirs(e))
        for index, (wd, p, e, _d) in ends.items()
    }
    return places, final


def _existing_dir(dest: str, paths: dict[str, str], dirs: set[str]) -> bool:
    """Is `dest` a directory of the image already (so a file copied onto it goes inside)?"""
    if dest in _BASE_DIRS or dest in dirs:
        return True
    return any(dest in _parents(image) for image in paths) or any(
        dest in _parents(d) for d in dirs
    )


def _copy(
    instr: Instruction,
    words: list[str],
    workdir: str | None,
    paths: dict[str, str],
    dirs: set[str],
    known: dict[str, str],
    aliases: dict[str, int],
    ends: dict[int, _End],
    is_dir: Callable[[str], bool],
) -> None:
    if len(words) < 2:
        return
    dest = _expand(words[-1], known)
    if dest is None:
        return
    if not dest.startswith("/"):
        if workdir is None:
            return
        dest = posixpath.join(workdir, dest)
    # BuildKit: a destination of "." or ending in "/" is a directory (dispatchCopy);
    # several sources go into one; so does a file copied onto an existing directory
    raw_dest = words[-1]
    dest = posixpath.normpath(dest)
    into_dir = (raw_dest.endswith("/") or raw_dest in (".", "..") or len(words) > 2
                or _existing_dir(dest, paths, dirs))
    sources = words[:-1]
    froms = _flag_values(instr, "from")
    if froms:
        ref = _stage_ref(froms[-1], aliases, instr.stage)
        if ref is None or ref not in ends:
            return
        stage_paths = ends[ref][1]
        for src in sources:
            if _GLOB.search(src) or "$" in src:
                continue
            src_abs = posixpath.normpath(posixpath.join("/", src))
            below = {k: v for k, v in stage_paths.items() if _under(k, src_abs) not in (None, "")}
            exact = image_to_context(src_abs, stage_paths)
            src_is_dir = bool(below) or (exact is not None and is_dir(exact))
            target = dest
            if into_dir and not src_is_dir:
                target = posixpath.join(dest, posixpath.basename(src_abs))
            if exact is not None:
                paths[target] = exact
            for image, context in below.items():
                rest = _under(image, src_abs)
                if rest:
                    paths[posixpath.join(target, rest)] = context
            if src_is_dir:
                dirs.add(target)
        return
    for src in sources:
        if _GLOB.search(src) or "$" in src or "://" in src or src.startswith("git@"):
            continue
        rel = _join("", posixpath.normpath(src.lstrip("/")))
        if rel.startswith(".."):
            continue
        if is_dir(rel):
            paths[dest] = rel
            dirs.add(dest)
        else:
            target = posixpath.join(dest, posixpath.basename(rel)) if into_dir else dest
            paths[target] = rel

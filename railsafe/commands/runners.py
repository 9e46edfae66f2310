"""Task runners that run package scripts or workspace targets: npm-run-all / run-s /
run-p, concurrently, `node --run`, turbo, Nx and Lerna. Called by the walker
(railsafe/commands/walker.py: `run`) on first use.

What this relies on about the tools:

- npm-run-all (and its fork npm-run-all2; `run-s` sequential, `run-p` parallel):
  every non-option word is a script-name pattern, optionally followed by arguments in
  the same word (`"build -- --watch"`); patterns are minimatch globs with `:` as the
  separator (lib/match-tasks.js swaps `:` and `/`): `test:*` matches `test:unit`, not
  `test` nor `test:unit:x`; `**` crosses separators. Each match runs as
  `<npm_execpath> run <task>` (lib/run-task.js): the package manager running the
  outer script, npm by default. Options: `-s` / `--sequential` / `--serial`, `-p` /
  `--parallel`, `--max-parallel N`, `--npm-path P`, `--pkg:var value`, `--` (the
  arguments for `{1}` placeholders), other flags without values.
- concurrently: every positional is a shell command, run with `sh -c`; the
  shortcuts `npm:x` / `yarn:x` / `pnpm:x` / `bun:x` are `<pm> run x`, `node:x` is
  `node --run x`, `deno:x` is `deno task x` (src/command-parser/expand-shortcut.ts);
  a `*` in the script name expands over package.json scripts (`.*?` between the
  literal parts; `(!re)` omits matches of re) (expand-wildcard.ts). `--teardown`
  commands run too.
- `node --run <script>` (Node 22) runs a package.json script, without pre/post scripts.
- turbo: `turbo run <task>` runs the task in every workspace package with the script
  (`--filter` selects packages: workspaces.py), with the tasks turbo.json `dependsOn`
  adds (`^build`: the dependencies' build; `pkg#task`; `//#task`: the root's), not
  the workspace root's own script; `--only` runs no dependency; `--` passes the
  arguments on to the named tasks. A repository without workspace packages runs its
  root scripts.
- Nx: `nx run-many -t a b` / `--targets=a,b` / `--target=a` [`-p x,y` / `--projects`,
  `--exclude`], `nx affected -t ...` (every project, since what is affected is not
  known here), `nx run project:target`, `nx <target> [project]`; see monorepo.py for
  how a target runs. Targets named like tests (`test`, `e2e`, the table's
  `script_names`) whose executor is not followed are test runs by their name.
- Lerna: `lerna run <script>[,<script>] [--scope g] [--ignore g]` runs the script in
  each package that has it, with the package manager (pre/post scripts with npm).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shlex
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from railsafe.commands.packages import (
    detect_by_name,
    has_script,
    run_script,
    used_package_manager,
)
from railsafe.commands.shell import Env, JsonValueOrigin, Unit, Word
from railsafe.commands.table import script_entry
from railsafe.commands.types import ResolverExtras, Step
from railsafe.commands.workspaces import Selection, match_base, select_packages

if TYPE_CHECKING:
    from railsafe.commands.walking import Walking

NPM_RUN_ALL = frozenset({"npm-run-all", "npm-run-all2", "run-s", "run-p"})

_CONCURRENTLY_TAKES = frozenset(
    {
        "-m", "--max-processes", "-n", "--names", "--name-separator", "-s", "--success",
        "--hide", "-p", "--prefix", "-c", "--prefix-colors", "-l", "--prefix-length",
        "-t", "--timestamp-format", "--restart-tries", "--restart-after",
        "--default-input-target", "--kill-signal", "-ks", "--cwd", "--teardown",
    }
)  # fmt: skip
_SHORTCUT = re.compile(r"^(npm|yarn|pnpm|bun|node|deno):(\S+)(.*)$", re.DOTALL)
_OMISSION = re.compile(r"\(!([^)]+)\)")
_NX_TAKES = frozenset(
    {
        "-t", "--target", "--targets", "-p", "--projects", "--exclude", "-c",
        "--configuration", "--output-style", "--base", "--head", "--files", "--runner",
        "--maxParallel", "--max-parallel",
    }
)  # fmt: skip
# nx subcommands that run no target
_NX_COMMANDS = frozenset(
    {
        "add", "affected:graph", "connect", "connect-to-nx-cloud", "daemon", "exec",
        "format", "format:check", "format:write", "g", "generate", "graph", "import",
        "init", "list", "login", "logout", "migrate", "new", "release", "repair", "report",
        "reset", "show", "sync", "sync:check", "view-logs", "watch", "print-affected",
        "dep-graph", "workspace-generator", "completion", "configure-ai-agents", "mcp",
    }
)  # fmt: skip
_LERNA_TAKES = frozenset(
    {"--scope", "--ignore", "--since", "--concurrency", "--npm-client", "--profile-location",
     "--load-env-files"}
)  # fmt: skip
# turbo options that take a value (`--filter x` as well as `--filter=x`)
_TURBO_TAKES = frozenset(
    {
        "--filter", "-F", "--scope", "--ignore", "--cwd", "--concurrency", "--cache-dir",
        "--output-logs", "--log-order", "--log-prefix", "--env-mode", "--ui", "--cache",
        "--team", "--token", "--api", "--login", "--global-deps", "--since", "--profile",
        "--anon-profile", "--heap", "--trace", "--remote-cache-timeout",
        "--framework-inference", "--pkg-inference-root", "--verbosity", "--summarize",
    }
)  # fmt: skip
# turbo subcommands that run no task
_TURBO_COMMANDS = frozenset(
    {
        "login", "logout", "link", "unlink", "prune", "gen", "generate", "daemon", "bin",
        "telemetry", "info", "ls", "query", "boundaries", "scan", "completion", "devtools",
        "docs", "config",
    }
)  # fmt: skip

_TEST_EXECUTORS = ("*:jest", "*:vitest", "*/vite:test", "*:playwright", "*:cypress", "*:test")
_MAX_RUNS = 500


def run(
    walker: Walking, name: str, words: list[Word], unit: Unit, env: Env, start: int, end: int
) -> bool:
    """Follow `words` when they run one of these runners (walker._RUNNER_NAMES);
    False when they do not (the walker goes on matching the command)."""
    args = words[1:]
    if name in NPM_RUN_ALL:
        npm_run_all(walker, name, args, unit, env, start, end)
        return True
    if name == "concurrently":
        concurrently(walker, args, unit, env, start, end)
        return True
    if name == "node":
        return node_run(walker, args, unit, env, start, end)
    if name == "turbo":
        turbo(walker, args, unit, env, start, end)
        return True
    if name == "nx":
        return nx(walker, args, unit, env, start, end)
    if name == "lerna":
        return lerna(walker, args, unit, env, start, end)
    return False


def _words(text: str, start: int, end: int) -> list[Word]:
    """Argument words split from a pattern's text (`"build -- --watch"`), placed at the
    word that held them."""
    try:
        parts = shlex.split(text)
    except ValueError:
        return []
    if parts[:1] == ["--"]:  # `npm run x -- --ci`: the package manager drops the `--`
        parts = parts[1:]
    return [Word(p, start, end) for p in parts]


def _scripts(walker: Walking, cwd: str | None) -> list[str] | None:
    names = walker.ask(cwd, ResolverExtras.package_scripts)
    return list(names) if isinstance(names, list) else None


# --- npm-run-all ---------------------------------------------------------------------


def _segments_match(pattern: list[str], name: list[str]) -> bool:
    if not pattern:
        return not name
    head = pattern[0]
    if head == "**":
        return any(_segments_match(pattern[1:], name[k:]) for k in range(len(name) + 1))
    if not name or not any(fnmatch.fnmatchcase(name[0], alt) for alt in _braces(head)):
        return False
    return _segments_match(pattern[1:], name[1:])


def _braces(pattern: str) -> list[str]:
    found = re.search(r"\{([^{}]*)\}", pattern)
    if found is None:
        return [pattern]
    out: list[str] = []
    for alt in found[1].split(","):
        out.extend(_braces(pattern[: found.start()] + alt + pattern[found.end() :]))
    return out[:64]


def task_glob_match(pattern: str, name: str) -> bool:
    """npm-run-all's match of a script name: minimatch with `:` as the separator."""
    pattern = pattern.replace("/", "\0").replace(":", "/")
    name = name.replace("/", "\0").replace(":", "/")
    return _segments_match(pattern.split("/"), name.split("/"))


def npm_run_all(
    walker: Walking, name: str, args: list[Word], unit: Unit, env: Env, start: int, end: int
) -> None:
    patterns: list[Word] = []
    i = 0
    while i < len(args):
        t = args[i].text
        if t is None:
            i += 1
            continue
        if t == "--":
            break
        if t in ("--max-parallel", "--npm-path") or re.match(r"^--[^:=]+:[^=]+$", t):
            i += 2
            continue
        if t.startswith("-"):
            i += 1
            continue
        patterns.append(args[i])
        i += 1
    cwd = env.cwd
    pm = used_package_manager(walker, cwd)
    invocation = unit.text[start:end]
    names = _scripts(walker, cwd)
    for word in patterns:
        text = (word.text or "").strip()
        task, _, rest = text.partition(" ")
        extra = _words(rest, word.start, word.end)
        if any(c in task for c in "*?[{") and names is not None:
            chosen = [n for n in names if task_glob_match(task, n)]
        else:
            chosen = [task]
        for script in chosen:  # located at the pattern's word
            run_script(
                walker, pm, script, extra, unit, env, cwd, None, word.start, word.end, invocation,
                bins=False,
            )


# --- concurrently ----------------------------------------------------------------------


def _expand_wildcard(script: str, names: list[str]) -> list[str]:
    omission = _OMISSION.search(script)
    bare = _OMISSION.sub("", script)
    at = bare.index("*")
    regex = re.compile(f"^{re.escape(bare[:at])}(.*?){re.escape(bare[at + 1 :])}$")
    omit = None
    if omission is not None:
        try:
            omit = re.compile(omission[1])
        except re.error:
            omit = None
    return [n for n in names if regex.match(n) and not (omit is not None and omit.search(n))]


def concurrently(
    walker: Walking, args: list[Word], unit: Unit, env: Env, start: int, end: int
) -> None:
    commands: list[Word] = []
    i = 0
    while i < len(args):
        word = args[i]
        t = word.text
        if t is not None and t.startswith("-") and t != "-":
            key, eq, _ = t.partition("=")
            if key in _CONCURRENTLY_TAKES and not eq:
                if key == "--teardown" and i + 1 < len(args):
                    commands.append(args[i + 1])
                i += 2
                continue
            if key == "--teardown" and eq:
                commands.append(replace(word, text=t.split("=", 1)[1], node=None))
            i += 1
            continue
        commands.append(word)
        i += 1
    cwd = env.cwd
    invocation = unit.text[start:end]
    for word in commands:
        text = word.text
        if text is None:
            continue
        shortcut = _SHORTCUT.match(text.strip())
        if shortcut is None:
            if word.node is not None:
                walker.inner_string(word.node, unit, env.copy())
            continue
        runner, script, rest = shortcut.groups()
        extra = _words(rest, word.start, word.end)
        chosen = [script]
        if "*" in script:
            names = _scripts(walker, cwd)
            if names is not None:
                chosen = _expand_wildcard(script, names)
        for name in chosen:  # located at the shortcut's word
            run_script(
                walker, runner, name, extra, unit, env, cwd, None, word.start, word.end, invocation,
                bins=False,
            )


# --- node --run ------------------------------------------------------------------------


def node_run(walker: Walking, args: list[Word], unit: Unit, env: Env, start: int, end: int) -> bool:
    """`node --run <script> [args]`: the package.json script (Node runs no pre/post)."""
    for k, word in enumerate(args):
        t = word.text
        if t is None or not t.startswith("-"):
            return False  # the program file: node's options end there
        if t == "--run" or t.startswith("--run="):
            if t.startswith("--run="):
                script, rest = t.split("=", 1)[1], args[k + 1 :]
            elif k + 1 < len(args) and args[k + 1].text:
                script, rest = args[k + 1].text or "", args[k + 2 :]
            else:
                return True
            rest = rest[1:] if rest and rest[0].text == "--" else rest
            invocation = unit.text[start:end]
            run_script(
                walker, "node", script, list(rest), unit, env, env.cwd, None, start, end,
                invocation, bins=False,
            )
            return True
    return False


# --- turbo --------------------------------------------------------------------------


def turbo(walker: Walking, args: list[Word], unit: Unit, env: Env, start: int, end: int) -> None:
    """`turbo run build [--filter=x]`: each selected workspace package's script, with
    the tasks turbo.json `dependsOn` adds (`^build`: the dependencies' build)."""
    tasks: list[str] = []
    filters: list[str] = []
    passthrough: list[Word] = []
    only = False
    cwd = env.cwd
    i = 0
    seen_sub = False
    while i < len(args):
        t = args[i].text
        if t is None:
            i += 1
            continue
        if t == "--":
            passthrough = list(args[i + 1 :])
            break
        key, eq, value = t.partition("=")
        if t.startswith("-"):
            if key in _TURBO_TAKES and not eq:
                value = (args[i + 1].text or "") if i + 1 < len(args) else ""
                i += 1
            if key in ("--filter", "-F", "--scope"):
                filters.append(value)
            elif key == "--cwd":
                cwd = walker.cd(cwd, [Word(value, 0, 0)])
            elif key in ("--dry-run", "--dry", "--graph", "-h", "--help", "--version"):
                return  # nothing runs
            elif key == "--only":
                only = True
            i += 1
            continue
        if not seen_sub:
            seen_sub = True
            if t in ("run", "watch"):
                i += 1
                continue
            if t in _TURBO_COMMANDS:
                return
        tasks.append(t)
        i += 1
    if not tasks or cwd is None:
        return
    invocation = unit.text[start:end]
    pm = used_package_manager(walker, cwd)
    packages = walker.ask(cwd, ResolverExtras.workspace_packages) or []
    members = [p for p in packages if not p.root]
    if not members:  # a single-package repository: the root's scripts
        for task in tasks:
            if has_script(walker, cwd, task):
                run_script(
                    walker, pm, task, passthrough, unit, env, cwd, None, start, end, invocation,
                    bins=False,
                )
        return
    selection = Selection()
    selection.selectors = filters
    selection.everything = not filters
    chosen = select_packages(packages, selection) if filters else members
    by_name = {p.name: p for p in packages if p.name}
    # (package, task, the turbo.json dependsOn entries that pulled it in)
    todo: list[tuple[Any, str, tuple[Step, ...]]] = [
        (p, task, ()) for task in tasks for p in chosen
    ]
    seen: set[tuple[str, str]] = set()
    runs: list[tuple[Any, str, tuple[Step, ...]]] = []
    while todo:
        package, task, via = todo.pop(0)
        if (package.directory, task) in seen or len(seen) > 2000:
            continue
        seen.add((package.directory, task))
        runs.append((package, task, via))
        if only:
            continue
        for dep, step in _turbo_dependencies(walker, cwd, task, package.name):
            if dep.startswith("$"):
                continue
            path = (*via, step) if step is not None else via
            if dep.startswith("^"):
                todo.extend(
                    (by_name[d], dep[1:], path) for d in package.dependencies if d in by_name
                )
            elif "#" in dep:
                owner, _, other = dep.partition("#")
                target = next((p for p in packages if p.root), None)
                target = target if owner == "//" else by_name.get(owner)
                if target is not None:
                    todo.append((target, other, path))
            else:
                todo.append((package, dep, path))
    for package, task, via in runs:
        directory = posixpath.normpath(posixpath.join(cwd, package.directory))
        if not has_script(walker, directory, task):
            continue
        run_script(
            walker, pm, task, passthrough if task in tasks else [], unit, env, directory, None,
            start, end, invocation, bins=False, via=via,
        )


def _turbo_dependencies(
    walker: Walking, cwd: str | None, task: str, package: str
) -> list[tuple[str, Step | None]]:
    """turbo.json `dependsOn` of a task, with the Step of each entry when the
    resolver locates them (`turbo_task_dependency_steps`)."""
    steps = walker.ask(cwd, ResolverExtras.turbo_task_dependency_steps, task, package)
    if steps is not None:
        return list(steps)
    names = walker.ask(cwd, ResolverExtras.turbo_task_dependencies, task, package)
    return [(d, None) for d in names or ()]


# --- Nx --------------------------------------------------------------------------------


def _values(args: list[Word], i: int) -> tuple[list[str], int]:
    """The words of an array option (`-t lint test build`): up to the next option."""
    out: list[str] = []
    while i < len(args):
        t = args[i].text
        if t is None or t.startswith("-"):
            break
        out.extend(v for v in t.split(",") if v)
        i += 1
    return out, i


def nx(walker: Walking, args: list[Word], unit: Unit, env: Env, start: int, end: int) -> bool:
    targets: list[str] = []
    projects: list[str] = []
    excludes: list[str] = []
    positionals: list[str] = []
    with_dependencies = True
    i = 0
    while i < len(args):
        t = args[i].text
        if t is None:
            i += 1
            continue
        if t == "--":
            break
        if t.startswith("-") and t != "-":
            key, eq, value = t.partition("=")
            if key in ("-t", "--target", "--targets", "-p", "--projects", "--exclude"):
                values = [v for v in value.split(",") if v] if eq else []
                if not eq:
                    values, i = _values(args, i + 1)
                else:
                    i += 1
                if key in ("-t", "--target", "--targets"):
                    targets.extend(values)
                elif key == "--exclude":
                    excludes.extend(values)
                else:
                    projects.extend(values)
                continue
            if key in ("--exclude-task-dependencies", "--excludeTaskDependencies"):
                with_dependencies = value.lower() in ("false", "0") if eq else False
            elif key in ("--help", "-h", "--version", "--graph", "--dry-run"):
                return True
            i += 2 if key in _NX_TAKES and not eq else 1
            continue
        positionals.append(t)
        i += 1
    if not positionals:
        return True
    sub = positionals[0]
    if sub in _NX_COMMANDS:
        return True
    if sub in ("run-many", "affected"):
        if not targets and sub == "affected" and len(positionals) > 1:
            targets = [positionals[1]]  # old `nx affected build`
    elif sub == "run":
        if len(positionals) < 2 or ":" not in positionals[1]:
            return True
        project, target = positionals[1].split(":")[:2]
        projects, targets = [project], [target]
    elif ":" in sub:  # `nx api:build`
        project, target = sub.split(":")[:2]
        projects, targets = [project], [target]
    else:  # `nx build api`, `nx build` (the project of this directory)
        targets = [sub]
        projects = positionals[1:2]
        if not projects:
            projects = ["."]
    if not targets:
        return True
    _nx_run(walker, targets, projects, excludes, with_dependencies, unit, env, start, end)
    return True


def _nx_select(packages: list[Any], wanted: list[str], excludes: list[str]) -> list[Any]:
    if wanted == ["."]:
        chosen = [p for p in packages if p.directory == "."]
    elif wanted:
        chosen = []
        for selector in wanted:
            for p in match_base(packages, selector):
                if p not in chosen:
                    chosen.append(p)
    else:
        chosen = list(packages)
    for selector in excludes:
        out = set(id(p) for p in match_base(packages, selector))
        chosen = [p for p in chosen if id(p) not in out]
    return chosen


def _nx_run(
    walker: Walking,
    targets: list[str],
    wanted: list[str],
    excludes: list[str],
    with_dependencies: bool,
    unit: Unit,
    env: Env,
    start: int,
    end: int,
) -> None:
    cwd = env.cwd
    if cwd is None:
        return
    invocation = unit.text[start:end]
    packages = walker.ask(cwd, ResolverExtras.nx_projects) or []
    chosen = _nx_select(packages, wanted, excludes)
    by_name = {p.name: p for p in packages if p.name}
    todo = [(p, t) for t in targets for p in chosen]
    seen: set[tuple[str, str]] = set()
    ran: set[str] = set()
    while todo and len(seen) < _MAX_RUNS:
        package, target = todo.pop(0)
        if (package.directory, target) in seen:
            continue
        seen.add((package.directory, target))
        directory = posixpath.normpath(posixpath.join(cwd, package.directory))
        found = walker.ask(directory, ResolverExtras.nx_target, target)
        if found is None:
            continue
        if _nx_follow(walker, found, target, directory, unit, env, start, end, invocation):
            ran.add(target)
        if not with_dependencies:
            continue
        for dep in walker.ask(directory, ResolverExtras.nx_target_dependencies, target) or ():
            if dep.startswith("^"):
                todo.extend((by_name[d], dep[1:]) for d in package.dependencies if d in by_name)
            elif "{" not in dep:
                todo.append((package, dep))
    _by_name(walker, "nx", [t for t in targets if t not in ran], unit, start, end, invocation)


def _by_name(
    walker: Walking,
    runner: str,
    targets: list[str],
    unit: Unit,
    start: int,
    end: int,
    invocation: str,
) -> None:
    """Targets that could not be followed, detected by their name (`test`, `e2e`)."""
    for target in targets:
        detect_by_name(walker, runner, target, unit, start, end, invocation)


def _nx_follow(
    walker: Walking,
    found: Any,
    target: str,
    directory: str,
    unit: Unit,
    env: Env,
    start: int,
    end: int,
    invocation: str,
) -> bool:
    """Run one project's target; True when it was followed (or detected)."""
    if found.commands:
        where = posixpath.normpath(posixpath.join(directory, found.cwd or "."))
        for text, step in found.commands:
            frame = walker.follow(unit, start, end, ("nx", step.path, step.label))
            if frame is None:
                continue
            frame = replace(frame, origin=JsonValueOrigin(text, step), chain=(*frame.chain, step))
            walker.analyze_text(Unit(text, frame), Env(where))
        return True
    if found.script:
        pm = used_package_manager(walker, directory)
        run_script(
            walker, pm, found.script, [], unit, env, directory, None, start, end, invocation,
            bins=False, via=(found.step,) if found.executor else (),
        )
        return True
    if found.executor:
        test_like = script_entry(target, walker.table)
        if any(fnmatch.fnmatchcase(found.executor, p) for p in _TEST_EXECUTORS) or (
            test_like is not None and test_like.category == "test-runner"
        ):
            what = f"nx {target} ({found.executor})"
            walker.detect(unit, "test-runner", what, start, end, invocation, via=(found.step,))
            return True
    return False


# --- Lerna -------------------------------------------------------------------------------


def lerna(walker: Walking, args: list[Word], unit: Unit, env: Env, start: int, end: int) -> bool:
    if not args or args[0].text != "run":
        return False
    scripts: list[str] = []
    scopes: list[str] = []
    ignores: list[str] = []
    passthrough: list[Word] = []
    client = ""
    i = 1
    while i < len(args):
        t = args[i].text
        if t is None:
            i += 1
            continue
        if t == "--":
            passthrough = list(args[i + 1 :])
            break
        if t.startswith("-"):
            key, eq, value = t.partition("=")
            if key in _LERNA_TAKES and not eq:
                value = (args[i + 1].text or "") if i + 1 < len(args) else ""
                i += 1
            if key == "--scope":
                scopes.append(value)
            elif key == "--ignore":
                ignores.append(value)
            elif key == "--npm-client":
                client = value
            i += 1
            continue
        if not scripts:
            scripts = [s for s in t.split(",") if s]
        i += 1
    cwd = env.cwd
    if not scripts or cwd is None:
        return True
    invocation = unit.text[start:end]
    packages = walker.ask(cwd, ResolverExtras.lerna_packages) or []
    chosen = packages
    if scopes:
        chosen = [p for p in packages if any(fnmatch.fnmatchcase(p.name, s) for s in scopes)]
    chosen = [p for p in chosen if not any(fnmatch.fnmatchcase(p.name, g) for g in ignores)]
    ran: set[str] = set()
    for script in scripts:
        for package in chosen:
            directory = posixpath.normpath(posixpath.join(cwd, package.directory))
            if not has_script(walker, directory, script):
                continue
            if client in ("npm", "yarn", "pnpm"):
                pm = client
            else:
                pm = used_package_manager(walker, directory)
            ran.add(script)
            run_script(
                walker, pm, script, passthrough, unit, env, directory, None, start, end, invocation,
                bins=False,
            )
    if not packages:
        missing = [s for s in scripts if s not in ran]
        _by_name(walker, "lerna", missing, unit, start, end, invocation)
    return True

"""Package managers: `npm` / `yarn` / `pnpm` / `bun` command lines into package.json.

What this relies on about the package managers:

- Package scripts. `npm run x -- a b`, `npm run x a` (npm takes the options after the
  script name as its own unless they follow `--`), `pnpm run x a`, `pnpm x a`,
  `yarn x a`, `bun run x a`: the package manager appends the arguments to the script's
  text and runs it with `sh -c`, so the script is analysed with them appended.
- Pre/post scripts (`prebuild`, `postbuild` around `build`):
  npm runs them (docs.npmjs.com "scripts": "Pre and post commands with matching names
  will be run for those as well");
  Yarn Berry (Yarn >= 2: package.json `"packageManager": "yarn@2+"` or a .yarnrc.yml)
  does not: yarnpkg.com/advanced/lifecycle-scripts, "we intentionally don't support
  arbitrary pre and post hooks for user-defined scripts (such as prestart)" (it keeps
  the lifecycle scripts: preinstall/install/postinstall, prepack/postpack...);
  Yarn 1 does;
  pnpm 6 to 8 did not by default (setting `enable-pre-post-scripts`, pnpm/pnpm#2891),
  pnpm 9 and later do: pnpm is treated as running them, the current default;
  bun does not.
- Lifecycle commands (`npm test`, `npm start`, `pnpm t`) run the script of that name;
  `npm install` / `yarn` run the install scripts (`preinstall`, `postinstall`,
  `prepare`...); `npm exec` / `pnpm dlx` / `bun x` run a package's binary; yarn, pnpm
  and bun run a binary of that name when there is no such script.
- Workspaces. `pnpm --filter <selector>` / `-F`, `pnpm -r`, `npm -w <name|dir>` /
  `--workspaces`, `yarn workspace <name>`, `yarn workspaces foreach`, `bun --filter`
  run the scripts of the workspace packages (selection: workspaces.py); recursive runs
  skip the packages without the script.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from railsafe.commands.shell import (
    Env,
    JsonValueOrigin,
    Unit,
    Word,
    is_option,
    quoted,
    skip_options,
    strip_version,
)
from railsafe.commands.table import script_entry
from railsafe.commands.types import ResolverExtras, Step
from railsafe.commands.workspaces import Selection, packages_for, workspace_root

if TYPE_CHECKING:
    from railsafe.commands.walking import Walking

PACKAGE_MANAGERS = frozenset({"npm", "yarn", "pnpm", "bun"})
# package-manager options that take a value
_PM_TAKES = frozenset(
    {
        "--prefix", "--cwd", "-C", "--dir", "-w", "--workspace", "--filter", "-F",
        "--filter-prod", "--loglevel", "--registry", "--reporter", "--workspace-concurrency",
        "--resume-from",
    }
)  # fmt: skip
_PM_EXEC = {
    "npm": ("exec", "x"),
    "pnpm": ("exec", "dlx"),
    "yarn": ("exec", "dlx"),
    "bun": ("x", "exec"),
}
_PM_INSTALL = {
    "npm": (
        "install", "i", "ci", "add", "clean-install", "isntall", "in", "it", "install-test",
        "cit", "install-ci-test", "clean-install-test",
    ),
    "pnpm": ("install", "i"),
    "yarn": ("install",),
    "bun": ("install", "i"),
}  # fmt: skip
_PM_LIFECYCLE: dict[str, dict[str, str]] = {
    "npm": {"test": "test", "t": "test", "tst": "test", "start": "start", "stop": "stop",
            "restart": "restart"},
    "pnpm": {"test": "test", "t": "test", "start": "start"},
    "yarn": {},
    "bun": {},
}  # fmt: skip
_PM_BUILTINS: dict[str, frozenset[str]] = {
    "yarn": frozenset(
        {
            "add", "audit", "autoclean", "bin", "cache", "check", "config", "constraints",
            "create", "dedupe", "dlx", "exec", "explain", "global", "help", "import",
            "info", "init", "install", "licenses", "link", "list", "login", "logout",
            "node", "npm", "outdated", "owner", "pack", "patch", "plugin", "policies",
            "publish", "rebuild", "remove", "search", "set", "stage", "tag", "team",
            "unlink", "unplug", "up", "upgrade", "upgrade-interactive", "version",
            "versions", "why", "workspaces",
        }
    ),
    "pnpm": frozenset(
        {
            "add", "audit", "bin", "config", "create", "dedupe", "deploy", "dlx", "env",
            "exec", "fetch", "import", "init", "install-test", "licenses", "link", "list",
            "ll", "ls", "outdated", "pack", "patch", "patch-commit", "prune", "publish",
            "rebuild", "remove", "rm", "root", "server", "setup", "store", "un",
            "uninstall", "unlink", "up", "update", "why",
        }
    ),
    "bun": frozenset(
        {
            "test", "install", "i", "add", "a", "remove", "rm", "update", "upgrade",
            "build", "create", "init", "link", "unlink", "pm", "x", "exec", "outdated",
            "publish", "patch", "audit", "info",
        }
    ),
}  # fmt: skip


_SEED_SCRIPT = re.compile(r"^(?:seeds?|db:seed|seed[:-].*|.*[:-]seed|db:seed:.*)$")


def is_seed_script(name: str) -> bool:
    """A package script named like a seeder (`seed`, `db:seed`, `seed:dev`): the
    JavaScript files it runs are read for statements that delete every row."""
    return bool(_SEED_SCRIPT.match(name))


def package_manager(
    walker: Walking, pm: str, args: list[Word], unit: Unit, env: Env, start: int, end: int
) -> None:
    cwd: str | None = env.cwd
    selection = Selection()
    i = _pm_options(walker, pm, args, 0, selection, env)
    if i is None:
        return
    if selection.cwd_set:
        cwd = selection.cwd
    sub = args[i].text if i < len(args) else None
    rest = args[i + 1 :]
    if sub is None:
        if i >= len(args) and pm == "yarn":
            install_scripts(walker, pm, unit, cwd, start, end)
        return
    if pm == "yarn" and sub == "workspace" and len(rest) >= 2:
        if rest[0].text is None:
            return
        selection.selectors.append(rest[0].text)
        sub, rest = rest[1].text, rest[2:]
        if sub is None:
            return
    elif pm == "yarn" and sub == "workspaces" and rest:
        found = _yarn_foreach(walker, rest, selection)
        if found is None or found[0] is None:
            return
        sub, rest = found[0], found[1]
    if sub in ("run", "run-script", "rum", "urn") or (pm == "bun" and sub == "run"):
        found_k = _pm_options(walker, pm, rest, 0, selection, env)  # `run -r build`
        if found_k is None:
            return
        k = found_k + 1 if found_k < len(rest) and rest[found_k].text == "--" else found_k
        if selection.cwd_set:
            cwd = selection.cwd
        if k >= len(rest) or rest[k].text is None:
            return
        script = rest[k].text or ""
        extra = _script_args(walker, pm, rest[k + 1 :], selection, env)
        invocation = unit.text[start : rest[k].end]
        run_script(
            walker, pm, script, extra, unit, env, cwd, selection, start, end, invocation,
            bins=pm != "npm",
        )
        return
    if sub in _PM_EXEC.get(pm, ()):
        k = skip_options(rest, 0, frozenset({"-p", "--package", "-c", "--call"}))
        if any(w.text in ("-c", "--call") for w in rest[:k]):
            return
        if k < len(rest):
            inner = [replace(rest[k], text=strip_version(rest[k].text or "")), *rest[k + 1 :]]
            chosen = packages_for(walker, cwd, selection)
            places: list[str | None] = [*chosen] if chosen else [cwd]
            for where in places:
                walker.dispatch(inner, unit, Env(where, env.functions), [], end)
        return
    if sub in _PM_INSTALL.get(pm, ()):
        if not any(not is_option(w) for w in rest):
            install_scripts(walker, pm, unit, cwd, start, end)
        if sub in ("it", "install-test", "cit", "install-ci-test", "clean-install-test"):
            invocation = unit.text[start : args[i].end]
            run_script(
                walker, pm, "test", [], unit, env, cwd, selection, start, end, invocation,
                bins=False,
            )
        return
    lifecycle = _PM_LIFECYCLE.get(pm, {})
    if sub in lifecycle:
        invocation = unit.text[start : args[i].end]
        extra = _script_args(walker, pm, rest, selection, env)
        run_script(
            walker, pm, lifecycle[sub], extra, unit, env, cwd, selection, start, end, invocation,
            bins=False,
        )
        return
    if pm == "npm" or sub in _PM_BUILTINS.get(pm, frozenset()):
        if pm == "bun" and sub == "test":
            walker.match([Word("bun", start, start + 3), *args[i:]], unit, env, [], start, end)
        return
    invocation = unit.text[start : args[i].end]
    extra = _script_args(walker, pm, rest, selection, env)
    run_script(walker, pm, sub, extra, unit, env, cwd, selection, start, end, invocation, bins=True)


def _pm_options(
    walker: Walking,
    pm: str,
    args: list[Word],
    i: int,
    selection: Selection,
    env: Env,
) -> int | None:
    """Read package-manager options from args[i:] up to the first positional (its
    index; None when a word has an expansion). Workspace options go to
    `selection`; a directory option sets `selection.cwd`."""
    while i < len(args):
        t = args[i].text
        if t is None:
            return None
        if not t.startswith("-") or t == "--":
            return i
        key, eq, value = t.partition("=")
        if pm == "pnpm" and key in ("-w", "--workspace-root"):
            root = workspace_root(walker, selection.cwd if selection.cwd_set else env.cwd)
            if root is not None:
                selection.cwd, selection.cwd_set = root, True
            i += 1
            continue
        if key in _PM_TAKES:
            if not eq:
                value = (args[i + 1].text or "") if i + 1 < len(args) else ""
                i += 1
            base = selection.cwd if selection.cwd_set else env.cwd
            if key in ("--prefix", "--cwd", "--dir") or (key == "-C" and pm == "pnpm"):
                selection.cwd, selection.cwd_set = walker.cd(base, [Word(value, 0, 0)]), True
            elif key in ("-w", "--workspace", "--filter", "-F", "--filter-prod"):
                selection.selectors.append(value)
        elif key in ("-r", "--recursive", "-ws", "--workspaces"):
            selection.everything = selection.recursive = True
        elif key == "--include-workspace-root":
            selection.root = True
        i += 1
    return i


def _script_args(
    walker: Walking, pm: str, words: list[Word], selection: Selection, env: Env
) -> list[Word]:
    """The words a package manager passes on to the script it runs.

    npm parses options after the script name as its own (`--workspace=x`) and
    passes positionals plus everything after `--`; pnpm, yarn and bun pass every
    word after the script name (a leading `--` dropped)."""
    if pm != "npm":
        return words[1:] if words and words[0].text == "--" else list(words)
    out: list[Word] = []
    i = 0
    while i < len(words):
        t = words[i].text
        if t == "--":
            return out + list(words[i + 1 :])
        if t is not None and t.startswith("-") and t != "-":
            got = _pm_options(walker, pm, words, i, selection, env)
            i = got if got is not None and got > i else i + 1
            continue
        out.append(words[i])
        i += 1
    return out


def _yarn_foreach(
    walker: Walking, rest: list[Word], selection: Selection
) -> tuple[str | None, list[Word]] | None:
    """`yarn workspaces foreach [-A] [--include x] run build` (Berry) and
    `yarn workspaces run build` (classic): (subcommand, its words)."""
    if rest[0].text == "run":  # yarn 1
        selection.everything = selection.recursive = True
        return "run", rest[1:]
    if rest[0].text != "foreach":
        return None
    selection.everything = selection.recursive = selection.root = True
    takes = frozenset({"--include", "--exclude", "--from", "-j", "--jobs", "--since"})
    i = 1
    while i < len(rest):
        t = rest[i].text
        if t is None:
            return None
        if not t.startswith("-"):
            break
        key, eq, value = t.partition("=")
        if key in takes:
            if not eq:
                value = (rest[i + 1].text or "") if i + 1 < len(rest) else ""
                i += 1
            if key == "--include":
                selection.selectors.append(value)
                selection.everything = False
            elif key == "--exclude":
                selection.selectors.append("!" + value)
        i += 1
    if i >= len(rest):
        return None
    return rest[i].text, rest[i + 1 :]


def has_script(walker: Walking, cwd: str, name: str) -> bool:
    resolver = walker.resolver_at(cwd)
    return resolver is not None and resolver.package_script(name) is not None


def _runs_pre_post(walker: Walking, pm: str, cwd: str | None) -> bool:
    """Whether `<pm> run x` also runs `prex` and `postx` (see `analyze`)."""
    if pm not in ("npm", "yarn", "pnpm"):  # bun, `node --run`, `deno task`
        return False
    if pm == "yarn":
        used = walker.ask(cwd, ResolverExtras.package_manager)
        if used is not None and used[0] == "yarn" and (used[1] or 1) >= 2:
            return False  # Yarn Berry: only lifecycle scripts
    return True


def run_script(
    walker: Walking,
    pm: str,
    script: str,
    extra: list[Word],
    unit: Unit,
    env: Env,
    cwd: str | None,
    selection: Selection | None,
    start: int,
    end: int,
    invocation: str,
    bins: bool,
    via: tuple[Step, ...] = (),
) -> None:
    """Follow `<pm> run <script>` into package.json. `via`: Steps that lead from the
    invocation to the script (a turbo.json `dependsOn` entry, an Nx target)."""
    if selection:
        where = packages_for(walker, cwd, selection)
        if where is None:  # another workspace we cannot see: by the script's name
            detect_by_name(walker, pm, script, unit, start, end, invocation)
            return
        # like pnpm, skip the selected packages without the script; when none has
        # it, a recursive run does nothing and a named one falls back to a binary
        having = [d for d in where if has_script(walker, d, script)]
        if not having and not selection.recursive:
            having = where[:1]
        for directory in having:
            run_script(
                walker, pm, script, extra, unit, env, directory, None, start, end, invocation,
                bins=bins and not selection.recursive,
            )
        return
    resolver = walker.resolver_at(cwd)
    found = resolver.package_script(script) if resolver is not None else None
    followed = False
    if found is not None and resolver is not None:
        names = [script]
        if _runs_pre_post(walker, pm, cwd):
            names = [f"pre{script}", script, f"post{script}"]
        for name in names:
            got = found if name == script else resolver.package_script(name)
            if got is None:
                continue
            frame = walker.follow(unit, start, end, ("script", cwd or ".", name))
            if frame is None:
                continue
            followed = True
            text, step = got
            frame = replace(
                frame,
                origin=JsonValueOrigin(text, step),
                chain=(*frame.chain, *via, step),
                seed=is_seed_script(name),
            )
            offsets = None
            if name == script and extra:
                # like npm/pnpm/yarn: the arguments are appended to the script's text
                suffix = " " + " ".join(quoted(w) for w in extra)
                offsets = [*range(len(text) + 1), *[len(text)] * len(suffix)]
                text += suffix
            walker.analyze_text(Unit(text, frame, offsets), Env(cwd))
    if followed:
        return
    detect_by_name(walker, pm, script, unit, start, end, invocation)
    if bins and found is None:
        # yarn/pnpm/bun run a binary of that name when there is no such script
        first = Word(script, start, end)
        walker.dispatch([first, *extra], unit, Env(cwd, env.functions), [], end)


def install_scripts(
    walker: Walking, pm: str, unit: Unit, cwd: str | None, start: int, end: int
) -> None:
    resolver = walker.resolver_at(cwd)
    if resolver is None:
        return
    for name in (
        "preinstall",
        "install",
        "postinstall",
        "prepublish",
        "preprepare",
        "prepare",
        "postprepare",
    ):
        got = resolver.package_script(name)
        if got is None:
            continue
        frame = walker.follow(unit, start, end, ("script", cwd or ".", name))
        if frame is None:
            continue
        text, step = got
        frame = replace(frame, origin=JsonValueOrigin(text, step), chain=(*frame.chain, step))
        walker.analyze_text(Unit(text, frame), Env(cwd))


def detect_by_name(
    walker: Walking, pm: str, script: str, unit: Unit, start: int, end: int, invocation: str
) -> None:
    """A script (or a runner's target) that could not be followed, detected by its name
    (`test`, `e2e`, the table's `script_names`)."""
    entry = script_entry(script, walker.table)
    if entry is not None:
        what = entry.label.replace("{pm}", pm).replace("{script}", script)
        walker.detect(unit, entry.category, what, start, end, invocation)


def used_package_manager(walker: Walking, cwd: str | None) -> str:
    """The package manager a directory's package.json names (`packageManager`); npm
    when it names none."""
    used = walker.ask(cwd, ResolverExtras.package_manager)
    return used[0] if used is not None and used[0] in PACKAGE_MANAGERS else "npm"

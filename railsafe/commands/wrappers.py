"""Wrappers: what a command line really runs once prefixes are stripped.

`env X=1 cmd`, `sudo -u app cmd`, `timeout 60 cmd`, `poetry run cmd`, `bundle exec
cmd`, `npx pkg@1 cmd`, `doppler run -- cmd`, `python -m cmd` / `python path/cmd.py`,
`coverage run -m cmd`, `node ./bin/cmd.js`... all run `cmd`: `unwrap` strips them so
that the table sees the command itself.
"""

from __future__ import annotations

import re
from dataclasses import replace

from railsafe.commands.shell import (
    NAME_ASSIGN,
    STATIC_ASSIGN,
    Word,
    after_dashdash,
    base_name,
    skip_options,
    strip_version,
)

PYTHON = re.compile(r"^(?:python|pypy)(?:\d+(?:\.\d+)*)?$")
# node options after which the next word is not the program file
_NODE_NOT_A_FILE = frozenset({"--test", "--run", "-e", "--eval", "-p", "--print"})

# wrapper name -> options that take a value (the wrapped command follows the options)
_PLAIN_WRAPPERS: dict[str, frozenset[str]] = {
    "exec": frozenset({"-a"}),
    "time": frozenset({"-f", "-o", "--format", "--output"}),
    "nohup": frozenset(),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "-n", "-p"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "command": frozenset(),
    "builtin": frozenset(),
    "sudo": frozenset({"-u", "-g", "-h", "-p", "-C", "-U", "-r", "-t", "-D"}),
    "tini": frozenset({"-s", "-p", "-e"}),
    "dumb-init": frozenset({"-r", "--rewrite"}),
    "xvfb-run": frozenset({"-n", "-s", "-f", "-e", "-p"}),
    "unbuffer": frozenset(),
    "with-contenv": frozenset(),
    "ddtrace-run": frozenset(),
    "opentelemetry-instrument": frozenset(
        {"--traces_exporter", "--metrics_exporter", "--service_name"}
    ),
    "bundle": frozenset(),  # only `bundle exec`, checked below
    "railway": frozenset({"-s", "--service", "-e", "--environment"}),  # `railway run`
}
# `<tool> run ...` runners: tool -> options of `run` that take a value
_RUNNERS: dict[str, frozenset[str]] = {
    "poetry": frozenset({"-C", "--directory", "-P", "--project"}),
    "pipenv": frozenset(),
    "pdm": frozenset({"-p", "--project"}),
    "hatch": frozenset({"-e", "--env"}),
    "rye": frozenset(),
    "uv": frozenset(
        {
            "--with",
            "--python",
            "-p",
            "--project",
            "--directory",
            "--extra",
            "--group",
            "--env-file",
            "--package",
            "--with-requirements",
            "--index",
            "--index-url",
            "--extra-index-url",
            "--only-group",
            "--no-group",
        }
    ),
    "conda": frozenset({"-n", "--name", "-p", "--prefix", "--cwd"}),
    "mamba": frozenset({"-n", "--name", "-p", "--prefix"}),
    "micromamba": frozenset({"-n", "--name", "-p", "--prefix"}),
    "doppler": frozenset({"-c", "--config", "-p", "--project", "--token"}),
    "infisical": frozenset({"--env", "--token", "--projectId", "--path"}),
    "op": frozenset({"--env-file"}),
    "railway": frozenset({"-s", "--service", "-e", "--environment"}),
    "pixi": frozenset({"-e", "--environment", "--manifest-path"}),
}


def unwrap(words: list[Word]) -> tuple[list[Word], tuple[str, ...]]:
    """Strip env prefixes and wrappers; python -m X / python file -> X / file.

    Also returns the static assignments `env X=1 ...` wrappers set."""
    assigns: list[str] = []
    for _ in range(12):
        if not words or words[0].text is None:
            return words, tuple(assigns)
        name = base_name(words[0].text)
        rest = _unwrap_once(name, words)
        if rest is None:
            return words, tuple(assigns)
        if name in ("env", "cross-env", "cross-env-shell"):
            consumed = words[1 : len(words) - len(rest)]
            assigns.extend(w.text for w in consumed if w.text and STATIC_ASSIGN.match(w.text))
        words = rest
    return words, tuple(assigns)


def _unwrap_once(name: str, words: list[Word]) -> list[Word] | None:
    n = len(words)
    if name in ("env", "cross-env", "cross-env-shell"):
        i = 1
        while i < n:
            t = words[i].text
            if t is None:
                return None
            if t in ("-u", "--unset", "-C", "--chdir"):
                i += 2
            elif t.startswith("-") or NAME_ASSIGN.match(t):
                i += 1
            else:
                break
        return words[i:] if i < n else None
    if name == "bundle":
        return words[2:] if n > 2 and words[1].text == "exec" else None
    if (
        name in _RUNNERS
        and n > 1
        and words[1].text in ("run", "exec" if name == "conda" else "run")
    ):
        if name in ("doppler", "op", "infisical"):
            after = after_dashdash(words, 2)
            if after is not None:
                return words[after:] or None
        i = skip_options(words, 2, _RUNNERS[name])
        first = words[i].text if i < n else None
        if name == "hatch" and first is not None and ":" in first:
            return None  # `hatch run env:script` names a hatch script
        return words[i:] or None
    if name in _PLAIN_WRAPPERS and name not in ("bundle", "railway"):
        if name == "command" and n > 1 and words[1].text in ("-v", "-V"):
            return None
        i = skip_options(words, 1, _PLAIN_WRAPPERS[name])
        return words[i:] or None
    if name == "timeout":
        i = skip_options(words, 1, frozenset({"-s", "--signal", "-k", "--kill-after"}))
        return words[i + 1 :] or None
    if name in ("gosu", "su-exec", "chpst", "s6-setuidgid", "setpriv"):
        return words[2:] or None
    if name in (
        "wait-for-it",
        "wait-for-it.sh",
        "wait-for",
        "wait-for.sh",
        "dotenv",
        "dotenvx",
    ):
        after = after_dashdash(words, 1)
        if after is not None:
            return words[after:] or None
        if name.startswith("dotenv"):
            for k in range(1, n):
                if words[k].text == "run":
                    return words[skip_options(words, k + 1, frozenset({"-f", "--file"})) :] or None
        return None
    if name in ("npx", "bunx", "pnpx", "uvx"):
        return _exec_package(words, 1)
    if name == "pipx" and n > 1 and words[1].text == "run":
        return _exec_package(words, 2)
    if name in ("newrelic-admin",) and n > 1 and words[1].text == "run-program":
        return words[2:] or None
    if PYTHON.match(name) or name == "coverage":
        return _python(words, name)
    if name in ("node", "php", "ruby", "deno") and n > 1:
        takes = frozenset({"-r", "--require", "--import", "--loader", "-d", "-c", "-I"})
        i = skip_options(words, 1, takes)
        if name == "deno" or i >= n or words[i].text is None:
            return None
        if name == "node" and any(
            (w.text or "").split("=", 1)[0] in _NODE_NOT_A_FILE for w in words[1:i]
        ):
            return None  # `node --test src/`: the test runner; `node --run x`: a script
        target = words[i]
        if name == "node" and "/" not in (target.text or ""):
            return None  # `node server.js`: a program, not a tool we know
        return [replace(target, text=base_name(target.text or "")), *words[i + 1 :]]
    return None


def _exec_package(words: list[Word], i: int) -> list[Word] | None:
    takes = frozenset({"-p", "--package", "--from", "--with", "--python", "-c", "--call"})
    package = None
    while i < len(words):
        t = words[i].text
        if t is None:
            return None
        if t in ("-c", "--call"):
            return None  # a shell string (`npx -c '...'`): not analysed
        if t in ("-p", "--package", "--from") and i + 1 < len(words):
            package = words[i + 1].text
        if t == "--":
            i += 1
            break
        if not t.startswith("-"):
            break
        i += 2 if t in takes else 1
    if i >= len(words) or words[i].text is None:
        return None
    del package  # the command is the first positional either way
    first = words[i]
    return [replace(first, text=strip_version(first.text or "")), *words[i + 1 :]]


def _python(words: list[Word], name: str) -> list[Word] | None:
    i = 1
    if name == "coverage":
        if len(words) < 2 or words[1].text != "run":
            return None
        i = skip_options(
            words, 2, frozenset({"--rcfile", "--source", "--omit", "--include", "--data-file"})
        )
        if i < len(words) and words[i - 1].text == "-m":
            i -= 1
    takes = frozenset({"-W", "-X", "--check-hash-based-pycs"})
    while i < len(words):
        t = words[i].text
        if t is None:
            return None
        if t == "-m" and i + 1 < len(words):
            module = words[i + 1]
            if module.text is None:
                return None
            head = Word(module.text, words[0].start, module.end, module.node)
            return [head, *words[i + 2 :]]
        if t.startswith("-m") and len(t) > 2:
            head = Word(t[2:], words[0].start, words[i].end, words[i].node)
            return [head, *words[i + 1 :]]
        if t in ("-c",):
            return None
        if t.startswith("-"):
            i += 2 if t in takes else 1
            continue
        return [replace(words[i], text=base_name(t)), *words[i + 1 :]]
    return None

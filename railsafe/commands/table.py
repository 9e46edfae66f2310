"""The detection table (railsafe/data/detections.toml) and its argv matcher.

The table is data: see the comment at the top of the TOML file for the format.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

CATEGORIES = ("test-runner", "destructive-db", "migration")

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_NEVER = frozenset({"--help", "--version"})


@dataclass(frozen=True)
class Entry:
    category: str
    label: str
    names: tuple[str, ...] = ()
    argv: tuple[str, ...] = ()
    task: tuple[str, ...] = ()
    unless_task: tuple[str, ...] = ()
    no_positional: bool = False
    unless_positional: tuple[str, ...] = ()
    any_flags: tuple[str, ...] = ()
    any_leading_flags: tuple[str, ...] = ()
    unless_flags: tuple[str, ...] = ()
    unless_sequence: tuple[tuple[str, str], ...] = ()
    sql: bool = False
    patterns: tuple[re.Pattern[str], ...] = ()  # entry-specific patterns for `sql`
    code: str = ""  # "python": inline code analysed with Python's ast
    script_names: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    entries: tuple[Entry, ...]
    aliases: dict[str, str] = field(default_factory=dict)
    value_options: dict[str, frozenset[str]] = field(default_factory=dict)
    sql_patterns: tuple[re.Pattern[str], ...] = ()

    @functools.cached_property
    def names(self) -> frozenset[str]:
        """Every command name an entry matches (after aliases), and the aliases."""
        return frozenset(n for e in self.entries for n in e.names) | frozenset(self.aliases)

    @functools.cached_property
    def by_name(self) -> dict[str, tuple[Entry, ...]]:
        """The argv entries (not SQL or code ones) that can match a command name, in
        table order."""
        out: dict[str, list[Entry]] = {}
        for e in self.entries:
            if not (e.sql or e.code):
                for name in dict.fromkeys(e.names):
                    out.setdefault(name, []).append(e)
        return {name: tuple(found) for name, found in out.items()}

    # selected once per table, not on every command matched (tens of thousands a check)
    @functools.cached_property
    def script_entries(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.script_names)

    @functools.cached_property
    def sql_entries(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.sql)

    @functools.cached_property
    def code_entries(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.code)


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise ValueError(f"detections.toml: {where} must be a list of strings")
    return tuple(raw)


def _entry(raw: dict[str, Any], number: int) -> Entry:
    where = f"entry {number} ({raw.get('label', '?')})"
    category = raw.get("category")
    if category not in CATEGORIES:
        raise ValueError(f"detections.toml: {where}: unknown category {category!r}")
    argv = _strings(raw.get("argv"), f"{where}.argv")
    scripts = _strings(raw.get("script_names"), f"{where}.script_names")
    if not argv and not scripts:
        raise ValueError(f"detections.toml: {where}: needs argv or script_names")
    code = raw.get("code", "")
    if code not in ("", "python"):
        raise ValueError(f"detections.toml: {where}: unknown code language {code!r}")
    pairs = raw.get("unless_sequence") or []
    if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        raise ValueError(f"detections.toml: {where}.unless_sequence must hold pairs")
    return Entry(
        category=category,
        label=str(raw["label"]),
        names=tuple(argv[0].split("|")) if argv else (),
        argv=argv[1:],
        task=_strings(raw.get("task"), f"{where}.task"),
        unless_task=_strings(raw.get("unless_task"), f"{where}.unless_task"),
        no_positional=bool(raw.get("no_positional", False)),
        unless_positional=_strings(raw.get("unless_positional"), f"{where}.unless_positional"),
        any_flags=_strings(raw.get("any_flags"), f"{where}.any_flags"),
        any_leading_flags=_strings(raw.get("any_leading_flags"), f"{where}.any_leading_flags"),
        unless_flags=_strings(raw.get("unless_flags"), f"{where}.unless_flags"),
        unless_sequence=tuple((str(a), str(b)) for a, b in pairs),
        sql=bool(raw.get("sql", False)),
        patterns=tuple(
            re.compile(x, re.IGNORECASE) for x in _strings(raw.get("patterns"), f"{where}.patterns")
        ),
        code=code,
        script_names=scripts,
        examples=_strings(raw.get("examples"), f"{where}.examples"),
        counterexamples=_strings(raw.get("counterexamples"), f"{where}.counterexamples"),
    )


def parse_table(text: str) -> Table:
    return table_from_data(tomllib.loads(text))


def table_from_data(data: dict[str, Any]) -> Table:
    entries = tuple(_entry(raw, i) for i, raw in enumerate(data.get("entry", []), 1))
    values = {
        k: frozenset(_strings(v, f"value_options.{k}"))
        for k, v in data.get("value_options", {}).items()
    }
    patterns = _strings(data.get("sql", {}).get("patterns"), "sql.patterns")
    return Table(
        entries=entries,
        aliases={str(k): str(v) for k, v in data.get("aliases", {}).items()},
        value_options=values,
        sql_patterns=tuple(re.compile(p, re.IGNORECASE) for p in patterns),
    )


DATA = Path(__file__).resolve().parent.parent / "data"
SOURCE = DATA / "detections.toml"  # what people edit: comments, examples, counterexamples
COMPILED = DATA / "detections.json"  # what `check` reads: generated from SOURCE, no examples


@lru_cache(maxsize=1)
def load_table() -> Table:
    """The table `check` uses. JSON parses in C; tomllib over the whole commented
    source with its examples cost about 15 ms of start-up."""
    return table_from_data(json.loads(COMPILED.read_text("utf-8")))


@lru_cache(maxsize=1)
def load_table_source() -> Table:
    """The table with its examples and counterexamples, for the tests."""
    return parse_table(SOURCE.read_text("utf-8"))


def compiled_text() -> str:
    data = tomllib.loads(SOURCE.read_text("utf-8"))
    for entry in data.get("entry", []):
        entry.pop("examples", None)
        entry.pop("counterexamples", None)
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    """`python scripts/compile_detections.py [--check]`: regenerate detections.json."""
    wanted = compiled_text()
    current = COMPILED.read_text("utf-8") if COMPILED.exists() else ""
    if current == wanted:
        return 0
    if "--check" in argv:
        print("railsafe/data/detections.json is stale: run `python scripts/compile_detections.py`")
        return 1
    COMPILED.write_text(wanted, encoding="utf-8")
    return 0



# --- matching -------------------------------------------------------------------


@dataclass(frozen=True)
class Argv:
    """A command reduced to what the table matches: its name and its argument words.

    `args[i]` is None for a word with an expansion in it (never matches). `env` holds
    the command's static prefix assignments (`VERSION=0 rake db:migrate`), which
    `any_flags` / `unless_flags` see like argument words."""

    name: str  # after aliases
    shown: str  # base name as written
    args: tuple[str | None, ...]
    env: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    entry: Entry
    what: str
    last_arg: int  # index into args of the last word that matched (-1: the name itself)


def positionals(argv: Argv, table: Table) -> list[tuple[int, str | None]]:
    takes_value = table.value_options.get(argv.name, frozenset())
    out: list[tuple[int, str | None]] = []
    skip = False
    for i, word in enumerate(argv.args):
        if skip:
            skip = False
            continue
        if word is not None and word.startswith(("-", "+")) and word not in ("-", "--"):
            skip = word in takes_value
            continue
        if word is not None and _ASSIGNMENT.match(word):
            continue
        if word == "--":
            continue
        out.append((i, word))
    return out


_OFF = frozenset({"false", "0", "no", "off"})


def _has_flag(args: tuple[str | None, ...] | tuple[str, ...], flags: tuple[str, ...]) -> int | None:
    """Index of the first word that is one of `flags` or `flag=value`; a boolean flag
    turned off (`-DskipTests=false`, `--force=0`) does not count."""
    for i, word in enumerate(args):
        if word is None:
            continue
        for flag in flags:
            if word == flag:
                return i
            if (
                word.startswith(flag + "=")
                and "=" not in flag
                and word[len(flag) + 1 :].strip().lower() not in _OFF
            ):
                return i
    return None


def _glob(word: str | None, pattern: str) -> bool:
    return word is not None and fnmatch.fnmatchcase(word, pattern)


def match_entry(entry: Entry, argv: Argv, table: Table) -> Match | None:
    if not entry.names or argv.name not in entry.names:
        return None
    if any(a in _NEVER for a in argv.args if a is not None):
        return None
    pos = positionals(argv, table)
    if len(pos) < len(entry.argv):
        return None
    last = -1
    for (index, word), pattern in zip(pos, entry.argv, strict=False):
        if not any(_glob(word, alt) for alt in pattern.split("|")):
            return None
        last = index
    after = pos[len(entry.argv) :]
    if entry.no_positional and after:
        return None
    if entry.unless_positional and after and after[0][1] in entry.unless_positional:
        return None
    task = ""
    if entry.task:
        for index, word in after:
            bare = word.rstrip(",") if word is not None else None
            if any(_glob(bare, t) for t in entry.unless_task):
                continue
            if any(_glob(bare, t) for t in entry.task):
                task, last = bare or "", max(last, index)
                break
        else:
            return None
    if entry.any_leading_flags:
        # only the options before the first positional after `argv` (`node --test x`,
        # not `node server.js --test`, whose `--test` is the program's own argument)
        limit = after[0][0] if after else len(argv.args)
        found = _has_flag(argv.args[:limit], entry.any_leading_flags)
        if found is None:
            return None
        last = max(last, found)
    if entry.any_flags:
        found = _has_flag(argv.args, entry.any_flags)
        if found is None and _has_flag(argv.env, entry.any_flags) is None:
            return None
        last = max(last, found if found is not None else -1)
    if entry.unless_flags and (
        _has_flag(argv.args, entry.unless_flags) is not None
        or _has_flag(argv.env, entry.unless_flags) is not None
    ):
        return None
    args = argv.args
    for a, b in entry.unless_sequence:
        if any(args[i] == a and args[i + 1] == b for i in range(len(args) - 1)):
            return None
        if any(w == f"{a}={b}" for w in args if w is not None):
            return None
    what = entry.label.replace("{cmd}", argv.shown).replace("{task}", task)
    return Match(entry, what, last)


def match_argv(argv: Argv, table: Table | None = None) -> list[Match]:
    """Every category's first matching entry (SQL and code entries are matched elsewhere)."""
    table = table or load_table()
    found: dict[str, Match] = {}
    for entry in table.by_name.get(argv.name, ()):
        if entry.category in found:
            continue
        hit = match_entry(entry, argv, table)
        if hit is not None:
            found[entry.category] = hit
    return list(found.values())


def script_entry(name: str, table: Table | None = None) -> Entry | None:
    """The entry whose `script_names` matches a package script name."""
    table = table or load_table()
    for entry in table.script_entries:
        if any(fnmatch.fnmatchcase(name, p) for p in entry.script_names):
            return entry
    return None


def sql_hit(
    text: str, table: Table | None = None, patterns: tuple[re.Pattern[str], ...] = ()
) -> str | None:
    """The destructive statement kind in SQL text ("DROP TABLE", "TRUNCATE"), if any.

    With `patterns` (an entry's own), those are searched instead and the match is
    returned as written (whitespace collapsed)."""
    table = table or load_table()
    for pattern in patterns or table.sql_patterns:
        found = pattern.search(text)
        if found:
            shown = " ".join(found[0].split())
            return shown if patterns else shown.upper()
    return None


def python_hit(code: str, table: Table | None = None) -> str | None:
    """What makes inline Python destructive: a `drop_all(...)` call (SQLAlchemy,
    Flask-SQLAlchemy) or destructive SQL handed to an execute-like call (see
    railsafe/commands/pycode.py). Code that does not parse is not analysed (None)."""
    from railsafe.commands.pycode import python_hit as hit

    table = table or load_table()
    return hit(code, lambda text: sql_hit(text, table))

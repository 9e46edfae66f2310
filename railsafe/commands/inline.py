"""The text a command is given to run: SQL for database clients, inline Python.

`psql -c 'DROP TABLE x'`, `mysql -e ...`, `psql -f reset.sql`, `psql <<EOF`,
`psql < reset.sql`, `echo 'TRUNCATE x' | psql`, `cat reset.sql | psql`, `sqlite3 db
'DELETE FROM x'`: the SQL is matched against the table's `[sql]` patterns
(table.sql_hit). `python -c CODE`, `python - <<'PY'`, `manage.py shell -c CODE`: the
code is read for destructive SQL that reaches an execute call, or `drop_all()`
(table.python_hit, pycode.py). Files are read through the resolver (Walking.read_file).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from railsafe.commands.shell import Env, Unit, Word, base_name, field_of, reparse, static_value
from railsafe.commands.table import Argv, match_entry, python_hit, sql_hit

if TYPE_CHECKING:
    from railsafe.commands.walking import Walking

# options of database clients that take the SQL to run
_SQL_OPTIONS = frozenset({"-c", "--command", "-e", "--execute", "-Q", "-q", "--query", "--eval"})


def stdout_text(
    walker: Walking, node: Any, unit: Unit, env: Env, redirects: list[Any]
) -> str | None:
    """What `echo ...` / `printf ...` / `cat file` / `cat <<EOF` writes (expansions
    kept as written), or None."""
    words = [c for c in node.children if field_of(node, c) in ("name", "argument")]
    if not words:
        return None
    head = words[0].named_children[0] if words[0].named_children else words[0]
    name = base_name(static_value(head, unit) or "")
    args = [reparse(w, unit)[0] for w in words[1:]]
    if name == "echo":
        while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
            args = args[1:]
        return " ".join(args)
    if name == "printf":
        return " ".join(args)
    if name != "cat":
        return None
    texts = []
    for is_file, value in _redirected_input(unit, redirects):
        got = walker.read_file(value, env) if is_file else value
        if got is not None:
            texts.append(got)
    for word in words[1:]:
        value = static_value(word, unit)
        if value and not value.startswith("-"):
            got = walker.read_file(value, env)
            if got is not None:
                texts.append(got)
    return "\n".join(texts) if texts else None


def inline_texts(
    walker: Walking,
    words: list[Word],
    unit: Unit,
    env: Env,
    redirects: list[Any],
    stdin: str | None,
    options: frozenset[str],
    reads_stdin: bool,
    file_options: tuple[str, ...] = ("-f", "--file"),
) -> list[str]:
    """Texts a command is given to run: the values of `options` (`-c TEXT`,
    `--command=TEXT`), `-f file` / `--file=file`, here-documents, here-strings,
    `< file` and the text piped in (the last four only when `reads_stdin`)."""
    texts: list[str] = []
    args = words[1:]
    files: list[str] = []
    for k, w in enumerate(args):
        t = w.text
        if t is None:
            continue
        nxt = args[k + 1].text if k + 1 < len(args) else None
        key, eq, value = t.partition("=")
        if t in options and nxt:
            texts.append(nxt)
        elif eq and key.startswith("--") and key in options:
            texts.append(value)
        elif t in file_options and nxt:
            files.append(nxt)
        elif eq and key in file_options:
            files.append(value)
    if reads_stdin:
        for is_file, given in _redirected_input(unit, redirects):
            if not is_file:
                texts.append(given or "")
            elif given:
                files.append(given)
        if stdin is not None:
            texts.append(stdin)
    for f in files:
        got = walker.read_file(f, env)
        if got is not None:
            texts.append(got)
    return texts


def sql(
    walker: Walking,
    argv: Argv,
    words: list[Word],
    unit: Unit,
    env: Env,
    redirects: list[Any],
    stdin: str | None = None,
) -> tuple[str, str] | None:
    entries = [e for e in walker.table.sql_entries if argv.name in e.names]
    if not entries or any(a in ("--help", "--version") for a in argv.args):
        return None
    texts = inline_texts(walker, words, unit, env, redirects, stdin, _SQL_OPTIONS, True)
    if argv.name == "sqlite3":
        pos = [w.text for w in words[1:] if w.text and not w.text.startswith("-")]
        texts.extend(pos[1:])
    for entry in entries:
        for text in texts:
            kind = sql_hit(text, walker.table, entry.patterns)
            if kind is not None:
                what = entry.label.replace("{cmd}", argv.shown).replace("{sql}", kind)
                return what, f"{argv.shown}: {kind}"
    return None


def code(
    walker: Walking,
    argv: Argv,
    words: list[Word],
    unit: Unit,
    env: Env,
    redirects: list[Any],
    stdin: str | None = None,
) -> tuple[str, str] | None:
    """Inline Python (`python -c CODE`, `python - <<'PY'`, `manage.py shell -c`)
    that drops tables: see `python_hit`."""
    for entry in walker.table.code_entries:
        if match_entry(entry, argv, walker.table) is None:
            continue
        texts: list[str] = []
        reads_stdin = True
        skip = False
        for k, w in enumerate(words[1:], 1):
            t = w.text
            if skip or t in ("-W", "-X"):  # python options that take a value
                skip = not skip
                continue
            if t in ("-c", "--command") or (t or "").startswith(("--command=", "-m")):
                reads_stdin = False
                if t in ("-c", "--command") and k + 1 < len(words):
                    nxt = words[k + 1].text
                    if nxt is not None:
                        texts.append(nxt)
                elif (t or "").startswith("--command="):
                    texts.append((t or "").split("=", 1)[1])
                break
            if argv.name == "python" and t is not None and t.startswith("-c") and len(t) > 2:
                texts.append(t[2:])
                reads_stdin = False
                break
            if argv.name == "python" and (t is None or not t.startswith("-") or t == "-"):
                reads_stdin = t == "-"  # `python file.py` reads code from the file
                break
        if reads_stdin:
            texts += inline_texts(
                walker, words, unit, env, redirects, stdin, frozenset(), True, file_options=()
            )
        for text in texts:
            hit = python_hit(text, walker.table)
            if hit is not None:
                what = entry.label.replace("{cmd}", argv.shown).replace("{sql}", hit)
                return what, f"{argv.shown}: {hit}"
    return None


def _redirected_input(unit: Unit, redirects: list[Any]) -> list[tuple[bool, str | None]]:
    """What redirections give a command to read, in order: (False, text) for a
    here-document or a here-string, (True, path) for `< path` (None: not static)."""
    out: list[tuple[bool, str | None]] = []
    for r in redirects:
        for child in r.named_children:
            if child.type == "heredoc_body":
                out.append((False, unit.raw(child)))
            elif r.type == "herestring_redirect":
                out.append((False, reparse(child, unit)[0]))
            elif r.type == "file_redirect" and unit.raw(r).lstrip().startswith("<"):
                out.append((True, static_value(child, unit)))
    return out

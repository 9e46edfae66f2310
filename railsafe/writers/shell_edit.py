"""Unambiguous edits of shell commands: `a && b && c` chains only.

A command is edited only when its top level is a plain `&&` chain of simple
commands (no `||`, `;`, pipes, background jobs, subshells, command
substitution or line breaks): then removing a link, or moving one to another
phase, keeps what the rest runs. Anything else is left alone (the finding
stays, and says what to do by hand).
"""

from __future__ import annotations

from railsafe.commands import analyze

_REFUSE = ("||", ";", "|", "`", "$(", "(", ")", "\n", "{", "}", "<(", ">(")


def split_and(command: str) -> list[str] | None:
    """The links of a top-level `&&` chain (stripped), or None when the command is
    anything else at its top level."""
    links: list[str] = []
    current: list[str] = []
    quote: str | None = None
    i, n = 0, len(command)
    while i < n:
        ch = command[i]
        if quote is not None:
            if ch == "\\" and quote == '"' and i + 1 < n:
                current.append(command[i:i + 2])
                i += 2
                continue
            if quote == '"' and (ch == "`" or command.startswith("$(", i)):
                return None
            if ch == quote:
                quote = None
            current.append(ch)
            i += 1
            continue
        if ch == "\\" and i + 1 < n:
            if command[i + 1] == "\n":
                return None
            current.append(command[i:i + 2])
            i += 2
            continue
        if ch in "'\"":
            quote = ch
            current.append(ch)
            i += 1
            continue
        if command.startswith("&&", i):
            links.append("".join(current).strip())
            current = []
            i += 2
            continue
        if ch == "&" or (ch == "#" and (not current or current[-1].isspace())):
            return None
        if any(command.startswith(token, i) for token in _REFUSE):
            return None
        current.append(ch)
        i += 1
    if quote is not None:
        return None
    links.append("".join(current).strip())
    if any(not link for link in links):
        return None
    return links


def _only(link: str, category: str) -> bool:
    """`link` runs something of `category` and nothing else railsafe detects."""
    found = analyze(link).detections
    return bool(found) and all(d.category == category for d in found)


def without_tests(command: str) -> str | None:
    """`command` with its test-runner links removed (`pytest && uvicorn app:app` ->
    `uvicorn app:app`); None when there is none, the edit is not unambiguous, or
    nothing would be left to run."""
    links = split_and(command)
    if links is None:
        return None
    kept = [link for link in links if not _only(link, "test-runner")]
    if len(kept) == len(links) or not kept:
        return None
    return " && ".join(kept)


def split_migration(command: str) -> tuple[str, str] | None:
    """(`command` without its migration links, the migration links joined) for a build
    command such as `npm ci && prisma migrate deploy && npm run build`; None when
    there is no migration link, the edit is not unambiguous, or the build would be
    left empty."""
    links = split_and(command)
    if links is None:
        return None
    moved = [link for link in links if _only(link, "migration")]
    kept = [link for link in links if link not in moved]
    if not moved or not kept:
        return None
    return " && ".join(kept), " && ".join(moved)

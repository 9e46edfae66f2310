"""Redaction: nothing that looks like a credential leaves railsafe.

Every renderer passes every string it prints through `redact`, so a rule that
quotes a command cannot leak the password inside it, whatever the format.
The secret patterns (`URL_CREDENTIALS`, `ASSIGNMENT`, `TOKEN_PATTERNS`) and the
secret-name test live in `railsafe.secrets`, below this module; redaction masks
on the broad name test (`looks_like_secret_name`), not on the rules' stricter one.

`redact` collects the spans of every matcher on the original text (URL
passwords, token shapes, secret-named assignments, and whatever
`secrets.find_secrets` reports), merges overlapping spans and masks each once,
so one matcher never sees another's mask (a half-masked value would look like
a placeholder and leak the rest).

Paths are never redacted, in any format: a path must locate its file (an
annotation on `ghp_***/railway.toml` points nowhere), and a token-shaped
directory name is the user's own repository layout, not a value read from a
file. Messages, code frames, related messages, fixes and notes are redacted.
"""

from __future__ import annotations

import re
from functools import lru_cache

from railsafe.secrets import (
    TOKEN_PATTERNS,
    URL_CREDENTIALS,
    assignments,
    find_secrets,
    looks_like_secret_name,
)

MASK = "***"

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
# values that are code, not a credential: `PASSWORD = None`, `token: str = ...`
_CODE_WORDS = frozenset(
    {
        "None", "True", "False", "str", "bytes", "int", "float", "bool", "dict", "list",
        "tuple", "set", "object", "Any", "Optional", "Union", "SecretStr", "self", "cls",
        "null", "undefined", "string", "number", "boolean",
    }
)


def _is_code(match: re.Match[str]) -> bool:
    """`URL = os.getenv(...)`, `token: str`, `KEY = settings.X`, `PW = None`: code, not a value.

    Only real code shapes: a call or subscript, dotted attribute access, a
    keyword or type name. (Whatever `find_secrets` flags is masked anyway.)
    """
    value = match["value"]
    if value[0] in "'\"":
        return False  # a quoted literal
    after = match.string[match.end("value") : match.end("value") + 1]
    if after in ("(", "["):
        return True
    return value in _CODE_WORDS or _DOTTED.fullmatch(value) is not None


def _assignment_span(match: re.Match[str]) -> tuple[int, int] | None:
    """Where to mask a secret-named assignment's value (inside its quotes), if at all."""
    start, end = match.span("value")
    value = match["value"]
    if value[0] in "'\"":
        start, end = start + 1, end - 1
        value = value[1:-1]
    if not value or not looks_like_secret_name(match["name"]):
        return None
    if value.startswith("$") or value == MASK or _is_code(match):
        return None
    return start, end


# An edit replaces text[start:end] with a string; `origin` maps every character
# of the current text to the [start, end) range of the original it stands for.
Edit = tuple[int, int, str]
Origin = list[tuple[int, int]]


def _apply(text: str, edits: list[Edit], origin: Origin | None) -> tuple[str, Origin | None]:
    """`text` with `edits` (sorted, not overlapping) applied; `origin` follows them."""
    if not edits:
        return text, origin
    parts: list[str] = []
    moved: Origin | None = [] if origin is not None else None
    pos = 0
    for start, end, replacement in edits:
        parts += (text[pos:start], replacement)
        if origin is not None and moved is not None:
            moved += origin[pos:start]
            if end > start:
                covers = (origin[start][0], origin[end - 1][1])
            else:  # an insertion stands for the point where it is
                at = origin[start][0] if start < len(origin) else (origin[-1][1] if origin else 0)
                covers = (at, at)
            moved += [covers] * len(replacement)
        pos = end
    parts.append(text[pos:])
    if origin is not None and moved is not None:
        moved += origin[pos:]
    return "".join(parts), moved


_TOKEN_KINDS = frozenset(kind for kind, _ in TOKEN_PATTERNS)


def _unquoted(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without the quotes around it, if it is a quoted value."""
    if end - start >= 3 and text[start] in "'\"" and text[end - 1] == text[start]:
        return start + 1, end - 1
    return start, end


@lru_cache(maxsize=4096)  # a report repeats its fixes and related messages
def _spans(text: str) -> tuple[tuple[int, int], ...]:
    """Every span to mask, found on `text` itself, merged where they overlap."""
    spans = [m.span("password") for m in URL_CREDENTIALS.finditer(text)]
    for _, pattern in TOKEN_PATTERNS:  # the first four characters stay: the kind shows
        spans += [(min(m.start() + 4, m.end()), m.end()) for m in pattern.finditer(text)]
    for m in assignments(text):
        span = _assignment_span(m)
        if span is not None:
            spans.append(span)
    # Whatever the rules detect as a literal secret is masked too, so a
    # finding's code frame never shows the value it reports.
    for s in find_secrets(text):
        start, end = _unquoted(text, s.start, s.end)
        if s.kind in _TOKEN_KINDS:
            start = min(start + 4, end)
        spans.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(sp for sp in spans if sp[1] > sp[0]):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _redact(text: str, origin: Origin | None) -> tuple[str, Origin | None]:
    return _apply(text, [(start, end, MASK) for start, end in _spans(text)], origin)


def redact(text: str) -> str:
    """`text` with URL passwords, token shapes and secret-named values masked."""
    if not text:
        return text
    return _redact(text, None)[0]


def redact_mapped(text: str) -> tuple[str, Origin]:
    """`redact(text)`, and for each character of it the range of `text` it stands for.

    A mask stands for the whole value it replaced, so a span of `text` can be
    followed into the redacted text (`text_format` puts its caret there).
    """
    shown, origin = _redact(text, [(i, i + 1) for i in range(len(text))])
    assert origin is not None
    return shown, origin

"""TypeScript and Python source for `.railway/railway.{ts,py}`: literals, keys, comments.

Values are plain data (what a Config as Code file holds): str, int, float, bool,
None, lists and dicts. Strings are written as JSON strings, which TypeScript and
Python both read back as the same text.
"""

from __future__ import annotations

import json
import keyword
import re
from typing import Any, Literal

Lang = Literal["ts", "py"]
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
INDENT = "  "


def partial_name(name: str) -> str:
    """A partial name the Railway CLI accepts: 1-64 of [a-zA-Z0-9._-], never `*`
    (a boolean or blank partial is read as none: docs/facts.md F23)."""
    cleaned = re.sub(r"[^a-zA-Z0-9._-]+", "-", name).strip("-.")[:64]
    return cleaned or "app"


def string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def key(name: str, lang: Lang) -> str:
    """An object key: bare in TypeScript when it is an identifier; always quoted in Python."""
    if lang == "ts" and _IDENT.match(name):
        return name
    return string(name)


def literal(value: Any, lang: Lang, depth: int = 0) -> str:
    """`value` as a TypeScript or Python expression; objects and lists over one line
    are written one item a line, indented for `depth`."""
    if value is None:
        return "null" if lang == "ts" else "None"
    if value is True:
        return "true" if lang == "ts" else "True"
    if value is False:
        return "false" if lang == "ts" else "False"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return string(value)
    if isinstance(value, list):
        items = [literal(v, lang, depth + 1) for v in value]
        flat = "[" + ", ".join(items) + "]"
        if len(flat) <= 72 and "\n" not in flat:
            return flat
        pad = INDENT * (depth + 1)
        return "[\n" + "".join(f"{pad}{i},\n" for i in items) + INDENT * depth + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        sep = ": "
        items = [f"{key(str(k), lang)}{sep}{literal(v, lang, depth + 1)}" for k, v in value.items()]
        flat = "{ " + ", ".join(items) + " }" if lang == "ts" else "{" + ", ".join(items) + "}"
        if len(flat) <= 72 and "\n" not in flat:
            return flat
        pad = INDENT * (depth + 1)
        return "{\n" + "".join(f"{pad}{i},\n" for i in items) + INDENT * depth + "}"
    raise TypeError(f"cannot write a {type(value).__name__} as a literal")


def comment(text: str, lang: Lang) -> str:
    """One comment line's text (no newline), with anything that could end it removed."""
    clean = " ".join(text.split())
    return ("// " if lang == "ts" else "# ") + clean


def identifier(name: str, taken: set[str]) -> str:
    """A variable name for a service called `name`, unique among `taken` (which it joins)."""
    parts = re.split(r"[^A-Za-z0-9]+", name)
    words = [p for p in parts if p]
    base = (words[0].lower() + "".join(w[:1].upper() + w[1:] for w in words[1:])) if words else ""
    if not base or not (base[0].isalpha() or base[0] == "_"):
        base = "svc" + base[:1].upper() + base[1:]
    if keyword.iskeyword(base) or base in _TS_RESERVED:
        base += "Service"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}{n}", n + 1
    taken.add(candidate)
    return candidate


_TS_RESERVED = frozenset({
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
    "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if",
    "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw",
    "true", "try", "typeof", "var", "void", "while", "with", "let", "static", "yield", "await",
    "implements", "interface", "package", "private", "protected", "public", "ctx", "project",
    "service", "defineRailway", "postgres", "preserve", "github",
})

"""The properties of JavaScript / TypeScript / JSON object literals, read without running them.

A jest or vitest config is code, so which value a key ends up with is only
known statically when it is written as a literal. `properties(text)` lists
every `key: value` of every object literal in the text with its *path*: the
keys of the objects (and arrays) it sits in, so `test.include` of a vitest
config (`("test",)`, key `include`) is told apart from
`test.coverage.include` (`("test", "coverage")`) and from the `testMatch` of a
jest project (`("projects[]",)`). An object that is no property's value (the
exported config, an argument of `defineConfig(...)`) adds nothing to the path.
`literal(prop)` reads a value that is a string or an array of strings; any
other value (a variable, a call, a spread, a template with `${}`) is None:
the config cannot be read there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"\d[\w.]*")
# a `/` after one of these starts a regular expression literal, not a division
_BEFORE_REGEX = frozenset("(,=:[!&|?{};+-*%<>~^")
_KEYWORDS_BEFORE_REGEX = frozenset({"return", "typeof", "case", "do", "else", "in", "of"})
# `{` after these opens a binding pattern, not an object literal
_BINDING = frozenset({"import", "export", "const", "let", "var"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


@dataclass(frozen=True)
class Token:
    kind: str  # "str", "id", "num", "regex", "punct"
    text: str  # the source text (for "str": the decoded value, "" when it has `${}`)
    start: int
    literal: bool = True  # a "str" token without `${}` interpolation


@dataclass(frozen=True)
class Prop:
    path: tuple[str, ...]  # keys of the enclosing objects; "key[]" for an array
    key: str  # "..." for a spread
    value: int  # index of the value's first token (-1: shorthand `{ key }` or a spread)


def _decode(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\" or i + 1 >= len(body):
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "x" and re.match(r"[0-9a-fA-F]{2}", body[i + 2:i + 4]):
            out.append(chr(int(body[i + 2:i + 4], 16)))
            i += 4
        elif nxt == "u" and body[i + 2:i + 3] == "{" and "}" in body[i + 3:]:
            end = body.index("}", i + 3)
            try:
                out.append(chr(int(body[i + 3:end], 16)))
            except ValueError:
                out.append(body[i + 3:end])
            i = end + 1
        elif nxt == "u" and re.match(r"[0-9a-fA-F]{4}", body[i + 2:i + 6]):
            out.append(chr(int(body[i + 2:i + 6], 16)))
            i += 6
        elif nxt == "\n":  # a line continuation
            i += 2
        else:
            out.append(nxt)
            i += 2
    return "".join(out)


def tokenize(text: str) -> list[Token]:
    """Tokens of `text`, comments dropped; an unterminated string ends the scan."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch in "'\"":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            if j >= n or text[j] != ch:
                break
            tokens.append(Token("str", _decode(text[i + 1:j]), i))
            i = j + 1
        elif ch == "`":
            j, depth, interpolated = i + 1, 0, False
            while j < n:
                if text[j] == "\\":
                    j += 2
                    continue
                if depth == 0 and text[j] == "`":
                    break
                if text.startswith("${", j):
                    depth, interpolated, j = depth + 1, True, j + 2
                    continue
                if depth and text[j] == "}":
                    depth -= 1
                j += 1
            if j >= n:
                break
            tokens.append(Token("str", "" if interpolated else _decode(text[i + 1:j]), i,
                                literal=not interpolated))
            i = j + 1
        elif ch == "/" and _regex_allowed(tokens):
            j, in_class = i + 1, False
            while j < n and text[j] != "\n" and (in_class or text[j] != "/"):
                if text[j] == "\\":
                    j += 1
                elif text[j] == "[":
                    in_class = True
                elif text[j] == "]":
                    in_class = False
                j += 1
            flags = _IDENT.match(text, j + 1)
            end = flags.end() if flags else j + 1
            tokens.append(Token("regex", text[i:end], i))
            i = end
        elif match := _IDENT.match(text, i):
            tokens.append(Token("id", match[0], i))
            i = match.end()
        elif match := _NUMBER.match(text, i):
            tokens.append(Token("num", match[0], i))
            i = match.end()
        else:
            for punct in ("...", "?.", "??", "=>"):
                if text.startswith(punct, i):
                    break
            else:
                punct = ch
            tokens.append(Token("punct", punct, i))
            i += len(punct)
    return tokens


def _regex_allowed(tokens: list[Token]) -> bool:
    if not tokens:
        return True
    last = tokens[-1]
    if last.kind == "punct":
        return last.text in _BEFORE_REGEX or last.text in ("=>", "??")
    return last.kind == "id" and last.text in _KEYWORDS_BEFORE_REGEX


def _is(token: Token | None, *texts: str) -> bool:
    return token is not None and token.kind == "punct" and token.text in texts


def properties(tokens: list[Token]) -> list[Prop]:
    """Every property of every object literal in `tokens`, in source order."""
    out: list[Prop] = []
    # one frame per open bracket: [bracket, path element or None, the key whose value
    # is being read in it (None between properties), the index of that value's first token]
    stack: list[list[object]] = []

    def path() -> tuple[str, ...]:
        return tuple(str(frame[1]) for frame in stack if frame[1] is not None)

    for i, token in enumerate(tokens):
        top = stack[-1] if stack else None
        if token.kind == "punct" and token.text in "{[(":
            element: str | None = "[]" if token.text == "[" else None
            before = tokens[i - 1] if i else None
            if before is not None and before.kind == "id" and before.text in _BINDING:
                element = "<binding>"  # `import { a } from`, `const { a } = require(...)`
            elif top is not None and top[2] is not None:  # inside the value of a property
                key, direct = str(top[2]), top[3] == i
                if direct and token.text == "{":
                    element = key
                elif direct and token.text == "[":
                    element = f"{key}[]"
                else:  # `key: f({...})`, `key: c ? {...} : {...}`: not the key's own object
                    element = f"{key}()"
            stack.append([token.text, element, None, -1])
            continue
        if token.kind == "punct" and token.text in "}])":
            opening = {"}": "{", "]": "[", ")": "("}[token.text]
            while stack and stack[-1][0] != opening:
                stack.pop()  # unbalanced text: recover at the matching bracket
            if stack:
                stack.pop()
            continue
        if top is None:
            continue
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if _is(token, ",", ";"):
            top[2] = None
            continue
        if top[0] != "{" or not _is(before, "{", ","):
            continue
        if _is(token, "..."):
            out.append(Prop(path(), "...", -1))
        elif token.kind in ("id", "str", "num") and token.literal and _is(after, ":"):
            out.append(Prop(path(), token.text, i + 2))
            top[2], top[3] = token.text, i + 2
        elif token.kind == "id" and _is(after, ",", "}"):
            out.append(Prop(path(), token.text, -1))  # shorthand: the value is a variable
    return out


def literal(tokens: list[Token], prop: Prop) -> list[str | None] | None:
    """The value of `prop` as strings: `"x"` -> ["x"]; `["a", b, ...c]` -> ["a", None, None].

    None when the value is neither a string nor an array literal (the config
    cannot be read there).
    """
    if prop.value < 0 or prop.value >= len(tokens):
        return None
    first = tokens[prop.value]
    following = tokens[prop.value + 1] if prop.value + 1 < len(tokens) else None
    if first.kind == "str":
        if not first.literal or not (following is None or _is(following, ",", "}", ";")):
            return None
        return [first.text]
    if not _is(first, "["):
        return None
    items: list[str | None] = []
    item: list[Token] = []
    depth = 0
    for token in tokens[prop.value + 1:]:
        if token.kind == "punct" and token.text in "[{(":
            depth += 1
        elif token.kind == "punct" and token.text in "]})":
            if depth == 0:
                if item:
                    items.append(_item(item))
                return items
            depth -= 1
        if depth == 0 and _is(token, ","):
            items.append(_item(item))
            item = []
            continue
        item.append(token)
    return None  # no closing bracket


def _item(tokens: list[Token]) -> str | None:
    if len(tokens) == 1 and tokens[0].kind == "str" and tokens[0].literal:
        return tokens[0].text
    return None

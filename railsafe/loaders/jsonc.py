"""JSONC as Railpack reads it: comments and trailing commas, nothing more.

Railpack standardises JSONC with hujson, which blanks comments and trailing
commas out and leaves every other byte where it was. We do the same, so the
parser's own line and column for an error stay true for the original text.
"""

from __future__ import annotations


def standardize(text: str) -> str:
    out = list(text)
    i, n = 0, len(text)
    last_comma = -1  # index of a comma not yet followed by a value
    after_value = False  # the last significant character ended a value
    while i < n:
        ch = text[i]
        if ch == '"':
            last_comma = -1
            after_value = True
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            continue
        if ch == "/" and i + 1 < n and text[i + 1] in "/*":
            end = text.find("\n", i) if text[i + 1] == "/" else text.find("*/", i + 2)
            if end == -1 and text[i + 1] == "*":
                break  # unterminated: left in place, so the JSON parser reports it here
            end = n if end == -1 else (end if text[i + 1] == "/" else end + 2)
            for j in range(i, end):
                if out[j] not in "\r\n":
                    out[j] = " "
            i = end
            continue
        if ch == ",":
            # only a comma after a value is a trailing comma; `{,}` stays an error
            last_comma = i if after_value else -1
            after_value = False
        elif ch in "}]":
            if last_comma >= 0:
                out[last_comma] = " "
            last_comma = -1
            after_value = True
        elif ch in "{[:":
            last_comma = -1
            after_value = False
        elif not ch.isspace():
            last_comma = -1
            after_value = True
        i += 1
    return "".join(out)

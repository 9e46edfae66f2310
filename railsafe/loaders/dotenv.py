"""`.env` files: `NAME=value` lines with the exact position of each value.

The format has no single standard; this reads what python-dotenv and the
`dotenv` npm package both accept: optional `export`, single- or double-quoted
values, `#` comments after unquoted values.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from railsafe.findings import Span

_LINE = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(?P<value>.*)$")


class DotenvEntry(NamedTuple):
    name: str
    value: str
    span: Span  # of the value, without its quotes


def parse_dotenv(text: str) -> list[DotenvEntry]:
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        match = _LINE.match(line.removesuffix("\r"))
        if not match:
            continue
        col = match.start("value") + 1
        value = match["value"].strip()
        if value[:1] in ("'", '"'):
            end = value.find(value[0], 1)
            value = value[1:end] if end > 0 else value[1:]
            col += 1
        else:  # an unquoted value ends at whitespace followed by `#`, as python-dotenv reads it
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
        out.append(DotenvEntry(match["key"], value, Span(number, col, number, col + len(value))))
    return out

"""Property tests for the position index (railsafe/loaders/positions.py).

The tests generate a document's *structure* (tables, arrays, scalars), then
write its source text themselves in varied styles (dotted keys, inline tables,
`[table]` and `[[array]]` headers, quoted keys with escapes, multibyte text,
comments, CRLF; for JSON: layouts, escapes, JSONC comments and trailing
commas, repeated keys). While writing, they note where each key and value
starts and ends, so for every key path in the *parsed* data we know the exact
span the index must return:

- `entry.key` is the span of that key's source text (quotes included; for a
  path that the text names more than once, its first mention in TOML and its
  last, the one that wins, in JSON); the text there decodes to the key name;
- `entry.value` covers the value text, which parses back to the value
  (for values written after `=` or `:`; not for `[table]` bodies).

Spans are 1-based, columns count code points, the end column is exclusive.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from railsafe.findings import Span
from railsafe.loaders import Document, load, parse_json
from railsafe.loaders.positions import KeyPath, PositionIndex

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BOM = b"\xef\xbb\xbf"
Draw = Any  # hypothesis' `data.draw`


# -- helpers -------------------------------------------------------------------
class Writer:
    """Accumulates source text and knows the 1-based line/column it is at."""

    def __init__(self, newline: str) -> None:
        self.parts: list[str] = []
        self.line, self.col = 1, 1
        self.nl = newline

    def put(self, text: str) -> None:
        self.parts.append(text)
        lines = text.count("\n")
        if lines:
            self.line += lines
            self.col = len(text.rsplit("\n", 1)[1]) + 1
        else:
            self.col += len(text)

    def spanned(self, text: str) -> Span:
        line, col = self.line, self.col
        self.put(text)
        return Span(line, col, self.line, self.col)

    @property
    def text(self) -> str:
        return "".join(self.parts)


class Expect:
    """Expected spans per key path: key span, its text, and (maybe) the value span."""

    def __init__(self, first_wins: bool) -> None:
        self.first_wins = first_wins
        self.keys: dict[KeyPath, Span] = {}
        self.values: dict[KeyPath, Span] = {}

    def key(self, path: KeyPath, span: Span) -> bool:
        if self.first_wins and path in self.keys:
            return False
        self.keys[path] = span
        self.values.pop(path, None)
        return True

    def value(self, path: KeyPath, span: Span) -> None:
        self.values[path] = span


def cut(text: str, span: Span) -> str:
    """The text inside a span (columns are code points; lines split on LF only)."""
    lines = text.split("\n")
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    first = lines[span.line - 1][span.column - 1 :]
    middle = lines[span.line : span.end_line - 1]
    last = lines[span.end_line - 1][: span.end_column - 1]
    return "\n".join([first, *middle, last])


def walk(data: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    items: Any = data.items() if isinstance(data, dict) else enumerate(data)
    for name, value in items:
        here = (*path, name)
        yield here, value
        if isinstance(value, dict | list):
            yield from walk(value, here)


def index_of(source: bytes, syntax: str, bom: bool) -> tuple[PositionIndex, str]:
    """The index for `source`, built the way railsafe builds it, and the text."""
    if bom:  # Document.index blanks a BOM itself today; test the index directly
        return PositionIndex(BOM + source, "json" if syntax == "jsonc" else syntax), source.decode()
    doc = Document(Path("x"), "x", "test", syntax, source)
    return doc.index, doc.text


def verify(index: PositionIndex, text: str, data: Any, expect: Expect, syntax: str) -> None:
    for path, value in walk(data):
        entry = index.entries.get(path)
        assert entry is not None, f"no entry for {path!r}"
        assert entry.key == expect.keys[path], f"key span of {path!r}: {cut(text, entry.key)!r}"
        name = path[-1]
        if isinstance(name, str):
            assert decode_key(cut(text, entry.key), syntax) == name
        if path in expect.values:
            assert entry.value == expect.values[path], f"value span of {path!r}"
            assert decode_value(cut(text, entry.value), syntax) == value
        assert (entry.whole.line, entry.whole.column) == (entry.key.line, entry.key.column)
        end = (entry.whole.end_line, entry.whole.end_column)
        assert end == (entry.value.end_line, entry.value.end_column)


def decode_key(text: str, syntax: str) -> str:
    if syntax == "toml":
        (name,) = tomllib.loads(f"{text} = 0")
        return name
    decoded = json.loads(text)
    assert isinstance(decoded, str)
    return decoded


def decode_value(text: str, syntax: str) -> Any:
    if syntax == "toml":
        return tomllib.loads(f"v = {text}")["v"]
    value, error = parse_json(text, jsonc=syntax == "jsonc")
    assert error is None, error
    return value


# -- strings, shared by both formats ---------------------------------------------
NAMES = st.one_of(
    st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True),
    st.sampled_from(["build", "deploy", "startCommand", "a b", "é", "日本", "😀", "a.b", "", "#"]),
    st.text(max_size=6),
)
STRINGS = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["npm run build", "café ☕", "line\nbreak", 'q"uote', "back\\slash", "😀😀"]),
)
SHORT_TOML = {
    '"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"
}
SHORT_JSON = {**SHORT_TOML, "/": "\\/"}


def escape_char(ch: str, draw: Draw, fmt: str, raw_ok: bool) -> str:
    """One character inside a double-quoted string, in a drawn style."""
    short = SHORT_TOML if fmt == "toml" else SHORT_JSON
    options = []
    if raw_ok:
        options.append(ch)
    if ch in short:
        options.append(short[ch])
    point = ord(ch)
    if point <= 0xFFFF:
        options.append(f"\\u{point:04x}")
        options.append(f"\\u{point:04X}")
    elif fmt == "json":
        high, low = divmod(point - 0x10000, 0x400)
        options.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
    if fmt == "toml":
        options.append(f"\\U{point:08x}")
    return options[draw(st.integers(0, len(options) - 1))]


def toml_raw_ok(ch: str, multiline: bool = False) -> bool:
    if ch in '"\\':
        return False
    if multiline and ch == "\n":
        return True
    return ch == "\t" or not (ord(ch) < 0x20 or ord(ch) == 0x7F)


def basic_string(value: str, draw: Draw, fmt: str) -> str:
    if fmt == "toml":
        body = "".join(escape_char(c, draw, fmt, toml_raw_ok(c)) for c in value)
    else:
        body = "".join(escape_char(c, draw, fmt, c not in '"\\' and ord(c) >= 0x20) for c in value)
    return f'"{body}"'


def literal_ok(value: str, multiline: bool = False) -> bool:
    allowed = "\t\n" if multiline else "\t"
    if "'" in value:
        return False
    return all(c in allowed or not (ord(c) < 0x20 or ord(c) == 0x7F) for c in value)


# -- TOML ---------------------------------------------------------------------------
BARE = re.compile(r"[A-Za-z0-9_-]+")

TOML_SCALARS = st.one_of(
    st.integers(-(10**9), 10**9),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1000, 1, 1)),
    STRINGS,
)
TOML_INLINE = st.recursive(
    TOML_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(NAMES, inner, max_size=3)
    ),
    max_leaves=8,
)


def _tables(children: Any) -> Any:
    return st.dictionaries(
        NAMES,
        st.one_of(TOML_INLINE, children, st.lists(children, min_size=1, max_size=3)),
        max_size=4,
    )


TOML_DOCS = st.recursive(st.dictionaries(NAMES, TOML_INLINE, max_size=4), _tables, max_leaves=12)


class TomlWriter:
    def __init__(self, draw: Draw, newline: str) -> None:
        self.draw = draw
        self.w = Writer(newline)
        self.expect = Expect(first_wins=True)

    def flip(self) -> bool:
        return bool(self.draw(st.booleans()))

    def pick(self, *options: str) -> str:
        return str(self.draw(st.sampled_from(options)))

    def newline(self) -> None:
        if self.draw(st.integers(0, 5)) == 0:
            self.w.put(self.pick(" ", "\t", "") + "# comment ünï 😀 = [x]")
        self.w.put(self.w.nl)
        if self.draw(st.integers(0, 5)) == 0:
            self.w.put(self.pick("", "  ") + "# full-line comment" + self.w.nl)
        if self.draw(st.integers(0, 7)) == 0:
            self.w.put(self.w.nl)

    def key_text(self, name: str) -> str:
        styles = ["basic"]
        if BARE.fullmatch(name):
            styles.append("bare")
        if literal_ok(name):
            styles.append("literal")
        style = self.draw(st.sampled_from(styles))
        if style == "bare":
            return name
        if style == "literal":
            return f"'{name}'"
        return basic_string(name, self.draw, "toml")

    def keys(self, names: list[str], paths: list[KeyPath], header: bool = False) -> None:
        """A (dotted) key; the first mention of each path is expected."""
        for i, (name, path) in enumerate(zip(names, paths, strict=True)):
            if i:
                dots = (".", " . ") if header else (".", " . ", ". ", "\t.")
                self.w.put(self.pick(*dots))
            self.expect.key(path, self.w.spanned(self.key_text(name)))

    # values
    def value(self, path: KeyPath, value: Any) -> Span:
        w = self.w
        if isinstance(value, dict):
            start = (w.line, w.col)
            w.put("{")
            for n, (k, v) in enumerate(value.items()):
                w.put(", " if n else self.pick("", " "))
                self.pair([k], path, v)
            w.put(self.pick("}", " }") if value else "}")
            return Span(*start, w.line, w.col)
        if isinstance(value, list):
            return self.array(path, value)
        return w.spanned(self.scalar(value))

    def array(self, path: KeyPath, items: list[Any]) -> Span:
        w = self.w
        start = (w.line, w.col)
        multiline = self.flip()
        w.put("[")
        for i, item in enumerate(items):
            if multiline:
                w.put(w.nl + "  ")
                if self.draw(st.integers(0, 3)) == 0:
                    w.put("# item comment" + w.nl + "  ")
            elif i:
                w.put(self.pick(" ", ""))
            span = self.value((*path, i), item)
            self.expect.key((*path, i), span)
            self.expect.value((*path, i), span)
            if i < len(items) - 1 or self.flip():
                w.put(",")
        if multiline:
            w.put(w.nl)
        w.put("]")
        return Span(*start, w.line, w.col)

    def scalar(self, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            forms = [str(value)]
            if value >= 0:
                forms += [hex(value), oct(value).replace("0o", "0o"), bin(value)]
            if abs(value) >= 1000:
                forms.append(f"{value:_}")
            return forms[self.draw(st.integers(0, len(forms) - 1))]
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        assert isinstance(value, str)
        styles = ["basic"]
        if literal_ok(value):
            styles.append("literal")
        if literal_ok(value, multiline=True) and not value.endswith("\n"):
            styles.append("ml-literal")
        styles.append("ml-basic")
        style = self.draw(st.sampled_from(styles))
        if style == "literal":
            return f"'{value}'"
        if style == "ml-literal":
            return f"'''{value}'''".replace("\n", self.w.nl)
        if style == "ml-basic":
            body = "".join(
                self.w.nl if c == "\n" and self.flip() else
                escape_char(c, self.draw, "toml", toml_raw_ok(c, multiline=False))
                for c in value
            )
            lead = self.w.nl if self.flip() else ""  # a newline right after """ is trimmed
            return f'"""{lead}{body}"""'
        return basic_string(value, self.draw, "toml")

    def pair(self, names: list[str], base: KeyPath, value: Any) -> None:
        paths = [(*base, *names[: i + 1]) for i in range(len(names))]
        self.keys(names, paths)
        self.w.put(self.pick(" = ", "=", "\t=  "))
        self.expect.value(paths[-1], self.value(paths[-1], value))

    # tables
    def plan(self, table: dict[str, Any]) -> list[tuple[str, str, Any]]:
        """How each entry of a table is written: pair, dotted, [table] or [[array]]."""
        styles = []
        for name, value in table.items():
            aot = isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
            if isinstance(value, dict) and self.flip():
                styles.append(("table", name, value))
            elif aot and self.flip():
                styles.append(("array", name, value))
            elif isinstance(value, dict) and value and self.flip():
                styles.append(("dotted", name, value))
            else:
                styles.append(("pair", name, value))
        return styles

    def body(self, path: KeyPath, plan: list[tuple[str, str, Any]]) -> None:
        for style, name, value in plan:
            if style == "dotted":
                self.dotted([name], path, value)
            elif style == "pair":
                self.w.put(self.pick("", "", "  ", "\t"))
                self.pair([name], path, value)
                self.newline()

    def dotted(self, names: list[str], base: KeyPath, table: dict[str, Any]) -> None:
        for name, value in table.items():
            if isinstance(value, dict) and value and self.flip():
                self.dotted([*names, name], base, value)
            else:
                self.w.put(self.pick("", "  "))
                self.pair([*names, name], base, value)
                self.newline()

    def table(
        self, names: list[str], paths: list[KeyPath], path: KeyPath,
        table: dict[str, Any], header: str = "[",
    ) -> None:
        """A table: its header (maybe implicit), its pairs, then its sub-tables."""
        plan = self.plan(table)
        subtables = [p for p in plan if p[0] in ("table", "array")]
        if header == "[[":
            self.header("[[", "]]", names, paths, element=path)
        elif paths and not (subtables and len(subtables) == len(plan) and self.flip()):
            self.header("[", "]", names, paths)
        self.body(path, plan)
        for style, name, value in subtables:
            sub_names, sub_paths = [*names, name], [*paths, (*path, name)]
            if style == "table":
                self.table(sub_names, sub_paths, (*path, name), value)
            else:
                for i, element in enumerate(value):
                    self.table(sub_names, sub_paths, (*path, name, i), element, "[[")

    def header(
        self, open_: str, close: str, names: list[str], paths: list[KeyPath],
        element: KeyPath | None = None,
    ) -> None:
        w = self.w
        w.put(self.pick("", " ") + open_ + self.pick("", " "))
        start = (w.line, w.col)
        self.keys(names, paths, header=True)
        if element is not None:  # an [[array]] element: its key is the whole header key
            self.expect.key(element, Span(*start, w.line, w.col))
        w.put(self.pick("", " ") + close)
        self.newline()


@st.composite
def toml_documents(draw: Draw) -> tuple[str, Expect]:
    data = draw(TOML_DOCS)
    writer = TomlWriter(draw, draw(st.sampled_from(["\n", "\r\n"])))
    if draw(st.booleans()):
        writer.w.put("# railway.toml, generated" + writer.w.nl)
    writer.table([], [], (), data)
    return writer.w.text, writer.expect


def check_toml(text: str, expect: Expect, bom: bool = False) -> None:
    data = tomllib.loads(text)  # the generator writes valid TOML 1.0 or it is a test bug
    index, decoded = index_of(text.encode(), "toml", bom)
    verify(index, decoded, data, expect, "toml")


@SETTINGS
@given(toml_documents(), st.booleans())
def test_toml_spans_cover_every_key(doc: tuple[str, Expect], bom: bool) -> None:
    check_toml(*doc, bom=bom)


# -- JSON / JSONC -----------------------------------------------------------------
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False), STRINGS,
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(NAMES, inner, max_size=4)
    ),
    max_leaves=20,
)
JSON_DOCS = st.dictionaries(NAMES, JSON_VALUES, max_size=5)


class JsonWriter:
    def __init__(self, draw: Draw, newline: str, jsonc: bool, indent: str | None) -> None:
        self.draw = draw
        self.w = Writer(newline)
        self.jsonc = jsonc
        self.indent = indent
        self.expect = Expect(first_wins=False)

    def gap(self, depth: int) -> None:
        """Whitespace between tokens, and comments in JSONC."""
        w = self.w
        if self.indent is not None:
            w.put(w.nl + self.indent * depth)
        elif self.draw(st.integers(0, 3)) == 0:
            w.put(self.draw(st.sampled_from([" ", "\t", w.nl, "  "])))
        if self.jsonc and self.draw(st.integers(0, 4)) == 0:
            if self.draw(st.booleans()):
                w.put("// line comment, ünï 😀 \"quoted\" {" + w.nl + (self.indent or "") * depth)
            else:
                w.put("/* block, /* ] */ ")

    def value(self, path: KeyPath, value: Any, depth: int) -> Span:
        w = self.w
        start = (w.line, w.col)
        if isinstance(value, dict):
            w.put("{")
            items = list(value.items())
            for n, (k, v) in enumerate(items):
                if self.draw(st.integers(0, 6)) == 0:  # a repeated key: the last one wins
                    self.gap(depth + 1)
                    self.member(path, k, self.draw(JSON_SCALARS), depth)
                    w.put(",")
                self.gap(depth + 1)
                self.member(path, k, v, depth)
                if n < len(items) - 1:
                    w.put(",")
            if items and self.jsonc and self.draw(st.booleans()):
                w.put(",")
            if items:
                self.gap(depth)
            w.put("}")
        elif isinstance(value, list):
            w.put("[")
            for i, item in enumerate(value):
                self.gap(depth + 1)
                span = self.value((*path, i), item, depth + 1)
                self.expect.key((*path, i), span)
                self.expect.value((*path, i), span)
                if i < len(value) - 1:
                    w.put(",")
            if value and self.jsonc and self.draw(st.booleans()):
                w.put(",")
            if value:
                self.gap(depth)
            w.put("]")
        elif isinstance(value, str):
            w.put(basic_string(value, self.draw, "json"))
        else:
            w.put(json.dumps(value))
        return Span(*start, w.line, w.col)

    def member(self, path: KeyPath, name: str, value: Any, depth: int) -> None:
        w = self.w
        key = w.spanned(basic_string(name, self.draw, "json"))
        w.put(self.draw(st.sampled_from([":", ": ", " : ", ":\t"])))
        span = self.value((*path, name), value, depth + 1)
        self.expect.key((*path, name), key)
        self.expect.value((*path, name), span)


@st.composite
def json_documents(draw: Draw, jsonc: bool) -> tuple[str, Expect]:
    data = draw(JSON_DOCS)
    indent = draw(st.sampled_from([None, "  ", "    ", "\t"]))
    writer = JsonWriter(draw, draw(st.sampled_from(["\n", "\r\n"])), jsonc, indent)
    if jsonc and draw(st.booleans()):
        writer.w.put("// railpack.json" + writer.w.nl)
    writer.value((), data, 0)
    writer.w.put(writer.w.nl)
    return writer.w.text, writer.expect


def check_json(text: str, expect: Expect, syntax: str, bom: bool = False) -> None:
    data, error = parse_json(text, jsonc=syntax == "jsonc")
    assert error is None, f"generator wrote invalid {syntax}: {error}"
    index, decoded = index_of(text.encode(), syntax, bom and syntax == "json")
    verify(index, decoded, data, expect, syntax)


@SETTINGS
@given(json_documents(jsonc=False), st.booleans())
def test_json_spans_cover_every_key(doc: tuple[str, Expect], bom: bool) -> None:
    check_json(*doc, "json", bom=bom)


@SETTINGS
@given(json_documents(jsonc=True))
def test_jsonc_spans_cover_every_key(doc: tuple[str, Expect]) -> None:
    check_json(*doc, "jsonc")


# -- regressions (each was a bug the properties above found) ------------------------
def _entry(source: str | bytes, syntax: str, path: KeyPath) -> tuple[str, str]:
    raw = source.encode() if isinstance(source, str) else source
    index = PositionIndex(raw, syntax)
    entry = index.entries.get(path)
    assert entry is not None, index.entries
    text = raw.decode("utf-8-sig")
    return cut(text, entry.key), cut(text, entry.value)


def test_toml_trailing_comment_is_not_the_value() -> None:
    # tree-sitter-toml puts `# ...` inside the pair node; the value span was the comment
    assert _entry('startCommand = "npm start" # run it\n', "toml", ("startCommand",)) == (
        "startCommand",
        '"npm start"',
    )


def test_toml_subtable_of_array_of_tables_element() -> None:
    text = "[[t]]\na = 1\n[[t]]\n[t.sub]\nb = 2\n[[t.u]]\nc = 3\n"
    assert tomllib.loads(text) == {"t": [{"a": 1}, {"sub": {"b": 2}, "u": [{"c": 3}]}]}
    assert _entry(text, "toml", ("t", 1, "sub", "b")) == ("b", "2")
    assert _entry(text, "toml", ("t", 1, "sub"))[0] == "sub"
    assert _entry(text, "toml", ("t", 1, "u", 0, "c")) == ("c", "3")


def test_toml_quoted_key_with_toml_only_escapes() -> None:
    text = '"\\U0001F600" = 1\n"a\tb\\n" = 2\n'  # \U escape; a raw tab (not valid JSON)
    assert _entry(text, "toml", ("😀",))[0] == '"\\U0001F600"'
    assert _entry(text, "toml", ("a\tb\n",))[0] == '"a\tb\\n"'


def test_bom_is_not_a_column() -> None:
    assert PositionIndex(BOM + b"a = 1\n", "toml").entries[("a",)].key == Span(1, 1, 1, 2)
    assert PositionIndex(BOM + b'{"a": 1}', "json").entries[("a",)].key == Span(1, 2, 1, 5)


def test_document_bom_columns(tmp_path: Path) -> None:
    path = tmp_path / "railway.toml"
    path.write_bytes(BOM + b'[deploy]\nstartCommand = "x"\n')
    doc = load(path, "railway.toml", "railway-toml", "toml")
    assert doc.locate(("deploy",)) == Span(1, 2, 1, 8)


def test_json_repeated_key_last_one_wins() -> None:
    text = '{"a": 1, "b": 2, "a": {"x": 3}}'
    assert json.loads(text)["a"] == {"x": 3}
    assert _entry(text, "json", ("a",)) == ('"a"', '{"x": 3}')
    assert _entry(text, "json", ("a", "x")) == ('"x"', "3")


def test_json_signed_exponent() -> None:
    # tree-sitter-json 0.24 reads `1e+16` as an error; items after it shifted
    text = '{"n": [1e+16, 2E-3, 3], "s": "1e+5"}'
    assert _entry(text, "json", ("n", 0)) == ("1e+16", "1e+16")
    assert _entry(text, "json", ("n", 2)) == ("3", "3")
    assert _entry(text, "json", ("s",)) == ('"s"', '"1e+5"')


def test_jsonc_comments_and_trailing_commas(tmp_path: Path) -> None:
    path = tmp_path / "railpack.json"
    path.write_text(
        '// c "x" {\r\n{\r\n  /* ] */ "deploy": {"startCommand": "é😀", /* , */},\r\n}\r\n',
        encoding="utf-8",
    )
    doc = load(path, "railpack.json", "railpack-json", "jsonc")
    assert doc.error is None
    assert doc.locate(("deploy", "startCommand")) == Span(3, 22, 3, 36)
    assert doc.locate(("deploy", "startCommand"), "value") == Span(3, 38, 3, 42)

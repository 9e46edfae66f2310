"""Position index: key path -> source spans, built from a tree-sitter syntax tree.

tomllib and json give us data but no positions, and tomlkit keeps no positions
either, so every finding is located through this index instead of by searching
text. Building it is deferred until the first finding needs a location.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from railsafe.findings import Span, code_point_column

KeyPath = tuple[str | int, ...]

_BOM = b"\xef\xbb\xbf"
# tree-sitter-json 0.24 cannot read a signed exponent (`1e+16`); `1e016` is the
# same number in as many bytes, so spans stay true.
_JSON_PLUS_EXPONENT = re.compile(rb'"(?:[^"\\\n]|\\.)*"|(?<=[0-9])[eE]\+')


def _unsign_exponents(match: re.Match[bytes]) -> bytes:
    text = match[0]
    return text if text.startswith(b'"') else text[:1] + b"0"


class _Columns:
    """Byte columns to 1-based code-point columns, for the lines of one source."""

    __slots__ = ("_bom", "_lines")

    def __init__(self, lines: list[bytes], bom: bool) -> None:
        self._lines = lines
        self._bom = bom

    def column(self, row: int, byte_col: int) -> int:
        line = self._lines[row] if row < len(self._lines) else b""
        if row == 0 and self._bom:
            line, byte_col = line[len(_BOM) :], max(byte_col - len(_BOM), 0)
        return code_point_column(line, byte_col)

    def span(self, start: tuple[int, int], end: tuple[int, int]) -> Span:
        return Span(start[0] + 1, self.column(*start), end[0] + 1, self.column(*end))


class Entry:
    """The spans of one key path: `key` (the key text; for array items the item
    itself), `value` (the value text) and `whole` (key through value).

    Worked out when first asked: the index holds every entry of a document and a
    check locates a few of them (on a 2,000-service tree, spans nobody read were
    most of the indexing time)."""

    __slots__ = ("_columns", "_points", "_spans")

    def __init__(self, columns: _Columns, points: tuple[Any, Any, Any, Any]) -> None:
        self._columns: _Columns | None = columns
        self._points = points  # key start, key end, value start, value end (row, byte)
        self._spans: tuple[Span, Span, Span] | None = None

    def _worked_out(self) -> tuple[Span, Span, Span]:
        if self._spans is None:
            assert self._columns is not None
            k1, k2, v1, v2 = self._points
            k, v = self._columns.span(k1, k2), self._columns.span(v1, v2)
            self._spans = (k, v, Span(k.line, k.column, v.end_line, v.end_column))
            self._columns = None
        return self._spans

    @property
    def key(self) -> Span:
        return self._worked_out()[0]

    @property
    def value(self) -> Span:
        return self._worked_out()[1]

    @property
    def whole(self) -> Span:
        return self._worked_out()[2]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entry):
            return NotImplemented
        return self._worked_out() == other._worked_out()

    def __hash__(self) -> int:
        return hash(self._worked_out())

    def __repr__(self) -> str:
        key, value, whole = self._worked_out()
        return f"Entry(key={key!r}, value={value!r}, whole={whole!r})"


@cache
def _parser(kind: str) -> Any:
    import tree_sitter

    from railsafe.resources import grammar

    package = "tree_sitter_toml" if kind == "toml" else "tree_sitter_json"
    return tree_sitter.Parser(tree_sitter.Language(grammar(package)))


class PositionIndex:
    """Maps key paths to spans; columns are 1-based code points."""

    def __init__(self, source: bytes, syntax: str) -> None:
        # A UTF-8 BOM is invisible: blank it for the parser (byte offsets stay)
        # and leave it out of the columns of line 1.
        bom = source.startswith(_BOM)
        if bom:
            source = b"   " + source[len(_BOM) :]
        if syntax != "toml" and b"+" in source:
            source = _JSON_PLUS_EXPONENT.sub(_unsign_exponents, source)
        self._columns = _Columns(source.split(b"\n"), bom)
        self.entries: dict[KeyPath, Entry] = {}
        tree = _parser(syntax).parse(source)
        try:
            if syntax == "toml":
                self._index_toml(tree.root_node)
            else:
                for node in _named(tree.root_node):
                    self._index_json_value(node, ())
        except RecursionError:
            pass  # absurdly deep documents keep whatever was indexed so far

    def _record(self, path: KeyPath, key: Any, value: Any) -> None:
        if path in self.entries:
            return
        points = (key.start_point, key.end_point, value.start_point, value.end_point)
        self.entries[path] = Entry(self._columns, points)

    # -- TOML ----------------------------------------------------------------
    def _index_toml(self, root: Any) -> None:
        prefix: KeyPath = ()
        array_counts: dict[KeyPath, int] = {}
        for node in _named(root):
            if node.type == "pair":
                self._index_toml_pair(node, prefix)
            elif node.type in ("table", "table_array_element"):
                key_node = next((c for c in _named(node) if c.type.endswith("key")), None)
                if key_node is None:
                    continue
                segments = list(_toml_key_nodes(key_node))
                path: KeyPath = ()
                for n, (text, seg) in enumerate(segments):
                    path = (*path, text)
                    self._record(path, seg, node)
                    if n < len(segments) - 1 and path in array_counts:
                        # `[t.sub]` after `[[t]]` extends the last element of t
                        path = (*path, array_counts[path] - 1)
                if node.type == "table_array_element":
                    index = array_counts.get(path, 0)
                    array_counts[path] = index + 1
                    path = (*path, index)
                    self._record(path, key_node, node)
                prefix = path
                for child in _named(node):
                    if child.type == "pair":
                        self._index_toml_pair(child, prefix)

    def _index_toml_pair(self, pair: Any, prefix: KeyPath) -> None:
        # tree-sitter-toml puts a trailing `# comment` inside the pair: not the value
        children = [c for c in _named(pair) if c.type != "comment"]
        if len(children) < 2:
            return
        key_node, value = children[0], children[-1]
        path = prefix
        for text, seg in _toml_key_nodes(key_node):
            path = (*path, text)
            self._record(path, seg, value)
        self._index_toml_value(value, path)

    def _index_toml_value(self, value: Any, path: KeyPath) -> None:
        if value.type == "inline_table":
            for child in _named(value):
                if child.type == "pair":
                    self._index_toml_pair(child, path)
        elif value.type == "array":
            items = [c for c in _named(value) if c.type != "comment"]
            for i, item in enumerate(items):
                self._record((*path, i), item, item)
                self._index_toml_value(item, (*path, i))

    # -- JSON ----------------------------------------------------------------
    def _index_json_value(self, node: Any, path: KeyPath) -> None:
        if node.type == "object":
            pairs: dict[str, tuple[Any, Any]] = {}
            for pair in _named(node):
                if pair.type != "pair":
                    continue
                key = pair.child_by_field_name("key")
                value = pair.child_by_field_name("value")
                if key is None or value is None:
                    continue
                try:
                    name = json.loads(key.text.decode("utf-8", "replace"))
                except ValueError:
                    continue
                if isinstance(name, str):
                    pairs.pop(name, None)
                    pairs[name] = (key, value)  # a repeated key: the last one wins, as in json
            for name, (key, value) in pairs.items():
                self._record((*path, name), key, value)
                self._index_json_value(value, (*path, name))
        elif node.type == "array":
            items = [c for c in _named(node) if c.type not in ("comment", "ERROR")]
            for i, item in enumerate(items):
                self._record((*path, i), item, item)
                self._index_json_value(item, (*path, i))

    # -- lookup --------------------------------------------------------------
    def find(self, path: KeyPath) -> tuple[KeyPath, Entry] | None:
        """The entry for `path`, or for its longest indexed prefix."""
        for end in range(len(path), 0, -1):
            entry = self.entries.get(path[:end])
            if entry is not None:
                return path[:end], entry
        return None


def _named(node: Any) -> list[Any]:
    return list(node.named_children)  # the named `children`, in order (in C)


def _toml_key_nodes(node: Any) -> Iterator[tuple[str, Any]]:
    if node.type == "dotted_key":
        for child in _named(node):
            yield from _toml_key_nodes(child)
        return
    raw = node.text.decode("utf-8", "replace")
    if node.type == "quoted_key":
        raw = raw[1:-1] if raw.startswith("'") else _basic_key(raw)
    yield raw, node


def _basic_key(raw: str) -> str:
    """Decode a TOML basic-string key with TOML's escapes (`\\U0001F600`, raw tabs)."""
    import tomllib

    try:
        (name,) = tomllib.loads(f"{raw} = 0")
    except (tomllib.TOMLDecodeError, ValueError):
        return raw[1:-1]
    return str(name)

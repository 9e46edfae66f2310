"""Loaders: bytes on disk -> a Document with data, a load error, and positions.

One function per format. None of them raises: broken input becomes a
`LoadError` with the parser's own line and column.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from railsafe.findings import FILE_START, Span
from railsafe.loaders.positions import Entry, KeyPath, PositionIndex

MAX_BYTES = 2 * 1024 * 1024

# file name -> (kind, syntax)
CONFIG_FILES: dict[str, tuple[str, str]] = {
    "railway.toml": ("railway-toml", "toml"),
    "railway.json": ("railway-json", "json"),
    "nixpacks.toml": ("nixpacks-toml", "toml"),
    "nixpacks.json": ("nixpacks-json", "json"),
    "railpack.json": ("railpack-json", "jsonc"),
}

# the config kinds by program: one list each, used everywhere a rule names a family
RAILWAY_KINDS = ("railway-toml", "railway-json")  # Config as Code
NIXPACKS_KINDS = ("nixpacks-toml", "nixpacks-json")
RAILPACK_KINDS = ("railpack-json",)

Part = Literal["key", "value", "whole"]


@dataclass(frozen=True)
class LoadError:
    message: str
    span: Span


@dataclass
class Document:
    """One file, parsed. `data` is None when `error` is set."""

    path: Path
    relpath: str
    kind: str
    syntax: str
    source: bytes
    data: Any = None
    error: LoadError | None = None
    _index: PositionIndex | None = field(default=None, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return self.source.decode("utf-8-sig", "replace")

    def line(self, number: int) -> str:
        if self._lines is None:  # positions count "\n" only, as the index does
            self._lines = [ln.removesuffix("\r") for ln in self.text.split("\n")]
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""

    @property
    def index(self) -> PositionIndex:
        if self._index is None:
            source = self.source
            if self.syntax == "jsonc":
                from railsafe.loaders.jsonc import standardize

                source = standardize(self.text).encode("utf-8")
            syntax = "toml" if self.syntax == "toml" else "json"
            self._index = PositionIndex(source, syntax)
        return self._index

    def entry(self, path: KeyPath) -> Entry | None:
        """The exact entry for `path`, or None if the path is not in the file."""
        return self.index.entries.get(tuple(path))

    def locate(self, path: KeyPath, part: Part = "key") -> Span:
        """Span of `path` (or its closest indexed ancestor, or the file start)."""
        found = self.index.find(tuple(path))
        if found is None:
            return FILE_START
        exact, entry = found
        if exact != tuple(path):
            return entry.key
        return getattr(entry, part)


def read_bytes(path: Path) -> tuple[bytes | None, str | None]:
    """File bytes, or a one-line reason they cannot be read."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return None, f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB; not read"
        return path.read_bytes(), None
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror or exc.__class__.__name__}"


def decode(source: bytes) -> tuple[str | None, LoadError | None]:
    """UTF-8 text, or an error located at the first bad byte (or NUL)."""
    if b"\x00" in source[:8192]:
        return None, LoadError("binary file (contains NUL bytes), not a config file", FILE_START)
    try:
        return source.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = source[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
        return None, LoadError(
            f"file is not valid UTF-8 (byte 0x{source[exc.start]:02x})", Span.point(line, col)
        )


_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_EOF = re.compile(r"\s*\(at end of document\)$")


def parse_toml(text: str) -> tuple[Any, LoadError | None]:
    import tomllib

    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POS.search(message)
        if match:
            span = Span.point(int(match[1]), int(match[2]))
            message = message[: match.start()]
        else:
            lines = text.splitlines() or [""]
            span = Span.point(len(lines), len(lines[-1]) + 1)
            message = _TOML_EOF.sub("", message)
        return None, LoadError(f"TOML syntax error: {message}", span)
    except RecursionError:
        return None, LoadError("TOML document is nested too deeply to read", FILE_START)


def parse_json(text: str, jsonc: bool = False) -> tuple[Any, LoadError | None]:
    if jsonc:
        from railsafe.loaders.jsonc import standardize

        text = standardize(text)
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        kind = "JSONC" if jsonc else "JSON"
        return None, LoadError(f"{kind} syntax error: {exc.msg}", Span.point(exc.lineno, exc.colno))
    except RecursionError:
        return None, LoadError("JSON document is nested too deeply to read", FILE_START)


def load(path: Path, relpath: str, kind: str, syntax: str) -> Document:
    """Read and parse one config file; never raises."""
    source, reason = read_bytes(path)
    if source is None:
        return Document(path, relpath, kind, syntax, b"", error=LoadError(reason or "", FILE_START))
    doc = Document(path, relpath, kind, syntax, source)
    text, error = decode(source)
    if error is not None or text is None:
        doc.error = error
        return doc
    if syntax == "toml":
        doc.data, doc.error = parse_toml(text)
        if doc.error is not None and text.lstrip().startswith(("{", "[{")):
            json_name = path.name.removesuffix(".toml") + ".json"
            doc.error = LoadError(
                f"{doc.error.message} (this file holds JSON: name it {json_name})", doc.error.span
            )
    elif syntax in ("json", "jsonc"):
        doc.data, doc.error = parse_json(text, jsonc=syntax == "jsonc")
    return doc  # other files: text only, parsed by the rules' own analysers

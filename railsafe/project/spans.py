"""Where a command's characters are in its file, so findings land on the exact column.

Every `Command` the planner builds maps an offset inside its text back to a
file position (`Command.at`); this module makes those mappings for the three
shapes a command is written in: a TOML/JSON string value (`value_command`),
a Dockerfile exec-form array (`exec_text`), and plain text (`offset_span`).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING

from railsafe.findings import Related, Span
from railsafe.loaders import Document
from railsafe.project.types import Command, Phase

if TYPE_CHECKING:  # the Dockerfile parser is imported only when a tree has Dockerfiles
    from railsafe.loaders.dockerfile import Instruction


def _label_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (("." if out else "") + part)
    return out


def value_command(
    doc: Document,
    path: tuple[str | int, ...],
    text: str,
    phase: Phase,
    *,
    label: str | None = None,
    environment: str | None = None,
    provenance: tuple[Related, ...] = (),
) -> Command:
    """A command written as a TOML/JSON string value at `path` of `doc`.

    When the raw source between the quotes equals the command text (one line,
    no escapes), offsets map to exact columns; otherwise to the value start.
    """
    entry = doc.entry(path)
    span = entry.value if entry is not None else doc.locate(path, "value")
    column = None
    if entry is not None and span.line == span.end_line:
        raw = doc.line(span.line)[span.column - 1 : span.end_column - 1]
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'" and raw[1:-1] == text:
            column = span.column + 1
    return Command(
        text,
        phase,
        doc.relpath,
        span,
        label or f"{doc.path.name} {_label_path(path)}",
        environment=environment,
        column=column,
        provenance=provenance,
    )


def exec_text(
    instr: Instruction, exec_form: tuple[str, ...]
) -> tuple[str, Callable[[int], tuple[int, int]]]:
    """An exec-form command as one shell-quoted line, and where each of its characters is.

    `["sh", "-c", "pytest -q"]` becomes `sh -c 'pytest -q'`; a character of an
    element maps to where it is written inside its JSON string, a quote shlex
    added to the element's `"`, and the blank after an element to where its text
    ends (past the `"` when shlex quoted it), so a span ends exactly where the
    text it covers ends.
    """
    from railsafe.loaders import dockerfile as df

    text = shlex.join(exec_form)
    elements = df.exec_elements(instr)
    if elements is None:  # no exact positions: the array's start, its end for the end
        start, stop = instr.position(instr.command_offset), instr.position(len(instr.args))
        return text, lambda offset: stop if offset >= len(text) and text else start
    offsets: list[int] = []
    for index, element in enumerate(elements):
        if index:  # the separating blank: where the previous element's text ends
            previous = elements[index - 1]
            offsets.append(previous.close_quote
                           + (shlex.quote(previous.value) != previous.value))
        quoted = shlex.quote(element.value)
        if quoted == element.value:
            offsets.extend(element.chars)
            continue
        offsets.append(element.open_quote)
        for char, at in zip(element.value, element.chars, strict=True):
            offsets.extend([at] * (len("'\"'\"'") if char == "'" else 1))
        offsets.append(element.close_quote)
    if not elements or len(offsets) != len(text):  # `[]`, or quoted unlike expected
        first = instr.position(elements[0].open_quote if elements else instr.command_offset)
        return text, lambda offset: first
    last = elements[-1]
    # the end of the text: the closing `"` itself when shlex quoted the last element
    end = last.close_quote + (shlex.quote(last.value) != last.value)

    def position(offset: int) -> tuple[int, int]:
        if offset >= len(offsets):
            return instr.position(end)
        return instr.position(offsets[max(offset, 0)])

    return text, position


def offset_span(text: str, start: int, end: int) -> Span:
    """The span of text[start:end] (on the line where it starts)."""
    line = text.count("\n", 0, start) + 1
    col = start - (text.rfind("\n", 0, start) + 1) + 1
    return Span(line, col, line, col + (end - start))


def text_span(text: str, needle: str) -> Span:
    """The first mention of `needle` in `text`, else the file start."""
    index = text.find(needle)
    if index < 0:
        return Span(1, 1, 1, 2)
    return offset_span(text, index, index + len(needle))

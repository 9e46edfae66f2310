"""The Dockerfile parser: instructions, positions, ARG/ENV pairs."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from railsafe.findings import Span
from railsafe.loaders import Document, LoadError
from railsafe.loaders.dockerfile import (
    dockerfile_instructions,
    exec_elements,
    heredoc_scripts,
    pairs,
    parse_dockerfile,
)
from railsafe.loaders.dockerfile_stages import (
    image_layout,
    lineage,
    needed_stages,
    stages,
    start_instructions,
)
from railsafe.loaders.images import DEFAULT_PATH

SAMPLE = """\
# syntax=docker/dockerfile:1
ARG BASE=node:20
FROM $BASE AS build
ARG A B=2 NODE_VERSION
ENV X=1 Y="two words" \\
  # a comment inside a continuation

    Z=$SECRET
ENV LEGACY some value
RUN --mount=type=cache,target=/root/.npm echo hi \\
  && echo there
RUN ["npm", "start"]
RUN <<EOF
echo hi
EOF
CMD ["a", "b\\"c"]
FROM alpine
entrypoint exec foo
"""


def test_keywords_stages_and_spans() -> None:
    got = [(i.keyword, i.stage, i.span.line, i.span.end_line) for i in parse_dockerfile(SAMPLE)]
    assert got == [
        ("ARG", -1, 2, 2),
        ("FROM", 0, 3, 3),
        ("ARG", 0, 4, 4),
        ("ENV", 0, 5, 8),
        ("ENV", 0, 9, 9),
        ("RUN", 0, 10, 11),
        ("RUN", 0, 12, 12),
        ("RUN", 0, 13, 15),
        ("CMD", 0, 16, 16),
        ("FROM", 1, 17, 17),
        ("ENTRYPOINT", 1, 18, 18),
    ]


def test_continuations_comments_and_flags() -> None:
    instrs = parse_dockerfile(SAMPLE)
    env = instrs[3]
    assert env.args == 'X=1 Y="two words"     Z=$SECRET'
    run = instrs[5]
    assert run.flags == ("--mount=type=cache,target=/root/.npm",)
    assert run.command == "echo hi   && echo there"
    assert run.exec_form is None
    # `&&` on the continuation line maps back to line 11, column 3
    assert run.position(run.args.index("&&")) == (11, 3)
    assert run.position(run.args.index("echo hi")) == (10, 42)


def test_exec_form() -> None:
    instrs = parse_dockerfile(SAMPLE)
    assert instrs[6].exec_form == ("npm", "start")
    assert instrs[8].exec_form == ("a", 'b"c')
    assert instrs[10].exec_form is None
    assert parse_dockerfile("CMD [not json\n")[0].exec_form is None
    assert parse_dockerfile("ENV A=[1]\n")[0].exec_form is None
    run = parse_dockerfile('RUN --network=none ["a", "b"]\n')[0]
    assert run.exec_form == ("a", "b") and run.flags == ("--network=none",)


def test_heredoc() -> None:
    run = parse_dockerfile(SAMPLE)[7]
    assert run.args == "<<EOF\necho hi\nEOF"
    (doc,) = run.heredocs
    assert (doc.name, doc.body) == ("EOF", "echo hi")
    assert run.position(doc.body_offset) == (14, 1)
    assert run.span == Span(13, 1, 15, 4)
    text = "RUN <<-'EOT' bash\n\tset -e\n\tEOT\nCMD x\n"
    first, second = parse_dockerfile(text)
    assert first.heredocs[0].strip_tabs and first.heredocs[0].body == "\tset -e"
    assert second.keyword == "CMD" and second.span.line == 4


def test_escape_directive_backtick() -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir c:\\ `\n  && echo ok\n"
    _, run = parse_dockerfile(text)
    assert run.args == "dir c:\\   && echo ok"
    assert run.span.end_line == 4


def test_directive_only_at_top() -> None:
    text = "FROM x\n# escape=`\nRUN a `\nRUN b\n"
    assert [i.keyword for i in parse_dockerfile(text)] == ["FROM", "RUN", "RUN"]


def test_crlf_and_bom() -> None:
    instrs = parse_dockerfile("\ufeffFROM x\r\nRUN a \\\r\n  b\r\n")
    assert instrs[1].args == "a   b"
    assert instrs[1].span == Span(2, 1, 3, 4)


def test_arg_pairs() -> None:
    arg = parse_dockerfile('FROM x\nARG A B=2  C="x y" D=\n')[1]
    got = [(p.name, p.value, p.name_span.column, p.value_span.column) for p in pairs(arg)]
    assert got == [("A", None, 5, 6), ("B", "2", 7, 9), ("C", "x y", 12, 14), ("D", "", 20, 22)]
    assert pairs(arg)[2].raw_value == '"x y"'


def test_env_pairs_and_legacy() -> None:
    instrs = parse_dockerfile(SAMPLE)
    env = pairs(instrs[3])
    assert [(p.name, p.value) for p in env] == [("X", "1"), ("Y", "two words"), ("Z", "$SECRET")]
    assert env[2].name_span == Span(8, 5, 8, 6)
    assert env[2].value_span == Span(8, 7, 8, 14)
    (legacy,) = pairs(instrs[4])
    assert (legacy.name, legacy.value) == ("LEGACY", "some value")
    assert legacy.value_span == Span(9, 12, 9, 22)
    assert pairs(instrs[1]) == []


def test_dockerfile_instructions_cached(tmp_path: Path) -> None:
    source = b"FROM x\nRUN y\n"
    doc = Document(tmp_path / "Dockerfile", "Dockerfile", "dockerfile", "", source)
    first = dockerfile_instructions(doc)
    assert [i.keyword for i in first] == ["FROM", "RUN"]
    assert dockerfile_instructions(doc) == first


def test_unreadable_dockerfile_is_not_parsed_but_bad_bytes_are_replaced(tmp_path: Path) -> None:
    binary = Document(tmp_path / "D", "D", "dockerfile", "", b"FROM x\nRUN a\x00\n")
    assert dockerfile_instructions(binary) == []
    latin1 = Document(tmp_path / "E", "E", "dockerfile", "", b"FROM x\n# caf\xe9\nRUN a\n")
    latin1.error = LoadError("file is not valid UTF-8 (byte 0xe9)", Span.point(2, 6))
    assert [i.keyword for i in dockerfile_instructions(latin1)] == ["FROM", "RUN"]


# -- stages, reachability, start instructions, image layout ------------------------

MULTI = """\
ARG GO_VERSION=1.22
FROM golang:${GO_VERSION} AS deps
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
FROM deps AS build
COPY . .
RUN go build -o /out/server ./cmd/server
FROM build AS test
RUN go test ./...
FROM build AS lint
RUN golangci-lint run
FROM alpine AS runtime
COPY --from=build /out/server /server
RUN --mount=type=bind,from=lint,target=/l true
ENTRYPOINT ["/server"]
"""


def test_stages_and_needed_stages() -> None:
    instrs = parse_dockerfile(MULTI)
    got = [(s.index, s.name, s.base, s.parent) for s in stages(instrs)]
    assert got == [
        (0, "deps", "golang:1.22", None),
        (1, "build", "deps", 0),
        (2, "test", "build", 1),
        (3, "lint", "build", 1),
        (4, "runtime", "alpine", None),
    ]
    # runtime needs build (COPY --from) and lint (RUN --mount from=), not test
    assert needed_stages(instrs) == frozenset({0, 1, 3, 4})
    assert lineage(instrs) == [4] and lineage(instrs, 2) == [0, 1, 2]
    # a reference railsafe cannot resolve keeps every stage
    assert needed_stages(parse_dockerfile("FROM a AS x\nRUN t\nFROM $BASE\n")) is None
    assert needed_stages(parse_dockerfile("FROM a\nFROM b\nCOPY --from=$S /x /x\n")) is None
    # stage references by index, and external images in --from
    text = "FROM a\nRUN t\nFROM b\nCOPY --from=0 /x /x\nCOPY --from=nginx:1 /y /y\n"
    assert needed_stages(parse_dockerfile(text)) == frozenset({0, 1})
    assert needed_stages([]) == frozenset()


def test_start_instructions_inherit_through_from() -> None:
    def start(text: str) -> tuple[str | None, str | None]:
        entry, cmd = start_instructions(parse_dockerfile(text))
        return (entry.command if entry else None, cmd.command if cmd else None)

    assert start("FROM n AS base\nCMD npm test\nFROM base AS prod\nRUN x\n") == (
        None, "npm test",
    )
    # ENTRYPOINT resets a CMD inherited from the parent stage...
    assert start("FROM n AS base\nCMD a\nFROM base\nENTRYPOINT b\n") == ("b", None)
    # ...but not a CMD of its own stage, before or after it
    assert start("FROM n\nCMD a\nENTRYPOINT b\n") == ("b", "a")
    assert start("FROM n AS base\nENTRYPOINT e\nFROM base\nCMD c\n") == ("e", "c")
    # a stage not built FROM the others inherits nothing
    assert start("FROM n AS base\nCMD a\nFROM alpine\nRUN x\n") == (None, None)


def test_image_layout_maps_workdir_and_copies(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "web").mkdir()

    def is_dir(path: str) -> bool:
        return (tmp_path / path).is_dir()

    text = (
        "FROM ruby AS base\nWORKDIR /rails\n"
        "FROM base AS build\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\nCOPY . .\n"
        "COPY web/ /srv/web\nCOPY entry.sh /usr/local/bin/\n"
        "FROM base\nCOPY --from=build /rails /rails\nCOPY --from=build /srv/web/x /opt/x\n"
        "WORKDIR sub\nCMD x\n"
    )
    instrs = parse_dockerfile(text)
    places, ends = image_layout(instrs, is_dir)
    bundle = places[4]  # RUN bundle install: only the Gemfiles are there yet
    assert bundle.workdir == "/rails" and bundle.cwd() == ""  # implied by ./Gemfile
    assert dict(bundle.paths) == {
        "/rails/Gemfile": "Gemfile", "/rails/Gemfile.lock": "Gemfile.lock",
    }
    build_end = dict(ends[1].paths)
    assert build_end["/rails"] == "" and build_end["/srv/web"] == "web"
    assert build_end["/usr/local/bin/entry.sh"] == "entry.sh"
    final = ends[2]
    assert final.workdir == "/rails/sub" and final.cwd() == "sub"
    assert final.to_context("/rails/bin/docker-entrypoint") == "bin/docker-entrypoint"
    assert final.to_context("/opt/x") == "web/x"
    assert final.to_context("/usr/local/bin/entry.sh") is None  # not copied into this stage
    # the ARGs of a stage, not those of its parent or before FROM
    text = "ARG G\nFROM a AS one\nARG DATABASE_URL\nFROM one\nARG X\nRUN t\n"
    places, _ = image_layout(parse_dockerfile(text), is_dir)
    assert places[-1].args == ("X",)
    # ADD like COPY (URLs are not from the repository); a COPY destination from ENV
    text = "FROM a\nENV APP=/srv/app\nADD . $APP\nADD https://x.io/f.tgz /tmp/\nRUN t\n"
    places, _ = image_layout(parse_dockerfile(text), is_dir)
    assert dict(places[-1].paths) == {"/srv/app": ""}
    # a WORKDIR railsafe cannot resolve
    places, _ = image_layout(parse_dockerfile("FROM a\nWORKDIR $HOME/app\nRUN t\n"), is_dir)
    assert places[-1].workdir is None and places[-1].cwd() is None


def test_heredoc_scripts() -> None:
    text = (
        "RUN <<EOT\nset -e\npytest -q\nEOT\n"
        "RUN bash <<EOT\npytest\nEOT\n"
        "RUN <<A <<B\necho a\nA\necho b\nB\n"
        "RUN <<PY\n#!/usr/bin/env python3\nprint(1)\nPY\n"
        "RUN <<SH\n#!/bin/bash\nmake test\nSH\n"
        "RUN echo hi\n"
    )
    script, piped, two, python, bash, plain = parse_dockerfile(text)
    (body,) = heredoc_scripts(script) or []
    assert body.body == "set -e\npytest -q"
    assert script.position(body.body_offset + body.body.index("pytest")) == (3, 1)
    assert heredoc_scripts(piped) is None  # the heredoc is bash's stdin: analysed as written
    assert [h.body for h in heredoc_scripts(two) or []] == ["echo a", "echo b"]
    assert heredoc_scripts(python) == []  # not a shell script
    assert [h.body for h in heredoc_scripts(bash) or []] == ["#!/bin/bash\nmake test"]
    assert heredoc_scripts(plain) is None


LINE = st.text(alphabet=st.sampled_from(list("RUNENVabc =$\"'\\#`\t[]<-E\n")), max_size=80)


@given(LINE)
def test_never_raises_and_positions_are_in_the_file(text: str) -> None:
    lines = text.split("\n")
    for instr in parse_dockerfile(text):
        for offset in range(len(instr.args) + 1):
            line, column = instr.position(offset)
            assert 1 <= line <= len(lines)
            assert 1 <= column <= len(lines[line - 1]) + 1
        for offset, ch in enumerate(instr.args):
            if ch != "\n":
                line, column = instr.position(offset)
                assert lines[line - 1][column - 1] == ch
        for pair in pairs(instr):
            assert pair.name


def test_image_layout_copy_into_directories_and_path(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()

    def is_dir(path: str) -> bool:
        return (tmp_path / path).is_dir()

    text = (
        "FROM python:3.12-slim AS base\nWORKDIR /code\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        "COPY scripts/entrypoint.sh /usr/local/bin/entrypoint\n"
        "COPY scripts/run.sh /usr/local/bin\n"  # an existing directory: the file goes inside
        "COPY scripts/wait.sh /code\n"  # the WORKDIR exists too
        "ENV PATH=/opt/venv/bin:$PATH\n"
        "FROM base\nENV PATH=\"/code/bin:${PATH}:$UNKNOWN/bin\"\nCMD [\"entrypoint\"]\n"
    )
    places, ends = image_layout(parse_dockerfile(text), is_dir)
    pip = places[3]
    # `COPY requirements.txt .` copies into the WORKDIR (BuildKit: "." is a directory)
    assert dict(pip.paths) == {"/code/requirements.txt": "requirements.txt"}
    assert pip.cwd() == ""
    assert pip.path_dirs == DEFAULT_PATH
    base = dict(ends[0].paths)
    assert base["/usr/local/bin/entrypoint"] == "scripts/entrypoint.sh"
    assert base["/usr/local/bin/run.sh"] == "scripts/run.sh"
    assert base["/code/wait.sh"] == "scripts/wait.sh"
    assert ends[0].path_dirs == ("/opt/venv/bin", *DEFAULT_PATH)
    # inherited through FROM base; a part railsafe cannot resolve is left out
    assert ends[1].path_dirs == ("/code/bin", "/opt/venv/bin", *DEFAULT_PATH)
    assert places[-1].path_dirs == ends[1].path_dirs


def test_exec_elements_positions() -> None:
    [instr] = parse_dockerfile('CMD [ "sh", "-c", "echo \\"hi\\" && pytest" ]\n')
    elements = exec_elements(instr)
    assert elements is not None
    assert [e.value for e in elements] == ["sh", "-c", 'echo "hi" && pytest']
    third = elements[2]
    # the escaped quote is written as two characters; each maps to where it starts
    assert instr.args[third.open_quote] == '"' and instr.args[third.close_quote] == '"'
    assert instr.args[third.chars[5]: third.chars[5] + 2] == '\\"'
    assert instr.args[third.chars[-1]] == "t"
    [shell] = parse_dockerfile("CMD pytest\n")
    assert exec_elements(shell) is None

"""The Dockerfile parser: instructions, positions, ARG/ENV pairs."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from railsafe.findings import Span
from railsafe.loaders import Document
from railsafe.loaders.dockerfile import dockerfile_instructions, pairs, parse_dockerfile

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

"""RS2xx: test suites that can run against, and wipe, the production database."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from railsafe.context import Context
from railsafe.findings import Related, Span
from railsafe.redact import redact
from railsafe.rules import Hit
from railsafe.testguard import js
from railsafe.testguard.analysis import (
    Analysis,
    Connection,
    Destructive,
    TestFileResult,
    analyse,
    literal_problems,
)
from railsafe.testguard.resolve import Source
from railsafe.testguard.settings import (
    EnvEntry,
    dotenv_entries,
    is_db_entry,
    is_test_env_file,
    pytest_env_entries,
)
from railsafe.testguard.urls import classify

FIX = (
    "Read the test database URL from a test-only variable (TEST_DATABASE_URL) with no fallback "
    "to DATABASE_URL, and refuse to run when it is not a test database, before any fixture "
    "touches it: `if \"test\" not in url.rsplit(\"/\", 1)[-1]: pytest.exit(\"not a test "
    "database\", returncode=4)`. Installing railsafe in the test dependencies also enables its "
    "pytest plugin, which refuses such sessions at start-up."
)


@dataclass
class _Exposure:
    source: Source
    connections: list[tuple[TestFileResult, Connection]] = field(default_factory=list)
    destructive: list[Destructive] = field(default_factory=list)


def _span_of(source: Source) -> Span:
    return source.module.span(source.node)


def _exposures(ctx: Context) -> list[_Exposure]:
    def build() -> list[_Exposure]:
        analysis: Analysis = analyse(ctx)
        found: dict[tuple[str, Span], _Exposure] = {}
        for result in analysis.files:
            if result.guarded:
                continue
            for conn in result.connections:
                if conn.guarded:
                    continue
                for source in analysis.production_sources(result, conn):
                    key = (source.module.relpath, _span_of(source))
                    exposure = found.setdefault(key, _Exposure(source))
                    exposure.connections.append((result, conn))
                    for op in result.destructive:
                        if op not in exposure.destructive:
                            exposure.destructive.append(op)
        return sorted(found.values(), key=lambda e: (e.source.module.relpath, _span_of(e.source)))

    return ctx.cached("testguard.exposures", build)


def _how(source: Source) -> str:
    return "as a fallback" if source.fallback else "directly"


def _related(exposure: _Exposure) -> tuple[Related, ...]:
    out = [Related(op.module.relpath, op.module.span(op.node), f"{op.what}, in {op.where}")
           for op in exposure.destructive]
    for result, conn in exposure.connections:
        node = conn.node
        label = "the URL is used here"
        if isinstance(node, ast.Call):
            label = f"the URL reaches {ast.unparse(node.func)}() here"
        related = Related(conn.module.relpath, conn.module.span(node), label)
        if related not in out and conn.module.span(node) != _span_of(exposure.source):
            out.append(related)
        if conn.module.relpath != result.module.relpath:
            use = Related(result.module.relpath, Span(1, 1, 1, 1), "imported by this test file")
            if use not in out:
                out.append(use)
    return tuple(out)


def _js_setups(ctx: Context) -> list[tuple[str, js.JsSetup]]:
    def build() -> list[tuple[str, js.JsSetup]]:
        out = []
        for source in ctx.files("js-test-setup"):
            doc = ctx.load(source)
            if doc.error is None:
                out.append((doc.relpath, js.scan(doc.text)))
        return out

    return ctx.cached("testguard.js", build)


def _js_read(setup: js.JsSetup, text: str) -> tuple[str, Span]:
    """The read to report: one after `||` / `??` (a fallback) if there is one."""
    lines = text.splitlines()
    for name, span in setup.prod_reads:
        before = lines[span.line - 1][: span.column - 1] if span.line <= len(lines) else ""
        if re.search(r"(\|\||\?\?)\s*$", before):
            return name, span
    return setup.prod_reads[0]


def test_db_falls_back_to_production(ctx: Context) -> Iterator[Hit]:
    """Documented on the rule of the same name in railsafe.rules."""
    for exposure in _exposures(ctx):
        if not exposure.destructive:
            continue
        source, op = exposure.source, exposure.destructive[0]
        yield Hit(
            source.module.relpath,
            _span_of(source),
            f"test database URL can resolve to {source.value} ({_how(source)}), the production "
            f"database on Railway, and {op.where} runs {op.what}: running this suite with "
            "production variables wipes production",
            fix=FIX,
            related=_related(exposure),
        )
    for relpath, setup in _js_setups(ctx):
        doc_text = _text(ctx, relpath)
        if setup.prod_reads and setup.client and setup.destructive and not setup.guarded:
            name, span = _js_read(setup, doc_text)
            what = setup.destructive[0][0]
            yield Hit(
                relpath,
                span,
                f"test setup builds its database client from process.env.{name}, the "
                f"production database on Railway, and runs {what}: running the tests with "
                "production variables wipes production",
                fix=FIX.replace("pytest.exit(\"not a test database\", returncode=4)",
                                "throw new Error(\"not a test database\")"),
                related=tuple(Related(relpath, s, f"destructive: {w}")
                              for w, s in setup.destructive),
            )


def _text(ctx: Context, relpath: str) -> str:
    doc = ctx.document_at(ctx.root / relpath)
    return doc.text if doc is not None else ""


def test_db_may_be_production(ctx: Context) -> Iterator[Hit]:
    """Documented on the rule of the same name in railsafe.rules."""
    for exposure in _exposures(ctx):
        if exposure.destructive:
            continue
        source = exposure.source
        yield Hit(
            source.module.relpath,
            _span_of(source),
            f"test database URL can resolve to {source.value} ({_how(source)}), the production "
            "database on Railway: tests run with production variables write into production",
            fix=FIX,
            related=_related(exposure),
        )
    for relpath, setup in _js_setups(ctx):
        if setup.prod_reads and setup.client and not setup.destructive and not setup.guarded:
            name, span = _js_read(setup, _text(ctx, relpath))
            yield Hit(
                relpath,
                span,
                f"test setup builds its database client from process.env.{name}, the "
                "production database on Railway",
                fix=FIX,
            )


def production_url_in_test_settings(ctx: Context) -> Iterator[Hit]:
    """Documented on the rule of the same name in railsafe.rules."""
    analysis = analyse(ctx)
    seen: set[tuple[str, Span]] = set()

    def entry_hit(entry: EnvEntry, origin: str) -> Iterator[Hit]:
        verdict = classify(entry.value)
        if verdict.problem is None or (entry.path, entry.span) in seen:
            return
        seen.add((entry.path, entry.span))
        yield Hit(entry.path, entry.span,
                  f"{origin} sets {entry.name} to {redact(entry.value)} ({verdict.problem})",
                  fix="Use a dedicated test database URL here; rotate the password if it is "
                      "a real one.")

    for entry in pytest_env_entries(ctx).entries:
        if is_db_entry(entry):
            yield from entry_hit(entry, "pytest-env")
    test_dirs_loading_dotenv = [PurePosixPath(r.module.relpath).parent
                                for r in analysis.files if r.loads_dotenv]
    read_vars = {s.value.upper() for r in analysis.files for c in r.connections
                 for s in c.sources if s.kind == "env"}
    for source in ctx.files("env-file"):
        doc = ctx.load(source)
        if doc.error is not None:
            continue
        here = PurePosixPath(doc.relpath).parent
        name = PurePosixPath(doc.relpath).name
        loaded = name == ".env" and any(here == d or here in d.parents
                                        for d in test_dirs_loading_dotenv)
        if not (is_test_env_file(doc.relpath) or loaded):
            continue
        for entry in dotenv_entries(doc.relpath, doc.text):
            if not is_db_entry(entry):
                continue
            if loaded and not is_test_env_file(doc.relpath):
                verdict = classify(entry.value)
                if not verdict.railway and entry.name.upper() not in read_vars:
                    continue
                origin = f"{name} (loaded by the tests with load_dotenv)"
            else:
                origin = name
            yield from entry_hit(entry, origin)
    for result in analysis.files:
        for conn in result.connections:
            if conn.module.relpath != result.module.relpath:
                continue
            for lit, problem in literal_problems(conn):
                span = lit.module.span(lit.node)
                if (lit.module.relpath, span) in seen:
                    continue
                seen.add((lit.module.relpath, span))
                what = "test settings" if "settings" in result.module.relpath else "test setup"
                yield Hit(lit.module.relpath, span,
                          f"{what} point the database at {redact(lit.value)} ({problem})",
                          fix="Use a dedicated test database URL here; rotate the password "
                              "if it is a real one.")

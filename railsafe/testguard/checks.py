"""RS2xx: test suites that can run against, and wipe, the production database."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from railsafe.context import Context
from railsafe.findings import Hit, Related, Severity, Span, related_locations
from railsafe.redact import redact
from railsafe.testguard import js, jsconfig
from railsafe.testguard.analysis import (
    Analysis,
    Connection,
    Destructive,
    TestFileResult,
    analyze,
    scoped_writes,
)
from railsafe.testguard.resolve import Source
from railsafe.testguard.settings import (
    EnvEntry,
    dotenv_entries,
    is_db_entry,
    is_test_env_file,
    pytest_env_entries,
)
from railsafe.testguard.urls import classify_url

FIX = (
    "Read the test database URL from a test-only variable (TEST_DATABASE_URL) with no fallback "
    "to DATABASE_URL, and refuse to run when it is not a test database, before any fixture "
    "touches it: `if \"test\" not in url.rsplit(\"/\", 1)[-1]: pytest.exit(\"not a test "
    "database\", returncode=78)`. Installing railsafe in the test dependencies also enables its "
    "pytest plugin, which refuses such sessions at start-up."
)
JS_FIX = (
    "Read the test database URL from a test-only variable (TEST_DATABASE_URL) with no fallback "
    "to DATABASE_URL, and refuse to run when it is not a test database, before any setup "
    "touches it: `if (!new URL(url).pathname.includes(\"test\")) throw new Error(\"not a test "
    "database\")`. With Prisma, pass the URL explicitly "
    "(`new PrismaClient({ datasourceUrl: url })`): `new PrismaClient()` reads DATABASE_URL."
)
LITERAL_FIX = "Use a dedicated test database URL here."
ROTATE = " Rotate the URL's password if it is a real one."


@dataclass
class _Exposure:
    source: Source
    connections: list[tuple[TestFileResult, Connection]] = field(default_factory=list)
    destructive: list[Destructive] = field(default_factory=list)


def _span_of(source: Source) -> Span:
    return source.module.span(source.node)


def _exposures(ctx: Context) -> list[_Exposure]:
    def build() -> list[_Exposure]:
        analysis: Analysis = analyze(ctx)
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


def _names(paths: list[str]) -> str:
    unique = sorted(set(paths))
    if len(unique) <= 2:
        return " and ".join(unique)
    return f"{unique[0]}, {unique[1]} and {len(unique) - 2} more"


def _reached_from(analysis: Analysis, relpath: str, tests: list[str]) -> str | None:
    """`tests/conftest.py` when `relpath` is application code the tests import; else None."""
    if analysis.is_test_code(relpath):
        return None
    others = [t for t in tests if t != relpath]
    return _names(others) if others else None


def _related(exposure: _Exposure) -> tuple[Related, ...]:
    out = []
    for op in exposure.destructive:
        out.append(Related(op.module.relpath, op.module.span(op.node), f"{op.what}, in {op.where}"))
        if op.call is not None and isinstance(op.call, ast.Call):
            out.append(Related(op.module.relpath, op.module.span(op.call),
                               f"{op.caller} calls `{ast.unparse(op.call.func)}()` here"))
    for result, conn in exposure.connections:
        node = conn.node
        label = "the URL is used here"
        if isinstance(node, ast.Call):
            label = f"the URL reaches {ast.unparse(node.func)}() here"
        if conn.module.span(node) != _span_of(exposure.source) or \
                conn.module.relpath != exposure.source.module.relpath:
            out.append(Related(conn.module.relpath, conn.module.span(node), label))
        if conn.test_name is not None:
            out.append(Related(conn.module.relpath, conn.module.span(conn.test_name),
                               "Django's test database is given this name, which has no "
                               "'test' in it, instead of test_<NAME>"))
        if conn.via is not None:
            out.append(_via_related(conn))
        elif conn.module.relpath != result.module.relpath:
            out.append(Related(result.module.relpath, Span(1, 1, 1, 1),
                               "imported by this test file"))
    return related_locations(out, ordered=True)


def _via_related(conn: Connection) -> Related:
    assert conn.via is not None
    via = conn.via
    return Related(via.module.relpath, via.module.span(via.node), via.label)


def _subject(analysis: Analysis, exposure: _Exposure) -> str:
    """How the message starts: the read in a test file, or application code tests import."""
    source = exposure.source
    tests = [r.module.relpath for r, _ in exposure.connections]
    vias = [c.via for _, c in exposure.connections if c.via is not None]
    if vias:  # a config class also in a settings module: still name the tests using it
        reached = _names([v.module.relpath for v in vias
                          if v.module.relpath != source.module.relpath]) or None
    else:
        reached = _reached_from(analysis, source.module.relpath, tests)
    if reached:
        what = f"{vias[0].what} used by" if vias else "application code imported by"
        return (f"{what} {reached} reads the test database URL from "
                f"{source.value} ({_how(source)}), the production database on Railway")
    return (f"test database URL can resolve to {source.value} ({_how(source)}), the production "
            "database on Railway")


def _js_setup_files(ctx: Context) -> list[tuple[str, Path]]:
    """(relpath, path) of every JavaScript test setup and test file.

    Test files (`*.test.*`, `*.spec.*`, `*.e2e-spec.*`) by name; files a jest /
    vitest / mocha config names; and files with setup / teardown in their name
    inside a test directory (`test/`, `tests/`, `__tests__/`, `e2e/`, `spec/`).
    A `scripts/setup-dev-db.ts` that no config names is not test setup, and a test
    file no jest / vitest setup would collect is no path to production
    (`jsconfig.collected`).
    """
    out: dict[str, Path] = {}
    for source in ctx.files("js-test-setup"):
        if jsconfig.collected(ctx, source.relpath):  # a file no jest / vitest config runs
            out[source.relpath] = source.path
    for source in ctx.files("js-test-candidate"):
        if jsconfig.in_test_directory(source.relpath):
            out[source.relpath] = source.path
    for relpath in jsconfig.named_files(ctx):
        out.setdefault(relpath, ctx.root / relpath)
    return sorted(out.items())


def _js_setups(ctx: Context) -> list[tuple[str, js.JsSetup]]:
    def build() -> list[tuple[str, js.JsSetup]]:
        out = []
        for _, path in _js_setup_files(ctx):
            doc = ctx.document_at(path)
            if doc is not None and doc.error is None:
                imported = _js_imports(ctx, path, doc.text)
                pinned = jsconfig.pinned_for(ctx, doc.relpath)
                out.append((doc.relpath, js.scan(doc.text, imported, pinned)))
        return out

    return ctx.cached("testguard.js", build)


_JS_SUFFIXES = ("", ".ts", ".js", ".mts", ".mjs", ".tsx", ".jsx", "/index.ts", "/index.js")


def _js_imports(ctx: Context, path: Path, text: str) -> tuple[js.Imported, ...]:
    """Modules a setup file imports with a relative path (one level, inside the root)."""
    out = []
    for spec, span in js.relative_imports(text):
        base = spec[:-3] if spec.endswith((".js", ".ts")) else spec
        for suffix in _JS_SUFFIXES:
            doc = ctx.document_at(path.parent / f"{base}{suffix}")
            if doc is not None and doc.error is None:
                out.append(js.Imported(doc.relpath, doc.text, span))
                break
    return tuple(out)


def _js_read(setup: js.JsSetup, text: str) -> tuple[str, Span]:
    """The read to report: one after `||` / `??` (a fallback) if there is one."""
    lines = text.splitlines()
    for name, span in setup.prod_reads:
        before = lines[span.line - 1][: span.column - 1] if span.line <= len(lines) else ""
        if re.search(r"(\|\||\?\?)\s*$", before):
            return name, span
    return setup.prod_reads[0]


def _js_subject(setup: js.JsSetup, text: str) -> tuple[str, Span]:
    if setup.prod_reads:
        name, span = _js_read(setup, text)
        return f"test setup builds its database client from process.env.{name}", span
    what, span = setup.implicit[0]
    return (f"test setup builds its database client with {what} and no datasource URL, "
            "so Prisma reads process.env.DATABASE_URL", span)


def _js_read_related(setup: js.JsSetup) -> list[Related]:
    """The reads in imported client modules: the import is where the finding sits."""
    return [Related(path, span, f"process.env.{name} is read here and reaches the client")
            for path, name, span in setup.imported_reads]


def _js_exposed(setup: js.JsSetup) -> bool:
    return bool(setup.prod_reads or setup.implicit) and setup.client and not setup.guarded


def test_db_falls_back_to_production(ctx: Context) -> Iterator[Hit]:
    """Documented on the rule of the same name in railsafe.rules."""
    analysis = analyze(ctx)
    for exposure in _exposures(ctx):
        if not exposure.destructive:
            continue
        source, op = exposure.source, exposure.destructive[0]
        yield Hit(
            source.module.relpath,
            _span_of(source),
            f"{_subject(analysis, exposure)}, and {op.where} runs {op.what}: running this "
            "suite with production variables wipes production",
            fix=FIX,
            related=_related(exposure),
        )
    for relpath, setup in _js_setups(ctx):
        if _js_exposed(setup) and setup.destructive:
            subject, span = _js_subject(setup, _text(ctx, relpath))
            what = setup.destructive[0][0]
            yield Hit(
                relpath,
                span,
                f"{subject}, the production database on Railway, and runs {what}: running "
                "the tests with production variables wipes production",
                fix=JS_FIX,
                related=related_locations(
                    [*(Related(relpath, s, f"destructive: {w}") for w, s in setup.destructive),
                     *_js_read_related(setup)], ordered=True),
            )


def _text(ctx: Context, relpath: str) -> str:
    doc = ctx.document_at(ctx.root / relpath)
    return doc.text if doc is not None else ""


def test_db_may_be_production(ctx: Context) -> Iterator[Hit]:
    """Documented on the rule of the same name in railsafe.rules."""
    analysis = analyze(ctx)
    for exposure in _exposures(ctx):
        if exposure.destructive:
            continue
        source = exposure.source
        # read directly (no fallback expression) and writing only rows it names: the
        # suite is built to run on the database it is given; info, not a warning
        scoped = not source.fallback and any(
            scoped_writes(result.module) for result, _ in exposure.connections)
        yield Hit(
            source.module.relpath,
            _span_of(source),
            f"{_subject(analysis, exposure)}: tests run with production variables write into "
            "production" + ("; its only writes are scoped to rows the tests name" if scoped
                            else ""),
            fix=FIX,
            related=_related(exposure),
            severity=Severity.INFO if scoped else None,
        )
    for relpath, setup in _js_setups(ctx):
        if _js_exposed(setup) and not setup.destructive:
            subject, span = _js_subject(setup, _text(ctx, relpath))
            yield Hit(
                relpath,
                span,
                f"{subject}, the production database on Railway: tests run with production "
                "variables write into production",
                fix=JS_FIX,
                related=related_locations(_js_read_related(setup), ordered=True),
            )


def _literal_fix(url: str) -> str:
    try:
        password = urlsplit(url.strip()).password
    except ValueError:
        password = None
    return LITERAL_FIX + (ROTATE if password else "")


def _local_only(value: str) -> bool:
    """A URL whose every host is local (loopback, a Compose service, a socket): no
    production database, only a name without `test` (the naming convention)."""
    verdict = classify_url(value)
    if verdict.railway or verdict.kind not in ("url", "keyvalue"):
        return False
    from railsafe.hosts import is_local_host

    return all(is_local_host(host) for host in verdict.hosts or ("",))


_LOCAL_NOTE = (" (a local database: only the naming convention, reported because the "
               "suite writes to it)")


def production_url_in_test_settings(ctx: Context) -> Iterator[Hit]:
    """Documented on the rule of the same name in railsafe.rules."""
    analysis = analyze(ctx)
    seen: set[tuple[str, Span]] = set()
    # a local database without `test` in its name matters only when the suite writes
    writes = any(r.destructive for r in analysis.files)

    def entry_hit(entry: EnvEntry, origin: str) -> Iterator[Hit]:
        verdict = classify_url(entry.value)
        if verdict.problem is None or (entry.path, entry.span) in seen:
            return
        local = _local_only(entry.value)
        if local and not writes:
            return
        seen.add((entry.path, entry.span))
        yield Hit(entry.path, entry.span,
                  f"{origin} sets {entry.name} to {redact(entry.value)}: {verdict.problem}"
                  + (_LOCAL_NOTE if local else ""),
                  fix=_literal_fix(entry.value),
                  severity=Severity.WARNING if local else None)

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
                verdict = classify_url(entry.value)
                if not verdict.railway and entry.name.upper() not in read_vars:
                    continue
                origin = f"{name}, which the tests load with load_dotenv(),"
            else:
                origin = name
            yield from entry_hit(entry, origin)
    for result in analysis.files:
        for conn in result.connections:
            if conn.module.relpath != result.module.relpath and conn.via is None:
                continue
            for lit, problem in analysis.literal_problems(result, conn):
                span = lit.module.span(lit.node)
                if (lit.module.relpath, span) in seen:
                    continue
                local = not lit.fragment and _local_only(lit.value)
                if local and not writes:
                    continue
                seen.add((lit.module.relpath, span))
                reached = _reached_from(analysis, lit.module.relpath, [result.module.relpath])
                if reached:
                    verb = f"{conn.via.what} used by" if conn.via is not None else \
                        "application code imported by"
                    what = f"{verb} {reached} points the test database"
                elif "settings" in result.module.relpath:
                    what = "test settings point the database"
                else:
                    what = "test setup points the database"
                url = redact(lit.value)
                target = f"a URL built with {url}" if lit.fragment else url
                related: tuple[Related, ...] = ()
                if reached:
                    node = conn.node
                    label = f"the URL reaches {ast.unparse(node.func)}() here" \
                        if isinstance(node, ast.Call) else "the URL is used here"
                    related = (Related(conn.module.relpath, conn.module.span(node), label),)
                    if conn.via is not None:
                        related = related_locations([*related, _via_related(conn)], ordered=True)
                yield Hit(lit.module.relpath, span,
                          f"{what} at {target}: {problem}" + (_LOCAL_NOTE if local else ""),
                          fix=_literal_fix(lit.value), related=related,
                          severity=Severity.WARNING if local else None)

"""Every renderer against a golden file, plus format-specific guarantees.

The report is built by hand (fixed findings, sources and rule metadata), so
the golden files change only when a renderer changes. Rewrite them with

    RAILSAFE_UPDATE_GOLDEN=1 pytest tests/test_renderers.py

and review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import railsafe
from railsafe.engine import Report
from railsafe.findings import FILE_START, Finding, Related, Severity, Span
from railsafe.render import FORMATS, github_format, markdown_format, render, sarif_format
from railsafe.rules import DOCS_URL, Rule
from tests.conftest import TESTS

GOLDEN = TESTS / "golden"
SARIF_SCHEMA = TESTS / "vendor" / "sarif-schema-2.1.0.json"  # source: tests/vendor/README.md
UPDATE = os.environ.get("RAILSAFE_UPDATE_GOLDEN") == "1"
SECRET = "hunter2"
CREDENTIAL_URL = f"postgresql://u:{SECRET}@h.proxy.rlwy.net:5432/railway"

EXTENSIONS = {
    "text": "txt",
    "json": "json",
    "sarif": "sarif",
    "github": "github.txt",
    "markdown": "md",
}

SOURCES = {
    "backend/railway.toml": (
        "[build]\n"
        'builder = "NIXPACKS"\n'
        'buildCommand = "npm run build && npm test"\n'
        "\n"
        "[deploy]\n"
        'startCommand = """\n'
        "npm run migrate | tee migrate.log\n"
        'node server.js"""\n'
    ),
    "backend/package.json": (
        "{\n"
        '  "name": "api",\n'
        '  "scripts": {\n'
        '    "build": "tsc",\n'
        '    "test": "jest --runInBand"\n'
        "  }\n"
        "}\n"
    ),
    "nixpacks.toml": (f'[variables]\nDATABASE_URL = "{CREDENTIAL_URL}"\n'),
    "services/web app/railway.json": '{\n  "deploy": {}\n}\n',
}


def _rule(id: str, name: str, severity: Severity, doc: str) -> Rule:
    return Rule(id, name, severity, lambda ctx: (), doc)


RULES = [
    _rule(
        "RS101",
        "tests-in-build",
        Severity.ERROR,
        "A test runner in the build command.\n\n## Why it matters on Railway\n"
        "No builder runs tests on its own; a test in `buildCommand` runs on every deploy.",
    ),
    _rule(
        "RS104",
        "migration-in-start",
        Severity.WARNING,
        "Migrations in the start command.\n\nEvery replica runs them | on every restart.",
    ),
    _rule(
        "RS301",
        "secret-in-builder-variables",
        Severity.ERROR,
        f'A secret in builder variables.\n\nExample: `DATABASE_URL = "{CREDENTIAL_URL}"`',
    ),
    _rule(
        "RS401",
        "no-healthcheck",
        Severity.INFO,
        "No healthcheck path.\n\nRailway routes traffic as soon as the process starts.",
    ),
]


def _finding(rule: str, path: str, span: Span, message: str, **kw: Any) -> Finding:
    r = next(r for r in RULES if r.id == rule)
    return Finding(
        rule=r.id,
        name=r.name,
        severity=kw.pop("severity", r.severity),
        path=path,
        span=span,
        message=message,
        help_url=r.help_url,
        **kw,
    )


def make_report() -> Report:
    findings = [
        _finding(
            "RS101",
            "backend/railway.toml",
            Span(3, 16, 3, 43),
            "`npm test` runs in the build: buildCommand -> package.json scripts.test",
            fix="Run tests in CI, not in `buildCommand`.",
            related=(
                Related(
                    "backend/package.json",
                    Span(5, 5, 5, 11),
                    "scripts.test runs `jest --runInBand`",
                ),
            ),
        ),
        _finding(
            "RS104",
            "backend/railway.toml",
            Span(6, 16, 8, 18),
            "startCommand runs migrations (npm run migrate | tee) on every start, 100% of replicas",
            fix="Move migrations to preDeployCommand.",
        ),
        _finding(
            "RS301",
            "nixpacks.toml",
            Span(2, 16, 2, 70),
            f"DATABASE_URL in [variables] is committed to git ({CREDENTIAL_URL})",
            fix="Reference ${{Postgres.DATABASE_URL}} in the service variables instead.",
        ),
        _finding(
            "RS401",
            "services/web app/railway.json",
            FILE_START,
            "No deploy.healthcheckPath; ping @railway/ops if unsure",
        ),
    ]
    return Report(
        root=Path("/nonexistent/repo"),
        findings=sorted(findings, key=Finding.sort_key),
        files=4,
        sources=dict(SOURCES),
    )


def render_fixed(report: Report, fmt: str) -> str:
    if fmt == "sarif":
        return sarif_format.render(report, rules=RULES)
    return render(report, fmt)


@pytest.fixture(autouse=True)
def _pinned_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Goldens must not change with every release."""
    monkeypatch.setattr(railsafe, "__version__", "0.0.0-test")


def test_every_format_has_a_golden() -> None:
    assert set(EXTENSIONS) == set(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(fmt: str) -> None:
    got = render_fixed(make_report(), fmt)
    path = GOLDEN / f"report.{EXTENSIONS[fmt]}"
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8", newline="\n")
        if not UPDATE:
            pytest.fail(f"wrote missing golden {path.name}; review it and rerun")
    assert got == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("empty", [False, True], ids=["findings", "empty"])
def test_no_secret_in_any_output(fmt: str, empty: bool) -> None:
    report = make_report()
    if empty:
        report.findings = []
    report.errors = [f"could not read {CREDENTIAL_URL}"]
    assert SECRET not in render_fixed(report, fmt)
    # through the dispatcher with the real rule registry as well
    assert SECRET not in render(report, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_color_flag_accepted(fmt: str) -> None:
    assert render(make_report(), fmt, color=True)


# ---- text: the code frame follows redaction ---------------------------------


def _text_frame(line: str, span: Span) -> tuple[str, str]:
    """The shown line and the caret line of a text frame for `span` on `line`."""
    report = Report(
        root=Path("/nonexistent/repo"),
        findings=[_finding("RS301", "f", span, "a secret")],
        files=1,
        sources={"f": line + "\n"},
    )
    lines = render(report, "text").splitlines()
    shown, caret = lines[2], lines[3]
    prefix = len(f"  {span.line} | ")
    return shown[prefix:], caret[prefix:]


def test_text_caret_inside_a_masked_value_lands_on_the_mask() -> None:
    # the password of a URL whose whole value is masked (`NAME=***`)
    line = "DATABASE_URL=postgresql://postgres:Zq8vLw3RtY6u@db.acme.io:5432/myapp"
    start = line.index("Zq8v") + 1
    shown, caret = _text_frame(line, Span(1, start, 1, start + 12))
    assert shown == "DATABASE_URL=***"
    assert caret == " " * len("DATABASE_URL=") + "^^^"


def test_text_caret_over_a_command_follows_its_masked_password() -> None:
    command = "psql postgresql://admin:S3cr3tPa55w0rd@db.acme.io:5432/prod -c 'TRUNCATE sessions'"
    line = f'preDeployCommand = "{command}"'
    start = line.index(command) + 1
    shown, caret = _text_frame(line, Span(1, start, 1, start + len(command)))
    masked = command.replace("S3cr3tPa55w0rd", "***")
    assert shown == f'preDeployCommand = "{masked}"'
    assert caret == " " * (start - 1) + "^" * len(masked)
    assert len(caret) < len(shown)  # never past the line, the closing quote is not under it


def test_text_caret_never_runs_past_the_shown_line() -> None:
    line = "web: SECRET_KEY=Zq8vLw3RtY6uXk2pQ7 gunicorn app:app"
    shown, caret = _text_frame(line, Span(1, 1, 1, 200))
    assert shown == "web: SECRET_KEY=*** gunicorn app:app"
    assert caret == "^" * len(shown)
    # a point at the end of the line gets one caret just after it
    shown, caret = _text_frame("[deploy]", Span(1, 9, 1, 9))
    assert caret == " " * len(shown) + "^"


def test_text_caret_on_a_token_keeps_its_visible_prefix() -> None:
    line = 'RUN echo "//npm.pkg/:_authToken=ghp_abcdefghijklmnopqrstuvwxyz0123456789" > x'
    start = line.index("ghp_") + 1
    shown, caret = _text_frame(line, Span(1, start, 1, start + 40))
    assert shown[caret.index("^") :].startswith("ghp_***")
    assert caret.strip() == "^" * len("ghp_***")


# ---- json: the contract in docs/design.md ----------------------------------


def test_json_contract_keys() -> None:
    payload = json.loads(render(make_report(), "json"))
    assert set(payload) == {"version", "findings", "summary"}
    assert payload["version"] == 1
    assert set(payload["summary"]) == {"files", "error", "warning", "info"}
    assert payload["summary"] == {"files": 4, "error": 2, "warning": 1, "info": 1}
    finding_keys = {
        "rule",
        "name",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "help_url",
        "fix",
        "related",
    }
    assert payload["findings"]
    for f in payload["findings"]:
        assert set(f) == finding_keys
        assert f["severity"] in {"error", "warning", "info"}
        for key in ("line", "column", "end_line", "end_column"):
            assert isinstance(f[key], int) and f[key] >= 1
        for r in f["related"]:
            assert set(r) == {"path", "line", "column", "message"}
    assert any(f["related"] for f in payload["findings"])


def test_json_only_json_on_empty_report() -> None:
    report = dataclasses.replace(make_report(), findings=[])
    payload = json.loads(render(report, "json"))
    assert payload["findings"] == []
    assert payload["summary"] == {"files": 4, "error": 0, "warning": 0, "info": 0}


# ---- sarif ------------------------------------------------------------------


def _sarif(report: Report | None = None, rules: list[Rule] | None = RULES) -> dict[str, Any]:
    return json.loads(sarif_format.render(report or make_report(), rules=rules))


def _validate_sarif(log: dict[str, Any]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator_cls(schema).validate(log)


@pytest.mark.parametrize("empty", [False, True], ids=["findings", "empty"])
def test_sarif_validates_against_schema(empty: bool) -> None:
    report = make_report()
    if empty:
        report.findings = []
    _validate_sarif(_sarif(report))
    # the dispatcher (real registry; these rule ids may be unknown to it)
    _validate_sarif(json.loads(render(report, "sarif")))


def test_sarif_shape_github_accepts() -> None:
    log = _sarif()
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert run["automationDetails"]["id"] == "railsafe/"
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert driver["name"] == "railsafe"
    assert driver["version"] == railsafe.__version__
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert ids == ["RS101", "RS104", "RS301", "RS401"]  # only rules with results
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert len(result["locations"]) == 1
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not loc["artifactLocation"]["uri"].startswith("/")
        region = loc["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    prints = [r["partialFingerprints"]["railsafe/v1"] for r in run["results"]]
    assert len(set(prints)) == len(prints)


def test_sarif_severity_mapping() -> None:
    run = _sarif()["runs"][0]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"RS101": "error", "RS104": "warning", "RS301": "error", "RS401": "note"}
    defaults = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    assert defaults == levels
    # an overridden severity shows on the result, not on the rule
    report = make_report()
    report.findings[0] = dataclasses.replace(report.findings[0], severity=Severity.INFO)
    run = _sarif(report)["runs"][0]
    first = run["results"][0]
    assert first["level"] == "note"
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["defaultConfiguration"]["level"] == (
        "error"
    )


def test_sarif_rule_metadata() -> None:
    rules = {r["id"]: r for r in _sarif()["runs"][0]["tool"]["driver"]["rules"]}
    rs101 = rules["RS101"]
    assert rs101["name"] == "tests-in-build"
    assert rs101["shortDescription"]["text"] == "A test runner in the build command."
    assert rs101["help"]["markdown"].startswith("A test runner in the build command.")
    assert rs101["fullDescription"]["text"] == rs101["help"]["text"]
    assert rs101["helpUri"] == f"{DOCS_URL}#rs101-tests-in-build"


def test_sarif_unknown_rule_falls_back_to_finding() -> None:
    log = _sarif(rules=[])
    _validate_sarif(log)
    rs101 = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert rs101["name"] == "tests-in-build"
    assert rs101["defaultConfiguration"]["level"] == "error"


def test_sarif_related_locations() -> None:
    run = _sarif()["runs"][0]
    (with_related,) = [r for r in run["results"] if "relatedLocations" in r]
    (rel,) = with_related["relatedLocations"]
    assert rel["id"] == 1
    assert rel["physicalLocation"]["artifactLocation"]["uri"] == "backend/package.json"
    assert rel["physicalLocation"]["region"]["startLine"] == 5
    assert rel["message"]["text"]


def test_sarif_uri_is_percent_encoded() -> None:
    run = _sarif()["runs"][0]
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert "services/web%20app/railway.json" in uris


def test_sarif_zero_width_and_bad_spans_still_located() -> None:
    report = make_report()
    report.findings.append(_finding("RS401", "Dockerfile", Span(0, 0, 0, 0), "no span at all"))
    log = _sarif(report)
    _validate_sarif(log)
    region = log["runs"][0]["results"][-1]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}


def _shift(report: Report, path: str, lines: int) -> Report:
    """`report` with `lines` blank lines inserted at the top of `path`."""

    def move(span: Span) -> Span:
        return Span(span.line + lines, span.column, span.end_line + lines, span.end_column)

    findings = [
        dataclasses.replace(f, span=move(f.span)) if f.path == path else f for f in report.findings
    ]
    sources = dict(report.sources)
    sources[path] = "\n" * lines + sources[path]
    return dataclasses.replace(report, findings=findings, sources=sources)


def _prints(report: Report) -> dict[str, str]:
    run = _sarif(report)["runs"][0]
    return {r["ruleId"]: r["partialFingerprints"]["railsafe/v1"] for r in run["results"]}


def test_sarif_fingerprint_ignores_line_moves() -> None:
    before = _prints(make_report())
    after = _prints(_shift(make_report(), "backend/railway.toml", 7))
    assert before == after


def test_sarif_fingerprint_follows_line_text_and_duplicates() -> None:
    report = make_report()
    before = _prints(report)
    sources = dict(report.sources)
    sources["backend/railway.toml"] = sources["backend/railway.toml"].replace(
        "npm test", "npm run test"
    )
    changed = _prints(dataclasses.replace(report, sources=sources))
    assert changed["RS101"] != before["RS101"]
    assert changed["RS104"] == before["RS104"]
    # the same rule twice on one line: distinct, ordered, stable
    dup = dataclasses.replace(report.findings[0], span=Span(3, 30, 3, 38))
    report.findings.append(dup)
    run = _sarif(report)["runs"][0]
    prints = [
        r["partialFingerprints"]["railsafe/v1"] for r in run["results"] if r["ruleId"] == "RS101"
    ]
    assert prints[0].rsplit(":", 1)[0] == prints[1].rsplit(":", 1)[0]
    assert [p.rsplit(":", 1)[1] for p in prints] == ["1", "2"]


def test_sarif_fingerprint_does_not_hash_the_secret() -> None:
    report = make_report()
    sources = dict(report.sources)
    sources["nixpacks.toml"] = sources["nixpacks.toml"].replace(SECRET, "other-password")
    assert _prints(dataclasses.replace(report, sources=sources)) == _prints(report)


def test_sarif_errors_become_notifications() -> None:
    report = make_report()
    report.errors = ["missing/: no such file or directory"]
    log = _sarif(report)
    _validate_sarif(log)
    (inv,) = log["runs"][0]["invocations"]
    assert inv["toolExecutionNotifications"][0]["message"]["text"].startswith("missing/")


# ---- github -----------------------------------------------------------------

_COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def _parse_properties(text: str) -> dict[str, str]:
    props = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        props[key] = (
            value.replace("%2C", ",")
            .replace("%3A", ":")
            .replace("%0A", "\n")
            .replace("%0D", "\r")
            .replace("%25", "%")
        )
    return props


def test_github_commands_parse_back() -> None:
    lines = render(make_report(), "github").splitlines()
    commands = [ln for ln in lines if ln.startswith("::")]
    assert len(commands) == 4
    parsed = [_COMMAND.match(c) for c in commands]
    assert all(parsed)
    kinds = [m.group(1) for m in parsed if m]
    assert kinds == ["error", "warning", "error", "notice"]
    first = _parse_properties(parsed[0].group(2))  # type: ignore[union-attr]
    assert first == {
        "file": "backend/railway.toml",
        "line": "3",
        "col": "16",
        "endLine": "3",
        "endColumn": "43",
        "title": "RS101 tests-in-build",
    }
    multi = _parse_properties(parsed[1].group(2))  # type: ignore[union-attr]
    assert "col" not in multi and "endColumn" not in multi
    assert multi["endLine"] == "8"
    assert not lines[-1].startswith("::")


def test_github_escaping() -> None:
    assert github_format.escape_data("100%\r\nx:y,z") == "100%25%0D%0Ax:y,z"
    assert github_format.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    report = make_report()
    report.findings[0] = dataclasses.replace(
        report.findings[0], path="we,ird:dir/railway.toml", message="50% done\nnext"
    )
    line = github_format.annotation(report.findings[0])
    assert "file=we%2Cird%3Adir/railway.toml," in line
    assert "::50%25 done%0Anext" in line
    assert "\n" not in line


def test_github_cap_note() -> None:
    report = make_report()
    base = report.findings[0]
    report.findings = [dataclasses.replace(base, span=Span(i, 1, i, 2)) for i in range(1, 13)]
    out = render(report, "github")
    assert "at most 10 annotations" in out
    assert out.count("::error ") == 12
    assert "at most 10" not in render(make_report(), "github")


# ---- markdown ---------------------------------------------------------------


def test_markdown_table_is_well_formed() -> None:
    md = render(make_report(), "markdown")
    rows = [ln for ln in md.splitlines() if ln.startswith("| ") and "Severity" not in ln]
    finding_rows = [ln for ln in rows if ln.count("`") >= 2]
    assert len(finding_rows) == 4
    for row in md.splitlines():
        if not row.startswith("|"):
            continue
        # unescaped pipes are exactly the cell separators
        cells = re.split(r"(?<!\\)\|", row)
        assert len(cells) in (4, 6), row  # 2 or 4 columns
    assert "`backend/railway.toml:3:16`" in md
    assert "`services/web app/railway.json:1:1`" in md
    assert "npm run migrate \\| tee" in md
    assert "@&#8203;railway/ops" in md


def test_markdown_no_findings() -> None:
    report = dataclasses.replace(make_report(), findings=[])
    md = render(report, "markdown")
    assert "No findings in 4 files." in md
    assert "|" not in md


def test_markdown_inline_escaping() -> None:
    inline = markdown_format.inline
    assert inline("a | b") == "a \\| b"
    assert inline("`a|b`") == "`a\\|b`"
    assert inline("<script>") == "\\<script\\>"
    assert inline("*x* _y_") == "\\*x\\* \\_y\\_"
    assert inline("line1\nline2") == "line1<br>line2"
    assert inline("code `x` and `y`") == "code `x` and `y`"
    assert inline("odd ` tick") == "odd \\` tick"


# ---- untrusted text: control characters, paths, line splitting ---------------

ESCAPES = "\u001b]0;PWNED\u0007\u001b[2Jx\u009b"
TOKEN_DIR = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"


def test_control_characters_never_reach_the_terminal() -> None:
    report = make_report()
    key = f'  "{ESCAPES}": 1\n'
    report.sources["services/web app/railway.json"] = "{\n" + key + "}\n"
    report.findings = [
        dataclasses.replace(
            f,
            message=f"unknown key {ESCAPES}",
            fix=f"remove {ESCAPES}",
            related=(Related("nixpacks.toml", Span(1, 1, 1, 2), f"see {ESCAPES}"),),
            span=Span(2, 4, 2, 5 + len(ESCAPES)) if f.rule == "RS401" else f.span,
        )
        for f in report.findings
    ]
    for fmt in ("text", "github"):
        out = render(report, fmt)
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out, fmt
        assert "\\x1b]0;PWNED\\x07\\x1b[2Jx\\x9b" in out
    text = render(report, "text")
    frame = text.split("\n")
    shown = next(ln for ln in frame if "PWNED" in ln and "|" in ln and "unknown" not in ln)
    caret = frame[frame.index(shown) + 1]
    # the caret still lines up with the escaped key
    assert caret.index("^") == shown.index("\\x1b]0")
    for fmt in ("json", "sarif"):  # json.dumps escapes them
        out = render(report, fmt)
        assert "\x1b" not in out and "\x07" not in out


def test_paths_are_never_redacted() -> None:
    report = make_report()
    path = f"{TOKEN_DIR}/railway.toml"
    report.findings = [
        dataclasses.replace(
            report.findings[0],
            path=path,
            related=(Related(path, Span(1, 1, 1, 2), ""),),
            message=f"token {TOKEN_DIR} in a message",
        )
    ]
    for fmt in FORMATS:
        out = render(report, fmt)
        assert path in out, fmt
        # messages are still redacted
        assert f"token {TOKEN_DIR} in" not in out, fmt


def test_sarif_reports_a_crashed_rule() -> None:
    report = make_report()
    report.internal_errors = ["internal error in RS101 tests-in-build: KeyError: 'x'"]
    log = json.loads(render(report, "sarif"))
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert {"level": "error", "message": {"text": report.internal_errors[0]}} in notes
    clean = json.loads(render(make_report(), "sarif"))["runs"][0]["invocations"][0]
    assert clean["executionSuccessful"] is True


def test_lines_split_on_newline_only() -> None:
    from railsafe.findings import offending_text, source_lines
    from railsafe.suppress import filter_suppressed

    source = "a = 1 \u2028 b\x0cc\r\nsecond line\nthird  # railsafe: ignore[RS101]\n"
    assert source_lines(source)[:3] == [
        "a = 1 \u2028 b\x0cc",
        "second line",
        "third  # railsafe: ignore[RS101]",
    ]
    finding = _finding("RS101", "f.toml", Span(3, 1, 3, 2), "m")
    line2 = dataclasses.replace(finding, span=Span(2, 1, 2, 2))
    assert offending_text(line2, source) == "second line"
    assert filter_suppressed([finding], {"f.toml": source}) == []
    assert filter_suppressed(
        [dataclasses.replace(finding, span=Span(2, 1, 2, 2))], {"f.toml": source}
    )

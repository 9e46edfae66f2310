"""RS0xx: file integrity rules that are not schema checks."""

from __future__ import annotations

from collections.abc import Iterator

from railsafe.context import Context
from railsafe.findings import Severity
from railsafe.rules import Hit, rule


@rule("RS001", "invalid-syntax", Severity.ERROR)
def invalid_syntax(ctx: Context) -> Iterator[Hit]:
    """A config file that cannot be read or parsed.

    ## What it finds
    `railway.toml`, `railway.json`, `nixpacks.toml`, `nixpacks.json` or
    `railpack.json` that is not valid TOML / JSON / JSONC, is not UTF-8 text,
    is binary, too large, or cannot be read. The location is the parser's own
    line and column.

    ## Why it matters on Railway
    A file Railway cannot parse fails the deploy, or (for the builders' files)
    leaves every setting in it unapplied. railway.toml is read as TOML 1.0:
    multi-line inline tables, valid only in TOML 1.1, are rejected.
    Railpack reads `railpack.json` as JSONC (comments and trailing commas are
    fine, railway-facts §4.1); `railway.json` and `nixpacks.json` are plain JSON.

    ## Fix
    Correct the syntax at the reported position. `railsafe check --format json`
    gives the exact line and column for editors and CI.
    """
    for doc in ctx.documents():
        if doc.error is not None:
            yield Hit(doc.relpath, doc.error.span, doc.error.message)

"""Suppression hygiene: RS020-RS022.

These rules have no check of their own: the engine reports them after it has
applied the suppression comments (`railsafe.suppress.audit`), because only
then is it known which comment silenced what. Selecting or ignoring them
works as for any rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from railsafe.findings import Severity
from railsafe.rules import Hit, rule

if TYPE_CHECKING:
    from railsafe.context import Context


@rule("RS020", "suppression-without-reason", Severity.WARNING)
def suppression_without_reason(ctx: Context) -> Iterator[Hit]:
    """A `railsafe: ignore` comment that does not say why.

    ## What it finds
    A `railsafe: ignore[...]` or `railsafe: ignore-file[...]` comment with no
    text after it.

    ## Why it matters on Railway
    A suppression hides a finding about production data: a test suite that can
    reach the production database, a destructive command in pre-deploy. The
    next reader has to know why that was judged safe, and when it stops being
    true. Linters that take a reason (zizmor, checkov) make it part of the
    comment for this reason.

    ## Example
    ```toml
    # railsafe: ignore[RS104]
    buildCommand = "python manage.py migrate && npm run build"
    ```

    ## Fix
    ```toml
    # railsafe: ignore[RS104] the migration is idempotent; PR 42 moves it to preDeployCommand
    ```
    """
    return iter(())


@rule("RS021", "unused-suppression", Severity.WARNING)
def unused_suppression(ctx: Context) -> Iterator[Hit]:
    """A `railsafe: ignore` comment that silences nothing.

    ## What it finds
    A suppression comment, or one rule named in it, that matched no finding in
    this run: the problem was fixed, the line moved away from the comment, or
    the rule name is misspelled. Rules that did not run (`--select`,
    `--ignore`) are not reported; a bare `railsafe: ignore` is reported only
    when every rule ran.

    ## Why it matters on Railway
    A stale suppression silences the *next* finding on that line without anyone
    deciding so: a test runner added to a `buildCommand` that once held an
    accepted migration goes unreported (ruff's RUF100 exists for this reason).

    ## Example
    ```toml
    # railsafe: ignore[RS104] accepted in 2025
    buildCommand = "npm run build"
    ```

    ## Fix
    Delete the comment (or the rule from its list).
    """
    return iter(())


@rule("RS022", "forbidden-suppression", Severity.WARNING)
def forbidden_suppression(ctx: Context) -> Iterator[Hit]:
    """A `railsafe: ignore` comment on an error-level finding, where settings forbid it.

    ## What it finds
    With `allow-error-suppressions = false` in `[tool.railsafe]`, a suppression
    comment that would silence an error-level finding (data loss, a leaked
    secret, a setting Railway ignores). The finding is reported anyway; this
    warning points at the comment.

    ## Why it matters on Railway
    Error-level findings are the ones that wipe or leak production data. A team
    can decide that those are fixed or baselined (`--baseline`), never waved
    through by a comment in the same pull request that introduces them.

    ## Fix
    Fix the finding, or record it in the baseline file where the change is
    visible to reviewers.
    """
    return iter(())

"""Renderers: findings in, text out. They never analyse and never read files."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from railsafe.engine import Report

FORMATS = ("text", "json", "sarif", "github", "markdown")


def render(report: Report, fmt: str, color: bool = False) -> str:
    module = import_module(f"railsafe.render.{fmt}_format")
    func: Callable[..., str] = module.render
    return func(report, color=color)


def summary_counts(report: Report) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in report.findings:
        counts[f.severity.label] += 1
    return counts

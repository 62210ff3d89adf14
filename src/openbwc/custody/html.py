"""The custody report as HTML: a fragment for the console, or a standalone file from the CLI.

Rendered here rather than in the web layer so that `bwc custody report --html`
and the console show the same document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

_env = Environment(
    loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def report_body(report: dict[str, Any]) -> str:
    """The report's content (no page chrome), autoescaped."""
    return _env.get_template("custody_report_body.html").render(r=report)


def render_report(report: dict[str, Any]) -> str:
    """A self-contained HTML document: no scripts, no external files, fit to print or attach."""
    return _env.get_template("custody_report.html").render(r=report, body=report_body(report))

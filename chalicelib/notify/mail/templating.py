"""Jinja2 for emails: HTML templates autoescaped, plain-text ones not, undefined is an error."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from chalicelib.core.models import Frozen

SHARED = Path(__file__).parent / "templates"  # layout.html.j2, styles.j2: every email's frame


class RenderedEmail(Frozen):
    subject: str
    html: str
    text: str


def email_templates(folder: Path) -> Environment:
    """The templates of `folder`, which may extend the shared ones."""
    return Environment(
        loader=FileSystemLoader([folder, SHARED]),
        autoescape=select_autoescape(
            enabled_extensions=("html.j2",), disabled_extensions=("txt.j2",), default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

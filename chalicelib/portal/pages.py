"""The portal's pages as responses: server-rendered Chinese HTML in the emails' frame, every
value through Jinja2's autoescape, and the same protective headers on every answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalicelib.notify.mail.templating import email_templates

TEMPLATES = Path(__file__).parent / "templates"
_ENV = email_templates(TEMPLATES)


def security_headers(form_targets: str = "") -> dict[str, str]:
    """No caching, no referrer (the link's token never leaves in a Referer), no framing,
    no script, forms only to this site (and the bucket, for the upload)."""
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        f"form-action 'self'{' ' + form_targets if form_targets else ''}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": csp,
    }


@dataclass
class Page:
    """An answer of the portal: status, headers (the protective ones always) and body."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=security_headers)
    cookies: list[str] = field(default_factory=list)  # Set-Cookie values

    @classmethod
    def redirect(cls, location: str, status: int = 303) -> Page:
        page = cls(status, "")
        page.headers["Location"] = location
        return page


def render(template: str, subject: str, **values: Any) -> str:
    values.setdefault("notice", "")
    values.setdefault("error", "")
    values.setdefault("signed_in", False)
    values.setdefault("refresh", values.get("next_url", ""))
    values.setdefault("refresh_seconds", 0)
    return _ENV.get_template(template).render(subject=subject, **values)


def message(status: int, subject: str, *lines: str, refresh_to: str = "") -> Page:
    """A short page: why something cannot be shown, or a step on the way. `refresh_to`
    moves on at once (a navigation from this site, so the session cookie goes with it)."""
    body = render("message.html.j2", subject, lines=lines, next_url=refresh_to)
    return Page(status, body)

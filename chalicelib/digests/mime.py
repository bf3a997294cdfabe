"""A rendered digest as a raw MIME message for SES `send_raw_email` (RawMessage.Data)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from chalicelib.digests.render import RenderedDigest


def build_message(
    rendered: RenderedDigest,
    *,
    sender: str,
    recipient: str,
    cc: Sequence[str],
    sent_at: datetime,
    message_id: str,
) -> bytes:
    """multipart/alternative (text first, HTML preferred), UTF-8, CRLF line ends; the same
    arguments always give the same bytes.

    `sent_at` must be timezone-aware (the Date header carries its offset). `message_id`
    becomes the Message-ID header: `local@domain` is put in angle brackets, a bare token gets
    the sender's domain, so the same id always gives the same header."""
    if sent_at.tzinfo is None:
        raise ValueError(f"sent_at must be timezone-aware, got {sent_at.isoformat()}")
    message = EmailMessage(policy=SMTP)
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = recipient
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = _message_id(message_id, sender)
    message["MIME-Version"] = "1.0"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    # Python picks a random boundary; one derived from the id makes the bytes reproducible.
    # "=_" cannot occur in base64 or quoted-printable bodies, so it never collides.
    digest = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]
    message.set_boundary(f"===============_qungov_{digest}")
    return message.as_bytes()


def _message_id(message_id: str, sender: str) -> str:
    """`<a@b>` as is, `a@b` in angle brackets, a bare token `a` as `<a@sender-domain>`."""
    bare = message_id.removeprefix("<").removesuffix(">")
    if not bare or any(char in bare for char in "<> \t\r\n"):
        raise ValueError(
            f"message_id must be `token`, `local@domain` or `<local@domain>`: {message_id!r}"
        )
    if "@" in bare:
        return f"<{bare}>"
    domain = sender.rpartition("@")[2].strip("> ") or "qungov.invalid"
    return f"<{bare}@{domain}>"

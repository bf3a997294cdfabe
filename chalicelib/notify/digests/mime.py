"""A rendered digest as a raw MIME message (chalicelib/notify/mail/mime.py): the text and HTML
alternatives, and the full member lists as an XLSX attachment when the body lists only
the first members."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chalicelib.notify.digests.render import RenderedDigest
from chalicelib.notify.mail.mime import Part, build_email


def build_message(
    rendered: RenderedDigest,
    *,
    sender: str,
    recipient: str,
    cc: Sequence[str],
    sent_at: datetime,
    message_id: str,
    attachments: Sequence[Part] = (),
) -> bytes:
    """multipart/alternative (text first, HTML preferred), in multipart/mixed with the
    attachments; the same arguments always give the same bytes."""
    return build_email(
        rendered,
        sender=sender,
        to=[recipient],
        cc=cc,
        sent_at=sent_at,
        message_id=message_id,
        parts=attachments,
    )

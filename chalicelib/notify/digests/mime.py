"""A rendered digest as a raw MIME message (chalicelib/notify/mail/mime.py): the text and HTML
alternatives, and the full member lists as an XLSX attachment when the body lists only
the first members."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from chalicelib.core.dates import SHANGHAI, WEEKLY_RUN_TIME
from chalicelib.core.models import Office, Unit
from chalicelib.core.settings import Settings
from chalicelib.notify.digests.attachment import attachment_name, member_workbook, needs_attachment
from chalicelib.notify.digests.models import Digest
from chalicelib.notify.digests.render import RenderedDigest, render_digest
from chalicelib.notify.mail.mime import XLSX_TYPE, Part, build_email


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


def digest_email(
    digest: Digest, units: Mapping[str, Unit], settings: Settings, office: Office | None = None
) -> tuple[RenderedDigest, bytes]:
    """The rendered digest and its MIME bytes (`office`: the supervising one, named in
    the footer); a replay renders the very same bytes."""
    rendered = render_digest(digest, units, office)
    attachments = []
    if needs_attachment(digest):
        workbook = member_workbook(digest, units)
        attachments.append(Part(attachment_name(digest), workbook, XLSX_TYPE))
    raw = build_message(
        rendered,
        sender=settings.sender_email,
        recipient=digest.recipient,
        cc=digest.cc,
        sent_at=datetime.combine(digest.today, WEEKLY_RUN_TIME, SHANGHAI),
        message_id=f"{digest.period}.{digest.content_hash()}@qungov",
        attachments=attachments,
    )
    return rendered, raw

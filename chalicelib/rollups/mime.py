"""A rendered rollup as a raw MIME message for SES `send_raw_email` (RawMessage.Data):

multipart/mixed
  multipart/related                 the body, with the chart it shows inline
    multipart/alternative
      text/plain
      text/html                     <img src="cid:trend-chart">
    image/png                       Content-ID <trend-chart>, inline
  application/vnd...sheet           the workbook, filename in RFC 2231
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from email.message import MIMEPart
from email.policy import SMTP
from email.utils import format_datetime

from chalicelib.digests.mime import _message_id
from chalicelib.rollups.render import CHART_CID, RenderedRollup

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
CHART_FILENAME = "trend.png"


def build_rollup_message(
    rendered: RenderedRollup,
    *,
    chart_png: bytes,
    workbook: bytes,
    workbook_name: str,
    sender: str,
    recipients: Sequence[str],
    sent_at: datetime,
    message_id: str,
) -> bytes:
    """UTF-8, 7-bit on the wire, CRLF line ends; the same arguments always give the same
    bytes. `sent_at` must be timezone-aware; `message_id` is read as digests read it."""
    if sent_at.tzinfo is None:
        raise ValueError(f"sent_at must be timezone-aware, got {sent_at.isoformat()}")
    if not recipients:
        raise ValueError("a rollup needs at least one recipient")
    boundary = _boundaries(message_id)

    body = MIMEPart(policy=SMTP)
    body.set_content(rendered.text, subtype="plain", charset="utf-8")
    body.add_alternative(rendered.html, subtype="html", charset="utf-8")
    body.set_boundary(boundary["alternative"])

    chart = MIMEPart(policy=SMTP)
    chart.set_content(
        chart_png,
        maintype="image",
        subtype="png",
        disposition="inline",
        filename=CHART_FILENAME,
        cid=f"<{CHART_CID}>",
    )

    related = MIMEPart(policy=SMTP)
    related.make_related(boundary["related"])
    related.set_param("type", "multipart/alternative")  # RFC 2387: the root part's type
    related.attach(body)
    related.attach(chart)

    # MIMEPart, not EmailMessage, throughout: the latter stamps MIME-Version on every part.
    message = MIMEPart(policy=SMTP)
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = _message_id(message_id, sender)
    message["MIME-Version"] = "1.0"
    message.make_mixed(boundary["mixed"])
    message.attach(related)
    message.attach(_attachment(workbook, workbook_name))
    return message.as_bytes()


def _attachment(workbook: bytes, name: str) -> MIMEPart:
    part = MIMEPart(policy=SMTP)
    maintype, subtype = XLSX_TYPE
    part.set_content(workbook, maintype=maintype, subtype=subtype, disposition="attachment")
    # A non-ASCII name is written as RFC 2231 filename*=utf-8''%E7%BE%A4...
    charset = None if name.isascii() else "utf-8"
    part.set_param("filename", name, header="Content-Disposition", charset=charset)
    return part


def _boundaries(message_id: str) -> dict[str, str]:
    """Python picks random boundaries; ones derived from the id make the bytes reproducible.
    "=_" cannot occur in base64 or quoted-printable bodies, so they never collide."""
    digest = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]
    return {level: f"=_qungov_{level}_{digest}" for level in ("mixed", "related", "alternative")}

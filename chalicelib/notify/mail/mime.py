"""A rendered email as a raw MIME message for SES `send_raw_email` (RawMessage.Data), for
digests, rollups and upload receipts alike:

multipart/mixed                      when there are attachments
  multipart/related                  when there are inline images
    multipart/alternative
      text/plain
      text/html                      <img src="cid:...">
    image/png                        Content-ID <...>, inline
  application/...                    each attachment, its filename in RFC 2231

UTF-8, 7-bit on the wire, CRLF line ends; the same arguments always give the same bytes.
"""

from __future__ import annotations

import base64
import email
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import MIMEPart
from email.policy import SMTP
from email.policy import default as parsing
from email.utils import format_datetime

from chalicelib.notify.mail.templating import RenderedEmail

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class Part:
    """A file the email carries: attached, or shown inline where the HTML says `cid:<cid>`."""

    filename: str
    content: bytes
    mime_type: str  # e.g. "image/png"
    cid: str | None = None  # inline when set


def build_email(
    rendered: RenderedEmail,
    *,
    sender: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    sent_at: datetime,
    message_id: str,
    parts: Sequence[Part] = (),
) -> bytes:
    """`sent_at` must be timezone-aware (the Date header carries its offset). `message_id`
    becomes the Message-ID header: `local@domain` is put in angle brackets, a bare token
    gets the sender's domain, so the same id always gives the same header."""
    if sent_at.tzinfo is None:
        raise ValueError(f"sent_at must be timezone-aware, got {sent_at.isoformat()}")
    if not to:
        raise ValueError("an email needs at least one recipient")
    boundary = _boundaries(message_id)
    # MIMEPart, not EmailMessage: the latter stamps MIME-Version on every part.
    message = MIMEPart(policy=SMTP)
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = message_id_header(message_id, sender)
    message["MIME-Version"] = "1.0"
    inline = [part for part in parts if part.cid is not None]
    attached = [part for part in parts if part.cid is None]
    if attached:
        message.make_mixed(boundary["mixed"])
        message.attach(_body(rendered, inline, boundary))
        for part in attached:
            message.attach(_file(part))
    else:
        _fill(message, rendered, inline, boundary)
    return message.as_bytes()


def _body(rendered: RenderedEmail, inline: Sequence[Part], boundary: dict[str, str]) -> MIMEPart:
    part = MIMEPart(policy=SMTP)
    _fill(part, rendered, inline, boundary)
    return part


def _fill(
    part: MIMEPart, rendered: RenderedEmail, inline: Sequence[Part], boundary: dict[str, str]
) -> None:
    """The text and HTML alternatives, in multipart/related with the inline files."""
    alternative = part
    if inline:
        part.make_related(boundary["related"])
        part.set_param("type", "multipart/alternative")  # RFC 2387: the root part's type
        alternative = MIMEPart(policy=SMTP)
        part.attach(alternative)
        for file in inline:
            part.attach(_file(file))
    alternative.set_content(rendered.text, subtype="plain", charset="utf-8")
    alternative.add_alternative(rendered.html, subtype="html", charset="utf-8")
    alternative.set_boundary(boundary["alternative"])


def _file(part: Part) -> MIMEPart:
    mime = MIMEPart(policy=SMTP)
    maintype, subtype = part.mime_type.split("/")
    disposition = "inline" if part.cid is not None else "attachment"
    mime.set_content(part.content, maintype=maintype, subtype=subtype, disposition=disposition)
    # A non-ASCII name is written as RFC 2231 filename*=utf-8''%E7%BE%A4...
    charset = None if part.filename.isascii() else "utf-8"
    mime.set_param("filename", part.filename, header="Content-Disposition", charset=charset)
    if part.cid is not None:
        mime["Content-ID"] = f"<{part.cid}>"
    return mime


def preview_html(raw: bytes) -> str:
    """The HTML body of a raw message, as a page that opens from disk: each `cid:` image
    replaced by a `data:` URI of its inline part (the message itself keeps `cid:`)."""
    message = email.message_from_bytes(raw, policy=parsing)
    html = ""
    images: dict[str, str] = {}
    for part in message.walk():
        if part.get_content_type() == "text/html" and not html:
            html = str(part.get_content()).replace("\r\n", "\n")  # the wire's line ends
        cid = part.get("Content-ID")
        payload = part.get_payload(decode=True)
        if cid is not None and isinstance(payload, bytes):
            content = base64.b64encode(payload).decode("ascii")
            images[str(cid).strip("<> ")] = f"data:{part.get_content_type()};base64,{content}"
    for cid, uri in images.items():
        html = html.replace(f'src="cid:{cid}"', f'src="{uri}"')
    return html


def message_id_header(message_id: str, sender: str) -> str:
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


def _boundaries(message_id: str) -> dict[str, str]:
    """Python picks random boundaries; ones derived from the id make the bytes reproducible.
    "=_" cannot occur in base64 or quoted-printable bodies, so they never collide."""
    digest = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]
    return {level: f"=_qungov_{level}_{digest}" for level in ("mixed", "related", "alternative")}

"""The receipt of a rejected upload, by email: the file, why it was rejected, where it went
and what to do, to the unit that uploaded it.

To the contact of the unit whose folder the file is in (chalicelib/notify/attribution.py; a file
rejected whole holds no groups to tell its unit by), else to the office with scope `all`.
One email per uploaded version: the send identity is (recipient, the upload's ISO week,
`upload-rejected:<hash of path, time and size>`), so a replayed S3 event sends nothing new
(chalicelib/notify/sending.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from chalicelib.core.dates import SHANGHAI, iso_period
from chalicelib.core.layout import upload_notice_key
from chalicelib.core.models import Office, Unit
from chalicelib.core.settings import Settings
from chalicelib.intake.config import supervisor
from chalicelib.intake.inspection import Receipt
from chalicelib.intake.source import SourceFile
from chalicelib.notify.attribution import unit_names, unit_of_file
from chalicelib.notify.mail.mime import build_email
from chalicelib.notify.mail.templating import RenderedEmail, email_templates
from chalicelib.notify.sending import UPLOAD_REJECTED, MailMessage
from chalicelib.notify.wording import DATA_FOLDER_NAMES, DEFAULT_OFFICE, chinese_day

_ENV = email_templates(Path(__file__).parent / "templates")


@dataclass(frozen=True)
class Notice:
    message: MailMessage  # what the send queue carries
    raw: bytes  # the MIME message, stored at message.eml_key


def rejection_notice(
    receipt: Receipt,
    file: SourceFile,
    units: Sequence[Unit],
    offices: Sequence[Office],
    settings: Settings,
    unit_link: Callable[[str, str], str] | None = None,
) -> Notice | None:
    """The email for a rejected file; None when the file was not rejected or nobody can be
    told (no unit contact and no office with scope `all`). `unit_link(recipient, unit id)`:
    the unit contact's own portal link, to upload the corrected file there."""
    if receipt.rejected is None:
        return None
    office = supervisor(list(offices))
    unit_id = unit_of_file(file.path, unit_names(units), set())
    unit = next((u for u in units if u.unit_id == unit_id), None)
    recipient = (unit.contact_email if unit is not None else None) or (
        office.email if office is not None else None
    )
    if recipient is None:
        return None
    uploaded = file.modified.replace(tzinfo=SHANGHAI)
    period = iso_period(uploaded.date())
    version = f"{file.path}\n{file.modified.isoformat()}\n{file.size}"
    identity = hashlib.sha256(version.encode()).hexdigest()[:24]
    relay = unit is not None and recipient != unit.contact_email  # the office passes it on
    link = unit_link(recipient, unit.unit_id) if unit_link and unit and not relay else ""
    rendered = render_notice(receipt, file, unit, office, relay=relay, portal_link=link)
    raw = build_email(
        rendered,
        sender=settings.sender_email,
        to=[recipient],
        sent_at=uploaded,
        message_id=f"{period}.upload.{identity}@qungov",
    )
    message = MailMessage(
        recipient=recipient,
        period=period,
        kind=f"{UPLOAD_REJECTED}:{identity}",
        content_hash=hashlib.sha256(raw).hexdigest()[:32],
        eml_key=upload_notice_key(period, identity),
    )
    return Notice(message, raw)


def render_notice(
    receipt: Receipt,
    file: SourceFile,
    unit: Unit | None,
    office: Office | None,
    *,
    relay: bool = False,
    portal_link: str = "",
) -> RenderedEmail:
    """Subject without any value from the data (the file name is the uploader's). With
    `relay`, the email goes to the office for a unit that has no contact address."""
    folder = PurePosixPath(file.path).parts[0]
    uploaded = file.modified.strftime("%Y-%m-%d %H:%M")
    context = {
        "subject": f"【群组合规】{chinese_day(file.modified.date())} 上传的文件未被接收,请更正后重新上传",
        "file": file.path,
        "opening": _opening(unit, relay, uploaded, DATA_FOLDER_NAMES.get(folder, folder)),
        "folder": f"{PurePosixPath(file.path).parent}/",
        "reason": receipt.rejected,
        "moved_to": receipt.quarantined_to,
        "notes": receipt.notes,
        "office": office.contact_line if office is not None else DEFAULT_OFFICE,
        "portal_link": portal_link,
    }
    return RenderedEmail(
        subject=context["subject"],
        html=_ENV.get_template("rejected.html.j2").render(context),
        text=_ENV.get_template("rejected.txt.j2").render(context),
    )


def _opening(unit: Unit | None, relay: bool, uploaded: str, what: str) -> str:
    """Who uploaded what, and who is to act on it."""
    if unit is None:
        return (
            f"{uploaded} 上传的一个{what}文件无法读取,系统未接收。这个文件不在任何单位的文件夹中,"
            "无法判断是哪个单位上传的,请转告上传者按以下说明更正后重新上传。"
        )
    act = (
        "该单位没有登记联系邮箱,请转告其按以下说明更正后重新上传。"
        if relay
        else "本周检查不会使用这个文件;更正后重新上传即可,新文件会被重新检查并另发回执。"
    )
    return f"{unit.name}于 {uploaded} 上传的{what}文件无法读取,系统未接收。{act}"

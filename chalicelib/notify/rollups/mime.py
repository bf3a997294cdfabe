"""A rendered rollup as a raw MIME message (chalicelib/notify/mail/mime.py): the body shows the trend
chart inline (`cid:`), the workbook is attached."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chalicelib.notify.mail.mime import XLSX_TYPE, Part, build_email
from chalicelib.notify.rollups.render import CHART_CID, RenderedRollup

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
    return build_email(
        rendered,
        sender=sender,
        to=recipients,
        sent_at=sent_at,
        message_id=message_id,
        parts=[
            Part(CHART_FILENAME, chart_png, "image/png", cid=CHART_CID),
            Part(workbook_name, workbook, XLSX_TYPE),
        ],
    )

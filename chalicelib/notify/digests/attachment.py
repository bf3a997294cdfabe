"""The attachment of a digest whose body lists only the first members of an item: every
listed member of every open item, one row each, in a printable workbook."""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.core.models import Unit
from chalicelib.notify.digests.members import IN_BODY, listed_members, member_views
from chalicelib.notify.digests.models import Digest
from chalicelib.notify.mail.spreadsheet import Book
from chalicelib.notify.wording import PLATFORM_NAMES, week_span

HEADERS = ("群名称", "平台", "群号", "问题", "群内名称", "账号", "姓名", "状态", "单位")


def needs_attachment(digest: Digest) -> bool:
    return any(len(listed_members(item)) > IN_BODY for item in digest.new + digest.still_open)


def attachment_name(digest: Digest) -> str:
    return f"群成员名单_{digest.period}.xlsx"


def member_workbook(digest: Digest, units: Mapping[str, Unit]) -> bytes:
    """Every listed member of every open item, one row each, printable."""
    rows = [
        [item.group_name or "", PLATFORM_NAMES[item.platform], item.group_id, item.title,
         view.shown, view.account, view.person, view.status, view.unit]
        for item in digest.new + digest.still_open
        for view in member_views(item, units)
    ]  # fmt: skip
    book = Book(attachment_name(digest)[:-5], digest.today)
    book.sheet("成员名单").table(HEADERS, rows)
    return book.close(f"&L群组合规提醒 {week_span(digest.period)}&C&A")

"""The members a digest item is about (the member rules' `members` evidence), as the body
lists the first of them and the attached workbook lists them all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.core.models import Unit
from chalicelib.notify.digests.models import Digest, DigestItem
from chalicelib.notify.mail.spreadsheet import Book
from chalicelib.notify.wording import MEMBER_STATUS_NAMES, PLATFORM_NAMES, week_span

IN_BODY = 10  # members listed in the email; more go to the attachment
COUNT_KEYS = ("departed_count", "unmapped_count", "outsider_count")  # the rules' totals
HEADERS = ("群名称", "平台", "群号", "问题", "群内名称", "账号", "姓名", "状态", "单位")


@dataclass(frozen=True, slots=True)
class MemberView:
    shown: str  # the name in the group, "" when not known
    account: str  # masked
    person: str  # masked, "" for an account not in the directory
    status: str
    unit: str


def member_views(item: DigestItem, units: Mapping[str, Unit]) -> list[MemberView]:
    return [_view(member, units) for member in _members(item)]


def member_total(item: DigestItem) -> int:
    """How many members the finding is about (its list may stop at the rules' limit)."""
    counted = [int(item.evidence[key]) for key in COUNT_KEYS if key in item.evidence]
    return max([len(_members(item)), *counted])


def needs_attachment(digest: Digest) -> bool:
    return any(len(_members(item)) > IN_BODY for item in digest.new + digest.still_open)


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


def _members(item: DigestItem) -> Sequence[dict[str, Any]]:
    members = item.evidence.get("members")
    return members if isinstance(members, list) else []


def _view(member: dict[str, Any], units: Mapping[str, Unit]) -> MemberView:
    unit_id = str(member.get("unit") or "")
    return MemberView(
        shown=str(member.get("shown") or ""),
        account=str(member.get("account") or ""),
        person=str(member.get("person") or ""),
        status=MEMBER_STATUS_NAMES.get(str(member.get("status") or ""), ""),
        unit=units[unit_id].name if unit_id in units else unit_id,
    )
